-- Wanted tracks found by the watchlist name the watched artist's Spotify id
-- (`watchlist:<spotify artist id>`, api.md §13), no longer the watch entry's id.
-- A track whose entry was removed since cannot be traced back and keeps its value.
UPDATE wanted_tracks
SET source = (
    SELECT 'watchlist:' || w.spotify_artist_id
    FROM watchlist_artists w
    WHERE wanted_tracks.source = 'watchlist:' || w.id
)
WHERE source LIKE 'watchlist:%'
  AND EXISTS (
    SELECT 1 FROM watchlist_artists w WHERE wanted_tracks.source = 'watchlist:' || w.id
  );
