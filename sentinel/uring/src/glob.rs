//! Glob-style pattern matching with the semantics of Redis's `stringmatchlen` (util.c), used by
//! `PSUBSCRIBE`: `*`, `?`, `[...]` classes with `^` negation and `a-z` ranges, and `\` escapes.
//!
//! The pattern is compiled to tokens and matched with the single-backtrack wildcard algorithm:
//! O(pattern × subject) time, no recursion, so hostile patterns cannot blow the stack or the
//! CPU.

/// One compiled pattern element; every element but `Star` consumes exactly one byte.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Star,
    Any,
    Byte(u8),
    Class {
        negated: bool,
        items: Vec<ClassItem>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ClassItem {
    Byte(u8),
    /// Inclusive; stored low..=high (Redis swaps reversed ranges).
    Range(u8, u8),
}

impl Token {
    fn matches(&self, c: u8) -> bool {
        match self {
            Token::Star | Token::Any => true,
            Token::Byte(b) => *b == c,
            Token::Class { negated, items } => {
                let hit = items.iter().any(|item| match *item {
                    ClassItem::Byte(b) => b == c,
                    ClassItem::Range(lo, hi) => (lo..=hi).contains(&c),
                });
                hit != *negated
            }
        }
    }
}

fn compile(pattern: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'*' => {
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
                i += 1;
            }
            b'?' => {
                tokens.push(Token::Any);
                i += 1;
            }
            b'[' => {
                let (token, next) = compile_class(pattern, i + 1);
                tokens.push(token);
                i = next;
            }
            b'\\' if i + 1 < pattern.len() => {
                tokens.push(Token::Byte(pattern[i + 1]));
                i += 2;
            }
            // A trailing lone backslash matches itself, as in Redis.
            b => {
                tokens.push(Token::Byte(b));
                i += 1;
            }
        }
    }
    tokens
}

/// Compiles a class starting after its `[`; returns the token and the index after its `]`
/// (or the end of the pattern when the class is unterminated: Redis then ends it there).
fn compile_class(pattern: &[u8], mut i: usize) -> (Token, usize) {
    let negated = pattern.get(i) == Some(&b'^');
    if negated {
        i += 1;
    }
    let mut items = Vec::new();
    while i < pattern.len() {
        let c = pattern[i];
        if c == b'\\' && i + 1 < pattern.len() {
            items.push(ClassItem::Byte(pattern[i + 1]));
            i += 2;
        } else if c == b']' {
            i += 1;
            break;
        } else if i + 2 < pattern.len() && pattern[i + 1] == b'-' {
            let (a, b) = (c, pattern[i + 2]);
            items.push(ClassItem::Range(a.min(b), a.max(b)));
            i += 3;
        } else {
            items.push(ClassItem::Byte(c));
            i += 1;
        }
    }
    (Token::Class { negated, items }, i)
}

/// Whether `subject` matches the glob `pattern` (case-sensitive, like `PSUBSCRIBE`).
pub fn glob_match(pattern: &[u8], subject: &[u8]) -> bool {
    let tokens = compile(pattern);
    let (mut t, mut s) = (0usize, 0usize);
    // Where to resume after the last star: (token after the star, subject position).
    let mut backtrack: Option<(usize, usize)> = None;
    while s < subject.len() {
        match tokens.get(t) {
            Some(Token::Star) => {
                backtrack = Some((t + 1, s));
                t += 1;
            }
            Some(tok) if tok.matches(subject[s]) => {
                t += 1;
                s += 1;
            }
            _ => match backtrack {
                Some((bt, bs)) => {
                    t = bt;
                    s = bs + 1;
                    backtrack = Some((bt, bs + 1));
                }
                None => return false,
            },
        }
    }
    tokens[t.min(tokens.len())..]
        .iter()
        .all(|tok| *tok == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn table() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "", true),
            ("*", "+switch-master", true),
            ("", "", true),
            ("", "a", false),
            ("a", "", false),
            ("+switch-master", "+switch-master", true),
            ("+switch-master", "+switch-maste", false),
            ("+s*", "+sdown", true),
            ("+s*", "-sdown", false),
            ("*down", "+sdown", true),
            ("*down", "+sdown-x", false),
            ("*-*-*", "+failover-state-reconf-slaves", true),
            ("**a**", "xxaxx", true),
            ("h?llo", "hello", true),
            ("h?llo", "hllo", false),
            ("h[ae]llo", "hallo", true),
            ("h[ae]llo", "hillo", false),
            ("h[^e]llo", "hallo", true),
            ("h[^e]llo", "hello", false),
            ("h[a-c]llo", "hbllo", true),
            ("h[c-a]llo", "hbllo", true),
            ("h[a-c]llo", "hdllo", false),
            ("h[]llo", "hallo", false),
            ("h[^]llo", "hallo", true),
            ("h[\\]]llo", "h]llo", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "axb", false),
            ("a\\", "a\\", true),
            ("a[bc", "ab", true),
            ("a[bc", "ac", true),
            ("a[bc", "a[", false),
            ("*a*b*c*", "aXbXc", true),
            ("*a*b*c*", "aXcXb", false),
            ("?*", "", false),
            ("a*", "a", true),
            ("*?", "ab", true),
        ];
        for (pattern, subject, want) in cases {
            assert_eq!(
                glob_match(pattern.as_bytes(), subject.as_bytes()),
                *want,
                "pattern {pattern:?} subject {subject:?}"
            );
        }
    }

    #[test]
    fn pathological_patterns_finish() {
        let pattern = "a*".repeat(200) + "b";
        let subject = "a".repeat(5000);
        assert!(!glob_match(pattern.as_bytes(), subject.as_bytes()));
    }
}
