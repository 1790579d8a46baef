DROP TABLE slskd_transfers_taken;
