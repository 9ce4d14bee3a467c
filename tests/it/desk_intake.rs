//! Email into the desk (feature `email`): raw messages through
//! `SupportDesk::receive_email` on `MemoryRepository` with a `ManualClock` —
//! new cases, replies, reopen, follow-up, strangers, machine mail, mail loops,
//! bounces, repeated deliveries, unknown senders, and a no-panic property.

use std::sync::Arc;

use hotcrm_support::Error;
use hotcrm_support::case::{Author, CaseEvent, CaseStatus, Origin, Resolution, Visibility};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{
    DeskConfig, IntakeConfig, IntakeOutcome, QUOTED_MARKER, QuarantineCause, SupportDesk,
    split_stored_body,
};
use hotcrm_support::ids::{AccountId, CaseId, ContactId};
use hotcrm_support::intake::{
    AutoResponse, IgnoreReason, Mailbox, OwnMessageId, QuarantineReason, SuppressReason,
};
use hotcrm_support::repo::{Account, Contact, MemoryRepository, Repository};
use proptest::prelude::*;

const ACME: AccountId = AccountId::from_u128(1);
const WALK_IN: AccountId = AccountId::from_u128(9);
const ANN: ContactId = ContactId::from_u128(2);

struct Fixture {
    desk: SupportDesk,
    repo: Arc<MemoryRepository>,
    clock: ManualClock,
}

/// Acme with its contacts Ann and Boss; with `default_account`, a walk-in
/// account for unknown senders.
async fn fixture(default_account: bool) -> Fixture {
    let repo = Arc::new(MemoryRepository::new());
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
    repo.put_contact(
        &Contact::new(
            ContactId::from_u128(3),
            ACME,
            "Boss",
            "boss@customer.example",
        ),
        None,
    )
    .await
    .unwrap();
    let clock = ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap());
    let mut config = DeskConfig::default();
    if default_account {
        config.intake = IntakeConfig::default().default_account(WALK_IN);
    }
    let desk = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .config(config)
        .build();
    Fixture { desk, repo, clock }
}

fn support() -> Mailbox {
    Mailbox::new(Some("Support"), "support@desk.example").unwrap()
}

/// A raw message from header pairs and a body.
fn mail(headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut raw = String::new();
    for (name, value) in headers {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    raw.push_str("\r\n");
    raw.push_str(&body.replace('\n', "\r\n"));
    raw.into_bytes()
}

/// Our Message-ID number `seq` of `case` on `domain`.
fn ours(case: CaseId, seq: u64, domain: &str) -> String {
    OwnMessageId::new(case, seq)
        .to_message_id(domain)
        .unwrap()
        .to_string()
}

fn first_mail() -> Vec<u8> {
    mail(
        &[
            ("From", "Ann Lee <ann@customer.example>"),
            ("To", "support@desk.example"),
            ("Subject", "Invoice export fails"),
            ("Message-ID", "<m1@customer.example>"),
            ("Date", "Mon, 5 Jan 2026 13:59:00 +0000"),
        ],
        "The CSV export fails with error 500.\n\nOn Fri, Desk wrote:\n> Anything else?\n",
    )
}

fn reply_to(case: CaseId, n: u32, text: &str) -> Vec<u8> {
    let mid = format!("<r{n}@customer.example>");
    let irt = ours(case, 1, "desk.example");
    mail(
        &[
            ("From", "Ann Lee <ann@customer.example>"),
            ("To", "support@desk.example"),
            ("Subject", "Re: Invoice export fails"),
            ("Message-ID", &mid),
            ("In-Reply-To", &irt),
        ],
        text,
    )
}

async fn created(f: &Fixture) -> CaseId {
    let out = f
        .desk
        .receive_email(&first_mail(), &support())
        .await
        .unwrap();
    let IntakeOutcome::Created { case, .. } = out else {
        panic!("not created: {out:?}")
    };
    case.value.id
}

fn case_id(out: &IntakeOutcome) -> CaseId {
    out.case().expect("a case").value.id
}

#[tokio::test]
async fn new_mail_opens_a_case_for_the_known_contact() {
    let f = fixture(false).await;
    let out = f
        .desk
        .receive_email(&first_mail(), &support())
        .await
        .unwrap();
    let IntakeOutcome::Created {
        case,
        events,
        auto_response,
        refused_token,
        ..
    } = &out
    else {
        panic!("{out:?}")
    };
    let c = &case.value;
    assert_eq!(c.number.to_string(), "CASE-2026-0001");
    assert_eq!(
        (c.account, c.contact),
        (ACME, Some(ANN)),
        "account from the contact"
    );
    assert_eq!(c.origin, Origin::Email);
    assert_eq!(c.subject, "Invoice export fails");
    // The visible part first, the quoted history kept after the marker.
    let (visible, quoted) = split_stored_body(&c.description);
    assert_eq!(visible, "The CSV export fails with error 500.");
    assert!(quoted.is_some_and(|q| q.contains("> Anything else?")));
    assert!(c.description.contains(QUOTED_MARKER));
    // Creation went through create_case: AI insights and the Created event.
    assert!(c.ai.sentiment.is_some() && c.ai.category.is_some());
    assert!(matches!(events.first(), Some(CaseEvent::Created { .. })));
    assert_eq!(*refused_token, None);
    assert!(
        matches!(auto_response, Some(AutoResponse::Send { to }) if to.as_str() == "ann@customer.example")
    );
}

#[tokio::test]
async fn a_reply_to_our_message_id_is_appended() {
    let f = fixture(false).await;
    let id = created(&f).await;
    let out = f
        .desk
        .receive_email(
            &reply_to(
                id,
                1,
                "Still failing.\n\nOn Mon, Support wrote:\n> Try again",
            ),
            &support(),
        )
        .await
        .unwrap();
    assert!(matches!(out, IntakeOutcome::Appended { .. }), "{out:?}");
    assert_eq!(case_id(&out), id);
    let c = &out.case().unwrap().value;
    let comment = c.comments.last().unwrap();
    assert_eq!(comment.author, Author::Customer(Some(ANN)));
    assert_eq!(comment.visibility, Visibility::Public);
    assert_eq!(split_stored_body(&comment.body).0, "Still failing.");
    assert!(
        split_stored_body(&comment.body)
            .1
            .unwrap()
            .contains("> Try again")
    );
    assert!(
        out.auto_response().is_none(),
        "replies are not acknowledged"
    );
}

#[tokio::test]
async fn a_reply_to_a_resolved_case_reopens_it_and_repeats_are_no_ops() {
    let f = fixture(false).await;
    let id = created(&f).await;
    f.desk
        .resolve(id, Resolution::new("Export fixed"))
        .await
        .unwrap();
    let raw = reply_to(id, 1, "It broke again.");
    let out = f.desk.receive_email(&raw, &support()).await.unwrap();
    assert!(matches!(out, IntakeOutcome::Reopened { .. }), "{out:?}");
    assert_ne!(out.case().unwrap().value.status, CaseStatus::Resolved);
    assert!(
        out.events()
            .iter()
            .any(|e| matches!(e, CaseEvent::Reopened { .. }))
    );

    let stored = f.repo.case_events(id).await.unwrap().len();
    let again = f.desk.receive_email(&raw, &support()).await.unwrap();
    assert!(matches!(again, IntakeOutcome::Reopened { .. }), "{again:?}");
    assert!(again.events().is_empty());
    assert_eq!(f.repo.case_events(id).await.unwrap().len(), stored);
}

#[tokio::test]
async fn a_reply_to_a_closed_case_opens_a_follow_up() {
    let f = fixture(false).await;
    let id = created(&f).await;
    f.desk.resolve(id, Resolution::new("Fixed")).await.unwrap();
    f.desk.close(id).await.unwrap();
    let raw = reply_to(id, 1, "Same problem on another invoice.");
    let out = f.desk.receive_email(&raw, &support()).await.unwrap();
    let IntakeOutcome::FollowUp {
        original,
        case,
        events,
        auto_response,
        ..
    } = &out
    else {
        panic!("{out:?}")
    };
    assert_eq!(*original, id);
    assert_eq!(case.value.parent, Some(id));
    assert_ne!(case.value.id, id);
    assert!(case.value.description.starts_with("Same problem"));
    assert!(matches!(events.first(), Some(CaseEvent::Created { .. })));
    assert!(
        auto_response.as_ref().is_some_and(|a| !a.is_send()),
        "acknowledged once per week"
    );

    let again = f.desk.receive_email(&raw, &support()).await.unwrap();
    assert!(matches!(again, IntakeOutcome::FollowUp { .. }), "{again:?}");
    assert_eq!(case_id(&again), case.value.id);
    assert!(again.events().is_empty());
    assert!(again.auto_response().is_none());
}

#[tokio::test]
async fn a_stranger_using_a_real_case_number_gets_a_new_case() {
    let f = fixture(true).await;
    let id = created(&f).await;
    let raw = mail(
        &[
            ("From", "mallory@evil.example"),
            ("To", "support@desk.example"),
            ("Subject", "Re: [CASE-2026-0001] please resend the invoice"),
            ("Message-ID", "<x1@evil.example>"),
        ],
        "Send it to this address instead.",
    );
    let out = f.desk.receive_email(&raw, &support()).await.unwrap();
    let IntakeOutcome::Created {
        case,
        refused_token,
        ..
    } = &out
    else {
        panic!("{out:?}")
    };
    assert_ne!(case.value.id, id);
    assert_eq!(case.value.account, WALK_IN);
    assert_eq!(
        refused_token.map(|n| n.to_string()).as_deref(),
        Some("CASE-2026-0001")
    );
    assert!(f.desk.case(id).await.unwrap().value.comments.is_empty());
    // A contact of the case's account may use the token.
    let boss = mail(
        &[
            ("From", "Boss <boss@customer.example>"),
            ("Subject", "Re: [CASE-2026-0001] Invoice export fails"),
            ("Message-ID", "<b1@customer.example>"),
        ],
        "Any news?",
    );
    let out = f.desk.receive_email(&boss, &support()).await.unwrap();
    assert!(matches!(out, IntakeOutcome::Appended { .. }), "{out:?}");
    assert_eq!(case_id(&out), id);
}

#[tokio::test]
async fn out_of_office_replies_never_reopen_nor_get_answers() {
    let f = fixture(true).await;
    let id = created(&f).await;
    f.desk.resolve(id, Resolution::new("Fixed")).await.unwrap();
    let irt = ours(id, 2, "desk.example");
    let ooo = mail(
        &[
            ("From", "Ann Lee <ann@customer.example>"),
            ("Subject", "Out of Office: Re: Invoice export fails"),
            ("Message-ID", "<ooo1@customer.example>"),
            ("In-Reply-To", &irt),
            ("Auto-Submitted", "auto-replied"),
        ],
        "I am away until Monday.",
    );
    let out = f.desk.receive_email(&ooo, &support()).await.unwrap();
    let IntakeOutcome::InternalNote { case, events, .. } = &out else {
        panic!("{out:?}")
    };
    assert_eq!(case.value.status, CaseStatus::Resolved, "not reopened");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, CaseEvent::Reopened { .. }))
    );
    let note = case.value.comments.last().unwrap();
    assert_eq!(
        (note.author, note.visibility),
        (Author::Bot, Visibility::Internal)
    );
    assert!(note.body.contains("I am away until Monday."));
    assert!(out.auto_response().is_none());

    // Without a thread it is ignored: no case, no acknowledgement.
    let lone = mail(
        &[
            ("From", "Ann Lee <ann@customer.example>"),
            ("Subject", "Automatic reply: hello"),
            ("Message-ID", "<ooo2@customer.example>"),
        ],
        "I am away.",
    );
    let out = f.desk.receive_email(&lone, &support()).await.unwrap();
    assert!(
        matches!(
            out,
            IntakeOutcome::Ignored {
                reason: IgnoreReason::MachineMailWithoutCase,
                bounce: None,
                ..
            }
        ),
        "{out:?}"
    );
}

/// Desk A and desk B each acknowledge new mail; their hosts send the
/// acknowledgements with RFC 3834 headers. Mail bounces between them until
/// nobody answers: the exchange must stop at once.
#[tokio::test]
async fn two_auto_responding_desks_stop_answering_each_other() {
    async fn desk_on(domain: &str) -> (SupportDesk, Mailbox) {
        let repo = MemoryRepository::new();
        repo.put_account(&Account::new(WALK_IN, "Walk-ins"), None)
            .await
            .unwrap();
        let mut config = DeskConfig::default();
        config.intake = IntakeConfig::default().default_account(WALK_IN);
        let desk = SupportDesk::builder(repo)
            .clock(ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap()))
            .config(config)
            .build();
        (desk, Mailbox::new(None, &format!("help@{domain}")).unwrap())
    }
    let (a, a_box) = desk_on("a.example").await;
    let (b, b_box) = desk_on("b.example").await;
    // The host's acknowledgement for a case, as the crate's docs ask for.
    let ack = |from: &Mailbox, to: &str, case: CaseId, n: u64| {
        let domain = from.address.domain().to_string();
        mail(
            &[
                ("From", from.address.as_str()),
                ("To", to),
                ("Subject", "We received your request"),
                ("Message-ID", &ours(case, n, &domain)),
                ("Auto-Submitted", "auto-replied"),
                ("X-Loop", from.address.as_str()),
            ],
            "Thank you, we will get back to you.",
        )
    };
    // B writes to A as if it were a person (it opened a case from our mail).
    let mut inbox: Vec<(bool, Vec<u8>)> = vec![(
        true,
        mail(
            &[
                ("From", b_box.address.as_str()),
                ("To", a_box.address.as_str()),
                ("Subject", "Order 42"),
                ("Message-ID", "<start@b.example>"),
            ],
            "Where is order 42?",
        ),
    )];
    let mut acks = 0;
    let mut deliveries = 0;
    while let Some((to_a, raw)) = inbox.pop() {
        deliveries += 1;
        assert!(deliveries <= 10, "mail loop");
        let (desk, mailbox) = if to_a { (&a, &a_box) } else { (&b, &b_box) };
        let out = desk.receive_email(&raw, mailbox).await.unwrap();
        if let Some(AutoResponse::Send { to }) = out.auto_response() {
            acks += 1;
            inbox.push((!to_a, ack(mailbox, to.as_str(), case_id(&out), 1)));
        }
    }
    assert_eq!(
        (deliveries, acks),
        (2, 1),
        "one acknowledgement, then silence"
    );

    // A naive responder that strips RFC 3834 headers but keeps X-Loop: our own
    // mail coming back is machine mail, never a reply.
    let looped = mail(
        &[
            ("From", b_box.address.as_str()),
            ("Subject", "Re: We received your request"),
            ("Message-ID", "<naive1@b.example>"),
            ("X-Loop", a_box.address.as_str()),
        ],
        "Thanks for your mail.",
    );
    let out = a.receive_email(&looped, &a_box).await.unwrap();
    assert!(matches!(out, IntakeOutcome::Ignored { .. }), "{out:?}");
    // And one that strips everything is acknowledged once per week only.
    let naive = mail(
        &[
            ("From", b_box.address.as_str()),
            ("Subject", "Re: We received your request"),
            ("Message-ID", "<naive2@b.example>"),
        ],
        "Thanks for your mail.",
    );
    let out = a.receive_email(&naive, &a_box).await.unwrap();
    assert!(
        matches!(
            out.auto_response(),
            Some(AutoResponse::Suppressed {
                reason: SuppressReason::RecentlyAcknowledged { .. }
            })
        ),
        "{out:?}"
    );
}

#[tokio::test]
async fn a_bounce_is_attached_to_the_original_case() {
    let f = fixture(false).await;
    let id = created(&f).await;
    let original = ours(id, 3, "Desk.Example");
    let dsn = format!(
        concat!(
            "Return-Path: <>\r\n",
            "From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>\r\n",
            "To: support@desk.example\r\n",
            "Subject: Undelivered Mail Returned to Sender\r\n",
            "Message-ID: <dsn1@mx.customer.example>\r\n",
            "MIME-Version: 1.0\r\n",
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n",
            "--R\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n",
            "--R\r\nContent-Type: message/delivery-status\r\n\r\n",
            "Reporting-MTA: dns; mx.customer.example\r\n\r\n",
            "Final-Recipient: rfc822; gone@customer.example\r\n",
            "Action: failed\r\nStatus: 5.1.1\r\n",
            "Diagnostic-Code: smtp; 550 5.1.1 Recipient address rejected\r\n",
            "--R\r\nContent-Type: message/rfc822\r\n\r\n",
            "From: support@desk.example\r\nTo: gone@customer.example\r\n",
            "Message-ID: {}\r\n",
            "Subject: [CASE-2026-0001] Update\r\n\r\nYour case was updated.\r\n",
            "--R--\r\n"
        ),
        original
    );
    let out = f
        .desk
        .receive_email(dsn.as_bytes(), &support())
        .await
        .unwrap();
    assert!(matches!(out, IntakeOutcome::InternalNote { .. }), "{out:?}");
    assert_eq!(case_id(&out), id);
    assert_eq!(
        out.undeliverable().map(|a| a.as_str()),
        Some("gone@customer.example")
    );
    let note = out.case().unwrap().value.comments.last().unwrap().clone();
    assert_eq!(
        (note.author, note.visibility),
        (Author::Bot, Visibility::Internal)
    );
    assert!(
        note.body.starts_with("Delivery failure (permanent, 5.1.1)"),
        "{}",
        note.body
    );
    // No contact record was changed; the address is marked undeliverable in
    // the note's commit, once per bounce message.
    let ann = f.repo.get_contact(ANN).await.unwrap();
    assert_eq!(ann.version, 1);
    let gone = hotcrm_support::intake::EmailAddress::parse("gone@customer.example").unwrap();
    let mark = f.desk.undeliverable(&gone).await.unwrap().unwrap();
    assert!(mark.is_undeliverable());
    assert_eq!((mark.bounces, mark.status.as_deref()), (1, Some("5.1.1")));
    f.desk
        .receive_email(dsn.as_bytes(), &support())
        .await
        .unwrap();
    assert_eq!(
        f.desk.undeliverable(&gone).await.unwrap().unwrap().bounces,
        1
    );
    // Cleared by the host, then marked again by a new bounce.
    f.clock.advance(chrono::TimeDelta::hours(1));
    f.desk.clear_undeliverable(&gone).await.unwrap();
    assert!(
        !f.desk
            .undeliverable(&gone)
            .await
            .unwrap()
            .unwrap()
            .is_undeliverable()
    );
    f.clock.advance(chrono::TimeDelta::hours(1));
    let again = dsn.replace("<dsn1@mx.customer.example>", "<dsn2@mx.customer.example>");
    f.desk
        .receive_email(again.as_bytes(), &support())
        .await
        .unwrap();
    let mark = f.desk.undeliverable(&gone).await.unwrap().unwrap();
    assert!(mark.is_undeliverable());
    assert_eq!(mark.bounces, 2);
    // A bounce about mail that is not ours reaches no case but still marks.
    let stray = dsn
        .replace("<dsn1@mx.customer.example>", "<dsn3@mx.customer.example>")
        .replace(&original, "<unknown@elsewhere.example>")
        .replace("gone@customer.example", "left@customer.example");
    let out = f
        .desk
        .receive_email(stray.as_bytes(), &support())
        .await
        .unwrap();
    assert!(matches!(out, IntakeOutcome::Ignored { .. }), "{out:?}");
    let left = hotcrm_support::intake::EmailAddress::parse("left@customer.example").unwrap();
    assert!(
        f.desk
            .undeliverable(&left)
            .await
            .unwrap()
            .unwrap()
            .is_undeliverable()
    );
}

#[tokio::test]
async fn the_same_message_twice_gives_the_same_outcome_and_no_new_events() {
    let f = fixture(false).await;
    let raw = first_mail();
    let first = f.desk.receive_email(&raw, &support()).await.unwrap();
    let feed = f.desk.events_after(0, 10_000).await.unwrap().len();
    let id = case_id(&first);
    f.clock.advance(chrono::TimeDelta::minutes(5));
    let second = f.desk.receive_email(&raw, &support()).await.unwrap();
    assert!(
        matches!(second, IntakeOutcome::Created { .. }),
        "{second:?}"
    );
    assert_eq!(case_id(&second), id);
    assert!(second.events().is_empty());
    assert!(second.auto_response().is_none(), "acknowledged once");
    assert_eq!(f.desk.events_after(0, 10_000).await.unwrap().len(), feed);

    let reply = reply_to(id, 1, "More details: it fails on page 2.");
    let a = f.desk.receive_email(&reply, &support()).await.unwrap();
    let b = f.desk.receive_email(&reply, &support()).await.unwrap();
    assert!(matches!(a, IntakeOutcome::Appended { .. }));
    assert!(matches!(b, IntakeOutcome::Appended { .. }));
    assert!(b.events().is_empty());
    assert_eq!(b.case().unwrap().value.comments.len(), 1);
    assert_eq!(
        f.desk.events_after(0, 10_000).await.unwrap().len(),
        feed + a.events().len()
    );
}

#[tokio::test]
async fn unknown_senders_are_quarantined_without_a_default_account() {
    let f = fixture(false).await;
    let raw = mail(
        &[
            ("From", "new@prospect.example"),
            ("Subject", "Pricing"),
            ("Message-ID", "<p1@prospect.example>"),
        ],
        "How much is it?",
    );
    let out = f.desk.receive_email(&raw, &support()).await.unwrap();
    let IntakeOutcome::Quarantined { reasons, .. } = &out else {
        panic!("{out:?}")
    };
    assert!(matches!(
        reasons.as_slice(),
        [QuarantineCause::UnknownSender { address }] if address.as_str() == "new@prospect.example"
    ));
    assert!(
        f.desk.events_after(0, 10).await.unwrap().is_empty(),
        "nothing stored"
    );
    assert!(
        f.repo
            .find_contact_by_email("new@prospect.example")
            .await
            .unwrap()
            .is_none()
    );

    // With a default account the sender becomes a contact there, once.
    let f = fixture(true).await;
    let out = f.desk.receive_email(&raw, &support()).await.unwrap();
    assert!(matches!(out, IntakeOutcome::Created { .. }), "{out:?}");
    let contact = f
        .repo
        .find_contact_by_email("new@prospect.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact.value.account, WALK_IN);
    assert_eq!(out.case().unwrap().value.contact, Some(contact.value.id));
}

#[tokio::test]
async fn screened_mail_is_quarantined_and_bad_input_is_a_typed_error() {
    let f = fixture(true).await;
    let spam = mail(
        &[
            ("From", "win@lottery.example"),
            ("Subject", "You won"),
            ("X-Spam-Flag", "YES"),
        ],
        "Claim now.",
    );
    let out = f.desk.receive_email(&spam, &support()).await.unwrap();
    assert!(matches!(
        &out,
        IntakeOutcome::Quarantined { reasons, .. }
            if matches!(reasons.as_slice(), [QuarantineCause::Screened(QuarantineReason::SpamFlagged { .. })])
    ));
    assert!(matches!(
        f.desk.receive_email(b"", &support()).await,
        Err(Error::Parse { .. })
    ));
    let huge = mail(
        &[("From", "ann@customer.example"), ("Subject", "Log")],
        &"x".repeat(40_000),
    );
    assert!(matches!(
        f.desk.receive_email(&huge, &support()).await,
        Err(Error::Validation {
            field: "email body",
            ..
        })
    ));
    assert!(
        f.desk.events_after(0, 10).await.unwrap().is_empty(),
        "nothing stored"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any bytes given to the desk: Ok or a typed error, never a panic.
    #[test]
    fn any_bytes_are_taken_in_or_refused_typed(
        raw in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..1024),
            "(From: [a-z]{1,5}@x\\.example\r\n)?(Subject: [ -~]{0,30}\r\n)?(In-Reply-To: <case-[0-9a-f-]{0,36}\\.1@desk\\.example>\r\n)?\r\n[ -~\n]{0,200}"
                .prop_map(String::into_bytes),
        ]
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let result = rt.block_on(async {
            let f = fixture(true).await;
            f.desk.receive_email(&raw, &support()).await
        });
        match result {
            Ok(_) | Err(Error::Parse { .. } | Error::Validation { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}

/// The AI reads what the customer wrote now: anger in the quoted history of an
/// earlier exchange neither makes the new case Angry nor escalates it, while
/// the same words written now do both.
#[tokio::test]
async fn the_ai_reads_the_new_words_not_the_quoted_history() {
    use hotcrm_support::case::Sentiment;
    let angry = "This is unacceptable! I am furious, the worst service ever, fix it now!";
    let f = fixture(false).await;
    let quoted = mail(
        &[
            ("From", "Ann Lee <ann@customer.example>"),
            ("To", "support@desk.example"),
            ("Subject", "Export works"),
            ("Message-ID", "<calm@customer.example>"),
        ],
        &format!("Thanks, the export works now.\n\nOn Fri, Ann wrote:\n> {angry}\n"),
    );
    let out = f.desk.receive_email(&quoted, &support()).await.unwrap();
    let IntakeOutcome::Created { case, events, .. } = &out else {
        panic!("{out:?}")
    };
    assert_ne!(case.value.ai.sentiment, Some(Sentiment::Angry));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, CaseEvent::Escalated { .. }))
    );
    // The quoted history is still kept in the description.
    assert!(case.value.description.contains("furious"));

    let written_now = mail(
        &[
            ("From", "Ann Lee <ann@customer.example>"),
            ("To", "support@desk.example"),
            ("Subject", "Export broken again"),
            ("Message-ID", "<angry@customer.example>"),
        ],
        angry,
    );
    let out = f
        .desk
        .receive_email(&written_now, &support())
        .await
        .unwrap();
    let IntakeOutcome::Created { case, .. } = &out else {
        panic!("{out:?}")
    };
    assert_eq!(case.value.ai.sentiment, Some(Sentiment::Angry));
}

#[tokio::test]
async fn a_cc_participant_may_use_the_case_token_and_replies_add_participants() {
    let f = fixture(true).await;
    // Ann opens the case with an outside partner on Cc.
    let raw = mail(
        &[
            ("From", "Ann Lee <ann@customer.example>"),
            ("To", "support@desk.example"),
            ("Cc", "Pat Partner <pat@partner.example>"),
            ("Subject", "Invoice export fails"),
            ("Message-ID", "<cc1@customer.example>"),
        ],
        "The CSV export fails with error 500.",
    );
    let out = f.desk.receive_email(&raw, &support()).await.unwrap();
    let id = case_id(&out);
    let number = out.case().unwrap().value.number.to_string();
    // Pat is no contact of Acme, but was CC'd: the token is honoured.
    let pat = mail(
        &[
            ("From", "pat@partner.example"),
            ("To", "support@desk.example"),
            ("Subject", &format!("Re: [{number}] Invoice export fails")),
            ("Message-ID", "<p1@partner.example>"),
        ],
        "We see the same on our side.",
    );
    let out = f.desk.receive_email(&pat, &support()).await.unwrap();
    assert!(matches!(out, IntakeOutcome::Appended { .. }), "{out:?}");
    assert_eq!(case_id(&out), id);
    // Someone CC'd only on a later reply of Ann's becomes a participant in
    // that reply's commit; a stranger never CC'd still gets a new case.
    let mut reply = reply_to(id, 7, "Adding our accountant.");
    let cc = b"Cc: acc@books.example\r\n";
    reply.splice(0..0, cc.iter().copied());
    f.desk.receive_email(&reply, &support()).await.unwrap();
    for (from, expect_same) in [("acc@books.example", true), ("eve@evil.example", false)] {
        let raw = mail(
            &[
                ("From", from),
                ("To", "support@desk.example"),
                ("Subject", &format!("Re: [{number}] status?")),
                ("Message-ID", &format!("<{}@x.example>", from.len())),
            ],
            "Status please.",
        );
        let out = f.desk.receive_email(&raw, &support()).await.unwrap();
        assert_eq!(case_id(&out) == id, expect_same, "{from}: {out:?}");
    }
}

#[tokio::test]
async fn quarantined_mail_is_kept_once_and_can_be_released_or_discarded() {
    let f = fixture(true).await;
    let spam = mail(
        &[
            ("From", "Ann Lee <ann@customer.example>"),
            ("To", "support@desk.example"),
            ("Subject", "Invoices fail again"),
            ("Message-ID", "<q1@customer.example>"),
            ("X-Spam-Flag", "YES"),
        ],
        "The export fails with error 500 again.",
    );
    let out = f.desk.receive_email(&spam, &support()).await.unwrap();
    let IntakeOutcome::Quarantined { id, .. } = out else {
        panic!("{out:?}")
    };
    // A repeated delivery is held once.
    f.desk.receive_email(&spam, &support()).await.unwrap();
    let held = f.desk.quarantined(10, true).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].id, id);
    assert!(
        held[0]
            .email
            .text_body
            .as_deref()
            .unwrap_or("")
            .contains("error 500")
    );
    assert!(
        held[0].reasons.iter().any(|r| r.contains("spam")),
        "{:?}",
        held[0].reasons
    );
    assert!(f.desk.events_after(0, 10).await.unwrap().is_empty());
    // Released: processed without screening, into Ann's case; twice is the same.
    let released = f.desk.release_quarantined(id).await.unwrap();
    let IntakeOutcome::Created { case, events, .. } = &released else {
        panic!("{released:?}")
    };
    assert_eq!(case.value.contact, Some(ANN));
    assert!(!events.is_empty());
    let again = f.desk.release_quarantined(id).await.unwrap();
    assert_eq!(again.case().map(|c| c.value.id), Some(case.value.id));
    assert!(again.events().is_empty());
    assert!(f.desk.quarantined(10, true).await.unwrap().is_empty());
    assert!(matches!(
        f.desk.discard_quarantined(id).await,
        Err(Error::NotAllowed { .. })
    ));
    // Another one discarded: kept, not releasable.
    let junk = mail(
        &[
            ("From", "win@lottery.example"),
            ("Subject", "You won"),
            ("Message-ID", "<q2@lottery.example>"),
            ("X-Spam-Flag", "YES"),
        ],
        "Claim now.",
    );
    let IntakeOutcome::Quarantined { id: junk_id, .. } =
        f.desk.receive_email(&junk, &support()).await.unwrap()
    else {
        panic!("not held")
    };
    f.desk.discard_quarantined(junk_id).await.unwrap();
    f.desk.discard_quarantined(junk_id).await.unwrap();
    assert!(matches!(
        f.desk.release_quarantined(junk_id).await,
        Err(Error::NotAllowed { .. })
    ));
    assert_eq!(f.desk.quarantined(10, false).await.unwrap().len(), 2);
    assert!(matches!(
        f.desk.release_quarantined(uuid::Uuid::from_u128(7)).await,
        Err(Error::NotFound { .. })
    ));
}

/// The first mail of a sender who is no contact yet (the desk has a default
/// account).
fn stranger_mail(message_id: &str) -> Vec<u8> {
    mail(
        &[
            ("From", "Nora New <nora@prospect.example>"),
            ("To", "support@desk.example"),
            ("Subject", "Pricing question"),
            ("Message-ID", message_id),
        ],
        "Do you have a plan for 20 seats?",
    )
}

/// A desk with the walk-in default account over `repo`.
async fn walk_in_desk(repo: Arc<dyn Repository>) -> SupportDesk {
    repo.put_account(&Account::new(WALK_IN, "Walk-ins"), None)
        .await
        .unwrap();
    let mut config = DeskConfig::default();
    config.intake = IntakeConfig::default().default_account(WALK_IN);
    SupportDesk::builder(repo)
        .clock(ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap()))
        .config(config)
        .build()
}

#[tokio::test]
async fn a_failed_case_commit_stores_no_contact_and_the_retry_stores_both_once() {
    use crate::desk_consistency::FaultyRepository;
    let faulty = Arc::new(FaultyRepository::failing([1]));
    let desk = walk_in_desk(faulty.clone()).await;
    let raw = stranger_mail("<n1@prospect.example>");
    let err = desk.receive_email(&raw, &support()).await.unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
    assert_eq!(
        faulty
            .find_contact_by_email("nora@prospect.example")
            .await
            .unwrap(),
        None,
        "the failed commit left no orphan contact"
    );
    assert!(
        faulty.events_after(0, 10).await.unwrap().is_empty(),
        "and no case"
    );
    // The retry (the mail server delivers again) stores the case and its
    // contact, once.
    let out = desk.receive_email(&raw, &support()).await.unwrap();
    let IntakeOutcome::Created { case, .. } = &out else {
        panic!("{out:?}")
    };
    let contact = faulty
        .find_contact_by_email("NORA@prospect.example")
        .await
        .unwrap()
        .expect("the contact is stored with the case");
    assert_eq!(contact.version, 1);
    assert_eq!(contact.value.account, WALK_IN);
    assert_eq!(contact.value.name, "Nora New");
    assert_eq!(case.value.contact, Some(contact.value.id));
    assert_eq!(
        faulty.commits.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "the contact took no commit of its own"
    );
    // A third delivery changes nothing.
    let again = desk.receive_email(&raw, &support()).await.unwrap();
    assert!(again.events().is_empty());
    assert_eq!(
        faulty.get_contact(contact.value.id).await.unwrap().version,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_first_mails_of_a_new_sender_share_one_contact() {
    // The first two contact lookups wait for each other.
    let repo = Arc::new(crate::desk_consistency::FaultyRepository::racing_lookups(2));
    let desk = Arc::new(walk_in_desk(repo.clone()).await);
    let tasks: Vec<_> = ["<race1@prospect.example>", "<race2@prospect.example>"]
        .into_iter()
        .map(|mid| {
            let desk = desk.clone();
            tokio::spawn(async move {
                desk.receive_email(&stranger_mail(mid), &support())
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut cases = Vec::new();
    for task in tasks {
        let out = task.await.unwrap();
        let IntakeOutcome::Created { case, .. } = out else {
            panic!("both mails open a case: {out:?}")
        };
        cases.push(case.value);
    }
    assert!(
        repo.lookups.load(std::sync::atomic::Ordering::SeqCst) >= 3,
        "the losing delivery looked the contact up again"
    );
    assert_ne!(cases[0].id, cases[1].id, "no mail is lost");
    let contact = repo
        .find_contact_by_email("nora@prospect.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact.version, 1, "one contact, written once");
    for case in &cases {
        assert_eq!(case.contact, Some(contact.value.id));
        assert_eq!(
            repo.get_case(case.id).await.unwrap().value.contact,
            Some(contact.value.id)
        );
    }
}
