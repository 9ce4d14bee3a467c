//! Star ratings of an article: one 1–5 rating per rater, changeable, with the
//! exact count and sum kept beside them.
//!
//! Layer 2 (pure): depends on `ids` and `error` only.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{AgentId, PortalUserId};

/// Lowest star rating.
pub const MIN_RATING: u8 = 1;
/// Highest star rating.
pub const MAX_RATING: u8 = 5;

/// Who gave a rating: each rater has at most one rating per article, which a
/// new rating replaces. Anonymous readers cannot rate (they can vote
/// helpful / not helpful, which is counted per call).
///
/// Stored as text: `agent:<uuid>` or `portal-user:<uuid>`.
///
/// ```
/// use hotcrm_support::ids::AgentId;
/// use hotcrm_support::knowledge::Rater;
/// let r = Rater::Agent(AgentId::from_u128(1));
/// assert_eq!(r.to_string(), "agent:00000000-0000-0000-0000-000000000001");
/// assert_eq!(r.to_string().parse::<Rater>()?, r);
/// assert!("someone".parse::<Rater>().is_err());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rater {
    /// An employee.
    Agent(AgentId),
    /// A logged-in portal user.
    PortalUser(PortalUserId),
}

impl fmt::Display for Rater {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rater::Agent(id) => write!(f, "agent:{id}"),
            Rater::PortalUser(id) => write!(f, "portal-user:{id}"),
        }
    }
}

impl FromStr for Rater {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.split_once(':') {
            Some(("agent", id)) => Ok(Rater::Agent(id.parse()?)),
            Some(("portal-user", id)) => Ok(Rater::PortalUser(id.parse()?)),
            _ => Err(Error::Parse {
                what: "rater",
                input: s.chars().take(64).collect(),
                reason: "expected agent:<uuid> or portal-user:<uuid>".into(),
            }),
        }
    }
}

impl Serialize for Rater {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rater {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The star ratings of an article: each rater's current rating, and their
/// count and sum (integers, so [`ArticleRatings::average`] is exact: the sum
/// divided by the count, with no drift from repeated updates).
///
/// Like the counters, ratings belong to the article, not to one version: they
/// carry over when a new version goes live.
///
/// ```
/// use hotcrm_support::ids::{AgentId, PortalUserId};
/// use hotcrm_support::knowledge::{ArticleRatings, Rater};
/// let mut r = ArticleRatings::default();
/// assert_eq!(r.average(), None);
/// r.rate(Rater::Agent(AgentId::from_u128(1)), 5)?;
/// r.rate(Rater::PortalUser(PortalUserId::from_u128(2)), 2)?;
/// assert_eq!(r.average(), Some(3.5));
/// // The same rater again replaces their rating.
/// r.rate(Rater::Agent(AgentId::from_u128(1)), 4)?;
/// assert_eq!((r.count(), r.sum(), r.average()), (2, 6, Some(3.0)));
/// assert!(r.rate(Rater::Agent(AgentId::from_u128(3)), 6).is_err());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ArticleRatingsFields")]
pub struct ArticleRatings {
    count: u64,
    sum: u64,
    by_rater: BTreeMap<Rater, u8>,
}

validated_serde!(ArticleRatings, ArticleRatingsFields {
    count: u64,
    sum: u64,
    by_rater: BTreeMap<Rater, u8>,
});

impl ArticleRatings {
    /// How many raters rated.
    ///
    /// ```
    /// assert_eq!(hotcrm_support::knowledge::ArticleRatings::default().count(), 0);
    /// ```
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The sum of the current ratings.
    ///
    /// ```
    /// assert_eq!(hotcrm_support::knowledge::ArticleRatings::default().sum(), 0);
    /// ```
    pub fn sum(&self) -> u64 {
        self.sum
    }

    /// The average rating (1.0–5.0), `None` without ratings: `sum / count`.
    ///
    /// ```
    /// assert_eq!(hotcrm_support::knowledge::ArticleRatings::default().average(), None);
    /// ```
    pub fn average(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// The current rating of `rater`.
    ///
    /// ```
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::knowledge::{ArticleRatings, Rater};
    /// let mut r = ArticleRatings::default();
    /// r.rate(Rater::Agent(AgentId::from_u128(1)), 4)?;
    /// assert_eq!(r.of(Rater::Agent(AgentId::from_u128(1))), Some(4));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn of(&self, rater: Rater) -> Option<u8> {
        self.by_rater.get(&rater).copied()
    }

    /// Records `rater`'s rating (replacing their previous one); returns whether
    /// anything changed (the same rating again changes nothing).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `rating`) outside 1–5; nothing changes.
    ///
    /// ```
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::knowledge::{ArticleRatings, Rater};
    /// let mut r = ArticleRatings::default();
    /// let ann = Rater::Agent(AgentId::from_u128(1));
    /// assert!(r.rate(ann, 4)?);
    /// assert!(!r.rate(ann, 4)?);
    /// assert!(r.rate(ann, 0).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn rate(&mut self, rater: Rater, rating: u8) -> Result<bool> {
        check_rating(rating)?;
        let previous = self.by_rater.insert(rater, rating);
        match previous {
            Some(p) if p == rating => Ok(false),
            Some(p) => {
                self.sum = self
                    .sum
                    .saturating_sub(u64::from(p))
                    .saturating_add(u64::from(rating));
                Ok(true)
            }
            None => {
                self.count = self.count.saturating_add(1);
                self.sum = self.sum.saturating_add(u64::from(rating));
                Ok(true)
            }
        }
    }

    /// Checks that the count and sum match the ratings and every rating is 1–5
    /// (loading runs it).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `ratings`).
    ///
    /// ```
    /// use hotcrm_support::knowledge::ArticleRatings;
    /// ArticleRatings::default().validate()?;
    /// let bad = serde_json::json!({"count": 1, "sum": 3, "by_rater": {}});
    /// assert!(serde_json::from_value::<ArticleRatings>(bad).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        if let Some((rater, bad)) = self
            .by_rater
            .iter()
            .find(|(_, r)| check_rating(**r).is_err())
        {
            return Err(Error::validation(
                "ratings",
                format!("{rater} rated {bad}, outside {MIN_RATING}-{MAX_RATING}"),
            ));
        }
        let count = self.by_rater.len() as u64;
        let sum: u64 = self.by_rater.values().map(|r| u64::from(*r)).sum();
        if count != self.count || sum != self.sum {
            return Err(Error::validation(
                "ratings",
                format!(
                    "count {} and sum {} do not match the {count} ratings summing to {sum}",
                    self.count, self.sum
                ),
            ));
        }
        Ok(())
    }
}

fn check_rating(rating: u8) -> Result<()> {
    if (MIN_RATING..=MAX_RATING).contains(&rating) {
        Ok(())
    } else {
        Err(Error::validation(
            "rating",
            format!("{rating} is outside {MIN_RATING}-{MAX_RATING}"),
        ))
    }
}
