//! Users in SQLite, passwords as argon2 hashes (login-actix's `PasswordHasher`).

use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use login_actix::{
    password::{PasswordHasher, Verified},
    AuthUser,
};
use rusqlite::{params, Connection, OptionalExtension};

/// A demo user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Incremented by "log out everywhere".
    pub session_epoch: i64,
    /// Whether the account may log in.
    pub active: bool,
    /// Permission names (alice has `admin`).
    pub permissions: Vec<String>,
    /// Unix seconds of the last completed credential login (`0`: never): a reset link
    /// made before it is dead.
    pub last_login_at: i64,
    /// The TOTP secret (base32) once the second factor is enabled.
    pub totp_secret: Option<String>,
    /// The stored hashes of the unused recovery codes.
    pub recovery_codes: Vec<String>,
}

impl User {
    /// Whether the second factor is on.
    pub fn two_factor(&self) -> bool {
        self.totp_secret.is_some()
    }
}

/// The columns every user query reads, in [`User::from_row`]'s order.
const USER_COLUMNS: &str =
    "id, username, password_hash, session_epoch, active, permissions, last_login_at, totp_secret, recovery_codes";

impl User {
    /// A user that is no one, for work that must take the same time with or without a
    /// real account.
    pub fn nobody() -> User {
        User {
            id: 0,
            username: String::new(),
            password_hash: String::new(),
            session_epoch: 0,
            active: false,
            permissions: Vec::new(),
            last_login_at: 0,
            totp_secret: None,
            recovery_codes: Vec::new(),
        }
    }

    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
        let permissions: String = r.get(5)?;
        Ok(User {
            id: r.get(0)?,
            username: r.get(1)?,
            password_hash: r.get(2)?,
            session_epoch: r.get(3)?,
            active: r.get(4)?,
            permissions: permissions.split(',').filter(|p| !p.is_empty()).map(str::to_owned).collect(),
            last_login_at: r.get(6)?,
            totp_secret: r.get(7)?,
            recovery_codes: split_list(&r.get::<_, String>(8)?),
        })
    }
}

/// A comma-separated list, empty entries dropped.
fn split_list(text: &str) -> Vec<String> {
    text.split(',').filter(|p| !p.is_empty()).map(str::to_owned).collect()
}

/// A personal access token, as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Row id.
    pub id: i64,
    /// The name its owner gave it.
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of its last use, if any.
    pub last_used_at: Option<i64>,
}

/// One line of a user's activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Unix seconds.
    pub at: i64,
    /// What happened (`logged_in`, `logged_out`, ...).
    pub kind: String,
    /// Details.
    pub detail: String,
}

/// A new personal access token: `lat_` and 32 random bytes in base64url. Only its
/// SHA-256 is stored.
pub fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let mut text = String::from("lat_");
    for b in bytes {
        text.push_str(&format!("{b:02x}"));
    }
    text
}

/// The stored form of a token: its SHA-256.
pub fn token_hash(token: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

impl AuthUser for User {
    type Id = i64;

    fn id(&self) -> i64 {
        self.id
    }

    fn session_auth_hash(&self) -> Option<Vec<u8>> {
        Some(format!("{}|{}", self.password_hash, self.session_epoch).into_bytes())
    }

    fn is_active(&self) -> bool {
        self.active
    }

    fn has_permission(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    fn last_login_at(&self) -> Option<u64> {
        u64::try_from(self.last_login_at).ok()
    }

    // "Log out everywhere" moves the session epoch, not the password: the browsers the
    // account knows stay known; a password change forgets them.
    fn device_auth_hash(&self) -> Option<Vec<u8>> {
        Some(self.password_hash.clone().into_bytes())
    }
}

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// The lock was poisoned by a panic elsewhere.
    #[error("database lock poisoned")]
    Poisoned,
    /// The blocking task was cancelled.
    #[error("database task failed")]
    Blocking,
}

/// The user database: one SQLite connection behind a mutex, used from blocking tasks.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    /// Hashing off the async workers, bounded, with a dummy check for unknown names so
    /// that the time of a failed login does not reveal whether the user exists.
    hasher: PasswordHasher,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db")
    }
}

/// The seeded accounts: name, password, permissions.
pub const SEED_USERS: [(&str, &str, &str); 2] = [("alice", "wonderland", "admin"), ("bob", "builder", "")];

impl Db {
    /// Opens (or creates) the database, creates the table and seeds the users if absent.
    pub fn open(path: Option<&Path>) -> Result<Db, DbError> {
        let conn = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        if path.is_some() {
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS users (
                id INTEGER PRIMARY KEY,
                username TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                session_epoch INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE IF NOT EXISTS tokens (
                id INTEGER PRIMARY KEY,
                user_id INTEGER NOT NULL,
                name TEXT NOT NULL,
                token_hash BLOB NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                last_used_at INTEGER
            );
            CREATE TABLE IF NOT EXISTS activity (
                id INTEGER PRIMARY KEY,
                user_id INTEGER NOT NULL,
                at INTEGER NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS activity_user ON activity (user_id, id);",
        )?;
        // Columns added after 0.1, for database files made by it.
        for (column, definition) in [
            ("active", "INTEGER NOT NULL DEFAULT 1"),
            ("permissions", "TEXT NOT NULL DEFAULT ''"),
            ("last_login_at", "INTEGER NOT NULL DEFAULT 0"),
            ("totp_secret", "TEXT"),
            ("recovery_codes", "TEXT NOT NULL DEFAULT ''"),
        ] {
            let present: bool = conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM pragma_table_info('users') WHERE name = ?1)",
                [column],
                |r| r.get(0),
            )?;
            if !present {
                conn.execute_batch(&format!("ALTER TABLE users ADD COLUMN {column} {definition};"))?;
            }
        }
        let hasher = PasswordHasher::new();
        for (name, password, permissions) in SEED_USERS {
            let exists: bool =
                conn.query_row("SELECT EXISTS(SELECT 1 FROM users WHERE username = ?1)", [name], |r| r.get(0))?;
            if !exists {
                conn.execute(
                    "INSERT OR IGNORE INTO users (username, password_hash, permissions) VALUES (?1, ?2, ?3)",
                    params![
                        name,
                        hasher.hash_blocking(password).map_err(|e| DbError::Hash(e.to_string()))?,
                        permissions
                    ],
                )?;
            }
        }
        Ok(Db { conn: Arc::new(Mutex::new(conn)), hasher })
    }

    /// Runs `f` on the connection in a blocking task.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        let conn = Arc::clone(&self.conn);
        actix_web::web::block(move || {
            let conn = conn.lock().map_err(|_| DbError::Poisoned)?;
            f(&conn)
        })
        .await
        .map_err(|_| DbError::Blocking)?
    }

    /// A user by id.
    pub async fn user(&self, id: i64) -> Result<Option<User>, DbError> {
        self.run(move |c| {
            Ok(c.query_row(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"), [id], User::from_row)
                .optional()?)
        })
        .await
    }

    /// A user by name.
    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, DbError> {
        let username = username.to_owned();
        self.run(move |c| {
            Ok(c.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"),
                [&username],
                User::from_row,
            )
            .optional()?)
        })
        .await
    }

    /// The user with these credentials, if they are right.
    ///
    /// The row is read under the database lock; the argon2 check runs afterwards on a
    /// blocking thread, without the lock, so failed logins never hold up other queries
    /// nor the async workers. An unknown name is checked against a dummy hash, so the
    /// time taken does not tell which names exist.
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<Option<User>, DbError> {
        let user = self.user_by_name(username).await?;
        let stored = user.as_ref().map(|u| u.password_hash.as_str());
        match self.hasher.verify(password, stored).await.map_err(|e| DbError::Hash(e.to_string()))? {
            Verified::Yes { needs_rehash } => {
                let Some(user) = user else { return Ok(None) };
                if needs_rehash {
                    // The parameters changed since this hash was made: store a new one.
                    return self.set_password(user.id, password).await.map(|u| u.or(Some(user)));
                }
                Ok(Some(user))
            }
            Verified::No => Ok(None),
        }
    }

    /// Whether `password` is `user`'s current password (off the lock and the workers).
    pub async fn password_matches(&self, user: &User, password: &str) -> Result<bool, DbError> {
        let verified = self.hasher.verify(password, Some(&user.password_hash)).await;
        Ok(matches!(verified.map_err(|e| DbError::Hash(e.to_string()))?, Verified::Yes { .. }))
    }

    /// Sets a new password; returns the updated user. Hashing runs before the database
    /// lock is taken.
    pub async fn set_password(&self, id: i64, password: &str) -> Result<Option<User>, DbError> {
        let hash = self.hasher.hash(password).await.map_err(|e| DbError::Hash(e.to_string()))?;
        self.run(move |c| {
            c.execute("UPDATE users SET password_hash = ?1 WHERE id = ?2", params![hash, id])?;
            Ok(())
        })
        .await?;
        self.user(id).await
    }

    /// Turns the second factor on with `secret` and these recovery-code hashes; `false`
    /// when the user has one already (another session enrolled meanwhile).
    pub async fn enable_two_factor(&self, id: i64, secret: String, codes: Vec<String>) -> Result<bool, DbError> {
        self.run(move |c| {
            let n = c.execute(
                "UPDATE users SET totp_secret = ?1, recovery_codes = ?2 WHERE id = ?3 AND totp_secret IS NULL",
                params![secret, codes.join(","), id],
            )?;
            Ok(n > 0)
        })
        .await
    }

    /// Turns the second factor off: the secret and the recovery codes are removed.
    pub async fn disable_two_factor(&self, id: i64) -> Result<(), DbError> {
        self.run(move |c| {
            c.execute("UPDATE users SET totp_secret = NULL, recovery_codes = '' WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
    }

    /// Replaces the recovery codes (the old ones stop working).
    pub async fn set_recovery_codes(&self, id: i64, codes: Vec<String>) -> Result<(), DbError> {
        self.run(move |c| {
            c.execute("UPDATE users SET recovery_codes = ?1 WHERE id = ?2", params![codes.join(","), id])?;
            Ok(())
        })
        .await
    }

    /// Spends the recovery code with this hash: `true` when it was unused (it is gone
    /// now), `false` when it was not there (used, or never). One transaction, so a code
    /// is spent once.
    pub async fn spend_recovery_code(&self, id: i64, hash: String) -> Result<bool, DbError> {
        self.run(move |c| {
            let tx = c.unchecked_transaction()?;
            let codes: String = tx.query_row("SELECT recovery_codes FROM users WHERE id = ?1", [id], |r| r.get(0))?;
            let mut list = split_list(&codes);
            let before = list.len();
            list.retain(|h| *h != hash);
            if list.len() == before {
                return Ok(false);
            }
            tx.execute("UPDATE users SET recovery_codes = ?1 WHERE id = ?2", params![list.join(","), id])?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    /// Records a completed credential login at `now` (kills older reset links).
    pub async fn record_login(&self, id: i64, now: i64) -> Result<(), DbError> {
        self.run(move |c| {
            c.execute("UPDATE users SET last_login_at = MAX(last_login_at + 1, ?1) WHERE id = ?2", params![now, id])?;
            Ok(())
        })
        .await
    }

    /// Sets a new password only if `user`'s password is still the one read (a
    /// compare-and-set: a reset link is used once); `None` when it changed meanwhile.
    pub async fn replace_password(&self, user: &User, password: &str) -> Result<Option<User>, DbError> {
        let hash = self.hasher.hash(password).await.map_err(|e| DbError::Hash(e.to_string()))?;
        let (id, old) = (user.id, user.password_hash.clone());
        let changed = self
            .run(move |c| {
                Ok(c.execute(
                    "UPDATE users SET password_hash = ?1 WHERE id = ?2 AND password_hash = ?3",
                    params![hash, id, old],
                )?)
            })
            .await?;
        if changed == 0 {
            return Ok(None);
        }
        self.user(id).await
    }

    /// Increments the session epoch ("log out everywhere").
    pub async fn bump_epoch(&self, id: i64) -> Result<(), DbError> {
        self.run(move |c| {
            c.execute("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<User>, DbError> {
        self.run(|c| {
            let mut stmt = c.prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY username"))?;
            let users = stmt.query_map([], User::from_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(users)
        })
        .await
    }

    /// Activates or deactivates a user by name; returns the user.
    pub async fn set_active(&self, username: &str, active: bool) -> Result<Option<User>, DbError> {
        let name = username.to_owned();
        self.run(move |c| {
            c.execute("UPDATE users SET active = ?1 WHERE username = ?2", params![active, name])?;
            Ok(())
        })
        .await?;
        self.user_by_name(username).await
    }

    /// Stores a new token of `user_id` under `name`; returns the token, to show once.
    pub async fn create_token(&self, user_id: i64, name: &str, now: i64) -> Result<String, DbError> {
        let token = new_token();
        let (hash, name) = (token_hash(&token), name.to_owned());
        self.run(move |c| {
            c.execute(
                "INSERT INTO tokens (user_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![user_id, name, hash, now],
            )?;
            Ok(())
        })
        .await?;
        Ok(token)
    }

    /// The tokens of a user, newest first.
    pub async fn tokens(&self, user_id: i64) -> Result<Vec<TokenInfo>, DbError> {
        self.run(move |c| {
            let mut stmt =
                c.prepare("SELECT id, name, created_at, last_used_at FROM tokens WHERE user_id = ?1 ORDER BY id DESC")?;
            let tokens = stmt
                .query_map([user_id], |r| {
                    Ok(TokenInfo { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)?, last_used_at: r.get(3)? })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(tokens)
        })
        .await
    }

    /// Revokes (deletes) token `id` of `user_id`; `false` when it is not theirs.
    pub async fn revoke_token(&self, user_id: i64, id: i64) -> Result<bool, DbError> {
        self.run(move |c| Ok(c.execute("DELETE FROM tokens WHERE id = ?1 AND user_id = ?2", [id, user_id])? > 0)).await
    }

    /// The user a token belongs to, by the token's hash (an index lookup: no secret
    /// is compared byte by byte), recording its use.
    pub async fn user_by_token(&self, token: &str, now: i64) -> Result<Option<User>, DbError> {
        let hash = token_hash(token);
        let user_id: Option<i64> = self
            .run(move |c| {
                let id = c
                    .query_row("SELECT user_id FROM tokens WHERE token_hash = ?1", [&hash], |r| r.get(0))
                    .optional()?;
                if id.is_some() {
                    c.execute("UPDATE tokens SET last_used_at = ?1 WHERE token_hash = ?2", params![now, hash])?;
                }
                Ok(id)
            })
            .await?;
        match user_id {
            Some(id) => self.user(id).await,
            None => Ok(None),
        }
    }

    /// Appends to a user's activity log (kept to the last 200 entries per user).
    pub async fn log_activity(&self, user_id: i64, at: i64, kind: &str, detail: &str) -> Result<(), DbError> {
        let (kind, detail) = (kind.to_owned(), detail.to_owned());
        self.run(move |c| {
            c.execute(
                "INSERT INTO activity (user_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
                params![user_id, at, kind, detail],
            )?;
            c.execute(
                "DELETE FROM activity WHERE user_id = ?1 AND id <= (SELECT id FROM activity WHERE user_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET 200)",
                [user_id],
            )?;
            Ok(())
        })
        .await
    }

    /// A user's activity, newest first.
    pub async fn activity(&self, user_id: i64) -> Result<Vec<Activity>, DbError> {
        self.run(move |c| {
            let mut stmt = c.prepare("SELECT at, kind, detail FROM activity WHERE user_id = ?1 ORDER BY id DESC")?;
            let rows = stmt
                .query_map([user_id], |r| Ok(Activity { at: r.get(0)?, kind: r.get(1)?, detail: r.get(2)? }))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Deletes a user.
    pub async fn delete(&self, id: i64) -> Result<(), DbError> {
        self.run(move |c| {
            c.execute("DELETE FROM users WHERE id = ?1", [id])?;
            c.execute("DELETE FROM tokens WHERE user_id = ?1", [id])?;
            c.execute("DELETE FROM activity WHERE user_id = ?1", [id])?;
            Ok(())
        })
        .await
    }
}

impl actix_web::ResponseError for DbError {
    fn error_response(&self) -> actix_web::HttpResponse {
        tracing::error!(error = %self, "database failure");
        actix_web::HttpResponse::InternalServerError().content_type("text/plain; charset=utf-8").body("internal error")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn seeded_users_log_in_with_their_passwords_only() {
        let db = Db::open(None).unwrap();
        let alice = db.authenticate("alice", "wonderland").await.unwrap().expect("alice");
        assert_eq!(alice.username, "alice");
        assert!(alice.password_hash.starts_with("$argon2"));
        assert!(db.authenticate("alice", "builder").await.unwrap().is_none());
        assert!(db.authenticate("bob", "builder").await.unwrap().is_some());
        assert!(db.authenticate("carol", "x").await.unwrap().is_none());
        let changed = db.set_password(alice.id, "new").await.unwrap().expect("still there");
        assert_ne!(changed.session_auth_hash(), alice.session_auth_hash());
        db.bump_epoch(alice.id).await.unwrap();
        assert_eq!(db.user(alice.id).await.unwrap().unwrap().session_epoch, 1);
        db.delete(alice.id).await.unwrap();
        assert!(db.user(alice.id).await.unwrap().is_none());
    }
}
