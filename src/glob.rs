//! Shell-style wildcard matching (`*` any run, `?` one character, and, for fnmatch's patterns,
//! `[...]` classes) shared by sshd's patterns (AllowUsers, Include, hosts.allow/deny) and PAM's
//! globs (pam_succeed_if, pam_access).
//!
//! The patterns come from the examined system, so the matcher must stay cheap on any input: it
//! walks pattern and text once, and on a mismatch goes back only to the last star (the star then
//! takes one more character). A later star never needs an earlier one again, so this is exact for
//! these patterns, takes at most pattern × text steps, and uses no recursion and no memory (the
//! recursive matchers tried exponentially many splits for a pattern of many stars, a fuzzing
//! finding, and a long one could overflow the stack).

/// One position of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Token<C> {
    /// `*`: any run of characters, also none.
    Star,
    /// `?`: any one character.
    Any,
    /// A character that must be there.
    Lit(C),
    /// `[...]` / `[!...]`: single characters and ranges `a-z`; `true` when negated.
    Class(Vec<(C, C)>, bool),
}

impl<C: PartialOrd + Copy> Token<C> {
    fn takes(&self, c: C) -> bool {
        match self {
            Token::Star => false,
            Token::Any => true,
            Token::Lit(l) => *l == c,
            Token::Class(set, negated) => set.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *negated,
        }
    }
}

/// Whether `text` matches `pattern` whole.
pub fn matches<C: PartialOrd + Copy>(pattern: &[Token<C>], text: &[C]) -> bool {
    let (mut p, mut t) = (0, 0);
    // The position after the last star, and where in the text that star's run ends now.
    let mut back: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Token::Star) => {
                back = Some((p + 1, t));
                p += 1;
            }
            Some(tok) if tok.takes(text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match back {
                Some((after, end)) => {
                    p = after;
                    t = end + 1;
                    back = Some((after, end + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|tok| *tok == Token::Star)
}

/// sshd's patterns (match.c `match_pattern`): `*` and `?`, every other byte itself.
pub fn sshd(pattern: &str, name: &str) -> bool {
    let p: Vec<Token<u8>> = pattern
        .bytes()
        .map(|b| match b {
            b'*' => Token::Star,
            b'?' => Token::Any,
            b => Token::Lit(b),
        })
        .collect();
    matches(&p, name.as_bytes())
}

/// fnmatch(3)'s patterns without flags: `*`, `?` and `[...]` (`!` or `^` negates, `a-z` ranges;
/// a `[` without its `]` is itself).
pub fn fnmatch(pattern: &str, text: &str) -> bool {
    let chars: Vec<char> = pattern.chars().collect();
    let mut p = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => p.push(Token::Star),
            '?' => p.push(Token::Any),
            '[' => {
                // `]` right after `[` or `[!` belongs to the set.
                let start = i + 1 + usize::from(matches!(chars.get(i + 1), Some('!' | '^')));
                match chars.iter().skip(start + 1).position(|c| *c == ']').map(|k| k + start + 1) {
                    Some(close) => {
                        let negated = start > i + 1;
                        let set = &chars[start..close];
                        let mut ranges = Vec::new();
                        let mut k = 0;
                        while k < set.len() {
                            if k + 2 < set.len() && set[k + 1] == '-' {
                                ranges.push((set[k], set[k + 2]));
                                k += 3;
                            } else {
                                ranges.push((set[k], set[k]));
                                k += 1;
                            }
                        }
                        p.push(Token::Class(ranges, negated));
                        i = close;
                    }
                    None => p.push(Token::Lit('[')),
                }
            }
            c => p.push(Token::Lit(c)),
        }
        i += 1;
    }
    let t: Vec<char> = text.chars().collect();
    matches(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain recursive definition, for comparing on small inputs.
    fn reference(p: &[Token<u8>], t: &[u8]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(Token::Star) => reference(&p[1..], t) || (!t.is_empty() && reference(p, &t[1..])),
            Some(tok) => !t.is_empty() && tok.takes(t[0]) && reference(&p[1..], &t[1..]),
        }
    }

    /// Every pattern over `*?ab` up to 5 long against every text over `ab` up to 6 long: the same
    /// answer as the definition.
    #[test]
    fn agrees_with_the_definition() {
        fn all(alphabet: &[u8], max: usize) -> Vec<Vec<u8>> {
            let mut out = vec![Vec::new()];
            let mut last = vec![Vec::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|w: &Vec<u8>| alphabet.iter().map(move |c| [w.as_slice(), &[*c]].concat()))
                    .collect();
                out.extend(last.iter().cloned());
            }
            out
        }
        let texts = all(b"ab", 6);
        for pat in all(b"*?ab", 5) {
            let p: Vec<Token<u8>> = pat
                .iter()
                .map(|b| match b {
                    b'*' => Token::Star,
                    b'?' => Token::Any,
                    b => Token::Lit(*b),
                })
                .collect();
            for t in &texts {
                assert_eq!(
                    matches(&p, t),
                    reference(&p, t),
                    "{:?} {:?}",
                    String::from_utf8_lossy(&pat),
                    String::from_utf8_lossy(t)
                );
            }
        }
    }

    #[test]
    fn sshd_patterns() {
        assert!(sshd("*.conf", "50-cloud.conf"));
        assert!(!sshd("*.conf", "50-cloud.conf.bak"));
        assert!(sshd("a?c", "abc"));
        assert!(sshd("*", ""));
        assert!(sshd("a*b*c", "aXbYbZc"));
        assert!(!sshd("a*b*c", "aXbYbZ"));
        assert!(sshd("**?", "x"));
        assert!(!sshd("?", ""));
        assert!(sshd("[ab]", "[ab]"), "no classes in sshd's patterns");
    }

    #[test]
    fn fnmatch_patterns() {
        for (p, t, want) in [
            ("*", "", true),
            ("a*c", "abbc", true),
            ("a?c", "ac", false),
            ("[a-c]x", "bx", true),
            ("[!a-c]x", "bx", false),
            ("[^a-c]x", "dx", true),
            ("/bin/*sh", "/bin/bash", true),
            ("[", "[", true),
            ("[]]", "]", true),
            ("*[a-c]*[a-c]x", "zzazzbx", true),
            ("**?", "", false),
        ] {
            assert_eq!(fnmatch(p, t), want, "{p} {t}");
        }
    }

    /// Patterns of many stars that cannot match (the fuzzing finding) and very long ones: the
    /// answers, with no recursion to run out of stack on.
    #[test]
    fn many_stars_and_long_patterns() {
        let stars = format!("{}x", "*".repeat(120));
        assert!(!sshd(&stars, &"a".repeat(200)));
        assert!(sshd(&stars, &format!("{}x", "a".repeat(200))));
        assert!(!sshd(&("*a".repeat(60) + "b"), &"a".repeat(200)));
        assert!(!fnmatch(&("*[a-b]".repeat(40) + "c"), &"a".repeat(250)));
        let long = "*".repeat(1_000_000) + "y";
        assert!(sshd(&long, "xy") && !sshd(&long, "xz"));
    }
}
