//! Whether sshd can use each login account's authorized keys: one observation per existing
//! key file of the effective AuthorizedKeysFile ([`super::ssh_keys`]): keys that parse, broken
//! lines, Windows line ends, keys split over lines, the StrictModes chain, and a file the
//! account cannot read. Plus one per account whose keys give it no way in at all while it has
//! a key file.

use super::login::AccountFacts;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("user", "the account the key file lets in"),
    Field::num("files", "", "authorized keys files examined"),
    Field::num("valid", "", "keys in the file that parse"),
    Field::num("broken", "", "lines that are not a key"),
    Field::num("crlf", "", "lines ending in CR LF (Windows line ends)"),
    Field::num("split", "", "keys split over several lines"),
    Field::flag("bad_modes", "1 when StrictModes refuses the file for its or a parent's owner or mode"),
    Field::text("bad_at", "the path whose owner or mode StrictModes refuses"),
    Field::flag("unreadable", "1 when the account cannot read the file"),
    Field::num("usable", "", "keys sshd can use from this file"),
    Field::text("line", "the lines concerned"),
];

fn file_obs(f: &AccountFacts, k: &super::ssh_keys::KeyFile, strict: bool) -> Observation {
    let a = &f.account;
    let bad_at = k.bad_modes.as_deref().map(|b| b.split(':').next().unwrap_or(b).to_string());
    let first_broken = k.lines.broken.first().map(|(n, _)| n.to_string());
    let mut o = Observation::new(&k.path)
        .text("user", &a.name)
        .num("valid", k.lines.valid as f64)
        .num("broken", k.lines.broken.len() as f64)
        .num("crlf", k.lines.crlf.len() as f64)
        .num("split", k.lines.split.len() as f64)
        .flag("bad_modes", strict && k.bad_modes.is_some())
        .flag("unreadable", k.unreadable.is_some())
        .num("usable", k.usable(strict) as f64);
    o = match bad_at {
        Some(p) => o.text("bad_at", p),
        None => o.word("bad_at", Said::new(Msg::ValNone)),
    };
    o = match first_broken {
        Some(n) => o.text("line", n),
        None => o.word("line", Said::new(Msg::ValNone)),
    };
    for l in &k.evidence {
        o = o.evidence(l.clone());
    }
    for (n, why) in &k.lines.broken {
        let line = format!("{}:{n}: {why}", k.path);
        o = o.field_evidence("broken", line.clone()).field_evidence("split", line.clone()).evidence(line);
    }
    for (n, _) in &k.lines.crlf {
        o = o.field_evidence("crlf", format!("{}:{n}: ends in CR LF", k.path));
    }
    if let Some(b) = &k.bad_modes {
        o = o.field_evidence("bad_modes", format!("StrictModes yes: sshd refuses {b}"));
        o = o.field_evidence("bad_modes", f.eff.where_set("strictmodes"));
    }
    if let Some(u) = &k.unreadable {
        o = o.field_evidence("unreadable", format!("{} cannot read: {u}", a.name));
    }
    if let Some(e) = &k.error {
        o = o.evidence(e.clone());
    }
    o
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let login = ctx.login_facts()?;
    if !login.sshd_installed {
        return Err(ProbeError::Skipped(Said::new(Msg::SkipSshNotInstalled).arg("path", super::login::SSHD_CONFIG)));
    }
    let mut items = Vec::new();
    let mut files = 0;
    for f in &login.accounts {
        let strict = f.eff.yes("strictmodes");
        for k in f.key_files.iter().filter(|k| k.exists) {
            files += 1;
            items.push(file_obs(f, k, strict));
        }
    }
    let scope =
        Observation::new("authorized_keys").num("files", files as f64).subject_words(Said::new(Msg::LoginKeysScope));
    items.insert(0, scope);
    Ok(Observations::of(items))
}
