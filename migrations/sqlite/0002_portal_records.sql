-- Portal users, forum topics and forum posts: one versioned JSON document per
-- (kind, id), listed under a parent (a user's contact, a post's topic).
CREATE TABLE portal_records (
    kind    TEXT    NOT NULL,
    id      TEXT    NOT NULL,
    parent  TEXT,
    version INTEGER NOT NULL,
    doc     TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX portal_records_parent ON portal_records (kind, parent, id);
