//! The client side of a shard: accept loops and one reader task per client connection.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use bytes::BytesMut;
use sentinel_core::resp::RequestDecoder;
use sentinel_core::{ClientId, Limits};
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
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
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
        let stream = match &tls {
            None => Stream::Plain(stream),
            Some(config) => match rustls::ServerConnection::new(config.clone()) {
                Ok(session) => Stream::tls(stream, session.into()),
                Err(_) => continue,
            },
        };
        shared.connected.set(shared.connected.get() + 1);
        let id = shared.next_id.get() + 1;
        shared.next_id.set(id);
        tokio_uring::spawn(client_loop(ClientId(id), stream, shared.clone()));
    }
}

/// Reads requests from one client and hands them to the shard, in order.
async fn client_loop(client: ClientId, stream: Stream, shared: Rc<AcceptShared>) {
    let tx = shared.tx.clone();
    let outbox = Outbox::new();
    if tx
        .send(Input::ClientNew {
            client,
            outbox: outbox.clone(),
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
