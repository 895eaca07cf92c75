-- Data templates: which Dataverse table a destination's rows go to, from which saved query or
-- segment, mapped how, and who may use it. The mapping is the JSON `mapping::plan::Mapping`
-- reads; it is checked against the table's metadata and the source's columns whenever used.
CREATE TABLE templates (
    id              TEXT PRIMARY KEY,             -- tpl_…
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    destination_id  TEXT NOT NULL REFERENCES destinations (id) ON DELETE CASCADE,
    source_kind     TEXT NOT NULL CHECK (source_kind IN ('query', 'segment')),
    source_id       TEXT NOT NULL,                -- qry_… or seg_…
    table_name      TEXT NOT NULL,                -- the Dataverse table's logical name
    mapping         TEXT NOT NULL CHECK (json_valid(mapping)),
    business_users  INTEGER NOT NULL DEFAULT 0 CHECK (business_users IN (0, 1)),
    restricted_pii  INTEGER NOT NULL DEFAULT 0 CHECK (restricted_pii IN (0, 1)),
    campaigns       INTEGER NOT NULL DEFAULT 0 CHECK (campaigns IN (0, 1)),
    created_at      INTEGER NOT NULL,             -- unix seconds
    updated_at      INTEGER NOT NULL
);
-- Names are unique across destinations: `ferry preview NAME` and `ferry send NAME` name one.
CREATE UNIQUE INDEX templates_name ON templates (name COLLATE NOCASE);
CREATE INDEX templates_destination ON templates (destination_id);
