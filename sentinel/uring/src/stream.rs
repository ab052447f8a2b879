//! A connection's byte stream: plain TCP, TLS over it, or a Unix socket (`unixsocket`). The
//! reader task turns what arrives into application bytes with [`Stream::read_into`]; the writer
//! task ([`crate::outbox::pump`]) is the only one that writes to the socket, so TLS records
//! (handshake, data, alerts) leave in the order rustls made them. The reader wakes the writer
//! when rustls has something to send.

use std::cell::RefCell;
use std::io::{Read, Write};

use bytes::{Bytes, BytesMut};
use tokio_uring::net::{TcpStream, UnixStream};

use crate::outbox::Outbox;

pub(crate) enum Stream {
    Plain(TcpStream),
    /// A client of the `unixsocket`; always plain, as in Redis.
    Unix(UnixStream),
    Tls {
        tcp: TcpStream,
        /// Boxed: a session is much larger than a socket.
        session: Box<RefCell<rustls::Connection>>,
    },
}

impl Stream {
    /// A TLS stream over `tcp`; `session` is a fresh client or server connection.
    pub(crate) fn tls(tcp: TcpStream, mut session: rustls::Connection) -> Stream {
        // Our outboxes bound what is queued; rustls need not bound it again.
        session.set_buffer_limit(None);
        Stream::Tls {
            tcp,
            session: Box::new(RefCell::new(session)),
        }
    }

    /// One read from the socket into `buf`, whatever kind it is.
    async fn read_raw(&self, buf: Vec<u8>) -> (std::io::Result<usize>, Vec<u8>) {
        match self {
            Stream::Plain(tcp) | Stream::Tls { tcp, .. } => tcp.read(buf).await,
            Stream::Unix(unix) => unix.read(buf).await,
        }
    }

    /// Writes all of `bytes` to the socket.
    pub(crate) async fn write_all(&self, bytes: Bytes) -> std::io::Result<()> {
        match self {
            Stream::Plain(tcp) | Stream::Tls { tcp, .. } => tcp.write_all(bytes).await.0,
            Stream::Unix(unix) => unix.write_all(bytes).await.0,
        }
    }

    /// Shuts both directions down so the reader sees EOF.
    pub(crate) fn shutdown(&self) -> std::io::Result<()> {
        match self {
            Stream::Plain(tcp) | Stream::Tls { tcp, .. } => tcp.shutdown(std::net::Shutdown::Both),
            Stream::Unix(unix) => unix.shutdown(std::net::Shutdown::Both),
        }
    }

    /// Reads once from the socket (into `chunk`, whose capacity is the read size) and appends
    /// the application bytes it carried to `acc`. `false` once the stream is closed or broken.
    pub(crate) async fn read_into(
        &self,
        chunk: &mut Vec<u8>,
        acc: &mut BytesMut,
        outbox: &Outbox,
    ) -> bool {
        let mut buf = std::mem::take(chunk);
        buf.clear();
        let (res, buf) = self.read_raw(buf).await;
        *chunk = buf;
        let n = match res {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        match self {
            Stream::Plain(_) | Stream::Unix(_) => {
                acc.extend_from_slice(&chunk[..n]);
                true
            }
            Stream::Tls { session, .. } => {
                let mut session = session.borrow_mut();
                let open = absorb(&mut session, &chunk[..n], acc);
                if session.wants_write() {
                    // Handshake replies, or an alert before we close.
                    outbox.kick();
                }
                open
            }
        }
    }

    /// What goes on the wire for `plain`: itself, or the TLS records carrying it together with
    /// any record rustls has queued. `None` when the session cannot take it.
    pub(crate) fn wire(&self, plain: BytesMut) -> Option<Bytes> {
        match self {
            Stream::Plain(_) | Stream::Unix(_) => Some(plain.freeze()),
            Stream::Tls { session, .. } => {
                let mut out = Vec::new();
                seal(&mut session.borrow_mut(), &plain, &mut out).ok()?;
                Some(Bytes::from(out))
            }
        }
    }

    /// The TLS close_notify alert, for a clean close; empty for plain TCP and Unix sockets.
    pub(crate) fn farewell(&self) -> Bytes {
        match self {
            Stream::Plain(_) | Stream::Unix(_) => Bytes::new(),
            Stream::Tls { session, .. } => {
                let mut session = session.borrow_mut();
                session.send_close_notify();
                let mut out = Vec::new();
                let _ = seal(&mut session, &[], &mut out);
                Bytes::from(out)
            }
        }
    }
}

/// Feeds TLS bytes from the socket to `session` and moves the plaintext they carry to `acc`.
/// `false` when the peer closed or broke the protocol (rustls then queues an alert).
pub(crate) fn absorb(
    session: &mut rustls::Connection,
    mut input: &[u8],
    acc: &mut BytesMut,
) -> bool {
    let mut open = true;
    while !input.is_empty() {
        if session.read_tls(&mut input).is_err() {
            return false;
        }
        let state = match session.process_new_packets() {
            Ok(state) => state,
            Err(_) => return false,
        };
        let ready = state.plaintext_bytes_to_read();
        if ready > 0 {
            let start = acc.len();
            acc.resize(start + ready, 0);
            if session.reader().read_exact(&mut acc[start..]).is_err() {
                return false;
            }
        }
        if state.peer_has_closed() {
            open = false;
        }
    }
    open
}

/// Gives `plain` to `session` and appends every record it has to send to `out`. Before the
/// handshake is done rustls holds the plaintext and sends it once it is.
pub(crate) fn seal(
    session: &mut rustls::Connection,
    plain: &[u8],
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    if !plain.is_empty() {
        session.writer().write_all(plain)?;
    }
    while session.wants_write() {
        session.write_tls(out)?;
    }
    Ok(())
}
