//! Web-to-case: a configurable form mapping to case fields, with the usual
//! protections against bots (honeypot field, minimum fill time, per-IP and
//! per-email rate limits, link limits, an optional signed proof-of-work
//! [`Challenge`](super::Challenge) under feature `signatures`). Pure apart
//! from the bounded [`WebLedger`] the host stores; `now` is the submission's
//! `submitted_at`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::address::EmailAddress;
use super::ledger::{RateLedger, RateLimit, secs};
use crate::case::{CaseType, NewCase, Origin, Priority};
use crate::ids::{AccountId, CaseId, CaseNumber, ContactId, QueueId};

/// A case field a form field can fill.
///
/// ```
/// use hotcrm_support::intake::CaseField;
/// assert!(CaseField::Subject < CaseField::Description);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CaseField {
    /// The case subject.
    Subject,
    /// The case description.
    Description,
    /// The submitter's email (becomes the contact lookup key).
    Email,
    /// The submitter's name.
    Name,
    /// Priority (a [`Priority`] value).
    Priority,
    /// Type (a [`CaseType`] value).
    CaseType,
    /// Product (free text or a product code; the desk maps it).
    Product,
    /// Phone number.
    Phone,
    /// Company name.
    Company,
}

/// The proof-of-work requirement of a form.
///
/// ```
/// use hotcrm_support::intake::ChallengeRules;
/// assert_eq!(ChallengeRules::default().difficulty, 16);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChallengeRules {
    /// Minimum leading zero bits (default 16: a fraction of a second in a browser).
    pub difficulty: u8,
    /// How long an issued challenge stays valid (default 30 minutes).
    #[serde(with = "secs")]
    pub ttl: TimeDelta,
}

impl Default for ChallengeRules {
    fn default() -> Self {
        ChallengeRules {
            difficulty: 16,
            ttl: TimeDelta::minutes(30),
        }
    }
}

/// A web form's configuration.
///
/// ```
/// use hotcrm_support::intake::{CaseField, WebForm};
/// let form = WebForm::default();
/// assert_eq!(form.fields.get("subject"), Some(&CaseField::Subject));
/// assert!(form.required.contains(&CaseField::Email));
/// assert_eq!(form.ip_limit.max, 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebForm {
    /// Form field name → case field. Unmapped fields go to [`WebCase::extra`].
    pub fields: BTreeMap<String, CaseField>,
    /// Case fields that must be filled (default subject, description, email).
    pub required: BTreeSet<CaseField>,
    /// Allowed values per case field (compared case-insensitively); absent
    /// means any value.
    pub allowed_values: BTreeMap<CaseField, BTreeSet<String>>,
    /// Priority when the form has none (default Medium).
    pub default_priority: Priority,
    /// Queue for the new case.
    pub default_queue: Option<QueueId>,
    /// Origin of the case (default Web).
    pub origin: Origin,
    /// A field hidden from people; bots fill it (default `website`).
    pub honeypot: Option<String>,
    /// Minimum time between rendering and submitting (default 3 s).
    #[serde(with = "secs")]
    pub min_fill_time: TimeDelta,
    /// Most links in subject + description (default 3).
    pub max_links: usize,
    /// Longest field value in characters (default 32,000; subjects are
    /// limited to 255 by the case rules).
    pub max_field_chars: usize,
    /// Most fields in a submission (default 50).
    pub max_fields: usize,
    /// Submissions per IP (default 20 per hour).
    pub ip_limit: RateLimit,
    /// Submissions per email (default 5 per hour).
    pub email_limit: RateLimit,
    /// Proof-of-work requirement (needs feature `signatures`); default none.
    pub challenge: Option<ChallengeRules>,
    /// Most IPs and emails the ledger remembers (default 10,000 each).
    pub max_tracked: usize,
}

impl Default for WebForm {
    fn default() -> Self {
        let fields = [
            ("subject", CaseField::Subject),
            ("description", CaseField::Description),
            ("email", CaseField::Email),
            ("name", CaseField::Name),
            ("priority", CaseField::Priority),
            ("type", CaseField::CaseType),
            ("product", CaseField::Product),
            ("phone", CaseField::Phone),
            ("company", CaseField::Company),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        WebForm {
            fields,
            required: [CaseField::Subject, CaseField::Description, CaseField::Email]
                .into_iter()
                .collect(),
            allowed_values: BTreeMap::new(),
            default_priority: Priority::Medium,
            default_queue: None,
            origin: Origin::Web,
            honeypot: Some("website".into()),
            min_fill_time: TimeDelta::seconds(3),
            max_links: 3,
            max_field_chars: 32_000,
            max_fields: 50,
            ip_limit: RateLimit::per_hour(20),
            email_limit: RateLimit::per_hour(5),
            challenge: None,
            max_tracked: 10_000,
        }
    }
}

/// A solved challenge sent with a submission.
///
/// ```
/// use hotcrm_support::intake::ChallengeAnswer;
/// let a = ChallengeAnswer { token: "v1....".into(), solution: 42 };
/// assert_eq!(a.solution, 42);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeAnswer {
    /// The token the form was rendered with.
    pub token: String,
    /// The number the browser found.
    pub solution: u64,
}

/// One submission of a web form.
///
/// ```
/// use hotcrm_support::intake::WebSubmission;
/// let s = WebSubmission::new("2026-01-05T09:00:00Z".parse()?)
///     .field("subject", "Login fails")
///     .field("email", "ann@customer.example");
/// assert_eq!(s.fields.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebSubmission {
    /// Field name → value.
    pub fields: BTreeMap<String, String>,
    /// The client's IP, if known.
    pub ip: Option<IpAddr>,
    /// When it was received (the decision's "now").
    pub submitted_at: DateTime<Utc>,
    /// When the form was rendered (from a signed hidden field or the session).
    pub form_rendered_at: Option<DateTime<Utc>>,
    /// The solved challenge, if the form has one.
    pub challenge: Option<ChallengeAnswer>,
}

impl WebSubmission {
    /// An empty submission received at `submitted_at`.
    ///
    /// ```
    /// # use hotcrm_support::intake::WebSubmission;
    /// assert!(WebSubmission::new("2026-01-05T09:00:00Z".parse()?).ip.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(submitted_at: DateTime<Utc>) -> WebSubmission {
        WebSubmission {
            fields: BTreeMap::new(),
            ip: None,
            submitted_at,
            form_rendered_at: None,
            challenge: None,
        }
    }

    /// Sets a field.
    ///
    /// ```
    /// # use hotcrm_support::intake::WebSubmission;
    /// let s = WebSubmission::new("2026-01-05T09:00:00Z".parse()?).field("a", "b");
    /// assert_eq!(s.fields["a"], "b");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn field(mut self, name: &str, value: &str) -> WebSubmission {
        self.fields.insert(name.to_string(), value.to_string());
        self
    }

    /// Sets the IP.
    ///
    /// ```
    /// # use hotcrm_support::intake::WebSubmission;
    /// let s = WebSubmission::new("2026-01-05T09:00:00Z".parse()?).from_ip("192.0.2.1".parse()?);
    /// assert!(s.ip.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_ip(mut self, ip: IpAddr) -> WebSubmission {
        self.ip = Some(ip);
        self
    }

    /// Sets when the form was rendered.
    ///
    /// ```
    /// # use hotcrm_support::intake::WebSubmission;
    /// let s = WebSubmission::new("2026-01-05T09:00:10Z".parse()?).rendered_at("2026-01-05T09:00:00Z".parse()?);
    /// assert!(s.form_rendered_at.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rendered_at(mut self, at: DateTime<Utc>) -> WebSubmission {
        self.form_rendered_at = Some(at);
        self
    }

    /// Attaches a solved challenge.
    ///
    /// ```
    /// # use hotcrm_support::intake::WebSubmission;
    /// let s = WebSubmission::new("2026-01-05T09:00:00Z".parse()?).with_challenge("t", 1);
    /// assert_eq!(s.challenge.map(|c| c.solution), Some(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_challenge(mut self, token: &str, solution: u64) -> WebSubmission {
        self.challenge = Some(ChallengeAnswer {
            token: token.to_string(),
            solution,
        });
        self
    }
}

/// Why a submission was refused.
///
/// ```
/// use hotcrm_support::intake::{CaseField, WebRefusal};
/// assert_eq!(WebRefusal::MissingField { field: CaseField::Subject }.to_string(), "missing Subject");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum WebRefusal {
    /// The honeypot field was filled: a bot.
    #[error("honeypot field filled")]
    Honeypot,
    /// Submitted faster than a person can fill the form.
    #[error("submitted {elapsed_ms} ms after rendering, minimum {min_ms} ms")]
    TooFast {
        /// Time taken.
        elapsed_ms: i64,
        /// Minimum.
        min_ms: i64,
    },
    /// The render time is missing or after the submission.
    #[error("form render time missing or in the future")]
    BadRenderTime,
    /// Too many fields.
    #[error("{count} fields exceeds {max}")]
    TooManyFields {
        /// Fields sent.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// A required field is empty.
    #[error("missing {field:?}")]
    MissingField {
        /// The case field.
        field: CaseField,
    },
    /// A value outside the allowed values or not a valid picklist value.
    #[error("{field:?} does not accept {value:?}")]
    InvalidValue {
        /// The case field.
        field: CaseField,
        /// The value (truncated to 64 characters).
        value: String,
    },
    /// A field longer than allowed.
    #[error("{field} longer than {max} characters")]
    FieldTooLong {
        /// The form field name.
        field: String,
        /// Limit.
        max: usize,
    },
    /// Too many links.
    #[error("{count} links exceeds {max}")]
    TooManyLinks {
        /// Links found.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// The IP sent too many submissions.
    #[error("too many submissions from {ip}")]
    IpRateLimited {
        /// The IP.
        ip: IpAddr,
    },
    /// The email sent too many submissions.
    #[error("too many submissions from {email}")]
    EmailRateLimited {
        /// The email.
        email: EmailAddress,
    },
    /// The form requires a challenge and none was sent.
    #[error("challenge missing")]
    ChallengeMissing,
    /// The challenge answer was refused.
    #[error("challenge refused: {reason}")]
    ChallengeRefused {
        /// Why.
        reason: String,
    },
    /// The submitter is no contact and the desk has no default account to
    /// create one on.
    #[error("unknown submitter {email} and no default account")]
    UnknownSubmitter {
        /// The submitter's email.
        email: String,
    },
}

/// Per-IP and per-email submission counts, bounded.
///
/// ```
/// use hotcrm_support::intake::{WebForm, WebLedger};
/// assert!(WebLedger::new(&WebForm::default()).is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebLedger {
    ips: RateLedger,
    emails: RateLedger,
}

impl WebLedger {
    /// An empty ledger sized for `form`.
    ///
    /// ```
    /// # use hotcrm_support::intake::{WebForm, WebLedger};
    /// assert_eq!(WebLedger::new(&WebForm::default()).len(), 0);
    /// ```
    pub fn new(form: &WebForm) -> WebLedger {
        WebLedger {
            ips: RateLedger::new(form.max_tracked, form.ip_limit.max as usize + 1),
            emails: RateLedger::new(form.max_tracked, form.email_limit.max as usize + 1),
        }
    }

    /// Keys (IPs + emails) remembered.
    ///
    /// ```
    /// # use hotcrm_support::intake::{WebForm, WebLedger};
    /// assert_eq!(WebLedger::new(&WebForm::default()).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.ips.len() + self.emails.len()
    }

    /// Whether nothing is remembered.
    ///
    /// ```
    /// # use hotcrm_support::intake::{WebForm, WebLedger};
    /// assert!(WebLedger::new(&WebForm::default()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.ips.is_empty() && self.emails.is_empty()
    }
}

/// An accepted submission, validated: what the desk needs to find or create
/// the contact and open the case.
///
/// ```
/// use hotcrm_support::intake::*;
/// let form = WebForm::default();
/// let mut ledger = WebLedger::new(&form);
/// let s = WebSubmission::new("2026-01-05T09:00:10Z".parse()?)
///     .rendered_at("2026-01-05T09:00:00Z".parse()?)
///     .field("subject", "Login fails")
///     .field("description", "Error 500 since this morning")
///     .field("email", "Ann@Customer.Example")
///     .field("priority", "high");
/// let case = form.accept(&s, &mut ledger, b"")?;
/// assert_eq!((case.email.as_str(), case.priority), ("ann@customer.example", hotcrm_support::case::Priority::High));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebCase {
    /// Subject, trimmed.
    pub subject: String,
    /// Description, trimmed.
    pub description: String,
    /// The submitter's email.
    pub email: EmailAddress,
    /// The submitter's name.
    pub name: Option<String>,
    /// Priority (the form's or its default).
    pub priority: Priority,
    /// Type, if the form has one.
    pub case_type: Option<CaseType>,
    /// Product text, if any.
    pub product: Option<String>,
    /// Phone, if any.
    pub phone: Option<String>,
    /// Company, if any.
    pub company: Option<String>,
    /// The form's queue.
    pub queue: Option<QueueId>,
    /// The origin (Web unless the form says otherwise).
    pub origin: Origin,
    /// Unmapped form fields (not the honeypot).
    pub extra: BTreeMap<String, String>,
}

impl WebCase {
    /// The case creation input, once the desk has resolved the account and
    /// contact and drawn the id and number. The product text is not mapped
    /// (products are ids); the desk resolves it.
    ///
    /// ```
    /// use hotcrm_support::case::Origin;
    /// use hotcrm_support::ids::*;
    /// use hotcrm_support::intake::*;
    /// let mut form = WebForm::default();
    /// form.min_fill_time = chrono::TimeDelta::zero();
    /// let s = WebSubmission::new("2026-01-05T09:00:00Z".parse()?).rendered_at("2026-01-05T09:00:00Z".parse()?)
    ///     .field("subject", "s").field("description", "d").field("email", "a@x.org");
    /// let case = form.accept(&s, &mut WebLedger::new(&form), b"")?;
    /// let new = case.into_new_case(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), None);
    /// assert_eq!(new.origin, Origin::Web);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_new_case(
        self,
        id: CaseId,
        number: CaseNumber,
        account: AccountId,
        contact: Option<ContactId>,
    ) -> NewCase {
        let mut new = NewCase::new(id, number, account, self.subject, self.description)
            .with_priority(self.priority);
        if let Some(t) = self.case_type {
            new = new.with_type(t);
        }
        new.origin = self.origin;
        new.contact = contact;
        new.queue = self.queue;
        new
    }
}

/// Counts `http://`, `https://` and `www.` links.
fn count_links(text: &str) -> usize {
    let lower = text.to_ascii_lowercase();
    ["http://", "https://"]
        .iter()
        .map(|p| lower.matches(p).count())
        .sum::<usize>()
        + lower
            .split(|c: char| c.is_whitespace() || c == '/' || c == '(' || c == '<')
            .filter(|w| w.starts_with("www."))
            .count()
}

fn truncated(s: &str) -> String {
    s.chars().take(64).collect()
}

impl WebForm {
    /// Validates a submission and, when every protection passes, returns the
    /// case data. The checks run in this order and the first failure is
    /// returned: honeypot, fill time, field count, per-IP rate, challenge,
    /// field lengths, required fields, allowed values and picklists, email,
    /// links, per-email rate. Every submission with an IP counts towards that
    /// IP's limit (refused ones too); accepted ones count towards the email's.
    ///
    /// `secret` is the challenge key (ignored when the form has no challenge).
    ///
    /// # Errors
    ///
    /// The [`WebRefusal`] of the first failed check. A form with a challenge
    /// built without feature `signatures` refuses every submission
    /// ([`WebRefusal::ChallengeRefused`]).
    ///
    /// ```
    /// use hotcrm_support::intake::*;
    /// let form = WebForm::default();
    /// let mut ledger = WebLedger::new(&form);
    /// let bot = WebSubmission::new("2026-01-05T09:00:01Z".parse()?)
    ///     .rendered_at("2026-01-05T09:00:00Z".parse()?)
    ///     .field("website", "http://spam.example");
    /// assert_eq!(form.accept(&bot, &mut ledger, b""), Err(WebRefusal::Honeypot));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept(
        &self,
        submission: &WebSubmission,
        ledger: &mut WebLedger,
        secret: &[u8],
    ) -> Result<WebCase, WebRefusal> {
        let now = submission.submitted_at;
        if let Some(hp) = &self.honeypot {
            if submission
                .fields
                .get(hp)
                .is_some_and(|v| !v.trim().is_empty())
            {
                return Err(WebRefusal::Honeypot);
            }
        }
        if self.min_fill_time > TimeDelta::zero() {
            let rendered = submission
                .form_rendered_at
                .filter(|r| *r <= now)
                .ok_or(WebRefusal::BadRenderTime)?;
            let elapsed = now - rendered;
            if elapsed < self.min_fill_time {
                return Err(WebRefusal::TooFast {
                    elapsed_ms: elapsed.num_milliseconds(),
                    min_ms: self.min_fill_time.num_milliseconds(),
                });
            }
        }
        if submission.fields.len() > self.max_fields {
            return Err(WebRefusal::TooManyFields {
                count: submission.fields.len(),
                max: self.max_fields,
            });
        }
        if let Some(ip) = submission.ip {
            let key = ip.to_string();
            let limited = ledger.ips.exceeded(&key, &[self.ip_limit], now).is_some();
            ledger.ips.record(&key, now, self.ip_limit.window);
            if limited {
                return Err(WebRefusal::IpRateLimited { ip });
            }
        }
        if let Some(rules) = &self.challenge {
            let answer = submission
                .challenge
                .as_ref()
                .ok_or(WebRefusal::ChallengeMissing)?;
            check_challenge(rules, answer, secret, now)?;
        }
        let mut values: BTreeMap<CaseField, String> = BTreeMap::new();
        let mut extra = BTreeMap::new();
        for (name, value) in &submission.fields {
            if value.chars().count() > self.max_field_chars {
                return Err(WebRefusal::FieldTooLong {
                    field: truncated(name),
                    max: self.max_field_chars,
                });
            }
            let value = value.trim();
            match self.fields.get(name) {
                Some(field) if !value.is_empty() => {
                    values.insert(*field, value.to_string());
                }
                Some(_) => {}
                None if Some(name) != self.honeypot.as_ref() => {
                    extra.insert(name.clone(), value.to_string());
                }
                None => {}
            }
        }
        for field in &self.required {
            if !values.contains_key(field) {
                return Err(WebRefusal::MissingField { field: *field });
            }
        }
        for (field, allowed) in &self.allowed_values {
            if let Some(v) = values.get(field) {
                if !allowed.iter().any(|a| a.eq_ignore_ascii_case(v)) {
                    return Err(WebRefusal::InvalidValue {
                        field: *field,
                        value: truncated(v),
                    });
                }
            }
        }
        let invalid = |field: CaseField, v: &str| WebRefusal::InvalidValue {
            field,
            value: truncated(v),
        };
        let priority = match values.get(&CaseField::Priority) {
            Some(v) => v
                .parse::<Priority>()
                .map_err(|_| invalid(CaseField::Priority, v))?,
            None => self.default_priority,
        };
        let case_type = match values.get(&CaseField::CaseType) {
            Some(v) => Some(
                v.parse::<CaseType>()
                    .map_err(|_| invalid(CaseField::CaseType, v))?,
            ),
            None => None,
        };
        let raw_email = values.get(&CaseField::Email).map_or("", String::as_str);
        let email = EmailAddress::parse(raw_email)
            .filter(|e| e.domain().contains('.') || e.domain() == "localhost")
            .ok_or_else(|| invalid(CaseField::Email, raw_email))?;
        let subject = values.remove(&CaseField::Subject).unwrap_or_default();
        let description = values.remove(&CaseField::Description).unwrap_or_default();
        let links = count_links(&subject) + count_links(&description);
        if links > self.max_links {
            return Err(WebRefusal::TooManyLinks {
                count: links,
                max: self.max_links,
            });
        }
        if ledger
            .emails
            .exceeded(email.as_str(), &[self.email_limit], now)
            .is_some()
        {
            return Err(WebRefusal::EmailRateLimited { email });
        }
        ledger
            .emails
            .record(email.as_str(), now, self.email_limit.window);
        Ok(WebCase {
            subject,
            description,
            email,
            name: values.remove(&CaseField::Name),
            priority,
            case_type,
            product: values.remove(&CaseField::Product),
            phone: values.remove(&CaseField::Phone),
            company: values.remove(&CaseField::Company),
            queue: self.default_queue,
            origin: self.origin,
            extra,
        })
    }
}

#[cfg(feature = "signatures")]
fn check_challenge(
    rules: &ChallengeRules,
    answer: &ChallengeAnswer,
    secret: &[u8],
    now: DateTime<Utc>,
) -> Result<(), WebRefusal> {
    let refused = |e: super::ChallengeError| WebRefusal::ChallengeRefused {
        reason: e.to_string(),
    };
    let challenge = super::Challenge::parse(&answer.token).map_err(refused)?;
    if challenge.difficulty < rules.difficulty {
        return Err(refused(super::ChallengeError::TooEasy));
    }
    challenge
        .verify(secret, answer.solution, now, rules.ttl)
        .map_err(refused)
}

#[cfg(not(feature = "signatures"))]
fn check_challenge(
    _rules: &ChallengeRules,
    _answer: &ChallengeAnswer,
    _secret: &[u8],
    _now: DateTime<Utc>,
) -> Result<(), WebRefusal> {
    Err(WebRefusal::ChallengeRefused {
        reason: "challenges need the `signatures` feature".into(),
    })
}
