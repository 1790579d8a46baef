//! The Spotify client against the fake Spotify (shared/reference/spotify-api.md §2 and §9.2):
//! OAuth with PKCE, refresh, paging through `next`, the 2026 development-mode rules, rate
//! limits and faults. The last tests check the fake itself where the client does not.

use crate::common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::fake_spotify::{
    Entry, FakeAlbum, FakeArtist, FakePlaylist, FakeSpotify, FakeSpotifyOptions, FakeTrack,
    Profile, DEFAULT_SCOPE, USER_ID,
};
use common::idle_proxy::IdleClosingProxy;
use harmony::domain::connections::state::ConnectionState;
use harmony::domain::secret::Secret;
use harmony::integrations::spotify::{
    PlaylistEntry, PlaylistItem, RateGate, SpotifyClient, SpotifyEndpoints, SpotifyError,
    TokenGrant,
};
use percent_encoding::percent_decode_str;
use serde_json::Value;
use sha2::{Digest, Sha256};

const SCOPE: &str = DEFAULT_SCOPE;

fn endpoints(fake: &FakeSpotify) -> SpotifyEndpoints {
    let o = fake.options();
    SpotifyEndpoints {
        api_url: fake.api_url(),
        accounts_url: fake.accounts_url(),
        client_id: o.client_id.clone(),
        client_secret: Secret::new(o.client_secret.clone().unwrap_or_default()),
        redirect_uri: o.redirect_uris[0].clone(),
    }
}

async fn start(options: FakeSpotifyOptions) -> (FakeSpotify, SpotifyClient) {
    let fake = FakeSpotify::start(options).await;
    let client = SpotifyClient::new(endpoints(&fake), RateGate::default());
    (fake, client)
}

async fn start_default() -> (FakeSpotify, SpotifyClient, String) {
    let (fake, client) = start(FakeSpotifyOptions::default()).await;
    let token = fake.grant_access_token();
    (fake, client, token)
}

/// A PKCE verifier and its S256 challenge.
fn pkce(seed: &str) -> (String, String) {
    let verifier = format!("{seed}-verifier-0123456789-abcdefghijklmnopqrstuvwxyz");
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn browser() -> awc::Client {
    awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(10))
        .finish()
}

fn decode_query(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            let v = percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned();
            (k.to_string(), v)
        })
        .collect()
}

/// Opens the authorize URL as a browser would, without following the redirect:
/// the parameters given back to the redirect URI.
async fn authorize(
    client: &SpotifyClient,
    state: &str,
    challenge: &str,
) -> HashMap<String, String> {
    let url = client.authorize_url(state, challenge, SCOPE);
    let res = browser().get(&url).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 302, "{url}");
    let location = res.headers().get("location").unwrap().to_str().unwrap();
    let (base, query) = location.split_once('?').unwrap();
    assert_eq!(base, client.endpoints().redirect_uri);
    decode_query(query)
}

/// The whole authorization: authorize, then exchange the code.
async fn login(client: &SpotifyClient) -> TokenGrant {
    let (verifier, challenge) = pkce("login");
    let params = authorize(client, "state-1", &challenge).await;
    client
        .exchange_code(&params["code"], &verifier)
        .await
        .unwrap()
}

/// Every entry of a playlist, following `next`; also the number of pages.
async fn all_items(client: &SpotifyClient, token: &str, id: &str) -> (Vec<PlaylistItem>, usize) {
    let (mut items, mut pages, mut next) = (Vec::new(), 0, None::<String>);
    loop {
        let page = client
            .playlist_items(token, id, next.as_deref())
            .await
            .unwrap();
        pages += 1;
        items.extend(page.items);
        match page.next {
            Some(n) => next = Some(n),
            None => return (items, pages),
        }
        assert!(pages < 50, "paging does not end");
    }
}

fn big_playlist(fake: &FakeSpotify, n: usize) -> (String, Vec<String>) {
    let ids: Vec<String> = (0..n)
        .map(|i| fake.add_simple_track("Artist", &format!("Song {i}"), "Album", 180_000))
        .collect();
    let id = FakeSpotify::id("big playlist");
    let entries = ids.iter().map(|t| Entry::Track(t.clone())).collect();
    fake.add_playlist(FakePlaylist::new(&id, "Big", entries));
    (id, ids)
}

// --- OAuth ---

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn authorize_url_carries_every_pkce_parameter() {
    let (fake, client) = start(FakeSpotifyOptions::default()).await;
    let url = client.authorize_url("s t", "CHALLENGE", "a b");
    let (base, query) = url.split_once('?').unwrap();
    assert_eq!(base, format!("{}/authorize", fake.accounts_url()));
    assert!(query.contains("scope=a%20b"), "{query}");
    assert!(
        query.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2F"),
        "{query}"
    );
    let params = decode_query(query);
    assert_eq!(params["client_id"], fake.options().client_id);
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["redirect_uri"], fake.options().redirect_uris[0]);
    assert_eq!(params["state"], "s t");
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["code_challenge"], "CHALLENGE");
    assert_eq!(fake.requests().len(), 0, "building the URL sends nothing");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn pkce_round_trip_checks_the_verifier_and_uses_codes_once() {
    let (fake, client) = start(FakeSpotifyOptions::default()).await;
    let (verifier, challenge) = pkce("a");
    let params = authorize(&client, "state-a", &challenge).await;
    assert_eq!(params["state"], "state-a");
    let code = params["code"].clone();

    let (wrong, _) = pkce("b");
    let err = client.exchange_code(&code, &wrong).await.unwrap_err();
    assert_eq!(
        err,
        SpotifyError::Grant("invalid_grant: code_verifier was incorrect".into())
    );
    assert_eq!(err.connection_state(), ConnectionState::Unauthorized);

    let grant = client.exchange_code(&code, &verifier).await.unwrap();
    assert_eq!(grant.token_type, "Bearer");
    assert_eq!(grant.expires_in, 3600);
    assert_eq!(grant.scope.as_deref(), Some(SCOPE));
    assert!(grant.refresh_token.is_some());
    let me = client.me(&grant.access_token).await.unwrap();
    assert_eq!(me.id, USER_ID);
    assert_eq!(me.product.as_deref(), Some("premium"));

    let reused = client.exchange_code(&code, &verifier).await.unwrap_err();
    assert!(
        matches!(reused, SpotifyError::Grant(ref m) if m.contains("invalid_grant")),
        "{reused:?}"
    );

    assert_eq!(fake.token_requests(), vec!["authorization_code"; 3]);
    let token_posts: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/token")
        .collect();
    assert_eq!(token_posts.len(), 3);
    assert!(
        token_posts
            .iter()
            .all(|r| r.method == "POST" && !r.authorization_present),
        "a public client sends no client authentication"
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_confidential_client_authenticates_with_basic() {
    let options = FakeSpotifyOptions {
        client_secret: Some("s3cret-value".into()),
        ..Default::default()
    };
    let (fake, client) = start(options).await;
    let grant = login(&client).await;
    assert!(client.me(&grant.access_token).await.is_ok());
    let post = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/token")
        .unwrap();
    assert!(post.authorization_present);

    let mut wrong = endpoints(&fake);
    wrong.client_secret = Secret::new("not-the-secret");
    let impostor = SpotifyClient::new(wrong, RateGate::default());
    let (verifier, challenge) = pkce("c");
    let params = authorize(&impostor, "s", &challenge).await;
    let err = impostor
        .exchange_code(&params["code"], &verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(err, SpotifyError::Grant(ref m) if m.starts_with("invalid_client")),
        "{err:?}"
    );
    assert!(!err.to_string().contains("not-the-secret"));
    assert_eq!(err.connection_state(), ConnectionState::Unauthorized);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_declined_authorization_comes_back_as_access_denied() {
    let (fake, client) = start(FakeSpotifyOptions::default()).await;
    fake.deny_next_authorization();
    let (_, challenge) = pkce("d");
    let params = authorize(&client, "state-d", &challenge).await;
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("access_denied")
    );
    assert_eq!(params["state"], "state-d");
    assert!(!params.contains_key("code"));
    // Only once.
    assert!(authorize(&client, "state-e", &challenge)
        .await
        .contains_key("code"));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn refresh_keeps_the_refresh_token_by_default() {
    let (fake, client) = start(FakeSpotifyOptions::default()).await;
    let first = login(&client).await;
    let old = first.refresh_token.clone().unwrap();
    let again = client.refresh(&old).await.unwrap();
    assert_ne!(again.access_token, first.access_token);
    assert_eq!(again.refresh_token.as_deref(), Some(old.as_str()));
    assert!(client.me(&again.access_token).await.is_ok());
    assert_eq!(
        fake.token_requests(),
        vec!["authorization_code", "refresh_token"]
    );

    fake.revoke_refresh_tokens();
    let err = client.refresh(&old).await.unwrap_err();
    assert!(
        matches!(err, SpotifyError::Grant(ref m) if m.contains("invalid_grant")),
        "{err:?}"
    );
    assert!(!err.to_string().contains(&old));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn refresh_with_rotation_replaces_the_refresh_token() {
    let options = FakeSpotifyOptions {
        rotate_refresh_token: true,
        ..Default::default()
    };
    let (_fake, client) = start(options).await;
    let old = login(&client).await.refresh_token.unwrap();
    let rotated = client.refresh(&old).await.unwrap();
    let new = rotated.refresh_token.unwrap();
    assert_ne!(new, old);
    assert!(matches!(
        client.refresh(&old).await,
        Err(SpotifyError::Grant(_))
    ));
    assert!(client.refresh(&new).await.is_ok());
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn refresh_may_omit_the_refresh_token() {
    let options = FakeSpotifyOptions {
        omit_refresh_token_on_refresh: true,
        ..Default::default()
    };
    let (_fake, client) = start(options).await;
    let old = login(&client).await.refresh_token.unwrap();
    let first = client.refresh(&old).await.unwrap();
    assert_eq!(first.refresh_token, None);
    // The old one stays good.
    let second = client.refresh(&old).await.unwrap();
    assert!(client.me(&second.access_token).await.is_ok());
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_expired_or_unknown_token_is_unauthorized() {
    let (fake, client, token) = start_default().await;
    assert!(client.me(&token).await.is_ok());
    fake.expire_access_tokens();
    let err = client.me(&token).await.unwrap_err();
    assert_eq!(
        err,
        SpotifyError::Unauthorized("The access token expired".into())
    );
    assert_eq!(err.connection_state(), ConnectionState::Unauthorized);
    assert!(!err.is_transient());
    assert_eq!(
        client.me("BQnot-a-token").await.unwrap_err(),
        SpotifyError::Unauthorized("Invalid access token".into())
    );
    assert_eq!(fake.count("/v1/me"), 3, "a 401 is not retried");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_access_token_expires_after_expires_in() {
    let options = FakeSpotifyOptions {
        expires_in: 1,
        ..Default::default()
    };
    let (_fake, client) = start(options).await;
    let grant = login(&client).await;
    assert_eq!(grant.expires_in, 1);
    assert!(client.me(&grant.access_token).await.is_ok());
    actix_rt::time::sleep(Duration::from_millis(1100)).await;
    assert!(matches!(
        client.me(&grant.access_token).await,
        Err(SpotifyError::Unauthorized(_))
    ));
    let refreshed = client
        .refresh(grant.refresh_token.as_deref().unwrap())
        .await
        .unwrap();
    assert!(client.me(&refreshed.access_token).await.is_ok());
}

// --- Paging and shapes ---

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn playlist_items_follow_next_across_pages_from_items_only() {
    for (cap, pages) in [(None, 3), (Some(40), 7)] {
        let options = FakeSpotifyOptions {
            page_cap: cap,
            ..Default::default()
        };
        let (fake, client) = start(options).await;
        let token = fake.grant_access_token();
        let (id, ids) = big_playlist(&fake, 250);
        let (items, got_pages) = all_items(&client, &token, &id).await;
        assert_eq!(got_pages, pages, "cap {cap:?}");
        let got: Vec<&str> = items
            .iter()
            .map(|i| i.track().unwrap().id.as_deref().unwrap())
            .collect();
        assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(items[0].added_at.as_deref(), Some("2026-01-01T00:00:00Z"));

        let items_path = format!("/v1/playlists/{id}/items");
        assert_eq!(fake.count(&items_path), pages);
        assert_eq!(fake.count(&format!("/v1/playlists/{id}/tracks")), 0);
        let first = &fake.requests()[0];
        assert_eq!(first.query, "limit=100&additional_types=track");
        assert!(fake.requests().iter().all(|r| r.status == 200));
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn my_playlists_page_through_both_profiles() {
    for profile in [Profile::Dev2026, Profile::Extended] {
        let options = FakeSpotifyOptions {
            profile,
            ..Default::default()
        };
        let (fake, client) = start(options).await;
        let token = fake.grant_access_token();
        let song = fake.add_simple_track("A", "T", "L", 1000);
        for i in 0..120 {
            let entries = vec![Entry::Track(song.clone()); i % 4];
            let id = FakeSpotify::id(&format!("playlist {i}"));
            fake.add_playlist(FakePlaylist::new(&id, &format!("List {i}"), entries));
        }
        fake.add_editorial_playlist(&FakeSpotify::id("editorial"), "Today's Top Hits");

        let (mut all, mut next, mut pages) = (Vec::new(), None::<String>, 0);
        loop {
            let page = client.my_playlists(&token, next.as_deref()).await.unwrap();
            pages += 1;
            assert_eq!(page.total, 121);
            all.extend(page.items);
            next = page.next;
            if next.is_none() {
                break;
            }
        }
        assert_eq!(pages, 3, "{profile:?}");
        assert_eq!(all.len(), 121);
        assert_eq!(all[3].name, "List 3");
        assert_eq!(all[3].track_count, 3, "{profile:?}");
        assert_eq!(all[3].owner.id, USER_ID);
        assert_eq!(all[3].snapshot_id, "snapshot-1");
        assert_eq!(all[120].owner.id, "spotify");
        assert!(fake.requests()[0].query.contains("limit=50"));
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn both_entry_shapes_parse_and_only_catalog_tracks_count() {
    for profile in [Profile::Dev2026, Profile::Extended] {
        let options = FakeSpotifyOptions {
            profile,
            ..Default::default()
        };
        let (fake, client) = start(options).await;
        let token = fake.grant_access_token();
        let a = fake.add_simple_track("Daft Punk", "One More Time", "Discovery", 320_000);
        let b = fake.add_simple_track("Daft Punk", "Aerodynamic", "Discovery", 212_000);
        let id = FakeSpotify::id("mixed");
        let entries = vec![
            Entry::Track(a.clone()),
            Entry::Null,
            Entry::Local {
                name: "demo.mp3".into(),
            },
            Entry::Episode {
                id: FakeSpotify::id("episode"),
                name: "A Talk".into(),
            },
            Entry::Track(b.clone()),
        ];
        fake.add_playlist(FakePlaylist::new(&id, "Mixed", entries));

        let page = client.playlist_items(&token, &id, None).await.unwrap();
        assert_eq!(page.total, 5);
        assert_eq!(page.items.len(), 5, "{profile:?}");
        let tracks: Vec<_> = page.items.iter().filter_map(PlaylistItem::track).collect();
        assert_eq!(tracks.len(), 2, "{profile:?}");
        assert_eq!(tracks[0].id.as_deref(), Some(a.as_str()));
        assert_eq!(tracks[0].name, "One More Time");
        assert_eq!(tracks[0].artists[0].name, "Daft Punk");
        assert_eq!(tracks[0].album.as_ref().unwrap().name, "Discovery");
        assert!(tracks[0].external_ids.isrc.is_some());
        assert_eq!(tracks[1].duration_ms, 212_000);
        assert_eq!(page.items[1].item, None);
        assert!(
            matches!(&page.items[2].item, Some(PlaylistEntry::Track(t)) if t.is_local && t.id.is_none())
        );
        assert!(
            matches!(&page.items[3].item, Some(PlaylistEntry::Episode(e)) if e.name == "A Talk")
        );

        let summary = client.playlist(&token, &id).await.unwrap();
        assert_eq!(summary.track_count, 5, "{profile:?}");
        assert_eq!(fake.count(&format!("/v1/playlists/{id}/tracks")), 0);
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn saved_tracks_come_newest_first_across_pages() {
    let (fake, client, token) = start_default().await;
    let ids: Vec<String> = (0..60)
        .map(|i| fake.add_simple_track("Liked", &format!("Song {i}"), "Likes", 1000))
        .collect();
    for id in &ids {
        fake.save_track(id);
    }
    let (mut got, mut next) = (Vec::new(), None::<String>);
    loop {
        let page = client
            .saved_tracks(&token, next.as_deref(), 25)
            .await
            .unwrap();
        got.extend(page.items);
        next = page.next;
        if next.is_none() {
            break;
        }
    }
    assert_eq!(fake.count("/v1/me/tracks"), 3);
    let newest_first: Vec<&String> = ids.iter().rev().collect();
    let got_ids: Vec<&String> = got.iter().map(|s| s.track.id.as_ref().unwrap()).collect();
    assert_eq!(got_ids, newest_first);
    assert!(got[0].added_at > got[1].added_at);

    fake.reset_log();
    let page = client.saved_tracks(&token, None, 500).await.unwrap();
    assert_eq!(page.items.len(), 50);
    assert_eq!(fake.requests()[0].query, "limit=50");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn catalog_reads_parse_artists_albums_and_tracks() {
    let (fake, client, token) = start_default().await;
    let artist = FakeSpotify::id("artist");
    let other = FakeSpotify::id("other artist");
    fake.add_artist(FakeArtist {
        id: artist.clone(),
        name: "Röyksopp".into(),
        genres: vec!["electronica".into()],
    });
    fake.add_artist(FakeArtist {
        id: other.clone(),
        name: "Other".into(),
        genres: vec![],
    });
    let album = FakeSpotify::id("album");
    fake.add_album(FakeAlbum::new(&album, "Melody A.M.", &[artist.as_str()]));
    for i in 0..60u32 {
        let id = FakeSpotify::id(&format!("album track {i}"));
        fake.add_track(FakeTrack {
            track_number: i + 1,
            isrc: Some(format!("NOXXX01{i:05}")),
            ..FakeTrack::new(&id, &format!("Track {i}"), &[artist.as_str()], &album)
        });
    }
    for (seed, group, date) in [
        ("single", "single", "2021-03-01"),
        ("appears", "appears_on", "2022-01-01"),
        ("comp", "compilation", "2019-01-01"),
    ] {
        let id = FakeSpotify::id(seed);
        fake.add_album(FakeAlbum {
            album_group: group.into(),
            album_type: if group == "single" { "single" } else { "album" }.into(),
            release_date: date.into(),
            ..FakeAlbum::new(&id, seed, &[artist.as_str(), other.as_str()])
        });
    }

    let a = client.artist(&token, &artist).await.unwrap();
    assert_eq!(
        (a.name.as_str(), a.genres.clone()),
        ("Röyksopp", vec!["electronica".to_string()])
    );

    let full = client.album(&token, &album).await.unwrap();
    assert_eq!(full.name, "Melody A.M.");
    assert_eq!(full.release_date_precision, "day");
    let edges: Vec<Option<u32>> = full.images.iter().map(|i| i.width).collect();
    assert_eq!(edges, vec![Some(640), Some(300), Some(64)]);
    assert_eq!(full.copyrights.len(), 2);
    assert_eq!(full.copyrights[0].kind, "C");
    assert_eq!(full.total_tracks, 60);
    assert_eq!(full.tracks.items.len(), 50);
    assert_eq!(full.tracks.total, 60);

    let first = client.album_tracks(&token, &album, None).await.unwrap();
    let second = client
        .album_tracks(&token, &album, first.next.as_deref())
        .await
        .unwrap();
    assert_eq!((first.items.len(), second.items.len()), (50, 10));
    assert_eq!(second.items[9].track_number, 60);
    assert_eq!(second.next, None);

    let albums = client.artist_albums(&token, &artist, None).await.unwrap();
    let groups: Vec<Option<&str>> = albums
        .items
        .iter()
        .map(|a| a.album_group.as_deref())
        .collect();
    assert_eq!(groups, vec![Some("album"), Some("single")]);
    let logged = fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/albums") && r.path.contains("/artists/"))
        .unwrap();
    assert_eq!(logged.query, "include_groups=album%2Csingle&limit=50");

    let track_id = FakeSpotify::id("album track 7");
    let t = client.track(&token, &track_id).await.unwrap();
    assert_eq!(t.external_ids.isrc.as_deref(), Some("NOXXX0100007"));
    assert_eq!(t.track_number, 8);
    assert_eq!(t.album.unwrap().id, album);

    assert_eq!(
        client.track(&token, "not-an-id").await.unwrap_err(),
        SpotifyError::BadRequest("invalid id".into())
    );
    let missing = client
        .track(&token, &FakeSpotify::id("missing"))
        .await
        .unwrap_err();
    assert_eq!(missing, SpotifyError::NotFound("Resource not found".into()));
    assert_eq!(missing.connection_state(), ConnectionState::Ok);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_editorial_playlist_is_listed_but_not_found() {
    let (fake, client, token) = start_default().await;
    let id = FakeSpotify::id("top hits");
    fake.add_editorial_playlist(&id, "Today's Top Hits");
    let listed = client.my_playlists(&token, None).await.unwrap();
    assert_eq!(listed.items[0].owner.id, "spotify");
    let err = client.playlist_items(&token, &id, None).await.unwrap_err();
    assert_eq!(err, SpotifyError::NotFound("Resource not found".into()));
    assert!(!err.is_transient());
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn search_clamps_the_limit_to_ten_and_parses() {
    let (fake, client, token) = start_default().await;
    for i in 0..15 {
        fake.add_simple_track("Daft Punk", &format!("Track {i}"), "Homework", 200_000);
    }
    fake.add_simple_track("Justice", "Genesis", "Cross", 234_000);
    let found = client
        .search_tracks(&token, "artist:\"daft punk\" album:homework", 50)
        .await
        .unwrap();
    assert_eq!(found.len(), 10);
    assert!(found.iter().all(|t| t.artists[0].name == "Daft Punk"));
    assert!(found[0].album.is_some() && found[0].external_ids.isrc.is_some());
    let q = decode_query(&fake.requests()[0].query);
    assert_eq!(q["limit"], "10");
    assert_eq!(q["type"], "track");
    assert_eq!(q["q"], "artist:\"daft punk\" album:homework");

    let one = client
        .search_tracks(&token, "justice genesis", 0)
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(decode_query(&fake.requests()[1].query)["limit"], "1");
    let isrc = one[0].external_ids.isrc.clone().unwrap();
    let by_isrc = client
        .search_tracks(&token, &format!("isrc:{isrc}"), 10)
        .await
        .unwrap();
    assert_eq!(by_isrc[0].name, "Genesis");
    assert!(client
        .search_tracks(&token, "track:\"no such song\"", 5)
        .await
        .unwrap()
        .is_empty());
}

// --- Rate limits and faults ---

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_short_retry_after_is_waited_out_before_the_next_request() {
    let (fake, client, token) = start_default().await;
    fake.rate_limit_next(1, 1);
    let started = Instant::now();
    let me = client.me(&token).await.unwrap();
    assert_eq!(me.id, USER_ID);
    assert!(started.elapsed() >= Duration::from_secs(1));
    let log = fake.requests();
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].status, log[1].status), (429, 200));
    assert!(
        log[1].at.duration_since(log[0].at) >= Duration::from_millis(990),
        "the retry went out before Retry-After elapsed"
    );
    assert!(client.gate().not_before().is_none());

    // The gate is shared: another client waits for it too, without sending anything early.
    let gate = RateGate::default();
    let a = SpotifyClient::new(endpoints(&fake), gate.clone());
    let b = SpotifyClient::new(endpoints(&fake), gate.clone());
    fake.reset_log();
    fake.rate_limit_next(1, 1);
    assert!(a.me(&token).await.is_ok());
    let hit = fake.requests()[0].at;
    gate.block_for(Duration::from_millis(600));
    let blocked_at = Instant::now();
    assert!(b.me(&token).await.is_ok());
    let log = fake.requests();
    assert_eq!(log.len(), 3);
    assert!(log[1].at.duration_since(hit) >= Duration::from_millis(990));
    assert!(log[2].at.duration_since(blocked_at) >= Duration::from_millis(590));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_long_retry_after_fails_fast_without_sending_anything() {
    let (fake, client, token) = start_default().await;
    fake.rate_limit_next(1, 120);
    let err = client.me(&token).await.unwrap_err();
    let SpotifyError::RateLimited { retry_after } = err else {
        panic!("expected RateLimited, got {err:?}");
    };
    assert_eq!(retry_after, Duration::from_secs(120));
    assert!(err.is_transient());
    assert_eq!(err.connection_state(), ConnectionState::Ok);
    assert_eq!(fake.count("/v1/"), 1);

    let started = Instant::now();
    let again = client.my_playlists(&token, None).await.unwrap_err();
    assert!(
        matches!(again, SpotifyError::RateLimited { retry_after } if retry_after > Duration::from_secs(100))
    );
    let other = SpotifyClient::new(endpoints(&fake), client.gate().clone());
    assert!(matches!(
        other.refresh("AQx").await,
        Err(SpotifyError::RateLimited { .. })
    ));
    assert!(started.elapsed() < Duration::from_millis(200));
    assert_eq!(
        fake.requests().len(),
        1,
        "nothing reached Spotify while gated"
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn repeated_429s_stop_after_three_attempts() {
    let (fake, client, token) = start_default().await;
    fake.rate_limit_next(5, 0);
    let err = client.me(&token).await.unwrap_err();
    assert!(matches!(err, SpotifyError::RateLimited { .. }), "{err:?}");
    assert_eq!(fake.count("/v1/me"), 3);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn server_errors_on_reads_are_retried_with_backoff() {
    let (fake, client, token) = start_default().await;
    fake.fail_next(1, 500);
    assert!(client.me(&token).await.is_ok());
    assert_eq!(fake.count("/v1/me"), 2);

    fake.reset_log();
    fake.fail_next(3, 503);
    let started = Instant::now();
    let err = client.me(&token).await.unwrap_err();
    assert_eq!(err, SpotifyError::Server(503));
    assert!(err.is_transient());
    assert_eq!(err.connection_state(), ConnectionState::Unreachable);
    assert_eq!(fake.count("/v1/me"), 3);
    assert!(started.elapsed() >= Duration::from_millis(750));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn token_requests_are_not_retried_on_server_errors() {
    let (fake, client) = start(FakeSpotifyOptions::default()).await;
    let (verifier, challenge) = pkce("f");
    let params = authorize(&client, "s", &challenge).await;
    fake.fail_next(1, 502);
    let err = client
        .exchange_code(&params["code"], &verifier)
        .await
        .unwrap_err();
    assert_eq!(err, SpotifyError::Server(502));
    assert_eq!(fake.count("/api/token"), 1);
    // The code was not spent.
    assert!(client
        .exchange_code(&params["code"], &verifier)
        .await
        .is_ok());
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_unreachable_spotify_is_a_network_error() {
    let (fake, _client) = start(FakeSpotifyOptions::default()).await;
    let mut e = endpoints(&fake);
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    e.api_url = format!("http://127.0.0.1:{port}/v1");
    let client = SpotifyClient::new(e, RateGate::default());
    let err = client.me("BQtoken").await.unwrap_err();
    assert!(matches!(err, SpotifyError::Network(_)), "{err:?}");
    assert_eq!(err.connection_state(), ConnectionState::Unreachable);
}

// --- Keep-alive connections the server closes (issue 12 item 14) ---

/// A client whose Web API calls go through a proxy that closes connections idle for `idle`.
async fn behind_idle_closing(idle: Duration) -> (FakeSpotify, SpotifyClient, IdleClosingProxy) {
    let fake = FakeSpotify::start(FakeSpotifyOptions::default()).await;
    let proxy = IdleClosingProxy::start(fake.addr, idle);
    let mut e = endpoints(&fake);
    e.api_url = format!("{}/v1", proxy.url);
    let client = SpotifyClient::new(e, RateGate::default());
    (fake, client, proxy)
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_read_on_a_connection_closed_while_idle_is_sent_again_at_once() {
    let (fake, client, proxy) = behind_idle_closing(Duration::from_millis(100)).await;
    let token = fake.grant_access_token();
    // Three reads at once leave three pooled connections…
    let (a, b, c) =
        futures_util::future::join3(client.me(&token), client.me(&token), client.me(&token)).await;
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
    // …which the server closes on their next use after a pause.
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        let me = client.me(&token).await;
        assert!(me.is_ok(), "{me:?}");
    }
    assert!(proxy.closed_idle() >= 1, "{:?}", proxy.swallowed());
    assert!(proxy
        .swallowed()
        .iter()
        .all(|l| l.starts_with("GET /v1/me ")));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn idle_pooled_connections_are_dropped_before_a_common_server_drops_them() {
    // Node, Apache and actix-web close idle keep-alive connections after 5 s;
    // this server a little earlier (the fake behind it closes at 5 s itself).
    let (fake, client, proxy) = behind_idle_closing(Duration::from_millis(4_500)).await;
    let token = fake.grant_access_token();
    client.me(&token).await.unwrap();
    actix_rt::time::sleep(Duration::from_millis(4_700)).await;
    client.me(&token).await.unwrap();
    // The second call opened a new connection instead of meeting the closed one.
    assert_eq!(proxy.closed_idle(), 0, "{:?}", proxy.swallowed());
    assert_eq!(proxy.accepted(), 2);
}

// --- Token hygiene ---

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn next_links_to_another_host_are_refused() {
    let (fake, client, token) = start_default().await;
    let refused = SpotifyError::Decode("next link to another host".into());
    for next in [
        "http://evil.example/v1/me/playlists?offset=50&limit=50".to_string(),
        format!("{}.evil.example/me/playlists", fake.api_url()),
        format!(
            "{}/me/playlists",
            fake.api_url().replace("127.0.0.1", "localhost")
        ),
    ] {
        assert_eq!(
            client.my_playlists(&token, Some(&next)).await.unwrap_err(),
            refused,
            "{next}"
        );
        assert_eq!(
            client
                .playlist_items(&token, &FakeSpotify::id("p"), Some(&next))
                .await
                .unwrap_err(),
            refused
        );
    }
    assert!(fake.requests().is_empty());
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn tokens_never_show_in_debug_or_errors() {
    let (fake, client) = start(FakeSpotifyOptions::default()).await;
    let grant = login(&client).await;
    let refresh = grant.refresh_token.clone().unwrap();
    let shown = format!("{grant:?}");
    assert!(
        !shown.contains(&grant.access_token) && !shown.contains(&refresh),
        "{shown}"
    );
    assert!(shown.contains("********"));

    fake.expire_access_tokens();
    fake.revoke_refresh_tokens();
    let errors = vec![
        client.me(&grant.access_token).await.unwrap_err(),
        client.refresh(&refresh).await.unwrap_err(),
        client.exchange_code("bogus-code", "v").await.unwrap_err(),
    ];
    let issued: Vec<String> = fake
        .issued_access_tokens()
        .into_iter()
        .chain(fake.issued_refresh_tokens())
        .collect();
    assert!(!issued.is_empty());
    for e in &errors {
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(issued.iter().all(|t| !text.contains(t.as_str())), "{text}");
        }
    }
}

// --- The fake itself ---

struct Raw {
    status: u16,
    body: Value,
    www_authenticate: Option<String>,
}

async fn raw_get(url: &str, token: Option<&str>) -> Raw {
    let mut req = browser().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let mut res = req.send().await.unwrap();
    let www_authenticate = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = res.body().limit(8 << 20).await.unwrap();
    Raw {
        status: res.status().as_u16(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        www_authenticate,
    }
}

async fn raw_token(fake: &FakeSpotify, form: &[(&str, &str)]) -> Raw {
    let mut res = browser()
        .post(format!("{}/api/token", fake.accounts_url()))
        .send_form(&form)
        .await
        .unwrap();
    let bytes = res.body().await.unwrap();
    Raw {
        status: res.status().as_u16(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        www_authenticate: None,
    }
}

fn message(raw: &Raw) -> &str {
    raw.body["error"]["message"].as_str().unwrap_or("")
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn fake_refuses_the_old_tracks_path_and_batch_endpoints_in_dev_mode() {
    for profile in [Profile::Dev2026, Profile::Extended] {
        let options = FakeSpotifyOptions {
            profile,
            ..Default::default()
        };
        let fake = FakeSpotify::start(options).await;
        let token = fake.grant_access_token();
        let track = fake.add_simple_track("A", "B", "C", 1);
        let playlist = FakeSpotify::id("p");
        fake.add_playlist(FakePlaylist::new(
            &playlist,
            "P",
            vec![Entry::Track(track.clone())],
        ));
        let api = fake.api_url();
        let dev = profile == Profile::Dev2026;
        let old = raw_get(&format!("{api}/playlists/{playlist}/tracks"), Some(&token)).await;
        let batch = raw_get(&format!("{api}/tracks?ids={track}"), Some(&token)).await;
        let items = raw_get(&format!("{api}/playlists/{playlist}/items"), Some(&token)).await;
        assert_eq!(items.status, 200);
        if dev {
            assert_eq!(old.status, 403);
            assert_eq!(
                old.body,
                serde_json::json!({"error": {"status": 403, "message": "Forbidden"}})
            );
            assert_eq!(batch.status, 403);
            assert_eq!(items.body["items"][0]["item"]["id"], track.as_str());
            assert!(items.body["items"][0].get("track").is_none());
            assert!(items.body["items"][0]["item"].get("popularity").is_none());
        } else {
            assert_eq!(old.status, 200);
            assert_eq!(old.body["items"][0]["track"]["id"], track.as_str());
            assert_eq!(batch.status, 200);
            assert_eq!(batch.body["tracks"][0]["id"], track.as_str());
        }
        let list = raw_get(&format!("{api}/me/playlists"), Some(&token)).await;
        let field = if dev { "items" } else { "tracks" };
        assert_eq!(list.body["items"][0][field]["total"], 1, "{profile:?}");
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn fake_validates_bearer_ids_limits_and_offsets() {
    let fake = FakeSpotify::start(FakeSpotifyOptions::default()).await;
    let token = fake.grant_access_token();
    let api = fake.api_url();
    let missing = raw_get(&format!("{api}/me"), None).await;
    assert_eq!(
        (missing.status, message(&missing)),
        (401, "No token provided")
    );
    let unknown = raw_get(&format!("{api}/me"), Some("BQunknown")).await;
    assert_eq!(
        (unknown.status, message(&unknown)),
        (401, "Invalid access token")
    );
    assert!(unknown.www_authenticate.unwrap().contains("invalid_token"));
    assert_eq!(
        raw_get(&format!("{api}/me/"), Some(&token)).await.status,
        200
    );

    let bad_id = raw_get(&format!("{api}/tracks/abc"), Some(&token)).await;
    assert_eq!((bad_id.status, message(&bad_id)), (400, "invalid id"));
    let unknown_id = raw_get(
        &format!("{api}/albums/{}", FakeSpotify::id("x")),
        Some(&token),
    )
    .await;
    assert_eq!(
        (unknown_id.status, message(&unknown_id)),
        (404, "Resource not found")
    );
    for query in ["limit=51", "limit=0", "limit=ten"] {
        let r = raw_get(&format!("{api}/me/playlists?{query}"), Some(&token)).await;
        assert_eq!((r.status, message(&r)), (400, "Invalid limit"), "{query}");
    }
    let search = raw_get(
        &format!("{api}/search?q=a&type=track&limit=11"),
        Some(&token),
    )
    .await;
    assert_eq!((search.status, message(&search)), (400, "Invalid limit"));

    let track = fake.add_simple_track("A", "B", "C", 1);
    let album = FakeSpotify::id("album:A/C");
    let slash = raw_get(&format!("{api}/albums/{album}/tracks/"), Some(&token)).await;
    assert_eq!(slash.body["items"][0]["id"], track.as_str());
    let beyond = raw_get(
        &format!("{api}/albums/{album}/tracks?offset=5"),
        Some(&token),
    )
    .await;
    assert_eq!(beyond.status, 200);
    assert_eq!(beyond.body["items"], serde_json::json!([]));
    assert_eq!(beyond.body["total"], 1);
    assert_eq!(beyond.body["next"], Value::Null);

    let narrow = FakeSpotify::start(FakeSpotifyOptions::default()).await;
    let unknown_here = raw_get(&format!("{}/me/tracks", narrow.api_url()), Some(&token)).await;
    assert_eq!(unknown_here.status, 401, "tokens belong to one fake");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn fake_paging_objects_link_correctly() {
    let options = FakeSpotifyOptions {
        page_cap: Some(2),
        ..Default::default()
    };
    let fake = FakeSpotify::start(options).await;
    let token = fake.grant_access_token();
    for i in 0..5 {
        fake.add_playlist(FakePlaylist::new(
            &FakeSpotify::id(&i.to_string()),
            "P",
            vec![],
        ));
    }
    let api = fake.api_url();
    let page = raw_get(
        &format!("{api}/me/playlists?offset=2&limit=20"),
        Some(&token),
    )
    .await;
    let b = &page.body;
    assert_eq!(b["limit"], 2, "page_cap caps the limit");
    assert_eq!(b["href"], format!("{api}/me/playlists?offset=2&limit=2"));
    assert_eq!(b["next"], format!("{api}/me/playlists?offset=4&limit=2"));
    assert_eq!(
        b["previous"],
        format!("{api}/me/playlists?offset=0&limit=2")
    );
    assert_eq!(
        (b["total"].as_u64(), b["offset"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(b["items"].as_array().unwrap().len(), 2);
    let last = raw_get(b["next"].as_str().unwrap(), Some(&token)).await;
    assert_eq!(last.body["next"], Value::Null);
    assert_eq!(last.body["items"].as_array().unwrap().len(), 1);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn fake_authorize_and_token_endpoints_validate_requests() {
    let fake = FakeSpotify::start(FakeSpotifyOptions::default()).await;
    let o = fake.options().clone();
    let base = format!("{}/authorize", fake.accounts_url());
    let (_, challenge) = pkce("g");
    let url = |client_id: &str, redirect: &str, extra: &str| {
        format!(
            "{base}?client_id={client_id}&response_type=code&redirect_uri={}&scope=user-library-read&state=s{extra}",
            percent_encoding::utf8_percent_encode(redirect, percent_encoding::NON_ALPHANUMERIC)
        )
    };
    let pkce_params = format!("&code_challenge_method=S256&code_challenge={challenge}");
    let status = |u: String| async move { browser().get(u).send().await.unwrap() };

    let wrong_client = status(url("nope", &o.redirect_uris[0], &pkce_params)).await;
    assert_eq!(wrong_client.status().as_u16(), 400);
    let wrong_redirect = status(url(&o.client_id, "http://127.0.0.1:9/cb", &pkce_params)).await;
    assert_eq!(wrong_redirect.status().as_u16(), 400);
    let location = |r: &awc::ClientResponse<_>| {
        let l = r.headers().get("location").unwrap().to_str().unwrap();
        decode_query(l.split_once('?').unwrap().1)
    };
    let no_pkce = status(url(&o.client_id, &o.redirect_uris[0], "")).await;
    assert_eq!(no_pkce.status().as_u16(), 302);
    assert_eq!(location(&no_pkce)["error"], "invalid_request");
    let plain = status(url(
        &o.client_id,
        &o.redirect_uris[0],
        &format!("&code_challenge_method=plain&code_challenge={challenge}"),
    ))
    .await;
    assert_eq!(location(&plain)["error"], "invalid_request");

    let missing = raw_token(&fake, &[("client_id", &o.client_id)]).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["error"], "unsupported_grant_type");
    assert_eq!(
        missing.body["error_description"],
        "grant_type parameter is missing"
    );
    let other = raw_token(
        &fake,
        &[("grant_type", "password"), ("client_id", &o.client_id)],
    )
    .await;
    assert_eq!(other.body["error"], "unsupported_grant_type");
    let unknown = raw_token(
        &fake,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "AQnope"),
            ("client_id", &o.client_id),
        ],
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(fake.token_requests(), vec!["", "password", "refresh_token"]);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn fake_search_understands_free_text_and_field_filters() {
    let fake = FakeSpotify::start(FakeSpotifyOptions::default()).await;
    let token = fake.grant_access_token();
    fake.add_simple_track("Daft Punk", "One More Time", "Discovery", 1);
    fake.add_simple_track("Daft Punk", "Da Funk", "Homework", 1);
    fake.add_simple_track("The Chemical Brothers", "Galvanize", "Push the Button", 1);
    let api = fake.api_url();
    let search = |q: &str, extra: &str| {
        let q = percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC);
        let u = format!("{api}/search?q={q}&type=track{extra}");
        let token = token.clone();
        async move { raw_get(&u, Some(&token)).await }
    };
    let names = |r: &Raw| -> Vec<String> {
        r.body["tracks"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(&search("DAFT punk", "").await),
        ["One More Time", "Da Funk"]
    );
    assert_eq!(
        names(&search("track:\"one more\" artist:daft", "").await),
        ["One More Time"]
    );
    assert_eq!(
        names(&search("album:\"push the button\"", "").await),
        ["Galvanize"]
    );
    assert_eq!(names(&search("punk homework", "").await), ["Da Funk"]);
    assert!(names(&search("artist:\"daft punk\" track:galvanize", "").await).is_empty());
    let one = search("daft", "&limit=1").await;
    assert_eq!(one.body["tracks"]["total"], 2);
    assert!(one.body["tracks"]["next"]
        .as_str()
        .unwrap()
        .contains("offset=1"));
    let isrc = one.body["tracks"]["items"][0]["external_ids"]["isrc"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        names(&search(&format!("isrc:{isrc}"), "").await),
        ["One More Time"]
    );
    let default_limit = search("a", "").await;
    assert_eq!(default_limit.body["tracks"]["limit"], 5);
    let no_type = raw_get(&format!("{api}/search?q=a"), Some(&token)).await;
    assert_eq!(no_type.status, 400);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn fake_faults_hit_the_api_and_delay_answers() {
    let fake = FakeSpotify::start(FakeSpotifyOptions::default()).await;
    let token = fake.grant_access_token();
    let api = fake.api_url();
    fake.rate_limit_next(1, 7);
    let mut res = browser()
        .get(format!("{api}/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 429);
    assert_eq!(res.headers().get("retry-after").unwrap(), "7");
    let body: Value = serde_json::from_slice(&res.body().await.unwrap()).unwrap();
    assert_eq!(body["error"]["reason"], "QUOTA_EXCEEDED");
    fake.delay_next(1, Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(
        raw_get(&format!("{api}/me"), Some(&token)).await.status,
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(fake.count("/v1/me"), 2);
    assert!(fake.requests().iter().all(|r| r.authorization_present));
}
