//! Portal users and the community through the desk: every command loads the
//! records it needs, decides with the pure `portal` rules and stores all it
//! changed (the post, its topic's counters, the author's activity) in one
//! commit; a version conflict is decided again on fresh records.

use chrono::{DateTime, Utc};

use super::SupportDesk;
use super::unit::is_retryable;
use crate::error::{Error, Result};
use crate::ids::{AgentId, PostId, TopicId};
use crate::portal::{
    ForumAuthor, ForumPost, ForumTopic, ModeratorAction, Permission, PortalUser, PostStatus,
    Reader, RecentPost, TopicSort, TopicStatus, TrustLevel, Vote, flag_post, moderate,
    posts_for_reader, sort_topics,
};
use crate::repo::{PortalKind, PortalRecord, UnitOfWork, Versioned};

/// A topic to open ([`SupportDesk::create_topic`]).
///
/// ```
/// use hotcrm_support::desk::NewTopic;
/// use hotcrm_support::ids::TopicId;
/// let t = NewTopic::new(TopicId::from_u128(1), "VPN", "Drops hourly", "Since the update.").tags(["vpn"]);
/// assert_eq!(t.tags, ["vpn"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewTopic {
    /// The id the caller chose (a repeated creation is a no-op).
    pub id: TopicId,
    /// Category.
    pub category: String,
    /// Title.
    pub title: String,
    /// Opening post.
    pub body: String,
    /// Tags.
    pub tags: Vec<String>,
}

impl NewTopic {
    /// A topic without tags.
    pub fn new(
        id: TopicId,
        category: impl Into<String>,
        title: impl Into<String>,
        body: impl Into<String>,
    ) -> NewTopic {
        NewTopic {
            id,
            category: category.into(),
            title: title.into(),
            body: body.into(),
            tags: Vec::new(),
        }
    }

    /// Sets the tags.
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> NewTopic {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }
}

/// A record as loaded, with its version.
type Loaded<T> = (T, u64);

fn user_of(record: Versioned<PortalRecord>) -> Result<Loaded<PortalUser>> {
    match record.value {
        PortalRecord::User(u) => Ok((u, record.version)),
        other => Err(wrong_kind(&other)),
    }
}

fn topic_of(record: Versioned<PortalRecord>) -> Result<Loaded<ForumTopic>> {
    match record.value {
        PortalRecord::Topic(t) => Ok((t, record.version)),
        other => Err(wrong_kind(&other)),
    }
}

fn post_of(record: Versioned<PortalRecord>) -> Result<Loaded<ForumPost>> {
    match record.value {
        PortalRecord::Post(p) => Ok((p, record.version)),
        other => Err(wrong_kind(&other)),
    }
}

fn wrong_kind(record: &PortalRecord) -> Error {
    Error::Internal {
        what: format!(
            "{} {} stored under another kind",
            record.kind().name(),
            record.id()
        ),
    }
}

impl SupportDesk {
    /// Stores a new portal user. Its contact must exist and belong to its
    /// account. Registering the same user again is a no-op; another user
    /// with the same id is [`Error::AlreadyExists`].
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown contact, [`Error::Validation`] for a
    /// contact of another account or an invalid user.
    ///
    /// ```
    /// # use hotcrm_support::desk::SupportDesk;
    /// # use hotcrm_support::ids::*; use hotcrm_support::knowledge::PortalTier;
    /// # use hotcrm_support::repo::{Account, Contact, MemoryRepository, Repository};
    /// use hotcrm_support::portal::PortalUser;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let repo = MemoryRepository::new();
    /// repo.put_contact(&Contact::new(ContactId::from_u128(2), AccountId::from_u128(3), "Ann", "ann@acme.test"), None).await?;
    /// let desk = SupportDesk::builder(repo).build();
    /// let user = PortalUser::new(PortalUserId::from_u128(1), ContactId::from_u128(2), AccountId::from_u128(3), PortalTier::Basic, "2026-01-05T09:00:00Z".parse()?).activated();
    /// assert_eq!(desk.register_portal_user(user.clone()).await?.version, 1);
    /// assert_eq!(desk.portal_user(user.id).await?.value, user);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn register_portal_user(&self, user: PortalUser) -> Result<Versioned<PortalUser>> {
        user.validate()?;
        let contact = self.repo.get_contact(user.contact).await?.value;
        if contact.account != user.account {
            return Err(Error::validation(
                "contact",
                "the contact belongs to another account",
            ));
        }
        match self.portal_user(user.id).await {
            Ok(stored) if stored.value == user => return Ok(stored),
            Ok(_) => {
                return Err(Error::AlreadyExists {
                    kind: PortalKind::User.name(),
                    key: user.id.to_string(),
                });
            }
            Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let work = UnitOfWork::new().portal(PortalRecord::User(user.clone()), None);
        self.commit_work(&work).await?;
        Ok(Versioned {
            value: user,
            version: 1,
        })
    }

    /// The stored portal user.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id.
    pub async fn portal_user(&self, id: crate::ids::PortalUserId) -> Result<Versioned<PortalUser>> {
        let (value, version) = user_of(
            self.repo
                .get_portal_record(PortalKind::User, *id.as_uuid())
                .await?,
        )?;
        Ok(Versioned { value, version })
    }

    /// Changes a stored portal user (status, tier, flags, locale, last
    /// login) in one commit, retried on a version conflict. A change that
    /// leaves the user as it is commits nothing. Portal calls read the stored
    /// user, so a suspension takes effect on every desk at once.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown user; [`Error::Validation`] for an
    /// invalid locale; storage errors.
    ///
    /// ```
    /// # use hotcrm_support::desk::SupportDesk;
    /// # use hotcrm_support::ids::*; use hotcrm_support::knowledge::PortalTier;
    /// # use hotcrm_support::repo::{Contact, MemoryRepository, Repository};
    /// use hotcrm_support::portal::{PortalStatus, PortalUser, PortalUserChange};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let repo = MemoryRepository::new();
    /// # repo.put_contact(&Contact::new(ContactId::from_u128(2), AccountId::from_u128(3), "Ann", "ann@acme.test"), None).await?;
    /// # let desk = SupportDesk::builder(repo).build();
    /// let user = PortalUser::new(PortalUserId::from_u128(1), ContactId::from_u128(2), AccountId::from_u128(3), PortalTier::Basic, "2026-01-05T09:00:00Z".parse()?);
    /// desk.register_portal_user(user.clone()).await?;
    /// let active = desk.update_portal_user(user.id, PortalUserChange::Activate).await?;
    /// assert_eq!((active.value.status, active.version), (PortalStatus::Active, 2));
    /// let again = desk.update_portal_user(user.id, PortalUserChange::Activate).await?;
    /// assert_eq!(again.version, 2); // nothing changed, nothing committed
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_portal_user(
        &self,
        id: crate::ids::PortalUserId,
        change: crate::portal::PortalUserChange,
    ) -> Result<Versioned<PortalUser>> {
        self.community_retry(|| async {
            let (mut user, version) = user_of(
                self.repo
                    .get_portal_record(PortalKind::User, *id.as_uuid())
                    .await?,
            )?;
            let before = user.clone();
            user.apply(&change, self.clock.now());
            user.validate()?;
            if user == before {
                return Ok(Versioned {
                    value: user,
                    version,
                });
            }
            let work = UnitOfWork::new().portal(PortalRecord::User(user.clone()), Some(version));
            self.commit_work(&work).await?;
            Ok(Versioned {
                value: user,
                version: version + 1,
            })
        })
        .await
    }

    async fn load_user(&self, author: ForumAuthor) -> Result<Option<Loaded<PortalUser>>> {
        match author {
            ForumAuthor::Agent(_) => Ok(None),
            ForumAuthor::User(id) => user_of(
                self.repo
                    .get_portal_record(PortalKind::User, *id.as_uuid())
                    .await?,
            )
            .map(Some),
        }
    }

    async fn load_topic(&self, id: TopicId) -> Result<Loaded<ForumTopic>> {
        topic_of(
            self.repo
                .get_portal_record(PortalKind::Topic, *id.as_uuid())
                .await?,
        )
    }

    async fn load_post(&self, id: PostId) -> Result<Loaded<ForumPost>> {
        post_of(
            self.repo
                .get_portal_record(PortalKind::Post, *id.as_uuid())
                .await?,
        )
    }

    async fn topic_posts(&self, topic: TopicId) -> Result<Vec<Loaded<ForumPost>>> {
        self.repo
            .portal_records(PortalKind::Post, Some(*topic.as_uuid()))
            .await?
            .into_iter()
            .map(post_of)
            .collect()
    }

    /// The trust level of `author` now (agents are `Leader`).
    fn trust_of(&self, user: Option<&PortalUser>, now: DateTime<Utc>) -> TrustLevel {
        match user {
            None => TrustLevel::Leader,
            Some(u) => {
                let mut activity = u.activity;
                activity.days_since_joined =
                    u32::try_from((now - u.created_at).num_days().max(0)).unwrap_or(u32::MAX);
                self.config.community.trust.level(&activity)
            }
        }
    }

    /// Runs `attempt` until it commits or fails with something other than a
    /// version conflict (at most `max_retries` times again).
    async fn community_retry<T, F, Fut>(&self, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut tries = 0u32;
        loop {
            match attempt().await {
                Err(e) if is_retryable(&e) && tries < self.config.max_retries => tries += 1,
                other => return other,
            }
        }
    }

    /// Checks a new post by `author` (a portal user needs
    /// [`Permission::PostInCommunity`]) against the moderation rules; returns
    /// the screening, the user (updated with the post) and its version.
    fn screen_new(
        &self,
        user: Option<&PortalUser>,
        body: &str,
        others: &[RecentPost],
        now: DateTime<Utc>,
    ) -> Result<crate::portal::Screening> {
        if let Some(u) = user {
            u.require(
                Permission::PostInCommunity,
                &self.config.portal.permissions,
                "post",
            )?;
        }
        let level = self.trust_of(user, now);
        let mut recent: Vec<RecentPost> = others.to_vec();
        if let Some(u) = user {
            recent.extend(u.recent_posts.iter().map(|(at, body)| RecentPost {
                at: *at,
                body: body.clone(),
                by_author: true,
            }));
        }
        if user.is_none() {
            // Agents are never held or rate limited.
            return Ok(crate::portal::Screening {
                status: PostStatus::Visible,
                reasons: Vec::new(),
            });
        }
        self.config
            .community
            .moderation
            .screen(body, level, now, &recent)
    }

    /// Opens a topic. A portal user's topic is screened like a post (held
    /// topics are seen by their author and moderators only). Creating the
    /// same topic id again returns the stored topic and changes nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Forbidden`] without [`Permission::PostInCommunity`];
    /// [`Error::NotAllowed`] when a moderation rule refuses it;
    /// [`Error::Validation`] for bad fields; [`Error::NotFound`] for an unknown
    /// portal user.
    pub async fn create_topic(&self, author: ForumAuthor, topic: NewTopic) -> Result<ForumTopic> {
        self.community_retry(|| async {
            match self.load_topic(topic.id).await {
                Ok((stored, _)) => return Ok(stored),
                Err(Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
            let now = self.clock.now();
            let user = self.load_user(author).await?;
            let created = ForumTopic::new(
                topic.id,
                topic.category.clone(),
                topic.title.clone(),
                topic.body.clone(),
                author,
                now,
            )?
            .with_tags(topic.tags.iter())?;
            let screening =
                self.screen_new(user.as_ref().map(|u| &u.0), &created.body, &[], now)?;
            let mut created = created;
            created.visibility = screening.status;
            let mut work = UnitOfWork::new().portal(PortalRecord::Topic(created.clone()), None);
            if let Some((mut u, version)) = user {
                u.remember_post(now, &created.body);
                if screening.status == PostStatus::Visible {
                    u.activity.visible_posts = u.activity.visible_posts.saturating_add(1);
                }
                work = work.portal(PortalRecord::User(u), Some(version));
            }
            self.commit_work(&work).await?;
            Ok(created)
        })
        .await
    }

    /// Replies in a topic: screened by the moderation rules (others' posts of
    /// the topic count for duplicate detection); a visible reply raises the
    /// topic's reply count and last activity in the same commit. A repeated
    /// post id returns the stored post and changes nothing.
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::create_topic`]; [`Error::NotAllowed`] for a Closed or
    /// Locked topic.
    pub async fn reply(
        &self,
        topic: TopicId,
        author: ForumAuthor,
        id: PostId,
        body: impl Into<String>,
    ) -> Result<ForumPost> {
        let body = body.into();
        self.community_retry(|| async {
            match self.load_post(id).await {
                Ok((stored, _)) => return Ok(stored),
                Err(Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
            let now = self.clock.now();
            let (mut t, t_version) = self.load_topic(topic).await?;
            if t.status.is_read_only() {
                return Err(Error::NotAllowed {
                    command: "reply",
                    reason: format!("the topic is {}", t.status),
                });
            }
            let user = self.load_user(author).await?;
            let mut post = ForumPost::new(id, topic, author, body.clone(), now)?;
            let day_ago = now - chrono::TimeDelta::hours(24);
            let others: Vec<RecentPost> = self
                .topic_posts(topic)
                .await?
                .into_iter()
                .filter(|(p, _)| p.author != author && p.created_at > day_ago)
                .map(|(p, _)| RecentPost {
                    at: p.created_at,
                    body: p.body,
                    by_author: false,
                })
                .collect();
            let screening =
                self.screen_new(user.as_ref().map(|u| &u.0), &post.body, &others, now)?;
            post.status = screening.status;
            post.moderation_reasons = screening.reasons;
            let mut work = UnitOfWork::new().portal(PortalRecord::Post(post.clone()), None);
            if post.status == PostStatus::Visible {
                t.reply_count = t.reply_count.saturating_add(1);
                t.last_activity_at = t.last_activity_at.max(now);
                work = work.portal(PortalRecord::Topic(t), Some(t_version));
            }
            if let Some((mut u, version)) = user {
                u.remember_post(now, &post.body);
                if post.status == PostStatus::Visible {
                    u.activity.visible_posts = u.activity.visible_posts.saturating_add(1);
                }
                work = work.portal(PortalRecord::User(u), Some(version));
            }
            self.commit_work(&work).await?;
            Ok(post)
        })
        .await
    }

    /// Casts or changes `voter`'s vote on a post (one vote per member,
    /// changeable, never counted twice); the author's helpful-votes count
    /// follows in the same commit. The same vote again is a no-op.
    ///
    /// # Errors
    ///
    /// [`Error::NotAllowed`] for a vote on one's own post or in a Locked
    /// topic; [`Error::NotFound`] for an unknown post.
    pub async fn vote_post(
        &self,
        post: PostId,
        voter: ForumAuthor,
        vote: Vote,
    ) -> Result<ForumPost> {
        self.community_retry(|| async {
            let now = self.clock.now();
            let (mut p, version) = self.load_post(post).await?;
            let (t, _) = self.load_topic(p.topic).await?;
            if t.status == TopicStatus::Locked {
                return Err(Error::NotAllowed {
                    command: "vote",
                    reason: "the topic is locked".into(),
                });
            }
            if let Some((u, _)) = self.load_user(voter).await? {
                u.require(
                    Permission::PostInCommunity,
                    &self.config.portal.permissions,
                    "vote",
                )?;
            }
            let before = p.helpful();
            if !p.vote(voter, vote, now)? {
                return Ok(p);
            }
            let mut work = UnitOfWork::new().portal(PortalRecord::Post(p.clone()), Some(version));
            if let Some((mut author, a_version)) = self.load_user(p.author).await? {
                let after = p.helpful();
                author.activity.helpful_votes_received = if after >= before {
                    author
                        .activity
                        .helpful_votes_received
                        .saturating_add(u32::try_from(after - before).unwrap_or(u32::MAX))
                } else {
                    author
                        .activity
                        .helpful_votes_received
                        .saturating_sub(u32::try_from(before - after).unwrap_or(u32::MAX))
                };
                work = work.portal(PortalRecord::User(author), Some(a_version));
            }
            self.commit_work(&work).await?;
            Ok(p)
        })
        .await
    }

    /// Flags a post; it is hidden once enough distinct trusted members
    /// flagged it (the topic's reply count follows). A repeated flag is a no-op.
    ///
    /// # Errors
    ///
    /// [`Error::NotAllowed`] for a flag on one's own post; [`Error::NotFound`]
    /// for an unknown post.
    pub async fn flag(&self, post: PostId, flagger: ForumAuthor) -> Result<ForumPost> {
        self.community_retry(|| async {
            let now = self.clock.now();
            let (mut p, version) = self.load_post(post).await?;
            let user = self.load_user(flagger).await?;
            let level = self.trust_of(user.as_ref().map(|u| &u.0), now);
            let outcome = flag_post(&mut p, flagger, level, &self.config.community.moderation)?;
            if outcome == crate::portal::FlagOutcome::Unchanged {
                return Ok(p);
            }
            let mut work = UnitOfWork::new().portal(PortalRecord::Post(p.clone()), Some(version));
            if outcome == crate::portal::FlagOutcome::Hidden {
                let (mut t, t_version) = self.load_topic(p.topic).await?;
                t.reply_count = t.reply_count.saturating_sub(1);
                work = work.portal(PortalRecord::Topic(t), Some(t_version));
            }
            self.commit_work(&work).await?;
            Ok(p)
        })
        .await
    }

    /// A moderator's action on a topic and its posts (approve, hide, spam,
    /// lock, close, pin, merge...), stored in one commit with every post it
    /// changed, the authors' removed-post counts and a
    /// [`ModerationEvent`](crate::portal::ModerationEvent) in the topic's
    /// moderation log. A repeated action is a no-op.
    ///
    /// # Errors
    ///
    /// As [`crate::portal::moderate`]; [`Error::NotFound`] for an unknown topic
    /// (or merge target).
    pub async fn moderate_topic(
        &self,
        topic: TopicId,
        moderator: AgentId,
        action: ModeratorAction,
    ) -> Result<ForumTopic> {
        self.community_retry(|| async {
            let (mut t, t_version) = self.load_topic(topic).await?;
            let loaded = self.topic_posts(topic).await?;
            let mut target = None;
            if let ModeratorAction::MergeInto(into) = action {
                if into != topic {
                    target = Some(self.load_topic(into).await?);
                }
            }
            let mut posts: Vec<ForumPost> = loaded.iter().map(|(p, _)| p.clone()).collect();
            let before_t = t.clone();
            if moderate(&mut t, &mut posts, action, moderator, self.clock.now())?.is_none() {
                return Ok(t);
            }
            let mut work = UnitOfWork::new();
            if t != before_t {
                work = work.portal(PortalRecord::Topic(t.clone()), Some(t_version));
            }
            let mut removed: Vec<ForumAuthor> = Vec::new();
            let mut moved_visible = 0u64;
            for (p, (old, version)) in posts.iter().zip(&loaded) {
                if p != old {
                    let was_shown = old.status == PostStatus::Visible;
                    if was_shown && matches!(p.status, PostStatus::Hidden | PostStatus::Spam) {
                        removed.push(p.author);
                    }
                    if p.topic != old.topic && p.status == PostStatus::Visible {
                        moved_visible += 1;
                    }
                    work = work.portal(PortalRecord::Post(p.clone()), Some(*version));
                }
            }
            if let Some((mut into, version)) = target {
                into.reply_count = into.reply_count.saturating_add(moved_visible);
                into.last_activity_at = into.last_activity_at.max(t.last_activity_at);
                work = work.portal(PortalRecord::Topic(into), Some(version));
            }
            for author in removed {
                if let Some((mut u, version)) = self.load_user(author).await? {
                    u.activity.posts_removed = u.activity.posts_removed.saturating_add(1);
                    u.activity.visible_posts = u.activity.visible_posts.saturating_sub(1);
                    work = work.portal(PortalRecord::User(u), Some(version));
                }
            }
            self.commit_work(&work).await?;
            Ok(t)
        })
        .await
    }

    /// Accepts a visible reply as the topic's answer (by the topic's author or
    /// an agent); the topic becomes Answered. Accepting it again is a no-op.
    ///
    /// # Errors
    ///
    /// [`Error::Forbidden`] for anyone else; [`Error::NotAllowed`] for a post
    /// of another topic, one not visible, or a Locked topic.
    pub async fn accept_answer(
        &self,
        topic: TopicId,
        post: PostId,
        by: ForumAuthor,
    ) -> Result<ForumTopic> {
        self.community_retry(|| async {
            let (mut t, version) = self.load_topic(topic).await?;
            if !by.is_agent() && by != t.author {
                return Err(Error::Forbidden {
                    action: "accept_answer",
                    reason: "only the topic's author or an agent accepts an answer".into(),
                });
            }
            if t.accepted_answer == Some(post) {
                return Ok(t);
            }
            if t.status == TopicStatus::Locked {
                return Err(Error::NotAllowed {
                    command: "accept_answer",
                    reason: "the topic is locked".into(),
                });
            }
            let (p, _) = self.load_post(post).await?;
            if p.topic != topic || p.status != PostStatus::Visible {
                return Err(Error::NotAllowed {
                    command: "accept_answer",
                    reason: "the answer must be a visible reply of this topic".into(),
                });
            }
            t.accepted_answer = Some(post);
            if t.status == TopicStatus::Open {
                t.status = TopicStatus::Answered;
            }
            self.commit_work(
                &UnitOfWork::new().portal(PortalRecord::Topic(t.clone()), Some(version)),
            )
            .await?;
            Ok(t)
        })
        .await
    }

    /// A topic and its replies as `reader` may see them, the accepted answer
    /// first, then by quality.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown topic or one the reader may not see.
    pub async fn topic_page(
        &self,
        topic: TopicId,
        reader: Reader,
    ) -> Result<(ForumTopic, Vec<ForumPost>)> {
        let (t, _) = self.load_topic(topic).await?;
        if !t.visible_to(reader) {
            return Err(Error::NotFound {
                kind: PortalKind::Topic.name(),
                id: topic.to_string(),
            });
        }
        let posts: Vec<ForumPost> = self
            .topic_posts(topic)
            .await?
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        let shown = posts_for_reader(&posts, t.accepted_answer, reader)
            .into_iter()
            .cloned()
            .collect();
        Ok((t, shown))
    }

    /// Every topic `reader` may see, in `sort` order (pinned first). Reads all
    /// topics (and, for [`TopicSort::Top`], all posts).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    pub async fn topics(&self, sort: TopicSort, reader: Reader) -> Result<Vec<ForumTopic>> {
        let topics: Vec<ForumTopic> = self
            .repo
            .portal_records(PortalKind::Topic, None)
            .await?
            .into_iter()
            .map(|r| topic_of(r).map(|(t, _)| t))
            .collect::<Result<_>>()?;
        let posts: Vec<ForumPost> = if matches!(sort, TopicSort::Top { .. }) {
            self.repo
                .portal_records(PortalKind::Post, None)
                .await?
                .into_iter()
                .map(|r| post_of(r).map(|(p, _)| p))
                .collect::<Result<_>>()?
        } else {
            Vec::new()
        };
        Ok(sort_topics(&topics, &posts, sort, reader)
            .into_iter()
            .cloned()
            .collect())
    }

    /// Counts one view of a topic (its `view_count`). Hosts call it when a
    /// topic page is shown; each call is one small commit.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown topic.
    pub async fn record_topic_view(&self, topic: TopicId) -> Result<u64> {
        self.community_retry(|| async {
            let (mut t, version) = self.load_topic(topic).await?;
            t.view_count = t.view_count.saturating_add(1);
            let views = t.view_count;
            self.commit_work(&UnitOfWork::new().portal(PortalRecord::Topic(t), Some(version)))
                .await?;
            Ok(views)
        })
        .await
    }

    /// An agent turns a topic into a support case: the opening post becomes
    /// the case (origin Web; the author's contact and account when a portal
    /// user wrote it, else `account`), and the topic links to it. The case id
    /// is derived from the topic id, so converting again — or again after a
    /// failure between the case's commit and the link's — creates no second
    /// case. Returns the case id.
    ///
    /// # Errors
    ///
    /// [`Error::NotAllowed`] when the topic already became an article;
    /// [`Error::Validation`] when an agent's topic has no `account`; as
    /// [`SupportDesk::create_case`] otherwise.
    pub async fn topic_to_case(
        &self,
        topic: TopicId,
        account: Option<crate::ids::AccountId>,
    ) -> Result<crate::ids::CaseId> {
        let (t, _) = self.load_topic(topic).await?;
        match t.became {
            Some(crate::portal::TopicLink::Case(case)) => return Ok(case),
            Some(crate::portal::TopicLink::Article(_)) => {
                return Err(Error::NotAllowed {
                    command: "topic_to_case",
                    reason: "the topic already became an article".into(),
                });
            }
            None => {}
        }
        let id = topic_case_id(topic);
        let mut request = match self.load_user(t.author).await? {
            Some((u, _)) => super::CaseRequest::new(u.account, t.title.clone(), t.body.clone())
                .contact(u.contact),
            None => {
                let account = account.ok_or_else(|| {
                    Error::validation("account", "an agent's topic needs the case's account")
                })?;
                super::CaseRequest::new(account, t.title.clone(), t.body.clone())
            }
        }
        .origin(crate::case::Origin::Web);
        request.id = Some(id);
        self.create_case(request).await?;
        self.community_retry(|| async {
            let (mut t, version) = self.load_topic(topic).await?;
            if t.became.is_some() {
                return Ok(());
            }
            t.became = Some(crate::portal::TopicLink::Case(id));
            self.commit_work(&UnitOfWork::new().portal(PortalRecord::Topic(t), Some(version)))
                .await
                .map(drop)
        })
        .await?;
        Ok(id)
    }

    /// An agent turns an answered topic into a draft knowledge article: the
    /// topic's title, the accepted answer as the body and the opening post as
    /// the summary's source; the article (numbered from the repository) and
    /// the topic's link are stored in one commit. Converting again returns
    /// the same article.
    ///
    /// # Errors
    ///
    /// [`Error::NotAllowed`] for a topic without an accepted answer or one
    /// that already became a case; as [`SupportDesk::create_article`].
    pub async fn topic_to_article(&self, topic: TopicId) -> Result<crate::ids::ArticleId> {
        let (t, version) = self.load_topic(topic).await?;
        match t.became {
            Some(crate::portal::TopicLink::Article(article)) => return Ok(article),
            Some(crate::portal::TopicLink::Case(_)) => {
                return Err(Error::NotAllowed {
                    command: "topic_to_article",
                    reason: "the topic already became a case".into(),
                });
            }
            None => {}
        }
        let answer = t.accepted_answer.ok_or_else(|| Error::NotAllowed {
            command: "topic_to_article",
            reason: "the topic has no accepted answer".into(),
        })?;
        let (post, _) = self.load_post(answer).await?;
        let summary: String = t.body.chars().take(200).collect();
        let draft = crate::knowledge::ArticleDraft::new(t.title.clone(), post.body.clone())
            .summary(summary);
        self.create_article_linked(draft, |id| {
            let mut linked = t.clone();
            linked.became = Some(crate::portal::TopicLink::Article(id));
            Ok(vec![crate::repo::DocumentWrite {
                value: PortalRecord::Topic(linked),
                expected: Some(version),
            }])
        })
        .await
    }
}

/// The case a topic becomes: derived from the topic's id (stable across
/// versions: ids stored earlier must keep matching).
fn topic_case_id(topic: TopicId) -> crate::ids::CaseId {
    let mixed = topic
        .as_uuid()
        .as_u128()
        .rotate_left(32)
        .wrapping_mul(0x2545_F491_4F6C_DD1D_9E37_79B9_7F4A_7C15)
        ^ 0x746F_7069_632D_3E63_6173_6500_0000_0001;
    crate::ids::CaseId::from_u128(mixed)
}
