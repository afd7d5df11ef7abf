-- session-syncd, part 4 of 5: session_syncd.grant_daemon() gives the daemon's
-- role exactly what it needs and nothing else:
--   SELECT on the source table and on tables that mapped columns reference,
--   SELECT, INSERT, UPDATE, DELETE on the target and errors tables,
--   USAGE on the schemas involved, EXECUTE on session_syncd.data_hash().
-- LISTEN needs no privilege. The role itself (LOGIN, password or peer
-- authentication) is created by the DBA:
--
--   CREATE ROLE session_syncd LOGIN;
--   SELECT session_syncd.grant_daemon('session_syncd', 'sessions',
--            'session_fields', 'session_sync_errors', ARRAY['users']);

CREATE OR REPLACE FUNCTION session_syncd.grant_daemon(
    role_name name,
    source regclass,
    target text,
    errors_table text,
    referenced_tables text[]
) RETURNS void
LANGUAGE plpgsql AS $grant$
DECLARE
    rel regclass;
    rels regclass[];
    t text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        RAISE EXCEPTION 'session_syncd.grant_daemon: role % does not exist', role_name
            USING HINT = 'CREATE ROLE ' || quote_ident(role_name) || ' LOGIN; then run install again';
    END IF;

    EXECUTE format('GRANT USAGE ON SCHEMA session_syncd TO %I', role_name);
    EXECUTE format('GRANT EXECUTE ON FUNCTION session_syncd.data_hash(text), session_syncd.data_hash(bytea) TO %I', role_name);

    rels := ARRAY[source];
    FOREACH t IN ARRAY coalesce(referenced_tables, '{}') LOOP
        rel := to_regclass(session_syncd.quote_qualified(t));
        IF rel IS NULL THEN
            RAISE EXCEPTION 'session_syncd.grant_daemon: table % does not exist', t;
        END IF;
        rels := rels || rel;
    END LOOP;
    FOREACH rel IN ARRAY rels LOOP
        EXECUTE format('GRANT SELECT ON %s TO %I', rel, role_name);
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

REVOKE ALL ON FUNCTION session_syncd.grant_daemon(name, regclass, text, text, text[]) FROM PUBLIC;
