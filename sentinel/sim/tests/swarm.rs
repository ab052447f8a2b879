//! A few seeds of the random-fault swarm on every test run (`cargo xtask sim` runs many more).

#[test]
fn random_faults_never_break_safety() {
    for seed in 1..=3 {
        if let Err(e) = sentinel_sim::swarm::run_seed(seed, 8) {
            panic!("{e}");
        }
    }
}
