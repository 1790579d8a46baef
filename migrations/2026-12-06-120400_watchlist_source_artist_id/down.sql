UPDATE wanted_tracks
SET source = (
    SELECT 'watchlist:' || w.id
    FROM watchlist_artists w
    WHERE wanted_tracks.source = 'watchlist:' || w.spotify_artist_id
)
WHERE source LIKE 'watchlist:%'
  AND EXISTS (
    SELECT 1 FROM watchlist_artists w WHERE wanted_tracks.source = 'watchlist:' || w.spotify_artist_id
  );
