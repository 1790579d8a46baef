DROP INDEX worker_jobs_by_dedupe;
DROP TABLE download_events;
DROP TABLE downloads;
