-- The wanted list (API and UI) pages newest first, filters by source and
-- offers the sources present: without these, each page sorted every row.
CREATE INDEX wanted_by_created ON wanted_tracks (created_at, id);
CREATE INDEX wanted_by_source ON wanted_tracks (source, created_at, id);
