//! Cutting the file into lines and telling comments from directives: shared by the loader and
//! the rewrite so that both see the very same lines.

use super::tokens::{SplitError, split_args};

/// What one line of the file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// Blank, a `#` comment, or nothing left after splitting.
    Comment,
    /// Cannot be split (unbalanced quotes, or not UTF-8 after escapes).
    Bad(SplitError),
    /// Arguments; the first is the directive name as written.
    Args(Vec<String>),
}

/// The file's lines, trimmed of `" \t\r\n"` as Redis trims them. A final newline does not start
/// another (empty) line.
pub(crate) fn lines(text: &str) -> Vec<&str> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        return Vec::new();
    }
    body.split('\n')
        .map(|l| l.trim_matches([' ', '\t', '\r', '\n']))
        .collect()
}

/// Classify one trimmed line.
pub(crate) fn classify(line: &str) -> LineKind {
    if line.is_empty() || line.starts_with('#') {
        return LineKind::Comment;
    }
    match split_args(line) {
        Err(e) => LineKind::Bad(e),
        Ok(args) if args.is_empty() => LineKind::Comment,
        Ok(args) => LineKind::Args(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_ignores_final_newline() {
        assert_eq!(lines(" a \r\n\tb\n"), ["a", "b"]);
        assert_eq!(lines("a\n\n"), ["a", ""]);
        assert!(lines("").is_empty());
    }

    #[test]
    fn classifies() {
        assert_eq!(classify("# x"), LineKind::Comment);
        assert_eq!(classify(""), LineKind::Comment);
        assert_eq!(classify("\0port 1"), LineKind::Comment);
        assert_eq!(
            classify("port 1"),
            LineKind::Args(vec!["port".into(), "1".into()])
        );
        assert_eq!(classify("port \"1"), LineKind::Bad(SplitError::Unbalanced));
    }
}
