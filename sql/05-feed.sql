-- session-syncd, part 5 of 5: the change feed, "notify" or "queue".
--
--   SELECT session_syncd.setup_feed('sessions', 'session_id', 'data', 'session_syncd', 'queue');
--   SELECT session_syncd.grant_daemon_feed('session_syncd', 'sessions');   -- with a daemon role
--
-- Call setup_feed() after setup(), as the owner of the source table, in the same
-- transaction (install does). It points the two triggers of the source
-- (session_syncd_insert, session_syncd_update; same WHEN conditions for both feeds)
-- at the chosen feed's function and removes the other feed's objects, so exactly
-- one feed is live at any time; switching is one transaction.
--
-- notify: the trigger calls pg_notify(channel, session_id) per changed row. Simple;
--   but PostgreSQL commits every NOTIFYing transaction under one cluster-wide lock.
-- queue: the trigger appends the session id to session_syncd.queue_<schema>_<table>
--   (append-only; a bigint identity per entry) and notifies only when the one-row
--   table session_syncd.wakeup_<schema>_<table> says the daemon is idle ("armed"):
--   the first writer after an idle period disarms it and sends one NOTIFY with an
--   empty payload; every other writer only reads the flag. The daemon drains the
--   queue, deleting each entry by id in the transaction that writes its session's
--   row, and re-arms the flag when it finds the queue empty. Both tables belong to
--   the installer; the trigger function is SECURITY DEFINER, so the web app's role
--   needs no privilege on them.

-- 'queue' if the source's update trigger is the queue feed's, 'notify' if it is the
-- notify feed's, NULL if there is none.
CREATE OR REPLACE FUNCTION session_syncd.installed_feed(source regclass) RETURNS text
    LANGUAGE sql STABLE
    RETURN (SELECT CASE WHEN p.proname LIKE 'enqueue\_%' THEN 'queue' WHEN p.proname LIKE 'notify\_%' THEN 'notify' END
            FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE t.tgrelid = source AND t.tgname = 'session_syncd_update' AND p.pronamespace = 'session_syncd'::regnamespace);

-- The names of the queue feed's objects for a source table (unquoted, in schema session_syncd).
CREATE OR REPLACE FUNCTION session_syncd.feed_object(source regclass, kind text) RETURNS name
    LANGUAGE sql STABLE
    RETURN (SELECT left(kind || '_' || n.nspname || '_' || c.relname, 63)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = source);

CREATE OR REPLACE FUNCTION session_syncd.setup_feed(
    source regclass,        -- the web app's table
    key_column name,        -- its key
    data_column name,       -- its data
    channel text,           -- the NOTIFY channel the daemon LISTENs on
    feed text               -- 'notify' or 'queue'
) RETURNS void
LANGUAGE plpgsql AS $feed$
DECLARE
    key_type text;
    queue_name name := session_syncd.feed_object(source, 'queue');
    wakeup_name name := session_syncd.feed_object(source, 'wakeup');
    enqueue_name name := session_syncd.feed_object(source, 'enqueue');
    fn_name name;
    fn_q text;
    fn_body text;
    fn_oid oid;
BEGIN
    IF feed IS NULL OR feed NOT IN ('notify', 'queue') THEN
        RAISE EXCEPTION 'session_syncd.setup_feed: feed must be notify or queue';
    END IF;
    IF channel IS NULL OR channel = '' OR length(channel) > 63 THEN
        RAISE EXCEPTION 'session_syncd.setup_feed: invalid channel name';
    END IF;
    SELECT format_type(a.atttypid, a.atttypmod) INTO key_type
    FROM pg_attribute a
    WHERE a.attrelid = source AND a.attname = key_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF key_type IS NULL THEN
        RAISE EXCEPTION 'session_syncd.setup_feed: % has no column %', source, key_column;
    END IF;

    IF feed = 'notify' THEN
        -- setup() created the notify function; the triggers are re-pointed below.
        fn_name := session_syncd.feed_object(source, 'notify');
        fn_q := format('session_syncd.%I', fn_name);
        fn_oid := to_regprocedure(fn_q || '()');
        IF fn_oid IS NULL THEN
            RAISE EXCEPTION 'session_syncd.setup_feed: % does not exist (run setup first)', fn_q;
        END IF;
    ELSE
        -- Append-only: no row that every writer updates. Autovacuum after 1,000 dead
        -- entries whatever the table's size (the default 20 % of a table that is
        -- usually empty would mean never), without cost-based sleeping.
        IF to_regclass(format('session_syncd.%I', queue_name)) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE session_syncd.%I (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, %I %s NOT NULL) '
                'WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, '
                'autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000, '
                'autovacuum_vacuum_cost_delay = 0)',
                queue_name, key_column, key_type);
            EXECUTE format('COMMENT ON TABLE session_syncd.%I IS %L', queue_name,
                'session-syncd: ids of changed sessions of ' || source::text || ', until the daemon has written them');
        END IF;
        IF to_regclass(format('session_syncd.%I', wakeup_name)) IS NULL THEN
            EXECUTE format('CREATE TABLE session_syncd.%I (armed boolean NOT NULL)', wakeup_name);
            EXECUTE format('INSERT INTO session_syncd.%I VALUES (true)', wakeup_name);
            EXECUTE format('COMMENT ON TABLE session_syncd.%I IS %L', wakeup_name,
                'session-syncd: one row; true while the daemon waits for a NOTIFY to look at the queue');
        END IF;
        -- SECURITY DEFINER, so every name in the body is schema-qualified and there is no
        -- operator a caller's search_path could replace; the function-level SET search_path
        -- that would also do is left out because it costs every save a GUC save/restore.
        fn_name := enqueue_name;
        fn_q := format('session_syncd.%I', fn_name);
        fn_body := format(E'\nBEGIN\n'
            '    INSERT INTO session_syncd.%I (%I) VALUES (NEW.%I);\n'
            '    IF (SELECT armed FROM session_syncd.%I) THEN\n'
            '        UPDATE session_syncd.%I SET armed = false WHERE armed;\n'
            '        IF FOUND THEN\n'
            '            PERFORM pg_catalog.pg_notify(%L, %L);\n'
            '        END IF;\n'
            '    END IF;\n'
            '    RETURN NULL;\nEND\n',
            queue_name, key_column, key_column, wakeup_name, wakeup_name, channel, '');
        fn_oid := to_regprocedure(fn_q || '()');
        IF fn_oid IS NULL OR (SELECT prosrc FROM pg_proc WHERE oid = fn_oid) IS DISTINCT FROM fn_body THEN
            EXECUTE format('CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS %L', fn_q, fn_body);
            EXECUTE format('REVOKE ALL ON FUNCTION %s() FROM PUBLIC', fn_q);
            fn_oid := to_regprocedure(fn_q || '()');
        END IF;
    END IF;

    -- The same two triggers for both feeds, pointed at the chosen function.
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = source AND tgname = 'session_syncd_insert' AND tgfoid = fn_oid) THEN
        EXECUTE format('DROP TRIGGER IF EXISTS session_syncd_insert ON %s', source);
        EXECUTE format('CREATE TRIGGER session_syncd_insert AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION %s()',
                       source, fn_q);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = source AND tgname = 'session_syncd_update' AND tgfoid = fn_oid) THEN
        EXECUTE format('DROP TRIGGER IF EXISTS session_syncd_update ON %s', source);
        EXECUTE format('CREATE TRIGGER session_syncd_update AFTER UPDATE OF %I ON %s FOR EACH ROW '
                       'WHEN (OLD.%I IS DISTINCT FROM NEW.%I) EXECUTE FUNCTION %s()',
                       data_column, source, data_column, data_column, fn_q);
    END IF;

    IF feed = 'notify' THEN
        -- The queue feed's objects go. Entries still queued are sessions whose row differs
        -- from session_fields: the catch-up of the next daemon start syncs them.
        EXECUTE format('DROP FUNCTION IF EXISTS session_syncd.%I()', enqueue_name);
        EXECUTE format('DROP TABLE IF EXISTS session_syncd.%I', queue_name);
        EXECUTE format('DROP TABLE IF EXISTS session_syncd.%I', wakeup_name);
    END IF;
END
$feed$;

REVOKE ALL ON FUNCTION session_syncd.setup_feed(regclass, name, name, text, text) FROM PUBLIC;

-- What the daemon's role needs for the queue feed: read and delete queue entries,
-- read and set the wakeup flag. Nothing for the notify feed (LISTEN needs no privilege).
CREATE OR REPLACE FUNCTION session_syncd.grant_daemon_feed(role_name name, source regclass) RETURNS void
LANGUAGE plpgsql AS $grant$
DECLARE
    queue_name name := session_syncd.feed_object(source, 'queue');
    wakeup_name name := session_syncd.feed_object(source, 'wakeup');
BEGIN
    IF to_regclass(format('session_syncd.%I', queue_name)) IS NOT NULL THEN
        EXECUTE format('GRANT SELECT, DELETE ON session_syncd.%I TO %I', queue_name, role_name);
        EXECUTE format('GRANT SELECT, UPDATE ON session_syncd.%I TO %I', wakeup_name, role_name);
    END IF;
END
$grant$;

REVOKE ALL ON FUNCTION session_syncd.grant_daemon_feed(name, regclass) FROM PUBLIC;
