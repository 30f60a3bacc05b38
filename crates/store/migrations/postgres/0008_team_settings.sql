-- The team and its settings (issue 12): profiles, availability, one-time setup
-- links, and the inbox settings an administrator edits.

-- A profile's signature and photo (a key in the blob store, never a path a
-- client chose). An invited user's password_hash is '' until their setup link
-- is used: no password signs in with it.
ALTER TABLE users ADD COLUMN signature TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN avatar_key TEXT;

-- Availability is per account, as in Chatwoot: online, busy or offline.
ALTER TABLE account_users ADD COLUMN availability TEXT NOT NULL DEFAULT 'online';
ALTER TABLE account_users ADD COLUMN last_seen_at BIGINT;

-- A one-time link to choose a password (an invitation or a reset): the SHA-256
-- of its token, used at most once, until it expires.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX setup_tokens_user ON setup_tokens (user_id);

-- Inbox settings. allowed_domains is Chatwoot's comma-separated list (empty:
-- any site may embed the widget).
ALTER TABLE inboxes ADD COLUMN greeting_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE inboxes ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE inboxes ADD COLUMN lock_to_single_conversation BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE inboxes ADD COLUMN allowed_domains TEXT NOT NULL DEFAULT '';
ALTER TABLE inboxes ADD COLUMN reply_time TEXT NOT NULL DEFAULT 'in_a_few_minutes';
ALTER TABLE inboxes ADD COLUMN avatar_key TEXT;
UPDATE inboxes SET greeting_enabled = TRUE WHERE greeting_message <> '';
