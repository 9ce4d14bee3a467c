//! Input limits shared by case commands. Crate-internal.

use crate::error::{Error, Result};

pub(crate) const MAX_SUBJECT: usize = 255;
pub(crate) const MAX_TEXT: usize = 32_000;
pub(crate) const MAX_SHORT_TEXT: usize = 4_000;
pub(crate) const MAX_RELATED_ARTICLES: usize = 50;

/// A required text: not blank, at most `max` characters.
pub(crate) fn required_text(field: &'static str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
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
