//! systemd units in the failed state (`systemctl list-units --state=failed`), live system only:
//! a unit's state lives in systemd's memory, not in files under a root.

use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("failed", "1 for a unit in the failed state"),
    Field::flag("critical", "1 when the unit can cut the instance off (sshd, networking, resolver, cloud agent)"),
    Field::text("description", "the unit's description"),
    Field::text("sub_state", "the unit's sub-state"),
    Field::num("failed_units", "", "failed units"),
];

/// Units without which the instance cannot be reached or managed.
const CRITICAL_UNITS: &[&str] = &[
    "ssh.service",
    "sshd.service",
    "systemd-networkd.service",
    "NetworkManager.service",
    "networking.service",
    "network.service",
    "systemd-resolved.service",
    "aliyun.service",
    "cloud-init.service",
];

const TIMEOUT: Duration = Duration::from_secs(3);

/// A line of `systemctl list-units --state=failed --no-legend --plain`:
/// `nginx.service loaded failed failed A high performance web server`.
pub fn parse_line(line: &str) -> Option<(String, String, String)> {
    let line = line.trim().trim_start_matches(['●', '*']).trim();
    let mut words = line.split_whitespace();
    let unit = words.next()?.to_string();
    let _load = words.next()?;
    let active = words.next()?;
    let sub = words.next()?.to_string();
    if active != "failed" || !unit.contains('.') {
        return None;
    }
    let description = words.collect::<Vec<_>>().join(" ");
    Some((unit, sub, description))
}

fn run_systemctl(deadline: Instant) -> Result<String, ProbeError> {
    let mut child = Command::new("systemctl")
        .args(["list-units", "--state=failed", "--all", "--no-legend", "--plain", "--no-pager"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            ProbeError::failed(
                crate::host::errno_name(&e),
                Said::new(Msg::FailStart).arg("command", "systemctl").nest("error", Said::os_error(&e)),
            )
        })?;
    crate::host::procs::note_spawned(child.id());
    let Some(mut out) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(ProbeError::failed("EIO", Said::new(Msg::FailNoOutput).arg("command", "systemctl")));
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut s = Vec::new();
        let r = (&mut out).take(4 << 20).read_to_end(&mut s);
        let _ = tx.send(r.map(|_| s));
    });
    let wait = TIMEOUT.min(deadline.saturating_duration_since(Instant::now()));
    let got = rx.recv_timeout(wait);
    let _ = child.kill();
    let status = child.wait();
    match got {
        Ok(Ok(bytes)) if status.as_ref().is_ok_and(|s| s.success()) || !bytes.is_empty() => {
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
        Ok(Ok(_)) => Err(ProbeError::failed("EIO", Said::new(Msg::FailSystemctl))),
        Ok(Err(e)) => Err(ProbeError::failed(
            crate::host::errno_name(&e),
            Said::new(Msg::FailReadOutput).arg("command", "systemctl").arg("error", e),
        )),
        Err(_) => Err(ProbeError::failed(
            "ETIMEDOUT",
            Said::new(Msg::FailNoAnswer).arg("command", "systemctl").arg("seconds", wait.as_secs_f64()),
        )),
    }
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if !ctx.host.is_live() {
        return Err(ProbeError::skipped(Msg::SkipUnitsNotLive));
    }
    let init = ctx.host.read_line("/proc/1/comm").unwrap_or_else(|| "unknown".into());
    if init != "systemd" && !ctx.host.path("/run/systemd/system").is_dir() {
        return Err(ProbeError::Skipped(Said::new(Msg::SkipNotSystemd).arg("init", init)));
    }
    let text = run_systemctl(ctx.deadline)?;
    let units: Vec<(String, String, String)> = text.lines().filter_map(parse_line).collect();
    let mut items = vec![Observation::new("systemd").num("failed_units", units.len() as f64)];
    for (unit, sub, description) in units {
        items.push(
            Observation::new(&unit)
                .flag("failed", true)
                .flag("critical", CRITICAL_UNITS.contains(&unit.as_str()))
                .text("sub_state", &sub)
                .text("description", &description)
                .evidence(format!("systemctl list-units --state=failed: {unit} loaded failed {sub} {description}")),
        );
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_failed_units() {
        assert_eq!(
            parse_line("nginx.service loaded failed failed A high performance web server"),
            Some(("nginx.service".into(), "failed".into(), "A high performance web server".into()))
        );
        assert_eq!(
            parse_line("● ssh.service loaded failed failed OpenBSD Secure Shell server").map(|u| u.0),
            Some("ssh.service".into())
        );
        assert_eq!(parse_line("cron.service loaded active running Regular background program"), None);
        assert_eq!(parse_line("0 loaded units listed."), None);
        assert_eq!(parse_line(""), None);
        assert_eq!(parse_line("\u{fffd} x"), None);
    }
}
