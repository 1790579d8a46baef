//! Signing in to the UI with one of the API keys, and out again. The key is
//! posted once in a form body (never in a URL, never logged, never shown);
//! what the browser keeps is a random session token, stored hashed.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use super::error::UiError;
use super::layout;
use super::view::html_response;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::db::ui_sessions;
use crate::domain::time::now_millis;
use crate::domain::ui_session::{
    cleared_cookie, cookie_value, hex, local_target, session_cookie, token_hash, COOKIE,
    LIFETIME_MS,
};

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct SignIn {
    key: String,
    next: Option<String>,
}

fn token_in(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie_value(h, COOKIE).map(str::to_string))
        .filter(|t| !t.is_empty())
}

/// Whether the request carries a live session.
pub async fn session_of(state: &AppState, req: &HttpRequest) -> Result<bool, UiError> {
    let Some(token) = token_in(req) else {
        return Ok(false);
    };
    let hash = token_hash(&token);
    Ok(state
        .db
        .read(move |c| ui_sessions::is_valid(c, &hash, now_millis()))
        .await?)
}

fn form(next: &str, error: Option<&str>) -> maud::Markup {
    layout::bare(
        "Sign in",
        html! {
            section.panel {
                h1 { "Sign in" }
                p.muted { "Enter one of the API keys Harmony was started with (HARMONY_API_KEYS). This browser then stays signed in for 30 days." }
                @if let Some(error) = error {
                    p.error role="alert" id="key-error" { (error) }
                }
                form method="post" action="/login" {
                    input type="hidden" name="next" value=(next);
                    label for="key" { "API key" }
                    input #key type="password" name="key" autocomplete="current-password" required
                        aria-describedby=[error.map(|_| "key-error")];
                    p { button type="submit" { "Sign in" } }
                }
            }
        },
    )
}

pub async fn page(
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, UiError> {
    if state.api_keys.is_empty() {
        return Ok(super::view::see_other("/"));
    }
    let next = local_target(query.next.as_deref()).to_string();
    Ok(html_response(form(&next, None)))
}

pub async fn submit(
    state: web::Data<AppState>,
    body: web::Form<SignIn>,
) -> Result<HttpResponse, UiError> {
    let next = local_target(body.next.as_deref()).to_string();
    if state.api_keys.is_empty() {
        return Ok(super::view::see_other(&next));
    }
    let key = body.key.trim();
    // Every key is compared, so the time taken does not tell which one matched.
    let valid = !key.is_empty()
        && state
            .api_keys
            .iter()
            .fold(false, |ok, k| k.matches(key) | ok);
    if !valid {
        let mut response = html_response(form(&next, Some("That is not one of the API keys.")));
        *response.status_mut() = actix_web::http::StatusCode::UNAUTHORIZED;
        return Ok(response);
    }
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    let token = hex(&raw);
    let hash = token_hash(&token);
    let now = now_millis();
    state
        .db
        .write(move |c| ui_sessions::insert(c, &hash, now, now + LIFETIME_MS))
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .insert_header((header::SET_COOKIE, session_cookie(&token)))
        .finish())
}

pub async fn logout(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, UiError> {
    if let Some(token) = token_in(&req) {
        let hash = token_hash(&token);
        state
            .db
            .write(move |c| ui_sessions::delete(c, &hash))
            .await?;
    }
    let target = if state.api_keys.is_empty() {
        "/"
    } else {
        "/login"
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, target))
        .insert_header((header::SET_COOKIE, cleared_cookie()))
        .finish())
}
