-- PostgreSQL's floor for bench/run: the guarded upsert of one batch of pre-decoded rows
-- (bench_decoded n in ($1, $2]), from SQL alone: no client decoding, no data over the wire.
-- The same guarantees as session-syncd's GuardedUpsert for the default mapping: written only
-- if the source row still hashes to what was decoded, the uid foreign key checked (NULL if no
-- user; the last count is what would be reported), unchanged rows not rewritten, the written
-- sessions' old errors deleted. The foreign key is a scalar subquery per row: the
-- planner estimates one row for the hash-guarded join, and any join after it became a nested loop
-- over the whole of users or of the batch (measured: 134 ms of 178 for 1,000 rows).
-- The source row is found per session through a LATERAL subquery kept apart by OFFSET 0, as
-- GuardedUpsert does: as a plain join the planner may hash the whole of sessions, data_hash of
-- every row, for every batch (measured: 600 of 840 ms for 1,000 rows of 20,000).
WITH g AS MATERIALIZED (
  SELECT s.session_id AS k, v.h, (SELECT r.id FROM users r WHERE r.id = (v.c0)::integer) AS uid, v.c0, v.c1, v.c2
  FROM bench_decoded v CROSS JOIN LATERAL (SELECT s.session_id FROM sessions s
    WHERE s.session_id = v.k::bpchar AND session_syncd.data_hash(s.data) = v.h OFFSET 0) s
  WHERE v.n > $1 AND v.n <= $2
), ins AS (
  INSERT INTO session_fields AS t (session_id, data_hash, mapping_hash, synced_at, uid, current_page, user_role)
  SELECT g.k, g.h, $3, now(), g.uid, (g.c1)::text, (g.c2)::text FROM g
  ON CONFLICT (session_id) DO UPDATE SET data_hash = EXCLUDED.data_hash, mapping_hash = EXCLUDED.mapping_hash,
    synced_at = EXCLUDED.synced_at, uid = EXCLUDED.uid, current_page = EXCLUDED.current_page, user_role = EXCLUDED.user_role
  WHERE t.data_hash IS DISTINCT FROM EXCLUDED.data_hash OR t.mapping_hash IS DISTINCT FROM EXCLUDED.mapping_hash
    OR t.uid IS DISTINCT FROM EXCLUDED.uid OR t.current_page IS DISTINCT FROM EXCLUDED.current_page
    OR t.user_role IS DISTINCT FROM EXCLUDED.user_role
  RETURNING 1
), d AS (
  DELETE FROM session_sync_errors x USING g WHERE x.session_id = g.k RETURNING 1
)
SELECT (SELECT count(*) FROM g), (SELECT count(*) FROM ins), (SELECT count(*) FROM d), (SELECT count(*) FROM g WHERE c0 IS NOT NULL AND uid IS NULL)
