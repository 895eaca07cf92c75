-- Send jobs and their per-row ledger. A job is one run of a template (or a retry of another
-- job's failed rows); the ledger says, for every source row the job has touched, what became
-- of it. A row with no ledger entry has not been sent yet. Names are copied into the job so
-- its history still reads when the template, destination or user is later renamed or deleted.
CREATE TABLE jobs (
    seq              INTEGER PRIMARY KEY,           -- the ledger's compact reference
    id               TEXT NOT NULL UNIQUE,          -- job_…
    template_id      TEXT NOT NULL,
    template_name    TEXT NOT NULL,
    destination_id   TEXT NOT NULL,
    destination_name TEXT NOT NULL,
    table_name       TEXT NOT NULL,
    source_kind      TEXT NOT NULL CHECK (source_kind IN ('query', 'segment')),
    source_id        TEXT NOT NULL,
    source_name      TEXT NOT NULL,
    operation        TEXT NOT NULL CHECK (json_valid(operation)),
    actor_id         TEXT NOT NULL,
    actor_name       TEXT NOT NULL,
    retry_of         TEXT,                          -- the job whose failed rows this one resends
    key_pii          INTEGER NOT NULL DEFAULT 0,    -- 1 when the match key is personal data
    state            TEXT NOT NULL CHECK (state IN
                         ('running', 'interrupted', 'cancelled', 'finished', 'stopped')),
    total            INTEGER,                       -- source rows, once all were read
    error            TEXT,                          -- why a stopped job stopped
    owner            TEXT,                          -- "pid:start" of the process running it
    heartbeat        INTEGER NOT NULL,              -- unix ms; stale while no one runs it
    elapsed_ms       INTEGER NOT NULL DEFAULT 0,    -- time spent sending, over every run
    created_at       INTEGER NOT NULL,              -- unix seconds
    finished_at      INTEGER
);
CREATE INDEX jobs_created ON jobs (created_at);
CREATE INDEX jobs_template ON jobs (template_id);

-- One entry per source row the job has dealt with. `state`: 1 in flight, 2 delivered,
-- 3 rejected (refused on its merits), 4 failed (retriable), 5 invalid (never sent: its
-- mapping has errors). `record_id` is the Dynamics id on delivery, and for a create it is the
-- id Ferry chose and recorded before sending, so a resumed job can find the record instead of
-- writing it twice. `fp` fingerprints the mapped row, so a resume notices a changed source.
CREATE TABLE job_rows (
    job        INTEGER NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    state      INTEGER NOT NULL CHECK (state BETWEEN 1 AND 5),
    fp         INTEGER NOT NULL,
    row_key    TEXT,                                -- the match key's values, for people
    record_id  TEXT,
    created    INTEGER,                             -- 1 created, 0 updated, NULL unknown
    code       TEXT,
    message    TEXT,
    PRIMARY KEY (job, idx)
) WITHOUT ROWID;
CREATE INDEX job_rows_state ON job_rows (job, state);
