-- Structured details of a message, as Chatwoot's content_attributes. Activity
-- lines carry {"activity": "resolved", "actor_name": "…"} so clients can show
-- them in the viewer's language.
ALTER TABLE messages ADD COLUMN content_attributes TEXT NOT NULL DEFAULT '{}';
