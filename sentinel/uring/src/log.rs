//! Logging in Redis's format (server.c `serverLogRaw`):
//! `<pid>:X <dd Mon yyyy HH:MM:SS.mmm> <level char> <message>`, where `X` is the sentinel role
//! and the level chars are `.` debug, `-` verbose, `*` notice, `#` warning.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sentinel_core::event::Level;

/// Local wall-clock time broken down, as `localtime_r` gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i32,
    /// 0-based, as in `struct tm`.
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
}

impl LocalTime {
    /// The current local time.
    pub fn now() -> LocalTime {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let secs = libc::time_t::try_from(since_epoch.as_secs()).unwrap_or(0);
        // Safety: `tm` is plain old data, so all-zero is a valid value; `localtime_r` only
        // writes into the `tm` we pass and reads `secs`, both live for the call.
        let tm = unsafe {
            let mut tm: libc::tm = std::mem::zeroed();
            libc::localtime_r(&secs, &mut tm);
            tm
        };
        let field = |v: libc::c_int| u32::try_from(v).unwrap_or(0);
        LocalTime {
            year: tm.tm_year + 1900,
            month: field(tm.tm_mon),
            day: field(tm.tm_mday),
            hour: field(tm.tm_hour),
            minute: field(tm.tm_min),
            second: field(tm.tm_sec),
            millis: since_epoch.subsec_millis(),
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The character Redis prints for a level.
pub fn level_char(level: Level) -> char {
    match level {
        Level::Debug => '.',
        Level::Verbose => '-',
        Level::Notice => '*',
        Level::Warning => '#',
    }
}

/// One log line, newline included.
pub fn format_line(pid: u32, when: &LocalTime, level: Level, message: &str) -> String {
    let month = MONTHS.get(when.month as usize).copied().unwrap_or("???");
    format!(
        "{pid}:X {:02} {month} {} {:02}:{:02}:{:02}.{:03} {} {message}\n",
        when.day,
        when.year,
        when.hour,
        when.minute,
        when.second,
        when.millis,
        level_char(level)
    )
}

/// Where log lines go.
enum Sink {
    Stdout,
    File(LogFile),
}

/// The log file, kept open but followed by name.
///
/// Redis opens `logfile` anew for every line, so after logrotate renames the file (or someone
/// deletes it) the next line goes to a fresh file under the configured name. We get the same
/// result a little more cheaply: before each line one `stat` of the path is compared with the
/// open file's device and inode, and the file is reopened (created if missing) only when the
/// path no longer names it. That is `stat` + `write` per line instead of `open` + `write` +
/// `close`, and no file-table churn shared with the shards' sockets.
struct LogFile {
    path: PathBuf,
    /// The open file and its (device, inode); `None` after a reopen failed, tried again at
    /// the next line.
    open: Option<(File, (u64, u64))>,
}

impl LogFile {
    fn open(path: &Path) -> io::Result<LogFile> {
        let mut log = LogFile {
            path: path.to_path_buf(),
            open: None,
        };
        log.open = Some(log.reopen()?);
        Ok(log)
    }

    fn reopen(&self) -> io::Result<(File, (u64, u64))> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        let meta = file.metadata()?;
        Ok((file, (meta.dev(), meta.ino())))
    }

    fn write_line(&mut self, line: &str) -> io::Result<()> {
        let named = std::fs::metadata(&self.path)
            .ok()
            .map(|m| (m.dev(), m.ino()));
        let current = self.open.as_ref().map(|(_, id)| *id);
        if named.is_none() || named != current {
            // Rotated or removed: the old file is closed and a new one starts. If it cannot
            // be opened the line is lost, as Redis loses it.
            self.open = None;
            self.open = Some(self.reopen()?);
        }
        match &mut self.open {
            Some((file, _)) => file.write_all(line.as_bytes()),
            None => Ok(()),
        }
    }
}

/// A process-wide logger, shared by every thread.
pub struct Logger {
    min_level: Level,
    sink: Mutex<Sink>,
}

impl Logger {
    /// Logs to `logfile` (appending, created if missing, reopened when rotated away), or to
    /// stdout when `None`.
    pub fn open(logfile: Option<&Path>, min_level: Level) -> io::Result<Logger> {
        let sink = match logfile {
            None => Sink::Stdout,
            Some(path) => Sink::File(LogFile::open(path)?),
        };
        Ok(Logger {
            min_level,
            sink: Mutex::new(sink),
        })
    }

    /// Whether a message at `level` would be written.
    pub fn enabled(&self, level: Level) -> bool {
        level >= self.min_level
    }

    /// Writes `message` at `level` if the configured level allows. Write errors are ignored,
    /// as Redis ignores them: logging must never take the sentinel down.
    pub fn log(&self, level: Level, message: &str) {
        if !self.enabled(level) {
            return;
        }
        // The pid is read per line, as Redis does: it changes when the process daemonizes.
        let line = format_line(std::process::id(), &LocalTime::now(), level, message);
        let mut sink = match self.sink.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let _ = match &mut *sink {
            Sink::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(line.as_bytes()).and_then(|()| out.flush())
            }
            Sink::File(f) => f.write_line(&line),
        };
    }

    pub fn warning(&self, message: &str) {
        self.log(Level::Warning, message);
    }

    pub fn notice(&self, message: &str) {
        self.log(Level::Notice, message);
    }

    pub fn verbose(&self, message: &str) {
        self.log(Level::Verbose, message);
    }

    pub fn debug(&self, message: &str) {
        self.log(Level::Debug, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_matches_redis_format() {
        let when = LocalTime {
            year: 2026,
            month: 10,
            day: 2,
            hour: 3,
            minute: 4,
            second: 5,
            millis: 7,
        };
        assert_eq!(
            format_line(
                4242,
                &when,
                Level::Warning,
                "+sdown master mymaster 127.0.0.1 6379"
            ),
            "4242:X 02 Nov 2026 03:04:05.007 # +sdown master mymaster 127.0.0.1 6379\n"
        );
        assert_eq!(level_char(Level::Debug), '.');
        assert_eq!(level_char(Level::Verbose), '-');
        assert_eq!(level_char(Level::Notice), '*');
    }

    #[test]
    fn filters_by_level_and_appends_to_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log.txt");
        let logger = Logger::open(Some(&path), Level::Notice).expect("open");
        logger.debug("hidden");
        logger.notice("shown");
        logger.warning("also shown");
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].ends_with(" * shown"), "{}", lines[0]);
        assert!(lines[1].ends_with(" # also shown"), "{}", lines[1]);
        assert!(lines[0].starts_with(&format!("{}:X ", std::process::id())));
    }

    #[test]
    fn follows_the_path_when_the_file_is_rotated_or_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log.txt");
        let rotated = dir.path().join("log.txt.1");
        let logger = Logger::open(Some(&path), Level::Notice).expect("open");
        logger.notice("before rotation");
        std::fs::rename(&path, &rotated).expect("rename");
        logger.notice("after rotation");
        let old = std::fs::read_to_string(&rotated).expect("read rotated");
        let new = std::fs::read_to_string(&path).expect("read new");
        assert!(old.ends_with(" * before rotation\n"), "{old}");
        assert_eq!(old.lines().count(), 1, "{old}");
        assert!(new.ends_with(" * after rotation\n"), "{new}");
        assert_eq!(new.lines().count(), 1, "{new}");
        logger.notice("same file");
        assert_eq!(
            std::fs::read_to_string(&path)
                .expect("read")
                .lines()
                .count(),
            2
        );
        std::fs::remove_file(&path).expect("remove");
        logger.warning("after removal");
        let again = std::fs::read_to_string(&path).expect("recreated");
        assert!(again.ends_with(" # after removal\n"), "{again}");
        assert_eq!(again.lines().count(), 1);
    }
}
