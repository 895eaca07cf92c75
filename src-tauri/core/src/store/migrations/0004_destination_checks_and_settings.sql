-- The last connection test of each destination, so the list can show which ones work after a
-- restart. One row per destination, replaced by each test; the message is the one the test
-- showed (never a secret). An edit that points the destination elsewhere deletes the row, since
-- the result no longer says anything about it. Deleting a destination deletes its row.
CREATE TABLE destination_checks (
    destination_id TEXT PRIMARY KEY REFERENCES destinations (id) ON DELETE CASCADE,
    checked_at     INTEGER NOT NULL,              -- unix seconds
    ok             INTEGER NOT NULL CHECK (ok IN (0, 1)),
    code           TEXT,                          -- the error code when it failed
    message        TEXT NOT NULL
);

-- Small choices the user made once and expects Ferry to remember, by key (for example that the
-- Local sandbox destination was deleted on purpose, or that "Getting started" was put away).
CREATE TABLE app_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL                   -- unix seconds
);
