//! `MemoryRepository`: the thread-safe in-memory default.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;

use super::records::{Account, Contact, SavedSearch, SequenceKind, Versioned};
use super::{Repository, conflict};
use crate::case::{Case, CaseEvent, CaseQuery, Page, PageOf};
use crate::error::{Error, Result};
use crate::ids::{AccountId, AgentId, ArticleId, CaseId, CaseNumber, ContactId};
use crate::knowledge::KnowledgeArticle;
use crate::routing::RouterState;

/// A [`Repository`] in memory: the embedded default, and the reference the
/// conformance suite is checked against. Thread-safe; every call holds one lock
/// for its whole effect, so each is atomic. Nothing is persisted.
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
}

#[derive(Default)]
struct State {
    cases: BTreeMap<CaseId, Versioned<Case>>,
    numbers: HashMap<CaseNumber, CaseId>,
    events: HashMap<CaseId, Vec<CaseEvent>>,
    accounts: HashMap<AccountId, Versioned<Account>>,
    contacts: HashMap<ContactId, Versioned<Contact>>,
    sequences: HashMap<(SequenceKind, i32), u32>,
    searches: BTreeMap<(AgentId, String), SavedSearch>,
    router: Option<Versioned<RouterState>>,
    articles: HashMap<ArticleId, Versioned<KnowledgeArticle>>,
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
    async fn insert_case(&self, case: &Case, events: &[CaseEvent]) -> Result<Versioned<Case>> {
        let mut state = self.write();
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
        let stored = Versioned {
            value: case.clone(),
            version: 1,
        };
        state.cases.insert(case.id, stored.clone());
        state.numbers.insert(case.number, case.id);
        state.events.insert(case.id, events.to_vec());
        Ok(stored)
    }

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

    async fn update_case(&self, case: &Case, expected: u64, events: &[CaseEvent]) -> Result<u64> {
        let mut state = self.write();
        let stored = state
            .cases
            .get_mut(&case.id)
            .ok_or_else(|| not_found("case", case.id))?;
        if stored.version != expected {
            return Err(conflict(expected, stored.version));
        }
        if stored.value.number != case.number {
            return Err(Error::validation(
                "case",
                "the case number of a stored case cannot change",
            ));
        }
        stored.value = case.clone();
        stored.version += 1;
        let version = stored.version;
        state
            .events
            .entry(case.id)
            .or_default()
            .extend_from_slice(events);
        Ok(version)
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
        self.read()
            .events
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("case", id))
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

    async fn put_contact(&self, contact: &Contact, expected: Option<u64>) -> Result<u64> {
        put_versioned(
            &mut self.write().contacts,
            "contact",
            contact.id,
            contact,
            expected,
        )
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
        let mut found: Vec<&Versioned<Contact>> = state
            .contacts
            .values()
            .filter(|c| c.value.email.eq_ignore_ascii_case(email.trim()))
            .collect();
        found.sort_by_key(|c| c.value.id);
        Ok(found.first().map(|c| (*c).clone()))
    }

    async fn next_sequence(&self, kind: SequenceKind, year: i32) -> Result<u32> {
        let mut state = self.write();
        let counter = state.sequences.entry((kind, year)).or_insert(0);
        *counter = counter.checked_add(1).ok_or_else(|| Error::Overflow {
            what: format!("{kind:?} sequence of {year}"),
        })?;
        Ok(*counter)
    }

    async fn get_router_state(&self) -> Result<Option<Versioned<RouterState>>> {
        Ok(self.read().router.clone())
    }

    async fn put_router_state(&self, state: &RouterState, expected: Option<u64>) -> Result<u64> {
        let mut guard = self.write();
        match (&mut guard.router, expected) {
            (Some(_), None) => Err(Error::AlreadyExists {
                kind: "router state",
                key: "router".into(),
            }),
            (None, Some(_)) => Err(not_found("router state", "router")),
            (slot @ None, None) => {
                *slot = Some(Versioned {
                    value: state.clone(),
                    version: 1,
                });
                Ok(1)
            }
            (Some(stored), Some(expected)) => {
                if stored.version != expected {
                    return Err(conflict(expected, stored.version));
                }
                stored.value = state.clone();
                stored.version += 1;
                Ok(stored.version)
            }
        }
    }

    async fn put_article(&self, article: &KnowledgeArticle, expected: Option<u64>) -> Result<u64> {
        put_versioned(
            &mut self.write().articles,
            "article",
            article.id,
            article,
            expected,
        )
    }

    async fn get_article(&self, id: ArticleId) -> Result<Versioned<KnowledgeArticle>> {
        self.read()
            .articles
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found("article", id))
    }

    async fn list_articles(&self) -> Result<Vec<Versioned<KnowledgeArticle>>> {
        let mut all: Vec<_> = self.read().articles.values().cloned().collect();
        all.sort_by_key(|a| (a.value.number, a.value.id));
        Ok(all)
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
