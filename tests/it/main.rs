//! The integration tests: one binary, one module per area, run against the built
//! `stalekey` through the harness.

mod bounded;
mod cli;
mod config;
mod discovery;
mod encodings;
mod exit;
mod fixtures;
mod harness;
mod history;
mod injection;
mod lifecycle;
mod nginx;
mod orgscale;
mod output;
mod rules;
mod secrecy;
mod sql;
mod walk;
mod workflow;
