//! Merging the answers of every shard into the one reply a single-shard sentinel gives: one
//! small function per command shape. Parts come in shard order, the front's first.

use std::fmt::Write;

use bytes::Bytes;

use crate::resp::Frame;

/// How the answers of several shards become one reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Merge {
    /// One shard answered, or all answer alike (setters): the first error, else the first
    /// answer.
    Same,
    /// `SENTINEL MASTERS`: every master map, in name order.
    Masters,
    /// `SENTINEL INFO-CACHE`: every `name, entries` pair, in name order.
    InfoCache,
    /// `SENTINEL PENDING-SCRIPTS`: every entry, shard after shard.
    Concat,
    /// `SENTINEL RESET`: the sum of the counts.
    Sum,
    /// `SENTINEL IS-MASTER-DOWN-BY-ADDR`: the answer of the shard that knows the address.
    MasterDown,
    /// `ROLE`: `["sentinel", names]` with every name, in name order.
    Role,
    /// `INFO`: the front's text with one sentinel section for all shards.
    Info,
}

/// Merges `parts` (shard order, at least one) as `kind` says. An error from any shard is the
/// reply: all shards parse the same arguments, so they fail alike.
pub(crate) fn merge(kind: Merge, parts: Vec<Frame>) -> Frame {
    if let Some(e) = parts.iter().find(|f| f.is_error()) {
        return e.clone();
    }
    match kind {
        Merge::Same => first(parts),
        Merge::Masters => {
            let mut maps = elements(parts);
            maps.sort_by_key(map_name);
            Frame::Array(maps)
        }
        Merge::InfoCache => {
            let flat = elements(parts);
            let mut pairs: Vec<(Frame, Frame)> = Vec::with_capacity(flat.len() / 2);
            let mut it = flat.into_iter();
            while let (Some(name), Some(entries)) = (it.next(), it.next()) {
                pairs.push((name, entries));
            }
            pairs.sort_by_key(|p| bytes_of(&p.0));
            Frame::Array(pairs.into_iter().flat_map(|(n, e)| [n, e]).collect())
        }
        Merge::Concat => Frame::Array(elements(parts)),
        Merge::Sum => Frame::Integer(
            parts
                .iter()
                .map(|f| match f {
                    Frame::Integer(n) => *n,
                    _ => 0,
                })
                .fold(0i64, i64::saturating_add),
        ),
        Merge::MasterDown => {
            let unknown = unknown_address();
            match parts.iter().position(|f| *f != unknown) {
                Some(i) => parts.into_iter().nth(i).unwrap_or(unknown),
                None => unknown,
            }
        }
        Merge::Role => {
            let mut names = Vec::new();
            for p in parts {
                if let Frame::Array(mut v) = p
                    && v.len() == 2
                    && let Some(Frame::Array(n)) = v.pop()
                {
                    names.extend(n);
                }
            }
            names.sort_by_key(bytes_of);
            Frame::Array(vec![Frame::bulk("sentinel"), Frame::Array(names)])
        }
        Merge::Info => {
            let texts: Vec<String> = parts
                .iter()
                .map(|f| String::from_utf8_lossy(&bytes_of(f)).into_owned())
                .collect();
            match texts.split_first() {
                Some((front, others)) => {
                    let merged = merge_vip(&merge_info(front, others), others);
                    Frame::Bulk(Bytes::from(merged))
                }
                None => Frame::bulk(""),
            }
        }
    }
}

/// What one shard says for an address it does not monitor.
pub(crate) fn unknown_address() -> Frame {
    Frame::Array(vec![Frame::Integer(0), Frame::bulk("*"), Frame::Integer(0)])
}

fn first(parts: Vec<Frame>) -> Frame {
    parts
        .into_iter()
        .next()
        .unwrap_or_else(|| Frame::error("ERR no shard answered"))
}

/// The elements of every array part, in order.
fn elements(parts: Vec<Frame>) -> Vec<Frame> {
    parts
        .into_iter()
        .flat_map(|p| match p {
            Frame::Array(v) => v,
            _ => Vec::new(),
        })
        .collect()
}

fn bytes_of(f: &Frame) -> Bytes {
    match f {
        Frame::Bulk(b) | Frame::Simple(b) => b.clone(),
        _ => Bytes::new(),
    }
}

/// The `name` field of an instance map.
fn map_name(f: &Frame) -> Bytes {
    match f {
        Frame::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| bytes_of(k).as_ref() == b"name")
            .map(|(_, v)| bytes_of(v))
            .unwrap_or_default(),
        _ => Bytes::new(),
    }
}

const SENTINEL_HEADER: &str = "# Sentinel\r\n";

/// The sentinel section's numbers and master lines of one shard.
#[derive(Default)]
struct SentinelSection {
    masters: u64,
    tilt: u64,
    tilt_since: i64,
    running: u64,
    queued: u64,
    flags: u64,
    /// `(name, rest of the line after "masterN:")`.
    lines: Vec<(String, String)>,
}

/// Where the section with `header` of an INFO text is: from its header to the blank line
/// that separates it from the next section (or the end).
fn section_span(text: &str, header: &str) -> Option<(usize, usize)> {
    let start = text.find(header)?;
    let end = text[start..]
        .find("\r\n\r\n")
        .map_or(text.len(), |i| start + i + 2);
    Some((start, end))
}

fn parse_section(text: &str) -> SentinelSection {
    let mut s = SentinelSection {
        tilt_since: -1,
        ..SentinelSection::default()
    };
    let Some((start, end)) = section_span(text, SENTINEL_HEADER) else {
        return s;
    };
    for line in text[start..end].split("\r\n") {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let n = || value.parse::<u64>().unwrap_or(0);
        match key {
            "sentinel_masters" => s.masters = n(),
            "sentinel_tilt" => s.tilt = n(),
            "sentinel_tilt_since_seconds" => s.tilt_since = value.parse().unwrap_or(-1),
            "sentinel_running_scripts" => s.running = n(),
            "sentinel_scripts_queue_length" => s.queued = n(),
            "sentinel_simulate_failure_flags" => s.flags = n(),
            _ if key.starts_with("master") => {
                let name = value
                    .strip_prefix("name=")
                    .and_then(|v| v.split(',').next())
                    .unwrap_or("")
                    .to_string();
                s.lines.push((name, value.to_string()));
            }
            _ => {}
        }
    }
    s
}

/// The front's INFO text with its sentinel section replaced by one for all shards: counts
/// summed, TILT if any shard is in it, master lines of all shards in name order, renumbered.
pub(crate) fn merge_info(front: &str, others: &[String]) -> String {
    let Some((start, end)) = section_span(front, SENTINEL_HEADER) else {
        return front.to_string();
    };
    let mut all = parse_section(front);
    for o in others {
        let s = parse_section(o);
        all.masters += s.masters;
        all.tilt = all.tilt.max(s.tilt);
        all.tilt_since = all.tilt_since.max(s.tilt_since);
        all.running += s.running;
        all.queued += s.queued;
        all.flags |= s.flags;
        all.lines.extend(s.lines);
    }
    all.lines.sort_by(|a, b| a.0.cmp(&b.0));
    let mut section = String::new();
    let _ = write!(
        section,
        "{SENTINEL_HEADER}sentinel_masters:{}\r\nsentinel_tilt:{}\r\nsentinel_tilt_since_seconds:{}\r\n\
         sentinel_running_scripts:{}\r\nsentinel_scripts_queue_length:{}\r\n\
         sentinel_simulate_failure_flags:{}\r\n",
        all.masters, all.tilt, all.tilt_since, all.running, all.queued, all.flags
    );
    for (i, (_, rest)) in all.lines.iter().enumerate() {
        let _ = write!(section, "master{i}:{rest}\r\n");
    }
    format!("{}{section}{}", &front[..start], &front[end..])
}
const VIP_HEADER: &str = "# VIP\r\n";

/// The front's INFO text with its `# VIP` section (asked for with `INFO vip`) replaced by one
/// for all shards: the host's address count (every shard reads the same host) and the VIP
/// lines of all shards in master-name order, renumbered.
pub(crate) fn merge_vip(front: &str, others: &[String]) -> String {
    let Some((start, end)) = section_span(front, VIP_HEADER) else {
        return front.to_string();
    };
    let mut local = 0u64;
    let mut lines: Vec<(String, String)> = Vec::new();
    for text in std::iter::once(front).chain(others.iter().map(String::as_str)) {
        let Some((s, e)) = section_span(text, VIP_HEADER) else {
            continue;
        };
        for line in text[s..e].split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if key == "vip_local_addresses" {
                local = local.max(value.parse().unwrap_or(0));
            } else if key
                .strip_prefix("vip")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            {
                let name = value
                    .strip_prefix("name=")
                    .and_then(|v| v.split(',').next())
                    .unwrap_or("")
                    .to_string();
                lines.push((name, value.to_string()));
            }
        }
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    let mut section = format!("{VIP_HEADER}vip_local_addresses:{local}\r\n");
    for (i, (_, rest)) in lines.iter().enumerate() {
        let _ = write!(section, "vip{i}:{rest}\r\n");
    }
    format!("{}{section}{}", &front[..start], &front[end..])
}
