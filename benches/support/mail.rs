//! The ~10 KB customer email the intake benches take in (shared by
//! `benches/intake.rs` and `benches/desk_intake.rs`).

/// A ~10 KB customer email: text and HTML alternatives with a quoted history
/// and a PDF attachment. `threading` is the header block that differs between
/// benches (Subject, Message-ID, and any Cc / In-Reply-To / References), each
/// line ending in CRLF.
pub(crate) fn ten_kb_mail(threading: &str) -> Vec<u8> {
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
        "Date: Mon, 05 Jan 2026 10:00:00 +0100\r\n",
    ));
    raw.push_str(threading);
    raw.push_str(concat!(
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
