//! /etc/selinux/config as the next boot reads it: a mode other than enforcing, permissive or
//! disabled, or a policy type whose directory is not there (the common typo
//! `SELINUXTYPE=disabled`), leaves systemd unable to load a policy, and in enforcing mode it
//! freezes the boot ("Failed to load SELinux policy. Freezing."). A pending full relabel
//! (`/.autorelabel`) makes the next boot long.

use crate::i18n::{Msg, Said};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("mode", "SELINUX= as written"),
    Field::flag("mode_invalid", "1 when SELINUX= is not enforcing, permissive or disabled"),
    Field::text("policy", "SELINUXTYPE= as written"),
    Field::flag("policy_missing", "1 when SELinux is on and /etc/selinux/<SELINUXTYPE> does not exist"),
    Field::flag("relabel", "1 when /.autorelabel asks for a full relabel at the next boot"),
    Field::num("line", "", "the line of the value in /etc/selinux/config"),
];

const PATH: &str = "/etc/selinux/config";

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let f = match ctx.host.read_optional(PATH) {
        Ok(Some(f)) => f,
        Ok(None) => return Err(ProbeError::Skipped(Said::new(Msg::SkipFileMissing).arg("path", PATH))),
        Err(e) => return Err(ProbeError::io(PATH, &e)),
    };
    let mut mode = None;
    let mut policy = None;
    for (n, l) in f.text.lines().enumerate() {
        let l = l.trim();
        if l.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = l.split_once('=') {
            let v = v.trim().trim_matches('"').to_string();
            match k.trim() {
                "SELINUX" => mode = Some((v, n + 1, l.to_string())),
                "SELINUXTYPE" => policy = Some((v, n + 1, l.to_string())),
                _ => {}
            }
        }
    }
    let mut items = Vec::new();
    let enabled = mode.as_ref().is_some_and(|(m, _, _)| m != "disabled");
    if let Some((m, line, raw)) = &mode {
        items.push(
            Observation::new(format!("SELINUX={m}"))
                .text("mode", m)
                .num("line", *line as f64)
                .flag("mode_invalid", !matches!(m.as_str(), "enforcing" | "permissive" | "disabled"))
                .evidence(format!("{PATH}:{line}: {raw}")),
        );
    }
    if let Some((p, line, raw)) = &policy {
        let dir = format!("/etc/selinux/{p}");
        let present = !p.is_empty() && !p.contains('/') && ctx.host.path(&dir).is_dir();
        items.push(
            Observation::new(format!("SELINUXTYPE={p}"))
                .text("policy", p)
                .num("line", *line as f64)
                .flag("policy_missing", enabled && !present)
                .evidence(format!("{PATH}:{line}: {raw}"))
                .evidence(format!("{dir}: {}", if present { "present" } else { "missing" })),
        );
    }
    let relabel = ctx.host.path("/.autorelabel").exists();
    items.push(
        Observation::new("/.autorelabel")
            .flag("relabel", relabel && enabled)
            .evidence(format!("/.autorelabel: {}", if relabel { "present" } else { "absent" })),
    );
    Ok(Observations::of(items))
}
