//! How many shards to run: one per core by default (`available_parallelism`, at most
//! [`MAX_SHARDS`]), or `SENTINEL_SHARDS=n` (1..=MAX_SHARDS) from the environment.

/// Environment variable that sets the shard count.
pub const SHARDS_ENV: &str = "SENTINEL_SHARDS";
/// The most shards we run, whatever the core count.
pub const MAX_SHARDS: usize = 64;

/// Why `SENTINEL_SHARDS` was not used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{SHARDS_ENV}={value} is not a number from 1 to {MAX_SHARDS}; using {fallback} shard(s)")]
pub struct BadShardCount {
    pub value: String,
    pub fallback: usize,
}

/// The shard count from the variable's value (if set) and the number of cores (if known).
pub fn shard_count(env: Option<&str>, cores: Option<usize>) -> Result<usize, BadShardCount> {
    let default = cores.unwrap_or(1).clamp(1, MAX_SHARDS);
    let Some(value) = env else {
        return Ok(default);
    };
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_SHARDS).contains(&n) => Ok(n),
        _ => Err(BadShardCount {
            value: value.to_string(),
            fallback: default,
        }),
    }
}

/// The shard count for this process, with a warning to log when the variable was bad.
pub fn from_environment() -> (usize, Option<BadShardCount>) {
    let env = std::env::var(SHARDS_ENV).ok();
    let cores = std::thread::available_parallelism().ok().map(|n| n.get());
    match shard_count(env.as_deref(), cores) {
        Ok(n) => (n, None),
        Err(e) => (e.fallback, Some(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_count_table() {
        let bad = |v: &str, fallback| {
            Err(BadShardCount {
                value: v.into(),
                fallback,
            })
        };
        type Case<'a> = (Option<&'a str>, Option<usize>, Result<usize, BadShardCount>);
        let cases: &[Case<'_>] = &[
            (None, Some(8), Ok(8)),
            (None, None, Ok(1)),
            (None, Some(500), Ok(MAX_SHARDS)),
            (Some("4"), Some(2), Ok(4)),
            (Some(" 3 "), Some(2), Ok(3)),
            (Some("0"), Some(2), bad("0", 2)),
            (Some("65"), Some(2), bad("65", 2)),
            (Some("x"), None, bad("x", 1)),
        ];
        for (env, cores, want) in cases {
            assert_eq!(&shard_count(*env, *cores), want, "{env:?} {cores:?}");
        }
    }
}
