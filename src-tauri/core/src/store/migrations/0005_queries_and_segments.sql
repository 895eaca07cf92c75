-- Saved queries and segments: definitions the user wrote, which data templates will point at.
-- They live with the settings, not with the customer rows (customers.sqlite3), because they
-- are configuration: small, named, referenced, and kept when customer data is replaced.
CREATE TABLE queries (
    id              TEXT PRIMARY KEY,             -- qry_…
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    sql             TEXT NOT NULL,                -- SQLite dialect, read through the read-only door
    time_limit_secs INTEGER NOT NULL DEFAULT 30 CHECK (time_limit_secs BETWEEN 1 AND 3600),
    created_at      INTEGER NOT NULL,             -- unix seconds
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX queries_name ON queries (name COLLATE NOCASE);

CREATE TABLE segments (
    id          TEXT PRIMARY KEY,                 -- seg_…
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    definition  TEXT NOT NULL CHECK (json_valid(definition)), -- the audience's conditions, JSON
    created_at  INTEGER NOT NULL,                 -- unix seconds
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX segments_name ON segments (name COLLATE NOCASE);
