//! The demo's mailer: every message is a new `.txt` file in the `--outbox` directory
//! (`To:`, `Subject:`, a blank line, the body), or, without one, a log line that names
//! the recipient and the subject but never the body (it holds the link).

use std::{io::Write as _, path::PathBuf};

/// Where messages go.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: Option<PathBuf>,
}

impl Outbox {
    /// Messages into `dir`, or only logged when `None`.
    pub fn new(dir: Option<PathBuf>) -> Outbox {
        Outbox { dir }
    }

    /// Checks that the directory can be written (creating it if needed).
    pub fn prepare(&self) -> std::io::Result<()> {
        match &self.dir {
            Some(dir) => std::fs::create_dir_all(dir),
            None => Ok(()),
        }
    }

    /// The same trip to a blocking thread as [`send`](Outbox::send), sending nothing: for
    /// a request that must take as long as one that sends (a reset for an unknown name).
    pub async fn pass(&self) {
        let _ = actix_web::web::block(|| ()).await;
    }

    /// Sends one message to `to`. Runs on a blocking thread; a new file each time, never
    /// one rewritten.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> std::io::Result<()> {
        let Some(dir) = self.dir.clone() else {
            tracing::info!(to, subject, "message not sent: the demo has no --outbox (its link is not logged)");
            return Ok(());
        };
        let text = format!("To: {to}\nSubject: {subject}\n\n{body}\n");
        actix_web::web::block(move || {
            use rand::RngCore;
            let mut random = [0u8; 8];
            rand::rngs::OsRng.fill_bytes(&mut random);
            let millis =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
            let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
            let path = dir.join(format!("{millis}-{suffix}.txt"));
            // Written under a temporary name and renamed, so a reader never sees half a
            // message; `create_new` never overwrites. No fsync: the answer must take as
            // long as one for an unknown name (see `pass`).
            let partial = dir.join(format!(".{millis}-{suffix}.partial"));
            let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&partial)?;
            file.write_all(text.as_bytes())?;
            drop(file);
            std::fs::rename(&partial, &path)
        })
        .await
        .map_err(std::io::Error::other)?
    }
}
