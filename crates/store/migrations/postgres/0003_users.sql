-- Users of the server, their sessions and API tokens, and the access log.
-- Secrets are never stored: passwords as argon2id PHC strings, session and
-- API tokens as the SHA-256 of the random token the client holds.
-- Usernames compare bytewise ("C"), so users list in the same order as on SQLite.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT COLLATE "C" NOT NULL UNIQUE CHECK (username <> ''),
    person        TEXT NOT NULL CHECK (person <> ''),
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    is_admin      BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE sessions (
    id         BYTEA PRIMARY KEY CHECK (length(id) = 32),
    user_id    BIGINT NOT NULL REFERENCES users (id),
    csrf       TEXT NOT NULL CHECK (csrf <> ''),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    hash       BYTEA PRIMARY KEY CHECK (length(hash) = 32),
    name       TEXT NOT NULL CHECK (name <> ''),
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_used  BIGINT,
    UNIQUE (user_id, name)
);

-- Who did what to what, and when: sign-ins (failed ones too), sign-outs,
-- tokens issued, reads of incidents. Append-only.
CREATE TABLE access_log (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       BIGINT NOT NULL,
    username TEXT NOT NULL,
    action   TEXT NOT NULL CHECK (action <> ''),
    target   TEXT NOT NULL,
    outcome  TEXT NOT NULL
);

CREATE FUNCTION interlock_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END;
$$;

CREATE TRIGGER access_log_is_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION interlock_access_log_append_only();

CREATE TRIGGER access_log_is_not_truncated BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION interlock_access_log_append_only();
