-- hotcrm-support PostgreSQL schema, version 5.
-- Knowledge article slugs are unique per article number: the versions of one
-- number share their slug, no other number may use it. `article_slugs` holds
-- the number each slug belongs to under its primary key, so two concurrent
-- commits cannot both give one slug to two numbers (the commit statement takes
-- the slug with `INSERT ... ON CONFLICT (slug) DO UPDATE ... WHERE` the holder
-- is the writer's number, which waits for a concurrent taker and then sees its
-- committed row). A slug stays reserved for its number once written.
--
-- Articles stored before this version may already share a slug across
-- numbers (a clash, which `SupportDesk::load_knowledge` refuses): the
-- migration does not fail on it. The lowest number (year, then sequence) of
-- each slug holds it; the articles of the other numbers stay stored and
-- readable, but a write of them that keeps the clashing slug is refused with
-- `AlreadyExists` (kind "article slug") until they are given a slug of their
-- own.
CREATE TABLE article_slugs (
    slug text PRIMARY KEY,
    number_year integer NOT NULL,
    number_seq bigint NOT NULL
);
INSERT INTO article_slugs (slug, number_year, number_seq)
SELECT DISTINCT ON (slug) slug, number_year, number_seq
FROM (SELECT doc::jsonb ->> 'slug' AS slug, number_year, number_seq FROM articles) a
WHERE slug IS NOT NULL
ORDER BY slug, number_year, number_seq;
