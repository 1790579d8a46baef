DROP TABLE worker_jobs;
DROP TABLE activity_events;
DROP TABLE settings_history;
DROP TABLE settings;
