-- session-syncd, part 6 of 6: the status table, its view and the daemon's one way to write it.
--
--   SELECT session_syncd.setup_status('session_fields');
--   SELECT session_syncd.grant_daemon_status('session_syncd');   -- with a daemon role
--   SELECT * FROM session_sync_status;                            -- "is it working?"
--
-- Every instance of the daemon (active or standby) writes one row of
-- session_syncd.instance_status every [status] interval_s (default 5 s), in one tiny
-- transaction, through session_syncd.report_status() (SECURITY DEFINER): the daemon's
-- role has no privilege on the table itself. A row whose last_heartbeat_at is older
-- than a few intervals belongs to a dead (or cut off) instance; report_status()
-- deletes rows older than the caller's retention (default 1 h). The view
-- session_sync_status (in the target table's schema) adds heartbeat_age_s and fresh;
-- members of pg_monitor (postgres_exporter's usual role) may read it.
-- Call setup_status() as the owner, after setup() (install does).

CREATE OR REPLACE FUNCTION session_syncd.setup_status(target text) RETURNS void
LANGUAGE plpgsql AS $status$
DECLARE
    target_rel regclass := to_regclass(session_syncd.quote_qualified(target));
    view_schema name;
    view_q text;
    view_rel regclass;
    -- Bumped whenever the view's definition changes: an unchanged view is left alone.
    marker constant text := 'session-syncd: one row per daemon instance (view version 1)';
BEGIN
    IF target_rel IS NULL THEN
        RAISE EXCEPTION 'session_syncd.setup_status: table % does not exist (run setup first)', target;
    END IF;
    IF to_regclass('session_syncd.instance_status') IS NULL THEN
        CREATE TABLE session_syncd.instance_status (
            instance_id uuid PRIMARY KEY,
            target text NOT NULL,            -- the target table, as the daemon names it (quoted, qualified)
            channel text NOT NULL,
            host text NOT NULL,
            pid integer NOT NULL,
            version text NOT NULL,
            role text NOT NULL CHECK (role IN ('active', 'standby', 'stopped')),
            role_since timestamptz,          -- last role change (NULL: none since start)
            started_at timestamptz NOT NULL,
            last_heartbeat_at timestamptz NOT NULL,   -- the server's clock at the last write
            interval_s double precision NOT NULL,     -- how often this instance writes
            connected boolean NOT NULL,      -- its connections to the database are up
            sessions_synced bigint NOT NULL, -- since start
            errors bigint NOT NULL,          -- problems recorded, since start
            batches bigint NOT NULL,         -- since start
            lag_samples bigint NOT NULL,     -- sessions whose lag was measured in the last interval
            lag_p50_ms double precision,     -- notification to commit, last interval; NULL without samples
            lag_p99_ms double precision,
            lag_max_ms double precision,
            last_notification_at timestamptz,
            backlog bigint,                  -- sessions waiting in this instance; NULL when not known
            warning text                     -- why this instance cannot work (e.g. connected to a hot standby)
        );
        COMMENT ON TABLE session_syncd.instance_status IS
            'session-syncd: one row per daemon instance, written through session_syncd.report_status()';
    END IF;

    SELECT n.nspname INTO view_schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = target_rel;
    view_q := format('%I.session_sync_status', view_schema);
    view_rel := to_regclass(view_q);
    IF view_rel IS NOT NULL AND (SELECT relkind FROM pg_class WHERE oid = view_rel) <> 'v' THEN
        RAISE EXCEPTION 'session_syncd.setup_status: % exists and is not a view', view_q;
    END IF;
    IF view_rel IS NULL OR obj_description(view_rel, 'pg_class') IS DISTINCT FROM marker THEN
        IF view_rel IS NOT NULL THEN
            EXECUTE format('DROP VIEW %s', view_q);
        END IF;
        EXECUTE format($v$
            CREATE VIEW %s AS
            SELECT s.instance_id, s.target, s.channel, s.host, s.pid, s.version, s.role, s.role_since,
                   s.started_at, s.last_heartbeat_at,
                   round(extract(epoch FROM now() - s.last_heartbeat_at)::numeric, 1) AS heartbeat_age_s,
                   (s.role <> 'stopped' AND now() - s.last_heartbeat_at <= 3 * s.interval_s * interval '1 second') AS fresh,
                   s.interval_s, s.connected, s.sessions_synced, s.errors, s.batches, s.lag_samples,
                   s.lag_p50_ms, s.lag_p99_ms, s.lag_max_ms, s.last_notification_at, s.backlog, s.warning
            FROM session_syncd.instance_status s
            $v$, view_q);
        EXECUTE format('COMMENT ON VIEW %s IS %L', view_q, marker);
        EXECUTE format('GRANT SELECT ON %s TO pg_monitor', view_q);
    END IF;
END
$status$;

REVOKE ALL ON FUNCTION session_syncd.setup_status(text) FROM PUBLIC;

-- The daemon's heartbeat: upserts its own row (last_heartbeat_at = the server's now())
-- and deletes every row whose heartbeat is older than retention_s.
CREATE OR REPLACE FUNCTION session_syncd.report_status(
    instance_id uuid, target text, channel text, host text, pid integer, version text,
    role text, role_since timestamptz, started_at timestamptz, interval_s double precision,
    connected boolean, sessions_synced bigint, errors bigint, batches bigint, lag_samples bigint,
    lag_p50_ms double precision, lag_p99_ms double precision, lag_max_ms double precision,
    last_notification_at timestamptz, backlog bigint, warning text, retention_s double precision
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $report$
BEGIN
    IF interval_s IS NULL OR interval_s <= 0 OR retention_s IS NULL OR retention_s <= 0 THEN
        RAISE EXCEPTION 'session_syncd.report_status: interval_s and retention_s must be positive';
    END IF;
    INSERT INTO session_syncd.instance_status AS s VALUES (
        instance_id, left(target, 300), left(channel, 63), left(host, 255), pid, left(version, 64),
        role, role_since, started_at, now(), interval_s, connected, sessions_synced, errors, batches,
        lag_samples, lag_p50_ms, lag_p99_ms, lag_max_ms, last_notification_at, backlog, left(warning, 500))
    ON CONFLICT ON CONSTRAINT instance_status_pkey DO UPDATE SET
        target = EXCLUDED.target, channel = EXCLUDED.channel, host = EXCLUDED.host, pid = EXCLUDED.pid,
        version = EXCLUDED.version, role = EXCLUDED.role, role_since = EXCLUDED.role_since,
        started_at = EXCLUDED.started_at, last_heartbeat_at = EXCLUDED.last_heartbeat_at,
        interval_s = EXCLUDED.interval_s, connected = EXCLUDED.connected,
        sessions_synced = EXCLUDED.sessions_synced, errors = EXCLUDED.errors, batches = EXCLUDED.batches,
        lag_samples = EXCLUDED.lag_samples, lag_p50_ms = EXCLUDED.lag_p50_ms, lag_p99_ms = EXCLUDED.lag_p99_ms,
        lag_max_ms = EXCLUDED.lag_max_ms, last_notification_at = EXCLUDED.last_notification_at,
        backlog = EXCLUDED.backlog, warning = EXCLUDED.warning;
    DELETE FROM session_syncd.instance_status AS s
    WHERE s.last_heartbeat_at < now() - retention_s * interval '1 second';
END
$report$;

REVOKE ALL ON FUNCTION session_syncd.report_status(uuid, text, text, text, integer, text, text, timestamptz,
    timestamptz, double precision, boolean, bigint, bigint, bigint, bigint, double precision, double precision,
    double precision, timestamptz, bigint, text, double precision) FROM PUBLIC;

-- What the daemon's role gets: EXECUTE on report_status() and SELECT on the view
-- (so `session-syncd status` works as that role too). Nothing on the table.
CREATE OR REPLACE FUNCTION session_syncd.grant_daemon_status(role_name name, target text) RETURNS void
LANGUAGE plpgsql AS $grant$
DECLARE
    view_q text := (SELECT format('%I.session_sync_status', n.nspname)
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.oid = to_regclass(session_syncd.quote_qualified(target)));
BEGIN
    IF view_q IS NULL OR to_regclass(view_q) IS NULL THEN
        RAISE EXCEPTION 'session_syncd.grant_daemon_status: no status view for % (run setup_status first)', target;
    END IF;
    IF NOT has_function_privilege(role_name, 'session_syncd.report_status(uuid, text, text, text, integer, text, text, '
            'timestamptz, timestamptz, double precision, boolean, bigint, bigint, bigint, bigint, double precision, '
            'double precision, double precision, timestamptz, bigint, text, double precision)', 'EXECUTE') THEN
        EXECUTE format('GRANT EXECUTE ON FUNCTION session_syncd.report_status(uuid, text, text, text, integer, text, text, '
            'timestamptz, timestamptz, double precision, boolean, bigint, bigint, bigint, bigint, double precision, '
            'double precision, double precision, timestamptz, bigint, text, double precision) TO %I', role_name);
    END IF;
    IF NOT has_table_privilege(role_name, view_q, 'SELECT') THEN
        EXECUTE format('GRANT SELECT ON %s TO %I', view_q, role_name);
    END IF;
END
$grant$;

REVOKE ALL ON FUNCTION session_syncd.grant_daemon_status(name, text) FROM PUBLIC;
