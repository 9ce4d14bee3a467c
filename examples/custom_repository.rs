//! A host's own storage behind `Repository`, checked by the conformance suite.
//!
//! `KvRepository` stores every record as a JSON document in a key-value map, the
//! way a host would over Redis, DynamoDB or a `jsonb` table: `key -> (version,
//! json)`. It implements the whole [`Repository`] contract (optimistic versions,
//! atomic case + events commits, gap-free sequences, list queries) and then runs
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
use hotcrm_support::ids::{AccountId, AgentId, ArticleId, CaseId, CaseNumber, ContactId};
use hotcrm_support::knowledge::KnowledgeArticle;
use hotcrm_support::repo::{
    Account, Contact, Repository, SavedSearch, SequenceKind, Versioned, conformance,
};
use hotcrm_support::routing::RouterState;
use hotcrm_support::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

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

#[async_trait]
impl Repository for KvRepository {
    async fn insert_case(&self, case: &Case, events: &[CaseEvent]) -> Result<Versioned<Case>> {
        let (case_json, events_json) = (encode(case)?, encode(&events)?);
        let mut docs = self.docs.lock().unwrap();
        let (key, number_key) = (
            format!("case/{}", case.id),
            format!("case-number/{}", case.number),
        );
        if docs.contains_key(&key) {
            return Err(Error::AlreadyExists { kind: "case", key });
        }
        if docs.contains_key(&number_key) {
            return Err(Error::AlreadyExists {
                kind: "case number",
                key: number_key,
            });
        }
        // One lock, three documents: the commit is atomic.
        docs.insert(key, (1, case_json));
        docs.insert(number_key, (1, encode(&case.id)?));
        docs.insert(format!("events/{}", case.id), (1, events_json));
        Ok(Versioned {
            value: case.clone(),
            version: 1,
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

    async fn update_case(&self, case: &Case, expected: u64, events: &[CaseEvent]) -> Result<u64> {
        let case_json = encode(case)?;
        let mut docs = self.docs.lock().unwrap();
        let key = format!("case/{}", case.id);
        let (actual, old) = docs.get(&key).cloned().ok_or(Error::NotFound {
            kind: "case",
            id: case.id.to_string(),
        })?;
        if actual != expected {
            return Err(Error::Conflict { expected, actual });
        }
        if decode::<Case>(&old)?.number != case.number {
            return Err(Error::validation(
                "case",
                "the case number of a stored case cannot change",
            ));
        }
        let events_key = format!("events/{}", case.id);
        let mut log: Vec<CaseEvent> = docs
            .get(&events_key)
            .map(|(_, j)| decode(j))
            .transpose()?
            .unwrap_or_default();
        log.extend_from_slice(events);
        docs.insert(events_key, (1, encode(&log)?));
        docs.insert(key, (actual + 1, case_json));
        Ok(actual + 1)
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

    async fn put_contact(&self, contact: &Contact, expected: Option<u64>) -> Result<u64> {
        self.put(
            format!("contact/{}", contact.id),
            "contact",
            contact,
            expected,
        )
    }

    async fn get_contact(&self, id: ContactId) -> Result<Versioned<Contact>> {
        self.get(&format!("contact/{id}"), "contact", id)
    }

    async fn find_contact_by_email(&self, email: &str) -> Result<Option<Versioned<Contact>>> {
        let all: Vec<Versioned<Contact>> = self.all("contact/")?;
        Ok(all
            .into_iter()
            .find(|c| c.value.email.eq_ignore_ascii_case(email.trim())))
    }

    async fn next_sequence(&self, kind: SequenceKind, year: i32) -> Result<u32> {
        let mut docs = self.docs.lock().unwrap();
        let key = format!("sequence/{kind:?}/{year}");
        let next = docs.get(&key).map(|(v, _)| *v).unwrap_or(0) + 1;
        let next32 = u32::try_from(next).map_err(|_| Error::Overflow { what: key.clone() })?;
        docs.insert(key, (next, String::new()));
        Ok(next32)
    }

    async fn get_router_state(&self) -> Result<Option<Versioned<RouterState>>> {
        match self.get("router", "router state", "router") {
            Ok(v) => Ok(Some(v)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn put_router_state(&self, state: &RouterState, expected: Option<u64>) -> Result<u64> {
        self.put("router".into(), "router state", state, expected)
    }

    async fn put_article(&self, article: &KnowledgeArticle, expected: Option<u64>) -> Result<u64> {
        self.put(
            format!("article/{}", article.id),
            "article",
            article,
            expected,
        )
    }

    async fn get_article(&self, id: ArticleId) -> Result<Versioned<KnowledgeArticle>> {
        self.get(&format!("article/{id}"), "article", id)
    }

    async fn list_articles(&self) -> Result<Vec<Versioned<KnowledgeArticle>>> {
        let mut all: Vec<Versioned<KnowledgeArticle>> = self.all("article/")?;
        all.sort_by_key(|a| (a.value.number, a.value.id));
        Ok(all)
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
