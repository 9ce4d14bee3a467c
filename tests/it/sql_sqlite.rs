//! SqliteRepository against the conformance suite and the desk.
