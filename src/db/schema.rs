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
        track_key -> Nullable<Text>,
        album_key -> Nullable<Text>,
    }
}

diesel::table! {
    peer_failures (username) {
        username -> Text,
        failures -> Integer,
        last_failed_at -> BigInt,
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
    wanted_candidates (id) {
        id -> BigInt,
        wanted_id -> BigInt,
        rank -> Integer,
        username -> Text,
        filename -> Text,
        size -> Nullable<BigInt>,
        extension -> Nullable<Text>,
        bitrate -> Nullable<Integer>,
        sample_rate -> Nullable<Integer>,
        bit_depth -> Nullable<Integer>,
        length -> Nullable<Integer>,
        has_free_upload_slot -> Nullable<Bool>,
        queue_length -> Nullable<BigInt>,
        upload_speed -> Nullable<BigInt>,
        locked -> Bool,
        score -> Double,
        accepted -> Bool,
        rejected_by -> Text,
        components -> Text,
    }
}

diesel::table! {
    wanted_rejections (wanted_id, username, filename) {
        wanted_id -> BigInt,
        username -> Text,
        filename -> Text,
        reason -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    wanted_tracks (id) {
        id -> BigInt,
        state -> Text,
        artist -> Text,
        title -> Text,
        album -> Nullable<Text>,
        duration_ms -> Nullable<BigInt>,
        isrc -> Nullable<Text>,
        spotify_track_id -> Nullable<Text>,
        track_number -> Nullable<Integer>,
        disc_number -> Nullable<Integer>,
        priority -> Integer,
        source -> Text,
        track -> Text,
        dedupe_key -> Text,
        search_count -> Integer,
        next_search_at -> Nullable<BigInt>,
        last_searched_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        download_id -> Nullable<BigInt>,
        match_username -> Nullable<Text>,
        match_filename -> Nullable<Text>,
        match_score -> Nullable<Double>,
        created_at -> BigInt,
        updated_at -> BigInt,
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
diesel::joinable!(wanted_candidates -> wanted_tracks (wanted_id));
diesel::joinable!(wanted_rejections -> wanted_tracks (wanted_id));
diesel::joinable!(wanted_tracks -> downloads (download_id));

diesel::allow_tables_to_appear_in_same_query!(
    activity_events,
    download_events,
    downloads,
    peer_failures,
    settings,
    settings_history,
    wanted_candidates,
    wanted_rejections,
    wanted_tracks,
    worker_jobs,
);
