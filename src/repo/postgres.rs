//! `PostgresRepository`: many desks on one PostgreSQL database (feature
//! `postgres`). Work in progress.

/// A PostgreSQL [`Repository`](super::Repository). Work in progress.
///
/// ```
/// let _ = std::any::type_name::<hotcrm_support::repo::PostgresRepository>();
/// ```
#[derive(Debug)]
pub struct PostgresRepository;
