//! Parsing and formatting on the sentinel's hot paths: INFO reports, hello messages and
//! replica ranking at failover time.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sentinel_core::hello::Hello;
use sentinel_core::info::InfoReport;
use sentinel_core::ranking::{Candidate, SelectionParams, compare_for_promotion, select_replica};
use std::hint::black_box;

const MASTER: &[u8] = include_bytes!("../../sentinel/core/src/info/testdata/master_7_0_15.txt");
const REPLICA: &[u8] =
    include_bytes!("../../sentinel/core/src/info/testdata/replica_up_7_0_15.txt");

fn info(c: &mut Criterion) {
    let mut g = c.benchmark_group("info_parse");
    for (name, text) in [("master", MASTER), ("replica", REPLICA)] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(name, |b| b.iter(|| InfoReport::parse(black_box(text))));
    }
    // A master with 64 replicas: the `slaveN:` lines dominate.
    let mut big = String::from("# Replication\r\nrole:master\r\nconnected_slaves:64\r\n");
    for i in 0..64 {
        big.push_str(&format!(
            "slave{i}:ip=10.0.{}.{},port=6379,state=online,offset=123456789,lag=0\r\n",
            i / 250,
            i % 250 + 1
        ));
    }
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("master_64_replicas", |b| {
        b.iter(|| InfoReport::parse(black_box(big.as_bytes())))
    });
    g.finish();
}

fn hello(c: &mut Criterion) {
    let mut g = c.benchmark_group("hello");
    let h = Hello {
        sentinel_ip: "127.0.0.1".into(),
        sentinel_port: 26379,
        sentinel_runid: "5d2d2dbd6b7cb8e56c41e0e6a2c7a0c9e2a1ad2b".into(),
        current_epoch: 7,
        master_name: "mymaster".into(),
        master_ip: "10.0.0.2".into(),
        master_port: 6379,
        master_config_epoch: 5,
    };
    let payload = h.format();
    g.bench_function("parse", |b| {
        b.iter(|| Hello::parse(black_box(payload.as_bytes())))
    });
    g.bench_function("format", |b| b.iter(|| black_box(&h).format()));
    g.finish();
}

fn candidates(n: usize) -> Vec<Candidate> {
    (0..n)
        .map(|i| Candidate {
            runid: Some(format!(
                "{:040x}",
                (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            )),
            priority: 100 - (i % 3) as u32,
            repl_offset: 1_000_000 + (i as u64 * 7919) % 5000,
            s_down: i % 11 == 5,
            o_down: false,
            disconnected: i % 13 == 7,
            last_ok_ping_age_ms: 200,
            info_age_ms: Some(500),
            master_link_down_ms: 0,
        })
        .collect()
}

fn ranking(c: &mut Criterion) {
    let mut g = c.benchmark_group("replica_ranking");
    let params = SelectionParams {
        ping_period_ms: 1000,
        info_period_ms: 10_000,
        down_after_ms: 1000,
        master_sdown_for_ms: Some(1500),
    };
    for n in [1usize, 2, 8, 64] {
        let cs = candidates(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("select_replica", n), &cs, |b, cs| {
            b.iter(|| select_replica(black_box(cs), &params))
        });
    }
    let cs = candidates(2);
    g.bench_function("compare_for_promotion", |b| {
        b.iter(|| compare_for_promotion(black_box(&cs[0]), black_box(&cs[1])))
    });
    g.finish();
}

criterion_group!(benches, info, hello, ranking);
criterion_main!(benches);
