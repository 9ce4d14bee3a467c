//! Case comments: who wrote them (agent, customer, bot), internal or public, sentiment.
//! Pure values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Sentiment;
use super::validate::{MAX_TEXT, required_text, validated_record};
use crate::error::{Error, Result};
use crate::ids::{AgentId, CommentId, ContactId};
use crate::picklist::picklist;

/// The rules of a comment's content, for new and stored comments alike: a body
/// that is not blank and at most 32,000 characters, and customers write only
/// public comments.
fn check_content(author: &Author, visibility: Visibility, body: &str) -> Result<()> {
    required_text("body", body, MAX_TEXT)?;
    if author.is_customer() && visibility != Visibility::Public {
        return Err(Error::validation(
            "visibility",
            format!("customers can only write public comments, got {visibility}"),
        ));
    }
    Ok(())
}

/// Who wrote a comment.
///
/// Only a public comment by an [`Author::Agent`] fulfils a response milestone;
/// a bot's reply never does.
///
/// ```
/// use hotcrm_support::case::Author;
/// use hotcrm_support::ids::AgentId;
/// assert!(Author::Agent(AgentId::from_u128(1)).is_agent());
/// assert!(!Author::Bot.is_agent());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id")]
pub enum Author {
    /// A human support agent.
    Agent(AgentId),
    /// The customer (the contact, when known).
    Customer(Option<ContactId>),
    /// An automated author: chat bot, auto-responder, system note.
    Bot,
}

impl Author {
    /// Whether the author is a human agent.
    ///
    /// ```
    /// assert!(!hotcrm_support::case::Author::Customer(None).is_agent());
    /// ```
    pub const fn is_agent(&self) -> bool {
        matches!(self, Author::Agent(_))
    }

    /// Whether the author is the customer.
    ///
    /// ```
    /// assert!(hotcrm_support::case::Author::Customer(None).is_customer());
    /// ```
    pub const fn is_customer(&self) -> bool {
        matches!(self, Author::Customer(_))
    }
}

picklist! {
    /// Who may see a comment.
    ///
    /// ```
    /// use hotcrm_support::case::Visibility;
    /// assert_eq!("internal".parse::<Visibility>()?, Visibility::Internal);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum Visibility: "comment visibility" {
        /// Visible to the customer.
        Public => "Public",
        /// Visible to agents only.
        Internal => "Internal",
    }
}

validated_record! {
/// A comment as stored on a case.
///
/// Loading one with serde checks what [`CaseCommand::Comment`](super::CaseCommand::Comment)
/// checks (see [`Comment::validate`]).
///
/// ```
/// use hotcrm_support::case::{Author, Visibility};
/// # use hotcrm_support::case::{Case, CaseCommand, CaseRules, NewCase, NewComment};
/// # use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber, CommentId};
/// # let rules = CaseRules::default();
/// # let t = "2026-01-05T09:00:00Z".parse()?;
/// # let (mut case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), t, &rules)?;
/// let agent = AgentId::from_u128(7);
/// case.execute(CaseCommand::Comment(NewComment::internal(CommentId::from_u128(1), agent, "checking logs")), t, &rules)?;
/// let c = &case.comments[0];
/// assert_eq!((c.author, c.visibility), (Author::Agent(agent), Visibility::Internal));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CommentRecord")]
#[non_exhaustive]
pub struct Comment {
    /// The comment's id.
    pub id: CommentId,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub author: Author,
    /// Public or internal.
    pub visibility: Visibility,
    /// The text.
    pub body: String,
    /// Detected sentiment, when known.
    pub sentiment: Option<Sentiment>,
}
mirror CommentRecord;
}

validated_record! {
/// The input of [`CaseCommand::Comment`](super::CaseCommand::Comment).
///
/// ```
/// use hotcrm_support::case::{Author, NewComment, Sentiment, Visibility};
/// use hotcrm_support::ids::CommentId;
/// let reply = NewComment::customer_reply(CommentId::from_u128(1), "still broken!").with_sentiment(Sentiment::Angry);
/// assert_eq!(reply.visibility, Visibility::Public);
/// assert_eq!(reply.author, Author::Customer(None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "NewCommentRecord")]
pub struct NewComment {
    /// The new comment's id (supplied by the caller, so deciding stays pure).
    pub id: CommentId,
    /// Who writes it.
    pub author: Author,
    /// Public or internal. Customers can only write public comments.
    pub visibility: Visibility,
    /// The text: not blank, at most 32,000 characters.
    pub body: String,
    /// Detected sentiment, when known.
    pub sentiment: Option<Sentiment>,
}
mirror NewCommentRecord;
}

impl Comment {
    /// Checks what [`CaseCommand::Comment`](super::CaseCommand::Comment) checks:
    /// a body that is not blank and at most 32,000 characters, and a customer's
    /// comment is public. Serde runs it when a comment is loaded.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field (`body`, `visibility`).
    ///
    /// # Example
    ///
    /// ```
    /// use hotcrm_support::case::Comment;
    /// let json = r#"{"id":"00000000-0000-0000-0000-000000000001","at":"2026-01-05T09:00:00Z",
    ///     "author":{"kind":"Bot"},"visibility":"Public","body":"We got your request.","sentiment":null}"#;
    /// let comment: Comment = serde_json::from_str(json)?;
    /// comment.validate()?;
    /// let blank = json.replace("We got your request.", " ");
    /// let err = serde_json::from_str::<Comment>(&blank).unwrap_err();
    /// assert!(err.to_string().starts_with("invalid body: must not be empty"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_content(&self.author, self.visibility, &self.body)
    }
}

impl NewComment {
    /// Checks the comment's content: a body that is not blank and at most 32,000
    /// characters, and a customer's comment is public. Serde runs it when a
    /// comment command is loaded; [`decide`](super::decide) refuses the same.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field (`body`, `visibility`).
    ///
    /// # Example
    ///
    /// ```
    /// use hotcrm_support::case::NewComment;
    /// use hotcrm_support::ids::CommentId;
    /// NewComment::customer_reply(CommentId::from_u128(1), "thanks").validate()?;
    /// assert!(NewComment::customer_reply(CommentId::from_u128(1), "  ").validate().is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_content(&self.author, self.visibility, &self.body)
    }

    /// A public comment by `author`.
    ///
    /// ```
    /// use hotcrm_support::case::{Author, NewComment};
    /// use hotcrm_support::ids::CommentId;
    /// let bot = NewComment::public(CommentId::from_u128(1), Author::Bot, "We received your request.");
    /// assert_eq!(bot.author, Author::Bot);
    /// ```
    pub fn public(id: CommentId, author: Author, body: impl Into<String>) -> Self {
        Self {
            id,
            author,
            visibility: Visibility::Public,
            body: body.into(),
            sentiment: None,
        }
    }

    /// An internal note by an agent.
    ///
    /// ```
    /// use hotcrm_support::case::{NewComment, Visibility};
    /// use hotcrm_support::ids::{AgentId, CommentId};
    /// let note = NewComment::internal(CommentId::from_u128(1), AgentId::from_u128(2), "auth service down");
    /// assert_eq!(note.visibility, Visibility::Internal);
    /// ```
    pub fn internal(id: CommentId, agent: AgentId, body: impl Into<String>) -> Self {
        Self {
            id,
            author: Author::Agent(agent),
            visibility: Visibility::Internal,
            body: body.into(),
            sentiment: None,
        }
    }

    /// A public reply by the customer (contact unknown; set `author` to name it).
    ///
    /// ```
    /// use hotcrm_support::case::NewComment;
    /// use hotcrm_support::ids::CommentId;
    /// assert!(NewComment::customer_reply(CommentId::from_u128(1), "thanks").author.is_customer());
    /// ```
    pub fn customer_reply(id: CommentId, body: impl Into<String>) -> Self {
        Self::public(id, Author::Customer(None), body)
    }

    /// Sets the detected sentiment.
    ///
    /// ```
    /// use hotcrm_support::case::{NewComment, Sentiment};
    /// use hotcrm_support::ids::CommentId;
    /// let c = NewComment::customer_reply(CommentId::from_u128(1), "ok").with_sentiment(Sentiment::Positive);
    /// assert_eq!(c.sentiment, Some(Sentiment::Positive));
    /// ```
    pub fn with_sentiment(mut self, sentiment: Sentiment) -> Self {
        self.sentiment = Some(sentiment);
        self
    }

    pub(crate) fn into_comment(self, at: DateTime<Utc>) -> Comment {
        Comment {
            id: self.id,
            at,
            author: self.author,
            visibility: self.visibility,
            body: self.body,
            sentiment: self.sentiment,
        }
    }
}
