-- Working together (issue 13): teams, automatic assignment, the greeter bot as
-- an inbox's first chatflow, and notifications.

-- Chatwoot's teams: a name unique in the account, and whether the team's
-- conversations are assigned automatically among its members.
CREATE TABLE teams (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    allow_auto_assign BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE team_members (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    team_id BIGINT NOT NULL REFERENCES teams(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (account_id, user_id);

ALTER TABLE conversations ADD COLUMN team_id BIGINT REFERENCES teams(id);

-- Per inbox: who may reply, and automatic assignment (Chatwoot's
-- enable_auto_assignment and auto_assignment_config.max_assignment_limit; the
-- order is Parlor's: round_robin or balanced). No limit: NULL.
ALTER TABLE inboxes ADD COLUMN only_assignee_replies BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE inboxes ADD COLUMN enable_auto_assignment BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE inboxes ADD COLUMN max_assignment_limit BIGINT;
ALTER TABLE inboxes ADD COLUMN assignment_order TEXT NOT NULL DEFAULT 'round_robin';

-- When an agent was last given a conversation automatically: round robin
-- goes to whoever waited longest, and so do balanced's ties.
ALTER TABLE account_users ADD COLUMN last_assigned_at BIGINT;

-- A bot that writes in conversations: its own sender (sender_type agent_bot).
CREATE TABLE agent_bots (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    avatar_key TEXT,
    created_at BIGINT NOT NULL
);

-- An inbox's chatflow, by immutable version: a save writes a new one, and the
-- highest is in force (the greeter bot is the first: one send_message step).
-- definition is JSON.
CREATE TABLE chatflows (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    inbox_id BIGINT NOT NULL REFERENCES inboxes(id),
    agent_bot_id BIGINT NOT NULL REFERENCES agent_bots(id),
    version BIGINT NOT NULL,
    enabled BOOLEAN NOT NULL,
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (inbox_id, version)
);

-- The bot handling a conversation, until an agent takes over (then NULL).
ALTER TABLE conversations ADD COLUMN agent_bot_id BIGINT REFERENCES agent_bots(id);

-- Chatwoot's notifications. A new message in an assigned conversation is one
-- row per conversation and recipient, updated (the partial unique index),
-- not a row per message.
CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    notification_type TEXT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    actor_type TEXT,
    actor_id BIGINT,
    message_id BIGINT,
    read_at BIGINT,
    created_at BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL
);
CREATE INDEX notifications_user ON notifications (account_id, user_id, last_activity_at);
CREATE UNIQUE INDEX notifications_one_per_conversation ON notifications (user_id, conversation_id, notification_type)
    WHERE notification_type = 'assigned_conversation_new_message';

-- What a user is notified of, per account: Chatwoot's flags (comma-separated),
-- and the inbox page's browser notification and sound.
CREATE TABLE notification_settings (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    email_flags TEXT NOT NULL,
    push_flags TEXT NOT NULL,
    browser_notifications BOOLEAN NOT NULL DEFAULT TRUE,
    sound BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (account_id, user_id)
);
