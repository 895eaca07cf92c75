-- Metadata cache: what a destination's Dataverse said about its tables, kept as JSON so the
-- table and column pickers open instantly and work offline. One row per destination and kind:
-- kind 'tables' holds the table list (table_name ''), kind 'table' one table's columns, keys
-- and lookups. A refresh replaces the row. The organisation URL the answer came from is kept so
-- an entry fetched before the destination's URL was changed is never served for the new one.
-- Deleting a destination deletes its cache.
CREATE TABLE metadata_cache (
    destination_id TEXT NOT NULL REFERENCES destinations (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('tables', 'table')),
    table_name     TEXT NOT NULL DEFAULT '',
    dynamics_url   TEXT NOT NULL,
    body           TEXT NOT NULL,                 -- JSON, as ferry_core::dataverse::metadata types
    fetched_at     INTEGER NOT NULL,              -- unix seconds
    PRIMARY KEY (destination_id, kind, table_name)
);
