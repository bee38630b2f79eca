-- Site-level records kept beside incidents (maintenance windows and work
-- orders, vendor access grants): every revision of every record, numbered
-- from 1 without gaps per (kind, id). The body is JSON text, opaque to the
-- store. Revisions are append-only: a change is a new revision.
-- Kind and id compare bytewise ("C"), so records list in the same order as on SQLite.
CREATE TABLE records (
    kind        TEXT COLLATE "C" NOT NULL CHECK (kind <> ''),
    id          TEXT COLLATE "C" NOT NULL CHECK (id <> ''),
    rev         BIGINT NOT NULL CHECK (rev >= 1),
    recorded_at BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (kind, id, rev)
);

CREATE FUNCTION interlock_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'records are append-only: put a new revision instead';
END;
$$;

CREATE TRIGGER records_are_append_only BEFORE UPDATE OR DELETE ON records
    FOR EACH ROW EXECUTE FUNCTION interlock_records_append_only();

-- TRUNCATE fires no row trigger: refuse it as well.
CREATE TRIGGER records_are_not_truncated BEFORE TRUNCATE ON records
    FOR EACH STATEMENT EXECUTE FUNCTION interlock_records_append_only();
