//! Parsing real and edge-case messages into `InboundEmail` (feature `email`),
//! classification, body extraction, and a no-panic property over any bytes.

use hotcrm_support::Error;
use hotcrm_support::intake::{
    BodyConfig, BounceSeverity, ClassifyConfig, EmailAddress, EmailLimits, InboundEmail, MailKind,
    classify, extract_body,
};
use proptest::prelude::*;

const CORPUS: &str = "/root/.pyenv/versions/3.11.7/lib/python3.11/test/test_email/data";

fn parse(raw: &str) -> InboundEmail {
    InboundEmail::parse(raw.as_bytes(), &EmailLimits::default()).expect(raw)
}

fn ours() -> ClassifyConfig {
    ClassifyConfig::new([EmailAddress::parse("support@desk.example").unwrap()])
}

/// CPython's email test corpus: messages nobody here wrote, many malformed.
/// Every one yields an `InboundEmail` or a typed error, never a panic.
#[test]
fn cpython_corpus_parses_or_fails_typed() {
    let Ok(dir) = std::fs::read_dir(CORPUS) else {
        println!("note: {CORPUS} missing, corpus test skipped");
        return;
    };
    let mut files: Vec<_> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "corpus has {} messages", files.len());
    let (mut parsed, mut refused) = (0, 0);
    for path in &files {
        let raw = std::fs::read(path).unwrap();
        match InboundEmail::parse(&raw, &EmailLimits::default()) {
            Ok(email) => {
                parsed += 1;
                let kind = classify(&email, &ours());
                let _ = extract_body(&email, &BodyConfig::default());
                assert!(!email.dedupe_key().is_empty(), "{}", path.display());
                // Serde round trip of whatever was parsed.
                let json = serde_json::to_string(&email).unwrap();
                let back: InboundEmail = serde_json::from_str(&json).unwrap();
                assert_eq!(back, email, "{}", path.display());
                let _ = kind;
            }
            Err(Error::Parse { .. } | Error::Validation { .. }) => refused += 1,
            Err(e) => panic!("{}: untyped error {e}", path.display()),
        }
    }
    assert!(parsed >= 40, "parsed {parsed}, refused {refused}");
}

#[test]
fn cpython_corpus_known_facts() {
    let read = |name: &str| std::fs::read(format!("{CORPUS}/{name}")).ok();
    let Some(raw) = read("msg_02.txt") else {
        println!("note: {CORPUS} missing, corpus facts skipped");
        return;
    };
    // msg_02: a digest (multipart/mixed of message/rfc822 parts).
    let e = InboundEmail::parse(&raw, &EmailLimits::default()).unwrap();
    assert_eq!(e.subject, "Ppp digest, Vol 1 #2 - 5 msgs");
    // msg_16: a real delivery-status report.
    if let Some(raw) = read("msg_16.txt") {
        let e = InboundEmail::parse(&raw, &EmailLimits::default()).unwrap();
        let MailKind::Bounce(b) = classify(&e, &ours()) else {
            panic!("msg_16 is a bounce: {e:?}")
        };
        assert!(b.failed_recipient.is_some(), "{b:?}");
    }
}

#[test]
fn multipart_alternative_keeps_both_bodies() {
    let e = parse(concat!(
        "From: Ann <ann@customer.example>\r\n",
        "To: support@desk.example\r\n",
        "Subject: alt\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n",
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain text\r\n",
        "--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML <b>text</b></p>\r\n",
        "--b1--\r\n"
    ));
    assert_eq!(e.text_body.as_deref().map(str::trim), Some("Plain text"));
    assert!(e.html_body.as_deref().unwrap().contains("<b>text</b>"));
    assert_eq!(
        extract_body(&e, &BodyConfig::default()).visible,
        "Plain text"
    );
    assert_eq!(classify(&e, &ours()), MailKind::Human);
}

#[test]
fn html_only_message_is_converted() {
    let e = parse(concat!(
        "From: a@x.org\r\nSubject: h\r\nContent-Type: text/html; charset=iso-8859-1\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
        "<div>Caf=E9 &amp; cr=E8me</div><div><br></div><div class=3D\"gmail_quote\">",
        "<blockquote>old</blockquote></div>\r\n"
    ));
    assert!(e.text_body.is_none(), "{:?}", e.text_body);
    let body = extract_body(&e, &BodyConfig::default());
    assert_eq!(body.visible, "Café & crème");
    assert_eq!(body.quoted.as_deref(), Some("> old"));
}

#[test]
fn nested_multiparts_with_attachments() {
    let e = parse(concat!(
        "From: a@x.org\r\nSubject: nested\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n",
        "--outer\r\nContent-Type: multipart/related; boundary=rel\r\n\r\n",
        "--rel\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n",
        "--alt\r\nContent-Type: text/plain\r\n\r\nSee screenshot\r\n",
        "--alt\r\nContent-Type: text/html\r\n\r\n<p>See <img src=\"cid:shot@x\"></p>\r\n",
        "--alt--\r\n",
        "--rel\r\nContent-Type: image/png\r\nContent-ID: <shot@x>\r\nContent-Disposition: inline\r\n",
        "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n",
        "--rel--\r\n",
        "--outer\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n",
        "Content-Disposition: attachment; filename=\"report.pdf\"\r\n",
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n",
        "--outer--\r\n"
    ));
    assert_eq!(
        e.text_body.as_deref().map(str::trim),
        Some("See screenshot")
    );
    assert_eq!(e.attachments.len(), 2, "{:?}", e.attachments);
    let png = e
        .attachments
        .iter()
        .find(|a| a.media_type == "image/png")
        .unwrap();
    assert_eq!(png.content_id.as_deref(), Some("shot@x"));
    assert_eq!(png.size, 8);
    assert!(png.inline);
    let pdf = e
        .attachments
        .iter()
        .find(|a| a.media_type == "application/pdf")
        .unwrap();
    assert_eq!(pdf.name.as_deref(), Some("report.pdf"));
    assert_eq!(pdf.size, 9);
    // SHA-256 of "%PDF-1.4\n".
    assert_eq!(pdf.sha256.len(), 64);
    assert!(
        pdf.sha256
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
}

#[test]
fn encoded_words_in_several_charsets() {
    for (name, header, want) in [
        ("utf-8 q", "=?UTF-8?Q?Caf=C3=A9_ouvert?=", "Café ouvert"),
        ("utf-8 b", "=?utf-8?B?5pel5pys6Kqe?=", "日本語"),
        ("latin-1", "=?ISO-8859-1?Q?Gr=FC=DFe?=", "Grüße"),
        ("windows-1252", "=?windows-1252?Q?=80_100?=", "€ 100"),
        ("koi8-r", "=?koi8-r?B?8NLJ18XU?=", "Привет"),
        (
            "mixed with plain",
            "Re: =?utf-8?q?na=C3=AFve?= question",
            "Re: naïve question",
        ),
        ("adjacent words join", "=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),
        ("malformed kept", "=?bogus?X?zzz?=", "=?bogus?X?zzz?="),
    ] {
        let e = parse(&format!(
            "From: a@x.org\r\nSubject: {header}\r\n\r\nbody\r\n"
        ));
        assert_eq!(e.subject, want, "{name}");
    }
    let e = parse("From: =?utf-8?q?J=C3=BCrgen?= <J@X.org>\r\n\r\nx");
    let from = e.from.unwrap();
    assert_eq!(
        (from.name.as_deref(), from.address.as_str()),
        (Some("Jürgen"), "j@x.org")
    );
}

#[test]
fn missing_and_malformed_headers() {
    // No From, no Message-ID, no Date: still an email, keyed by its hash.
    let e = parse("Subject: lonely\r\n\r\nhello");
    assert!(e.from.is_none() && e.message_id.is_none() && e.date.is_none());
    assert!(e.dedupe_key().starts_with("sha256:"), "{}", e.dedupe_key());
    let again = parse("Subject: lonely\r\n\r\nhello");
    assert_eq!(e.dedupe_key(), again.dedupe_key(), "same bytes, same key");
    // Garbage values are dropped, not fatal.
    let e = parse(concat!(
        "From: not an address\r\nDate: yesterday-ish\r\nMessage-ID: <>\r\n",
        "In-Reply-To: garbage <A@Desk.Example> more\r\nReferences: <x@y> <A@desk.example>\r\n\r\nbody"
    ));
    assert!(e.from.is_none());
    assert!(e.date.is_none());
    assert!(e.message_id.is_none());
    assert_eq!(e.in_reply_to.len(), 1);
    assert_eq!(e.in_reply_to[0].as_str(), "A@desk.example");
    assert_eq!(e.references.len(), 2);
    // Only a body: no header fields at all is a typed parse error or an empty email.
    match InboundEmail::parse(b"\r\n\r\njust text", &EmailLimits::default()) {
        Ok(_) | Err(Error::Parse { .. }) => {}
        Err(e) => panic!("{e}"),
    }
    assert!(matches!(
        InboundEmail::parse(b"", &EmailLimits::default()),
        Err(Error::Parse { .. })
    ));
}

#[test]
fn message_ids_and_dates_are_normalised() {
    let e = parse(concat!(
        "From: A <A@Example.COM>\r\nMessage-ID:\r\n  <Part.One@Mail.Example.COM>\r\n",
        "Date: Mon, 05 Jan 2026 10:00:00 +0100\r\n\r\nx"
    ));
    assert_eq!(
        e.message_id.as_ref().unwrap().as_str(),
        "Part.One@mail.example.com"
    );
    assert_eq!(e.dedupe_key(), "mid:Part.One@mail.example.com");
    assert_eq!(e.date.unwrap().to_rfc3339(), "2026-01-05T09:00:00+00:00");
    assert_eq!(e.sender().unwrap().as_str(), "a@example.com");
}

#[test]
fn eight_bit_bodies() {
    // Raw UTF-8 and raw Latin-1 bytes with no transfer encoding.
    let mut raw = b"From: a@x.org\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".to_vec();
    raw.extend("Grüße, 日本".as_bytes());
    let e = InboundEmail::parse(&raw, &EmailLimits::default()).unwrap();
    assert_eq!(e.text_body.as_deref(), Some("Grüße, 日本"));
    let mut raw = b"From: a@x.org\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n".to_vec();
    raw.extend(b"Gr\xfc\xdfe");
    let e = InboundEmail::parse(&raw, &EmailLimits::default()).unwrap();
    assert_eq!(e.text_body.as_deref(), Some("Grüße"));
    // Invalid UTF-8 declared as UTF-8: decoded lossily, no panic.
    let mut raw = b"From: a@x.org\r\nSubject: \xff\xfe\r\n\r\n".to_vec();
    raw.extend(b"\xc3\x28 bad");
    assert!(InboundEmail::parse(&raw, &EmailLimits::default()).is_ok());
}

#[test]
fn limits_are_typed_errors() {
    let huge_header = format!(
        "From: a@x.org\r\nX-Big: {}\r\n\r\nx",
        "a".repeat(300 * 1024)
    );
    let err = InboundEmail::parse(huge_header.as_bytes(), &EmailLimits::default()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "header size",
                ..
            }
        ),
        "{err}"
    );

    let many: String = (0..1_001).map(|i| format!("X-H{i}: v\r\n")).collect();
    let err = InboundEmail::parse(format!("{many}\r\nx").as_bytes(), &EmailLimits::default())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "header count",
                ..
            }
        ),
        "{err}"
    );

    let small = EmailLimits {
        max_raw_bytes: 100,
        ..EmailLimits::default()
    };
    let err = InboundEmail::parse(&[b'a'; 101], &small).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "email size",
                ..
            }
        ),
        "{err}"
    );

    let mut raw =
        String::from("From: a@x.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n");
    for i in 0..3 {
        raw.push_str(&format!(
            "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=f{i}.bin\r\n\r\nx\r\n"
        ));
    }
    raw.push_str("--b--\r\n");
    let two = EmailLimits {
        max_attachments: 2,
        ..EmailLimits::default()
    };
    let err = InboundEmail::parse(raw.as_bytes(), &two).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "attachment count",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        InboundEmail::parse(raw.as_bytes(), &EmailLimits::default())
            .unwrap()
            .attachments
            .len(),
        3
    );
    // A folded huge header within limits parses.
    let folded = format!(
        "From: a@x.org\r\nSubject: {}\r\n\r\nx",
        vec!["word"; 5000].join("\r\n ")
    );
    let e = parse(&folded);
    assert_eq!(e.subject.split(' ').count(), 5000);
}

const DSN: &str = concat!(
    "Return-Path: <>\r\n",
    "From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>\r\n",
    "To: support@desk.example\r\n",
    "Subject: Undelivered Mail Returned to Sender\r\n",
    "Auto-Submitted: auto-replied\r\n",
    "MIME-Version: 1.0\r\n",
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n",
    "--R\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n",
    "--R\r\nContent-Type: message/delivery-status\r\n\r\n",
    "Reporting-MTA: dns; mx.customer.example\r\n\r\n",
    "Final-Recipient: rfc822; Gone@Customer.Example\r\n",
    "Original-Recipient: rfc822;gone@customer.example\r\n",
    "Action: failed\r\nStatus: 5.1.1\r\n",
    "Diagnostic-Code: smtp; 550 5.1.1 <gone@customer.example>: Recipient address rejected\r\n",
    "--R\r\nContent-Type: message/rfc822\r\n\r\n",
    "From: support@desk.example\r\nTo: gone@customer.example\r\n",
    "Message-ID: <case-00000000-0000-0000-0000-000000000001.3@Desk.Example>\r\n",
    "Subject: [CASE-2026-0001] Update\r\n\r\nYour case was updated.\r\n",
    "--R--\r\n"
);

#[test]
fn delivery_status_bounce_is_read() {
    let e = parse(DSN);
    let MailKind::Bounce(b) = classify(&e, &ours()) else {
        panic!("not a bounce")
    };
    assert_eq!(b.status.as_deref(), Some("5.1.1"));
    assert_eq!(b.severity, BounceSeverity::Permanent);
    assert_eq!(
        b.failed_recipient.as_ref().unwrap().as_str(),
        "gone@customer.example"
    );
    assert_eq!(
        b.original_message_id.as_ref().unwrap().as_str(),
        "case-00000000-0000-0000-0000-000000000001.3@desk.example"
    );
    assert!(b.contact_undeliverable());
    assert!(b.diagnostic.unwrap().contains("Recipient address rejected"));
}

#[test]
fn transient_and_header_only_bounces() {
    let delayed = DSN.replace(
        "Action: failed\r\nStatus: 5.1.1",
        "Action: delayed\r\nStatus: 4.4.7",
    );
    let MailKind::Bounce(b) = classify(&parse(&delayed), &ours()) else {
        panic!()
    };
    assert_eq!(b.severity, BounceSeverity::Transient);
    assert!(!b.contact_undeliverable());

    // An Exim-style plain bounce: X-Failed-Recipients and the original headers in the body.
    let exim = concat!(
        "From: Mail Delivery System <Mailer-Daemon@mx.example>\r\n",
        "X-Failed-Recipients: bob@customer.example\r\nSubject: Mail delivery failed\r\n\r\n",
        "This message was created automatically by mail delivery software.\r\n\r\n",
        "  bob@customer.example\r\n    SMTP error from remote mail server after RCPT TO:<bob@customer.example>:\r\n",
        "    550 5.7.1 Mailbox disabled\r\n\r\n------ This is a copy of the message, including all the headers. ------\r\n",
        "Message-ID: <case-x.1@desk.example>\r\nSubject: hi\r\n"
    );
    let MailKind::Bounce(b) = classify(&parse(exim), &ours()) else {
        panic!()
    };
    assert_eq!(b.failed_recipient.unwrap().as_str(), "bob@customer.example");
    assert_eq!(b.status.as_deref(), Some("5.7.1"));
    assert_eq!(
        b.original_message_id.unwrap().as_str(),
        "case-x.1@desk.example"
    );
}

#[test]
fn automated_mail_table() {
    let base = "From: Ann <ann@customer.example>\r\nTo: support@desk.example\r\nSubject: Hello\r\n";
    for (name, extra, subject, machine) in [
        ("plain person", "", None, false),
        ("auto-submitted no", "Auto-Submitted: no\r\n", None, false),
        (
            "auto-replied",
            "Auto-Submitted: auto-replied\r\n",
            None,
            true,
        ),
        (
            "auto-generated",
            "Auto-Submitted: auto-generated; owner-email=\"x@y\"\r\n",
            None,
            true,
        ),
        ("x-autoreply", "X-Autoreply: yes\r\n", None, true),
        ("x-autorespond", "X-Autorespond: 1\r\n", None, true),
        ("precedence bulk", "Precedence: bulk\r\n", None, true),
        ("precedence junk", "Precedence: junk\r\n", None, true),
        ("precedence list", "Precedence: list\r\n", None, true),
        (
            "precedence auto_reply",
            "Precedence: auto_reply\r\n",
            None,
            true,
        ),
        (
            "precedence first-class",
            "Precedence: first-class\r\n",
            None,
            false,
        ),
        (
            "x-loop ours",
            "X-Loop: Support@Desk.Example\r\n",
            None,
            true,
        ),
        (
            "x-loop other",
            "X-Loop: other@elsewhere.example\r\n",
            None,
            false,
        ),
        ("list-id", "List-Id: <news.shop.example>\r\n", None, true),
        (
            "list-unsubscribe",
            "List-Unsubscribe: <mailto:u@shop.example>\r\n",
            None,
            true,
        ),
        ("ooo subject", "", Some("Automatic reply: Hello"), true),
        (
            "german ooo subject",
            "",
            Some("Abwesenheitsnotiz: Hello"),
            true,
        ),
        ("re is human", "", Some("Re: Automatic reply"), false),
    ] {
        let mut raw = base.to_string();
        if let Some(s) = subject {
            raw = raw.replace("Subject: Hello", &format!("Subject: {s}"));
        }
        raw.push_str(extra);
        raw.push_str("\r\nbody\r\n");
        let kind = classify(&parse(&raw), &ours());
        assert_eq!(kind.is_machine(), machine, "{name}: {kind:?}");
        assert!(!matches!(kind, MailKind::Bounce(_)), "{name}: not a bounce");
    }
    for sender in [
        "noreply@shop.example",
        "no-reply@shop.example",
        "postmaster@x.org",
        "MAILER-DAEMON@x.org",
    ] {
        let kind = classify(&parse(&format!("From: {sender}\r\n\r\nx")), &ours());
        assert!(kind.is_machine(), "{sender}");
    }
    // An out-of-office with the RFC 3834 null return path is automated, not a bounce.
    let ooo = parse(
        "Return-Path: <>\r\nFrom: ann@customer.example\r\nAuto-Submitted: auto-replied\r\nSubject: Out of Office: x\r\n\r\nI am away.",
    );
    let kind = classify(&ooo, &ours());
    assert!(
        kind.is_auto_reply() && !matches!(kind, MailKind::Bounce(_)),
        "{kind:?}"
    );
    // A null return path alone is a bounce.
    let bare = parse("Return-Path: <>\r\nFrom: x@mx.example\r\n\r\n550 5.1.1 unknown user");
    assert!(matches!(classify(&bare, &ours()), MailKind::Bounce(_)));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any bytes: parse returns, and whatever it returns can be classified and
    /// have its body extracted without panicking.
    #[test]
    fn any_bytes_parse_and_classify_without_panic(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(e) = InboundEmail::parse(&raw, &EmailLimits::default()) {
            let _ = classify(&e, &ours());
            let _ = extract_body(&e, &BodyConfig::default());
            let _ = e.dedupe_key();
        }
    }

    /// Mail-shaped input: headers from a small alphabet of tricky pieces.
    #[test]
    fn mail_shaped_input_never_panics(
        parts in proptest::collection::vec(prop_oneof![
            Just("From: a@x.org\r\n"), Just("Content-Type: multipart/mixed; boundary=b\r\n"),
            Just("Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n"),
            Just("--b\r\n"), Just("--b--\r\n"), Just("\r\n"), Just("Content-Type: message/rfc822\r\n"),
            Just("Content-Type: message/delivery-status\r\n"), Just("Status: 5.1.1\r\n"),
            Just("Subject: =?utf-8?b?"), Just("?=\r\n"), Just("=?x?q?=FF"), Just("<html><a href='"),
            Just("Content-Transfer-Encoding: base64\r\n"), Just("Content-Transfer-Encoding: quoted-printable\r\n"),
            Just("&#x10FFFF;&#0;&"), Just("> quoted\r\n"), Just("On Mon wrote:\r\n"), Just(" folded\r\n"),
            Just("Return-Path: <>\r\n"), Just("X-Failed-Recipients: ,,\r\n"),
        ], 0..40)
    ) {
        let raw = parts.concat();
        if let Ok(e) = InboundEmail::parse(raw.as_bytes(), &EmailLimits::default()) {
            let _ = classify(&e, &ours());
            let _ = extract_body(&e, &BodyConfig::default());
        }
    }
}

/// End to end on raw bytes: a parsed bounce and a parsed out-of-office reply
/// find their case but never reopen it; the customer's real reply does.
#[test]
fn parsed_mail_threads_end_to_end() {
    use hotcrm_support::case::CaseStatus;
    use hotcrm_support::ids::{CaseId, CaseNumber};
    use hotcrm_support::intake::{
        MemoryThreadLookup, ThreadCase, ThreadConfig, ThreadDecision, ThreadMatch, decide_thread,
    };
    let case = CaseId::from_u128(1);
    let mut lookup = MemoryThreadLookup::default();
    lookup.insert(
        ThreadCase::new(
            case,
            CaseNumber::new(2026, 1).unwrap(),
            CaseStatus::Resolved,
        )
        .with_contact(EmailAddress::parse("ann@customer.example").unwrap()),
    );
    let config = ThreadConfig::new(["desk.example"]);
    let decide = |raw: &str| {
        let e = parse(raw);
        decide_thread(&e, &classify(&e, &ours()), &config, &lookup)
    };
    assert_eq!(
        decide(DSN),
        ThreadDecision::InternalNote {
            case,
            via: ThreadMatch::InReplyTo
        }
    );
    let reply = concat!(
        "From: Ann <ann@customer.example>\r\nTo: support@desk.example\r\n",
        "Subject: Re: [CASE-2026-0001] Update\r\n",
        "In-Reply-To: <case-00000000-0000-0000-0000-000000000001.3@desk.example>\r\n\r\n",
        "It is broken again.\r\n\r\nOn Mon, Support wrote:\r\n> Fixed.\r\n"
    );
    assert_eq!(
        decide(reply),
        ThreadDecision::Reopen {
            case,
            via: ThreadMatch::InReplyTo
        }
    );
    let ooo = reply.replace(
        "Subject: Re:",
        "Auto-Submitted: auto-replied\r\nSubject: Automatic reply: Re:",
    );
    assert_eq!(
        decide(&ooo),
        ThreadDecision::InternalNote {
            case,
            via: ThreadMatch::InReplyTo
        }
    );
    assert_eq!(
        extract_body(&parse(reply), &BodyConfig::default()).visible,
        "It is broken again."
    );
}
