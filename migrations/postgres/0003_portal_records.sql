-- Portal users, forum topics and forum posts: one versioned JSON document per
-- (kind, id), listed under a parent (a user's contact, a post's topic).
CREATE TABLE portal_records (
    kind text NOT NULL,
    id uuid NOT NULL,
    parent uuid,
    version bigint NOT NULL,
    doc text NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX portal_records_parent ON portal_records (kind, parent, id);
