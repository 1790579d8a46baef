//! Small pieces every page uses: the answer itself, states, times, sizes.

use actix_web::http::header;
use actix_web::HttpResponse;
use maud::{html, Markup};

use super::layout::{self, Chrome, Nav};
use crate::api::AppState;
use crate::domain::time::{now_millis, to_rfc3339, UnixMillis};

pub fn chrome(state: &AppState) -> Chrome {
    Chrome {
        signed_in: !state.api_keys.is_empty(),
    }
}

/// A whole page, with the headers every page carries.
pub fn page(state: &AppState, title: &str, nav: Nav, body: Markup) -> HttpResponse {
    html_response(layout::page(chrome(state), title, nav, body))
}

/// A piece of a page (what htmx swaps in).
pub fn html_response(markup: Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", layout::CONTENT_SECURITY_POLICY))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Referrer-Policy", "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string())
}

/// After an action: back to a page (303, so a reload does not repeat it).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A state as a coloured word.
pub fn state_chip(state: &str) -> Markup {
    html! { span class={ "chip s-" (state) } { (state.replace('_', " ")) } }
}

/// "3 min ago", with the exact time on hover.
pub fn when(at: Option<UnixMillis>) -> Markup {
    match at {
        None => html! { span.muted { "—" } },
        Some(ms) => {
            html! { time datetime=(to_rfc3339(ms)) title=(to_rfc3339(ms)) { (ago(now_millis(), ms)) } }
        }
    }
}

/// How long ago, in the largest unit that fits.
pub fn ago(now: UnixMillis, at: UnixMillis) -> String {
    let seconds = (now - at) / 1000;
    if seconds < 0 {
        let ahead = -seconds;
        return match ahead {
            0..=59 => format!("in {ahead} s"),
            60..=3599 => format!("in {} min", ahead / 60),
            3600..=86_399 => format!("in {} h", ahead / 3600),
            _ => format!("in {} d", ahead / 86_400),
        };
    }
    match seconds {
        0..=9 => "just now".to_string(),
        10..=59 => format!("{seconds} s ago"),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        _ => format!("{} d ago", seconds / 86_400),
    }
}

/// 7.3 MB.
pub fn bytes(n: Option<i64>) -> String {
    match n {
        None => "—".to_string(),
        Some(n) if n < 1_000 => format!("{n} B"),
        Some(n) if n < 1_000_000 => format!("{:.0} kB", n as f64 / 1e3),
        Some(n) if n < 1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        Some(n) => format!("{:.2} GB", n as f64 / 1e9),
    }
}

/// 5:20.
pub fn duration_ms(ms: Option<i64>) -> String {
    match ms {
        None => "—".to_string(),
        Some(ms) => {
            let s = ms / 1000;
            format!("{}:{:02}", s / 60, s % 60)
        }
    }
}

/// Page links for a list of `total` items shown `limit` at a time; `query`
/// is the list's other parameters, already encoded.
pub fn pager(path: &str, query: &str, offset: i64, limit: i64, total: i64) -> Markup {
    let link = |offset: i64| {
        if query.is_empty() {
            format!("{path}?offset={offset}")
        } else {
            format!("{path}?{query}&offset={offset}")
        }
    };
    let last = (offset + limit).min(total);
    html! {
        nav.pager aria-label="Pages" {
            @if offset > 0 {
                a href=(link((offset - limit).max(0))) rel="prev" { "← Newer" }
            }
            span.muted { @if total == 0 { "nothing" } @else { (offset + 1) "–" (last) " of " (total) } }
            @if last < total {
                a href=(link(offset + limit)) rel="next" { "Older →" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ago_picks_the_largest_unit_that_fits() {
        let now = 1_000_000_000;
        assert_eq!(ago(now, now - 3_000), "just now");
        assert_eq!(ago(now, now - 42_000), "42 s ago");
        assert_eq!(ago(now, now - 7_200_000), "2 h ago");
        assert_eq!(ago(now, now + 120_000), "in 2 min");
    }

    #[test]
    fn sizes_and_lengths_read_like_people_write_them() {
        assert_eq!(bytes(Some(7_340_000)), "7.3 MB");
        assert_eq!(bytes(None), "—");
        assert_eq!(duration_ms(Some(320_357)), "5:20");
    }

    #[test]
    fn a_state_chip_escapes_nothing_it_should_not() {
        let chip = state_chip("dead_letter").into_string();
        assert!(chip.contains("s-dead_letter"));
        assert!(chip.contains("dead letter"));
    }
}
