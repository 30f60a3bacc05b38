-- Labels (issue 14): an account's coloured tags, on conversations and on
-- contacts. A conversation also keeps its titles, sorted and comma-joined,
-- in cached_label_list (Chatwoot's column of that name), so every view of it
-- reads them in its one row; the join tables are what filters use.
CREATE TABLE labels (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    color TEXT NOT NULL DEFAULT '#1f93ff',
    show_on_sidebar BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, title)
);

CREATE TABLE conversation_labels (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    label_id BIGINT NOT NULL REFERENCES labels(id),
    PRIMARY KEY (conversation_id, label_id)
);
CREATE INDEX conversation_labels_label ON conversation_labels (label_id, conversation_id);

CREATE TABLE contact_labels (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    contact_id BIGINT NOT NULL REFERENCES contacts(id),
    label_id BIGINT NOT NULL REFERENCES labels(id),
    PRIMARY KEY (contact_id, label_id)
);
CREATE INDEX contact_labels_label ON contact_labels (label_id, contact_id);

ALTER TABLE conversations ADD COLUMN cached_label_list TEXT NOT NULL DEFAULT '';
