//! One cover download per album at a time: two tracks of an album running
//! side by side would otherwise both miss the cache and fetch it twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::lock::{Mutex as AsyncMutex, OwnedMutexGuard};

#[derive(Clone, Default)]
pub struct AlbumLocks {
    locks: Arc<Mutex<HashMap<String, Arc<AsyncMutex<()>>>>>,
}

impl AlbumLocks {
    /// Waits until no other job works on `key`; the guard frees it.
    pub async fn lock(&self, key: &str) -> OwnedMutexGuard<()> {
        let lock = match self.locks.lock() {
            Ok(mut map) => {
                // Locks nobody holds or waits for are forgotten.
                map.retain(|_, l| Arc::strong_count(l) > 1);
                Arc::clone(map.entry(key.to_string()).or_default())
            }
            // A poisoned map only loses the deduplication, never the job.
            Err(_) => Arc::new(AsyncMutex::new(())),
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[actix_rt::test]
    async fn one_holder_per_key() {
        let locks = AlbumLocks::default();
        let first = locks.lock("a").await;
        let other_key = actix_rt::time::timeout(Duration::from_millis(50), locks.lock("b")).await;
        assert!(other_key.is_ok(), "another album is not blocked");
        let same_key = actix_rt::time::timeout(Duration::from_millis(50), locks.lock("a")).await;
        assert!(same_key.is_err(), "the same album waits");
        drop(first);
        let again = actix_rt::time::timeout(Duration::from_millis(50), locks.lock("a")).await;
        assert!(again.is_ok());
    }
}
