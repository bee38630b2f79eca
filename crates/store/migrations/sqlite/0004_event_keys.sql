-- Every event under one integer key: its incident's number in the high 32
-- bits, its sequence number in the low 32. The events table becomes SQLite's
-- own rowid tree, so that appending an event writes one page (the last leaf)
-- where it wrote three before (the table, its (incident, seq) index, and the
-- incident's head row, moved by a trigger). One durable commit then writes
-- as many bytes as a bare one-row insert, and reading an incident walks a
-- contiguous run of leaves instead of an index with a lookup per row.
--
-- An incident's head is no longer stored: it is its event with the highest
-- key, found in one descent of the tree. Every incident has at least one
-- event: it is created in the transaction that appends its first events.
CREATE TABLE incidents_keyed (
    n  INTEGER PRIMARY KEY NOT NULL CHECK (n BETWEEN 1 AND 2147483647),
    id TEXT NOT NULL UNIQUE CHECK (id <> '')
) STRICT;

INSERT INTO incidents_keyed (id) SELECT id FROM incidents ORDER BY id;

CREATE TABLE events_keyed (
    key         INTEGER PRIMARY KEY NOT NULL CHECK (key > 0),
    incident    TEXT NOT NULL REFERENCES incidents_keyed (id),
    seq         INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 4294967295 AND seq = (key & 4294967295)),
    kind        INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    hash        BLOB NOT NULL,
    body        BLOB NOT NULL
) STRICT;

INSERT INTO events_keyed (key, incident, seq, kind, recorded_at, actor, hash, body)
SELECT (i.n << 32) | e.seq, e.incident, e.seq, e.kind, e.recorded_at, e.actor, e.hash, e.body
FROM events AS e JOIN incidents_keyed AS i ON i.id = e.incident
ORDER BY i.n, e.seq;

-- Dropping a table fires none of its triggers; the old append-only triggers go with it.
DROP TABLE events;
DROP TABLE incidents;
ALTER TABLE incidents_keyed RENAME TO incidents;
ALTER TABLE events_keyed RENAME TO events;

-- The key's high bits must be the number of the incident the row names.
CREATE TRIGGER events_key_names_the_incident BEFORE INSERT ON events
WHEN (SELECT n FROM incidents WHERE id = NEW.incident) IS NOT NEW.key >> 32
BEGIN
    SELECT RAISE(ABORT, 'an event''s key must carry its incident''s number');
END;

CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: record a correction instead');
END;

CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: record a correction instead');
END;

CREATE TRIGGER incidents_are_never_renumbered BEFORE UPDATE ON incidents
BEGIN
    SELECT RAISE(ABORT, 'an incident keeps its number and id');
END;

CREATE TRIGGER incidents_are_never_deleted BEFORE DELETE ON incidents
BEGIN
    SELECT RAISE(ABORT, 'incidents are never deleted');
END;
