//! Portal and community records as the repository stores them, with the
//! other small desk documents kept the same way (social conversation links, a case's email participants, quarantined mail).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::intake::{CaseParticipants, ConversationLink, QuarantinedMail, UndeliverableAddress};
use crate::portal::{DeflectionOffer, ForumPost, ForumTopic, PortalUser};

/// The kinds of [`PortalRecord`].
///
/// ```
/// use hotcrm_support::repo::PortalKind;
/// assert_eq!(PortalKind::Post.name(), "forum post");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PortalKind {
    /// A [`PortalUser`]; its parent is its contact.
    User,
    /// A [`ForumTopic`]; no parent.
    Topic,
    /// A [`ForumPost`]; its parent is its topic.
    Post,
    /// A [`DeflectionOffer`]; its parent is the user's account.
    Deflection,
    /// A social [`ConversationLink`]; its parent is the linked case.
    Conversation,
    /// A case's email [`CaseParticipants`]; id and parent are the case's.
    Participants,
    /// A [`QuarantinedMail`]; no parent.
    Quarantine,
    /// An [`UndeliverableAddress`]; no parent.
    Undeliverable,
}

impl PortalKind {
    /// The record kind's name, as [`Error::NotFound`](crate::Error::NotFound) uses it.
    pub const fn name(self) -> &'static str {
        match self {
            PortalKind::User => "portal user",
            PortalKind::Topic => "forum topic",
            PortalKind::Post => "forum post",
            PortalKind::Deflection => "deflection offer",
            PortalKind::Conversation => "conversation link",
            PortalKind::Participants => "case participants",
            PortalKind::Quarantine => "quarantined mail",
            PortalKind::Undeliverable => "undeliverable address",
        }
    }

    /// The short tag SQL stores keep in their `kind` column.
    pub const fn tag(self) -> &'static str {
        match self {
            PortalKind::User => "user",
            PortalKind::Topic => "topic",
            PortalKind::Post => "post",
            PortalKind::Deflection => "deflection",
            PortalKind::Conversation => "conversation",
            PortalKind::Participants => "participants",
            PortalKind::Quarantine => "quarantine",
            PortalKind::Undeliverable => "undeliverable",
        }
    }
}

/// A portal user, forum topic or forum post, stored as one versioned document
/// keyed by (kind, id), with a parent for lookups
/// ([`Repository::portal_records`](super::Repository::portal_records)).
///
/// ```
/// use hotcrm_support::ids::{PortalUserId, TopicId};
/// use hotcrm_support::portal::{ForumAuthor, ForumTopic};
/// use hotcrm_support::repo::{PortalKind, PortalRecord};
/// let topic = ForumTopic::new(TopicId::from_u128(1), "VPN", "Drops", "body", ForumAuthor::User(PortalUserId::from_u128(2)), "2026-01-05T09:00:00Z".parse()?)?;
/// let record = PortalRecord::Topic(topic);
/// assert_eq!(record.kind(), PortalKind::Topic);
/// assert_eq!(record.parent(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PortalRecord {
    /// A portal user.
    User(PortalUser),
    /// A forum topic.
    Topic(ForumTopic),
    /// A forum post.
    Post(ForumPost),
    /// A deflection offer of the portal.
    Deflection(DeflectionOffer),
    /// Which case a social conversation threads into (intake).
    Conversation(ConversationLink),
    /// The addresses CC'd on a case's emails (intake).
    Participants(CaseParticipants),
    /// An email held for review (intake).
    Quarantine(Box<QuarantinedMail>),
    /// An address permanent bounces marked undeliverable (intake).
    Undeliverable(UndeliverableAddress),
}

impl PortalRecord {
    /// The record's kind.
    pub const fn kind(&self) -> PortalKind {
        match self {
            PortalRecord::User(_) => PortalKind::User,
            PortalRecord::Topic(_) => PortalKind::Topic,
            PortalRecord::Post(_) => PortalKind::Post,
            PortalRecord::Deflection(_) => PortalKind::Deflection,
            PortalRecord::Conversation(_) => PortalKind::Conversation,
            PortalRecord::Participants(_) => PortalKind::Participants,
            PortalRecord::Quarantine(_) => PortalKind::Quarantine,
            PortalRecord::Undeliverable(_) => PortalKind::Undeliverable,
        }
    }

    /// The record's id.
    pub fn id(&self) -> Uuid {
        match self {
            PortalRecord::User(u) => *u.id.as_uuid(),
            PortalRecord::Topic(t) => *t.id.as_uuid(),
            PortalRecord::Post(p) => *p.id.as_uuid(),
            PortalRecord::Deflection(d) => *d.id.as_uuid(),
            PortalRecord::Conversation(c) => c.id,
            PortalRecord::Participants(p) => *p.case.as_uuid(),
            PortalRecord::Quarantine(q) => q.id,
            PortalRecord::Undeliverable(u) => u.id,
        }
    }

    /// What the record is listed under: a user's contact, a post's topic;
    /// topics have none.
    pub fn parent(&self) -> Option<Uuid> {
        match self {
            PortalRecord::User(u) => Some(*u.contact.as_uuid()),
            PortalRecord::Topic(_) => None,
            PortalRecord::Post(p) => Some(*p.topic.as_uuid()),
            PortalRecord::Deflection(d) => Some(*d.account.as_uuid()),
            PortalRecord::Conversation(c) => Some(*c.case.as_uuid()),
            PortalRecord::Participants(p) => Some(*p.case.as_uuid()),
            PortalRecord::Quarantine(_) | PortalRecord::Undeliverable(_) => None,
        }
    }
}

/// A loaded record checked to be of the `kind` it was stored under (a store
/// changed behind the crate's back is an [`Error::Internal`](crate::Error::Internal)).
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) fn of_kind(
    kind: PortalKind,
    record: super::Versioned<PortalRecord>,
) -> crate::Result<super::Versioned<PortalRecord>> {
    if record.value.kind() == kind {
        Ok(record)
    } else {
        Err(crate::Error::Internal {
            what: format!(
                "a {} is stored as a {} {}",
                record.value.kind().name(),
                kind.name(),
                record.value.id()
            ),
        })
    }
}
