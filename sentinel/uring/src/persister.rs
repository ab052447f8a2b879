//! The config writer thread: shards send snapshots of their masters, the thread merges them
//! into the loaded config, rewrites the file in place (`config::rewrite`, comments and order
//! kept) and writes it atomically, so no shard ever blocks on the disk. Jobs that queue up
//! while a write is running are committed together by the next write (group commit).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;

use sentinel_core::config::{self, ConfigFile, MasterConfig};
use tokio::sync::mpsc::UnboundedSender;

use crate::error::DriverError;
use crate::input::Control;
use crate::log::Logger;
use crate::persist::{WriteOutcome, write_config_atomically};

/// One shard's state to write.
#[derive(Debug)]
pub struct PersistJob {
    pub shard: usize,
    pub batch: u64,
    pub masters: Vec<MasterConfig>,
    pub current_epoch: u64,
    /// Where to say `Persisted { batch, ok }`; `None` on the final write at shutdown.
    pub reply: Option<UnboundedSender<Control>>,
}

/// How shards reach the persister.
pub type PersistSender = mpsc::Sender<PersistJob>;

/// The running writer thread.
pub struct Persister {
    tx: PersistSender,
    thread: std::thread::JoinHandle<()>,
}

impl Persister {
    /// Starts the writer for the config file at `path` (absolute), loaded as `base`.
    pub fn spawn(
        path: PathBuf,
        base: ConfigFile,
        logger: Arc<Logger>,
    ) -> Result<Persister, DriverError> {
        let (tx, rx) = mpsc::channel::<PersistJob>();
        let name = "persister".to_string();
        let thread = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || Writer::new(path, base, logger).run(&rx))
            .map_err(|source| DriverError::Thread { name, source })?;
        Ok(Persister { tx, thread })
    }

    /// A sender for a shard.
    pub fn sender(&self) -> PersistSender {
        self.tx.clone()
    }

    /// Waits until every job sent so far is written (call after the shards have stopped).
    pub fn finish(self) {
        drop(self.tx);
        let _ = self.thread.join();
    }
}

struct Writer {
    path: PathBuf,
    base: ConfigFile,
    /// The latest masters of each shard.
    shards: BTreeMap<usize, Vec<MasterConfig>>,
    /// The text last written, used if the file cannot be read back.
    last_text: Option<String>,
    logger: Arc<Logger>,
}

impl Writer {
    fn new(path: PathBuf, base: ConfigFile, logger: Arc<Logger>) -> Writer {
        Writer {
            path,
            base,
            shards: BTreeMap::new(),
            last_text: None,
            logger,
        }
    }

    fn run(mut self, rx: &mpsc::Receiver<PersistJob>) {
        while let Ok(first) = rx.recv() {
            let mut jobs = vec![first];
            jobs.extend(rx.try_iter());
            let mut replies = Vec::new();
            for job in jobs {
                self.base.sentinel.current_epoch =
                    self.base.sentinel.current_epoch.max(job.current_epoch);
                self.shards.insert(job.shard, job.masters);
                if let Some(reply) = job.reply {
                    replies.push((reply, job.batch));
                }
            }
            let ok = self.write();
            for (reply, batch) in replies {
                let _ = reply.send(Control::Persisted { batch, ok });
            }
        }
    }

    /// The config to write: the loaded one with each shard's masters replacing the loaded
    /// masters of the same name, in the loaded order (masters a shard added go last).
    fn merged(&self) -> ConfigFile {
        let mut cfg = self.base.clone();
        // By name, so the merge stays linear with thousands of masters.
        let mut fresh: HashMap<&str, &MasterConfig> = self
            .shards
            .values()
            .flatten()
            .map(|m| (m.name.as_str(), m))
            .collect();
        let mut masters = Vec::with_capacity(self.base.sentinel.masters.len());
        for old in &self.base.sentinel.masters {
            // Not reported by any shard (yet): keep what was loaded. (Removing a master at
            // runtime needs the core's snapshot to say so.)
            let m = fresh.remove(old.name.as_str()).unwrap_or(old);
            masters.push(m.clone());
        }
        for m in self.shards.values().flatten() {
            if fresh.remove(m.name.as_str()).is_some() {
                masters.push(m.clone());
            }
        }
        cfg.sentinel.masters = masters;
        cfg
    }

    fn write(&mut self) -> bool {
        let cfg = self.merged();
        let old = std::fs::read_to_string(&self.path)
            .ok()
            .or_else(|| self.last_text.clone())
            .unwrap_or_default();
        let text = config::rewrite(&old, &cfg);
        match write_config_atomically(&self.path, text.as_bytes()) {
            Ok(outcome) => {
                if let WriteOutcome::InPlace { rename_errno } = outcome {
                    self.logger.warning(&format!(
                        "Config file rewritten in place: rename failed (errno {rename_errno})"
                    ));
                }
                self.last_text = Some(text);
                true
            }
            Err(e) => {
                self.logger.warning(&format!(
                    "WARNING: Sentinel was not able to save the new configuration on disk!!!: {e}"
                ));
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_reports_replace_loaded_masters_in_file_order() {
        let mut base = ConfigFile::default();
        base.sentinel.masters = vec![
            MasterConfig::new("a", "10.0.0.1", 6379, 2),
            MasterConfig::new("b", "10.0.0.2", 6379, 2),
        ];
        let logger =
            Arc::new(Logger::open(None, sentinel_core::event::Level::Warning).expect("log"));
        let mut w = Writer::new(PathBuf::from("/nonexistent/sentinel.conf"), base, logger);
        let mut moved = MasterConfig::new("b", "10.0.0.9", 6380, 2);
        moved.config_epoch = 3;
        w.shards.insert(
            0,
            vec![moved.clone(), MasterConfig::new("c", "10.0.0.3", 6379, 1)],
        );
        let names: Vec<String> = w
            .merged()
            .sentinel
            .masters
            .iter()
            .map(|m| format!("{} {}:{}", m.name, m.host, m.port))
            .collect();
        assert_eq!(
            names,
            ["a 10.0.0.1:6379", "b 10.0.0.9:6380", "c 10.0.0.3:6379"]
        );
    }
}
