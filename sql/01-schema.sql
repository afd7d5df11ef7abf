-- session-syncd, part 1 of 5: the schema and its small helpers.
--
-- Apply the files in order (psql -v ON_ERROR_STOP=1 -f 01-schema.sql -f 02-setup.sql ...)
-- or let `session-syncd install` apply exactly these files and then call the
-- functions with the values from its configuration. Every statement here is
-- idempotent: applying the files again changes nothing but function bodies.

CREATE SCHEMA IF NOT EXISTS session_syncd;

COMMENT ON SCHEMA session_syncd IS
    'session-syncd: install functions, the NOTIFY trigger functions and data_hash()';

-- The hash stored in session_fields.data_hash: sha256 of the bytes of the data
-- column. Text is hashed as its UTF-8 bytes, bytea as is. Both are SQL functions
-- marked IMMUTABLE so the planner inlines them.
CREATE OR REPLACE FUNCTION session_syncd.data_hash(data text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN sha256(convert_to(data, 'UTF8'));

CREATE OR REPLACE FUNCTION session_syncd.data_hash(data bytea) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN sha256(data);

-- 'app.session_fields' or 'session_fields' -> a quoted, possibly qualified name.
-- parse_ident() rejects anything that is not one or two identifiers.
CREATE OR REPLACE FUNCTION session_syncd.quote_qualified(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    RETURN (SELECT string_agg(quote_ident(part), '.' ORDER BY n)
            FROM unnest(parse_ident(name)) WITH ORDINALITY AS p(part, n));
