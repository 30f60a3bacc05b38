-- The inbox tabs' counts, kept rather than counted (COUNT(*) over 100k open
-- conversations is what makes other inboxes slow). One row per account, inbox,
-- status and assignee (0 = unassigned), changed in the same transaction as the
-- conversation.
CREATE TABLE conversation_counts (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    inbox_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    assignee_id BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (account_id, inbox_id, status, assignee_id)
);

INSERT INTO conversation_counts (account_id, inbox_id, status, assignee_id, count)
SELECT account_id, inbox_id, status, COALESCE(assignee_id, 0), COUNT(*)
FROM conversations GROUP BY account_id, inbox_id, status, COALESCE(assignee_id, 0);
