//! Deterministic community moderation: trust levels earned by activity,
//! screening of new posts (links, watched words, duplicates, rate limits),
//! hiding after flags, and moderator actions.

use crate::picklist::picklist;
use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{AgentId, PostId, TopicId};

use super::forum::{ForumAuthor, ForumPost, ForumTopic, PostStatus, TopicStatus};

picklist! {
    /// How far the community trusts a member (after Discourse's levels 0–4).
    /// Agents are always trusted as `Leader`.
    ///
    /// ```
    /// use hotcrm_support::portal::TrustLevel;
    /// assert!(TrustLevel::New < TrustLevel::Member);
    /// ```
    pub enum TrustLevel: "trust level" {
        /// Level 0: just joined.
        New => "New",
        /// Level 1: has taken part.
        Basic => "Basic",
        /// Level 2: a regular participant.
        Member => "Member",
        /// Level 3: a long-standing, helpful participant.
        Regular => "Regular",
        /// Level 4: granted by moderators only.
        Leader => "Leader",
    }
}

/// What a member has done, the input of [`TrustRules::level`].
///
/// ```
/// use hotcrm_support::portal::Activity;
/// let a = Activity { days_since_joined: 20, visible_posts: 5, helpful_votes_received: 2, posts_removed: 0 };
/// assert_eq!(a.visible_posts, 5);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Whole days since the member's first portal login or invitation.
    pub days_since_joined: u32,
    /// Posts and topics of the member currently visible.
    pub visible_posts: u32,
    /// Helpful votes on the member's posts.
    pub helpful_votes_received: u32,
    /// The member's posts hidden by moderators or marked spam.
    pub posts_removed: u32,
}

/// The thresholds of one trust level.
///
/// ```
/// use hotcrm_support::portal::LevelThreshold;
/// let t = LevelThreshold { days_since_joined: 15, visible_posts: 3, helpful_votes_received: 1 };
/// assert_eq!(t.days_since_joined, 15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelThreshold {
    /// Minimum days since joining.
    pub days_since_joined: u32,
    /// Minimum visible posts.
    pub visible_posts: u32,
    /// Minimum helpful votes received.
    pub helpful_votes_received: u32,
}

impl LevelThreshold {
    fn met(&self, a: &Activity) -> bool {
        a.days_since_joined >= self.days_since_joined
            && a.visible_posts >= self.visible_posts
            && a.helpful_votes_received >= self.helpful_votes_received
    }
}

/// How members earn trust levels, as data. The defaults follow Discourse's
/// spirit with the activity the desk records (it does not track reading):
///
/// | level | days since joined | visible posts | helpful votes received |
/// | --- | --- | --- | --- |
/// | Basic | 1 | 1 | 0 |
/// | Member | 15 | 3 | 1 |
/// | Regular | 50 | 20 | 10 |
///
/// `Leader` is only granted by moderators. A member with `max_removed_posts`
/// or more posts removed by moderators stays `New`.
///
/// ```
/// use hotcrm_support::portal::{Activity, TrustLevel, TrustRules};
/// let rules = TrustRules::default();
/// assert_eq!(rules.level(&Activity::default()), TrustLevel::New);
/// let busy = Activity { days_since_joined: 60, visible_posts: 25, helpful_votes_received: 12, posts_removed: 0 };
/// assert_eq!(rules.level(&busy), TrustLevel::Regular);
/// assert_eq!(rules.level(&Activity { posts_removed: 3, ..busy }), TrustLevel::New);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustRules {
    /// Level 1.
    pub basic: LevelThreshold,
    /// Level 2.
    pub member: LevelThreshold,
    /// Level 3.
    pub regular: LevelThreshold,
    /// Removed posts that keep a member at `New`.
    pub max_removed_posts: u32,
}

impl Default for TrustRules {
    fn default() -> Self {
        TrustRules {
            basic: LevelThreshold {
                days_since_joined: 1,
                visible_posts: 1,
                helpful_votes_received: 0,
            },
            member: LevelThreshold {
                days_since_joined: 15,
                visible_posts: 3,
                helpful_votes_received: 1,
            },
            regular: LevelThreshold {
                days_since_joined: 50,
                visible_posts: 20,
                helpful_votes_received: 10,
            },
            max_removed_posts: 3,
        }
    }
}

impl TrustRules {
    /// The level `activity` earns (never `Leader`).
    pub fn level(&self, activity: &Activity) -> TrustLevel {
        if activity.posts_removed >= self.max_removed_posts {
            TrustLevel::New
        } else if self.regular.met(activity) {
            TrustLevel::Regular
        } else if self.member.met(activity) {
            TrustLevel::Member
        } else if self.basic.met(activity) {
            TrustLevel::Basic
        } else {
            TrustLevel::New
        }
    }
}

/// The moderation rules, as data. Defaults (after Discourse's):
///
/// - links: a `New` member's post with more than 0 links is held; a `Basic`
///   member's with more than 5 (`max_links`); higher levels are not limited;
/// - `blocked_words` (none by default) refuse the post; `review_words` (none)
///   hold it;
/// - duplicates: the same text (case and spacing ignored) as the author's own
///   post within `duplicate_window` (24 h) is refused; the same text as
///   anyone else's recent post, of at least 30 characters, is held;
/// - rate: at most `new_member_posts_per_day` (10) posts in 24 h for `New`
///   members, and at least `min_seconds_between_posts` (30 s for `New`, 5 s
///   otherwise) between two posts of one member;
/// - flags: a post flagged by `flags_to_hide` (3) distinct members of level
///   `Basic` or higher (or agents) is hidden until a moderator decides.
///
/// ```
/// use hotcrm_support::portal::ModerationRules;
/// let rules = ModerationRules::default().with_blocked_words(["casino"]);
/// assert_eq!(rules.flags_to_hide, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModerationRules {
    /// Most links per post by level, index = level (`New`, `Basic`, ...);
    /// `None` for no limit. A post above its level's limit is held.
    pub max_links: [Option<u32>; 5],
    /// Words (lower case, whole words) that refuse a post.
    pub blocked_words: BTreeSet<String>,
    /// Words (lower case, whole words) that hold a post for review.
    pub review_words: BTreeSet<String>,
    /// How far back duplicates are looked for.
    pub duplicate_window: TimeDelta,
    /// Shortest text considered for cross-author duplicate detection.
    pub duplicate_min_chars: usize,
    /// Posts a `New` member may write in 24 hours.
    pub new_member_posts_per_day: u32,
    /// Seconds between two posts of a `New` member.
    pub new_member_seconds_between_posts: i64,
    /// Seconds between two posts of anyone else.
    pub min_seconds_between_posts: i64,
    /// Distinct trusted flaggers that hide a post.
    pub flags_to_hide: usize,
}

impl Default for ModerationRules {
    fn default() -> Self {
        ModerationRules {
            max_links: [Some(0), Some(5), None, None, None],
            blocked_words: BTreeSet::new(),
            review_words: BTreeSet::new(),
            duplicate_window: TimeDelta::hours(24),
            duplicate_min_chars: 30,
            new_member_posts_per_day: 10,
            new_member_seconds_between_posts: 30,
            min_seconds_between_posts: 5,
            flags_to_hide: 3,
        }
    }
}

impl ModerationRules {
    /// The same rules with these blocked words.
    pub fn with_blocked_words<S: AsRef<str>>(
        mut self,
        words: impl IntoIterator<Item = S>,
    ) -> ModerationRules {
        self.blocked_words = words
            .into_iter()
            .map(|w| w.as_ref().to_lowercase())
            .collect();
        self
    }

    /// The same rules with these review words.
    pub fn with_review_words<S: AsRef<str>>(
        mut self,
        words: impl IntoIterator<Item = S>,
    ) -> ModerationRules {
        self.review_words = words
            .into_iter()
            .map(|w| w.as_ref().to_lowercase())
            .collect();
        self
    }

    /// Decides what happens to a new post (or topic) `body` by a member of
    /// `level` at `now`, given `recent`: the author's and others' posts of
    /// the last day (any order; older ones are ignored).
    ///
    /// # Errors
    ///
    /// [`Error::NotAllowed`] when a blocked word, an own duplicate or a rate
    /// limit refuses the post (nothing is stored).
    ///
    /// ```
    /// use hotcrm_support::portal::{ModerationRules, PostStatus, RecentPost, TrustLevel};
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let rules = ModerationRules::default();
    /// let held = rules.screen("see https://example.com", TrustLevel::New, now, &[])?;
    /// assert_eq!(held.status, PostStatus::PendingModeration);
    /// let ok = rules.screen("see https://example.com", TrustLevel::Member, now, &[])?;
    /// assert_eq!(ok.status, PostStatus::Visible);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn screen(
        &self,
        body: &str,
        level: TrustLevel,
        now: DateTime<Utc>,
        recent: &[RecentPost],
    ) -> Result<Screening> {
        let words: BTreeSet<String> = body
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        if let Some(word) = words.iter().find(|w| self.blocked_words.contains(*w)) {
            return Err(Error::NotAllowed {
                command: "post",
                reason: format!("contains the blocked word {word:?}"),
            });
        }
        let day_ago = now - TimeDelta::hours(24);
        let window_start = now - self.duplicate_window;
        let normal = normalise(body);
        let mine: Vec<&RecentPost> = recent.iter().filter(|p| p.by_author).collect();
        if mine
            .iter()
            .any(|p| p.at >= window_start && normalise(&p.body) == normal)
        {
            return Err(Error::NotAllowed {
                command: "post",
                reason: "the same text was already posted".into(),
            });
        }
        let gap = if level == TrustLevel::New {
            self.new_member_seconds_between_posts
        } else {
            self.min_seconds_between_posts
        };
        if let Some(last) = mine.iter().map(|p| p.at).filter(|at| *at <= now).max() {
            let wait = TimeDelta::seconds(gap) - (now - last);
            if wait > TimeDelta::zero() {
                return Err(Error::NotAllowed {
                    command: "post",
                    reason: format!("rate limited: wait {}s", wait.num_seconds().max(1)),
                });
            }
        }
        if level == TrustLevel::New
            && mine.iter().filter(|p| p.at > day_ago).count()
                >= self.new_member_posts_per_day as usize
        {
            return Err(Error::NotAllowed {
                command: "post",
                reason: format!(
                    "rate limited: new members write at most {} posts a day",
                    self.new_member_posts_per_day
                ),
            });
        }
        let mut reasons = Vec::new();
        let links = count_links(body);
        let limit = self
            .max_links
            .get(level as usize)
            .copied()
            .flatten()
            .map(u64::from);
        if let Some(limit) = limit {
            if links > limit {
                reasons.push(format!(
                    "{links} link(s) from a {level} member (at most {limit})"
                ));
            }
        }
        if let Some(word) = words.iter().find(|w| self.review_words.contains(*w)) {
            reasons.push(format!("contains the watched word {word:?}"));
        }
        if normal.chars().count() >= self.duplicate_min_chars
            && recent
                .iter()
                .any(|p| !p.by_author && p.at >= window_start && normalise(&p.body) == normal)
        {
            reasons.push("same text as another member's recent post".into());
        }
        Ok(Screening {
            status: if reasons.is_empty() {
                PostStatus::Visible
            } else {
                PostStatus::PendingModeration
            },
            reasons,
        })
    }
}

/// A recent post, the context of [`ModerationRules::screen`].
///
/// ```
/// use hotcrm_support::portal::RecentPost;
/// let p = RecentPost { at: "2026-01-05T09:00:00Z".parse()?, body: "hello".into(), by_author: true };
/// assert!(p.by_author);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentPost {
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Its text.
    pub body: String,
    /// Whether the author of the new post wrote it.
    pub by_author: bool,
}

/// The verdict of [`ModerationRules::screen`].
///
/// ```
/// use hotcrm_support::portal::{PostStatus, Screening};
/// let s = Screening { status: PostStatus::Visible, reasons: vec![] };
/// assert!(s.reasons.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screening {
    /// `Visible` or `PendingModeration`.
    pub status: PostStatus,
    /// Why it is held (empty when visible).
    pub reasons: Vec<String>,
}

/// Lower case, whitespace collapsed.
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Links in a text: `http://`, `https://` and `www.` occurrences.
fn count_links(text: &str) -> u64 {
    let lower = text.to_lowercase();
    ["http://", "https://"]
        .iter()
        .map(|p| lower.matches(p).count() as u64)
        .sum::<u64>()
        + lower
            .split(|c: char| c.is_whitespace() || c == '(' || c == '<')
            .filter(|w| w.starts_with("www."))
            .count() as u64
}

/// Records `flagger`'s flag on `post` (a member of `level`, or an agent) and
/// hides the post once [`ModerationRules::flags_to_hide`] distinct members of
/// level `Basic` or higher flagged it. Returns what happened.
///
/// # Errors
///
/// [`Error::NotAllowed`] when the author flags its own post.
///
/// ```
/// # use hotcrm_support::ids::*;
/// use hotcrm_support::portal::{flag_post, FlagOutcome, ForumAuthor, ForumPost, ModerationRules, PostStatus, TrustLevel};
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let mut post = ForumPost::new(PostId::from_u128(1), TopicId::from_u128(1), ForumAuthor::User(PortalUserId::from_u128(1)), "buy now", now)?;
/// let rules = ModerationRules::default();
/// for n in 2..=4u128 {
///     flag_post(&mut post, ForumAuthor::User(PortalUserId::from_u128(n)), TrustLevel::Basic, &rules)?;
/// }
/// assert_eq!(post.status, PostStatus::Hidden);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn flag_post(
    post: &mut ForumPost,
    flagger: ForumAuthor,
    level: TrustLevel,
    rules: &ModerationRules,
) -> Result<FlagOutcome> {
    if flagger == post.author {
        return Err(Error::NotAllowed {
            command: "flag",
            reason: "authors cannot flag their own posts".into(),
        });
    }
    let level = if flagger.is_agent() {
        TrustLevel::Leader
    } else {
        level
    };
    if post.flags.get(&flagger).is_some_and(|l| *l >= level) {
        return Ok(FlagOutcome::Unchanged);
    }
    post.flags.insert(flagger, level);
    // Flags of `New` members are kept for moderators but never hide a post.
    let trusted = post
        .flags
        .values()
        .filter(|l| **l >= TrustLevel::Basic)
        .count();
    if trusted >= rules.flags_to_hide && post.status == PostStatus::Visible {
        post.status = PostStatus::Hidden;
        post.moderation_reasons
            .push(format!("hidden after {trusted} flags"));
        return Ok(FlagOutcome::Hidden);
    }
    Ok(FlagOutcome::Recorded)
}

/// What [`flag_post`] did.
///
/// ```
/// use hotcrm_support::portal::FlagOutcome;
/// assert_ne!(FlagOutcome::Hidden, FlagOutcome::Unchanged);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlagOutcome {
    /// The flagger had flagged it already.
    Unchanged,
    /// The flag was recorded.
    Recorded,
    /// The flag was recorded and the post is now hidden.
    Hidden,
}

/// A moderator's decision.
///
/// ```
/// use hotcrm_support::ids::PostId;
/// use hotcrm_support::portal::ModeratorAction;
/// assert_ne!(ModeratorAction::Approve(PostId::from_u128(1)), ModeratorAction::Hide(PostId::from_u128(1)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModeratorAction {
    /// Show a held or hidden post (clears its flags).
    Approve(PostId),
    /// Hide a post.
    Hide(PostId),
    /// Mark a post as spam.
    MarkSpam(PostId),
    /// Show a held or hidden topic.
    ApproveTopic,
    /// Hide the topic.
    HideTopic,
    /// No more posts, votes or edits.
    Lock,
    /// Back to open (or answered).
    Unlock,
    /// Close for replies.
    Close,
    /// Sort first.
    Pin,
    /// Sort normally.
    Unpin,
    /// Move every post of this topic into another one; this topic is locked
    /// and points there.
    MergeInto(TopicId),
}

/// Applies moderator `by`'s `action` to `topic` and its `posts` at `now`;
/// returns the [`ModerationEvent`] (also appended to the topic's log), or
/// `None` when nothing changed (a repeated action is a no-op).
///
/// # Errors
///
/// [`Error::NotFound`] for a post not in `posts`; [`Error::NotAllowed`] for a
/// merge into itself or of an already merged topic.
///
/// ```
/// # use hotcrm_support::ids::*;
/// use hotcrm_support::portal::{moderate, ForumAuthor, ForumTopic, ModeratorAction, TopicStatus};
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let mut topic = ForumTopic::new(TopicId::from_u128(1), "VPN", "Drops", "body", ForumAuthor::User(PortalUserId::from_u128(1)), now)?;
/// let moderator = AgentId::from_u128(9);
/// assert!(moderate(&mut topic, &mut [], ModeratorAction::Lock, moderator, now)?.is_some());
/// assert!(moderate(&mut topic, &mut [], ModeratorAction::Lock, moderator, now)?.is_none());
/// assert_eq!(topic.status, TopicStatus::Locked);
/// assert_eq!(topic.moderation.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn moderate(
    topic: &mut ForumTopic,
    posts: &mut [ForumPost],
    action: ModeratorAction,
    by: AgentId,
    now: DateTime<Utc>,
) -> Result<Option<ModerationEvent>> {
    let before_posts: Vec<(PostId, PostStatus, TopicId)> =
        posts.iter().map(|p| (p.id, p.status, p.topic)).collect();
    let changed = apply_action(topic, posts, action)?;
    if !changed {
        return Ok(None);
    }
    let touched = posts
        .iter()
        .zip(&before_posts)
        .filter(|(p, (_, status, topic))| p.status != *status || p.topic != *topic)
        .map(|(p, _)| p.id)
        .collect();
    let event = ModerationEvent {
        topic: topic.id,
        action,
        by,
        at: now,
        posts: touched,
    };
    topic.moderation.push(event.clone());
    let excess = topic.moderation.len().saturating_sub(MAX_MODERATION_LOG);
    topic.moderation.drain(..excess);
    Ok(Some(event))
}

/// How many moderation events a topic keeps (the oldest are dropped first).
pub const MAX_MODERATION_LOG: usize = 100;

/// What a moderator did, recorded on the topic
/// ([`ForumTopic::moderation`](super::ForumTopic::moderation)) and returned by
/// [`moderate`].
///
/// ```
/// use hotcrm_support::ids::{AgentId, TopicId};
/// use hotcrm_support::portal::{ModerationEvent, ModeratorAction};
/// let e = ModerationEvent { topic: TopicId::from_u128(1), action: ModeratorAction::Lock, by: AgentId::from_u128(2), at: "2026-01-05T09:00:00Z".parse()?, posts: vec![] };
/// assert_eq!(e.action, ModeratorAction::Lock);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationEvent {
    /// The topic acted on.
    pub topic: TopicId,
    /// The action.
    pub action: ModeratorAction,
    /// The moderator.
    pub by: AgentId,
    /// When.
    pub at: DateTime<Utc>,
    /// The posts whose status or topic changed.
    pub posts: Vec<PostId>,
}

fn apply_action(
    topic: &mut ForumTopic,
    posts: &mut [ForumPost],
    action: ModeratorAction,
) -> Result<bool> {
    let before_topic = topic.clone();
    match action {
        ModeratorAction::Approve(id)
        | ModeratorAction::Hide(id)
        | ModeratorAction::MarkSpam(id) => {
            let post = posts
                .iter_mut()
                .find(|p| p.id == id && p.topic == topic.id)
                .ok_or_else(|| Error::NotFound {
                    kind: "post",
                    id: id.to_string(),
                })?;
            let status = match action {
                ModeratorAction::Approve(_) => PostStatus::Visible,
                ModeratorAction::Hide(_) => PostStatus::Hidden,
                _ => PostStatus::Spam,
            };
            if post.status == status {
                return Ok(false);
            }
            let was_visible = post.status == PostStatus::Visible;
            post.status = status;
            post.moderation_reasons.push(format!("moderator: {status}"));
            if status == PostStatus::Visible {
                post.flags.clear();
                topic.reply_count = topic.reply_count.saturating_add(1);
                topic.last_activity_at = topic.last_activity_at.max(post.created_at);
            } else if was_visible {
                topic.reply_count = topic.reply_count.saturating_sub(1);
                if topic.accepted_answer == Some(id) {
                    topic.accepted_answer = None;
                    if topic.status == TopicStatus::Answered {
                        topic.status = TopicStatus::Open;
                    }
                }
            }
            return Ok(true);
        }
        ModeratorAction::ApproveTopic => topic.visibility = PostStatus::Visible,
        ModeratorAction::HideTopic => topic.visibility = PostStatus::Hidden,
        ModeratorAction::Lock => topic.status = TopicStatus::Locked,
        ModeratorAction::Close => topic.status = TopicStatus::Closed,
        ModeratorAction::Unlock => {
            if topic.status.is_read_only() {
                topic.status = if topic.accepted_answer.is_some() {
                    TopicStatus::Answered
                } else {
                    TopicStatus::Open
                };
            }
        }
        ModeratorAction::Pin => topic.pinned = true,
        ModeratorAction::Unpin => topic.pinned = false,
        ModeratorAction::MergeInto(target) => {
            if target == topic.id {
                return Err(Error::NotAllowed {
                    command: "merge",
                    reason: "a topic cannot be merged into itself".into(),
                });
            }
            match topic.merged_into {
                Some(existing) if existing == target => return Ok(false),
                Some(existing) => {
                    return Err(Error::NotAllowed {
                        command: "merge",
                        reason: format!("already merged into {existing}"),
                    });
                }
                None => {}
            }
            for post in posts.iter_mut().filter(|p| p.topic == topic.id) {
                post.topic = target;
            }
            topic.merged_into = Some(target);
            topic.status = TopicStatus::Locked;
            topic.reply_count = 0;
            topic.accepted_answer = None;
        }
    }
    Ok(*topic != before_topic)
}
