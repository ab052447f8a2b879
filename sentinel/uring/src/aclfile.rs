//! The ACL file IO of `ACL LOAD` / `ACL SAVE` (`Action::ReadAclFile` / `WriteAclFile`), off
//! the shard's event loop: a save fsyncs, which can take long on a busy disk, and the loop
//! must keep timing links meanwhile. One worker thread per shard, started at the first such
//! command, does the jobs in the order they came (two saves land in order) and reports back
//! on the shard's control channel.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;

use tokio::sync::mpsc::UnboundedSender;

use crate::error::DriverError;
use crate::input::Control;
use crate::log::Logger;
use crate::persist::{WriteOutcome, write_config_atomically};

/// One file operation.
#[derive(Debug)]
pub(crate) enum AclJob {
    Read {
        token: u64,
        path: String,
    },
    Write {
        token: u64,
        path: String,
        contents: String,
    },
}

impl AclJob {
    /// What the core hears when the job cannot be done at all.
    pub(crate) fn failed(self, why: &str) -> Control {
        match self {
            AclJob::Read { token, .. } => Control::AclFileRead {
                token,
                contents: Err(why.to_string()),
            },
            AclJob::Write { token, .. } => Control::AclFileWritten { token, ok: false },
        }
    }
}

/// The running worker.
pub(crate) struct AclFiles {
    tx: mpsc::Sender<AclJob>,
    thread: std::thread::JoinHandle<()>,
}

impl AclFiles {
    pub(crate) fn spawn(
        shard: usize,
        reply: UnboundedSender<Control>,
        logger: Arc<Logger>,
    ) -> Result<AclFiles, DriverError> {
        let (tx, rx) = mpsc::channel::<AclJob>();
        let name = format!("aclfile-{shard}");
        let thread = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                for job in rx {
                    if reply.send(perform(job, &logger)).is_err() {
                        break;
                    }
                }
            })
            .map_err(|source| DriverError::Thread { name, source })?;
        Ok(AclFiles { tx, thread })
    }

    /// Queues `job`; gives it back if the worker is gone.
    pub(crate) fn send(&self, job: AclJob) -> Result<(), AclJob> {
        self.tx.send(job).map_err(|e| e.0)
    }

    /// Waits for the jobs already queued (a save under way finishes before the process exits).
    pub(crate) fn finish(self) {
        drop(self.tx);
        let _ = self.thread.join();
    }
}

/// strerror's text for an IO error, without Rust's ` (os error N)`.
fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text,
    }
}

fn perform(job: AclJob, logger: &Logger) -> Control {
    match job {
        AclJob::Read { token, path } => Control::AclFileRead {
            token,
            contents: std::fs::read(&path).map_err(|e| strerror(&e)),
        },
        AclJob::Write {
            token,
            path,
            contents,
        } => {
            let ok = match write_config_atomically(Path::new(&path), contents.as_bytes()) {
                Ok(WriteOutcome::Renamed) => true,
                Ok(WriteOutcome::InPlace { rename_errno }) => {
                    logger.warning(&format!(
                        "ACL file {path} rewritten in place: rename failed (errno {rename_errno})"
                    ));
                    true
                }
                Err(e) => {
                    logger.warning(&format!("Saving the ACL file {path} for ACL SAVE: {e}"));
                    false
                }
            };
            Control::AclFileWritten { token, ok }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logger() -> Arc<Logger> {
        Arc::new(Logger::open(None, sentinel_core::event::Level::Warning).unwrap())
    }

    fn run(job: AclJob) -> Control {
        perform(job, &logger())
    }

    #[test]
    fn reads_writes_and_says_why_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.acl").display().to_string();
        match run(AclJob::Read {
            token: 1,
            path: path.clone(),
        }) {
            Control::AclFileRead { token: 1, contents } => {
                assert_eq!(contents, Err("No such file or directory".to_string()));
            }
            other => panic!("{other:?}"),
        }
        match run(AclJob::Write {
            token: 2,
            path: path.clone(),
            contents: "user default on nopass ~* &* +@all\n".into(),
        }) {
            Control::AclFileWritten { token: 2, ok } => assert!(ok),
            other => panic!("{other:?}"),
        }
        match run(AclJob::Read { token: 3, path }) {
            Control::AclFileRead { token: 3, contents } => {
                assert_eq!(
                    contents.as_deref(),
                    Ok(&b"user default on nopass ~* &* +@all\n"[..])
                );
            }
            other => panic!("{other:?}"),
        }
        // No temp file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // A directory where the file should be: the write fails (and is logged).
        let blocked = dir.path().join("blocked");
        std::fs::create_dir(&blocked).unwrap();
        std::fs::write(blocked.join("x"), "keep the directory non-empty").unwrap();
        match run(AclJob::Write {
            token: 4,
            path: blocked.display().to_string(),
            contents: String::new(),
        }) {
            Control::AclFileWritten { token: 4, ok } => assert!(!ok),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_worker_answers_in_order_on_the_control_channel() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.acl").display().to_string();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let worker = AclFiles::spawn(0, tx, logger()).unwrap();
        for (token, text) in [(1, "first\n"), (2, "second\n")] {
            worker
                .send(AclJob::Write {
                    token,
                    path: path.clone(),
                    contents: text.into(),
                })
                .unwrap();
        }
        worker.finish();
        let mut tokens = Vec::new();
        while let Ok(c) = rx.try_recv() {
            match c {
                Control::AclFileWritten { token, ok: true } => tokens.push(token),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(tokens, [1, 2]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second\n");
    }
}
