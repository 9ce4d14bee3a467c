-- hotcrm-support PostgreSQL schema, version 4.
-- Contacts are unique by email (trimmed, ASCII letters lowercased: `email_key`).
-- `email_owner` is the email a contact holds, under a unique index, so that two
-- concurrent commits cannot both insert a contact with the same email. Contacts
-- stored before this version may share an email: the first of each (lowest
-- id, the one `find_contact_by_email` returns) holds it, the others keep
-- `email_owner` NULL (they stay readable and updatable).
ALTER TABLE contacts ADD COLUMN email_owner text;
UPDATE contacts SET email_owner = email_key
WHERE id IN (SELECT DISTINCT ON (email_key) id FROM contacts ORDER BY email_key, id);
CREATE UNIQUE INDEX contacts_email_owner ON contacts (email_owner);
