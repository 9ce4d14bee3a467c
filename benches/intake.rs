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

#[path = "support/mail.rs"]
mod mail;

/// The shared ~10 KB email with this bench's threading headers.
fn ten_kb_mail() -> Vec<u8> {
    mail::ten_kb_mail(concat!(
        "Cc: cc@partner.example\r\n",
        "Subject: Re: [CASE-2026-0042] Export fails with error 500\r\n",
        "Message-ID: <CAFx123.abc@mail.customer.example>\r\n",
        "In-Reply-To: <case-00000000-0000-0000-0000-00000000002a.3@desk.example>\r\n",
        "References: <case-00000000-0000-0000-0000-00000000002a.1@desk.example> <case-00000000-0000-0000-0000-00000000002a.3@desk.example>\r\n",
    ))
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
