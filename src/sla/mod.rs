//! SLA tiers, policies, due dates and milestones.
//!
//! Layer 2 (pure domain rules): depends on `calendar`, `case`, `ids`, `error`.

mod tier;

pub use tier::SlaTier;
