//! Whether the clock is kept in time: which time daemons run (chronyd, ntpd, systemd-timesyncd;
//! exactly one should), and on the live system with chronyd, `chronyc -n tracking`: whether it
//! is synchronised and how far the system clock is off. A wrong clock breaks TLS (certificates
//! "not yet valid"), signed cloud API calls (rejected beyond 15 minutes), logs and Kerberos.
//!
//! `chronyc` is looked up in PATH, then in the usual directories; it answers over its local
//! socket, no packet leaves the machine. No SNTP fallback: without chronyc the offset is unknown.

use super::command;
use super::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[&str] = &["daemon_count", "daemons", "synchronised", "offset_s", "reference", "leap_status"];

const TIMEOUT: Duration = Duration::from_secs(2);

/// Process names (comm, at most 15 characters) of time daemons, with the name shown.
const DAEMONS: &[(&str, &str)] =
    &[("chronyd", "chronyd"), ("ntpd", "ntpd"), ("systemd-timesyn", "systemd-timesyncd"), ("openntpd", "openntpd")];

/// What `chronyc -n tracking` says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tracking {
    pub offset_s: Option<f64>,
    pub leap: Option<String>,
    pub reference: Option<String>,
    pub lines: Vec<String>,
}

impl Tracking {
    pub fn synchronised(&self) -> bool {
        let leap_ok = self.leap.as_deref().is_some_and(|l| !l.to_ascii_lowercase().contains("not synchronised"));
        let has_ref = self.reference.as_deref().is_some_and(|r| !r.starts_with("00000000"));
        leap_ok && has_ref
    }
}

pub fn parse_tracking(text: &str) -> Tracking {
    let mut t = Tracking::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else { continue };
        let (k, v) = (k.trim(), v.trim());
        match k {
            "System time" => {
                let mut w = v.split_whitespace();
                let n = w.next().and_then(|n| n.parse::<f64>().ok()).filter(|n| n.is_finite());
                t.offset_s = n.map(f64::abs);
                t.lines.push(format!("chronyc tracking: {line}"));
            }
            "Leap status" => {
                t.leap = Some(v.to_string());
                t.lines.push(format!("chronyc tracking: {line}"));
            }
            "Reference ID" => {
                t.reference = Some(v.to_string());
                t.lines.push(format!("chronyc tracking: {line}"));
            }
            _ => {}
        }
    }
    t
}

fn find_chronyc() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/bin", "/usr/sbin", "/bin", "/sbin"].into_iter().map(PathBuf::from))
        .map(|d| d.join("chronyc"))
        .find(|p| p.is_file())
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let procs = ctx.processes()?;
    if procs.procs.is_empty() {
        // A rescued disk or a fixture under --root has no running processes to judge.
        return Err(ProbeError::Skipped(
            "no process table to look for time daemons in (/proc has no processes)".into(),
        ));
    }
    let mut running: Vec<&str> = Vec::new();
    let mut evidence = Vec::new();
    for (comm, shown) in DAEMONS {
        if let Some(p) = procs.procs.iter().find(|p| p.comm == *comm) {
            running.push(shown);
            evidence.push(format!("/proc/{}: {shown} runs (pid {})", p.pid, p.pid));
        }
    }
    let mut o = Observation::new("system clock")
        .num("daemon_count", running.len() as f64)
        .text("daemons", if running.is_empty() { "none".to_string() } else { running.join(", ") });
    if running.is_empty() {
        o = o.field_evidence(
            "daemon_count",
            format!("/proc: none of {} runs", DAEMONS.iter().map(|d| d.1).collect::<Vec<_>>().join(", ")),
        );
    }
    for e in &evidence {
        o = o.field_evidence("daemon_count", e.clone());
    }
    if ctx.host.is_live() && running.contains(&"chronyd") {
        match find_chronyc() {
            Some(bin) => match command::run(&bin, &["-n", "tracking"], TIMEOUT, ctx.deadline) {
                Ok(out) if out.code == Some(0) => {
                    let t = parse_tracking(&out.stdout);
                    o = o.flag("synchronised", t.synchronised());
                    if let Some(off) = t.offset_s {
                        o = o.num("offset_s", off);
                    }
                    if let Some(l) = &t.leap {
                        o = o.text("leap_status", l.clone());
                    }
                    if let Some(r) = &t.reference {
                        o = o.text("reference", r.clone());
                    }
                    for l in &t.lines {
                        o = o.field_evidence("offset_s", l.clone()).field_evidence("synchronised", l.clone());
                    }
                }
                Ok(out) => {
                    o = o.evidence(format!(
                        "{} -n tracking: exit {:?}: {}",
                        bin.display(),
                        out.code,
                        out.stderr.lines().next().unwrap_or("")
                    ))
                }
                Err(e) => o = o.evidence(format!("chronyc -n tracking: {e}")),
            },
            None => o = o.evidence("chronyd runs but chronyc is not installed: the offset is unknown"),
        }
    }
    Ok(Observations::of(vec![o]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_output() {
        let t = parse_tracking(
            "Reference ID    : 64640064 (100.100.0.100)\nStratum         : 2\nSystem time     : 0.000123 seconds slow of NTP time\nLast offset     : -0.000010 seconds\nLeap status     : Normal\n",
        );
        assert_eq!(t.offset_s, Some(0.000123));
        assert!(t.synchronised());
        let t = parse_tracking(
            "Reference ID    : 00000000 ()\nSystem time     : 75.5 seconds fast of NTP time\nLeap status     : Not synchronised\n",
        );
        assert_eq!(t.offset_s, Some(75.5));
        assert!(!t.synchronised());
        let t = parse_tracking("garbage\n\u{0}:\nSystem time : NaN seconds\n");
        assert_eq!(t.offset_s, None);
        assert!(!t.synchronised());
    }
}
