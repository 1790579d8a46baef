// @generated automatically by Diesel CLI.

diesel::table! {
    activity_events (id) {
        id -> BigInt,
        at -> BigInt,
        #[sql_name = "type"]
        type_ -> Text,
        status -> Text,
        details -> Text,
    }
}

diesel::table! {
    download_events (id) {
        id -> BigInt,
        download_id -> BigInt,
        at -> BigInt,
        #[sql_name = "type"]
        type_ -> Text,
        details -> Text,
    }
}

diesel::table! {
    downloads (id) {
        id -> BigInt,
        state -> Text,
        progress -> Double,
        username -> Text,
        filename -> Text,
        size -> BigInt,
        bytes_transferred -> BigInt,
        priority -> Integer,
        retry_count -> Integer,
        next_retry_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        track -> Text,
        spotify_track_id -> Nullable<Text>,
        wanted_id -> Nullable<BigInt>,
        slskd_id -> Nullable<Text>,
        submitted_at -> Nullable<BigInt>,
        transfer_done_at -> Nullable<BigInt>,
        organize_target -> Nullable<Text>,
        organized_path -> Nullable<Text>,
        metadata_status -> Text,
        artwork_status -> Text,
        lyrics_status -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    settings_history (id) {
        id -> BigInt,
        key -> Text,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
        changed_at -> BigInt,
    }
}

diesel::table! {
    worker_jobs (id) {
        id -> BigInt,
        worker -> Text,
        kind -> Text,
        payload -> Text,
        dedupe_key -> Nullable<Text>,
        priority -> Integer,
        state -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> BigInt,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        finished_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(download_events -> downloads (download_id));

diesel::allow_tables_to_appear_in_same_query!(
    activity_events,
    download_events,
    downloads,
    settings,
    settings_history,
    worker_jobs,
);
