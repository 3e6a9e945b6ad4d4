//! Mandatory access control: whether SELinux or AppArmor confines services, and in which mode.
//! Information for audits (MLPS level 3 asks for it) and for support (an SELinux denial
//! explains many "permission denied" puzzles), not a verdict: there are no judges on it.

use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("selinux", "SELinux's mode now: enforcing, permissive or disabled"),
    Field::text("selinux_config", "the mode /etc/selinux/config sets for boot"),
    Field::text("apparmor", "AppArmor's state and profiles, in words"),
    Field::num("apparmor_profiles", "", "AppArmor profiles loaded"),
    Field::num("apparmor_enforce", "", "of those, in enforce mode"),
];

/// `enabled, 41 profiles (39 enforcing)`, or the state alone when there is nothing to count.
fn apparmor_summary(state: Msg, profiles: Option<(usize, usize)>) -> Said {
    match (state, profiles) {
        (Msg::ValEnabled, Some((n, e))) => Said::new(Msg::ValAppArmorProfiles).arg("profiles", n).arg("enforcing", e),
        (Msg::ValEnabled, None) => Said::new(Msg::ValAppArmorRootOnly),
        (s, _) => Said::new(s),
    }
}

/// A SELinux mode in words; a mode the tool does not know (a typo in the config) as written.
fn selinux_mode(mode: &str) -> Option<Msg> {
    match mode {
        "enforcing" => Some(Msg::ValEnforcing),
        "permissive" => Some(Msg::ValPermissive),
        "disabled" => Some(Msg::ValDisabled),
        "not configured" => Some(Msg::ValNotConfigured),
        _ => None,
    }
}

/// SELinux: the running mode from selinuxfs, and the mode configured for the next boot.
fn selinux(ctx: &ProbeContext) -> (String, String, Vec<String>) {
    let mut evidence = Vec::new();
    let running = match ctx.host.read_line("/sys/fs/selinux/enforce") {
        Some(v) => {
            evidence.push(format!("/sys/fs/selinux/enforce: {v}"));
            if v == "1" { "enforcing" } else { "permissive" }
        }
        None => "disabled",
    };
    let mut configured = "not configured".to_string();
    if let Ok(f) = ctx.host.read("/etc/selinux/config") {
        for (n, line) in f.text.lines().enumerate() {
            if let Some(v) = line.trim().strip_prefix("SELINUX=") {
                configured = v.trim().to_ascii_lowercase();
                evidence.push(format!("/etc/selinux/config:{}: {line}", n + 1));
            }
        }
    }
    (running.to_string(), configured, evidence)
}

/// AppArmor: enabled in the kernel, and how many profiles are loaded (the profile list is
/// readable by root only; without it the count is unknown).
fn apparmor(ctx: &ProbeContext) -> (Msg, Option<(usize, usize)>, Vec<String>) {
    let mut evidence = Vec::new();
    let state = match ctx.host.read_line("/sys/module/apparmor/parameters/enabled") {
        Some(v) => {
            evidence.push(format!("/sys/module/apparmor/parameters/enabled: {v}"));
            if v.eq_ignore_ascii_case("y") { Msg::ValEnabled } else { Msg::ValDisabled }
        }
        None => Msg::ValNotPresent,
    };
    let profiles = ctx.host.read("/sys/kernel/security/apparmor/profiles").ok().map(|f| {
        let lines: Vec<&str> = f.text.lines().filter(|l| !l.trim().is_empty()).collect();
        let enforce = lines.iter().filter(|l| l.trim_end().ends_with("(enforce)")).count();
        (lines.len(), enforce)
    });
    if let Some((n, e)) = profiles {
        evidence.push(format!("/sys/kernel/security/apparmor/profiles: {n} profiles, {e} in enforce mode"));
    }
    (state, profiles, evidence)
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let (se, se_config, mut evidence) = selinux(ctx);
    let (aa, profiles, aa_evidence) = apparmor(ctx);
    evidence.extend(aa_evidence);
    let mut o = Observation::new("mandatory access control").word("apparmor", apparmor_summary(aa, profiles));
    for (field, mode) in [("selinux", se), ("selinux_config", se_config)] {
        o = match selinux_mode(&mode) {
            Some(m) => o.word(field, Said::new(m)),
            None => o.text(field, mode),
        };
    }
    match profiles {
        Some((n, e)) => o = o.num("apparmor_profiles", n as f64).num("apparmor_enforce", e as f64),
        None => o = o.text("apparmor_profiles", "unknown").text("apparmor_enforce", "unknown"),
    }
    o.evidence = evidence;
    Ok(Observations::of(vec![o]))
}
