-- hotcrm-support PostgreSQL schema, version 1.
--
-- Every record is stored as the crate's serde_json text (`doc`), which is what
-- is read back (TEXT, not JSONB: byte-for-byte the crate's own serde form).
-- The other columns are derived from the document for filtering and sorting.
-- Ids are `uuid` (bytewise order = `Uuid`'s `Ord`); instants are
-- (seconds BIGINT, nanoseconds INTEGER) pairs, compared lexicographically like
-- `DateTime<Utc>`.

CREATE TABLE cases (
    id uuid PRIMARY KEY,
    number text NOT NULL UNIQUE,
    version bigint NOT NULL,
    status text NOT NULL,
    owner_id uuid,
    queue_id uuid,
    account_id uuid NOT NULL,
    tier text NOT NULL,
    -- Position in `Priority::ALL` (0 = Critical, the most urgent).
    priority smallint NOT NULL,
    escalated boolean NOT NULL,
    sla_violated boolean NOT NULL,
    created_s bigint NOT NULL,
    created_n integer NOT NULL,
    closed_s bigint,
    closed_n integer,
    resolution_due_s bigint NOT NULL,
    resolution_due_n integer NOT NULL,
    doc text NOT NULL
);
CREATE INDEX cases_status_id ON cases (status, id);
CREATE INDEX cases_owner_id ON cases (owner_id, id);
CREATE INDEX cases_queue_id ON cases (queue_id, id);
CREATE INDEX cases_account_id ON cases (account_id, id);
CREATE INDEX cases_created ON cases (created_s, created_n, id);
CREATE INDEX cases_priority_created ON cases (priority, created_s, created_n, id);
CREATE INDEX cases_closed ON cases (closed_s DESC NULLS LAST, closed_n DESC NULLS LAST, id);
CREATE INDEX cases_resolution_due ON cases (resolution_due_s, resolution_due_n, id);

-- The global feed: position is gap-free, in commit order.
CREATE TABLE events (
    position bigint PRIMARY KEY,
    case_id uuid NOT NULL,
    doc text NOT NULL
);
CREATE INDEX events_case_position ON events (case_id, position);

-- The last feed position used. Every commit that appends events updates this
-- one row, so such commits are serialised by its row lock.
CREATE TABLE feed_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position bigint NOT NULL
);
INSERT INTO feed_head (singleton, position) VALUES (true, 0);

CREATE TABLE sequences (
    kind text NOT NULL,
    year integer NOT NULL,
    value bigint NOT NULL,
    PRIMARY KEY (kind, year)
);

CREATE TABLE router (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version bigint NOT NULL,
    doc text NOT NULL
);

CREATE TABLE articles (
    id uuid PRIMARY KEY,
    number_year integer NOT NULL,
    number_seq bigint NOT NULL,
    version bigint NOT NULL,
    doc text NOT NULL
);
CREATE INDEX articles_number ON articles (number_year, number_seq, id);

CREATE TABLE accounts (
    id uuid PRIMARY KEY,
    version bigint NOT NULL,
    doc text NOT NULL
);

CREATE TABLE contacts (
    id uuid PRIMARY KEY,
    version bigint NOT NULL,
    -- The email with ASCII letters lowercased (the crate compares emails with
    -- `eq_ignore_ascii_case`).
    email_key text NOT NULL,
    doc text NOT NULL
);
CREATE INDEX contacts_email_key ON contacts (email_key, id);

CREATE TABLE saved_searches (
    owner_id uuid NOT NULL,
    name text NOT NULL,
    doc text NOT NULL,
    PRIMARY KEY (owner_id, name)
);
