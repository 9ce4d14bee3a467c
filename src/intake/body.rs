//! The customer's new words in an email body: text part preferred, HTML
//! converted ([`html_to_text`]), quoted replies and signatures cut off into
//! [`EmailBody::quoted`] and [`EmailBody::signature`] (kept, never deleted).
//! Pure.
//!
//! # What is cut, first match wins (the earliest line)
//!
//! - our reply separator ([`BodyConfig::reply_separator`]);
//! - an attribution line: "On … wrote:", "Am … schrieb …:", "Le … a écrit :",
//!   "El … escribió:", "Il … ha scritto:", "Op … schreef …:", "Em … escreveu:"
//!   (also wrapped over two lines);
//! - "-----Original Message-----" and its translations, "--- Forwarded
//!   message ---" is *not* cut (a forward is the customer's content);
//! - an Outlook header block: a `From:`/`Von:`/`De :` line followed within
//!   four lines by `Sent:`/`Date:`/`Gesendet:`/`Envoyé :`, optionally preceded
//!   by a line of underscores;
//! - a trailing block of `>` lines (interleaved quotes followed by new text
//!   stay visible);
//! - the signature delimiter `-- ` (the signature goes to
//!   [`EmailBody::signature`], what follows it to `quoted`).
//!
//! When cutting would leave nothing visible, the whole text stays visible.

use serde::{Deserialize, Serialize};

use super::email::InboundEmail;
use super::html::html_to_text;

/// How to find the customer's new text.
///
/// ```
/// use hotcrm_support::intake::BodyConfig;
/// let c = BodyConfig::default();
/// assert_eq!(c.reply_separator.as_deref(), Some("##- Please type your reply above this line -##"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BodyConfig {
    /// The line our outgoing emails put above the quoted history; everything
    /// from it down is quoted. `None` disables the rule.
    pub reply_separator: Option<String>,
}

impl Default for BodyConfig {
    fn default() -> Self {
        BodyConfig {
            reply_separator: Some("##- Please type your reply above this line -##".into()),
        }
    }
}

impl BodyConfig {
    /// A config with another reply separator.
    ///
    /// ```
    /// # use hotcrm_support::intake::BodyConfig;
    /// assert_eq!(BodyConfig::with_separator("-- reply above --").reply_separator.as_deref(), Some("-- reply above --"));
    /// ```
    pub fn with_separator(separator: impl Into<String>) -> BodyConfig {
        BodyConfig {
            reply_separator: Some(separator.into()),
        }
    }
}

/// An email body split into what the customer wrote now and what they quoted.
///
/// ```
/// use hotcrm_support::intake::{split_reply, BodyConfig};
/// let body = split_reply("Thanks!\n\nOn Mon, 5 Jan 2026 at 09:00, Desk <s@d.example> wrote:\n> Your case", &BodyConfig::default());
/// assert_eq!(body.visible, "Thanks!");
/// assert!(body.quoted.unwrap().starts_with("On Mon"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EmailBody {
    /// The new text, trimmed.
    pub visible: String,
    /// The quoted history that was cut, if any, from its first line on.
    pub quoted: Option<String>,
    /// The signature block (after `-- `), if any.
    pub signature: Option<String>,
}

/// The body of an email: the text part, or the HTML part converted to text
/// when there is no (non-blank) text part, split by [`split_reply`].
///
/// ```
/// use hotcrm_support::intake::{extract_body, BodyConfig, InboundEmail};
/// let mut e = InboundEmail::default();
/// e.html_body = Some("<p>It broke</p><blockquote>old</blockquote>".into());
/// let body = extract_body(&e, &BodyConfig::default());
/// assert_eq!((body.visible.as_str(), body.quoted.as_deref()), ("It broke", Some("> old")));
/// ```
pub fn extract_body(email: &InboundEmail, config: &BodyConfig) -> EmailBody {
    let text = match (&email.text_body, &email.html_body) {
        (Some(t), _) if !t.trim().is_empty() => t.replace("\r\n", "\n"),
        (_, Some(h)) => html_to_text(h),
        (Some(t), None) => t.replace("\r\n", "\n"),
        (None, None) => String::new(),
    };
    split_reply(&text, config)
}

/// Splits plain text into the visible reply, its signature and the quoted
/// history (see the [module docs](self) for the rules).
///
/// ```
/// use hotcrm_support::intake::{split_reply, BodyConfig};
/// let text = "New info here.\n-- \nAnn Lee\nACME\n\n-----Original Message-----\nFrom: Desk";
/// let body = split_reply(text, &BodyConfig::default());
/// assert_eq!(body.visible, "New info here.");
/// assert_eq!(body.signature.as_deref(), Some("Ann Lee\nACME"));
/// assert_eq!(body.quoted.as_deref(), Some("-----Original Message-----\nFrom: Desk"));
/// ```
pub fn split_reply(text: &str, config: &BodyConfig) -> EmailBody {
    let lines: Vec<&str> = text.lines().collect();
    let quote_at = quote_start(&lines, config);
    let sig_at = lines
        .iter()
        .take(quote_at.unwrap_or(lines.len()))
        .position(|l| *l == "-- " || *l == "--");
    let visible_end = sig_at.or(quote_at).unwrap_or(lines.len());
    let visible = join(lines.get(..visible_end).unwrap_or(&[]));
    if visible.is_empty() {
        return EmailBody {
            visible: join(&lines),
            quoted: None,
            signature: None,
        };
    }
    let signature = sig_at.and_then(|s| {
        let end = quote_at.unwrap_or(lines.len());
        Some(join(lines.get(s + 1..end)?)).filter(|s| !s.is_empty())
    });
    let quoted = quote_at
        .and_then(|q| lines.get(q..))
        .map(join)
        .filter(|s| !s.is_empty());
    EmailBody {
        visible,
        quoted,
        signature,
    }
}

fn join(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        .trim_matches('\n')
        .to_string()
}

/// The index of the first line of the quoted history.
fn quote_start(lines: &[&str], config: &BodyConfig) -> Option<usize> {
    let separator = config
        .reply_separator
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if separator.is_some_and(|s| t.contains(s)) {
            // An attribution line right above our separator belongs to the quote.
            return Some(match i.checked_sub(1).and_then(|p| lines.get(p)) {
                Some(prev) if is_attribution(prev.trim()) => i - 1,
                _ => i,
            });
        }
        if is_attribution(t) || is_original_message(t) {
            return Some(i);
        }
        if let Some(next) = lines.get(i + 1) {
            if is_attribution_start(t) && is_attribution(&format!("{t} {}", next.trim())) {
                return Some(i);
            }
        }
        if is_outlook_from(t) && outlook_block_follows(lines, i) {
            let prev_rule = i
                .checked_sub(1)
                .and_then(|p| lines.get(p))
                .is_some_and(|p| is_underscore_rule(p.trim()));
            return Some(if prev_rule { i - 1 } else { i });
        }
    }
    trailing_quote_block(lines)
}

fn is_attribution_start(t: &str) -> bool {
    ["On ", "Am ", "Le ", "El ", "Il ", "Op ", "Em "]
        .iter()
        .any(|p| t.starts_with(p))
}

fn is_attribution(t: &str) -> bool {
    if t.len() > 400 || !is_attribution_start(t) {
        return false;
    }
    let t = t.trim_end();
    let ends = |s: &str| t.ends_with(s);
    (t.starts_with("On ") && ends("wrote:"))
        || (t.starts_with("Am ") && t.contains("schrieb") && ends(":"))
        || (t.starts_with("Le ") && (ends("a écrit :") || ends("a écrit:")))
        || (t.starts_with("El ") && ends("escribió:"))
        || (t.starts_with("Il ") && ends("ha scritto:"))
        || (t.starts_with("Op ") && t.contains("schreef") && ends(":"))
        || (t.starts_with("Em ") && ends("escreveu:"))
}

fn is_original_message(t: &str) -> bool {
    let core = t.trim_matches(|c: char| c == '-' || c.is_whitespace());
    t.starts_with("---")
        && matches!(
            core.to_lowercase().as_str(),
            "original message"
                | "ursprüngliche nachricht"
                | "message d'origine"
                | "message original"
                | "mensaje original"
                | "messaggio originale"
                | "oorspronkelijk bericht"
        )
}

fn is_underscore_rule(t: &str) -> bool {
    t.len() >= 10 && t.chars().all(|c| c == '_')
}

fn is_outlook_from(t: &str) -> bool {
    let t = t.trim_start_matches('*');
    ["From:", "Von:", "De :", "De:", "Van:"]
        .iter()
        .any(|p| t.starts_with(p))
}

fn outlook_block_follows(lines: &[&str], from: usize) -> bool {
    lines.iter().skip(from + 1).take(4).any(|l| {
        let l = l.trim().trim_start_matches('*');
        [
            "Sent:",
            "Date:",
            "Gesendet:",
            "Envoyé :",
            "Envoyé:",
            "Enviado:",
            "Verzonden:",
            "Datum:",
        ]
        .iter()
        .any(|p| l.starts_with(p))
    })
}

/// The start of a final run of `>` lines (blank lines allowed inside and
/// after it), if the text ends with one.
fn trailing_quote_block(lines: &[&str]) -> Option<usize> {
    let mut start = None;
    for (i, line) in lines.iter().enumerate().rev() {
        let t = line.trim();
        if t.starts_with('>') {
            start = Some(i);
        } else if !t.is_empty() {
            break;
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_table_of_cases() {
        let c = BodyConfig::default();
        for (name, text, visible, quoted) in [
            ("plain", "Hello", "Hello", None),
            (
                "our separator",
                "Yes\n##- Please type your reply above this line -##\nold",
                "Yes",
                Some("##- Please type your reply above this line -##\nold"),
            ),
            (
                "german",
                "Danke\nAm 05.01.2026 um 09:00 schrieb Desk <s@d>:\n> x",
                "Danke",
                Some("Am 05.01.2026 um 09:00 schrieb Desk <s@d>:\n> x"),
            ),
            (
                "french",
                "Merci\nLe lun. 5 janv. 2026, Desk a écrit :\n> x",
                "Merci",
                Some("Le lun. 5 janv. 2026, Desk a écrit :\n> x"),
            ),
            (
                "wrapped gmail",
                "ok\nOn Mon, Jan 5, 2026 at 9:00 AM Support Desk <support@desk.example>\nwrote:\n> x",
                "ok",
                Some(
                    "On Mon, Jan 5, 2026 at 9:00 AM Support Desk <support@desk.example>\nwrote:\n> x",
                ),
            ),
            (
                "outlook",
                "Fine\n________________________________\nFrom: Desk\nSent: Monday\nTo: Ann\nSubject: x\n\nold",
                "Fine",
                Some(
                    "________________________________\nFrom: Desk\nSent: Monday\nTo: Ann\nSubject: x\n\nold",
                ),
            ),
            (
                "from line in prose",
                "From: my side it works\nthanks",
                "From: my side it works\nthanks",
                None,
            ),
            (
                "trailing quote",
                "answer\n\n> q1\n> q2\n",
                "answer",
                Some("> q1\n> q2"),
            ),
            (
                "interleaved",
                "> q1\na1\n> q2\na2",
                "> q1\na1\n> q2\na2",
                None,
            ),
            (
                "only quote",
                "> everything quoted",
                "> everything quoted",
                None,
            ),
            (
                "original message",
                "x\n----- Original Message -----\ny",
                "x",
                Some("----- Original Message -----\ny"),
            ),
            (
                "forward kept",
                "see below\n---------- Forwarded message ---------\nFrom: A",
                "see below\n---------- Forwarded message ---------\nFrom: A",
                None,
            ),
        ] {
            let body = split_reply(text, &c);
            assert_eq!(body.visible, visible, "{name}: visible");
            assert_eq!(body.quoted.as_deref(), quoted, "{name}: quoted");
        }
    }
}
