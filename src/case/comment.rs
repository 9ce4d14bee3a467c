//! Case comments: who wrote them (agent, customer, bot), internal or public,
//! sentiment, threading, Markdown with a plain-text form, attachments, the
//! channel, and their edit and delete history. Pure values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::validate::{MAX_TEXT, required_text, validated_record};
use super::{Actor, Attachment, Origin, Sentiment};
use crate::error::{Error, Result};
use crate::ids::{AgentId, CommentId, ContactId};
use crate::picklist::picklist;

/// The rules of a comment's content, for new and stored comments alike: a body
/// that is not blank and at most 32,000 characters, and customers write only
/// public comments.
fn check_content(
    author: &Author,
    visibility: Visibility,
    body: &str,
    attachments: &[Attachment],
) -> Result<()> {
    required_text("body", body, MAX_TEXT)?;
    if attachments.len() > MAX_ATTACHMENTS {
        return Err(Error::validation(
            "attachments",
            format!(
                "at most {MAX_ATTACHMENTS} per comment, got {}",
                attachments.len()
            ),
        ));
    }
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

/// The most attachments one comment may list.
pub(crate) const MAX_ATTACHMENTS: usize = 100;

picklist! {
    /// How a comment's body is written.
    ///
    /// ```
    /// use hotcrm_support::case::BodyFormat;
    /// assert_eq!(BodyFormat::default(), BodyFormat::Plain);
    /// assert_eq!("markdown".parse::<BodyFormat>()?, BodyFormat::Markdown);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum BodyFormat: "body format" {
        /// Plain text.
        Plain => "Plain",
        /// CommonMark Markdown (kept as written, with a plain-text form).
        Markdown => "Markdown",
    }
}

#[allow(clippy::derivable_impls)] // the enum comes from `picklist!`
impl Default for BodyFormat {
    fn default() -> Self {
        BodyFormat::Plain
    }
}

/// The plain-text form of a CommonMark body: the text of paragraphs, headings,
/// list items, quotes and code, one block per line; link and image targets
/// dropped (their text kept), HTML tags dropped.
///
/// ```
/// use hotcrm_support::case::markdown_to_text;
/// let md = "# Fix\n\nRun `sudo systemctl restart auth` then **log in** again.\n\n- see [the guide](https://x.test/g)\n";
/// assert_eq!(markdown_to_text(md), "Fix\nRun sudo systemctl restart auth then log in again.\nsee the guide");
/// ```
pub fn markdown_to_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, TagEnd};
    let mut out = String::with_capacity(markdown.len());
    let newline = |out: &mut String| {
        while out.ends_with(' ') {
            out.pop();
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
    };
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => newline(&mut out),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::TableRow
                | TagEnd::TableHead,
            ) => newline(&mut out),
            Event::End(TagEnd::TableCell) => out.push(' '),
            Event::FootnoteReference(t) => out.push_str(&t),
            Event::TaskListMarker(done) => out.push_str(if done { "[x] " } else { "[ ] " }),
            _ => {}
        }
    }
    let trimmed = out.trim_end();
    trimmed
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A former body of an edited comment.
///
/// ```
/// use hotcrm_support::case::{Actor, CommentRevision};
/// let r = CommentRevision { at: "2026-01-05T09:00:00Z".parse()?, by: Actor::System, body: "old".into() };
/// assert_eq!(r.body, "old");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentRevision {
    /// When it was replaced.
    pub at: DateTime<Utc>,
    /// Who replaced it.
    pub by: Actor,
    /// The body as it was.
    pub body: String,
}

/// When and by whom a comment was deleted. A deleted comment keeps its body
/// and history for the audit trail; readers (the portal, timelines, search)
/// leave it out.
///
/// ```
/// use hotcrm_support::case::{Actor, CommentDeletion};
/// let d = CommentDeletion { at: "2026-01-05T09:00:00Z".parse()?, by: Actor::System };
/// assert!(d.by.is_system());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentDeletion {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: Actor,
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
    /// The text, as written (see [`Comment::format`]).
    pub body: String,
    /// Detected sentiment, when known.
    pub sentiment: Option<Sentiment>,
    /// The comment it answers (threading), on the same case.
    #[serde(default)]
    pub parent: Option<CommentId>,
    /// Plain text or Markdown.
    #[serde(default)]
    pub format: BodyFormat,
    /// The plain-text form of a Markdown body ([`markdown_to_text`]); `None`
    /// for plain bodies. See [`Comment::text`].
    #[serde(default)]
    pub plain: Option<String>,
    /// Attachment metadata (the host stores the bytes).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// The channel it came through (email, portal, chat...), when known.
    #[serde(default)]
    pub channel: Option<Origin>,
    /// Former bodies, oldest first (each edit keeps the one it replaced).
    #[serde(default)]
    pub revisions: Vec<CommentRevision>,
    /// Set when the comment was deleted.
    #[serde(default)]
    pub deleted: Option<CommentDeletion>,
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
    /// The comment it answers: must be on the case.
    #[serde(default)]
    pub parent: Option<CommentId>,
    /// Plain text or Markdown.
    #[serde(default)]
    pub format: BodyFormat,
    /// Attachment metadata (at most 100).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// The channel it came through.
    #[serde(default)]
    pub channel: Option<Origin>,
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
        check_content(&self.author, self.visibility, &self.body, &self.attachments)
    }

    /// The comment's text as plain text: the body, or the plain form of a
    /// Markdown body. Search and plain-text mail read this.
    ///
    /// ```
    /// # use hotcrm_support::case::{Author, Case, CaseCommand, CaseRules, NewCase, NewComment};
    /// # use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber, CommentId};
    /// # let rules = CaseRules::default();
    /// # let t = "2026-01-05T09:00:00Z".parse()?;
    /// # let (mut case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), t, &rules)?;
    /// let reply = NewComment::public(CommentId::from_u128(1), Author::Agent(AgentId::from_u128(7)), "**Restart** the app").markdown();
    /// case.execute(CaseCommand::Comment(reply), t, &rules)?;
    /// assert_eq!(case.comments[0].body, "**Restart** the app");
    /// assert_eq!(case.comments[0].text(), "Restart the app");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn text(&self) -> &str {
        self.plain.as_deref().unwrap_or(&self.body)
    }

    /// Whether the comment was deleted.
    ///
    /// ```
    /// # use hotcrm_support::case::Comment;
    /// # let json = r#"{"id":"00000000-0000-0000-0000-000000000001","at":"2026-01-05T09:00:00Z","author":{"kind":"Bot"},"visibility":"Public","body":"hi","sentiment":null}"#;
    /// let c: Comment = serde_json::from_str(json)?;
    /// assert!(!c.is_deleted());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_deleted(&self) -> bool {
        self.deleted.is_some()
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
        check_content(&self.author, self.visibility, &self.body, &self.attachments)
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
            parent: None,
            format: BodyFormat::Plain,
            attachments: Vec::new(),
            channel: None,
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
            parent: None,
            format: BodyFormat::Plain,
            attachments: Vec::new(),
            channel: None,
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

    /// The body is Markdown (kept as written, with a plain-text form).
    ///
    /// ```
    /// use hotcrm_support::case::{BodyFormat, NewComment};
    /// use hotcrm_support::ids::CommentId;
    /// assert_eq!(NewComment::customer_reply(CommentId::from_u128(1), "*hi*").markdown().format, BodyFormat::Markdown);
    /// ```
    pub fn markdown(mut self) -> Self {
        self.format = BodyFormat::Markdown;
        self
    }

    /// Threads the comment under `parent` (a comment on the same case).
    ///
    /// ```
    /// use hotcrm_support::case::NewComment;
    /// use hotcrm_support::ids::CommentId;
    /// let c = NewComment::customer_reply(CommentId::from_u128(2), "still?").reply_to(CommentId::from_u128(1));
    /// assert_eq!(c.parent, Some(CommentId::from_u128(1)));
    /// ```
    pub fn reply_to(mut self, parent: CommentId) -> Self {
        self.parent = Some(parent);
        self
    }

    /// Lists attachment metadata with the comment.
    ///
    /// ```
    /// use hotcrm_support::case::{Attachment, NewComment};
    /// use hotcrm_support::ids::CommentId;
    /// let c = NewComment::customer_reply(CommentId::from_u128(1), "log attached")
    ///     .with_attachments(vec![Attachment::new(Some("app.log"), "text/plain", 2048)]);
    /// assert_eq!(c.attachments.len(), 1);
    /// ```
    pub fn with_attachments(mut self, attachments: Vec<Attachment>) -> Self {
        self.attachments = attachments;
        self
    }

    /// Records the channel the comment came through.
    ///
    /// ```
    /// use hotcrm_support::case::{NewComment, Origin};
    /// use hotcrm_support::ids::CommentId;
    /// let c = NewComment::customer_reply(CommentId::from_u128(1), "hi").via(Origin::Email);
    /// assert_eq!(c.channel, Some(Origin::Email));
    /// ```
    pub fn via(mut self, channel: Origin) -> Self {
        self.channel = Some(channel);
        self
    }

    pub(crate) fn into_comment(self, at: DateTime<Utc>) -> Comment {
        let plain = match self.format {
            BodyFormat::Markdown => Some(markdown_to_text(&self.body)),
            BodyFormat::Plain => None,
        };
        Comment {
            id: self.id,
            at,
            author: self.author,
            visibility: self.visibility,
            body: self.body,
            sentiment: self.sentiment,
            parent: self.parent,
            format: self.format,
            plain,
            attachments: self.attachments,
            channel: self.channel,
            revisions: Vec::new(),
            deleted: None,
        }
    }
}
