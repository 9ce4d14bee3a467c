//! Classification: the routing rules, first match wins, applied to a request
//! to pick its queue, priority and required skills.
//!
//! Pure. Depends on `ids`, `error` and the routing rule, request and skill types.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

use super::decision::Classification;
use super::request::RoutingRequest;
use super::router::{Router, open_at};
use super::rule::LowerText;
use super::skill::SkillRequirement;

impl Router {
    /// Applies the rules to a request: the first active matching rule gives the
    /// queue, priority and extra required skills. A request that names its queue
    /// skips the rules; with no match the default queue is used.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{case::*, ids::*, routing::*};
    /// let (vip, general) = (QueueId::from_u128(1), QueueId::from_u128(2));
    /// let mut router = Router::new();
    /// router.add_queue(Queue::new(vip, "VIP", RoutingMethod::MostAvailable)?)?;
    /// router.add_queue(Queue::new(general, "General", RoutingMethod::RoundRobin)?)?;
    /// router.add_rule(RoutingRule::new("Outage", 1, vip)?.when_type(CaseType::Incident).set_priority(Priority::Critical))?;
    /// router.set_default_queue(general)?;
    /// let req = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()).with_type(CaseType::Incident);
    /// let c = router.classify(&req, Utc::now())?;
    /// assert_eq!((c.queue, c.priority), (vip, Priority::Critical));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the request names an unknown queue,
    /// [`Error::NotAllowed`] when no rule matches and there is no default queue.
    pub fn classify(&self, request: &RoutingRequest, now: DateTime<Utc>) -> Result<Classification> {
        if let Some(queue) = request.queue {
            self.queue_pos(queue)?;
            return Ok(Classification {
                rule: None,
                queue,
                priority: request.priority,
                required: request.required.clone(),
            });
        }
        let open = open_at(self.state.business_hours.as_ref(), now);
        let text = LowerText::new(request);
        if let Some(rule) = self
            .state
            .rules
            .iter()
            .find(|r| r.matches(request, &text, open))
        {
            let mut required = request.required.clone();
            for extra in &rule.outcome.required {
                merge_requirement(&mut required, *extra);
            }
            return Ok(Classification {
                rule: Some(rule.name.clone()),
                queue: rule.outcome.queue,
                priority: rule.outcome.priority.unwrap_or(request.priority),
                required,
            });
        }
        match self.state.default_queue {
            Some(queue) => Ok(Classification {
                rule: None,
                queue,
                priority: request.priority,
                required: request.required.clone(),
            }),
            None => Err(Error::NotAllowed {
                command: "route",
                reason: format!(
                    "no routing rule matched case {} and no default queue is set",
                    request.case
                ),
            }),
        }
    }
}

pub(super) fn merge_requirement(list: &mut Vec<SkillRequirement>, r: SkillRequirement) {
    match list.iter_mut().find(|x| x.skill == r.skill) {
        Some(x) => x.min_level = x.min_level.max(r.min_level),
        None => list.push(r),
    }
}
