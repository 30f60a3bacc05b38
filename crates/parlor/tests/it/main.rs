//! The integration suite: one binary that spawns the real app (see helpers.rs).
//! Runs on SQLite, and on PostgreSQL when PARLOR_TEST_DATABASE_URL is set.

mod admin_cli;
mod app_api;
mod assignment;
mod auth;
mod bots;
mod client_api;
mod client_api_guards;
mod cluster;
mod delivery;
mod hardening;
mod health;
mod helpers;
mod inbox_settings;
mod jobs;
mod labels;
mod languages;
mod leases;
mod newcomer;
mod notifications;
mod photos;
mod presence;
mod profile;
mod realtime;
mod realtime_guards;
mod realtime_send;
mod receiver;
mod revoke;
mod single_conversation;
mod smoke;
mod story;
mod team;
mod teams;
mod tenancy;
mod viewers;
mod write_path;
