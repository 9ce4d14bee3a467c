//! Deciding the creation of a case: validation, SLA tier from the entitlement,
//! the first milestones. Pure; depends on `sla`, `calendar` and `error`.

use chrono::{DateTime, Utc};

use super::{Actor, AiInsights, Case, CaseEvent, CaseRules, CaseStatus, NewCase};
use crate::error::{Error, Result};
use crate::sla::{Milestone, MilestoneKind, Milestones, SlaTier};

/// Decides the creation of a case: validates the input, picks the SLA tier from
/// the entitlement (none or expired → Standard) and starts the FirstResponse and
/// Resolution milestones at `now`. Returns the single `Created` event.
///
/// # Errors
///
/// [`Error::Validation`] for a blank or oversized subject or description, or an
/// entitlement whose validity ends before it starts ([`NewCase::validate`]);
/// what [`BusinessHours::add`](crate::calendar::BusinessHours::add) returns when the SLA calendar never opens.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{self, CaseEvent, CaseRules, NewCase};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
/// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "  ", "d");
/// assert!(case::create(new, "2026-01-05T09:00:00Z".parse()?, &CaseRules::default()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create(new: NewCase, now: DateTime<Utc>, rules: &CaseRules) -> Result<Vec<CaseEvent>> {
    new.validate()?;
    let tier = SlaTier::from_entitlement(new.entitlement.as_ref(), now);
    let contract = new
        .entitlement
        .as_ref()
        .filter(|e| e.is_active(now))
        .map(|e| e.contract);
    let policy = rules.sla();
    let cal = policy.calendar(tier, new.priority, rules.hours());
    let start = |kind| -> Result<Milestone> {
        let target = policy
            .target(tier, new.priority, kind)
            .ok_or_else(|| Error::validation("sla target", format!("no {kind} target")))?;
        Milestone::start(kind, 0, now, target, policy.warning_percent(kind), &cal)
    };
    let milestones = Milestones::new(
        start(MilestoneKind::FirstResponse)?,
        start(MilestoneKind::Resolution)?,
    );
    let case = Case {
        id: new.id,
        number: new.number,
        parent: new.parent,
        subject: new.subject,
        description: new.description,
        status: CaseStatus::New,
        priority: new.priority,
        case_type: new.case_type,
        origin: new.origin,
        account: new.account,
        contact: new.contact,
        contract,
        product: new.product,
        owner: None,
        queue: new.queue,
        sla_tier: tier,
        created_at: now,
        updated_at: now,
        last_activity_at: now,
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        response_time: None,
        resolution_time: None,
        is_sla_violated: false,
        escalation: None,
        resolution: None,
        root_cause: None,
        resolution_category: None,
        linked_article: None,
        satisfaction: None,
        survey: None,
        ai: AiInsights::default(),
        comments: Vec::new(),
        milestones,
        fired_rules: Default::default(),
        reopen_count: 0,
        breach_predicted: None,
        category: None,
        merged_into: None,
        sla_policy: new.sla_policy,
    };
    Ok(vec![CaseEvent::Created {
        by: Actor::System,
        case: Box::new(case),
    }])
}

impl Case {
    /// Creates a case: [`create`] then applies its `Created` event.
    ///
    /// # Errors
    ///
    /// As [`create`].
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseRules, CaseStatus, NewCase};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// use hotcrm_support::sla::SlaTier;
    /// let (case, events) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// assert_eq!((case.status, case.sla_tier, events.len()), (CaseStatus::New, SlaTier::Standard, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create(
        new: NewCase,
        now: DateTime<Utc>,
        rules: &CaseRules,
    ) -> Result<(Case, Vec<CaseEvent>)> {
        let events = create(new, now, rules)?;
        let case = Case::replay(&events)?;
        Ok((case, events))
    }
}
