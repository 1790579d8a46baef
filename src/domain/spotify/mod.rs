//! The Spotify account and catalogue: authorization (PKCE and the page the
//! browser lands on), release dates for the watchlist, and which Spotify
//! track an imported "artist – title" is.

pub mod artist_link;
pub mod connected_page;
pub mod pkce;
pub mod release_date;
pub mod track_match;
