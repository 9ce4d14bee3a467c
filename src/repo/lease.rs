//! Numbering leases (see [`SequenceLease`]).

use async_trait::async_trait;

use super::SequenceKind;
use crate::error::Result;

/// A stored per-year counter: the last number used of `kind` in `year`.
///
/// ```
/// use hotcrm_support::repo::{SequenceCounter, SequenceKind};
/// let c = SequenceCounter { kind: SequenceKind::Case, year: 2026, value: 41 };
/// assert_eq!(c.value + 1, 42); // the next case number of 2026
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SequenceCounter {
    /// Which sequence.
    pub kind: SequenceKind,
    /// Its year.
    pub year: i32,
    /// The last number used (0 when none was).
    pub value: u32,
}

/// Ends a lease: the store's side of a [`SequenceLease`].
///
/// A store implementing [`Repository::lease_sequences`](super::Repository::lease_sequences)
/// returns its lease behind this trait. `release` ends it promptly; a lease
/// dropped without `release` (its command was cancelled, or failed before it
/// committed) must end by itself as well — for example by closing the
/// session that holds a database lock — so a desk that goes away never keeps
/// others waiting.
///
/// ```
/// use hotcrm_support::repo::LeaseRelease;
/// struct Nothing;
/// #[async_trait::async_trait]
/// impl LeaseRelease for Nothing {
///     async fn release(self: Box<Self>) -> hotcrm_support::Result<()> {
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait LeaseRelease: Send + Sync {
    /// Ends the lease now.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`](crate::Error::Storage) when the store could not
    /// say so; the lease must then end by itself (as when dropped).
    async fn release(self: Box<Self>) -> Result<()>;
}

/// A turn at drawing numbers on a store, with its counters as stored when the
/// turn began.
///
/// Numbers are claimed optimistically (see [`SequenceClaim`](super::SequenceClaim)):
/// a desk guesses the next number from what it last committed, and a commit
/// whose guess another desk made stale fails with a conflict and is decided
/// again. That is free while one desk writes, and wasteful when several do:
/// each desk's guess is stale after every commit of another, so most commits
/// would be decided twice. A store that can serialise desks offers a lease
/// ([`Repository::lease_sequences`](super::Repository::lease_sequences)): while
/// a desk holds it, no other desk holding a lease draws numbers, and the lease
/// carries the counters as stored when it was granted, so the holder's claims
/// are right the first time. Desks take the lease only while they see other
/// desks numbering (after a claim conflict, until the counters stop moving
/// between their turns), so a desk alone pays nothing.
///
/// The lease orders desks; it does not replace the claim check: a commit
/// still fails with a conflict when its claim is stale, so a store whose
/// lease is lost (a dropped connection) or a desk that does not take it can
/// never store a duplicate number.
///
/// ```
/// use hotcrm_support::repo::{LeaseRelease, SequenceCounter, SequenceKind, SequenceLease};
/// struct Nothing;
/// #[async_trait::async_trait]
/// impl LeaseRelease for Nothing {
///     async fn release(self: Box<Self>) -> hotcrm_support::Result<()> {
///         Ok(())
///     }
/// }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> hotcrm_support::Result<()> {
/// let counters = vec![SequenceCounter { kind: SequenceKind::Case, year: 2026, value: 7 }];
/// let lease = SequenceLease::new(counters, Box::new(Nothing));
/// assert_eq!(lease.counter(SequenceKind::Case, 2026), 7);
/// assert_eq!(lease.counter(SequenceKind::Knowledge, 2026), 0);
/// lease.release().await?;
/// # Ok(())
/// # }
/// ```
pub struct SequenceLease {
    counters: Vec<SequenceCounter>,
    release: Box<dyn LeaseRelease>,
}

impl std::fmt::Debug for SequenceLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SequenceLease")
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl SequenceLease {
    /// A lease granted with these stored counters (every counter the store
    /// has; one it lacks is 0), ended through `release`.
    pub fn new(counters: Vec<SequenceCounter>, release: Box<dyn LeaseRelease>) -> SequenceLease {
        SequenceLease { counters, release }
    }

    /// The counters as stored when the lease was granted.
    pub fn counters(&self) -> &[SequenceCounter] {
        &self.counters
    }

    /// The stored counter of `kind` in `year` when the lease was granted (0
    /// when there was none).
    pub fn counter(&self, kind: SequenceKind, year: i32) -> u32 {
        self.counters
            .iter()
            .find(|c| c.kind == kind && c.year == year)
            .map_or(0, |c| c.value)
    }

    /// Ends the lease (another desk may draw numbers).
    ///
    /// # Errors
    ///
    /// The store's [`LeaseRelease::release`] error; the lease has ended anyway.
    pub async fn release(self) -> Result<()> {
        self.release.release().await
    }
}
