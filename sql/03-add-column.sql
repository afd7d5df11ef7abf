-- session-syncd, part 3 of 5: session_syncd.add_column() adds one mapped column
-- to the target table, with an index and an optional foreign key.
--
--   SELECT session_syncd.add_column('session_fields', 'uid', 'integer', 'users', 'id');
--   SELECT session_syncd.add_column('session_fields', 'current_page', 'text', NULL, NULL);
--
-- Idempotent: an existing column of the same type is left alone; an existing
-- column of another type is an error (change it by hand, or drop it).
-- Foreign keys are ON DELETE SET NULL: deleting a user never fails because of
-- a session that mentions it.

CREATE OR REPLACE FUNCTION session_syncd.add_column(
    target text,                -- e.g. 'session_fields'
    column_name name,           -- e.g. 'uid'
    column_type text,           -- integer, bigint, smallint, boolean, text, numeric, double precision,
                                -- timestamp, timestamptz, date, uuid or jsonb
    references_table text,      -- e.g. 'users' or 'app.users', NULL for none
    references_column name      -- e.g. 'id', NULL for none
) RETURNS void
LANGUAGE plpgsql AS $add$
DECLARE
    target_q text := session_syncd.quote_qualified(target);
    target_rel regclass := to_regclass(session_syncd.quote_qualified(target));
    wanted regtype;
    existing regtype;
    index_name text;
    fk_name text;
    ref_q text;
BEGIN
    IF target_rel IS NULL THEN
        RAISE EXCEPTION 'session_syncd.add_column: table % does not exist (run setup first)', target;
    END IF;
    IF column_name IN ('data_hash', 'mapping_hash', 'synced_at') THEN
        RAISE EXCEPTION 'session_syncd.add_column: % is a bookkeeping column', column_name;
    END IF;
    -- A fixed list: the daemon converts exactly these types.
    wanted := CASE lower(column_type)
        WHEN 'integer' THEN 'integer'::regtype
        WHEN 'bigint' THEN 'bigint'::regtype
        WHEN 'smallint' THEN 'smallint'::regtype
        WHEN 'boolean' THEN 'boolean'::regtype
        WHEN 'text' THEN 'text'::regtype
        WHEN 'numeric' THEN 'numeric'::regtype
        WHEN 'double precision' THEN 'double precision'::regtype
        WHEN 'timestamp' THEN 'timestamp without time zone'::regtype
        WHEN 'timestamptz' THEN 'timestamp with time zone'::regtype
        WHEN 'date' THEN 'date'::regtype
        WHEN 'uuid' THEN 'uuid'::regtype
        WHEN 'jsonb' THEN 'jsonb'::regtype
    END;
    IF wanted IS NULL THEN
        RAISE EXCEPTION 'session_syncd.add_column: unsupported type %', column_type;
    END IF;

    SELECT a.atttypid::regtype INTO existing FROM pg_attribute a
    WHERE a.attrelid = target_rel AND a.attname = column_name AND a.attnum > 0 AND NOT a.attisdropped;
    IF existing IS NULL THEN
        EXECUTE format('ALTER TABLE %s ADD COLUMN %I %s', target_q, column_name, wanted);
    ELSIF existing <> wanted THEN
        RAISE EXCEPTION 'session_syncd.add_column: %.% exists with type %, configured %', target, column_name, existing, wanted
            USING HINT = 'ALTER the column or drop it, then run install again';
    END IF;

    -- One index per typed column (GIN for jsonb, so containment queries use it).
    IF NOT EXISTS (
        SELECT 1 FROM pg_index i
        WHERE i.indrelid = target_rel AND i.indnkeyatts = 1
          AND i.indkey[0] = (SELECT attnum FROM pg_attribute WHERE attrelid = target_rel AND attname = column_name)
    ) THEN
        index_name := left((SELECT relname FROM pg_class WHERE oid = target_rel) || '_' || column_name, 59) || '_idx';
        IF wanted = 'jsonb'::regtype THEN
            EXECUTE format('CREATE INDEX %I ON %s USING gin (%I jsonb_path_ops)', index_name, target_q, column_name);
        ELSE
            EXECUTE format('CREATE INDEX %I ON %s (%I)', index_name, target_q, column_name);
        END IF;
    END IF;

    IF references_table IS NOT NULL THEN
        ref_q := session_syncd.quote_qualified(references_table);
        IF to_regclass(ref_q) IS NULL THEN
            RAISE EXCEPTION 'session_syncd.add_column: % references %(%), which does not exist', column_name, references_table, references_column
                USING HINT = 'create the table, or remove the column''s references setting';
        END IF;
        IF NOT EXISTS (
            SELECT 1 FROM pg_constraint c
            WHERE c.conrelid = target_rel AND c.contype = 'f'
              AND c.confrelid = to_regclass(ref_q)
              AND c.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = target_rel AND attname = column_name)]
        ) THEN
            fk_name := left((SELECT relname FROM pg_class WHERE oid = target_rel) || '_' || column_name, 58) || '_fkey';
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %s (%I) ON DELETE SET NULL',
                           target_q, fk_name, column_name, ref_q, references_column);
        END IF;
    END IF;
END
$add$;

REVOKE ALL ON FUNCTION session_syncd.add_column(text, name, text, text, name) FROM PUBLIC;
