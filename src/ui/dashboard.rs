//! The dashboard: workers, connections, the search budget, wanted tracks by
//! state, active downloads with live progress, the latest activity. Each
//! part is its own fragment, re-fetched when the live stream announces a
//! change of its kind (no polling of the page).

use actix_web::{web, HttpResponse};
use maud::{html, Markup};

use super::activity::entry_rows;
use super::downloads::{download_label, progress_cell};
use super::error::UiError;
use super::layout::Nav;
use super::view::{self, state_chip};
use crate::actors::registry::GetStatus;
use crate::actors::search_scheduler::SearchBudget;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::db::{activity, downloads as download_rows, wanted as wanted_rows};
use crate::domain::downloads::state::DownloadState;
use crate::domain::library::media_server::MediaServer;
use crate::domain::wanted::WantedState;

/// The parts, each with the live topic that refreshes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Workers,
    Wanted,
    Downloads,
    Activity,
}

impl Part {
    const ALL: [Part; 4] = [Part::Workers, Part::Wanted, Part::Downloads, Part::Activity];

    fn name(self) -> &'static str {
        match self {
            Part::Workers => "workers",
            Part::Wanted => "wanted",
            Part::Downloads => "downloads",
            Part::Activity => "activity",
        }
    }

    /// The live events that make this part out of date.
    fn trigger(self) -> &'static str {
        match self {
            // Heartbeats change states without events: the stream's tick too.
            Part::Workers => "sse:workers delay:50ms, sse:tick, sse:wanted delay:50ms",
            Part::Wanted => "sse:wanted delay:50ms",
            Part::Downloads => "sse:downloads delay:50ms",
            Part::Activity => "sse:activity delay:50ms",
        }
    }
}

/// A part in its refreshable frame.
fn frame(part: Part, title: &str, inner: Markup) -> Markup {
    html! {
        section.panel.wide[part == Part::Workers] id={ "part-" (part.name()) } aria-labelledby={ "h-" (part.name()) }
            hx-get={ "/ui/parts/" (part.name()) } hx-trigger=(part.trigger()) hx-swap="outerHTML" hx-disinherit="*" {
            h2 id={ "h-" (part.name()) } { (title) }
            (inner)
        }
    }
}

async fn render(state: &AppState, part: Part) -> Result<Markup, UiError> {
    Ok(match part {
        Part::Workers => {
            let report = state
                .registry
                .send(GetStatus)
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let budget = state.searches.budget().await;
            frame(part, "Workers and connections", workers(&report, budget))
        }
        Part::Wanted => {
            let counts = state.db.read(wanted_rows::count_by_state).await?;
            frame(part, "Wanted tracks", wanted_counts(&counts))
        }
        Part::Downloads => {
            let (rows, total) = state
                .db
                .read(|c| {
                    download_rows::list(
                        c,
                        &[DownloadState::Downloading, DownloadState::Queued],
                        10,
                        0,
                    )
                })
                .await?;
            frame(
                part,
                "Active downloads",
                html! {
                    @if rows.is_empty() {
                        p.muted { "Nothing is downloading." }
                    } @else {
                        div.scroll { table {
                            thead { tr { th { "Track" } th { "State" } th { "Progress" } } }
                            tbody { @for row in &rows { tr {
                                td.wrap { a href={ "/downloads/" (row.id.get()) } { (download_label(row)) } }
                                td { (state_chip(row.state.as_str())) }
                                td { (progress_cell(row)) }
                            } } }
                        } }
                        @if total > 10 { p { a href="/downloads?state=queued,downloading" { "All " (total) " active downloads" } } }
                    }
                },
            )
        }
        Part::Activity => {
            let rows = state.db.read(|c| activity::list(c, None, None, 8)).await?;
            frame(
                part,
                "Latest activity",
                html! {
                    (entry_rows(&rows))
                    p { a href="/activity" { "All activity" } }
                },
            )
        }
    })
}

fn workers(report: &crate::actors::registry::StatusReport, budget: Option<SearchBudget>) -> Markup {
    html! {
        div.scroll { table {
            thead { tr { th { "Worker" } th { "State" } th.num { "Queue" } th.num.opt { "Restarts" } th.opt { "Last error" } } }
            tbody { @for w in &report.workers { tr {
                td { (w.name.as_str()) }
                td { @if w.enabled { (state_chip(w.state.as_str())) } @else { span.muted { "off" } } }
                td.num { @if let Some(q) = w.queue_size { (q) } @else { "—" } }
                td.num.opt { (w.restarts) }
                td.opt.wrap.small { @if let Some(e) = &w.last_error { (e) } @else { span.muted { "—" } } }
            } } }
        } }
        dl.facts {
            dt { "slskd" } dd { (state_chip(report.slskd.as_str())) }
            dt { "Spotify" } dd { (state_chip(report.spotify.as_str())) }
            @for (server, state) in MediaServer::ALL.iter().zip(report.media_servers.iter()) {
                @if state.as_str() != "unconfigured" {
                    dt { (server.as_str()) } dd { (state_chip(state.as_str())) }
                }
            }
            @if let Some(b) = budget {
                dt { "Soulseek searches" }
                dd {
                    (b.used) " of " (b.max_per_window) " in the last " (b.window.as_secs()) " s · "
                    (b.running) " running (at most " (b.max_concurrent) ") · " (b.waiting) " waiting"
                }
            }
        }
    }
}

fn wanted_counts(counts: &[(WantedState, i64)]) -> Markup {
    let count = |s: WantedState| {
        counts
            .iter()
            .find(|(state, _)| *state == s)
            .map_or(0, |(_, n)| *n)
    };
    html! {
        dl.facts {
            @for s in WantedState::ALL {
                dt { a href={ "/wanted?state=" (s.as_str()) } { (state_chip(s.as_str())) } }
                dd { (count(s)) }
            }
        }
        p { a href="/wanted" { "All wanted tracks" } " · " a href="/wanted#add" { "Add a track" } }
    }
}

pub async fn page(state: web::Data<AppState>) -> Result<HttpResponse, UiError> {
    let mut parts = Vec::with_capacity(Part::ALL.len());
    for part in Part::ALL {
        parts.push(render(&state, part).await?);
    }
    let body = html! {
        h1 { "Dashboard" }
        div.grid { @for p in &parts { (p) } }
    };
    Ok(view::page(&state, "Dashboard", Nav::Dashboard, body))
}

/// One part, for a live refresh.
pub async fn part(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    let part = Part::ALL
        .into_iter()
        .find(|p| p.name() == name.as_str())
        .ok_or(UiError::NotFound)?;
    Ok(view::html_response(render(&state, part).await?))
}
