//! The integration test binary: one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod calendar;
mod calendar_props;
mod case;
mod domain_props;
mod escalation;
mod repo;
mod routing;
mod routing_props;
mod sla;
