//! The weekly template: the open set of a regular week, with cumulative totals.
//!
//! Positions are local nanoseconds since Monday 00:00. The template answers, in
//! O(log n) for any distance, "how much business time lies between two local
//! times of regular weeks" and its inverse; the engine corrects it for holidays,
//! special days and DST transitions.

use super::zone::{DAY, Ns};

pub(crate) const WEEK: Ns = 7 * DAY;
/// Local time 0 (1970-01-01, a Thursday) is three days after a Monday.
const MONDAY_SHIFT: Ns = 3 * DAY;

/// Weekday index of a local day number (days since 1970-01-01), Monday = 0.
pub(crate) fn weekday_index(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

/// Sorts intervals and merges the overlapping or touching ones; drops empty ones.
pub(crate) fn merge(mut list: Vec<(Ns, Ns)>) -> Vec<(Ns, Ns)> {
    list.retain(|(a, b)| b > a);
    list.sort_unstable();
    let mut out: Vec<(Ns, Ns)> = Vec::with_capacity(list.len());
    for (a, b) in list {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Template {
    /// Merged, sorted, non-touching spans within `[0, WEEK]`.
    spans: Vec<Span>,
    total: Ns,
}

#[derive(Debug, Clone, Copy)]
struct Span {
    start: Ns,
    end: Ns,
    /// Business time before this span within its week.
    before: Ns,
}

impl Template {
    /// Builds the template from week positions `(start, end)`, `end` possibly past
    /// `WEEK` (a Sunday overnight shift wraps to Monday). Overlaps must have been
    /// rejected by the caller; touching spans merge.
    pub(crate) fn new(intervals: impl IntoIterator<Item = (Ns, Ns)>) -> Template {
        let mut pieces: Vec<(Ns, Ns)> = Vec::new();
        for (start, end) in intervals {
            if end > WEEK {
                pieces.push((start, WEEK));
                pieces.push((0, end - WEEK));
            } else {
                pieces.push((start, end));
            }
        }
        let spans = merge(pieces);
        let mut total = 0;
        let spans = spans
            .into_iter()
            .map(|(start, end)| {
                let span = Span {
                    start,
                    end,
                    before: total,
                };
                total += end - start;
                span
            })
            .collect();
        Template { spans, total }
    }

    /// Business time of a regular week.
    pub(crate) fn total(&self) -> Ns {
        self.total
    }

    /// Whether the template is open all week round.
    pub(crate) fn always_open(&self) -> bool {
        self.total == WEEK
    }

    fn cum_at(&self, pos: Ns) -> Ns {
        let idx = self.spans.partition_point(|s| s.start <= pos);
        idx.checked_sub(1)
            .and_then(|i| self.spans.get(i))
            .map_or(0, |s| s.before + pos.min(s.end) - s.start)
    }

    /// Business time of the regular template from the reference Monday to `local`.
    pub(crate) fn at_local(&self, local: Ns) -> Ns {
        let shifted = local + MONDAY_SHIFT;
        let weeks = shifted.div_euclid(WEEK);
        weeks * self.total + self.cum_at(shifted.rem_euclid(WEEK))
    }

    /// Whether the template is open at `local` (half-open spans).
    pub(crate) fn is_open_local(&self, local: Ns) -> bool {
        let pos = (local + MONDAY_SHIFT).rem_euclid(WEEK);
        let idx = self.spans.partition_point(|s| s.start <= pos);
        idx.checked_sub(1)
            .and_then(|i| self.spans.get(i))
            .is_some_and(|s| pos < s.end)
    }

    /// The earliest local time whose template business time equals `value`.
    /// `None` when the template is empty or the result overflows.
    pub(crate) fn earliest_local(&self, value: Ns) -> Option<Ns> {
        if self.total <= 0 {
            return None;
        }
        let mut weeks = value.div_euclid(self.total);
        let mut within = value.rem_euclid(self.total);
        if within == 0 {
            // The earliest point is the last close of the previous week.
            weeks = weeks.checked_sub(1)?;
            within = self.total;
        }
        let j = self
            .spans
            .partition_point(|s| s.before + (s.end - s.start) < within);
        let span = self.spans.get(j)?;
        let pos = span.start + (within - span.before);
        weeks
            .checked_mul(WEEK)?
            .checked_add(pos)?
            .checked_sub(MONDAY_SHIFT)
    }

    /// Calls `f` with each template span (local times) intersecting `[lo, hi)`,
    /// clipped to it, in order. Spans that touch across the week boundary are
    /// reported as two pieces.
    pub(crate) fn for_each_span(&self, lo: Ns, hi: Ns, mut f: impl FnMut(Ns, Ns)) {
        if self.spans.is_empty() || hi <= lo {
            return;
        }
        let first_week = (lo + MONDAY_SHIFT).div_euclid(WEEK);
        let mut week = first_week;
        loop {
            let base = week * WEEK - MONDAY_SHIFT;
            if base >= hi {
                break;
            }
            for span in &self.spans {
                let (s, e) = ((base + span.start).max(lo), (base + span.end).min(hi));
                if e > s {
                    f(s, e);
                }
            }
            week += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Ns = DAY / 24;

    fn nine_to_five() -> Template {
        Template::new((0..5).map(|d| (d * DAY + 9 * H, d * DAY + 17 * H)))
    }

    #[test]
    fn cumulative_and_inverse_agree() {
        let t = nine_to_five();
        assert_eq!(t.total(), 40 * H);
        // Monday 1970-01-05 is local day 4.
        let monday = 4 * DAY;
        assert_eq!(
            t.at_local(monday + 17 * H) - t.at_local(monday + 9 * H),
            8 * H
        );
        let base = t.at_local(monday + 9 * H);
        assert_eq!(
            t.earliest_local(base + 8 * H),
            Some(monday + 17 * H),
            "lands on the close"
        );
        assert_eq!(t.earliest_local(base + H), Some(monday + 10 * H));
        assert_eq!(
            t.earliest_local(base + 40 * H),
            Some(monday + 4 * DAY + 17 * H),
            "friday close"
        );
    }

    #[test]
    fn sunday_overnight_wraps_into_monday() {
        let t = Template::new([(6 * DAY + 22 * H, 7 * DAY + 6 * H)]);
        assert_eq!(t.total(), 8 * H);
        assert!(t.is_open_local(4 * DAY + 5 * H), "monday 05:00 open");
        assert!(!t.is_open_local(4 * DAY + 6 * H), "monday 06:00 closed");
        assert!(t.is_open_local(3 * DAY + 23 * H), "sunday 23:00 open");
    }

    #[test]
    fn empty_template_has_no_inverse() {
        assert_eq!(Template::new([]).earliest_local(5), None);
    }
}
