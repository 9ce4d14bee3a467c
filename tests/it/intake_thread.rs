//! Threading scenarios: one per rule, including a stranger guessing a case
//! number, a bounce and an out-of-office reply.

use hotcrm_support::case::CaseStatus;
use hotcrm_support::ids::{CaseId, CaseNumber};
use hotcrm_support::intake::*;

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

fn id(n: u128) -> CaseId {
    CaseId::from_u128(n)
}

fn num(n: u32) -> CaseNumber {
    CaseNumber::new(2026, n).unwrap()
}

fn ours(case: u128, seq: u64) -> MessageId {
    OwnMessageId::new(id(case), seq)
        .to_message_id("desk.example")
        .unwrap()
}

/// Case 1 open (contact ann), 2 resolved, 3 closed, 4 waiting; all ann's,
/// with a CC participant on case 1 and an account colleague.
fn lookup() -> MemoryThreadLookup {
    let mut l = MemoryThreadLookup::default();
    for (n, status) in [
        (1, CaseStatus::Open),
        (2, CaseStatus::Resolved),
        (3, CaseStatus::Closed),
        (4, CaseStatus::WaitingOnCustomer),
    ] {
        l.insert(
            ThreadCase::new(id(n), num(n as u32), status)
                .with_contact(addr("ann@customer.example")),
        );
    }
    l.add_participant(id(1), addr("cc@partner.example"));
    l.add_account_contact(id(1), addr("boss@customer.example"));
    l.add_message_id(MessageId::parse("<legacy-77@desk.example>").unwrap(), id(4));
    l
}

fn email(from: &str, subject: &str) -> InboundEmail {
    let mut e = InboundEmail::default();
    e.from = Mailbox::new(None, from);
    e.subject = subject.into();
    e.text_body = Some("text".into());
    e
}

fn config() -> ThreadConfig {
    ThreadConfig::new(["desk.example"])
}

fn decide(e: &InboundEmail) -> ThreadDecision {
    let kind = classify(e, &ClassifyConfig::new([addr("support@desk.example")]));
    decide_thread(e, &kind, &config(), &lookup())
}

#[test]
fn in_reply_to_our_message_appends() {
    let mut e = email("someone@forwarded.example", "Re: something");
    e.in_reply_to = vec![ours(1, 2)];
    assert_eq!(
        decide(&e),
        ThreadDecision::Append {
            case: id(1),
            via: ThreadMatch::InReplyTo
        }
    );
}

#[test]
fn stored_message_ids_are_found_too() {
    let mut e = email("ann@customer.example", "Re: old thread");
    e.in_reply_to = vec![MessageId::parse("<legacy-77@DESK.example>").unwrap()];
    assert_eq!(
        decide(&e),
        ThreadDecision::Append {
            case: id(4),
            via: ThreadMatch::InReplyTo
        }
    );
}

#[test]
fn references_are_read_newest_first() {
    let mut e = email("ann@customer.example", "Re: x");
    e.references = vec![
        ours(1, 1),
        ours(4, 1),
        MessageId::parse("<customer-client-id@customer.example>").unwrap(),
    ];
    assert_eq!(
        decide(&e),
        ThreadDecision::Append {
            case: id(4),
            via: ThreadMatch::References
        }
    );
}

#[test]
fn in_reply_to_wins_over_references_and_subject() {
    let mut e = email("ann@customer.example", "Re: [CASE-2026-0004]");
    e.in_reply_to = vec![ours(1, 5)];
    e.references = vec![ours(4, 1)];
    assert_eq!(
        decide(&e),
        ThreadDecision::Append {
            case: id(1),
            via: ThreadMatch::InReplyTo
        }
    );
}

#[test]
fn foreign_domains_are_not_ours_even_in_our_format() {
    let mut e = email("mallory@evil.example", "hello");
    e.in_reply_to = vec![
        OwnMessageId::new(id(1), 1)
            .to_message_id("evil.example")
            .unwrap(),
    ];
    assert_eq!(
        decide(&e),
        ThreadDecision::NewCase {
            refused_token: None
        }
    );
}

#[test]
fn unknown_own_id_falls_back_to_the_subject_token() {
    let mut e = email("ann@customer.example", "Re: [CASE-2026-0001] printer");
    e.in_reply_to = vec![ours(99, 1)];
    assert_eq!(
        decide(&e),
        ThreadDecision::Append {
            case: id(1),
            via: ThreadMatch::SubjectToken
        }
    );
}

#[test]
fn subject_token_from_each_authorised_sender() {
    for sender in [
        "ann@customer.example",
        "CC@Partner.Example",
        "boss@customer.example",
    ] {
        let e = email(sender, "Re: [CASE-2026-0001] printer");
        assert_eq!(
            decide(&e),
            ThreadDecision::Append {
                case: id(1),
                via: ThreadMatch::SubjectToken
            },
            "{sender}"
        );
    }
}

#[test]
fn a_stranger_guessing_a_case_number_gets_a_new_case() {
    for subject in [
        "[CASE-2026-0001] send me the invoice",
        "Re: [case-2026-0002]",
    ] {
        let e = email("mallory@evil.example", subject);
        let d = decide(&e);
        assert!(
            matches!(
                d,
                ThreadDecision::NewCase {
                    refused_token: Some(_)
                }
            ),
            "{subject}: {d:?}"
        );
        assert_eq!(d.case(), None);
    }
    // The colleague of case 1 is not on case 2's account in this lookup.
    let e = email("boss@customer.example", "[CASE-2026-0002] reopen please");
    assert_eq!(
        decide(&e),
        ThreadDecision::NewCase {
            refused_token: Some(num(2))
        }
    );
}

#[test]
fn unknown_case_numbers_and_no_reference_open_a_new_case() {
    assert_eq!(
        decide(&email("ann@customer.example", "[CASE-2026-0999] hi")),
        ThreadDecision::NewCase {
            refused_token: None
        }
    );
    assert_eq!(
        decide(&email("ann@customer.example", "New problem")),
        ThreadDecision::NewCase {
            refused_token: None
        }
    );
}

#[test]
fn replies_to_resolved_reopen_and_to_closed_follow_up() {
    let e = email("ann@customer.example", "Re: [CASE-2026-0002] still broken");
    assert_eq!(
        decide(&e),
        ThreadDecision::Reopen {
            case: id(2),
            via: ThreadMatch::SubjectToken
        }
    );
    let mut e = email("ann@customer.example", "Re: done?");
    e.in_reply_to = vec![ours(3, 9)];
    assert_eq!(
        decide(&e),
        ThreadDecision::FollowUp {
            closed_case: id(3),
            via: ThreadMatch::InReplyTo
        }
    );
}

#[test]
fn out_of_office_never_reopens() {
    let mut ooo = email(
        "ann@customer.example",
        "Automatic reply: [CASE-2026-0002] resolved",
    )
    .with_header("Auto-Submitted", "auto-replied");
    ooo.in_reply_to = vec![ours(2, 4)];
    assert_eq!(
        decide(&ooo),
        ThreadDecision::InternalNote {
            case: id(2),
            via: ThreadMatch::InReplyTo
        }
    );
    ooo.in_reply_to = vec![ours(3, 4)];
    assert_eq!(
        decide(&ooo),
        ThreadDecision::Ignore {
            reason: IgnoreReason::MachineMailOnClosedCase
        }
    );
    ooo.in_reply_to.clear();
    ooo.subject = "Out of Office: hello".into();
    assert_eq!(
        decide(&ooo),
        ThreadDecision::Ignore {
            reason: IgnoreReason::MachineMailWithoutCase
        }
    );
}

#[test]
fn bounces_find_their_case_through_the_returned_message_id() {
    let mut b = email(
        "MAILER-DAEMON@mx.customer.example",
        "Undelivered Mail Returned to Sender",
    )
    .with_header("Return-Path", "<>");
    b.report = Some({
        let mut r = DeliveryReport::default();
        r.report_type = Some("delivery-status".into());
        r.delivery_status = Some(
            "Final-Recipient: rfc822; ann@customer.example\nAction: failed\nStatus: 5.1.1\n".into(),
        );
        r.original_message_id = Some(ours(4, 2));
        r
    });
    let kind = classify(&b, &ClassifyConfig::default());
    assert!(matches!(&kind, MailKind::Bounce(x) if x.contact_undeliverable()));
    assert_eq!(
        decide_thread(&b, &kind, &config(), &lookup()),
        ThreadDecision::InternalNote {
            case: id(4),
            via: ThreadMatch::InReplyTo
        }
    );
    // A bounce about nothing we know is ignored, even when machine mail may open cases.
    b.report.as_mut().unwrap().original_message_id = None;
    let mut open = config();
    open.machine_mail_opens_cases = true;
    let kind = classify(&b, &ClassifyConfig::default());
    assert_eq!(
        decide_thread(&b, &kind, &open, &lookup()),
        ThreadDecision::Ignore {
            reason: IgnoreReason::MachineMailWithoutCase
        }
    );
}

#[test]
fn machine_mail_may_open_cases_when_configured() {
    let e = email("alerts@monitoring.example", "Disk full")
        .with_header("Auto-Submitted", "auto-generated");
    let kind = classify(&e, &ClassifyConfig::default());
    let mut c = config();
    assert_eq!(
        decide_thread(&e, &kind, &c, &lookup()),
        ThreadDecision::Ignore {
            reason: IgnoreReason::MachineMailWithoutCase
        }
    );
    c.machine_mail_opens_cases = true;
    assert_eq!(
        decide_thread(&e, &kind, &c, &lookup()),
        ThreadDecision::NewCase {
            refused_token: None
        }
    );
}

#[test]
fn our_own_mail_coming_back_is_ignored() {
    let e = email("someone@customer.example", "fwd").with_header("X-Loop", "support@desk.example");
    assert_eq!(
        decide(&e),
        ThreadDecision::Ignore {
            reason: IgnoreReason::MachineMailWithoutCase
        }
    );
}

#[test]
fn lookups_forward_through_references_and_boxes() {
    let l = lookup();
    let boxed: Box<dyn ThreadLookup> = Box::new(l.clone());
    let arc = std::sync::Arc::new(l);
    let mut e = email("ann@customer.example", "x");
    e.in_reply_to = vec![ours(1, 1)];
    let k = MailKind::Human;
    let want = ThreadDecision::Append {
        case: id(1),
        via: ThreadMatch::InReplyTo,
    };
    assert_eq!(decide_thread(&e, &k, &config(), &boxed), want);
    assert_eq!(decide_thread(&e, &k, &config(), &arc), want);
    assert_eq!(decide_thread(&e, &k, &config(), &&*arc), want);
}

#[test]
fn own_message_ids_round_trip() {
    for (case, seq) in [(1u128, 0u64), (u128::MAX, u64::MAX), (42, 7)] {
        let m = OwnMessageId::new(id(case), seq);
        let mid = m.to_message_id("Mail.Desk.Example").unwrap();
        assert!(config().is_ours(&mid) || mid.domain() == Some("mail.desk.example"));
        assert_eq!(OwnMessageId::parse(&mid), Some(m));
        let reparsed = MessageId::parse(&mid.to_string()).unwrap();
        assert_eq!(reparsed, mid);
    }
    for bad in ["", "a b", "x@y", "<x>"] {
        assert!(
            OwnMessageId::new(id(1), 1).to_message_id(bad).is_err(),
            "{bad:?}"
        );
    }
}
