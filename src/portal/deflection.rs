//! Deflection: the articles the portal offers before a case is submitted, and
//! whether the user still submitted one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, ArticleId, CaseId, DeflectionId, PortalUserId};
use crate::period::Period;

/// One offer of articles to a portal user, stored so the deflection metric
/// survives restarts and counts every desk on the repository.
///
/// ```
/// use hotcrm_support::ids::*;
/// use hotcrm_support::portal::DeflectionOffer;
/// let offer = DeflectionOffer::new(
///     DeflectionId::from_u128(1), PortalUserId::from_u128(2), AccountId::from_u128(3),
///     "export to csv", vec![ArticleId::from_u128(4)], "2026-01-05T09:00:00Z".parse()?,
/// );
/// assert!(!offer.deflected_case_submitted());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeflectionOffer {
    /// The offer.
    pub id: DeflectionId,
    /// Who was offered the articles.
    pub user: PortalUserId,
    /// The user's account.
    pub account: AccountId,
    /// The subject the user typed.
    pub subject: String,
    /// The articles shown, best first (empty: nothing matched).
    pub articles: Vec<ArticleId>,
    /// When it was offered (desk clock).
    pub at: DateTime<Utc>,
    /// The case the user submitted after the offer, if any.
    #[serde(default)]
    pub submitted: Option<CaseId>,
}

impl DeflectionOffer {
    /// An offer nothing followed yet. The subject is kept to its first 500
    /// characters.
    pub fn new(
        id: DeflectionId,
        user: PortalUserId,
        account: AccountId,
        subject: &str,
        articles: Vec<ArticleId>,
        at: DateTime<Utc>,
    ) -> DeflectionOffer {
        DeflectionOffer {
            id,
            user,
            account,
            subject: subject.chars().take(500).collect(),
            articles,
            at,
            submitted: None,
        }
    }

    /// Whether articles were shown and the user still submitted a case.
    pub fn deflected_case_submitted(&self) -> bool {
        !self.articles.is_empty() && self.submitted.is_some()
    }
}

/// How well articles deflected portal cases over a period.
///
/// An offer that showed at least one article counts in `offers`; if a case
/// followed it counts in `submitted` too, otherwise the user is taken to
/// have found the answer. Offers that showed nothing are counted apart
/// (`empty_offers`, with `empty_submitted`): they are the knowledge gaps.
///
/// ```
/// use hotcrm_support::ids::*;
/// use hotcrm_support::period::Period;
/// use hotcrm_support::portal::{DeflectionOffer, DeflectionReport};
/// let at = "2026-01-05T09:00:00Z".parse()?;
/// let shown = |n: u128| DeflectionOffer::new(DeflectionId::from_u128(n), PortalUserId::from_u128(1), AccountId::from_u128(2), "vpn", vec![ArticleId::from_u128(9)], at);
/// let mut submitted = shown(2);
/// submitted.submitted = Some(CaseId::from_u128(7));
/// let offers = [shown(1), submitted, shown(3), shown(4)];
/// let report = DeflectionReport::of(&offers, Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?);
/// assert_eq!((report.offers, report.submitted, report.deflected()), (4, 1, 3));
/// assert_eq!(report.deflection_rate(), Some(0.75));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeflectionReport {
    /// Offers that showed at least one article.
    pub offers: u64,
    /// Of those, how many were followed by a case.
    pub submitted: u64,
    /// Offers that showed nothing.
    pub empty_offers: u64,
    /// Of those, how many were followed by a case.
    pub empty_submitted: u64,
}

impl DeflectionReport {
    /// The report over the `offers` made in `period`.
    pub fn of<'a>(
        offers: impl IntoIterator<Item = &'a DeflectionOffer>,
        period: Period,
    ) -> DeflectionReport {
        let mut report = DeflectionReport::default();
        for offer in offers.into_iter().filter(|o| period.contains(o.at)) {
            let followed = u64::from(offer.submitted.is_some());
            if offer.articles.is_empty() {
                report.empty_offers += 1;
                report.empty_submitted += followed;
            } else {
                report.offers += 1;
                report.submitted += followed;
            }
        }
        report
    }

    /// Offers with articles that no case followed.
    pub fn deflected(&self) -> u64 {
        self.offers.saturating_sub(self.submitted)
    }

    /// Share of offers with articles that no case followed; `None` without
    /// such offers.
    pub fn deflection_rate(&self) -> Option<f64> {
        if self.offers == 0 {
            None
        } else {
            Some(self.deflected() as f64 / self.offers as f64)
        }
    }
}
