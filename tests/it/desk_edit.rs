//! Editing cases through the desk: field edits with their actor, AI
//! suggestions accepted or rejected, the audit trail on every event, customer
//! comments scored by the AI provider (an angry reply escalates), and edits
//! that fail storing nothing.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use hotcrm_support::Error;
use hotcrm_support::case::{
    Actor, AiCategory, AiInsights, AiSuggested, AiSuggestion, Case, CaseCommand, CaseEdit,
    CaseEvent, CaseRules, CaseStatus, CaseType, NewCase, NewComment, Resolution, Timeline,
};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, SupportDesk};
use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber, CommentId, ContactId};
use hotcrm_support::repo::{Account, Contact, MemoryRepository, Repository};
use proptest::prelude::*;

use crate::desk_consistency::FaultyRepository;

const ACME: AccountId = AccountId::from_u128(1);
const GLOBEX: AccountId = AccountId::from_u128(2);
const ANN: ContactId = ContactId::from_u128(10);
const BEN: ContactId = ContactId::from_u128(11);
const GUS: ContactId = ContactId::from_u128(12);
const LEAD: AgentId = AgentId::from_u128(90);

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn seed(repo: &dyn Repository) {
    repo.put_account(&Account::new(ACME, "Acme"), None)
        .await
        .unwrap();
    repo.put_account(&Account::new(GLOBEX, "Globex"), None)
        .await
        .unwrap();
    for (id, account, name, email) in [
        (ANN, ACME, "Ann", "ann@acme.test"),
        (BEN, ACME, "Ben", "ben@acme.test"),
        (GUS, GLOBEX, "Gus", "gus@globex.test"),
    ] {
        repo.put_contact(&Contact::new(id, account, name, email), None)
            .await
            .unwrap();
    }
}

async fn desk() -> (SupportDesk, Arc<MemoryRepository>, ManualClock) {
    let repo = Arc::new(MemoryRepository::new());
    seed(repo.as_ref()).await;
    let clock = ManualClock::new(t("2026-01-05T14:00:00Z"));
    let desk = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .build();
    (desk, repo, clock)
}

async fn open(desk: &SupportDesk) -> Case {
    desk.create_case(
        CaseRequest::new(
            ACME,
            "Invoice total is wrong",
            "The March invoice charged twice",
        )
        .contact(ANN),
    )
    .await
    .unwrap()
    .case
    .value
}

#[tokio::test]
async fn edits_record_their_actor_and_never_move_sla_clocks() {
    let (desk, repo, clock) = desk().await;
    let case = open(&desk).await;
    let due_before = case.milestones.resolution.due;
    clock.advance(TimeDelta::minutes(30));
    let by = Actor::Agent(LEAD);
    let out = desk
        .execute_all_as(
            case.id,
            by,
            &[
                CaseCommand::Edit(CaseEdit::Type(CaseType::Incident)),
                CaseCommand::Edit(CaseEdit::Subject("Invoice charged twice".into())),
                CaseCommand::Edit(CaseEdit::Contact(Some(BEN))),
            ],
        )
        .await
        .unwrap();
    let edited: Vec<_> = out
        .events
        .iter()
        .filter_map(|e| match e {
            CaseEvent::Edited { by, from, to, .. } => Some((*by, from.field(), to.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        edited,
        vec![
            (by, "type", CaseEdit::Type(CaseType::Incident)),
            (
                by,
                "subject",
                CaseEdit::Subject("Invoice charged twice".into())
            ),
            (by, "contact", CaseEdit::Contact(Some(BEN))),
        ]
    );
    let stored = repo.get_case(case.id).await.unwrap().value;
    assert_eq!(stored.case_type, CaseType::Incident);
    assert_eq!(stored.subject, "Invoice charged twice");
    assert_eq!(stored.contact, Some(BEN));
    assert_eq!(
        stored.milestones.resolution.due, due_before,
        "clocks unchanged"
    );
    // The stored history replays to the stored case, actors included.
    let history = repo.case_events(case.id).await.unwrap();
    assert_eq!(Case::replay(&history).unwrap(), stored);
    assert!(
        history
            .iter()
            .filter(|e| matches!(e, CaseEvent::Edited { .. }))
            .all(|e| e.actor() == by)
    );
    // The same edit again is a no-op: nothing is committed.
    let feed = repo.events_after(0, 10_000).await.unwrap().len();
    let again = desk
        .execute_as(
            case.id,
            by,
            CaseCommand::Edit(CaseEdit::Type(CaseType::Incident)),
        )
        .await
        .unwrap();
    assert!(again.events.is_empty());
    assert_eq!(repo.events_after(0, 10_000).await.unwrap().len(), feed);
    // The timeline names who did it.
    let timeline = Timeline::new(&history).to_string();
    assert!(
        timeline.contains("type Problem → Incident (by agent 0000005a)"),
        "{timeline}"
    );
}

#[tokio::test]
async fn bad_edits_are_refused_and_store_nothing() {
    let (desk, repo, _) = desk().await;
    let case = open(&desk).await;
    let before = repo.get_case(case.id).await.unwrap();
    let refused = [
        // A contact of another account.
        (CaseCommand::Edit(CaseEdit::Contact(Some(GUS))), "contact"),
        // A blank subject.
        (CaseCommand::Edit(CaseEdit::Subject("  ".into())), "subject"),
        // An over-long subject.
        (
            CaseCommand::Edit(CaseEdit::Subject("x".repeat(256))),
            "subject",
        ),
    ];
    for (command, field) in refused {
        let err = desk
            .execute_all_as(
                case.id,
                Actor::Agent(LEAD),
                &[
                    CaseCommand::Edit(CaseEdit::Type(CaseType::Question)),
                    command,
                ],
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Validation { field: f, .. } if f == field),
            "{err}"
        );
        assert_eq!(
            repo.get_case(case.id).await.unwrap(),
            before,
            "nothing stored"
        );
    }
    // An unknown contact.
    let err = desk
        .execute(
            case.id,
            CaseCommand::Edit(CaseEdit::Contact(Some(ContactId::from_u128(999)))),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    // Closed cases are final.
    desk.resolve(case.id, Resolution::new("refunded"))
        .await
        .unwrap();
    desk.close(case.id).await.unwrap();
    let err = desk
        .execute(
            case.id,
            CaseCommand::Edit(CaseEdit::Type(CaseType::Question)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed { .. }), "{err}");
}

#[tokio::test]
async fn an_injected_commit_failure_keeps_the_edit_out() {
    let repo = Arc::new(FaultyRepository::failing([2]));
    seed(repo.as_ref()).await;
    let desk = SupportDesk::builder(repo.clone())
        .clock(ManualClock::new(t("2026-01-05T14:00:00Z")))
        .build();
    let case = open(&desk).await;
    let edit = CaseCommand::Edit(CaseEdit::Category(Some(AiCategory::Billing)));
    let err = desk
        .execute_as(case.id, Actor::Agent(LEAD), edit.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Storage { .. }));
    let stored = repo.get_case(case.id).await.unwrap();
    assert_eq!(stored.value.category, None);
    assert_eq!(stored.version, 1);
    // The retry is stored once.
    desk.execute_as(case.id, Actor::Agent(LEAD), edit)
        .await
        .unwrap();
    assert_eq!(
        repo.get_case(case.id).await.unwrap().value.category,
        Some(AiCategory::Billing)
    );
}

#[tokio::test]
async fn ai_suggestions_are_accepted_or_rejected_once() {
    let (desk, repo, _) = desk().await;
    let case = open(&desk).await;
    let insights = AiInsights {
        category: Some(AiCategory::Billing),
        suggested_assignee: Some(AgentId::from_u128(7)),
        suggested_solution: Some("A duplicate charge is refunded within 3 days.".into()),
        ..AiInsights::default()
    };
    desk.execute(case.id, CaseCommand::UpdateAiInsights(insights))
        .await
        .unwrap();
    let by = Actor::Agent(LEAD);
    let accept = |s| CaseCommand::ReviewAi {
        suggestion: s,
        accept: true,
    };
    // Accepting the category sets it and clears the suggestion.
    let out = desk
        .execute_as(case.id, by, accept(AiSuggestion::Category))
        .await
        .unwrap();
    assert!(out.events.iter().any(|e| matches!(
        e,
        CaseEvent::AiSuggestionReviewed { suggestion: AiSuggested::Category(AiCategory::Billing), accepted: true, by: b, .. } if *b == by
    )));
    assert_eq!(out.case.value.category, Some(AiCategory::Billing));
    assert_eq!(out.case.value.ai.category, None);
    assert_eq!(
        out.case.value.effective_category(),
        Some(AiCategory::Billing)
    );
    // A repeat finds nothing pending: no-op.
    let again = desk
        .execute_as(case.id, by, accept(AiSuggestion::Category))
        .await
        .unwrap();
    assert!(again.events.is_empty());
    // Rejecting the assignee assigns nobody.
    let out = desk
        .execute_as(
            case.id,
            by,
            CaseCommand::ReviewAi {
                suggestion: AiSuggestion::Assignee,
                accept: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(out.case.value.owner, None);
    assert_eq!(out.case.value.ai.suggested_assignee, None);
    // The suggested solution needs an agent to send it.
    let err = desk
        .execute(case.id, accept(AiSuggestion::Solution))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed { .. }));
    let out = desk
        .execute_as(case.id, by, accept(AiSuggestion::Solution))
        .await
        .unwrap();
    let reply = out.case.value.comments.last().unwrap();
    assert_eq!(reply.body, "A duplicate charge is refunded within 3 days.");
    assert!(
        out.case.value.first_response_at.is_some(),
        "it is the first response"
    );
    let history = repo.case_events(case.id).await.unwrap();
    assert_eq!(
        history
            .iter()
            .filter(|e| matches!(e, CaseEvent::AiSuggestionReviewed { .. }))
            .count(),
        3
    );
}

#[tokio::test]
async fn overriding_the_ai_category_records_a_rejection() {
    let (desk, _, _) = desk().await;
    let case = open(&desk).await;
    desk.execute(
        case.id,
        CaseCommand::UpdateAiInsights(AiInsights {
            category: Some(AiCategory::Technical),
            ..AiInsights::default()
        }),
    )
    .await
    .unwrap();
    let out = desk
        .execute_as(
            case.id,
            Actor::Agent(LEAD),
            CaseCommand::Edit(CaseEdit::Category(Some(AiCategory::Billing))),
        )
        .await
        .unwrap();
    let names: Vec<_> = out.events.iter().map(CaseEvent::name).collect();
    assert_eq!(names, ["edited", "ai_suggestion_reviewed"]);
    assert!(matches!(
        out.events[1],
        CaseEvent::AiSuggestionReviewed {
            accepted: false,
            ..
        }
    ));
}

#[tokio::test]
async fn every_event_has_an_actor() {
    let (desk, repo, clock) = desk().await;
    let created = desk
        .create_case(CaseRequest::new(ACME, "VPN drops every hour", "Since Monday").contact(ANN))
        .await
        .unwrap();
    let id = created.case.value.id;
    let CaseEvent::Created { by, .. } = &created.events[0] else {
        panic!("first event is Created");
    };
    assert_eq!(*by, Actor::Customer(Some(ANN)), "the customer opened it");
    assert!(
        created
            .events
            .iter()
            .filter(|e| matches!(e, CaseEvent::AiInsightsUpdated { .. }))
            .all(|e| e.actor() == Actor::Ai)
    );
    let agent = AgentId::from_u128(5);
    desk.execute_as(id, Actor::Agent(LEAD), CaseCommand::Assign { agent })
        .await
        .unwrap();
    clock.advance(TimeDelta::minutes(5));
    let reply = NewComment::customer_reply(CommentId::from_u128(1), "thanks, any news?");
    let reply = NewComment {
        author: hotcrm_support::case::Author::Customer(Some(ANN)),
        ..reply
    };
    desk.add_comment(id, reply).await.unwrap();
    // An agent logging a phone call opens the case as the agent.
    let call = desk
        .create_case(
            CaseRequest::new(ACME, "Phone: printer offline", "Called at 14:05")
                .contact(BEN)
                .by(Actor::Agent(LEAD)),
        )
        .await
        .unwrap();
    assert_eq!(call.events[0].actor(), Actor::Agent(LEAD));
    let history = repo.case_events(id).await.unwrap();
    for e in &history {
        let actor = e.actor();
        match e {
            CaseEvent::Assigned { .. } => assert_eq!(actor, Actor::Agent(LEAD)),
            CaseEvent::StatusChanged {
                to: CaseStatus::Open,
                ..
            } => {
                assert_eq!(actor, Actor::Agent(LEAD))
            }
            CaseEvent::CommentAdded { .. } => assert_eq!(actor, Actor::Customer(Some(ANN))),
            CaseEvent::MilestoneStarted { .. } => assert_eq!(actor, Actor::System),
            _ => {}
        }
    }
    // Stored JSON keeps the actor; system events store none.
    let json = serde_json::to_string(&history).unwrap();
    assert_eq!(
        serde_json::from_str::<Vec<CaseEvent>>(&json).unwrap(),
        history
    );
}

#[tokio::test]
async fn an_angry_customer_reply_is_scored_and_escalates() {
    let (desk, _, clock) = desk().await;
    let case = open(&desk).await;
    assert!(!case.is_escalated());
    clock.advance(TimeDelta::hours(1));
    let angry = NewComment::customer_reply(
        CommentId::from_u128(3),
        "This is UNACCEPTABLE!!! Third time I write, still charged twice. Worst service ever, I am furious.",
    );
    let out = desk.add_comment(case.id, angry).await.unwrap();
    let stored = out.case.value;
    assert_eq!(
        stored.comments.last().unwrap().sentiment,
        Some(hotcrm_support::case::Sentiment::Angry),
        "sentiment from the AI provider"
    );
    assert!(
        stored.is_escalated(),
        "an angry reply escalates like an angry new case"
    );
    // A calm reply is scored too and does not escalate again.
    let calm = NewComment::customer_reply(CommentId::from_u128(4), "Thanks, that helps.");
    let out = desk.add_comment(case.id, calm).await.unwrap();
    assert!(out.case.value.comments.last().unwrap().sentiment.is_some());
}

/// A repeated customer reply (same comment id) is a no-op, so the provider is
/// not asked for its sentiment again; a new reply is.
#[tokio::test]
async fn a_repeated_customer_reply_is_not_scored_again() {
    use std::sync::atomic::Ordering;
    let repo = Arc::new(MemoryRepository::new());
    seed(repo.as_ref()).await;
    let ai = Arc::new(crate::desk_knowledge::CountingAi::default());
    let desk = SupportDesk::builder(repo.clone())
        .clock(ManualClock::new(t("2026-01-05T14:00:00Z")))
        .ai_arc(ai.clone())
        .build();
    let case = open(&desk).await;
    // The creation's own analysis asks too; count from here.
    let base = ai.sentiments.load(Ordering::SeqCst);
    let reply = NewComment::customer_reply(CommentId::from_u128(7), "Still charged twice.");
    let first = desk.add_comment(case.id, reply.clone()).await.unwrap();
    assert_eq!(ai.sentiments.load(Ordering::SeqCst), base + 1);
    let again = desk.add_comment(case.id, reply).await.unwrap();
    assert!(again.events.is_empty(), "the repeat is a no-op");
    assert_eq!(again.case.version, first.case.version);
    assert_eq!(
        ai.sentiments.load(Ordering::SeqCst),
        base + 1,
        "not asked again"
    );
    let next = NewComment::customer_reply(CommentId::from_u128(8), "Any news?");
    desk.add_comment(case.id, next).await.unwrap();
    assert_eq!(ai.sentiments.load(Ordering::SeqCst), base + 2);
}

/// Two customer replies racing on one case: both load, one commits, the
/// other meets a conflict and is decided again — with the sentiment it was
/// given the first time, so the provider is asked once per reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_decided_again_after_a_conflict_is_scored_once() {
    use std::sync::atomic::Ordering;
    let faulty = Arc::new(FaultyRepository::default());
    seed(faulty.as_ref()).await;
    let ai = Arc::new(crate::desk_knowledge::CountingAi::default());
    let desk = SupportDesk::builder(faulty.clone())
        .clock(ManualClock::new(t("2026-01-05T14:00:00Z")))
        .ai_arc(ai.clone())
        .build();
    let case = open(&desk).await;
    let base = ai.sentiments.load(Ordering::SeqCst);
    let commits = faulty.commits.load(Ordering::SeqCst);
    // The next two commits wait for each other: both replies have read the case.
    *faulty.barrier.lock().unwrap() = Some(Arc::new(tokio::sync::Barrier::new(2)));
    faulty.gated.store(2, Ordering::SeqCst);
    let replies = [
        (11, "Still charged twice."),
        (12, "This is UNACCEPTABLE, I am furious!!!"),
    ];
    let tasks: Vec<_> = replies
        .iter()
        .map(|&(n, body)| {
            let desk = desk.clone();
            tokio::spawn(async move {
                desk.add_comment(
                    case.id,
                    NewComment::customer_reply(CommentId::from_u128(n), body),
                )
                .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(
        faulty.commits.load(Ordering::SeqCst),
        commits + 3,
        "one reply committed at once, the other after a conflict"
    );
    assert_eq!(
        ai.sentiments.load(Ordering::SeqCst),
        base + 2,
        "once per reply"
    );
    let stored = desk.case(case.id).await.unwrap().value;
    let angry = stored
        .comments
        .iter()
        .find(|c| c.id == CommentId::from_u128(12))
        .unwrap();
    assert_eq!(
        angry.sentiment,
        Some(hotcrm_support::case::Sentiment::Angry)
    );
    assert!(stored.comments.iter().all(|c| c.sentiment.is_some()));
}

fn edits() -> impl Strategy<Value = CaseEdit> {
    prop_oneof![
        prop::sample::select(vec![
            CaseType::Problem,
            CaseType::Question,
            CaseType::Incident
        ])
        .prop_map(CaseEdit::Type),
        prop::option::of(prop::sample::select(vec![
            AiCategory::Billing,
            AiCategory::Technical
        ]))
        .prop_map(CaseEdit::Category),
        "[a-z ]{0,8}".prop_map(CaseEdit::Subject),
        prop::option::of((1u128..4).prop_map(ContactId::from_u128)).prop_map(CaseEdit::Contact),
    ]
}

proptest! {
    /// Law: a case's history replays to the case whatever edits and reviews it
    /// took (refused ones change nothing), and a repeated edit adds no event.
    #[test]
    fn edit_histories_replay(steps in prop::collection::vec((edits(), any::<bool>()), 1..12)) {
        let rules = CaseRules::default();
        let t0 = t("2026-01-05T09:00:00Z");
        let (mut case, mut history) = Case::create(
            NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1).unwrap(), ACME, "s", "d"),
            t0,
            &rules,
        ).unwrap();
        case.ai.category = Some(AiCategory::Billing);
        if let Some(CaseEvent::Created { case: c, .. }) = history.first_mut() {
            c.ai.category = Some(AiCategory::Billing);
        }
        for (i, (edit, review)) in steps.into_iter().enumerate() {
            let at = t0 + TimeDelta::minutes(i as i64);
            let before = case.clone();
            let command = if review {
                CaseCommand::ReviewAi { suggestion: AiSuggestion::Category, accept: true }
            } else {
                CaseCommand::Edit(edit)
            };
            match case.execute_as(command.clone(), Actor::Agent(LEAD), at, &rules) {
                Ok(events) => {
                    prop_assert!(events.iter().all(|e| e.actor() == Actor::Agent(LEAD)));
                    history.extend(events);
                    let repeat = case.execute_as(command, Actor::Agent(LEAD), at, &rules).unwrap();
                    prop_assert!(repeat.is_empty(), "{repeat:?}");
                }
                Err(_) => prop_assert_eq!(&case, &before),
            }
        }
        prop_assert_eq!(Case::replay(&history).unwrap(), case);
    }
}

#[tokio::test]
async fn comments_thread_keep_markdown_attachments_and_channel() {
    use hotcrm_support::case::{Attachment, Author, BodyFormat, Origin};
    let (desk, repo, clock) = desk().await;
    let case = open(&desk).await;
    let agent = Author::Agent(LEAD);
    let first = NewComment::public(
        CommentId::from_u128(1),
        agent,
        "Please run:\n\n```\nexport --verbose\n```\n\nand send **the log**.",
    )
    .markdown()
    .via(Origin::Web);
    desk.add_comment(case.id, first).await.unwrap();
    clock.advance(TimeDelta::minutes(3));
    let log = Attachment::new(Some("export.log"), "text/plain", 4096);
    let reply = NewComment::public(
        CommentId::from_u128(2),
        Author::Customer(Some(ANN)),
        "Here it is",
    )
    .reply_to(CommentId::from_u128(1))
    .with_attachments(vec![log.clone()])
    .via(Origin::Email);
    let out = desk.add_comment(case.id, reply).await.unwrap();
    let comments = &out.case.value.comments;
    assert_eq!(comments[0].format, BodyFormat::Markdown);
    assert_eq!(
        comments[0].text(),
        "Please run:\nexport --verbose\nand send the log."
    );
    assert!(comments[0].body.contains("**the log**"), "kept as written");
    assert_eq!(comments[1].parent, Some(CommentId::from_u128(1)));
    assert_eq!(comments[1].attachments, vec![log]);
    assert_eq!(comments[1].channel, Some(Origin::Email));
    assert_eq!(comments[1].text(), "Here it is");
    // A reply to a comment that is not on the case is refused, nothing stored.
    let before = repo.get_case(case.id).await.unwrap();
    let orphan = NewComment::customer_reply(CommentId::from_u128(3), "hello?")
        .reply_to(CommentId::from_u128(99));
    let err = desk.add_comment(case.id, orphan).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "parent",
                ..
            }
        ),
        "{err}"
    );
    // More than 100 attachments are refused.
    let many = NewComment::customer_reply(CommentId::from_u128(4), "files").with_attachments(
        (0..101)
            .map(|i| Attachment::new(Some(&format!("f{i}.txt")), "text/plain", 1))
            .collect(),
    );
    let err = desk.add_comment(case.id, many).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "attachments",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(repo.get_case(case.id).await.unwrap(), before);
}

#[tokio::test]
async fn comments_are_edited_and_deleted_with_history() {
    use hotcrm_support::case::Author;
    use hotcrm_support::knowledge::PortalTier;
    use hotcrm_support::portal::{PortalCaseView, PortalUser};
    let (desk, repo, clock) = desk().await;
    let case = open(&desk).await;
    let id = CommentId::from_u128(1);
    desk.add_comment(
        case.id,
        NewComment::public(id, Author::Agent(LEAD), "Refund sent on Monday"),
    )
    .await
    .unwrap();
    clock.advance(TimeDelta::minutes(2));
    let edit = CaseCommand::EditComment {
        comment: id,
        body: "Refund sent on Tuesday".into(),
    };
    // Only the author edits.
    let err = desk
        .execute_as(case.id, Actor::Agent(AgentId::from_u128(5)), edit.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed { .. }), "{err}");
    let out = desk
        .execute_as(case.id, Actor::Agent(LEAD), edit.clone())
        .await
        .unwrap();
    let c = &out.case.value.comments[0];
    assert_eq!(c.body, "Refund sent on Tuesday");
    assert_eq!(c.revisions.len(), 1);
    assert_eq!(c.revisions[0].body, "Refund sent on Monday");
    assert_eq!(c.revisions[0].by, Actor::Agent(LEAD));
    // The same edit again changes nothing.
    let again = desk
        .execute_as(case.id, Actor::Agent(LEAD), edit)
        .await
        .unwrap();
    assert!(again.events.is_empty());
    // The customer cannot delete an agent's comment; any agent can.
    let delete = CaseCommand::DeleteComment { comment: id };
    let err = desk
        .execute_as(case.id, Actor::Customer(Some(ANN)), delete.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed { .. }), "{err}");
    let out = desk
        .execute_as(case.id, Actor::Agent(AgentId::from_u128(5)), delete.clone())
        .await
        .unwrap();
    let c = &out.case.value.comments[0];
    assert!(c.is_deleted());
    assert_eq!(c.body, "Refund sent on Tuesday", "kept for the audit trail");
    assert!(
        desk.execute_as(case.id, Actor::Agent(LEAD), delete)
            .await
            .unwrap()
            .events
            .is_empty()
    );
    // A deleted comment cannot be edited, and the portal leaves it out.
    let err = desk
        .execute_as(
            case.id,
            Actor::Agent(LEAD),
            CaseCommand::EditComment {
                comment: id,
                body: "x".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed { .. }));
    let stored = repo.get_case(case.id).await.unwrap().value;
    let user = PortalUser::new(
        hotcrm_support::ids::PortalUserId::from_u128(1),
        ANN,
        ACME,
        PortalTier::Basic,
        t("2026-01-05T09:00:00Z"),
    )
    .activated();
    assert!(PortalCaseView::of(&stored, &user).comments.is_empty());
    let history = repo.case_events(case.id).await.unwrap();
    assert_eq!(Case::replay(&history).unwrap(), stored);
}

#[tokio::test]
async fn duplicates_merge_in_one_commit_and_only_once() {
    use hotcrm_support::case::Author;
    let (desk, repo, clock) = desk().await;
    let keep = open(&desk).await;
    clock.advance(TimeDelta::minutes(10));
    let dup = desk
        .create_case(CaseRequest::new(ACME, "Charged twice in March", "Please refund").contact(ANN))
        .await
        .unwrap()
        .case
        .value;
    desk.add_comment(
        dup.id,
        NewComment::public(
            CommentId::from_u128(1),
            Author::Customer(Some(ANN)),
            "Any update?",
        ),
    )
    .await
    .unwrap();
    desk.add_comment(
        dup.id,
        NewComment::public(CommentId::from_u128(2), Author::Customer(Some(ANN)), "typo"),
    )
    .await
    .unwrap();
    desk.execute_as(
        dup.id,
        Actor::Customer(Some(ANN)),
        CaseCommand::DeleteComment {
            comment: CommentId::from_u128(2),
        },
    )
    .await
    .unwrap();
    clock.advance(TimeDelta::minutes(10));
    let feed = repo.events_after(0, 100_000).await.unwrap().len();
    let by = Actor::Agent(LEAD);
    let out = desk.merge_cases(dup.id, keep.id, by).await.unwrap();
    let kept = repo.get_case(keep.id).await.unwrap().value;
    assert_eq!(out.case.value, kept);
    assert_eq!(kept.comments.len(), 1, "the deleted comment stays behind");
    assert_eq!(kept.comments[0].body, "Any update?");
    let closed = repo.get_case(dup.id).await.unwrap().value;
    assert_eq!(closed.status, CaseStatus::Closed);
    assert_eq!(closed.merged_into, Some(keep.id));
    assert!(closed.milestones.iter().all(|m| m.is_completed()));
    assert!(closed.survey.is_none(), "no survey for a duplicate");
    // One commit: both cases' events are next to each other in the feed.
    let after = repo.events_after(feed as u64, 100_000).await.unwrap();
    let cases: std::collections::BTreeSet<_> = after.iter().map(|e| e.case).collect();
    assert_eq!(cases, [keep.id, dup.id].into_iter().collect());
    // Both histories replay.
    for id in [keep.id, dup.id] {
        let history = repo.case_events(id).await.unwrap();
        assert_eq!(
            Case::replay(&history).unwrap(),
            repo.get_case(id).await.unwrap().value
        );
    }
    // Again: a no-op.
    let again = desk.merge_cases(dup.id, keep.id, by).await.unwrap();
    assert!(again.events.is_empty());
    assert_eq!(
        repo.events_after(0, 100_000).await.unwrap().len(),
        feed + after.len()
    );
    // The surviving case's timeline shows the duplicate's history.
    let timeline = desk.timeline(keep.id).await.unwrap().to_string();
    assert!(timeline.contains("Charged twice in March"), "{timeline}");
    assert!(
        timeline.contains("merged CASE-2026-0002 here (1 comments)"),
        "{timeline}"
    );
    // Refusals store nothing.
    let other = desk
        .create_case(CaseRequest::new(GLOBEX, "Login fails", "SSO error").contact(GUS))
        .await
        .unwrap()
        .case
        .value;
    let before = repo.events_after(0, 100_000).await.unwrap().len();
    for (a, b) in [(other.id, keep.id), (keep.id, keep.id), (keep.id, dup.id)] {
        assert!(desk.merge_cases(a, b, by).await.is_err());
    }
    assert_eq!(repo.events_after(0, 100_000).await.unwrap().len(), before);
}

#[tokio::test]
async fn a_failed_merge_commit_leaves_both_cases_as_they_were() {
    let repo = Arc::new(FaultyRepository::failing([3]));
    seed(repo.as_ref()).await;
    let desk = SupportDesk::builder(repo.clone())
        .clock(ManualClock::new(t("2026-01-05T14:00:00Z")))
        .build();
    let keep = open(&desk).await;
    let dup = open(&desk).await;
    let err = desk
        .merge_cases(dup.id, keep.id, Actor::Agent(LEAD))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Storage { .. }));
    assert_eq!(
        repo.get_case(dup.id).await.unwrap().value.status,
        CaseStatus::New
    );
    assert_eq!(repo.get_case(keep.id).await.unwrap().version, 1);
    desk.merge_cases(dup.id, keep.id, Actor::Agent(LEAD))
        .await
        .unwrap();
    assert_eq!(
        repo.get_case(dup.id).await.unwrap().value.merged_into,
        Some(keep.id)
    );
}

#[tokio::test]
async fn a_comment_splits_into_one_new_case() {
    use hotcrm_support::case::{Author, Origin};
    let (desk, repo, clock) = desk().await;
    let case = open(&desk).await;
    let id = CommentId::from_u128(1);
    desk.add_comment(
        case.id,
        NewComment::public(
            id,
            Author::Customer(Some(BEN)),
            "Unrelated: the VPN drops hourly",
        )
        .via(Origin::Email),
    )
    .await
    .unwrap();
    clock.advance(TimeDelta::minutes(5));
    let by = Actor::Agent(LEAD);
    let split = desk
        .split_comment(case.id, id, "VPN drops hourly", by)
        .await
        .unwrap();
    let new = split.case.value;
    assert_eq!(new.parent, Some(case.id));
    assert_eq!(new.account, ACME);
    assert_eq!(new.contact, Some(BEN), "the comment's author");
    assert_eq!(new.origin, Origin::Email);
    assert_eq!(new.description, "Unrelated: the VPN drops hourly");
    assert_eq!(new.number.to_string(), "CASE-2026-0002");
    assert_eq!(split.events[0].actor(), by);
    let original = repo.get_case(case.id).await.unwrap().value;
    assert!(original.comments[0].is_deleted());
    // Again: the same case, nothing stored.
    let feed = repo.events_after(0, 100_000).await.unwrap().len();
    let again = desk
        .split_comment(case.id, id, "VPN drops hourly", by)
        .await
        .unwrap();
    assert_eq!(again.case.value.id, new.id);
    assert!(again.events.is_empty());
    assert_eq!(repo.events_after(0, 100_000).await.unwrap().len(), feed);
    // An unknown comment or a blank subject stores nothing and uses no number.
    assert!(matches!(
        desk.split_comment(case.id, CommentId::from_u128(9), "x", by)
            .await,
        Err(Error::NotFound { .. })
    ));
    desk.add_comment(
        case.id,
        NewComment::customer_reply(CommentId::from_u128(2), "and printing"),
    )
    .await
    .unwrap();
    let before = repo.events_after(0, 100_000).await.unwrap().len();
    assert!(matches!(
        desk.split_comment(case.id, CommentId::from_u128(2), " ", by)
            .await,
        Err(Error::Validation { .. })
    ));
    assert_eq!(repo.events_after(0, 100_000).await.unwrap().len(), before);
    let next = desk
        .create_case(CaseRequest::new(ACME, "s", "d"))
        .await
        .unwrap();
    assert_eq!(
        next.case.value.number.to_string(),
        "CASE-2026-0003",
        "no number used"
    );
}

#[tokio::test]
async fn concurrent_splits_of_one_comment_open_one_case() {
    let (desk, repo, _) = desk().await;
    let desk = Arc::new(desk);
    let case = open(&desk).await;
    let id = CommentId::from_u128(1);
    desk.add_comment(case.id, NewComment::customer_reply(id, "Also the printer"))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let desk = desk.clone();
            tokio::spawn(async move {
                desk.split_comment(case.id, id, "Printer", Actor::Agent(LEAD))
                    .await
                    .map(|o| o.case.value.id)
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap().unwrap());
    }
    assert_eq!(ids.len(), 1);
    let all = repo
        .scan_cases(&hotcrm_support::case::CaseQuery::default(), None, 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn a_macro_is_one_command_all_or_nothing() {
    use hotcrm_support::case::{Macro, MacroAction, Priority, Visibility};
    let (desk, repo, _) = desk().await;
    let case = open(&desk).await;
    let agent = AgentId::from_u128(5);
    let m = Macro::new(
        "Refund promised",
        vec![
            MacroAction::Reply(
                "Hello {{contact.first_name|there}}, {{account.name}}'s refund for {{case.number}} is on its way. — {{agent.first_name|Support}}".into(),
            ),
            MacroAction::Note("Refund promised by macro".into()),
            MacroAction::SetCategory(Some(AiCategory::Billing)),
            MacroAction::SetPriority(Priority::Low),
            MacroAction::StartWork,
            MacroAction::Resolve("Refund issued for {{case.subject}}".into()),
        ],
    )
    .unwrap();
    // Not assigned yet: StartWork is refused (no owner), and nothing of the
    // macro is stored — not the reply, note, category or priority before it.
    let before = repo.get_case(case.id).await.unwrap();
    let run = CommentId::from_u128(500);
    let err = desk.apply_macro(case.id, &m, agent, run).await.unwrap_err();
    assert!(matches!(err, Error::NotAllowed { .. }), "{err}");
    assert_eq!(
        repo.get_case(case.id).await.unwrap(),
        before,
        "the reply, note, category and priority before it are not stored either"
    );
    desk.assign(case.id, agent).await.unwrap();
    let out = desk.apply_macro(case.id, &m, agent, run).await.unwrap();
    let c = out.case.value;
    assert_eq!(c.status, CaseStatus::Resolved);
    assert_eq!(c.priority, Priority::Low);
    assert_eq!(c.category, Some(AiCategory::Billing));
    assert_eq!(
        c.comments[0].body,
        "Hello Ann, Acme's refund for CASE-2026-0001 is on its way. — Support"
    );
    assert_eq!(c.comments[1].visibility, Visibility::Internal);
    assert_eq!(
        c.resolution.as_deref(),
        Some("Refund issued for Invoice total is wrong")
    );
    assert!(
        out.events
            .iter()
            .all(|e| e.actor() == Actor::Agent(agent) || e.actor() == Actor::System)
    );
    // The same run again stores nothing.
    let feed = repo.events_after(0, 100_000).await.unwrap().len();
    let again = desk.apply_macro(case.id, &m, agent, run).await.unwrap();
    assert!(again.events.is_empty(), "{:?}", again.events);
    assert_eq!(repo.events_after(0, 100_000).await.unwrap().len(), feed);
}

const PLACEHOLDER: &str = "{{case.number}}";

proptest! {
    /// Law: any template either is refused when the macro is built or renders
    /// without panicking; rendered replies never keep a known placeholder.
    #[test]
    fn macro_templates_render_or_are_refused(template in "[a-z {}|.]{0,40}") {
        use hotcrm_support::case::{Macro, MacroAction, MacroContext};
        let rules = CaseRules::default();
        let (case, _) = Case::create(
            NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1).unwrap(), ACME, "s", "d"),
            t("2026-01-05T09:00:00Z"),
            &rules,
        ).unwrap();
        if let Ok(m) = Macro::new("m", vec![MacroAction::Reply(template)]) {
            match m.commands(&case, &MacroContext::default(), LEAD, CommentId::from_u128(1)) {
                Ok(commands) => {
                    for c in commands {
                        if let CaseCommand::Comment(reply) = c {
                            let kept = reply.body.contains(PLACEHOLDER);
                            prop_assert!(!kept, "{}", reply.body);
                        }
                    }
                }
                Err(e) => {
                    let validation = matches!(e, Error::Validation { .. });
                    prop_assert!(validation, "{}", e);
                }
            }
        }
    }
}

proptest! {
    /// Law: the plain-text form of any Markdown body is computed without
    /// panicking, and a body of plain words is its own plain text.
    #[test]
    fn markdown_plain_text_is_total_and_keeps_plain_words(
        any_text in "\\PC{0,200}",
        words in prop::collection::vec("[a-z]{1,8}", 1..20),
    ) {
        let _ = hotcrm_support::case::markdown_to_text(&any_text);
        let plain = words.join(" ");
        prop_assert_eq!(hotcrm_support::case::markdown_to_text(&plain), plain);
    }
}

#[tokio::test]
async fn a_failed_macro_commit_stores_none_of_its_actions() {
    use hotcrm_support::case::{Macro, MacroAction, Priority};
    let repo = Arc::new(FaultyRepository::failing([3]));
    seed(repo.as_ref()).await;
    let desk = SupportDesk::builder(repo.clone())
        .clock(ManualClock::new(t("2026-01-05T14:00:00Z")))
        .build();
    let case = open(&desk).await; // commit 1
    let agent = AgentId::from_u128(5);
    desk.assign(case.id, agent).await.unwrap(); // commit 2
    let m = Macro::new(
        "Ask",
        vec![
            MacroAction::Reply("Could you send the invoice?".into()),
            MacroAction::SetPriority(Priority::High),
            MacroAction::WaitOnCustomer,
        ],
    )
    .unwrap();
    let before = repo.get_case(case.id).await.unwrap();
    let run = CommentId::from_u128(7);
    let err = desk.apply_macro(case.id, &m, agent, run).await.unwrap_err(); // commit 3 fails
    assert!(matches!(err, Error::Storage { .. }), "{err}");
    assert_eq!(repo.get_case(case.id).await.unwrap(), before);
    // The retry stores all of it once.
    let out = desk.apply_macro(case.id, &m, agent, run).await.unwrap();
    assert_eq!(out.case.value.comments.len(), 1);
    assert_eq!(out.case.value.priority, Priority::High);
    assert_eq!(out.case.value.status, CaseStatus::WaitingOnCustomer);
}
