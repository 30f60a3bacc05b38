-- lock_to_single_conversation (issue 12): the one-unresolved-conversation rule
-- holds only where the inbox has the flag. A conversation copies the inbox's
-- flag when it is created or opened again, so the index below can say which
-- rows it covers (an index cannot look at another table), and turning the
-- flag on never fails for a visitor who has several open already.
ALTER TABLE conversations ADD COLUMN single_open BOOLEAN NOT NULL DEFAULT TRUE;
DROP INDEX conversations_one_active;
CREATE UNIQUE INDEX conversations_one_active ON conversations (contact_inbox_id)
    WHERE status <> 'resolved' AND single_open;

-- The language an agent chose for Parlor's pages ('': the browser's).
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT '';
