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

diesel::allow_tables_to_appear_in_same_query!(
    activity_events,
    settings,
    settings_history,
    worker_jobs,
);
