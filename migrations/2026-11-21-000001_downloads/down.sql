DROP TABLE download_events;
DROP TABLE downloads;
