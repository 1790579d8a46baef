//! Harmony's integration tests: one binary, one module per area, so the
//! dependencies are linked once. Run one area with
//! `cargo test --test it downloads::`. The fakes live in `tests/kit`
//! (`harmony_testkit`), shared with the examples.
//!
//! The tests share this process and run on parallel threads: each starts its
//! own app on its own temporary directory and port, with its configuration
//! from a map (never the process environment); the tracing subscriber is
//! installed once (`telemetry::init` ignores later calls); and each runs on
//! `common::TestSystem`, which stops the arbiters it leaves running.

mod common;

mod architecture;
mod artifacts;
mod backfill;
mod browser;
mod crash;
mod docs;
mod downloads;
mod fake_slskd;
mod http_contract;
mod imports;
mod jobs;
mod library;
mod lifecycle;
mod matching_api;
mod matching_corpus;
mod media;
mod media_servers;
mod notify;
mod openapi;
mod process;
mod request_errors;
mod search_scheduler;
mod spotify;
mod spotify_client;
mod status;
mod supervision;
mod ui;
mod wanted;
mod watchlist;
