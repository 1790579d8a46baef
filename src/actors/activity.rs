//! Writing to the activity feed from anywhere, without waiting for it.

use serde_json::Value;

use crate::db::{activity, Db, DbError};
use crate::domain::time::now_millis;

#[derive(Clone)]
pub struct ActivityLog {
    db: Db,
}

impl ActivityLog {
    pub fn new(db: Db) -> Self {
        ActivityLog { db }
    }

    pub async fn record(&self, type_: &str, status: &str, details: Value) -> Result<i64, DbError> {
        let (type_, status, details) = (type_.to_string(), status.to_string(), details.to_string());
        self.db
            .write(move |c| activity::insert(c, now_millis(), &type_, &status, &details))
            .await
    }

    /// Fire and forget on the current arbiter; a failure is logged, never fatal.
    pub fn spawn_record(&self, type_: &'static str, status: &'static str, details: Value) {
        let log = self.clone();
        actix_rt::spawn(async move {
            if let Err(e) = log.record(type_, status, details).await {
                tracing::warn!(error = %e, r#type = type_, status, "could not write activity event");
            }
        });
    }
}
