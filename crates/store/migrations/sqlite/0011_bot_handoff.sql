-- A bot handoff (a visitor waiting in a bot's conversation) is, like a new
-- message in an assigned conversation, one notification per conversation and
-- recipient, raised again rather than repeated.
DROP INDEX notifications_one_per_conversation;
CREATE UNIQUE INDEX notifications_one_per_conversation ON notifications (user_id, conversation_id, notification_type)
    WHERE notification_type IN ('assigned_conversation_new_message', 'conversation_bot_handoff');
