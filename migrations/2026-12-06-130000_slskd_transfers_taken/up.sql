-- Every slskd transfer a download attempt has taken (its GUID became the
-- download's slskd_id). slskd keeps finished transfers in its list and the
-- same user + file can appear there many times: a transfer named here is
-- history, never adopted by a later submission nor correlated to another
-- attempt.
CREATE TABLE slskd_transfers_taken (
    transfer_id TEXT PRIMARY KEY NOT NULL,
    download_id BIGINT NOT NULL REFERENCES downloads (id) ON DELETE CASCADE,
    taken_at BIGINT NOT NULL
);
CREATE INDEX slskd_transfers_taken_by_download ON slskd_transfers_taken (download_id);

-- Transfers of downloads that existed before this table.
INSERT OR IGNORE INTO slskd_transfers_taken (transfer_id, download_id, taken_at)
    SELECT slskd_id, id, updated_at FROM downloads WHERE slskd_id IS NOT NULL;
