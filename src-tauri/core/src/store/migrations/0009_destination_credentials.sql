-- A destination's additional credentials: more app registrations that sign in to the same
-- organisation. Dataverse binds one application user to one client id and counts its
-- service-protection limits per user, so each credential listed here is another user's worth
-- of limits that a send may spread its work across, after the destination's main credential.
-- `position` keeps them in the order the user listed them. Deleting a destination deletes its
-- list; a credential listed here cannot be deleted (RESTRICT), as with a main credential, so a
-- destination never names a credential that is gone.
CREATE TABLE destination_credentials (
    destination_id TEXT NOT NULL REFERENCES destinations (id) ON DELETE CASCADE,
    credential_id  TEXT NOT NULL REFERENCES credentials (id) ON DELETE RESTRICT,
    position       INTEGER NOT NULL,
    PRIMARY KEY (destination_id, credential_id)
);

CREATE INDEX destination_credentials_by_credential ON destination_credentials (credential_id);
