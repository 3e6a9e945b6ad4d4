//! The hostname set in the console (metadata `hostname`) against the guest's: the running
//! hostname and /etc/hostname. cloud-init's `update_hostname` module sets the console's name at
//! every boot unless `preserve_hostname: true`; a name changed in the console shows here until
//! the next boot, and a name set by hand is replaced at the next boot. A running hostname that
//! /etc/hostname does not hold is lost at the next boot whatever the cloud.

use crate::host::metadata::Source;
use crate::i18n::Msg;
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("console_hostname", "the hostname the console set (metadata hostname)"),
    Field::text("hostname", "the running hostname"),
    Field::text("etc_hostname", "the name in /etc/hostname, or none"),
    Field::flag("differs", "1 when the running hostname is not the console's"),
    Field::flag("preserved", "1 when cloud-init is told to keep the guest's own name (preserve_hostname: true)"),
    Field::flag("not_persistent", "1 when /etc/hostname holds another name than the running one"),
];

/// Whether cloud.cfg (or a drop-in) says `preserve_hostname: true`; the last one read wins
/// (with the line that says it, `path:line: text`).
pub fn preserve_hostname(host: &crate::host::Host) -> (bool, Option<String>) {
    let mut files = vec!["/etc/cloud/cloud.cfg".to_string()];
    for n in host.list_dir("/etc/cloud/cloud.cfg.d").unwrap_or_default() {
        if n.ends_with(".cfg") {
            files.push(format!("/etc/cloud/cloud.cfg.d/{n}"));
        }
    }
    let mut out = (false, None);
    for p in files {
        let Ok(Some(f)) = host.read_optional(&p) else { continue };
        for (i, line) in f.text.lines().enumerate() {
            if let Some(v) = line.trim_start().strip_prefix("preserve_hostname:") {
                let v = v.split('#').next().unwrap_or("").trim().to_ascii_lowercase();
                out = (v == "true" || v == "yes", Some(format!("{p}:{}: {}", i + 1, line.trim())));
            }
        }
    }
    out
}

/// A hostname compared as a name: case-insensitive, the short name of a FQDN matches.
pub fn same(a: &str, b: &str) -> bool {
    let short = |s: &str| s.split('.').next().unwrap_or(s).to_ascii_lowercase();
    a.eq_ignore_ascii_case(b) || short(a) == short(b)
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if let Source::NotApplicable(why) = ctx.metadata_source() {
        return Err(ProbeError::Skipped(why));
    }
    if !ctx.host.is_live() {
        return Err(ProbeError::skipped(Msg::SkipNicsUnderRoot));
    }
    let net = ctx.metadata_network()?;
    let Some(console) = net.hostname.clone() else {
        return Err(ProbeError::skipped(Msg::SkipNoMetadataHostname));
    };
    let running = crate::host::facts::hostname(&ctx.host);
    let etc = ctx.host.read_line("/etc/hostname").map(|s| s.chars().filter(|c| !c.is_control()).collect::<String>());
    let (preserved, preserve_line) = preserve_hostname(&ctx.host);
    let mut o = Observation::new(&running)
        .text("console_hostname", &console)
        .text("hostname", &running)
        .text("etc_hostname", etc.clone().unwrap_or_else(|| "none".into()))
        .flag("differs", !same(&running, &console))
        .flag("preserved", preserved)
        .evidence(format!("metadata hostname: {console}"))
        .evidence(format!("/proc/sys/kernel/hostname: {running}"));
    if let Some(e) = &etc {
        o = o.evidence(format!("/etc/hostname: {e}"));
        o = o.flag("not_persistent", !same(e, &running));
    }
    if let Some(l) = preserve_line {
        o = o.evidence(l);
    }
    Ok(Observations::of(vec![o]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_compare_as_names() {
        assert!(super::same("web-1", "WEB-1"));
        assert!(super::same("web-1.example.com", "web-1"));
        assert!(!super::same("web-1", "iZbp1abcZ"));
    }
}
