//! Wanted tracks: the list (filters, text search, pages, "add a track"),
//! and one track with the last search's candidates — score, its parts and
//! every refusal — and the one-click fixes: pick, reject, search again
//! (with an edited query), cancel, retry.

use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::downloads::download_label;
use super::error::UiError;
use super::form::{self, Errors};
use super::layout::Nav;
use super::view::{self, bytes, duration_ms, see_other, state_chip, when};
use crate::api::error::ApiError;
use crate::api::extract;
use crate::api::wanted::dto::{self, candidate_views, CandidateView, CreateWanted, WantedInput};
use crate::api::wanted::ops;
use crate::api::AppState;
use crate::db::downloads as download_rows;
use crate::db::wanted::{self as wanted_rows, WantedFilter, WantedRow};
use crate::domain::ids::WantedId;
use crate::domain::matching::search_queries;
use crate::domain::wanted::WantedState;

const PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    state: Option<String>,
    source: Option<String>,
    q: Option<String>,
    offset: Option<String>,
}

/// The "add a track" form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct AddForm {
    artist: Option<String>,
    title: Option<String>,
    album: Option<String>,
    duration: Option<String>,
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn add_form(values: &AddForm, errors: &Errors) -> Markup {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    html! {
        section.panel #add aria-labelledby="h-add" {
            h2 #h-add { "Add a track" }
            @if !errors.is_empty() { (errors.others(&["artist", "title", "album", "duration", "duration_ms"])) }
            form method="post" action="/wanted" {
                div.fields {
                    div {
                        label for="artist" { "Artist" }
                        input #artist type="text" name="artist" value=(value(&values.artist)) required
                            aria-invalid=[errors.get("artist").map(|_| "true")] aria-describedby=[errors.described_by("artist")];
                        (errors.show("artist"))
                    }
                    div {
                        label for="title" { "Title" }
                        input #title type="text" name="title" value=(value(&values.title)) required
                            aria-invalid=[errors.get("title").map(|_| "true")] aria-describedby=[errors.described_by("title")];
                        (errors.show("title"))
                    }
                    div {
                        label for="album" { "Album " span.muted { "(optional)" } }
                        input #album type="text" name="album" value=(value(&values.album))
                            aria-describedby=[errors.described_by("album")];
                        (errors.show("album"))
                    }
                    div {
                        label for="duration" { "Length " span.muted { "(m:ss, optional)" } }
                        input #duration type="text" name="duration" inputmode="numeric" value=(value(&values.duration))
                            aria-describedby=[errors.described_by("duration")];
                        (errors.show("duration"))
                    }
                }
                p { button type="submit" { "Add" } }
            }
        }
    }
}

async fn list_page(
    state: &AppState,
    query: &ListQuery,
    add: &AddForm,
    errors: &Errors,
) -> Result<HttpResponse, UiError> {
    let states = extract::state_filter(
        query.state.as_deref(),
        &WantedState::ALL,
        WantedState::as_str,
    )?;
    let offset = extract::offset(query.offset.as_deref())?;
    let filter = WantedFilter {
        states: states.clone(),
        source: form::text(query.source.as_deref()),
        text: form::text(query.q.as_deref()),
    };
    let chosen = filter.clone();
    let (rows, total, sources) = state
        .db
        .snapshot(move |c| {
            let (rows, total) = wanted_rows::list(c, &chosen, PAGE, offset)?;
            Ok((rows, total, wanted_rows::sources(c, 200)?))
        })
        .await?;
    let mut params = Vec::new();
    if let Some(s) = query.state.as_deref().filter(|s| !s.trim().is_empty()) {
        params.push(format!("state={}", enc(s)));
    }
    if let Some(s) = &filter.source {
        params.push(format!("source={}", enc(s)));
    }
    if let Some(q) = &filter.text {
        params.push(format!("q={}", enc(q)));
    }
    let params = params.join("&");
    let body = html! {
        h1 { "Wanted tracks" }
        form.filters method="get" action="/wanted" role="search" {
            div {
                label for="q" { "Search" }
                input #q type="search" name="q" value=(filter.text.clone().unwrap_or_default()) placeholder="artist, title or album";
            }
            div {
                label for="state" { "State" }
                select #state name="state" {
                    option value="" { "Every state" }
                    @for s in WantedState::ALL {
                        option value=(s.as_str()) selected[states.len() == 1 && states[0] == s] { (s.as_str().replace('_', " ")) }
                    }
                }
            }
            div {
                label for="source" { "Source" }
                select #source name="source" {
                    option value="" { "Every source" }
                    @for s in &sources {
                        option value=(s) selected[filter.source.as_deref() == Some(s.as_str())] { (s) }
                    }
                }
            }
            div { button type="submit" { "Show" } }
        }
        section.panel #wanted-list aria-label="Wanted tracks" {
            @if rows.is_empty() {
                p.muted { "No wanted tracks match." }
            } @else {
                div.scroll { table {
                    thead { tr { th { "Track" } th { "State" } th.opt { "Source" } th.opt { "Added" } } }
                    tbody { @for row in &rows { tr {
                        td.wrap {
                            a href={ "/wanted/" (row.id.get()) } { (row.artist) " – " (row.title) }
                            @if let Some(album) = &row.album { br; span.small.muted { (album) } }
                        }
                        td { (state_chip(row.state.as_str())) }
                        td.opt.small.wrap { (row.source) }
                        td.opt.small { (when(Some(row.created_at))) }
                    } } }
                } }
            }
            (view::pager("/wanted", &params, offset, PAGE, total))
        }
        (add_form(add, errors))
    };
    let mut response = view::page(state, "Wanted", Nav::Wanted, body);
    if !errors.is_empty() {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, UiError> {
    list_page(&state, &query, &AddForm::default(), &Errors::default()).await
}

/// Adds one track through the API's own validation; errors come back beside
/// the fields, with what was typed kept.
pub async fn add(
    state: web::Data<AppState>,
    body: web::Form<AddForm>,
) -> Result<HttpResponse, UiError> {
    let typed = body.into_inner();
    let duration_ms = match form::text(typed.duration.as_deref()) {
        None => None,
        Some(raw) => match form::duration_ms(&raw) {
            Some(ms) => Some(ms),
            None => {
                let errors =
                    Errors::single("duration", "must be minutes:seconds (5:20) or seconds");
                return list_page(&state, &ListQuery::default(), &typed, &errors).await;
            }
        },
    };
    let input = WantedInput {
        artist: typed.artist.clone(),
        title: typed.title.clone(),
        album: form::text(typed.album.as_deref()),
        duration_ms,
        ..WantedInput::default()
    };
    let items = match dto::validate(CreateWanted { items: vec![input] }) {
        Ok(items) => items,
        Err(e) => match Errors::from_api(&e) {
            Some(errors) => return list_page(&state, &ListQuery::default(), &typed, &errors).await,
            None => return Err(e.into()),
        },
    };
    let rows = ops::create(&state, items, "api").await?;
    let id = rows.first().map(|r| r.id.get()).ok_or(UiError::NotFound)?;
    Ok(see_other(&format!("/wanted/{id}")))
}

/// One part of a score, as a percentage.
fn components(value: &Value) -> Markup {
    html! {
        @if let Value::Object(map) = value {
            span.parts {
                @for (k, v) in map {
                    @if let Some(x) = v.as_f64() { (k) " " (format!("{:.0}", x * 100.0)) " · " }
                }
            }
        }
    }
}

fn candidate_row(id: WantedId, c: &CandidateView, chosen: bool, open: bool) -> Markup {
    let class = if chosen {
        "chosen"
    } else if c.accepted {
        ""
    } else {
        "refused"
    };
    html! {
        tr class=(class) {
            td.wrap {
                @if chosen { strong { "Chosen · " } }
                span.small { (c.filename) }
                br;
                span.small.muted { (c.username) " · " (c.extension.as_deref().unwrap_or("?")) " · "
                    @if let Some(b) = c.bitrate { (b) " kbps · " }
                    @if let Some(b) = c.bit_depth { (b) " bit · " }
                    @if let Some(l) = c.length { (duration_ms(Some(i64::from(l) * 1000))) " · " }
                    (bytes(c.size)) }
                br;
                (components(&c.components))
            }
            td.num { (format!("{:.2}", c.score)) }
            td.small {
                @if c.rejected_by.is_empty() { span.s-ok { "accepted" } }
                @else { @for r in &c.rejected_by { span.chip.s-failed { (r) } " " } }
            }
            td {
                @if open {
                    div.actions {
                        @if c.accepted && !chosen {
                            form.inline method="post" action={ "/wanted/" (id.get()) "/pick" } {
                                input type="hidden" name="username" value=(c.username);
                                input type="hidden" name="filename" value=(c.filename);
                                button.small type="submit" { "Pick" }
                            }
                        }
                        form.inline method="post" action={ "/wanted/" (id.get()) "/reject" } {
                            input type="hidden" name="username" value=(c.username);
                            input type="hidden" name="filename" value=(c.filename);
                            button.small.danger type="submit" { "Reject" }
                        }
                    }
                }
            }
        }
    }
}

fn facts(row: &WantedRow) -> Markup {
    html! {
        dl.facts {
            dt { "State" } dd { (state_chip(row.state.as_str())) }
            @if let Some(album) = &row.album { dt { "Album" } dd { (album) } }
            dt { "Length" } dd { (duration_ms(row.duration_ms)) }
            dt { "Source" } dd.wrap { (row.source) }
            dt { "Searches" } dd { (row.search_count) " · last " (when(row.last_searched_at)) @if row.next_search_at.is_some() { " · next " (when(row.next_search_at)) } }
            @if let Some(e) = &row.last_error { dt { "Last error" } dd.wrap { (e) } }
            @if let Some(q) = &row.search_query { dt { "Own search" } dd.wrap { (q) } }
        }
    }
}

pub async fn detail(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, UiError> {
    let id = WantedId(id.into_inner());
    let (row, candidates, rejections) = ops::with_candidates(&state, id).await?;
    let downloads = state
        .db
        .read(move |c| download_rows::for_wanted(c, id, 20))
        .await?;
    let chosen = match (&row.match_username, &row.match_filename) {
        (Some(u), Some(f)) => Some((u.clone(), f.clone())),
        _ => None,
    };
    let views = candidate_views(
        candidates,
        &rejections,
        chosen.as_ref().map(|(u, f)| (u.as_str(), f.as_str())),
    );
    let open = row.state.accepts_user_choice();
    let derived = search_queries(&row.query());
    let query_value = row
        .search_query
        .clone()
        .or_else(|| derived.first().cloned())
        .unwrap_or_default();
    let title = format!("{} – {}", row.artist, row.title);
    let is_chosen = |c: &CandidateView| {
        c.accepted
            && chosen
                .as_ref()
                .is_some_and(|(u, f)| *u == c.username && *f == c.filename)
    };
    let body = html! {
        p.small { a href="/wanted" { "← Wanted tracks" } }
        div #wanted-detail hx-get={ "/wanted/" (id.get()) } hx-trigger="sse:wanted delay:50ms, sse:downloads delay:50ms"
            hx-select="#wanted-detail" hx-swap="outerHTML" hx-disinherit="*" {
        h1.wrap { (row.artist) " – " (row.title) }
        div.grid {
            section.panel aria-label="Track" {
                (facts(&row))
                @if open {
                    div.actions {
                        form.inline method="post" action={ "/wanted/" (id.get()) "/search" } {
                            button type="submit" { @if matches!(row.state, WantedState::Failed | WantedState::NotFound) { "Retry" } @else { "Search again" } }
                        }
                        form.inline method="post" action={ "/wanted/" (id.get()) "/cancel" } {
                            button.danger type="submit" { "Cancel" }
                        }
                    }
                    form method="post" action={ "/wanted/" (id.get()) "/search" } {
                        label for="query" { "Search again with" }
                        input #query type="search" name="query" value=(query_value) maxlength="200";
                        p.small.muted { "Used for this track from now on; empty goes back to the automatic queries." }
                        button.secondary type="submit" { "Search with this" }
                    }
                }
            }
            section.panel aria-labelledby="h-history" {
                h2 #h-history { "History" }
                @if downloads.is_empty() { p.muted { "No download yet." } }
                ul.feed.small {
                    @for d in &downloads {
                        li { (when(Some(d.created_at))) " · " a href={ "/downloads/" (d.id.get()) } { (download_label(d)) } " " (state_chip(d.state.as_str())) }
                    }
                    @for r in &rejections {
                        li.wrap { (when(Some(r.created_at))) " · rejected " span.muted { (r.username) " · " (r.filename) } " — " (r.reason) }
                    }
                }
            }
        }
        section.panel aria-labelledby="h-candidates" {
            h2 #h-candidates { "Candidates of the last search (" (views.len()) ")" }
            @if views.is_empty() {
                p.muted { "No search has found files yet." }
            } @else {
                div.scroll { table {
                    thead { tr { th { "File" } th.num { "Score" } th { "Refused by" } th { span.skip { "Actions" } } } }
                    tbody { @for c in &views { (candidate_row(id, c, is_chosen(c), open)) } }
                } }
            }
        }
        }
    };
    Ok(view::page(&state, &title, Nav::Wanted, body))
}

#[derive(Deserialize, Default)]
pub struct ActionForm {
    username: Option<String>,
    filename: Option<String>,
    query: Option<String>,
}

impl ActionForm {
    /// The exact Soulseek values, checked like the API's `pick`/`reject`.
    fn file(&self) -> Result<(String, String), ApiError> {
        let choice = dto::FileChoice {
            username: self.username.clone().unwrap_or_default(),
            filename: self.filename.clone().unwrap_or_default(),
        };
        dto::validate_choice(&choice)?;
        Ok((choice.username, choice.filename))
    }
}

pub async fn act(
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    body: web::Form<ActionForm>,
) -> Result<HttpResponse, UiError> {
    let (id, action) = path.into_inner();
    let id = WantedId(id);
    match action.as_str() {
        "pick" => {
            let (u, f) = body.file()?;
            ops::pick(&state, id, u, f).await?;
        }
        "reject" => {
            let (u, f) = body.file()?;
            ops::reject(&state, id, u, f).await?;
        }
        "search" => {
            let query = body
                .query
                .as_deref()
                .map(ops::check_search_query)
                .transpose()?;
            ops::search(&state, id, query).await?;
        }
        "cancel" => {
            ops::cancel(&state, id).await?;
        }
        _ => return Err(UiError::NotFound),
    }
    Ok(see_other(&format!("/wanted/{}", id.get())))
}
