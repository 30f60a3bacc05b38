//! The integration suite: one binary that spawns the real app (see helpers.rs).
//! Runs on SQLite, and on PostgreSQL when PARLOR_TEST_DATABASE_URL is set.

mod helpers;
mod smoke;
