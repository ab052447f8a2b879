//! The script queue (spec §3.10): notification and client-reconfig scripts wait here, at most
//! `Limits::script_queue_max` of them (the oldest waiting one is dropped when full); at most
//! `Limits::scripts_running_max` run at once; one running longer than
//! `Timing::script_max_runtime` is killed; a failure that asks for it (exit 1 or a signal) is
//! retried with a doubling delay, up to [`MAX_RUNS`] runs in all.
//!
//! The core only decides: the driver runs the process (`Action::RunScript`), reports its pid
//! (`handle_script_started`) and its end (`handle_script_exited`), and kills it when asked
//! (`Action::KillScript`).

use std::collections::VecDeque;
use std::time::Duration;

use crate::action::{Action, ScriptExit};
use crate::event::{self, Level};
use crate::instance::{MasterId, Owner};
use crate::resp::Frame;
use crate::time::Instant;

use super::Sentinel;

/// Runs of one job, the first included (`SENTINEL_SCRIPT_MAX_RETRY`).
pub(crate) const MAX_RUNS: u32 = 10;

/// Where a job is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum JobState {
    /// Waiting for a running slot; a retry also waits until `not_before`.
    Scheduled { not_before: Option<Instant> },
    /// Handed to the driver at `started`; `pid` once the driver reported it.
    Running {
        started: Instant,
        pid: Option<u32>,
        kill_sent: bool,
    },
}

#[derive(Clone, Debug)]
struct Job {
    id: u64,
    argv: Vec<String>,
    state: JobState,
    /// Runs started so far.
    runs: u32,
}

/// The queue of one sentinel, oldest first.
#[derive(Debug, Default)]
pub(crate) struct ScriptQueue {
    jobs: VecDeque<Job>,
    next_id: u64,
}

impl ScriptQueue {
    fn running(&self) -> usize {
        self.jobs
            .iter()
            .filter(|j| matches!(j.state, JobState::Running { .. }))
            .count()
    }

    fn position(&self, id: u64) -> Option<usize> {
        self.jobs.iter().position(|j| j.id == id)
    }

    /// The earliest moment the queue needs attention without new input: a retry becoming due
    /// or a running script reaching its maximum run time.
    fn next_deadline(&self, max_runtime: Duration, running_max: usize) -> Option<Instant> {
        let slot_free = self.running() < running_max;
        self.jobs
            .iter()
            .filter_map(|j| match j.state {
                JobState::Scheduled { .. } if !slot_free => None,
                JobState::Scheduled { not_before } => Some(not_before.unwrap_or(Instant::ZERO)),
                JobState::Running {
                    started,
                    kill_sent: false,
                    ..
                } => Some(started + max_runtime),
                JobState::Running { .. } => None,
            })
            .min()
    }
}

/// The delay before run `runs + 1` after run `runs` failed: the base delay doubled for each
/// run after the first (sentinel.c `sentinelScriptRetryDelay`).
pub(crate) fn retry_delay(base: Duration, runs: u32) -> Duration {
    let doublings = runs.saturating_sub(1).min(31);
    base.saturating_mul(1u32 << doublings)
}

impl Sentinel {
    /// Queues a script run. It starts on the next `handle_timeout` (`poll_timeout` says "now"
    /// while a slot is free), so event emitters need no clock.
    pub(crate) fn schedule_script(&mut self, argv: Vec<String>) {
        let q = &mut self.scripts;
        q.next_id += 1;
        let id = q.next_id;
        q.jobs.push_back(Job {
            id,
            argv,
            state: JobState::Scheduled { not_before: None },
            runs: 0,
        });
        if q.jobs.len() > self.params.limits.script_queue_max
            && let Some(oldest) = q
                .jobs
                .iter()
                .position(|j| matches!(j.state, JobState::Scheduled { .. }))
        {
            q.jobs.remove(oldest);
        }
    }

    /// The master whose scripts an event about `owner` runs.
    fn master_of(&self, owner: Owner) -> Option<MasterId> {
        match owner {
            Owner::Master(mid) | Owner::Replica(mid, _) => Some(mid),
            Owner::Peer(pid) => self.peers.get(pid)?.masters.first().copied(),
        }
    }

    /// A WARNING-level event about an instance runs its master's notification script with
    /// `<event-type> <event-message>`.
    pub(crate) fn notify_script(&mut self, owner: Owner, ev: &event::Event) {
        if ev.level != Level::Warning {
            return;
        }
        let Some(mid) = self.master_of(owner) else {
            return;
        };
        self.notify_master_script(mid, ev);
    }

    pub(crate) fn notify_master_script(&mut self, mid: MasterId, ev: &event::Event) {
        if ev.level != Level::Warning {
            return;
        }
        let Some(path) = self
            .masters
            .get(mid)
            .and_then(|m| m.params.notification_script.clone())
        else {
            return;
        };
        self.schedule_script(vec![path, ev.channel.to_owned(), ev.message.clone()]);
    }

    /// The client-reconfig script of `mid`: `<master-name> <leader|observer> start <from-ip>
    /// <from-port> <to-ip> <to-port>`.
    pub(crate) fn client_reconfig_script(
        &mut self,
        mid: MasterId,
        leader: bool,
        from: &crate::addr::Addr,
        to: &crate::addr::Addr,
    ) {
        let Some(m) = self.masters.get(mid) else {
            return;
        };
        let Some(path) = m.params.client_reconfig_script.clone() else {
            return;
        };
        let argv = vec![
            path,
            m.params.name.clone(),
            if leader { "leader" } else { "observer" }.to_owned(),
            "start".to_owned(),
            self.shown_host(&from.host).to_string(),
            from.port.to_string(),
            self.shown_host(&to.host).to_string(),
            to.port.to_string(),
        ];
        self.schedule_script(argv);
    }

    /// Starts waiting jobs, oldest first, while slots are free.
    fn run_pending_scripts(&mut self, now: Instant) {
        if self.exiting {
            return;
        }
        let max = self.params.limits.scripts_running_max;
        let mut running = self.scripts.running();
        let mut started = Vec::new();
        for job in self.scripts.jobs.iter_mut() {
            if running >= max {
                break;
            }
            let JobState::Scheduled { not_before } = job.state else {
                continue;
            };
            if not_before.is_some_and(|t| t > now) {
                continue;
            }
            job.state = JobState::Running {
                started: now,
                pid: None,
                kill_sent: false,
            };
            job.runs += 1;
            running += 1;
            started.push(Action::RunScript {
                id: job.id,
                argv: job.argv.clone(),
            });
        }
        self.actions.extend(started);
    }

    /// The driver started script `id` as process `pid`.
    pub fn handle_script_started(&mut self, _now: Instant, id: u64, pid: u32) {
        let Some(i) = self.scripts.position(id) else {
            return;
        };
        if let JobState::Running { pid: p, .. } = &mut self.scripts.jobs[i].state {
            *p = Some(pid);
        }
        self.emit(event::plain(Level::Debug, "+script-child", pid.to_string()));
    }

    /// Script `id` ended (a spawn failure is reported as exit code 2, as the child of a
    /// failed `execve` exits in Redis).
    pub fn handle_script_exited(&mut self, now: Instant, id: u64, exit: ScriptExit) {
        let Some(i) = self.scripts.position(id) else {
            return;
        };
        let (code, signal) = match exit {
            ScriptExit::Code(c) => (c, 0),
            ScriptExit::Signal(s) => (0, s),
        };
        let job = &mut self.scripts.jobs[i];
        let pid = match job.state {
            JobState::Running { pid, .. } => pid.unwrap_or(0),
            JobState::Scheduled { .. } => return,
        };
        self.emit(event::plain(
            Level::Debug,
            "-script-child",
            format!("{pid} {code} {signal}"),
        ));
        let job = &mut self.scripts.jobs[i];
        if (signal != 0 || code == 1) && job.runs < MAX_RUNS {
            let delay = retry_delay(self.params.timing.script_retry_delay, job.runs);
            job.state = JobState::Scheduled {
                not_before: Some(now + delay),
            };
        } else {
            let path = job.argv.first().cloned().unwrap_or_default();
            self.scripts.jobs.remove(i);
            if signal != 0 || code != 0 {
                self.emit(event::plain(
                    Level::Warning,
                    "-script-error",
                    format!("{path} {signal} {code}"),
                ));
            }
        }
        self.run_pending_scripts(now);
    }

    /// Kills scripts past their maximum run time; their exit comes back as a signal.
    fn kill_timedout_scripts(&mut self, now: Instant) {
        let max = self.params.timing.script_max_runtime;
        let mut out = Vec::new();
        for job in self.scripts.jobs.iter_mut() {
            if let JobState::Running {
                started,
                pid,
                kill_sent,
            } = &mut job.state
                && !*kill_sent
                && now.saturating_since(*started) >= max
            {
                *kill_sent = true;
                let path = job.argv.first().cloned().unwrap_or_default();
                out.push((
                    event::plain(
                        Level::Warning,
                        "-script-timeout",
                        format!("{path} {}", pid.unwrap_or(0)),
                    ),
                    job.id,
                ));
            }
        }
        for (ev, id) in out {
            self.emit(ev);
            self.actions.push_back(Action::KillScript { id });
        }
    }

    /// Timer work of the queue: kills and due retries.
    pub(crate) fn service_scripts(&mut self, now: Instant) {
        self.kill_timedout_scripts(now);
        self.run_pending_scripts(now);
    }

    pub(crate) fn next_script_deadline(&self) -> Option<Instant> {
        self.scripts.next_deadline(
            self.params.timing.script_max_runtime,
            self.params.limits.scripts_running_max,
        )
    }

    /// `sentinel_running_scripts` and `sentinel_scripts_queue_length`.
    pub(crate) fn script_counts(&self) -> (usize, usize) {
        (self.scripts.running(), self.scripts.jobs.len())
    }

    /// `SENTINEL PENDING-SCRIPTS`.
    pub(crate) fn pending_scripts(&self, now: Instant) -> Frame {
        let num = |n: u64| Frame::bulk(n.to_string());
        let jobs = self
            .scripts
            .jobs
            .iter()
            .map(|j| {
                let argv = Frame::Array(j.argv.iter().map(Frame::bulk).collect());
                let (flags, pid, time_key, time) = match j.state {
                    JobState::Running { started, pid, .. } => (
                        "running",
                        pid.unwrap_or(0),
                        "run-time",
                        now.millis_since(started),
                    ),
                    JobState::Scheduled { not_before } => (
                        "scheduled",
                        0,
                        "run-delay",
                        not_before.map_or(0, |t| t.millis_since(now)),
                    ),
                };
                Frame::Map(vec![
                    (Frame::bulk("argv"), argv),
                    (Frame::bulk("flags"), Frame::bulk(flags)),
                    (Frame::bulk("pid"), num(u64::from(pid))),
                    (Frame::bulk(time_key), num(time)),
                    (Frame::bulk("retry-num"), num(u64::from(j.runs))),
                ])
            })
            .collect();
        Frame::Array(jobs)
    }
}

#[cfg(test)]
mod tests;
