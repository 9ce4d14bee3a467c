//! `SupportDesk`: the facade that wires a repository, an AI provider, a clock and
//! the policies, and runs the automatic triggers of the original system.
//!
//! Layer 4 (orchestration): loads through the [`Repository`], decides with the pure
//! domain (`case`, `sla`, `escalation`, `knowledge`), saves with optimistic
//! concurrency and returns the events it produced. The "hooks" of the original
//! system live here:
//!
//! | trigger | where |
//! | --- | --- |
//! | entitlement check → SLA tier → due dates on creation | [`SupportDesk::create_case`] |
//! | AI category, sentiment, related articles | [`SupportDesk::create_case`] (a failing provider never blocks creation) |
//! | suggested solution from similar resolved cases (else the top article's summary) | [`SupportDesk::create_case`], history kept by [`SupportDesk::resolve`] |
//! | routing rules → queue → agent, loads and round-robin cursors in the repository | [`SupportDesk::create_case`]; capacity freed on resolve; timers in [`SupportDesk::sweep`] |
//! | AI-assisted queues: the provider's suggested assignee (recorded in the case's AI insights), validated by the router, SkillBased when absent, weak or failing | [`SupportDesk::create_case`] via [`AiProvider::suggest_agent`] |
//! | Critical / Angry → escalation | after every operation, by the [`EscalationPolicy`] |
//! | usage tracking when a case is resolved with an article | [`SupportDesk::resolve`] |
//! | knowledge search with search analytics (clicks, gaps) and cited answers | [`SupportDesk::search_knowledge`], [`SupportDesk::record_click`], [`SupportDesk::answer`], [`SupportDesk::knowledge_gaps`] |
//! | SLA warnings and violations, auto-close, survey expiry | [`SupportDesk::sweep`] |
//! | SLA targets, article recommendations, breach and resolution predictions, workload plans (one cached model, see [`PredictionConfig`]) | [`SupportDesk::calculate_sla_targets`], [`SupportDesk::recommend_articles`], [`SupportDesk::predict_breach`], [`SupportDesk::predict_resolution`], [`SupportDesk::optimize_workload`] |
//! | a likely breach → `BreachPredicted` (once per case, when enabled) → escalation rules | [`SupportDesk::sweep`] with [`PredictionConfig::sweep_threshold`] |
//! | sentiment of every customer comment → Angry escalates | [`SupportDesk::add_comment`], [`SupportDesk::execute`] and every intake path |
//! | the audit trail (who did it) on every event | [`SupportDesk::execute_as`], [`CaseRequest::by`], [`CaseEvent::actor`] |
//! | field edits, AI suggestions accepted or rejected, comment edit/delete | [`SupportDesk::execute_as`] with [`CaseCommand::Edit`](crate::case::CaseCommand::Edit), [`ReviewAi`](crate::case::CaseCommand::ReviewAi), [`EditComment`](crate::case::CaseCommand::EditComment), [`DeleteComment`](crate::case::CaseCommand::DeleteComment) |
//! | merge a duplicate, split a comment into a case, macros | [`SupportDesk::merge_cases`], [`SupportDesk::split_comment`], [`SupportDesk::apply_macro`] |
//! | the SLA policy of a new case (ordered, versioned, kept for life) | [`SupportDesk::create_case`] with [`DeskConfig::sla_policies`] |
//! | knowledge article workflow, on-save quality score and AI enhancement, the seven list views | [`SupportDesk::create_article_by`], [`SupportDesk::edit_article`], [`SupportDesk::publish_article`], [`SupportDesk::articles`], [`DeskConfig::knowledge_hooks`] |
//! | routing through the desk: manual assignment, declines, presence, queue changes | [`SupportDesk::assign`], [`SupportDesk::decline`], [`SupportDesk::set_agent_status`], [`SupportDesk::update_queue`], [`SupportDesk::configure_routing`] |
//! | durable notifications | [`SupportDesk::events_after`] (the repository's event feed) |
//! | a customer reply to a closed case → a linked follow-up case | [`SupportDesk::add_comment`] |
//!
//! # One command, one unit of work
//!
//! Every command loads what it needs (the case, the router document, other
//! cases routing touches), reads the clock *after* loading, decides with the
//! pure domain on those copies, and hands everything it changed to
//! [`Repository::commit`] as one [`UnitOfWork`]: the
//! cases and their events, the router's new state, a claimed case number, an
//! article's counters. So:
//!
//! - **An error changes nothing.** Refused commands, a failing calendar, a
//!   failing store: nothing reaches the repository before the commit, and the
//!   commit is all or nothing.
//! - **The case owner is the truth for assignment.** The router's loads are
//!   derived from its open assignments and change in the same commit as the
//!   case owners they mirror: a resolved or closed case releases its owner's
//!   capacity and leaves every waiting list (the freed capacity may pull a
//!   waiting case, assigned in that same commit), a manual assignment moves the
//!   capacity, a reopened case takes it back, a decline un-assigns the case.
//!   [`SupportDesk::sweep`] repairs any drift it finds (a router written behind
//!   the desk's back), the cases winning.
//! - **Conflicts are decided again, not refused.** When another writer
//!   committed first, the command loads again, reads the clock again and
//!   decides again, up to [`DeskConfig::max_retries`] times (then
//!   [`Error::Conflict`]). A desk whose clock is behind a case's last change
//!   (several desks, several clocks) decides at that change instead of failing.
//! - **Repeats are no-ops.** A comment is keyed by its [`CommentId`](crate::ids::CommentId)
//!   and a case by [`CaseRequest::id`]: sending either again returns the stored
//!   result and writes nothing. Case numbers are claimed from the repository's
//!   sequence inside the commit, so they are unique across desks sharing a
//!   store and a failed command consumes none. A desk guesses its next number
//!   from its own last commit and marks its creations' numbers movable
//!   ([`UnitOfWork::movable_numbers`](crate::repo::UnitOfWork::movable_numbers)):
//!   a store that moves numbers ([`Repository::moves_numbers`]; the memory and
//!   PostgreSQL stores) gives a stale guess the next free number inside the
//!   same commit, and the desk hands the caller the case as stored (its
//!   [`Outcome`] and events carry the stored number), so desks on one such
//!   store never refuse or decide again a creation over a number. Once
//!   another desk numbered between its turns (its number moved, or, on a
//!   store that checks claims as written, a claim conflict), the desk takes
//!   the store's numbering lease
//!   ([`Repository::lease_sequences`]) for its next 64 numbering turns, and
//!   keeps renewing that while the counter keeps moving between its turns:
//!   desks then take turns, each with the stored counter, instead of
//!   deciding most creations twice. A desk alone never leases. While it waits
//!   for the lease, the desk's creations keep queueing and join the group its
//!   turn commits.
//! - **Notifications survive crashes.** The commit appends the events to the
//!   repository's global feed; dispatch from [`SupportDesk::events_after`].
//!
//! # What grows with use
//!
//! | what | grows with | bounded by |
//! | --- | --- | --- |
//! | cases, their events, the feed | cases and their activity | the host's archiving (the crate never deletes history) |
//! | the router document | agents, queues, rules, *open* routed cases | finished cases leave it at once |
//! | search analytics (searches, clicks) | searches | [`DeskConfig::analytics_retention`], enforced by [`SupportDesk::sweep`] |
//! | resolution history for suggested solutions | resolved cases | [`DeskConfig::solution_history`] (memory only, analysed once: [`SolutionIndex`]) |
//! | the prediction model | cases | one model on at most [`PredictionConfig::max_observations`] cases |
//! | a sweep's working set | open cases | one batch of 1,024 cases plus one id per open case when a router is stored |
//! | feed cursors | — | kept by the host |

mod channels;
mod commands;
mod community;
mod group;
pub mod intake;
mod knowledge;
mod macros;
mod merge;
mod portal;
mod predict;
mod roster;
mod sweep;
mod unit;

pub use channels::{SocialOutcome, WebIntakeOutcome};
pub use community::NewTopic;
pub use intake::{IntakeConfig, IntakeOutcome, QUOTED_MARKER, QuarantineCause, split_stored_body};
pub use knowledge::{ArticleSaved, ArticleView, Enhanced, KnowledgeHooks};
pub use portal::{
    CLOSED_BY_CUSTOMER, CommunityConfig, Deflection, DeflectionId, DeflectionReport,
    PortalCaseRequest, PortalConfig,
};
pub use predict::{
    ArticleRecommendations, ModelInfo, PredictionConfig, RecommendedArticle, SlaTargets,
};

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use chrono::{DateTime, Utc};

use crate::ai::{AiProvider, HeuristicAi};
use crate::analytics::{self, MetricsReport, Period, Workload};
use crate::case::{
    Actor, AiCategory, Case, CaseEvent, CaseQuery, CaseRules, CaseStatus, CaseType, ListView,
    Origin, Page, PageOf, Priority, Resolution,
};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::escalation::EscalationPolicy;
use crate::ids::{AccountId, ArticleId, CaseId, ContactId, KnowledgeNumber, ProductId, QueueId};
use crate::knowledge::{
    AnalyticsRetention, Answer, ArticleDraft, KnowledgeBase, KnowledgeGapReport, ResolvedCase,
    SearchId, SearchQuery, SearchResults, SolutionIndex, Viewer,
};
use crate::repo::{DynRepository, FeedEntry, Repository, SequenceKind, UnitOfWork, Versioned};
use crate::routing::{Router, RoutingRequest};
use crate::sla::Entitlement;

/// Policies and limits of a desk.
///
/// ```
/// use hotcrm_support::desk::DeskConfig;
/// let config = DeskConfig::default();
/// assert_eq!(config.max_retries, 32);
/// assert!(config.group_creations);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeskConfig {
    /// SLA policy, business hours, survey window, auto-close delay.
    pub rules: CaseRules,
    /// Escalation rules evaluated after every change.
    pub escalation: EscalationPolicy,
    /// How many times a conflicting write is decided again before giving up.
    pub max_retries: u32,
    /// How many related articles to attach to a new case.
    pub related_articles: usize,
    /// Whether the AI's suggested priority may raise (never lower) the requested one.
    pub ai_may_raise_priority: bool,
    /// How many recent resolutions to keep for "suggested solution from similar
    /// resolved cases" (0 disables it). Each is analysed once when remembered;
    /// a creation visits only those sharing a term with it ([`SolutionIndex`]).
    pub solution_history: usize,
    /// How long and how much search analytics the desk's knowledge base keeps
    /// (default 90 days, 100,000 searches, 100 clicked articles per search).
    /// The count caps hold at every search and click; the age cap is enforced
    /// by [`SupportDesk::sweep`].
    pub analytics_retention: AnalyticsRetention,
    /// Email intake: default account for unknown senders, our Message-ID
    /// domains, screening and auto-response policies
    /// ([`SupportDesk::receive_inbound_email`]).
    pub intake: IntakeConfig,
    /// Customer portal: the tier permission table and deflection offers
    /// ([`SupportDesk::portal_submit_case`]).
    pub portal: PortalConfig,
    /// Community trust levels and moderation rules ([`SupportDesk::reply`]).
    pub community: CommunityConfig,
    /// Breach and resolution predictions, workload plans, and whether the
    /// sweep raises [`CaseEvent::BreachPredicted`] (off by default; see
    /// [`PredictionConfig`]).
    pub predictions: PredictionConfig,
    /// Named, versioned SLA policies chosen per new case by ordered conditions
    /// (see [`SlaPolicies`](crate::sla::SlaPolicies)); empty by default: every
    /// case runs on [`DeskConfig::rules`].
    pub sla_policies: crate::sla::SlaPolicies,
    /// The knowledge "on save" hooks: quality score refresh and AI
    /// enhancement (both off by default; see [`KnowledgeHooks`]).
    pub knowledge_hooks: KnowledgeHooks,
    /// Whether concurrent [`SupportDesk::create_case`] calls on this desk
    /// share one commit (group commit; on by default). Each creation is still
    /// decided on its own, in arrival order, and answered with its own
    /// outcome; see [`SupportDesk::create_case`] for the rules.
    pub group_creations: bool,
}

impl Default for DeskConfig {
    fn default() -> Self {
        DeskConfig {
            rules: CaseRules::default(),
            escalation: EscalationPolicy::default(),
            max_retries: 32,
            related_articles: 3,
            ai_may_raise_priority: false,
            solution_history: 500,
            analytics_retention: AnalyticsRetention::default(),
            intake: IntakeConfig::default(),
            portal: PortalConfig::default(),
            community: CommunityConfig::default(),
            predictions: PredictionConfig::default(),
            sla_policies: crate::sla::SlaPolicies::default(),
            knowledge_hooks: KnowledgeHooks::default(),
            group_creations: true,
        }
    }
}

impl DeskConfig {
    /// A configuration with these case rules and defaults for the rest.
    pub fn new(rules: CaseRules) -> DeskConfig {
        DeskConfig {
            rules,
            ..DeskConfig::default()
        }
    }

    /// Replaces the escalation policy.
    pub fn with_escalation(mut self, policy: EscalationPolicy) -> DeskConfig {
        self.escalation = policy;
        self
    }
}

/// What a customer or agent submits to open a case.
///
/// ```
/// use hotcrm_support::case::{Origin, Priority};
/// use hotcrm_support::desk::CaseRequest;
/// use hotcrm_support::ids::AccountId;
/// let req = CaseRequest::new(AccountId::from_u128(1), "Cannot log in", "Password rejected")
///     .origin(Origin::Email)
///     .priority(Priority::High);
/// assert_eq!(req.priority, Some(Priority::High));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaseRequest {
    /// The id the caller chose for the case (makes creation idempotent); `None`
    /// draws a random one.
    pub id: Option<CaseId>,
    /// The customer account (must exist in the repository).
    pub account: AccountId,
    /// The reporting contact (must exist and belong to the account when given).
    pub contact: Option<ContactId>,
    /// Subject (required).
    pub subject: String,
    /// Description (required).
    pub description: String,
    /// Requested priority; `None` lets the AI suggest one (default Medium).
    pub priority: Option<Priority>,
    /// Requested type; `None` lets the AI suggest one.
    pub case_type: Option<CaseType>,
    /// Channel.
    pub origin: Origin,
    /// Related product.
    pub product: Option<ProductId>,
    /// Queue chosen by the caller, if any.
    pub queue: Option<QueueId>,
    /// What the AI reads instead of the description, when set (see
    /// [`CaseRequest::analyze`]).
    pub analysis_text: Option<String>,
    /// The portal deflection offer (and its user) this case follows: marked
    /// submitted in the case's own commit.
    pub(crate) deflection: Option<(crate::ids::DeflectionId, crate::ids::PortalUserId)>,
    /// The closed case this one follows up (see [`CaseRequest::follow_up_of`]).
    pub parent: Option<CaseId>,
    /// The social conversation this case opens: its link is moved to the case
    /// in the case's own commit.
    pub(crate) conversation: Option<crate::intake::ConversationLink>,
    /// Email participants (To/Cc) stored with the case, in its commit.
    pub(crate) participants: Vec<crate::intake::EmailAddress>,
    /// The contact this case's commit creates (email and web intake for a
    /// new sender); [`CaseRequest::contact`] names it. Stored with the case
    /// or not at all.
    pub(crate) new_contact: Option<crate::repo::Contact>,
    /// Who opens the case (its `Created` event's actor); `None` means the
    /// customer (`Actor::Customer(contact)`), set it when an agent logs a call.
    pub by: Option<Actor>,
}

impl CaseRequest {
    /// A request from `account` with the required texts; origin Web.
    pub fn new(
        account: AccountId,
        subject: impl Into<String>,
        description: impl Into<String>,
    ) -> CaseRequest {
        CaseRequest {
            id: None,
            account,
            contact: None,
            subject: subject.into(),
            description: description.into(),
            priority: None,
            case_type: None,
            origin: Origin::Web,
            product: None,
            queue: None,
            analysis_text: None,
            deflection: None,
            conversation: None,
            participants: Vec::new(),
            new_contact: None,
            parent: None,
            by: None,
        }
    }

    /// Records who opens the case (the `Created` event's actor); without it
    /// the customer does.
    ///
    /// ```
    /// use hotcrm_support::case::Actor;
    /// use hotcrm_support::desk::CaseRequest;
    /// use hotcrm_support::ids::{AccountId, AgentId, ContactId};
    /// let call = CaseRequest::new(AccountId::from_u128(1), "Phone: VPN down", "Called at 9:05");
    /// assert_eq!(call.actor(), Actor::Customer(None));
    /// let call = call.contact(ContactId::from_u128(2)).by(Actor::Agent(AgentId::from_u128(3)));
    /// assert_eq!(call.actor(), Actor::Agent(AgentId::from_u128(3)));
    /// ```
    pub fn by(mut self, actor: Actor) -> CaseRequest {
        self.by = Some(actor);
        self
    }

    /// Who opens the case: [`CaseRequest::by`], else the customer.
    ///
    /// ```
    /// use hotcrm_support::{case::Actor, desk::CaseRequest, ids::{AccountId, ContactId}};
    /// let r = CaseRequest::new(AccountId::from_u128(1), "s", "d").contact(ContactId::from_u128(2));
    /// assert_eq!(r.actor(), Actor::Customer(Some(ContactId::from_u128(2))));
    /// ```
    pub fn actor(&self) -> Actor {
        self.by.unwrap_or(Actor::Customer(self.contact))
    }

    /// Has the [`AiProvider`] classify, score the sentiment of and relate
    /// articles to `text` (with the subject) instead of the description; the
    /// stored description is unchanged. Intake uses it for an email's own
    /// words, without the quoted history and attachment list the description
    /// keeps.
    ///
    /// ```
    /// use hotcrm_support::desk::CaseRequest;
    /// use hotcrm_support::ids::AccountId;
    /// let req = CaseRequest::new(AccountId::from_u128(1), "Re: export", "It fails.\n\n> earlier mail")
    ///     .analyze("It fails.");
    /// assert_eq!(req.analysis_text.as_deref(), Some("It fails."));
    /// ```
    pub fn analyze(mut self, text: impl Into<String>) -> CaseRequest {
        self.analysis_text = Some(text.into());
        self
    }

    /// Links the new case to a closed case it follows up (`parent`). The desk
    /// checks the original exists, is Closed (a Resolved case is reopened
    /// instead) and belongs to the same account.
    ///
    /// ```
    /// use hotcrm_support::desk::CaseRequest;
    /// use hotcrm_support::ids::{AccountId, CaseId};
    /// let req = CaseRequest::new(AccountId::from_u128(1), "Export fails again", "Same error")
    ///     .follow_up_of(CaseId::from_u128(7));
    /// assert_eq!(req.parent, Some(CaseId::from_u128(7)));
    /// ```
    pub fn follow_up_of(mut self, closed: CaseId) -> CaseRequest {
        self.parent = Some(closed);
        self
    }

    /// Sets the case's id: repeating a creation with the same id returns the
    /// stored case instead of creating another.
    pub fn id(mut self, id: CaseId) -> CaseRequest {
        self.id = Some(id);
        self
    }

    /// Sets the contact.
    pub fn contact(mut self, contact: ContactId) -> CaseRequest {
        self.contact = Some(contact);
        self
    }

    /// Sets the priority.
    pub fn priority(mut self, priority: Priority) -> CaseRequest {
        self.priority = Some(priority);
        self
    }

    /// Sets the type.
    pub fn case_type(mut self, case_type: CaseType) -> CaseRequest {
        self.case_type = Some(case_type);
        self
    }

    /// Sets the channel.
    pub fn origin(mut self, origin: Origin) -> CaseRequest {
        self.origin = origin;
        self
    }

    /// Sets the product.
    pub fn product(mut self, product: ProductId) -> CaseRequest {
        self.product = Some(product);
        self
    }

    /// Puts the case in a queue.
    pub fn queue(mut self, queue: QueueId) -> CaseRequest {
        self.queue = Some(queue);
        self
    }
}

/// The result of an operation: the stored case and the events it produced, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The case as stored, with its new version.
    pub case: Versioned<Case>,
    /// The events this operation produced on it (empty when nothing changed).
    pub events: Vec<CaseEvent>,
    /// Events the same commit produced on other cases (a freed agent was handed
    /// a waiting case, say), with their case.
    pub related: Vec<(CaseId, CaseEvent)>,
}

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SweepReport {
    /// Open cases examined.
    pub scanned: usize,
    /// Cases whose time-driven rules fired.
    pub changed: usize,
    /// Cases whose routing disagreed with the case and was repaired.
    pub repaired: usize,
    /// Search analytics records removed by the retention policy.
    pub analytics_removed: usize,
    /// The events produced, per case.
    pub events: Vec<(CaseId, CaseEvent)>,
}

/// The support desk: one object to create and work cases.
///
/// Cheap to share (`Arc` inside every part); safe to use from many tasks at once.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{Author, NewComment, Resolution};
/// use hotcrm_support::clock::ManualClock;
/// use hotcrm_support::desk::{CaseRequest, SupportDesk};
/// use hotcrm_support::ids::{AccountId, AgentId, CommentId};
/// use hotcrm_support::repo::{Account, MemoryRepository, Repository};
/// use std::sync::Arc;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let repo = Arc::new(MemoryRepository::new());
/// let account = AccountId::from_u128(1);
/// repo.put_account(&Account::new(account, "Acme"), None).await?;
/// let clock = ManualClock::new("2026-01-05T14:00:00Z".parse()?);
/// let desk = SupportDesk::builder(repo).clock(clock).build();
///
/// let created = desk.create_case(CaseRequest::new(account, "Cannot log in", "Password rejected")).await?;
/// let id = created.case.value.id;
/// assert_eq!(created.case.value.number.to_string(), "CASE-2026-0001");
///
/// let agent = AgentId::from_u128(7);
/// desk.assign(id, agent).await?;
/// let reply = NewComment::public(CommentId::from_u128(1), Author::Agent(agent), "Reset link sent");
/// desk.add_comment(id, reply).await?;
/// let resolved = desk.resolve(id, Resolution::new("Password reset")).await?;
/// assert!(resolved.case.value.first_response_at.is_some());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SupportDesk {
    /// The case rules of each SLA policy version on its own (or the desk's)
    /// hours, derived once.
    policy_rules: Arc<HashMap<crate::sla::PolicyRef, CaseRules>>,
    repo: DynRepository,
    ai: Arc<dyn AiProvider>,
    clock: Arc<dyn Clock>,
    config: Arc<DeskConfig>,
    knowledge: Arc<RwLock<KnowledgeBase>>,
    /// Recent resolutions, analysed once (bounded by `solution_history`).
    history: Arc<RwLock<SolutionIndex>>,
    /// The router last decoded or committed, with its stored version.
    router_cache: Arc<Mutex<Option<(u64, Router)>>>,
    /// The last number this desk committed (or read) per sequence and year:
    /// the next claim guesses one more without asking the repository. A guess
    /// another desk made stale is moved by a store that moves numbers (the
    /// entry then takes the stored number); elsewhere it fails the commit's
    /// claim check (a `Conflict`), which drops the entry, so the retry reads
    /// the stored counter.
    sequence_cache: Arc<Mutex<HashMap<(SequenceKind, i32), u32>>>,
    /// Held from drawing a number until the commit that claims it ends, so
    /// one desk's creations never race each other for a number (a race
    /// between desks moves the number, or is a `Conflict` decided again on a
    /// store that checks claims as written). Never held while a
    /// provider is awaited.
    sequence_lane: Arc<tokio::sync::Mutex<()>>,
    /// How many more turns of the numbering lane take the store's numbering
    /// lease ([`Repository::lease_sequences`]): set to `LEASE_TURNS` by a
    /// claim another desk made stale or a number the store moved, and by a
    /// lease whose counter had moved since this desk's last commit; each
    /// lease that finds the counter where this desk left it counts down.
    /// 0: no other desk seen numbering.
    lease_turns: Arc<std::sync::atomic::AtomicU32>,
    /// Creations waiting for the numbering lane, taken together by the one
    /// that gets it (group commit; see `group`). Bounded by the callers
    /// waiting at the time.
    creations: group::CreationQueue,
    /// Email intake's auto-response and sender ledgers (per process, bounded).
    intake: Arc<Mutex<intake::IntakeState>>,
    /// The cached prediction model (one, refitted by the rule in `predict`).
    predictions: Arc<Mutex<predict::PredictionState>>,
}

/// Builds a [`SupportDesk`]: defaults are [`HeuristicAi`], [`SystemClock`],
/// [`DeskConfig::default`] and an empty knowledge base.
#[derive(Clone)]
pub struct SupportDeskBuilder {
    repo: DynRepository,
    ai: Arc<dyn AiProvider>,
    clock: Arc<dyn Clock>,
    config: DeskConfig,
    knowledge: KnowledgeBase,
}

impl SupportDeskBuilder {
    /// Uses this AI provider.
    pub fn ai(mut self, ai: impl AiProvider + 'static) -> Self {
        self.ai = Arc::new(ai);
        self
    }

    /// Uses this (shared) AI provider.
    pub fn ai_arc(mut self, ai: Arc<dyn AiProvider>) -> Self {
        self.ai = ai;
        self
    }

    /// Uses this clock.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Uses this configuration.
    pub fn config(mut self, config: DeskConfig) -> Self {
        self.config = config;
        self
    }

    /// Runs the desk's SLA clocks on `hours` (shortcut for
    /// `config.rules = config.rules.with_hours(hours)`, see
    /// [`CaseRules::with_hours`](crate::case::CaseRules::with_hours)); apply it
    /// after [`config`](SupportDeskBuilder::config), which replaces the rules.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use chrono::{NaiveTime, TimeDelta};
    /// use hotcrm_support::calendar::{BusinessHours, HolidayCalendar};
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::repo::MemoryRepository;
    /// let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    /// let london = BusinessHours::builder(chrono_tz::Europe::London)
    ///     .weekdays(t(9, 0), t(17, 30))
    ///     .holidays(HolidayCalendar::uk_england_wales())
    ///     .build()?;
    /// let desk = SupportDesk::builder(Arc::new(MemoryRepository::new())).business_hours(london).build();
    /// assert_eq!(desk.config().rules.sla().business_day(), TimeDelta::minutes(510));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn business_hours(mut self, hours: crate::calendar::BusinessHours) -> Self {
        self.config.rules = self.config.rules.with_hours(hours);
        self
    }

    /// Chooses each new case's SLA policy from `policies` (first match in
    /// order; see [`SlaPolicies`](crate::sla::SlaPolicies)); the case keeps
    /// the chosen version for its whole life.
    ///
    /// ```
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::repo::MemoryRepository;
    /// use hotcrm_support::sla::{PolicyVersion, SlaPolicies, SlaPolicy};
    /// let policies = SlaPolicies::new(vec![PolicyVersion::new("Standard", 1, SlaPolicy::default())?])?;
    /// let desk = SupportDesk::builder(MemoryRepository::new()).sla_policies(policies).build();
    /// assert_eq!(desk.config().sla_policies.versions().len(), 1);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn sla_policies(mut self, policies: crate::sla::SlaPolicies) -> Self {
        self.config.sla_policies = policies;
        self
    }

    /// Uses this knowledge base for related articles and usage tracking.
    pub fn knowledge(mut self, knowledge: KnowledgeBase) -> Self {
        self.knowledge = knowledge;
        self
    }

    /// The desk.
    pub fn build(self) -> SupportDesk {
        let knowledge = self
            .knowledge
            .with_retention(self.config.analytics_retention);
        let intake = intake::IntakeState::new(&self.config.intake);
        let history =
            SolutionIndex::new(*knowledge.index().analyzer(), self.config.solution_history);
        let policy_rules = self
            .config
            .sla_policies
            .versions()
            .iter()
            .map(|v| (v.reference(), unit::policy_rules(&self.config.rules, v)))
            .collect();
        SupportDesk {
            repo: self.repo,
            ai: self.ai,
            clock: self.clock,
            config: Arc::new(self.config),
            policy_rules: Arc::new(policy_rules),
            knowledge: Arc::new(RwLock::new(knowledge)),
            history: Arc::new(RwLock::new(history)),
            router_cache: Arc::new(Mutex::new(None)),
            sequence_cache: Arc::new(Mutex::new(HashMap::new())),
            sequence_lane: Arc::new(tokio::sync::Mutex::new(())),
            lease_turns: Arc::new(std::sync::atomic::AtomicU32::new(0)),
            creations: group::CreationQueue::default(),
            intake: Arc::new(Mutex::new(intake)),
            predictions: Arc::new(Mutex::new(predict::PredictionState::default())),
        }
    }
}

impl fmt::Debug for SupportDeskBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupportDeskBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for SupportDesk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupportDesk")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SupportDesk {
    /// Starts building a desk over `repo`.
    pub fn builder(repo: impl Repository + 'static) -> SupportDeskBuilder {
        SupportDeskBuilder {
            repo: Arc::new(repo),
            ai: Arc::new(HeuristicAi::new()),
            clock: Arc::new(SystemClock),
            config: DeskConfig::default(),
            knowledge: KnowledgeBase::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    /// The repository.
    pub fn repository(&self) -> &DynRepository {
        &self.repo
    }

    /// Runs `f` with read access to the knowledge base.
    pub fn with_knowledge<R>(&self, f: impl FnOnce(&KnowledgeBase) -> R) -> R {
        f(&self
            .knowledge
            .read()
            .unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs `f` with write access to the knowledge base.
    pub fn with_knowledge_mut<R>(&self, f: impl FnOnce(&mut KnowledgeBase) -> R) -> R {
        f(&mut self
            .knowledge
            .write()
            .unwrap_or_else(PoisonError::into_inner))
    }

    /// Searches the knowledge base as `viewer` and records the search for
    /// analytics (at the desk clock's time): hybrid search with the provider
    /// embedding the query when articles have embeddings, BM25 otherwise or when
    /// the provider fails. Pass the returned [`KnowledgeSearch::search`] to
    /// [`SupportDesk::record_click`] when the user opens a hit.
    ///
    /// The query log lives in the desk's knowledge base (memory), like the index.
    ///
    /// ```
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::knowledge::{ArticleDraft, SearchQuery, Viewer};
    /// use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// let now = chrono::Utc::now();
    /// desk.with_knowledge_mut(|kb| -> hotcrm_support::Result<()> {
    ///     let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.")
    ///         .summary("Export a list as CSV."), now)?;
    ///     kb.submit_for_review(id, AgentId::from_u128(1), now)?;
    ///     kb.publish(id, AgentId::from_u128(2), now).map(drop)
    /// })?;
    /// let found = desk.search_knowledge(&SearchQuery::new("download my contacts as csv"), &Viewer::Anonymous).await;
    /// assert_eq!(found.results.hits.len(), 1);
    /// desk.record_click(found.search, found.results.hits[0].article)?;
    /// assert_eq!(desk.with_knowledge(|kb| kb.analytics().get(found.search).map(|s| s.clicks.len())), Some(1));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn search_knowledge(&self, query: &SearchQuery, viewer: &Viewer) -> KnowledgeSearch {
        let embedding = self
            .embed_query(crate::knowledge::cut_query(&query.text))
            .await;
        let now = self.clock.now();
        self.with_knowledge_mut(|kb| {
            let results = kb
                .hybrid_search(query, embedding.as_deref(), viewer)
                .unwrap_or_else(|_| kb.search(query, viewer));
            let search = kb.record_search(&results, now);
            KnowledgeSearch { results, search }
        })
    }

    /// The provider's embedding of a query, when the knowledge base has
    /// embeddings to compare it with (else, or when the provider fails, `None`).
    async fn embed_query(&self, text: &str) -> Option<Vec<f32>> {
        if self.with_knowledge(|kb| kb.index().embedded_len() == 0) {
            return None;
        }
        crate::ai::embed_one(self.ai.as_ref(), text).await
    }

    /// Records that the user of a search opened one of its articles.
    ///
    /// ```
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::ArticleId;
    /// use hotcrm_support::knowledge::{SearchQuery, Viewer};
    /// use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// let found = desk.search_knowledge(&SearchQuery::new("sso"), &Viewer::Employee).await;
    /// // Clicks need a recorded search and an article that exists.
    /// assert!(desk.record_click(found.search, ArticleId::from_u128(7)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown search or article.
    pub fn record_click(&self, search: SearchId, article: crate::ids::ArticleId) -> Result<()> {
        self.with_knowledge_mut(|kb| kb.record_click(search, article))
    }

    /// Answers a question for `viewer` from the visible published articles through
    /// the desk's provider, citing KnowledgeNumbers — [`crate::ai::answer`] on the
    /// desk's knowledge base, without holding it locked while the provider works.
    /// Nothing relevant: a "not found" answer, recorded as a knowledge gap.
    ///
    /// ```
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::knowledge::{AnswerOutcome, Viewer};
    /// use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// let a = desk.answer("How do I export invoices?", &Viewer::Anonymous).await?;
    /// assert_eq!(a.outcome, AnswerOutcome::NoRelevantArticle);
    /// assert!(a.citations.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an empty question. Provider failures are not errors.
    pub async fn answer(&self, question: &str, viewer: &Viewer) -> Result<Answer> {
        crate::knowledge::validate_question(question)?;
        let question = crate::knowledge::cut_query(question);
        let embedding = self.embed_query(question).await;
        let plan = self.with_knowledge(|kb| {
            crate::ai::plan_answer(kb, question, embedding.as_deref(), viewer)
        })?;
        let generated = crate::ai::generate_for(self.ai.as_ref(), plan.as_ref()).await;
        let now = self.clock.now();
        self.with_knowledge_mut(|kb| {
            crate::ai::finish_answer(
                kb,
                question,
                plan,
                generated,
                embedding.as_deref(),
                viewer,
                now,
            )
        })
    }

    /// The knowledge-gap report for the searches and questions recorded in
    /// `period`, evaluated at the desk clock's time (see
    /// [`KnowledgeBase::knowledge_gaps`]).
    ///
    /// ```
    /// use hotcrm_support::analytics::Period;
    /// use hotcrm_support::clock::ManualClock;
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::knowledge::Viewer;
    /// use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let clock = ManualClock::new("2026-01-10T09:00:00Z".parse()?);
    /// let desk = SupportDesk::builder(MemoryRepository::new()).clock(clock).build();
    /// for _ in 0..3 {
    ///     desk.answer("How do I export invoices?", &Viewer::Anonymous).await?;
    /// }
    /// let report = desk.knowledge_gaps(Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?);
    /// assert_eq!(report.missing_topics[0].searches, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn knowledge_gaps(&self, period: Period) -> KnowledgeGapReport {
        let now = self.clock.now();
        self.with_knowledge(|kb| kb.knowledge_gaps(period, now))
    }

    /// Creates a knowledge article draft and stores it, numbered
    /// `KB-YYYY-NNNN` from the repository's sequence inside the same commit: two
    /// desks on one store never issue the same number, and a failed creation
    /// uses none. The draft joins the desk's knowledge base once stored. Its
    /// slug is unique across the store: when another desk stored the same
    /// slug meanwhile, the desk learns the stored articles and the draft takes
    /// the next free slug (`reset-your-password-2`).
    ///
    /// Number articles either through the desk or through your own
    /// [`KnowledgeBase::create_numbered`] calls on repository numbers, not with
    /// [`KnowledgeBase::create`] (its counter lives in one process's memory).
    ///
    /// ```
    /// use hotcrm_support::clock::ManualClock;
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::knowledge::ArticleDraft;
    /// use hotcrm_support::repo::{MemoryRepository, Repository};
    /// use std::sync::Arc;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let repo = Arc::new(MemoryRepository::new());
    /// let clock = ManualClock::new("2026-03-02T10:00:00Z".parse()?);
    /// let a = SupportDesk::builder(repo.clone()).clock(clock.clone()).build();
    /// let b = SupportDesk::builder(repo.clone()).clock(clock).build();
    /// let first = a.create_article(ArticleDraft::new("Reset your password", "Click Forgot password.")).await?;
    /// let second = b.create_article(ArticleDraft::new("Export invoices", "Billing, then Export.")).await?;
    /// assert_eq!(repo.get_article(first).await?.value.number.to_string(), "KB-2026-0001");
    /// assert_eq!(repo.get_article(second).await?.value.number.to_string(), "KB-2026-0002");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid draft; [`Error::AlreadyExists`] when
    /// the desk's knowledge base already holds the next repository number (it
    /// was numbered elsewhere); storage errors; [`Error::Conflict`] after too
    /// many concurrent creators.
    pub async fn create_article(&self, draft: ArticleDraft) -> Result<ArticleId> {
        self.create_article_linked(draft, |_| Ok(Vec::new())).await
    }

    /// [`SupportDesk::create_article`], committing the portal records `link`
    /// returns for the new article's id in the same unit.
    pub(crate) async fn create_article_linked(
        &self,
        draft: ArticleDraft,
        link: impl Fn(ArticleId) -> Result<Vec<crate::repo::DocumentWrite<crate::repo::PortalRecord>>>,
    ) -> Result<ArticleId> {
        use chrono::Datelike;
        let mut attempt = 0u32;
        loop {
            let now = self.clock.now();
            let year = now.year();
            let mut lane = None;
            let sequence = self
                .next_number(&mut lane, SequenceKind::Knowledge, year)
                .await?;
            let number = KnowledgeNumber::new(year, sequence)?;
            // The draft is built (and its slug checked) in memory, then taken
            // out again: readers never see it before its commit. The numbering
            // lane, held until the commit ends, keeps other creations of this
            // desk from taking its number or slug meanwhile.
            let built = self.with_knowledge_mut(|kb| {
                let id = kb.create_numbered(draft.clone(), number, now)?;
                let article = kb.discard_draft(id)?;
                Ok::<_, Error>((id, article))
            });
            let (id, article) = match built {
                Ok(built) => built,
                // Another creation in this desk holds the number until it commits.
                Err(Error::AlreadyExists {
                    kind: "knowledge number",
                    ..
                }) if attempt < self.config.max_retries => {
                    attempt += 1;
                    unit::YieldNow::new().await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut work = UnitOfWork::new()
                .claim(SequenceKind::Knowledge, year, sequence)
                .article(article.clone(), None);
            work.portal.extend(link(id)?);
            let committed = self.commit_work(&work).await;
            if let Some(turn) = lane.as_mut() {
                turn.end_lease().await;
            }
            match committed {
                Ok(committed) => {
                    let version = committed
                        .article_versions
                        .iter()
                        .find(|(a, _)| *a == id)
                        .map_or(1, |(_, v)| *v);
                    self.with_knowledge_mut(|kb| kb.absorb_stored(vec![(article, version)]))?;
                    return Ok(id);
                }
                Err(Error::AlreadyExists {
                    kind: "article slug",
                    ..
                }) if attempt < self.config.max_retries => {
                    // Another desk stored an article under this slug: learn
                    // the stored articles and try again, so the draft takes
                    // the next free slug.
                    let stored = self.repo.list_articles().await?;
                    self.with_knowledge_mut(|kb| {
                        kb.absorb_stored(stored.into_iter().map(|s| (s.value, s.version)).collect())
                    })?;
                    attempt += 1;
                }
                Err(e) => {
                    if !(unit::is_retryable(&e) && attempt < self.config.max_retries) {
                        return Err(e);
                    }
                    attempt += 1;
                    unit::YieldNow::new().await;
                }
            }
        }
    }

    /// Writes the desk's current copy of an article version to the repository
    /// (insert or optimistic update), so counters survive a restart.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the knowledge base has no such article; storage
    /// errors; [`Error::Conflict`] after too many concurrent writers.
    pub async fn save_article(&self, id: crate::ids::ArticleId) -> Result<u64> {
        let mut attempt = 0;
        loop {
            let article = self.with_knowledge(|kb| kb.article(id).cloned())?;
            let expected = match self.repo.get_article(id).await {
                Ok(stored) => Some(stored.version),
                Err(Error::NotFound { .. }) => None,
                Err(e) => return Err(e),
            };
            match self.repo.put_article(&article, expected).await {
                Ok(version) => return Ok(version),
                Err(Error::Conflict { .. } | Error::AlreadyExists { .. })
                    if attempt < self.config.max_retries =>
                {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Replaces the desk's knowledge base with the articles stored in the
    /// repository (call at start-up); returns how many versions were loaded.
    ///
    /// # Errors
    ///
    /// Storage errors; [`Error::Validation`] when stored articles are inconsistent.
    pub async fn load_knowledge(&self) -> Result<usize> {
        let articles: Vec<_> = self
            .repo
            .list_articles()
            .await?
            .into_iter()
            .map(|a| a.value)
            .collect();
        let count = articles.len();
        let policy = self.with_knowledge(|kb| *kb.policy());
        let kb = KnowledgeBase::from_articles(policy, articles)?
            .with_retention(self.config.analytics_retention);
        self.with_knowledge_mut(|current| *current = kb);
        Ok(count)
    }

    /// Loads the most recent resolutions from the repository into the history used
    /// for suggested solutions (call once at start-up); returns how many were loaded.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn load_resolution_history(&self) -> Result<usize> {
        let query = CaseQuery {
            statuses: vec![CaseStatus::Resolved, CaseStatus::Closed],
            order: crate::case::CaseOrder::NewestFirst,
            ..CaseQuery::default()
        };
        let page = self
            .repo
            .list_cases(&query, Page::first(self.config.solution_history))
            .await?;
        let mut loaded = 0;
        for stored in page.items.iter().rev() {
            if let Some(text) = &stored.value.resolution {
                let mut resolution = Resolution::new(text.clone());
                resolution.article = stored.value.linked_article;
                self.remember_resolution(&stored.value, &resolution);
                loaded += 1;
            }
        }
        Ok(loaded)
    }

    fn remember_resolution(&self, case: &Case, resolution: &Resolution) {
        if self.config.solution_history == 0 {
            return;
        }
        let number = resolution
            .article
            .and_then(|a| self.with_knowledge(|kb| kb.article(a).map(|a| a.number).ok()));
        let mut entry = ResolvedCase::new(
            case.id,
            format!("{}\n{}", case.subject, case.description),
            resolution.text.clone(),
        );
        entry.article = number;
        let analyzer = self.with_knowledge(|kb| *kb.index().analyzer());
        let mut history = self.history.write().unwrap_or_else(PoisonError::into_inner);
        history.set_analyzer(analyzer);
        history.insert(entry);
    }

    /// Up to `limit` events of the repository's durable feed after position
    /// `after` (0 = from the start), in commit order across all cases.
    ///
    /// This is how a host sends notifications, webhooks and emails reliably:
    /// the events a command returns are lost if the process dies right after the
    /// commit, but the feed is stored by that same commit. Keep the last position
    /// you handled (in your own store, after handling), and on start-up and
    /// periodically ask for what follows; handling is at least once, so make
    /// handlers idempotent (the position is a natural dedupe key).
    ///
    /// # Example: an at-least-once dispatcher
    ///
    /// ```
    /// use hotcrm_support::case::CaseEvent;
    /// use hotcrm_support::clock::ManualClock;
    /// use hotcrm_support::desk::{CaseRequest, SupportDesk};
    /// use hotcrm_support::ids::AccountId;
    /// use hotcrm_support::repo::{Account, MemoryRepository, Repository};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let repo = MemoryRepository::new();
    /// repo.put_account(&Account::new(AccountId::from_u128(1), "Acme"), None).await?;
    /// let desk = SupportDesk::builder(repo).clock(ManualClock::new("2026-01-05T14:00:00Z".parse()?)).build();
    /// desk.create_case(CaseRequest::new(AccountId::from_u128(1), "VPN down", "since 9am")).await?;
    ///
    /// let mut cursor = 0; // load it from your store
    /// let mut sent = Vec::new();
    /// loop {
    ///     let batch = desk.events_after(cursor, 100).await?;
    ///     let Some(last) = batch.last() else { break };
    ///     cursor = last.position;
    ///     for entry in batch {
    ///         if let CaseEvent::Created { case, .. } = &entry.event {
    ///             sent.push(format!("acknowledge {}", case.number)); // send, then save `cursor`
    ///         }
    ///     }
    /// }
    /// assert_eq!(sent, ["acknowledge CASE-2026-0001"]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>> {
        self.repo.events_after(after, limit).await
    }

    /// The case's stored events as readable lines, oldest first
    /// ([`Timeline`](crate::case::Timeline)), with the events of every
    /// duplicate merged into it ([`SupportDesk::merge_cases`]).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown case; storage errors.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// use std::sync::Arc;
    /// use hotcrm_support::desk::{CaseRequest, SupportDesk};
    /// use hotcrm_support::ids::AccountId;
    /// use hotcrm_support::repo::{Account, MemoryRepository, Repository};
    /// let repo = Arc::new(MemoryRepository::new());
    /// let acme = Account::new(AccountId::new(), "Acme");
    /// repo.put_account(&acme, None).await?;
    /// let desk = SupportDesk::builder(repo).build();
    /// let out = desk.create_case(CaseRequest::new(acme.id, "VPN drops", "Every hour")).await?;
    /// let timeline = desk.timeline(out.case.value.id).await?;
    /// assert!(timeline.to_string().contains("created CASE-"));
    /// # Ok(()) }
    /// ```
    pub async fn timeline(&self, id: CaseId) -> Result<crate::case::Timeline> {
        self.repo.get_case(id).await?;
        let events = self.merged_history(id).await?;
        Ok(crate::case::Timeline::new(&events))
    }

    /// One page of a list view, evaluated at the clock's `now`.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn list(&self, view: ListView, page: Page) -> Result<PageOf<Versioned<Case>>> {
        self.repo
            .list_cases(&view.query(self.clock.now()), page)
            .await
    }

    /// The rules for a case of `account`: the desk's, on the account's own calendar
    /// when it has one.
    /// Support metrics over `period`: first-response and resolution times, SLA
    /// compliance and CSAT, overall and per queue, agent, tier and priority (see
    /// [`analytics`] for what counts where).
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn metrics(&self, period: Period) -> Result<MetricsReport> {
        let cases = self.all_cases(&CaseQuery::default()).await?;
        Ok(analytics::report(cases.iter(), period))
    }

    /// Open cases per agent and queue, by priority, with backlog age, at the
    /// clock's `now`.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn workload(&self) -> Result<Workload> {
        let query = CaseQuery {
            exclude_statuses: vec![CaseStatus::Resolved, CaseStatus::Closed],
            ..CaseQuery::default()
        };
        let cases = self.all_cases(&query).await?;
        Ok(analytics::workload(cases.iter(), self.clock.now()))
    }

    async fn all_cases(&self, query: &CaseQuery) -> Result<Vec<Case>> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let batch = self.repo.scan_cases(query, after, 1024).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.value.id);
            out.extend(batch.into_iter().map(|c| c.value));
        }
        Ok(out)
    }
}

/// What the router needs to know about a case.
fn routing_request(case: &Case, category: Option<AiCategory>) -> RoutingRequest {
    let mut request = RoutingRequest::new(case.id, case.account, case.created_at);
    request.priority = case.priority;
    request.case_type = case.case_type;
    request.origin = case.origin;
    request.ai_category = category;
    request.tier = case.sla_tier;
    request.subject.clone_from(&case.subject);
    request.description.clone_from(&case.description);
    request.queue = case.queue;
    request
}

/// The entitlement with the best tier among those active at `now`.
fn best_entitlement(entitlements: &[Entitlement], now: DateTime<Utc>) -> Option<Entitlement> {
    entitlements
        .iter()
        .filter(|e| e.is_active(now))
        .min_by_key(|e| e.tier)
        .cloned()
}

/// A knowledge search run through the desk: the results and the id under which
/// the search was recorded (for [`SupportDesk::record_click`]).
///
/// ```
/// # use hotcrm_support::desk::KnowledgeSearch;
/// fn first_hit(found: &KnowledgeSearch) -> Option<hotcrm_support::ids::ArticleId> {
///     found.results.hits.first().map(|h| h.article)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct KnowledgeSearch {
    /// The hits, best first.
    pub results: SearchResults,
    /// The recorded search.
    pub search: SearchId,
}
