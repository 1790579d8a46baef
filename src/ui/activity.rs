//! The activity feed, filtered by type and paged by id.

use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::error::UiError;
use super::layout::Nav;
use super::view::{self, when};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::db::activity::{self, ActivityRow};
use crate::lifecycle::events::ACTIVITY_TYPES;

const PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct ActivityQuery {
    #[serde(rename = "type")]
    type_: Option<String>,
    before_id: Option<String>,
}

/// `key: value` pairs of an entry's details, in the stored order.
fn details(text: &str) -> Markup {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    html! {
        @if let Value::Object(map) = value {
            @for (k, v) in map.iter().take(8) {
                span.chip.small.wrap {
                    (k) ": "
                    @match v { Value::String(s) => (s), other => (other.to_string()) }
                }
                " "
            }
        }
    }
}

/// The rows of a feed: time, type, status and details (all escaped).
pub fn entry_rows(rows: &[ActivityRow]) -> Markup {
    html! {
        @if rows.is_empty() {
            p.muted { "Nothing has happened yet." }
        } @else {
            ul.feed.small {
                @for row in rows {
                    li {
                        (when(Some(row.at))) " · " strong { (row.type_) } " " span.chip { (row.status) } " "
                        (details(&row.details))
                    }
                }
            }
        }
    }
}

pub async fn page(
    state: web::Data<AppState>,
    query: web::Query<ActivityQuery>,
) -> Result<HttpResponse, UiError> {
    let type_ = query
        .type_
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    if let Some(t) = &type_ {
        if !ACTIVITY_TYPES.contains(&t.as_str()) {
            return Err(ApiError::validation(
                "type",
                format!("must be one of {}", ACTIVITY_TYPES.join(", ")),
            )
            .into());
        }
    }
    let before = match query
        .before_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => Some(
            raw.parse::<i64>()
                .map_err(|_| ApiError::validation("before_id", "must be an integer"))?,
        ),
    };
    let filter = type_.clone();
    let rows = state
        .db
        .read(move |c| activity::list(c, filter.as_deref(), before, PAGE))
        .await?;
    let older = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let type_query = type_
        .as_deref()
        .map(|t| format!("type={t}&"))
        .unwrap_or_default();
    let body = html! {
        h1 { "Activity" }
        form.filters method="get" action="/activity" {
            div {
                label for="type" { "Type" }
                select #type name="type" {
                    option value="" { "Every type" }
                    @for t in ACTIVITY_TYPES {
                        option value=(t) selected[type_.as_deref() == Some(t)] { (t) }
                    }
                }
            }
            div { button type="submit" { "Show" } }
        }
        @if before.is_none() {
            // The newest page follows what happens; older pages stay still.
            section.panel #activity-feed hx-get={ "/activity?" (type_query) } hx-trigger="sse:activity delay:50ms"
                hx-select="#activity-feed" hx-swap="outerHTML" hx-disinherit="*" {
                (entry_rows(&rows))
            }
        } @else {
            section.panel #activity-feed { (entry_rows(&rows)) }
        }
        nav.pager aria-label="Pages" {
            @if before.is_some() { a href={ "/activity?" (type_query) } { "← Newest" } }
            @if let Some(id) = older { a href={ "/activity?" (type_query) "before_id=" (id) } rel="next" { "Older →" } }
        }
    };
    Ok(view::page(&state, "Activity", Nav::Activity, body))
}
