-- hotcrm-support PostgreSQL schema, version 2.
-- A commit is one statement whose sub-statements each write what the unit of
-- work expects; when any wrote fewer rows than expected, the statement calls
-- this function, which raises SQLSTATE HC001 and so undoes the whole statement.
CREATE FUNCTION hotcrm_abort() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'a precondition of the unit of work does not hold'
        USING ERRCODE = 'HC001';
END
$$;
