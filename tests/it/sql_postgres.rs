//! PostgresRepository against the conformance suite and many desks (needs a server: HOTCRM_PG_URL).
