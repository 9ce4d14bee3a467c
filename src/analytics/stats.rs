//! Summary statistics over minutes: [`MinuteStats`] (mean, median, p90, max)
//! and [`DurationStats`] (the same in calendar and business minutes).
//! Pure values; depends on `case` for [`ElapsedMinutes`].

use serde::{Deserialize, Serialize};

use crate::case::ElapsedMinutes;

/// Mean, median, 90th percentile and maximum of a set of minute values.
///
/// Every field is `None` for an empty set (never NaN, never a panic).
///
/// - `mean` is the arithmetic mean.
/// - `median` is the middle value, or the mean of the two middle values for
///   an even count.
/// - `p90` is the nearest-rank 90th percentile: the smallest observed value
///   that at least 90% of the values do not exceed (rank `ceil(0.9 n)`).
///
/// # Example
///
/// ```
/// use hotcrm_support::analytics::MinuteStats;
///
/// let s = MinuteStats::from_minutes(vec![30, 10, 20, 40]);
/// assert_eq!((s.mean, s.median, s.p90, s.max), (Some(25.0), Some(25.0), Some(40), Some(40)));
/// assert_eq!(MinuteStats::from_minutes(Vec::new()).mean, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MinuteStats {
    /// Arithmetic mean.
    pub mean: Option<f64>,
    /// Median (mean of the two middle values for an even count).
    pub median: Option<f64>,
    /// Nearest-rank 90th percentile.
    pub p90: Option<i64>,
    /// Largest value.
    pub max: Option<i64>,
}

impl MinuteStats {
    /// The statistics of `minutes` (in any order).
    ///
    /// ```
    /// use hotcrm_support::analytics::MinuteStats;
    /// let s = MinuteStats::from_minutes((1..=10).collect());
    /// assert_eq!(s.median, Some(5.5));
    /// assert_eq!(s.p90, Some(9));
    /// ```
    pub fn from_minutes(mut minutes: Vec<i64>) -> MinuteStats {
        minutes.sort_unstable();
        let n = minutes.len();
        if n == 0 {
            return MinuteStats::default();
        }
        // i128 cannot overflow for any realistic count of i64 values.
        let sum: i128 = minutes.iter().map(|&m| i128::from(m)).sum();
        let mean = sum as f64 / n as f64;
        let median = if n % 2 == 1 {
            minutes.get(n / 2).map(|&m| m as f64)
        } else {
            match (minutes.get(n / 2 - 1), minutes.get(n / 2)) {
                (Some(&a), Some(&b)) => Some((i128::from(a) + i128::from(b)) as f64 / 2.0),
                _ => None,
            }
        };
        // Nearest rank: ceil(0.9 n) computed in integers, 1-based.
        let rank = (n * 9).div_ceil(10).max(1);
        MinuteStats {
            mean: Some(mean),
            median,
            p90: minutes.get(rank - 1).copied(),
            max: minutes.last().copied(),
        }
    }
}

/// How many elapsed times were measured, and their statistics in calendar
/// (wall-clock) and business minutes, as recorded on each case
/// ([`ElapsedMinutes`]).
///
/// # Example
///
/// ```
/// use hotcrm_support::analytics::DurationStats;
/// use hotcrm_support::case::ElapsedMinutes;
///
/// let s = DurationStats::from_elapsed([
///     ElapsedMinutes { calendar: 900, business: 60 },
///     ElapsedMinutes { calendar: 30, business: 30 },
/// ]);
/// assert_eq!(s.count, 2);
/// assert_eq!(s.calendar.mean, Some(465.0));
/// assert_eq!(s.business.max, Some(60));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DurationStats {
    /// Number of measured times.
    pub count: usize,
    /// Statistics of the wall-clock minutes.
    pub calendar: MinuteStats,
    /// Statistics of the business minutes.
    pub business: MinuteStats,
}

impl DurationStats {
    /// The statistics of `times`.
    ///
    /// ```
    /// use hotcrm_support::analytics::DurationStats;
    /// let s = DurationStats::from_elapsed([]);
    /// assert_eq!((s.count, s.business.median), (0, None));
    /// ```
    pub fn from_elapsed(times: impl IntoIterator<Item = ElapsedMinutes>) -> DurationStats {
        let (calendar, business): (Vec<i64>, Vec<i64>) =
            times.into_iter().map(|t| (t.calendar, t.business)).unzip();
        DurationStats {
            count: calendar.len(),
            calendar: MinuteStats::from_minutes(calendar),
            business: MinuteStats::from_minutes(business),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Name, values, expected mean, median and p90.
    type Row = (
        &'static str,
        Vec<i64>,
        Option<f64>,
        Option<f64>,
        Option<i64>,
    );

    #[test]
    fn table() {
        let cases: &[Row] = &[
            ("empty", vec![], None, None, None),
            ("one", vec![7], Some(7.0), Some(7.0), Some(7)),
            ("two", vec![10, 20], Some(15.0), Some(15.0), Some(20)),
            ("odd unsorted", vec![5, 1, 3], Some(3.0), Some(3.0), Some(5)),
            ("ten", (1..=10).collect(), Some(5.5), Some(5.5), Some(9)),
            ("eleven", (1..=11).collect(), Some(6.0), Some(6.0), Some(10)),
            ("negative", vec![-4, -2], Some(-3.0), Some(-3.0), Some(-2)),
            (
                "extremes",
                vec![i64::MAX, i64::MAX],
                Some(i64::MAX as f64),
                Some(i64::MAX as f64),
                Some(i64::MAX),
            ),
        ];
        for (name, values, mean, median, p90) in cases {
            let s = MinuteStats::from_minutes(values.clone());
            assert_eq!(s.mean, *mean, "{name}: mean");
            assert_eq!(s.median, *median, "{name}: median");
            assert_eq!(s.p90, *p90, "{name}: p90");
        }
    }
}
