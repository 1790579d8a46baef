ALTER TABLE wanted_tracks DROP COLUMN search_query;
