//! A month at a mid-size support desk, simulated through the real `SupportDesk`,
//! with a self-contained HTML report.
//!
//! A seeded generator (SplitMix64, no external randomness) produces a month of
//! cases for thirteen accounts in London and New York on five SLA tiers:
//! arrivals follow each region's working day and week (fewer at weekends and on
//! bank holidays), subjects and descriptions are written from per-category phrase
//! lists so that `HeuristicAi` has something to classify, and priorities depend
//! on the category. Agents work shifts on business calendars in two time zones
//! (London on the England & Wales bank holidays, New York on the US federal
//! holidays); they go Available and Offline through the router at the start and
//! end of each shift, answer, ask the customer for details (the SLA clock pauses),
//! resolve; customers reply after a while, sometimes reopen, sometimes rate.
//!
//! Everything runs as a discrete-event simulation: a priority queue of timed
//! actions (arrivals, agent replies, customer replies, resolutions, shift
//! changes, a sweep every 15 simulated minutes) drives a `ManualClock`, and each
//! action is one call on the desk over a `MemoryRepository`. Half-way through the
//! month a `sla::predict::ResolutionModel` is fitted on what the desk knows at
//! that instant and predicts, for every open case, the probability of missing its
//! resolution target; the report compares that with what happened.
//!
//! ```text
//! cargo run --release --example simulation -- [--cases N] [--seed S] [--out PATH]
//! ```
//!
//! Defaults: 6,000 cases in May 2026, seed 42, `target/simulation/report.html`.
//! With more cases the month stays the same and the roster grows in proportion.
//! `scripts/render_report.sh` takes a screenshot of the report in headless
//! Chromium.

// The example indexes its own tables (agents, cases, bins) by positions it
// created; every index is in range by construction.
#![allow(clippy::indexing_slicing)]

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::America::New_York;
use chrono_tz::Europe::London;
use chrono_tz::Tz;
use hotcrm_support::calendar::{BusinessHours, HolidayCalendar};
use hotcrm_support::case::{
    AiCategory, Author, Case, CaseEvent, CaseQuery, CaseRules, NewComment, Origin, Priority,
    Resolution, Satisfaction,
};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, DeskConfig, Outcome, SupportDesk};
use hotcrm_support::ids::{AccountId, AgentId, CaseId, CommentId, ContractId, QueueId, SkillId};
use hotcrm_support::repo::{Account, MemoryRepository, Repository};
use hotcrm_support::routing::{
    Agent, AgentSkill, AgentStatus, Capacity, Queue, QueueMember, RoutingMethod, RoutingRule, Skill,
};
use hotcrm_support::sla::predict::{Observation, PredictConfig, ResolutionModel, Stratum};
use hotcrm_support::sla::{Entitlement, MilestoneState, SlaPolicy, SlaTier};

type Error = Box<dyn std::error::Error>;

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

/// Cases in the default month.
const DEFAULT_CASES: usize = 6_000;

struct Options {
    cases: usize,
    seed: u64,
    out: std::path::PathBuf,
}

fn parse_options() -> Result<Options, Error> {
    let mut options = Options {
        cases: DEFAULT_CASES,
        seed: 42,
        out: "target/simulation/report.html".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--cases" => options.cases = value()?.parse()?,
            "--seed" => options.seed = value()?.parse()?,
            "--out" => options.out = value()?.into(),
            "-h" | "--help" => {
                println!(
                    "usage: simulation [--cases N] [--seed S] [--out PATH]\n  \
                     defaults: --cases {DEFAULT_CASES} --seed 42 --out target/simulation/report.html"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other} (try --help)").into()),
        }
    }
    if options.cases == 0 {
        return Err("--cases must be at least 1".into());
    }
    Ok(options)
}

// ---------------------------------------------------------------------------
// Randomness: SplitMix64 and the few distributions the generator needs
// ---------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// An index drawn with the given (not necessarily normalised) weights.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn minutes(m: f64) -> TimeDelta {
    TimeDelta::seconds((m * 60.0).round().max(60.0) as i64)
}

// ---------------------------------------------------------------------------
// The scenario: month, regions, accounts, categories, roster
// ---------------------------------------------------------------------------

fn utc(y: i32, m: u32, d: u32, h: u32) -> Result<DateTime<Utc>, Error> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .ok_or_else(|| "bad date".into())
}

fn hm(h: u32, m: u32) -> Result<NaiveTime, Error> {
    NaiveTime::from_hms_opt(h, m, 0).ok_or_else(|| "bad time".into())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Region {
    London,
    NewYork,
}

impl Region {
    fn tz(self) -> Tz {
        match self {
            Region::London => London,
            Region::NewYork => New_York,
        }
    }
    fn holidays(self) -> HolidayCalendar {
        match self {
            Region::London => HolidayCalendar::uk_england_wales(),
            Region::NewYork => HolidayCalendar::us_federal(),
        }
    }
    /// The region's support hours (the SLA calendar of its accounts).
    fn support_hours(self) -> Result<BusinessHours, Error> {
        let (open, close) = match self {
            Region::London => (hm(9, 0)?, hm(17, 30)?),
            Region::NewYork => (hm(9, 0)?, hm(17, 0)?),
        };
        Ok(BusinessHours::builder(self.tz())
            .weekdays(open, close)
            .holidays(self.holidays())
            .build()?)
    }
}

struct AccountSpec {
    name: &'static str,
    region: Region,
    tier: SlaTier,
    /// Share of the arrivals.
    weight: f64,
}

const ACCOUNTS: &[AccountSpec] = &[
    AccountSpec {
        name: "Northwind Logistics",
        region: Region::London,
        tier: SlaTier::Platinum,
        weight: 3.0,
    },
    AccountSpec {
        name: "Harbour Bank",
        region: Region::London,
        tier: SlaTier::Gold,
        weight: 4.0,
    },
    AccountSpec {
        name: "Brightside Retail",
        region: Region::London,
        tier: SlaTier::Silver,
        weight: 5.0,
    },
    AccountSpec {
        name: "Albion Games",
        region: Region::London,
        tier: SlaTier::Bronze,
        weight: 4.0,
    },
    AccountSpec {
        name: "Kestrel Health",
        region: Region::London,
        tier: SlaTier::Standard,
        weight: 3.0,
    },
    AccountSpec {
        name: "Thames Media",
        region: Region::London,
        tier: SlaTier::Standard,
        weight: 2.0,
    },
    AccountSpec {
        name: "Acme Robotics",
        region: Region::NewYork,
        tier: SlaTier::Platinum,
        weight: 3.0,
    },
    AccountSpec {
        name: "Liberty Insurance",
        region: Region::NewYork,
        tier: SlaTier::Gold,
        weight: 4.0,
    },
    AccountSpec {
        name: "Prairie Foods",
        region: Region::NewYork,
        tier: SlaTier::Silver,
        weight: 5.0,
    },
    AccountSpec {
        name: "Redwood Apps",
        region: Region::NewYork,
        tier: SlaTier::Silver,
        weight: 3.0,
    },
    AccountSpec {
        name: "Hudson Legal",
        region: Region::NewYork,
        tier: SlaTier::Bronze,
        weight: 4.0,
    },
    AccountSpec {
        name: "Sunbelt Energy",
        region: Region::NewYork,
        tier: SlaTier::Standard,
        weight: 3.0,
    },
    AccountSpec {
        name: "Maple Schools",
        region: Region::NewYork,
        tier: SlaTier::Standard,
        weight: 2.0,
    },
];

/// What a case is really about (the generator's truth; the desk's AI guesses it
/// from the text).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Topic {
    Technical,
    Billing,
    HowTo,
    Feature,
    Complaint,
}

const TOPICS: [Topic; 5] = [
    Topic::Technical,
    Topic::Billing,
    Topic::HowTo,
    Topic::Feature,
    Topic::Complaint,
];
const TOPIC_WEIGHTS: [f64; 5] = [0.40, 0.20, 0.20, 0.10, 0.10];

impl Topic {
    fn category(self) -> AiCategory {
        match self {
            Topic::Technical => AiCategory::Technical,
            Topic::Billing => AiCategory::Billing,
            Topic::HowTo => AiCategory::Product,
            Topic::Feature => AiCategory::Feature,
            Topic::Complaint => AiCategory::Complaint,
        }
    }
    /// Weights of Critical, High, Medium, Low.
    fn priority_weights(self) -> [f64; 4] {
        match self {
            Topic::Technical => [0.05, 0.25, 0.50, 0.20],
            Topic::Billing => [0.00, 0.15, 0.55, 0.30],
            Topic::HowTo => [0.00, 0.05, 0.45, 0.50],
            Topic::Feature => [0.00, 0.00, 0.20, 0.80],
            Topic::Complaint => [0.02, 0.40, 0.48, 0.10],
        }
    }
    /// Median agent minutes of work to resolve, after the first reply.
    fn effort_median(self) -> f64 {
        match self {
            Topic::Technical => 25.0,
            Topic::Billing => 12.0,
            Topic::HowTo => 10.0,
            Topic::Feature => 6.0,
            Topic::Complaint => 15.0,
        }
    }
    fn reopen_rate(self) -> f64 {
        match self {
            Topic::Technical => 0.09,
            Topic::Complaint => 0.08,
            _ => 0.04,
        }
    }
    fn subjects(self) -> &'static [&'static str] {
        match self {
            Topic::Technical => &[
                "Login fails with error 500",
                "API timeout when syncing orders",
                "SSO login broken after the update",
                "Export to CSV crashes",
                "Webhook integration not working",
                "Cannot sign in, password reset link fails",
                "App is slow and shows a blank page",
                "Import failed with an exception",
                "SAML authentication error for new users",
                "Mobile app crash on startup",
            ],
            Topic::Billing => &[
                "Invoice shows the wrong amount",
                "Charged twice for our subscription",
                "Refund for the cancelled plan",
                "Need a VAT receipt for the last payment",
                "Question about licence renewal pricing",
                "Our card payment was declined",
                "Please downgrade our plan",
                "Discount coupon not applied to the invoice",
            ],
            Topic::HowTo => &[
                "How do I configure user roles?",
                "Where can I find the notification settings?",
                "Is it possible to customize the dashboard?",
                "Question about the onboarding guide",
                "How to set up a second workspace",
                "What is the best way to organise projects?",
                "Where is the documentation for reports?",
            ],
            Topic::Feature => &[
                "Feature request: dark mode",
                "Would be great to have support for Slack",
                "Please add bulk editing of tasks",
                "Suggestion: scheduled PDF reports",
                "Idea for the calendar view",
                "Enhancement: keyboard shortcuts",
            ],
            Topic::Complaint => &[
                "Unacceptable response times",
                "Very disappointed with the support",
                "Terrible experience after the last release",
                "Poor service, I want to speak to a manager",
                "This is ridiculous, third time I ask",
            ],
        }
    }
    fn sentences(self) -> &'static [&'static str] {
        match self {
            Topic::Technical => &[
                "Since this morning we get an error when we log in.",
                "The API returns a timeout after 30 seconds.",
                "Our integration stopped syncing overnight.",
                "The page stays blank and the console shows an exception.",
                "Users are unable to sign in with SSO.",
                "It worked last week but now it does not work at all.",
                "We tried clearing the cache but the bug is still there.",
                "The webhook fails with a 401 response.",
            ],
            Topic::Billing => &[
                "Our latest invoice does not match the agreed price.",
                "We were billed twice this month.",
                "Could you refund the unused seats?",
                "Finance needs a receipt with our VAT number.",
                "We would like to change the subscription plan before renewal.",
                "The payment was taken but the invoice still shows unpaid.",
            ],
            Topic::HowTo => &[
                "How can we give read-only access to external users?",
                "Is there a guide for setting up approvals?",
                "We could not find the option in the settings.",
                "Could you explain how the reports are calculated?",
                "What is the best way to configure teams?",
            ],
            Topic::Feature => &[
                "It would help our team a lot if you could add this.",
                "Is this on the roadmap?",
                "Other tools have this and it would be nice to have here.",
                "A small enhancement that would save us time every day.",
            ],
            Topic::Complaint => &[
                "We have waited days for an answer, this is unacceptable.",
                "I am very disappointed with how this was handled.",
                "Your service has been terrible lately.",
                "We are considering other vendors after this awful week.",
            ],
        }
    }
    fn resolutions(self) -> &'static [&'static str] {
        match self {
            Topic::Technical => &[
                "Fixed the SSO certificate and confirmed login works.",
                "Raised the API timeout and re-ran the sync.",
                "Cleared the corrupted session; the page loads again.",
                "Deployed a fix for the export bug.",
            ],
            Topic::Billing => &[
                "Issued a credit note for the duplicate charge.",
                "Sent the VAT receipt to finance.",
                "Corrected the invoice amount.",
            ],
            Topic::HowTo => &[
                "Explained the setting and sent the guide.",
                "Walked the customer through the configuration.",
            ],
            Topic::Feature => &["Logged the request with product management."],
            Topic::Complaint => &[
                "Apologised, reviewed the case history with the customer.",
                "Escalated internally and agreed a follow-up call.",
            ],
        }
    }
}

const PRIORITIES: [Priority; 4] = [
    Priority::Critical,
    Priority::High,
    Priority::Medium,
    Priority::Low,
];

const OUTAGE_SUBJECTS: &[&str] = &[
    "Production system down for all users",
    "Service unavailable, entire team blocked",
    "Urgent: site is down since the last deploy",
];

/// A shift pattern of one site.
struct ShiftSpec {
    name: &'static str,
    region: Region,
    start: (u32, u32),
    end: (u32, u32),
    /// Saturday and Sunday instead of Monday to Friday.
    weekend: bool,
    /// Agents at the default volume: (technical, billing).
    agents: (usize, usize),
}

const SHIFTS: &[ShiftSpec] = &[
    ShiftSpec {
        name: "London early",
        region: Region::London,
        start: (8, 0),
        end: (16, 0),
        weekend: false,
        agents: (5, 2),
    },
    ShiftSpec {
        name: "London late",
        region: Region::London,
        start: (12, 0),
        end: (20, 0),
        weekend: false,
        agents: (3, 1),
    },
    ShiftSpec {
        name: "New York day",
        region: Region::NewYork,
        start: (9, 0),
        end: (17, 0),
        weekend: false,
        agents: (5, 2),
    },
    ShiftSpec {
        name: "New York late",
        region: Region::NewYork,
        start: (13, 0),
        end: (21, 0),
        weekend: false,
        agents: (3, 1),
    },
    ShiftSpec {
        name: "London weekend",
        region: Region::London,
        start: (9, 0),
        end: (17, 0),
        weekend: true,
        agents: (1, 1),
    },
];

const FIRST_NAMES: &[&str] = &[
    "Amelia", "Oliver", "Isla", "Harry", "Ava", "Noah", "Mia", "Leo", "Grace", "Arthur", "Zoe",
    "Liam", "Emma", "Ethan", "Chloe", "Lucas", "Maya", "Owen", "Nora", "Jack", "Ruby", "Sam",
    "Freya", "Theo", "Iris", "Felix",
];

/// Agent capacity in concurrent open cases.
const CAPACITY: u32 = 10;

const SKILL_TECH: SkillId = SkillId::from_u128(1);
const SKILL_BILLING: SkillId = SkillId::from_u128(2);
const Q_TECH: QueueId = QueueId::from_u128(1);
const Q_BILLING: QueueId = QueueId::from_u128(2);
const Q_GENERAL: QueueId = QueueId::from_u128(3);

// ---------------------------------------------------------------------------
// Arrivals: exactly N cases over the month, by local hour, weekday and holiday
// ---------------------------------------------------------------------------

/// Relative arrivals per local hour of a working day.
const HOUR_PROFILE: [f64; 24] = [
    0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.9, 1.7, 2.5, 2.7, 2.6, 2.1, 2.3, 2.5, 2.3, 2.0, 1.5,
    1.0, 0.8, 0.6, 0.45, 0.3, 0.2,
];

struct Arrival {
    at: DateTime<Utc>,
    account: usize,
    topic: Topic,
    priority: Priority,
    origin: Origin,
    subject: String,
    description: String,
}

/// Cumulative arrival weights of each UTC hour of the month for one region.
fn hour_weights(region: Region, start: DateTime<Utc>, hours: usize) -> Result<Vec<f64>, Error> {
    let open = region.support_hours()?;
    let mut cumulative = Vec::with_capacity(hours);
    let mut total = 0.0;
    for h in 0..hours {
        let t = start + TimeDelta::hours(h as i64);
        let local = t.with_timezone(&region.tz());
        let weekday = local.weekday().num_days_from_monday();
        let noon = region
            .tz()
            .from_local_datetime(&local.date_naive().and_time(hm(12, 0)?))
            .single()
            .map(|n| n.with_timezone(&Utc));
        let holiday = weekday < 5 && noon.is_some_and(|n| !open.is_open(n));
        let day_factor = match weekday {
            _ if holiday => 0.3,
            0 => 1.2,
            4 => 0.85,
            5 | 6 => 0.22,
            _ => 1.0,
        };
        total += HOUR_PROFILE[local.hour() as usize] * day_factor;
        cumulative.push(total);
    }
    Ok(cumulative)
}

fn generate_arrivals(
    rng: &mut Rng,
    n: usize,
    start: DateTime<Utc>,
    hours: usize,
) -> Result<Vec<Arrival>, Error> {
    let london = hour_weights(Region::London, start, hours)?;
    let new_york = hour_weights(Region::NewYork, start, hours)?;
    let weights: Vec<f64> = ACCOUNTS.iter().map(|a| a.weight).collect();
    let origins = [Origin::Email, Origin::Web, Origin::Phone, Origin::ChatBot];
    let origin_weights = [0.5, 0.3, 0.15, 0.05];
    let mut arrivals = Vec::with_capacity(n);
    for _ in 0..n {
        let account = rng.weighted(&weights);
        let cumulative = match ACCOUNTS[account].region {
            Region::London => &london,
            Region::NewYork => &new_york,
        };
        let x = rng.unit() * cumulative.last().copied().unwrap_or(1.0);
        let hour = cumulative.partition_point(|c| *c <= x).min(hours - 1);
        let at = start
            + TimeDelta::hours(hour as i64)
            + TimeDelta::seconds((rng.unit() * 3600.0) as i64);
        let topic = TOPICS[rng.weighted(&TOPIC_WEIGHTS)];
        let priority = PRIORITIES[rng.weighted(&topic.priority_weights())];
        let subject = if priority == Priority::Critical {
            rng.pick(OUTAGE_SUBJECTS).to_string()
        } else {
            rng.pick(topic.subjects()).to_string()
        };
        let sentences = topic.sentences();
        let first = rng.pick(sentences);
        let second = rng.pick(sentences);
        let description = if first == second {
            format!("{first} Account: {}.", ACCOUNTS[account].name)
        } else {
            format!("{first} {second} Account: {}.", ACCOUNTS[account].name)
        };
        arrivals.push(Arrival {
            at,
            account,
            topic,
            priority,
            origin: origins[rng.weighted(&origin_weights)],
            subject,
            description,
        });
    }
    arrivals.sort_by_key(|a| a.at);
    Ok(arrivals)
}

// ---------------------------------------------------------------------------
// The discrete-event loop: timed actions in a priority queue
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Action {
    Arrive(usize),
    /// The owner's next step on a case (reply, or resolve); `generation`
    /// invalidates steps planned before a reassignment.
    AgentStep {
        case: usize,
        generation: u32,
    },
    CustomerReply {
        case: usize,
        generation: u32,
    },
    CustomerReopens {
        case: usize,
        generation: u32,
    },
    Rate {
        case: usize,
    },
    ShiftStart(usize),
    ShiftEnd(usize),
    Sweep,
    Sample,
    Predict,
}

struct Scheduled {
    at: DateTime<Utc>,
    seq: u64,
    action: Action,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    /// Reversed: the earliest action (then the first scheduled) is the greatest,
    /// so `BinaryHeap` pops it first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Where the simulated people are with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The owner owes a public reply.
    Reply,
    /// The owner works towards a resolution.
    Work,
    /// Waiting for the customer's answer.
    WaitingOnCustomer,
    Resolved,
    Closed,
}

struct SimCase {
    id: CaseId,
    account: usize,
    topic: Topic,
    priority: Priority,
    phase: Phase,
    owner: Option<usize>,
    open: bool,
    generation: u32,
    /// Rounds of questions to the customer still to come.
    rounds: u8,
    will_reopen: bool,
    reopened: bool,
    response_violated: bool,
    resolution_violated: bool,
}

struct SimAgent {
    id: AgentId,
    name: String,
    shift: usize,
    calendar: BusinessHours,
    /// When the agent has finished the work already planned.
    busy_until: DateTime<Utc>,
    on_shift: bool,
    load: u32,
    util_all: (f64, u32),
    util_on_shift: (f64, u32),
    replies: u32,
    resolved: u32,
}

/// One hourly sample of the desk.
struct Sample {
    at: DateTime<Utc>,
    waiting_for_agent: u32,
    with_agent: u32,
    waiting_on_customer: u32,
    agents_on_shift: u32,
}

struct Sim {
    desk: SupportDesk,
    repo: Arc<MemoryRepository>,
    clock: ManualClock,
    rng: Rng,
    queue: BinaryHeap<Scheduled>,
    seq: u64,
    arrivals: Vec<Arrival>,
    accounts: Vec<AccountId>,
    region_hours: [BusinessHours; 2],
    cases: Vec<SimCase>,
    case_index: HashMap<CaseId, usize>,
    agents: Vec<SimAgent>,
    agent_index: HashMap<AgentId, usize>,
    samples: Vec<Sample>,
    next_comment: u128,
    /// The end of arrivals (the month).
    month_end: DateTime<Utc>,
    /// When the simulation stops (the month plus a drain period).
    stop: DateTime<Utc>,
    desk_calls: u64,
    errors: HashMap<&'static str, u64>,
    sweeps: u64,
    predictions: Vec<(usize, f64)>,
    predict_at: DateTime<Utc>,
    model_observations: usize,
}

impl Sim {
    fn schedule(&mut self, at: DateTime<Utc>, action: Action) {
        self.seq += 1;
        self.queue.push(Scheduled {
            at,
            seq: self.seq,
            action,
        });
    }

    fn comment_id(&mut self) -> CommentId {
        self.next_comment += 1;
        CommentId::from_u128(self.next_comment)
    }

    fn region_of(&self, case: usize) -> Region {
        ACCOUNTS[self.cases[case].account].region
    }

    /// Counts a desk call and keeps its outcome's events; failed calls are
    /// counted by kind (a customer replying to a case closed meanwhile, say).
    fn absorb(&mut self, what: &'static str, result: Result<Outcome, hotcrm_support::Error>) {
        self.desk_calls += 1;
        match result {
            Ok(outcome) => {
                let id = outcome.case.value.id;
                for event in &outcome.events {
                    self.on_event(id, event);
                }
                for (id, event) in &outcome.related {
                    self.on_event(*id, event);
                }
            }
            Err(_) => *self.errors.entry(what).or_default() += 1,
        }
    }

    fn absorb_all(&mut self, events: &[(CaseId, CaseEvent)]) {
        for (id, event) in events {
            self.on_event(*id, event);
        }
    }

    /// Keeps the simulation's view (owner, load, phase) in step with the desk.
    fn on_event(&mut self, id: CaseId, event: &CaseEvent) {
        let Some(&c) = self.case_index.get(&id) else {
            return;
        };
        let now = self.now();
        match event {
            CaseEvent::Assigned { owner, .. } => {
                let new = self.agent_index.get(owner).copied();
                self.set_owner(c, new);
                self.cases[c].generation += 1;
                if matches!(self.cases[c].phase, Phase::Reply | Phase::Work) {
                    self.plan_agent_step(c, now);
                }
            }
            CaseEvent::Unassigned { .. } => {
                self.set_owner(c, None);
                self.cases[c].generation += 1;
            }
            CaseEvent::Resolved { .. } => self.set_open(c, false),
            CaseEvent::Reopened { .. } => self.set_open(c, true),
            CaseEvent::Closed { .. } => {
                self.set_open(c, false);
                self.cases[c].phase = Phase::Closed;
            }
            CaseEvent::MilestoneViolated { kind, .. } => match kind {
                hotcrm_support::sla::MilestoneKind::Resolution => {
                    self.cases[c].resolution_violated = true;
                }
                _ => self.cases[c].response_violated = true,
            },
            _ => {}
        }
    }

    fn set_owner(&mut self, c: usize, owner: Option<usize>) {
        let case = &self.cases[c];
        if case.open {
            if let Some(old) = case.owner {
                self.agents[old].load = self.agents[old].load.saturating_sub(1);
            }
            if let Some(new) = owner {
                self.agents[new].load += 1;
            }
        }
        self.cases[c].owner = owner;
    }

    fn set_open(&mut self, c: usize, open: bool) {
        let case = &self.cases[c];
        if case.open != open {
            if let Some(a) = case.owner {
                let load = &mut self.agents[a].load;
                *load = if open {
                    *load + 1
                } else {
                    load.saturating_sub(1)
                };
            }
        }
        self.cases[c].open = open;
    }

    fn now(&self) -> DateTime<Utc> {
        use hotcrm_support::clock::Clock;
        self.clock.now()
    }

    /// The owner's next step on case `c`: after the work already on their desk
    /// (urgent cases jump the line), in their own shift time.
    fn plan_agent_step(&mut self, c: usize, now: DateTime<Utc>) {
        let Some(a) = self.cases[c].owner else {
            return;
        };
        let topic = self.cases[c].topic;
        let effort = match self.cases[c].phase {
            Phase::Reply => self.rng.log_normal(6.0, 0.6),
            _ => self.rng.log_normal(topic.effort_median(), 0.8).min(480.0),
        };
        let urgent = self.cases[c].priority <= Priority::High;
        let agent = &self.agents[a];
        let from = if urgent {
            now
        } else {
            now.max(agent.busy_until)
        };
        let done = agent
            .calendar
            .add(from, minutes(effort))
            .unwrap_or(from + minutes(effort));
        self.agents[a].busy_until = self.agents[a].busy_until.max(done);
        let generation = self.cases[c].generation;
        self.schedule(
            done,
            Action::AgentStep {
                case: c,
                generation,
            },
        );
    }

    // -- the actions -------------------------------------------------------

    async fn arrive(&mut self, i: usize) {
        let arrival = &self.arrivals[i];
        let id = CaseId::from_u128(i as u128 + 1);
        let request = CaseRequest::new(
            self.accounts[arrival.account],
            arrival.subject.clone(),
            arrival.description.clone(),
        )
        .id(id)
        .priority(arrival.priority)
        .origin(arrival.origin);
        let rounds = match self.rng.weighted(&[0.45, 0.40, 0.15]) {
            0 => 0,
            1 => 1,
            _ => 2,
        };
        let will_reopen = self.rng.chance(arrival.topic.reopen_rate());
        self.case_index.insert(id, i);
        self.cases.push(SimCase {
            id,
            account: arrival.account,
            topic: arrival.topic,
            priority: arrival.priority,
            phase: Phase::Reply,
            owner: None,
            open: true,
            generation: 0,
            rounds,
            will_reopen,
            reopened: false,
            response_violated: false,
            resolution_violated: false,
        });
        let result = self.desk.create_case(request).await;
        self.absorb("create", result);
    }

    async fn agent_step(&mut self, c: usize, generation: u32) {
        let case = &self.cases[c];
        if case.generation != generation || !case.open {
            return;
        }
        let (Some(a), id) = (case.owner, case.id) else {
            return;
        };
        let now = self.now();
        match case.phase {
            Phase::Reply => {
                let result = self.desk.start_work(id).await;
                if result.is_ok() {
                    self.absorb("start work", result);
                }
                let body = if self.cases[c].rounds > 0 {
                    "Thanks for the details. Could you send us a screenshot and the time it happened?"
                } else {
                    "Thanks, we are on it and will come back to you shortly."
                };
                let comment =
                    NewComment::public(self.comment_id(), Author::Agent(self.agents[a].id), body);
                let result = self.desk.add_comment(id, comment).await;
                self.absorb("agent reply", result);
                self.agents[a].replies += 1;
                if self.cases[c].rounds > 0 {
                    self.cases[c].rounds -= 1;
                    let result = self.desk.wait_on_customer(id).await;
                    self.absorb("wait on customer", result);
                    self.cases[c].phase = Phase::WaitingOnCustomer;
                    let generation = self.cases[c].generation;
                    if self.rng.chance(0.05) {
                        // No answer: the agent resolves it after three days.
                        self.cases[c].phase = Phase::Work;
                        self.schedule(
                            now + TimeDelta::days(3),
                            Action::AgentStep {
                                case: c,
                                generation,
                            },
                        );
                    } else {
                        let delay = self.rng.log_normal(180.0, 1.2).min(5.0 * 1440.0);
                        self.schedule(
                            now + minutes(delay),
                            Action::CustomerReply {
                                case: c,
                                generation,
                            },
                        );
                    }
                } else {
                    self.cases[c].phase = Phase::Work;
                    self.plan_agent_step(c, now);
                }
            }
            Phase::Work => {
                let topic = self.cases[c].topic;
                let text = self.rng.pick(topic.resolutions()).to_string();
                let result = self.desk.resolve(id, Resolution::new(text)).await;
                self.absorb("resolve", result);
                self.agents[a].resolved += 1;
                self.cases[c].phase = Phase::Resolved;
                let generation = self.cases[c].generation;
                if self.cases[c].will_reopen && !self.cases[c].reopened {
                    let delay = 120.0 + self.rng.unit() * 42.0 * 60.0;
                    self.schedule(
                        now + minutes(delay),
                        Action::CustomerReopens {
                            case: c,
                            generation,
                        },
                    );
                } else if self.rng.chance(0.35) {
                    let delay = self.rng.log_normal(180.0, 1.0).min(40.0 * 60.0);
                    self.schedule(now + minutes(delay), Action::Rate { case: c });
                }
            }
            Phase::WaitingOnCustomer | Phase::Resolved | Phase::Closed => {}
        }
    }

    async fn customer_reply(&mut self, c: usize, generation: u32) {
        if self.cases[c].phase != Phase::WaitingOnCustomer || self.cases[c].generation != generation
        {
            return;
        }
        let id = self.cases[c].id;
        let comment = NewComment::customer_reply(
            self.comment_id(),
            "Here is the screenshot you asked for; it happened around 10am.",
        );
        let result = self.desk.add_comment(id, comment).await;
        self.absorb("customer reply", result);
        self.cases[c].phase = Phase::Reply;
        let now = self.now();
        self.plan_agent_step(c, now);
    }

    async fn customer_reopens(&mut self, c: usize, generation: u32) {
        if self.cases[c].phase != Phase::Resolved || self.cases[c].generation != generation {
            return;
        }
        let id = self.cases[c].id;
        let comment = NewComment::customer_reply(
            self.comment_id(),
            "Sorry, the problem is back again this morning.",
        );
        let result = self.desk.add_comment(id, comment).await;
        self.absorb("customer reopens", result);
        self.cases[c].reopened = true;
        self.cases[c].phase = Phase::Reply;
        self.cases[c].generation += 1;
        let now = self.now();
        self.plan_agent_step(c, now);
    }

    async fn rate(&mut self, c: usize) {
        let case = &self.cases[c];
        let mut score = 4.4 + 0.8 * self.rng.normal();
        if case.resolution_violated {
            score -= 1.3;
        }
        if case.response_violated {
            score -= 0.7;
        }
        if case.reopened {
            score -= 0.8;
        }
        if case.topic == Topic::Complaint {
            score -= 0.9;
        }
        let level = match score.round() as i64 {
            i64::MIN..=1 => Satisfaction::VeryDissatisfied,
            2 => Satisfaction::Dissatisfied,
            3 => Satisfaction::Neutral,
            4 => Satisfaction::Satisfied,
            _ => Satisfaction::VerySatisfied,
        };
        let id = case.id;
        let result = self.desk.record_satisfaction(id, level, None).await;
        self.absorb("rate", result);
    }

    async fn shift_change(&mut self, a: usize, start: bool) {
        let now = self.now();
        let agent = &mut self.agents[a];
        agent.on_shift = start;
        if start {
            agent.busy_until = agent.busy_until.max(now);
        }
        let id = agent.id;
        let status = if start {
            AgentStatus::Available
        } else {
            AgentStatus::Offline
        };
        self.desk_calls += 1;
        match self.desk.set_agent_status(id, status).await {
            Ok(events) => self.absorb_all(&events),
            Err(_) => *self.errors.entry("agent status").or_default() += 1,
        }
        // Plan the next shift boundary on the agent's calendar.
        let calendar = &self.agents[a].calendar;
        let next = if start {
            calendar.next_close(now).map(|at| (at, Action::ShiftEnd(a)))
        } else {
            calendar
                .next_open(now + TimeDelta::minutes(1))
                .map(|at| (at, Action::ShiftStart(a)))
        };
        if let Some((at, action)) = next.filter(|(at, _)| *at <= self.stop) {
            self.schedule(at, action);
        }
    }

    async fn sweep(&mut self) {
        self.desk_calls += 1;
        self.sweeps += 1;
        match self.desk.sweep().await {
            Ok(report) => self.absorb_all(&report.events),
            Err(_) => *self.errors.entry("sweep").or_default() += 1,
        }
    }

    fn sample(&mut self) {
        let now = self.now();
        let (mut waiting, mut with_agent, mut on_customer) = (0, 0, 0);
        for case in &self.cases {
            if !case.open {
                continue;
            }
            match (case.phase, case.owner) {
                (Phase::WaitingOnCustomer, _) => on_customer += 1,
                (_, None) => waiting += 1,
                _ => with_agent += 1,
            }
        }
        let mut on_shift = 0;
        for agent in &mut self.agents {
            let u = f64::from(agent.load) / f64::from(CAPACITY);
            agent.util_all.0 += u;
            agent.util_all.1 += 1;
            if agent.on_shift {
                agent.util_on_shift.0 += u;
                agent.util_on_shift.1 += 1;
                on_shift += 1;
            }
        }
        self.samples.push(Sample {
            at: now,
            waiting_for_agent: waiting,
            with_agent,
            waiting_on_customer: on_customer,
            agents_on_shift: on_shift,
        });
    }

    /// Mid-month: fit the resolution model on everything the desk knows now
    /// (resolved cases and still-open ones as censored observations) and
    /// predict, for every open case not yet past its resolution target, the
    /// probability of missing it.
    async fn predict(&mut self) -> Result<(), Error> {
        let now = self.now();
        let cases = all_cases(self.repo.as_ref()).await?;
        let policy = self.desk.config().rules.sla().clone();
        let calendar = |case: &Case| {
            let region = self.region_of(self.case_index[&case.id]);
            policy.calendar(
                case.sla_tier,
                case.priority,
                &self.region_hours[region as usize],
            )
        };
        let observations: Vec<Observation> = cases
            .iter()
            .map(|case| Observation::from_case(case, &calendar(case), now))
            .collect();
        let model = ResolutionModel::fit(&observations, PredictConfig::default());
        self.model_observations = observations.len();
        for (case, observation) in cases.iter().zip(&observations) {
            let milestone = &case.milestones.resolution;
            if observation.resolved || milestone.breached {
                continue;
            }
            let target = u32::try_from(milestone.target.num_minutes()).unwrap_or(u32::MAX);
            if observation.minutes >= target {
                continue;
            }
            let estimate = model.breach_estimate(&Stratum::of(case), observation.minutes, target);
            self.predictions
                .push((self.case_index[&case.id], estimate.probability));
        }
        Ok(())
    }

    async fn run(&mut self) -> Result<(), Error> {
        while let Some(next) = self.queue.pop() {
            if next.at > self.stop {
                break;
            }
            if next.at > self.now() {
                self.clock.set(next.at);
            }
            match next.action {
                Action::Arrive(i) => self.arrive(i).await,
                Action::AgentStep { case, generation } => self.agent_step(case, generation).await,
                Action::CustomerReply { case, generation } => {
                    self.customer_reply(case, generation).await;
                }
                Action::CustomerReopens { case, generation } => {
                    self.customer_reopens(case, generation).await;
                }
                Action::Rate { case } => self.rate(case).await,
                Action::ShiftStart(a) => self.shift_change(a, true).await,
                Action::ShiftEnd(a) => self.shift_change(a, false).await,
                Action::Sweep => {
                    self.sweep().await;
                    let at = next.at + TimeDelta::minutes(15);
                    self.schedule(at, Action::Sweep);
                }
                Action::Sample => {
                    self.sample();
                    self.schedule(next.at + TimeDelta::hours(1), Action::Sample);
                }
                Action::Predict => self.predict().await?,
            }
        }
        Ok(())
    }
}

async fn all_cases(repo: &dyn Repository) -> Result<Vec<Case>, Error> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let batch = repo.scan_cases(&CaseQuery::default(), after, 1024).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.value.id);
        out.extend(batch.into_iter().map(|c| c.value));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Setting up the desk: accounts, calendars, routing roster
// ---------------------------------------------------------------------------

async fn build(options: &Options) -> Result<Sim, Error> {
    let start = utc(2026, 5, 1, 0)?;
    let month_end = utc(2026, 6, 1, 0)?;
    let stop = month_end + TimeDelta::days(10);
    let hours_in_month = usize::try_from((month_end - start).num_hours())?;
    let mut rng = Rng(options.seed);
    let arrivals = generate_arrivals(&mut rng, options.cases, start, hours_in_month)?;

    let london = Region::London.support_hours()?;
    let new_york = Region::NewYork.support_hours()?;
    let repo = Arc::new(MemoryRepository::new());
    let mut accounts = Vec::new();
    for (i, spec) in ACCOUNTS.iter().enumerate() {
        let id = AccountId::from_u128(1000 + i as u128);
        let mut account = Account::new(id, spec.name);
        if spec.tier != SlaTier::Standard {
            account = account.with_entitlement(Entitlement::new(
                ContractId::from_u128(2000 + i as u128),
                spec.tier,
            ));
        }
        if spec.region == Region::NewYork {
            account = account.with_business_hours(new_york.clone());
        }
        repo.put_account(&account, None).await?;
        accounts.push(id);
    }
    let clock = ManualClock::new(start);
    let config = DeskConfig::new(CaseRules::new(SlaPolicy::default(), london.clone()));
    let desk = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .config(config)
        .build();

    // The roster: each shift's agents, scaled with the volume.
    let scale = options.cases as f64 / DEFAULT_CASES as f64;
    let mut agents = Vec::new();
    for (s, shift) in SHIFTS.iter().enumerate() {
        let (from, to) = (
            hm(shift.start.0, shift.start.1)?,
            hm(shift.end.0, shift.end.1)?,
        );
        let calendar = if shift.weekend {
            BusinessHours::builder(shift.region.tz())
                .interval(Weekday::Sat, from, to)
                .interval(Weekday::Sun, from, to)
                .build()?
        } else {
            BusinessHours::builder(shift.region.tz())
                .weekdays(from, to)
                .holidays(shift.region.holidays())
                .build()?
        };
        let scaled = |n: usize| ((n as f64 * scale).round() as usize).max(1);
        let (tech, billing) = (scaled(shift.agents.0), scaled(shift.agents.1));
        for _ in 0..tech + billing {
            let n = agents.len();
            let first = FIRST_NAMES[n % FIRST_NAMES.len()];
            let name = if n < FIRST_NAMES.len() {
                first.to_string()
            } else {
                format!("{first} {}", n / FIRST_NAMES.len() + 1)
            };
            agents.push(SimAgent {
                id: AgentId::from_u128(100 + n as u128),
                name,
                shift: s,
                calendar: calendar.clone(),
                busy_until: start,
                on_shift: false,
                load: 0,
                util_all: (0.0, 0),
                util_on_shift: (0.0, 0),
                replies: 0,
                resolved: 0,
            });
        }
    }
    let specialists: Vec<(AgentId, String, bool)> = {
        let mut out = Vec::new();
        let mut i = 0;
        for shift in SHIFTS {
            let (tech, billing) = (
                ((shift.agents.0 as f64 * scale).round() as usize).max(1),
                ((shift.agents.1 as f64 * scale).round() as usize).max(1),
            );
            for k in 0..tech + billing {
                out.push((agents[i].id, agents[i].name.clone(), k < tech));
                i += 1;
            }
        }
        out
    };
    desk.configure_routing(|router, _| {
        router.add_skill(Skill::new(SKILL_TECH, "Technical")?)?;
        router.add_skill(Skill::new(SKILL_BILLING, "Billing")?)?;
        let mut tech = Queue::new(Q_TECH, "Technical", RoutingMethod::MostAvailable)?
            .with_overflow(Q_GENERAL)
            .with_relax_timeout(TimeDelta::minutes(30))?;
        let mut billing = Queue::new(Q_BILLING, "Billing", RoutingMethod::MostAvailable)?
            .with_overflow(Q_GENERAL)
            .with_relax_timeout(TimeDelta::minutes(30))?;
        let mut general = Queue::new(Q_GENERAL, "General", RoutingMethod::LeastActive)?;
        for (id, name, is_tech) in &specialists {
            let skill = if *is_tech { SKILL_TECH } else { SKILL_BILLING };
            router.add_agent(
                Agent::new(*id, name.clone(), Capacity::cases(CAPACITY)?)?
                    .with_status(AgentStatus::Offline)
                    .with_skill(AgentSkill::new(skill, 4)?),
            )?;
            if *is_tech {
                tech = tech.with_member(QueueMember::new(*id));
            } else {
                billing = billing.with_member(QueueMember::new(*id));
            }
            general = general.with_member(QueueMember::new(*id));
        }
        // The overflow target first.
        router.add_queue(general.clone())?;
        router.add_queue(tech.clone())?;
        router.add_queue(billing.clone())?;
        router.add_rule(
            RoutingRule::new("Technical", 10, Q_TECH)?.when_ai_category(AiCategory::Technical),
        )?;
        router.add_rule(
            RoutingRule::new("Billing", 20, Q_BILLING)?.when_ai_category(AiCategory::Billing),
        )?;
        router.set_default_queue(Q_GENERAL)?;
        Ok(Vec::new())
    })
    .await?;

    let agent_index = agents.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    let mut sim = Sim {
        desk,
        repo,
        clock,
        rng,
        queue: BinaryHeap::new(),
        seq: 0,
        arrivals,
        accounts,
        region_hours: [london, new_york],
        cases: Vec::with_capacity(options.cases),
        case_index: HashMap::with_capacity(options.cases),
        agents,
        agent_index,
        samples: Vec::new(),
        next_comment: 0,
        month_end,
        stop,
        desk_calls: 0,
        errors: HashMap::new(),
        sweeps: 0,
        predictions: Vec::new(),
        predict_at: utc(2026, 5, 15, 15)?,
        model_observations: 0,
    };
    for i in 0..sim.arrivals.len() {
        let at = sim.arrivals[i].at;
        sim.schedule(at, Action::Arrive(i));
    }
    for a in 0..sim.agents.len() {
        let calendar = &sim.agents[a].calendar;
        if let Some(open) = calendar.next_open(start) {
            sim.schedule(open, Action::ShiftStart(a));
        }
    }
    sim.schedule(start, Action::Sample);
    sim.schedule(start + TimeDelta::minutes(15), Action::Sweep);
    let predict_at = sim.predict_at;
    sim.schedule(predict_at, Action::Predict);
    Ok(sim)
}

// ---------------------------------------------------------------------------
// Results: what the final state of the desk says
// ---------------------------------------------------------------------------

#[derive(Default, Clone)]
struct TierStats {
    cases: usize,
    response_met: usize,
    response_done: usize,
    resolution_met: usize,
    resolution_done: usize,
    frt_hours: Vec<f64>,
}

struct Results {
    cases: Vec<Case>,
    tiers: Vec<(SlaTier, TierStats)>,
    frt_hours: Vec<f64>,
    resolution_hours: Vec<f64>,
    csat: Vec<u8>,
    reopened: usize,
    open_at_end: usize,
    category_agreement: f64,
    calibration: Calibration,
}

#[derive(Default)]
struct Calibration {
    /// (predicted, breached) for every case predicted with a known outcome.
    pairs: Vec<(f64, bool)>,
    censored: usize,
    brier: f64,
    brier_base: f64,
    base_rate: f64,
}

fn milestone_met(state: MilestoneState) -> Option<bool> {
    match state {
        MilestoneState::Completed { late, .. } => Some(!late),
        _ => None,
    }
}

fn results(sim: &Sim, cases: Vec<Case>) -> Results {
    let month: Vec<&Case> = cases
        .iter()
        .filter(|c| c.created_at < sim.month_end)
        .collect();
    let mut tiers: Vec<(SlaTier, TierStats)> = SlaTier::ALL
        .iter()
        .map(|t| (*t, TierStats::default()))
        .collect();
    let (mut frt, mut res, mut csat) = (Vec::new(), Vec::new(), Vec::new());
    let (mut reopened, mut open_at_end, mut agree) = (0, 0, 0);
    for case in &month {
        let stats = &mut tiers[SlaTier::ALL
            .iter()
            .position(|t| *t == case.sla_tier)
            .unwrap_or(0)]
        .1;
        stats.cases += 1;
        let fr = &case.milestones.first_response;
        match milestone_met(fr.state) {
            Some(met) => {
                stats.response_done += 1;
                stats.response_met += usize::from(met);
            }
            None if fr.breached => stats.response_done += 1,
            None => {}
        }
        let r = &case.milestones.resolution;
        match milestone_met(r.state) {
            Some(met) => {
                stats.resolution_done += 1;
                stats.resolution_met += usize::from(met);
            }
            None if r.breached => stats.resolution_done += 1,
            None => {}
        }
        if let Some(t) = case.response_time {
            let h = t.business as f64 / 60.0;
            frt.push(h);
            stats.frt_hours.push(h);
        }
        if let (Some(t), false) = (case.resolution_time, case.status.is_open()) {
            res.push(t.business as f64 / 60.0);
        }
        if let Some(s) = case.satisfaction_score() {
            csat.push(s);
        }
        reopened += usize::from(case.reopen_count > 0);
        open_at_end += usize::from(case.status.is_open());
        let truth = sim.cases[sim.case_index[&case.id]].topic.category();
        agree += usize::from(case.ai.category == Some(truth));
    }

    // Calibration: a case's outcome is known when its resolution milestone was
    // met or missed by the end of the run.
    let mut calibration = Calibration::default();
    let by_id: HashMap<CaseId, &Case> = cases.iter().map(|c| (c.id, c)).collect();
    for (c, p) in &sim.predictions {
        let Some(case) = by_id.get(&sim.cases[*c].id) else {
            continue;
        };
        let r = &case.milestones.resolution;
        let outcome = match r.state {
            MilestoneState::Completed { late, .. } => Some(late || r.breached),
            _ if r.breached => Some(true),
            _ => None,
        };
        match outcome {
            Some(breached) => calibration.pairs.push((*p, breached)),
            None => calibration.censored += 1,
        }
    }
    let n = calibration.pairs.len().max(1) as f64;
    calibration.base_rate = calibration.pairs.iter().filter(|(_, b)| *b).count() as f64 / n;
    calibration.brier = calibration
        .pairs
        .iter()
        .map(|(p, b)| (p - f64::from(u8::from(*b))).powi(2))
        .sum::<f64>()
        / n;
    calibration.brier_base = calibration.base_rate * (1.0 - calibration.base_rate);

    tiers.retain(|(_, s)| s.cases > 0);
    let total = month.len().max(1) as f64;
    Results {
        tiers,
        frt_hours: frt,
        resolution_hours: res,
        csat,
        reopened,
        open_at_end,
        category_agreement: agree as f64 / total,
        calibration,
        cases,
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return 0.0;
    }
    let i = ((s.len() - 1) as f64 * q).round() as usize;
    s[i.min(s.len() - 1)]
}

fn pct(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        100.0 * num as f64 / den as f64
    }
}

// ---------------------------------------------------------------------------
// SVG charts
// ---------------------------------------------------------------------------

const INK: &str = "#1f2937";
const MUTED: &str = "#6b7280";
const GRID: &str = "#e5e7eb";
const BLUE: &str = "#2563eb";
const ORANGE: &str = "#f59e0b";
const GREY: &str = "#9ca3af";
const GREEN: &str = "#10b981";
const PURPLE: &str = "#7c3aed";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A step of 1, 2 or 5 times a power of ten giving about `ticks` ticks up to `max`.
fn nice_step(max: f64, ticks: f64) -> f64 {
    let raw = (max / ticks).max(1e-9);
    let power = 10f64.powf(raw.log10().floor());
    let f = raw / power;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

fn fmt_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// The frame of a chart: plot area, axes titles, y grid.
struct Frame {
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    y_max: f64,
}

impl Frame {
    fn new(width: f64, height: f64, y_max: f64) -> Frame {
        Frame {
            width,
            height,
            left: 60.0,
            right: 20.0,
            top: 20.0,
            bottom: 48.0,
            y_max: y_max.max(1e-9),
        }
    }
    fn plot_w(&self) -> f64 {
        self.width - self.left - self.right
    }
    fn plot_h(&self) -> f64 {
        self.height - self.top - self.bottom
    }
    fn y(&self, v: f64) -> f64 {
        self.top + self.plot_h() * (1.0 - v / self.y_max)
    }
    /// x for a fraction 0..1 of the plot width.
    fn x(&self, f: f64) -> f64 {
        self.left + self.plot_w() * f
    }
    fn open(&self, out: &mut String, label: &str) {
        let _ = write!(
            out,
            r#"<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg" font-family="Inter, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">"#,
            w = self.width,
            h = self.height,
            label = esc(label)
        );
    }
    fn y_axis(&self, out: &mut String, title: &str, step: f64, suffix: &str) {
        let mut v = 0.0;
        while v <= self.y_max + 1e-9 {
            let y = self.y(v);
            let _ = write!(
                out,
                r#"<line x1="{l}" x2="{r}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}"/><text x="{tx}" y="{ty:.1}" text-anchor="end" fill="{MUTED}">{t}{suffix}</text>"#,
                l = self.left,
                r = self.width - self.right,
                tx = self.left - 8.0,
                ty = y + 4.0,
                t = fmt_tick(v)
            );
            v += step;
        }
        let cy = self.top + self.plot_h() / 2.0;
        let _ = write!(
            out,
            r#"<text transform="translate(16 {cy:.1}) rotate(-90)" text-anchor="middle" fill="{INK}" font-weight="600">{}</text>"#,
            esc(title)
        );
    }
    fn x_title(&self, out: &mut String, title: &str) {
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{INK}" font-weight="600">{}</text>"#,
            esc(title),
            x = self.left + self.plot_w() / 2.0,
            y = self.height - 8.0
        );
    }
    fn baseline(&self, out: &mut String) {
        let y = self.y(0.0);
        let _ = write!(
            out,
            r#"<line x1="{l}" x2="{r}" y1="{y:.1}" y2="{y:.1}" stroke="{INK}"/>"#,
            l = self.left,
            r = self.width - self.right
        );
    }
}

fn legend(out: &mut String, x: f64, y: f64, items: &[(&str, &str)]) {
    let mut cx = x;
    for (color, label) in items {
        let _ = write!(
            out,
            r#"<rect x="{cx:.1}" y="{ry:.1}" width="12" height="12" rx="2" fill="{color}"/><text x="{tx:.1}" y="{ty:.1}" fill="{INK}">{l}</text>"#,
            ry = y - 10.0,
            tx = cx + 17.0,
            ty = y,
            l = esc(label)
        );
        cx += 30.0 + 6.8 * label.chars().count() as f64;
    }
}

/// The top of one stacked layer of the backlog chart.
type Stack = fn(&Sample) -> u32;

/// Open cases per hour, stacked: waiting for an agent, with an agent, waiting
/// on the customer; weekends shaded, the prediction instant and the end of
/// arrivals marked.
fn backlog_chart(sim: &Sim) -> String {
    let samples = &sim.samples;
    let Some(first) = samples.first() else {
        return String::new();
    };
    let t0 = first.at;
    let span = (sim.stop - t0).num_minutes() as f64;
    let max = samples
        .iter()
        .map(|s| s.waiting_for_agent + s.with_agent + s.waiting_on_customer)
        .max()
        .unwrap_or(1) as f64;
    let step = nice_step(max, 5.0);
    let mut frame = Frame::new(1240.0, 340.0, (max / step).ceil() * step);
    frame.top = 34.0;

    let fx = |t: DateTime<Utc>| frame.x((t - t0).num_minutes() as f64 / span);
    let mut out = String::new();
    frame.open(&mut out, "Open cases per hour");
    // Weekends (UTC days).
    let mut day = t0;
    while day < sim.stop {
        let next = day + TimeDelta::days(1);
        if day.weekday().num_days_from_monday() >= 5 {
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{y}" width="{w:.1}" height="{h}" fill="#f3f4f6"/>"##,
                x = fx(day),
                y = frame.top,
                w = fx(next) - fx(day),
                h = frame.plot_h()
            );
        }
        day = next;
    }
    frame.y_axis(&mut out, "open cases", step, "");
    // Stacked areas, bottom up.
    let layers: [(&str, Stack); 3] = [
        (ORANGE, |s| s.waiting_for_agent),
        (BLUE, |s| s.waiting_for_agent + s.with_agent),
        (GREY, |s| {
            s.waiting_for_agent + s.with_agent + s.waiting_on_customer
        }),
    ];
    for (i, (color, top)) in layers.iter().enumerate().rev() {
        let mut d = String::new();
        for s in samples {
            let _ = write!(
                d,
                "{}{:.1},{:.1} ",
                if d.is_empty() { "M" } else { "L" },
                fx(s.at),
                frame.y(f64::from(top(s)))
            );
        }
        let bottom: Option<Stack> = if i == 0 { None } else { Some(layers[i - 1].1) };
        for s in samples.iter().rev() {
            let v = bottom.map_or(0, |b| b(s));
            let _ = write!(d, "L{:.1},{:.1} ", fx(s.at), frame.y(f64::from(v)));
        }
        let _ = write!(
            out,
            r#"<path d="{d}Z" fill="{color}" fill-opacity="0.85"/>"#
        );
    }
    frame.baseline(&mut out);
    // Day ticks, labelled on Mondays.
    let mut day = t0;
    while day <= sim.stop {
        let x = fx(day);
        let monday = day.weekday().num_days_from_monday() == 0;
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{y0:.1}" y2="{y1:.1}" stroke="{INK}"/>"#,
            y0 = frame.y(0.0),
            y1 = frame.y(0.0) + if monday { 6.0 } else { 3.0 }
        );
        if monday || day == t0 {
            let _ = write!(
                out,
                r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
                day.format("%a %b %-d"),
                y = frame.y(0.0) + 20.0
            );
        }
        day += TimeDelta::days(1);
    }
    // Markers.
    for (t, label, color) in [
        (sim.predict_at, "prediction instant", PURPLE),
        (sim.month_end, "arrivals stop", INK),
    ] {
        let x = fx(t);
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{y0}" y2="{y1:.1}" stroke="{color}" stroke-dasharray="5 4" stroke-width="1.5"/><text x="{tx:.1}" y="{ty}" fill="{color}">{label}</text>"#,
            y0 = frame.top,
            y1 = frame.y(0.0),
            tx = x + 5.0,
            ty = frame.top + 12.0
        );
    }
    frame.x_title(&mut out, "simulated time (UTC; shaded: weekends)");
    legend(
        &mut out,
        frame.left,
        18.0,
        &[
            (ORANGE, "waiting for an agent"),
            (BLUE, "with an agent"),
            (GREY, "waiting on the customer"),
        ],
    );
    out.push_str("</svg>");
    out
}

/// SLA compliance per tier: first response and resolution, in percent.
fn compliance_chart(results: &Results) -> String {
    let frame = Frame::new(600.0, 320.0, 100.0);
    let mut out = String::new();
    frame.open(&mut out, "SLA compliance per tier");
    frame.y_axis(&mut out, "targets met (%)", 20.0, "%");
    let groups = results.tiers.len().max(1) as f64;
    let gw = frame.plot_w() / groups;
    let bw = gw * 0.32;
    for (i, (tier, s)) in results.tiers.iter().enumerate() {
        let gx = frame.left + gw * i as f64;
        for (j, (met, done, color)) in [
            (s.response_met, s.response_done, BLUE),
            (s.resolution_met, s.resolution_done, GREEN),
        ]
        .into_iter()
        .enumerate()
        {
            let v = pct(met, done);
            let x = gx + gw * 0.16 + bw * j as f64 + 2.0 * j as f64;
            let y = frame.y(v);
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{h:.1}" rx="3" fill="{color}"/><text x="{tx:.1}" y="{ty:.1}" text-anchor="middle" fill="{INK}" font-size="11">{v:.0}%</text>"#,
                h = frame.y(0.0) - y,
                tx = x + bw / 2.0,
                ty = y - 5.0
            );
        }
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{INK}" font-weight="600">{tier}</text><text x="{x:.1}" y="{y2:.1}" text-anchor="middle" fill="{MUTED}" font-size="11">{n} cases</text>"#,
            x = gx + gw / 2.0,
            y = frame.y(0.0) + 18.0,
            y2 = frame.y(0.0) + 32.0,
            n = s.cases
        );
    }
    frame.baseline(&mut out);
    out.push_str("</svg>");
    let mut legend_svg = String::new();
    legend(
        &mut legend_svg,
        0.0,
        14.0,
        &[
            (BLUE, "first response on time"),
            (GREEN, "resolved on time"),
        ],
    );
    format!(
        r#"<svg viewBox="0 0 600 20" width="100%" xmlns="http://www.w3.org/2000/svg" font-family="Inter, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">{legend_svg}</svg>{out}"#
    )
}

/// A histogram of business hours with a final overflow bin; median and P90
/// marked.
fn histogram(values: &[f64], bin: f64, bins: usize, color: &str, x_title: &str) -> String {
    let mut counts = vec![0usize; bins + 1];
    for v in values {
        let i = ((v / bin).floor().max(0.0) as usize).min(bins);
        counts[i] += 1;
    }
    let total = values.len().max(1) as f64;
    let shares: Vec<f64> = counts.iter().map(|c| 100.0 * *c as f64 / total).collect();
    let max = shares.iter().copied().fold(0.0, f64::max);
    let step = nice_step(max, 4.0);
    let frame = Frame::new(600.0, 300.0, (max / step).ceil().max(1.0) * step);
    let mut out = String::new();
    frame.open(&mut out, x_title);
    frame.y_axis(&mut out, "share of cases (%)", step, "%");
    let n = (bins + 1) as f64;
    let bw = frame.plot_w() / n;
    for (i, share) in shares.iter().enumerate() {
        let x = frame.left + bw * i as f64;
        let y = frame.y(*share);
        let fill = if i == bins { GREY } else { color };
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}"/>"#,
            w = (bw - 1.5).max(0.5),
            h = frame.y(0.0) - y
        );
    }
    frame.baseline(&mut out);
    let label_every = (bins / 8).max(1);
    for i in (0..=bins).step_by(label_every) {
        let x = frame.left + bw * i as f64;
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
            fmt_tick(bin * i as f64),
            y = frame.y(0.0) + 16.0
        );
    }
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{MUTED}">&gt;{}</text>"#,
        fmt_tick(bin * bins as f64),
        x = frame.left + bw * (bins as f64 + 0.5),
        y = frame.y(0.0) + 30.0
    );
    for (q, label) in [(0.5, "median"), (0.9, "P90")] {
        let v = quantile(values, q);
        let x = frame.left + bw * (v / bin).min(bins as f64 + 0.5);
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{y0}" y2="{y1:.1}" stroke="{INK}" stroke-dasharray="4 3"/><text x="{tx:.1}" y="{ty}" fill="{INK}" font-size="11">{label} {v:.1} h</text>"#,
            y0 = frame.top + 14.0,
            y1 = frame.y(0.0),
            tx = x + 4.0,
            ty = frame.top + 12.0 + if q > 0.6 { 14.0 } else { 0.0 }
        );
    }
    frame.x_title(&mut out, x_title);
    out.push_str("</svg>");
    out
}

/// Reliability diagram: observed breach rate against the predicted probability
/// in ten bins, with ±2 standard errors and the point area by count.
fn calibration_chart(c: &Calibration) -> String {
    let mut frame = Frame::new(600.0, 420.0, 1.0);
    frame.right = 30.0;
    let mut out = String::new();
    frame.open(&mut out, "Predicted vs actual breaches");
    frame.y_axis(&mut out, "observed breach rate", 0.2, "");
    let px = |p: f64| frame.x(p);
    // x ticks
    for i in 0..=5 {
        let p = i as f64 * 0.2;
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
            fmt_tick(p),
            x = px(p),
            y = frame.y(0.0) + 16.0
        );
    }
    let _ = write!(
        out,
        r#"<line x1="{x0:.1}" y1="{y0:.1}" x2="{x1:.1}" y2="{y1:.1}" stroke="{MUTED}" stroke-dasharray="6 4"/><text x="{tx:.1}" y="{ty:.1}" fill="{MUTED}" font-size="11" transform="rotate(-33 {tx:.1} {ty:.1})">perfect calibration</text>"#,
        x0 = px(0.0),
        y0 = frame.y(0.0),
        x1 = px(1.0),
        y1 = frame.y(1.0),
        tx = px(0.62),
        ty = frame.y(0.64)
    );
    let mut bins = [(0usize, 0.0f64, 0usize); 10];
    for (p, b) in &c.pairs {
        let i = ((p * 10.0).floor() as usize).min(9);
        bins[i].0 += 1;
        bins[i].1 += p;
        bins[i].2 += usize::from(*b);
    }
    let biggest = bins.iter().map(|b| b.0).max().unwrap_or(1).max(1) as f64;
    let mut line = String::new();
    for (n, sum_p, hits) in bins {
        if n == 0 {
            continue;
        }
        let mean_p = sum_p / n as f64;
        let f = hits as f64 / n as f64;
        let se = (f * (1.0 - f) / n as f64).sqrt().max(0.5 / n as f64);
        let (x, y) = (px(mean_p), frame.y(f));
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{a:.1}" y2="{b:.1}" stroke="{PURPLE}" stroke-width="1.5"/>"#,
            a = frame.y((f + 2.0 * se).min(1.0)),
            b = frame.y((f - 2.0 * se).max(0.0))
        );
        let _ = write!(
            line,
            "{}{x:.1},{y:.1} ",
            if line.is_empty() { "M" } else { "L" }
        );
        let r = 4.0 + 10.0 * (n as f64 / biggest).sqrt();
        let _ = write!(
            out,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{PURPLE}" fill-opacity="0.35" stroke="{PURPLE}"/><text x="{tx:.1}" y="{ty:.1}" fill="{INK}" font-size="10">n={n}</text>"#,
            tx = x + r + 3.0,
            ty = y + 3.5
        );
    }
    let _ = write!(
        out,
        r#"<path d="{line}" fill="none" stroke="{PURPLE}" stroke-width="2"/>"#
    );
    frame.baseline(&mut out);
    frame.x_title(
        &mut out,
        "predicted probability of missing the resolution target",
    );
    out.push_str("</svg>");
    out
}

/// Average load / capacity per agent (or per shift for a large roster), over
/// the agent's shifts and over all hours.
fn utilisation_chart(sim: &Sim) -> String {
    let avg = |(s, n): (f64, u32)| {
        if n == 0 {
            0.0
        } else {
            100.0 * s / f64::from(n)
        }
    };
    let rows: Vec<(String, usize, f64, f64)> = if sim.agents.len() <= 40 {
        sim.agents
            .iter()
            .map(|a| {
                (
                    format!("{} · {}", a.name, SHIFTS[a.shift].name),
                    a.shift,
                    avg(a.util_on_shift),
                    avg(a.util_all),
                )
            })
            .collect()
    } else {
        SHIFTS
            .iter()
            .enumerate()
            .map(|(s, spec)| {
                let members: Vec<&SimAgent> = sim.agents.iter().filter(|a| a.shift == s).collect();
                let sum = |f: fn(&SimAgent) -> (f64, u32)| {
                    members.iter().fold((0.0, 0u32), |acc, a| {
                        let (x, n) = f(a);
                        (acc.0 + x, acc.1 + n)
                    })
                };
                (
                    format!("{} ({} agents)", spec.name, members.len()),
                    s,
                    avg(sum(|a| a.util_on_shift)),
                    avg(sum(|a| a.util_all)),
                )
            })
            .collect()
    };
    let row_h = 24.0;
    let (left, right, top) = (200.0, 60.0, 36.0);
    let width = 1240.0;
    let height = top + row_h * rows.len() as f64 + 44.0;
    let plot_w = width - left - right;
    let x = |v: f64| left + plot_w * v.min(100.0) / 100.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="Agent utilisation" xmlns="http://www.w3.org/2000/svg" font-family="Inter, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">"#
    );
    for i in 0..=5 {
        let v = i as f64 * 20.0;
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{top}" y2="{b:.1}" stroke="{GRID}"/><text x="{x:.1}" y="{ty:.1}" text-anchor="middle" fill="{MUTED}">{v:.0}%</text>"#,
            x = x(v),
            b = top + row_h * rows.len() as f64,
            ty = top + row_h * rows.len() as f64 + 16.0
        );
    }
    let shift_colors = [BLUE, "#0ea5e9", GREEN, "#14b8a6", ORANGE];
    for (i, (label, shift, on_shift, all)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let color = shift_colors[*shift % shift_colors.len()];
        let _ = write!(
            out,
            r#"<text x="{lx}" y="{ty:.1}" text-anchor="end" fill="{INK}">{l}</text><rect x="{left}" y="{y1:.1}" width="{w1:.1}" height="11" rx="2" fill="{color}"/><rect x="{left}" y="{y2:.1}" width="{w2:.1}" height="6" rx="2" fill="{GREY}"/><text x="{vx:.1}" y="{vy:.1}" fill="{INK}" font-size="11">{on_shift:.0}%</text>"#,
            lx = left - 10.0,
            ty = y + 15.0,
            l = esc(label),
            y1 = y + 3.0,
            w1 = x(*on_shift) - left,
            y2 = y + 15.0,
            w2 = x(*all) - left,
            vx = x(*on_shift) + 5.0,
            vy = y + 12.5
        );
    }
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{INK}" font-weight="600">open cases held / capacity ({CAPACITY} cases), time average</text>"#,
        x = left + plot_w / 2.0,
        y = height - 6.0
    );
    legend(
        &mut out,
        left,
        18.0,
        &[(BLUE, "on shift (colour: shift)"), (GREY, "all hours")],
    );
    out.push_str("</svg>");
    out
}

// ---------------------------------------------------------------------------
// The HTML page
// ---------------------------------------------------------------------------

const CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f6f8; color: #1f2937;
  font: 15px/1.5 Inter, "Segoe UI", Helvetica, Arial, sans-serif; }
header { background: linear-gradient(120deg, #1e3a8a, #2563eb 60%, #7c3aed);
  color: white; padding: 28px 40px 24px; }
header h1 { margin: 0 0 4px; font-size: 26px; letter-spacing: -0.01em; }
header p { margin: 0; opacity: 0.9; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 40px 40px; }
.kpis { display: grid; grid-template-columns: repeat(6, 1fr); gap: 14px; margin: -44px 0 22px; }
.kpi { background: white; border-radius: 12px; padding: 14px 16px;
  box-shadow: 0 1px 3px rgba(0,0,0,.08), 0 6px 16px rgba(0,0,0,.04); }
.kpi .v { font-size: 26px; font-weight: 700; letter-spacing: -0.02em; }
.kpi .l { color: #6b7280; font-size: 13px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.card { background: white; border-radius: 12px; padding: 18px 20px 12px;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); margin-bottom: 18px; }
.card h2 { margin: 0 0 2px; font-size: 17px; }
.card .sub { margin: 0 0 10px; color: #6b7280; font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { padding: 6px 10px; text-align: right; border-bottom: 1px solid #eef0f3; }
th:first-child, td:first-child { text-align: left; }
th { color: #6b7280; font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.stats { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 18px; font-size: 14px; }
.stats div span { float: right; font-weight: 600; }
footer { color: #6b7280; font-size: 12px; text-align: center; padding: 10px 0 30px; }
"#;

fn kpi(out: &mut String, value: &str, label: &str) {
    let _ = write!(
        out,
        r#"<div class="kpi"><div class="v">{}</div><div class="l">{}</div></div>"#,
        esc(value),
        esc(label)
    );
}

fn report_html(sim: &Sim, results: &Results, options: &Options, wall: f64) -> String {
    let month_cases = results
        .cases
        .iter()
        .filter(|c| c.created_at < sim.month_end)
        .count();
    let all = results
        .tiers
        .iter()
        .fold(TierStats::default(), |mut acc, (_, s)| {
            acc.cases += s.cases;
            acc.response_met += s.response_met;
            acc.response_done += s.response_done;
            acc.resolution_met += s.resolution_met;
            acc.resolution_done += s.resolution_done;
            acc
        });
    let csat: Vec<f64> = results.csat.iter().map(|s| f64::from(*s)).collect();
    let satisfied = results.csat.iter().filter(|s| **s >= 4).count();
    let c = &results.calibration;
    let bss = if c.brier_base > 0.0 {
        1.0 - c.brier / c.brier_base
    } else {
        0.0
    };
    let predicted_sum: f64 = c.pairs.iter().map(|(p, _)| p).sum();
    let actual = c.pairs.iter().filter(|(_, b)| *b).count();

    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Support desk simulation — May 2026</title><style>{CSS}</style></head><body>"#
    );
    let _ = write!(
        h,
        r#"<header><h1>A month at the support desk — simulation report</h1><p>{n} cases · {acc} accounts in London and New York on five SLA tiers · {agents} agents on {shifts} shifts in two time zones · May 2026 (UK and US bank holidays) · seed {seed}</p></header><main>"#,
        n = month_cases,
        acc = ACCOUNTS.len(),
        agents = sim.agents.len(),
        shifts = SHIFTS.len(),
        seed = options.seed
    );
    h.push_str(r#"<div class="kpis">"#);
    kpi(&mut h, &format!("{month_cases}"), "cases created");
    kpi(
        &mut h,
        &format!("{:.1}%", pct(all.response_met, all.response_done)),
        "first responses on time",
    );
    kpi(
        &mut h,
        &format!("{:.1}%", pct(all.resolution_met, all.resolution_done)),
        "resolutions on time",
    );
    kpi(
        &mut h,
        &format!("{:.1} h", mean(&results.frt_hours)),
        "mean first response (business)",
    );
    kpi(
        &mut h,
        &format!("{:.2} / 5", mean(&csat)),
        &format!("CSAT ({} ratings)", results.csat.len()),
    );
    kpi(&mut h, &format!("{wall:.1} s"), "wall time of the run");
    h.push_str("</div>");

    let _ = write!(
        h,
        r#"<section class="card"><h2>Backlog</h2><p class="sub">Open cases, sampled every simulated hour. Arrivals follow each region's working day; agents come online at the start of their shift and pick up what waited overnight.</p>{}</section>"#,
        backlog_chart(sim)
    );
    let _ = write!(
        h,
        r#"<div class="grid"><section class="card"><h2>SLA compliance per tier</h2><p class="sub">Share of decided milestones met (completed on time vs completed late or breached). Platinum and Gold run 24×7, the others on the account's business hours.</p>{}</section>"#,
        compliance_chart(results)
    );
    let _ = write!(
        h,
        r#"<section class="card"><h2>Predicted vs actual breaches</h2><p class="sub">A resolution model fitted at {at} on {obs} cases (resolved and still open) predicts, for the {n} open cases within target, the chance of missing it; dots: observed rate per bin, bars: ±2 SE.</p>{chart}<div class="stats"><div>Brier score <span>{brier:.3}</span></div><div>Base rate Brier <span>{base:.3}</span></div><div>Brier skill score <span>{bss:.2}</span></div><div>Base rate <span>{rate:.1}%</span></div><div>Expected breaches (Σp) <span>{sum:.0}</span></div><div>Actual breaches <span>{actual}</span></div></div></section></div>"#,
        at = sim.predict_at.format("%a %b %-d %H:%M UTC"),
        obs = sim.model_observations,
        n = c.pairs.len() + c.censored,
        chart = calibration_chart(c),
        brier = c.brier,
        base = c.brier_base,
        rate = 100.0 * c.base_rate,
        sum = predicted_sum,
    );
    let _ = write!(
        h,
        r#"<div class="grid"><section class="card"><h2>First response time</h2><p class="sub">Business hours from creation to the first public agent reply, on each case's SLA calendar.</p>{}</section><section class="card"><h2>Resolution time</h2><p class="sub">Business hours from creation to resolution, paused time (waiting on the customer) excluded.</p>{}</section></div>"#,
        histogram(
            &results.frt_hours,
            0.5,
            16,
            BLUE,
            "first response (business hours)"
        ),
        histogram(
            &results.resolution_hours,
            2.0,
            20,
            GREEN,
            "resolution (business hours)"
        )
    );
    let _ = write!(
        h,
        r#"<section class="card"><h2>Agent utilisation</h2><p class="sub">Open cases held divided by capacity, averaged over the hourly samples: while on shift (bar) and over all hours (thin grey bar).</p>{}</section>"#,
        utilisation_chart(sim)
    );

    // Tables.
    h.push_str(r#"<div class="grid"><section class="card"><h2>Per tier</h2><table><tr><th>Tier</th><th>Cases</th><th>Response on time</th><th>Resolved on time</th><th>Mean FRT (h)</th></tr>"#);
    for (tier, s) in &results.tiers {
        let _ = write!(
            h,
            "<tr><td>{tier}</td><td>{}</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.2}</td></tr>",
            s.cases,
            pct(s.response_met, s.response_done),
            pct(s.resolution_met, s.resolution_done),
            mean(&s.frt_hours)
        );
    }
    h.push_str("</table></section>");
    let errors: u64 = sim.errors.values().sum();
    let rows: Vec<(&str, String)> = vec![
        ("Cases created in May", format!("{month_cases}")),
        (
            "Still open at the end of the run",
            format!("{}", results.open_at_end),
        ),
        (
            "Reopened at least once",
            format!(
                "{} ({:.1}%)",
                results.reopened,
                pct(results.reopened, month_cases)
            ),
        ),
        (
            "Median resolution (business h)",
            format!("{:.1}", quantile(&results.resolution_hours, 0.5)),
        ),
        (
            "CSAT satisfied (4–5)",
            format!("{:.1}%", pct(satisfied, results.csat.len())),
        ),
        (
            "AI category matches the generator",
            format!("{:.1}%", 100.0 * results.category_agreement),
        ),
        (
            "Peak agents on shift",
            format!(
                "{}",
                sim.samples
                    .iter()
                    .map(|s| s.agents_on_shift)
                    .max()
                    .unwrap_or(0)
            ),
        ),
        (
            "Desk calls / sweeps",
            format!("{} / {}", sim.desk_calls, sim.sweeps),
        ),
        ("Calls refused by the desk", format!("{errors}")),
        (
            "Wall time / rate",
            format!(
                "{wall:.1} s / {:.0} cases/s",
                month_cases as f64 / wall.max(1e-9)
            ),
        ),
    ];
    h.push_str(
        r#"<section class="card"><h2>Summary</h2><table><tr><th>Measure</th><th>Value</th></tr>"#,
    );
    for (k, v) in rows {
        let _ = write!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(k), esc(&v));
    }
    h.push_str("</table></section></div>");
    let _ = write!(
        h,
        r#"</main><footer>Generated by <code>cargo run --release --example simulation -- --cases {} --seed {}</code> · hotcrm-support {} · all charts are inline SVG, no scripts</footer></body></html>"#,
        options.cases,
        options.seed,
        env!("CARGO_PKG_VERSION")
    );
    h
}

// ---------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let options = parse_options()?;
    let started = Instant::now();
    let mut sim = build(&options).await?;
    println!(
        "simulating {} cases, {} agents, seed {} ...",
        options.cases,
        sim.agents.len(),
        options.seed
    );
    sim.run().await?;
    let cases = all_cases(sim.repo.as_ref()).await?;
    let results = results(&sim, cases);
    let wall = started.elapsed().as_secs_f64();

    let html = report_html(&sim, &results, &options, wall);
    if let Some(dir) = options.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&options.out, html)?;

    let all_frt = mean(&results.frt_hours);
    let c = &results.calibration;
    println!(
        "{} cases, {} desk calls, {} sweeps; mean first response {:.2} business h; CSAT {:.2} ({} ratings)",
        results.cases.len(),
        sim.desk_calls,
        sim.sweeps,
        all_frt,
        mean(
            &results
                .csat
                .iter()
                .map(|s| f64::from(*s))
                .collect::<Vec<_>>()
        ),
        results.csat.len()
    );
    for (tier, s) in &results.tiers {
        println!(
            "  {:<9} {:>6} cases  response on time {:>5.1}%  resolved on time {:>5.1}%",
            tier.to_string(),
            s.cases,
            pct(s.response_met, s.response_done),
            pct(s.resolution_met, s.resolution_done)
        );
    }
    println!(
        "breach prediction: {} cases ({} censored), Brier {:.4} vs base rate {:.4} (skill {:.2})",
        c.pairs.len(),
        c.censored,
        c.brier,
        c.brier_base,
        if c.brier_base > 0.0 {
            1.0 - c.brier / c.brier_base
        } else {
            0.0
        }
    );
    if !sim.errors.is_empty() {
        let mut errors: Vec<_> = sim.errors.iter().collect();
        errors.sort();
        println!("calls refused by the desk: {errors:?}");
    }
    println!("report: {}", options.out.display());
    println!(
        "wall time: {wall:.2} s ({:.0} cases/s)",
        options.cases as f64 / wall.max(1e-9)
    );
    Ok(())
}
