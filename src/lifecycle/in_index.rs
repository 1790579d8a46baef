//! "Already in the library" against the library index (issue 15): the
//! indexed file, if any, that holds a wanted track by the rule of
//! `domain::library::in_library`.

use std::collections::HashMap;

use diesel::sqlite::SqliteConnection;

use crate::db::library::{self as index, LibraryFileRow};
use crate::db::wanted::NewWanted;
use crate::db::DbError;
use crate::domain::library::in_library::{same_track, FileSide, WantedSide};
use crate::domain::wanted::track_key;

fn wanted_side<'a>(new: &'a NewWanted<'a>) -> WantedSide<'a> {
    WantedSide {
        artist: new.artist,
        title: new.title,
        duration_ms: new.duration_ms,
        isrc: new.isrc,
        spotify_track_id: new.spotify_track_id,
    }
}

fn file_side(row: &LibraryFileRow) -> FileSide<'_> {
    FileSide {
        artist: row.artist.as_deref(),
        album_artist: row.album_artist.as_deref(),
        title: row.title.as_deref(),
        duration_ms: row.duration_ms.and_then(|d| u64::try_from(d).ok()),
        isrc: row.isrc.as_deref(),
        spotify_track_id: row.spotify_track_id.as_deref(),
    }
}

/// The best file among `files` for the track: an id match before a name match.
fn best<'r>(
    new: &NewWanted<'_>,
    files: impl IntoIterator<Item = &'r LibraryFileRow>,
    tolerance_ms: u64,
) -> Option<&'r LibraryFileRow> {
    let wanted = wanted_side(new);
    files
        .into_iter()
        .filter_map(|f| same_track(&wanted, &file_side(f), tolerance_ms).map(|why| (why, f)))
        .min_by(|(a, fa), (b, fb)| (*a as u8, &fa.path).cmp(&(*b as u8, &fb.path)))
        .map(|(_, f)| f)
}

/// The indexed file holding this track, if any.
pub fn find(
    conn: &mut SqliteConnection,
    new: &NewWanted<'_>,
    tolerance_ms: u64,
) -> Result<Option<String>, DbError> {
    let key = track_key(new.artist, new.title);
    let files = index::candidates(conn, new.isrc, new.spotify_track_id, key.as_deref())?;
    Ok(best(new, &files, tolerance_ms).map(|f| f.path.clone()))
}

/// The same for many tracks at once (`indices` into `news`): input index → path.
pub fn find_many(
    conn: &mut SqliteConnection,
    news: &[NewWanted<'_>],
    indices: &[usize],
    tolerance_ms: u64,
) -> Result<HashMap<usize, String>, DbError> {
    let keys: Vec<Option<String>> = indices
        .iter()
        .map(|&i| track_key(news[i].artist, news[i].title))
        .collect();
    let isrcs: Vec<&str> = indices.iter().filter_map(|&i| news[i].isrc).collect();
    let spotify: Vec<&str> = indices
        .iter()
        .filter_map(|&i| news[i].spotify_track_id)
        .collect();
    let key_refs: Vec<&str> = keys.iter().flatten().map(String::as_str).collect();
    let files = index::candidates_many(conn, &isrcs, &spotify, &key_refs)?;
    if files.is_empty() {
        return Ok(HashMap::new());
    }
    let mut by_isrc: HashMap<&str, Vec<&LibraryFileRow>> = HashMap::new();
    let mut by_spotify: HashMap<&str, Vec<&LibraryFileRow>> = HashMap::new();
    let mut by_key: HashMap<&str, Vec<&LibraryFileRow>> = HashMap::new();
    for f in &files {
        if let Some(v) = f.isrc.as_deref() {
            by_isrc.entry(v).or_default().push(f);
        }
        if let Some(v) = f.spotify_track_id.as_deref() {
            by_spotify.entry(v).or_default().push(f);
        }
        if let Some(v) = f.track_key.as_deref() {
            by_key.entry(v).or_default().push(f);
        }
    }
    let mut found = HashMap::new();
    for (n, &i) in indices.iter().enumerate() {
        let new = &news[i];
        let mut near: Vec<&LibraryFileRow> = Vec::new();
        for (map, value) in [
            (&by_isrc, new.isrc),
            (&by_spotify, new.spotify_track_id),
            (&by_key, keys[n].as_deref()),
        ] {
            if let Some(files) = value.and_then(|v| map.get(v)) {
                near.extend(files.iter().copied());
            }
        }
        if let Some(f) = best(new, near, tolerance_ms) {
            found.insert(i, f.path.clone());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::library::NewLibraryFile;
    use crate::db::wanted as rows;
    use crate::db::Db;
    use crate::domain::track::Track;
    use crate::lifecycle::{wanted, wanted_bulk, Change};

    fn new<'a>(artist: &'a str, title: &'a str, ms: u64, track: &'a Track) -> NewWanted<'a> {
        NewWanted {
            artist,
            title,
            album: None,
            duration_ms: Some(ms),
            isrc: None,
            spotify_track_id: None,
            track_number: None,
            disc_number: None,
            priority: 0,
            source: "import:1",
            track,
        }
    }

    #[actix_rt::test]
    async fn one_by_one_and_in_bulk_the_index_completes_owned_tracks() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        let answers = db
            .write(|c| {
                index::upsert(
                    c,
                    &[NewLibraryFile {
                        path: "/m/Air/Moon Safari/01 - La femme d'argent.flac".into(),
                        root: "/m".into(),
                        artist: Some("Air".into()),
                        title: Some("La femme d'argent".into()),
                        duration_ms: Some(429_000),
                        track_key: track_key("Air", "La femme d'argent"),
                        ..NewLibraryFile::default()
                    }],
                )?;
                let t = Track::default();
                let batch = [
                    new("AIR", "la femme d'argent", 430_000, &t),
                    new("Air", "Sexy Boy", 298_000, &t),
                ];
                let ids = wanted_bulk::create_many(&mut Change::new(c, 1), &batch[..1])?;
                let owned = rows::get(c, ids[0])?;
                let (other, _) = wanted::create_or_get(&mut Change::new(c, 1), &batch[1])?;
                Ok((owned, other))
            })
            .await
            .unwrap();
        let (owned, other) = answers;
        assert_eq!(owned.state.as_str(), "completed");
        assert_eq!(
            owned.library_path.as_deref(),
            Some("/m/Air/Moon Safari/01 - La femme d'argent.flac")
        );
        assert_eq!(owned.download_id, None);
        assert_eq!(other.state.as_str(), "pending");
        assert_eq!(other.library_path, None);
        // The length rule, one by one.
        let longer = db
            .write(|c| {
                let t = Track::default();
                let n = new("Air", "La femme d'argent", 300_000, &t);
                find(c, &n, 5_000)
            })
            .await
            .unwrap();
        assert_eq!(longer, None);
    }
}
