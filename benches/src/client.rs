//! A small async RESP client on the core's codec: commands with replies, and a pub/sub reader
//! that timestamps every message (the benchmark's event clock).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::{Bytes, BytesMut};
use sentinel_core::Limits;
use sentinel_core::resp::{Frame, ReplyDecoder, encode_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Client {
    addr: SocketAddr,
    /// A reply may still be in flight (a call timed out): reconnect before the next call so
    /// that replies cannot be paired with the wrong command.
    stale: bool,
    stream: TcpStream,
    rbuf: BytesMut,
    wbuf: BytesMut,
    decoder: ReplyDecoder,
}

/// One pub/sub message and when it arrived.
#[derive(Clone, Debug)]
pub struct Message {
    pub at: Instant,
    pub channel: String,
    pub payload: String,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Result<Client> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        let _ = stream.set_nodelay(true);
        Ok(Client {
            addr,
            stale: false,
            stream,
            rbuf: BytesMut::with_capacity(16 * 1024),
            wbuf: BytesMut::new(),
            decoder: ReplyDecoder::new(Limits::default()),
        })
    }

    /// Connects, retrying until `deadline` (for a server that is still starting).
    pub async fn connect_until(addr: SocketAddr, deadline: Instant) -> Result<Client> {
        loop {
            match Client::connect(addr).await {
                Ok(c) => return Ok(c),
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    pub async fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<()> {
        self.wbuf.clear();
        encode_request(args, &mut self.wbuf);
        self.stream.write_all(&self.wbuf).await?;
        Ok(())
    }

    /// The next frame from the server.
    pub async fn read(&mut self) -> Result<Frame> {
        loop {
            if let Some(f) = self.decoder.decode(&mut self.rbuf)? {
                return Ok(f);
            }
            if self.stream.read_buf(&mut self.rbuf).await? == 0 {
                bail!("connection closed by the server");
            }
        }
    }

    /// Sends a command and returns its reply (an error reply is an `Err`).
    pub async fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Frame> {
        if self.stale {
            *self = Client::connect(self.addr).await?;
        }
        self.stale = true;
        self.send(args).await?;
        let reply = self.read().await;
        self.stale = reply.is_err();
        match reply? {
            Frame::Error(e) => bail!("{}", String::from_utf8_lossy(&e)),
            f => Ok(f),
        }
    }

    /// `call` with a time limit.
    pub async fn call_within<A: AsRef<[u8]>>(
        &mut self,
        args: &[A],
        limit: Duration,
    ) -> Result<Frame> {
        match tokio::time::timeout(limit, self.call(args)).await {
            Ok(r) => r,
            Err(_) => bail!("no reply within {limit:?}"),
        }
    }

    /// The next `message` / `pmessage`, skipping subscription confirmations.
    pub async fn next_message(&mut self) -> Result<Message> {
        loop {
            let f = self.read().await?;
            let at = Instant::now();
            let (Frame::Array(items) | Frame::Push(items)) = f else {
                continue;
            };
            let text =
                |f: &Frame| String::from_utf8_lossy(f.as_bytes().unwrap_or(b"")).into_owned();
            match items.first().and_then(Frame::as_bytes) {
                Some(b"pmessage") if items.len() == 4 => {
                    return Ok(Message {
                        at,
                        channel: text(&items[2]),
                        payload: text(&items[3]),
                    });
                }
                Some(b"message") if items.len() == 3 => {
                    return Ok(Message {
                        at,
                        channel: text(&items[1]),
                        payload: text(&items[2]),
                    });
                }
                _ => {}
            }
        }
    }
}

/// A flat key/value reply (RESP2 array or RESP3 map) as pairs of strings.
pub fn pairs(f: &Frame) -> Vec<(String, String)> {
    let s = |f: &Frame| String::from_utf8_lossy(f.as_bytes().unwrap_or(b"")).into_owned();
    match f {
        Frame::Array(items) => items
            .chunks(2)
            .filter(|c| c.len() == 2)
            .map(|c| (s(&c[0]), s(&c[1])))
            .collect(),
        Frame::Map(kv) => kv.iter().map(|(k, v)| (s(k), s(v))).collect(),
        _ => Vec::new(),
    }
}

/// The elements of an array reply.
pub fn items(f: &Frame) -> &[Frame] {
    match f {
        Frame::Array(v) | Frame::Set(v) | Frame::Push(v) => v,
        _ => &[],
    }
}

/// A bulk or simple string reply as text.
pub fn text(f: &Frame) -> String {
    String::from_utf8_lossy(f.as_bytes().unwrap_or(b"")).into_owned()
}

/// Bytes of a frame's string, for callers that match on raw replies.
pub fn bytes(f: &Frame) -> Bytes {
    Bytes::copy_from_slice(f.as_bytes().unwrap_or(b""))
}
