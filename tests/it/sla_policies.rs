//! Named, versioned SLA policies through the desk: the first matching policy
//! in order is chosen per new case, the case keeps its version (a new version
//! never rewrites running clocks), and effective windows are honoured.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use hotcrm_support::case::{CaseType, Priority};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, SupportDesk};
use hotcrm_support::ids::{AccountId, ProductId};
use hotcrm_support::repo::{Account, MemoryRepository, Repository};
use hotcrm_support::sla::{
    Coverage, PolicyConditions, PolicyRef, PolicyVersion, SlaPolicies, SlaPolicy, SlaTier, Target,
    Targets,
};
use proptest::prelude::*;

const EMEA: AccountId = AccountId::from_u128(1);
const US: AccountId = AccountId::from_u128(2);
const ROUTER: ProductId = ProductId::from_u128(7);

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn targets(response_min: u32, resolution_h: u32) -> Targets {
    Targets::new(
        Target::Minutes(response_min),
        Target::hours(resolution_h),
        Coverage::TwentyFourSeven,
    )
}

/// "EMEA" version `v`: Standard cases resolve in `resolution_h` hours, High
/// ones in `high_h`, round the clock.
fn emea(v: u32, resolution_h: u32, high_h: u32) -> PolicyVersion {
    let policy = SlaPolicy::default()
        .with_targets(SlaTier::Standard, targets(60, resolution_h))
        .unwrap()
        .with_priority_targets(SlaTier::Standard, Priority::High, targets(30, high_h))
        .unwrap();
    PolicyVersion::new("EMEA", v, policy)
        .unwrap()
        .when(PolicyConditions::default().regions(["emea"]))
}

fn router_incidents() -> PolicyVersion {
    let policy = SlaPolicy::default()
        .with_targets(SlaTier::Standard, targets(15, 2))
        .unwrap();
    PolicyVersion::new("Router incidents", 1, policy)
        .unwrap()
        .when(
            PolicyConditions::default()
                .products([ROUTER])
                .case_types([CaseType::Incident]),
        )
}

async fn repo() -> Arc<MemoryRepository> {
    let repo = Arc::new(MemoryRepository::new());
    repo.put_account(&Account::new(EMEA, "Acme GmbH").with_region("EMEA"), None)
        .await
        .unwrap();
    repo.put_account(&Account::new(US, "Acme Inc"), None)
        .await
        .unwrap();
    repo
}

fn desk(repo: &Arc<MemoryRepository>, clock: &ManualClock, policies: SlaPolicies) -> SupportDesk {
    SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .sla_policies(policies)
        .build()
}

/// Opens a case on `desk` (it must succeed) and returns it.
async fn opened(desk: &SupportDesk, request: CaseRequest) -> hotcrm_support::case::Case {
    desk.create_case(request).await.unwrap().case.value
}

#[tokio::test]
async fn the_first_matching_policy_in_order_is_chosen() {
    let repo = repo().await;
    let clock = ManualClock::new(t("2026-03-02T10:00:00Z"));
    let policies = SlaPolicies::new(vec![router_incidents(), emea(1, 8, 4)]).unwrap();
    let desk = desk(&repo, &clock, policies);
    let now = hotcrm_support::clock::Clock::now(&clock);
    // EMEA account: the EMEA policy, 8 hours round the clock.
    let a = opened(
        &desk,
        CaseRequest::new(EMEA, "Portal slow", "Pages take 10 s").priority(Priority::Medium),
    )
    .await;
    assert_eq!(a.sla_policy, Some(PolicyRef::new("EMEA", 1)));
    assert_eq!(a.milestones.resolution.due, now + TimeDelta::hours(8));
    // A router incident matches the first policy, even in EMEA.
    let b = opened(
        &desk,
        CaseRequest::new(EMEA, "Router down", "No WAN")
            .product(ROUTER)
            .case_type(CaseType::Incident)
            .priority(Priority::Medium),
    )
    .await;
    assert_eq!(b.sla_policy, Some(PolicyRef::new("Router incidents", 1)));
    assert_eq!(b.milestones.resolution.due, now + TimeDelta::hours(2));
    // Nothing matches a US question: the desk's own policy.
    let c = opened(
        &desk,
        CaseRequest::new(US, "How to export?", "CSV").priority(Priority::Medium),
    )
    .await;
    assert_eq!(c.sla_policy, None);
    let plain = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .build();
    let d = opened(
        &plain,
        CaseRequest::new(US, "How to import?", "CSV").priority(Priority::Medium),
    )
    .await;
    assert_eq!(c.milestones.resolution.due, d.milestones.resolution.due);
}

#[tokio::test]
async fn a_new_version_never_rewrites_running_clocks() {
    let repo = repo().await;
    let clock = ManualClock::new(t("2026-03-02T10:00:00Z"));
    let v1_only = SlaPolicies::new(vec![emea(1, 8, 4)]).unwrap();
    let old = desk(&repo, &clock, v1_only)
        .create_case(
            CaseRequest::new(EMEA, "Portal slow", "Pages take 10 s").priority(Priority::Medium),
        )
        .await
        .unwrap()
        .case
        .value;
    let created = hotcrm_support::clock::Clock::now(&clock);
    // Version 2 takes effect from noon; the desk restarts with both versions.
    clock.advance(TimeDelta::hours(1));
    let noon = t("2026-03-02T12:00:00Z");
    let both = SlaPolicies::new(vec![
        emea(2, 6, 2).effective_from(noon),
        emea(1, 8, 4).expires_at(noon),
    ])
    .unwrap();
    let desk = desk(&repo, &clock, both);
    // Before noon a new case still gets version 1.
    let early = opened(
        &desk,
        CaseRequest::new(EMEA, "Login slow", "SSO").priority(Priority::Medium),
    )
    .await;
    assert_eq!(early.sla_policy, Some(PolicyRef::new("EMEA", 1)));
    clock.advance(TimeDelta::hours(2));
    let late = opened(
        &desk,
        CaseRequest::new(EMEA, "Export slow", "CSV").priority(Priority::Medium),
    )
    .await;
    assert_eq!(late.sla_policy, Some(PolicyRef::new("EMEA", 2)));
    assert_eq!(
        late.milestones.resolution.due,
        hotcrm_support::clock::Clock::now(&clock) + TimeDelta::hours(6)
    );
    // Raising the old case's priority reschedules it on ITS version: 4 h from
    // its creation, not version 2's 2 h.
    let raised = desk
        .change_priority(old.id, Priority::High)
        .await
        .unwrap()
        .case
        .value;
    assert_eq!(raised.sla_policy, Some(PolicyRef::new("EMEA", 1)));
    assert_eq!(
        raised.milestones.resolution.due,
        created + TimeDelta::hours(4)
    );
    let raised_late = desk
        .change_priority(late.id, Priority::High)
        .await
        .unwrap()
        .case
        .value;
    assert_eq!(
        raised_late.milestones.resolution.due,
        late.created_at + TimeDelta::hours(2)
    );
}

#[test]
fn bad_policy_lists_are_refused() {
    let v = emea(1, 8, 4);
    assert!(
        SlaPolicies::new(vec![v.clone(), v.clone()]).is_err(),
        "same version twice"
    );
    let backwards = v
        .clone()
        .effective_from(t("2026-06-01T00:00:00Z"))
        .expires_at(t("2026-05-01T00:00:00Z"));
    assert!(SlaPolicies::new(vec![backwards]).is_err());
    let json =
        serde_json::to_string(&SlaPolicies::new(vec![v.clone(), emea(2, 6, 2)]).unwrap()).unwrap();
    let back: SlaPolicies = serde_json::from_str(&json).unwrap();
    assert_eq!(back.versions().len(), 2);
    let dup = format!("[{0},{0}]", serde_json::to_string(&v).unwrap());
    assert!(
        serde_json::from_str::<SlaPolicies>(&dup).is_err(),
        "validated on load"
    );
}

proptest! {
    /// Law: the chosen version is the first in list order that is in effect
    /// and matches; nothing earlier in the list could have been chosen.
    #[test]
    fn selection_is_first_match_in_order(
        windows in prop::collection::vec((0i64..10, 1i64..10, any::<bool>(), any::<bool>()), 1..8),
        at in 0i64..20,
        high in any::<bool>(),
    ) {
        use hotcrm_support::sla::PolicyFacts;
        let base = t("2026-01-01T00:00:00Z");
        let versions: Vec<PolicyVersion> = windows
            .iter()
            .enumerate()
            .map(|(i, (from, len, only_high, emea_only))| {
                let mut c = PolicyConditions::default();
                if *only_high { c = c.priorities([Priority::High]); }
                if *emea_only { c = c.regions(["EMEA"]); }
                PolicyVersion::new("P", i as u32 + 1, SlaPolicy::default())
                    .unwrap()
                    .when(c)
                    .effective_from(base + TimeDelta::days(*from))
                    .expires_at(base + TimeDelta::days(from + len))
            })
            .collect();
        let set = SlaPolicies::new(versions.clone()).unwrap();
        let at = base + TimeDelta::days(at);
        let facts = PolicyFacts::new(US, if high { Priority::High } else { Priority::Low });
        let chosen = set.select(&facts, at);
        let expected = versions.iter().find(|v| v.is_effective(at) && v.conditions.matches(&facts));
        prop_assert_eq!(chosen, expected);
        if let Some(c) = chosen {
            for v in versions.iter().take_while(|v| v.version != c.version) {
                prop_assert!(!(v.is_effective(at) && v.conditions.matches(&facts)));
            }
        }
    }
}

#[tokio::test]
async fn a_policy_s_own_hours_win_over_the_account_s() {
    use chrono::NaiveTime;
    use hotcrm_support::calendar::BusinessHours;
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let london = BusinessHours::builder(chrono_tz::Europe::London)
        .weekdays(hm(9, 0), hm(17, 0))
        .build()
        .unwrap();
    let repo = Arc::new(MemoryRepository::new());
    repo.put_account(
        &Account::new(EMEA, "Acme Ltd")
            .with_region("EMEA")
            .with_business_hours(london),
        None,
    )
    .await
    .unwrap();
    // Friday 16:00 in London, on business-hours targets of 4 h.
    let clock = ManualClock::new(t("2026-03-06T16:00:00Z"));
    let business = |name: &str| {
        let policy = SlaPolicy::default()
            .with_targets(
                SlaTier::Standard,
                Targets::new(Target::hours(1), Target::hours(4), Coverage::BusinessHours),
            )
            .unwrap();
        PolicyVersion::new(name, 1, policy)
            .unwrap()
            .when(PolicyConditions::default().regions(["EMEA"]))
    };
    let request =
        || CaseRequest::new(EMEA, "Portal slow", "Pages take 10 s").priority(Priority::Medium);
    // Without its own hours the policy runs on the account's calendar: Monday.
    let on_account = desk(
        &repo,
        &clock,
        SlaPolicies::new(vec![business("Office")]).unwrap(),
    )
    .create_case(request())
    .await
    .unwrap()
    .case
    .value;
    assert_eq!(
        on_account.milestones.resolution.due,
        t("2026-03-09T12:00:00Z")
    );
    // With round-the-clock hours of its own: four hours later, Friday 20:00.
    let own = SlaPolicies::new(vec![
        business("Follow the sun").with_hours(BusinessHours::always_open()),
    ])
    .unwrap();
    let on_own = desk(&repo, &clock, own)
        .create_case(request())
        .await
        .unwrap()
        .case
        .value;
    assert_eq!(on_own.milestones.resolution.due, t("2026-03-06T20:00:00Z"));
}
