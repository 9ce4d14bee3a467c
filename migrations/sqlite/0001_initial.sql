-- hotcrm-support SQLite schema, version 1.
-- Every record is a JSON document (`doc`, the source of truth when reading back);
-- the other columns index what `CaseQuery` filters on and `CaseOrder` sorts on.
-- Ids are canonical lowercase hyphenated UUIDs (they sort like the typed ids);
-- instants are INTEGER nanoseconds since the Unix epoch; enums are the rank of
-- the value in declaration order (the order the crate sorts them in).

CREATE TABLE cases (
    id             TEXT    NOT NULL PRIMARY KEY,
    number         TEXT    NOT NULL UNIQUE,
    version        INTEGER NOT NULL,
    status         INTEGER NOT NULL,
    owner          TEXT,
    queue          TEXT,
    account        TEXT    NOT NULL,
    tier           INTEGER NOT NULL,
    priority       INTEGER NOT NULL,
    escalated      INTEGER NOT NULL,
    sla_violated   INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    closed_at      INTEGER,
    resolution_due INTEGER NOT NULL,
    doc            TEXT    NOT NULL
);
CREATE INDEX cases_created ON cases (created_at, id);
CREATE INDEX cases_priority_age ON cases (priority, created_at, id);
CREATE INDEX cases_closed ON cases (closed_at, id);
CREATE INDEX cases_resolution_due ON cases (resolution_due, id);
CREATE INDEX cases_status ON cases (status);
CREATE INDEX cases_owner ON cases (owner);
CREATE INDEX cases_queue ON cases (queue);
CREATE INDEX cases_account ON cases (account);

-- The global feed: position 1, 2, 3, ... with no gaps, in commit order.
CREATE TABLE events (
    position INTEGER PRIMARY KEY,
    case_id  TEXT    NOT NULL,
    doc      TEXT    NOT NULL
);
CREATE INDEX events_case ON events (case_id, position);

CREATE TABLE sequences (
    kind  TEXT    NOT NULL,
    year  INTEGER NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (kind, year)
);

-- The router document: at most one row.
CREATE TABLE router (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    doc     TEXT    NOT NULL
);

CREATE TABLE articles (
    id          TEXT    NOT NULL PRIMARY KEY,
    number_year INTEGER NOT NULL,
    number_seq  INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT    NOT NULL
);
CREATE INDEX articles_number ON articles (number_year, number_seq, id);

CREATE TABLE accounts (
    id      TEXT    NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL,
    doc     TEXT    NOT NULL
);

CREATE TABLE contacts (
    id      TEXT    NOT NULL PRIMARY KEY,
    email   TEXT    NOT NULL,
    version INTEGER NOT NULL,
    doc     TEXT    NOT NULL
);
CREATE INDEX contacts_email ON contacts (lower(email), id);

CREATE TABLE saved_searches (
    owner TEXT NOT NULL,
    name  TEXT NOT NULL,
    doc   TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
