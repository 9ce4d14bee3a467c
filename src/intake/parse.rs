//! [`InboundEmail::parse`]: RFC 5322 / MIME parsing on `mail-parser`, with
//! size limits checked before any parsing. Feature `email`.

use mail_parser::{Address, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

use super::address::{Mailbox, MessageId};
use super::email::{
    Attachment, DeliveryReport, EmailLimits, Header, InboundEmail, KEPT_HEADERS, hex,
    message_id_in_headers,
};
use crate::error::{Error, Result};

impl InboundEmail {
    /// Parses a raw RFC 5322 message (as received over SMTP or fetched over
    /// IMAP) into an [`InboundEmail`], after checking `limits`.
    ///
    /// Parsing is lenient the way mail clients are: malformed headers are
    /// skipped, missing ones left empty, bodies decoded from any transfer
    /// encoding and the charsets mail-parser knows (UTF-8, UTF-16, ISO-8859-*,
    /// Windows-125*, KOI8 and more). Nothing is dropped silently except
    /// headers outside [`KEPT_HEADERS`].
    ///
    /// # Errors
    ///
    /// - [`Error::Validation`] with field `email size`, `header count`,
    ///   `header size` or `attachment count` when a limit is exceeded;
    /// - [`Error::Parse`] (what `email`) when the bytes hold no header field
    ///   at all.
    ///
    /// # Example
    ///
    /// ```
    /// use hotcrm_support::intake::{EmailLimits, InboundEmail};
    /// let raw = b"From: Ann <ann@customer.example>\r\n\
    /// To: support@desk.example\r\n\
    /// Subject: =?utf-8?q?Caf=C3=A9_printer?=\r\n\
    /// Message-ID: <A1@Customer.Example>\r\n\
    /// \r\n\
    /// It is on fire.\r\n";
    /// let email = InboundEmail::parse(raw, &EmailLimits::default())?;
    /// assert_eq!(email.subject, "Café printer");
    /// assert_eq!(email.message_id.as_ref().map(|m| m.as_str()), Some("A1@customer.example"));
    /// assert_eq!(email.text_body.as_deref().map(str::trim), Some("It is on fire."));
    /// assert!(InboundEmail::parse(raw, &EmailLimits { max_raw_bytes: 10, ..EmailLimits::default() }).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn parse(raw: &[u8], limits: &EmailLimits) -> Result<InboundEmail> {
        within("email size", "bytes", raw.len(), limits.max_raw_bytes)?;
        let (header_bytes, header_count) = scan_header_section(raw);
        within(
            "header size",
            "header bytes",
            header_bytes,
            limits.max_header_bytes,
        )?;
        within(
            "header count",
            "header fields",
            header_count,
            limits.max_headers,
        )?;
        // mail-parser promises not to panic, but 0.11.3 indexes out of bounds on
        // some nested messages; a panic in the parser must still be a typed error.
        let parsed = std::panic::catch_unwind(|| parse_and_convert(raw, limits));
        match parsed {
            Ok(result) => result,
            Err(_) => Err(Error::Parse {
                what: "email",
                input: preview(raw),
                reason: "the MIME structure could not be parsed".into(),
            }),
        }
    }
}

fn preview(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw.get(..64).unwrap_or(raw)).into_owned()
}

fn parse_and_convert(raw: &[u8], limits: &EmailLimits) -> Result<InboundEmail> {
    let parser = MessageParser::new()
        .with_mime_headers()
        .with_date_headers()
        .with_address_headers()
        .header_text(mail_parser::HeaderName::Subject);
    let message = parser
        .parse(raw)
        .filter(|m| !m.parts.is_empty())
        .ok_or_else(|| Error::Parse {
            what: "email",
            input: preview(raw),
            reason: "no header fields found".into(),
        })?;
    let attachment_count = message.attachments.len();
    if attachment_count > limits.max_attachments {
        return Err(Error::validation(
            "attachment count",
            format!(
                "{attachment_count} attachments exceeds the limit of {}",
                limits.max_attachments
            ),
        ));
    }
    Ok(convert(&message, raw))
}

/// Bytes and field count of the top-level header section (up to the first
/// empty line, or the whole input when there is none).
fn scan_header_section(raw: &[u8]) -> (usize, usize) {
    let mut count = 0;
    let mut pos = 0;
    for line in raw.split_inclusive(|b| *b == b'\n') {
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if content.is_empty() {
            return (pos, count);
        }
        if !matches!(content.first(), Some(b' ' | b'\t')) {
            count += 1;
        }
        pos += line.len();
    }
    (pos, count)
}

/// The raw text of a header value, by case-insensitive name.
fn raw_values<'m>(message: &'m Message<'_>, name: &'m str) -> impl Iterator<Item = String> + 'm {
    let raw = message.raw_message.as_ref();
    message
        .parts
        .first()
        .map(|p| p.headers.as_slice())
        .unwrap_or(&[])
        .iter()
        .filter(move |h| h.name.as_str().eq_ignore_ascii_case(name))
        .filter_map(move |h| {
            raw.get(h.offset_start as usize..h.offset_end as usize)
                .map(|b| String::from_utf8_lossy(b).into_owned())
        })
}

fn mailboxes(address: Option<&Address<'_>>) -> Vec<Mailbox> {
    address
        .map(|a| {
            a.iter()
                .filter_map(|addr| Mailbox::new(addr.name(), addr.address()?))
                .collect()
        })
        .unwrap_or_default()
}

/// The decoded content of a part. `MessagePart::contents` is not used: for a
/// nested message without parts it indexes out of bounds (mail-parser 0.11.3).
fn contents<'a>(part: &'a MessagePart<'_>) -> &'a [u8] {
    match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.as_bytes(),
        PartType::Binary(b) | PartType::InlineBinary(b) => b.as_ref(),
        PartType::Message(m) => {
            let raw = m.raw_message.as_ref();
            m.parts
                .first()
                .and_then(|p| raw.get(p.offset_header as usize..p.offset_end as usize))
                .unwrap_or(raw)
        }
        PartType::Multipart(_) => &[],
    }
}

fn media_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
        None => match part.body {
            PartType::Text(_) => "text/plain".into(),
            PartType::Html(_) => "text/html".into(),
            PartType::Message(_) => "message/rfc822".into(),
            _ => "application/octet-stream".into(),
        },
    }
}

fn convert(message: &Message<'_>, raw: &[u8]) -> InboundEmail {
    let ids = |name: &str| -> Vec<MessageId> {
        raw_values(message, name)
            .flat_map(|v| MessageId::parse_list(&v))
            .collect()
    };
    let mut email = InboundEmail {
        message_id: ids("message-id").into_iter().next(),
        in_reply_to: ids("in-reply-to"),
        references: ids("references"),
        from: mailboxes(message.from()).into_iter().next(),
        reply_to: mailboxes(message.reply_to()),
        to: mailboxes(message.to()),
        cc: mailboxes(message.cc()),
        subject: message
            .subject()
            .map(super::email::unfold)
            .unwrap_or_default(),
        date: message
            .date()
            .filter(|d| d.is_valid())
            .and_then(|d| chrono::DateTime::from_timestamp(d.to_timestamp(), 0)),
        ..InboundEmail::default()
    };
    for name in KEPT_HEADERS {
        // Kept in the message's order per name; classification only asks by name.
        for value in raw_values(message, name) {
            email.headers.push(Header::new(name, &value));
        }
    }
    email.text_body = message.text_bodies().find_map(|p| match &p.body {
        PartType::Text(t) => Some(t.to_string()),
        _ => None,
    });
    email.html_body = message.html_bodies().find_map(|p| match &p.body {
        PartType::Html(t) => Some(t.to_string()),
        _ => None,
    });
    email.attachments = message
        .attachments()
        .map(|part| {
            let contents = contents(part);
            Attachment {
                name: part.attachment_name().map(str::to_string),
                media_type: media_type(part),
                size: contents.len() as u64,
                content_id: part
                    .content_id()
                    .map(|c| c.trim().trim_matches(['<', '>']).to_string()),
                sha256: hex(&Sha256::digest(contents)),
                inline: part.content_disposition().is_some_and(|d| d.is_inline()),
            }
        })
        .collect();
    email.report = delivery_report(message);
    if email.message_id.is_none() {
        email.raw_sha256 = Some(hex(&Sha256::digest(raw)));
    }
    email
}

/// The report of a `multipart/report` message, or of any message carrying a
/// `message/delivery-status` part.
fn delivery_report(message: &Message<'_>) -> Option<DeliveryReport> {
    let root = message.parts.first()?;
    let mut report = DeliveryReport::default();
    let mut is_report = false;
    if let Some(ct) = root.content_type() {
        if ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        {
            is_report = true;
            report.report_type = ct.attribute("report-type").map(str::to_ascii_lowercase);
        }
    }
    for part in message.parts.iter().skip(1) {
        let ty = media_type(part);
        match ty.as_str() {
            "message/delivery-status" | "message/global-delivery-status" => {
                is_report = true;
                if report.delivery_status.is_none() {
                    report.delivery_status =
                        Some(String::from_utf8_lossy(contents(part)).into_owned());
                }
            }
            "message/rfc822" | "message/global" | "text/rfc822-headers"
                if report.original_message_id.is_none() =>
            {
                report.original_message_id = match &part.body {
                    PartType::Message(inner) => raw_values(inner, "message-id")
                        .flat_map(|v| MessageId::parse_list(&v))
                        .next(),
                    _ => message_id_in_headers(&String::from_utf8_lossy(contents(part))),
                };
            }
            _ => {}
        }
    }
    is_report.then_some(report)
}

/// `Ok` when `value` is at most `limit`; else a validation error on `field`
/// ("`value` `unit` exceeds the limit of `limit`").
fn within(field: &'static str, unit: &str, value: usize, limit: usize) -> Result<()> {
    if value > limit {
        return Err(Error::validation(
            field,
            format!("{value} {unit} exceeds the limit of {limit}"),
        ));
    }
    Ok(())
}
