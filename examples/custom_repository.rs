//! A host's own storage behind `Repository`, checked by the conformance suite.
//!
//! `KvRepository` stores every record as a JSON document in a key-value map, the
//! way a host would over Redis, DynamoDB or a `jsonb` table: `key -> (version,
//! json)`. It implements the whole [`Repository`] contract (one atomic commit per
//! unit of work with optimistic versions, sequence claims and a gap-free event
//! feed, list queries) and then runs
//! `hotcrm_support::repo::conformance::run_all` against itself — the same suite the
//! crate runs against `MemoryRepository`.
//!
//! ```text
//! cargo run --example custom_repository --features conformance
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use hotcrm_support::case::{Case, CaseEvent, CaseQuery, Page, PageOf};
use hotcrm_support::ids::{
    AccountId, AgentId, ArticleId, CaseId, CaseNumber, ContactId, KnowledgeNumber,
};
use hotcrm_support::knowledge::KnowledgeArticle;
use hotcrm_support::repo::{
    Account, Committed, Contact, FeedEntry, PortalKind, PortalRecord, Repository, SavedSearch,
    SequenceKind, UnitOfWork, Versioned, conformance,
};
use hotcrm_support::routing::RouterState;
use hotcrm_support::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// Documents by key: `(version, json)`.
#[derive(Default)]
struct KvRepository {
    docs: Mutex<BTreeMap<String, (u64, String)>>,
}

fn encode<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(Error::storage)
}

fn decode<T: DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(Error::storage)
}

impl KvRepository {
    fn get<T: DeserializeOwned>(
        &self,
        key: &str,
        kind: &'static str,
        id: impl ToString,
    ) -> Result<Versioned<T>> {
        let docs = self.docs.lock().unwrap();
        let (version, json) = docs.get(key).ok_or(Error::NotFound {
            kind,
            id: id.to_string(),
        })?;
        Ok(Versioned {
            value: decode(json)?,
            version: *version,
        })
    }

    /// Insert (`expected == None`) or compare-and-set update of one document.
    fn put<T: Serialize>(
        &self,
        key: String,
        kind: &'static str,
        value: &T,
        expected: Option<u64>,
    ) -> Result<u64> {
        let json = encode(value)?;
        let mut docs = self.docs.lock().unwrap();
        match (docs.get(&key).map(|d| d.0), expected) {
            (Some(_), None) => Err(Error::AlreadyExists { kind, key }),
            (None, Some(_)) => Err(Error::NotFound { kind, id: key }),
            (None, None) => {
                docs.insert(key, (1, json));
                Ok(1)
            }
            (Some(actual), Some(expected)) if actual != expected => {
                Err(Error::Conflict { expected, actual })
            }
            (Some(actual), Some(_)) => {
                docs.insert(key, (actual + 1, json));
                Ok(actual + 1)
            }
        }
    }

    fn all<T: DeserializeOwned>(&self, prefix: &str) -> Result<Vec<Versioned<T>>> {
        let docs = self.docs.lock().unwrap();
        docs.range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(_, (version, json))| {
                Ok(Versioned {
                    value: decode(json)?,
                    version: *version,
                })
            })
            .collect()
    }
}

/// The new version of a document write: insert (`expected == None`) or
/// compare-and-set update.
fn check_version(
    stored: Option<u64>,
    expected: Option<u64>,
    kind: &'static str,
    key: &str,
) -> Result<u64> {
    match (stored, expected) {
        (Some(_), None) => Err(Error::AlreadyExists {
            kind,
            key: key.to_string(),
        }),
        (None, Some(_)) => Err(Error::NotFound {
            kind,
            id: key.to_string(),
        }),
        (None, None) => Ok(1),
        (Some(actual), Some(expected)) if actual != expected => {
            Err(Error::Conflict { expected, actual })
        }
        (Some(actual), Some(_)) => Ok(actual + 1),
    }
}

#[async_trait]
impl Repository for KvRepository {
    async fn commit(&self, work: &UnitOfWork) -> Result<Committed> {
        let mut docs = self.docs.lock().unwrap();
        // Decide every write against the stored documents first, into `staged`;
        // only when all preconditions hold is `staged` applied. One lock: atomic.
        let mut staged: BTreeMap<String, (u64, String)> = BTreeMap::new();
        let mut committed = Committed::default();
        let mut head = docs.get("feed-head").map_or(0, |d| d.0);
        let read = |staged: &BTreeMap<String, (u64, String)>, key: &str| {
            staged.get(key).or_else(|| docs.get(key)).cloned()
        };
        for write in &work.cases {
            let case = write.case();
            let key = format!("case/{}", case.id);
            if staged.contains_key(&key) {
                return Err(Error::validation(
                    "unit of work",
                    format!("case {} is written twice", case.id),
                ));
            }
            let version = match (read(&staged, &key), write.expected()) {
                (Some(_), None) => return Err(Error::AlreadyExists { kind: "case", key }),
                (None, Some(_)) => {
                    return Err(Error::NotFound {
                        kind: "case",
                        id: case.id.to_string(),
                    });
                }
                (None, None) => {
                    let number_key = format!("case-number/{}", case.number);
                    if read(&staged, &number_key).is_some() {
                        return Err(Error::AlreadyExists {
                            kind: "case number",
                            key: number_key,
                        });
                    }
                    staged.insert(number_key, (1, encode(&case.id)?));
                    1
                }
                (Some((actual, _)), Some(expected)) if actual != expected => {
                    return Err(Error::Conflict { expected, actual });
                }
                (Some((actual, old)), Some(_)) => {
                    if decode::<Case>(&old)?.number != case.number {
                        return Err(Error::validation(
                            "case",
                            "the case number of a stored case cannot change",
                        ));
                    }
                    actual + 1
                }
            };
            staged.insert(key, (version, encode(case)?));
            let events_key = format!("events/{}", case.id);
            let mut log: Vec<CaseEvent> = read(&staged, &events_key)
                .map(|(_, j)| decode(&j))
                .transpose()?
                .unwrap_or_default();
            for event in write.events() {
                head += 1;
                committed.first_position.get_or_insert(head);
                let entry = FeedEntry {
                    position: head,
                    case: case.id,
                    event: event.clone(),
                };
                staged.insert(format!("feed/{head:020}"), (1, encode(&entry)?));
                log.push(event.clone());
            }
            staged.insert(events_key, (1, encode(&log)?));
            committed.case_versions.push((case.id, version));
        }
        staged.insert("feed-head".into(), (head, String::new()));
        if let Some(router) = &work.router {
            let version = check_version(
                read(&staged, "router").map(|d| d.0),
                router.expected,
                "router state",
                "router",
            )?;
            staged.insert("router".into(), (version, encode(&router.value)?));
            committed.router_version = Some(version);
        }
        for article in &work.articles {
            let key = format!("article/{}", article.value.id);
            let version = check_version(
                read(&staged, &key).map(|d| d.0),
                article.expected,
                "article",
                &key,
            )?;
            // Slugs belong to one article number (its versions share it): an
            // index document per slug names the number holding it.
            let slug = &article.value.slug;
            let slug_key = format!("article-slug/{slug}");
            if let Some((_, holder)) = read(&staged, &slug_key) {
                if decode::<KnowledgeNumber>(&holder)? != article.value.number {
                    return Err(Error::AlreadyExists {
                        kind: "article slug",
                        key: slug.clone(),
                    });
                }
            }
            staged.insert(slug_key, (1, encode(&article.value.number)?));
            staged.insert(key, (version, encode(&article.value)?));
            committed.article_versions.push((article.value.id, version));
        }
        for write in &work.portal {
            let record = &write.value;
            let key = format!("portal/{}/{}", record.kind().tag(), record.id());
            if staged.contains_key(&key) {
                return Err(Error::validation(
                    "unit of work",
                    format!("{key} is written twice"),
                ));
            }
            let version = check_version(
                read(&staged, &key).map(|d| d.0),
                write.expected,
                record.kind().name(),
                &key,
            )?;
            staged.insert(key, (version, encode(record)?));
            committed
                .portal_versions
                .push((record.kind(), record.id(), version));
        }
        for write in &work.contacts {
            let contact = &write.value;
            let key = format!("contact/{}", contact.id);
            if staged.contains_key(&key) {
                return Err(Error::validation(
                    "unit of work",
                    format!("{key} is written twice"),
                ));
            }
            let stored = read(&staged, &key);
            let version = check_version(
                stored.as_ref().map(|d| d.0),
                write.expected,
                "contact",
                &key,
            )?;
            // Contacts are unique by email (trimmed, ASCII lowercased): an
            // index document per email names its holder ("" once released).
            let email = contact.email.trim().to_ascii_lowercase();
            let email_key = format!("contact-email/{email}");
            if let Some((_, holder)) = read(&staged, &email_key) {
                if !holder.is_empty() && decode::<ContactId>(&holder)? != contact.id {
                    return Err(Error::AlreadyExists {
                        kind: "contact email",
                        key: email,
                    });
                }
            }
            if let Some((_, old)) = stored {
                let old = decode::<Contact>(&old)?.email.trim().to_ascii_lowercase();
                if old != email {
                    staged.insert(format!("contact-email/{old}"), (1, String::new()));
                }
            }
            staged.insert(email_key, (1, encode(&contact.id)?));
            staged.insert(key, (version, encode(contact)?));
            committed.contact_versions.push((contact.id, version));
        }
        for claim in &work.sequences {
            let key = format!("sequence/{:?}/{}", claim.kind, claim.year);
            let current = read(&staged, &key).map_or(0, |d| d.0);
            if u64::from(claim.value) != current + 1 {
                return Err(Error::Conflict {
                    expected: u64::from(claim.value) - 1,
                    actual: current,
                });
            }
            staged.insert(key, (current + 1, String::new()));
        }
        docs.extend(staged);
        Ok(committed)
    }

    async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>> {
        let docs = self.docs.lock().unwrap();
        docs.range(format!("feed/{:020}", after + 1)..)
            .take_while(|(k, _)| k.starts_with("feed/"))
            .take(limit)
            .map(|(_, (_, json))| decode(json))
            .collect()
    }

    async fn current_sequence(&self, kind: SequenceKind, year: i32) -> Result<u32> {
        let docs = self.docs.lock().unwrap();
        let stored = docs
            .get(&format!("sequence/{kind:?}/{year}"))
            .map_or(0, |d| d.0);
        u32::try_from(stored).map_err(|_| Error::Overflow {
            what: format!("{kind:?} sequence of {year}"),
        })
    }

    async fn get_case(&self, id: CaseId) -> Result<Versioned<Case>> {
        self.get(&format!("case/{id}"), "case", id)
    }

    async fn get_case_by_number(&self, number: CaseNumber) -> Result<Versioned<Case>> {
        let id: CaseId = self
            .get(&format!("case-number/{number}"), "case", number)?
            .value;
        self.get_case(id).await
    }

    async fn list_cases(&self, query: &CaseQuery, page: Page) -> Result<PageOf<Versioned<Case>>> {
        let mut all: Vec<Versioned<Case>> = self.all("case/")?;
        all.retain(|c| query.matches(&c.value));
        all.sort_by(|a, b| query.order.compare(&a.value, &b.value));
        Ok(PageOf::from_sorted(all, page))
    }

    async fn scan_cases(
        &self,
        query: &CaseQuery,
        after: Option<CaseId>,
        limit: usize,
    ) -> Result<Vec<Versioned<Case>>> {
        let mut all: Vec<Versioned<Case>> = self.all("case/")?;
        all.retain(|c| query.matches(&c.value) && after.is_none_or(|a| c.value.id > a));
        all.sort_by_key(|c| c.value.id);
        all.truncate(limit);
        Ok(all)
    }

    async fn case_events(&self, id: CaseId) -> Result<Vec<CaseEvent>> {
        Ok(self.get(&format!("events/{id}"), "case", id)?.value)
    }

    async fn put_account(&self, account: &Account, expected: Option<u64>) -> Result<u64> {
        self.put(
            format!("account/{}", account.id),
            "account",
            account,
            expected,
        )
    }

    async fn get_account(&self, id: AccountId) -> Result<Versioned<Account>> {
        self.get(&format!("account/{id}"), "account", id)
    }

    async fn get_contact(&self, id: ContactId) -> Result<Versioned<Contact>> {
        self.get(&format!("contact/{id}"), "contact", id)
    }

    async fn find_contact_by_email(&self, email: &str) -> Result<Option<Versioned<Contact>>> {
        let key = format!("contact-email/{}", email.trim().to_ascii_lowercase());
        let holder = self.docs.lock().unwrap().get(&key).map(|d| d.1.clone());
        match holder {
            Some(id) if !id.is_empty() => {
                let id: ContactId = decode(&id)?;
                Ok(Some(self.get(&format!("contact/{id}"), "contact", id)?))
            }
            _ => Ok(None),
        }
    }

    async fn get_router_state(&self) -> Result<Option<Versioned<RouterState>>> {
        match self.get("router", "router state", "router") {
            Ok(v) => Ok(Some(v)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn get_article(&self, id: ArticleId) -> Result<Versioned<KnowledgeArticle>> {
        self.get(&format!("article/{id}"), "article", id)
    }

    async fn list_articles(&self) -> Result<Vec<Versioned<KnowledgeArticle>>> {
        let mut all: Vec<Versioned<KnowledgeArticle>> = self.all("article/")?;
        all.sort_by_key(|a| (a.value.number, a.value.id));
        Ok(all)
    }

    async fn get_portal_record(
        &self,
        kind: PortalKind,
        id: Uuid,
    ) -> Result<Versioned<PortalRecord>> {
        self.get(&format!("portal/{}/{id}", kind.tag()), kind.name(), id)
    }

    async fn portal_records(
        &self,
        kind: PortalKind,
        parent: Option<Uuid>,
    ) -> Result<Vec<Versioned<PortalRecord>>> {
        let all: Vec<Versioned<PortalRecord>> = self.all(&format!("portal/{}/", kind.tag()))?;
        Ok(all
            .into_iter()
            .filter(|r| parent.is_none_or(|p| r.value.parent() == Some(p)))
            .collect())
    }

    async fn save_search(&self, search: &SavedSearch) -> Result<()> {
        if search.name.trim().is_empty() {
            return Err(Error::validation("saved search name", "must not be empty"));
        }
        let key = format!("search/{}/{}", search.owner, search.name);
        self.docs.lock().unwrap().insert(key, (1, encode(search)?));
        Ok(())
    }

    async fn saved_searches(&self, owner: AgentId) -> Result<Vec<SavedSearch>> {
        let all: Vec<Versioned<SavedSearch>> = self.all(&format!("search/{owner}/"))?;
        Ok(all.into_iter().map(|s| s.value).collect())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let repo = KvRepository::default();
    conformance::run_all(&repo).await;
    let docs = repo.docs.lock().unwrap().len();
    println!(
        "KvRepository passed the hotcrm-support repository conformance suite ({docs} documents written)."
    );
}
