DROP INDEX downloads_by_track_key;
ALTER TABLE downloads DROP COLUMN album_key;
ALTER TABLE downloads DROP COLUMN track_key;
DROP TABLE peer_failures;
DROP TABLE wanted_rejections;
DROP TABLE wanted_candidates;
DROP TABLE wanted_tracks;
