-- session-syncd, part 2 of 5: session_syncd.setup() creates or upgrades the
-- target table, the errors table, the NOTIFY trigger function and the triggers.
--
--   SELECT session_syncd.setup('sessions', 'session_id', 'data',
--                              'session_fields', 'session_sync_errors', 'session_syncd');
--
-- Idempotent and upgrade-safe: objects that exist are left alone, missing
-- bookkeeping columns are added, a trigger function whose body differs is
-- replaced. Run it as the owner of the source table. A target or errors table
-- that exists already is adopted only if the installing role owns it and it has
-- the foreign key to the source (check_adoptable); otherwise setup() fails, saying why.

-- Before setup() adopts a target or errors table that already exists: it must belong to the
-- installing role and reference the source's key. The daemon writes session ids (bearer
-- credentials) into both tables; a table created beforehand by another role with CREATE on the
-- schema would let that role read them, and put triggers or policies on them.
CREATE OR REPLACE FUNCTION session_syncd.check_adoptable(
    rel regclass,           -- the existing table
    what text,              -- 'target' or 'errors', for the message
    source regclass,
    key_column name
) RETURNS void
LANGUAGE plpgsql AS $check$
DECLARE
    owner_name name;
    rel_key smallint;
    source_key smallint;
BEGIN
    SELECT r.rolname INTO owner_name FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE c.oid = rel;
    IF owner_name IS DISTINCT FROM current_user THEN
        RAISE EXCEPTION 'session_syncd.setup: the % table % already exists and is owned by role %, not by the installing role %; refusing to adopt it: its owner could read the session ids written into it and put triggers on it',
            what, rel, owner_name, current_user
            USING HINT = 'drop or rename that table (after checking who made it), then run install again as the owner of ' || source::text;
    END IF;
    SELECT attnum INTO rel_key FROM pg_attribute WHERE attrelid = rel AND attname = key_column AND NOT attisdropped;
    SELECT attnum INTO source_key FROM pg_attribute WHERE attrelid = source AND attname = key_column AND NOT attisdropped;
    IF rel_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM pg_constraint c
        WHERE c.conrelid = rel AND c.contype = 'f' AND c.confrelid = source
          AND c.conkey = ARRAY[rel_key] AND c.confkey = ARRAY[source_key]
    ) THEN
        RAISE EXCEPTION 'session_syncd.setup: the % table % already exists without a foreign key (%) REFERENCES %(%); refusing to adopt it: its rows would outlive the sessions they mirror',
            what, rel, key_column, source, key_column
            USING HINT = 'drop or rename that table (install creates it with the foreign key), then run install again';
    END IF;
END
$check$;

REVOKE ALL ON FUNCTION session_syncd.check_adoptable(regclass, text, regclass, name) FROM PUBLIC;

CREATE OR REPLACE FUNCTION session_syncd.setup(
    source regclass,        -- the web app's table, e.g. 'sessions' or 'app.sessions'
    key_column name,        -- its key, e.g. session_id (CHAR(n), VARCHAR or TEXT)
    data_column name,       -- its data, TEXT or BYTEA (holding the base64 text)
    target text,            -- the typed mirror, e.g. 'session_fields' (optionally schema-qualified)
    errors_table text,      -- per-session, per-column problems, e.g. 'session_sync_errors'
    channel text            -- NOTIFY channel, e.g. 'session_syncd'
) RETURNS void
LANGUAGE plpgsql AS $setup$
DECLARE
    key_type text;
    data_type regtype;
    target_q text := session_syncd.quote_qualified(target);
    errors_q text := session_syncd.quote_qualified(errors_table);
    target_rel regclass;
    errors_rel regclass;
    fn_name text;
    fn_q text;
    fn_body text;
    fn_oid oid;
    src_schema name;
    src_name name;
BEGIN
    IF channel IS NULL OR channel = '' OR length(channel) > 63 THEN
        RAISE EXCEPTION 'session_syncd.setup: invalid channel name';
    END IF;

    SELECT format_type(a.atttypid, a.atttypmod) INTO key_type
    FROM pg_attribute a
    WHERE a.attrelid = source AND a.attname = key_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF key_type IS NULL THEN
        RAISE EXCEPTION 'session_syncd.setup: % has no column %', source, key_column;
    END IF;

    SELECT a.atttypid::regtype INTO data_type
    FROM pg_attribute a
    WHERE a.attrelid = source AND a.attname = data_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF data_type IS NULL THEN
        RAISE EXCEPTION 'session_syncd.setup: % has no column %', source, data_column;
    END IF;
    IF data_type NOT IN ('text'::regtype, 'character varying'::regtype, 'bytea'::regtype) THEN
        RAISE EXCEPTION 'session_syncd.setup: %.% is %, expected text or bytea', source, data_column, data_type;
    END IF;

    -- REFERENCES needs a unique constraint on the key.
    IF NOT EXISTS (
        SELECT 1 FROM pg_index i
        WHERE i.indrelid = source AND i.indisunique AND i.indpred IS NULL AND i.indnkeyatts = 1
          AND i.indkey[0] = (SELECT attnum FROM pg_attribute WHERE attrelid = source AND attname = key_column)
    ) THEN
        RAISE EXCEPTION 'session_syncd.setup: %.% needs a PRIMARY KEY or UNIQUE constraint', source, key_column;
    END IF;

    -- The typed mirror. Deleted sessions vanish from it without the daemon.
    target_rel := to_regclass(target_q);
    IF target_rel IS NULL THEN
        EXECUTE format(
            'CREATE TABLE %s (%I %s PRIMARY KEY REFERENCES %s (%I) ON DELETE CASCADE, '
            'data_hash bytea, mapping_hash bytea, synced_at timestamptz NOT NULL DEFAULT now())',
            target_q, key_column, key_type, source, key_column);
        EXECUTE format('COMMENT ON TABLE %s IS %L', target_q,
            'session-syncd: typed mirror of ' || source::text || ', written by the daemon');
        target_rel := to_regclass(target_q);
    ELSE
        PERFORM session_syncd.check_adoptable(target_rel, 'target', source, key_column);
        -- Upgrade: bookkeeping columns of later versions.
        IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = target_rel AND attname = 'data_hash' AND NOT attisdropped) THEN
            EXECUTE format('ALTER TABLE %s ADD COLUMN data_hash bytea', target_q);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = target_rel AND attname = 'mapping_hash' AND NOT attisdropped) THEN
            EXECUTE format('ALTER TABLE %s ADD COLUMN mapping_hash bytea', target_q);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = target_rel AND attname = 'synced_at' AND NOT attisdropped) THEN
            EXECUTE format('ALTER TABLE %s ADD COLUMN synced_at timestamptz NOT NULL DEFAULT now()', target_q);
        END IF;
    END IF;

    -- Problems per session and column; cleared by the daemon when the session syncs cleanly.
    errors_rel := to_regclass(errors_q);
    IF errors_rel IS NULL THEN
        EXECUTE format(
            'CREATE TABLE %s ('
            '%I %s NOT NULL REFERENCES %s (%I) ON DELETE CASCADE, '
            'column_name text NOT NULL, '
            'value_excerpt text, '
            'reason text NOT NULL, '
            'first_seen timestamptz NOT NULL DEFAULT now(), '
            'last_seen timestamptz NOT NULL DEFAULT now(), '
            'count bigint NOT NULL DEFAULT 1, '
            'PRIMARY KEY (%I, column_name))',
            errors_q, key_column, key_type, source, key_column, key_column);
        EXECUTE format('COMMENT ON TABLE %s IS %L', errors_q,
            'session-syncd: values that could not be stored in ' || target || ' (column $data: undecodable session)');
    ELSE
        PERFORM session_syncd.check_adoptable(errors_rel, 'errors', source, key_column);
    END IF;

    -- The trigger function: one per source table, key column and channel baked in
    -- (no dynamic SQL per row: the web app's writes stay cheap).
    SELECT n.nspname, c.relname INTO src_schema, src_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = source;
    fn_name := left('notify_' || src_schema || '_' || src_name, 63);
    fn_q := format('session_syncd.%I', fn_name);
    fn_body := format(E'\nBEGIN\n    PERFORM pg_notify(%L, NEW.%I::text);\n    RETURN NULL;\nEND\n', channel, key_column);
    SELECT p.oid INTO fn_oid FROM pg_proc p
    WHERE p.pronamespace = 'session_syncd'::regnamespace AND p.proname = fn_name AND p.pronargs = 0;
    IF fn_oid IS NULL OR (SELECT prosrc FROM pg_proc WHERE oid = fn_oid) IS DISTINCT FROM fn_body THEN
        EXECUTE format('CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS %L', fn_q, fn_body);
        fn_oid := to_regprocedure(fn_q || '()');
    END IF;

    -- AFTER INSERT, and AFTER UPDATE only when the data really changed: web.py
    -- touches atime on every read and rewrites identical data on every request.
    -- With the queue feed installed (05-feed.sql) its triggers are left alone:
    -- setup_feed() decides which feed's function they call.
    IF session_syncd.installed_feed(source) IS NOT DISTINCT FROM 'queue' THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = source AND tgname = 'session_syncd_insert' AND tgfoid = fn_oid) THEN
        IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = source AND tgname = 'session_syncd_insert') THEN
            EXECUTE format('DROP TRIGGER session_syncd_insert ON %s', source);
        END IF;
        EXECUTE format('CREATE TRIGGER session_syncd_insert AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION %s()',
                       source, fn_q);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = source AND tgname = 'session_syncd_update' AND tgfoid = fn_oid) THEN
        IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = source AND tgname = 'session_syncd_update') THEN
            EXECUTE format('DROP TRIGGER session_syncd_update ON %s', source);
        END IF;
        EXECUTE format('CREATE TRIGGER session_syncd_update AFTER UPDATE OF %I ON %s FOR EACH ROW '
                       'WHEN (OLD.%I IS DISTINCT FROM NEW.%I) EXECUTE FUNCTION %s()',
                       data_column, source, data_column, data_column, fn_q);
    END IF;
END
$setup$;

REVOKE ALL ON FUNCTION session_syncd.setup(regclass, name, name, text, text, text) FROM PUBLIC;
