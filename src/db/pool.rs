use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use scheduled_thread_pool::ScheduledThreadPool;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Readers run in parallel under WAL; writers are serialised by SQLite.
const POOL_SIZE: u32 = 4;

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

    /// Runs `f` on a pooled connection on the blocking thread pool.
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
        match actix_web::web::block(work).await {
            Ok(result) => result,
            Err(e) => Err(DbError::Task(e.to_string())),
        }
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

    #[actix_rt::test]
    async fn every_connection_gets_the_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("sub/h.db")).unwrap();
        // Hold several connections at once so the pool has to open new ones.
        let held: Vec<_> = (0..3).map(|_| db.pool.get().unwrap()).collect();
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
