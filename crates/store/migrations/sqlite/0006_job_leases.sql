-- Jobs whose effect is outside the database (mail, webhooks, bots' HTTP
-- calls) cannot be claimed by deleting their row in the effect's transaction.
-- They are leased instead: a runner holds one until `locked_until`, runs it
-- outside any transaction, then deletes it or schedules a retry; a runner that
-- died lets its lease run out and another takes the job. The effect may then
-- happen twice, so each job carries a key its receiver can deduplicate by.
-- A job whose last attempt failed is dead (`dead_at`): kept, with its error,
-- and no longer tried.
ALTER TABLE jobs ADD COLUMN leased BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE jobs ADD COLUMN locked_until BIGINT;
ALTER TABLE jobs ADD COLUMN locked_by TEXT;
ALTER TABLE jobs ADD COLUMN idempotency_key TEXT;
ALTER TABLE jobs ADD COLUMN dead_at BIGINT;
UPDATE jobs SET dead_at = run_at WHERE attempts >= 10;
