//! Sources: the Spotify account (connect, playlists and liked songs with
//! their sync switches, sync now), the watchlist (add by link or id, check
//! now, remove) and imports (paste a list or upload a file; then the import
//! with its counts and skipped lines).

use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};
use maud::html;
use serde::Deserialize;
use serde_json::Value;

use super::error::UiError;
use super::form::Errors;
use super::layout::Nav;
use super::view::{self, see_other, state_chip, when};
use crate::api::error::ApiError;
use crate::api::imports::{self as api_imports, ImportStatus};
use crate::api::multipart::{read_parts, FormPart};
use crate::api::watchlist as api_watchlist;
use crate::api::AppState;
use crate::db::imports as import_rows;
use crate::db::spotify as spotify_rows;
use crate::db::watchlist as watch_rows;
use crate::domain::ids::WatchId;
use crate::domain::imports::parse_file;
use crate::domain::spotify::artist_link::artist_id;
use crate::domain::workers::name::WorkerName;

/// What a failed form on this page shows, and where.
#[derive(Default)]
struct Feedback {
    watch: Errors,
    watch_typed: String,
    import: Errors,
    import_typed: String,
}

async fn render(state: &AppState, feedback: Feedback) -> Result<HttpResponse, UiError> {
    let spotify = state.spotify.status().await?;
    let (playlists, (watched, watched_total)) = state
        .db
        .snapshot(|c| Ok((spotify_rows::list(c)?, watch_rows::list(c, 200, 0)?)))
        .await?;
    let failed = !feedback.watch.is_empty() || !feedback.import.is_empty();
    let body = html! {
        h1 { "Sources" }
        section.panel #spotify aria-labelledby="h-spotify" hx-get="/sources" hx-trigger="sse:sources delay:50ms"
            hx-select="#spotify" hx-swap="outerHTML" hx-disinherit="*" {
            h2 #h-spotify { "Spotify" }
            @if !spotify.configured {
                p.muted { "Not configured: set SPOTIFY_CLIENT_ID (see the README) to sync playlists and liked songs." }
            } @else if !spotify.authorized {
                p { "Harmony is not connected to a Spotify account yet." }
                form method="post" action="/sources/spotify/connect" hx-boost="false" {
                    button type="submit" { "Connect Spotify" }
                }
            } @else {
                p {
                    "Connected as " strong { (spotify.user.as_ref().and_then(|(_, name)| name.clone()).or_else(|| spotify.user.as_ref().map(|(id, _)| id.clone())).unwrap_or_default()) } ". "
                }
                div.actions {
                    form.inline method="post" action="/sources/spotify/sync" { button type="submit" { "Sync now" } }
                    form.inline method="post" action="/sources/spotify/connect" hx-boost="false" { button.secondary type="submit" { "Connect again" } }
                }
                @if playlists.is_empty() {
                    p.muted { "No playlists seen yet: the first sync lists them." }
                } @else {
                    div.scroll { table {
                        thead { tr { th { "Playlist" } th.num { "Tracks" } th.opt { "Last sync" } th { "Sync" } } }
                        tbody { @for p in &playlists { tr {
                            td.wrap {
                                (p.name)
                                @if let Some(owner) = &p.owner { br; span.small.muted { (owner) } }
                                @if let Some(e) = &p.last_error { br; span.small.error { (e) } }
                                @if !p.is_available() { br; span.small.muted { "Spotify does not share its tracks." } }
                            }
                            td.num { (p.track_count) }
                            td.opt.small { (when(p.last_synced_at)) }
                            td {
                                form method="post" action={ "/sources/spotify/playlists/" (p.id) } {
                                    input type="hidden" name="sync" value=(if p.sync { "false" } else { "true" });
                                    button.small type="submit" class=(if p.sync { "" } else { "secondary" })
                                        aria-pressed=(if p.sync { "true" } else { "false" })
                                        aria-label={ "Sync " (p.name) } {
                                        @if p.sync { "On" } @else { "Off" }
                                    }
                                }
                            }
                        } } }
                    } }
                }
            }
        }
        section.panel #watchlist aria-labelledby="h-watchlist" {
            h2 #h-watchlist { "Watchlist" }
            p.small.muted { "New releases of watched artists become wanted tracks." }
            form method="post" action="/sources/watchlist" {
                label for="artist" { "Spotify artist link or id" }
                input #artist type="text" name="artist" value=(feedback.watch_typed) required
                    placeholder="https://open.spotify.com/artist/…"
                    aria-invalid=[feedback.watch.get("artist").map(|_| "true")] aria-describedby=[feedback.watch.described_by("artist")];
                (feedback.watch.show("artist"))
                (feedback.watch.others(&["artist"]))
                p { button type="submit" { "Watch" } }
            }
            @if watched.is_empty() {
                p.muted { "No artist is watched." }
            } @else {
                div.scroll { table {
                    thead { tr { th { "Artist" } th.opt { "Last checked" } th { span.skip { "Actions" } } } }
                    tbody { @for w in &watched { tr {
                        td.wrap {
                            (w.name.clone().unwrap_or_else(|| w.spotify_artist_id.clone()))
                            @if let Some(e) = &w.last_error { br; span.small.error { (e) } }
                        }
                        td.opt.small { (when(Some(w.last_checked))) }
                        td { div.actions {
                            form.inline method="post" action={ "/sources/watchlist/" (w.id.get()) "/check" } { button.small type="submit" { "Check now" } }
                            form.inline method="post" action={ "/sources/watchlist/" (w.id.get()) "/remove" } { button.small.danger type="submit" { "Remove" } }
                        } }
                    } } }
                } }
                @if watched_total > 200 { p.small.muted { "The 200 newest of " (watched_total) "." } }
            }
        }
        section.panel #imports aria-labelledby="h-imports" {
            h2 #h-imports { "Import a list" }
            p.small.muted { "One track per line (“Artist - Title”), CSV with artist and title columns, or Spotify playlist links. Or upload the file." }
            form method="post" action="/sources/imports" enctype="multipart/form-data" {
                label for="list" { "Paste" }
                textarea #list name="list" aria-describedby=[feedback.import.described_by("list")] { (feedback.import_typed) }
                label for="file" { "or upload a file" }
                input #file type="file" name="file" accept=".txt,.csv,.json,.m3u,.m3u8,text/plain,text/csv,application/json";
                (feedback.import.show("list"))
                (feedback.import.others(&["list"]))
                p { button type="submit" { "Import" } }
            }
        }
    };
    let mut response = view::page(state, "Sources", Nav::Sources, body);
    if failed {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn page(state: web::Data<AppState>) -> Result<HttpResponse, UiError> {
    render(&state, Feedback::default()).await
}

/// Sends the browser to Spotify; the callback page links back here.
pub async fn connect_spotify(state: web::Data<AppState>) -> Result<HttpResponse, UiError> {
    let url = state
        .spotify
        .begin_authorization()
        .await
        .map_err(ApiError::from)?;
    Ok(see_other(&url))
}

pub async fn sync_spotify(state: web::Data<AppState>) -> Result<HttpResponse, UiError> {
    state
        .spotify
        .require_authorized()
        .await
        .map_err(ApiError::from)?;
    state.lifecycle.request_run(WorkerName::PlaylistSync);
    Ok(see_other("/sources"))
}

#[derive(Deserialize)]
pub struct SyncForm {
    sync: String,
}

pub async fn toggle_playlist(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Form<SyncForm>,
) -> Result<HttpResponse, UiError> {
    let sync = match body.sync.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(ApiError::validation("sync", "must be true or false").into()),
    };
    crate::api::spotify::set_playlist_sync(&state, id.into_inner(), sync).await?;
    Ok(see_other("/sources"))
}

#[derive(Deserialize)]
pub struct WatchForm {
    artist: String,
}

pub async fn watch_artist(
    state: web::Data<AppState>,
    body: web::Form<WatchForm>,
) -> Result<HttpResponse, UiError> {
    let typed = body.into_inner().artist;
    let refused = |errors: Errors| Feedback {
        watch: errors,
        watch_typed: typed.clone(),
        ..Feedback::default()
    };
    let Some(id) = artist_id(&typed) else {
        let errors = Errors::single(
            "artist",
            "must be a Spotify artist link (open.spotify.com/artist/…), a spotify:artist: URI or a 22-character id",
        );
        return render(&state, refused(errors)).await;
    };
    match api_watchlist::add_artist(&state, &id, None).await {
        Ok(_) => Ok(see_other("/sources#watchlist")),
        Err(ApiError::Conflict { message, .. }) => {
            render(&state, refused(Errors::single("artist", message))).await
        }
        Err(e) => match Errors::from_api(&e) {
            Some(errors) => render(&state, refused(errors)).await,
            None => Err(e.into()),
        },
    }
}

pub async fn watchlist_action(
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, UiError> {
    let (id, action) = path.into_inner();
    let id = WatchId(id);
    match action.as_str() {
        "check" => {
            api_watchlist::check_artist(&state, id).await?;
        }
        "remove" => api_watchlist::remove_artist(&state, id).await?,
        _ => return Err(UiError::NotFound),
    }
    Ok(see_other("/sources#watchlist"))
}

/// The import form: the pasted list and the chosen file (when not empty).
async fn read_form(multipart: Multipart) -> Result<(String, Option<FormPart>), ApiError> {
    let mut list = String::new();
    let mut file = None;
    for part in read_parts(multipart).await? {
        match part.name.as_str() {
            "list" => list = String::from_utf8_lossy(&part.bytes).into_owned(),
            "file" if !part.bytes.is_empty() => file = Some(part),
            _ => {}
        }
    }
    Ok((list, file))
}

pub async fn import(
    state: web::Data<AppState>,
    multipart: Multipart,
) -> Result<HttpResponse, UiError> {
    let (list, file) = read_form(multipart).await?;
    let typed = list.clone();
    let refused = |errors: Errors| Feedback {
        import: errors,
        import_typed: typed.clone(),
        ..Feedback::default()
    };
    if list.trim().is_empty() && file.is_none() {
        return render(
            &state,
            refused(Errors::single("list", "paste a list or choose a file")),
        )
        .await;
    }
    let parsed = web::block(move || match file {
        Some(file) => parse_file(
            file.file_name.as_deref(),
            file.content_type.as_deref(),
            &file.bytes,
        ),
        None => parse_file(None, Some("text/plain"), list.as_bytes()),
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return render(&state, refused(Errors::single("list", e.to_string()))).await,
    };
    match api_imports::start(&state, parsed).await {
        Ok(created) => Ok(see_other(&format!("/imports/{}", created.id))),
        Err(e) => match Errors::from_api(&e) {
            Some(errors) => render(&state, refused(errors)).await,
            None => Err(e.into()),
        },
    }
}

pub async fn import_page(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, UiError> {
    let id = id.into_inner();
    let view = state.db.read(move |c| import_rows::get(c, id)).await?;
    let status = ImportStatus::from(view);
    let skipped: Vec<(String, String)> = match &status.skipped {
        Value::Array(items) => items
            .iter()
            .map(|i| {
                (
                    i.get("input")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    i.get("reason")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    let body = html! {
        p.small { a href="/sources#imports" { "← Sources" } }
        section.panel #import hx-get={ "/imports/" (id) } hx-trigger="sse:wanted delay:50ms, sse:sources delay:50ms"
            hx-select="#import" hx-swap="outerHTML" hx-disinherit="*" {
            h1 { "Import " (id) " " (state_chip(status.state)) }
            dl.facts {
                dt { "Accepted" } dd { (status.accepted.tracks) " tracks, " (status.accepted.links) " links" }
                dt { "Registered" } dd { (status.counts.registered) }
                dt { "Waiting or downloading" } dd { (status.counts.queued) }
                dt { "Completed" } dd { (status.counts.completed) }
                dt { "Failed" } dd { (status.counts.failed) }
                dt { "Skipped" } dd { (status.skipped_total) }
            }
            p { a href={ "/wanted?source=import%3A" (id) } { "Its wanted tracks" } }
        }
        @if !skipped.is_empty() {
            section.panel aria-labelledby="h-skipped" {
                h2 #h-skipped { "Skipped lines" }
                div.scroll { table {
                    thead { tr { th { "Line" } th { "Why" } } }
                    tbody { @for (input, reason) in &skipped { tr { td.wrap.small { (input) } td { (reason.replace('_', " ")) } } } }
                } }
                @if status.skipped_total as usize > skipped.len() { p.small.muted { "The first " (skipped.len()) " of " (status.skipped_total) "." } }
            }
        }
    };
    Ok(view::page(
        &state,
        &format!("Import {id}"),
        Nav::Sources,
        body,
    ))
}
