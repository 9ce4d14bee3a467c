//! Auto-responses, screening, web-to-case, social messages and the bounded
//! ledgers behind their rate limits.

use chrono::{DateTime, TimeDelta, Utc};
use hotcrm_support::case::{Origin, Priority};
use hotcrm_support::intake::*;
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    "2026-01-05T09:00:00Z".parse().unwrap()
}

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

fn from(sender: &str) -> InboundEmail {
    let mut e = InboundEmail::default();
    e.from = Mailbox::new(None, sender);
    e
}

// ---- auto-responses ----

#[test]
fn auto_responses_are_suppressed_for_machines_and_ourselves() {
    let policy = AutoResponsePolicy::default();
    let ledger = AutoResponseLedger::new(&policy);
    let us = [addr("support@desk.example")];
    let decide = |e: &InboundEmail| {
        let kind = classify(e, &ClassifyConfig::new(us.clone()));
        ledger.decide(e, &kind, ResponseKind::Acknowledgement, &us, &policy, t0())
    };
    for (name, email, want_send) in [
        ("person", from("ann@customer.example"), true),
        ("ourselves", from("Support@Desk.Example"), false),
        ("no-reply", from("no-reply@shop.example"), false),
        ("noreply", from("noreply@shop.example"), false),
        ("postmaster", from("postmaster@x.org"), false),
        ("abuse", from("abuse@x.org"), false),
        ("mailer-daemon", from("mailer-daemon@x.org"), false),
        (
            "auto-submitted",
            from("ann@customer.example").with_header("Auto-Submitted", "auto-replied"),
            false,
        ),
        (
            "list",
            from("ann@customer.example").with_header("List-Id", "<l.x>"),
            false,
        ),
        (
            "suppress all",
            from("ann@customer.example").with_header("X-Auto-Response-Suppress", "All"),
            false,
        ),
        (
            "suppress oof",
            from("ann@customer.example").with_header("X-Auto-Response-Suppress", "DR, OOF"),
            false,
        ),
        (
            "suppress autoreply",
            from("ann@customer.example").with_header("X-Auto-Response-Suppress", "autoreply"),
            false,
        ),
        (
            "suppress dr only",
            from("ann@customer.example").with_header("X-Auto-Response-Suppress", "DR, RN"),
            true,
        ),
        ("nobody", InboundEmail::default(), false),
    ] {
        assert_eq!(
            decide(&email).is_send(),
            want_send,
            "{name}: {:?}",
            decide(&email)
        );
    }
    let mut e = from("ann@customer.example");
    e.reply_to = Mailbox::new(None, "support@desk.example")
        .into_iter()
        .collect();
    assert!(!decide(&e).is_send(), "reply-to ourselves");
}

#[test]
fn acknowledgements_once_per_week_and_rate_limits() {
    let policy = AutoResponsePolicy::default();
    let mut ledger = AutoResponseLedger::new(&policy);
    let e = from("ann@customer.example");
    let ack = |l: &mut AutoResponseLedger, at| {
        l.respond(
            &e,
            &MailKind::Human,
            ResponseKind::Acknowledgement,
            &[],
            &policy,
            at,
        )
    };
    assert!(ack(&mut ledger, t0()).is_send());
    assert!(!ack(&mut ledger, t0() + TimeDelta::days(6)).is_send());
    assert!(ack(&mut ledger, t0() + TimeDelta::days(7)).is_send());

    // Notifications: 10 per 10 minutes, then 25 per hour.
    let mut ledger = AutoResponseLedger::new(&policy);
    let note = |l: &mut AutoResponseLedger, at| {
        l.respond(
            &e,
            &MailKind::Human,
            ResponseKind::Notification,
            &[],
            &policy,
            at,
        )
    };
    let sent = (0..15)
        .filter(|_| note(&mut ledger, t0()).is_send())
        .count();
    assert_eq!(sent, 10);
    let d = note(&mut ledger, t0());
    assert!(
        matches!(
            d,
            AutoResponse::Suppressed {
                reason: SuppressReason::RateLimited { max: 10, .. }
            }
        ),
        "{d:?}"
    );
    let mut total = 10;
    for i in 1..6 {
        let at = t0() + TimeDelta::minutes(10 * i);
        total += (0..10).filter(|_| note(&mut ledger, at).is_send()).count();
    }
    assert_eq!(total, 25, "hourly cap");
    assert!(
        note(&mut ledger, t0() + TimeDelta::minutes(61)).is_send(),
        "window slides"
    );
}

// ---- screening ----

#[test]
fn screening_table() {
    let policy = ScreenPolicy::default();
    let now = t0();
    let check = |e: &InboundEmail| screen(e, &policy, &mut SenderLedger::new(&policy), now);
    assert!(check(&from("ann@customer.example")).is_empty());
    assert_eq!(
        check(&from("a@x.org").with_header("X-Spam-Flag", "YES")).len(),
        1
    );
    assert_eq!(
        check(&from("a@x.org").with_header("X-Spam-Status", "Yes, score=9.1")).len(),
        1
    );
    assert!(check(&from("a@x.org").with_header("X-Spam-Status", "No, score=0.1")).is_empty());
    for (name, media, blocked) in [
        ("invoice.pdf", "application/pdf", false),
        ("setup.EXE", "application/octet-stream", true),
        ("script.js", "text/plain", true),
        ("payload", "application/x-msdownload", true),
        ("trick.exe.", "application/octet-stream", true),
        ("photo.jpg", "image/jpeg", false),
    ] {
        let mut e = from("a@x.org");
        e.attachments.push(Attachment::new(Some(name), media, 1));
        assert_eq!(!check(&e).is_empty(), blocked, "{name}");
    }
    let mut e = from("a@x.org");
    for i in 0..51 {
        e.cc.extend(Mailbox::new(None, &format!("r{i}@x.org")));
    }
    assert_eq!(
        check(&e),
        vec![QuarantineReason::TooManyRecipients { count: 51, max: 50 }]
    );
}

#[test]
fn sender_floods_are_quarantined() {
    let policy = ScreenPolicy::default();
    let mut ledger = SenderLedger::new(&policy);
    let e = from("flood@x.org");
    let flagged = (0..40)
        .filter(|i| !screen(&e, &policy, &mut ledger, t0() + TimeDelta::seconds(*i)).is_empty())
        .count();
    assert_eq!(flagged, 10);
    assert!(screen(&e, &policy, &mut ledger, t0() + TimeDelta::hours(2)).is_empty());
}

// ---- web-to-case ----

fn submission() -> WebSubmission {
    WebSubmission::new(t0() + TimeDelta::seconds(20))
        .rendered_at(t0())
        .from_ip("192.0.2.7".parse().unwrap())
        .field("subject", "Cannot export")
        .field("description", "The CSV export fails with error 500")
        .field("email", "Ann@Customer.Example")
        .field("name", "Ann Lee")
        .field("utm_source", "newsletter")
}

#[test]
fn a_good_submission_becomes_case_data() {
    let form = WebForm::default();
    let case = form
        .accept(&submission(), &mut WebLedger::new(&form), b"")
        .unwrap();
    assert_eq!(case.subject, "Cannot export");
    assert_eq!(case.email.as_str(), "ann@customer.example");
    assert_eq!(case.name.as_deref(), Some("Ann Lee"));
    assert_eq!(
        (case.priority, case.origin),
        (Priority::Medium, Origin::Web)
    );
    assert_eq!(
        case.extra.get("utm_source").map(String::as_str),
        Some("newsletter")
    );
}

#[test]
fn web_refusals_table() {
    let mut form = WebForm::default();
    form.allowed_values.insert(
        CaseField::Product,
        ["Cloud", "On-Prem"].into_iter().map(String::from).collect(),
    );
    let long = "x".repeat(32_001);
    let links = "see http://a.example https://b.example www.c.example http://d.example";
    type Case = (&'static str, WebSubmission, fn(&WebRefusal) -> bool);
    let cases: Vec<Case> = vec![
        ("honeypot", submission().field("website", "x"), |r| {
            *r == WebRefusal::Honeypot
        }),
        (
            "too fast",
            {
                let mut s = submission();
                s.submitted_at = t0() + TimeDelta::seconds(1);
                s
            },
            |r| matches!(r, WebRefusal::TooFast { .. }),
        ),
        (
            "no render time",
            {
                let mut s = submission();
                s.form_rendered_at = None;
                s
            },
            |r| *r == WebRefusal::BadRenderTime,
        ),
        (
            "render in future",
            {
                let mut s = submission();
                s.form_rendered_at = Some(t0() + TimeDelta::hours(1));
                s
            },
            |r| *r == WebRefusal::BadRenderTime,
        ),
        (
            "missing subject",
            submission().field("subject", "   "),
            |r| {
                *r == WebRefusal::MissingField {
                    field: CaseField::Subject,
                }
            },
        ),
        (
            "bad email",
            submission().field("email", "ann@localhost-no-dot"),
            |r| {
                matches!(
                    r,
                    WebRefusal::InvalidValue {
                        field: CaseField::Email,
                        ..
                    }
                )
            },
        ),
        (
            "bad priority",
            submission().field("priority", "urgent!!"),
            |r| {
                matches!(
                    r,
                    WebRefusal::InvalidValue {
                        field: CaseField::Priority,
                        ..
                    }
                )
            },
        ),
        ("bad type", submission().field("type", "rant"), |r| {
            matches!(
                r,
                WebRefusal::InvalidValue {
                    field: CaseField::CaseType,
                    ..
                }
            )
        }),
        (
            "not allowed",
            submission().field("product", "Toaster"),
            |r| {
                matches!(
                    r,
                    WebRefusal::InvalidValue {
                        field: CaseField::Product,
                        ..
                    }
                )
            },
        ),
        ("too long", submission().field("description", &long), |r| {
            matches!(r, WebRefusal::FieldTooLong { .. })
        }),
        ("links", submission().field("description", links), |r| {
            *r == WebRefusal::TooManyLinks { count: 4, max: 3 }
        }),
    ];
    for (name, s, ok) in cases {
        let r = form
            .accept(&s, &mut WebLedger::new(&form), b"")
            .unwrap_err();
        assert!(ok(&r), "{name}: {r:?}");
    }
    let fine = form
        .accept(
            &submission()
                .field("product", "cloud")
                .field("priority", "High")
                .field("type", "question"),
            &mut WebLedger::new(&form),
            b"",
        )
        .unwrap();
    assert_eq!(
        (fine.product.as_deref(), fine.priority),
        (Some("cloud"), Priority::High)
    );
}

#[test]
fn web_rate_limits_per_ip_and_email() {
    let form = WebForm::default();
    let mut ledger = WebLedger::new(&form);
    // Per email: 5 per hour.
    let accepted = (0..8)
        .filter(|_| form.accept(&submission(), &mut ledger, b"").is_ok())
        .count();
    assert_eq!(accepted, 5);
    // Per IP: 20 per hour, refused attempts included.
    let mut ledger = WebLedger::new(&form);
    let mut refusals = Vec::new();
    for i in 0..25 {
        let s = submission().field("email", &format!("u{i}@customer.example"));
        if let Err(r) = form.accept(&s, &mut ledger, b"") {
            refusals.push(r);
        }
    }
    assert_eq!(refusals.len(), 5);
    assert!(
        refusals
            .iter()
            .all(|r| matches!(r, WebRefusal::IpRateLimited { .. }))
    );
}

#[cfg(feature = "signatures")]
#[test]
fn web_challenges_are_verified() {
    let mut form = WebForm::default();
    let mut rules = ChallengeRules::default();
    rules.difficulty = 8;
    form.challenge = Some(rules);
    let secret = b"form secret";
    let c = Challenge::issue(secret, t0(), 8, b"render-1");
    let solution = c.solve(1 << 20).unwrap();
    let token = c.token();
    let ledger = || WebLedger::new(&form);
    assert_eq!(
        form.accept(&submission(), &mut ledger(), secret),
        Err(WebRefusal::ChallengeMissing)
    );
    assert!(
        form.accept(
            &submission().with_challenge(&token, solution),
            &mut ledger(),
            secret
        )
        .is_ok()
    );
    let refused = |s: WebSubmission| {
        matches!(
            form.accept(&s, &mut WebLedger::new(&form), secret),
            Err(WebRefusal::ChallengeRefused { .. })
        )
    };
    let wrong = (0..).find(|n| !c.is_solved_by(*n)).unwrap();
    assert!(
        refused(submission().with_challenge(&token, wrong)),
        "not solved"
    );
    let other_secret = Challenge::issue(b"other", t0(), 8, b"render-1");
    let s2 = other_secret.solve(1 << 20).unwrap();
    assert!(
        refused(submission().with_challenge(&other_secret.token(), s2)),
        "forged"
    );
    let easy = Challenge::issue(secret, t0(), 2, b"x");
    assert!(
        refused(submission().with_challenge(&easy.token(), easy.solve(1000).unwrap())),
        "too easy"
    );
    let mut late = submission().with_challenge(&token, solution);
    late.submitted_at = t0() + TimeDelta::hours(1);
    assert!(refused(late), "expired");
    let tampered = token.replacen(".8.", ".0.", 1);
    assert!(
        refused(submission().with_challenge(&tampered, 0)),
        "tampered difficulty"
    );
    assert!(refused(submission().with_challenge("garbage", 0)));
}

#[cfg(feature = "signatures")]
#[test]
fn challenge_tokens_round_trip_and_reject_garbage() {
    let c = Challenge::issue(b"k", t0(), 12, b"seed");
    assert_eq!(Challenge::parse(&c.token()).unwrap(), c);
    for bad in [
        "",
        "v1",
        "v2.1.1.00.00",
        "v1.x.1.00000000000000000000000000000000.0000000000000000000000000000000000000000000000000000000000000000",
        "v1.1.99.00000000000000000000000000000000.0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        assert_eq!(
            Challenge::parse(bad),
            Err(ChallengeError::Malformed),
            "{bad:?}"
        );
    }
    assert_eq!(
        Challenge::issue(b"k", t0(), 200, b"s").difficulty,
        MAX_DIFFICULTY
    );
    assert_eq!(
        c.verify(b"k", 0, t0() - TimeDelta::seconds(1), TimeDelta::hours(1)),
        Err(ChallengeError::IssuedInFuture)
    );
}

// ---- social ----

#[test]
fn social_messages_map_to_origins() {
    for (p, origin) in [
        (Platform::WhatsApp, Origin::Social),
        (Platform::Facebook, Origin::Social),
        (Platform::Instagram, Origin::Social),
        (Platform::X, Origin::Social),
        (Platform::LinkedIn, Origin::Social),
        (Platform::WeChat, Origin::WeChat),
    ] {
        assert_eq!(p.origin(), origin, "{p}");
        let m = InboundMessage::new(p, "m1", "c1", "u1", "hello", t0());
        m.validate().unwrap();
        assert_eq!(m.dedupe_key(), format!("{}:m1", p.as_str()));
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<InboundMessage>(&json).unwrap(), m);
    }
    let mut m = InboundMessage::new(Platform::X, "1", "c", "u", " ", t0());
    assert!(m.validate().is_err());
    m.attachments.push(SocialAttachment::new("image/jpeg"));
    m.validate().unwrap();
}

#[cfg(feature = "signatures")]
#[test]
fn webhook_signatures_known_vectors() {
    // Vectors computed independently (Python's hmac/hashlib/base64).
    verify_meta_signature(
        b"app-secret",
        br#"{"object":"page"}"#,
        "sha256=ae958d6f00b134dd32b95a9a76bedaaeb068c0949769358355023f7d1a0c580b",
    )
    .unwrap();
    assert!(verify_meta_signature(b"app-secret", b"{}", "sha1=abc").is_err());
    assert!(verify_meta_signature(b"app-secret", b"{}", "sha256=zz").is_err());
    assert!(verify_meta_signature(b"app-secret", b"{}", "sha256=").is_err());
    assert_eq!(
        twitter_crc_response(b"consumer-secret", "crc-token-123"),
        "sha256=pqNVCku98klY+uShlb3Xa/LIgd2B2xq7EveP37yRYOI="
    );
    verify_twitter_signature(
        b"consumer-secret",
        b"crc-token-123",
        "sha256=pqNVCku98klY+uShlb3Xa/LIgd2B2xq7EveP37yRYOI=",
    )
    .unwrap();
    assert!(verify_twitter_signature(b"consumer-secret", b"x", "sha256=!!!").is_err());
    assert_eq!(
        wechat_signature("mytoken", "1700000000", "nonce42"),
        "fd581522a38ebec2fca0e36cab4d5753f9d88a94"
    );
    verify_wechat_signature(
        "mytoken",
        "1700000000",
        "nonce42",
        "fd581522a38ebec2fca0e36cab4d5753f9d88a94",
    )
    .unwrap();
    assert!(verify_wechat_signature("mytoken", "1700000000", "nonce42", "22c6").is_err());
    assert!(verify_wechat_signature("mytoken", "1700000000", "nonce42", "not hex at all").is_err());
}

// ---- ledgers ----

proptest! {
    /// Whatever the sequence of keys and times, a rate ledger stays within its bounds.
    #[test]
    fn rate_ledger_stays_bounded(
        ops in proptest::collection::vec((0u8..50, -3600i64..7200), 0..400),
        max_keys in 1usize..10, per_key in 1usize..8,
    ) {
        let mut l = RateLedger::new(max_keys, per_key);
        for (k, dt) in ops {
            l.record(&format!("k{k}"), t0() + TimeDelta::seconds(dt), TimeDelta::hours(1));
            prop_assert!(l.len() <= max_keys);
            prop_assert!(l.total_events() <= max_keys * per_key);
        }
    }

    /// The auto-response ledger never sends more than the limits allow to one
    /// recipient in any hour, and stays bounded over many recipients.
    #[test]
    fn auto_response_ledger_bounds(
        ops in proptest::collection::vec((0u8..30, 0i64..7200, any::<bool>()), 0..300),
    ) {
        let mut policy = AutoResponsePolicy::default();
        policy.max_recipients = 8;
        let mut l = AutoResponseLedger::new(&policy);
        let mut ops = ops;
        ops.sort_by_key(|o| o.1);
        for (who, dt, ack) in ops {
            let e = from(&format!("u{who}@x.org"));
            let kind = if ack { ResponseKind::Acknowledgement } else { ResponseKind::Notification };
            let _ = l.respond(&e, &MailKind::Human, kind, &[], &policy, t0() + TimeDelta::seconds(dt));
            prop_assert!(l.len() <= 8);
        }
    }

    /// For one recipient (no eviction), sends never exceed the burst limit in
    /// any 10-minute window nor the hourly limit in any hour.
    #[test]
    fn auto_response_limits_hold(mut times in proptest::collection::vec(0i64..10_800, 0..200)) {
        times.sort_unstable();
        let policy = AutoResponsePolicy::default();
        let mut l = AutoResponseLedger::new(&policy);
        let e = from("ann@customer.example");
        let mut sent = Vec::new();
        for dt in times {
            let at = t0() + TimeDelta::seconds(dt);
            if l.respond(&e, &MailKind::Human, ResponseKind::Notification, &[], &policy, at).is_send() {
                sent.push(dt);
            }
        }
        for (i, start) in sent.iter().enumerate() {
            let in_window = |w: i64| sent.iter().skip(i).take_while(|t| **t < start + w).count();
            prop_assert!(in_window(600) <= 10);
            prop_assert!(in_window(3600) <= 25);
        }
    }

    /// The sender and web ledgers stay bounded too.
    #[test]
    fn screen_and_web_ledgers_bounded(senders in proptest::collection::vec(0u16..500, 0..300)) {
        let mut policy = ScreenPolicy::default();
        policy.max_senders = 16;
        let mut ledger = SenderLedger::new(&policy);
        let mut form = WebForm::default();
        form.max_tracked = 16;
        let mut web = WebLedger::new(&form);
        for (i, s) in senders.iter().enumerate() {
            let now = t0() + TimeDelta::seconds(i as i64);
            let _ = screen(&from(&format!("s{s}@x.org")), &policy, &mut ledger, now);
            prop_assert!(ledger.len() <= 16);
            let mut sub = submission().field("email", &format!("s{s}@x.org"));
            sub.ip = Some(std::net::IpAddr::from([10, 0, (s / 256) as u8, (s % 256) as u8]));
            sub.submitted_at = now + TimeDelta::seconds(30);
            sub.form_rendered_at = Some(now);
            let _ = form.accept(&sub, &mut web, b"");
            prop_assert!(web.len() <= 32);
        }
    }

    /// The HTML converter and reply splitter never panic.
    #[test]
    fn html_and_reply_splitting_never_panic(s in "[<>a-z/=\"'&#;!\\- \n>:.@0-9]{0,300}") {
        let text = html_to_text(&s);
        let _ = split_reply(&text, &BodyConfig::default());
        let _ = split_reply(&s, &BodyConfig::default());
        let _ = decode_entities(&s);
    }
}

#[test]
fn rate_ledgers_are_bounded_when_loaded() {
    let json = serde_json::json!({
        "max_keys": 2,
        "max_events_per_key": 2,
        "events": {
            "a": ["2026-01-05T09:00:00Z", "2026-01-05T09:00:03Z", "2026-01-05T09:00:01Z"],
            "b": ["2026-01-05T08:00:00Z"],
            "c": ["2026-01-05T09:30:00Z"],
            "d": []
        }
    });
    let l: RateLedger = serde_json::from_value(json).unwrap();
    assert_eq!(l.len(), 2, "least recently active key dropped");
    assert_eq!(l.total_events(), 3);
    let now: DateTime<Utc> = "2026-01-05T09:30:00Z".parse().unwrap();
    assert_eq!(l.count("a", TimeDelta::hours(1), now), 2, "newest two kept");
    assert_eq!(l.count("b", TimeDelta::hours(3), now), 0);
    let back: RateLedger = serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
    assert_eq!(back, l);
    let zero: RateLedger = serde_json::from_value(
        serde_json::json!({"max_keys": 0, "max_events_per_key": 0, "events": {}}),
    )
    .unwrap();
    assert_eq!(zero.bounds(), (1, 1));
}
