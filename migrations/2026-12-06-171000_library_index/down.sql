ALTER TABLE spotify_playlist_tracks DROP COLUMN spotify_position;
ALTER TABLE wanted_tracks DROP COLUMN library_path;
DROP TABLE library_scans;
DROP TABLE library_files;
