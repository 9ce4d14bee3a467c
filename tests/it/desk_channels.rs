//! Web forms and social messages into the desk: `SupportDesk::submit_web_form`
//! and `SupportDesk::receive_message` on `MemoryRepository` with a
//! `ManualClock` — accepted and refused submissions, repeats, unknown
//! submitters, conversation threading into one open case, closed and resolved
//! conversations, racing first messages, and an injected commit failure.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use hotcrm_support::case::{
    Author, CaseEvent, CaseQuery, CaseStatus, Origin, Page, Priority, Resolution,
};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{
    DeskConfig, IntakeConfig, SocialOutcome, SupportDesk, WebIntakeOutcome,
};
use hotcrm_support::ids::{AccountId, ContactId};
use hotcrm_support::intake::{
    ConversationLink, InboundMessage, Platform, WebForm, WebRefusal, WebSubmission,
};
use hotcrm_support::repo::{
    Account, Contact, MemoryRepository, PortalKind, PortalRecord, Repository,
};

use crate::desk_consistency::FaultyRepository;

const ACME: AccountId = AccountId::from_u128(1);
const WALK_IN: AccountId = AccountId::from_u128(9);
const ANN: ContactId = ContactId::from_u128(2);

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn seed(repo: &dyn Repository) {
    repo.put_account(&Account::new(ACME, "Acme"), None)
        .await
        .unwrap();
    repo.put_account(&Account::new(WALK_IN, "Walk-ins"), None)
        .await
        .unwrap();
    repo.put_contact(
        &Contact::new(ANN, ACME, "Ann Lee", "Ann@Customer.Example"),
        None,
    )
    .await
    .unwrap();
}

async fn desk(default_account: bool) -> (SupportDesk, Arc<MemoryRepository>) {
    let repo = Arc::new(MemoryRepository::new());
    seed(repo.as_ref()).await;
    let mut config = DeskConfig::default();
    if default_account {
        config.intake = IntakeConfig::default().default_account(WALK_IN);
    }
    let desk = SupportDesk::builder(repo.clone())
        .clock(ManualClock::new(t("2026-01-05T14:00:00Z")))
        .config(config)
        .build();
    (desk, repo)
}

async fn case_count(repo: &dyn Repository) -> usize {
    repo.list_cases(&CaseQuery::default(), Page::first(1000))
        .await
        .unwrap()
        .items
        .len()
}

fn submission(email: &str, subject: &str, at: DateTime<Utc>) -> WebSubmission {
    WebSubmission::new(at)
        .rendered_at(at - TimeDelta::seconds(30))
        .field("subject", subject)
        .field("description", "The export button returns error 500.")
        .field("email", email)
        .from_ip(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)))
}

#[tokio::test]
async fn a_web_form_opens_a_case_for_a_known_contact() {
    let (desk, repo) = desk(false).await;
    let sent = submission(
        "ann@customer.example",
        "Export fails",
        t("2026-01-05T14:00:00Z"),
    )
    .field("priority", "high")
    .field("order", "A-1234");
    let out = desk
        .submit_web_form(&WebForm::default(), &sent, b"")
        .await
        .unwrap();
    let WebIntakeOutcome::Created { case, events, .. } = &out else {
        panic!("{out:?}")
    };
    assert_eq!(case.value.account, ACME);
    assert_eq!(case.value.contact, Some(ANN));
    assert_eq!(case.value.origin, Origin::Web);
    assert_eq!(case.value.priority, Priority::High);
    assert!(matches!(events.first(), Some(CaseEvent::Created { .. })));
    // An unmapped field is kept in the description.
    assert!(
        case.value.description.contains("order: A-1234"),
        "{}",
        case.value.description
    );
    // The same submission again (a double click): the first case, no events.
    let again = desk
        .submit_web_form(&WebForm::default(), &sent, b"")
        .await
        .unwrap();
    let WebIntakeOutcome::Created {
        case: same, events, ..
    } = &again
    else {
        panic!("{again:?}")
    };
    assert_eq!(same.value.id, case.value.id);
    assert!(events.is_empty());
    assert_eq!(case_count(repo.as_ref()).await, 1);
}

#[tokio::test]
async fn refused_submissions_store_nothing_and_say_why() {
    let (desk, repo) = desk(false).await;
    let form = WebForm::default();
    let at = t("2026-01-05T14:00:00Z");
    let bot = submission("ann@customer.example", "Cheap pills", at).field("website", "x");
    assert_eq!(
        desk.submit_web_form(&form, &bot, b"").await.unwrap(),
        WebIntakeOutcome::Refused {
            reason: WebRefusal::Honeypot
        }
    );
    let hasty = WebSubmission::new(at)
        .rendered_at(at - TimeDelta::milliseconds(500))
        .field("subject", "s")
        .field("description", "d")
        .field("email", "ann@customer.example");
    assert!(matches!(
        desk.submit_web_form(&form, &hasty, b"").await.unwrap(),
        WebIntakeOutcome::Refused {
            reason: WebRefusal::TooFast { .. }
        }
    ));
    // A stranger with no default account configured.
    let stranger = submission("eve@elsewhere.example", "Hello", at);
    assert_eq!(
        desk.submit_web_form(&form, &stranger, b"").await.unwrap(),
        WebIntakeOutcome::Refused {
            reason: WebRefusal::UnknownSubmitter {
                email: "eve@elsewhere.example".into()
            }
        }
    );
    assert_eq!(case_count(repo.as_ref()).await, 0);
    assert!(
        repo.find_contact_by_email("eve@elsewhere.example")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_per_ip_limit_holds_across_submissions() {
    let (desk, repo) = desk(true).await;
    let mut form = WebForm::default();
    form.email_limit.max = 1_000;
    let start = t("2026-01-05T14:00:00Z");
    let mut created = 0;
    let mut refused = 0;
    for i in 0..25 {
        let sent = submission(
            &format!("user{i}@walk.example"),
            &format!("Question {i}"),
            start + TimeDelta::minutes(i),
        );
        match desk.submit_web_form(&form, &sent, b"").await.unwrap() {
            WebIntakeOutcome::Created { .. } => created += 1,
            WebIntakeOutcome::Refused {
                reason: WebRefusal::IpRateLimited { .. },
            } => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((created, refused), (20, 5));
    assert_eq!(case_count(repo.as_ref()).await, 20);
    // An hour after its last attempt (refused ones count too) the IP may
    // submit again.
    let later = submission(
        "late@walk.example",
        "Later",
        start + TimeDelta::minutes(24 + 61),
    );
    assert!(matches!(
        desk.submit_web_form(&form, &later, b"").await.unwrap(),
        WebIntakeOutcome::Created { .. }
    ));
}

#[tokio::test]
async fn an_unknown_submitter_gets_a_contact_on_the_default_account() {
    let (desk, repo) = desk(true).await;
    let sent = submission("New.Person@Walk.Example", "Hi", t("2026-01-05T14:00:00Z"))
        .field("name", "New Person");
    let out = desk
        .submit_web_form(&WebForm::default(), &sent, b"")
        .await
        .unwrap();
    let case = out.case().unwrap();
    assert_eq!(case.value.account, WALK_IN);
    let contact = repo
        .find_contact_by_email("new.person@walk.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(case.value.contact, Some(contact.value.id));
    assert_eq!(contact.value.name, "New Person");
}

fn message(id: &str, conversation: &str, text: &str) -> InboundMessage {
    InboundMessage::new(
        Platform::WhatsApp,
        id,
        conversation,
        "15551234567",
        text,
        t("2026-01-05T14:00:00Z"),
    )
}

async fn link_of(
    repo: &dyn Repository,
    platform: Platform,
    conversation: &str,
) -> Option<ConversationLink> {
    match repo
        .get_portal_record(
            PortalKind::Conversation,
            ConversationLink::id_of(platform, conversation),
        )
        .await
    {
        Ok(stored) => match stored.value {
            PortalRecord::Conversation(link) => Some(link),
            other => panic!("{other:?}"),
        },
        Err(hotcrm_support::Error::NotFound { .. }) => None,
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn a_conversation_threads_into_one_open_case() {
    let (desk, repo) = desk(false).await;
    let first = message("wamid.1", "chat-1", "My order is late");
    let opened = desk.receive_message(&first, Some(ACME)).await.unwrap();
    let SocialOutcome::Created { case, .. } = &opened else {
        panic!("{opened:?}")
    };
    assert_eq!(case.value.origin, Origin::Social);
    assert_eq!(case.value.subject, "WhatsApp: My order is late");
    assert_eq!(case.value.contact, None);
    let id = case.value.id;
    assert_eq!(
        link_of(repo.as_ref(), Platform::WhatsApp, "chat-1")
            .await
            .map(|l| l.case),
        Some(id)
    );
    let angry = message(
        "wamid.2",
        "chat-1",
        "This is terrible, I am furious and want a refund now!",
    );
    let appended = desk.receive_message(&angry, Some(ACME)).await.unwrap();
    let SocialOutcome::Appended { case, events, .. } = &appended else {
        panic!("{appended:?}")
    };
    assert_eq!(case.value.id, id);
    assert!(!events.is_empty());
    let comment = case.value.comments.last().unwrap();
    assert_eq!(comment.author, Author::Customer(None));
    assert!(comment.body.contains("furious"));
    assert!(comment.sentiment.is_some(), "sentiment on arrival");
    // A webhook retry of either message changes nothing.
    let stored = repo.case_events(id).await.unwrap().len();
    for m in [&first, &angry] {
        let again = desk.receive_message(m, Some(ACME)).await.unwrap();
        assert_eq!(again.case().map(|c| c.value.id), Some(id));
    }
    assert_eq!(repo.case_events(id).await.unwrap().len(), stored);
    assert_eq!(case_count(repo.as_ref()).await, 1);
    // Another conversation is another case; WeChat has its own origin.
    let other = InboundMessage::new(
        Platform::WeChat,
        "m1",
        "chat-1",
        "openid-9",
        "你好",
        t("2026-01-05T14:00:00Z"),
    );
    let out = desk.receive_message(&other, Some(ACME)).await.unwrap();
    assert_eq!(out.case().map(|c| c.value.origin), Some(Origin::WeChat));
    assert_ne!(out.case().map(|c| c.value.id), Some(id));
}

#[tokio::test]
async fn closed_conversations_open_a_new_case_and_resolved_ones_reopen() {
    let (desk, repo) = desk(true).await;
    let first = desk
        .receive_message(&message("a1", "chat-2", "Cannot log in"), None)
        .await
        .unwrap();
    let first_id = first.case().unwrap().value.id;
    assert_eq!(first.case().unwrap().value.account, WALK_IN);
    desk.resolve(first_id, Resolution::new("Password reset"))
        .await
        .unwrap();
    let reopened = desk
        .receive_message(&message("a2", "chat-2", "Still broken"), None)
        .await
        .unwrap();
    assert!(matches!(reopened, SocialOutcome::Appended { .. }));
    assert_ne!(reopened.case().unwrap().value.status, CaseStatus::Resolved);
    desk.resolve(first_id, Resolution::new("Fixed for real"))
        .await
        .unwrap();
    desk.close(first_id).await.unwrap();
    let fresh = desk
        .receive_message(&message("a3", "chat-2", "New question about billing"), None)
        .await
        .unwrap();
    let SocialOutcome::Created { case, .. } = &fresh else {
        panic!("{fresh:?}")
    };
    assert_ne!(case.value.id, first_id);
    assert_eq!(
        link_of(repo.as_ref(), Platform::WhatsApp, "chat-2")
            .await
            .map(|l| l.case),
        Some(case.value.id)
    );
    let closed = repo.get_case(first_id).await.unwrap();
    assert_eq!(closed.value.status, CaseStatus::Closed);
}

#[tokio::test]
async fn without_an_account_a_new_conversation_stores_nothing() {
    let (desk, repo) = desk(false).await;
    let out = desk
        .receive_message(&message("n1", "chat-3", "hello"), None)
        .await
        .unwrap();
    assert_eq!(out, SocialOutcome::NoAccount);
    assert_eq!(case_count(repo.as_ref()).await, 0);
    assert!(
        link_of(repo.as_ref(), Platform::WhatsApp, "chat-3")
            .await
            .is_none()
    );
    // Invalid input is a typed error.
    let blank = message("", "chat-3", "hello");
    assert!(matches!(
        desk.receive_message(&blank, Some(ACME)).await,
        Err(hotcrm_support::Error::Validation { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_first_messages_open_exactly_one_case() {
    let (desk, repo) = desk(false).await;
    let desk = Arc::new(desk);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let desk = desk.clone();
        tasks.push(tokio::spawn(async move {
            desk.receive_message(
                &message(&format!("race-{i}"), "chat-race", &format!("message {i}")),
                Some(ACME),
            )
            .await
        }));
    }
    let mut created = 0;
    let mut appended = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            SocialOutcome::Created { .. } => created += 1,
            SocialOutcome::Appended { .. } => appended += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((created, appended), (1, 7));
    assert_eq!(case_count(repo.as_ref()).await, 1);
    let link = link_of(repo.as_ref(), Platform::WhatsApp, "chat-race")
        .await
        .unwrap();
    let case = repo.get_case(link.case).await.unwrap();
    assert_eq!(case.value.comments.len(), 7);
}

#[tokio::test]
async fn a_failed_commit_leaves_no_case_and_no_link() {
    let repo = Arc::new(FaultyRepository::failing([1]));
    seed(repo.as_ref()).await;
    let desk = SupportDesk::builder(repo.clone())
        .clock(ManualClock::new(t("2026-01-05T14:00:00Z")))
        .build();
    let m = message("f1", "chat-f", "Where is my parcel?");
    assert!(matches!(
        desk.receive_message(&m, Some(ACME)).await,
        Err(hotcrm_support::Error::Storage { .. })
    ));
    assert_eq!(case_count(repo.as_ref()).await, 0);
    assert!(
        link_of(repo.as_ref(), Platform::WhatsApp, "chat-f")
            .await
            .is_none()
    );
    // The retry succeeds and threads normally.
    let out = desk.receive_message(&m, Some(ACME)).await.unwrap();
    assert!(matches!(out, SocialOutcome::Created { .. }));
    assert!(
        link_of(repo.as_ref(), Platform::WhatsApp, "chat-f")
            .await
            .is_some()
    );
}

#[tokio::test]
async fn follow_ups_link_closed_cases_only() {
    use hotcrm_support::desk::CaseRequest;
    let (desk, repo) = desk(false).await;
    let original = desk
        .create_case(CaseRequest::new(ACME, "Export fails", "Error 500").contact(ANN))
        .await
        .unwrap()
        .case
        .value
        .id;
    let follow =
        || CaseRequest::new(ACME, "Export fails again", "Same error today").follow_up_of(original);
    // Open or resolved: refused, nothing stored.
    assert!(matches!(
        desk.create_case(follow()).await,
        Err(hotcrm_support::Error::NotAllowed { .. })
    ));
    desk.resolve(original, Resolution::new("Fixed"))
        .await
        .unwrap();
    assert!(matches!(
        desk.create_case(follow()).await,
        Err(hotcrm_support::Error::NotAllowed { .. })
    ));
    assert_eq!(case_count(repo.as_ref()).await, 1);
    desk.close(original).await.unwrap();
    let out = desk.create_case(follow()).await.unwrap();
    assert_eq!(out.case.value.parent, Some(original));
    // Another account's case cannot be the parent.
    assert!(matches!(
        desk.create_case(CaseRequest::new(WALK_IN, "x", "y").follow_up_of(original))
            .await,
        Err(hotcrm_support::Error::Validation { .. })
    ));
    // An unknown parent is NotFound.
    assert!(matches!(
        desk.create_case(
            CaseRequest::new(ACME, "x", "y")
                .follow_up_of(hotcrm_support::ids::CaseId::from_u128(5))
        )
        .await,
        Err(hotcrm_support::Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_link_to_a_missing_case_is_moved_to_the_new_case() {
    use hotcrm_support::ids::CaseId;
    use hotcrm_support::repo::UnitOfWork;
    let (desk, repo) = desk(false).await;
    let stale = ConversationLink::new(
        Platform::WhatsApp,
        "chat-stale",
        CaseId::from_u128(404),
        t("2026-01-01T00:00:00Z"),
    );
    repo.commit(&UnitOfWork::new().portal(PortalRecord::Conversation(stale), None))
        .await
        .unwrap();
    let out = desk
        .receive_message(&message("s1", "chat-stale", "Hello again"), Some(ACME))
        .await
        .unwrap();
    let SocialOutcome::Created { case, .. } = &out else {
        panic!("{out:?}")
    };
    let stored = repo
        .get_portal_record(
            PortalKind::Conversation,
            ConversationLink::id_of(Platform::WhatsApp, "chat-stale"),
        )
        .await
        .unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(
        link_of(repo.as_ref(), Platform::WhatsApp, "chat-stale")
            .await
            .map(|l| l.case),
        Some(case.value.id)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_repeats_of_one_submission_open_one_case() {
    let (desk, repo) = desk(false).await;
    let desk = Arc::new(desk);
    let sent = submission(
        "ann@customer.example",
        "Export fails",
        t("2026-01-05T14:00:00Z"),
    );
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (desk, sent) = (desk.clone(), sent.clone());
        tasks.push(tokio::spawn(async move {
            desk.submit_web_form(&WebForm::default(), &sent, b"").await
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        let out = task.await.unwrap().unwrap();
        ids.push(out.case().map(|c| c.value.id));
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(ids[0].is_some());
    assert_eq!(case_count(repo.as_ref()).await, 1);
}

#[tokio::test]
async fn a_failed_web_commit_stores_no_contact_and_the_retry_stores_both() {
    let repo = Arc::new(FaultyRepository::failing([1]));
    seed(repo.as_ref()).await;
    let mut config = DeskConfig::default();
    config.intake = IntakeConfig::default().default_account(WALK_IN);
    let desk = SupportDesk::builder(repo.clone())
        .clock(ManualClock::new(t("2026-01-05T14:00:00Z")))
        .config(config)
        .build();
    let sent = submission("Neo@Walk.Example", "Hi", t("2026-01-05T14:00:00Z")).field("name", "Neo");
    assert!(matches!(
        desk.submit_web_form(&WebForm::default(), &sent, b"").await,
        Err(hotcrm_support::Error::Storage { .. })
    ));
    assert_eq!(case_count(repo.as_ref()).await, 0);
    assert_eq!(
        repo.find_contact_by_email("neo@walk.example")
            .await
            .unwrap(),
        None,
        "the failed commit left no orphan contact"
    );
    let out = desk
        .submit_web_form(&WebForm::default(), &sent, b"")
        .await
        .unwrap();
    let case = out.case().unwrap();
    let contact = repo
        .find_contact_by_email("neo@walk.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact.version, 1);
    assert_eq!(case.value.contact, Some(contact.value.id));
    assert_eq!(case_count(repo.as_ref()).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_submissions_of_a_new_submitter_share_one_contact() {
    let (desk, repo) = desk(true).await;
    let desk = Arc::new(desk);
    let tasks: Vec<_> = ["First question", "Second question"]
        .into_iter()
        .map(|subject| {
            let desk = desk.clone();
            tokio::spawn(async move {
                let sent = submission("pat@walk.example", subject, t("2026-01-05T14:00:00Z"));
                desk.submit_web_form(&WebForm::default(), &sent, b"")
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut contacts = Vec::new();
    for task in tasks {
        let out = task.await.unwrap();
        contacts.push(out.case().unwrap().value.contact);
    }
    let stored = repo
        .find_contact_by_email("pat@walk.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(
        contacts,
        vec![Some(stored.value.id); 2],
        "one contact for both cases"
    );
    assert_eq!(case_count(repo.as_ref()).await, 2);
}
