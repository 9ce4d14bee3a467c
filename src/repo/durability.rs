//! How far a commit of a SQL store has reached the disk when it returns.

/// How far a commit of [`SqliteRepository`](crate::repo::SqliteRepository) or
/// [`PostgresRepository`](crate::repo::PostgresRepository) has reached the
/// disk when [`Repository::commit`](crate::repo::Repository::commit) returns.
///
/// Either way a commit is atomic (all of the unit of work or none of it) and
/// the database is never corrupted; the modes differ only in which crashes
/// may lose the most recent commits that were already reported as done.
///
/// | mode | SQLite (WAL) | PostgreSQL | survives |
/// | --- | --- | --- | --- |
/// | [`Flushed`](Durability::Flushed) | `synchronous = FULL` | `synchronous_commit = on` | everything, power loss included |
/// | [`Buffered`](Durability::Buffered) | `synchronous = NORMAL` | `synchronous_commit = off` | a crash of the application |
///
/// `SqliteRepository::connect` uses [`Buffered`](Durability::Buffered)
/// (SQLite's recommended setting for WAL: an application crash loses
/// nothing; a power loss or OS crash may roll back the last commits since the
/// latest checkpoint). `PostgresRepository::connect` uses
/// [`Flushed`](Durability::Flushed) (the server's default). Choose with
/// `connect_with`.
///
/// # Example
///
/// ```
/// use hotcrm_support::repo::Durability;
///
/// let safest = Durability::Flushed;
/// assert_ne!(safest, Durability::Buffered);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Durability {
    /// The commit is flushed to stable storage (an `fsync` of the log) before
    /// it returns: it survives a power loss or an OS crash. One flush per
    /// commit is the ceiling of one writer's commit rate (on the 2-core
    /// development VM an `fdatasync` takes ≈0.28 ms).
    Flushed,
    /// The commit is written to the database's log but flushed later: it
    /// survives a crash of the application. SQLite flushes at the next
    /// checkpoint, so a power loss or OS crash may roll back the commits since;
    /// PostgreSQL's WAL writer flushes within three `wal_writer_delay`s
    /// (≈0.6 s by default), so a crash of the server or the machine may lose
    /// the commits of that window.
    Buffered,
}
