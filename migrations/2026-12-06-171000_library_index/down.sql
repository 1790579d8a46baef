ALTER TABLE wanted_tracks DROP COLUMN library_path;
DROP TABLE library_scans;
DROP TABLE library_files;
