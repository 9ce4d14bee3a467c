//! Who is reading: the [`Viewer`] and the one visibility rule every read path
//! (search, related articles, answers, direct views) goes through.
//!
//! Layer 2 (pure): depends on the sibling `article` module only.

use serde::{Deserialize, Serialize};

use super::article::{KnowledgeArticle, PortalTier, Visibility};

/// The person a read is made for.
///
/// | article visibility | Anonymous | PortalCustomer | Partner | Employee |
/// |---|---|---|---|---|
/// | Public | yes, unless `require_login` | yes | yes | yes |
/// | CustomerPortal | no | yes, if tier ≥ `min_portal_tier` | no | yes |
/// | Partner | no | no | yes | yes |
/// | Internal | no | no | no | yes |
///
/// Only `Published` versions are ever visible through [`Viewer::can_read`]; drafts,
/// reviews and archived versions are for editors, who use
/// [`KnowledgeBase::article`](super::KnowledgeBase::article) directly.
///
/// # Example
///
/// ```
/// use hotcrm_support::knowledge::{PortalTier, Viewer, Visibility};
///
/// let basic = Viewer::PortalCustomer { tier: PortalTier::Basic };
/// assert!(basic.may_see(Visibility::Public, true, None));
/// assert!(!basic.may_see(Visibility::CustomerPortal, false, Some(PortalTier::Premium)));
/// assert!(!Viewer::Anonymous.may_see(Visibility::Public, true, None));
/// assert!(Viewer::Employee.may_see(Visibility::Internal, true, None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Viewer {
    /// Someone on the internet who is not logged in.
    Anonymous,
    /// A logged-in customer-portal user of a tier.
    PortalCustomer {
        /// The user's portal tier.
        tier: PortalTier,
    },
    /// A logged-in partner or reseller.
    Partner,
    /// An employee (agent, knowledge manager).
    Employee,
}

impl Viewer {
    /// Whether this viewer is logged in (everyone but `Anonymous`).
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert!(!Viewer::Anonymous.is_logged_in());
    /// assert!(Viewer::Partner.is_logged_in());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn is_logged_in(&self) -> bool {
        !matches!(self, Viewer::Anonymous)
    }

    /// The visibility rule on raw fields (see the table on [`Viewer`]).
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert!(Viewer::Partner.may_see(Visibility::Partner, true, None));
    /// assert!(!Viewer::Partner.may_see(Visibility::Internal, false, None));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn may_see(
        &self,
        visibility: Visibility,
        require_login: bool,
        min_portal_tier: Option<PortalTier>,
    ) -> bool {
        match (self, visibility) {
            (Viewer::Employee, _) => true,
            (_, Visibility::Public) => !require_login || self.is_logged_in(),
            (Viewer::PortalCustomer { tier }, Visibility::CustomerPortal) => {
                min_portal_tier.is_none_or(|min| *tier >= min)
            }
            (Viewer::Partner, Visibility::Partner) => true,
            _ => false,
        }
    }

    /// Whether this viewer may read `article`: it must be `Published` and pass
    /// [`Viewer::may_see`].
    ///
    /// ```
    /// use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase, Viewer};
    /// let mut kb = KnowledgeBase::new();
    /// let id = kb.create(ArticleDraft::new("T", "C"), "2026-01-01T00:00:00Z".parse()?)?;
    /// assert!(!Viewer::Employee.can_read(kb.article(id)?)); // still a draft
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn can_read(&self, article: &KnowledgeArticle) -> bool {
        article.is_published()
            && self.may_see(
                article.visibility,
                article.require_login,
                article.min_portal_tier,
            )
    }
}
