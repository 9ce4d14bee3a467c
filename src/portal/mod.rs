//! The customer portal and the community, as pure rules (layer 2).
//!
//! - **Portal users** ([`PortalUser`]): a contact of an account with a
//!   [`PortalTier`](crate::knowledge::PortalTier) and a [`PortalStatus`]. What a
//!   tier may do is data, a [`PermissionTable`] a host can override; only
//!   `Active` users may do anything, and everything a user reads or writes is
//!   inside its own account ([`PortalUser::can_view`]).
//! - **What a user sees of a case** is a separate type, [`PortalCaseView`]:
//!   public comments only, no owner, queue, SLA, escalation, root cause or AI
//!   fields. A field added to cases later is invisible to the portal until it
//!   is added to the view on purpose.
//! - **Community**: [`ForumTopic`]s with [`ForumPost`] replies. One vote per
//!   member per post (changeable, never counted twice); posts rank by
//!   [`wilson_lower_bound`] of their helpful votes at 95% confidence, so
//!   10 up / 1 down (0.62) ranks above 40 up / 20 down (0.54); the accepted
//!   answer comes first ([`posts_for_reader`]). Topics sort by latest activity,
//!   top votes over a period or unanswered ([`sort_topics`]).
//! - **Moderation** is deterministic and configurable: [`TrustRules`] turn a
//!   member's [`Activity`] into a [`TrustLevel`]; [`ModerationRules::screen`]
//!   holds or refuses a new post (links by level, watched and blocked words,
//!   duplicates, rate limits); [`flag_post`] hides a post after flags from
//!   distinct trusted members; [`moderate`] applies a [`ModeratorAction`].
//!
//! ```
//! use hotcrm_support::ids::{AccountId, ContactId, PortalUserId};
//! use hotcrm_support::knowledge::PortalTier;
//! use hotcrm_support::portal::{Permission, PermissionTable, PortalUser};
//! let now = "2026-01-05T09:00:00Z".parse()?;
//! let table = PermissionTable::default();
//! let basic = PortalUser::new(PortalUserId::from_u128(1), ContactId::from_u128(2), AccountId::from_u128(3), PortalTier::Basic, now).activated();
//! let admin = basic.clone().account_admin();
//! assert!(!basic.may(Permission::ViewAccountCases, &table));
//! assert!(admin.may(Permission::ViewAccountCases, &table));
//! assert!(!basic.may(Permission::CloseOwnCases, &table)); // Premium and up
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod deflection;
mod forum;
mod moderation;
mod user;
mod view;

pub use deflection::{DeflectionOffer, DeflectionReport};
pub use forum::{
    CastVote, Edit, ForumAuthor, ForumPost, ForumTopic, MAX_POST_BODY_CHARS, MAX_TAGS,
    MAX_TOPIC_TITLE_CHARS, PostStatus, Reader, TopicLink, TopicSort, TopicStatus, Vote,
    posts_for_reader, sort_topics, wilson_lower_bound,
};
pub use moderation::{
    Activity, FlagOutcome, LevelThreshold, MAX_MODERATION_LOG, ModerationEvent, ModerationRules,
    ModeratorAction, RecentPost, Screening, TrustLevel, TrustRules, flag_post, moderate,
};
pub use user::{
    MAX_RECENT_POSTS, Permission, PermissionTable, PortalStatus, PortalUser, PortalUserChange,
    TierPermissions,
};
pub use view::{PortalAuthor, PortalCaseView, PortalComment};
