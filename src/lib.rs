//! # hotcrm-support
//!
//! The logic of a customer-service desk as an embeddable Rust library: cases and
//! their lifecycle, SLA clocks on real business calendars (time zones, holidays,
//! DST), escalation, routing to the right agent, a knowledge base with search and
//! cited answers. Hosts keep their own storage and their own AI models
//! behind two traits; the crate brings correct, fast, well-tested rules.
//!
//! ```
//! use chrono::{NaiveTime, TimeDelta};
//! use hotcrm_support::prelude::*;
//!
//! // New York office hours with the US federal holidays.
//! let hours = BusinessHours::builder(chrono_tz::America::New_York)
//!     .weekdays(NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(17, 0, 0).unwrap())
//!     .holidays(HolidayCalendar::us_federal())
//!     .build()?;
//! // Friday 2024-01-05 16:30 local + 4 business hours = Monday 12:30 local.
//! let due = hours.add("2024-01-05T21:30:00Z".parse()?, TimeDelta::hours(4))?;
//! assert_eq!(due.to_rfc3339(), "2024-01-08T17:30:00+00:00");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Overview
//!
//! | type | what it is |
//! | --- | --- |
//! | [`calendar::BusinessHours`] | open hours in a time zone with holidays and special days; exact business-time arithmetic |
//! | [`calendar::HolidayCalendar`], [`calendar::Holiday`] | reusable holiday sets: one-time, annual, floating, Easter-relative, equinox; per-region substitute days; packs for the US, UK, Germany, France, Canada, Australia, Japan, China, India |
//! | [`case::Priority`], [`case::Origin`], ... | the picklists of the original system |
//! | [`sla::SlaTier`] | Platinum, Gold, Silver, Bronze, Standard |
//! | [`case::Case`], [`case::CaseCommand`], [`case::CaseEvent`] | the case aggregate: commands are decided into past-tense events, applied without rules |
//! | [`sla::predict`] | resolution-time and breach prediction (stratified Kaplan–Meier, open cases censored), workload optimisation with Erlang C |
//! | [`sla::SlaPolicy`], [`sla::Milestone`] | SLA targets per tier and priority; FirstResponse, NextResponse and Resolution clocks with pauses |
//! | [`escalation::EscalationPolicy`] | ordered trigger → action rules, evaluated idempotently |
//! | [`analytics::metrics`], [`analytics::workload`] | support metrics over a [`period::Period`] (first response, resolution, SLA compliance, CSAT) per queue, agent, tier and priority; open work and backlog age |
//! | [`routing::Router`], [`routing::Queue`], [`routing::RoutingRule`] | queues, skills and capacity; fair, explained assignment with relaxation and overflow |
//! | [`knowledge::KnowledgeBase`], [`knowledge::KnowledgeArticle`] | article lifecycle and versions, visibility per [`knowledge::Viewer`], BM25/vector/hybrid search, gaps, extractive answers |
//! | [`ai::AiProvider`], [`ai::HeuristicAi`] | the AI port (classify, sentiment, embed, generate) and its deterministic offline default |
//! | [`repo::Repository`], [`repo::MemoryRepository`] | the storage port: one atomic [`repo::UnitOfWork`] commit per command with optimistic versions and sequence claims, a durable event feed; its in-memory default and [`repo::conformance`] suite |
//! | [`intake`] | omni-channel intake as pure decisions: [`intake::InboundEmail`] (parsed with feature `email`), machine-mail and bounce [`intake::classify()`], reply/quote splitting, [`intake::decide_thread`] (which case a reply belongs to), auto-response and quarantine rules over bounded ledgers, web-to-case [`intake::WebForm`], social [`intake::InboundMessage`] and webhook signatures (feature `signatures`) |
//! | [`portal`] | customer-portal users with tier permissions as data ([`portal::PermissionTable`]), what a user sees of a case ([`portal::PortalCaseView`]: public comments only, no agent-only fields), community topics and posts with votes, [`portal::wilson_lower_bound`] ranking, trust levels and moderation rules |
//! | [`desk::SupportDesk`] | the facade: creates and works cases through the repository, runs the automatic triggers, sweeps, lists, metrics |
//! | [`period::Period`] | a validated half-open window `[from, to)` for reports (metrics, knowledge gaps) |
//! | [`ids`] | typed ids, [`ids::CaseNumber`] `CASE-2026-0001`, [`ids::KnowledgeNumber`] `KB-2026-0015` |
//! | [`clock::Clock`] | where "now" comes from; [`clock::ManualClock`] for tests and simulations |
//! | [`Error`] | the one error type; every fallible call returns [`Result`] |
//!
//! # Design rules
//!
//! - **Layers.** `calendar`, `ids`, `period`, `error` are pure; domain modules (`case`, `sla`,
//!   ...) are pure functions of (state, input, now); only the outer layers do I/O.
//! - **"Now" is a parameter.** Nothing in the crate reads the wall clock except
//!   [`clock::SystemClock`].
//! - **Bad input is a typed error** and changes nothing; nothing panics on user input.
//!   Every stored record is validated again when it is loaded, with the same
//!   rules its commands keep.
//! - **One command, one commit.** A desk command loads, decides on copies and
//!   stores everything it changed (cases, events, router, numbers, articles) in
//!   one [`repo::Repository::commit`], or nothing; conflicts are decided again on
//!   fresh state; repeated commands with the same ids are no-ops. See
//!   [`desk`](desk#one-command-one-unit-of-work) for the rules and for what grows
//!   with use.
//! - **The library never prints.**
//!
//! # Cookbook
//!
//! - *SLA deadline on business hours*: [`calendar::BusinessHours::add`].
//! - *Business time consumed so far*: [`calendar::BusinessHours::between`].
//! - *Is the desk open (for "out of hours" routing)?*: [`calendar::BusinessHours::is_open`].
//! - *Share one holiday list between regional calendars*: [`calendar::HolidayCalendar`]
//!   passed to [`calendar::BusinessHoursBuilder::holidays`].
//! - *Open a case with SLA deadlines*: [`case::Case::create`] with a [`case::CaseRules`]
//!   holding the [`sla::SlaPolicy`] and the desk's hours.
//! - *Run a command*: [`case::Case::execute`] (or [`case::decide`] + [`case::Case::apply`]).
//! - *Periodic sweep*: [`case::sweep`] (SLA warnings/violations, survey expiry,
//!   auto-close), then [`escalation::EscalationPolicy::evaluate`]; both are idempotent.
//! - *Deadlines for a tier without a case*: [`sla::SlaPolicy::due_dates`].
//! - *Monthly support metrics*: [`analytics::report`] over a [`period::Period`];
//!   open work per agent and queue: [`analytics::workload`].
//! - *Which articles to write or refresh*: [`knowledge::KnowledgeBase::knowledge_gaps`]
//!   over a [`period::Period`].
//! - *Pick the agent for a case, with the reasons*: [`routing::Router::route`]
//!   (or [`routing::Router::decide`] to ask without assigning); advance waiting cases
//!   with [`routing::Router::tick`].
//! - *Store a calendar*: `BusinessHours` implements serde; the zone is stored by its
//!   IANA name and the definition is validated again when loaded.
//! - *A whole desk*: [`desk::SupportDesk::builder`] over your [`repo::Repository`]
//!   (or [`repo::MemoryRepository`]), then `create_case`, `assign`, `add_comment`,
//!   `resolve`, ... and a periodic [`desk::SupportDesk::sweep`].
//! - *Send notifications that survive a crash*: page through
//!   [`desk::SupportDesk::events_after`] with the last position you handled.
//! - *Assign, decline, go on break*: [`desk::SupportDesk::assign`],
//!   [`desk::SupportDesk::decline`], [`desk::SupportDesk::set_agent_status`] keep the
//!   router's capacity and the case owners in one commit.
//! - *Bring your own database*: implement [`repo::Repository`] and run
//!   [`repo::conformance::run_all`] from your tests (`examples/custom_repository.rs`).
//! - *Bring your own model*: implement [`ai::AiProvider`]; every failure degrades to
//!   "no insight", never to a lost case.
//! - *Turn an inbound email into a case or a comment*: [`intake::InboundEmail::parse`]
//!   (feature `email`), [`intake::classify()`], [`intake::screen()`],
//!   [`intake::extract_body`], then [`intake::decide_thread`] with a
//!   [`intake::ThreadLookup`] over the cases the email mentions; acknowledge with
//!   [`intake::AutoResponseLedger::respond`]. Or let the desk do all of it in one
//!   commit: [`desk::SupportDesk::receive_inbound_email`] (and `receive_email` for
//!   raw bytes, feature `email`) → [`desk::IntakeOutcome`].
//! - *Accept a web form safely*: [`intake::WebForm::accept`] (honeypot, fill time,
//!   rate limits, links, optional proof-of-work [`intake::Challenge`] with feature
//!   `signatures`).
//! - *Answer a customer's question with citations*: [`ai::answer`] over a
//!   [`knowledge::KnowledgeBase`].
//!
//! # Features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `conformance` | no | [`repo::conformance`]: one `pub async fn` per [`repo::Repository`] behaviour, to run against your own store |
//! | `email` | no | `intake::InboundEmail::parse`: RFC 5322/MIME parsing (mail-parser) with size limits, SHA-256 attachment hashes and dedupe keys |
//! | `signatures` | no | HMAC-SHA256 web-form challenges (`intake::Challenge`) and social webhook signatures (Meta, X/Twitter, WeChat) |
//! | `sqlite` | no | `repo::SqliteRepository`: an embedded SQLite store (sqlx, bundled SQLite) |
//! | `postgres` | no | `repo::PostgresRepository`: many desks on one PostgreSQL database (sqlx) |
//!
//! # Storage
//!
//! Every [`desk::SupportDesk`] command is one [`repo::Repository::commit`] of a
//! [`repo::UnitOfWork`]: the cases it touched with their events, the router
//! document, articles and the sequence numbers it claimed. A store writes all of
//! it or nothing; a failed command leaves no trace and uses no case number.
//!
//! - [`repo::MemoryRepository`] keeps everything in memory (tests, simulations).
//! - `SqliteRepository` (feature `sqlite`) runs a commit as one `BEGIN IMMEDIATE`
//!   transaction executing one script of guarded statements; a file store gives
//!   commits one connection they take turns on and point reads another.
//! - `PostgresRepository` (feature `postgres`) runs a commit as one statement whose
//!   guarded sub-statements write the unit and whose final row-count check aborts
//!   all of it when a precondition failed. Several desks (processes) share one
//!   database: conflicting commits become [`Error::Conflict`], which the desk
//!   decides again on fresh state; sweeps share work by the same optimistic claims.
//!
//! Both SQL stores apply embedded migrations with `migrate()`, refuse a database
//! migrated by a newer version of the crate, and store every record as its JSON
//! document next to indexed columns for the list views. Numbers are gap-free: a
//! desk draws the next case or article number from the last one it committed and
//! claims it in the commit. PostgreSQL moves a case number another desk took
//! first to the next free one inside the same commit statement (the desk then
//! returns the case as stored); on SQLite, and for article numbers, a number
//! taken first is a `Conflict`, and the desk draws again. One desk's own
//! creations take turns on a numbering lane
//! (never held while an [`ai::AiProvider`] is awaited), so concurrent requests on
//! one desk do not race each other for a number.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod picklist;

pub mod ai;
pub mod analytics;
pub mod calendar;
pub mod case;
pub mod clock;
pub mod desk;
pub mod error;
pub mod escalation;
pub mod ids;
pub mod intake;
pub mod knowledge;
pub mod period;
pub mod portal;
pub mod repo;
pub mod routing;
pub mod sla;

pub use error::{Error, Result};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The types most programs need, in one import.
///
/// ```
/// use hotcrm_support::prelude::*;
/// let p = Priority::High;
/// assert_eq!(p.to_string(), "High");
/// ```
pub mod prelude {
    pub use crate::ai::{AiProvider, HeuristicAi};
    pub use crate::calendar::{BusinessHours, Holiday, HolidayCalendar, Observance, Recurrence};
    pub use crate::case::{
        AiCategory, Author, Case, CaseCommand, CaseEvent, CaseRules, CaseStatus, CaseType, Comment,
        NewCase, NewComment, Origin, Priority, Resolution, Satisfaction, Sentiment,
    };
    pub use crate::clock::{Clock, ManualClock, SystemClock};
    pub use crate::error::{Error, Result};
    pub use crate::escalation::{Action, EscalationPolicy, EscalationRule, Trigger};
    pub use crate::ids::{
        AccountId, AgentId, ArticleId, CaseId, CaseNumber, ContactId, KnowledgeNumber, QueueId,
    };
    pub use crate::knowledge::{
        ArticleCategory, ArticleDraft, ArticleStatus, KnowledgeArticle, KnowledgeBase, SearchQuery,
        Viewer, Visibility,
    };
    pub use crate::period::Period;
    pub use crate::repo::{DynRepository, MemoryRepository, Repository};
    pub use crate::routing::{
        Agent, AgentSkill, AgentStatus, AiSuggestion, Capacity, Queue, QueueMember, Router,
        RoutingDecision, RoutingEvent, RoutingMethod, RoutingRequest, RoutingRule, Skill,
        SkillRequirement,
    };
    pub use crate::sla::{
        DueDates, Entitlement, Milestone, MilestoneKind, ReopenMode, SlaPolicy, SlaTier,
    };
}
