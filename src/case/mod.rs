//! Cases: the aggregate, its status machine, commands and events.
//!
//! Layer 2 (pure domain rules): depends on `calendar`, `ids`, `error`; never on
//! `repo`, `ai` or `desk`.

mod picklists;

pub use picklists::{AiCategory, CaseType, Origin, Priority, Sentiment};
