//! The integration test binary: one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod ai;
mod analytics;
mod calendar;
mod calendar_props;
mod case;
mod desk;
mod desk_channels;
mod desk_consistency;
mod desk_edit;
mod desk_group;
#[cfg(feature = "email")]
mod desk_intake;
mod desk_knowledge;
mod desk_roster;
mod domain_props;
mod escalation;
mod holiday_packs;
#[cfg(feature = "email")]
mod intake_email;
mod intake_rules;
mod intake_thread;
mod knowledge;
mod knowledge_corpus;
mod knowledge_props;
mod knowledge_ranking;
mod knowledge_records;
#[cfg(feature = "openai")]
mod openai;
mod portal;
mod predict;
mod predict_desk;
mod records_props;
mod repo;
mod routing;
mod routing_props;
mod routing_records;
mod sla;
mod sla_policies;
mod sql_postgres;
mod sql_sqlite;
