//! sudo rules that need no password: `NOPASSWD:` tags and `Defaults !authenticate`, in
//! /etc/sudoers and every file it includes (`#include`, `@include`, `#includedir`,
//! `@includedir`, relative paths from the including file's directory, as sudo 1.9 does). With
//! them, anyone who gets that account's shell (a leaked key, a web shell) is root at once.
//!
//! No sudoers file means no such rule: `ok` with zero rules, not skipped. An unreadable main file
//! (it is 0440 root) is skipped with the reason.

use crate::host::Host;
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_path")]
    pub path: String,
}

fn default_path() -> String {
    "/etc/sudoers".into()
}

pub const FIELDS: &[Field] = &[
    Field::flag("nopasswd", "1 when the rule runs commands without asking for a password"),
    Field::text("tag", "how: the NOPASSWD tag or a !authenticate default"),
    Field::text("location", "file:line of the rule"),
    Field::num("rules", "", "sudo rules read"),
    Field::num("files", "", "sudoers files read (with includes)"),
];

const MAX_DEPTH: usize = 8;

#[derive(Default)]
struct Walk {
    files: Vec<String>,
    rules: usize,
    hits: Vec<Observation>,
    notes: Vec<String>,
    /// `file:line` of each `Defaults` that makes sudo ask for another account's password
    /// (`rootpw`, `targetpw`, `runaspw`): the repair then cannot know whose password it needs.
    other_password: Vec<String>,
}

/// sudo reads every file of an includedir except names ending in `~` or containing a `.`.
fn included_name(name: &str) -> bool {
    !name.ends_with('~') && !name.contains('.')
}

/// An include target as an absolute, normalised path (so `sudoers.d/../sudoers` is recognised as
/// `/etc/sudoers` by the loop check): relative paths start at the including file's directory.
fn resolve(from_file: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{path}", crate::host::fsmeta::parent(from_file).trim_end_matches('/'))
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Cuts a trailing comment: `#` at the start of a word, unless `#<digits>` (a uid, as in `(#0)`).
pub(crate) fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) && !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return &line[..i];
        }
    }
    line
}

/// Logical lines: a trailing backslash continues a line. Yields (first line number, text).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, raw) in text.lines().enumerate() {
        let (start, mut acc) = current.take().unwrap_or((n + 1, String::new()));
        if let Some(head) = raw.strip_suffix('\\') {
            acc.push_str(head);
            acc.push(' ');
            current = Some((start, acc));
        } else {
            acc.push_str(raw);
            out.push((start, acc));
        }
    }
    out.extend(current);
    out
}

fn read_file(host: &Host, path: &str, depth: usize, w: &mut Walk) -> std::io::Result<()> {
    if depth > MAX_DEPTH || w.files.iter().any(|f| f == path) {
        w.notes.push(format!("{path}: include loop or nesting deeper than {MAX_DEPTH}; not read again"));
        return Ok(());
    }
    let Some(file) = host.read_optional(path)? else {
        if depth > 0 {
            w.notes.push(format!("{path}: included but does not exist"));
        }
        return Ok(());
    };
    w.files.push(path.to_string());
    for (n, line) in logical_lines(&file.text) {
        let t = line.trim();
        let mut words = t.split_whitespace();
        let first = words.next().unwrap_or("");
        match first {
            "#include" | "@include" | "#includedir" | "@includedir" => {
                let target = resolve(path, words.next().unwrap_or("").trim_matches('"'));
                let result = if first.ends_with("dir") {
                    match host.list_dir(&target) {
                        Ok(names) => {
                            for name in names.into_iter().filter(|n| included_name(n)) {
                                include(host, &format!("{}/{name}", target.trim_end_matches('/')), depth, w);
                            }
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                } else {
                    include(host, &target, depth, w);
                    Ok(())
                };
                if let Err(e) = result {
                    w.notes.push(format!("{target}: cannot read: {e}"));
                }
                continue;
            }
            _ => {}
        }
        let body = strip_comment(t).trim();
        if body.is_empty() {
            continue;
        }
        let loc = format!("{path}:{n}");
        let evidence = format!("{path}:{n}: {}", line.trim_end());
        let keyword = body.split_whitespace().next().unwrap_or("");
        if keyword == "Defaults" || keyword.starts_with("Defaults:") || keyword.starts_with("Defaults>") {
            let options: Vec<&str> = body.split([' ', '\t', ',']).map(str::trim).collect();
            let disables = options.contains(&"!authenticate");
            if options.iter().any(|o| ["rootpw", "targetpw", "runaspw"].contains(o)) {
                w.other_password.push(loc.clone());
            }
            if disables {
                let who = keyword.split_once([':', '>']).map(|(_, w)| w).unwrap_or("everyone");
                w.hits.push(hit(who, "Defaults !authenticate", &loc, evidence));
            }
            continue;
        }
        if keyword.ends_with("_Alias") {
            continue;
        }
        w.rules += 1;
        if body.contains("NOPASSWD:") {
            w.hits.push(hit(keyword, "NOPASSWD", &loc, evidence));
        }
    }
    Ok(())
}

fn include(host: &Host, path: &str, depth: usize, w: &mut Walk) {
    if let Err(e) = read_file(host, path, depth + 1, w) {
        w.notes.push(format!("{path}: cannot read: {e}"));
    }
}

fn hit(who: &str, tag: &str, loc: &str, evidence: String) -> Observation {
    Observation::new(who).flag("nopasswd", true).text("tag", tag).text("location", loc).evidence(evidence)
}

/// `file:line` of every `Defaults rootpw`, `targetpw` or `runaspw` in the sudoers files of the
/// examined system (/etc/sudoers and its includes): with one, sudo asks for root's (or the
/// target's) password instead of the user's.
pub fn other_password_defaults(host: &Host) -> std::io::Result<Vec<String>> {
    let mut w = Walk::default();
    read_file(host, &default_path(), 0, &mut w)?;
    Ok(w.other_password)
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let mut w = Walk::default();
    read_file(&ctx.host, &params.path, 0, &mut w).map_err(|e| ProbeError::io(&params.path, &e))?;
    let mut scope = Observation::new(&params.path).num("rules", w.rules as f64).num("files", w.files.len() as f64);
    for note in w.notes {
        scope = scope.evidence(note);
    }
    let mut items = vec![scope];
    items.extend(w.hits);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_continuations_and_names() {
        assert_eq!(strip_comment("%wheel ALL=(#0) ALL # admins"), "%wheel ALL=(#0) ALL ");
        assert_eq!(strip_comment("# NOPASSWD: ALL"), "");
        let lines = logical_lines("a \\\nb\nc\n");
        assert_eq!(lines, vec![(1, "a  b".to_string()), (3, "c".to_string())]);
        assert!(included_name("90-cloud-init-users"));
        assert!(!included_name("README.txt") || !included_name("x~"));
        assert_eq!(resolve("/etc/sudoers", "sudoers.d"), "/etc/sudoers.d");
        assert_eq!(resolve("/etc/sudoers.d/a", "../sudoers"), "/etc/sudoers");
        assert_eq!(resolve("/etc/sudoers", "/../../x/./y"), "/x/y");
    }

    #[test]
    fn include_loops_end() {
        let dir = tempfile::tempdir().expect("tempdir");
        let etc = dir.path().join("etc");
        std::fs::create_dir_all(etc.join("sudoers.d")).expect("mkdir");
        std::fs::write(
            etc.join("sudoers"),
            "#include /etc/sudoers
@includedir sudoers.d
",
        )
        .expect("write");
        std::fs::write(
            etc.join("sudoers.d/a"),
            "@include ../sudoers
bob ALL=(ALL) NOPASSWD: ALL
",
        )
        .expect("write");
        let ctx = ProbeContext::new(
            Host::new(dir.path()),
            std::time::Instant::now() + std::time::Duration::from_secs(5),
            false,
        );
        let o = observe(&Params { path: default_path() }, &ctx).expect("observes");
        let subjects: Vec<&str> = o.items.iter().map(|i| i.subject.as_str()).collect();
        assert_eq!(o.items.len(), 2, "{subjects:?} {:?}", o.items[0].evidence);
        assert_eq!(o.items[1].subject, "bob");
        assert!(o.items[0].evidence.iter().any(|e| e.contains("include loop")), "{:?}", o.items[0].evidence);
    }
}
