//! The SQLite login registry: logins that survive a restart, on one machine (feature
//! `sqlite`).
//!
//! One table, `login_registry` (with its indexes `login_registry_user` and
//! `login_registry_expiry`), and two for the second factor (`login_second_factor`: a
//! row per user with the last TOTP step and the device epoch; `login_pending`: pending
//! logins), in any SQLite file: the app's own database works (the demo keeps it next to
//! its users), as long as the app has no tables of those names. Two
//! processes on one file see each other's logins and logouts at once: nothing is
//! cached. Every write runs on a blocking thread, off the async workers, with a
//! 5-second busy timeout; expired rows are deleted (through an index) whenever a login
//! is added, so the table holds live logins only, plus those that expired since.
//!
//! The per-request lookup (one row by primary key, a cached statement) is read in the
//! worker's thread when it can be answered at once: on a reader connection of its own
//! with no busy timeout, taken only when free. When the reader is in use by another
//! worker, or the file is locked (`SQLITE_BUSY`), the lookup falls back to a blocking
//! thread: an async worker never waits on the database.

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures_util::future::BoxFuture;
use login_core::{
    first_device_epoch,
    pending::{AtCap, PendingLogin},
    LiveLogin, LoginId, LoginRegistry, LoginTimes, SecondFactorStore, StoreError,
};
use rusqlite::{params, Connection, OptionalExtension};

/// Live logins in a SQLite file.
///
/// ```
/// use login_actix::registry::SqliteRegistry;
/// let registry = SqliteRegistry::open_in_memory().expect("creates its table");
/// # let _ = registry;
/// ```
#[derive(Clone)]
pub struct SqliteRegistry {
    conn: Arc<Mutex<Connection>>,
    /// The in-thread lookup's connection: no busy timeout. For an in-memory database
    /// (private to one connection) it is `conn` itself.
    reader: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteRegistry { .. }")
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS login_registry (
    id TEXT PRIMARY KEY,
    user_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    remembered INTEGER NOT NULL,
    user_agent TEXT NOT NULL,
    remember_gen INTEGER NOT NULL DEFAULT 0,
    rotated_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS login_registry_user ON login_registry (user_key);
CREATE INDEX IF NOT EXISTS login_registry_expiry ON login_registry (expires_at);
CREATE TABLE IF NOT EXISTS login_second_factor (
    user_key TEXT PRIMARY KEY,
    last_step INTEGER NOT NULL DEFAULT 0,
    device_epoch INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS login_pending (
    id TEXT PRIMARY KEY,
    user_key TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    record TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS login_pending_user ON login_pending (user_key);
CREATE INDEX IF NOT EXISTS login_pending_expiry ON login_pending (expires_at);
";

/// SQLite stores signed 64-bit integers; times beyond that are clamped.
fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn uint(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn db_error(err: rusqlite::Error) -> StoreError {
    StoreError::with_source("SQLite login registry failed", err)
}

impl SqliteRegistry {
    /// Opens (or creates) the registry table in the SQLite file at `path`, in WAL mode.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let conn = Connection::open(path.as_ref()).map_err(db_error)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db_error)?;
        let conn = Self::prepare(conn)?;
        let reader = Connection::open(path.as_ref()).map_err(db_error)?;
        reader.busy_timeout(Duration::ZERO).map_err(db_error)?;
        Ok(SqliteRegistry { conn: Arc::new(Mutex::new(conn)), reader: Arc::new(Mutex::new(reader)) })
    }

    /// A registry in a private in-memory database (nothing survives the process).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Arc::new(Mutex::new(Self::prepare(Connection::open_in_memory().map_err(db_error)?)?));
        Ok(SqliteRegistry { reader: Arc::clone(&conn), conn })
    }

    fn prepare(conn: Connection) -> Result<Connection, StoreError> {
        conn.busy_timeout(Duration::from_secs(5)).map_err(db_error)?;
        conn.execute_batch(SCHEMA).map_err(db_error)?;
        Self::migrate(&conn).map_err(db_error)?;
        Ok(conn)
    }

    /// Brings a table of 0.2 up to date: the remember token's generation columns
    /// (existing logins start at generation 0, which their tokens carry).
    fn migrate(conn: &Connection) -> rusqlite::Result<()> {
        let mut columns = conn.prepare("SELECT name FROM pragma_table_info('login_registry')")?;
        let names = columns.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        for (column, sql) in [
            ("remember_gen", "ALTER TABLE login_registry ADD COLUMN remember_gen INTEGER NOT NULL DEFAULT 0"),
            ("rotated_at", "ALTER TABLE login_registry ADD COLUMN rotated_at INTEGER NOT NULL DEFAULT 0"),
        ] {
            if !names.iter().any(|n| n == column) {
                conn.execute(sql, [])?;
            }
        }
        Ok(())
    }

    /// Runs `f` on the connection on a blocking thread.
    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, StoreError>> {
        let conn = Arc::clone(&self.conn);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let conn = conn.lock().map_err(|_| StoreError::new("SQLite login registry lock poisoned"))?;
                f(&conn).map_err(db_error)
            })
            .await
            .map_err(|e| StoreError::with_source("SQLite login registry task failed", e))?
        })
    }
}

/// The times of a live login: one row by primary key, through a cached statement.
fn read_times(c: &Connection, id: LoginId, now: u64) -> rusqlite::Result<Option<LoginTimes>> {
    let mut stmt = c.prepare_cached(
        "SELECT last_seen_at, expires_at, remember_gen, rotated_at FROM login_registry
         WHERE id = ?1 AND expires_at > ?2",
    )?;
    stmt.query_row(params![id.to_string(), int(now)], |r| {
        Ok(LoginTimes {
            last_seen_at: uint(r.get(0)?),
            expires_at: uint(r.get(1)?),
            remember_gen: u32::try_from(r.get::<_, i64>(2)?).unwrap_or(u32::MAX),
            rotated_at: uint(r.get(3)?),
        })
    })
    .optional()
}

impl LoginRegistry for SqliteRegistry {
    fn insert(&self, login: LiveLogin) -> BoxFuture<'_, Result<(), StoreError>> {
        self.run(move |c| {
            c.execute("DELETE FROM login_registry WHERE expires_at <= ?1", [int(login.created_at)])?;
            c.execute(
                "INSERT OR REPLACE INTO login_registry
                 (id, user_key, created_at, last_seen_at, expires_at, remembered, user_agent)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    login.id.to_string(),
                    login.user_key,
                    int(login.created_at),
                    int(login.last_seen_at),
                    int(login.expires_at),
                    login.remembered,
                    login.user_agent
                ],
            )?;
            Ok(())
        })
    }

    fn lookup(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<Option<LoginTimes>, StoreError>> {
        self.run(move |c| read_times(c, id, now))
    }

    /// The lookup in the worker's thread, when the reader is free and the file not
    /// locked; `None` (the blocking-thread lookup) otherwise.
    fn lookup_now(&self, id: LoginId, now: u64) -> Option<Result<Option<LoginTimes>, StoreError>> {
        let reader = self.reader.try_lock().ok()?;
        match read_times(&reader, id, now) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) =>
            {
                None
            }
            other => Some(other.map_err(db_error)),
        }
    }

    fn touch(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<(), StoreError>> {
        self.run(move |c| {
            c.execute(
                "UPDATE login_registry SET last_seen_at = MAX(last_seen_at, ?2) WHERE id = ?1",
                params![id.to_string(), int(now)],
            )
            .map(drop)
        })
    }

    fn extend(&self, id: LoginId, expires_at: u64, remembered: bool) -> BoxFuture<'_, Result<(), StoreError>> {
        self.run(move |c| {
            c.execute(
                "UPDATE login_registry SET expires_at = MAX(expires_at, ?2), remembered = (remembered OR ?3) WHERE id = ?1",
                params![id.to_string(), int(expires_at), remembered],
            )
            .map(drop)
        })
    }

    fn rotate(&self, id: LoginId, from: u32, now: u64) -> BoxFuture<'_, Result<Option<LoginTimes>, StoreError>> {
        self.run(move |c| {
            // One statement: a compare-and-set, atomic across connections and processes.
            c.execute(
                "UPDATE login_registry SET remember_gen = remember_gen + 1, rotated_at = ?3
                 WHERE id = ?1 AND remember_gen = ?2 AND expires_at > ?3",
                params![id.to_string(), i64::from(from), int(now)],
            )?;
            read_times(c, id, now)
        })
    }

    fn remove(&self, id: LoginId) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.run(move |c| c.execute("DELETE FROM login_registry WHERE id = ?1", [id.to_string()]).map(|n| n > 0))
    }

    fn remove_user(&self, user_key: &str, keep: Option<LoginId>) -> BoxFuture<'_, Result<usize, StoreError>> {
        let user_key = user_key.to_owned();
        let keep = keep.map(|id| id.to_string()).unwrap_or_default();
        self.run(move |c| {
            c.execute("DELETE FROM login_registry WHERE user_key = ?1 AND id != ?2", params![user_key, keep])
        })
    }

    fn list_user(&self, user_key: &str, now: u64) -> BoxFuture<'_, Result<Vec<LiveLogin>, StoreError>> {
        let user_key = user_key.to_owned();
        self.run(move |c| {
            let mut stmt = c.prepare(
                "SELECT id, user_key, created_at, last_seen_at, expires_at, remembered, user_agent
                 FROM login_registry WHERE user_key = ?1 AND expires_at > ?2 ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map(params![user_key, int(now)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    LiveLogin {
                        id: LoginId::random(),
                        user_key: r.get(1)?,
                        created_at: uint(r.get(2)?),
                        last_seen_at: uint(r.get(3)?),
                        expires_at: uint(r.get(4)?),
                        remembered: r.get(5)?,
                        user_agent: r.get(6)?,
                    },
                ))
            })?;
            let mut logins = Vec::new();
            for row in rows {
                let (id, mut login) = row?;
                // A row whose id does not parse was not written by this registry: skip it.
                if let Ok(id) = id.parse() {
                    login.id = id;
                    logins.push(login);
                }
            }
            Ok(logins)
        })
    }
}

impl SecondFactorStore for SqliteRegistry {
    fn use_totp_step(&self, user_key: &str, step: u64) -> BoxFuture<'_, Result<bool, StoreError>> {
        let user_key = user_key.to_owned();
        self.run(move |c| {
            // One statement: only a later step moves it, on any connection.
            let changed = c.execute(
                "INSERT INTO login_second_factor (user_key, last_step, device_epoch) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_key) DO UPDATE SET last_step = excluded.last_step
                 WHERE excluded.last_step > login_second_factor.last_step",
                params![user_key, int(step), int(first_device_epoch())],
            )?;
            Ok(changed > 0)
        })
    }

    fn device_epoch(&self, user_key: &str) -> BoxFuture<'_, Result<u64, StoreError>> {
        let user_key = user_key.to_owned();
        self.run(move |c| {
            let select = "SELECT device_epoch FROM login_second_factor WHERE user_key = ?1";
            if let Some(epoch) = c.query_row(select, [&user_key], |r| r.get::<_, i64>(0)).optional()? {
                return Ok(uint(epoch));
            }
            // A user without a row starts at a random epoch (a recreated file never
            // revives the device cookies of the lost one's epochs); a row another
            // connection made meanwhile wins.
            c.execute(
                "INSERT INTO login_second_factor (user_key, device_epoch) VALUES (?1, ?2)
                 ON CONFLICT (user_key) DO NOTHING",
                params![user_key, int(first_device_epoch())],
            )?;
            c.query_row(select, [&user_key], |r| r.get::<_, i64>(0)).map(uint)
        })
    }

    fn forget_devices(&self, user_key: &str) -> BoxFuture<'_, Result<u64, StoreError>> {
        let user_key = user_key.to_owned();
        self.run(move |c| {
            c.query_row(
                "INSERT INTO login_second_factor (user_key, device_epoch) VALUES (?1, ?2 + 1)
                 ON CONFLICT (user_key) DO UPDATE SET device_epoch = device_epoch + 1
                 RETURNING device_epoch",
                params![user_key, int(first_device_epoch())],
                |r| r.get::<_, i64>(0),
            )
            .map(uint)
        })
    }

    fn insert_pending(&self, pending: PendingLogin, at_cap: AtCap) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.run(move |c| {
            let tx = c.unchecked_transaction()?;
            tx.execute("DELETE FROM login_pending WHERE expires_at <= ?1", [int(pending.created_at)])?;
            tx.execute("DELETE FROM login_pending WHERE id = ?1", [pending.id.to_string()])?;
            let held: i64 =
                tx.query_row("SELECT COUNT(*) FROM login_pending WHERE user_key = ?1", [&pending.user_key], |r| {
                    r.get(0)
                })?;
            if held >= login_core::MAX_PENDING_PER_USER as i64 && at_cap == AtCap::Refuse {
                return Ok(false);
            }
            tx.execute(
                "DELETE FROM login_pending WHERE id IN (SELECT id FROM login_pending WHERE user_key = ?1
                 ORDER BY expires_at DESC LIMIT -1 OFFSET ?2)",
                params![pending.user_key, login_core::MAX_PENDING_KNOWN as i64 - 1],
            )?;
            let record =
                serde_json::to_string(&pending).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
            tx.execute(
                "INSERT INTO login_pending (id, user_key, expires_at, failures, record) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![pending.id.to_string(), pending.user_key, int(pending.expires_at), pending.failures, record],
            )?;
            tx.commit()?;
            Ok(true)
        })
    }

    fn pending(&self, id: LoginId, now: u64) -> BoxFuture<'_, Result<Option<PendingLogin>, StoreError>> {
        self.run(move |c| {
            let row: Option<(String, u32)> = c
                .query_row(
                    "SELECT record, failures FROM login_pending WHERE id = ?1 AND expires_at > ?2",
                    params![id.to_string(), int(now)],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            // A record this registry did not write is no pending login.
            Ok(row.and_then(|(record, failures)| {
                let mut pending: PendingLogin = serde_json::from_str(&record).ok()?;
                pending.failures = failures;
                Some(pending)
            }))
        })
    }

    fn fail_pending(&self, id: LoginId, max: u32, now: u64) -> BoxFuture<'_, Result<Option<u32>, StoreError>> {
        self.run(move |c| {
            let failures: Option<u32> = c
                .query_row(
                    "UPDATE login_pending SET failures = failures + 1 WHERE id = ?1 AND expires_at > ?2
                     RETURNING failures",
                    params![id.to_string(), int(now)],
                    |r| r.get(0),
                )
                .optional()?;
            if failures.is_some_and(|n| n >= max) {
                c.execute("DELETE FROM login_pending WHERE id = ?1", [id.to_string()])?;
            }
            Ok(failures)
        })
    }

    fn remove_pending(&self, id: LoginId) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.run(move |c| c.execute("DELETE FROM login_pending WHERE id = ?1", [id.to_string()]).map(|n| n > 0))
    }

    fn remove_pending_of(&self, user_key: &str) -> BoxFuture<'_, Result<usize, StoreError>> {
        let user_key = user_key.to_owned();
        self.run(move |c| c.execute("DELETE FROM login_pending WHERE user_key = ?1", [user_key]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(user: &str, created: u64, expires: u64) -> LiveLogin {
        LiveLogin {
            id: LoginId::random(),
            user_key: user.into(),
            created_at: created,
            last_seen_at: created,
            expires_at: expires,
            remembered: false,
            user_agent: "ua".into(),
        }
    }

    #[actix_rt::test]
    async fn two_connections_on_one_file_share_logins() {
        let dir = std::env::temp_dir().join(format!("login-registry-{}", LoginId::random()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("reg.db");
        let a = SqliteRegistry::open(&path).expect("open");
        let b = SqliteRegistry::open(&path).expect("open again");
        let one = login("1", 10, 100);
        let two = login("1", 20, 100);
        a.insert(one.clone()).await.expect("insert");
        a.insert(two.clone()).await.expect("insert");
        assert!(b.lookup(one.id, 50).await.expect("lookup").is_some());
        assert_eq!(b.lookup(one.id, 100).await.expect("lookup"), None, "expired at its end");
        b.touch(one.id, 60).await.expect("touch");
        assert_eq!(a.lookup(one.id, 61).await.expect("lookup").map(|t| t.last_seen_at), Some(60));
        let listed: Vec<_> = a.list_user("1", 50).await.expect("list").into_iter().map(|l| l.id).collect();
        assert_eq!(listed, vec![one.id, two.id]);
        assert!(b.remove(one.id).await.expect("remove"));
        assert_eq!(a.lookup(one.id, 50).await.expect("lookup"), None);
        b.touch(one.id, 70).await.expect("touch");
        b.extend(one.id, 1000, true).await.expect("extend");
        assert_eq!(a.lookup(one.id, 50).await.expect("lookup"), None, "never brought back");
        a.extend(two.id, 1000, true).await.expect("extend");
        assert!(b.list_user("1", 500).await.expect("list")[0].remembered);
        assert_eq!(b.remove_user("1", None).await.expect("remove all"), 1);
        drop((a, b));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
