//! Where "now" comes from.
//!
//! Domain code never reads the wall clock: it takes `now` as a parameter. The
//! facade asks a [`Clock`]; production uses [`SystemClock`], tests and
//! simulations use [`ManualClock`]. Layer 1: no dependencies inside the crate.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

/// A source of the current instant.
///
/// # Example
///
/// ```
/// use hotcrm_support::clock::{Clock, ManualClock};
/// let clock = ManualClock::new("2024-01-05T16:30:00Z".parse()?);
/// assert_eq!(clock.now().to_rfc3339(), "2024-01-05T16:30:00+00:00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

impl<T: Clock + ?Sized> Clock for Arc<T> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

impl<T: Clock + ?Sized> Clock for Box<T> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

/// The real wall clock.
///
/// ```
/// use hotcrm_support::clock::{Clock, SystemClock};
/// let a = SystemClock.now();
/// assert!(SystemClock.now() >= a);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; clones share the same time.
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::clock::{Clock, ManualClock};
/// let clock = ManualClock::new("2024-01-05T09:00:00Z".parse()?);
/// let shared = clock.clone();
/// clock.advance(TimeDelta::hours(3));
/// assert_eq!(shared.now().to_rfc3339(), "2024-01-05T12:00:00+00:00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl ManualClock {
    /// A clock stopped at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(now)),
        }
    }

    /// Sets the current instant (it may move backwards; that is the caller's choice).
    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }

    /// Moves the clock by `by` (saturating at the representable range).
    pub fn advance(&self, by: TimeDelta) {
        let mut guard = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *guard = guard.checked_add_signed(by).unwrap_or(*guard);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &self.now())
            .finish()
    }
}
