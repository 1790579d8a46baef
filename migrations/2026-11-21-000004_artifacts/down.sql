DROP TABLE artwork_cache;
DROP TABLE download_artifacts;
