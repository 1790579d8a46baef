//! The library index's tables (issue 15), apart from `schema.rs` so the
//! generated file stays as diesel prints it for the older tables.

diesel::table! {
    library_files (id) {
        id -> BigInt,
        path -> Text,
        root -> Text,
        size -> BigInt,
        mtime_ms -> BigInt,
        error -> Nullable<Text>,
        format -> Nullable<Text>,
        artist -> Nullable<Text>,
        album_artist -> Nullable<Text>,
        album -> Nullable<Text>,
        title -> Nullable<Text>,
        track_number -> Nullable<Integer>,
        disc_number -> Nullable<Integer>,
        duration_ms -> Nullable<BigInt>,
        isrc -> Nullable<Text>,
        musicbrainz_recording_id -> Nullable<Text>,
        musicbrainz_release_id -> Nullable<Text>,
        spotify_track_id -> Nullable<Text>,
        spotify_album_id -> Nullable<Text>,
        bitrate -> Nullable<Integer>,
        sample_rate -> Nullable<Integer>,
        bit_depth -> Nullable<Integer>,
        track_key -> Nullable<Text>,
        indexed_at -> BigInt,
    }
}

diesel::table! {
    library_scans (id) {
        id -> BigInt,
        started_at -> BigInt,
        finished_at -> Nullable<BigInt>,
        files_seen -> BigInt,
        files_read -> BigInt,
        files_skipped -> BigInt,
        files_unreadable -> BigInt,
        files_removed -> BigInt,
        error -> Nullable<Text>,
        stats -> Nullable<Text>,
    }
}
