//! Routing records under serde: every valid value survives save → load → save
//! byte for byte, and loading a document that breaks an invariant the
//! constructors keep fails with an error naming the field.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use hotcrm_support::calendar::BusinessHours;
use hotcrm_support::case::{AiCategory, CaseType, Origin, Priority};
use hotcrm_support::ids::{AccountId, AgentId, CaseId, QueueId, SkillId};
use hotcrm_support::routing::*;
use hotcrm_support::sla::SlaTier;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

// ----- strategies for valid values -----------------------------------------------------

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0_i64..4_000_000_000, 0_u32..1_000_000_000)
        .prop_map(|(s, ns)| Utc.timestamp_opt(s, ns).single().unwrap())
}

fn day() -> impl Strategy<Value = NaiveDate> {
    (0_i64..40_000).prop_map(|d| NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + TimeDelta::days(d))
}

/// A non-blank name (letters first, then any printable text).
fn name() -> impl Strategy<Value = String> {
    "[a-zA-Zé][\\PC]{0,12}"
}

fn agent_id() -> impl Strategy<Value = AgentId> {
    (0_u128..12).prop_map(AgentId::from_u128)
}

fn queue_id() -> impl Strategy<Value = QueueId> {
    (0_u128..6).prop_map(QueueId::from_u128)
}

fn skill_id() -> impl Strategy<Value = SkillId> {
    (0_u128..8).prop_map(SkillId::from_u128)
}

fn pick<T: Copy + Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(all.to_vec())
}

fn capacity() -> impl Strategy<Value = Capacity> {
    prop_oneof![
        (1_u32..=u32::MAX).prop_map(|max| Capacity::cases(max).unwrap()),
        (
            1_u32..=u32::MAX,
            prop::collection::btree_map(pick(Origin::ALL), 1_u32..=u32::MAX, 0..4)
        )
            .prop_map(|(max, costs)| {
                costs
                    .into_iter()
                    .fold(Capacity::units(max).unwrap(), |c, (o, cost)| {
                        c.with_cost(o, cost).unwrap()
                    })
            }),
    ]
}

fn agent_skill() -> impl Strategy<Value = AgentSkill> {
    (
        skill_id(),
        1_u8..=5,
        prop::option::of((day(), prop::option::of(day()))),
        prop::option::of(day()),
    )
        .prop_map(|(skill, level, cert, assessed)| {
            let mut s = AgentSkill::new(skill, level).unwrap();
            if let Some((on, until)) = cert {
                s = s.certified(on, until);
            }
            if let Some(d) = assessed {
                s = s.assessed(d);
            }
            s
        })
}

fn agent() -> impl Strategy<Value = Agent> {
    (
        agent_id(),
        name(),
        pick(AgentStatus::ALL),
        capacity(),
        (any::<u32>(), any::<u32>()),
        prop::option::of(instant()),
        prop::option::of(agent_id()),
        prop::collection::vec(agent_skill(), 0..4),
    )
        .prop_map(
            |(id, name, status, capacity, (load, open), last, manager, skills)| {
                let mut a = Agent::new(id, name, capacity).unwrap().with_status(status);
                a.load = load;
                a.open_cases = open;
                a.last_assigned_at = last;
                a.manager = manager;
                skills.into_iter().fold(a, Agent::with_skill)
            },
        )
}

fn skill() -> impl Strategy<Value = Skill> {
    (
        skill_id(),
        name(),
        prop::option::of("\\PC{0,20}"),
        any::<bool>(),
    )
        .prop_map(|(id, name, description, cert)| {
            let mut s = Skill::new(id, name).unwrap();
            s.description = description;
            if cert {
                s = s.certification_required();
            }
            s
        })
}

fn member() -> impl Strategy<Value = QueueMember> {
    (agent_id(), 1_u8..=10, any::<u64>(), any::<u64>()).prop_map(|(a, w, turn, served)| {
        let mut m = QueueMember::new(a).with_weight(Weight::new(w).unwrap());
        m.last_turn = turn;
        m.served = served;
        m
    })
}

fn queue() -> impl Strategy<Value = Queue> {
    (
        queue_id(),
        name(),
        pick(RoutingMethod::ALL),
        prop::collection::vec(member(), 0..5),
        prop::option::of(queue_id()),
        (1_i64..10_000_000, 0_u32..=1_000),
        (any::<bool>(), pick(OutOfHours::ALL), any::<u64>()),
    )
        .prop_map(
            |(id, name, method, members, overflow, (secs, per_mille), (hours, ooh, turn))| {
                let mut q = Queue::new(id, name, method)
                    .unwrap()
                    .with_relax_timeout(TimeDelta::seconds(secs))
                    .unwrap()
                    .with_ai_threshold(f64::from(per_mille) / 1000.0)
                    .unwrap()
                    .with_out_of_hours(ooh);
                q = members.into_iter().fold(q, Queue::with_member);
                if let Some(o) = overflow.filter(|&o| o != id) {
                    q = q.with_overflow(o);
                }
                if hours {
                    q = q.with_hours(BusinessHours::always_open());
                }
                q.turn = turn;
                q
            },
        )
}

fn requirement() -> impl Strategy<Value = SkillRequirement> {
    (skill_id(), 1_u8..=5).prop_map(|(s, l)| SkillRequirement::new(s, l).unwrap())
}

fn conditions() -> impl Strategy<Value = RuleConditions> {
    (
        prop::collection::vec(pick(Origin::ALL), 0..3),
        prop::collection::vec(pick(Priority::ALL), 0..3),
        prop::collection::vec(pick(CaseType::ALL), 0..3),
        prop::collection::vec(pick(AiCategory::ALL), 0..3),
        prop::collection::vec(pick(SlaTier::ALL), 0..3),
        prop::collection::vec((0_u128..5).prop_map(AccountId::from_u128), 0..3),
        prop::collection::vec("[a-zé]([a-z ]{0,8}[a-z])?", 0..3),
        prop::option::of(any::<bool>()),
    )
        .prop_map(
            |(origins, priorities, case_types, ai_categories, tiers, accounts, keywords, hours)| {
                RuleConditions {
                    origins,
                    priorities,
                    case_types,
                    ai_categories,
                    tiers,
                    accounts,
                    keywords,
                    in_business_hours: hours,
                }
            },
        )
}

fn rule() -> impl Strategy<Value = RoutingRule> {
    (
        name(),
        any::<u32>(),
        any::<bool>(),
        conditions(),
        queue_id(),
        prop::option::of(pick(Priority::ALL)),
        prop::collection::vec(requirement(), 0..3),
    )
        .prop_map(
            |(name, order, active, conditions, queue, priority, required)| {
                let mut r = RoutingRule::new(name, order, queue).unwrap();
                r.active = active;
                r.conditions = conditions;
                r.outcome.priority = priority;
                r.outcome.required = required;
                r
            },
        )
}

fn request() -> impl Strategy<Value = RoutingRequest> {
    (
        (
            (0_u128..40).prop_map(CaseId::from_u128),
            (0_u128..5).prop_map(AccountId::from_u128),
        ),
        (pick(Priority::ALL), pick(CaseType::ALL), pick(Origin::ALL)),
        (prop::option::of(pick(AiCategory::ALL)), pick(SlaTier::ALL)),
        ("\\PC{0,40}", "\\PC{0,80}", instant()),
        prop::collection::vec(requirement(), 0..3),
        prop::collection::vec(prop::collection::vec(requirement(), 1..3), 0..3),
        prop::collection::btree_set(agent_id(), 0..3),
        prop::option::of(queue_id()),
    )
        .prop_map(
            |(
                (case, account),
                (p, t, o),
                (cat, tier),
                (subject, description, at),
                required,
                groups,
                declined,
                queue,
            )| {
                let mut r = RoutingRequest::new(case, account, at)
                    .with_priority(p)
                    .with_type(t)
                    .with_origin(o)
                    .with_tier(tier)
                    .with_subject(subject)
                    .with_description(description);
                r.ai_category = cat;
                r = required.into_iter().fold(r, RoutingRequest::requiring);
                r = groups
                    .into_iter()
                    .fold(r, RoutingRequest::with_optional_group);
                r.declined_by = declined;
                r.queue = queue;
                r
            },
        )
}

/// A waiting case in `queue`, having left some other queues.
fn waiting() -> impl Strategy<Value = WaitingCase> {
    (
        request(),
        queue_id(),
        (instant(), instant()),
        0_usize..4,
        prop::collection::vec(queue_id(), 0..3),
        any::<bool>(),
        prop::option::of((agent_id(), 0_u32..=100, "\\PC{0,20}")),
    )
        .prop_map(
            |(request, queue, (queued, next), dropped, visited, stalled, ai)| {
                let dropped = dropped.min(request.optional_groups.len());
                WaitingCase {
                    request,
                    queue,
                    queued_at: queued,
                    next_step_at: next,
                    dropped,
                    visited: visited.into_iter().filter(|&v| v != queue).collect(),
                    stalled,
                    ai: ai.map(|(a, c, why)| {
                        AiSuggestion::new(a, f64::from(c) / 100.0, why).unwrap()
                    }),
                }
            },
        )
}

fn assignment() -> impl Strategy<Value = OpenAssignment> {
    (
        request(),
        agent_id(),
        prop::option::of(queue_id()),
        1_u32..=u32::MAX,
        0_usize..4,
        prop::collection::vec(queue_id(), 0..3),
        instant(),
    )
        .prop_map(|(request, agent, queue, cost, dropped, visited, at)| {
            let dropped = dropped.min(request.optional_groups.len());
            OpenAssignment {
                request,
                agent,
                queue,
                cost,
                dropped,
                visited: visited.into_iter().filter(|&v| Some(v) != queue).collect(),
                assigned_at: at,
            }
        })
}

fn state() -> impl Strategy<Value = RouterState> {
    (
        prop::collection::vec(skill(), 0..3),
        prop::collection::vec(agent(), 0..3),
        prop::collection::vec(queue(), 0..3),
        prop::collection::vec(rule(), 0..3),
        (prop::option::of(queue_id()), any::<bool>()),
        prop::collection::vec(waiting(), 0..4),
        prop::collection::vec(assignment(), 0..4),
    )
        .prop_map(
            |(skills, agents, queues, rules, (default_queue, hours), waiting, assigned)| {
                let assignments: BTreeMap<CaseId, OpenAssignment> =
                    assigned.into_iter().map(|a| (a.request.case, a)).collect();
                let mut seen = BTreeSet::new();
                let waiting = waiting
                    .into_iter()
                    .filter(|w| {
                        !assignments.contains_key(&w.request.case) && seen.insert(w.request.case)
                    })
                    .collect();
                RouterState {
                    skills,
                    agents,
                    queues,
                    rules,
                    default_queue,
                    business_hours: hours.then(BusinessHours::always_open),
                    waiting,
                    assignments,
                }
            },
        )
}

// ----- the laws --------------------------------------------------------------------------

/// Save → load → save is byte-identical, and the loaded value equals the original.
fn round_trips<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let saved = serde_json::to_string(value).unwrap();
    let loaded: T = match serde_json::from_str(&saved) {
        Ok(v) => v,
        Err(e) => return Err(TestCaseError::fail(format!("{e} loading {saved}"))),
    };
    prop_assert_eq!(&loaded, value);
    prop_assert_eq!(serde_json::to_string(&loaded).unwrap(), saved);
    Ok(())
}

/// Loading `doc` as a `T` fails, and the error names `field`.
fn refused_naming<T: DeserializeOwned + Debug>(
    doc: &Value,
    field: &str,
) -> Result<(), TestCaseError> {
    match serde_json::from_str::<T>(&doc.to_string()) {
        Ok(v) => Err(TestCaseError::fail(format!("loaded {v:?} from {doc}"))),
        Err(e) => {
            prop_assert!(
                e.to_string().contains(&format!("invalid {field}")),
                "{} does not name {}",
                e,
                field
            );
            Ok(())
        }
    }
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

/// A case id as a JSON object key.
fn key(case: CaseId) -> String {
    to_value(&case).as_str().unwrap().to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_record_round_trips_byte_for_byte(
        c in capacity(),
        a in agent(),
        s in agent_skill(),
        k in skill(),
        m in member(),
        q in queue(),
        cond in conditions(),
        rl in rule(),
        req in request(),
        w in waiting(),
        oa in assignment(),
        st in state(),
    ) {
        round_trips(&c)?;
        round_trips(&a)?;
        round_trips(&s)?;
        round_trips(&k)?;
        round_trips(&m)?;
        round_trips(&q)?;
        round_trips(&cond)?;
        round_trips(&rl)?;
        round_trips(&req)?;
        round_trips(&w)?;
        round_trips(&oa)?;
        round_trips(&st)?;
    }

    #[test]
    fn invalid_capacities_agents_and_skills_are_refused_naming_the_field(
        c in capacity(),
        a in agent(),
        s in agent_skill(),
        k in skill(),
        level in prop_oneof![Just(0_u8), 6_u8..=255],
    ) {
        let mut doc = to_value(&c);
        match doc.as_object_mut().and_then(|o| o.values_mut().next()) {
            Some(inner) => inner["max"] = json!(0),
            None => prop_assert!(false, "capacity is an externally tagged enum: {doc}"),
        }
        refused_naming::<Capacity>(&doc, "capacity")?;
        let doc = json!({"Units": {"max": 5, "costs": {"Phone": 0}}});
        refused_naming::<Capacity>(&doc, "capacity")?;

        let mut doc = to_value(&a);
        doc["name"] = json!(" \t");
        refused_naming::<Agent>(&doc, "agent name")?;
        let mut doc = to_value(&a);
        doc["capacity"] = json!({"Cases": {"max": 0}});
        refused_naming::<Agent>(&doc, "capacity")?;
        let mut doc = to_value(&a);
        doc["skills"] = json!([to_value(&s), to_value(&s)]);
        refused_naming::<Agent>(&doc, "agent skills")?;

        let mut doc = to_value(&s);
        doc["proficiency"] = json!(level);
        refused_naming::<AgentSkill>(&doc, "proficiency")?;

        let mut doc = to_value(&k);
        doc["name"] = json!("");
        refused_naming::<Skill>(&doc, "skill name")?;
    }

    #[test]
    fn invalid_queues_and_rules_are_refused_naming_the_field(
        m in member(),
        q in queue(),
        cond in conditions(),
        rl in rule(),
        weight in prop_oneof![Just(0_u8), 11_u8..=255],
        threshold in prop_oneof![-10.0_f64..-0.001, 1.001_f64..10.0],
        keyword in prop_oneof![Just(String::new()), Just(" refund".to_string()), "[A-Z][a-z]{0,5}"],
    ) {
        let mut doc = to_value(&m);
        doc["weight"] = json!(weight);
        refused_naming::<QueueMember>(&doc, "weight")?;

        let mut doc = to_value(&q);
        doc["name"] = json!(" ");
        refused_naming::<Queue>(&doc, "queue name")?;
        let mut doc = to_value(&q);
        doc["relax_timeout"] = json!(0);
        refused_naming::<Queue>(&doc, "relax timeout")?;
        let mut doc = to_value(&q);
        doc["ai_confidence_threshold"] = json!(threshold);
        refused_naming::<Queue>(&doc, "ai confidence threshold")?;
        let mut doc = to_value(&q);
        doc["overflow"] = doc["id"].clone();
        refused_naming::<Queue>(&doc, "overflow queue")?;
        let mut doc = to_value(&q);
        doc["members"] = json!([to_value(&m), to_value(&m)]);
        refused_naming::<Queue>(&doc, "queue members")?;

        let mut doc = to_value(&cond);
        doc["keywords"] = json!([keyword]);
        refused_naming::<RuleConditions>(&doc, "keyword")?;
        let mut doc = to_value(&rl);
        doc["conditions"]["keywords"] = json!([keyword]);
        refused_naming::<RoutingRule>(&doc, "keyword")?;
        let mut doc = to_value(&rl);
        doc["name"] = json!("");
        refused_naming::<RoutingRule>(&doc, "rule name")?;
    }

    #[test]
    fn invalid_requests_and_entries_are_refused_naming_the_field(
        req in request(),
        w in waiting(),
        oa in assignment(),
        st in state(),
        extra in 1_usize..5,
    ) {
        let mut doc = to_value(&req);
        doc["subject"] = json!("s".repeat(MAX_SUBJECT_BYTES + extra));
        refused_naming::<RoutingRequest>(&doc, "subject")?;
        let mut doc = to_value(&req);
        doc["description"] = json!("d".repeat(MAX_DESCRIPTION_BYTES + extra));
        refused_naming::<RoutingRequest>(&doc, "description")?;
        let mut doc = to_value(&req);
        doc["optional_groups"] = json!([[]]);
        refused_naming::<RoutingRequest>(&doc, "optional skill groups")?;
        let mut doc = to_value(&req);
        let need = to_value(&SkillRequirement::new(SkillId::from_u128(1), 1).unwrap());
        doc["required"] = json!(vec![need; MAX_REQUEST_SKILLS + extra]);
        refused_naming::<RoutingRequest>(&doc, "skills")?;

        let groups = w.request.optional_groups.len();
        let mut doc = to_value(&w);
        doc["dropped"] = json!(groups + extra);
        refused_naming::<WaitingCase>(&doc, "dropped")?;
        let mut doc = to_value(&w);
        doc["visited"] = json!([w.queue]);
        refused_naming::<WaitingCase>(&doc, "visited")?;
        let mut doc = to_value(&w);
        doc["request"]["subject"] = json!("s".repeat(MAX_SUBJECT_BYTES + extra));
        refused_naming::<WaitingCase>(&doc, "subject")?;

        let mut doc = to_value(&oa);
        doc["cost"] = json!(0);
        refused_naming::<OpenAssignment>(&doc, "assignment cost")?;
        let mut doc = to_value(&oa);
        doc["dropped"] = json!(oa.request.optional_groups.len() + extra);
        refused_naming::<OpenAssignment>(&doc, "dropped")?;
        if let Some(q) = oa.queue {
            let mut doc = to_value(&oa);
            doc["visited"] = json!([q]);
            refused_naming::<OpenAssignment>(&doc, "visited")?;
        }

        // The state: entries against each other, and every record inside.
        let mut doc = to_value(&st);
        let entry = to_value(&w);
        doc["waiting"] = json!([entry.clone(), entry]);
        doc["assignments"] = json!({});
        refused_naming::<RouterState>(&doc, "waiting")?;
        let mut doc = to_value(&st);
        let mut held = oa.clone();
        held.request.case = CaseId::from_u128(1_000);
        doc["assignments"] = json!({ key(CaseId::from_u128(1_001)): to_value(&held) });
        refused_naming::<RouterState>(&doc, "assignments")?;
        let mut doc = to_value(&st);
        let mut both = to_value(&w);
        both["request"]["case"] = json!(oa.request.case);
        doc["waiting"] = json!([both]);
        doc["assignments"] = json!({ key(oa.request.case): to_value(&oa) });
        refused_naming::<RouterState>(&doc, "waiting")?;
        let mut doc = to_value(&st);
        doc["agents"] = json!([{"id": AgentId::from_u128(1), "name": "", "status": "Available",
            "capacity": {"Cases": {"max": 1}}, "load": 0, "open_cases": 0,
            "last_assigned_at": null, "manager": null, "skills": []}]);
        refused_naming::<RouterState>(&doc, "agent name")?;
    }
}
