//! Portal users, their tiers and the permissions each tier grants.

use crate::picklist::picklist;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::validate::{not_blank, validated_record};
use crate::case::{Case, Priority};
use crate::error::{Error, Result};
use crate::ids::{AccountId, ContactId, PortalUserId};
use crate::knowledge::{PortalTier, Viewer};

use super::moderation::Activity;

picklist! {
    /// Where a portal user's access stands. Only `Active` users may do anything.
    ///
    /// ```
    /// use hotcrm_support::portal::PortalStatus;
    /// assert_eq!("suspended".parse::<PortalStatus>()?, PortalStatus::Suspended);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum PortalStatus: "portal status" {
        /// Invited, has not logged in yet.
        Invited => "Invited",
        /// Can use the portal.
        Active => "Active",
        /// Access withdrawn (reads and writes refused).
        Suspended => "Suspended",
    }
}

picklist! {
    /// What a portal user may do; granted per tier by a [`PermissionTable`].
    ///
    /// ```
    /// use hotcrm_support::portal::Permission;
    /// assert_eq!(Permission::CloseOwnCases.to_string(), "Close own cases");
    /// ```
    pub enum Permission: "portal permission" {
        /// Open new cases.
        SubmitCases => "Submit cases",
        /// Read the cases the user reported.
        ViewOwnCases => "View own cases",
        /// Read every case of the user's account.
        ViewAccountCases => "View account cases",
        /// Add public comments to visible cases.
        AddComments => "Add comments",
        /// Close the cases the user reported.
        CloseOwnCases => "Close own cases",
        /// Attach files to cases and comments.
        AttachFiles => "Attach files",
        /// Read articles published to the customer portal.
        SeePortalArticles => "See portal articles",
        /// Create topics and posts in the community.
        PostInCommunity => "Post in community",
    }
}

/// The permissions one tier grants and the priorities its users may choose.
///
/// ```
/// use hotcrm_support::case::Priority;
/// use hotcrm_support::portal::{Permission, TierPermissions};
/// let grants = TierPermissions::new([Permission::SubmitCases], [Priority::Low, Priority::Medium]);
/// assert!(grants.permissions.contains(&Permission::SubmitCases));
/// assert!(!grants.priorities.contains(&Priority::Critical));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierPermissions {
    /// The permissions granted.
    pub permissions: BTreeSet<Permission>,
    /// The priorities a user of the tier may give a case it submits.
    pub priorities: BTreeSet<Priority>,
}

impl TierPermissions {
    /// Grants `permissions` and `priorities`.
    pub fn new(
        permissions: impl IntoIterator<Item = Permission>,
        priorities: impl IntoIterator<Item = Priority>,
    ) -> TierPermissions {
        TierPermissions {
            permissions: permissions.into_iter().collect(),
            priorities: priorities.into_iter().collect(),
        }
    }
}

/// What each [`PortalTier`] grants, as data a host can override.
///
/// The default table:
///
/// | permission | Basic | Premium | Enterprise |
/// | --- | --- | --- | --- |
/// | submit cases, view own cases, add comments, see portal articles, post in community | yes | yes | yes |
/// | close own cases, attach files | | yes | yes |
/// | view all cases of the account | | | yes (or any user flagged account admin) |
/// | priorities | Low, Medium | Low, Medium, High | all |
///
/// ```
/// use hotcrm_support::case::Priority;
/// use hotcrm_support::knowledge::PortalTier;
/// use hotcrm_support::portal::{Permission, PermissionTable, TierPermissions};
/// let table = PermissionTable::default()
///     .with_tier(PortalTier::Basic, TierPermissions::new([Permission::ViewOwnCases], [Priority::Low]));
/// assert!(!table.grants(PortalTier::Basic, Permission::SubmitCases));
/// assert!(table.grants(PortalTier::Premium, Permission::AttachFiles));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionTable {
    tiers: BTreeMap<PortalTier, TierPermissions>,
}

impl Default for PermissionTable {
    fn default() -> Self {
        use Permission::*;
        let everyone = [
            SubmitCases,
            ViewOwnCases,
            AddComments,
            SeePortalArticles,
            PostInCommunity,
        ];
        let premium = [CloseOwnCases, AttachFiles];
        let mut tiers = BTreeMap::new();
        tiers.insert(
            PortalTier::Basic,
            TierPermissions::new(everyone, [Priority::Low, Priority::Medium]),
        );
        tiers.insert(
            PortalTier::Premium,
            TierPermissions::new(
                everyone.into_iter().chain(premium),
                [Priority::Low, Priority::Medium, Priority::High],
            ),
        );
        tiers.insert(
            PortalTier::Enterprise,
            TierPermissions::new(
                everyone
                    .into_iter()
                    .chain(premium)
                    .chain([ViewAccountCases]),
                Priority::ALL.iter().copied(),
            ),
        );
        PermissionTable { tiers }
    }
}

impl PermissionTable {
    /// Replaces what `tier` grants.
    pub fn with_tier(mut self, tier: PortalTier, grants: TierPermissions) -> PermissionTable {
        self.tiers.insert(tier, grants);
        self
    }

    /// What `tier` grants (nothing when the table has no row for it).
    pub fn tier(&self, tier: PortalTier) -> Option<&TierPermissions> {
        self.tiers.get(&tier)
    }

    /// Whether `tier` grants `permission`.
    pub fn grants(&self, tier: PortalTier, permission: Permission) -> bool {
        self.tier(tier)
            .is_some_and(|t| t.permissions.contains(&permission))
    }

    /// Whether users of `tier` may submit a case of `priority`.
    pub fn allows_priority(&self, tier: PortalTier, priority: Priority) -> bool {
        self.tier(tier)
            .is_some_and(|t| t.priorities.contains(&priority))
    }
}

/// How many recent posts a [`PortalUser`] keeps for moderation checks.
pub const MAX_RECENT_POSTS: usize = 20;

/// Longest locale tag accepted (BCP 47 tags are far shorter).
const MAX_LOCALE_CHARS: usize = 35;

/// One change to a portal user ([`PortalUser::apply`]; through the desk,
/// `SupportDesk::update_portal_user`).
///
/// ```
/// use hotcrm_support::knowledge::PortalTier;
/// use hotcrm_support::portal::PortalUserChange;
/// let upgrade = PortalUserChange::Tier(PortalTier::Premium);
/// assert_ne!(upgrade, PortalUserChange::Suspend);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PortalUserChange {
    /// Status Active (an invitation accepted, a suspension lifted).
    Activate,
    /// Status Suspended: the user may do nothing until activated again.
    Suspend,
    /// Another portal tier.
    Tier(PortalTier),
    /// Sets or clears the account-admin flag.
    AccountAdmin(bool),
    /// Another locale (validated like [`PortalUser::validate`]).
    Locale(String),
    /// The user logged in now.
    RecordLogin,
}

validated_record! {
/// A customer's login to the portal: a contact of an account with a tier.
///
/// Loading one checks [`PortalUser::validate`].
///
/// ```
/// use hotcrm_support::ids::{AccountId, ContactId, PortalUserId};
/// use hotcrm_support::knowledge::PortalTier;
/// use hotcrm_support::portal::{Permission, PermissionTable, PortalStatus, PortalUser};
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let user = PortalUser::new(PortalUserId::from_u128(1), ContactId::from_u128(2), AccountId::from_u128(3), PortalTier::Basic, now)
///     .activated();
/// assert_eq!(user.status, PortalStatus::Active);
/// assert!(user.may(Permission::SubmitCases, &PermissionTable::default()));
/// assert!(!user.may(Permission::ViewAccountCases, &PermissionTable::default()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PortalUserRecord")]
#[non_exhaustive]
pub struct PortalUser {
    /// The user's id.
    pub id: PortalUserId,
    /// The contact the user is.
    pub contact: ContactId,
    /// The contact's account: the boundary of everything the user sees.
    pub account: AccountId,
    /// The portal tier.
    pub tier: PortalTier,
    /// Invited, Active or Suspended.
    pub status: PortalStatus,
    /// Preferred language, a BCP 47 tag such as `en-GB`.
    pub locale: String,
    /// When the user last logged in.
    pub last_login: Option<DateTime<Utc>>,
    /// Sees every case of the account whatever the tier.
    pub account_admin: bool,
    /// When the user was invited.
    pub created_at: DateTime<Utc>,
    /// What the user did in the community (kept by the desk in the same
    /// commit as each post, vote and moderation).
    #[serde(default)]
    pub activity: Activity,
    /// The user's posts of the last day, newest last, at most
    /// [`MAX_RECENT_POSTS`]: the context of rate limits and duplicate checks.
    #[serde(default)]
    pub recent_posts: Vec<(DateTime<Utc>, String)>,
}
mirror PortalUserRecord;
}

impl PortalUser {
    /// An invited user (status `Invited`, locale `en`).
    pub fn new(
        id: PortalUserId,
        contact: ContactId,
        account: AccountId,
        tier: PortalTier,
        created_at: DateTime<Utc>,
    ) -> PortalUser {
        PortalUser {
            id,
            contact,
            account,
            tier,
            status: PortalStatus::Invited,
            locale: "en".into(),
            last_login: None,
            account_admin: false,
            created_at,
            activity: Activity::default(),
            recent_posts: Vec::new(),
        }
    }

    /// The same user, `Active`.
    pub fn activated(mut self) -> PortalUser {
        self.status = PortalStatus::Active;
        self
    }

    /// The same user with the account-admin flag.
    pub fn account_admin(mut self) -> PortalUser {
        self.account_admin = true;
        self
    }

    /// The same user with a locale.
    pub fn with_locale(mut self, locale: impl Into<String>) -> PortalUser {
        self.locale = locale.into();
        self
    }

    /// Applies `change` (a login is stamped `now`).
    ///
    /// ```
    /// use hotcrm_support::ids::*;
    /// use hotcrm_support::knowledge::PortalTier;
    /// use hotcrm_support::portal::{PortalStatus, PortalUser, PortalUserChange};
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let mut user = PortalUser::new(PortalUserId::from_u128(1), ContactId::from_u128(2), AccountId::from_u128(3), PortalTier::Basic, now).activated();
    /// user.apply(&PortalUserChange::Suspend, now);
    /// assert_eq!(user.status, PortalStatus::Suspended);
    /// user.apply(&PortalUserChange::RecordLogin, now);
    /// assert_eq!(user.last_login, Some(now));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&mut self, change: &PortalUserChange, now: DateTime<Utc>) {
        match change {
            PortalUserChange::Activate => self.status = PortalStatus::Active,
            PortalUserChange::Suspend => self.status = PortalStatus::Suspended,
            PortalUserChange::Tier(tier) => self.tier = *tier,
            PortalUserChange::AccountAdmin(flag) => self.account_admin = *flag,
            PortalUserChange::Locale(locale) => self.locale.clone_from(locale),
            PortalUserChange::RecordLogin => self.last_login = Some(now),
        }
    }

    /// Remembers a post written at `at` (dropping those older than a day and
    /// the oldest beyond [`MAX_RECENT_POSTS`]).
    pub fn remember_post(&mut self, at: DateTime<Utc>, body: &str) {
        let day_ago = at - chrono::TimeDelta::hours(24);
        self.recent_posts.retain(|(t, _)| *t > day_ago);
        self.recent_posts.push((at, body.to_string()));
        let excess = self.recent_posts.len().saturating_sub(MAX_RECENT_POSTS);
        self.recent_posts.drain(..excess);
    }

    /// Checks the invariants: a locale of 1–35 letters, digits and `-`, at
    /// most [`MAX_RECENT_POSTS`] recent posts.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming `locale`.
    pub fn validate(&self) -> Result<()> {
        if self.recent_posts.len() > MAX_RECENT_POSTS {
            return Err(Error::Validation {
                field: "recent_posts",
                reason: format!("at most {MAX_RECENT_POSTS}"),
            });
        }
        not_blank("locale", &self.locale)?;
        if self.locale.chars().count() > MAX_LOCALE_CHARS
            || !self
                .locale
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(Error::Validation {
                field: "locale",
                reason: format!("{:?} is not a language tag", self.locale),
            });
        }
        Ok(())
    }

    /// Whether the user may do `permission` now: the user is `Active` and the
    /// tier grants it (the account-admin flag also grants
    /// [`Permission::ViewAccountCases`]).
    pub fn may(&self, permission: Permission, table: &PermissionTable) -> bool {
        self.status == PortalStatus::Active
            && (table.grants(self.tier, permission)
                || (permission == Permission::ViewAccountCases && self.account_admin))
    }

    /// [`PortalUser::may`] as a result, for `action`.
    ///
    /// # Errors
    ///
    /// [`Error::Forbidden`] naming the action and the missing permission or status.
    ///
    /// ```
    /// # use hotcrm_support::ids::*; use hotcrm_support::knowledge::PortalTier;
    /// use hotcrm_support::portal::{Permission, PermissionTable, PortalUser};
    /// let user = PortalUser::new(PortalUserId::from_u128(1), ContactId::from_u128(2), AccountId::from_u128(3), PortalTier::Basic, "2026-01-05T09:00:00Z".parse()?);
    /// // Invited, not yet active.
    /// assert!(user.require(Permission::SubmitCases, &PermissionTable::default(), "portal_submit_case").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn require(
        &self,
        permission: Permission,
        table: &PermissionTable,
        action: &'static str,
    ) -> Result<()> {
        if self.status != PortalStatus::Active {
            return Err(Error::Forbidden {
                action,
                reason: format!("portal user is {}", self.status),
            });
        }
        if !self.may(permission, table) {
            return Err(Error::Forbidden {
                action,
                reason: format!("{} tier lacks \"{permission}\"", self.tier),
            });
        }
        Ok(())
    }

    /// Whether the user may read `case`: it belongs to the user's account, and
    /// the user reported it (with [`Permission::ViewOwnCases`]) or may view the
    /// whole account's cases.
    ///
    /// ```
    /// # use hotcrm_support::ids::*; use hotcrm_support::knowledge::PortalTier;
    /// # use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// use hotcrm_support::portal::{PermissionTable, PortalUser};
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let user = PortalUser::new(PortalUserId::from_u128(1), ContactId::from_u128(2), AccountId::from_u128(3), PortalTier::Basic, now).activated();
    /// let new = NewCase::new(CaseId::from_u128(4), CaseNumber::new(2026, 1)?, AccountId::from_u128(3), "VPN", "down").with_contact(ContactId::from_u128(2));
    /// let (case, _) = Case::create(new, now, &CaseRules::default())?;
    /// assert!(user.can_view(&case, &PermissionTable::default()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn can_view(&self, case: &Case, table: &PermissionTable) -> bool {
        case.account == self.account
            && (self.may(Permission::ViewAccountCases, table)
                || (case.contact == Some(self.contact)
                    && self.may(Permission::ViewOwnCases, table)))
    }

    /// The knowledge viewer this user searches as: a portal customer of its
    /// tier when it may see portal articles, anonymous otherwise.
    pub fn viewer(&self, table: &PermissionTable) -> Viewer {
        if self.may(Permission::SeePortalArticles, table) {
            Viewer::PortalCustomer { tier: self.tier }
        } else {
            Viewer::Anonymous
        }
    }
}
