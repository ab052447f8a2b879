//! One client connection to an emulated instance: read requests, answer them, pass on pub/sub
//! messages, and obey the instance's faults (frozen: neither read nor write; killed: close).

use std::rc::Rc;
use std::time::Duration;

use bytes::BytesMut;
use sentinel_core::Limits;
use sentinel_core::resp::RequestDecoder;
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::commands::{Session, dispatch};
use super::instance::{ConnShared, Health};
use super::model::Fleet;

/// Bytes of free space offered to each read.
const READ_CHUNK: usize = 1024;

/// Serves one accepted connection until it closes.
pub async fn serve(fleet: Rc<Fleet>, index: usize, stream: TcpStream, id: u64) {
    let Some(health) = fleet.get(index).map(|i| i.borrow().health_tx.subscribe()) else {
        return;
    };
    let _ = stream.set_nodelay(true);
    let shared = Rc::new(ConnShared::new(id));
    fleet.register(index, shared.clone());
    let _ = run(&fleet, index, stream, &shared, health).await;
    fleet.unregister(index, id);
}

/// Waits while the instance is frozen; `false` once it is killed.
async fn wait_usable(health: &mut watch::Receiver<Health>) -> bool {
    loop {
        let h = *health.borrow_and_update();
        match h {
            Health::Up => return true,
            Health::Killed => return false,
            Health::Frozen => {
                if health.changed().await.is_err() {
                    return false;
                }
            }
        }
    }
}

async fn run(
    fleet: &Fleet,
    index: usize,
    mut stream: TcpStream,
    shared: &ConnShared,
    mut health: watch::Receiver<Health>,
) -> std::io::Result<()> {
    let mut rbuf = BytesMut::with_capacity(256);
    let mut wbuf = BytesMut::new();
    let mut decoder = RequestDecoder::new(Limits::default());
    let mut session = Session::new(index, fleet);
    loop {
        if !wait_usable(&mut health).await || shared.closed.get() {
            return Ok(());
        }
        for msg in shared.queue.borrow_mut().drain(..) {
            wbuf.extend_from_slice(&msg);
        }
        let mut broken = false;
        loop {
            decoder.set_auth_required(!session.authed);
            match decoder.decode(&mut rbuf) {
                Ok(Some(args)) if args.is_empty() => {}
                Ok(Some(args)) => {
                    dispatch(fleet, &mut session, shared, &args, &mut wbuf);
                    if session.quit {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    wbuf.extend_from_slice(format!("-{e}\r\n").as_bytes());
                    broken = true;
                    break;
                }
            }
        }
        if !wbuf.is_empty() {
            let slow_ms = fleet.get(index).map_or(0, |i| i.borrow().slow_ms);
            if slow_ms > 0 {
                tokio::time::sleep(Duration::from_millis(slow_ms)).await;
                // A fault may have arrived while we slept.
                if !wait_usable(&mut health).await || shared.closed.get() {
                    return Ok(());
                }
            }
            stream.write_all(&wbuf).await?;
            wbuf.clear();
            if wbuf.capacity() > 64 * 1024 {
                wbuf = BytesMut::new();
            }
        }
        if broken || session.quit {
            return Ok(());
        }
        rbuf.reserve(READ_CHUNK);
        let spare = rbuf.capacity() - rbuf.len();
        tokio::select! {
            r = stream.read_buf(&mut rbuf) => {
                let n = r?;
                if n == 0 {
                    return Ok(());
                }
                if n < spare {
                    // A short read drained the socket: forget its readiness so the next read
                    // waits for the next epoll edge instead of costing an EAGAIN syscall.
                    // Safe on a current-thread runtime: the driver only records new edges
                    // between task polls, so none can be lost here.
                    let _ = stream.try_io(Interest::READABLE, || {
                        Err::<(), _>(std::io::ErrorKind::WouldBlock.into())
                    });
                }
            }
            _ = shared.notify.notified() => {}
            r = health.changed() => {
                if r.is_err() {
                    return Ok(());
                }
            }
        }
    }
}
