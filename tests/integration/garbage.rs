//! Every check against roots whose files are all garbage: random bytes, truncations, empty files
//! and non-UTF-8 text at every path any fixture root uses (the scenario roots and the case roots). The engine turns a probe panic into an
//! `error` result saying "internal error": no check may ever say that.

use crate::common::*;
use std::path::{Path, PathBuf};

/// Every file path (relative) used by any fixture root, the scenario roots and the case roots of
/// tests/fixtures/checks/, with the content of the first root that has it (healthy first).
fn fixture_paths() -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut std::collections::BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                walk(base, &p, out);
            } else if ft.is_file()
                && let Ok(rel) = p.strip_prefix(base)
                && !out.contains_key(rel)
            {
                out.insert(rel.to_path_buf(), std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    let fixtures = project_dir().join("tests/fixtures");
    let mut roots = vec![fixtures.join("roots/healthy"), fixtures.join("roots/broken")];
    let mut more: Vec<PathBuf> =
        std::fs::read_dir(fixtures.join("roots")).expect("fixture roots").flatten().map(|e| e.path()).collect();
    for check in std::fs::read_dir(fixtures.join("checks")).expect("case folders").flatten() {
        for case in std::fs::read_dir(check.path()).into_iter().flatten().flatten() {
            more.push(case.path().join("root"));
        }
    }
    more.sort();
    roots.extend(more);
    let mut out = std::collections::BTreeMap::new();
    for root in roots.iter().filter(|r| r.is_dir()) {
        walk(root, root, &mut out);
    }
    out
}

/// A small deterministic generator (xorshift), so a failure can be reproduced by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, original: &[u8]) -> Vec<u8> {
        match self.next() % 5 {
            0 => Vec::new(),
            1 => original[..(self.next() as usize % (original.len() + 1))].to_vec(),
            2 => (0..self.next() % 4096).map(|_| self.next() as u8).collect(),
            // The original with some bytes replaced by invalid UTF-8 and separators.
            3 => original
                .iter()
                .map(|b| match self.next() % 23 {
                    0 => 0xff,
                    1 => b'\n',
                    2 => b':',
                    3 => b' ',
                    _ => *b,
                })
                .collect(),
            _ => {
                let mut v = original.to_vec();
                const ALPHABET: &[u8] = b"0123456789 :/.\t\n-x";
                v.extend((0..self.next() % 64).map(|_| ALPHABET[self.next() as usize % ALPHABET.len()]));
                v
            }
        }
    }
}

#[test]
fn no_probe_panics_on_garbage_anywhere() {
    let paths = fixture_paths();
    for seed in (1..=16_u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut rng = Rng(seed);
        for (rel, original) in &paths {
            let target = dir.path().join(rel);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            std::fs::write(&target, rng.bytes(original)).expect("write");
        }
        let Some((r, code)) = run_json(dir.path(), &["--deadline", "20"]) else { return };
        assert!((0..=3).contains(&code), "seed {seed:#x}: exit {code}");
        for c in r["checks"].as_array().expect("checks") {
            let text = c.to_string();
            assert!(!text.contains("internal error"), "seed {seed:#x}: a probe panicked: {c:#}");
            assert!(!text.contains("timed out"), "seed {seed:#x}: a probe hung on garbage: {c:#}");
        }
    }
}
