//! A shard: one OS thread running a tokio-uring runtime that owns one sans-IO `Sentinel` core.
//!
//! The loop sleeps until the core's next deadline or an input, feeds the input to the matching
//! `handle_*` call with `now` from the shard's monotonic clock, then drains `poll_action` and
//! carries each action out. Only this loop touches the core; link and client tasks talk to it
//! through a bounded channel (back-pressure reaches their sockets), other threads through an
//! unbounded control channel that carries a handful of messages.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use sentinel_core::action::Action;
use sentinel_core::config::SentinelConfig;
use sentinel_core::link::LinkId;
use sentinel_core::resp::encode_request;
use sentinel_core::{Limits, Sentinel, SentinelParams, WallMillis};
use tokio::sync::mpsc::{self, Receiver, Sender, UnboundedReceiver, UnboundedSender};

use crate::aclfile::{AclFiles, AclJob};
use crate::client_task::{AcceptShared, accept_loop, unix_accept_loop};
use crate::clients::Clients;
use crate::clock::Clock;
use crate::error::DriverError;
use crate::input::{Control, Input};
use crate::link_task::LinkTask;
use crate::log::Logger;
use crate::outbox::Outbox;
use crate::persister::{PersistJob, PersistSender};
use crate::router::Router;

/// Inputs queued from the shard's own tasks before they wait (back-pressure).
const INPUT_QUEUE: usize = 4096;
/// Inputs handled before the core's timers get another look.
const INPUT_BATCH: usize = 256;

/// What the process does when the core asks it to stop: the binary decides (flush, remove the
/// pid file, exit), not the driver.
pub trait ProcessControl: Send + Sync {
    /// `SHUTDOWN`: stop cleanly, as on SIGTERM.
    fn shutdown(&self);
    /// Exit at once with `code` (`SENTINEL SIMULATE-FAILURE`).
    fn exit(&self, code: i32);
}

/// Everything a shard starts with.
pub struct ShardSpec {
    pub index: usize,
    pub params: SentinelParams,
    /// The sentinel section of the config with only the masters hashed to this shard: what
    /// the core loads (settings and persisted state) and the base of what it persists.
    pub config: SentinelConfig,
    /// The whole loaded config (ordinary directives: requirepass, users) for the client side.
    pub file: sentinel_core::config::ConfigFile,
    /// With `aclfile`: the users the binary loaded from it at start-up (they replace those of
    /// `file`).
    pub acl: Option<sentinel_core::acl::Acl>,
    /// What INFO shows about the process.
    pub process_facts: crate::procinfo::ProcessFacts,
    /// Client listeners (only the shard that serves clients gets any).
    pub listeners: Vec<std::net::TcpListener>,
    /// `tls-port` listeners, likewise; their clients speak TLS (`tls.server`).
    pub tls_listeners: Vec<std::net::TcpListener>,
    /// The `unixsocket` listener, likewise.
    pub unix_listener: Option<crate::listen::UnixListen>,
    /// TLS contexts when `tls-port` or `tls-replication` asks for them.
    pub tls: Option<crate::tls::TlsContexts>,
    /// How long a link's TCP connect may take before it counts as failed. The core retries a
    /// broken link once per ping period and measures SDOWN from the first attempt, so this only
    /// bounds how long a hung SYN holds a socket.
    pub connect_timeout: Duration,
    pub logger: Arc<Logger>,
    pub persister: Option<PersistSender>,
    pub clock: Clock,
    pub process: Arc<dyn ProcessControl>,
    /// Carries out VIP ownership; `None`: VIPs are not handled on this host (not root, no
    /// program, or none configured) and the core's VIP actions are only logged.
    pub vip: Option<Arc<dyn crate::vip::VipControl>>,
    /// The process's current epoch, shared by all shards.
    pub epoch: sentinel_core::EpochCounter,
}

/// The other threads' handle on a running shard.
pub struct ShardHandle {
    control: UnboundedSender<Control>,
    thread: std::thread::JoinHandle<()>,
}

impl ShardHandle {
    /// Asks the shard to stop (it persists one last time) and waits for its thread.
    pub fn shutdown(self) {
        let _ = self.control.send(Control::Shutdown);
        let _ = self.thread.join();
    }
}

/// Starts a shard alone on its own thread.
pub fn spawn(spec: ShardSpec) -> Result<ShardHandle, DriverError> {
    let name = format!("shard-{}", spec.index);
    spawn_all(vec![spec])?.pop().ok_or(DriverError::Thread {
        name,
        source: std::io::Error::other("no shard started"),
    })
}

/// Starts every shard, each on its own thread; `specs[i].index` must be `i`. Shard 0 (the
/// front) serves clients and forwards to the others what they own.
pub fn spawn_all(specs: Vec<ShardSpec>) -> Result<Vec<ShardHandle>, DriverError> {
    let (senders, receivers): (Vec<_>, Vec<_>) =
        specs.iter().map(|_| mpsc::unbounded_channel()).unzip();
    let senders: Arc<[UnboundedSender<Control>]> = senders.into();
    let mut handles = Vec::with_capacity(specs.len());
    for (spec, control_rx) in specs.into_iter().zip(receivers) {
        let index = spec.index;
        let name = format!("shard-{index}");
        let router = Router::new(index, senders.clone());
        let control_tx = senders[index].clone();
        let reply_to = control_tx.clone();
        let thread = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                tokio_uring::start(run(spec, control_rx, reply_to, router));
            })
            .map_err(|source| DriverError::Thread { name, source })?;
        handles.push(ShardHandle {
            control: control_tx,
            thread,
        });
    }
    Ok(handles)
}

/// State of config writes: at most one job in flight; tokens that arrive meanwhile wait and
/// are committed together by the next job (group commit).
#[derive(Default)]
struct PersistState {
    next_batch: u64,
    in_flight: Option<(u64, Vec<u64>)>,
    waiting: Vec<u64>,
}

/// An open link: the driver's serial number of the connection and its output.
struct LinkConn {
    conn: u64,
    outbox: Rc<Outbox>,
}

struct Shard {
    index: usize,
    core: Sentinel,
    clock: Clock,
    limits: Limits,
    connect_timeout: Duration,
    /// `tls-replication yes`: links speak TLS.
    link_tls: Option<Arc<rustls::ClientConfig>>,
    /// `bind-source-addr`.
    bind_source: Option<std::net::IpAddr>,
    links: HashMap<LinkId, LinkConn>,
    next_conn: u64,
    clients: Clients,
    logger: Arc<Logger>,
    tx: Sender<Input>,
    persister: Option<PersistSender>,
    reply_to: UnboundedSender<Control>,
    config: SentinelConfig,
    /// The loaded file without its masters: the base of the client-side settings (options,
    /// ACL users) the front shard persists.
    client_base: sentinel_core::config::ConfigFile,
    process_facts: crate::procinfo::ProcessFacts,
    persist: PersistState,
    process: Arc<dyn ProcessControl>,
    scripts: crate::scripts::Scripts,
    vip: Option<Arc<dyn crate::vip::VipControl>>,
    router: Router,
    stopping: bool,
    /// This shard owns the client listeners (and so the client-side settings).
    accepts_clients: bool,
    /// The `ACL LOAD` / `ACL SAVE` file worker, once one was needed.
    acl_files: Option<AclFiles>,
}

/// The wall clock, for TILT detection only.
fn wall_now() -> WallMillis {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    WallMillis(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
}

async fn run(
    spec: ShardSpec,
    mut control: UnboundedReceiver<Control>,
    reply_to: UnboundedSender<Control>,
    router: Router,
) {
    let (tx, mut rx) = mpsc::channel::<Input>(INPUT_QUEUE);
    let limits = spec.params.limits.clone();
    let logger = spec.logger.clone();
    logger.notice(&format!(
        "Shard {} started: {} master(s), PRNG seed {}",
        spec.index,
        spec.config.masters.len(),
        spec.params.seed
    ));
    let mut core = Sentinel::new(spec.params);
    core.set_shards(spec.index, router.count());
    core.set_epoch_counter(spec.epoch.clone());
    let now = spec.clock.now();
    // The first wall-clock report starts the core's TILT checks (it then asks for more
    // through `poll_timeout`).
    core.observe_wall_clock(now, wall_now());
    if let Err(e) = core.apply_client_config(&spec.file) {
        logger.warning(&format!("Can't apply the client configuration: {e}"));
    }
    if let Some(acl) = spec.acl {
        *core.acl_mut() = acl;
    }
    core.set_executable_check(crate::procinfo::is_executable);
    core.set_resolver(crate::procinfo::resolve_host);
    core.set_process_info(crate::procinfo::current(&spec.process_facts));
    // Without a way to carry VIP decisions out, the core must not claim VIPs (nor publish
    // +vip-acquired): with no local addresses, no master is ever on this host.
    let local_addresses = spec.vip.is_some().then(crate::vip::local_addresses);
    if let Some(addrs) = &local_addresses {
        core.set_local_addresses(now, addrs.iter().cloned());
    }
    match core.load_config(now, &spec.config) {
        // `+monitor` per master: logged when the actions are drained, and handed to the
        // notification scripts.
        Ok(()) => core.announce_monitored(),
        Err(e) => logger.warning(&format!("Can't monitor: {e}")),
    }

    // Control messages from other threads join the local input stream.
    let forward_tx = tx.clone();
    tokio_uring::spawn(async move {
        while let Some(msg) = control.recv().await {
            if forward_tx.send(Input::Control(msg)).await.is_err() {
                break;
            }
        }
    });

    // A master address added to (or removed from) this host later is seen within a refresh.
    if let Some(mut known) = local_addresses {
        let refresh_tx = tx.clone();
        tokio_uring::spawn(async move {
            loop {
                tokio::time::sleep(crate::vip::LOCAL_ADDRESSES_REFRESH).await;
                let addrs = crate::vip::local_addresses();
                if addrs != known {
                    known = addrs.clone();
                    if refresh_tx.send(Input::LocalAddresses(addrs)).await.is_err() {
                        break;
                    }
                }
            }
        });
    }

    let connected = Rc::new(std::cell::Cell::new(0usize));
    let accept = Rc::new(AcceptShared {
        next_id: std::cell::Cell::new(0),
        connected: connected.clone(),
        clients_max: limits.clients_max,
        limits: limits.clone(),
        tx: tx.clone(),
    });
    let accepts_clients = !spec.listeners.is_empty()
        || !spec.tls_listeners.is_empty()
        || spec.unix_listener.is_some();
    let server_tls = spec.tls.as_ref().and_then(|t| t.server.clone());
    let plain = spec.listeners.into_iter().map(|l| (l, None));
    let tls = spec
        .tls_listeners
        .into_iter()
        .filter_map(|l| Some((l, Some(server_tls.clone()?))));
    for (l, tls) in plain.chain(tls) {
        let listener = tokio_uring::net::TcpListener::from_std(l);
        tokio_uring::spawn(accept_loop(listener, accept.clone(), tls));
    }
    if let Some(unix) = spec.unix_listener {
        tokio_uring::spawn(unix_accept_loop(unix.listener, unix.path, accept.clone()));
    }

    let mut shard = Shard {
        index: spec.index,
        core,
        clock: spec.clock,
        clients: Clients::new(connected, limits.client_output_max),
        limits,
        connect_timeout: spec.connect_timeout,
        link_tls: spec.tls.and_then(|t| t.client),
        bind_source: spec.file.server.bind_source_addr(),
        links: HashMap::new(),
        next_conn: 0,
        logger,
        tx,
        persister: spec.persister,
        reply_to,
        config: spec.config,
        client_base: sentinel_core::config::ConfigFile {
            sentinel: SentinelConfig {
                masters: Vec::new(),
                ..spec.file.sentinel
            },
            ..spec.file
        },
        process_facts: spec.process_facts,
        persist: PersistState::default(),
        process: spec.process,
        scripts: crate::scripts::Scripts::default(),
        vip: spec.vip,
        router,
        stopping: false,
        accepts_clients,
        acl_files: None,
    };
    shard.run(&mut rx).await;
}

impl Shard {
    async fn run(&mut self, rx: &mut Receiver<Input>) {
        loop {
            let now = self.clock.now();
            if self.core.poll_timeout().is_some_and(|at| at <= now) {
                self.core.observe_wall_clock(now, wall_now());
                self.core.handle_timeout(now);
            }
            self.drain();
            if self.stopping {
                break;
            }
            let received = match self.core.poll_timeout() {
                Some(at) => {
                    match tokio::time::timeout_at(self.clock.deadline(at), rx.recv()).await {
                        Ok(received) => received,
                        // The deadline came first: the loop top services it.
                        Err(_) => continue,
                    }
                }
                None => rx.recv().await,
            };
            let Some(first) = received else { break };
            self.handle(first);
            for _ in 1..INPUT_BATCH {
                match rx.try_recv() {
                    Ok(input) => self.handle(input),
                    Err(_) => break,
                }
            }
        }
        self.finish();
    }

    fn handle(&mut self, input: Input) {
        let now = self.clock.now();
        match input {
            Input::LinkUp {
                link,
                conn,
                local_ip,
            } => {
                if self.is_current(link, conn) {
                    self.core.handle_link_up(now, link, local_ip);
                }
            }
            Input::LinkReply { link, conn, frame } => {
                if self.is_current(link, conn) {
                    self.core.handle_reply(now, link, frame);
                }
            }
            Input::LinkDown { link, conn } => {
                if self.is_current(link, conn) {
                    self.links.remove(&link);
                    self.core.handle_link_down(now, link);
                }
            }
            Input::ClientNew {
                client,
                outbox,
                origin,
            } => {
                self.clients.add(client, outbox);
                self.core.handle_client_connected(now, client, origin);
            }
            // A client the core turned away (or closed) may have sent commands already: they
            // are not run.
            Input::ClientCommand { client, .. } if !self.clients.contains(client) => {}
            Input::ClientCommand { client, args } => {
                if args
                    .first()
                    .is_some_and(|c| c.eq_ignore_ascii_case(b"info"))
                {
                    self.core
                        .set_process_info(crate::procinfo::current(&self.process_facts));
                }
                self.core.handle_client_command(now, client, args);
            }
            Input::ClientProtocolError { client, text } => {
                self.logger
                    .verbose(&format!("Protocol error from client: {text}"));
                self.clients.protocol_error(client, &text);
                self.core.handle_client_closed(now, client);
            }
            Input::ClientGone { client } => {
                self.clients.remove(client);
                self.core.handle_client_closed(now, client);
            }
            Input::Control(Control::Persisted { batch, ok }) => {
                if let Some((b, tokens)) = self.persist.in_flight.take() {
                    if b == batch {
                        for token in tokens {
                            self.core.handle_persisted(now, token, ok);
                        }
                    } else {
                        self.persist.in_flight = Some((b, tokens));
                    }
                }
            }
            Input::Control(Control::Shutdown) => self.stopping = true,
            Input::LocalAddresses(addrs) => {
                self.logger
                    .verbose(&format!("Local addresses now: {}", addrs.join(" ")));
                self.core.set_local_addresses(now, addrs);
            }
            Input::Control(Control::ScriptExited { id, exit }) => {
                self.scripts.exited(id);
                self.core.handle_script_exited(now, id, exit);
            }
            Input::Control(Control::Forward { request, args }) => {
                self.core.handle_forwarded(now, request, args);
            }
            Input::Control(Control::ForwardReply {
                shard,
                request,
                frame,
            }) => self.core.handle_forwarded_reply(now, request, shard, frame),
            Input::Control(Control::Event(event)) => self.core.handle_shard_event(&event),
            Input::Control(Control::AclFileRead { token, contents }) => {
                self.core.handle_acl_file_read(
                    now,
                    token,
                    contents.as_deref().map_err(String::as_str),
                );
            }
            Input::Control(Control::AclFileWritten { token, ok }) => {
                self.core.handle_acl_file_written(now, token, ok);
            }
        }
    }

    fn is_current(&self, link: LinkId, conn: u64) -> bool {
        self.links.get(&link).is_some_and(|l| l.conn == conn)
    }

    /// Carries out every action the core has for us.
    fn drain(&mut self) {
        while let Some(action) = self.core.poll_action() {
            self.perform(action);
        }
        self.dispatch_persist();
    }

    fn perform(&mut self, action: Action) {
        match action {
            Action::Connect { link, addr } => {
                self.next_conn += 1;
                let outbox = Outbox::new();
                if let Some(old) = self.links.insert(
                    link,
                    LinkConn {
                        conn: self.next_conn,
                        outbox: outbox.clone(),
                    },
                ) {
                    old.outbox.abort();
                }
                tokio_uring::spawn(
                    LinkTask {
                        link,
                        conn: self.next_conn,
                        addr,
                        outbox,
                        tx: self.tx.clone(),
                        limits: self.limits.clone(),
                        connect_timeout: self.connect_timeout,
                        tls: self.link_tls.clone(),
                        bind_source: self.bind_source,
                    }
                    .run(),
                );
            }
            Action::Send { link, args } => {
                if let Some(l) = self.links.get(&link) {
                    l.outbox.push(|buf| encode_request(&args, buf));
                }
            }
            Action::Close { link } => {
                if let Some(l) = self.links.remove(&link) {
                    l.outbox.abort();
                }
            }
            // Subscribers get events from the core as replies; the driver only logs them, and
            // hands those of other shards to the front, where the subscribers are.
            Action::Publish(event) => {
                self.logger.log(event.level, &event.to_string());
                if !self.router.is_front() && event.is_published() {
                    self.router.publish(event);
                }
            }
            Action::Forward {
                shard,
                request,
                args,
            } => {
                if !self.router.forward(shard, request, args) {
                    let frame = sentinel_core::resp::Frame::error("ERR shard unavailable");
                    self.core
                        .handle_forwarded_reply(self.clock.now(), request, shard, frame);
                }
            }
            Action::ForwardReply { request, frame } => {
                self.router.answer(request, frame);
            }
            Action::Reply { client, frame } => {
                let proto = self.core.client_protocol(client);
                if !self.clients.send(client, &frame, proto) {
                    self.core.handle_client_closed(self.clock.now(), client);
                }
            }
            Action::CloseClient { client } => {
                self.clients.remove(client);
                self.core.handle_client_closed(self.clock.now(), client);
            }
            Action::Shutdown => self.process.shutdown(),
            Action::Exit { code } => {
                self.logger.warning(&format!(
                    "Exiting with status {code} as asked (simulated failure)"
                ));
                // Redis has written its config by the time it exits (the core asked for that
                // write just before): so do we.
                self.write_config_now();
                self.process.exit(code);
            }
            Action::RunScript { id, argv } => {
                let now = self.clock.now();
                match self.scripts.run(id, &argv, self.reply_to.clone()) {
                    Ok(pid) => self.core.handle_script_started(now, id, pid),
                    Err(e) => {
                        self.logger.warning(&format!(
                            "Can't run script {}: {e}",
                            argv.first().map_or("", String::as_str)
                        ));
                        // As the child of a failed execve does in Redis: exit 2, no retry.
                        self.core
                            .handle_script_exited(now, id, sentinel_core::ScriptExit::Code(2));
                    }
                }
            }
            Action::KillScript { id } => self.scripts.kill(id),
            Action::VipOwn {
                vip,
                interface,
                lease,
                announce,
            } => {
                if let Some(control) = &self.vip
                    && let Err(e) = control.own(vip, &interface, lease, announce)
                {
                    self.logger
                        .warning(&format!("Can't claim VIP {vip} on {interface}: {e}"));
                }
            }
            Action::VipRelease { vip, interface } => {
                if let Some(control) = &self.vip
                    && let Err(e) = control.release(vip, &interface)
                {
                    self.logger
                        .warning(&format!("Can't release VIP {vip} on {interface}: {e}"));
                }
            }
            Action::VipForget { vip, interface } => {
                if let Some(control) = &self.vip
                    && let Err(e) = control.forget(vip, &interface)
                {
                    self.logger
                        .warning(&format!("Can't forget VIP {vip} on {interface}: {e}"));
                }
            }
            Action::ReadAclFile { token, path } => self.acl_file_job(AclJob::Read { token, path }),
            Action::WriteAclFile {
                token,
                path,
                contents,
            } => self.acl_file_job(AclJob::Write {
                token,
                path,
                contents,
            }),
            Action::Persist { token } => {
                if self.persister.is_some() {
                    self.persist.waiting.push(token);
                } else {
                    // No config file to write (tests that run a bare shard): durable enough.
                    self.core.handle_persisted(self.clock.now(), token, true);
                }
            }
        }
    }

    /// Hands an ACL file job to the worker (started now if this is the first); if there is
    /// no worker, the core hears at once that the job failed.
    fn acl_file_job(&mut self, job: AclJob) {
        if self.acl_files.is_none() {
            match AclFiles::spawn(self.index, self.reply_to.clone(), self.logger.clone()) {
                Ok(w) => self.acl_files = Some(w),
                Err(e) => self.logger.warning(&e.to_string()),
            }
        }
        let failed = match &self.acl_files {
            Some(w) => match w.send(job) {
                Ok(()) => return,
                Err(job) => job.failed("the ACL file worker is gone"),
            },
            None => job.failed("the ACL file worker could not start"),
        };
        self.handle(Input::Control(failed));
    }

    /// Sends the waiting persist tokens as one job if none is in flight.
    fn dispatch_persist(&mut self) {
        if self.persist.in_flight.is_some() || self.persist.waiting.is_empty() {
            return;
        }
        let Some(persister) = &self.persister else {
            return;
        };
        self.persist.next_batch += 1;
        let batch = self.persist.next_batch;
        let tokens = std::mem::take(&mut self.persist.waiting);
        let job = self.job(batch, Some(self.reply_to.clone()));
        if persister.send(job).is_ok() {
            self.persist.in_flight = Some((batch, tokens));
        } else {
            let now = self.clock.now();
            for token in tokens {
                self.core.handle_persisted(now, token, false);
            }
        }
    }

    fn job(&self, batch: u64, reply: Option<UnboundedSender<Control>>) -> PersistJob {
        PersistJob {
            shard: self.index,
            batch,
            masters: self.core.config_snapshot(&self.config).masters,
            current_epoch: self.core.current_epoch(),
            // Only the shard that serves clients changes options and users.
            front: self.accepts_clients.then(|| {
                let mut front = self.client_base.clone();
                self.core.snapshot_client_config(&mut front);
                front
            }),
            reply,
        }
    }

    /// Writes the config with the core's state as it is now and waits (a few seconds at
    /// most) until it is on disk; only for an exit that follows at once.
    fn write_config_now(&mut self) {
        let Some(persister) = &self.persister else {
            return;
        };
        let (done, mut written) = mpsc::unbounded_channel();
        if persister.send(self.job(u64::MAX, Some(done))).is_err() {
            return;
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        // The loop is going away: blocking its thread is fine (a runtime wait would not be).
        while matches!(written.try_recv(), Err(mpsc::error::TryRecvError::Empty))
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Shutdown: one last config write (not awaited here: the persister thread finishes it
    /// before the process exits), then every connection is closed.
    fn finish(&mut self) {
        if let Some(persister) = self.persister.take() {
            let _ = persister.send(self.job(u64::MAX, None));
        }
        if let Some(w) = self.acl_files.take() {
            w.finish();
        }
        self.clients.close_all();
        for (_, l) in self.links.drain() {
            l.outbox.abort();
        }
    }
}
