//! The page around every page: head, navigation, the live connection.

use maud::{html, Markup, DOCTYPE};

use super::assets;

/// The sections of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Dashboard,
    Wanted,
    Downloads,
    Sources,
    Settings,
    Activity,
    None,
}

const SECTIONS: [(Nav, &str, &str); 6] = [
    (Nav::Dashboard, "/", "Dashboard"),
    (Nav::Wanted, "/wanted", "Wanted"),
    (Nav::Downloads, "/downloads", "Downloads"),
    (Nav::Sources, "/sources", "Sources"),
    (Nav::Settings, "/settings", "Settings"),
    (Nav::Activity, "/activity", "Activity"),
];

/// htmx swaps every answer, 4xx included (a form with its errors, a refusal
/// explained); it injects no inline styles and evaluates no strings, so the
/// page's Content-Security-Policy can forbid both.
const HTMX_CONFIG: &str = r#"{"responseHandling":[{"code":"204","swap":false},{"code":"...","swap":true}],"includeIndicatorStyles":false,"allowEval":false,"historyCacheSize":0}"#;

/// What every page needs to know about the visitor.
#[derive(Debug, Clone, Copy)]
pub struct Chrome {
    /// API keys are configured: the visitor signed in and may sign out.
    pub signed_in: bool,
}

pub fn page(chrome: Chrome, title: &str, current: Nav, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                meta name="htmx-config" content=(HTMX_CONFIG);
                title { (title) " · Harmony" }
                link rel="icon" href=(assets::url("icon.svg")) type="image/svg+xml";
                link rel="stylesheet" href=(assets::url("style.css"));
                script src=(assets::url("htmx.min.js")) defer {}
                script src=(assets::url("sse.min.js")) defer {}
                script src=(assets::url("ui.js")) defer {}
            }
            body hx-boost="true" {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { "Harmony" }
                    nav.main aria-label="Main" {
                        ul {
                            @for (nav, href, label) in SECTIONS {
                                li {
                                    @if nav == current {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                    @if chrome.signed_in {
                        form method="post" action="/logout" hx-boost="false" {
                            button.secondary.small type="submit" { "Sign out" }
                        }
                    }
                }
                main #main hx-ext="sse" sse-connect="/ui/live" {
                    (body)
                }
            }
        }
    }
}

/// A page of its own, outside the navigation (sign-in, errors before sign-in).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · Harmony" }
                link rel="icon" href=(assets::url("icon.svg")) type="image/svg+xml";
                link rel="stylesheet" href=(assets::url("style.css"));
            }
            body {
                header.top { a.brand href="/" { "Harmony" } }
                main #main { (body) }
            }
        }
    }
}

/// The policy of every UI page: nothing from elsewhere, no inline script.
/// No `form-action`: "Connect Spotify" posts, then is redirected to
/// Spotify's consent page, which Chromium would block under it.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";
