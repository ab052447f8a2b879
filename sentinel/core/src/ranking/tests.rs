use super::*;

/// Defaults of sentinel.c with `down-after-milliseconds 30000`, master S_DOWN for 2 s.
const SDOWN: SelectionParams = SelectionParams {
    ping_period_ms: 1000,
    info_period_ms: 10_000,
    down_after_ms: 30_000,
    master_sdown_for_ms: Some(2000),
};

/// The same with the master not S_DOWN (e.g. `SENTINEL FAILOVER`).
const UP: SelectionParams = SelectionParams {
    master_sdown_for_ms: None,
    ..SDOWN
};

/// A healthy replica: connected, fresh PING and INFO, link up.
fn good(runid: &str) -> Candidate {
    Candidate {
        runid: Some(runid.to_owned()),
        priority: 100,
        repl_offset: 1000,
        last_ok_ping_age_ms: 100,
        info_age_ms: Some(500),
        ..Candidate::default()
    }
}

#[test]
fn exclusions_table() {
    // (what, candidate, params, expected reason)
    let table: Vec<(&str, Candidate, SelectionParams, Option<Exclusion>)> = vec![
        ("healthy", good("a"), SDOWN, None),
        (
            "s_down",
            Candidate {
                s_down: true,
                ..good("a")
            },
            SDOWN,
            Some(Exclusion::SubjectivelyDown),
        ),
        (
            "o_down",
            Candidate {
                o_down: true,
                ..good("a")
            },
            SDOWN,
            Some(Exclusion::ObjectivelyDown),
        ),
        (
            "disconnected",
            Candidate {
                disconnected: true,
                ..good("a")
            },
            SDOWN,
            Some(Exclusion::Disconnected),
        ),
        (
            "ping exactly 5 x ping period is still fine",
            Candidate {
                last_ok_ping_age_ms: 5000,
                ..good("a")
            },
            SDOWN,
            None,
        ),
        (
            "ping older than 5 x ping period",
            Candidate {
                last_ok_ping_age_ms: 5001,
                ..good("a")
            },
            SDOWN,
            Some(Exclusion::PingStale {
                age_ms: 5001,
                max_ms: 5000,
            }),
        ),
        (
            "priority 0",
            Candidate {
                priority: 0,
                ..good("a")
            },
            SDOWN,
            Some(Exclusion::PriorityZero),
        ),
        (
            "INFO at 5 s with master S_DOWN is fine",
            Candidate {
                info_age_ms: Some(5000),
                ..good("a")
            },
            SDOWN,
            None,
        ),
        (
            "INFO older than 5 x ping period with master S_DOWN",
            Candidate {
                info_age_ms: Some(5001),
                ..good("a")
            },
            SDOWN,
            Some(Exclusion::InfoStale {
                age_ms: Some(5001),
                max_ms: 5000,
            }),
        ),
        (
            "INFO 29 s old is fine while the master is not S_DOWN",
            Candidate {
                info_age_ms: Some(29_000),
                ..good("a")
            },
            UP,
            None,
        ),
        (
            "INFO older than 3 x info period with master not S_DOWN",
            Candidate {
                info_age_ms: Some(30_001),
                ..good("a")
            },
            UP,
            Some(Exclusion::InfoStale {
                age_ms: Some(30_001),
                max_ms: 30_000,
            }),
        ),
        (
            "INFO never received",
            Candidate {
                info_age_ms: None,
                ..good("a")
            },
            SDOWN,
            Some(Exclusion::InfoStale {
                age_ms: None,
                max_ms: 5000,
            }),
        ),
        (
            "link down exactly sdown time + 10 x down-after is fine",
            Candidate {
                master_link_down_ms: 302_000,
                ..good("a")
            },
            SDOWN,
            None,
        ),
        (
            "link down longer than sdown time + 10 x down-after",
            Candidate {
                master_link_down_ms: 302_001,
                ..good("a")
            },
            SDOWN,
            Some(Exclusion::MasterLinkDownTooLong {
                down_ms: 302_001,
                max_ms: 302_000,
            }),
        ),
        (
            "master not S_DOWN: only 10 x down-after counts",
            Candidate {
                master_link_down_ms: 300_001,
                ..good("a")
            },
            UP,
            Some(Exclusion::MasterLinkDownTooLong {
                down_ms: 300_001,
                max_ms: 300_000,
            }),
        ),
    ];
    for (what, candidate, params, want) in table {
        assert_eq!(exclusion_reason(&candidate, &params), want, "{what}");
        let selected = select_replica(std::slice::from_ref(&candidate), &params);
        assert_eq!(selected.is_some(), want.is_none(), "{what}");
    }
}

#[test]
fn first_reason_in_sentinel_c_order_wins() {
    let everything_wrong = Candidate {
        runid: None,
        priority: 0,
        repl_offset: 0,
        s_down: true,
        o_down: true,
        disconnected: true,
        last_ok_ping_age_ms: u64::MAX,
        info_age_ms: None,
        master_link_down_ms: u64::MAX,
    };
    let mut c = everything_wrong;
    let mut reasons = Vec::new();
    // Fix one problem at a time and record the next reason reported.
    type Fix = fn(&mut Candidate);
    let fixes: [Fix; 7] = [
        |c| c.s_down = false,
        |c| c.o_down = false,
        |c| c.disconnected = false,
        |c| c.last_ok_ping_age_ms = 0,
        |c| c.priority = 1,
        |c| c.info_age_ms = Some(0),
        |c| c.master_link_down_ms = 0,
    ];
    for fix in fixes {
        reasons.push(exclusion_reason(&c, &SDOWN));
        fix(&mut c);
    }
    assert_eq!(exclusion_reason(&c, &SDOWN), None);
    let names: Vec<String> = reasons
        .iter()
        .map(|r| format!("{:?}", r.expect("excluded")))
        .map(|s| s.split([' ', '{']).next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "SubjectivelyDown",
            "ObjectivelyDown",
            "Disconnected",
            "PingStale",
            "PriorityZero",
            "InfoStale",
            "MasterLinkDownTooLong"
        ]
    );
}

#[test]
fn tie_breaks_table() {
    let with = |runid: Option<&str>, priority: u32, offset: u64| Candidate {
        runid: runid.map(str::to_owned),
        priority,
        repl_offset: offset,
        ..good("x")
    };
    // (what, candidates, expected winner)
    let table: Vec<(&str, Vec<Candidate>, usize)> = vec![
        (
            "lower priority beats higher offset",
            vec![with(Some("a"), 100, 9000), with(Some("b"), 10, 1)],
            1,
        ),
        (
            "same priority: higher offset wins",
            vec![with(Some("a"), 100, 10), with(Some("b"), 100, 11)],
            1,
        ),
        (
            "same priority and offset: smaller runid wins",
            vec![with(Some("bbb"), 100, 5), with(Some("aaa"), 100, 5)],
            1,
        ),
        (
            "runid comparison ignores ASCII case",
            vec![with(Some("B0"), 100, 5), with(Some("a9"), 100, 5)],
            1,
        ),
        (
            "strcasecmp folds to lower case: '_' (0x5f) sorts before 'Z' as 'z' (0x7a)",
            vec![with(Some("AZ"), 100, 5), with(Some("a_"), 100, 5)],
            1,
        ),
        (
            "unknown runid sorts after any known one",
            vec![with(None, 100, 5), with(Some("zzzz"), 100, 5)],
            1,
        ),
        (
            "both runids unknown: first listed",
            vec![with(None, 100, 5), with(None, 100, 5)],
            0,
        ),
        (
            "identical (case-insensitively) runids: first listed",
            vec![with(Some("ABC"), 100, 5), with(Some("abc"), 100, 5)],
            0,
        ),
        (
            "priority beats runid",
            vec![with(Some("a"), 2, 5), with(Some("b"), 1, 5)],
            1,
        ),
        (
            "offset beats runid",
            vec![with(None, 1, 6), with(Some("a"), 1, 5)],
            0,
        ),
        (
            "full order over many",
            vec![
                with(Some("c"), 50, 100),
                with(Some("d"), 10, 100),
                with(Some("b"), 10, 200),
                with(Some("A"), 10, 200),
                with(None, 10, 200),
            ],
            3,
        ),
    ];
    for (what, candidates, want) in table {
        assert_eq!(select_replica(&candidates, &SDOWN), Some(want), "{what}");
        // The winner does not depend on the order the replicas were listed in (no exact ties
        // in the tables above except where the first-listed rule is what is tested).
        let mut reversed = candidates.clone();
        reversed.reverse();
        let winner = select_replica(&reversed, &SDOWN).map(|i| reversed[i].clone());
        assert_eq!(
            winner.map(|w| compare_for_promotion(&w, &candidates[want])),
            Some(Ordering::Equal),
            "{what}"
        );
    }
}

#[test]
fn excluded_replicas_do_not_take_part_in_ranking() {
    let best_but_down = Candidate {
        priority: 1,
        s_down: true,
        ..good("a")
    };
    let never = Candidate {
        priority: 0,
        repl_offset: u64::MAX,
        ..good("a")
    };
    let ok = Candidate {
        priority: 100,
        ..good("z")
    };
    assert_eq!(select_replica(&[best_but_down, never, ok], &SDOWN), Some(2));
}

#[test]
fn no_candidates_or_none_eligible() {
    assert_eq!(select_replica(&[], &SDOWN), None);
    let all_bad = [
        Candidate {
            disconnected: true,
            ..good("a")
        },
        Candidate {
            priority: 0,
            ..good("b")
        },
    ];
    assert_eq!(select_replica(&all_bad, &SDOWN), None);
}

#[test]
fn limits_follow_sentinel_debug_periods() {
    // SENTINEL DEBUG ping-period 100 info-period 500, down-after 200.
    let fast = SelectionParams {
        ping_period_ms: 100,
        info_period_ms: 500,
        down_after_ms: 200,
        master_sdown_for_ms: Some(50),
    };
    assert_eq!(fast.ping_age_max_ms(), 500);
    assert_eq!(fast.info_age_max_ms(), 500);
    assert_eq!(fast.master_link_down_max_ms(), 2050);
    let not_sdown = SelectionParams {
        master_sdown_for_ms: None,
        ..fast
    };
    assert_eq!(not_sdown.info_age_max_ms(), 1500);
    assert_eq!(not_sdown.master_link_down_max_ms(), 2000);
    let c = Candidate {
        last_ok_ping_age_ms: 501,
        ..good("a")
    };
    assert_eq!(
        exclusion_reason(&c, &fast),
        Some(Exclusion::PingStale {
            age_ms: 501,
            max_ms: 500
        })
    );
}

#[test]
fn limits_saturate_instead_of_overflowing() {
    let params = SelectionParams {
        ping_period_ms: u64::MAX,
        info_period_ms: u64::MAX,
        down_after_ms: u64::MAX,
        master_sdown_for_ms: Some(u64::MAX),
    };
    assert_eq!(params.ping_age_max_ms(), u64::MAX);
    assert_eq!(params.master_link_down_max_ms(), u64::MAX);
    let c = Candidate {
        last_ok_ping_age_ms: u64::MAX,
        info_age_ms: Some(u64::MAX),
        master_link_down_ms: u64::MAX,
        ..good("a")
    };
    assert_eq!(exclusion_reason(&c, &params), None);
}

#[test]
fn reasons_read_well_in_logs() {
    let table = [
        (Exclusion::SubjectivelyDown, "replica is S_DOWN"),
        (
            Exclusion::PingStale {
                age_ms: 6000,
                max_ms: 5000,
            },
            "last valid PING reply 6000 ms ago (max 5000 ms)",
        ),
        (
            Exclusion::InfoStale {
                age_ms: None,
                max_ms: 5000,
            },
            "no INFO received yet",
        ),
        (
            Exclusion::MasterLinkDownTooLong {
                down_ms: 7,
                max_ms: 6,
            },
            "link to master down for 7 ms (max 6 ms)",
        ),
    ];
    for (reason, text) in table {
        assert_eq!(reason.to_string(), text);
    }
}

proptest::proptest! {
    #[test]
    fn selected_is_eligible_and_no_eligible_one_is_better(
        raw in proptest::collection::vec(
            (0u32..3, 0u64..3, proptest::option::of("[a-cA-C]{1,2}"), 0u64..8000, 0u64..8000,
             proptest::bool::ANY),
            0..8,
        )
    ) {
        let candidates: Vec<Candidate> = raw
            .into_iter()
            .map(|(priority, repl_offset, runid, ping, info, disconnected)| Candidate {
                runid,
                priority,
                repl_offset,
                disconnected,
                last_ok_ping_age_ms: ping,
                info_age_ms: Some(info),
                ..Candidate::default()
            })
            .collect();
        match select_replica(&candidates, &SDOWN) {
            None => proptest::prop_assert!(
                candidates.iter().all(|c| exclusion_reason(c, &SDOWN).is_some())
            ),
            Some(i) => {
                proptest::prop_assert!(exclusion_reason(&candidates[i], &SDOWN).is_none());
                for c in candidates.iter().filter(|c| exclusion_reason(c, &SDOWN).is_none()) {
                    proptest::prop_assert_ne!(
                        compare_for_promotion(c, &candidates[i]),
                        Ordering::Less
                    );
                }
            }
        }
    }
}
