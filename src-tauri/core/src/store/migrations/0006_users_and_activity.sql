-- Local users with one policy each, and the activity log.
--
-- Users exist to prevent mistakes and keep an honest record on a shared desktop, not to defend
-- against the machine's owner: there are no passwords, and switching user is recorded.
CREATE TABLE users (
    id           TEXT PRIMARY KEY,                -- usr_…
    name         TEXT NOT NULL,
    policy       TEXT NOT NULL CHECK (policy IN
                     ('amp360', 'ampiq', 'amp360+ampiq', 'operator', 'administrator')),
    restrict_pii INTEGER NOT NULL DEFAULT 0 CHECK (restrict_pii IN (0, 1)),
    disabled     INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at   INTEGER NOT NULL,                -- unix seconds
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_name ON users (name COLLATE NOCASE);

-- Append-only: rows are only ever inserted, and each carries the hash of the one before it,
-- so an entry changed or removed with an SQLite tool breaks the chain (`ferry activity verify`).
-- The triggers stop Ferry's own code from editing the log by mistake; they are no lock
-- against someone who drops them, which is what the chain is for.
CREATE TABLE activity (
    seq         INTEGER PRIMARY KEY,              -- 1, 2, 3, … without gaps
    at_ms       INTEGER NOT NULL,                 -- unix milliseconds
    user_id     TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    kind        TEXT NOT NULL,                    -- area: config, users, session, data, query, …
    action      TEXT NOT NULL,                    -- what exactly: destination.update, query.run, …
    target      TEXT NOT NULL DEFAULT '',         -- the record or table it was about
    outcome     TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'refused', 'cancelled')),
    reveals_pii INTEGER NOT NULL DEFAULT 0 CHECK (reveals_pii IN (0, 1)),
    summary     TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX activity_at ON activity (at_ms);
CREATE INDEX activity_user ON activity (user_name COLLATE NOCASE, seq);
CREATE INDEX activity_kind ON activity (kind, seq);

CREATE TRIGGER activity_no_update BEFORE UPDATE ON activity
BEGIN
    SELECT RAISE(ABORT, 'the activity log is append-only');
END;
CREATE TRIGGER activity_no_delete BEFORE DELETE ON activity
BEGIN
    SELECT RAISE(ABORT, 'the activity log is append-only');
END;
