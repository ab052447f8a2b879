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
    /// From the shard that serves clients: the loaded file without masters, with the options
    /// (`SENTINEL CONFIG SET`) and ACL users as they are now.
    pub front: Option<ConfigFile>,
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
    /// Starts the writer for the config file at `path` (absolute), loaded as `base`, whose
    /// masters are spread over `shards` shards by [`crate::shard_of`].
    pub fn spawn(
        path: PathBuf,
        base: ConfigFile,
        shards: usize,
        logger: Arc<Logger>,
    ) -> Result<Persister, DriverError> {
        let (tx, rx) = mpsc::channel::<PersistJob>();
        let name = "persister".to_string();
        let thread = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || Writer::new(path, base, shards, logger).run(&rx))
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
    /// How many shards the loaded masters were spread over.
    shard_count: usize,
    /// The latest masters of each shard.
    shards: BTreeMap<usize, Vec<MasterConfig>>,
    /// The latest client-side settings (see [`PersistJob::front`]).
    front: Option<ConfigFile>,
    /// The text last written, used if the file cannot be read back.
    last_text: Option<String>,
    logger: Arc<Logger>,
}

impl Writer {
    fn new(path: PathBuf, base: ConfigFile, shard_count: usize, logger: Arc<Logger>) -> Writer {
        Writer {
            path,
            base,
            shard_count,
            shards: BTreeMap::new(),
            front: None,
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
                if job.front.is_some() {
                    self.front = job.front;
                }
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

    /// The config to write: the loaded one (or the front shard's newer client-side settings)
    /// with each shard's masters replacing the loaded masters of the same name, in the loaded
    /// order (masters a shard added go last). A loaded master its shard no longer reports was
    /// removed (`SENTINEL REMOVE`) and is not written.
    fn merged(&self) -> ConfigFile {
        let mut cfg = match &self.front {
            Some(front) => {
                let mut cfg = front.clone();
                cfg.sentinel.current_epoch = self.base.sentinel.current_epoch;
                cfg
            }
            None => self.base.clone(),
        };
        // By name, so the merge stays linear with thousands of masters.
        let mut fresh: HashMap<&str, &MasterConfig> = self
            .shards
            .values()
            .flatten()
            .map(|m| (m.name.as_str(), m))
            .collect();
        let mut masters = Vec::with_capacity(self.base.sentinel.masters.len());
        for old in &self.base.sentinel.masters {
            match fresh.remove(old.name.as_str()) {
                Some(m) => masters.push(m.clone()),
                // Its shard has not reported yet: keep what was loaded.
                None if !self
                    .shards
                    .contains_key(&crate::shard_of(&old.name, self.shard_count)) =>
                {
                    masters.push(old.clone());
                }
                None => {}
            }
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
        let mut w = Writer::new(PathBuf::from("/nonexistent/sentinel.conf"), base, 1, logger);
        let mut moved = MasterConfig::new("b", "10.0.0.9", 6380, 2);
        moved.config_epoch = 3;
        w.shards.insert(
            0,
            vec![
                MasterConfig::new("c", "10.0.0.3", 6379, 1),
                moved.clone(),
                MasterConfig::new("a", "10.0.0.1", 6379, 2),
            ],
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

#[cfg(test)]
mod merge_tests {
    use super::*;

    fn writer(base: ConfigFile, shards: usize) -> Writer {
        let logger =
            Arc::new(Logger::open(None, sentinel_core::event::Level::Warning).expect("log"));
        Writer::new(
            PathBuf::from("/nonexistent/sentinel.conf"),
            base,
            shards,
            logger,
        )
    }

    fn names(cfg: &ConfigFile) -> Vec<&str> {
        cfg.sentinel
            .masters
            .iter()
            .map(|m| m.name.as_str())
            .collect()
    }

    #[test]
    fn a_removed_master_is_dropped_once_its_shard_reports() {
        let mut base = ConfigFile::default();
        let all = ["a", "b", "c", "d", "e", "f"];
        base.sentinel.masters = all
            .iter()
            .map(|n| MasterConfig::new(n, "10.0.0.1", 6379, 2))
            .collect();
        let mut w = writer(base.clone(), 2);
        let on = |shard: usize| -> Vec<MasterConfig> {
            base.sentinel
                .masters
                .iter()
                .filter(|m| crate::shard_of(&m.name, 2) == shard)
                .cloned()
                .collect()
        };
        // Shard 0 reports without its first master; shard 1 has not reported yet.
        let mut zero = on(0);
        assert!(
            !zero.is_empty() && !on(1).is_empty(),
            "both shards own masters"
        );
        let removed = zero.remove(0).name;
        w.shards.insert(0, zero);
        let kept: Vec<&str> = all.iter().copied().filter(|n| *n != removed).collect();
        assert_eq!(names(&w.merged()), kept);
    }

    #[test]
    fn the_front_shard_carries_options_and_users() {
        let mut base = ConfigFile::default();
        base.sentinel.masters = vec![MasterConfig::new("a", "10.0.0.1", 6379, 2)];
        base.sentinel.current_epoch = 4;
        let mut w = writer(base.clone(), 1);
        let mut front = base.clone();
        front.sentinel.masters.clear();
        front.sentinel.announce_port = 26111;
        front.sentinel.current_epoch = 0;
        front.server.users = vec![vec!["bob".into(), "on".into()]];
        w.front = Some(front);
        let merged = w.merged();
        assert_eq!(merged.sentinel.announce_port, 26111);
        assert_eq!(merged.server.users, [vec!["bob".to_string(), "on".into()]]);
        assert_eq!(merged.sentinel.current_epoch, 4);
        assert_eq!(names(&merged), ["a"]);
    }
}
