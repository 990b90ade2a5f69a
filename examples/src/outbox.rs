//! The demo's mailer: every message is a new `.txt` file in the `--outbox` directory
//! (`To:`, `Subject:`, a blank line, the body), or, without one, a log line that names
//! the recipient and the subject but never the body (it holds the link).
//!
//! A request only queues its message; one thread of the outbox's own writes them, in
//! the order queued, every [`DRAIN_EVERY`]. The thread is never woken by a request
//! (a wake-up costs the request a system call, and its writes would run beside the
//! answer), so a request that mails takes no longer than one that does not (a reset
//! for an unknown name), whatever the disk does.

use std::{io::Write as _, path::PathBuf, sync::mpsc, time::Duration};

/// How often the outbox's thread writes what was queued.
pub const DRAIN_EVERY: Duration = Duration::from_millis(20);

/// One message on its way.
struct Message {
    to: String,
    subject: String,
    body: String,
}

/// Where messages go: a queue the outbox's thread drains (it ends with the last
/// clone), or, for apps that tests build themselves, nowhere but the log.
#[derive(Debug, Clone)]
pub struct Outbox {
    queue: Option<mpsc::Sender<Message>>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message").field("to", &self.to).field("subject", &self.subject).finish_non_exhaustive()
    }
}

impl Outbox {
    /// Messages into `dir` (created if need be), or only logged when `None`.
    pub fn new(dir: Option<PathBuf>) -> std::io::Result<Outbox> {
        if let Some(dir) = &dir {
            std::fs::create_dir_all(dir)?;
        }
        let (queue, queued) = mpsc::channel::<Message>();
        std::thread::Builder::new().name("outbox".to_owned()).spawn(move || drain(&queued, dir.as_ref()))?;
        Ok(Outbox { queue: Some(queue) })
    }

    /// An outbox that only logs, in the request (no thread of its own).
    pub fn log_only() -> Outbox {
        Outbox { queue: None }
    }

    /// Queues one message to `to`; it is written (or logged) after the request.
    pub fn send(&self, to: &str, subject: &str, body: String) {
        let message = Message { to: to.to_owned(), subject: subject.to_owned(), body };
        match &self.queue {
            Some(queue) => {
                if queue.send(message).is_err() {
                    tracing::warn!(to, subject, "message not sent: the outbox stopped");
                }
            }
            None => deliver(None, 0, &message),
        }
    }
}

/// Writes the queued messages every [`DRAIN_EVERY`], until every sender is gone.
fn drain(queued: &mpsc::Receiver<Message>, dir: Option<&PathBuf>) {
    let mut seq = 0;
    loop {
        std::thread::sleep(DRAIN_EVERY);
        loop {
            match queued.try_recv() {
                Ok(message) => {
                    deliver(dir, seq, &message);
                    seq += 1;
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => return,
            }
        }
    }
}

/// Writes `message`, the `seq`-th of this outbox, as a new file in `dir`, or logs it
/// without its body.
fn deliver(dir: Option<&PathBuf>, seq: usize, message: &Message) {
    let Message { to, subject, .. } = message;
    let Some(dir) = dir else {
        tracing::info!(to, subject, "message not sent: the demo has no --outbox (its link is not logged)");
        return;
    };
    match write_file(dir, seq, message) {
        Ok(()) => tracing::info!(to, subject, "message written to the outbox"),
        Err(err) => tracing::warn!(to, subject, error = %err, "could not write the message"),
    }
}

/// A new file each time, never one rewritten, named so that names sort in the order
/// sent: written under a temporary name and renamed, so a reader never sees half a
/// message.
fn write_file(dir: &std::path::Path, seq: usize, message: &Message) -> std::io::Result<()> {
    use rand::RngCore;
    let mut random = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!("{millis:015}-{seq:08}-{suffix}.txt"));
    let partial = dir.join(format!(".{millis}-{suffix}.partial"));
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&partial)?;
    write!(file, "To: {}\nSubject: {}\n\n{}\n", message.to, message.subject, message.body)?;
    drop(file);
    std::fs::rename(&partial, &path)
}
