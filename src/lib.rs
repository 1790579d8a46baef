//! Harmony: Spotify playlists, liked songs, watched artists and pasted track
//! lists into a tagged music library, through slskd.

pub mod actors;
pub mod api;
pub mod app;
pub mod config;
pub mod data_dir_lock;
pub mod db;
pub mod domain;
pub mod healthcheck;
pub mod heap;
pub mod integrations;
pub mod jobs;
pub mod lifecycle;
pub mod media;
pub mod metrics;
pub mod metrics_library;
pub mod settings;
pub mod startup_code;
pub mod telemetry;
pub mod ui;
