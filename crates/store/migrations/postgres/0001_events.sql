-- The incident record: one row per incident (its head) and the events of
-- every incident's hash chain. Events are append-only.
CREATE TABLE incidents (
    id        TEXT PRIMARY KEY,
    head_seq  BIGINT NOT NULL CHECK (head_seq >= 1),
    head_hash BYTEA NOT NULL
);

CREATE TABLE events (
    incident    TEXT NOT NULL REFERENCES incidents (id),
    seq         BIGINT NOT NULL CHECK (seq >= 1),
    kind        INTEGER NOT NULL,
    recorded_at BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    hash        BYTEA NOT NULL,
    body        BYTEA NOT NULL,
    PRIMARY KEY (incident, seq)
);

-- Appending events moves their incident's head to the last of them, in the
-- same statement (once per statement: a 10 000-row batch is one UPDATE).
CREATE FUNCTION interlock_events_advance_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE incidents AS i SET head_seq = n.seq, head_hash = n.hash
    FROM (SELECT DISTINCT ON (incident) incident, seq, hash FROM new_events ORDER BY incident, seq DESC) AS n
    WHERE i.id = n.incident;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_advance_head AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION interlock_events_advance_head();

CREATE FUNCTION interlock_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: record a correction instead';
END;
$$;

CREATE TRIGGER events_are_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION interlock_events_append_only();
