//! The unit of work: everything one desk command changed, committed by
//! [`Repository::commit`](super::Repository::commit) in one atomic step, and the
//! durable event feed it appends to.

use serde::{Deserialize, Serialize};

use super::conflict;
use super::portal::{PortalKind, PortalRecord};
use super::records::{Contact, SequenceKind, email_key};
use crate::case::{Case, CaseEvent};
use crate::error::{Error, Result};
use crate::ids::{ArticleId, CaseId, CaseNumber, ContactId};
use crate::knowledge::KnowledgeArticle;
use crate::routing::RouterState;

/// One case written by a commit: a new case, or an optimistic update of a stored
/// one. Either way its events are appended to the case's history and to the
/// global feed.
///
/// ```
/// use hotcrm_support::case::{Case, CaseRules, NewCase};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
/// use hotcrm_support::repo::CaseWrite;
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "VPN down", "since 9am");
/// let (case, events) = Case::create(new, now, &CaseRules::default())?;
/// let write = CaseWrite::Insert { case, events };
/// assert_eq!(write.case().id, CaseId::from_u128(1));
/// assert_eq!(write.expected(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum CaseWrite {
    /// Store a new case at version 1.
    Insert {
        /// The case.
        case: Case,
        /// Its events so far (creation first).
        events: Vec<CaseEvent>,
    },
    /// Replace a case still at version `expected`.
    Update {
        /// The new state.
        case: Case,
        /// The version it was decided on.
        expected: u64,
        /// The events that led from the stored state to `case`.
        events: Vec<CaseEvent>,
    },
}

impl CaseWrite {
    /// The case written.
    pub fn case(&self) -> &Case {
        match self {
            CaseWrite::Insert { case, .. } | CaseWrite::Update { case, .. } => case,
        }
    }

    /// The events appended.
    pub fn events(&self) -> &[CaseEvent] {
        match self {
            CaseWrite::Insert { events, .. } | CaseWrite::Update { events, .. } => events,
        }
    }

    /// The version an update is based on; `None` for an insert.
    pub fn expected(&self) -> Option<u64> {
        match self {
            CaseWrite::Insert { .. } => None,
            CaseWrite::Update { expected, .. } => Some(*expected),
        }
    }
}

/// A versioned document write: insert (`expected == None`) or optimistic update.
///
/// ```
/// use hotcrm_support::repo::DocumentWrite;
/// use hotcrm_support::routing::RouterState;
/// let w = DocumentWrite { value: RouterState::default(), expected: Some(3) };
/// assert_eq!(w.expected, Some(3));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentWrite<T> {
    /// The new value.
    pub value: T,
    /// The version it replaces; `None` to insert.
    pub expected: Option<u64>,
}

/// "This commit consumes number `value` of a sequence": valid only when the
/// stored counter is `value - 1` (the previous number was the last one used),
/// and the counter becomes `value`. A concurrent commit that consumed the same
/// number first makes this one fail with [`Error::Conflict`](crate::Error::Conflict),
/// so numbers are allocated inside the commit, gap-free and unique.
///
/// ```
/// use hotcrm_support::repo::{SequenceClaim, SequenceKind};
/// let claim = SequenceClaim { kind: SequenceKind::Case, year: 2026, value: 1 };
/// assert_eq!(claim.value, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SequenceClaim {
    /// Which sequence.
    pub kind: SequenceKind,
    /// Its year.
    pub year: i32,
    /// The number consumed (the stored counter + 1).
    pub value: u32,
}

/// Everything one command changed, for [`Repository::commit`](super::Repository::commit):
/// cases with their events, the router document, knowledge articles, portal
/// records, contacts and the sequence numbers consumed. Applied all together
/// or not at all.
///
/// ```
/// use hotcrm_support::repo::{SequenceKind, UnitOfWork};
/// use hotcrm_support::routing::RouterState;
/// let work = UnitOfWork::new()
///     .claim(SequenceKind::Case, 2026, 1)
///     .router(RouterState::default(), None);
/// assert!(!work.is_empty());
/// assert!(UnitOfWork::new().is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct UnitOfWork {
    /// Case writes, in order; a case appears at most once.
    pub cases: Vec<CaseWrite>,
    /// The router document, when the command changed it.
    pub router: Option<DocumentWrite<RouterState>>,
    /// Knowledge article writes; an article appears at most once, and a slug
    /// belongs to one article number (see [`UnitOfWork::article`]).
    pub articles: Vec<DocumentWrite<KnowledgeArticle>>,
    /// Sequence numbers consumed, in order.
    pub sequences: Vec<SequenceClaim>,
    /// Portal users, forum topics and posts; a record appears at most once.
    pub portal: Vec<DocumentWrite<PortalRecord>>,
    /// Contact writes (a new case's new contact, for example); a contact
    /// appears at most once, and contacts are unique by normalised email (see
    /// [`UnitOfWork::contact`]).
    pub contacts: Vec<DocumentWrite<Contact>>,
    /// Whether the store may give the unit's new cases the next free numbers
    /// instead of the ones they carry (see [`UnitOfWork::movable_numbers`]).
    pub movable_numbers: bool,
}

impl UnitOfWork {
    /// An empty unit.
    pub fn new() -> UnitOfWork {
        UnitOfWork::default()
    }

    /// Whether the unit writes nothing.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
            && self.router.is_none()
            && self.articles.is_empty()
            && self.sequences.is_empty()
            && self.portal.is_empty()
            && self.contacts.is_empty()
    }

    /// Adds a new case with its events.
    pub fn insert_case(mut self, case: Case, events: Vec<CaseEvent>) -> UnitOfWork {
        self.cases.push(CaseWrite::Insert { case, events });
        self
    }

    /// Adds an update of a case stored at version `expected`.
    pub fn update_case(mut self, case: Case, expected: u64, events: Vec<CaseEvent>) -> UnitOfWork {
        self.cases.push(CaseWrite::Update {
            case,
            expected,
            events,
        });
        self
    }

    /// Sets the router document write.
    pub fn router(mut self, state: RouterState, expected: Option<u64>) -> UnitOfWork {
        self.router = Some(DocumentWrite {
            value: state,
            expected,
        });
        self
    }

    /// Adds an article write: an insert when `expected` is `None`, else an
    /// optimistic update of the version stored at `expected`.
    ///
    /// Slugs are unique per article number: the versions of one
    /// [`KnowledgeNumber`](crate::ids::KnowledgeNumber) share their slug, but
    /// writing an article whose slug a stored article of another number has
    /// (or another article write of the unit, under another number) fails the
    /// whole commit with [`Error::AlreadyExists`] (kind `"article slug"`) and
    /// writes nothing.
    ///
    /// ```
    /// use hotcrm_support::ids::KnowledgeNumber;
    /// use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase};
    /// use hotcrm_support::repo::{MemoryRepository, Repository, UnitOfWork};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let repo = MemoryRepository::new();
    /// let now = "2026-03-02T10:00:00Z".parse()?;
    /// let mut kb = KnowledgeBase::new();
    /// let a = kb.create_numbered(ArticleDraft::new("Reset password", "Click."), KnowledgeNumber::new(2026, 1)?, now)?;
    /// let first = kb.article(a)?.clone();
    /// repo.commit(&UnitOfWork::new().article(first.clone(), None)).await?;
    /// // Another number under the same slug (a desk that did not know `first`).
    /// let mut other = KnowledgeBase::new();
    /// let b = other.create_numbered(ArticleDraft::new("Reset password", "Tap."), KnowledgeNumber::new(2026, 2)?, now)?;
    /// let clash = other.article(b)?.clone();
    /// assert_eq!(clash.slug, first.slug);
    /// let err = repo.commit(&UnitOfWork::new().article(clash, None)).await.unwrap_err();
    /// assert!(matches!(err, hotcrm_support::Error::AlreadyExists { kind: "article slug", .. }));
    /// # Ok(())
    /// # }
    /// ```
    pub fn article(mut self, article: KnowledgeArticle, expected: Option<u64>) -> UnitOfWork {
        self.articles.push(DocumentWrite {
            value: article,
            expected,
        });
        self
    }

    /// Adds a portal record write (insert when `expected` is `None`).
    pub fn portal(mut self, record: PortalRecord, expected: Option<u64>) -> UnitOfWork {
        self.portal.push(DocumentWrite {
            value: record,
            expected,
        });
        self
    }

    /// Adds a contact write: an insert when `expected` is `None`, else an
    /// optimistic update of the contact stored at version `expected`.
    ///
    /// Contacts are unique by email, compared after trimming and lowercasing
    /// ASCII letters (as [`Repository::find_contact_by_email`](super::Repository::find_contact_by_email)
    /// compares them): inserting a contact whose email another contact has, or
    /// changing a contact's email to one another contact has, fails the whole
    /// commit with [`Error::AlreadyExists`] (kind `"contact email"`) and writes
    /// nothing. So a new case and its new contact can be committed together:
    /// both are stored, or neither is.
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber, ContactId};
    /// use hotcrm_support::repo::{Contact, MemoryRepository, Repository, UnitOfWork};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let repo = MemoryRepository::new();
    /// let ann = Contact::new(ContactId::from_u128(7), AccountId::from_u128(2), "Ann", "ann@acme.example");
    /// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "VPN down", "since 9am")
    ///     .with_contact(ann.id);
    /// let (case, events) = Case::create(new, "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// let work = UnitOfWork::new().insert_case(case, events).contact(ann.clone(), None);
    /// let committed = repo.commit(&work).await?;
    /// assert_eq!(committed.contact_version(ann.id), Some(1));
    /// // The same email under another id (and any letter case) is taken.
    /// let twin = Contact::new(ContactId::from_u128(8), AccountId::from_u128(2), "Ann", "ANN@acme.example");
    /// let err = repo.commit(&UnitOfWork::new().contact(twin, None)).await.unwrap_err();
    /// assert!(matches!(err, hotcrm_support::Error::AlreadyExists { kind: "contact email", .. }));
    /// # Ok(())
    /// # }
    /// ```
    pub fn contact(mut self, contact: Contact, expected: Option<u64>) -> UnitOfWork {
        self.contacts.push(DocumentWrite {
            value: contact,
            expected,
        });
        self
    }

    /// Consumes number `value` of a sequence (see [`SequenceClaim`]).
    pub fn claim(mut self, kind: SequenceKind, year: i32, value: u32) -> UnitOfWork {
        self.sequences.push(SequenceClaim { kind, year, value });
        self
    }

    /// Lets the store **move** the unit's case numbers: its
    /// [`SequenceKind::Case`] claims of a year (`c+1 ..= c+n`) then mean "the
    /// next `n` free numbers of that year". A store that moves numbers (see
    /// [`Repository::moves_numbers`](super::Repository::moves_numbers)) takes
    /// `s+1 ..= s+n` after the counter `s` it holds at commit time, inside the
    /// commit — so the numbers stay gap-free and unique — and gives every new
    /// case of the unit whose number was one of those claims the same shift,
    /// in its document and in the case of its
    /// [`Created`](crate::case::CaseEvent::Created) event; nothing else of
    /// the unit changes, so a unit must not write a new case's number anywhere
    /// else. [`Committed::renumbered`] lists the cases whose number changed.
    /// Knowledge numbers never move. A store that does not move numbers checks
    /// the claims as usual (a moved counter is a conflict).
    ///
    /// So concurrent writers never conflict over a number: each commit takes
    /// the next ones where the store keeps the counter, instead of each writer
    /// guessing the counter before it commits.
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// use hotcrm_support::repo::{MemoryRepository, Repository, SequenceKind, UnitOfWork};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let repo = MemoryRepository::new();
    /// assert!(repo.moves_numbers());
    /// repo.next_sequence(SequenceKind::Case, 2026).await?; // another writer took number 1
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let new = NewCase::new(CaseId::from_u128(7), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "VPN down", "since 9am");
    /// let (case, events) = Case::create(new, now, &CaseRules::default())?;
    /// let work = UnitOfWork::new()
    ///     .insert_case(case, events)
    ///     .claim(SequenceKind::Case, 2026, 1)
    ///     .movable_numbers();
    /// let committed = repo.commit(&work).await?;
    /// let second = CaseNumber::new(2026, 2)?;
    /// assert_eq!(committed.case_number(CaseId::from_u128(7)), Some(second));
    /// assert_eq!(repo.get_case(CaseId::from_u128(7)).await?.value.number, second);
    /// # Ok(())
    /// # }
    /// ```
    pub fn movable_numbers(mut self) -> UnitOfWork {
        self.movable_numbers = true;
        self
    }

    /// How many events the unit appends to the feed.
    pub fn event_count(&self) -> usize {
        self.cases.iter().map(|c| c.events().len()).sum()
    }
}

/// What a successful [`Repository::commit`](super::Repository::commit) stored.
///
/// ```
/// use hotcrm_support::repo::Committed;
/// let c = Committed::default();
/// assert!(c.case_versions.is_empty() && c.first_position.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Committed {
    /// The new version of every case written, in write order.
    pub case_versions: Vec<(CaseId, u64)>,
    /// The router document's new version, when written.
    pub router_version: Option<u64>,
    /// The new version of every article written, in write order.
    pub article_versions: Vec<(ArticleId, u64)>,
    /// The new version of every portal record written, in write order.
    pub portal_versions: Vec<(PortalKind, uuid::Uuid, u64)>,
    /// The new version of every contact written, in write order.
    pub contact_versions: Vec<(ContactId, u64)>,
    /// The feed position of the first event appended (`None` when none was).
    /// The unit's events occupy consecutive positions from here.
    pub first_position: Option<u64>,
    /// The new cases the store gave another number than the unit carried (a
    /// unit with [`movable_numbers`](UnitOfWork::movable_numbers)), in write
    /// order, with the number stored.
    pub renumbered: Vec<(CaseId, CaseNumber)>,
}

impl Committed {
    /// The new version of case `id`, when the commit wrote it.
    pub fn case_version(&self, id: CaseId) -> Option<u64> {
        self.case_versions
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, v)| *v)
    }

    /// The number case `id` was stored under, when the store moved it (see
    /// [`UnitOfWork::movable_numbers`]); `None` when it kept the unit's.
    ///
    /// ```
    /// use hotcrm_support::ids::CaseId;
    /// use hotcrm_support::repo::Committed;
    /// assert_eq!(Committed::default().case_number(CaseId::from_u128(1)), None);
    /// ```
    pub fn case_number(&self, id: CaseId) -> Option<CaseNumber> {
        self.renumbered
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, n)| *n)
    }

    /// The new version of contact `id`, when the commit wrote it.
    ///
    /// ```
    /// use hotcrm_support::ids::ContactId;
    /// use hotcrm_support::repo::Committed;
    /// assert_eq!(Committed::default().contact_version(ContactId::from_u128(1)), None);
    /// ```
    pub fn contact_version(&self, id: ContactId) -> Option<u64> {
        self.contact_versions
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, v)| *v)
    }
}

/// One event of the durable feed: its global position (1, 2, 3, ... with no
/// gaps, in commit order), the case it belongs to and the event.
///
/// ```
/// use hotcrm_support::case::{CaseEvent, Priority};
/// use hotcrm_support::ids::CaseId;
/// use hotcrm_support::repo::FeedEntry;
/// let e = FeedEntry {
///     position: 1,
///     case: CaseId::from_u128(1),
///     event: CaseEvent::PriorityChanged { at: "2026-01-05T09:00:00Z".parse()?, by: Default::default(), from: Priority::Low, to: Priority::High },
/// };
/// assert_eq!(e.position, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedEntry {
    /// Global position, starting at 1.
    pub position: u64,
    /// The case.
    pub case: CaseId,
    /// The event.
    pub event: CaseEvent,
}

// The checks of a unit that need no store, shared by every store in the crate.

/// The claims of `work` as counters `(kind, year, before, after)`: each key's
/// claims must be consecutive, as the reference checks them one by one.
pub(crate) type Counters = Vec<(SequenceKind, i32, u32, u32)>;

pub(crate) fn claim_counters(work: &UnitOfWork) -> Result<Counters> {
    let mut counters: Counters = Vec::new();
    for claim in &work.sequences {
        match counters
            .iter_mut()
            .find(|(k, y, _, _)| *k == claim.kind && *y == claim.year)
        {
            Some((_, _, _, current)) => {
                let next = current.checked_add(1).ok_or_else(|| Error::Overflow {
                    what: format!("{:?} sequence of {}", claim.kind, claim.year),
                })?;
                if claim.value != next {
                    return Err(conflict(
                        u64::from(claim.value.saturating_sub(1)),
                        u64::from(*current),
                    ));
                }
                *current = next;
            }
            None => {
                if claim.value == 0 {
                    return Err(conflict(0, 0));
                }
                counters.push((claim.kind, claim.year, claim.value - 1, claim.value));
            }
        }
    }
    Ok(counters)
}

/// The checks of `work` that need no database: nothing written twice, no
/// case number inserted twice, no slug written for two article numbers.
pub(crate) fn check_unit(work: &UnitOfWork) -> Result<()> {
    let mut ids = std::collections::HashSet::new();
    let mut new_numbers = std::collections::HashSet::new();
    for write in &work.cases {
        let case = write.case();
        if !ids.insert(case.id) {
            return Err(Error::validation(
                "unit of work",
                format!("case {} is written twice", case.id),
            ));
        }
        if matches!(write, CaseWrite::Insert { .. }) && !new_numbers.insert(case.number) {
            return Err(Error::AlreadyExists {
                kind: "case number",
                key: case.number.to_string(),
            });
        }
    }
    let mut articles = std::collections::HashSet::new();
    let mut slugs = std::collections::HashMap::new();
    for write in &work.articles {
        if !articles.insert(write.value.id) {
            return Err(Error::validation(
                "unit of work",
                format!("article {} is written twice", write.value.id),
            ));
        }
        let number = *slugs
            .entry(write.value.slug.as_str())
            .or_insert(write.value.number);
        if number != write.value.number {
            return Err(article_slug_taken(&write.value.slug));
        }
    }
    let mut portal = std::collections::HashSet::new();
    for write in &work.portal {
        if !portal.insert((write.value.kind(), write.value.id())) {
            return Err(Error::validation(
                "unit of work",
                format!(
                    "{} {} is written twice",
                    write.value.kind().name(),
                    write.value.id()
                ),
            ));
        }
    }
    let mut contacts = std::collections::HashSet::new();
    let mut emails = std::collections::HashSet::new();
    for write in &work.contacts {
        if !contacts.insert(write.value.id) {
            return Err(Error::validation(
                "unit of work",
                format!("contact {} is written twice", write.value.id),
            ));
        }
        let key = email_key(&write.value.email);
        if !emails.insert(key.clone()) {
            return Err(contact_email_taken(key));
        }
    }
    Ok(())
}

/// The error of a contact write whose email another contact has.
pub(crate) fn contact_email_taken(key: String) -> Error {
    Error::AlreadyExists {
        kind: "contact email",
        key,
    }
}

/// The error of an article write whose slug an article of another number has.
pub(crate) fn article_slug_taken(slug: &str) -> Error {
    Error::AlreadyExists {
        kind: "article slug",
        key: slug.to_owned(),
    }
}

/// The case-number counters of `work` a store may move, as `(year, before,
/// after)`: its [`SequenceKind::Case`] counters when the unit has
/// [`movable_numbers`](UnitOfWork::movable_numbers), else none.
pub(crate) fn movable_counters(work: &UnitOfWork, counters: &Counters) -> Vec<(i32, u32, u32)> {
    if !work.movable_numbers {
        return Vec::new();
    }
    counters
        .iter()
        .filter(|c| c.0 == SequenceKind::Case)
        .map(|&(_, year, before, after)| (year, before, after))
        .collect()
}

/// The movable counter `(year, before)` a new case's number is one of the
/// claims of, if any.
pub(crate) fn movable_slot(case: &Case, movable: &[(i32, u32, u32)]) -> Option<(i32, u32)> {
    let (year, seq) = (case.number.year(), case.number.sequence());
    movable
        .iter()
        .find(|&&(y, before, after)| y == year && before < seq && seq <= after)
        .map(|&(y, before, _)| (y, before))
}

/// `value`, a claim of a counter that stood at `before` in the unit, moved to
/// a counter that stands at `stored`.
pub(crate) fn moved_value(value: u32, before: u32, stored: u32, year: i32) -> Result<u32> {
    value
        .checked_sub(before)
        .and_then(|offset| stored.checked_add(offset))
        .ok_or_else(|| Error::Overflow {
            what: format!("Case numbers of {year}"),
        })
}

/// The number each new case of `work` in a movable counter gets when the
/// store's counters of those years stand at `stored(year)`: `(index in
/// work.cases, number)` for the cases whose number changes.
pub(crate) fn moved_numbers(
    work: &UnitOfWork,
    movable: &[(i32, u32, u32)],
    mut stored: impl FnMut(i32) -> u32,
) -> Result<Vec<(usize, CaseNumber)>> {
    let mut moved = Vec::new();
    for (index, write) in work.cases.iter().enumerate() {
        let CaseWrite::Insert { case, .. } = write else {
            continue;
        };
        let Some((year, before)) = movable_slot(case, movable) else {
            continue;
        };
        let now = stored(year);
        if now != before {
            let seq = moved_value(case.number.sequence(), before, now, year)?;
            moved.push((index, CaseNumber::new(year, seq)?));
        }
    }
    Ok(moved)
}

/// A unit whose case numbers moved, and the cases renumbered (id, number).
pub(crate) type Moved = (UnitOfWork, Vec<(CaseId, CaseNumber)>);

/// `work` with its movable case numbers moved after the store's counters
/// (`stored(year)`), and the cases renumbered; `None` when nothing moves.
/// Used by the stores that decide the move in Rust.
pub(crate) fn move_numbers(
    work: &UnitOfWork,
    counters: &Counters,
    mut stored: impl FnMut(i32) -> u32,
) -> Result<Option<Moved>> {
    let movable = movable_counters(work, counters);
    let now: Vec<(i32, u32, u32)> = movable
        .iter()
        .map(|&(year, before, _)| (year, before, stored(year)))
        .collect();
    if now.iter().all(|&(_, before, now)| now == before) {
        return Ok(None);
    }
    let counter_at = |year: i32| now.iter().find(|n| n.0 == year).map_or(0, |n| n.2);
    let moved = moved_numbers(work, &movable, counter_at)?;
    let mut out = work.clone();
    for claim in &mut out.sequences {
        if claim.kind != SequenceKind::Case {
            continue;
        }
        if let Some(&(year, before, at)) = now.iter().find(|n| n.0 == claim.year) {
            claim.value = moved_value(claim.value, before, at, year)?;
        }
    }
    let mut renumbered = Vec::with_capacity(moved.len());
    for &(index, number) in &moved {
        if let Some(CaseWrite::Insert { case, events }) = out.cases.get_mut(index) {
            case.number = number;
            for event in events.iter_mut() {
                if let CaseEvent::Created { case: created, .. } = event {
                    if created.id == case.id {
                        created.number = number;
                    }
                }
            }
            renumbered.push((case.id, number));
        }
    }
    Ok(Some((out, renumbered)))
}
