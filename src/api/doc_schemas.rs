//! Schemas the OpenAPI document needs that no handler type carries: the
//! names a filter accepts (built from the state machines themselves, so the
//! document cannot drift from what the server checks) and the health bodies.

use std::borrow::Cow;

use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::domain::downloads::state::DownloadState;
use crate::domain::wanted::WantedState;

fn names(names: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
        .into()
}

/// One name of `?state=` on `GET /downloads`.
pub struct DownloadStateName;

impl PartialSchema for DownloadStateName {
    fn schema() -> RefOr<Schema> {
        names(DownloadState::ALL.map(DownloadState::as_str))
    }
}

impl ToSchema for DownloadStateName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DownloadState")
    }
}

/// One name of `?state=` on `GET /wanted`.
pub struct WantedStateName;

impl PartialSchema for WantedStateName {
    fn schema() -> RefOr<Schema> {
        names(WantedState::ALL.map(WantedState::as_str))
    }
}

impl ToSchema for WantedStateName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("WantedState")
    }
}

/// `?type=` on `GET /activity`.
pub struct ActivityTypeName;

impl PartialSchema for ActivityTypeName {
    fn schema() -> RefOr<Schema> {
        names(crate::lifecycle::events::ACTIVITY_TYPES)
    }
}

impl ToSchema for ActivityTypeName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ActivityType")
    }
}

/// `GET /health/live`.
#[derive(Serialize, ToSchema)]
pub struct Liveness {
    pub status: LiveStatus,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LiveStatus {
    Ok,
}

/// `GET /health/ready`: 200 `ready`, or 503 `not_ready` with the failing check.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    pub status: ReadyStatus,
    pub checks: ReadyChecks,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadyStatus {
    Ready,
    NotReady,
}

#[derive(Serialize, ToSchema)]
pub struct ReadyChecks {
    pub database: CheckOutcome,
    /// `disabled` with `HARMONY_DISABLE_WORKERS` (still ready).
    pub workers: CheckOutcome,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Ok,
    Disabled,
    Error,
}

/// `PUT /settings` body: settable keys (`config.md`), each a string, a
/// number, a boolean or `null` (removes the override).
pub struct SettingsChange;

impl PartialSchema for SettingsChange {
    fn schema() -> RefOr<Schema> {
        let value = OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(ObjectBuilder::new().schema_type(Type::Number))
            .item(ObjectBuilder::new().schema_type(Type::Boolean))
            .item(ObjectBuilder::new().schema_type(Type::Null));
        let keys = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(crate::config::keys::settable().map(|k| k.name)));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property_names(Some(keys))
            .additional_properties(Some(Schema::OneOf(value.build())))
            .into()
    }
}

impl ToSchema for SettingsChange {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("SettingsChange")
    }
}

/// `POST /imports` as JSON: links, tracks and text lines, all optional;
/// together at most 100 links and 10 000 tracks (422 for the whole request
/// above). Track items that cannot be used are skipped with a reason.
#[derive(ToSchema)]
pub struct ImportRequest {
    /// Spotify playlist, album or track links.
    #[schema(max_items = 100)]
    pub links: Option<Vec<String>>,
    #[schema(max_items = 10000)]
    pub tracks: Option<Vec<ImportTrack>>,
    /// One track per line: `Artist - Title | Album | 3:45`.
    pub text: Option<String>,
}

#[derive(ToSchema)]
pub struct ImportTrack {
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration: Option<ImportDuration>,
}

/// `m:ss`, `h:mm:ss`, or milliseconds.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum ImportDuration {
    Text(String),
    Millis(i64),
}

/// `POST /imports` as `multipart/form-data`: one part named `file`.
#[derive(ToSchema)]
pub struct ImportUpload {
    /// CSV with a header row (at least `artist`, `title`), text with one
    /// track per line, or a JSON array of tracks; at most 10 MiB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}
