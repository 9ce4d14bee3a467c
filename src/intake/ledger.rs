//! Bounded sliding-window rate ledgers: the serialisable state behind the
//! per-sender, per-IP and per-recipient limits of intake. "Now" is always a
//! parameter; old events are pruned and the number of keys and of events per
//! key are capped, so a ledger never grows without bound.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// At most `max` events per `window`.
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::intake::RateLimit;
/// let l = RateLimit::per_hour(20);
/// assert_eq!((l.max, l.window), (20, TimeDelta::hours(1)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RateLimit {
    /// Events allowed per window.
    pub max: u32,
    /// The window, stored as whole seconds.
    #[serde(with = "secs")]
    pub window: TimeDelta,
}

impl RateLimit {
    /// `max` events per `window`.
    ///
    /// ```
    /// # use chrono::TimeDelta;
    /// # use hotcrm_support::intake::RateLimit;
    /// assert_eq!(RateLimit::new(10, TimeDelta::minutes(10)).max, 10);
    /// ```
    pub fn new(max: u32, window: TimeDelta) -> RateLimit {
        RateLimit { max, window }
    }

    /// `max` events per hour.
    ///
    /// ```
    /// # use hotcrm_support::intake::RateLimit;
    /// assert_eq!(RateLimit::per_hour(5).window.num_minutes(), 60);
    /// ```
    pub fn per_hour(max: u32) -> RateLimit {
        RateLimit::new(max, TimeDelta::hours(1))
    }
}

/// Whole-second serde for `TimeDelta` (which has none of its own).
pub(crate) mod secs {
    use chrono::TimeDelta;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_seconds())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDelta, D::Error> {
        let secs = i64::deserialize(d)?;
        TimeDelta::try_seconds(secs)
            .filter(|t| *t >= TimeDelta::zero())
            .ok_or_else(|| serde::de::Error::custom(format!("invalid duration {secs} s")))
    }
}

/// Events per key in sliding windows, bounded: at most `max_keys` keys (the
/// least recently active are evicted first) and `max_events_per_key` events
/// per key (the oldest dropped). Evicting a key forgets its history, which
/// can only make a limit more lenient for that key, never stricter.
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::intake::{RateLedger, RateLimit};
/// let mut ledger = RateLedger::new(1_000, 100);
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let limit = RateLimit::new(2, TimeDelta::minutes(10));
/// for _ in 0..2 {
///     assert_eq!(ledger.exceeded("1.2.3.4", &[limit], now), None);
///     ledger.record("1.2.3.4", now, limit.window);
/// }
/// assert_eq!(ledger.exceeded("1.2.3.4", &[limit], now), Some(limit));
/// assert_eq!(ledger.exceeded("1.2.3.4", &[limit], now + TimeDelta::minutes(10)), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A ledger loaded with serde is brought back within its bounds (bounds of at
/// least 1, the newest events per key, the most recently active keys), so a
/// stored ledger edited by hand cannot make it grow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RateLedgerRecord")]
pub struct RateLedger {
    max_keys: usize,
    max_events_per_key: usize,
    events: BTreeMap<String, VecDeque<DateTime<Utc>>>,
}

/// The serde mirror of [`RateLedger`], bounded by `From`.
#[derive(Deserialize)]
struct RateLedgerRecord {
    max_keys: usize,
    max_events_per_key: usize,
    events: BTreeMap<String, VecDeque<DateTime<Utc>>>,
}

impl From<RateLedgerRecord> for RateLedger {
    fn from(r: RateLedgerRecord) -> Self {
        let mut ledger = RateLedger::new(r.max_keys, r.max_events_per_key);
        let cap = ledger.max_events_per_key;
        let mut keys: Vec<(String, VecDeque<DateTime<Utc>>)> = r
            .events
            .into_iter()
            .filter(|(_, e)| !e.is_empty())
            .map(|(k, e)| {
                let mut e: Vec<_> = e.into_iter().collect();
                e.sort_unstable();
                let skip = e.len().saturating_sub(cap);
                (k, e.into_iter().skip(skip).collect())
            })
            .collect();
        keys.sort_by_key(|(_, e)| std::cmp::Reverse(e.back().copied()));
        keys.truncate(ledger.max_keys);
        ledger.events = keys.into_iter().collect();
        ledger
    }
}

impl Default for RateLedger {
    fn default() -> Self {
        RateLedger::new(10_000, 1_000)
    }
}

impl RateLedger {
    /// An empty ledger with its bounds (each at least 1).
    ///
    /// ```
    /// # use hotcrm_support::intake::RateLedger;
    /// assert!(RateLedger::new(0, 0).is_empty());
    /// ```
    pub fn new(max_keys: usize, max_events_per_key: usize) -> RateLedger {
        RateLedger {
            max_keys: max_keys.max(1),
            max_events_per_key: max_events_per_key.max(1),
            events: BTreeMap::new(),
        }
    }

    /// Events of `key` in the window `(now - window, now]`.
    ///
    /// ```
    /// # use chrono::TimeDelta;
    /// # use hotcrm_support::intake::RateLedger;
    /// let mut l = RateLedger::default();
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// l.record("k", now, TimeDelta::hours(1));
    /// assert_eq!(l.count("k", TimeDelta::hours(1), now), 1);
    /// assert_eq!(l.count("k", TimeDelta::hours(1), now + TimeDelta::hours(1)), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn count(&self, key: &str, window: TimeDelta, now: DateTime<Utc>) -> usize {
        let from = now.checked_sub_signed(window);
        self.events.get(key).map_or(0, |events| {
            events
                .iter()
                .filter(|t| **t <= now && from.is_none_or(|f| **t > f))
                .count()
        })
    }

    /// The first limit that one more event of `key` at `now` would exceed.
    ///
    /// ```
    /// # use hotcrm_support::intake::{RateLedger, RateLimit};
    /// let l = RateLedger::default();
    /// assert_eq!(l.exceeded("k", &[RateLimit::per_hour(0)], "2026-01-05T09:00:00Z".parse()?), Some(RateLimit::per_hour(0)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn exceeded(
        &self,
        key: &str,
        limits: &[RateLimit],
        now: DateTime<Utc>,
    ) -> Option<RateLimit> {
        limits
            .iter()
            .find(|l| self.count(key, l.window, now) >= l.max as usize)
            .copied()
    }

    /// Records an event of `key` at `now`, forgetting its events older than
    /// `keep` (pass the longest window you check) and enforcing the bounds.
    ///
    /// ```
    /// # use chrono::TimeDelta;
    /// # use hotcrm_support::intake::RateLedger;
    /// let mut l = RateLedger::new(2, 10);
    /// let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// for (i, k) in ["a", "b", "c"].iter().enumerate() {
    ///     l.record(k, now + TimeDelta::seconds(i as i64), TimeDelta::hours(1));
    /// }
    /// assert_eq!(l.len(), 2, "the least recently active key was evicted");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record(&mut self, key: &str, now: DateTime<Utc>, keep: TimeDelta) {
        let cutoff = now.checked_sub_signed(keep);
        let cap = self.max_events_per_key;
        let events = self.events.entry(key.to_string()).or_default();
        if let Some(cutoff) = cutoff {
            events.retain(|t| *t > cutoff);
        }
        events.push_back(now);
        while events.len() > cap {
            events.pop_front();
        }
        if self.events.len() > self.max_keys {
            self.prune(now, keep);
        }
        while self.events.len() > self.max_keys {
            let oldest = self
                .events
                .iter()
                .filter(|(k, _)| k.as_str() != key)
                .min_by_key(|(_, e)| e.back().copied())
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => {
                    self.events.remove(&k);
                }
                None => break,
            }
        }
    }

    /// Forgets every event older than `keep` before `now`, and keys left empty.
    ///
    /// ```
    /// # use chrono::TimeDelta;
    /// # use hotcrm_support::intake::RateLedger;
    /// let mut l = RateLedger::default();
    /// let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// l.record("k", now, TimeDelta::hours(1));
    /// l.prune(now + TimeDelta::hours(2), TimeDelta::hours(1));
    /// assert!(l.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prune(&mut self, now: DateTime<Utc>, keep: TimeDelta) {
        let Some(cutoff) = now.checked_sub_signed(keep) else {
            return;
        };
        self.events.retain(|_, events| {
            events.retain(|t| *t > cutoff);
            !events.is_empty()
        });
    }

    /// The number of keys held.
    ///
    /// ```
    /// # use hotcrm_support::intake::RateLedger;
    /// assert_eq!(RateLedger::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether no key is held.
    ///
    /// ```
    /// # use hotcrm_support::intake::RateLedger;
    /// assert!(RateLedger::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The total number of events held (at most `max_keys × max_events_per_key`).
    ///
    /// ```
    /// # use hotcrm_support::intake::RateLedger;
    /// assert_eq!(RateLedger::default().total_events(), 0);
    /// ```
    pub fn total_events(&self) -> usize {
        self.events.values().map(VecDeque::len).sum()
    }

    /// The bounds: (max keys, max events per key).
    ///
    /// ```
    /// # use hotcrm_support::intake::RateLedger;
    /// assert_eq!(RateLedger::new(5, 6).bounds(), (5, 6));
    /// ```
    pub fn bounds(&self) -> (usize, usize) {
        (self.max_keys, self.max_events_per_key)
    }
}
