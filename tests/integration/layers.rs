//! The module layers (README "Design"): a top-level module of `src/` may name only modules of
//! its own layer or a lower one, and the graph of those names has no cycle.
//!
//! ```text
//! L0  exit · i18n · redact · fmt
//! L1  host · cloud
//! L2  trace · probe
//! L3  catalog · report
//! L4  engine · history · fleet · ticket
//! L5  config · options · cli · completions
//! L6  cmd · app
//! ```
//!
//! What a module names is read from its source files: every `crate::<x>` path (also inside
//! `use crate::{a::.., b::..}`) and every `super::` that climbs to the crate root, in code that is
//! not under `#[cfg(test)]` (tests may reach anywhere), with comments and string literals left
//! out. No parser crate: a small lexer that knows Rust's comments, strings, raw strings and
//! character literals is enough for imports. A new top-level module must be given a layer here.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The layers, lowest first.
const LAYERS: &[&[&str]] = &[
    &["exit", "i18n", "redact", "fmt", "glob"],
    &["host", "cloud"],
    &["trace", "probe"],
    &["catalog", "report", "repair"],
    &["engine", "history", "fleet", "ticket"],
    &["config", "options", "cli", "completions"],
    &["cmd", "app"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// One place where a module names another.
#[derive(Debug, Clone)]
struct Use {
    file: String,
    line: usize,
    text: String,
}

/// Rust source with comments, string and character literals blanked out (newlines kept, so
/// line numbers stay right).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, s: &[u8]| out.extend(s.iter().map(|c| if *c == b'\n' { b'\n' } else { b' ' }));
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|c| *c == b'\n').unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest.starts_with(b"/*") {
            // Block comments nest.
            let (mut depth, mut j) = (0usize, 0);
            while j < rest.len() {
                if rest[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, &rest[..j]);
            i += j;
        } else if let Some(len) = raw_string_len(rest) {
            blank(&mut out, &rest[..len]);
            i += len;
        } else if rest[0] == b'"' || rest.starts_with(b"b\"") {
            let start = usize::from(rest[0] == b'b');
            let mut j = start + 1;
            while j < rest.len() && rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest[0] == b'\'' {
            // A character literal ('x', '\n', '\'', '\u{1F600}', 'é'), or a lifetime ('a).
            let len = char_literal_len(rest);
            blank(&mut out, &rest[..len]);
            i += len.max(1);
        } else {
            out.push(rest[0]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The length of a raw string literal (`r"..."`, `r#"..."#`, `br##"..."##`) at the start of `b`.
fn raw_string_len(b: &[u8]) -> Option<usize> {
    let start = if b.starts_with(b"br") {
        2
    } else if b.starts_with(b"r") {
        1
    } else {
        return None;
    };
    let hashes = b[start..].iter().take_while(|c| **c == b'#').count();
    if b.get(start + hashes) != Some(&b'"') {
        return None;
    }
    let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
    let body = start + hashes + 1;
    let end = b[body..].windows(close.len()).position(|w| w == close.as_slice())?;
    Some(body + end + close.len())
}

/// The length of a character literal at the start of `b`, or 1 for the quote of a lifetime.
fn char_literal_len(b: &[u8]) -> usize {
    if b.get(1) == Some(&b'\\') {
        return b[2..].iter().position(|c| *c == b'\'').map_or(1, |p| p + 3);
    }
    // One character (up to 4 bytes of UTF-8) and the closing quote.
    (2..=5)
        .find(|&n| b.get(n) == Some(&b'\'') && std::str::from_utf8(&b[1..n]).is_ok_and(|s| s.chars().count() == 1))
        .map_or(1, |n| n + 1)
}

/// `code` without the items under `#[cfg(test)]` (blanked, newlines kept).
fn without_tests(code: &str) -> String {
    let mut b = code.as_bytes().to_vec();
    let marker = b"#[cfg(test)]";
    let mut from = 0;
    while let Some(p) = b[from..].windows(marker.len()).position(|w| w == marker).map(|p| p + from) {
        // The item ends at a `;` outside brackets before any `{`, or at the `}` matching its first `{`.
        let (mut j, mut paren) = (p + marker.len(), 0i32);
        let end = loop {
            match b.get(j) {
                None => break b.len(),
                Some(b'(' | b'[') => paren += 1,
                Some(b')' | b']') => paren -= 1,
                Some(b';') if paren == 0 => break j + 1,
                Some(b'{') if paren == 0 => {
                    let mut depth = 0;
                    while j < b.len() {
                        match b[j] {
                            b'{' => depth += 1,
                            b'}' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    break (j + 1).min(b.len());
                }
                _ => {}
            }
            j += 1;
        };
        for c in &mut b[p..end] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
        from = end;
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn ident_at(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules a file names (with where), given its module path below the crate
/// root (`["probe", "ssh", "auth_log"]` for src/probe/ssh/auth_log/mod.rs).
fn names_in(file: &str, module_path: &[String], src: &str) -> Vec<(String, Use)> {
    let code = without_tests(&code_only(src));
    let lines: Vec<&str> = src.lines().collect();
    let mut found = Vec::new();
    let mut add = |target: &str, offset: usize| {
        let line = code[..offset].matches('\n').count() + 1;
        let text = lines.get(line - 1).map_or("", |l| l.trim()).to_string();
        found.push((target.to_string(), Use { file: file.to_string(), line, text }));
    };
    let word_start =
        |i: usize| i == 0 || !code.as_bytes()[i - 1].is_ascii_alphanumeric() && code.as_bytes()[i - 1] != b'_';
    for (i, _) in code.match_indices("crate::") {
        if !word_start(i) || code[..i].ends_with('$') {
            continue;
        }
        let after = &code[i + "crate::".len()..];
        let after = after.trim_start();
        if let Some(group) = after.strip_prefix('{') {
            // `crate::{a::x, b, c::{y, z}}`: the names at the group's top level.
            let (mut depth, mut at_start) = (0, true);
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => at_start = true,
                    c if at_start && depth == 0 && (c.is_ascii_alphabetic() || c == '_') => {
                        at_start = false;
                        let name = ident_at(&group[k..]);
                        if name != "self" {
                            add(name, i);
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident_at(after);
            if !name.is_empty() {
                add(name, i);
            }
        }
    }
    // `super::super::x` climbing out of the top-level module to the crate root.
    for (i, _) in code.match_indices("super::") {
        if !word_start(i) || code[..i].ends_with("super::") {
            continue;
        }
        let mut rest = &code[i..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            ups += 1;
            rest = r.trim_start();
        }
        if ups >= module_path.len() {
            let name = ident_at(rest);
            if !name.is_empty() {
                add(name, i);
            }
        }
    }
    found
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("read src").map(|e| e.expect("dir entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file below src/ (`probe/ssh/mod.rs` → probe, ssh).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" {
            parts.push(stem);
        }
    }
    parts
}

/// The import graph of src/: (from, to) → every place it is named.
fn graph() -> BTreeMap<(String, String), Vec<Use>> {
    let src = crate::common::project_dir().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<(String, String), Vec<Use>> = BTreeMap::new();
    for path in files {
        let rel = path.strip_prefix(&src).expect("under src").to_path_buf();
        if rel == Path::new("lib.rs") || rel == Path::new("main.rs") {
            continue; // the root declares the modules; the binary uses the library from outside
        }
        let module = module_path(&rel);
        let text = std::fs::read_to_string(&path).expect("read source");
        let shown = format!("src/{}", rel.display());
        for (to, at) in names_in(&shown, &module, &text) {
            if to != module[0] {
                edges.entry((module[0].clone(), to)).or_default().push(at);
            }
        }
    }
    edges
}

/// A cycle in `edges`, as the modules along it, if there is one.
fn find_cycle(edges: &BTreeSet<(String, String)>) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        next.entry(a).or_default().push(b);
    }
    // Depth-first, with the path on a stack: a node met again on the path closes a cycle.
    fn visit<'a>(
        n: &'a str,
        next: &BTreeMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(k) = path.iter().position(|p| *p == n) {
            let mut cycle: Vec<String> = path[k..].iter().map(|s| s.to_string()).collect();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if !done.insert(n) {
            return None;
        }
        path.push(n);
        for m in next.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, next, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for n in next.keys() {
        if let Some(c) = visit(n, &next, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

fn places(uses: &[Use]) -> String {
    uses.iter().take(3).map(|u| format!("\n    {}:{}: {}", u.file, u.line, u.text)).collect()
}

#[test]
fn modules_import_only_their_layer_and_below_without_cycles() {
    let edges = graph();
    assert!(edges.len() > 20, "the import graph looks empty: {:?}", edges.keys().collect::<Vec<_>>());
    let mut problems = String::new();
    for ((from, to), uses) in &edges {
        let (Some(lf), Some(lt)) = (layer_of(from), layer_of(to)) else {
            let unknown = if layer_of(from).is_none() { from } else { to };
            let _ = write!(
                problems,
                "\nmodule `{unknown}` has no layer: add it to LAYERS in tests/integration/layers.rs (and the README's diagram){}",
                places(uses)
            );
            continue;
        };
        if lt > lf {
            let _ = write!(
                problems,
                "\n`{from}` (layer L{lf}) imports `{to}` (layer L{lt}): a module may import only its own layer and below{}",
                places(uses)
            );
        }
    }
    if let Some(cycle) = find_cycle(&edges.keys().cloned().collect()) {
        let _ = write!(problems, "\nimport cycle: {}", cycle.join(" → "));
        for pair in cycle.windows(2) {
            let key = (pair[0].clone(), pair[1].clone());
            let _ = write!(
                problems,
                "\n  {} → {}:{}",
                pair[0],
                pair[1],
                places(&edges[&key]).replace("\n    ", "\n      ")
            );
        }
    }
    assert!(problems.is_empty(), "module layers broken (see README, \"Design\"):{problems}");
}

/// The reader sees what the compiler sees: comments, strings and `#[cfg(test)]` code name
/// nothing; grouped and nested imports and `super::` climbing to the root do.
#[test]
fn the_import_reader_reads_imports_only() {
    let src = r##"
//! Uses [`crate::doc_only`].
use crate::{alpha::A, beta, gamma::{x, y}, self};
use crate::delta::D;
const S: &str = "crate::in_string";
const R: &str = r#"crate::in_raw "quoted" string"#;
const C: char = '"';
fn f<'a>(x: &'a str) -> &'a str { /* crate::in_comment /* nested */ crate::still_comment */ x }
#[cfg(test)]
mod tests { use crate::test_only; fn g() { let _ = "}"; } }
#[cfg(test)]
fn helper() -> [u8; 2] { crate::test_helper_only(); [0; 2] }
fn h() { super::super::epsilon::run(); super::sibling::x(); crate::zeta::run(); }
"##;
    let names: BTreeSet<String> =
        names_in("x.rs", &["probe".to_string(), "net".to_string()], src).into_iter().map(|(n, _)| n).collect();
    let expected: BTreeSet<String> =
        ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"].iter().map(|s| s.to_string()).collect();
    assert_eq!(names, expected);
    let lines: Vec<usize> = names_in("x.rs", &["probe".to_string()], src)
        .into_iter()
        .filter(|(n, _)| n == "zeta")
        .map(|(_, u)| u.line)
        .collect();
    assert_eq!(lines, vec![13]);
}

/// A cycle is found and shown; a layered graph has none.
#[test]
fn cycles_are_found() {
    let e = |pairs: &[(&str, &str)]| -> BTreeSet<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    };
    assert_eq!(find_cycle(&e(&[("app", "cli"), ("cli", "host"), ("app", "host")])), None);
    let cycle = find_cycle(&e(&[("app", "ticket"), ("ticket", "report"), ("report", "app"), ("x", "app")]));
    let cycle = cycle.expect("a cycle");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4, "{cycle:?}");
}
