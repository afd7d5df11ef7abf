-- session-syncd, part 4 of 5: session_syncd.grant_daemon() gives the daemon's
-- role exactly what it needs and nothing else:
--   SELECT on the key and data columns of the source table and on the referenced
--   column of each table that mapped columns reference (column privileges: the
--   daemon never reads users.name, users.password_hash, ...),
--   SELECT, INSERT, UPDATE, DELETE on the target and errors tables,
--   USAGE on the schemas involved, EXECUTE on session_syncd.data_hash().
-- A table-level SELECT on those tables (what earlier versions granted) is revoked
-- from the role. LISTEN needs no privilege. The role itself (LOGIN, password or peer
-- authentication) is created by the DBA:
--
--   CREATE ROLE session_syncd LOGIN;
--   SELECT session_syncd.grant_daemon('session_syncd', 'sessions', 'session_id', 'data',
--            'session_fields', 'session_sync_errors', ARRAY['users'], ARRAY['id']);

-- The signature of earlier versions (table-level SELECT on referenced tables).
DO $drop$
BEGIN
    IF to_regprocedure('session_syncd.grant_daemon(name, regclass, text, text, text[])') IS NOT NULL THEN
        DROP FUNCTION session_syncd.grant_daemon(name, regclass, text, text, text[]);
    END IF;
END
$drop$;

CREATE OR REPLACE FUNCTION session_syncd.grant_daemon(
    role_name name,
    source regclass,
    key_column name,
    data_column name,
    target text,
    errors_table text,
    referenced_tables text[],   -- one entry per referenced (table, column), e.g. ARRAY['users']
    referenced_columns name[]   -- the matching columns, e.g. ARRAY['id']
) RETURNS void
LANGUAGE plpgsql AS $grant$
DECLARE
    rel regclass;
    rels regclass[];
    t text;
    i int;
    readable regclass[] := ARRAY[]::regclass[];
    readable_columns name[] := ARRAY[]::name[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        RAISE EXCEPTION 'session_syncd.grant_daemon: role % does not exist', role_name
            USING HINT = 'CREATE ROLE ' || quote_ident(role_name) || ' LOGIN; then run install again';
    END IF;
    IF cardinality(coalesce(referenced_tables, '{}')) <> cardinality(coalesce(referenced_columns, '{}')) THEN
        RAISE EXCEPTION 'session_syncd.grant_daemon: referenced_tables and referenced_columns differ in length';
    END IF;

    EXECUTE format('GRANT USAGE ON SCHEMA session_syncd TO %I', role_name);
    EXECUTE format('GRANT EXECUTE ON FUNCTION session_syncd.data_hash(text), session_syncd.data_hash(bytea) TO %I', role_name);

    readable := ARRAY[source, source];
    readable_columns := ARRAY[key_column, data_column];
    FOR i IN 1 .. cardinality(coalesce(referenced_tables, '{}')) LOOP
        rel := to_regclass(session_syncd.quote_qualified(referenced_tables[i]));
        IF rel IS NULL THEN
            RAISE EXCEPTION 'session_syncd.grant_daemon: table % does not exist', referenced_tables[i];
        END IF;
        readable := readable || rel;
        readable_columns := readable_columns || referenced_columns[i];
    END LOOP;
    rels := readable;
    -- Column privileges only; the check first, so a second install changes nothing.
    FOREACH rel IN ARRAY readable LOOP
        IF has_table_privilege(role_name, rel, 'SELECT') THEN
            EXECUTE format('REVOKE SELECT ON %s FROM %I', rel, role_name);
        END IF;
    END LOOP;
    FOR i IN 1 .. cardinality(readable) LOOP
        IF NOT has_column_privilege(role_name, readable[i], readable_columns[i], 'SELECT') THEN
            EXECUTE format('GRANT SELECT (%I) ON %s TO %I', readable_columns[i], readable[i], role_name);
        END IF;
    END LOOP;

    FOREACH t IN ARRAY ARRAY[target, errors_table] LOOP
        rel := to_regclass(session_syncd.quote_qualified(t));
        IF rel IS NULL THEN
            RAISE EXCEPTION 'session_syncd.grant_daemon: table % does not exist (run setup first)', t;
        END IF;
        rels := rels || rel;
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %I', rel, role_name);
    END LOOP;

    -- USAGE on every schema holding one of those tables.
    FOR t IN SELECT DISTINCT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.oid = ANY(rels) LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', t, role_name);
    END LOOP;
END
$grant$;

REVOKE ALL ON FUNCTION session_syncd.grant_daemon(name, regclass, name, name, text, text, text[], name[]) FROM PUBLIC;
