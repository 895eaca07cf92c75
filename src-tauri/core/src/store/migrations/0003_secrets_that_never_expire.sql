-- Secrets that never expire. Azure's portal has offered new client secrets for at most two
-- years, but secrets made before that cap, or through Microsoft Graph or PowerShell, can have no
-- end date. From now on `secret_expires_on` is NULL for such a secret ("never expires").
--
-- SQLite cannot drop a NOT NULL constraint in place, so the table is rebuilt the way SQLite
-- documents for schema changes ALTER TABLE cannot make (sqlite.org/lang_altertable.html,
-- "Making Other Kinds Of Table Schema Changes"): create the new table, copy every row, drop the
-- old one, rename the new one into its place. The migration runner turns foreign-key
-- enforcement off around the transaction and runs `PRAGMA foreign_key_check` before it commits,
-- as that procedure asks, so the destinations' references to these ids survive untouched and are
-- verified. Every column keeps its name, type, default and other constraints; ids do not change.
--
-- NOTE: NULL rather than a sentinel date such as 9999-12-31: a sentinel is a real date that code
-- could count days to or warn about by mistake, while NULL makes every reader (Rust's
-- Option<Date>, the UI's `string | null`, the CLI's JSON) handle "no end date" on purpose.
CREATE TABLE credentials_new (
    id                TEXT PRIMARY KEY,
    -- Names are unique regardless of ASCII case so "EU" and "eu" cannot both exist.
    name              TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description       TEXT NOT NULL DEFAULT '',
    plugin            TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    secret_expires_on TEXT,                       -- YYYY-MM-DD, valid through that day; NULL: never
    secret_set_at     INTEGER NOT NULL,           -- unix seconds of the last store or rotation
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

INSERT INTO credentials_new (id, name, description, plugin, client_id, secret_expires_on,
                             secret_set_at, created_at, updated_at)
SELECT id, name, description, plugin, client_id, secret_expires_on,
       secret_set_at, created_at, updated_at
FROM credentials;

DROP TABLE credentials;

ALTER TABLE credentials_new RENAME TO credentials;
