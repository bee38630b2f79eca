-- Site-level records kept beside incidents (maintenance windows and work
-- orders, vendor access grants): every revision of every record, numbered
-- from 1 without gaps per (kind, id). The body is JSON text, opaque to the
-- store. Revisions are append-only: a change is a new revision.
CREATE TABLE records (
    kind        TEXT NOT NULL CHECK (kind <> ''),
    id          TEXT NOT NULL CHECK (id <> ''),
    rev         INTEGER NOT NULL CHECK (rev >= 1),
    recorded_at INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (kind, id, rev)
) STRICT;

CREATE TRIGGER records_are_append_only_update BEFORE UPDATE ON records
BEGIN
    SELECT RAISE(ABORT, 'records are append-only: put a new revision instead');
END;

CREATE TRIGGER records_are_append_only_delete BEFORE DELETE ON records
BEGIN
    SELECT RAISE(ABORT, 'records are append-only: put a new revision instead');
END;
