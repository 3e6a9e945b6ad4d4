//! `action.selinux`: /etc/selinux/config as the next boot can read it.
//!
//! - `SELINUX=` not enforcing, permissive or disabled: the value it most likely meant when that
//!   is unambiguous (one mode within two typing mistakes, or the only one it is the start of:
//!   `enforcin`, `Permissive`, `disable`), else `permissive`, which boots either way and keeps
//!   logging what enforcing would deny; the plan says which of the two it did.
//! - `SELINUXTYPE=` a policy that is not installed (the classic `SELINUXTYPE=disabled`): the one
//!   policy that is installed under /etc/selinux; refused when none or several are.
//!
//! Only the value's line changes. Takes effect at the next boot.

use super::grub::read_text;
use super::lines::replace_line;
use super::{Action, Change, FileEdit, Skip, Target};
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

const PATH: &str = "/etc/selinux/config";
const MODES: [&str; 3] = ["enforcing", "permissive", "disabled"];

/// The edit distance (insertions, deletions, substitutions, swaps of two neighbours).
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The mode a mistyped value most likely meant, when only one fits.
pub fn meant(value: &str) -> Option<&'static str> {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'').to_ascii_lowercase();
    if v.is_empty() {
        return None;
    }
    if let Some(m) = MODES.iter().find(|m| **m == v) {
        return Some(m);
    }
    let starts: Vec<&str> = MODES.iter().copied().filter(|m| v.len() >= 3 && m.starts_with(&v)).collect();
    if let [one] = starts.as_slice() {
        return Some(one);
    }
    let mut by: Vec<(usize, &str)> = MODES.iter().map(|m| (distance(&v, m), *m)).collect();
    by.sort();
    match by.as_slice() {
        [(d, m), (d2, _), ..] if *d <= 2 && d2 > d => Some(m),
        _ => None,
    }
}

/// The last `KEY=` line that is not a comment: (line number, value).
fn setting(text: &str, key: &str) -> Option<(usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#'))
        .filter_map(|(n, l)| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| (n + 1, v.trim().trim_matches('"').to_string()))
        })
        .last()
}

impl Action for Params {
    fn name(&self) -> String {
        "selinux-config".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let text = read_text(t, PATH)?;
        let bytes = text.as_bytes();
        let subject = t.finding.subject.as_deref().unwrap_or("");
        let (key, line, new_value, summary) = if subject.starts_with("SELINUX=") {
            let Some((line, value)) = setting(&text, "SELINUX") else {
                return Err(Skip::NotApplicable(rtf(l, R::SelinuxFine, &[("setting", subject)])));
            };
            if MODES.contains(&value.as_str()) {
                return Err(Skip::NotApplicable(rtf(l, R::SelinuxFine, &[("setting", subject)])));
            }
            let n = line.to_string();
            match meant(&value) {
                Some(m) => {
                    let s = rtf(l, R::SelinuxDoMeant, &[("value", &value), ("meant", m), ("line", &n)]);
                    ("SELINUX", line, m.to_string(), s)
                }
                None => {
                    let s = rtf(l, R::SelinuxDoPermissive, &[("value", &value), ("line", &n)]);
                    ("SELINUX", line, "permissive".to_string(), s)
                }
            }
        } else if subject.starts_with("SELINUXTYPE=") {
            let Some((line, value)) = setting(&text, "SELINUXTYPE") else {
                return Err(Skip::NotApplicable(rtf(l, R::SelinuxFine, &[("setting", subject)])));
            };
            let mut installed: Vec<String> = t
                .host
                .list_dir("/etc/selinux")
                .unwrap_or_default()
                .into_iter()
                .filter(|d| t.host.path(format!("/etc/selinux/{d}/policy")).is_dir())
                .collect();
            installed.sort();
            if installed.contains(&value) {
                return Err(Skip::NotApplicable(rtf(l, R::SelinuxFine, &[("setting", subject)])));
            }
            match installed.as_slice() {
                [one] => {
                    let n = line.to_string();
                    let s = rtf(l, R::SelinuxDoPolicy, &[("value", &value), ("policy", one), ("line", &n)]);
                    ("SELINUXTYPE", line, one.clone(), s)
                }
                [] => return Err(Skip::Refused(rtf(l, R::SelinuxNoPolicy, &[("value", &value)]))),
                many => {
                    return Err(Skip::Refused(rtf(
                        l,
                        R::SelinuxManyPolicies,
                        &[("value", &value), ("policies", &many.join(", "))],
                    )));
                }
            }
        } else {
            return Err(Skip::NotApplicable(rtf(l, R::SelinuxFine, &[("setting", subject)])));
        };
        let old = text.lines().nth(line - 1).unwrap_or("");
        let indent = &old[..old.len() - old.trim_start().len()];
        let after = replace_line(bytes, line, &format!("{indent}{key}={new_value}"));
        Ok(Change { summary, files: vec![FileEdit { path: PATH.into(), after: Some(after) }], ..Change::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_is_read_as_the_mode_it_meant_only_when_one_fits() {
        for (typo, want) in [
            ("enforcin", Some("enforcing")),
            ("Enforcing", Some("enforcing")),
            ("permisive", Some("permissive")),
            ("disable", Some("disabled")),
            ("disabeld", Some("disabled")),
            ("perm", Some("permissive")),
            ("\"enforcng\"", Some("enforcing")),
            ("0", None),
            ("off", None),
            ("", None),
            ("targeted", None),
        ] {
            assert_eq!(meant(typo), want, "{typo:?}");
        }
        assert_eq!(
            setting("# SELINUX=x\nSELINUX=a\nSELINUXTYPE=t\n SELINUX=\"b\"\n", "SELINUX"),
            Some((4, "b".into()))
        );
    }
}
