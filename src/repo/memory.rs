//! `MemoryRepository`: the thread-safe in-memory default.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;

use super::portal::{PortalKind, PortalRecord};
use super::records::{Account, Contact, SavedSearch, SequenceKind, Versioned, email_key};
use super::unit::{
    CaseWrite, Committed, FeedEntry, UnitOfWork, article_slug_taken, check_unit, claim_counters,
    contact_email_taken,
};
use super::{Repository, conflict};
use crate::case::{Case, CaseEvent, CaseQuery, Page, PageOf};
use crate::error::{Error, Result};
use crate::ids::{AccountId, AgentId, ArticleId, CaseId, CaseNumber, ContactId, KnowledgeNumber};
use crate::knowledge::KnowledgeArticle;
use crate::routing::RouterState;

/// A [`Repository`] in memory: the embedded default, and the reference the
/// conformance suite is checked against. Thread-safe; every call holds one lock
/// for its whole effect, so each is atomic: a [`commit`](Repository::commit)
/// checks every precondition of its unit before it changes anything. Nothing is
/// persisted.
///
/// Memory grows with the records written: every case version's latest state,
/// every event once (the per-case histories and the global feed share it), the
/// router document, articles (with an index of slugs by article number),
/// accounts and contacts (with an index of contacts by normalised email).
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{Case, CaseRules, NewCase};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
/// use hotcrm_support::repo::{MemoryRepository, Repository};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let repo = MemoryRepository::new();
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "VPN down", "since 9am");
/// let (case, events) = Case::create(new, now, &CaseRules::default())?;
/// let stored = repo.insert_case(&case, &events).await?;
/// assert_eq!(stored.version, 1);
/// // A stale update is refused and changes nothing.
/// assert!(repo.update_case(&case, 7, &[]).await.is_err());
/// assert_eq!(repo.get_case(case.id).await?.version, 1);
/// # Ok(())
/// # }
/// ```
#[derive(Default)]
pub struct MemoryRepository {
    state: RwLock<State>,
    /// The numbering lease of the desks sharing this store
    /// ([`Repository::lease_sequences`]).
    lease: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// A turn of [`MemoryRepository`]'s numbering lease: ends when dropped.
struct MemoryLease(tokio::sync::OwnedMutexGuard<()>);

#[async_trait]
impl super::LeaseRelease for MemoryLease {
    async fn release(self: Box<Self>) -> Result<()> {
        drop(self.0);
        Ok(())
    }
}

#[derive(Default)]
struct State {
    cases: BTreeMap<CaseId, Versioned<Case>>,
    numbers: HashMap<CaseNumber, CaseId>,
    /// Per case, the feed positions of its events (the feed holds each event once).
    events: HashMap<CaseId, Vec<u64>>,
    /// The global feed; entry `i` has position `i + 1`.
    feed: Vec<FeedEntry>,
    accounts: HashMap<AccountId, Versioned<Account>>,
    contacts: HashMap<ContactId, Versioned<Contact>>,
    /// The contact holding each normalised email (contacts are unique by it).
    emails: HashMap<String, ContactId>,
    sequences: HashMap<(SequenceKind, i32), u32>,
    searches: BTreeMap<(AgentId, String), SavedSearch>,
    router: Option<Versioned<RouterState>>,
    articles: HashMap<ArticleId, Versioned<KnowledgeArticle>>,
    /// The article number holding each slug, with how many of its stored
    /// versions carry it (slugs are unique per number).
    slugs: HashMap<String, (KnowledgeNumber, usize)>,
    portal: BTreeMap<(PortalKind, uuid::Uuid), Versioned<PortalRecord>>,
}

impl MemoryRepository {
    /// An empty repository.
    pub fn new() -> MemoryRepository {
        MemoryRepository::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.read();
        f.debug_struct("MemoryRepository")
            .field("cases", &state.cases.len())
            .field("accounts", &state.accounts.len())
            .field("contacts", &state.contacts.len())
            .finish_non_exhaustive()
    }
}

fn not_found(kind: &'static str, id: impl ToString) -> Error {
    Error::NotFound {
        kind,
        id: id.to_string(),
    }
}

/// The feed entry at `position` (1-based).
fn feed_entry(feed: &[FeedEntry], position: u64) -> Option<&FeedEntry> {
    let index = usize::try_from(position.checked_sub(1)?).ok()?;
    feed.get(index)
}

/// Every precondition of `work` against `state`, before anything is written;
/// returns the sequence counters after the unit's claims.
fn check(state: &State, work: &UnitOfWork) -> Result<Vec<((SequenceKind, i32), u32)>> {
    check_unit(work)?;
    for write in &work.cases {
        let case = write.case();
        match write {
            CaseWrite::Insert { .. } => {
                if state.cases.contains_key(&case.id) {
                    return Err(Error::AlreadyExists {
                        kind: "case",
                        key: case.id.to_string(),
                    });
                }
                if state.numbers.contains_key(&case.number) {
                    return Err(Error::AlreadyExists {
                        kind: "case number",
                        key: case.number.to_string(),
                    });
                }
            }
            CaseWrite::Update { expected, .. } => {
                let stored = state
                    .cases
                    .get(&case.id)
                    .ok_or_else(|| not_found("case", case.id))?;
                if stored.version != *expected {
                    return Err(conflict(*expected, stored.version));
                }
                if stored.value.number != case.number {
                    return Err(Error::validation(
                        "case",
                        "the case number of a stored case cannot change",
                    ));
                }
            }
        }
    }
    if let Some(router) = &work.router {
        match (&state.router, router.expected) {
            (Some(_), None) => {
                return Err(Error::AlreadyExists {
                    kind: "router state",
                    key: "router".into(),
                });
            }
            (None, Some(_)) => return Err(not_found("router state", "router")),
            (Some(stored), Some(expected)) if stored.version != expected => {
                return Err(conflict(expected, stored.version));
            }
            _ => {}
        }
    }
    for write in &work.articles {
        let id = write.value.id;
        match (state.articles.get(&id), write.expected) {
            (Some(_), None) => {
                return Err(Error::AlreadyExists {
                    kind: "article",
                    key: id.to_string(),
                });
            }
            (None, Some(_)) => return Err(not_found("article", id)),
            (Some(stored), Some(expected)) if stored.version != expected => {
                return Err(conflict(expected, stored.version));
            }
            _ => {}
        }
        if state
            .slugs
            .get(&write.value.slug)
            .is_some_and(|(holder, _)| *holder != write.value.number)
        {
            return Err(article_slug_taken(&write.value.slug));
        }
    }
    for write in &work.portal {
        let key = (write.value.kind(), write.value.id());
        match (state.portal.get(&key), write.expected) {
            (Some(_), None) => {
                return Err(Error::AlreadyExists {
                    kind: key.0.name(),
                    key: key.1.to_string(),
                });
            }
            (None, Some(_)) => return Err(not_found(key.0.name(), key.1)),
            (Some(stored), Some(expected)) if stored.version != expected => {
                return Err(conflict(expected, stored.version));
            }
            _ => {}
        }
    }
    for write in &work.contacts {
        let contact = &write.value;
        let key = email_key(&contact.email);
        let stored = state.contacts.get(&contact.id);
        match (stored, write.expected) {
            (Some(_), None) => {
                return Err(Error::AlreadyExists {
                    kind: "contact",
                    key: contact.id.to_string(),
                });
            }
            (None, Some(_)) => return Err(not_found("contact", contact.id)),
            (Some(stored), Some(expected)) if stored.version != expected => {
                return Err(conflict(expected, stored.version));
            }
            _ => {}
        }
        if state
            .emails
            .get(&key)
            .is_some_and(|holder| *holder != contact.id)
        {
            return Err(contact_email_taken(key));
        }
    }
    let mut counters: Vec<((SequenceKind, i32), u32)> = Vec::new();
    for (kind, year, before, after) in claim_counters(work)? {
        let stored = state.sequences.get(&(kind, year)).copied().unwrap_or(0);
        if stored != before {
            return Err(conflict(u64::from(before), u64::from(stored)));
        }
        counters.push(((kind, year), after));
    }
    Ok(counters)
}

/// Writes a unit whose preconditions [`check`] accepted.
fn apply(
    state: &mut State,
    work: &UnitOfWork,
    sequences: Vec<((SequenceKind, i32), u32)>,
) -> Committed {
    let mut committed = Committed::default();
    for write in &work.cases {
        let case = write.case();
        let version = match write {
            CaseWrite::Insert { .. } => {
                state.numbers.insert(case.number, case.id);
                state.cases.insert(
                    case.id,
                    Versioned {
                        value: case.clone(),
                        version: 1,
                    },
                );
                1
            }
            CaseWrite::Update { expected, .. } => {
                let version = expected.saturating_add(1);
                state.cases.insert(
                    case.id,
                    Versioned {
                        value: case.clone(),
                        version,
                    },
                );
                version
            }
        };
        committed.case_versions.push((case.id, version));
        let positions = state.events.entry(case.id).or_default();
        for event in write.events() {
            let position = u64::try_from(state.feed.len())
                .unwrap_or(u64::MAX)
                .saturating_add(1);
            committed.first_position.get_or_insert(position);
            positions.push(position);
            state.feed.push(FeedEntry {
                position,
                case: case.id,
                event: event.clone(),
            });
        }
    }
    if let Some(router) = &work.router {
        let version = router.expected.map_or(1, |v| v.saturating_add(1));
        state.router = Some(Versioned {
            value: router.value.clone(),
            version,
        });
        committed.router_version = Some(version);
    }
    for write in &work.articles {
        let version = write.expected.map_or(1, |v| v.saturating_add(1));
        if let Some(old) = state.articles.get(&write.value.id) {
            let old_slug = old.value.slug.clone();
            if let Some((_, count)) = state.slugs.get_mut(&old_slug) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    state.slugs.remove(&old_slug);
                }
            }
        }
        state
            .slugs
            .entry(write.value.slug.clone())
            .or_insert((write.value.number, 0))
            .1 += 1;
        state.articles.insert(
            write.value.id,
            Versioned {
                value: write.value.clone(),
                version,
            },
        );
        committed.article_versions.push((write.value.id, version));
    }
    for write in &work.portal {
        let version = write.expected.map_or(1, |v| v.saturating_add(1));
        let (kind, id) = (write.value.kind(), write.value.id());
        state.portal.insert(
            (kind, id),
            Versioned {
                value: write.value.clone(),
                version,
            },
        );
        committed.portal_versions.push((kind, id, version));
    }
    for write in &work.contacts {
        let version = write.expected.map_or(1, |v| v.saturating_add(1));
        if let Some(old) = state.contacts.get(&write.value.id) {
            let old_key = email_key(&old.value.email);
            if state.emails.get(&old_key) == Some(&write.value.id) {
                state.emails.remove(&old_key);
            }
        }
        state
            .emails
            .insert(email_key(&write.value.email), write.value.id);
        state.contacts.insert(
            write.value.id,
            Versioned {
                value: write.value.clone(),
                version,
            },
        );
        committed.contact_versions.push((write.value.id, version));
    }
    for (key, value) in sequences {
        state.sequences.insert(key, value);
    }
    committed
}

/// Insert (`expected == None`) or optimistic update of a versioned record.
fn put_versioned<K: std::hash::Hash + Eq + Copy + ToString, T: Clone>(
    map: &mut HashMap<K, Versioned<T>>,
    kind: &'static str,
    key: K,
    value: &T,
    expected: Option<u64>,
) -> Result<u64> {
    match (map.get_mut(&key), expected) {
        (Some(_), None) => Err(Error::AlreadyExists {
            kind,
            key: key.to_string(),
        }),
        (None, None) => {
            map.insert(
                key,
                Versioned {
                    value: value.clone(),
                    version: 1,
                },
            );
            Ok(1)
        }
        (None, Some(_)) => Err(not_found(kind, key)),
        (Some(stored), Some(expected)) => {
            if stored.version != expected {
                return Err(conflict(expected, stored.version));
            }
            stored.value = value.clone();
            stored.version += 1;
            Ok(stored.version)
        }
    }
}

#[async_trait]
impl Repository for MemoryRepository {
    async fn get_case(&self, id: CaseId) -> Result<Versioned<Case>> {
        self.read()
            .cases
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("case", id))
    }

    async fn get_case_by_number(&self, number: CaseNumber) -> Result<Versioned<Case>> {
        let state = self.read();
        state
            .numbers
            .get(&number)
            .and_then(|id| state.cases.get(id))
            .cloned()
            .ok_or_else(|| not_found("case", number))
    }

    async fn list_cases(&self, query: &CaseQuery, page: Page) -> Result<PageOf<Versioned<Case>>> {
        let state = self.read();
        let mut matching: Vec<&Versioned<Case>> = state
            .cases
            .values()
            .filter(|c| query.matches(&c.value))
            .collect();
        matching.sort_by(|a, b| query.order.compare(&a.value, &b.value));
        let total = matching.len();
        let items: Vec<Versioned<Case>> = matching
            .into_iter()
            .skip(page.offset)
            .take(page.limit)
            .cloned()
            .collect();
        let end = page.offset.saturating_add(items.len());
        let next = (page.limit > 0 && end < total).then(|| page.next());
        Ok(PageOf { items, total, next })
    }

    async fn scan_cases(
        &self,
        query: &CaseQuery,
        after: Option<CaseId>,
        limit: usize,
    ) -> Result<Vec<Versioned<Case>>> {
        let state = self.read();
        let range = match after {
            Some(id) => state
                .cases
                .range((std::ops::Bound::Excluded(id), std::ops::Bound::Unbounded)),
            None => state.cases.range(..),
        };
        Ok(range
            .map(|(_, c)| c)
            .filter(|c| query.matches(&c.value))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn case_events(&self, id: CaseId) -> Result<Vec<CaseEvent>> {
        let state = self.read();
        let positions = state.events.get(&id).ok_or_else(|| not_found("case", id))?;
        Ok(positions
            .iter()
            .filter_map(|&p| feed_entry(&state.feed, p))
            .map(|e| e.event.clone())
            .collect())
    }

    async fn commit(&self, work: &UnitOfWork) -> Result<Committed> {
        let mut state = self.write();
        let counters = super::unit::claim_counters(work)?;
        let moved = super::unit::move_numbers(work, &counters, |year| {
            state
                .sequences
                .get(&(SequenceKind::Case, year))
                .copied()
                .unwrap_or(0)
        })?;
        let (work, renumbered) = match &moved {
            Some((moved, renumbered)) => (moved, renumbered.clone()),
            None => (work, Vec::new()),
        };
        let sequences = check(&state, work)?;
        let mut committed = apply(&mut state, work, sequences);
        committed.renumbered = renumbered;
        Ok(committed)
    }

    fn moves_numbers(&self) -> bool {
        true
    }

    async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>> {
        let state = self.read();
        let start = usize::try_from(after).unwrap_or(usize::MAX);
        Ok(state
            .feed
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take(limit)
            .cloned()
            .collect())
    }

    async fn current_sequence(&self, kind: SequenceKind, year: i32) -> Result<u32> {
        Ok(self
            .read()
            .sequences
            .get(&(kind, year))
            .copied()
            .unwrap_or(0))
    }

    async fn lease_sequences(&self) -> Result<Option<super::SequenceLease>> {
        let turn = std::sync::Arc::clone(&self.lease).lock_owned().await;
        let counters = self
            .read()
            .sequences
            .iter()
            .map(|(&(kind, year), &value)| super::SequenceCounter { kind, year, value })
            .collect();
        Ok(Some(super::SequenceLease::new(
            counters,
            Box::new(MemoryLease(turn)),
        )))
    }

    async fn put_account(&self, account: &Account, expected: Option<u64>) -> Result<u64> {
        put_versioned(
            &mut self.write().accounts,
            "account",
            account.id,
            account,
            expected,
        )
    }

    async fn get_account(&self, id: AccountId) -> Result<Versioned<Account>> {
        self.read()
            .accounts
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("account", id))
    }

    async fn get_contact(&self, id: ContactId) -> Result<Versioned<Contact>> {
        self.read()
            .contacts
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("contact", id))
    }

    async fn find_contact_by_email(&self, email: &str) -> Result<Option<Versioned<Contact>>> {
        let state = self.read();
        Ok(state
            .emails
            .get(&email_key(email))
            .and_then(|id| state.contacts.get(id))
            .cloned())
    }

    async fn router_version(&self) -> Result<Option<u64>> {
        Ok(self.read().router.as_ref().map(|r| r.version))
    }

    async fn get_router_state(&self) -> Result<Option<Versioned<RouterState>>> {
        Ok(self.read().router.clone())
    }

    async fn get_article(&self, id: ArticleId) -> Result<Versioned<KnowledgeArticle>> {
        self.read()
            .articles
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("article", id))
    }

    async fn get_portal_record(
        &self,
        kind: PortalKind,
        id: uuid::Uuid,
    ) -> Result<Versioned<PortalRecord>> {
        self.read()
            .portal
            .get(&(kind, id))
            .cloned()
            .ok_or_else(|| not_found(kind.name(), id))
    }

    async fn portal_records(
        &self,
        kind: PortalKind,
        parent: Option<uuid::Uuid>,
    ) -> Result<Vec<Versioned<PortalRecord>>> {
        Ok(self
            .read()
            .portal
            .range((kind, uuid::Uuid::nil())..=(kind, uuid::Uuid::max()))
            .map(|(_, r)| r)
            .filter(|r| parent.is_none_or(|p| r.value.parent() == Some(p)))
            .cloned()
            .collect())
    }

    async fn list_articles(&self) -> Result<Vec<Versioned<KnowledgeArticle>>> {
        let mut all: Vec<_> = self.read().articles.values().cloned().collect();
        all.sort_by_key(|a| (a.value.number, a.value.id));
        Ok(all)
    }

    async fn article_versions(
        &self,
        number: crate::ids::KnowledgeNumber,
    ) -> Result<Vec<Versioned<KnowledgeArticle>>> {
        let mut versions: Vec<_> = self
            .read()
            .articles
            .values()
            .filter(|a| a.value.number == number)
            .cloned()
            .collect();
        versions.sort_by_key(|a| a.value.id);
        Ok(versions)
    }

    async fn save_search(&self, search: &SavedSearch) -> Result<()> {
        if search.name.trim().is_empty() {
            return Err(Error::validation("saved search name", "must not be empty"));
        }
        self.write()
            .searches
            .insert((search.owner, search.name.clone()), search.clone());
        Ok(())
    }

    async fn saved_searches(&self, owner: AgentId) -> Result<Vec<SavedSearch>> {
        Ok(self
            .read()
            .searches
            .range((owner, String::new())..)
            .take_while(|((o, _), _)| *o == owner)
            .map(|(_, s)| s.clone())
            .collect())
    }
}
