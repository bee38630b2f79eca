-- Users of the server, their sessions and API tokens, and the access log.
-- Secrets are never stored: passwords as argon2id PHC strings, session and
-- API tokens as the SHA-256 of the random token the client holds.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE CHECK (username <> ''),
    person        TEXT NOT NULL CHECK (person <> ''),
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    is_admin      INTEGER NOT NULL CHECK (is_admin IN (0, 1)),
    created_at    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
) STRICT;

CREATE TABLE sessions (
    id         BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 32),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf       TEXT NOT NULL CHECK (csrf <> ''),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    hash       BLOB PRIMARY KEY NOT NULL CHECK (length(hash) = 32),
    name       TEXT NOT NULL CHECK (name <> ''),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    last_used  INTEGER,
    UNIQUE (user_id, name)
) STRICT;

-- Who did what to what, and when: sign-ins (failed ones too), sign-outs,
-- tokens issued, reads of incidents. Append-only.
CREATE TABLE access_log (
    id       INTEGER PRIMARY KEY NOT NULL,
    at       INTEGER NOT NULL,
    username TEXT NOT NULL,
    action   TEXT NOT NULL CHECK (action <> ''),
    target   TEXT NOT NULL,
    outcome  TEXT NOT NULL
) STRICT;

CREATE TRIGGER access_log_is_append_only_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;

CREATE TRIGGER access_log_is_append_only_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;
