//! `sentinel /path/to/sentinel.conf`: a drop-in replacement for `redis-sentinel`.

fn main() -> anyhow::Result<()> {
    anyhow::bail!("the sentinel server is not implemented yet (see the issue tracker)")
}
