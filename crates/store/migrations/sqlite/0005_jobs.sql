-- When a snoozed conversation opens again by itself (NULL: at the visitor's
-- next message, or never).
ALTER TABLE conversations ADD COLUMN snoozed_until BIGINT;

-- Side effects that must survive a crash, written in the same transaction as
-- the change that causes them (ARCHITECTURE.md, invariant 3). A job is claimed
-- by deleting its row in the transaction that performs its effect, so it runs
-- once even with several processes polling.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    conversation_id BIGINT REFERENCES conversations(id),
    payload TEXT NOT NULL DEFAULT '{}',
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX jobs_due ON jobs (run_at);
