//! What the SQL stores share: the checks of a unit of work that need no
//! database, done the same way before either store writes.

use super::conflict;
use super::records::SequenceKind;
use super::unit::{CaseWrite, UnitOfWork};
use crate::error::{Error, Result};

/// The claims of `work` as counters `(kind, year, before, after)`: each key's
/// claims must be consecutive, as the reference checks them one by one.
pub(super) type Counters = Vec<(SequenceKind, i32, u32, u32)>;

pub(super) fn claim_counters(work: &UnitOfWork) -> Result<Counters> {
    let mut counters: Counters = Vec::new();
    for claim in &work.sequences {
        match counters
            .iter_mut()
            .find(|(k, y, _, _)| *k == claim.kind && *y == claim.year)
        {
            Some((_, _, _, current)) => {
                let next = current.checked_add(1).ok_or_else(|| Error::Overflow {
                    what: format!("{:?} sequence of {}", claim.kind, claim.year),
                })?;
                if claim.value != next {
                    return Err(conflict(
                        u64::from(claim.value.saturating_sub(1)),
                        u64::from(*current),
                    ));
                }
                *current = next;
            }
            None => {
                if claim.value == 0 {
                    return Err(conflict(0, 0));
                }
                counters.push((claim.kind, claim.year, claim.value - 1, claim.value));
            }
        }
    }
    Ok(counters)
}

/// The checks of `work` that need no database: nothing written twice, no
/// case number inserted twice.
pub(super) fn check_unit(work: &UnitOfWork) -> Result<()> {
    let mut ids = std::collections::HashSet::new();
    let mut new_numbers = std::collections::HashSet::new();
    for write in &work.cases {
        let case = write.case();
        if !ids.insert(case.id) {
            return Err(Error::validation(
                "unit of work",
                format!("case {} is written twice", case.id),
            ));
        }
        if matches!(write, CaseWrite::Insert { .. }) && !new_numbers.insert(case.number) {
            return Err(Error::AlreadyExists {
                kind: "case number",
                key: case.number.to_string(),
            });
        }
    }
    let mut articles = std::collections::HashSet::new();
    for write in &work.articles {
        if !articles.insert(write.value.id) {
            return Err(Error::validation(
                "unit of work",
                format!("article {} is written twice", write.value.id),
            ));
        }
    }
    Ok(())
}
