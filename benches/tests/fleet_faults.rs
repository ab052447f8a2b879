//! The fleet over real sockets: hello relay between subscribers (and to a replica's), the
//! freeze / thaw and kill / revive faults, and topology changes seen through ROLE.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{Result, bail};
use sentinel_benches::bench::procs::FleetProc;
use sentinel_benches::client::{Client, items, text};
use sentinel_benches::scenario::instance_ip;
use sentinel_core::resp::Frame;

/// Generous bound for anything that should happen "at once" (never a timing assertion: the
/// test only fails if the thing does not happen at all within it).
const SOON: Duration = Duration::from_secs(10);

#[test]
fn fleet_relays_hellos_and_obeys_faults() -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    tokio::task::LocalSet::new().block_on(&rt, scenario())
}

async fn run_id(c: &mut Client) -> Result<String> {
    let info = text(&c.call_within(&["INFO", "server"], SOON).await?);
    match info.lines().find_map(|l| l.strip_prefix("run_id:")) {
        Some(id) => Ok(id.trim().to_string()),
        None => bail!("no run_id in INFO: {info}"),
    }
}

async fn scenario() -> Result<()> {
    let salt = std::process::id() % 40;
    let prefix = 160 + salt as u8;
    let port = 18000 + salt as u16;
    let toml = format!("name = 't'\n[fleet]\nmasters = 2\nreplicas = 1\nport = {port}\n");
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("s.toml");
    std::fs::write(&path, &toml)?;
    let mut fleet =
        FleetProc::start(Path::new(env!("CARGO_BIN_EXE_fleet")), &path, prefix, SOON).await?;
    let at = |k: usize| SocketAddr::from((instance_ip(prefix, k), port));

    // Hello relay: a PUBLISH on the master reaches its subscribers and its replica's.
    let mut sub_master = Client::connect(at(0)).await?;
    let mut sub_replica = Client::connect(at(1)).await?;
    for s in [&mut sub_master, &mut sub_replica] {
        let r = s
            .call_within(&["SUBSCRIBE", "__sentinel__:hello"], SOON)
            .await?;
        assert_eq!(items(&r).first().map(text).as_deref(), Some("subscribe"));
    }
    let mut cc = Client::connect(at(0)).await?;
    let n = cc
        .call_within(&["PUBLISH", "__sentinel__:hello", "a,1,b"], SOON)
        .await?;
    assert_eq!(n, Frame::Integer(1));
    for s in [&mut sub_master, &mut sub_replica] {
        let m = tokio::time::timeout(SOON, s.next_message()).await??;
        assert_eq!(
            (m.channel.as_str(), m.payload.as_str()),
            ("__sentinel__:hello", "a,1,b")
        );
    }

    // Freeze: a PING is not answered while frozen, and is answered after the thaw.
    let ack = fleet.command_ack("freeze m0", SOON).await?;
    assert!(ack.starts_with("ok "), "{ack}");
    cc.send(&["PING"]).await?;
    let frozen = tokio::time::timeout(Duration::from_millis(300), cc.read()).await;
    assert!(frozen.is_err(), "a frozen instance answered: {frozen:?}");
    fleet.command_ack("thaw m0", SOON).await?;
    let pong = tokio::time::timeout(SOON, cc.read()).await??;
    assert_eq!(pong, Frame::Simple("PONG".into()));

    // Kill: connections close and new ones are refused; revive comes back with a new run id.
    let mut r1 = Client::connect(at(3)).await?;
    let before = run_id(&mut r1).await?;
    fleet.command("kill m1r0").await?;
    let closed = tokio::time::timeout(SOON, r1.read()).await?;
    assert!(
        closed.is_err(),
        "the connection of a killed instance stayed open"
    );
    let mut refused = false;
    for _ in 0..100 {
        if Client::connect(at(3)).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refused, "a killed instance still accepts connections");
    fleet.command("revive m1r0").await?;
    let mut r1 = Client::connect_until(at(3), std::time::Instant::now() + SOON).await?;
    assert_ne!(run_id(&mut r1).await?, before);

    // Topology: SLAVEOF NO ONE inside MULTI/EXEC promotes; the old master is then listed by
    // nobody and the replica reports role master.
    let mut r0 = Client::connect(at(1)).await?;
    r0.call_within(&["MULTI"], SOON).await?;
    r0.call_within(&["SLAVEOF", "NO", "ONE"], SOON).await?;
    r0.call_within(&["CONFIG", "REWRITE"], SOON).await?;
    let exec = r0.call_within(&["EXEC"], SOON).await?;
    assert_eq!(items(&exec).len(), 2);
    let role = r0.call_within(&["ROLE"], SOON).await?;
    assert_eq!(items(&role).first().map(text).as_deref(), Some("master"));
    let old = cc.call_within(&["ROLE"], SOON).await?;
    assert!(
        items(&old)
            .get(2)
            .map(items)
            .is_some_and(<[Frame]>::is_empty)
    );
    Ok(())
}
