use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use scheduled_thread_pool::ScheduledThreadPool;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// One connection per database thread: readers run in parallel under WAL,
/// writers are serialised by SQLite.
const POOL_SIZE: u32 = super::threads::MAX_THREADS as u32;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database connection failed: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("cannot create the database directory {0}: {1}")]
    Directory(String, std::io::Error),
    #[error("database task failed: {0}")]
    Task(String),
    #[error("cannot open the database: {0}")]
    Open(#[from] diesel::ConnectionError),
}

impl DbError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, DbError::Query(diesel::result::Error::NotFound))
    }
}

/// Applied to every connection the pool hands out.
#[derive(Debug)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

type Conn = PooledConnection<ConnectionManager<SqliteConnection>>;

/// A cheap-to-clone handle on the pool.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager<SqliteConnection>>,
    /// Operations run so far (`harmony_db_operations_total`); also lets tests
    /// prove that an endpoint never touches the database.
    operations: Arc<AtomicU64>,
}

impl Db {
    /// Opens (creating if needed) the SQLite file and applies pending migrations.
    /// Blocking: call at start-up or from a blocking context.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbError::Directory(dir.display().to_string(), e))?;
        }
        let manager = ConnectionManager::<SqliteConnection>::new(path.to_string_lossy());
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .connection_customizer(Box::new(Pragmas))
            // r2d2's own default is 3 threads for opening and reaping
            // connections; one idle thread is plenty for 4 connections.
            .thread_pool(Arc::new(
                ScheduledThreadPool::builder()
                    .num_threads(1)
                    .thread_name_pattern("harmony-db-{}")
                    .build(),
            ))
            .build(manager)?;
        let db = Db {
            pool,
            operations: Arc::default(),
        };
        let mut conn = db.pool.get()?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(db)
    }

    /// Runs `f` on a pooled connection on the database threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        self.operations.fetch_add(1, Ordering::Relaxed);
        let work = move || {
            let mut conn: Conn = pool.get()?;
            f(&mut conn)
        };
        match super::threads::run(work).await {
            Ok(result) => result,
            Err(e) => Err(DbError::Task(e)),
        }
    }

    /// Runs a read-only `f` inside one read transaction: every statement in
    /// it sees the same snapshot of the database (WAL), so a view built from
    /// several queries never mixes states while a writer commits in between.
    /// Not for writes: upgrading this transaction can fail with "busy".
    pub async fn snapshot<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        self.read(move |conn| conn.transaction(f)).await
    }

    /// Runs `f` inside an immediate transaction (the write lock is taken
    /// up front, so a read-then-write cannot fail half way with "locked").
    pub async fn write<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        self.read(move |conn| conn.immediate_transaction(f)).await
    }

    /// Runs `f` on the calling thread: for start-up, before any async work runs.
    pub fn read_blocking<T>(
        &self,
        f: impl FnOnce(&mut SqliteConnection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.operations.fetch_add(1, Ordering::Relaxed);
        let mut conn: Conn = self.pool.get()?;
        f(&mut conn)
    }

    pub fn operations(&self) -> u64 {
        self.operations.load(Ordering::Relaxed)
    }

    /// The database answers and every migration is applied.
    pub async fn check_ready(&self) -> Result<(), DbError> {
        self.read(|conn| {
            conn.batch_execute("SELECT 1")?;
            let pending = conn
                .has_pending_migration(MIGRATIONS)
                .map_err(|e| DbError::Migration(e.to_string()))?;
            if pending {
                return Err(DbError::Migration("migrations are not applied".into()));
            }
            Ok(())
        })
        .await
    }
}

/// Frees what SQLite's page caches hold for pages no statement is using, in
/// every connection, and returns how many bytes it freed. The pages are read
/// again from the file (most likely the system's file cache) when needed;
/// kept, they grow with the database up to 2 MiB per connection. Needs
/// `SQLITE_ENABLE_MEMORY_MANAGEMENT`, which the bundled build defines.
pub fn release_cached_pages() -> usize {
    // SAFETY: thread-safe by SQLite's contract (SQLITE_THREADSAFE=1); it only
    // frees unpinned cache pages under SQLite's own locks.
    let freed = unsafe { libsqlite3_sys::sqlite3_release_memory(std::ffi::c_int::MAX) };
    usize::try_from(freed).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};

    use super::*;

    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }

    #[derive(QueryableByName)]
    struct Number {
        #[diesel(sql_type = BigInt)]
        value: i64,
    }

    fn pragma(conn: &mut SqliteConnection, name: &str) -> i64 {
        diesel::sql_query(format!("SELECT {name} AS value FROM pragma_{name}"))
            .get_result::<Number>(conn)
            .map(|n| n.value)
            .unwrap_or_else(|_| {
                diesel::sql_query(format!("PRAGMA {name}"))
                    .get_result::<Number>(conn)
                    .unwrap()
                    .value
            })
    }

    #[test]
    fn cached_pages_are_given_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        db.read_blocking(|c| {
            c.batch_execute(
                "CREATE TABLE filler (v TEXT); \
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
                 INSERT INTO filler SELECT printf('%.200c', 'x') FROM n;",
            )?;
            Ok(())
        })
        .unwrap();
        // About 100 pages of rows were just written through this connection's cache.
        assert!(release_cached_pages() > 100 * 1024);
        let count: Number = db
            .read_blocking(|c| {
                Ok(diesel::sql_query("SELECT count(*) AS value FROM filler").get_result(c)?)
            })
            .unwrap();
        assert_eq!(count.value, 2000, "the data is read back from the file");
    }

    #[actix_rt::test]
    async fn a_snapshot_does_not_see_a_write_committed_half_way() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        db.read_blocking(|c| Ok(c.batch_execute("CREATE TABLE t (v INTEGER)")?))
            .unwrap();
        let count = |c: &mut SqliteConnection| -> Result<i64, DbError> {
            let n: Number = diesel::sql_query("SELECT count(*) AS value FROM t").get_result(c)?;
            Ok(n.value)
        };
        let writer = db.clone();
        let (before, after) = db
            .snapshot(move |c| {
                let before = count(c)?;
                // Another connection commits a row between the two reads.
                writer.read_blocking(|w| Ok(w.batch_execute("INSERT INTO t VALUES (1)")?))?;
                Ok((before, count(c)?))
            })
            .await
            .unwrap();
        assert_eq!((before, after), (0, 0));
        let now = db.read(move |c| count(c)).await.unwrap();
        assert_eq!(now, 1, "the write itself did land");
    }

    #[actix_rt::test]
    async fn every_connection_gets_the_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("sub/h.db")).unwrap();
        // Hold every connection at once so the pool has to open new ones.
        let held: Vec<_> = (0..POOL_SIZE).map(|_| db.pool.get().unwrap()).collect();
        for mut conn in held {
            let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
                .get_result(&mut conn)
                .unwrap();
            assert_eq!(mode.journal_mode, "wal");
            let timeout: Number =
                diesel::sql_query("SELECT timeout AS value FROM pragma_busy_timeout")
                    .get_result(&mut conn)
                    .unwrap();
            assert_eq!(timeout.value, 5000);
            assert_eq!(pragma(&mut conn, "foreign_keys"), 1);
            assert_eq!(pragma(&mut conn, "synchronous"), 1);
        }
        db.check_ready().await.unwrap();
    }
}
