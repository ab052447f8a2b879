//! RESP decoding of the replies a sentinel reads most: `+PONG` (one per instance per second)
//! and an INFO bulk reply (one per instance per 10 s, several KB each).

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sentinel_core::Limits;
use sentinel_core::resp::{Frame, Protocol, ReplyDecoder, RequestDecoder, encode, encode_request};
use std::hint::black_box;

const INFO: &[u8] = include_bytes!("../../sentinel/core/src/info/testdata/master_7_0_15.txt");

fn info_reply() -> BytesMut {
    let mut out = BytesMut::new();
    encode(&Frame::bulk(INFO), Protocol::Resp2, &mut out);
    out
}

fn decode_all(dec: &mut ReplyDecoder, wire: &BytesMut) -> usize {
    let mut buf = wire.clone();
    let mut n = 0;
    while let Ok(Some(f)) = dec.decode(&mut buf) {
        black_box(&f);
        n += 1;
    }
    n
}

fn replies(c: &mut Criterion) {
    let mut g = c.benchmark_group("resp_reply_decode");
    let mut dec = ReplyDecoder::new(Limits::default());

    let pong = BytesMut::from(&b"+PONG\r\n"[..]);
    g.throughput(Throughput::Elements(1));
    g.bench_function("pong", |b| b.iter(|| decode_all(&mut dec, &pong)));

    // 64 PONGs in one read: what a busy link delivers at once.
    let pongs = BytesMut::from(b"+PONG\r\n".repeat(64).as_slice());
    g.throughput(Throughput::Elements(64));
    g.bench_function("pong_x64_pipelined", |b| {
        b.iter(|| decode_all(&mut dec, &pongs))
    });

    let info = info_reply();
    g.throughput(Throughput::Bytes(info.len() as u64));
    g.bench_function("info_reply", |b| b.iter(|| decode_all(&mut dec, &info)));

    // The same INFO reply arriving in 1,460-byte segments (one MSS each).
    g.bench_function("info_reply_segmented", |b| {
        b.iter(|| {
            let mut buf = BytesMut::new();
            let mut frames = 0;
            for chunk in info.chunks(1460) {
                buf.extend_from_slice(chunk);
                while let Ok(Some(f)) = dec.decode(&mut buf) {
                    black_box(&f);
                    frames += 1;
                }
            }
            frames
        })
    });
    g.finish();
}

fn requests(c: &mut Criterion) {
    let mut g = c.benchmark_group("resp_request");
    let mut dec = RequestDecoder::new(Limits::default());
    let mut wire = BytesMut::new();
    encode_request(&["PING"], &mut wire);
    g.bench_function("decode_ping", |b| {
        b.iter(|| {
            let mut buf = wire.clone();
            black_box(dec.decode(&mut buf).ok().flatten())
        })
    });
    let payload =
        "127.0.0.1,26379,5d2d2dbd6b7cb8e56c41e0e6a2c7a0c9e2a1ad2b,7,mymaster,10.0.0.2,6379,5";
    g.bench_function("encode_publish_hello", |b| {
        let mut out = BytesMut::with_capacity(256);
        b.iter(|| {
            out.clear();
            encode_request(
                &["PUBLISH", "__sentinel__:hello", black_box(payload)],
                &mut out,
            );
            out.len()
        })
    });
    g.finish();
}

criterion_group!(benches, replies, requests);
criterion_main!(benches);
