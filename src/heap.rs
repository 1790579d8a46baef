//! Gives memory the allocator keeps after it was freed back to the system.
//!
//! glibc's malloc keeps freed memory in its arenas for reuse: what start-up
//! built and dropped (migrations, configuration layers)
//! and what a burst of requests used stays resident — measured at about half
//! of the service's private memory at idle. `malloc_trim` returns the free
//! pages; doing it now and then costs well under a millisecond at this size.
//! SQLite's page caches, which grow with the database (up to 2 MiB per
//! connection), are emptied first: what they held is read back from the
//! file when a query needs it.

use std::time::Duration;

/// First release after start-up settled, then one per period.
const FIRST: Duration = Duration::from_secs(5);
const EVERY: Duration = Duration::from_secs(10);

/// Once start-up has settled, unmaps the code only it ran
/// ([`crate::startup_code`]); then releases free heap pages periodically, on
/// the blocking pool, for the life of the current actix system.
pub fn release_periodically() {
    actix_rt::spawn(async {
        let mut ticks = actix_rt::time::interval_at(actix_rt::time::Instant::now() + FIRST, EVERY);
        ticks.tick().await;
        // Start-up has settled: the code only it ran can leave memory (once).
        let _ = actix_rt::task::spawn_blocking(|| {
            let released = crate::startup_code::release();
            tracing::debug!(released, "start-up code unmapped");
            release_free_pages();
        })
        .await;
        loop {
            ticks.tick().await;
            let _ = actix_rt::task::spawn_blocking(release_free_pages).await;
        }
    });
}

/// One malloc arena for every thread. glibc gives each thread that allocates
/// an arena of its own, up to eight per core, and each keeps the pages it
/// once used; the service's threads mostly wait (and each still has its own
/// small-allocation cache), so sharing one costs nothing measurable and keeps
/// the private memory small. Call before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn limit_arenas() {
    // SAFETY: mallopt only sets a tuning value; called before other threads
    // exist, so no allocation races with the change.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn limit_arenas() {}

/// SQLite's cached pages first (they can be read again from the file), then
/// every page the allocator holds free goes back to the system.
pub fn release_free_pages() {
    crate::db::release_cached_pages();
    trim();
}

/// Returns the allocator's free pages to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim has no preconditions; it takes glibc's own arena
    // locks and only gives back pages that hold no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators return memory on their own.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
