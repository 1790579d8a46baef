//! Test doubles shared by the integration tests (`tests/it/`) and the examples:
//! in-process fakes of slskd, Spotify and the artifact providers, and a proxy that
//! closes idle connections. A dev-dependency only, so a build of the service
//! carries none of it.

pub mod fake_media_servers;
pub mod fake_notify;
pub mod fake_providers;
pub mod fake_slskd;
pub mod fake_spotify;
pub mod idle_proxy;
