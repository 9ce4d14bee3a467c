//! The knowledge article workflow through the desk: create, edit, submit for
//! review, publish, archive, views, helpful votes and star ratings — each one
//! unit of work committed through the repository — and the seven list views of
//! the original system.
//!
//! See [`ArticleSaved`] for how a command runs, conflicts and repeats.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::SupportDesk;
use super::unit::{YieldNow, is_retryable};
use crate::case::{Page, PageOf};
use crate::error::{Error, Result};
use crate::ids::{AgentId, ArticleId, KnowledgeNumber};
use crate::knowledge::{
    ArticleCategory, ArticleDraft, ArticleStatus, KnowledgeArticle, KnowledgeBase, Rater, Viewer,
    quality_score,
};
use crate::repo::{UnitOfWork, Versioned};

/// The "auto-trigger" hooks the original system ran when an article was
/// saved; off by default, enabled in
/// [`DeskConfig::knowledge_hooks`](super::DeskConfig::knowledge_hooks).
///
/// * `quality_score`: every version a knowledge command writes gets its
///   [quality score](crate::knowledge::quality_score) recomputed at the
///   command's time (without the hook, only the commands whose inputs change
///   the score recompute it: create, edit, publish, votes).
/// * `ai_enhance`: creating or editing a draft asks
///   [`AiProvider::enhance_article`](crate::ai::AiProvider::enhance_article)
///   for a summary (used when the draft has none), tags (merged), search
///   keywords and a category (used when the draft's is `Other`)
///   ([`KnowledgeBase::apply_enhancement`]). On creation the summary, tags
///   and category are applied (a new draft has no keywords yet); on edits
///   all four. **A provider failure never loses the save**: the draft commits
///   without the enhancement and [`ArticleSaved::enhancement`] says why.
///   The provider is called before the commit, outside any lock.
///
/// ```
/// use hotcrm_support::desk::{DeskConfig, KnowledgeHooks};
/// let mut config = DeskConfig::default();
/// assert_eq!(config.knowledge_hooks, KnowledgeHooks::default());
/// config.knowledge_hooks = KnowledgeHooks { quality_score: true, ai_enhance: true };
/// assert!(config.knowledge_hooks.ai_enhance);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KnowledgeHooks {
    /// Recompute the quality score of every version written.
    pub quality_score: bool,
    /// Ask the AI provider for a summary, tags and keywords on draft saves.
    pub ai_enhance: bool,
}

/// What the AI enhancement hook did on a save.
///
/// ```
/// use hotcrm_support::desk::Enhanced;
/// assert_eq!(Enhanced::NotRequested, Enhanced::default());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Enhanced {
    /// The hook is off, or the command saves no draft content.
    #[default]
    NotRequested,
    /// The provider's summary, tags and keywords were applied.
    Applied,
    /// The provider failed (or proposed something invalid): the save
    /// committed without the enhancement.
    Failed {
        /// The provider's error, as text.
        reason: String,
    },
}

/// The result of a knowledge command.
///
/// # How a knowledge command runs
///
/// 1. It reads what it decides on **from the repository** (the article's
///    stored versions, with their repository versions): the store is the truth,
///    the desk's [`KnowledgeBase`] is a cache of it.
/// 2. It decides with the pure `knowledge` rules on a private copy (a
///    knowledge base of that one article's versions), runs the configured
///    [`KnowledgeHooks`], and embeds a version it publishes.
/// 3. It commits every record it changed in **one** [`UnitOfWork`] with the
///    versions it read as the expected versions. Publishing a new version
///    archives the previous live one in that same commit. An editorial
///    command (edit, submit, publish, archive) also re-writes the article's
///    other current versions (live and open draft) at their read versions, so
///    two editorial commands on one article never both commit: the second one
///    fails with [`Error::Conflict`] and changes nothing.
/// 4. Only after the commit succeeds does the desk's knowledge base take the
///    committed records ([`KnowledgeBase::absorb_stored`]). A failed commit
///    leaves the store and the desk's knowledge base as they were.
///
/// Editorial commands are decided again after a conflict **only when the
/// conflict came from readers** (views, votes, ratings or a stored embedding
/// changed the records meanwhile): an article being read while it is
/// published still publishes. When another editorial command changed the
/// article (an edit, a review, a publication), the command fails with
/// [`Error::Conflict`] — it was a person's decision on what they saw; show
/// them the new state. Reader commands only add to counters, so they are
/// always decided again on fresh records. Both retry up to
/// [`DeskConfig::max_retries`](super::DeskConfig::max_retries) times.
///
/// # Repeats
///
/// | command | repeated |
/// |---|---|
/// | [`SupportDesk::edit_article`] with the fields the version already has | no-op, nothing committed |
/// | [`SupportDesk::submit_article_for_review`] by the same reviewer | no-op |
/// | [`SupportDesk::publish_article`] of the live version | no-op (returns the live version) |
/// | [`SupportDesk::archive_article`] of an archived version | no-op |
/// | [`SupportDesk::rate_article`] with the rater's current rating | no-op |
/// | [`SupportDesk::record_article_view`], [`SupportDesk::vote_article_helpful`] | counted per call (they are events, not states) |
///
/// A no-op returns [`ArticleSaved::committed`] `false`.
///
/// # Cost
///
/// The [`Repository`](crate::repo::Repository) port lists articles only all
/// at once, so an editorial command (and [`SupportDesk::create_article_by`],
/// which checks slugs against the store) reads every stored article once;
/// reader commands read one record. List views read the desk's memory only.
///
/// # Example
///
/// ```
/// use hotcrm_support::desk::{ArticleSaved, Enhanced};
/// fn summary(saved: &ArticleSaved) -> String {
///     format!("{} v{} committed={}", saved.article.value.number, saved.article.version, saved.committed)
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleSaved {
    /// The version the command was about, as stored (with its repository
    /// version): the created or edited draft, the published version, the
    /// rated live version ...
    pub article: Versioned<KnowledgeArticle>,
    /// The previous live version that publishing archived in the same commit.
    pub archived: Option<ArticleId>,
    /// Whether anything was committed (`false`: a repeat, nothing changed).
    pub committed: bool,
    /// What the AI enhancement hook did.
    pub enhancement: Enhanced,
}

/// The seven article list views of the original system
/// ([`SupportDesk::articles`]).
///
/// "Editorial" views (All, My Articles, Need Review) show an employee every
/// version being worked on (drafts, in review, live; never archived ones);
/// every other viewer, and every other view, sees only live versions the
/// viewer may read ([`Viewer::can_read`]) — a customer never sees a draft or
/// an internal article.
///
/// | view | shows | order (ties, in turn) |
/// |---|---|---|
/// | `All` | editorial set | last change, newest first; number; version, newest first |
/// | `Published` | live | published, newest first; number |
/// | `MyArticles` | editorial set, by `author` | as `All` |
/// | `NeedReview` | editorial set: in review, or live and past its review date | due (submitted or review date), oldest first; number |
/// | `MostHelpful` | live | HelpfulScore, highest first (no votes last); more helpful votes; number |
/// | `Popular` | live | views, most first; number |
/// | `Faq` | live, category FAQ | title (case-insensitive); number |
///
/// ```
/// use hotcrm_support::desk::ArticleView;
/// use hotcrm_support::ids::AgentId;
/// let mine = ArticleView::MyArticles { author: AgentId::from_u128(7) };
/// assert_ne!(mine, ArticleView::All);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArticleView {
    /// Every article.
    All,
    /// Live articles.
    Published,
    /// Articles written by `author` (the viewing agent).
    MyArticles {
        /// The author (the agent looking at the list).
        author: AgentId,
    },
    /// Articles in review or due for review.
    NeedReview,
    /// Live articles by HelpfulScore.
    MostHelpful,
    /// Live articles by views.
    Popular,
    /// Live FAQ articles.
    Faq,
}

impl ArticleView {
    /// Whether employees see drafts and reviews in this view.
    fn editorial(self) -> bool {
        matches!(
            self,
            ArticleView::All | ArticleView::MyArticles { .. } | ArticleView::NeedReview
        )
    }
}

/// The stored versions of one article, as read for a command.
type Stored = Vec<Versioned<KnowledgeArticle>>;

/// The version a command decided on, the records it changed, the version it
/// archived and what the AI hook did.
struct Decided {
    target: ArticleId,
    archived: Option<ArticleId>,
    enhancement: Enhanced,
}

impl SupportDesk {
    /// Creates a draft article written by `author` (version 1.0), numbered
    /// from the repository's knowledge sequence in the same commit (the
    /// numbering of [`SupportDesk::create_article`], which this runs after the
    /// [`KnowledgeHooks`]). A failed commit uses no number and leaves the
    /// desk's knowledge base as it was (apart from taking the stored articles
    /// first: the slug is chosen against all stored articles, so desks sharing
    /// a store — or one started without [`SupportDesk::load_knowledge`] — do
    /// not hand out a slug twice, except in a race between two creations of
    /// the same title).
    ///
    /// Creation is not keyed: calling it twice creates two articles (as
    /// [`SupportDesk::create_article`]); every later command is safe to repeat.
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::create_article`]. A failing AI provider is not an
    /// error (see [`KnowledgeHooks`]).
    ///
    /// ```
    /// use hotcrm_support::clock::ManualClock;
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::knowledge::{ArticleDraft, ArticleStatus};
    /// use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = SupportDesk::builder(MemoryRepository::new())
    ///     .clock(ManualClock::new("2026-03-02T10:00:00Z".parse()?))
    ///     .build();
    /// let author = AgentId::from_u128(7);
    /// let saved = desk.create_article_by(ArticleDraft::new("Reset your password", "Click Forgot password."), author).await?;
    /// assert_eq!(saved.article.value.number.to_string(), "KB-2026-0001");
    /// assert_eq!(saved.article.value.author, Some(author));
    /// assert_eq!(saved.article.value.status, ArticleStatus::Draft);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_article_by(
        &self,
        mut draft: ArticleDraft,
        author: AgentId,
    ) -> Result<ArticleSaved> {
        draft.validate()?;
        draft.author = Some(author);
        // Slugs are reserved in the desk's knowledge base: take the stored
        // articles first, so articles other desks created are not given the
        // same slug (a store that already has a clash is left to the host).
        let stored = self.repo.list_articles().await?;
        let _ = self.with_knowledge_mut(|kb| {
            kb.absorb_stored(stored.into_iter().map(|s| (s.value, s.version)).collect())
        });
        let mut enhancement = Enhanced::NotRequested;
        if self.config.knowledge_hooks.ai_enhance {
            let now = self.clock.now();
            let mut probe = KnowledgeBase::new();
            let id = probe.create(draft.clone(), now)?;
            match crate::ai::enhance_article(&mut probe, self.ai.as_ref(), id, now).await {
                Ok(()) => {
                    let enhanced = probe.article(id)?;
                    draft.summary.clone_from(&enhanced.summary);
                    draft.tags.clone_from(&enhanced.tags);
                    draft.category = enhanced.category;
                    enhancement = Enhanced::Applied;
                }
                Err(e) => {
                    enhancement = Enhanced::Failed {
                        reason: e.to_string(),
                    };
                }
            }
        }
        let id = self.create_article(draft).await?;
        let article = self.with_knowledge(|kb| kb.article(id).cloned())?;
        // Creation scores the new draft at the command's time, hook or not.
        let article = Versioned {
            value: article,
            version: 1,
        };
        Ok(ArticleSaved {
            article,
            archived: None,
            committed: true,
            enhancement,
        })
    }

    /// Edits an article ([`KnowledgeBase::edit`]): a draft changes in place; a
    /// published article gets a new draft version (next minor version) holding
    /// the edit, while readers keep seeing the live one until it is published.
    /// With [`KnowledgeHooks::ai_enhance`] the edited draft is enhanced before
    /// the commit. The embedding of the edited version is dropped when its text
    /// changes (it is embedded again on publication).
    ///
    /// An edit that changes nothing commits nothing and returns the version it
    /// would have edited (the open draft, else the live version).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid draft; [`Error::NotFound`] for an
    /// unknown article; [`Error::NotAllowed`] as [`KnowledgeBase::edit`];
    /// [`Error::Conflict`] when another editorial command changed the article
    /// while this one ran (nothing is committed; concurrent views, votes and
    /// ratings are not conflicts); storage errors.
    ///
    /// ```
    /// use hotcrm_support::clock::ManualClock;
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::knowledge::ArticleDraft;
    /// use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = SupportDesk::builder(MemoryRepository::new())
    ///     .clock(ManualClock::new("2026-03-02T10:00:00Z".parse()?))
    ///     .build();
    /// let author = AgentId::from_u128(7);
    /// let id = desk.create_article_by(ArticleDraft::new("Reset", "Old steps."), author).await?.article.value.id;
    /// let mut draft = desk.with_knowledge(|kb| kb.article(id).map(|a| a.to_draft()))?;
    /// draft.content = "New steps.".into();
    /// let saved = desk.edit_article(id, draft.clone()).await?;
    /// assert_eq!((saved.article.value.content.as_str(), saved.article.version), ("New steps.", 2));
    /// assert!(!desk.edit_article(id, draft).await?.committed); // the same edit again
    /// # Ok(())
    /// # }
    /// ```
    pub async fn edit_article(&self, id: ArticleId, draft: ArticleDraft) -> Result<ArticleSaved> {
        draft.validate()?;
        let mut baseline = None;
        let mut attempt = 0u32;
        loop {
            let (stored, mut kb) = self.load_article(id).await?;
            same_editorial(&mut baseline, &stored)?;
            let now = self.knowledge_now(&stored);
            // The version the edit goes to, and whether it would change anything.
            let target = {
                let a = kb.article(id)?;
                match a.status {
                    ArticleStatus::Published => kb
                        .versions(a.number)
                        .into_iter()
                        .find(|v| v.status == ArticleStatus::Draft)
                        .unwrap_or(a),
                    _ => a,
                }
            };
            let mut effective = draft.clone();
            if effective.author.is_none() {
                effective.author = target.author;
            }
            if target.to_draft() == effective {
                return unchanged(&stored, target.id);
            }
            let edited = kb.edit(id, draft.clone(), now)?;
            let mut enhancement = Enhanced::NotRequested;
            if self.config.knowledge_hooks.ai_enhance {
                enhancement = match crate::ai::enhance_article(
                    &mut kb,
                    self.ai.as_ref(),
                    edited,
                    now,
                )
                .await
                {
                    Ok(()) => Enhanced::Applied,
                    Err(e) => Enhanced::Failed {
                        reason: e.to_string(),
                    },
                };
            }
            let result = self
                .commit_decided(
                    &stored,
                    &kb,
                    now,
                    Decided {
                        target: edited,
                        archived: None,
                        enhancement,
                    },
                )
                .await;
            match result {
                Err(e) if self.decide_again(&e, &mut attempt).await => continue,
                other => return other,
            }
        }
    }

    /// Submits a draft for review by `reviewer` ([`KnowledgeBase::submit_for_review`]).
    /// Submitting a version already in review with the same reviewer is a no-op.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::InvalidTransition`] unless it is a draft;
    /// [`Error::Validation`] without a summary; [`Error::Conflict`] when
    /// another editorial command changed the article meanwhile; storage errors.
    ///
    /// ```
    /// # use hotcrm_support::clock::ManualClock;
    /// # use hotcrm_support::desk::SupportDesk;
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::{ArticleDraft, ArticleStatus};
    /// # use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let desk = SupportDesk::builder(MemoryRepository::new()).clock(ManualClock::new("2026-03-02T10:00:00Z".parse()?)).build();
    /// let (author, reviewer) = (AgentId::from_u128(7), AgentId::from_u128(8));
    /// let draft = ArticleDraft::new("Reset", "Steps.").summary("Reset a password.");
    /// let id = desk.create_article_by(draft, author).await?.article.value.id;
    /// let saved = desk.submit_article_for_review(id, reviewer).await?;
    /// assert_eq!(saved.article.value.status, ArticleStatus::InReview);
    /// assert!(!desk.submit_article_for_review(id, reviewer).await?.committed);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn submit_article_for_review(
        &self,
        id: ArticleId,
        reviewer: AgentId,
    ) -> Result<ArticleSaved> {
        let mut baseline = None;
        let mut attempt = 0u32;
        loop {
            let (stored, mut kb) = self.load_article(id).await?;
            same_editorial(&mut baseline, &stored)?;
            let now = self.knowledge_now(&stored);
            let a = kb.article(id)?;
            if a.status == ArticleStatus::InReview && a.reviewer == Some(reviewer) {
                return unchanged(&stored, id);
            }
            kb.submit_for_review(id, reviewer, now)?;
            match self.commit_decided(&stored, &kb, now, decided(id)).await {
                Err(e) if self.decide_again(&e, &mut attempt).await => continue,
                other => return other,
            }
        }
    }

    /// Publishes a version in review (approved by `reviewer`): it goes live,
    /// the previous live version is archived **in the same commit**, counters
    /// and ratings carry over, review dates are set
    /// ([`KnowledgeBase::publish`]). The published version is embedded
    /// through the desk's provider unless it already carries an embedding
    /// (a provider failure publishes without one: keyword search still finds
    /// it, and [`SupportDesk::embed_missing_articles`] embeds it later).
    ///
    /// Publishing the live version again is a no-op.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::InvalidTransition`] unless it is in
    /// review (or archived); [`Error::Conflict`] when another editorial
    /// command changed the article meanwhile — of two concurrent publications of one article, one
    /// commits and the other gets this error, so there is never more than one
    /// live version; storage errors.
    ///
    /// ```
    /// # use hotcrm_support::clock::ManualClock;
    /// # use hotcrm_support::desk::SupportDesk;
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::{ArticleDraft, ArticleStatus};
    /// # use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let desk = SupportDesk::builder(MemoryRepository::new()).clock(ManualClock::new("2026-03-02T10:00:00Z".parse()?)).build();
    /// let (author, reviewer) = (AgentId::from_u128(7), AgentId::from_u128(8));
    /// let draft = ArticleDraft::new("Reset", "Steps.").summary("Reset a password.");
    /// let v1 = desk.create_article_by(draft, author).await?.article.value.id;
    /// desk.submit_article_for_review(v1, reviewer).await?;
    /// let live = desk.publish_article(v1, reviewer).await?;
    /// assert_eq!(live.article.value.status, ArticleStatus::Published);
    /// assert!(live.article.value.embedding.is_some());
    ///
    /// // A new version: publishing it archives 1.0 in the same commit.
    /// let mut edit = live.article.value.to_draft();
    /// edit.content = "New steps.".into();
    /// let v2 = desk.edit_article(v1, edit).await?.article.value.id;
    /// desk.submit_article_for_review(v2, reviewer).await?;
    /// let next = desk.publish_article(v2, reviewer).await?;
    /// assert_eq!(next.archived, Some(v1));
    /// assert_eq!(desk.repository().get_article(v1).await?.value.status, ArticleStatus::Archived);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn publish_article(&self, id: ArticleId, reviewer: AgentId) -> Result<ArticleSaved> {
        let mut baseline = None;
        let mut attempt = 0u32;
        loop {
            let (stored, mut kb) = self.load_article(id).await?;
            same_editorial(&mut baseline, &stored)?;
            let now = self.knowledge_now(&stored);
            if kb.article(id)?.is_published() {
                return unchanged(&stored, id);
            }
            let archived = kb.publish(id, reviewer, now)?;
            if kb.article(id)?.embedding.is_none() {
                let text = kb.embedding_text(id)?;
                if let Some(vector) = crate::ai::embed_one(self.ai.as_ref(), &text).await {
                    // A vector the index refuses (zero, wrong size) is left out.
                    let _ = kb.set_embedding(id, &vector);
                }
            }
            let result = self
                .commit_decided(
                    &stored,
                    &kb,
                    now,
                    Decided {
                        target: id,
                        archived,
                        enhancement: Enhanced::NotRequested,
                    },
                )
                .await;
            match result {
                Err(e) if self.decide_again(&e, &mut attempt).await => continue,
                other => return other,
            }
        }
    }

    /// Archives a version: a live article leaves search, a draft is discarded
    /// ([`KnowledgeBase::archive`]). Archiving an archived version is a no-op.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::InvalidTransition`] from in review;
    /// [`Error::Conflict`] when another editorial command changed the article
    /// meanwhile; storage errors.
    ///
    /// ```
    /// # use hotcrm_support::clock::ManualClock;
    /// # use hotcrm_support::desk::SupportDesk;
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::{ArticleDraft, ArticleStatus};
    /// # use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let desk = SupportDesk::builder(MemoryRepository::new()).clock(ManualClock::new("2026-03-02T10:00:00Z".parse()?)).build();
    /// let id = desk.create_article_by(ArticleDraft::new("Old idea", "Never mind."), AgentId::from_u128(7)).await?.article.value.id;
    /// assert_eq!(desk.archive_article(id).await?.article.value.status, ArticleStatus::Archived);
    /// assert!(!desk.archive_article(id).await?.committed);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn archive_article(&self, id: ArticleId) -> Result<ArticleSaved> {
        let mut baseline = None;
        let mut attempt = 0u32;
        loop {
            let (stored, mut kb) = self.load_article(id).await?;
            same_editorial(&mut baseline, &stored)?;
            let now = self.knowledge_now(&stored);
            if kb.article(id)?.status == ArticleStatus::Archived {
                return unchanged(&stored, id);
            }
            kb.archive(id, now)?;
            match self.commit_decided(&stored, &kb, now, decided(id)).await {
                Err(e) if self.decide_again(&e, &mut attempt).await => continue,
                other => return other,
            }
        }
    }

    /// Counts a view of the article by `viewer` (on its live version, in one
    /// commit). Counted per call.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the article has no live version `viewer` may
    /// read (a customer cannot count views of an internal article);
    /// [`Error::Conflict`] after too many concurrent writers; storage errors.
    ///
    /// ```
    /// # use hotcrm_support::clock::ManualClock;
    /// # use hotcrm_support::desk::SupportDesk;
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::{ArticleDraft, Viewer};
    /// # use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let desk = SupportDesk::builder(MemoryRepository::new()).clock(ManualClock::new("2026-03-02T10:00:00Z".parse()?)).build();
    /// # let r = AgentId::from_u128(8);
    /// # let id = desk.create_article_by(ArticleDraft::new("Reset", "Steps.").summary("S."), r).await?.article.value.id;
    /// # desk.submit_article_for_review(id, r).await?;
    /// # desk.publish_article(id, r).await?;
    /// desk.record_article_view(id, &Viewer::Anonymous).await?;
    /// let saved = desk.record_article_view(id, &Viewer::Anonymous).await?;
    /// assert_eq!(saved.article.value.counters.views, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn record_article_view(
        &self,
        id: ArticleId,
        viewer: &Viewer,
    ) -> Result<ArticleSaved> {
        self.reader_command(id, viewer, |a, _| {
            a.counters.views = a.counters.views.saturating_add(1);
            Ok(true)
        })
        .await
    }

    /// Counts a "helpful" (`true`) or "not helpful" vote by `viewer` on the
    /// live version and refreshes its quality score, in one commit. Counted
    /// per call (votes are anonymous in the original system; rate with
    /// [`SupportDesk::rate_article`] for one opinion per person).
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::record_article_view`].
    ///
    /// ```
    /// # use hotcrm_support::clock::ManualClock;
    /// # use hotcrm_support::desk::SupportDesk;
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::{ArticleDraft, Viewer};
    /// # use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let desk = SupportDesk::builder(MemoryRepository::new()).clock(ManualClock::new("2026-03-02T10:00:00Z".parse()?)).build();
    /// # let r = AgentId::from_u128(8);
    /// # let id = desk.create_article_by(ArticleDraft::new("Reset", "Steps.").summary("S."), r).await?.article.value.id;
    /// # desk.submit_article_for_review(id, r).await?;
    /// # desk.publish_article(id, r).await?;
    /// desk.vote_article_helpful(id, true, &Viewer::Anonymous).await?;
    /// let saved = desk.vote_article_helpful(id, false, &Viewer::Anonymous).await?;
    /// assert_eq!(saved.article.value.helpful_score(), Some(50.0));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn vote_article_helpful(
        &self,
        id: ArticleId,
        helpful: bool,
        viewer: &Viewer,
    ) -> Result<ArticleSaved> {
        self.reader_command(id, viewer, |a, now| {
            if helpful {
                a.counters.helpful = a.counters.helpful.saturating_add(1);
            } else {
                a.counters.not_helpful = a.counters.not_helpful.saturating_add(1);
            }
            a.quality_score = quality_score(a, now);
            Ok(true)
        })
        .await
    }

    /// Records `rater`'s star rating (1–5) of the live version, reading as
    /// `viewer`, in one commit. One rating per rater: a new rating replaces
    /// the rater's previous one; the same rating again is a no-op. The
    /// average is exact ([`ArticleRatings`](crate::knowledge::ArticleRatings)).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `rating`) outside 1–5; otherwise as
    /// [`SupportDesk::record_article_view`].
    ///
    /// ```
    /// # use hotcrm_support::clock::ManualClock;
    /// # use hotcrm_support::desk::SupportDesk;
    /// # use hotcrm_support::ids::{AgentId, PortalUserId};
    /// # use hotcrm_support::knowledge::{ArticleDraft, PortalTier, Rater, Viewer};
    /// # use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let desk = SupportDesk::builder(MemoryRepository::new()).clock(ManualClock::new("2026-03-02T10:00:00Z".parse()?)).build();
    /// # let r = AgentId::from_u128(8);
    /// # let id = desk.create_article_by(ArticleDraft::new("Reset", "Steps.").summary("S."), r).await?.article.value.id;
    /// # desk.submit_article_for_review(id, r).await?;
    /// # desk.publish_article(id, r).await?;
    /// let customer = Viewer::PortalCustomer { tier: PortalTier::Basic };
    /// let ann = Rater::PortalUser(PortalUserId::from_u128(1));
    /// desk.rate_article(id, 5, ann, &customer).await?;
    /// desk.rate_article(id, 2, Rater::Agent(r), &Viewer::Employee).await?;
    /// let saved = desk.rate_article(id, 4, ann, &customer).await?; // Ann changes her mind
    /// assert_eq!(saved.article.value.average_rating(), Some(3.0));
    /// assert!(desk.rate_article(id, 0, ann, &customer).await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn rate_article(
        &self,
        id: ArticleId,
        rating: u8,
        rater: Rater,
        viewer: &Viewer,
    ) -> Result<ArticleSaved> {
        self.reader_command(id, viewer, |a, _| a.ratings.rate(rater, rating))
            .await
    }

    /// Embeds every live article that has no embedding yet (in the desk's
    /// knowledge base) and stores the vectors with the articles, in one
    /// commit; returns how many were embedded. Embeddings are stored with the
    /// articles, so a desk restarted on the same repository
    /// ([`SupportDesk::load_knowledge`]) has nothing to embed and does not
    /// call the provider.
    ///
    /// # Errors
    ///
    /// [`Error::Ai`] when the provider fails or returns the wrong number of
    /// vectors (nothing is stored); [`Error::Conflict`] when an article changed
    /// meanwhile (call again); storage errors.
    ///
    /// ```
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// assert_eq!(desk.embed_missing_articles().await?, 0); // nothing to embed, no provider call
    /// # Ok(())
    /// # }
    /// ```
    pub async fn embed_missing_articles(&self) -> Result<usize> {
        let missing = self.with_knowledge(|kb| kb.missing_embeddings());
        let mut records = Vec::new();
        let mut texts = Vec::new();
        for id in missing {
            let stored = self.repo.get_article(id).await?;
            if !stored.value.is_published() || stored.value.embedding.is_some() {
                continue;
            }
            let mut probe = KnowledgeBase::new();
            let text = {
                probe.absorb_stored(vec![(stored.value.clone(), stored.version)])?;
                probe.embedding_text(id)?
            };
            texts.push(text);
            records.push(stored);
        }
        if records.is_empty() {
            return Ok(0);
        }
        let vectors = self.ai.embed(&texts).await?;
        if vectors.len() != records.len() {
            return Err(Error::ai(format!(
                "embed returned {} vectors for {} texts",
                vectors.len(),
                records.len()
            )));
        }
        let mut work = UnitOfWork::new();
        let mut written = Vec::new();
        for (mut stored, vector) in records.into_iter().zip(vectors) {
            let mut probe = KnowledgeBase::new();
            probe.absorb_stored(vec![(stored.value.clone(), stored.version)])?;
            if probe
                .set_embedding(stored.value.id, vector.as_slice())
                .is_err()
            {
                continue;
            }
            stored.value.embedding = probe.article(stored.value.id)?.embedding.clone();
            work = work.article(stored.value.clone(), Some(stored.version));
            written.push(stored.value);
        }
        if written.is_empty() {
            return Ok(0);
        }
        let committed = self.commit_work(&work).await?;
        let count = written.len();
        self.absorb_committed(written, &committed.article_versions);
        Ok(count)
    }

    /// One page of a list view of the desk's articles, as `viewer` may see
    /// them (see [`ArticleView`] for what each view holds, its order and its
    /// tie-breaks). Reads the desk's knowledge base at the clock's `now`;
    /// commits nothing.
    ///
    /// ```
    /// use hotcrm_support::case::Page;
    /// use hotcrm_support::clock::ManualClock;
    /// use hotcrm_support::desk::{ArticleView, SupportDesk};
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::knowledge::{ArticleDraft, PortalTier, Viewer, Visibility};
    /// use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = SupportDesk::builder(MemoryRepository::new())
    ///     .clock(ManualClock::new("2026-03-02T10:00:00Z".parse()?))
    ///     .build();
    /// let me = AgentId::from_u128(7);
    /// for (title, visibility) in [("Reset your password", Visibility::Public), ("Outage runbook", Visibility::Internal)] {
    ///     let draft = ArticleDraft::new(title, "Steps.").summary("S.").visibility(visibility);
    ///     let id = desk.create_article_by(draft, me).await?.article.value.id;
    ///     desk.submit_article_for_review(id, me).await?;
    ///     desk.publish_article(id, me).await?;
    /// }
    /// desk.create_article_by(ArticleDraft::new("Work in progress", "..."), me).await?;
    ///
    /// let customer = Viewer::PortalCustomer { tier: PortalTier::Basic };
    /// let seen = desk.articles(ArticleView::All, &customer, Page::first(10));
    /// assert_eq!(seen.total, 1); // no internal article, no draft
    /// let mine = desk.articles(ArticleView::MyArticles { author: me }, &Viewer::Employee, Page::first(2));
    /// assert_eq!((mine.total, mine.items.len(), mine.next.is_some()), (3, 2, true));
    /// # Ok(())
    /// # }
    /// ```
    pub fn articles(
        &self,
        view: ArticleView,
        viewer: &Viewer,
        page: Page,
    ) -> PageOf<KnowledgeArticle> {
        let now = self.clock.now();
        self.with_knowledge(|kb| {
            // Sort references; clone only the page.
            let found = PageOf::from_sorted(list_view(kb, view, viewer, now), page);
            PageOf {
                items: found.items.into_iter().cloned().collect(),
                total: found.total,
                next: found.next,
            }
        })
    }

    // --- the machinery ---

    /// The stored versions of `id`'s article and a private knowledge base of
    /// them (with the desk's policy), to decide on.
    async fn load_article(&self, id: ArticleId) -> Result<(Stored, KnowledgeBase)> {
        let number = match self.with_knowledge(|kb| kb.article(id).map(|a| a.number)) {
            Ok(number) => number,
            Err(Error::NotFound { .. }) => self.repo.get_article(id).await?.value.number,
            Err(e) => return Err(e),
        };
        let stored = self.stored_versions(number).await?;
        if !stored.iter().any(|s| s.value.id == id) {
            return Err(Error::NotFound {
                kind: "article",
                id: id.to_string(),
            });
        }
        let batch: Vec<_> = stored
            .iter()
            .map(|s| (s.value.clone(), s.version))
            .collect();
        let policy = self.with_knowledge(|kb| *kb.policy());
        let mut kb = KnowledgeBase::with_policy(policy)?;
        kb.absorb_stored(batch.clone())?;
        // The desk's copy follows what was read (the store is the truth); a
        // copy that was already current is left as it is.
        self.with_knowledge_mut(|desk| desk.absorb_stored(batch))?;
        Ok((stored, kb))
    }

    /// Every stored version of article `number`. The repository lists
    /// articles only all at once, so this reads them all: editorial commands
    /// are rare; reader commands read one record.
    async fn stored_versions(&self, number: KnowledgeNumber) -> Result<Stored> {
        self.repo.article_versions(number).await
    }

    /// The command's time: the clock, but never before the article's last
    /// change (several desks' clocks differ; lifecycle dates must not go back).
    fn knowledge_now(&self, stored: &Stored) -> DateTime<Utc> {
        let now = self.clock.now();
        stored
            .iter()
            .map(|s| s.value.updated_at)
            .max()
            .map_or(now, |last| now.max(last))
    }

    /// Commits what an editorial command changed on the private copy `kb`:
    /// every new or changed version, plus the article's other current
    /// versions re-written unchanged (the article's lock), all at the versions
    /// read; then the desk's knowledge base takes the committed records.
    async fn commit_decided(
        &self,
        stored: &Stored,
        kb: &KnowledgeBase,
        now: DateTime<Utc>,
        decided: Decided,
    ) -> Result<ArticleSaved> {
        let number = kb.article(decided.target)?.number;
        let mut work = UnitOfWork::new();
        let mut written = Vec::new();
        let mut changed = false;
        for version in kb.versions(number) {
            let before = stored.iter().find(|s| s.value.id == version.id);
            let mut value = version.clone();
            let differs = before.is_none_or(|b| b.value != value);
            let current = value.status != ArticleStatus::Archived;
            let was_current = before.is_some_and(|b| b.value.status != ArticleStatus::Archived);
            if differs || current || was_current {
                changed |= differs;
                if self.config.knowledge_hooks.quality_score {
                    value.quality_score = quality_score(&value, now);
                }
                work = work.article(value.clone(), before.map(|b| b.version));
                written.push(value);
            }
        }
        if !changed {
            return unchanged(stored, decided.target);
        }
        let committed = self.commit_work(&work).await?;
        let article = written
            .iter()
            .find(|a| a.id == decided.target)
            .cloned()
            .ok_or_else(|| Error::Internal {
                what: format!("article {} not written by its command", decided.target),
            })?;
        let version = version_of(&committed.article_versions, decided.target)?;
        self.absorb_committed(written, &committed.article_versions);
        Ok(ArticleSaved {
            article: Versioned {
                value: article,
                version,
            },
            archived: decided.archived,
            committed: true,
            enhancement: decided.enhancement,
        })
    }

    /// A reader command on the live version of `id`'s article: decided on the
    /// stored record, committed alone, decided again on a conflict.
    async fn reader_command(
        &self,
        id: ArticleId,
        viewer: &Viewer,
        change: impl Fn(&mut KnowledgeArticle, DateTime<Utc>) -> Result<bool>,
    ) -> Result<ArticleSaved> {
        let hidden = || Error::NotFound {
            kind: "article",
            id: id.to_string(),
        };
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            let number = match self.with_knowledge(|kb| kb.article(id).map(|a| a.number)) {
                Ok(number) => number,
                Err(Error::NotFound { .. }) => self.repo.get_article(id).await?.value.number,
                Err(e) => return Err(e),
            };
            let live = self.with_knowledge(|kb| kb.live(number).map(|a| a.id));
            let stored = match live {
                Some(live) => Some(self.repo.get_article(live).await?),
                None => None,
            };
            let Some(stored) = stored.filter(|s| s.value.is_published()) else {
                // The desk's copy may be behind the store: take the stored
                // versions of the article once, then decide again.
                if refreshed {
                    return Err(hidden());
                }
                refreshed = true;
                let versions = self.stored_versions(number).await?;
                if versions.is_empty() {
                    return Err(hidden());
                }
                self.with_knowledge_mut(|kb| {
                    kb.absorb_stored(versions.into_iter().map(|v| (v.value, v.version)).collect())
                })?;
                continue;
            };
            if !viewer.can_read(&stored.value) {
                return Err(hidden());
            }
            let now = self.clock.now().max(stored.value.updated_at);
            let mut value = stored.value.clone();
            if !change(&mut value, now)? {
                return Ok(ArticleSaved {
                    article: stored,
                    archived: None,
                    committed: false,
                    enhancement: Enhanced::NotRequested,
                });
            }
            if self.config.knowledge_hooks.quality_score {
                value.quality_score = quality_score(&value, now);
            }
            let work = UnitOfWork::new().article(value.clone(), Some(stored.version));
            match self.commit_work(&work).await {
                Ok(committed) => {
                    let version = version_of(&committed.article_versions, value.id)?;
                    self.absorb_committed(vec![value.clone()], &committed.article_versions);
                    return Ok(ArticleSaved {
                        article: Versioned { value, version },
                        archived: None,
                        committed: true,
                        enhancement: Enhanced::NotRequested,
                    });
                }
                Err(e) if is_retryable(&e) && attempt < self.config.max_retries => {
                    attempt += 1;
                    YieldNow::new().await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Whether an editorial command whose commit failed with `error` is
    /// decided again: only on a conflict, within the retry budget (the next
    /// attempt then checks with [`same_editorial`] that only reader data
    /// moved). Yields before a retry.
    async fn decide_again(&self, error: &Error, attempt: &mut u32) -> bool {
        if !is_retryable(error) || *attempt >= self.config.max_retries {
            return false;
        }
        *attempt += 1;
        YieldNow::new().await;
        true
    }

    /// The desk's knowledge base takes committed records (after the commit).
    fn absorb_committed(&self, written: Vec<KnowledgeArticle>, versions: &[(ArticleId, u64)]) {
        let batch: Vec<(KnowledgeArticle, u64)> = written
            .into_iter()
            .filter_map(|a| {
                let v = versions.iter().find(|(id, _)| *id == a.id)?.1;
                Some((a, v))
            })
            .collect();
        // The records were validated before the commit; a refusal here would
        // mean the cache disagrees with the store, which the next load repairs.
        let _ = self.with_knowledge_mut(|kb| kb.absorb_stored(batch));
    }
}

/// A no-op's result: the stored `id` (`load_article` only returns sets holding it).
fn unchanged(stored: &Stored, id: ArticleId) -> Result<ArticleSaved> {
    let article = stored
        .iter()
        .find(|s| s.value.id == id)
        .cloned()
        .ok_or_else(|| Error::NotFound {
            kind: "article",
            id: id.to_string(),
        })?;
    Ok(ArticleSaved {
        article,
        archived: None,
        committed: false,
        enhancement: Enhanced::NotRequested,
    })
}

/// The editorial state of an article's stored versions: everything but what
/// readers and the embedder change (counters, ratings, quality score,
/// embedding), in id order, with the repository versions.
fn editorial_state(stored: &Stored) -> Vec<(KnowledgeArticle, u64)> {
    let mut state: Vec<(KnowledgeArticle, u64)> = stored
        .iter()
        .map(|s| {
            let mut a = s.value.clone();
            a.counters = Default::default();
            a.ratings = Default::default();
            a.quality_score = 0;
            a.embedding = None;
            (a, s.version)
        })
        .collect();
    state.sort_by_key(|(a, _)| a.id);
    state
}

/// Remembers the editorial state of the first read in `baseline`; a later
/// read (after a conflicting commit) must show the same, else the command is
/// refused with [`Error::Conflict`] (the first version that moved): another
/// editor changed the article, and the decision is the person's to make
/// again. A conflict caused by views, votes or ratings alone is decided again
/// on the fresh counters.
fn same_editorial(
    baseline: &mut Option<Vec<(KnowledgeArticle, u64)>>,
    stored: &Stored,
) -> Result<()> {
    let state = editorial_state(stored);
    let Some(first) = baseline else {
        *baseline = Some(state);
        return Ok(());
    };
    let same =
        first.len() == state.len() && first.iter().zip(&state).all(|((a, _), (b, _))| a == b);
    if same {
        return Ok(());
    }
    let moved = first
        .iter()
        .zip(&state)
        .find(|((a, _), (b, _))| a != b)
        .map(|((_, expected), (_, actual))| (*expected, *actual));
    let (expected, actual) = moved.unwrap_or((first.len() as u64, state.len() as u64));
    Err(Error::Conflict { expected, actual })
}

fn decided(target: ArticleId) -> Decided {
    Decided {
        target,
        archived: None,
        enhancement: Enhanced::NotRequested,
    }
}

fn version_of(versions: &[(ArticleId, u64)], id: ArticleId) -> Result<u64> {
    versions
        .iter()
        .find(|(a, _)| *a == id)
        .map(|(_, v)| *v)
        .ok_or_else(|| Error::Internal {
            what: format!("commit did not report article {id}"),
        })
}

/// The articles of `view` as `viewer` may see them, in the view's order.
fn list_view<'k>(
    kb: &'k KnowledgeBase,
    view: ArticleView,
    viewer: &Viewer,
    now: DateTime<Utc>,
) -> Vec<&'k KnowledgeArticle> {
    let editor = view.editorial() && *viewer == Viewer::Employee;
    let mut rows: Vec<&'k KnowledgeArticle> = kb
        .articles()
        .filter(|a| {
            if editor {
                a.status != ArticleStatus::Archived
            } else {
                viewer.can_read(a)
            }
        })
        .filter(|a| match view {
            ArticleView::All
            | ArticleView::Published
            | ArticleView::MostHelpful
            | ArticleView::Popular => true,
            ArticleView::MyArticles { author } => a.author == Some(author),
            ArticleView::NeedReview => {
                a.status == ArticleStatus::InReview
                    || (a.is_published() && a.is_review_overdue(now))
            }
            ArticleView::Faq => a.category == ArticleCategory::Faq,
        })
        .collect();
    let tie = |a: &KnowledgeArticle, b: &KnowledgeArticle| {
        a.number
            .cmp(&b.number)
            .then(b.version.cmp(&a.version))
            .then(a.id.cmp(&b.id))
    };
    rows.sort_by(|a, b| match view {
        ArticleView::All | ArticleView::MyArticles { .. } => {
            b.updated_at.cmp(&a.updated_at).then_with(|| tie(a, b))
        }
        ArticleView::Published => b.published_at.cmp(&a.published_at).then_with(|| tie(a, b)),
        ArticleView::NeedReview => {
            let due = |x: &KnowledgeArticle| {
                if x.status == ArticleStatus::InReview {
                    x.submitted_at
                } else {
                    x.next_review_at
                }
            };
            due(a).cmp(&due(b)).then_with(|| tie(a, b))
        }
        ArticleView::MostHelpful => {
            let score = |x: &KnowledgeArticle| x.helpful_score();
            match (score(a), score(b)) {
                (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(Ordering::Equal),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
            .then(b.counters.helpful.cmp(&a.counters.helpful))
            .then_with(|| tie(a, b))
        }
        ArticleView::Popular => b
            .counters
            .views
            .cmp(&a.counters.views)
            .then_with(|| tie(a, b)),
        ArticleView::Faq => {
            let folded = |x: &'k KnowledgeArticle| x.title.chars().flat_map(char::to_lowercase);
            folded(a).cmp(folded(b)).then_with(|| tie(a, b))
        }
    });
    rows
}
