-- Parlor's first schema. Times are BIGINT milliseconds since the Unix epoch (UTC).
-- Kept in lockstep with ../sqlite/0001_initial.sql (a test compares the two).

CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    -- counters kept rather than counted: the next conversation display id and event seq
    last_display_id BIGINT NOT NULL DEFAULT 0,
    last_event_seq BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    display_name TEXT,
    password_hash TEXT NOT NULL,
    -- sha256 of the API access token; the token itself is shown once
    access_token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE account_users (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, user_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE inboxes (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    channel_type TEXT NOT NULL,
    website_token TEXT NOT NULL UNIQUE,
    website_url TEXT NOT NULL DEFAULT '',
    widget_color TEXT NOT NULL,
    welcome_title TEXT NOT NULL DEFAULT '',
    welcome_tagline TEXT NOT NULL DEFAULT '',
    greeting_message TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX inboxes_account ON inboxes (account_id);

CREATE TABLE inbox_members (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    inbox_id BIGINT NOT NULL REFERENCES inboxes(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (inbox_id, user_id)
);
CREATE INDEX inbox_members_user ON inbox_members (account_id, user_id);

CREATE TABLE contacts (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL DEFAULT '',
    email TEXT,
    phone_number TEXT,
    identifier TEXT,
    -- sha256 of the visitor's WebSocket token
    pubsub_token_hash TEXT NOT NULL UNIQUE,
    additional_attributes TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL
);
CREATE INDEX contacts_account ON contacts (account_id, id);

CREATE TABLE contact_inboxes (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    contact_id BIGINT NOT NULL REFERENCES contacts(id),
    inbox_id BIGINT NOT NULL REFERENCES inboxes(id),
    -- sha256 of the Client API's contact identifier (source_id)
    source_id_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX contact_inboxes_contact ON contact_inboxes (contact_id);

CREATE TABLE conversations (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    display_id BIGINT NOT NULL,
    inbox_id BIGINT NOT NULL REFERENCES inboxes(id),
    contact_id BIGINT NOT NULL REFERENCES contacts(id),
    contact_inbox_id BIGINT NOT NULL REFERENCES contact_inboxes(id),
    status TEXT NOT NULL,
    assignee_id BIGINT REFERENCES users(id),
    last_seq BIGINT NOT NULL DEFAULT 0,
    last_message_id BIGINT,
    unread_count BIGINT NOT NULL DEFAULT 0,
    last_activity_at BIGINT NOT NULL,
    agent_last_seen_at BIGINT,
    contact_last_seen_at BIGINT,
    additional_attributes TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, display_id)
);
CREATE INDEX conversations_list ON conversations (account_id, status, last_activity_at);
CREATE INDEX conversations_contact ON conversations (contact_id);
-- At most one conversation that is not resolved per visitor session: two racing
-- "start conversation" requests cannot both win (threats.md #40).
CREATE UNIQUE INDEX conversations_one_active ON conversations (contact_inbox_id) WHERE status <> 'resolved';

CREATE TABLE messages (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    inbox_id BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    seq BIGINT NOT NULL,
    content TEXT NOT NULL,
    message_type BIGINT NOT NULL,
    private BOOLEAN NOT NULL,
    sender_type TEXT NOT NULL,
    sender_id BIGINT,
    echo_id TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (conversation_id, echo_id)
);

-- The real-time event log: what a reconnecting client missed is read from here.
CREATE TABLE events (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    seq BIGINT NOT NULL,
    inbox_id BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    conversation_seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    private BOOLEAN NOT NULL,
    message_id BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, seq)
);
CREATE INDEX events_conversation ON events (conversation_id, conversation_seq);
