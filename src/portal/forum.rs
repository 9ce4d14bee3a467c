//! Community topics and posts: votes, edits with history, quality ranking.

use crate::picklist::picklist;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::validate::{not_blank, validated_record};
use crate::error::{Error, Result};
use crate::ids::{AgentId, ArticleId, CaseId, PortalUserId, PostId, TopicId};

use super::moderation::{ModerationEvent, TrustLevel};

/// Longest topic title, in characters.
pub const MAX_TOPIC_TITLE_CHARS: usize = 200;
/// Longest topic or post body, in characters.
pub const MAX_POST_BODY_CHARS: usize = 20_000;
/// Most tags on a topic.
pub const MAX_TAGS: usize = 10;

picklist! {
    /// The life of a topic.
    ///
    /// ```
    /// use hotcrm_support::portal::TopicStatus;
    /// assert!(TopicStatus::Locked.is_read_only());
    /// assert!(!TopicStatus::Answered.is_read_only());
    /// ```
    pub enum TopicStatus: "topic status" {
        /// Open for replies.
        Open => "Open",
        /// A post was accepted as the answer (still open for replies).
        Answered => "Answered",
        /// Closed by its author or a moderator: no new replies.
        Closed => "Closed",
        /// Locked by a moderator: no replies, no votes, no edits.
        Locked => "Locked",
    }
}

impl TopicStatus {
    /// Whether no new posts are accepted.
    pub const fn is_read_only(self) -> bool {
        matches!(self, TopicStatus::Closed | TopicStatus::Locked)
    }
}

picklist! {
    /// Whether a post (or a topic's opening post) is shown.
    ///
    /// ```
    /// use hotcrm_support::portal::PostStatus;
    /// assert_eq!(PostStatus::PendingModeration.to_string(), "Pending Moderation");
    /// ```
    pub enum PostStatus: "post status" {
        /// Shown to everyone.
        Visible => "Visible",
        /// Held until a moderator approves it (shown to its author and moderators).
        PendingModeration => "Pending Moderation",
        /// Hidden by flags or a moderator.
        Hidden => "Hidden",
        /// Marked as spam by a moderator.
        Spam => "Spam",
    }
}

picklist! {
    /// A reader's vote on a post.
    ///
    /// ```
    /// use hotcrm_support::portal::Vote;
    /// assert_eq!("not helpful".parse::<Vote>()?, Vote::NotHelpful);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum Vote: "vote" {
        /// The post helped.
        Helpful => "Helpful",
        /// It did not.
        NotHelpful => "Not Helpful",
    }
}

/// Who wrote or voted: a portal user or an agent.
///
/// ```
/// use hotcrm_support::ids::{AgentId, PortalUserId};
/// use hotcrm_support::portal::ForumAuthor;
/// assert!(ForumAuthor::Agent(AgentId::from_u128(1)).is_agent());
/// assert!(!ForumAuthor::User(PortalUserId::from_u128(1)).is_agent());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ForumAuthor {
    /// A customer-portal user.
    User(PortalUserId),
    /// A support agent (or moderator).
    Agent(AgentId),
}

impl ForumAuthor {
    /// Whether this is an agent.
    pub const fn is_agent(&self) -> bool {
        matches!(self, ForumAuthor::Agent(_))
    }
}

/// What a topic turned into.
///
/// ```
/// use hotcrm_support::ids::CaseId;
/// use hotcrm_support::portal::TopicLink;
/// assert_ne!(TopicLink::Case(CaseId::from_u128(1)), TopicLink::Case(CaseId::from_u128(2)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TopicLink {
    /// A support case opened from it.
    Case(CaseId),
    /// A knowledge article drafted from its answer.
    Article(ArticleId),
}

/// One earlier body of an edited post or topic.
///
/// ```
/// use hotcrm_support::ids::PortalUserId;
/// use hotcrm_support::portal::{Edit, ForumAuthor};
/// let e = Edit { at: "2026-01-05T09:00:00Z".parse()?, by: ForumAuthor::User(PortalUserId::from_u128(1)), previous: "old".into() };
/// assert_eq!(e.previous, "old");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    /// When it was replaced.
    pub at: DateTime<Utc>,
    /// Who replaced it.
    pub by: ForumAuthor,
    /// The body before the edit.
    pub previous: String,
}

/// A vote and when it was last cast.
///
/// ```
/// use hotcrm_support::portal::{CastVote, Vote};
/// let v = CastVote { vote: Vote::Helpful, at: "2026-01-05T09:00:00Z".parse()? };
/// assert_eq!(v.vote, Vote::Helpful);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CastVote {
    /// The vote.
    pub vote: Vote,
    /// When it was cast (or changed).
    pub at: DateTime<Utc>,
}

/// A map with non-string keys as a JSON-friendly list of `[key, value]` pairs.
mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(map.iter())
    }

    pub(super) fn deserialize<'de, K, V, D>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let pairs: Vec<(K, V)> = Vec::deserialize(deserializer)?;
        Ok(pairs.into_iter().collect())
    }
}

fn check_body(field: &'static str, body: &str) -> Result<()> {
    not_blank(field, body)?;
    if body.chars().count() > MAX_POST_BODY_CHARS {
        return Err(Error::Validation {
            field,
            reason: format!("longer than {MAX_POST_BODY_CHARS} characters"),
        });
    }
    Ok(())
}

validated_record! {
/// A community discussion: its opening post, status and counters.
///
/// Loading one checks [`ForumTopic::validate`].
///
/// ```
/// use hotcrm_support::ids::{PortalUserId, TopicId};
/// use hotcrm_support::portal::{ForumAuthor, ForumTopic, TopicStatus};
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let topic = ForumTopic::new(TopicId::from_u128(1), "VPN", "Client drops every hour", "It reconnects after a minute.", ForumAuthor::User(PortalUserId::from_u128(2)), now)?
///     .with_tags(["vpn", "Windows"])?;
/// assert_eq!(topic.status, TopicStatus::Open);
/// assert!(topic.tags.contains("windows"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ForumTopicRecord")]
#[non_exhaustive]
pub struct ForumTopic {
    /// The topic's id.
    pub id: TopicId,
    /// Forum category.
    pub category: String,
    /// Title.
    pub title: String,
    /// The opening post.
    pub body: String,
    /// Who opened it.
    pub author: ForumAuthor,
    /// Open, Answered, Closed or Locked.
    pub status: TopicStatus,
    /// Whether the opening post is shown (moderation of the topic itself).
    pub visibility: PostStatus,
    /// Pinned topics sort first.
    pub pinned: bool,
    /// How many times it was viewed.
    pub view_count: u64,
    /// Visible replies.
    pub reply_count: u64,
    /// The latest visible post (or the opening).
    pub last_activity_at: DateTime<Utc>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// Lower-case tags.
    pub tags: BTreeSet<String>,
    /// The post accepted as the answer.
    pub accepted_answer: Option<PostId>,
    /// The case or article it became.
    pub became: Option<TopicLink>,
    /// The topic it was merged into (this one is then locked).
    pub merged_into: Option<TopicId>,
    /// Earlier bodies of the opening post.
    pub edits: Vec<Edit>,
    /// What moderators did to the topic and its posts, oldest first (at most
    /// [`MAX_MODERATION_LOG`](super::MAX_MODERATION_LOG)).
    #[serde(default)]
    pub moderation: Vec<ModerationEvent>,
}
mirror ForumTopicRecord;
}

impl ForumTopic {
    /// A new, open, visible topic.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a blank category, title or body, or one too long.
    pub fn new(
        id: TopicId,
        category: impl Into<String>,
        title: impl Into<String>,
        body: impl Into<String>,
        author: ForumAuthor,
        now: DateTime<Utc>,
    ) -> Result<ForumTopic> {
        let topic = ForumTopic {
            id,
            category: category.into().trim().to_string(),
            title: title.into().trim().to_string(),
            body: body.into(),
            author,
            status: TopicStatus::Open,
            visibility: PostStatus::Visible,
            pinned: false,
            view_count: 0,
            reply_count: 0,
            last_activity_at: now,
            created_at: now,
            tags: BTreeSet::new(),
            accepted_answer: None,
            became: None,
            merged_into: None,
            edits: Vec::new(),
            moderation: Vec::new(),
        };
        topic.validate()?;
        Ok(topic)
    }

    /// The same topic with `tags` (trimmed, lower-cased, at most [`MAX_TAGS`]).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a blank tag or too many.
    pub fn with_tags<S: AsRef<str>>(
        mut self,
        tags: impl IntoIterator<Item = S>,
    ) -> Result<ForumTopic> {
        self.tags = tags
            .into_iter()
            .map(|t| t.as_ref().trim().to_lowercase())
            .collect();
        self.validate()?;
        Ok(self)
    }

    /// Checks the invariants: category, title and body not blank, title up to
    /// [`MAX_TOPIC_TITLE_CHARS`], body up to [`MAX_POST_BODY_CHARS`], tags not
    /// blank, at most [`MAX_TAGS`].
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field.
    pub fn validate(&self) -> Result<()> {
        not_blank("category", &self.category)?;
        not_blank("title", &self.title)?;
        if self.title.chars().count() > MAX_TOPIC_TITLE_CHARS {
            return Err(Error::Validation {
                field: "title",
                reason: format!("longer than {MAX_TOPIC_TITLE_CHARS} characters"),
            });
        }
        check_body("body", &self.body)?;
        if self.tags.len() > MAX_TAGS || self.tags.iter().any(|t| t.trim().is_empty()) {
            return Err(Error::Validation {
                field: "tags",
                reason: format!("at most {MAX_TAGS} tags, none blank"),
            });
        }
        Ok(())
    }

    /// Whether a reader of this kind sees the topic: visible topics to all;
    /// held ones to their author and moderators.
    pub fn visible_to(&self, reader: Reader) -> bool {
        match reader {
            Reader::Moderator => true,
            Reader::Member(who) => {
                self.visibility == PostStatus::Visible
                    || (self.visibility == PostStatus::PendingModeration && self.author == who)
            }
            Reader::Guest => self.visibility == PostStatus::Visible,
        }
    }
}

/// Who reads the forum, for filtering.
///
/// ```
/// use hotcrm_support::portal::Reader;
/// assert_ne!(Reader::Guest, Reader::Moderator);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reader {
    /// Not logged in.
    Guest,
    /// A logged-in member (sees its own held posts).
    Member(ForumAuthor),
    /// An agent moderating (sees everything).
    Moderator,
}

validated_record! {
/// A reply in a topic, with its votes, edit history and moderation state.
///
/// Loading one checks [`ForumPost::validate`].
///
/// ```
/// use hotcrm_support::ids::{PortalUserId, PostId, TopicId};
/// use hotcrm_support::portal::{ForumAuthor, ForumPost, Vote};
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let mut post = ForumPost::new(PostId::from_u128(1), TopicId::from_u128(2), ForumAuthor::User(PortalUserId::from_u128(3)), "Update the client to 5.2.", now)?;
/// let voter = ForumAuthor::User(PortalUserId::from_u128(4));
/// assert!(post.vote(voter, Vote::Helpful, now)?);
/// assert!(!post.vote(voter, Vote::Helpful, now)?); // the same vote again changes nothing
/// assert_eq!((post.helpful(), post.not_helpful()), (1, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ForumPostRecord")]
#[non_exhaustive]
pub struct ForumPost {
    /// The post's id.
    pub id: PostId,
    /// Its topic.
    pub topic: TopicId,
    /// Who wrote it.
    pub author: ForumAuthor,
    /// The text.
    pub body: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// One vote per voter (the latest). Stored as a list of pairs.
    #[serde(with = "pairs")]
    pub votes: BTreeMap<ForumAuthor, CastVote>,
    /// Earlier bodies, oldest first.
    pub edits: Vec<Edit>,
    /// Visible, held, hidden or spam.
    pub status: PostStatus,
    /// Distinct members who flagged it, with their trust level when they did
    /// (agents as `Leader`). Stored as a list of pairs.
    #[serde(with = "pairs")]
    pub flags: BTreeMap<ForumAuthor, TrustLevel>,
    /// Why it was held or hidden (moderation rules, flags, moderators).
    pub moderation_reasons: Vec<String>,
}
mirror ForumPostRecord;
}

impl ForumPost {
    /// A new visible post.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a blank or too long body.
    pub fn new(
        id: PostId,
        topic: TopicId,
        author: ForumAuthor,
        body: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Result<ForumPost> {
        let post = ForumPost {
            id,
            topic,
            author,
            body: body.into(),
            created_at: now,
            votes: BTreeMap::new(),
            edits: Vec::new(),
            status: PostStatus::Visible,
            flags: BTreeMap::new(),
            moderation_reasons: Vec::new(),
        };
        post.validate()?;
        Ok(post)
    }

    /// Checks the invariants: a body not blank and up to
    /// [`MAX_POST_BODY_CHARS`]; the author never votes on or flags its own post.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field.
    pub fn validate(&self) -> Result<()> {
        check_body("body", &self.body)?;
        if self.votes.contains_key(&self.author) || self.flags.contains_key(&self.author) {
            return Err(Error::Validation {
                field: "votes",
                reason: "the author cannot vote on or flag its own post".into(),
            });
        }
        Ok(())
    }

    /// Casts or changes `voter`'s vote; returns whether anything changed (the
    /// same vote again is a no-op, a changed vote replaces the old one: a voter
    /// is never counted twice).
    ///
    /// # Errors
    ///
    /// [`Error::NotAllowed`] when the author votes on its own post.
    pub fn vote(&mut self, voter: ForumAuthor, vote: Vote, now: DateTime<Utc>) -> Result<bool> {
        if voter == self.author {
            return Err(Error::NotAllowed {
                command: "vote",
                reason: "authors cannot vote on their own posts".into(),
            });
        }
        if self.votes.get(&voter).is_some_and(|v| v.vote == vote) {
            return Ok(false);
        }
        self.votes.insert(voter, CastVote { vote, at: now });
        Ok(true)
    }

    /// Withdraws `voter`'s vote; returns whether there was one.
    pub fn unvote(&mut self, voter: ForumAuthor) -> bool {
        self.votes.remove(&voter).is_some()
    }

    /// Helpful votes.
    pub fn helpful(&self) -> u64 {
        self.count(Vote::Helpful)
    }

    /// Not-helpful votes.
    pub fn not_helpful(&self) -> u64 {
        self.count(Vote::NotHelpful)
    }

    fn count(&self, vote: Vote) -> u64 {
        self.votes.values().filter(|v| v.vote == vote).count() as u64
    }

    /// Helpful votes cast at or after `since`.
    pub fn helpful_since(&self, since: DateTime<Utc>) -> u64 {
        self.votes
            .values()
            .filter(|v| v.vote == Vote::Helpful && v.at >= since)
            .count() as u64
    }

    /// The quality score: [`wilson_lower_bound`] of the helpful share.
    pub fn quality(&self) -> f64 {
        let helpful = self.helpful();
        wilson_lower_bound(helpful, self.votes.len() as u64)
    }

    /// Replaces the body, keeping the old one in [`ForumPost::edits`]; an
    /// unchanged body is a no-op (`Ok(false)`).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a blank or too long body (nothing changes).
    pub fn edit(
        &mut self,
        by: ForumAuthor,
        body: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let body = body.into();
        check_body("body", &body)?;
        if body == self.body {
            return Ok(false);
        }
        let previous = std::mem::replace(&mut self.body, body);
        self.edits.push(Edit {
            at: now,
            by,
            previous,
        });
        Ok(true)
    }

    /// Whether `reader` sees the post: visible posts to all, held ones to the
    /// author and moderators, hidden and spam to moderators only.
    pub fn visible_to(&self, reader: Reader) -> bool {
        match reader {
            Reader::Moderator => true,
            Reader::Member(who) => {
                self.status == PostStatus::Visible
                    || (self.status == PostStatus::PendingModeration && self.author == who)
            }
            Reader::Guest => self.status == PostStatus::Visible,
        }
    }
}

/// The lower bound of the Wilson score interval at 95% confidence (z = 1.96)
/// for `positive` successes out of `total`: a post with few votes ranks by how
/// sure we can be it is helpful, not by its raw share. 0 when `total` is 0.
///
/// ```
/// use hotcrm_support::portal::wilson_lower_bound;
/// let few = wilson_lower_bound(10, 11);   // 10 up, 1 down
/// let many = wilson_lower_bound(40, 60);  // 40 up, 20 down
/// assert!((few - 0.623).abs() < 0.001 && (many - 0.541).abs() < 0.001);
/// assert!(few > many);
/// ```
pub fn wilson_lower_bound(positive: u64, total: u64) -> f64 {
    if total == 0 {
        return 0.0;
    }
    const Z: f64 = 1.96;
    let n = total as f64;
    let p = (positive.min(total)) as f64 / n;
    let z2 = Z * Z;
    let centre = p + z2 / (2.0 * n);
    let margin = Z * ((p * (1.0 - p) + z2 / (4.0 * n)) / n).sqrt();
    ((centre - margin) / (1.0 + z2 / n)).max(0.0)
}

/// How a topic's posts are ordered for reading: the accepted answer first,
/// then by [`ForumPost::quality`] (higher first), then oldest first, then by id.
/// Only the posts `reader` may see are kept.
///
/// ```
/// # use hotcrm_support::ids::*;
/// use hotcrm_support::portal::{ForumAuthor, ForumPost, Reader, Vote, posts_for_reader};
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let author = ForumAuthor::User(PortalUserId::from_u128(1));
/// let a = ForumPost::new(PostId::from_u128(1), TopicId::from_u128(9), author, "first", now)?;
/// let mut b = ForumPost::new(PostId::from_u128(2), TopicId::from_u128(9), author, "second", now)?;
/// b.vote(ForumAuthor::User(PortalUserId::from_u128(2)), Vote::Helpful, now)?;
/// let posts = [a, b];
/// let page = posts_for_reader(&posts, None, Reader::Guest);
/// assert_eq!(page.iter().map(|p| p.id).collect::<Vec<_>>(), [PostId::from_u128(2), PostId::from_u128(1)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn posts_for_reader(
    posts: &[ForumPost],
    accepted: Option<PostId>,
    reader: Reader,
) -> Vec<&ForumPost> {
    let mut shown: Vec<(f64, &ForumPost)> = posts
        .iter()
        .filter(|p| p.visible_to(reader))
        .map(|p| (p.quality(), p))
        .collect();
    shown.sort_by(|(qa, a), (qb, b)| {
        let accepted_a = Some(a.id) == accepted;
        let accepted_b = Some(b.id) == accepted;
        accepted_b
            .cmp(&accepted_a)
            .then_with(|| qb.partial_cmp(qa).unwrap_or(Ordering::Equal))
            .then_with(|| a.created_at.cmp(&b.created_at))
            .then_with(|| a.id.cmp(&b.id))
    });
    shown.into_iter().map(|(_, p)| p).collect()
}

/// How a topic list is ordered.
///
/// ```
/// use hotcrm_support::portal::TopicSort;
/// assert_ne!(TopicSort::Latest, TopicSort::Unanswered);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TopicSort {
    /// Latest activity first.
    Latest,
    /// Most helpful votes on its posts cast since the instant, first.
    Top {
        /// Start of the period.
        since: DateTime<Utc>,
    },
    /// Topics with no accepted answer and no visible reply, oldest activity
    /// first (the ones waiting longest).
    Unanswered,
}

/// Orders `topics` by `sort` for `reader` (topics the reader may not see are
/// dropped; pinned topics first under every order; ties by id). `posts` are
/// consulted for [`TopicSort::Top`] (each post counts for its own topic).
///
/// ```
/// # use hotcrm_support::ids::*;
/// use hotcrm_support::portal::{ForumAuthor, ForumTopic, Reader, TopicSort, sort_topics};
/// let t0 = "2026-01-05T09:00:00Z".parse()?;
/// let t1 = "2026-01-06T09:00:00Z".parse()?;
/// let author = ForumAuthor::User(PortalUserId::from_u128(1));
/// let old = ForumTopic::new(TopicId::from_u128(1), "VPN", "Old", "body", author, t0)?;
/// let new = ForumTopic::new(TopicId::from_u128(2), "VPN", "New", "body", author, t1)?;
/// let topics = [old, new];
/// let latest = sort_topics(&topics, &[], TopicSort::Latest, Reader::Guest);
/// assert_eq!(latest[0].title, "New");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sort_topics<'t>(
    topics: &'t [ForumTopic],
    posts: &[ForumPost],
    sort: TopicSort,
    reader: Reader,
) -> Vec<&'t ForumTopic> {
    let mut shown: Vec<&ForumTopic> = topics.iter().filter(|t| t.visible_to(reader)).collect();
    match sort {
        TopicSort::Latest => shown.sort_by(|a, b| {
            b.pinned
                .cmp(&a.pinned)
                .then_with(|| b.last_activity_at.cmp(&a.last_activity_at))
                .then_with(|| a.id.cmp(&b.id))
        }),
        TopicSort::Top { since } => {
            let mut votes: BTreeMap<TopicId, u64> = BTreeMap::new();
            for post in posts.iter().filter(|p| p.status == PostStatus::Visible) {
                *votes.entry(post.topic).or_default() += post.helpful_since(since);
            }
            let score = |t: &ForumTopic| votes.get(&t.id).copied().unwrap_or(0);
            shown.sort_by(|a, b| {
                b.pinned
                    .cmp(&a.pinned)
                    .then_with(|| score(b).cmp(&score(a)))
                    .then_with(|| b.last_activity_at.cmp(&a.last_activity_at))
                    .then_with(|| a.id.cmp(&b.id))
            });
        }
        TopicSort::Unanswered => {
            shown.retain(|t| {
                t.accepted_answer.is_none() && t.reply_count == 0 && !t.status.is_read_only()
            });
            shown.sort_by(|a, b| {
                b.pinned
                    .cmp(&a.pinned)
                    .then_with(|| a.last_activity_at.cmp(&b.last_activity_at))
                    .then_with(|| a.id.cmp(&b.id))
            });
        }
    }
    shown
}
