-- The incident record: one row per incident (its head) and the events of
-- every incident's hash chain. Events are append-only.
CREATE TABLE incidents (
    id        TEXT PRIMARY KEY NOT NULL,
    head_seq  INTEGER NOT NULL CHECK (head_seq >= 1),
    head_hash BLOB NOT NULL
) STRICT;

CREATE TABLE events (
    incident    TEXT NOT NULL REFERENCES incidents (id),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    kind        INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    hash        BLOB NOT NULL,
    body        BLOB NOT NULL,
    PRIMARY KEY (incident, seq)
) STRICT;

-- Appending an event moves its incident's head to it, in the same statement.
CREATE TRIGGER events_advance_head AFTER INSERT ON events
BEGIN
    UPDATE incidents SET head_seq = NEW.seq, head_hash = NEW.hash WHERE id = NEW.incident;
END;

CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: record a correction instead');
END;

CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: record a correction instead');
END;
