-- One row naming this installation. Processes sharing the database publish on
-- NATS subjects under this id, so two installations on one NATS never mix.
CREATE TABLE instance (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    cluster_id TEXT NOT NULL
);
