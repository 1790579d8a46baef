//! The page a browser lands on after Spotify's consent screen
//! (`GET /api/v1/spotify/callback`, `api.md` §13 "Spotify"): a short,
//! self-contained HTML page saying the account is connected. The account's
//! name comes from Spotify and is escaped, never rendered as HTML.

/// The whole page for the connected account: its display name when it has
/// one, else its Spotify user id.
pub fn render(user_id: &str, display_name: Option<&str>) -> String {
    let account = display_name
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .unwrap_or(user_id);
    format!(
        "<!doctype html>\n\
         <html lang=\"en\">\n\
         <head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Spotify connected – Harmony</title></head>\n\
         <body style=\"font-family: sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem\">\n\
         <h1>Spotify connected</h1>\n\
         <p>Harmony is now connected to the Spotify account <strong>{}</strong>. \
         Your playlists are being read.</p>\n\
         <p><a href=\"/sources\">Back to Harmony</a></p>\n\
         </body>\n\
         </html>\n",
        escape(account)
    )
}

/// Text safe inside HTML elements and quoted attributes.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_account_and_says_it_is_connected() {
        let page = render("harmony-tester", Some("Harmony Tester"));
        assert!(page.starts_with("<!doctype html>"));
        assert!(page.contains("<strong>Harmony Tester</strong>"));
        assert!(page.contains("Spotify connected"));
        assert!(!page.contains("harmony-tester"));
    }

    #[test]
    fn without_a_display_name_the_user_id_is_shown() {
        assert!(render("someone", None).contains("<strong>someone</strong>"));
        assert!(render("someone", Some("  ")).contains("<strong>someone</strong>"));
    }

    #[test]
    fn the_name_is_text_never_markup() {
        let page = render(
            "x",
            Some("<script>alert('hi')</script> & \"friends\" <img src=x onerror=alert(1)>"),
        );
        assert!(!page.contains("<script>"));
        assert!(!page.contains("<img"));
        assert!(page.contains(
            "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt; &amp; &quot;friends&quot; \
             &lt;img src=x onerror=alert(1)&gt;"
        ));
        assert!(render("<b>id</b>", None).contains("&lt;b&gt;id&lt;/b&gt;"));
    }

    #[test]
    fn no_external_assets_and_one_link_back_to_the_ui() {
        let page = render("x", None);
        for needle in ["<script", "<link", "src=", "http://", "https://"] {
            assert!(!page.contains(needle), "{needle}");
        }
        assert_eq!(page.matches("href=").count(), 1);
        assert!(page.contains("<a href=\"/sources\">"));
    }
}
