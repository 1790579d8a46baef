-- A query the user wrote for this track, searched instead of the ones derived from it.
ALTER TABLE wanted_tracks ADD COLUMN search_query TEXT;
