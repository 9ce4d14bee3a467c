//! The storage port: [`Repository`], the in-memory default [`MemoryRepository`],
//! and (feature `conformance`) the [`conformance`] suite every implementation
//! must pass.
//!
//! Layer 3: depends on the domain types (`case`, `sla`, `ids`, `error`); never on
//! `desk` or `analytics`.
//!
//! # The contract
//!
//! A host implements [`Repository`] over its own database. What the desk relies on:
//!
//! - **Round trips.** What is written is read back equal (`serde` forms are a
//!   convenient storage format: every record type implements `Serialize`).
//! - **Not found is typed.** Reading an unknown id returns [`Error::NotFound`]
//!   naming the kind (`"case"`, `"account"`, ...) and the id.
//! - **Optimistic concurrency.** Every record carries a version, starting at 1 and
//!   incremented by each successful write. An update names the version it was based
//!   on; if the stored version differs, it fails with
//!   [`Error::Conflict { expected, actual }`](Error::Conflict) and writes **nothing**
//!   (no lost updates). Inserting an existing id or case number is
//!   [`Error::AlreadyExists`].
//! - **One atomic commit per command.** Every write goes through
//!   [`Repository::commit`] with a [`UnitOfWork`]: the cases a command changed
//!   (with their events), the router document, knowledge articles, portal
//!   records, contacts (a new case's new contact) and the sequence numbers
//!   it consumed. The store checks *every* precondition of the
//!   unit first (versions, unique ids and numbers, sequence claims) and then
//!   applies all of it, or returns the first violation and writes **nothing**. A
//!   SQL store maps one commit to one transaction. The single-record writers
//!   ([`Repository::insert_case`], [`Repository::update_case`],
//!   [`Repository::put_router_state`], [`Repository::put_article`],
//!   [`Repository::put_contact`]) are provided methods that commit a unit of
//!   one write.
//! - **Contacts are unique by email**, compared trimmed with ASCII letters
//!   lowercased (as [`Repository::find_contact_by_email`] finds them): a
//!   contact write that would give a second contact the same email is
//!   [`Error::AlreadyExists`] (kind `"contact email"`) and fails its whole
//!   unit.
//! - **Article slugs belong to one number**: the versions of a
//!   [`KnowledgeNumber`](crate::ids::KnowledgeNumber) share their slug, and an
//!   article write whose slug an article of another number has (stored, or in
//!   the same unit) is [`Error::AlreadyExists`] (kind `"article slug"`) and
//!   fails its whole unit, so desks sharing a store never store a slug clash.
//! - **Sequences.** Numbers are claimed inside the commit: a [`SequenceClaim`]
//!   of value `n` is valid only when the stored counter is `n - 1`, else the
//!   commit fails with [`Error::Conflict`]. So numbers are gap-free and unique,
//!   and a command that fails consumes none. [`Repository::current_sequence`]
//!   reads the counter; [`Repository::next_sequence`] (provided) claims the next
//!   number on its own.
//! - **A durable event feed.** Every event a commit appends gets the next global
//!   position (1, 2, 3, ... with no gaps, in commit order);
//!   [`Repository::events_after`] pages through it with the last position seen
//!   as the cursor. Hosts dispatch notifications from the feed, at least once,
//!   so nothing is lost when the process dies right after a commit.
//! - **Queries.** [`Repository::list_cases`] filters with
//!   [`CaseQuery::matches`](crate::case::CaseQuery::matches), sorts with its
//!   [`CaseOrder`](crate::case::CaseOrder) (total, ties broken by id) and pages with
//!   offset + limit. [`Repository::scan_cases`] walks every matching case in id
//!   order with a cursor, for sweeps over large stores.
//! - **Documents.** The router's state (agents, queues, loads, cursors) is one
//!   versioned document, so concurrent routing decisions cannot double-book an agent.
//! - **Errors** from the store itself are [`Error::Storage`]; the desk surfaces them.
//!
//! The trait is implemented for `Arc<T>` and `Box<T>` of any implementation, so
//! `Arc<dyn Repository>` ([`DynRepository`]) works everywhere a repository does.

mod lease;
mod memory;
mod portal;
mod records;
mod unit;

#[cfg(feature = "conformance")]
#[cfg_attr(docsrs, doc(cfg(feature = "conformance")))]
pub mod conformance;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod durability;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "sqlite", feature = "postgres"))))]
pub use durability::Durability;

#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::SqliteRepository;

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::PostgresRepository;

use std::sync::Arc;

use async_trait::async_trait;

pub use lease::{LeaseRelease, SequenceCounter, SequenceLease};
pub use memory::MemoryRepository;
pub use portal::{PortalKind, PortalRecord};
pub use records::{Account, Contact, SavedSearch, SequenceKind, Versioned};
pub use unit::{CaseWrite, Committed, DocumentWrite, FeedEntry, SequenceClaim, UnitOfWork};

use crate::case::{Case, CaseEvent, CaseQuery, Page, PageOf};
use crate::error::{Error, Result};
use crate::ids::{AccountId, ArticleId, CaseId, CaseNumber, ContactId};
use crate::knowledge::KnowledgeArticle;
use crate::routing::RouterState;

/// A shared, dynamically typed repository.
pub type DynRepository = Arc<dyn Repository>;

/// Storage for everything the desk keeps. See the [module docs](self) for the
/// contract every implementation must honour.
///
/// # Example
///
/// ```
/// use hotcrm_support::repo::{MemoryRepository, Repository, SequenceKind};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> hotcrm_support::Result<()> {
/// let repo = MemoryRepository::new();
/// assert_eq!(repo.next_sequence(SequenceKind::Case, 2026).await?, 1);
/// assert_eq!(repo.next_sequence(SequenceKind::Case, 2026).await?, 2);
/// assert_eq!(repo.next_sequence(SequenceKind::Case, 2027).await?, 1);
/// # Ok(())
/// # }
/// ```
#[async_trait]
pub trait Repository: Send + Sync {
    /// Applies a whole [`UnitOfWork`] atomically: checks every precondition
    /// first, then writes every case (appending its events to its history and
    /// to the feed, in unit order), the router document, the articles, portal
    /// records, contacts and the sequence counters — or, on the first violated precondition, returns its
    /// error and writes nothing at all.
    ///
    /// Preconditions: an inserted case's id and number are new
    /// ([`Error::AlreadyExists`]); an updated case exists ([`Error::NotFound`]),
    /// is still at its expected version ([`Error::Conflict`]) and keeps its number
    /// ([`Error::Validation`]); a case or article appears at most once in the unit
    /// ([`Error::Validation`]); the router and article writes follow
    /// [`Repository::put_router_state`] and [`Repository::put_article`], and
    /// portal records and contacts the same rules (an insert of an existing
    /// (kind, id) or contact id is [`Error::AlreadyExists`], an update of a
    /// missing one [`Error::NotFound`], of a changed one [`Error::Conflict`]);
    /// a contact insert, or an update that changes the email, whose
    /// normalised email (trimmed, ASCII lowercased) another contact has — stored
    /// or in the same unit — is [`Error::AlreadyExists`] of kind
    /// `"contact email"`; an article write whose slug an article of another
    /// number has — stored or in the same unit — is [`Error::AlreadyExists`]
    /// of kind `"article slug"` (versions of one number share their slug);
    /// every
    /// sequence claim is the stored counter + 1, claims of one sequence in
    /// increasing order ([`Error::Conflict`] naming the expected and actual
    /// counter) — except that a store that
    /// [moves numbers](Repository::moves_numbers) gives the case-number
    /// claims of a unit with [`UnitOfWork::movable_numbers`] the next free
    /// numbers instead, renumbering the unit's new cases to match (reported in
    /// [`Committed::renumbered`]).
    ///
    /// # Errors
    ///
    /// As above, plus [`Error::Storage`] when the store fails (nothing written).
    async fn commit(&self, work: &UnitOfWork) -> Result<Committed>;

    /// Up to `limit` events of the global feed with positions greater than
    /// `after`, in position order (`after = 0` starts at the beginning). Positions
    /// are gap-free, so the last position returned is the cursor for the next
    /// call.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>>;

    /// The last number used of a per-year sequence (0 when none was).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    async fn current_sequence(&self, kind: SequenceKind, year: i32) -> Result<u32>;

    /// Waits for this store's numbering lease and returns it with the stored
    /// counters (see [`SequenceLease`]): while one desk holds it, no other desk
    /// holding a lease on the same store draws numbers. `None` (the default)
    /// when the store has none; desks then rely on their claims alone, which
    /// is always correct and only slower when several desks number at once.
    /// `PostgresRepository` leases through a PostgreSQL advisory lock (across
    /// processes), [`MemoryRepository`] through a mutex (across the desks that
    /// share it); the SQLite store has none.
    ///
    /// ```
    /// use hotcrm_support::repo::{MemoryRepository, Repository, SequenceKind};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// let repo = MemoryRepository::new();
    /// if let Some(lease) = repo.lease_sequences().await? {
    ///     assert_eq!(lease.counter(SequenceKind::Case, 2026), 0);
    ///     lease.release().await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    async fn lease_sequences(&self) -> Result<Option<SequenceLease>> {
        Ok(None)
    }

    /// Whether [`commit`](Repository::commit) moves the case numbers of a
    /// unit with [`UnitOfWork::movable_numbers`] to the next free ones (so
    /// writers never conflict over a number) instead of checking them. `false`
    /// (the default) keeps the plain claim check, which is always correct.
    /// [`MemoryRepository`] and `PostgresRepository` move numbers; the SQLite
    /// store (one writer at a time) does not.
    ///
    /// ```
    /// use hotcrm_support::repo::{MemoryRepository, Repository};
    /// assert!(MemoryRepository::new().moves_numbers());
    /// ```
    fn moves_numbers(&self) -> bool {
        false
    }

    /// Stores a new case at version 1 together with its creation events: a
    /// [`commit`](Repository::commit) of one insert.
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyExists`] when the id or the case number is taken.
    async fn insert_case(&self, case: &Case, events: &[CaseEvent]) -> Result<Versioned<Case>> {
        let work = UnitOfWork::new().insert_case(case.clone(), events.to_vec());
        let committed = self.commit(&work).await?;
        Ok(Versioned {
            value: case.clone(),
            version: committed.case_version(case.id).unwrap_or(1),
        })
    }

    /// Reads a case.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id.
    async fn get_case(&self, id: CaseId) -> Result<Versioned<Case>>;

    /// Reads a case by its number.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown number.
    async fn get_case_by_number(&self, number: CaseNumber) -> Result<Versioned<Case>>;

    /// Replaces a case that is still at version `expected` and appends `events`;
    /// returns the new version (`expected + 1`). A [`commit`](Repository::commit)
    /// of one update.
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] when the stored version is not `expected` (nothing is
    /// written); [`Error::NotFound`] for an unknown case.
    async fn update_case(&self, case: &Case, expected: u64, events: &[CaseEvent]) -> Result<u64> {
        let work = UnitOfWork::new().update_case(case.clone(), expected, events.to_vec());
        let committed = self.commit(&work).await?;
        Ok(committed
            .case_version(case.id)
            .unwrap_or(expected.saturating_add(1)))
    }

    /// One page of the cases matching `query`, in its order.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    async fn list_cases(&self, query: &CaseQuery, page: Page) -> Result<PageOf<Versioned<Case>>>;

    /// Up to `limit` cases matching `query` with ids greater than `after`, in id
    /// order: a cursor for walking every case (the query's order is ignored).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    async fn scan_cases(
        &self,
        query: &CaseQuery,
        after: Option<CaseId>,
        limit: usize,
    ) -> Result<Vec<Versioned<Case>>>;

    /// The events recorded for a case, oldest first.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown case.
    async fn case_events(&self, id: CaseId) -> Result<Vec<CaseEvent>>;

    /// Inserts an account (`expected == None`) or updates it at version `expected`.
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyExists`] on insert of a known id; [`Error::Conflict`] or
    /// [`Error::NotFound`] on update.
    async fn put_account(&self, account: &Account, expected: Option<u64>) -> Result<u64>;

    /// Reads an account (with its entitlements).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id.
    async fn get_account(&self, id: AccountId) -> Result<Versioned<Account>>;

    /// Inserts a contact (`expected == None`) or updates it at version
    /// `expected`; returns the new version. A [`commit`](Repository::commit) of
    /// one contact write ([`UnitOfWork::contact`]), so contacts are unique by
    /// normalised email.
    ///
    /// # Errors
    ///
    /// As [`Repository::put_account`], plus [`Error::AlreadyExists`] (kind
    /// `"contact email"`) when another contact has the email.
    async fn put_contact(&self, contact: &Contact, expected: Option<u64>) -> Result<u64> {
        let committed = self
            .commit(&UnitOfWork::new().contact(contact.clone(), expected))
            .await?;
        Ok(committed
            .contact_version(contact.id)
            .unwrap_or(expected.map_or(1, |v| v.saturating_add(1))))
    }

    /// Reads a contact.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id.
    async fn get_contact(&self, id: ContactId) -> Result<Versioned<Contact>>;

    /// Finds a contact by email address (compared case-insensitively).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    async fn find_contact_by_email(&self, email: &str) -> Result<Option<Versioned<Contact>>>;

    /// Claims the next number of a per-year sequence on its own: 1, 2, 3, ...
    /// with no gaps and no repeats, even under concurrent callers (a claim that
    /// loses a race reads the counter again, up to 1,000 times).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the sequence is exhausted; [`Error::Conflict`]
    /// when it stays contended.
    async fn next_sequence(&self, kind: SequenceKind, year: i32) -> Result<u32> {
        let mut last = Error::Conflict {
            expected: 0,
            actual: 0,
        };
        for _ in 0..1000 {
            let current = self.current_sequence(kind, year).await?;
            let value = current.checked_add(1).ok_or_else(|| Error::Overflow {
                what: format!("{kind:?} sequence of {year}"),
            })?;
            match self
                .commit(&UnitOfWork::new().claim(kind, year, value))
                .await
            {
                Ok(_) => return Ok(value),
                Err(e @ Error::Conflict { .. }) => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// The router's persisted state (agents, queues, rules, loads, waiting cases,
    /// round-robin cursors); `None` until first saved.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    async fn get_router_state(&self) -> Result<Option<Versioned<RouterState>>>;

    /// The stored router document's version (`None` until first saved), so a
    /// desk can reuse the router it decoded last time instead of reading and
    /// rebuilding the whole document. The provided method reads the document;
    /// stores that can read the version alone should override it.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    async fn router_version(&self) -> Result<Option<u64>> {
        Ok(self.get_router_state().await?.map(|r| r.version))
    }

    /// Saves the router state: insert (`expected == None`) or update at version
    /// `expected`; returns the new version. A [`commit`](Repository::commit) of
    /// one router write.
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyExists`] on insert when a state exists; [`Error::Conflict`]
    /// on a stale update (nothing is written); [`Error::NotFound`] on update when
    /// none exists.
    async fn put_router_state(&self, state: &RouterState, expected: Option<u64>) -> Result<u64> {
        let committed = self
            .commit(&UnitOfWork::new().router(state.clone(), expected))
            .await?;
        Ok(committed
            .router_version
            .unwrap_or(expected.map_or(1, |v| v.saturating_add(1))))
    }

    /// Inserts a knowledge article version (`expected == None`) or updates it at
    /// version `expected`. A [`commit`](Repository::commit) of one article write,
    /// so slugs stay with one article number.
    ///
    /// # Errors
    ///
    /// As [`Repository::put_account`], plus [`Error::AlreadyExists`] (kind
    /// `"article slug"`) when an article of another number has the slug.
    async fn put_article(&self, article: &KnowledgeArticle, expected: Option<u64>) -> Result<u64> {
        let id = article.id;
        let committed = self
            .commit(&UnitOfWork::new().article(article.clone(), expected))
            .await?;
        Ok(committed
            .article_versions
            .iter()
            .find(|(a, _)| *a == id)
            .map_or(expected.map_or(1, |v| v.saturating_add(1)), |(_, v)| *v))
    }

    /// Reads a knowledge article version.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id.
    async fn get_article(&self, id: ArticleId) -> Result<Versioned<KnowledgeArticle>>;

    /// Every stored article version, ordered by number then id (to rebuild a
    /// [`KnowledgeBase`](crate::knowledge::KnowledgeBase) at start-up).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    async fn list_articles(&self) -> Result<Vec<Versioned<KnowledgeArticle>>>;

    /// The stored versions of one article number, ordered by id (the desk's
    /// editorial commands read these). The default filters
    /// [`Repository::list_articles`]; stores with an index on the number
    /// override it (the built-in ones do).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    ///
    /// ```
    /// # use hotcrm_support::ids::KnowledgeNumber;
    /// # use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase};
    /// # use hotcrm_support::repo::{MemoryRepository, Repository};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// let repo = MemoryRepository::new();
    /// let mut kb = KnowledgeBase::new();
    /// let id = kb.create(ArticleDraft::new("Reset a password", "Click Forgot password."), "2026-01-05T09:00:00Z".parse().unwrap())?;
    /// let article = kb.article(id)?.clone();
    /// repo.put_article(&article, None).await?;
    /// assert_eq!(repo.article_versions(article.number).await?.len(), 1);
    /// assert!(repo.article_versions(KnowledgeNumber::new(2031, 9)?).await?.is_empty());
    /// # Ok(()) }
    /// ```
    async fn article_versions(
        &self,
        number: crate::ids::KnowledgeNumber,
    ) -> Result<Vec<Versioned<KnowledgeArticle>>> {
        let mut versions: Vec<_> = self
            .list_articles()
            .await?
            .into_iter()
            .filter(|a| a.value.number == number)
            .collect();
        versions.sort_by_key(|a| a.value.id);
        Ok(versions)
    }

    /// Saves (or replaces, by owner and name) a saved search.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    async fn save_search(&self, search: &SavedSearch) -> Result<()>;

    /// The saved searches of an owner, by name.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    async fn saved_searches(&self, owner: crate::ids::AgentId) -> Result<Vec<SavedSearch>>;

    /// The portal record of `kind` with `id` (written through
    /// [`UnitOfWork::portal`] and [`Repository::commit`]).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] naming the kind ([`PortalKind::name`]);
    /// [`Error::Storage`] when the store fails.
    async fn get_portal_record(
        &self,
        kind: PortalKind,
        id: uuid::Uuid,
    ) -> Result<Versioned<PortalRecord>>;

    /// Every portal record of `kind`, in id order; with `parent`, only those
    /// listed under it ([`PortalRecord::parent`]: a contact's users, a topic's posts).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the store fails.
    async fn portal_records(
        &self,
        kind: PortalKind,
        parent: Option<uuid::Uuid>,
    ) -> Result<Vec<Versioned<PortalRecord>>>;
}

/// Forwards every method to the pointee, for `Arc<T>` and `Box<T>`.
macro_rules! forward_repository {
    ($($ptr:ident),+) => {$(
        #[async_trait]
        impl<T: Repository + ?Sized> Repository for $ptr<T> {
            async fn commit(&self, work: &UnitOfWork) -> Result<Committed> {
                (**self).commit(work).await
            }
            async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>> {
                (**self).events_after(after, limit).await
            }
            async fn current_sequence(&self, kind: SequenceKind, year: i32) -> Result<u32> {
                (**self).current_sequence(kind, year).await
            }
            async fn lease_sequences(&self) -> Result<Option<SequenceLease>> {
                (**self).lease_sequences().await
            }
            fn moves_numbers(&self) -> bool {
                (**self).moves_numbers()
            }
            async fn insert_case(&self, case: &Case, events: &[CaseEvent]) -> Result<Versioned<Case>> {
                (**self).insert_case(case, events).await
            }
            async fn get_case(&self, id: CaseId) -> Result<Versioned<Case>> {
                (**self).get_case(id).await
            }
            async fn get_case_by_number(&self, number: CaseNumber) -> Result<Versioned<Case>> {
                (**self).get_case_by_number(number).await
            }
            async fn update_case(&self, case: &Case, expected: u64, events: &[CaseEvent]) -> Result<u64> {
                (**self).update_case(case, expected, events).await
            }
            async fn list_cases(&self, query: &CaseQuery, page: Page) -> Result<PageOf<Versioned<Case>>> {
                (**self).list_cases(query, page).await
            }
            async fn scan_cases(&self, query: &CaseQuery, after: Option<CaseId>, limit: usize) -> Result<Vec<Versioned<Case>>> {
                (**self).scan_cases(query, after, limit).await
            }
            async fn case_events(&self, id: CaseId) -> Result<Vec<CaseEvent>> {
                (**self).case_events(id).await
            }
            async fn put_account(&self, account: &Account, expected: Option<u64>) -> Result<u64> {
                (**self).put_account(account, expected).await
            }
            async fn get_account(&self, id: AccountId) -> Result<Versioned<Account>> {
                (**self).get_account(id).await
            }
            async fn put_contact(&self, contact: &Contact, expected: Option<u64>) -> Result<u64> {
                (**self).put_contact(contact, expected).await
            }
            async fn get_contact(&self, id: ContactId) -> Result<Versioned<Contact>> {
                (**self).get_contact(id).await
            }
            async fn find_contact_by_email(&self, email: &str) -> Result<Option<Versioned<Contact>>> {
                (**self).find_contact_by_email(email).await
            }
            async fn next_sequence(&self, kind: SequenceKind, year: i32) -> Result<u32> {
                (**self).next_sequence(kind, year).await
            }
            async fn save_search(&self, search: &SavedSearch) -> Result<()> {
                (**self).save_search(search).await
            }
            async fn router_version(&self) -> Result<Option<u64>> {
                (**self).router_version().await
            }
            async fn get_router_state(&self) -> Result<Option<Versioned<RouterState>>> {
                (**self).get_router_state().await
            }
            async fn put_router_state(&self, state: &RouterState, expected: Option<u64>) -> Result<u64> {
                (**self).put_router_state(state, expected).await
            }
            async fn put_article(&self, article: &KnowledgeArticle, expected: Option<u64>) -> Result<u64> {
                (**self).put_article(article, expected).await
            }
            async fn get_article(&self, id: ArticleId) -> Result<Versioned<KnowledgeArticle>> {
                (**self).get_article(id).await
            }
            async fn list_articles(&self) -> Result<Vec<Versioned<KnowledgeArticle>>> {
                (**self).list_articles().await
            }
            async fn article_versions(&self, number: crate::ids::KnowledgeNumber) -> Result<Vec<Versioned<KnowledgeArticle>>> {
                (**self).article_versions(number).await
            }
            async fn get_portal_record(&self, kind: PortalKind, id: uuid::Uuid) -> Result<Versioned<PortalRecord>> {
                (**self).get_portal_record(kind, id).await
            }
            async fn portal_records(&self, kind: PortalKind, parent: Option<uuid::Uuid>) -> Result<Vec<Versioned<PortalRecord>>> {
                (**self).portal_records(kind, parent).await
            }
            async fn saved_searches(&self, owner: crate::ids::AgentId) -> Result<Vec<SavedSearch>> {
                (**self).saved_searches(owner).await
            }
        }
    )+};
}

forward_repository!(Arc, Box);

/// Builds the conflict error for a stale version.
pub(crate) fn conflict(expected: u64, actual: u64) -> Error {
    Error::Conflict { expected, actual }
}
