//! Glob matching with Redis's semantics (util.c `stringmatchlen`): `*`, `?`, `[...]` with
//! ranges, `^` negation and `\` escapes, and `\` escapes outside brackets. Quirks kept: an empty
//! string matches no pattern but the empty one, and an unterminated `[` acts as if closed.

/// Whether `string` matches `pattern`; `nocase` folds ASCII case.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_from(pattern, string, nocase, &mut skip_longer, 0)
}

fn fold(c: u8, nocase: bool) -> u8 {
    if nocase { c.to_ascii_lowercase() } else { c }
}

fn match_from(
    mut p: &[u8],
    mut s: &[u8],
    nocase: bool,
    skip_longer: &mut bool,
    nesting: usize,
) -> bool {
    // Bounds the recursion a hostile pattern like `*a*a*a*...` could cause.
    if nesting > 1000 {
        return false;
    }
    while let (Some(&pc), Some(&sc)) = (p.first(), s.first()) {
        match pc {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                while !s.is_empty() {
                    if match_from(&p[1..], s, nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        // A shorter tail already ran out of string: longer tails cannot match.
                        return false;
                    }
                    s = &s[1..];
                }
                *skip_longer = true;
                return false;
            }
            b'?' => s = &s[1..],
            b'[' => {
                p = &p[1..];
                let not = p.first() == Some(&b'^');
                if not {
                    p = &p[1..];
                }
                let c = fold(sc, nocase);
                let mut matched = false;
                loop {
                    if p.len() >= 2 && p[0] == b'\\' {
                        p = &p[1..];
                        if fold(p[0], nocase) == c {
                            matched = true;
                        }
                    } else if p.is_empty() || p[0] == b']' {
                        break;
                    } else if p.len() >= 3 && p[1] == b'-' {
                        let (mut start, mut end) = (fold(p[0], nocase), fold(p[2], nocase));
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        p = &p[2..];
                        if (start..=end).contains(&c) {
                            matched = true;
                        }
                    } else if fold(p[0], nocase) == c {
                        matched = true;
                    }
                    p = &p[1..];
                }
                if matched == not {
                    return false;
                }
                s = &s[1..];
            }
            b'\\' if p.len() >= 2 => {
                p = &p[1..];
                if fold(p[0], nocase) != fold(sc, nocase) {
                    return false;
                }
                s = &s[1..];
            }
            _ => {
                if fold(pc, nocase) != fold(sc, nocase) {
                    return false;
                }
                s = &s[1..];
            }
        }
        if !p.is_empty() {
            p = &p[1..];
        }
        if s.is_empty() {
            while p.first() == Some(&b'*') {
                p = &p[1..];
            }
            break;
        }
    }
    p.is_empty() && s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn table() {
        let cases: &[(&str, &str, bool, bool)] = &[
            ("*", "anything", false, true),
            ("*", "", false, false),
            ("", "", false, true),
            ("my*", "mymaster", false, true),
            ("my*", "master", false, false),
            ("m?master", "mymaster", false, true),
            ("m?master", "mmaster", false, false),
            ("*master", "mymaster", false, true),
            ("*a*b", "xaxxb", false, true),
            ("*a*b", "xaxxc", false, false),
            ("[abc]x", "bx", false, true),
            ("[abc]x", "dx", false, false),
            ("[^abc]x", "dx", false, true),
            ("[^abc]x", "ax", false, false),
            ("[a-c]x", "bx", false, true),
            ("[c-a]x", "bx", false, true),
            ("[a-c]x", "dx", false, false),
            ("[\\]]", "]", false, true),
            ("\\*", "*", false, true),
            ("\\*", "a", false, false),
            ("a\\", "a\\", false, true),
            ("[abc", "a", false, true),
            ("MY*", "mymaster", false, false),
            ("MY*", "mymaster", true, true),
            ("[A-C]", "b", true, true),
            ("announce-*", "announce-ip", true, true),
            ("*-hostnames", "resolve-hostnames", true, true),
            ("h?llo", "hello", false, true),
            ("h*llo", "heeeello", false, true),
            ("h[^e]llo", "hallo", false, true),
        ];
        for (p, s, nocase, want) in cases {
            assert_eq!(
                glob_match(p.as_bytes(), s.as_bytes(), *nocase),
                *want,
                "{p:?} vs {s:?} nocase={nocase}"
            );
        }
    }

    #[test]
    fn pathological_pattern_terminates() {
        let p = "*a".repeat(200) + "b";
        let s = "a".repeat(300);
        assert!(!glob_match(p.as_bytes(), s.as_bytes(), false));
    }
}
