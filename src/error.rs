//! The crate's one public error type.
//!
//! Every fallible entry point returns [`Result<T>`](Result). Variants are
//! `#[non_exhaustive]`-friendly and can be constructed by host implementations
//! of the ports (`Storage`, `Ai`, `NotFound`, `Conflict`). Messages are
//! lowercase and name the values involved. This module depends on nothing else
//! in the crate.

use std::error::Error as StdError;

/// A boxed error from a host implementation (storage driver, AI client).
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Everything that can go wrong in `hotcrm-support`.
///
/// Bad input always yields a typed error and changes nothing.
///
/// # Example
///
/// ```
/// use hotcrm_support::Error;
///
/// let err = Error::Validation { field: "subject", reason: "must not be empty".into() };
/// assert_eq!(err.to_string(), "invalid subject: must not be empty");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input value failed validation (empty subject, oversized body, bad picklist value...).
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The field or argument that was rejected.
        field: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// Two business-hours intervals overlap (touching intervals are fine and merge).
    #[error("overlapping business hours: {first} overlaps {second}")]
    OverlappingIntervals {
        /// The first interval, as written (for example `Mon 09:00-17:00`).
        first: String,
        /// The interval it overlaps.
        second: String,
    },
    /// A holiday definition is impossible (end before start, day 31 of April, nth 0...).
    #[error("invalid holiday {name:?}: {reason}")]
    InvalidHoliday {
        /// The holiday's name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The calendar has no business time left in the requested direction, so a
    /// business-time computation cannot reach its target.
    #[error("business hours never open{context}")]
    NeverOpen {
        /// Extra detail such as ` after 2101-01-01`; empty when there is none.
        context: String,
    },
    /// A computation left the representable range of instants or durations.
    #[error("arithmetic overflow: {what}")]
    Overflow {
        /// What overflowed.
        what: String,
    },
    /// A state the crate's own rules should make impossible (a bug, or a store
    /// whose records were changed behind the crate's back); nothing was written.
    #[error("internal error: {what}")]
    Internal {
        /// What went wrong.
        what: String,
    },
    /// A record was looked up by an id that does not exist.
    #[error("{kind} not found: {id}")]
    NotFound {
        /// The kind of record ("case", "agent", ...).
        kind: &'static str,
        /// The id that was looked up.
        id: String,
    },
    /// An optimistic-concurrency update carried a stale version; nothing was written.
    #[error("version conflict: expected version {expected}, found {actual}")]
    Conflict {
        /// The version the caller based its update on.
        expected: u64,
        /// The version currently stored.
        actual: u64,
    },
    /// A record with the same unique key already exists.
    #[error("{kind} already exists: {key}")]
    AlreadyExists {
        /// The kind of record.
        kind: &'static str,
        /// The duplicated key.
        key: String,
    },
    /// A state-machine transition that the rules do not allow.
    #[error("invalid transition of {entity} from {from} to {to}")]
    InvalidTransition {
        /// The entity ("case", "article", ...).
        entity: &'static str,
        /// The current state.
        from: String,
        /// The requested state.
        to: String,
    },
    /// A command that is not allowed in the entity's current state.
    #[error("{command} not allowed: {reason}")]
    NotAllowed {
        /// The command that was refused.
        command: &'static str,
        /// Why.
        reason: String,
    },
    /// The caller lacks the permission an action needs (a portal user's tier,
    /// status or account boundary); nothing was changed.
    #[error("forbidden: {action}: {reason}")]
    Forbidden {
        /// The action that was refused (for example `"portal_close"`).
        action: &'static str,
        /// Why (the missing permission, the account boundary...).
        reason: String,
    },
    /// Text that could not be parsed (a case number, an email message, ...).
    #[error("cannot parse {what} from {input:?}: {reason}")]
    Parse {
        /// What was being parsed.
        what: &'static str,
        /// The offending input (truncated by the caller if long).
        input: String,
        /// Why parsing failed.
        reason: String,
    },
    /// The host's storage failed.
    #[error("storage error: {source}")]
    Storage {
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// The host's AI provider failed.
    #[error("ai provider error: {source}")]
    Ai {
        /// The underlying error.
        #[source]
        source: BoxError,
    },
}

/// `Result` with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Builds an [`Error::Validation`].
    ///
    /// ```
    /// let e = hotcrm_support::Error::validation("priority", "unknown value \"urgent\"");
    /// assert!(e.to_string().contains("priority"));
    /// ```
    pub fn validation(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Validation {
            field,
            reason: reason.into(),
        }
    }

    /// Wraps a host storage error as [`Error::Storage`].
    ///
    /// ```
    /// let io = std::io::Error::new(std::io::ErrorKind::Other, "disk full");
    /// let e = hotcrm_support::Error::storage(io);
    /// assert_eq!(e.to_string(), "storage error: disk full");
    /// ```
    pub fn storage(source: impl Into<BoxError>) -> Self {
        Error::Storage {
            source: source.into(),
        }
    }

    /// Wraps a host AI-provider error as [`Error::Ai`].
    ///
    /// ```
    /// let e = hotcrm_support::Error::ai("model timed out");
    /// assert_eq!(e.to_string(), "ai provider error: model timed out");
    /// ```
    pub fn ai(source: impl Into<BoxError>) -> Self {
        Error::Ai {
            source: source.into(),
        }
    }
}
