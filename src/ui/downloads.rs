//! Downloads: the list with live progress, and one download's timeline,
//! actions and results (tags, cover, lyrics).

use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::error::UiError;
use super::form;
use super::layout::Nav;
use super::view::{self, bytes, see_other, state_chip, when};
use crate::api::downloads::{artifacts as api_artifacts, ops};
use crate::api::error::ApiError;
use crate::api::extract;
use crate::api::AppState;
use crate::db::artifacts as artifact_rows;
use crate::db::downloads::{self as download_rows, DownloadRow};
use crate::domain::downloads::artifact_status::ArtifactStatus;
use crate::domain::downloads::state::DownloadState;
use crate::domain::ids::DownloadId;
use crate::domain::track::Track;

const PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    offset: Option<String>,
}

/// "Artist – Title", else the file's own name.
pub fn download_label(row: &DownloadRow) -> String {
    let track = Track::from_json(&row.track);
    match (track.artist, track.title) {
        (Some(a), Some(t)) if !a.is_empty() && !t.is_empty() => format!("{a} – {t}"),
        _ => row
            .filename
            .rsplit(['\\', '/'])
            .next()
            .unwrap_or(&row.filename)
            .to_string(),
    }
}

/// A progress bar for a running download, the state's words otherwise.
pub fn progress_cell(row: &DownloadRow) -> Markup {
    let percent = row.progress.clamp(0.0, 100.0);
    html! {
        @if row.state == DownloadState::Downloading || row.state == DownloadState::Queued {
            progress max="100" value=(format!("{percent:.0}")) aria-label={ "Progress of download " (row.id.get()) } {}
            span.small.muted { (format!("{percent:.0}")) " % · " (bytes(Some(row.bytes_transferred))) " of " (bytes(Some(row.size))) }
        } @else if row.state == DownloadState::Completed {
            span.small { "done" }
        } @else {
            span.small.muted { (row.last_error.as_deref().unwrap_or("")) }
        }
    }
}

fn table(rows: &[DownloadRow]) -> Markup {
    html! {
        div.scroll { table {
            thead { tr { th { "Track" } th { "State" } th { "Progress" } th.opt { "From" } th.opt.num { "Priority" } } }
            tbody { @for row in rows { tr {
                td.wrap { a href={ "/downloads/" (row.id.get()) } { (download_label(row)) } }
                td { (state_chip(row.state.as_str())) }
                td { (progress_cell(row)) }
                td.opt.wrap.small { (row.username) }
                td.opt.num { (row.priority) }
            } } }
        } }
    }
}

pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, UiError> {
    let states = extract::state_filter(
        query.state.as_deref(),
        &DownloadState::ALL,
        DownloadState::as_str,
    )?;
    let offset = extract::offset(query.offset.as_deref())?;
    let chosen = states.clone();
    let (rows, total) = state
        .db
        .read(move |c| download_rows::list(c, &chosen, PAGE, offset))
        .await?;
    let state_query = query
        .state
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            format!(
                "state={}",
                percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .unwrap_or_default();
    let here = if state_query.is_empty() {
        format!("/downloads?offset={offset}")
    } else {
        format!("/downloads?{state_query}&offset={offset}")
    };
    let body = html! {
        h1 { "Downloads" }
        form.filters method="get" action="/downloads" {
            div {
                label for="state" { "State" }
                select #state name="state" {
                    option value="" { "Every state" }
                    @for s in DownloadState::ALL {
                        option value=(s.as_str()) selected[states.len() == 1 && states[0] == s] { (s.as_str().replace('_', " ")) }
                    }
                }
            }
            div { button type="submit" { "Show" } }
        }
        section.panel #download-list hx-get=(here) hx-trigger="sse:downloads delay:50ms"
            hx-select="#download-list" hx-swap="outerHTML" hx-disinherit="*" {
            @if rows.is_empty() { p.muted { "No downloads." } } @else { (table(&rows)) }
            (view::pager("/downloads", &state_query, offset, PAGE, total))
        }
    };
    Ok(view::page(&state, "Downloads", Nav::Downloads, body))
}

/// Up to 40 lines of the lyrics file, read off the async threads.
async fn lyrics_preview(path: Option<String>) -> Option<String> {
    let path = path?;
    web::block(move || {
        let text = std::fs::read_to_string(path).ok()?;
        Some(text.lines().take(40).collect::<Vec<_>>().join("\n"))
    })
    .await
    .ok()
    .flatten()
}

fn tags(text: Option<&str>) -> Markup {
    let value: Value = text
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null);
    html! {
        @if let Value::Object(map) = value {
            dl.facts {
                @for (k, v) in &map {
                    @if !v.is_null() {
                        dt { (k) }
                        dd { @match v { Value::String(s) => (s), other => (other.to_string()) } }
                    }
                }
            }
        } @else {
            p.muted { "No tags written yet." }
        }
    }
}

fn action(id: DownloadId, name: &str, label: &str, class: &str) -> Markup {
    html! {
        form.inline method="post" action={ "/downloads/" (id.get()) "/" (name) } {
            button class=(class) type="submit" { (label) }
        }
    }
}

pub async fn detail(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, UiError> {
    let id = DownloadId(id.into_inner());
    let (row, events, art) = state
        .db
        .snapshot(move |c| {
            Ok((
                download_rows::get(c, id)?,
                download_rows::events(c, id)?,
                artifact_rows::get(c, id)?,
            ))
        })
        .await?;
    let lyrics = if row.lyrics_status == ArtifactStatus::Done {
        lyrics_preview(art.as_ref().and_then(|a| a.lyrics_path.clone())).await
    } else {
        None
    };
    let label = download_label(&row);
    let body = html! {
        p.small { a href="/downloads" { "← Downloads" } }
        h1.wrap { (label) }
        // The state, the progress and the results follow the download live.
        div.grid #download-live hx-get={ "/downloads/" (id.get()) } hx-trigger="sse:downloads delay:50ms"
            hx-select="#download-live" hx-swap="outerHTML" hx-disinherit="*" {
            section.panel #download-facts aria-label="Download" {
                dl.facts {
                    dt { "State" } dd { (state_chip(row.state.as_str())) }
                    dt { "Progress" } dd { (progress_cell(&row)) }
                    dt { "From" } dd.wrap { (row.username) }
                    dt { "File" } dd.wrap.small { (row.filename) }
                    dt { "Size" } dd { (bytes(Some(row.size))) }
                    dt { "Retries" } dd { (row.retry_count) @if row.next_retry_at.is_some() { " · next " (when(row.next_retry_at)) } }
                    @if let Some(e) = &row.last_error { dt { "Last error" } dd.wrap { (e) } }
                    @if let Some(p) = &row.organized_path { dt { "In the library" } dd.wrap.small { (p) } }
                    @if let Some(w) = row.wanted_id { dt { "Wanted track" } dd { a href={ "/wanted/" (w.get()) } { "#" (w.get()) } } }
                    dt { "Tags" } dd { (state_chip(row.metadata_status.as_str())) }
                    dt { "Cover" } dd { (state_chip(row.artwork_status.as_str())) }
                    dt { "Lyrics" } dd { (state_chip(row.lyrics_status.as_str())) }
                }
                div.actions {
                    @if matches!(row.state, DownloadState::Failed | DownloadState::Cancelled | DownloadState::DeadLetter) {
                        (action(id, "retry", "Retry", ""))
                    }
                    @if !matches!(row.state, DownloadState::Completed | DownloadState::Cancelled) {
                        (action(id, "cancel", "Cancel", "danger"))
                    }
                }
                @if matches!(row.state, DownloadState::Queued | DownloadState::Downloading | DownloadState::Failed) {
                    form.actions method="post" action={ "/downloads/" (id.get()) "/priority" } {
                        label for="priority" { "Priority" }
                        input #priority type="number" name="priority" value=(row.priority) required;
                        button.secondary type="submit" { "Set" }
                    }
                }
            }
            section.panel aria-label="Results" {
                h2 { "Results" }
                @if row.artwork_status == ArtifactStatus::Done {
                    img.cover src={ "/downloads/" (id.get()) "/cover" } alt={ "Cover of " (label) } width="160" height="160";
                }
                (tags(art.as_ref().and_then(|a| a.tags.as_deref())))
                @if let Some(text) = &lyrics {
                    h2 { "Lyrics" }
                    pre.lyrics { (text) }
                }
            }
        }
        section.panel aria-labelledby="h-timeline" {
            h2 #h-timeline { "Timeline" }
            ol.feed.small {
                @for e in &events {
                    li { (when(Some(e.at))) " · " strong { (e.type_) } " " span.muted.wrap { (e.details) } }
                }
            }
        }
    };
    Ok(view::page(&state, &label, Nav::Downloads, body))
}

/// The embedded cover, for the page's thumbnail (the API's answer as is).
pub async fn cover(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, UiError> {
    Ok(api_artifacts::get_artwork(state, id).await?)
}

#[derive(Deserialize, Default)]
pub struct ActionForm {
    priority: Option<String>,
}

pub async fn act(
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, UiError> {
    let (id, action) = path.into_inner();
    let id = DownloadId(id);
    match action.as_str() {
        "retry" => {
            ops::retry(&state, id).await?;
        }
        "cancel" => {
            ops::cancel(&state, id).await?;
        }
        "priority" => {
            let priority = form::integer(form.priority.as_deref())
                .ok_or_else(|| ApiError::validation("priority", "must be a whole number"))?;
            ops::set_priority(&state, id, priority).await?;
        }
        _ => return Err(UiError::NotFound),
    }
    Ok(see_other(&format!("/downloads/{}", id.get())))
}
