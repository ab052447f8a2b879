//! One outgoing connection the core asked for (`Action::Connect`): connect with a timeout,
//! report the local address, then read replies and write whatever the outbox collects.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::rc::Rc;
use std::time::Duration;

use bytes::BytesMut;
use sentinel_core::link::LinkId;
use sentinel_core::resp::ReplyDecoder;
use sentinel_core::{Addr, Limits};
use tokio::sync::mpsc::Sender;
use tokio_uring::net::TcpStream;

use crate::input::Input;
use crate::outbox::{Outbox, pump};
use crate::stream::Stream;

/// Size of one socket read.
pub(crate) const READ_CHUNK: usize = 16 * 1024;

/// What a link task needs besides its identity.
pub(crate) struct LinkTask {
    pub link: LinkId,
    pub conn: u64,
    pub addr: Addr,
    pub outbox: Rc<Outbox>,
    pub tx: Sender<Input>,
    pub limits: Limits,
    pub connect_timeout: Duration,
    /// `tls-replication yes`: the link speaks TLS.
    pub tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    /// `bind-source-addr`: the local address to connect from.
    pub bind_source: Option<IpAddr>,
}

/// Resolves `addr`: IP literals directly, hostnames (`resolve-hostnames yes`) with the system
/// resolver on tokio's blocking pool so the shard never waits on DNS.
async fn resolve(addr: &Addr) -> Option<SocketAddr> {
    if let Ok(ip) = addr.host.parse::<IpAddr>() {
        return Some(SocketAddr::new(ip, addr.port));
    }
    let target = (addr.host.clone(), addr.port);
    tokio::task::spawn_blocking(move || target.to_socket_addrs().ok()?.next())
        .await
        .ok()
        .flatten()
}

/// Connects to `peer` within `timeout`. With `source` (`bind-source-addr`) the socket is bound
/// to it first, best effort as Redis does (`anetTcpNonBlockBestEffortBindConnect`): if that
/// bind fails the link connects unbound. tokio-uring has no connect for a bound socket, so
/// that case connects on the blocking pool and hands the socket over.
async fn connect(peer: SocketAddr, source: Option<IpAddr>, timeout: Duration) -> Option<TcpStream> {
    let Some(source) = source.filter(|s| s.is_ipv4() == peer.is_ipv4()) else {
        return tokio::time::timeout(timeout, TcpStream::connect(peer))
            .await
            .ok()?
            .ok();
    };
    let std_stream = tokio::task::spawn_blocking(move || {
        let domain = socket2::Domain::for_address(peer);
        let socket = socket2::Socket::new(domain, socket2::Type::STREAM, None).ok()?;
        // Best effort: an address we cannot bind is skipped.
        let _ = socket.bind(&SocketAddr::new(source, 0).into());
        // Left blocking: io_uring waits for readiness itself, and would hand EAGAIN back for
        // a non-blocking socket.
        socket.connect_timeout(&peer.into(), timeout).ok()?;
        Some(std::net::TcpStream::from(socket))
    })
    .await
    .ok()??;
    Some(TcpStream::from_std(std_stream))
}

/// The local address of a connected socket.
pub(crate) fn local_addr(stream: &TcpStream) -> Option<std::net::SocketAddr> {
    // Safety: the fd belongs to `stream`, which outlives this borrow; socket2 only calls
    // getsockname on it.
    let fd = unsafe { BorrowedFd::borrow_raw(stream.as_raw_fd()) };
    socket2::SockRef::from(&fd).local_addr().ok()?.as_socket()
}

/// The local IP of a connected socket, IPv6 without brackets.
pub(crate) fn local_ip(stream: &TcpStream) -> Option<String> {
    let ip = match local_addr(stream)?.ip() {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    Some(ip.to_string())
}

impl LinkTask {
    pub(crate) async fn run(self) {
        let LinkTask {
            link,
            conn,
            addr,
            outbox,
            tx,
            limits,
            connect_timeout,
            tls,
            bind_source,
        } = self;
        let connected = match resolve(&addr).await {
            Some(sa) => connect(sa, bind_source, connect_timeout)
                .await
                .map(|s| (s, sa)),
            None => None,
        };
        let Some((stream, peer)) = connected else {
            let _ = tx.send(Input::LinkDown { link, conn }).await;
            return;
        };
        if outbox.is_aborted() {
            // The core closed the link while we were connecting: no callback is expected.
            return;
        }
        let _ = stream.set_nodelay(true);
        let local_ip = local_ip(&stream);
        if tx
            .send(Input::LinkUp {
                link,
                conn,
                local_ip,
            })
            .await
            .is_err()
        {
            return;
        }
        let stream = match tls {
            None => Some(Stream::Plain(stream)),
            // The commands the core queues now wait in rustls until the handshake is done.
            Some(config) => rustls::ClientConnection::new(config, crate::tls::peer_name(peer.ip()))
                .ok()
                .map(|session| Stream::tls(stream, session.into())),
        };
        let Some(stream) = stream else {
            outbox.abort();
            let _ = tx.send(Input::LinkDown { link, conn }).await;
            return;
        };
        let stream = Rc::new(stream);
        tokio_uring::spawn(pump(stream.clone(), outbox.clone()));
        let mut decoder = ReplyDecoder::new(limits);
        let mut acc = BytesMut::new();
        let mut chunk = Vec::with_capacity(READ_CHUNK);
        'read: loop {
            // Bytes that came with the close (a TLS close_notify) are still served.
            let open = stream.read_into(&mut chunk, &mut acc, &outbox).await;
            loop {
                match decoder.decode(&mut acc) {
                    Ok(Some(frame)) => {
                        if tx
                            .send(Input::LinkReply { link, conn, frame })
                            .await
                            .is_err()
                        {
                            break 'read;
                        }
                    }
                    Ok(None) => break,
                    // A peer that speaks garbage is treated as a broken link.
                    Err(_) => break 'read,
                }
            }
            if !open {
                break;
            }
        }
        outbox.abort();
        let _ = tx.send(Input::LinkDown { link, conn }).await;
    }
}
