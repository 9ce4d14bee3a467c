//! Input limits and invariants shared by case commands and by the load path of
//! every case record. Crate-internal.
//!
//! Each rule is written once here (or in the record's own `validate`) and called
//! both where a command or constructor creates a value and where serde loads
//! one, so a stored record always satisfies what its commands keep.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

pub(crate) const MAX_SUBJECT: usize = 255;
pub(crate) const MAX_TEXT: usize = 32_000;
pub(crate) const MAX_SHORT_TEXT: usize = 4_000;
pub(crate) const MAX_RELATED_ARTICLES: usize = 50;

/// A text that is not blank (not empty after trimming whitespace).
pub(crate) fn not_blank(field: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    Ok(())
}

/// A required text: not blank, at most `max` characters.
pub(crate) fn required_text(field: &'static str, value: &str, max: usize) -> Result<()> {
    not_blank(field, value)?;
    optional_text(field, Some(value), max)
}

/// An optional text: at most `max` characters when present.
pub(crate) fn optional_text(field: &'static str, value: Option<&str>, max: usize) -> Result<()> {
    if let Some(v) = value {
        let len = v.chars().count();
        if len > max {
            return Err(Error::validation(
                field,
                format!("must be at most {max} characters, got {len}"),
            ));
        }
    }
    Ok(())
}

/// An escalation level: 1 to 5.
pub(crate) fn escalation_level(level: u8) -> Result<()> {
    if !(1..=5).contains(&level) {
        return Err(Error::validation(
            "level",
            format!("escalation level must be 1 to 5, got {level}"),
        ));
    }
    Ok(())
}

/// `later` is not before `earlier` (both named in the message).
pub(crate) fn ordered(
    field: &'static str,
    earlier_name: &str,
    earlier: DateTime<Utc>,
    later: DateTime<Utc>,
) -> Result<()> {
    if later < earlier {
        return Err(Error::validation(
            field,
            format!("{later} is before {earlier_name} {earlier}"),
        ));
    }
    Ok(())
}

/// Refuses a `now` before the case's last change: time never runs backwards.
pub(crate) fn not_before_last_change(
    case: &super::Case,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    if now < case.updated_at {
        return Err(Error::validation(
            "now",
            format!(
                "{now} is before the last change of {} at {}",
                case.number, case.updated_at
            ),
        ));
    }
    Ok(())
}

/// Declares a record struct whose serde form is validated on load.
///
/// Emits the struct as written plus a private mirror `$raw` with the same fields
/// and field attributes (so the JSON shape is the same by construction), and
/// `TryFrom<$raw>` that builds the value and calls its `validate()`. The struct's
/// own attributes must include `#[serde(try_from = "$raw")]` (serde wants a
/// literal there); attributes for the mirror (such as `#[serde(default)]`) go in
/// the `mirror` list.
macro_rules! validated_record {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty ),* $(,)?
        }
        mirror $raw:ident $(#[$rawmeta:meta])*;
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field: $ty ),*
        }

        /// The unvalidated serde form of the record of the same name.
        #[derive(serde::Deserialize)]
        $(#[$rawmeta])*
        struct $raw {
            $( $(#[$fmeta])* $field: $ty ),*
        }

        impl TryFrom<$raw> for $name {
            type Error = $crate::error::Error;

            fn try_from(raw: $raw) -> $crate::error::Result<Self> {
                let value = $name { $( $field: raw.$field ),* };
                value.validate()?;
                Ok(value)
            }
        }
    };
}

pub(crate) use validated_record;
