//! Duplicate identities: two accounts with one UID are one account to the kernel (files, processes,
//! audit trails cannot tell them apart), two entries with one name make logins ambiguous, and two
//! groups with one GID share every file. Each is an administration error or a planted backdoor.
//!
//! One observation per duplicated UID, user name, GID or group name, with every line that has it.

use crate::host::Host;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("kind", "what is duplicated: uid, user, gid or group"),
    Field::num("count", "", "how many entries share the id or name"),
    Field::text("names", "the accounts or groups that share it"),
    Field::num("users", "", "user entries read from /etc/passwd"),
    Field::num("groups", "", "group entries read from /etc/group"),
];

/// (name, id, `file:line: text`) of each parsable entry of a passwd-style file.
fn entries(host: &Host, path: &str) -> std::io::Result<Option<Vec<(String, String, String)>>> {
    let Some(file) = host.read_optional(path)? else { return Ok(None) };
    let mut out = Vec::new();
    for (n, line) in file.text.lines().enumerate() {
        let f: Vec<&str> = line.split(':').collect();
        let (Some(name), Some(id)) = (f.first(), f.get(2)) else { continue };
        if name.is_empty() || name.starts_with(['#', '+', '-']) || id.parse::<u32>().is_err() {
            continue;
        }
        out.push((name.to_string(), id.to_string(), format!("{path}:{}: {line}", n + 1)));
    }
    Ok(Some(out))
}

/// Observations for every key (selected by `key`) that more than one entry has.
fn duplicates(
    list: &[(String, String, String)],
    kind: &str,
    subject: impl Fn(&str) -> Said,
    key: impl Fn(&(String, String, String)) -> &str,
) -> Vec<Observation> {
    let mut by: BTreeMap<&str, Vec<&(String, String, String)>> = BTreeMap::new();
    for e in list {
        by.entry(key(e)).or_default().push(e);
    }
    let mut out = Vec::new();
    for (k, es) in by.into_iter().filter(|(_, es)| es.len() > 1) {
        let names: Vec<&str> = es.iter().map(|e| e.0.as_str()).collect();
        // The subject stays `user guest` (the machine subject); the texts say it in the run's language.
        let said = subject(k);
        let mut o = Observation::new(said.render(crate::i18n::Lang::En))
            .subject_words(said)
            .text("kind", kind)
            .num("count", es.len() as f64)
            .text("names", names.join(", "));
        for e in es {
            o = o.evidence(e.2.clone());
        }
        out.push(o);
    }
    out
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let users = entries(&ctx.host, "/etc/passwd")
        .map_err(|e| ProbeError::io("/etc/passwd", &e))?
        .ok_or_else(|| ProbeError::failed("ENOENT", Said::new(Msg::FailMissing).arg("path", "/etc/passwd")))?;
    let groups = entries(&ctx.host, "/etc/group").map_err(|e| ProbeError::io("/etc/group", &e))?.unwrap_or_default();
    let mut items = vec![
        Observation::new("/etc/passwd, /etc/group").num("users", users.len() as f64).num("groups", groups.len() as f64),
    ];
    let id = |k: &str| Said::new(Msg::ValItems).arg("items", k);
    items.extend(duplicates(&users, "UID", |k| id(&format!("UID {k}")), |e| &e.1));
    items.extend(duplicates(&users, "user name", |k| Said::new(Msg::ValUserNamed).arg("name", k), |e| &e.0));
    items.extend(duplicates(&groups, "GID", |k| id(&format!("GID {k}")), |e| &e.1));
    items.extend(duplicates(&groups, "group name", |k| Said::new(Msg::ValGroupNamed).arg("name", k), |e| &e.0));
    Ok(Observations::of(items))
}
