//! The client side of a shard: accept loops and one reader task per client connection.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use bytes::BytesMut;
use sentinel_core::resp::RequestDecoder;
use sentinel_core::{ClientId, ClientOrigin, Limits};
use tokio::sync::mpsc::Sender;
use tokio_uring::net::TcpListener;

use crate::input::Input;
use crate::link_task::READ_CHUNK;
use crate::outbox::{Outbox, pump};
use crate::stream::Stream;

/// State the accept loops of one shard share (same thread, hence `Cell`s).
pub(crate) struct AcceptShared {
    pub next_id: Cell<u64>,
    /// Connected clients; the shard decrements it when one goes away.
    pub connected: Rc<Cell<usize>>,
    pub clients_max: usize,
    pub limits: Limits,
    pub tx: Sender<Input>,
}

/// Accepts clients on `listener` until the shard's channel closes; with `tls` (a `tls-port`
/// listener) each client speaks TLS.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Rc<AcceptShared>,
    tls: Option<Arc<rustls::ServerConfig>>,
) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of fds or a transient error: back off briefly instead of spinning.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        if shared.tx.is_closed() {
            return;
        }
        if shared.connected.get() >= shared.clients_max {
            // networking.c `acceptCommonHandler`: reply and close.
            let _ = stream
                .write_all(b"-ERR max number of clients reached\r\n".to_vec())
                .await;
            continue;
        }
        let _ = stream.set_nodelay(true);
        let origin = match crate::link_task::local_addr(&stream) {
            Some(local) => ClientOrigin::Tcp { peer, local },
            None => ClientOrigin::Unknown,
        };
        let stream = match &tls {
            None => Stream::Plain(stream),
            Some(config) => match rustls::ServerConnection::new(config.clone()) {
                Ok(session) => Stream::tls(stream, session.into()),
                Err(_) => continue,
            },
        };
        start_client(stream, origin, &shared);
    }
}

/// Accepts clients on the `unixsocket` listener until the shard's channel closes. `path` is
/// the socket as configured, which CLIENT LIST shows.
pub(crate) async fn unix_accept_loop(
    listener: std::os::unix::net::UnixListener,
    path: String,
    shared: Rc<AcceptShared>,
) {
    // tokio-uring cannot adopt a bound Unix listener: accept through tokio's reactor (the
    // runtime tokio-uring runs on), then do the IO on the ring.
    let listener = match tokio::net::UnixListener::from_std(listener) {
        Ok(l) => l,
        Err(_) => return,
    };
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream.into_std(),
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let Ok(stream) = stream else { continue };
        if shared.tx.is_closed() {
            return;
        }
        // The ring does the IO; the socket need not be non-blocking (nor are TCP clients).
        if stream.set_nonblocking(false).is_err() {
            continue;
        }
        let stream = tokio_uring::net::UnixStream::from_std(stream);
        if shared.connected.get() >= shared.clients_max {
            let _ = stream
                .write_all(b"-ERR max number of clients reached\r\n".to_vec())
                .await;
            continue;
        }
        let origin = ClientOrigin::Unix { path: path.clone() };
        start_client(Stream::Unix(stream), origin, &shared);
    }
}

/// Numbers a new client and starts its reader task.
fn start_client(stream: Stream, origin: ClientOrigin, shared: &Rc<AcceptShared>) {
    shared.connected.set(shared.connected.get() + 1);
    let id = shared.next_id.get() + 1;
    shared.next_id.set(id);
    tokio_uring::spawn(client_loop(ClientId(id), stream, origin, shared.clone()));
}

/// Reads requests from one client and hands them to the shard, in order.
async fn client_loop(
    client: ClientId,
    stream: Stream,
    origin: ClientOrigin,
    shared: Rc<AcceptShared>,
) {
    let tx = shared.tx.clone();
    let outbox = Outbox::new();
    if tx
        .send(Input::ClientNew {
            client,
            outbox: outbox.clone(),
            origin,
        })
        .await
        .is_err()
    {
        return;
    }
    let stream = Rc::new(stream);
    tokio_uring::spawn(pump(stream.clone(), outbox.clone()));
    let mut decoder = RequestDecoder::new(shared.limits.clone());
    let mut acc = BytesMut::new();
    let mut chunk = Vec::with_capacity(READ_CHUNK);
    'read: loop {
        // Bytes that came with the close (a TLS close_notify) are still served.
        let open = stream.read_into(&mut chunk, &mut acc, &outbox).await;
        loop {
            match decoder.decode(&mut acc) {
                // An empty inline line is skipped, as Redis does.
                Ok(Some(args)) if args.is_empty() => {}
                Ok(Some(args)) => {
                    if tx
                        .send(Input::ClientCommand { client, args })
                        .await
                        .is_err()
                    {
                        break 'read;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let text = e.to_string();
                    let _ = tx.send(Input::ClientProtocolError { client, text }).await;
                    break 'read;
                }
            }
        }
        if !open {
            break;
        }
    }
    let _ = tx.send(Input::ClientGone { client }).await;
}
