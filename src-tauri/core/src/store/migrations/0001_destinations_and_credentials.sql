-- Credentials: how Ferry signs in to a destination's tenant. The client secret itself lives in
-- the OS keychain under the credential's id; this table records only when one was stored and
-- when Azure will expire it, so lists can warn before sends start failing.
CREATE TABLE credentials (
    id                TEXT PRIMARY KEY,
    -- Names are unique regardless of ASCII case so "EU" and "eu" cannot both exist.
    name              TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description       TEXT NOT NULL DEFAULT '',
    plugin            TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    secret_expires_on TEXT NOT NULL,              -- YYYY-MM-DD, valid through that day
    secret_set_at     INTEGER NOT NULL,           -- unix seconds of the last store or rotation
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

-- Destinations: one Dynamics organisation (or the local sandbox) that rows are sent to. A
-- credential cannot be deleted while a destination uses it (RESTRICT), so no destination is
-- ever left without a way to sign in.
CREATE TABLE destinations (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description    TEXT NOT NULL DEFAULT '',
    plugin         TEXT NOT NULL,
    credential_id  TEXT NOT NULL REFERENCES credentials (id) ON DELETE RESTRICT,
    tenant_id      TEXT NOT NULL,
    dynamics_url   TEXT NOT NULL,                 -- normalised origin, no trailing slash
    cloud          TEXT NOT NULL,                 -- decides the sign-in authority
    api_version    TEXT NOT NULL,
    business_users INTEGER NOT NULL DEFAULT 0 CHECK (business_users IN (0, 1)),
    restricted_pii INTEGER NOT NULL DEFAULT 0 CHECK (restricted_pii IN (0, 1)),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE INDEX destinations_by_credential ON destinations (credential_id);
