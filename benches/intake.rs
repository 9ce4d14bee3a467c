//! Email intake benchmarks (`cargo bench --bench intake --features email`).
//!
//! `intake/parse_classify` parses a realistic 10 KB reply (multipart/alternative
//! text + HTML with a quoted history, a small PDF attachment) into an
//! `InboundEmail` and classifies it: the per-message cost of email-to-case
//! before any storage. `intake/extract_body` then measures HTML-free reply
//! splitting on the same mail, and `intake/html_to_text` the HTML converter on
//! its HTML part. Each loop asserts on the result so the work cannot be
//! optimised away.
//!
//! Measured on the shared 2-core dev machine (criterion medians, 2026-12-02,
//! 10,240-byte mail): `intake/parse_classify` 49 µs at load average 1.2 (64 µs
//! at load 3.6 while another engineer was building), `intake/extract_body`
//! 4.1 µs, `intake/html_to_text` 30 µs for its 2.2 KB HTML part.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hotcrm_support::intake::{
    BodyConfig, ClassifyConfig, EmailAddress, EmailLimits, InboundEmail, MailKind, classify,
    extract_body, html_to_text,
};

/// A ~10 KB customer reply with text and HTML alternatives and an attachment.
fn ten_kb_mail() -> Vec<u8> {
    let mut quoted = String::new();
    let mut quoted_html = String::new();
    for i in 0..40 {
        quoted.push_str(&format!(
            "> Line {i} of our previous answer about the export job.\r\n"
        ));
        quoted_html.push_str(&format!(
            "<p>Line {i} of our previous answer &amp; details</p>"
        ));
    }
    let mut raw = String::new();
    raw.push_str("Return-Path: <ann@customer.example>\r\n");
    for hop in 0..6 {
        raw.push_str(&format!(
            "Received: from mx{hop}.customer.example (mx{hop}.customer.example [192.0.2.{hop}])\r\n\tby mx.desk.example with ESMTPS id abc{hop}; Mon, 5 Jan 2026 09:00:0{hop} +0000\r\n"
        ));
    }
    raw.push_str(concat!(
        "From: =?utf-8?q?Ann_L=C3=A9e?= <Ann@Customer.Example>\r\n",
        "To: Support <support@desk.example>\r\n",
        "Cc: cc@partner.example\r\n",
        "Subject: Re: [CASE-2026-0042] Export fails with error 500\r\n",
        "Date: Mon, 05 Jan 2026 10:00:00 +0100\r\n",
        "Message-ID: <CAFx123.abc@mail.customer.example>\r\n",
        "In-Reply-To: <case-00000000-0000-0000-0000-00000000002a.3@desk.example>\r\n",
        "References: <case-00000000-0000-0000-0000-00000000002a.1@desk.example> <case-00000000-0000-0000-0000-00000000002a.3@desk.example>\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/mixed; boundary=\"mixed\"\r\n\r\n",
        "--mixed\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n",
        "--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
        "Hello, the export still fails after the update. Log attached.\r\n\r\nThanks,\r\nAnn\r\n\r\n",
        "On Mon, Jan 5, 2026 at 9:00 AM Support <support@desk.example> wrote:\r\n",
    ));
    raw.push_str(&quoted);
    raw.push_str("--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Hello, the export still fails after the update.</p><blockquote>");
    raw.push_str(&quoted_html);
    raw.push_str("</blockquote></body></html>\r\n--alt--\r\n");
    raw.push_str("--mixed\r\nContent-Type: application/pdf; name=\"log.pdf\"\r\nContent-Disposition: attachment; filename=\"log.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    let line = "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29k\r\n";
    while raw.len() < 10 * 1024 - 40 {
        raw.push_str(line);
    }
    raw.push_str("--mixed--\r\n");
    raw.into_bytes()
}

fn bench(c: &mut Criterion) {
    let raw = ten_kb_mail();
    assert!(
        (9 * 1024..=11 * 1024).contains(&raw.len()),
        "{} bytes",
        raw.len()
    );
    let limits = EmailLimits::default();
    let config = ClassifyConfig::new([EmailAddress::parse("support@desk.example").unwrap()]);
    c.bench_function("intake/parse_classify", |b| {
        b.iter(|| {
            let email = InboundEmail::parse(black_box(&raw), &limits).unwrap();
            let kind = classify(&email, &config);
            assert_eq!(kind, MailKind::Human);
            email
        })
    });
    let email = InboundEmail::parse(&raw, &limits).unwrap();
    let body_config = BodyConfig::default();
    c.bench_function("intake/extract_body", |b| {
        b.iter(|| {
            let body = extract_body(black_box(&email), &body_config);
            assert!(body.quoted.is_some());
            body
        })
    });
    let html = email.html_body.clone().unwrap();
    c.bench_function("intake/html_to_text", |b| {
        b.iter(|| {
            let text = html_to_text(black_box(&html));
            assert!(text.starts_with("Hello"));
            text
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
