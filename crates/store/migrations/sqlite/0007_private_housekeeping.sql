-- Activity lines about status and assignment are the team's housekeeping: from
-- now on they are stored as private, so no visitor path returns them (the
-- visitor reads "… joined the chat", a line of its own). Every activity line
-- written before this is such a line.
UPDATE messages SET private = TRUE WHERE message_type = 2;
UPDATE events SET private = TRUE WHERE message_id IN (SELECT id FROM messages WHERE message_type = 2);
