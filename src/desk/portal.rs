//! Customer-portal self-service through the desk: every call checks the
//! portal user's permission and account boundary, and returns the
//! customer-facing [`PortalCaseView`] only.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CaseRequest, SupportDesk};
use crate::case::{
    Author, CaseCommand, CaseQuery, CaseType, NewComment, Origin, Page, PageOf, Priority,
    Resolution,
};
use crate::error::{Error, Result};
use crate::ids::{CaseId, CommentId, ProductId};
use crate::knowledge::{SearchHit, SearchQuery};
use crate::period::Period;
use crate::portal::{Permission, PermissionTable, PortalCaseView, PortalUser};

/// How the desk serves the customer portal.
///
/// ```
/// use hotcrm_support::desk::PortalConfig;
/// let config = PortalConfig::default();
/// assert_eq!(config.deflection_articles, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortalConfig {
    /// What each tier may do.
    pub permissions: PermissionTable,
    /// How many articles a deflection offer shows (default 3).
    pub deflection_articles: usize,
    /// How many deflection offers the desk remembers for its report (default
    /// 10,000; the oldest are dropped first). Offers are kept in memory, per
    /// process.
    pub max_deflections: usize,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            permissions: PermissionTable::default(),
            deflection_articles: 3,
            max_deflections: 10_000,
        }
    }
}

/// How the desk runs the community.
///
/// ```
/// use hotcrm_support::desk::CommunityConfig;
/// assert_eq!(CommunityConfig::default().moderation.flags_to_hide, 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommunityConfig {
    /// How members earn trust levels.
    pub trust: crate::portal::TrustRules,
    /// What holds, refuses or hides posts.
    pub moderation: crate::portal::ModerationRules,
}

/// Identifies a deflection offer ([`SupportDesk::portal_suggest`]).
///
/// ```
/// use hotcrm_support::desk::DeflectionId;
/// assert_eq!(DeflectionId::from_u64(3).get(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DeflectionId(u64);

impl DeflectionId {
    /// The id with this number.
    pub const fn from_u64(n: u64) -> DeflectionId {
        DeflectionId(n)
    }

    /// Its number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// The articles offered before a portal case is submitted.
///
/// ```
/// use hotcrm_support::desk::{Deflection, DeflectionId};
/// let d = Deflection { id: DeflectionId::from_u64(1), articles: vec![] };
/// assert!(d.articles.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Deflection {
    /// Pass it to [`PortalCaseRequest::after_offer`] when the user submits anyway.
    pub id: DeflectionId,
    /// The top articles the user may see, best first.
    pub articles: Vec<SearchHit>,
}

/// One remembered offer.
#[derive(Debug, Clone)]
struct Offer {
    id: DeflectionId,
    at: DateTime<Utc>,
    shown: usize,
    submitted: bool,
}

/// The desk's bounded deflection log.
#[derive(Debug, Default)]
pub(super) struct PortalState {
    next: u64,
    offers: VecDeque<Offer>,
}

/// How well articles deflected portal cases over a period.
///
/// ```
/// use hotcrm_support::desk::DeflectionReport;
/// let r = DeflectionReport::default();
/// assert_eq!(r.deflection_rate(), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeflectionReport {
    /// Offers that showed at least one article.
    pub offers: u64,
    /// Of those, how many were followed by a submitted case.
    pub submitted: u64,
    /// Offers that showed no article (the knowledge base had nothing).
    pub empty_offers: u64,
}

impl DeflectionReport {
    /// Offers with articles not followed by a case.
    pub fn deflected(&self) -> u64 {
        self.offers.saturating_sub(self.submitted)
    }

    /// `deflected / offers`, when there were offers.
    pub fn deflection_rate(&self) -> Option<f64> {
        (self.offers > 0).then(|| self.deflected() as f64 / self.offers as f64)
    }
}

/// A case submitted through the portal. The account and contact come from the
/// portal user; origin is Web.
///
/// ```
/// use hotcrm_support::case::Priority;
/// use hotcrm_support::desk::PortalCaseRequest;
/// let req = PortalCaseRequest::new("Export fails", "The CSV export stops at 80%.").priority(Priority::High);
/// assert_eq!(req.priority, Some(Priority::High));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortalCaseRequest {
    /// The id the portal chose (makes a double submit a no-op).
    pub id: Option<CaseId>,
    /// Subject.
    pub subject: String,
    /// Description.
    pub description: String,
    /// The priority the user chose; must be allowed for the tier.
    pub priority: Option<Priority>,
    /// The type the user chose.
    pub case_type: Option<CaseType>,
    /// The product.
    pub product: Option<ProductId>,
    /// The deflection offer the user saw before submitting.
    pub offer: Option<DeflectionId>,
}

impl PortalCaseRequest {
    /// A request with the two required texts.
    pub fn new(subject: impl Into<String>, description: impl Into<String>) -> PortalCaseRequest {
        PortalCaseRequest {
            id: None,
            subject: subject.into(),
            description: description.into(),
            priority: None,
            case_type: None,
            product: None,
            offer: None,
        }
    }

    /// Sets the case id.
    pub fn id(mut self, id: CaseId) -> PortalCaseRequest {
        self.id = Some(id);
        self
    }

    /// Sets the priority.
    pub fn priority(mut self, priority: Priority) -> PortalCaseRequest {
        self.priority = Some(priority);
        self
    }

    /// Sets the type.
    pub fn case_type(mut self, case_type: CaseType) -> PortalCaseRequest {
        self.case_type = Some(case_type);
        self
    }

    /// Sets the product.
    pub fn product(mut self, product: ProductId) -> PortalCaseRequest {
        self.product = Some(product);
        self
    }

    /// Records that the user submitted after seeing `offer`.
    pub fn after_offer(mut self, offer: DeflectionId) -> PortalCaseRequest {
        self.offer = Some(offer);
        self
    }
}

/// The resolution text of an open case its reporter closes in the portal.
pub const CLOSED_BY_CUSTOMER: &str = "Closed by the customer in the portal";

/// How many of a user's account cases one listing walks at most per page of
/// the repository scan.
const SCAN_BATCH: usize = 500;

impl SupportDesk {
    fn permissions(&self) -> &PermissionTable {
        &self.config.portal.permissions
    }

    /// Offers the top articles `user` may see for `subject` before a case is
    /// submitted, and remembers the offer for [`SupportDesk::deflection_report`].
    ///
    /// # Errors
    ///
    /// [`Error::Forbidden`] when the user may not submit cases;
    /// [`Error::Validation`] for a blank subject.
    ///
    /// ```
    /// # use hotcrm_support::desk::SupportDesk;
    /// # use hotcrm_support::ids::*; use hotcrm_support::knowledge::PortalTier;
    /// # use hotcrm_support::repo::MemoryRepository;
    /// use hotcrm_support::portal::PortalUser;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// let user = PortalUser::new(PortalUserId::from_u128(1), ContactId::from_u128(2), AccountId::from_u128(3), PortalTier::Basic, "2026-01-05T09:00:00Z".parse()?).activated();
    /// let offer = desk.portal_suggest(&user, "export to csv").await?;
    /// assert!(offer.articles.is_empty()); // an empty knowledge base
    /// let all = hotcrm_support::period::Period::new("2000-01-01T00:00:00Z".parse()?, "2100-01-01T00:00:00Z".parse()?)?;
    /// assert_eq!(desk.deflection_report(all).empty_offers, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn portal_suggest(&self, user: &PortalUser, subject: &str) -> Result<Deflection> {
        user.require(
            Permission::SubmitCases,
            self.permissions(),
            "portal_suggest",
        )?;
        if subject.trim().is_empty() {
            return Err(Error::validation("subject", "must not be blank"));
        }
        let viewer = user.viewer(self.permissions());
        let query = SearchQuery::new(subject).limit(self.config.portal.deflection_articles);
        let found = self.search_knowledge(&query, &viewer).await;
        let now = self.clock.now();
        let mut state = self.portal_state();
        state.next = state.next.saturating_add(1);
        let id = DeflectionId(state.next);
        let excess = (state.offers.len() + 1).saturating_sub(self.config.portal.max_deflections);
        let excess = excess.min(state.offers.len());
        state.offers.drain(..excess);
        if self.config.portal.max_deflections > 0 {
            state.offers.push_back(Offer {
                id,
                at: now,
                shown: found.results.hits.len(),
                submitted: false,
            });
        }
        Ok(Deflection {
            id,
            articles: found.results.hits,
        })
    }

    fn portal_state(&self) -> std::sync::MutexGuard<'_, PortalState> {
        self.portal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Offers made in `period` (by the desk clock) and whether a case followed.
    pub fn deflection_report(&self, period: Period) -> DeflectionReport {
        let state = self.portal_state();
        let mut report = DeflectionReport::default();
        for offer in state.offers.iter().filter(|o| period.contains(o.at)) {
            if offer.shown == 0 {
                report.empty_offers += 1;
            } else {
                report.offers += 1;
                report.submitted += u64::from(offer.submitted);
            }
        }
        report
    }

    /// Submits a case for `user`: its account and contact, origin Web, with
    /// the priority the tier allows. Runs exactly as
    /// [`SupportDesk::create_case`] (AI, routing, SLA, one commit; a repeated
    /// id is a no-op) and returns what the user may see.
    ///
    /// # Errors
    ///
    /// [`Error::Forbidden`] when the user is not active, its tier may not
    /// submit cases or choose that priority; as
    /// [`SupportDesk::create_case`] otherwise (the contact must exist and
    /// belong to the user's account).
    ///
    /// ```
    /// # use hotcrm_support::desk::{PortalCaseRequest, SupportDesk};
    /// # use hotcrm_support::ids::*; use hotcrm_support::knowledge::PortalTier;
    /// # use hotcrm_support::repo::{Account, Contact, MemoryRepository, Repository};
    /// use hotcrm_support::case::Priority;
    /// use hotcrm_support::portal::PortalUser;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let repo = MemoryRepository::new();
    /// repo.put_account(&Account::new(AccountId::from_u128(3), "Acme"), None).await?;
    /// repo.put_contact(&Contact::new(ContactId::from_u128(2), AccountId::from_u128(3), "Ann", "ann@acme.test"), None).await?;
    /// let desk = SupportDesk::builder(repo).build();
    /// let user = PortalUser::new(PortalUserId::from_u128(1), ContactId::from_u128(2), AccountId::from_u128(3), PortalTier::Basic, "2026-01-05T09:00:00Z".parse()?).activated();
    /// let critical = PortalCaseRequest::new("Down", "Everything is down").priority(Priority::Critical);
    /// assert!(desk.portal_submit_case(&user, critical).await.is_err()); // Basic: Low and Medium only
    /// let view = desk.portal_submit_case(&user, PortalCaseRequest::new("Export fails", "CSV stops at 80%")).await?;
    /// assert!(view.reported_by_you);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn portal_submit_case(
        &self,
        user: &PortalUser,
        request: PortalCaseRequest,
    ) -> Result<PortalCaseView> {
        let table = self.permissions();
        user.require(Permission::SubmitCases, table, "portal_submit_case")?;
        if let Some(priority) = request.priority {
            if !table.allows_priority(user.tier, priority) {
                return Err(Error::Forbidden {
                    action: "portal_submit_case",
                    reason: format!("{} tier may not choose {priority} priority", user.tier),
                });
            }
        }
        let mut case = CaseRequest::new(user.account, request.subject, request.description)
            .contact(user.contact)
            .origin(Origin::Web);
        case.id = request.id;
        case.priority = request.priority;
        case.case_type = request.case_type;
        case.product = request.product;
        let outcome = self.create_case(case).await?;
        if let Some(offer) = request.offer {
            let mut state = self.portal_state();
            if let Some(o) = state.offers.iter_mut().find(|o| o.id == offer) {
                o.submitted = true;
            }
        }
        Ok(PortalCaseView::of(&outcome.case.value, user))
    }

    /// The cases `user` may read, newest first: its own, or every case of its
    /// account with [`Permission::ViewAccountCases`] (or the account-admin
    /// flag). The account's cases are walked in batches; fine for the
    /// hundreds-to-thousands of cases an account has.
    ///
    /// # Errors
    ///
    /// [`Error::Forbidden`] when the user may not view cases.
    pub async fn portal_cases(
        &self,
        user: &PortalUser,
        page: Page,
    ) -> Result<PageOf<PortalCaseView>> {
        let table = self.permissions();
        if !user.may(Permission::ViewAccountCases, table) {
            user.require(Permission::ViewOwnCases, table, "portal_cases")?;
        }
        let query = CaseQuery {
            account: Some(user.account),
            ..CaseQuery::default()
        };
        let mut visible = Vec::new();
        let mut after = None;
        loop {
            let batch = self.repo.scan_cases(&query, after, SCAN_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.value.id);
            let done = batch.len() < SCAN_BATCH;
            visible.extend(
                batch
                    .into_iter()
                    .filter(|c| user.can_view(&c.value, table))
                    .map(|c| c.value),
            );
            if done {
                break;
            }
        }
        visible.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        let views = visible
            .iter()
            .map(|c| PortalCaseView::of(c, user))
            .collect();
        Ok(PageOf::from_sorted(views, page))
    }

    /// One case as `user` sees it. A case the user may not read is reported
    /// as not found, so its existence is not revealed.
    ///
    /// # Errors
    ///
    /// [`Error::Forbidden`] for an inactive user; [`Error::NotFound`] for an
    /// unknown case or one outside what the user may read.
    pub async fn portal_case(&self, user: &PortalUser, id: CaseId) -> Result<PortalCaseView> {
        let case = self.portal_visible(user, id, "portal_case").await?;
        Ok(PortalCaseView::of(&case, user))
    }

    async fn portal_visible(
        &self,
        user: &PortalUser,
        id: CaseId,
        action: &'static str,
    ) -> Result<crate::case::Case> {
        let table = self.permissions();
        if !user.may(Permission::ViewAccountCases, table) {
            user.require(Permission::ViewOwnCases, table, action)?;
        }
        let hidden = || Error::NotFound {
            kind: "case",
            id: id.to_string(),
        };
        let case = match self.repo.get_case(id).await {
            Ok(case) => case.value,
            Err(Error::NotFound { .. }) => return Err(hidden()),
            Err(e) => return Err(e),
        };
        if !user.can_view(&case, table) {
            return Err(hidden());
        }
        Ok(case)
    }

    /// Adds `user`'s public comment to a case it may read (a customer reply:
    /// a Waiting on Customer case resumes, a Resolved one reopens, as the
    /// case rules say). A repeated comment id is a no-op.
    ///
    /// # Errors
    ///
    /// [`Error::Forbidden`] without [`Permission::AddComments`];
    /// [`Error::NotFound`] as [`SupportDesk::portal_case`]; as
    /// [`SupportDesk::execute`] otherwise.
    pub async fn portal_comment(
        &self,
        user: &PortalUser,
        id: CaseId,
        comment: CommentId,
        body: impl Into<String>,
    ) -> Result<PortalCaseView> {
        user.require(
            Permission::AddComments,
            self.permissions(),
            "portal_comment",
        )?;
        self.portal_visible(user, id, "portal_comment").await?;
        let reply = NewComment::public(comment, Author::Customer(Some(user.contact)), body);
        let outcome = self.execute(id, CaseCommand::Comment(reply)).await?;
        Ok(PortalCaseView::of(&outcome.case.value, user))
    }

    /// Closes a case `user` reported. A Resolved case is closed; an open one is
    /// resolved with the text [`CLOSED_BY_CUSTOMER`] and closed, in one
    /// commit (its clocks stop, its owner's capacity is freed). Closing a
    /// closed case is a no-op.
    ///
    /// # Errors
    ///
    /// [`Error::Forbidden`] without [`Permission::CloseOwnCases`] or for a
    /// colleague's case; [`Error::NotFound`] as [`SupportDesk::portal_case`].
    pub async fn portal_close(&self, user: &PortalUser, id: CaseId) -> Result<PortalCaseView> {
        user.require(
            Permission::CloseOwnCases,
            self.permissions(),
            "portal_close",
        )?;
        let case = self.portal_visible(user, id, "portal_close").await?;
        if case.contact != Some(user.contact) {
            return Err(Error::Forbidden {
                action: "portal_close",
                reason: "only the case's reporter may close it".into(),
            });
        }
        if case.status == crate::case::CaseStatus::Closed {
            return Ok(PortalCaseView::of(&case, user));
        }
        let commands = if case.status == crate::case::CaseStatus::Resolved {
            vec![CaseCommand::Close]
        } else {
            vec![
                CaseCommand::Resolve(Resolution::new(CLOSED_BY_CUSTOMER)),
                CaseCommand::Close,
            ]
        };
        let outcome = self.execute_all(id, &commands).await?;
        Ok(PortalCaseView::of(&outcome.case.value, user))
    }
}
