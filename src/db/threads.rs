//! The threads every database call runs on.
//!
//! SQLite calls block, so they run off the async threads. They used to run
//! on the blocking pool of whichever actix thread asked — and every actix
//! thread has its own pool, each keeping its threads for ten seconds after
//! their last job: the workers' periodic reads, spread over those pools, kept
//! 15–25 threads alive at idle, each with its stack and malloc arena. Here
//! one pool serves the whole process: never more threads than connections (a
//! further thread could only wait for one), and a thread leaves soon after
//! its last job.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::runtime::{Builder, Runtime};

/// How long an idle thread waits for another job before it leaves.
const KEEP_ALIVE: Duration = Duration::from_secs(3);

/// Built once, never dropped (dropping a runtime from async code panics).
/// `None` if it could not be built: calls then use actix's blocking pool.
static THREADS: OnceLock<Option<Runtime>> = OnceLock::new();

/// Two, and the pool has as many connections: a read goes on while a write
/// runs, and each open connection holds its own copy of the schema and of
/// its statement and page caches (docs/benchmarks.md).
pub(super) const MAX_THREADS: usize = 2;

/// Runs `work` on the database threads.
pub async fn run<T, F>(work: F) -> Result<T, String>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match threads() {
        // The runtime is never driven: only its blocking pool is used, and
        // the caller's own runtime awaits the handle.
        Some(runtime) => runtime
            .spawn_blocking(work)
            .await
            .map_err(|e| e.to_string()),
        None => actix_web::web::block(work).await.map_err(|e| e.to_string()),
    }
}

fn threads() -> Option<&'static Runtime> {
    THREADS
        .get_or_init(|| {
            Builder::new_current_thread()
                .max_blocking_threads(MAX_THREADS)
                .thread_keep_alive(KEEP_ALIVE)
                .thread_name("harmony-query")
                .build()
                .map_err(|e| tracing::warn!(error = %e, "no database threads; using actix's"))
                .ok()
        })
        .as_ref()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use super::*;

    fn thread() -> (std::thread::ThreadId, Option<String>) {
        let current = std::thread::current();
        (current.id(), current.name().map(str::to_owned))
    }

    #[actix_rt::test]
    async fn calls_from_any_runtime_share_a_bounded_pool_of_named_threads() {
        let seen = Arc::new(Mutex::new(HashSet::new()));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let calls = (0..16).map(|_| {
            let (seen, running, most) =
                (Arc::clone(&seen), Arc::clone(&running), Arc::clone(&most));
            run(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(10));
                running.fetch_sub(1, Ordering::SeqCst);
                seen.lock().unwrap().insert(thread());
            })
        });
        futures_util::future::join_all(calls).await;
        // Another actix runtime (another arbiter's thread) uses the same pool.
        let from_elsewhere = std::thread::spawn(|| actix_rt::System::new().block_on(run(thread)))
            .join()
            .unwrap()
            .unwrap();
        let seen = seen.lock().unwrap();
        assert!(
            most.load(Ordering::SeqCst) <= MAX_THREADS,
            "one per connection"
        );
        assert!(seen.len() <= MAX_THREADS, "one per connection: {seen:?}");
        assert!(seen
            .iter()
            .all(|(_, name)| name.as_deref() == Some("harmony-query")));
        assert_eq!(from_elsewhere.1.as_deref(), Some("harmony-query"));
    }

    #[actix_rt::test]
    async fn a_job_that_panics_is_an_error_and_the_pool_goes_on() {
        let failed = run(|| -> u8 { panic!("boom") }).await;
        assert!(failed.is_err());
        assert_eq!(run(|| 7).await, Ok(7));
    }
}
