-- An incident, once created, is never deleted and never renamed; its head
-- moves only when events are appended (the trigger of migration 1). The same
-- version on SQLite also renumbers its events' keys (0004_event_keys.sql).
CREATE FUNCTION interlock_incidents_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'incidents are never deleted';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id THEN
        RAISE EXCEPTION 'an incident keeps its id';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER incidents_are_kept BEFORE UPDATE OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION interlock_incidents_kept();
