//! Customer-portal self-service through the desk: every call checks the
//! portal user's permission and account boundary, and returns the
//! customer-facing [`PortalCaseView`] only.

use super::{CaseRequest, SupportDesk};
use crate::case::{
    Author, CaseCommand, CaseQuery, CaseType, NewComment, Origin, Page, PageOf, Priority,
    Resolution,
};
use crate::error::{Error, Result};
pub use crate::ids::DeflectionId;
use crate::ids::{CaseId, CommentId, ProductId};
use crate::knowledge::{SearchHit, SearchQuery};
use crate::period::Period;
pub use crate::portal::DeflectionReport;
use crate::portal::{DeflectionOffer, Permission, PermissionTable, PortalCaseView, PortalUser};
use crate::repo::{PortalKind, PortalRecord, UnitOfWork};

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
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            permissions: PermissionTable::default(),
            deflection_articles: 3,
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

/// The articles offered before a portal case is submitted.
///
/// ```
/// use hotcrm_support::desk::{Deflection, DeflectionId};
/// let d = Deflection { id: DeflectionId::from_u128(1), articles: vec![] };
/// assert!(d.articles.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Deflection {
    /// Pass it to [`PortalCaseRequest::after_offer`] when the user submits anyway.
    pub id: DeflectionId,
    /// The top articles the user may see, best first.
    pub articles: Vec<SearchHit>,
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
    /// submitted, and stores the offer (one commit) for
    /// [`SupportDesk::deflection_report`].
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
    /// assert_eq!(desk.deflection_report(all).await?.empty_offers, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn portal_suggest(&self, user: &PortalUser, subject: &str) -> Result<Deflection> {
        let user = self.current_portal_user(user).await?;
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
        let offer = DeflectionOffer::new(
            DeflectionId::new(),
            user.id,
            user.account,
            subject.trim(),
            found.results.hits.iter().map(|h| h.article).collect(),
            self.clock.now(),
        );
        let id = offer.id;
        self.commit_work(&UnitOfWork::new().portal(PortalRecord::Deflection(offer), None))
            .await?;
        Ok(Deflection {
            id,
            articles: found.results.hits,
        })
    }

    /// The stored version of `user` when it is registered
    /// ([`SupportDesk::register_portal_user`]): its status, tier and flags
    /// as stored win over the copy the host passed, so a user suspended by
    /// another desk is refused at once. An unregistered user (a host that
    /// keeps its portal users itself) is taken as given.
    pub(super) async fn current_portal_user(&self, user: &PortalUser) -> Result<PortalUser> {
        match self
            .repo
            .get_portal_record(PortalKind::User, *user.id.as_uuid())
            .await
        {
            Ok(stored) => match stored.value {
                PortalRecord::User(stored) => Ok(stored),
                other => Err(Error::Internal {
                    what: format!(
                        "portal user {} is stored as a {}",
                        user.id,
                        other.kind().name()
                    ),
                }),
            },
            Err(Error::NotFound { .. }) => Ok(user.clone()),
            Err(e) => Err(e),
        }
    }

    /// Offers made in `period` (by the desk clock) and whether a case
    /// followed, over every offer stored in the repository (all desks, all
    /// restarts). Offers are read in one pass; a host with years of portal
    /// traffic should ask for short periods or prune old offers.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn deflection_report(&self, period: Period) -> Result<DeflectionReport> {
        let offers = self.deflection_offers(None).await?;
        Ok(DeflectionReport::of(&offers, period))
    }

    /// Every stored deflection offer, of one account when given, in id order.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn deflection_offers(
        &self,
        account: Option<crate::ids::AccountId>,
    ) -> Result<Vec<DeflectionOffer>> {
        let records = self
            .repo
            .portal_records(PortalKind::Deflection, account.map(|a| *a.as_uuid()))
            .await?;
        Ok(records
            .into_iter()
            .filter_map(|r| match r.value {
                PortalRecord::Deflection(offer) => Some(offer),
                _ => None,
            })
            .collect())
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
        let user = &self.current_portal_user(user).await?;
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
        case.deflection = request.offer.map(|offer| (offer, user.id));
        let outcome = self.create_case(case).await?;
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
        let user = &self.current_portal_user(user).await?;
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
        let user = &self.current_portal_user(user).await?;
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
        let user = &self.current_portal_user(user).await?;
        user.require(
            Permission::AddComments,
            self.permissions(),
            "portal_comment",
        )?;
        self.portal_visible(user, id, "portal_comment").await?;
        let reply = NewComment::public(comment, Author::Customer(Some(user.contact)), body)
            .via(crate::case::Origin::Web);
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
        let user = &self.current_portal_user(user).await?;
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
