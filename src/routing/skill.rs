//! Skills, agent proficiencies and the skill requirements of a case.
//!
//! Pure values with validation. Depends only on `ids` and `error`.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::SkillId;

/// A proficiency level from 1 (novice) to 5 (expert).
///
/// # Example
///
/// ```
/// use hotcrm_support::routing::Proficiency;
/// let p = Proficiency::new(4)?;
/// assert_eq!(p.get(), 4);
/// assert!(Proficiency::new(6).is_err());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Proficiency(u8);

impl Proficiency {
    /// The lowest level, 1.
    pub const MIN: Proficiency = Proficiency(1);
    /// The highest level, 5.
    pub const MAX: Proficiency = Proficiency(5);

    /// A level from 1 to 5.
    ///
    /// ```
    /// use hotcrm_support::routing::Proficiency;
    /// assert_eq!(Proficiency::new(1)?, Proficiency::MIN);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when `level` is 0 or above 5.
    pub fn new(level: u8) -> Result<Self> {
        if (1..=5).contains(&level) {
            Ok(Self(level))
        } else {
            Err(Error::validation(
                "proficiency",
                format!("level {level} is outside 1..=5"),
            ))
        }
    }

    /// The level as a number from 1 to 5.
    ///
    /// ```
    /// assert_eq!(hotcrm_support::routing::Proficiency::MAX.get(), 5);
    /// ```
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Proficiency {
    type Error = Error;
    fn try_from(level: u8) -> Result<Self> {
        Self::new(level)
    }
}

impl From<Proficiency> for u8 {
    fn from(p: Proficiency) -> u8 {
        p.0
    }
}

impl fmt::Display for Proficiency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/5", self.0)
    }
}

/// A skill in the catalog (a language, a product, a certification area).
///
/// # Example
///
/// ```
/// use hotcrm_support::ids::SkillId;
/// use hotcrm_support::routing::Skill;
/// let billing = Skill::new(SkillId::from_u128(1), "Billing")?.certification_required();
/// assert!(billing.requires_certification);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SkillRecord")]
pub struct Skill {
    /// The skill's id.
    pub id: SkillId,
    /// Display name, unique in a catalog by convention (not enforced).
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// When true an agent counts as having the skill only while certified
    /// (see [`AgentSkill::certified_on`] and [`AgentSkill::certification_expires_on`]).
    pub requires_certification: bool,
}

impl Skill {
    /// A skill that needs no certification.
    ///
    /// ```
    /// use hotcrm_support::{ids::SkillId, routing::Skill};
    /// assert!(Skill::new(SkillId::from_u128(1), "  ").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when the name is blank.
    pub fn new(id: SkillId, name: impl Into<String>) -> Result<Self> {
        let skill = Self {
            id,
            name: name.into(),
            description: None,
            requires_certification: false,
        };
        skill.validate()?;
        Ok(skill)
    }

    /// Checks the invariants: a non-blank name. Loading a skill with serde
    /// checks them too.
    ///
    /// ```
    /// use hotcrm_support::{ids::SkillId, routing::Skill};
    /// let mut s = Skill::new(SkillId::from_u128(1), "Java")?;
    /// s.name = " ".into();
    /// assert!(s.validate().is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when the name is blank.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::validation(
                "skill name",
                format!("must not be blank (skill {})", self.id),
            ));
        }
        Ok(())
    }

    /// Marks the skill as needing a current certification.
    ///
    /// ```
    /// use hotcrm_support::{ids::SkillId, routing::Skill};
    /// assert!(Skill::new(SkillId::from_u128(1), "SAP")?.certification_required().requires_certification);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn certification_required(mut self) -> Self {
        self.requires_certification = true;
        self
    }
}

/// [`Skill`] as stored: loading checks it with [`Skill::validate`].
#[derive(Deserialize)]
struct SkillRecord {
    id: SkillId,
    name: String,
    description: Option<String>,
    requires_certification: bool,
}

impl TryFrom<SkillRecord> for Skill {
    type Error = Error;
    fn try_from(r: SkillRecord) -> Result<Self> {
        let skill = Skill {
            id: r.id,
            name: r.name,
            description: r.description,
            requires_certification: r.requires_certification,
        };
        skill.validate()?;
        Ok(skill)
    }
}

/// One agent's level in one skill, with training records.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use hotcrm_support::{ids::SkillId, routing::AgentSkill};
/// let s = AgentSkill::new(SkillId::from_u128(1), 4)?
///     .certified(NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(), NaiveDate::from_ymd_opt(2027, 1, 10));
/// assert_eq!(s.proficiency.get(), 4);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSkill {
    /// The skill.
    pub skill: SkillId,
    /// The agent's level.
    pub proficiency: Proficiency,
    /// When the agent was certified, if ever.
    pub certified_on: Option<NaiveDate>,
    /// The last day the certification is valid (inclusive); `None` = never expires.
    pub certification_expires_on: Option<NaiveDate>,
    /// When the agent's level was last assessed.
    pub last_assessed_on: Option<NaiveDate>,
}

impl AgentSkill {
    /// An uncertified skill at `level` (1–5).
    ///
    /// ```
    /// use hotcrm_support::{ids::SkillId, routing::AgentSkill};
    /// assert!(AgentSkill::new(SkillId::from_u128(1), 6).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when `level` is outside 1..=5.
    pub fn new(skill: SkillId, level: u8) -> Result<Self> {
        Ok(Self {
            skill,
            proficiency: Proficiency::new(level)?,
            certified_on: None,
            certification_expires_on: None,
            last_assessed_on: None,
        })
    }

    /// Records a certification on `on`, valid through `expires_on` (inclusive).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::{ids::SkillId, routing::AgentSkill};
    /// let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    /// let s = AgentSkill::new(SkillId::from_u128(1), 3)?.certified(d, None);
    /// assert!(s.is_certified_on(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap()));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn certified(mut self, on: NaiveDate, expires_on: Option<NaiveDate>) -> Self {
        self.certified_on = Some(on);
        self.certification_expires_on = expires_on;
        self
    }

    /// Records the date of the last assessment.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::{ids::SkillId, routing::AgentSkill};
    /// let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    /// assert_eq!(AgentSkill::new(SkillId::from_u128(1), 3)?.assessed(d).last_assessed_on, Some(d));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn assessed(mut self, on: NaiveDate) -> Self {
        self.last_assessed_on = Some(on);
        self
    }

    /// Whether the certification is valid on `date` (certified on or before it and
    /// not expired).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::{ids::SkillId, routing::AgentSkill};
    /// let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    /// let s = AgentSkill::new(SkillId::from_u128(1), 3)?.certified(day(1), Some(day(10)));
    /// assert!(s.is_certified_on(day(10)));
    /// assert!(!s.is_certified_on(day(11)));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn is_certified_on(&self, date: NaiveDate) -> bool {
        match self.certified_on {
            None => false,
            Some(from) => {
                from <= date
                    && match self.certification_expires_on {
                        None => true,
                        Some(until) => date <= until,
                    }
            }
        }
    }
}

/// A skill a case needs, at a minimum level.
///
/// # Example
///
/// ```
/// use hotcrm_support::{ids::SkillId, routing::SkillRequirement};
/// let r = SkillRequirement::new(SkillId::from_u128(1), 3)?;
/// assert_eq!(r.min_level.get(), 3);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SkillRequirement {
    /// The skill.
    pub skill: SkillId,
    /// The minimum proficiency.
    pub min_level: Proficiency,
}

impl SkillRequirement {
    /// Requires `skill` at `min_level` (1–5) or better.
    ///
    /// ```
    /// use hotcrm_support::{ids::SkillId, routing::SkillRequirement};
    /// assert!(SkillRequirement::new(SkillId::from_u128(1), 0).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when `min_level` is outside 1..=5.
    pub fn new(skill: SkillId, min_level: u8) -> Result<Self> {
        Ok(Self {
            skill,
            min_level: Proficiency::new(min_level)?,
        })
    }
}
