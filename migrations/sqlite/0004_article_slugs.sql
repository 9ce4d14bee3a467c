-- Knowledge article slugs are unique per article number: the versions of one
-- number share their slug, no other number may use it. `slug` copies the
-- article document's slug so the commit script can check it (under
-- `BEGIN IMMEDIATE` writers take turns, so the check and the write cannot
-- interleave with another commit); the index keeps the check cheap. Articles
-- stored before this version that already share a slug across numbers keep
-- it (nothing is rewritten); a later write of either is refused until one of
-- them gets a slug of its own.
ALTER TABLE articles ADD COLUMN slug TEXT;
UPDATE articles SET slug = json_extract(doc, '$.slug');
CREATE INDEX articles_slug ON articles (slug, number_year, number_seq);
