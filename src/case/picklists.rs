//! The case picklists shared by every layer: priority, type, origin, sentiment and
//! the AI category. Layer 2, pure values.

use crate::picklist::picklist;

picklist! {
    /// How urgent a case is. Ordered from most to least urgent, so `Critical < Low`
    /// in `Ord` (sorting ascending puts the most urgent first).
    ///
    /// ```
    /// use hotcrm_support::case::Priority;
    /// assert!(Priority::Critical < Priority::Low);
    /// assert_eq!("critical".parse::<Priority>()?, Priority::Critical);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum Priority: "priority" {
        /// Business down; escalates immediately by default.
        Critical => "Critical",
        /// Severe impact.
        High => "High",
        /// Normal impact (the default).
        Medium => "Medium",
        /// Minor impact.
        Low => "Low",
    }
}

#[allow(clippy::derivable_impls)] // the enum comes from `picklist!`
impl Default for Priority {
    fn default() -> Self {
        Priority::Medium
    }
}

impl Priority {
    /// One step more urgent (`Critical` stays `Critical`).
    ///
    /// ```
    /// use hotcrm_support::case::Priority;
    /// assert_eq!(Priority::Low.raised(), Priority::Medium);
    /// assert_eq!(Priority::Critical.raised(), Priority::Critical);
    /// ```
    pub const fn raised(self) -> Priority {
        match self {
            Priority::Critical | Priority::High => Priority::Critical,
            Priority::Medium => Priority::High,
            Priority::Low => Priority::Medium,
        }
    }

    /// Whether `self` is at least as urgent as `other`.
    ///
    /// ```
    /// use hotcrm_support::case::Priority;
    /// assert!(Priority::Critical.at_least(Priority::High));
    /// assert!(!Priority::Low.at_least(Priority::Medium));
    /// ```
    pub fn at_least(self, other: Priority) -> bool {
        self <= other
    }
}

picklist! {
    /// What kind of request a case is.
    ///
    /// ```
    /// use hotcrm_support::case::CaseType;
    /// assert_eq!("feature_request".parse::<CaseType>()?, CaseType::FeatureRequest);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum CaseType: "case type" {
        /// Something is broken.
        Problem => "Problem",
        /// A how-to question.
        Question => "Question",
        /// A service interruption.
        Incident => "Incident",
        /// A request for new functionality.
        FeatureRequest => "Feature Request",
        /// A training request.
        Training => "Training",
        /// Planned maintenance.
        Maintenance => "Maintenance",
        /// Anything else.
        Other => "Other",
    }
}

picklist! {
    /// The channel a case came in through.
    ///
    /// ```
    /// use hotcrm_support::case::Origin;
    /// assert_eq!(Origin::WeChat.to_string(), "WeChat");
    /// ```
    pub enum Origin: "origin" {
        /// Email-to-case.
        Email => "Email",
        /// Web form or portal.
        Web => "Web",
        /// Phone call logged by an agent.
        Phone => "Phone",
        /// WeChat.
        WeChat => "WeChat",
        /// A chat bot hand-off.
        ChatBot => "ChatBot",
        /// The mobile app.
        MobileApp => "Mobile App",
        /// Social media.
        Social => "Social",
        /// Anything else.
        Other => "Other",
    }
}

picklist! {
    /// The customer's mood as detected in their messages.
    ///
    /// ```
    /// use hotcrm_support::case::Sentiment;
    /// assert!(Sentiment::Angry.is_negative());
    /// assert!(!Sentiment::Neutral.is_negative());
    /// ```
    pub enum Sentiment: "sentiment" {
        /// Happy or thankful.
        Positive => "Positive",
        /// Matter-of-fact.
        Neutral => "Neutral",
        /// Unhappy.
        Negative => "Negative",
        /// Angry: escalates by default.
        Angry => "Angry",
    }
}

impl Sentiment {
    /// `Negative` or `Angry`.
    pub const fn is_negative(self) -> bool {
        matches!(self, Sentiment::Negative | Sentiment::Angry)
    }
}

picklist! {
    /// The category an AI classifier assigns to a case.
    ///
    /// ```
    /// use hotcrm_support::case::AiCategory;
    /// assert_eq!("billing".parse::<AiCategory>()?, AiCategory::Billing);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum AiCategory: "ai category" {
        /// Technical problem.
        Technical => "Technical",
        /// Product question.
        Product => "Product",
        /// Billing and invoices.
        Billing => "Billing",
        /// Feature request.
        Feature => "Feature",
        /// Complaint.
        Complaint => "Complaint",
        /// Anything else.
        Other => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picklists_parse_their_own_display_and_serde_names() {
        for p in Priority::ALL {
            assert_eq!(p.to_string().parse::<Priority>().unwrap(), *p, "{p:?}");
        }
        for t in CaseType::ALL {
            assert_eq!(t.label().parse::<CaseType>().unwrap(), *t, "{t:?}");
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(serde_json::from_str::<CaseType>(&json).unwrap(), *t);
        }
        for o in Origin::ALL {
            assert_eq!(o.label().parse::<Origin>().unwrap(), *o, "{o:?}");
        }
        assert!("urgent".parse::<Priority>().is_err());
    }

    #[test]
    fn raising_priority_saturates_at_critical() {
        assert_eq!(Priority::Medium.raised(), Priority::High);
        assert_eq!(Priority::High.raised(), Priority::Critical);
        assert_eq!(Priority::Critical.raised(), Priority::Critical);
    }
}
