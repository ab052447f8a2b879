//! `cargo xtask vip-bench [--failovers N] [--mode xdp|script] [--reference | --sentinel-bin P]`
//! (root): N failovers in one run on the network of `vip_net` (3 hosts, down-after 1000 ms),
//! each caused by killing the master's redis-server (it comes back as a replica), measured on
//! the wire.
//!
//! - `xdp`: our sentinel with `sentinel vip` (lease 500 ms, 3 gratuitous ARPs from the kernel).
//! - `script`: the traditional way: no XDP program on the hosts, the VIP a plain /32 address on
//!   eth0 of the master's host, moved by a `client-reconfig-script` (`ip addr del/add`,
//!   `arping -U`). Runs with ours or, with `--reference`, the stock redis-sentinel.
//!
//! Per failover: the client-observed write gap (last acknowledged write before the kill to the
//! first after it, through the VIP), and from the first `+switch-master` logged by any sentinel
//! to the first ARP frame for the VIP from the new host's MAC seen by tcpdump in the client
//! namespace (and to the first gratuitous one). Log lines and pcap timestamps are both
//! CLOCK_REALTIME (the logs in local time with ms resolution, converted the same way).
//! Prints a table and writes it to benches/results/vip-<mode>[-redis-sentinel].txt.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bins::{Bin, build_ours_release};
use crate::util;
use crate::vip_failover::{vip_conf_line, vip_owned_on};
use crate::vip_net::{
    HOSTS, NS_CLIENT, VIP, World, Writer, addr_host, in_ns, ip, kill_master, local_time_of_day_ms,
    log_time_ms, ns_host, p50_max, wait_discovery, wait_for,
};

const USAGE: &str = "usage: cargo xtask vip-bench [--failovers N] [--mode xdp|script] \
                     [--reference | --sentinel-bin PATH]";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Xdp,
    Script,
}

/// One ARP frame from the capture.
#[derive(Clone, Copy, Debug)]
struct Arp {
    /// µs since the epoch (pcap timestamp, CLOCK_REALTIME).
    epoch_us: u64,
    op: u16,
    sha: [u8; 6],
    spa: [u8; 4],
    tpa: [u8; 4],
}

impl Arp {
    fn gratuitous(&self) -> bool {
        self.spa == self.tpa
    }
}

/// One measured failover.
struct Row {
    old: usize,
    new: usize,
    gap_ms: f64,
    /// First `+switch-master` (any sentinel) after the kill, local time of day in ms.
    switch_tod: Option<u64>,
    /// From that switch to the first ARP frame for the VIP from the new host, and its kind.
    first_arp: Option<(f64, &'static str)>,
    /// From that switch to the first gratuitous ARP for the VIP from the new host.
    first_garp: Option<f64>,
    /// Gratuitous ARPs from the new host for the VIP until the next kill.
    garps: usize,
    /// From the kill to the first `+switch-master`.
    kill_to_switch: Option<f64>,
}

pub fn run(args: &[String]) -> Result<()> {
    let mut failovers = 10usize;
    let mut mode = Mode::Xdp;
    let mut bin = Bin::Ours;
    let mut i = 0;
    while i < args.len() {
        if let Some(b) = Bin::parse(args, &mut i)? {
            bin = b;
            i += 1;
            continue;
        }
        match (args[i].as_str(), args.get(i + 1).map(String::as_str)) {
            ("--failovers", Some(v)) => failovers = v.parse().context("--failovers N")?,
            ("--mode", Some("xdp")) => mode = Mode::Xdp,
            ("--mode", Some("script")) => mode = Mode::Script,
            (other, _) => bail!("unexpected or incomplete '{other}'\n{USAGE}"),
        }
        i += 2;
    }
    if !(1..=50).contains(&failovers) {
        bail!("--failovers must be 1..50");
    }
    if mode == Mode::Xdp && bin == Bin::Reference {
        bail!("--reference has no VIP support: use it with --mode script");
    }
    if !util::is_root() {
        bail!("vip-bench needs root (network namespaces, XDP)");
    }
    for tool in ["redis-server", "redis-cli", "tcpdump", "arping"] {
        if !util::on_path(tool) {
            bail!("{tool} missing: run `cargo xtask setup`");
        }
    }
    // Ours in release, with the XDP program (also the bridge ports' pass program).
    let ours = build_ours_release(true)?;
    let sentinel = match &bin {
        Bin::Ours => ours.clone(),
        other => other.resolve()?,
    };
    let label = match (mode, &bin) {
        (Mode::Xdp, _) => format!("xdp, {}", bin.label()),
        (Mode::Script, _) => format!("script, {}", bin.label()),
    };
    let dir = std::env::temp_dir().join(format!("sentinel-vip-bench-{}", std::process::id()));
    let mut world = World::new(dir.clone())?;
    let result = bench(&mut world, mode, &ours, &sentinel, failovers);
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("vip-bench: logs kept in {}", dir.display());
            return Err(e);
        }
    };
    let report = table(&label, &sentinel, failovers, &rows);
    println!("{report}");
    let name = match (mode, &bin) {
        (Mode::Xdp, _) => "vip-xdp".to_string(),
        (Mode::Script, Bin::Reference) => "vip-script-redis-sentinel".to_string(),
        (Mode::Script, _) => "vip-script".to_string(),
    };
    let out = util::root().join(format!("benches/results/{name}.txt"));
    std::fs::write(&out, &report)?;
    println!("wrote {}", out.display());
    drop(world);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The script of the traditional setup: the host that becomes the master adds the VIP to eth0
/// and announces it; the host that stops being the master removes it. Called by every sentinel
/// with `<master-name> <role> <state> <from-ip> <from-port> <to-ip> <to-port>`.
fn reconfig_script() -> String {
    format!(
        "#!/bin/sh\n\
         PATH=/usr/sbin:/usr/bin:/sbin:/bin\n\
         mine() {{ ip -o -4 addr show dev eth0 | grep -q \" $1/\"; }}\n\
         if mine \"$6\"; then\n\
         \x20 ip addr add {VIP}/32 dev eth0 2>/dev/null\n\
         \x20 arping -q -U -c 3 -W 0.1 -i eth0 -S {VIP} {VIP}\n\
         elif mine \"$4\"; then\n\
         \x20 ip addr del {VIP}/32 dev eth0 2>/dev/null\n\
         fi\n\
         exit 0\n"
    )
}

fn bench(
    world: &mut World,
    mode: Mode,
    ours: &Path,
    sentinel: &Path,
    failovers: usize,
) -> Result<Vec<Row>> {
    // The capture first: every ARP frame the client sees.
    let pcap = world.dir.join("client-arp.pcap");
    let mut dump = in_ns(NS_CLIENT, "tcpdump");
    dump.args(["-i", "eth0", "-n", "-U", "-w"])
        .arg(&pcap)
        .arg("arp");
    world.spawn("tcpdump", dump)?;
    wait_for("tcpdump to start", Duration::from_secs(10), || {
        std::fs::metadata(&pcap).is_ok_and(|m| m.len() >= 24)
    })?;

    world.xdp_pass(ours)?;
    let extra = match mode {
        Mode::Xdp => vip_conf_line(),
        Mode::Script => {
            let script = world.dir.join("reconfig.sh");
            std::fs::write(&script, reconfig_script())?;
            util::run(std::process::Command::new("chmod").arg("755").arg(&script))?;
            ip(
                Some(&ns_host(1)),
                &["addr", "add", &format!("{VIP}/32"), "dev", "eth0"],
            )?;
            format!(
                "sentinel client-reconfig-script mymaster {}\n",
                script.display()
            )
        }
    };
    for i in 1..=HOSTS {
        world.redis(i, (i != 1).then_some(1))?;
        world.sentinel(i, sentinel, &extra)?;
    }
    if mode == Mode::Xdp {
        wait_for("the VIP on host 1", Duration::from_secs(20), || {
            vip_owned_on(1)
        })?;
    }
    wait_discovery()?;
    let writer = Writer::start(Duration::from_secs(30 * 60));
    let t0 = Instant::now();
    wait_for("writes through the VIP", Duration::from_secs(5), || {
        writer.acked_after(t0) >= 10
    })?;
    let macs: Vec<[u8; 6]> = (1..=HOSTS).map(mac_of).collect::<Result<_>>()?;

    let mut master = 1;
    let mut done = Vec::new();
    for round in 1..=failovers {
        let f = kill_master(world, &writer, master)?;
        eprintln!(
            "vip-bench: failover {round}: host {master} -> host {}, write gap {} ms",
            f.new,
            f.gap.as_millis()
        );
        done.push((master, f));
        let new = done.last().map_or(1, |(_, f)| f.new);
        if round < failovers {
            world.restart_as_replica(master, new)?;
        } else {
            // Let the last round's announcements finish (arping in the script takes ~0.2 s).
            std::thread::sleep(Duration::from_secs(2));
        }
        master = new;
    }
    let _ = writer.stop()?;
    world.kill("tcpdump");

    let arps = read_pcap(&pcap)?;
    let vip: [u8; 4] = VIP.parse::<std::net::Ipv4Addr>()?.octets();
    let mut rows = Vec::new();
    for (k, (old, f)) in done.iter().enumerate() {
        let end_us = done.get(k + 1).map_or(u64::MAX, |(_, n)| n.kill_epoch_us);
        let kill_tod = local_time_of_day_ms(f.kill_epoch_us);
        let end_tod = done
            .get(k + 1)
            .map_or(f64::MAX, |(_, n)| local_time_of_day_ms(n.kill_epoch_us));
        let switch_tod = first_switch(&world.dir, kill_tod.floor(), end_tod)?;
        let from_new: Vec<&Arp> = arps
            .iter()
            .filter(|a| a.epoch_us >= f.kill_epoch_us && a.epoch_us < end_us)
            .filter(|a| a.spa == vip && a.sha == macs[f.new - 1])
            .collect();
        let since_switch =
            |a: &Arp| switch_tod.map(|s| local_time_of_day_ms(a.epoch_us) - s as f64);
        let kind = |a: &Arp| match (a.gratuitous(), a.op) {
            (true, 1) => "gratuitous (request)",
            (true, _) => "gratuitous (reply)",
            (false, 2) => "reply",
            (false, _) => "request",
        };
        rows.push(Row {
            old: *old,
            new: f.new,
            gap_ms: f.gap.as_secs_f64() * 1000.0,
            switch_tod,
            first_arp: from_new
                .first()
                .and_then(|a| Some((since_switch(a)?, kind(a)))),
            first_garp: from_new
                .iter()
                .find(|a| a.gratuitous())
                .and_then(|a| since_switch(a)),
            garps: from_new.iter().filter(|a| a.gratuitous()).count(),
            kill_to_switch: switch_tod.map(|s| s as f64 - kill_tod),
        });
    }
    Ok(rows)
}

/// The first `+switch-master` any sentinel logged in [from, to) (local time of day, ms).
fn first_switch(dir: &Path, from: f64, to: f64) -> Result<Option<u64>> {
    let mut first = None::<u64>;
    for i in 1..=HOSTS {
        let text = std::fs::read_to_string(dir.join(format!("sentinel-{i}.log")))?;
        for line in text.lines().filter(|l| l.contains("+switch-master")) {
            if let Some(t) = log_time_ms(line).filter(|t| (*t as f64) >= from && (*t as f64) < to) {
                first = Some(first.map_or(t, |f| f.min(t)));
            }
        }
    }
    Ok(first)
}

/// eth0's MAC of host `i`.
fn mac_of(i: usize) -> Result<[u8; 6]> {
    let mut cmd = in_ns(&ns_host(i), "cat");
    cmd.arg("/sys/class/net/eth0/address");
    let text = util::capture(&mut cmd)?;
    let bytes: Vec<u8> = text
        .trim()
        .split(':')
        .map(|b| u8::from_str_radix(b, 16))
        .collect::<Result<_, _>>()
        .with_context(|| format!("MAC of host {i}: {text:?}"))?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("MAC of host {i}: {text:?}"))
}

/// The ARP frames of a classic pcap file (µs or ns timestamps, Ethernet).
fn read_pcap(path: &PathBuf) -> Result<Vec<Arp>> {
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    parse_pcap(&data)
}

fn parse_pcap(data: &[u8]) -> Result<Vec<Arp>> {
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
    };
    let nanos = match u32_at(0) {
        Some(0xa1b2_c3d4) => false,
        Some(0xa1b2_3c4d) => true,
        other => bail!("not a little-endian pcap file (magic {other:x?})"),
    };
    let mut out = Vec::new();
    let mut at = 24;
    while let (Some(sec), Some(frac), Some(len)) = (u32_at(at), u32_at(at + 4), u32_at(at + 8)) {
        let len = len as usize;
        let Some(frame) = data.get(at + 16..at + 16 + len) else {
            break;
        };
        at += 16 + len;
        let frac_us = if nanos { frac / 1000 } else { frac };
        if frame.len() < 42 || frame[12..14] != [0x08, 0x06] {
            continue;
        }
        let take = |from: usize, n: usize| &frame[from..from + n];
        out.push(Arp {
            epoch_us: u64::from(sec) * 1_000_000 + u64::from(frac_us),
            op: u16::from_be_bytes([frame[20], frame[21]]),
            sha: take(22, 6).try_into()?,
            spa: take(28, 4).try_into()?,
            tpa: take(38, 4).try_into()?,
        });
    }
    Ok(out)
}

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.1}"))
}

fn table(label: &str, bin: &Path, failovers: usize, rows: &[Row]) -> String {
    let mut s = format!(
        "vip-bench ({label}: {}), {failovers} failovers by killing the master's redis-server, \
         one run, down-after 1000 ms; 3 hosts + client in netns; capture: tcpdump in the \
         client namespace; times in ms\n\n",
        bin.display()
    );
    s.push_str(
        "| # | from -> to | write gap | kill -> +switch-master | +switch-master -> first ARP \
         from new host (kind) | +switch-master -> first gratuitous ARP | gratuitous ARPs |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for (k, r) in rows.iter().enumerate() {
        s.push_str(&format!(
            "| {} | {} -> {} | {:.0} | {} | {} | {} | {} |\n",
            k + 1,
            addr_host(r.old),
            addr_host(r.new),
            r.gap_ms,
            ms(r.kill_to_switch),
            r.first_arp
                .map_or("-".into(), |(t, kind)| format!("{t:.1} ({kind})")),
            ms(r.first_garp),
            r.garps,
        ));
    }
    let mut gaps: Vec<f64> = rows.iter().map(|r| r.gap_ms).collect();
    let mut arp: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.first_arp.map(|a| a.0))
        .collect();
    let mut garp: Vec<f64> = rows.iter().filter_map(|r| r.first_garp).collect();
    let mut k2s: Vec<f64> = rows.iter().filter_map(|r| r.kill_to_switch).collect();
    let line = |name: &str, v: &mut Vec<f64>| match p50_max(v) {
        Some((p50, max)) => format!("| {name} | {} | {p50:.1} | {max:.1} |\n", v.len()),
        None => format!("| {name} | 0 | - | - |\n"),
    };
    s.push_str("\n| figure | n | p50 | max |\n|---|---|---|---|\n");
    s.push_str(&line("client write gap", &mut gaps));
    s.push_str(&line("kill -> first +switch-master", &mut k2s));
    s.push_str(&line("+switch-master -> first ARP from new host", &mut arp));
    s.push_str(&line("+switch-master -> first gratuitous ARP", &mut garp));
    s.push_str(
        "\np50 is the upper median (element n/2 of the sorted values). +switch-master: the first \
         logged by any sentinel (log time, ms resolution, local time); ARP times: pcap \
         timestamps (CLOCK_REALTIME, µs) of frames for the VIP from the new master's MAC.\n",
    );
    let missing = rows.iter().filter(|r| r.switch_tod.is_none()).count();
    if missing > 0 {
        s.push_str(&format!(
            "{missing} failover(s) without a +switch-master in the logs.\n"
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcap_frames_are_read() {
        let mut f = vec![0u8; 24];
        f[..4].copy_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        let mut frame = vec![0u8; 60];
        frame[12..14].copy_from_slice(&[0x08, 0x06]);
        frame[20..22].copy_from_slice(&1u16.to_be_bytes());
        frame[22..28].copy_from_slice(&[2, 0, 0, 0, 0, 7]);
        frame[28..32].copy_from_slice(&[10, 210, 0, 100]);
        frame[38..42].copy_from_slice(&[10, 210, 0, 100]);
        for v in [5u32, 250_000, 60, 60] {
            f.extend_from_slice(&v.to_le_bytes());
        }
        f.extend_from_slice(&frame);
        let arps = parse_pcap(&f).unwrap();
        assert_eq!(arps.len(), 1);
        assert_eq!(arps[0].epoch_us, 5_250_000);
        assert!(arps[0].gratuitous());
        assert_eq!(arps[0].sha, [2, 0, 0, 0, 0, 7]);
    }

    #[test]
    fn the_script_moves_the_vip_both_ways() {
        let s = reconfig_script();
        assert!(s.contains("ip addr add 10.210.0.100/32 dev eth0"));
        assert!(s.contains("ip addr del 10.210.0.100/32 dev eth0"));
        assert!(s.contains("arping -q -U"));
    }
}
