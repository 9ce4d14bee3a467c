//! Offsets and local-time resolution for one IANA zone, from a cached table of its
//! transitions.
//!
//! chrono-tz does not expose its transition list, so the table is built once per
//! zone and process by probing the offset daily over the years its data covers
//! (1840–2100) and bisecting each change to the second. Outside that range the
//! offset is constant, as it is in chrono-tz itself.
//!
//! Resolution of a local wall time `L`: a time in a gap moves
//! forward by the gap's length, an ambiguous time takes the earlier instant. Both
//! come down to one rule per transition (offset `before` → `after` at instant `T`):
//! local times before the *switch point* `T + max(before, after)` use `before`,
//! later ones use `after`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::Tz;

/// Nanoseconds: every internal instant, local time and duration.
pub(crate) type Ns = i128;
pub(crate) const SEC: Ns = 1_000_000_000;
pub(crate) const DAY: Ns = 86_400 * SEC;

/// One change of UTC offset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Transition {
    /// UTC instant (seconds) from which `after` applies.
    pub(crate) at: i64,
    /// Offset (seconds east of UTC) before the change.
    pub(crate) before: i64,
    /// Offset after the change.
    pub(crate) after: i64,
}

impl Transition {
    /// The local time (seconds) from which local times resolve with `after`.
    pub(crate) fn switch(&self) -> i64 {
        self.at + self.before.max(self.after)
    }

    /// Length of the gap (positive) or fold (negative), in nanoseconds.
    pub(crate) fn shift(&self) -> Ns {
        Ns::from(self.after - self.before) * SEC
    }
}

/// The transitions of one zone, sorted.
#[derive(Debug)]
pub(crate) struct ZoneTable {
    first: i64,
    transitions: Vec<Transition>,
    /// Switch points in local nanoseconds, parallel to `transitions`.
    switches: Vec<Ns>,
    /// Instants in nanoseconds, parallel to `transitions`.
    instants: Vec<Ns>,
}

const PROBE_FROM: i64 = -4_102_444_800; // 1840-01-01T00:00:00Z
const PROBE_TO: i64 = 4_102_444_800; // 2100-01-01T00:00:00Z

fn offset_at(tz: Tz, secs: i64) -> i64 {
    match DateTime::from_timestamp(secs, 0) {
        Some(utc) => i64::from(
            tz.offset_from_utc_datetime(&utc.naive_utc())
                .fix()
                .local_minus_utc(),
        ),
        None => 0,
    }
}

impl ZoneTable {
    /// The cached table for `tz`.
    pub(crate) fn get(tz: Tz) -> Arc<ZoneTable> {
        static CACHE: OnceLock<Mutex<HashMap<Tz, Arc<ZoneTable>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some(table) = cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&tz)
        {
            return Arc::clone(table);
        }
        // Built outside the lock: two threads may both build it; either result is equal.
        let table = Arc::new(ZoneTable::build(tz));
        cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(tz)
            .or_insert(table)
            .clone()
    }

    fn build(tz: Tz) -> ZoneTable {
        let first = offset_at(tz, PROBE_FROM);
        let mut transitions = Vec::new();
        let mut prev_t = PROBE_FROM;
        let mut prev_o = first;
        let mut t = PROBE_FROM;
        while t < PROBE_TO {
            t += 86_400;
            let o = offset_at(tz, t);
            if o != prev_o {
                // Bisect for the first second with the new offset.
                let (mut lo, mut hi) = (prev_t, t);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset_at(tz, mid) == prev_o {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                transitions.push(Transition {
                    at: hi,
                    before: prev_o,
                    after: o,
                });
                prev_o = o;
            }
            prev_t = t;
        }
        let switches = transitions
            .iter()
            .map(|t| Ns::from(t.switch()) * SEC)
            .collect();
        let instants = transitions.iter().map(|t| Ns::from(t.at) * SEC).collect();
        ZoneTable {
            first,
            transitions,
            switches,
            instants,
        }
    }

    /// All transitions, sorted by instant.
    pub(crate) fn transitions(&self) -> &[Transition] {
        &self.transitions
    }

    /// The offset in force before any transition.
    pub(crate) fn first_offset(&self) -> Ns {
        Ns::from(self.first) * SEC
    }

    /// The UTC offset (nanoseconds east) at instant `t`.
    pub(crate) fn offset_at(&self, t: Ns) -> Ns {
        let idx = self.instants.partition_point(|&at| at <= t);
        self.offset_after(idx)
    }

    fn offset_after(&self, idx: usize) -> Ns {
        match idx.checked_sub(1).and_then(|i| self.transitions.get(i)) {
            Some(tr) => Ns::from(tr.after) * SEC,
            None => self.first_offset(),
        }
    }

    /// The instant of local wall time `local` (gap: forward by the gap; fold: earlier).
    pub(crate) fn resolve(&self, local: Ns) -> Ns {
        let idx = self.switches.partition_point(|&s| s <= local);
        local - self.offset_after(idx)
    }

    /// The local wall time of instant `t`.
    pub(crate) fn local(&self, t: Ns) -> Ns {
        t + self.offset_at(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{LocalResult, NaiveDateTime};

    fn reference_resolve(tz: Tz, local: NaiveDateTime) -> i64 {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.timestamp(),
            LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
            LocalResult::None => {
                // Move forward by the gap: find the first existing local time and
                // add the distance from the gap start.
                let gap = chrono_tz::GapInfo::new(&local, &tz).unwrap();
                let (begin, _) = gap.begin.unwrap();
                let end = gap.end.unwrap();
                end.timestamp() + (local - begin).num_seconds()
            }
        }
    }

    #[test]
    fn resolution_matches_chrono_around_every_transition_of_many_zones() {
        let zones = [
            chrono_tz::America::New_York,
            chrono_tz::Europe::London,
            chrono_tz::America::Sao_Paulo,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Pacific::Auckland,
            chrono_tz::Africa::Casablanca,
            chrono_tz::Pacific::Apia,
            chrono_tz::Asia::Kolkata,
        ];
        for tz in zones {
            let table = ZoneTable::get(tz);
            assert!(
                table.switches.windows(2).all(|w| w[0] < w[1]),
                "{tz} switch points sorted"
            );
            for tr in table.transitions().iter().filter(|t| t.at > -2_000_000_000) {
                for delta in [-7200, -3600, -1800, -1, 0, 1, 1800, 3599, 3600, 5400, 7200] {
                    let local_secs = tr.at + tr.before + delta;
                    let local = DateTime::from_timestamp(local_secs, 0).unwrap().naive_utc();
                    let want = reference_resolve(tz, local);
                    let got = table.resolve(Ns::from(local_secs) * SEC) / SEC;
                    assert_eq!(got as i64, want, "{tz} local {local}");
                }
                let t = Ns::from(tr.at) * SEC;
                assert_eq!(
                    table.offset_at(t),
                    Ns::from(tr.after) * SEC,
                    "{tz} at {}",
                    tr.at
                );
                assert_eq!(
                    table.offset_at(t - 1),
                    Ns::from(tr.before) * SEC,
                    "{tz} before {}",
                    tr.at
                );
            }
        }
    }

    #[test]
    fn new_york_spring_forward_gap_moves_forward() {
        let table = ZoneTable::get(chrono_tz::America::New_York);
        // 2024-03-10 02:30 local does not exist: 03:30 EDT = 07:30Z.
        let local = NaiveDateTime::parse_from_str("2024-03-10 02:30", "%Y-%m-%d %H:%M").unwrap();
        let got = table.resolve(Ns::from(local.and_utc().timestamp()) * SEC);
        let want = NaiveDateTime::parse_from_str("2024-03-10 07:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(got, Ns::from(want.and_utc().timestamp()) * SEC);
    }
}
