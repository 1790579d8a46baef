DROP TABLE notification_events;
DROP TABLE notification_targets;
