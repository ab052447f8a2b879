use super::*;

use proptest::prelude::*;

const RUNID: &str = "5d2d2dbd6b7cb8e56c41e0e6a2c7a0c9e2a1ad2b";

fn sample() -> Hello {
    Hello {
        sentinel_ip: "10.0.0.1".into(),
        sentinel_port: 26379,
        sentinel_runid: RUNID.into(),
        current_epoch: 7,
        master_name: "mymaster".into(),
        master_ip: "10.0.0.2".into(),
        master_port: 6379,
        master_config_epoch: 5,
    }
}

#[test]
fn parses_a_stock_sentinel_hello() {
    let payload = format!("10.0.0.1,26379,{RUNID},7,mymaster,10.0.0.2,6379,5");
    assert_eq!(Hello::parse(payload.as_bytes()), Ok(sample()));
}

#[test]
fn formats_like_sentinel_send_hello() {
    assert_eq!(
        sample().format(),
        format!("10.0.0.1,26379,{RUNID},7,mymaster,10.0.0.2,6379,5")
    );
    assert_eq!(HELLO_CHANNEL, "__sentinel__:hello");
}

#[test]
fn accepted_variants() {
    // (payload, check)
    type Check = fn(&Hello) -> bool;
    let table: &[(String, Check)] = &[
        // IPv6 and host names (announce-ip / announce-hostnames).
        (format!("::1,26379,{RUNID},0,m,fe80::1%eth0,6379,0"), |h| {
            h.sentinel_ip == "::1" && h.master_ip == "fe80::1%eth0"
        }),
        (
            format!("sentinel-1.svc,26379,{RUNID},0,m,redis-0.redis.svc.cluster.local,6379,0"),
            |h| h.master_ip == "redis-0.redis.svc.cluster.local",
        ),
        // Names may contain spaces and other text (quoted in sentinel.conf).
        (
            format!("10.0.0.1,26379,{RUNID},0,my master ü,10.0.0.2,6379,0"),
            |h| h.master_name == "my master ü",
        ),
        // Full ranges; leading zeros read as strtoull does.
        (
            format!("10.0.0.1,65535,{RUNID},18446744073709551615,m,10.0.0.2,0,007"),
            |h| {
                h.sentinel_port == 65535
                    && h.current_epoch == u64::MAX
                    && h.master_port == 0
                    && h.master_config_epoch == 7
            },
        ),
        // The run id is not length-checked (Redis does not either).
        ("10.0.0.1,26379,abc,1,m,10.0.0.2,6379,1".into(), |h| {
            h.sentinel_runid == "abc"
        }),
    ];
    for (payload, check) in table {
        let hello = Hello::parse(payload.as_bytes()).unwrap_or_else(|e| panic!("{payload}: {e}"));
        assert!(check(&hello), "{payload}: {hello:?}");
    }
}

#[test]
fn rejected_payloads_table() {
    use HelloError::*;
    use HelloField::*;
    let table: &[(&[u8], HelloError)] = &[
        (b"", FieldCount { found: 1 }),
        (b"garbage", FieldCount { found: 1 }),
        (b",,,,,,", FieldCount { found: 7 }),
        (b"1.1.1.1,1,r,1,m,2.2.2.2,1", FieldCount { found: 7 }),
        (b"1.1.1.1,1,r,1,m,2.2.2.2,1,1,", FieldCount { found: 9 }),
        (
            b"1.1.1.1,1,r,1,m,2.2.2.2,1,1,extra",
            FieldCount { found: 9 },
        ),
        (b",,,,,,,", Empty(SentinelIp)),
        (b"1.1.1.1,,r,1,m,2.2.2.2,1,1", Empty(SentinelPort)),
        (b"1.1.1.1,1,,1,m,2.2.2.2,1,1", Empty(SentinelRunid)),
        (b"1.1.1.1,1,r,,m,2.2.2.2,1,1", Empty(CurrentEpoch)),
        (b"1.1.1.1,1,r,1,,2.2.2.2,1,1", Empty(MasterName)),
        (b"1.1.1.1,1,r,1,m,,1,1", Empty(MasterIp)),
        (b"1.1.1.1,1,r,1,m,2.2.2.2,,1", Empty(MasterPort)),
        (b"1.1.1.1,1,r,1,m,2.2.2.2,1,", Empty(MasterConfigEpoch)),
        (b"1.1.1.1 ,1,r,1,m,2.2.2.2,1,1", Malformed(SentinelIp)),
        (b"1.1.1.1,65536,r,1,m,2.2.2.2,1,1", Malformed(SentinelPort)),
        (b"1.1.1.1,+1,r,1,m,2.2.2.2,1,1", Malformed(SentinelPort)),
        (b"1.1.1.1,1,r r,1,m,2.2.2.2,1,1", Malformed(SentinelRunid)),
        (b"1.1.1.1,1,r,-1,m,2.2.2.2,1,1", Malformed(CurrentEpoch)),
        (
            b"1.1.1.1,1,r,18446744073709551616,m,2.2.2.2,1,1",
            Malformed(CurrentEpoch),
        ),
        (b"1.1.1.1,1,r,1,\xff,2.2.2.2,1,1", Malformed(MasterName)),
        (b"1.1.1.1,1,r,1,m,2.2.2.2\n,1,1", Malformed(MasterIp)),
        (b"1.1.1.1,1,r,1,m,2.2.2.2,6379x,1", Malformed(MasterPort)),
        (
            b"1.1.1.1,1,r,1,m,2.2.2.2,1, 1",
            Malformed(MasterConfigEpoch),
        ),
        (
            b"1.1.1.1,1,r,1,m,2.2.2.2,1,1.5",
            Malformed(MasterConfigEpoch),
        ),
    ];
    for (payload, want) in table {
        assert_eq!(
            Hello::parse(payload).as_ref(),
            Err(want),
            "{}",
            String::from_utf8_lossy(payload)
        );
        fuzz(payload);
    }
}

#[test]
fn first_bad_field_is_reported() {
    let err = Hello::parse(b"bad host,x,r,1,m,,1,1");
    assert_eq!(err, Err(HelloError::Malformed(HelloField::SentinelIp)));
}

#[test]
fn error_messages_name_the_field() {
    assert_eq!(
        HelloError::Empty(HelloField::MasterConfigEpoch).to_string(),
        "hello field master_config_epoch is empty"
    );
    assert_eq!(
        HelloError::FieldCount { found: 3 }.to_string(),
        "hello has 3 comma-separated fields, expected 8"
    );
    let names: Vec<_> = HelloField::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(
        names.join(","),
        "sentinel_ip,sentinel_port,sentinel_runid,current_epoch,master_name,master_ip,\
         master_port,master_config_epoch"
    );
}

fn arb_host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
        "[0-9a-f:]{2,39}",
        "[a-z0-9][a-z0-9.-]{0,40}",
    ]
}

fn arb_hello() -> impl Strategy<Value = Hello> {
    (
        arb_host(),
        any::<u16>(),
        "[!-+\\--~]{1,48}",
        any::<u64>(),
        "[^,]{1,32}",
        arb_host(),
        any::<u16>(),
        any::<u64>(),
    )
        .prop_map(|(ip, port, runid, epoch, name, mip, mport, cepoch)| Hello {
            sentinel_ip: ip,
            sentinel_port: port,
            sentinel_runid: runid,
            current_epoch: epoch,
            master_name: name,
            master_ip: mip,
            master_port: mport,
            master_config_epoch: cepoch,
        })
}

proptest! {
    #[test]
    fn format_then_parse_round_trips(hello in arb_hello()) {
        prop_assert_eq!(Hello::parse(hello.format().as_bytes()), Ok(hello.clone()));
        fuzz(hello.format().as_bytes());
    }

    #[test]
    fn parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        fuzz(&data);
    }

    #[test]
    fn parse_never_panics_on_eight_fields(fields in proptest::collection::vec("[ -~]{0,12}", 8)) {
        fuzz(fields.join(",").as_bytes());
    }
}
