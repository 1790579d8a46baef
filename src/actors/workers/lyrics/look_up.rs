//! The LRCLIB sequence (`providers.md` §3.3): `/api/get` with the album,
//! then without it (albums are often named differently), then
//! `/api/search`, whose hits count only within ±2 s of the track. An exact
//! answer with synced lyrics (or an instrumental mark) ends the search;
//! anything less is weighed against what the next step finds.

use crate::domain::lyrics::{choose, Found, LyricsCandidate};
use crate::integrations::lrclib::{LookUp, LrclibClient, LrclibError};

pub struct Query<'a> {
    pub artist: &'a str,
    pub title: &'a str,
    pub album: Option<&'a str>,
    pub duration_ms: Option<u64>,
}

fn settles(found: &Option<Found>) -> bool {
    matches!(found, Some(Found::Synced(_) | Found::Instrumental))
}

pub async fn find(client: &LrclibClient, q: &Query<'_>) -> Result<Option<Found>, LrclibError> {
    let duration_s = q.duration_ms.map(|ms| (ms + 500) / 1000);
    let mut candidates: Vec<LyricsCandidate> = Vec::new();
    let albums = match q.album {
        Some(album) => vec![Some(album), None],
        None => vec![None],
    };
    for album in albums {
        let exact = LookUp {
            artist: q.artist,
            title: q.title,
            album,
            duration_s,
        };
        if let Some(record) = client.get(&exact).await? {
            candidates.push(record.candidate());
            let found = choose(&candidates, q.duration_ms);
            if settles(&found) {
                return Ok(found);
            }
        }
    }
    let hits = client.search(q.artist, q.title).await?;
    candidates.extend(hits.iter().map(|r| r.candidate()));
    Ok(choose(&candidates, q.duration_ms))
}
