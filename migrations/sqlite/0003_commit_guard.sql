-- The guard of the one-call commit script: after each guarded write (an update
-- naming the version it expects, a counter naming the value before the claim)
-- the script inserts `(expected, changes())` here. Nothing is ever stored: the
-- trigger raises when the write changed fewer rows than the unit expects,
-- which stops the script before its COMMIT (the store then rolls back).
CREATE VIEW commit_guard (expected, actual) AS SELECT 0, 0;
CREATE TRIGGER commit_guard_check INSTEAD OF INSERT ON commit_guard
WHEN NEW.actual IS NOT NEW.expected
BEGIN
    SELECT RAISE(ABORT, 'hotcrm: a guarded write of the unit of work changed no row');
END;
