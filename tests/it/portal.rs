//! The customer portal and the community: the permission table, the account
//! boundary on every read path (property-tested), voting, ranking and
//! moderation rules.

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;

use hotcrm_support::case::{Author, NewComment, Priority, Visibility};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{PortalCaseRequest, SupportDesk};
use hotcrm_support::ids::{
    AccountId, AgentId, CaseId, CommentId, ContactId, PortalUserId, PostId, TopicId,
};
use hotcrm_support::knowledge::{ArticleDraft, PortalTier, Visibility as ArticleVisibility};
use hotcrm_support::period::Period;
use hotcrm_support::portal::*;
use hotcrm_support::repo::{Account, Contact, MemoryRepository, Repository};
use hotcrm_support::{Error, Result};

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

const ACCOUNTS: u128 = 3;
const CONTACTS_PER_ACCOUNT: u128 = 3;

fn contact_id(account: u128, n: u128) -> ContactId {
    ContactId::from_u128(1000 + account * 10 + n)
}

/// Three accounts with three contacts each.
async fn desk() -> (SupportDesk, ManualClock) {
    let repo = MemoryRepository::new();
    for a in 0..ACCOUNTS {
        repo.put_account(
            &Account::new(AccountId::from_u128(a), format!("Account {a}")),
            None,
        )
        .await
        .unwrap();
        for c in 0..CONTACTS_PER_ACCOUNT {
            let contact = Contact::new(
                contact_id(a, c),
                AccountId::from_u128(a),
                format!("Person {a}.{c}"),
                format!("p{a}{c}@example.test"),
            );
            repo.put_contact(&contact, None).await.unwrap();
        }
    }
    let clock = ManualClock::new(utc("2026-03-02T10:00:00Z"));
    let desk = SupportDesk::builder(repo).clock(clock.clone()).build();
    (desk, clock)
}

fn user(n: u128, account: u128, contact: u128, tier: PortalTier) -> PortalUser {
    PortalUser::new(
        PortalUserId::from_u128(n),
        contact_id(account, contact),
        AccountId::from_u128(account),
        tier,
        utc("2026-01-01T00:00:00Z"),
    )
    .activated()
}

#[test]
fn the_default_table_grants_each_permission_to_the_documented_tiers() {
    use Permission::*;
    let table = PermissionTable::default();
    let expected: &[(Permission, [bool; 3])] = &[
        (SubmitCases, [true, true, true]),
        (ViewOwnCases, [true, true, true]),
        (ViewAccountCases, [false, false, true]),
        (AddComments, [true, true, true]),
        (CloseOwnCases, [false, true, true]),
        (AttachFiles, [false, true, true]),
        (SeePortalArticles, [true, true, true]),
        (PostInCommunity, [true, true, true]),
    ];
    assert_eq!(expected.len(), Permission::ALL.len());
    for (permission, grants) in expected {
        for (tier, granted) in PortalTier::ALL.iter().zip(grants) {
            assert_eq!(
                table.grants(*tier, *permission),
                *granted,
                "{tier} / {permission}"
            );
            let u = user(1, 0, 0, *tier);
            let effective = *granted;
            assert_eq!(
                u.may(*permission, &table),
                effective,
                "{tier} / {permission}"
            );
        }
    }
    let priorities = |t| {
        Priority::ALL
            .iter()
            .filter(|p| table.allows_priority(t, **p))
            .copied()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        priorities(PortalTier::Basic),
        [Priority::Medium, Priority::Low]
    );
    assert_eq!(
        priorities(PortalTier::Premium),
        [Priority::High, Priority::Medium, Priority::Low]
    );
    assert_eq!(priorities(PortalTier::Enterprise), Priority::ALL);
    // Inactive users may do nothing, whatever the tier.
    for status in [PortalStatus::Invited, PortalStatus::Suspended] {
        let mut u = user(1, 0, 0, PortalTier::Enterprise);
        u.status = status;
        assert!(Permission::ALL.iter().all(|p| !u.may(*p, &table)));
    }
    // The account-admin flag grants the account's cases and nothing else.
    let admin = user(1, 0, 0, PortalTier::Basic).account_admin();
    assert!(admin.may(ViewAccountCases, &table));
    assert!(!admin.may(CloseOwnCases, &table));
}

#[tokio::test]
async fn a_host_table_overrides_the_defaults() {
    let repo = MemoryRepository::new();
    repo.put_account(&Account::new(AccountId::from_u128(0), "A"), None)
        .await
        .unwrap();
    repo.put_contact(
        &Contact::new(
            contact_id(0, 0),
            AccountId::from_u128(0),
            "P",
            "p@example.test",
        ),
        None,
    )
    .await
    .unwrap();
    let mut config = hotcrm_support::desk::DeskConfig::default();
    config.portal.permissions = PermissionTable::default().with_tier(
        PortalTier::Basic,
        TierPermissions::new([Permission::ViewOwnCases], [Priority::Low]),
    );
    let desk = SupportDesk::builder(repo).config(config).build();
    let basic = user(1, 0, 0, PortalTier::Basic);
    let err = desk
        .portal_submit_case(&basic, PortalCaseRequest::new("S", "D"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Forbidden {
                action: "portal_submit_case",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        desk.repository()
            .scan_cases(&Default::default(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn submitting_checks_tier_priority_and_status_and_changes_nothing_when_refused() {
    let (desk, _) = desk().await;
    let basic = user(1, 0, 0, PortalTier::Basic);
    for p in [Priority::Critical, Priority::High] {
        let err = desk
            .portal_submit_case(
                &basic,
                PortalCaseRequest::new("Down", "All down").priority(p),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Forbidden { .. }), "{err}");
    }
    let mut suspended = user(2, 0, 1, PortalTier::Enterprise);
    suspended.status = PortalStatus::Suspended;
    assert!(matches!(
        desk.portal_submit_case(&suspended, PortalCaseRequest::new("S", "D"))
            .await,
        Err(Error::Forbidden { .. })
    ));
    assert!(desk.events_after(0, 10).await.unwrap().is_empty());
    // Allowed: the case carries the user's account and contact, origin Web.
    let id = CaseId::from_u128(77);
    let view = desk
        .portal_submit_case(
            &basic,
            PortalCaseRequest::new("Export fails", "CSV stops")
                .priority(Priority::Low)
                .id(id),
        )
        .await
        .unwrap();
    assert!(view.reported_by_you);
    let stored = desk.case(id).await.unwrap().value;
    assert_eq!(
        (stored.account, stored.contact),
        (basic.account, Some(basic.contact))
    );
    assert_eq!(stored.origin, hotcrm_support::case::Origin::Web);
    assert_eq!(stored.priority, Priority::Low);
    // A double submit with the same id is a no-op.
    let events = desk.events_after(0, 100).await.unwrap().len();
    desk.portal_submit_case(
        &basic,
        PortalCaseRequest::new("Export fails", "CSV stops")
            .priority(Priority::Low)
            .id(id),
    )
    .await
    .unwrap();
    assert_eq!(desk.events_after(0, 100).await.unwrap().len(), events);
}

#[tokio::test]
async fn the_account_boundary_and_own_cases() {
    let (desk, _) = desk().await;
    let ann = user(1, 0, 0, PortalTier::Premium);
    let bob = user(2, 0, 1, PortalTier::Premium); // Ann's colleague
    let eve = user(3, 1, 0, PortalTier::Enterprise); // another account
    let boss = user(4, 0, 2, PortalTier::Basic).account_admin();
    let a = desk
        .portal_submit_case(&ann, PortalCaseRequest::new("Ann's", "d"))
        .await
        .unwrap()
        .id;
    let b = desk
        .portal_submit_case(&bob, PortalCaseRequest::new("Bob's", "d"))
        .await
        .unwrap()
        .id;
    // Ann sees her case only; Bob's is "not found" to her, not "forbidden".
    assert!(desk.portal_case(&ann, a).await.is_ok());
    assert!(matches!(
        desk.portal_case(&ann, b).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        desk.portal_case(&eve, a).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        desk.portal_cases(&ann, hotcrm_support::case::Page::first(10))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        desk.portal_cases(&eve, hotcrm_support::case::Page::first(10))
            .await
            .unwrap()
            .total,
        0
    );
    // The account admin sees both, newest first.
    let all = desk
        .portal_cases(&boss, hotcrm_support::case::Page::first(10))
        .await
        .unwrap();
    assert_eq!(all.items.iter().map(|c| c.id).collect::<Vec<_>>().len(), 2);
    assert!(!all.items.iter().any(|c| c.reported_by_you));
    // Commenting and closing stay inside the boundary.
    assert!(matches!(
        desk.portal_comment(&eve, a, CommentId::from_u128(1), "hi")
            .await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        desk.portal_close(&boss, a).await,
        Err(Error::Forbidden { .. })
    )); // Basic
    let closed = desk.portal_close(&ann, a).await.unwrap();
    assert_eq!(closed.status, hotcrm_support::case::CaseStatus::Closed);
    // Closing again is a no-op.
    let events = desk.events_after(0, 100).await.unwrap().len();
    desk.portal_close(&ann, a).await.unwrap();
    assert_eq!(desk.events_after(0, 100).await.unwrap().len(), events);
}

#[tokio::test]
async fn portal_comments_are_customer_replies_and_internal_notes_stay_hidden() {
    let (desk, _) = desk().await;
    let ann = user(1, 0, 0, PortalTier::Basic);
    let id = desk
        .portal_submit_case(&ann, PortalCaseRequest::new("VPN", "drops"))
        .await
        .unwrap()
        .id;
    let agent = AgentId::from_u128(9);
    desk.add_comment(
        id,
        NewComment::internal(
            CommentId::from_u128(1),
            agent,
            "SECRET customer is on the old build",
        ),
    )
    .await
    .unwrap();
    desk.add_comment(
        id,
        NewComment::public(
            CommentId::from_u128(2),
            Author::Agent(agent),
            "Please update.",
        ),
    )
    .await
    .unwrap();
    let view = desk
        .portal_comment(&ann, id, CommentId::from_u128(3), "Updated, still drops")
        .await
        .unwrap();
    let bodies: Vec<(&str, PortalAuthor)> = view
        .comments
        .iter()
        .map(|c| (c.body.as_str(), c.author))
        .collect();
    assert_eq!(
        bodies,
        [
            ("Please update.", PortalAuthor::Support),
            ("Updated, still drops", PortalAuthor::You)
        ]
    );
    let stored = desk.case(id).await.unwrap().value;
    let last = stored.comments.last().unwrap();
    assert_eq!(last.author, Author::Customer(Some(ann.contact)));
    assert_eq!(last.visibility, Visibility::Public);
}

#[tokio::test]
async fn deflection_offers_visible_articles_and_counts_who_submitted_anyway() {
    let (desk, clock) = desk().await;
    let now = hotcrm_support::clock::Clock::now(&clock);
    desk.with_knowledge_mut(|kb| -> Result<()> {
        for (title, vis) in [
            ("Export contacts to CSV", ArticleVisibility::Public),
            (
                "Internal: CSV export bug workaround",
                ArticleVisibility::Internal,
            ),
        ] {
            let id = kb.create(
                ArticleDraft::new(title, "Open Contacts, click Export to CSV.")
                    .summary("Export as CSV.")
                    .visibility(vis),
                now,
            )?;
            kb.submit_for_review(id, AgentId::from_u128(1), now)?;
            kb.publish(id, AgentId::from_u128(2), now)?;
        }
        Ok(())
    })
    .unwrap();
    let ann = user(1, 0, 0, PortalTier::Basic);
    let first = desk.portal_suggest(&ann, "export csv").await.unwrap();
    assert_eq!(
        first.articles.len(),
        1,
        "the internal article is never offered"
    );
    let second = desk.portal_suggest(&ann, "csv export").await.unwrap();
    desk.portal_submit_case(
        &ann,
        PortalCaseRequest::new("csv export", "still fails").after_offer(second.id),
    )
    .await
    .unwrap();
    let period = Period::new(now - TimeDelta::hours(1), now + TimeDelta::hours(1)).unwrap();
    let report = desk.deflection_report(period).await.unwrap();
    assert_eq!(
        (report.offers, report.submitted, report.deflected()),
        (2, 1, 1)
    );
    assert_eq!(report.deflection_rate(), Some(0.5));
    let offers = desk
        .deflection_offers(Some(AccountId::from_u128(0)))
        .await
        .unwrap();
    let followed = offers.iter().find(|o| o.id == second.id).unwrap();
    assert!(followed.submitted.is_some());
    assert!(
        offers
            .iter()
            .any(|o| o.id == first.id && o.submitted.is_none())
    );
    // Another account has no offers.
    assert!(
        desk.deflection_offers(Some(AccountId::from_u128(1)))
            .await
            .unwrap()
            .is_empty()
    );
}

/// A fresh desk over the same repository (a restart, or a second process)
/// reports the offers of the first.
#[tokio::test]
async fn deflection_offers_survive_a_restart_and_count_every_desk() {
    let (desk, clock) = desk().await;
    let now = hotcrm_support::clock::Clock::now(&clock);
    let ann = user(1, 0, 0, PortalTier::Basic);
    let offer = desk.portal_suggest(&ann, "vpn drops").await.unwrap();
    let second = SupportDesk::builder(desk.repository().clone())
        .clock(clock.clone())
        .build();
    second
        .portal_submit_case(
            &ann,
            PortalCaseRequest::new("vpn drops", "every hour").after_offer(offer.id),
        )
        .await
        .unwrap();
    second.portal_suggest(&ann, "printer").await.unwrap();
    let period = Period::new(now - TimeDelta::hours(1), now + TimeDelta::hours(1)).unwrap();
    let report = desk.deflection_report(period).await.unwrap();
    // An empty knowledge base: both offers showed nothing, one was followed.
    assert_eq!((report.empty_offers, report.empty_submitted), (2, 1));
    assert_eq!(report.offers, 0);
    assert_eq!(report.deflection_rate(), None);
}

/// The offer is marked in the case's own commit: when that commit fails,
/// neither the case nor the mark is stored; another user's offer is refused
/// before anything is written.
#[tokio::test]
async fn the_offer_mark_is_part_of_the_case_commit() {
    let repo = super::desk_consistency::FaultyRepository::failing([3]);
    repo.put_account(&Account::new(AccountId::from_u128(0), "A"), None)
        .await
        .unwrap();
    repo.put_contact(
        &Contact::new(contact_id(0, 0), AccountId::from_u128(0), "Ann", "a@x.test"),
        None,
    )
    .await
    .unwrap();
    repo.put_contact(
        &Contact::new(contact_id(0, 1), AccountId::from_u128(0), "Bob", "b@x.test"),
        None,
    )
    .await
    .unwrap();
    let clock = ManualClock::new(utc("2026-03-02T10:00:00Z"));
    let desk = SupportDesk::builder(repo).clock(clock).build();
    let ann = user(1, 0, 0, PortalTier::Basic);
    let bob = user(2, 0, 1, PortalTier::Basic);
    // Commits: 1 = the offer, 2 = bob's offer, 3 = the case (fails).
    let offer = desk.portal_suggest(&ann, "vpn").await.unwrap();
    desk.portal_suggest(&bob, "vpn").await.unwrap();
    let id = CaseId::from_u128(77);
    let err = desk
        .portal_submit_case(
            &ann,
            PortalCaseRequest::new("vpn", "drops")
                .id(id)
                .after_offer(offer.id),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
    assert!(desk.repository().get_case(id).await.is_err());
    let stored = desk.deflection_offers(None).await.unwrap();
    assert!(stored.iter().all(|o| o.submitted.is_none()));
    // Bob may not claim Ann's offer.
    let err = desk
        .portal_submit_case(
            &bob,
            PortalCaseRequest::new("vpn", "drops")
                .id(id)
                .after_offer(offer.id),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    assert!(desk.repository().get_case(id).await.is_err());
    // Ann's retry commits the case and the mark together.
    desk.portal_submit_case(
        &ann,
        PortalCaseRequest::new("vpn", "drops")
            .id(id)
            .after_offer(offer.id),
    )
    .await
    .unwrap();
    let stored = desk.deflection_offers(None).await.unwrap();
    let marked = stored.iter().find(|o| o.id == offer.id).unwrap();
    assert_eq!(marked.submitted, Some(id));
}

/// Portal calls read the stored user: a suspension through one desk refuses
/// the stale copy a host still holds, on every desk.
#[tokio::test]
async fn a_suspended_user_is_refused_even_with_a_stale_active_copy() {
    let (desk, clock) = desk().await;
    let ann = user(1, 0, 0, PortalTier::Premium);
    desk.register_portal_user(ann.clone()).await.unwrap();
    let view = desk
        .portal_submit_case(&ann, PortalCaseRequest::new("Login", "fails"))
        .await
        .unwrap();
    let other = SupportDesk::builder(desk.repository().clone())
        .clock(clock)
        .build();
    let suspended = other
        .update_portal_user(ann.id, PortalUserChange::Suspend)
        .await
        .unwrap();
    assert_eq!(suspended.value.status, PortalStatus::Suspended);
    assert_eq!(suspended.version, 2);
    let forbidden = |r: Result<PortalCaseView>| matches!(r, Err(Error::Forbidden { .. }));
    assert!(forbidden(
        desk.portal_submit_case(&ann, PortalCaseRequest::new("Again", "x"))
            .await
    ));
    assert!(forbidden(desk.portal_case(&ann, view.id).await));
    assert!(forbidden(
        desk.portal_comment(&ann, view.id, CommentId::from_u128(5), "hello")
            .await
    ));
    assert!(forbidden(desk.portal_close(&ann, view.id).await));
    assert!(matches!(
        desk.portal_cases(&ann, hotcrm_support::case::Page::first(10))
            .await,
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        desk.portal_suggest(&ann, "login").await,
        Err(Error::Forbidden { .. })
    ));
    // Lifting the suspension lets the stale copy work again; a tier change
    // through the desk applies too (Basic may not close cases).
    desk.update_portal_user(ann.id, PortalUserChange::Activate)
        .await
        .unwrap();
    desk.update_portal_user(ann.id, PortalUserChange::Tier(PortalTier::Basic))
        .await
        .unwrap();
    assert!(desk.portal_case(&ann, view.id).await.is_ok());
    assert!(forbidden(desk.portal_close(&ann, view.id).await));
    // Unknown users cannot be updated.
    assert!(matches!(
        desk.update_portal_user(PortalUserId::from_u128(99), PortalUserChange::Suspend)
            .await,
        Err(Error::NotFound { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever the users, cases and comments, no read path shows a portal
    /// user an internal comment, another account's case or a colleague's case
    /// without the account permission.
    #[test]
    fn no_read_path_leaks(
        cases in prop::collection::vec((0..ACCOUNTS, 0..CONTACTS_PER_ACCOUNT, prop::collection::vec(any::<bool>(), 0..4)), 1..8),
        users in prop::collection::vec((0..ACCOUNTS, 0..CONTACTS_PER_ACCOUNT, 0..3usize, any::<bool>(), 0..3usize), 1..5),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let (desk, _) = desk().await;
            let agent = AgentId::from_u128(9);
            let mut ids = Vec::new();
            for (n, (account, contact, comments)) in cases.iter().enumerate() {
                let owner = user(500 + n as u128, *account, *contact, PortalTier::Enterprise);
                let id = CaseId::from_u128(100 + n as u128);
                desk.portal_submit_case(&owner, PortalCaseRequest::new(format!("case {n}"), "d").id(id)).await.unwrap();
                for (k, internal) in comments.iter().enumerate() {
                    let cid = CommentId::from_u128((n * 10 + k) as u128 + 1);
                    let c = if *internal {
                        NewComment::internal(cid, agent, format!("INTERNAL {n}.{k}"))
                    } else {
                        NewComment::public(cid, Author::Agent(agent), format!("public {n}.{k}"))
                    };
                    desk.add_comment(id, c).await.unwrap();
                }
                ids.push((id, *account, *contact));
            }
            let table = PermissionTable::default();
            for (n, (account, contact, tier, admin, status)) in users.iter().enumerate() {
                let mut u = user(n as u128 + 1, *account, *contact, PortalTier::ALL[*tier]);
                if *admin { u = u.account_admin(); }
                u.status = [PortalStatus::Active, PortalStatus::Invited, PortalStatus::Suspended][*status];
                let may_all = u.may(Permission::ViewAccountCases, &table);
                let may_own = u.may(Permission::ViewOwnCases, &table);
                let expect_visible = |acc: u128, con: u128| acc == *account && (may_all || (may_own && con == *contact));
                let listed = desk.portal_cases(&u, hotcrm_support::case::Page::first(100)).await;
                let mut seen = Vec::new();
                if let Ok(page) = &listed {
                    seen.extend(page.items.iter().cloned());
                } else {
                    prop_assert!(!may_own && !may_all);
                }
                for (id, acc, con) in &ids {
                    match desk.portal_case(&u, *id).await {
                        Ok(view) => { prop_assert!(expect_visible(*acc, *con)); seen.push(view); }
                        Err(_) => prop_assert!(!expect_visible(*acc, *con)),
                    }
                    let listed_it = listed.as_ref().map(|p| p.items.iter().any(|v| v.id == *id)).unwrap_or(false);
                    prop_assert_eq!(listed_it, expect_visible(*acc, *con));
                }
                for view in &seen {
                    prop_assert!(view.comments.iter().all(|c| !c.body.starts_with("INTERNAL")));
                    let json = serde_json::to_string(view).unwrap();
                    prop_assert!(!json.contains("INTERNAL"));
                    prop_assert!(!json.contains("sla") && !json.contains("owner") && !json.contains("queue"));
                }
            }
            Ok(())
        })?;
    }
}

// ---- community ----

fn member(n: u128) -> ForumAuthor {
    ForumAuthor::User(PortalUserId::from_u128(n))
}

fn post(n: u128, body: &str) -> ForumPost {
    ForumPost::new(
        PostId::from_u128(n),
        TopicId::from_u128(1),
        member(1),
        body,
        utc("2026-03-02T10:00:00Z"),
    )
    .unwrap()
}

#[test]
fn wilson_vectors_and_ranking() {
    // Reference values of the 95% Wilson lower bound.
    for (up, n, want) in [
        (0, 0, 0.0),
        (1, 1, 0.2065),
        (10, 11, 0.6228),
        (40, 60, 0.5406),
        (0, 5, 0.0),
        (5, 5, 0.5655),
        (50, 100, 0.4038),
    ] {
        let got = wilson_lower_bound(up, n);
        assert!((got - want).abs() < 5e-4, "{up}/{n}: {got} vs {want}");
    }
    let now = utc("2026-03-02T10:00:00Z");
    let mut few = post(1, "few");
    let mut many = post(2, "many");
    for v in 0..11u128 {
        few.vote(
            member(100 + v),
            if v < 10 {
                Vote::Helpful
            } else {
                Vote::NotHelpful
            },
            now,
        )
        .unwrap();
    }
    for v in 0..60u128 {
        many.vote(
            member(200 + v),
            if v < 40 {
                Vote::Helpful
            } else {
                Vote::NotHelpful
            },
            now,
        )
        .unwrap();
    }
    let unvoted = post(3, "none");
    let posts = [many.clone(), unvoted.clone(), few.clone()];
    let ids = |accepted| {
        posts_for_reader(&posts, accepted, Reader::Guest)
            .iter()
            .map(|p| p.id.as_uuid().as_u128())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(None), [1, 2, 3]);
    assert_eq!(
        ids(Some(PostId::from_u128(3))),
        [3, 1, 2],
        "the accepted answer first"
    );
}

#[test]
fn one_vote_per_member_changeable_never_twice() {
    let now = utc("2026-03-02T10:00:00Z");
    let mut p = post(1, "answer");
    assert!(p.vote(member(2), Vote::Helpful, now).unwrap());
    assert!(!p.vote(member(2), Vote::Helpful, now).unwrap());
    assert!(p.vote(member(2), Vote::NotHelpful, now).unwrap());
    assert_eq!((p.helpful(), p.not_helpful()), (0, 1));
    assert!(matches!(
        p.vote(member(1), Vote::Helpful, now),
        Err(Error::NotAllowed { .. })
    ));
    assert!(p.unvote(member(2)));
    assert_eq!((p.helpful(), p.not_helpful()), (0, 0));
    // Serde round trip keeps votes; a stored self-vote is refused on load.
    p.vote(member(3), Vote::Helpful, now).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<ForumPost>(&json).unwrap(), p);
    let bad = json.replace(
        &PortalUserId::from_u128(3).to_string(),
        &PortalUserId::from_u128(1).to_string(),
    );
    assert!(serde_json::from_str::<ForumPost>(&bad).is_err());
}

proptest! {
    /// Any sequence of votes counts each voter once, with its last vote.
    #[test]
    fn votes_count_each_voter_once(votes in prop::collection::vec((2..8u128, any::<bool>()), 0..40)) {
        let now = utc("2026-03-02T10:00:00Z");
        let mut p = post(1, "answer");
        let mut last = std::collections::BTreeMap::new();
        for (voter, helpful) in &votes {
            let v = if *helpful { Vote::Helpful } else { Vote::NotHelpful };
            p.vote(member(*voter), v, now).unwrap();
            last.insert(*voter, *helpful);
        }
        prop_assert_eq!(p.helpful(), last.values().filter(|h| **h).count() as u64);
        prop_assert_eq!(p.helpful() + p.not_helpful(), last.len() as u64);
        let q = p.quality();
        prop_assert!((0.0..=1.0).contains(&q));
    }

    /// The Wilson bound lies in [0, share] and grows with more positive votes.
    #[test]
    fn wilson_bound_laws(up in 0u64..500, down in 0u64..500) {
        let n = up + down;
        let w = wilson_lower_bound(up, n);
        prop_assert!(w >= 0.0);
        if n > 0 { prop_assert!(w <= up as f64 / n as f64 + 1e-12); }
        prop_assert!(wilson_lower_bound(up + 1, n + 1) >= w - 1e-12);
    }
}

#[test]
fn edits_keep_history() {
    let now = utc("2026-03-02T10:00:00Z");
    let mut p = post(1, "v1");
    assert!(p.edit(member(1), "v2", now).unwrap());
    assert!(!p.edit(member(1), "v2", now).unwrap());
    assert!(p.edit(member(1), "   ", now).is_err());
    assert_eq!(p.body, "v2");
    assert_eq!(
        p.edits
            .iter()
            .map(|e| e.previous.as_str())
            .collect::<Vec<_>>(),
        ["v1"]
    );
}

#[test]
fn trust_levels_follow_the_thresholds() {
    let rules = TrustRules::default();
    let at = |days, posts, helpful| Activity {
        days_since_joined: days,
        visible_posts: posts,
        helpful_votes_received: helpful,
        posts_removed: 0,
    };
    assert_eq!(rules.level(&at(0, 5, 5)), TrustLevel::New);
    assert_eq!(rules.level(&at(1, 1, 0)), TrustLevel::Basic);
    assert_eq!(rules.level(&at(15, 3, 0)), TrustLevel::Basic);
    assert_eq!(rules.level(&at(15, 3, 1)), TrustLevel::Member);
    assert_eq!(rules.level(&at(50, 20, 10)), TrustLevel::Regular);
    assert_eq!(
        rules.level(&Activity {
            posts_removed: 3,
            ..at(500, 500, 500)
        }),
        TrustLevel::New
    );
}

#[test]
fn screening_links_words_duplicates_and_rates() {
    let now = utc("2026-03-02T10:00:00Z");
    let rules = ModerationRules::default()
        .with_blocked_words(["casino"])
        .with_review_words(["refund"]);
    let screen = |body: &str, level, recent: &[RecentPost]| rules.screen(body, level, now, recent);
    // Links: New members are held on any link, Basic above five, Member never.
    let six = "a http://a.test b https://b.test c www.c.test d http://d.test e http://e.test f http://f.test";
    assert_eq!(
        screen("see www.example.test", TrustLevel::New, &[])
            .unwrap()
            .status,
        PostStatus::PendingModeration
    );
    assert_eq!(
        screen("see www.example.test", TrustLevel::Basic, &[])
            .unwrap()
            .status,
        PostStatus::Visible
    );
    assert_eq!(
        screen(six, TrustLevel::Basic, &[]).unwrap().status,
        PostStatus::PendingModeration
    );
    assert_eq!(
        screen(six, TrustLevel::Member, &[]).unwrap().status,
        PostStatus::Visible
    );
    // Words: blocked refuses, watched holds (whole words, any case).
    assert!(matches!(
        screen("Best CASINO bonus", TrustLevel::Leader, &[]),
        Err(Error::NotAllowed { .. })
    ));
    assert_eq!(
        screen("casinos are fine", TrustLevel::Member, &[])
            .unwrap()
            .status,
        PostStatus::Visible
    );
    let held = screen("I want a Refund", TrustLevel::Member, &[]).unwrap();
    assert_eq!(held.status, PostStatus::PendingModeration);
    assert_eq!(held.reasons.len(), 1);
    // Duplicates: own within the window refused; someone else's (long) held.
    let text = "Try clearing the cache and restarting the client app.";
    let mine = RecentPost {
        at: now - TimeDelta::hours(2),
        body: text.to_uppercase(),
        by_author: true,
    };
    assert!(matches!(
        screen(text, TrustLevel::Member, std::slice::from_ref(&mine)),
        Err(Error::NotAllowed { .. })
    ));
    let old = RecentPost {
        at: now - TimeDelta::hours(30),
        ..mine.clone()
    };
    assert_eq!(
        screen(text, TrustLevel::Member, &[old]).unwrap().status,
        PostStatus::Visible
    );
    let theirs = RecentPost {
        by_author: false,
        ..mine
    };
    assert_eq!(
        screen(text, TrustLevel::Member, &[theirs]).unwrap().status,
        PostStatus::PendingModeration
    );
    // Rate: 30 s between posts for New members, 5 s for others; 10 a day for New.
    let just = RecentPost {
        at: now - TimeDelta::seconds(10),
        body: "earlier".into(),
        by_author: true,
    };
    assert!(matches!(
        screen("new text", TrustLevel::New, std::slice::from_ref(&just)),
        Err(Error::NotAllowed { .. })
    ));
    assert_eq!(
        screen("new text", TrustLevel::Basic, &[just])
            .unwrap()
            .status,
        PostStatus::Visible
    );
    let day: Vec<RecentPost> = (0..10)
        .map(|i| RecentPost {
            at: now - TimeDelta::hours(i + 1),
            body: format!("post {i}"),
            by_author: true,
        })
        .collect();
    assert!(matches!(
        screen("eleventh", TrustLevel::New, &day),
        Err(Error::NotAllowed { .. })
    ));
    assert!(screen("eleventh", TrustLevel::Basic, &day).is_ok());
}

#[test]
fn flags_from_distinct_trusted_members_hide_a_post() {
    let rules = ModerationRules::default();
    let mut p = post(1, "buy followers");
    // New members' flags never hide; a repeated flag counts once.
    for n in 10..20 {
        flag_post(&mut p, member(n), TrustLevel::New, &rules).unwrap();
    }
    assert_eq!(p.status, PostStatus::Visible);
    assert_eq!(
        flag_post(&mut p, member(2), TrustLevel::Basic, &rules).unwrap(),
        FlagOutcome::Recorded
    );
    assert_eq!(
        flag_post(&mut p, member(2), TrustLevel::Basic, &rules).unwrap(),
        FlagOutcome::Unchanged
    );
    assert_eq!(
        flag_post(&mut p, member(3), TrustLevel::Member, &rules).unwrap(),
        FlagOutcome::Recorded
    );
    assert!(
        flag_post(&mut p, member(1), TrustLevel::Leader, &rules).is_err(),
        "own post"
    );
    assert_eq!(
        flag_post(
            &mut p,
            ForumAuthor::Agent(AgentId::from_u128(1)),
            TrustLevel::New,
            &rules
        )
        .unwrap(),
        FlagOutcome::Hidden,
        "agents count as trusted"
    );
    assert_eq!(p.status, PostStatus::Hidden);
    assert!(
        !p.visible_to(Reader::Guest)
            && !p.visible_to(Reader::Member(member(1)))
            && p.visible_to(Reader::Moderator)
    );
}

fn m(topic: &mut ForumTopic, posts: &mut [ForumPost], action: ModeratorAction) -> Result<bool> {
    moderate(
        topic,
        posts,
        action,
        AgentId::from_u128(77),
        utc("2026-03-02T11:00:00Z"),
    )
    .map(|e| e.is_some())
}

#[test]
fn moderator_actions_are_idempotent_and_keep_counters() {
    let now = utc("2026-03-02T10:00:00Z");
    let mut topic = ForumTopic::new(
        TopicId::from_u128(1),
        "VPN",
        "Drops",
        "body",
        member(1),
        now,
    )
    .unwrap();
    let mut posts = vec![post(1, "a"), post(2, "b")];
    posts[1].status = PostStatus::PendingModeration;
    topic.reply_count = 1;
    assert!(
        m(
            &mut topic,
            &mut posts,
            ModeratorAction::Approve(PostId::from_u128(2))
        )
        .unwrap()
    );
    assert!(
        !m(
            &mut topic,
            &mut posts,
            ModeratorAction::Approve(PostId::from_u128(2))
        )
        .unwrap()
    );
    assert_eq!(topic.reply_count, 2);
    topic.accepted_answer = Some(PostId::from_u128(1));
    topic.status = TopicStatus::Answered;
    assert!(
        m(
            &mut topic,
            &mut posts,
            ModeratorAction::MarkSpam(PostId::from_u128(1))
        )
        .unwrap()
    );
    assert_eq!(
        (topic.reply_count, topic.accepted_answer, topic.status),
        (1, None, TopicStatus::Open)
    );
    assert!(matches!(
        m(
            &mut topic,
            &mut posts,
            ModeratorAction::Hide(PostId::from_u128(99))
        ),
        Err(Error::NotFound { .. })
    ));
    assert!(m(&mut topic, &mut posts, ModeratorAction::Pin).unwrap());
    assert!(!m(&mut topic, &mut posts, ModeratorAction::Pin).unwrap());
    // Merge: posts move, the topic is locked and points at the target.
    let target = TopicId::from_u128(2);
    assert!(m(&mut topic, &mut posts, ModeratorAction::MergeInto(target)).unwrap());
    assert!(posts.iter().all(|p| p.topic == target));
    assert_eq!(
        (topic.status, topic.merged_into),
        (TopicStatus::Locked, Some(target))
    );
    assert!(!m(&mut topic, &mut posts, ModeratorAction::MergeInto(target)).unwrap());
    assert!(
        m(
            &mut topic,
            &mut posts,
            ModeratorAction::MergeInto(TopicId::from_u128(3))
        )
        .is_err()
    );
    let own = topic.id;
    assert!(m(&mut topic, &mut posts, ModeratorAction::MergeInto(own)).is_err());
    // Every change was logged on the topic, with the posts it touched.
    let log: Vec<ModeratorAction> = topic.moderation.iter().map(|e| e.action).collect();
    assert_eq!(
        log,
        [
            ModeratorAction::Approve(PostId::from_u128(2)),
            ModeratorAction::MarkSpam(PostId::from_u128(1)),
            ModeratorAction::Pin,
            ModeratorAction::MergeInto(target),
        ]
    );
    assert_eq!(topic.moderation[0].posts, [PostId::from_u128(2)]);
    assert_eq!(topic.moderation[3].posts.len(), 2);
}

#[test]
fn topic_sorting() {
    let t = |n: u128, hours: i64| {
        ForumTopic::new(
            TopicId::from_u128(n),
            "VPN",
            format!("t{n}"),
            "body",
            member(1),
            utc("2026-03-01T00:00:00Z") + TimeDelta::hours(hours),
        )
        .unwrap()
    };
    let mut topics = vec![t(1, 1), t(2, 2), t(3, 3), t(4, 4)];
    topics[0].pinned = true;
    topics[2].reply_count = 1;
    topics[3].visibility = PostStatus::PendingModeration;
    let ids = |v: Vec<&ForumTopic>| {
        v.iter()
            .map(|t| t.id.as_uuid().as_u128())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(sort_topics(&topics, &[], TopicSort::Latest, Reader::Guest)),
        [1, 3, 2]
    );
    assert_eq!(
        ids(sort_topics(
            &topics,
            &[],
            TopicSort::Latest,
            Reader::Member(member(1))
        )),
        [1, 4, 3, 2]
    );
    assert_eq!(
        ids(sort_topics(
            &topics,
            &[],
            TopicSort::Unanswered,
            Reader::Guest
        )),
        [1, 2]
    );
    let since = utc("2026-03-01T00:00:00Z");
    let mut voted = ForumPost::new(
        PostId::from_u128(9),
        TopicId::from_u128(2),
        member(5),
        "x",
        since,
    )
    .unwrap();
    voted
        .vote(member(6), Vote::Helpful, since + TimeDelta::hours(1))
        .unwrap();
    assert_eq!(
        ids(sort_topics(
            &topics,
            &[voted.clone()],
            TopicSort::Top { since },
            Reader::Guest
        )),
        [1, 2, 3]
    );
    let later = since + TimeDelta::hours(2);
    assert_eq!(
        ids(sort_topics(
            &topics,
            &[voted],
            TopicSort::Top { since: later },
            Reader::Guest
        )),
        [1, 3, 2]
    );
}

// ---- community through the desk ----

async fn community_desk() -> (SupportDesk, ManualClock, Vec<PortalUser>) {
    let (desk, clock) = desk().await;
    let mut users = Vec::new();
    for n in 0..CONTACTS_PER_ACCOUNT {
        let mut u = user(10 + n, 0, n, PortalTier::Premium);
        // Long-standing members, except the first (a brand-new one).
        if n > 0 {
            u.created_at = utc("2025-01-01T00:00:00Z");
            u.activity = Activity {
                days_since_joined: 0,
                visible_posts: 30,
                helpful_votes_received: 30,
                posts_removed: 0,
            };
        } else {
            u.created_at = utc("2026-03-02T09:00:00Z");
        }
        desk.register_portal_user(u.clone()).await.unwrap();
        users.push(u);
    }
    (desk, clock, users)
}

#[tokio::test]
async fn a_community_thread_through_the_desk() {
    use hotcrm_support::desk::NewTopic;
    let (desk, clock, users) = community_desk().await;
    let newbie = ForumAuthor::User(users[0].id);
    let old = ForumAuthor::User(users[1].id);
    let other = ForumAuthor::User(users[2].id);
    let agent = ForumAuthor::Agent(AgentId::from_u128(1));
    // Registering again is a no-op; a different user with the same id is refused.
    assert_eq!(
        desk.register_portal_user(users[0].clone())
            .await
            .unwrap()
            .version,
        1
    );
    assert!(matches!(
        desk.register_portal_user(users[0].clone().with_locale("de"))
            .await,
        Err(Error::AlreadyExists { .. })
    ));
    let tid = TopicId::from_u128(1);
    let topic = desk
        .create_topic(
            old,
            NewTopic::new(tid, "VPN", "Drops hourly", "Since 5.1").tags(["vpn"]),
        )
        .await
        .unwrap();
    assert_eq!(topic.visibility, PostStatus::Visible);
    // A new member's link is held: seen by the author and moderators only.
    clock.advance(TimeDelta::minutes(1));
    let held = desk
        .reply(
            tid,
            newbie,
            PostId::from_u128(1),
            "fixed by https://example.test/patch",
        )
        .await
        .unwrap();
    assert_eq!(held.status, PostStatus::PendingModeration);
    assert_eq!(
        desk.topic_page(tid, Reader::Guest).await.unwrap().1.len(),
        0
    );
    assert_eq!(
        desk.topic_page(tid, Reader::Member(newbie))
            .await
            .unwrap()
            .1
            .len(),
        1
    );
    assert_eq!(
        desk.topic_page(tid, Reader::Guest)
            .await
            .unwrap()
            .0
            .reply_count,
        0
    );
    // A repeated reply id changes nothing.
    desk.reply(
        tid,
        newbie,
        PostId::from_u128(1),
        "fixed by https://example.test/patch",
    )
    .await
    .unwrap();
    // Approval shows it and counts it.
    desk.moderate_topic(
        tid,
        AgentId::from_u128(1),
        ModeratorAction::Approve(PostId::from_u128(1)),
    )
    .await
    .unwrap();
    clock.advance(TimeDelta::minutes(1));
    desk.reply(tid, other, PostId::from_u128(2), "Update to 5.2")
        .await
        .unwrap();
    let (t, posts) = desk.topic_page(tid, Reader::Guest).await.unwrap();
    assert_eq!((t.reply_count, posts.len()), (2, 2));
    // Votes: one per member, the author's helpful count follows.
    for voter in [old, agent, old] {
        desk.vote_post(PostId::from_u128(2), voter, Vote::Helpful)
            .await
            .unwrap();
    }
    assert!(matches!(
        desk.vote_post(PostId::from_u128(2), other, Vote::Helpful)
            .await,
        Err(Error::NotAllowed { .. })
    ));
    let author = desk.portal_user(users[2].id).await.unwrap().value;
    assert_eq!(author.activity.helpful_votes_received, 30 + 2);
    desk.vote_post(PostId::from_u128(2), old, Vote::NotHelpful)
        .await
        .unwrap();
    assert_eq!(
        desk.portal_user(users[2].id)
            .await
            .unwrap()
            .value
            .activity
            .helpful_votes_received,
        31
    );
    // Accepting: only the topic's author (or an agent); the answer comes first.
    assert!(matches!(
        desk.accept_answer(tid, PostId::from_u128(1), newbie).await,
        Err(Error::Forbidden { .. })
    ));
    let t = desk
        .accept_answer(tid, PostId::from_u128(1), old)
        .await
        .unwrap();
    assert_eq!(
        (t.status, t.accepted_answer),
        (TopicStatus::Answered, Some(PostId::from_u128(1)))
    );
    let (_, posts) = desk.topic_page(tid, Reader::Guest).await.unwrap();
    assert_eq!(posts[0].id, PostId::from_u128(1));
    // Locking stops replies and votes.
    desk.moderate_topic(tid, AgentId::from_u128(1), ModeratorAction::Lock)
        .await
        .unwrap();
    assert!(matches!(
        desk.reply(tid, old, PostId::from_u128(3), "more").await,
        Err(Error::NotAllowed { .. })
    ));
    assert!(matches!(
        desk.vote_post(PostId::from_u128(1), other, Vote::Helpful)
            .await,
        Err(Error::NotAllowed { .. })
    ));
    let listed = desk.topics(TopicSort::Latest, Reader::Guest).await.unwrap();
    assert_eq!(listed.iter().map(|t| t.id).collect::<Vec<_>>(), [tid]);
}

#[tokio::test]
async fn flags_hide_and_spam_counts_against_the_author() {
    use hotcrm_support::desk::NewTopic;
    let (desk, clock, users) = community_desk().await;
    let tid = TopicId::from_u128(1);
    let spammer = ForumAuthor::User(users[0].id);
    desk.create_topic(
        ForumAuthor::User(users[1].id),
        NewTopic::new(tid, "VPN", "Drops", "body"),
    )
    .await
    .unwrap();
    clock.advance(TimeDelta::minutes(1));
    desk.reply(
        tid,
        spammer,
        PostId::from_u128(1),
        "buy cheap followers now",
    )
    .await
    .unwrap();
    // Two trusted members and an agent flag it: hidden, the reply count drops.
    for flagger in [
        ForumAuthor::User(users[1].id),
        ForumAuthor::User(users[2].id),
    ] {
        desk.flag(PostId::from_u128(1), flagger).await.unwrap();
        desk.flag(PostId::from_u128(1), flagger).await.unwrap();
    }
    assert_eq!(
        desk.topic_page(tid, Reader::Guest)
            .await
            .unwrap()
            .0
            .reply_count,
        1
    );
    let p = desk
        .flag(
            PostId::from_u128(1),
            ForumAuthor::Agent(AgentId::from_u128(5)),
        )
        .await
        .unwrap();
    assert_eq!(p.status, PostStatus::Hidden);
    assert_eq!(
        desk.topic_page(tid, Reader::Guest)
            .await
            .unwrap()
            .0
            .reply_count,
        0
    );
    let t = desk
        .moderate_topic(
            tid,
            AgentId::from_u128(1),
            ModeratorAction::MarkSpam(PostId::from_u128(1)),
        )
        .await
        .unwrap();
    assert_eq!(t.reply_count, 0);
    // Hidden → spam is not a new removal of a visible post.
    assert_eq!(
        desk.portal_user(users[0].id)
            .await
            .unwrap()
            .value
            .activity
            .posts_removed,
        0
    );
    // The blocked-word rule refuses and stores nothing.
    let mut config = hotcrm_support::desk::DeskConfig::default();
    config.community.moderation = ModerationRules::default().with_blocked_words(["casino"]);
    let strict = SupportDesk::builder(desk.repository().clone())
        .clock(clock.clone())
        .config(config)
        .build();
    clock.advance(TimeDelta::minutes(5));
    assert!(matches!(
        strict
            .reply(
                tid,
                ForumAuthor::User(users[1].id),
                PostId::from_u128(9),
                "best casino"
            )
            .await,
        Err(Error::NotAllowed { .. })
    ));
    assert!(matches!(
        strict
            .topic_page(tid, Reader::Moderator)
            .await
            .map(|p| p.1.len()),
        Ok(1)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_voters_are_all_counted_once() {
    use hotcrm_support::desk::NewTopic;
    let (desk, clock, users) = community_desk().await;
    let tid = TopicId::from_u128(1);
    desk.create_topic(
        ForumAuthor::User(users[1].id),
        NewTopic::new(tid, "VPN", "Drops", "body"),
    )
    .await
    .unwrap();
    clock.advance(TimeDelta::minutes(1));
    desk.reply(
        tid,
        ForumAuthor::User(users[1].id),
        PostId::from_u128(1),
        "answer",
    )
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for n in 0..16u128 {
        let desk = desk.clone();
        tasks.push(tokio::spawn(async move {
            let voter = ForumAuthor::Agent(AgentId::from_u128(100 + n));
            desk.vote_post(PostId::from_u128(1), voter, Vote::Helpful)
                .await
                .unwrap();
            desk.vote_post(PostId::from_u128(1), voter, Vote::Helpful)
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (_, posts) = desk.topic_page(tid, Reader::Guest).await.unwrap();
    assert_eq!(posts[0].helpful(), 16);
    assert_eq!(
        desk.portal_user(users[1].id)
            .await
            .unwrap()
            .value
            .activity
            .helpful_votes_received,
        30 + 16
    );
}

#[tokio::test]
async fn topics_become_cases_and_articles_once() {
    use hotcrm_support::desk::NewTopic;
    use hotcrm_support::portal::TopicLink;
    let (desk, clock, users) = community_desk().await;
    let author = ForumAuthor::User(users[1].id);
    let t1 = TopicId::from_u128(1);
    let t2 = TopicId::from_u128(2);
    desk.create_topic(
        author,
        NewTopic::new(t1, "Billing", "Invoice missing", "No invoice for March."),
    )
    .await
    .unwrap();
    clock.advance(TimeDelta::minutes(1));
    desk.create_topic(
        author,
        NewTopic::new(t2, "VPN", "Drops hourly", "Since 5.1."),
    )
    .await
    .unwrap();
    assert_eq!(desk.record_topic_view(t1).await.unwrap(), 1);
    assert_eq!(desk.record_topic_view(t1).await.unwrap(), 2);
    // Topic → case: the author's contact and account, origin Web, once.
    let case = desk.topic_to_case(t1, None).await.unwrap();
    assert_eq!(desk.topic_to_case(t1, None).await.unwrap(), case);
    let stored = desk.case(case).await.unwrap().value;
    assert_eq!(
        (stored.account, stored.contact),
        (users[1].account, Some(users[1].contact))
    );
    assert_eq!(stored.origin, hotcrm_support::case::Origin::Web);
    assert_eq!(stored.subject, "Invoice missing");
    let (t, _) = desk.topic_page(t1, Reader::Guest).await.unwrap();
    assert_eq!((t.became, t.view_count), (Some(TopicLink::Case(case)), 2));
    assert!(matches!(
        desk.topic_to_article(t1).await,
        Err(Error::NotAllowed { .. })
    ));
    // Topic → article needs an accepted answer; then one draft, linked in the same commit.
    assert!(matches!(
        desk.topic_to_article(t2).await,
        Err(Error::NotAllowed { .. })
    ));
    clock.advance(TimeDelta::minutes(1));
    desk.reply(
        t2,
        ForumAuthor::User(users[2].id),
        PostId::from_u128(5),
        "Set MTU to 1400 in the client settings.",
    )
    .await
    .unwrap();
    desk.accept_answer(t2, PostId::from_u128(5), author)
        .await
        .unwrap();
    let article = desk.topic_to_article(t2).await.unwrap();
    assert_eq!(desk.topic_to_article(t2).await.unwrap(), article);
    let stored = desk.repository().get_article(article).await.unwrap().value;
    assert_eq!(stored.title, "Drops hourly");
    assert!(stored.content.contains("MTU"));
    assert_eq!(
        stored.status,
        hotcrm_support::knowledge::ArticleStatus::Draft
    );
    let (t, _) = desk.topic_page(t2, Reader::Guest).await.unwrap();
    assert_eq!(t.became, Some(TopicLink::Article(article)));
}
