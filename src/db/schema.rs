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
    artwork_cache (cache_key) {
        cache_key -> Text,
        file_name -> Text,
        mime -> Text,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        bytes -> BigInt,
        source -> Text,
        url -> Text,
        fetched_at -> BigInt,
    }
}

diesel::table! {
    backfills (id) {
        id -> BigInt,
        state -> Text,
        max_items -> Integer,
        expand_playlists -> Bool,
        cursor -> BigInt,
        processed -> Integer,
        matched -> Integer,
        cache_hits -> Integer,
        expanded_playlists -> Integer,
        expanded_tracks -> Integer,
        errors -> Integer,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    download_artifacts (download_id) {
        download_id -> BigInt,
        metadata_path -> Nullable<Text>,
        tags -> Nullable<Text>,
        metadata_error -> Nullable<Text>,
        metadata_at -> Nullable<BigInt>,
        spotify_image_url -> Nullable<Text>,
        artwork_source -> Nullable<Text>,
        artwork_cache_key -> Nullable<Text>,
        artwork_mime -> Nullable<Text>,
        artwork_width -> Nullable<Integer>,
        artwork_height -> Nullable<Integer>,
        artwork_error -> Nullable<Text>,
        artwork_at -> Nullable<BigInt>,
        lyrics_path -> Nullable<Text>,
        lyrics_kind -> Nullable<Text>,
        lyrics_embedded -> Bool,
        lyrics_error -> Nullable<Text>,
        lyrics_rechecks -> Integer,
        lyrics_at -> Nullable<BigInt>,
        updated_at -> BigInt,
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
    import_items (import_id, wanted_id) {
        import_id -> BigInt,
        wanted_id -> BigInt,
    }
}

diesel::table! {
    import_links (import_id, playlist_id) {
        import_id -> BigInt,
        playlist_id -> Text,
        url -> Text,
        expanded_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    imports (id) {
        id -> BigInt,
        accepted_tracks -> Integer,
        accepted_links -> Integer,
        skipped -> Text,
        skipped_total -> Integer,
        finished_at -> Nullable<BigInt>,
        created_at -> BigInt,
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
    spotify_account (id) {
        id -> BigInt,
        access_token -> Text,
        refresh_token -> Nullable<Text>,
        expires_at -> BigInt,
        scope -> Nullable<Text>,
        revoked -> Bool,
        user_id -> Nullable<Text>,
        display_name -> Nullable<Text>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    spotify_auth_requests (state) {
        state -> Text,
        code_verifier -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    spotify_lookups (key) {
        key -> Text,
        spotify_track_id -> Nullable<Text>,
        track -> Nullable<Text>,
        looked_up_at -> BigInt,
    }
}

diesel::table! {
    spotify_playlist_tracks (playlist_id, spotify_track_id) {
        playlist_id -> Text,
        spotify_track_id -> Text,
        wanted_id -> Nullable<BigInt>,
        added_at -> BigInt,
        spotify_position -> Nullable<Integer>,
    }
}

diesel::table! {
    spotify_playlists (id) {
        id -> Text,
        name -> Text,
        owner -> Nullable<Text>,
        track_count -> Integer,
        snapshot_id -> Nullable<Text>,
        position -> Integer,
        sync -> Bool,
        synced_snapshot_id -> Nullable<Text>,
        last_synced_at -> Nullable<BigInt>,
        unavailable_snapshot_id -> Nullable<Text>,
        last_error -> Nullable<Text>,
        removed -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
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
        search_query -> Nullable<Text>,
        library_path -> Nullable<Text>,
    }
}

diesel::table! {
    watchlist_artists (id) {
        id -> BigInt,
        spotify_artist_id -> Text,
        name -> Nullable<Text>,
        last_checked -> BigInt,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    watchlist_releases (watch_id, spotify_album_id) {
        watch_id -> BigInt,
        spotify_album_id -> Text,
        name -> Text,
        release_date -> Text,
        tracks -> Integer,
        created_at -> BigInt,
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

diesel::table! {
    slskd_transfers_taken (transfer_id) {
        transfer_id -> Text,
        download_id -> BigInt,
        taken_at -> BigInt,
    }
}

diesel::table! {
    ui_sessions (token_hash) {
        token_hash -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::joinable!(download_artifacts -> downloads (download_id));
diesel::joinable!(download_events -> downloads (download_id));
diesel::joinable!(import_items -> imports (import_id));
diesel::joinable!(import_items -> wanted_tracks (wanted_id));
diesel::joinable!(import_links -> imports (import_id));
diesel::joinable!(slskd_transfers_taken -> downloads (download_id));
diesel::joinable!(spotify_playlist_tracks -> spotify_playlists (playlist_id));
diesel::joinable!(spotify_playlist_tracks -> wanted_tracks (wanted_id));
diesel::joinable!(wanted_candidates -> wanted_tracks (wanted_id));
diesel::joinable!(wanted_rejections -> wanted_tracks (wanted_id));
diesel::joinable!(wanted_tracks -> downloads (download_id));
diesel::joinable!(watchlist_releases -> watchlist_artists (watch_id));

diesel::allow_tables_to_appear_in_same_query!(
    activity_events,
    artwork_cache,
    backfills,
    download_artifacts,
    download_events,
    downloads,
    import_items,
    import_links,
    imports,
    peer_failures,
    settings,
    settings_history,
    slskd_transfers_taken,
    spotify_account,
    spotify_auth_requests,
    spotify_lookups,
    spotify_playlist_tracks,
    spotify_playlists,
    ui_sessions,
    wanted_candidates,
    wanted_rejections,
    wanted_tracks,
    watchlist_artists,
    watchlist_releases,
    worker_jobs,
);

diesel::table! {
    notification_targets (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        url -> Text,
        secret -> Nullable<Text>,
        apprise_key -> Nullable<Text>,
        events -> Text,
        enabled -> Bool,
        from_config -> Bool,
        last_error -> Nullable<Text>,
        last_error_at -> Nullable<BigInt>,
        last_sent_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    notification_events (id) {
        id -> BigInt,
        event -> Text,
        data -> Text,
        at -> BigInt,
    }
}
