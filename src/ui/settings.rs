//! Settings: every settable key with its effective value and help, changed
//! through the same validation as `PUT /api/v1/settings` (all or nothing,
//! errors beside their keys), and the history of changes.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use maud::html;

use super::error::UiError;
use super::form::Errors;
use super::layout::Nav;
use super::view::{self, see_other, when};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::config::{help, keys};

async fn render(
    state: &AppState,
    typed: &HashMap<String, String>,
    errors: &Errors,
) -> Result<HttpResponse, UiError> {
    let effective = state.settings.effective().await?;
    let history = state.settings.history(50).await?;
    let body = html! {
        h1 { "Settings" }
        @if !errors.is_empty() {
            p.notice.bad role="alert" {
                "Nothing was changed: fix "
                @for (i, field) in errors.fields().enumerate() {
                    @if i > 0 { ", " }
                    a href={ "#" (field) } { (field) }
                }
                "."
            }
        }
        form method="post" action="/settings" {
            section.panel aria-label="Settable keys" {
                p.small.muted { "Changes apply to work that starts afterwards; keys marked (restart) at the next start. Secrets are never shown: leave them empty to keep them." }
                @for (key, value) in &effective {
                    @let spec = keys::find(key);
                    @let secret = spec.is_some_and(|s| s.secret);
                    @let restart = spec.is_some_and(|s| s.settable == keys::Settable::Restart);
                    div {
                        label for=(key) { (key) @if restart { span.muted.small { " (restart)" } } }
                        @if secret {
                            input id=(key) type="password" name=(key) value="" autocomplete="off"
                                placeholder=(if value.is_empty() { "not set" } else { "set — leave empty to keep" })
                                aria-describedby={ (key) "-help" } aria-invalid=[errors.get(key).map(|_| "true")];
                        } @else {
                            input id=(key) type="text" name=(key) value=(typed.get(*key).unwrap_or(value))
                                aria-describedby={ (key) "-help" } aria-invalid=[errors.get(key).map(|_| "true")];
                        }
                        (errors.show(key))
                        @if let Some(text) = help::of(key) { p.small.muted id={ (key) "-help" } { (text) } }
                    }
                }
                p { button type="submit" { "Save" } }
            }
        }
        section.panel aria-labelledby="h-history" {
            h2 #h-history { "History" }
            @if history.is_empty() { p.muted { "No setting has been changed here yet." } }
            ul.feed.small {
                @for h in &history {
                    li.wrap {
                        (when(Some(h.changed_at))) " · " strong { (h.key) } ": "
                        (h.old_value.as_deref().unwrap_or("(default)")) " → " (h.new_value.as_deref().unwrap_or("(default)"))
                    }
                }
            }
        }
    };
    let mut response = view::page(state, "Settings", Nav::Settings, body);
    if !errors.is_empty() {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn page(state: web::Data<AppState>) -> Result<HttpResponse, UiError> {
    render(&state, &HashMap::new(), &Errors::default()).await
}

/// Only what differs from the effective value is sent; a secret left empty
/// is kept.
pub async fn save(
    state: web::Data<AppState>,
    body: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, UiError> {
    let typed = body.into_inner();
    let effective = state.settings.effective().await?;
    let mut changes = Vec::new();
    for (key, current) in &effective {
        let Some(value) = typed.get(*key) else {
            continue;
        };
        let secret = keys::find(key).is_some_and(|s| s.secret);
        let value = value.trim();
        if (secret && value.is_empty()) || value == current {
            continue;
        }
        changes.push((key.to_string(), Some(value.to_string())));
    }
    if changes.is_empty() {
        return Ok(see_other("/settings"));
    }
    match state.settings.update(changes).await {
        Ok(_) => Ok(see_other("/settings")),
        Err(e) => {
            let e = ApiError::from(e);
            match Errors::from_api(&e) {
                Some(errors) => render(&state, &typed, &errors).await,
                None => Err(e.into()),
            }
        }
    }
}
