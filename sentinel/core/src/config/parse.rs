//! `load`: text in, [`ConfigFile`] or Redis's fatal error out (`config.c:
//! loadServerConfigFromString`, then `sentinel.c: loadSentinelConfigFromQueue`).

use super::ConfigError;
use super::lines::{LineKind, classify, lines};
use super::model::ConfigFile;
use super::sentinel::{self, LoadOptions, Queued};
use super::server;
use super::tokens::SplitError;

/// Load a whole `sentinel.conf`. Ordinary directives are applied in file order; `sentinel`
/// lines are queued and applied afterwards in Redis's three passes, so an error in an ordinary
/// directive is reported first wherever it sits.
pub fn load(text: &str, opts: &LoadOptions<'_>) -> Result<ConfigFile, ConfigError> {
    let mut cfg = ConfigFile::default();
    let mut queue = Vec::new();
    for (idx, line) in lines(text).into_iter().enumerate() {
        let fail = |reason: &str| ConfigError {
            line: idx + 1,
            text: line.to_owned(),
            reason: reason.to_owned(),
        };
        let mut args = match classify(line) {
            LineKind::Comment => continue,
            LineKind::Bad(SplitError::Unbalanced) => {
                return Err(fail("Unbalanced quotes in configuration line"));
            }
            LineKind::Bad(SplitError::NotUtf8) => {
                return Err(fail(
                    "Escaped bytes in configuration line are not valid UTF-8",
                ));
            }
            LineKind::Args(args) => args,
        };
        let name = args.remove(0).to_ascii_lowercase();
        if name == "sentinel" {
            // A bare `sentinel` only selects sentinel mode (handled by Redis's main()).
            if !args.is_empty() {
                queue.push(Queued {
                    line: idx + 1,
                    text: line.to_owned(),
                    args,
                });
            }
            continue;
        }
        server::apply(&mut cfg.server, &name, &args).map_err(|r| fail(&r))?;
    }
    sentinel::apply_all(&mut cfg.sentinel, &queue, opts)?;
    // A master's config-epoch raises the current epoch (sentinelHandleConfiguration).
    let max_config_epoch = cfg.sentinel.masters.iter().map(|m| m.config_epoch).max();
    cfg.sentinel.current_epoch = cfg
        .sentinel
        .current_epoch
        .max(max_config_epoch.unwrap_or(0));
    Ok(cfg)
}
