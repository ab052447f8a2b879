//! Durable replacement of `sentinel.conf` (design §6): temp file in the same directory, write,
//! fsync, fchmod to the old file's mode, rename over, fsync the directory. Where rename cannot
//! work (a single-file bind mount gives EBUSY, a cross-device target EXDEV) we fall back to
//! rewriting the file in place with an fsync instead of failing as Redis does
//! (`config.c: rewriteConfigOverwriteFile`; docker-library-redis#287). Plain std: this runs on
//! a blocking helper, not on a ring.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Mode of a config file that did not exist before.
const NEW_FILE_MODE: u32 = 0o644;
/// How many temp names to try before giving up.
const TEMP_ATTEMPTS: u32 = 64;

/// How the new contents reached the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Atomically: temp file renamed over the old one.
    Renamed,
    /// Rename failed with this errno (EBUSY or EXDEV); the file was rewritten in place. A crash
    /// during such a write can leave a truncated file: the driver logs this outcome.
    InPlace { rename_errno: i32 },
}

/// Why the config could not be saved. The old file is intact unless the in-place fallback
/// itself failed.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("config path {0:?} has no file name")]
    NoFileName(PathBuf),
    #[error("Could not create tmp config file {path:?} ({source})")]
    CreateTemp { path: PathBuf, source: io::Error },
    #[error("Could not write tmp config file {path:?} ({source})")]
    WriteTemp { path: PathBuf, source: io::Error },
    #[error("Could not chmod tmp config file {path:?} ({source})")]
    Chmod { path: PathBuf, source: io::Error },
    #[error("Could not rename tmp config file ({source})")]
    Rename { source: io::Error },
    #[error("Could not rewrite config file {path:?} in place after rename failed ({source})")]
    InPlace { path: PathBuf, source: io::Error },
    #[error("Could not fsync config directory {path:?} ({source})")]
    SyncDir { path: PathBuf, source: io::Error },
}

/// Replace the file at `path` with `contents` durably; see the module docs.
pub fn write_config_atomically(path: &Path, contents: &[u8]) -> Result<WriteOutcome, PersistError> {
    write_config_with_rename(path, contents, &|from, to| fs::rename(from, to))
}

/// [`write_config_atomically`] with the rename step injected (the seam tests use to make rename
/// fail the way a bind mount does).
pub fn write_config_with_rename(
    path: &Path,
    contents: &[u8],
    rename: &dyn Fn(&Path, &Path) -> io::Result<()>,
) -> Result<WriteOutcome, PersistError> {
    let name = path
        .file_name()
        .ok_or_else(|| PersistError::NoFileName(path.to_owned()))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let mode = fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(NEW_FILE_MODE);
    let (temp_path, mut temp) = create_temp(&dir, &name.to_string_lossy())?;
    let result = fill_and_move(&temp_path, &mut temp, path, contents, mode, rename);
    drop(temp);
    if !matches!(result, Ok(WriteOutcome::Renamed)) {
        // Nothing useful is left in the temp file on any other path; ignore a failed removal.
        let _ = fs::remove_file(&temp_path);
    }
    let outcome = result?;
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| PersistError::SyncDir { path: dir, source })?;
    Ok(outcome)
}

fn fill_and_move(
    temp_path: &Path,
    temp: &mut File,
    path: &Path,
    contents: &[u8],
    mode: u32,
    rename: &dyn Fn(&Path, &Path) -> io::Result<()>,
) -> Result<WriteOutcome, PersistError> {
    temp.write_all(contents)
        .and_then(|()| temp.sync_all())
        .map_err(|source| PersistError::WriteTemp {
            path: temp_path.to_owned(),
            source,
        })?;
    temp.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(|source| PersistError::Chmod {
            path: temp_path.to_owned(),
            source,
        })?;
    match rename(temp_path, path) {
        Ok(()) => Ok(WriteOutcome::Renamed),
        Err(e) => match e.raw_os_error() {
            Some(errno @ (libc::EBUSY | libc::EXDEV)) => {
                write_in_place(path, contents).map_err(|source| PersistError::InPlace {
                    path: path.to_owned(),
                    source,
                })?;
                Ok(WriteOutcome::InPlace {
                    rename_errno: errno,
                })
            }
            _ => Err(PersistError::Rename { source: e }),
        },
    }
}

fn write_in_place(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).truncate(true).open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

/// `mkstemp`-like: `<dir>/<name>.XXXXXX`, created exclusively with mode 0600.
fn create_temp(dir: &Path, name: &str) -> Result<(PathBuf, File), PersistError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut last = io::Error::from(io::ErrorKind::AlreadyExists);
    for _ in 0..TEMP_ATTEMPTS {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let seed = u64::from(std::process::id()).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ n;
        let suffix = suffix6(seed.wrapping_mul(0xBF58_476D_1CE4_E5B9));
        let temp_path = dir.join(format!("{name}.{suffix}"));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp_path)
        {
            Ok(f) => return Ok((temp_path, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
            Err(source) => {
                return Err(PersistError::CreateTemp {
                    path: temp_path,
                    source,
                });
            }
        }
    }
    Err(PersistError::CreateTemp {
        path: dir.join(format!("{name}.XXXXXX")),
        source: last,
    })
}

fn suffix6(mut x: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let len = ALPHABET.len() as u64;
    (0..6)
        .map(|_| {
            // `x % len` is below ALPHABET.len(), so the index cast is lossless.
            let c = ALPHABET[(x % len) as usize] as char;
            x /= len;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_contents_and_keeps_the_old_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sentinel.conf");
        fs::write(&path, "old\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let out = write_config_atomically(&path, b"new\n").unwrap();
        assert_eq!(out, WriteOutcome::Renamed);
        assert_eq!(fs::read(&path).unwrap(), b"new\n");
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(entries(dir.path()), ["sentinel.conf"]);
    }

    #[test]
    fn a_new_file_gets_0644() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fresh.conf");
        write_config_atomically(&path, b"x\n").unwrap();
        assert_eq!(mode_of(&path), 0o644);
    }

    #[test]
    fn missing_directory_is_an_error_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope").join("sentinel.conf");
        let err = write_config_atomically(&path, b"x").unwrap_err();
        assert!(matches!(err, PersistError::CreateTemp { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("Could not create tmp config file")
        );
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn path_without_file_name_is_refused() {
        let err = write_config_atomically(Path::new("/"), b"x").unwrap_err();
        assert!(matches!(err, PersistError::NoFileName(_)));
    }

    #[test]
    fn rename_busy_falls_back_to_an_in_place_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sentinel.conf");
        fs::write(&path, "a much longer old content\n").unwrap();
        let busy = |_: &Path, _: &Path| Err(io::Error::from_raw_os_error(libc::EBUSY));
        let out = write_config_with_rename(&path, b"short\n", &busy).unwrap();
        assert_eq!(
            out,
            WriteOutcome::InPlace {
                rename_errno: libc::EBUSY
            }
        );
        assert_eq!(fs::read(&path).unwrap(), b"short\n");
        assert_eq!(entries(dir.path()), ["sentinel.conf"], "temp file removed");
    }

    #[test]
    fn cross_device_rename_also_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sentinel.conf");
        fs::write(&path, "old").unwrap();
        let xdev = |_: &Path, _: &Path| Err(io::Error::from_raw_os_error(libc::EXDEV));
        let out = write_config_with_rename(&path, b"new", &xdev).unwrap();
        assert!(matches!(out, WriteOutcome::InPlace { .. }));
        assert_eq!(fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn other_rename_failures_keep_the_old_file_and_remove_the_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sentinel.conf");
        fs::write(&path, "old").unwrap();
        let denied = |_: &Path, _: &Path| Err(io::Error::from_raw_os_error(libc::EACCES));
        let err = write_config_with_rename(&path, b"new", &denied).unwrap_err();
        assert!(matches!(err, PersistError::Rename { .. }), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(dir.path()), ["sentinel.conf"]);
    }

    #[test]
    fn a_directory_in_the_way_is_an_error() {
        // The official suite replaces the config file by a directory and expects a failure.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sentinel.conf");
        fs::create_dir(&path).unwrap();
        let err = write_config_atomically(&path, b"new").unwrap_err();
        assert!(matches!(err, PersistError::Rename { .. }), "{err}");
        assert_eq!(entries(dir.path()), ["sentinel.conf"]);
    }

    #[test]
    fn temp_names_look_like_mkstemp() {
        let dir = tempfile::tempdir().unwrap();
        let (p, _f) = create_temp(dir.path(), "sentinel.conf").unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("sentinel.conf.") && name.len() == "sentinel.conf.".len() + 6);
    }
}
