//! A tiny blocking RESP2 client for the harness tasks: send a command, read a reply, read pushed
//! pub/sub messages. Deliberately independent of `sentinel_core::resp` so that the tools that
//! judge our sentinel do not share its codec (a codec bug must not hide itself).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// A RESP2 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Value>>),
}

impl Value {
    /// The text of a simple string or bulk string.
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Simple(s) => Some(s.clone()),
            Value::Bulk(Some(b)) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }

    pub fn items(&self) -> &[Value] {
        match self {
            Value::Array(Some(v)) => v,
            _ => &[],
        }
    }

    /// A flat `[field, value, field, value, ...]` reply (`SENTINEL MASTER`) looked up by field.
    pub fn field(&self, name: &str) -> Option<String> {
        let items = self.items();
        items
            .chunks(2)
            .find(|kv| kv[0].text().as_deref() == Some(name))
            .and_then(|kv| kv.get(1)?.text())
    }
}

/// One connection. Every read has a timeout unless `set_timeout(None)` (pub/sub readers).
pub struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn connect(port: u16, timeout: Duration) -> Result<Conn> {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&addr, timeout)
            .with_context(|| format!("connecting to 127.0.0.1:{port}"))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        Ok(Conn {
            reader: BufReader::new(stream),
        })
    }

    pub fn set_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        self.reader.get_ref().set_read_timeout(timeout)?;
        Ok(())
    }

    /// A second handle on the socket, to shut it down from another thread.
    pub fn handle(&self) -> Result<TcpStream> {
        Ok(self.reader.get_ref().try_clone()?)
    }

    pub fn send(&mut self, args: &[&str]) -> Result<()> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        self.reader.get_mut().write_all(&out)?;
        Ok(())
    }

    /// Sends a command and reads its reply; a Redis error reply is an `Err`.
    pub fn call(&mut self, args: &[&str]) -> Result<Value> {
        self.send(args)?;
        match self.read()? {
            Value::Error(e) => bail!("{} -> {e}", args.join(" ")),
            v => Ok(v),
        }
    }

    pub fn read(&mut self) -> Result<Value> {
        read_value(&mut self.reader)
    }
}

fn read_line(r: &mut impl BufRead) -> Result<String> {
    let mut line = Vec::new();
    let n = r.read_until(b'\n', &mut line)?;
    if n == 0 {
        bail!("connection closed");
    }
    if !line.ends_with(b"\r\n") {
        bail!("malformed RESP line {:?}", String::from_utf8_lossy(&line));
    }
    line.truncate(line.len() - 2);
    Ok(String::from_utf8_lossy(&line).into_owned())
}

fn read_value(r: &mut impl BufRead) -> Result<Value> {
    let line = read_line(r)?;
    let (kind, rest) = line.split_at(line.len().min(1));
    let num = || -> Result<i64> {
        rest.parse()
            .with_context(|| format!("bad RESP number {rest:?}"))
    };
    Ok(match kind {
        "+" => Value::Simple(rest.to_string()),
        "-" => Value::Error(rest.to_string()),
        ":" => Value::Int(num()?),
        "$" => match usize::try_from(num()?) {
            Err(_) => Value::Bulk(None),
            Ok(len) => {
                let mut buf = vec![0; len + 2];
                r.read_exact(&mut buf)?;
                buf.truncate(len);
                Value::Bulk(Some(buf))
            }
        },
        "*" => match usize::try_from(num()?) {
            Err(_) => Value::Array(None),
            Ok(len) => {
                let items = (0..len)
                    .map(|_| read_value(r))
                    .collect::<Result<Vec<_>>>()?;
                Value::Array(Some(items))
            }
        },
        _ => bail!("unexpected RESP line {line:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Value {
        read_value(&mut s.as_bytes()).unwrap()
    }

    #[test]
    fn parses_nested_replies() {
        let v = parse("*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$6\r\n+sdown\r\n$-1\r\n");
        let items = v.items();
        assert_eq!(items.len(), 4);
        assert_eq!(items[2].text().as_deref(), Some("+sdown"));
        assert_eq!(items[3], Value::Bulk(None));
        assert_eq!(parse(":-3\r\n"), Value::Int(-3));
        assert_eq!(parse("-ERR x\r\n"), Value::Error("ERR x".into()));
    }

    #[test]
    fn looks_up_flat_maps() {
        let v = parse("*4\r\n$4\r\nname\r\n$1\r\nm\r\n$12\r\nconfig-epoch\r\n$1\r\n3\r\n");
        assert_eq!(v.field("config-epoch").as_deref(), Some("3"));
        assert_eq!(v.field("flags"), None);
    }

    #[test]
    fn truncated_input_is_an_error() {
        assert!(read_value(&mut "*2\r\n:1\r\n".as_bytes()).is_err());
        assert!(read_value(&mut "$5\r\nab".as_bytes()).is_err());
    }
}
