-- Since when the visitor has waited for an answer (Chatwoot's column): set by
-- the visitor's first message after the team's last public reply, cleared by
-- the next public reply, in the message's own UPDATE of its conversation.
-- Null: nobody waits. The list sorts by it ("waiting longest").
ALTER TABLE conversations ADD COLUMN waiting_since BIGINT;
