//! `SqliteRepository`: the embedded SQL store (feature `sqlite`). Work in progress.

/// An embedded SQLite [`Repository`](super::Repository). Work in progress.
///
/// ```
/// let _ = std::any::type_name::<hotcrm_support::repo::SqliteRepository>();
/// ```
#[derive(Debug)]
pub struct SqliteRepository;
