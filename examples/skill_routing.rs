//! Skill-based routing with explanations, relaxation and overflow.
//!
//! Builds a small support floor (three agents, two queues, two rules), routes a
//! few cases, lets the clock run so optional skills are dropped and a case
//! overflows, and prints every decision's reasoning and the workload report; then
//! routes a case in an AI-assisted queue on `HeuristicAi`'s suggestion.
//!
//! Run with `cargo run --example skill_routing`.

use std::collections::BTreeMap;

use chrono::{TimeDelta, TimeZone, Utc};
use hotcrm_support::ai::{HeuristicAi, SuggestAgentRequest};
use hotcrm_support::case::{AiCategory, Priority};
use hotcrm_support::ids::{AccountId, AgentId, CaseId, QueueId, SkillId};
use hotcrm_support::routing::{
    Agent, AgentSkill, AgentStatus, Capacity, Queue, QueueMember, Router, RoutingEvent,
    RoutingMethod, RoutingRequest, RoutingRule, Skill, SkillRequirement,
};

fn main() -> Result<(), hotcrm_support::Error> {
    let now = Utc
        .with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .ok_or_else(|| hotcrm_support::Error::validation("now", "ambiguous"))?;
    let (java, billing, french) = (
        SkillId::from_u128(1),
        SkillId::from_u128(2),
        SkillId::from_u128(3),
    );
    let (ada, bob, chloe) = (
        AgentId::from_u128(1),
        AgentId::from_u128(2),
        AgentId::from_u128(3),
    );
    let (tier2, general) = (QueueId::from_u128(10), QueueId::from_u128(11));

    let mut router = Router::new();
    router.add_skill(Skill::new(java, "Java")?)?;
    router.add_skill(Skill::new(billing, "Billing")?)?;
    router.add_skill(Skill::new(french, "French")?)?;
    router.add_agent(
        Agent::new(ada, "Ada", Capacity::cases(2)?)?
            .with_status(AgentStatus::Available)
            .with_skill(AgentSkill::new(java, 5)?),
    )?;
    router.add_agent(
        Agent::new(bob, "Bob", Capacity::cases(3)?)?
            .with_status(AgentStatus::Available)
            .with_skill(AgentSkill::new(java, 3)?)
            .with_skill(AgentSkill::new(billing, 4)?),
    )?;
    router.add_agent(
        Agent::new(chloe, "Chloé", Capacity::cases(3)?)?
            .with_status(AgentStatus::Available)
            .with_skill(AgentSkill::new(billing, 2)?),
    )?;
    router.add_queue(
        Queue::new(general, "General", RoutingMethod::RoundRobin)?
            .with_member(QueueMember::new(bob))
            .with_member(QueueMember::new(chloe)),
    )?;
    router.add_queue(
        Queue::new(tier2, "Tier 2", RoutingMethod::SkillBased)?
            .with_member(QueueMember::new(ada))
            .with_member(QueueMember::new(bob))
            .with_overflow(general)
            .with_relax_timeout(TimeDelta::minutes(10))?,
    )?;
    router.add_rule(RoutingRule::new("Java", 10, tier2)?.when_keyword("java")?)?;
    router.add_rule(
        RoutingRule::new("Billing", 20, general)?
            .when_ai_category(AiCategory::Billing)
            .requiring(SkillRequirement::new(billing, 2)?),
    )?;
    router.set_default_queue(general)?;

    let account = AccountId::from_u128(1);
    let cases = [
        RoutingRequest::new(CaseId::from_u128(1), account, now)
            .with_subject("Java SDK throws on login")
            .requiring(SkillRequirement::new(java, 3)?),
        RoutingRequest::new(CaseId::from_u128(2), account, now)
            .with_subject("Charged twice")
            .with_ai_category(AiCategory::Billing)
            .with_priority(Priority::High),
        // Wants a French speaker (optional): nobody has it, so it waits, drops the
        // group after 10 minutes, and is assigned then.
        RoutingRequest::new(CaseId::from_u128(3), account, now)
            .with_subject("Java build fails")
            .requiring(SkillRequirement::new(java, 2)?)
            .with_optional_group(vec![SkillRequirement::new(french, 1)?]),
    ];
    let mut due = BTreeMap::new();
    for case in cases {
        due.insert(case.case, now + TimeDelta::hours(4));
        let outcome = router.route(case, now, None)?;
        println!("{}", outcome.decision.reasoning);
        for rejection in &outcome.decision.rejected {
            println!("    {}", router.describe(&rejection));
        }
    }

    for event in router.tick(now + TimeDelta::minutes(10)) {
        // Events print short ids; name the agent for people.
        match &event {
            RoutingEvent::Assigned { agent, .. } => {
                let name = router.agent(*agent).map_or("?", |a| a.name.as_str());
                println!("event: {event} = {name}");
            }
            _ => println!("event: {event}"),
        }
    }

    let report = router.workload(&due, TimeDelta::hours(1), now + TimeDelta::minutes(10))?;
    for u in &report.agents {
        let name = router.agent(u.agent).map_or("?", |a| a.name.as_str());
        println!("{name}: {}/{} ({}%)", u.load, u.limit, u.percent);
    }

    // AI-assisted: the provider suggests among the members who could take the
    // case; the router accepts it only if eligible and confident enough.
    let assisted = QueueId::from_u128(12);
    router.add_queue(
        Queue::new(assisted, "Assisted", RoutingMethod::AiAssisted)?
            .with_member(QueueMember::new(ada))
            .with_member(QueueMember::new(bob))
            .with_member(QueueMember::new(chloe)),
    )?;
    let later = now + TimeDelta::minutes(11);
    let case = RoutingRequest::new(CaseId::from_u128(4), account, later)
        .in_queue(assisted)
        .with_subject("Billing question about our Java SDK licence");
    let ask = SuggestAgentRequest::for_queue(&router, assisted, &case)?;
    let suggestion = HeuristicAi::new().suggest_agent_for(&ask);
    let decision = router.decide(assisted, &case, later, suggestion.as_ref())?;
    println!("{}", decision.reasoning);
    Ok(())
}
