-- session-syncd, part 1 of 5: the schema and its small helpers.
--
-- Apply the files in order (psql -v ON_ERROR_STOP=1 -f 01-schema.sql -f 02-setup.sql ...)
-- or let `session-syncd install` apply exactly these files and then call the
-- functions with the values from its configuration. Every statement here is
-- idempotent: applying the files again changes nothing but function bodies.

CREATE SCHEMA IF NOT EXISTS session_syncd;

-- The schema holds data_hash(), the trigger functions and the queue feed's tables: whoever owns
-- it can replace or drop them. One made beforehand by another role is refused (a superuser's is
-- fine: a superuser can do all of that anyway).
DO $owner$
DECLARE
    owner_name name;
    owner_super boolean;
BEGIN
    SELECT r.rolname, r.rolsuper INTO owner_name, owner_super
    FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'session_syncd';
    IF owner_name IS DISTINCT FROM current_user AND NOT owner_super THEN
        RAISE EXCEPTION 'session-syncd: schema session_syncd already exists and is owned by role %, not by the installing role %; refusing to use it: its owner could replace the functions the triggers and the daemon call',
            owner_name, current_user
            USING HINT = 'drop that schema (after checking who made it), then install again';
    END IF;
END
$owner$;

COMMENT ON SCHEMA session_syncd IS
    'session-syncd: install functions, the NOTIFY trigger functions and data_hash()';

-- The hash stored in session_fields.data_hash: sha256 of the bytes of the data
-- column. Text is hashed as its UTF-8 bytes, bytea as is. Both are SQL functions
-- marked IMMUTABLE so the planner inlines them. A NULL data column hashes to the
-- empty bytea (never a sha256): such a session is written as a row of NULLs with a
-- `$data` error, and compares equal to it, instead of staying unwritten forever.
CREATE OR REPLACE FUNCTION session_syncd.data_hash(data text) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(sha256(convert_to(data, 'UTF8')), '\x'::bytea);

CREATE OR REPLACE FUNCTION session_syncd.data_hash(data bytea) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(sha256(data), '\x'::bytea);

-- 'app.session_fields' or 'session_fields' -> a quoted, possibly qualified name.
-- parse_ident() rejects anything that is not one or two identifiers.
CREATE OR REPLACE FUNCTION session_syncd.quote_qualified(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    RETURN (SELECT string_agg(quote_ident(part), '.' ORDER BY n)
            FROM unnest(parse_ident(name)) WITH ORDINALITY AS p(part, n));
