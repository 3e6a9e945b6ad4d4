//! Whether sshd accepts its own configuration: `sshd -t` on the live system, under a time limit
//! in its own process group. A configuration sshd rejects is harmless until the next restart or
//! reboot, when sshd does not come back and nobody can log in over SSH.
//!
//! Live system, root (sshd -t loads the host keys) and an installed sshd only; otherwise
//! skipped with the reason. A missing /run/sshd alone is not a configuration error: sshd checks
//! it after parsing, and systemd creates it when it starts sshd.

use super::SSHD_BINARIES;
use crate::host::command;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use std::path::Path;
use std::time::Duration;

/// Where sshd's configuration is (`path`, default /etc/ssh/sshd_config).
pub type Params = super::SshdParams;

pub const FIELDS: &[Field] = &[
    Field::flag("valid", "1 when sshd -t accepts the configuration"),
    Field::text("error", "sshd's error message"),
    Field::text("path", "the sshd binary that was run"),
];

const TIMEOUT: Duration = Duration::from_secs(5);

/// Most output lines kept as evidence.
const MAX_LINES: usize = 20;

/// Lines sshd prints that are about the runtime, not the configuration.
fn is_runtime_only(line: &str) -> bool {
    line.contains("Missing privilege separation directory")
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if !ctx.host.is_live() {
        return Err(ProbeError::skipped(Msg::SkipSshdTestUnderRoot));
    }
    let Some(bin) = SSHD_BINARIES.iter().map(Path::new).find(|p| p.is_file()) else {
        return Err(ProbeError::skipped(Msg::SkipSshdMissing));
    };
    if !ctx.privileged {
        return Err(ProbeError::skipped(Msg::SkipSshdNeedsRoot));
    }
    let shown = format!("{} -t -f {}", bin.display(), params.path);
    let out = command::run(bin, &["-t", "-f", &params.path], TIMEOUT, ctx.deadline).map_err(|why| {
        let code = if why.contains("killed") { "ETIMEDOUT" } else { "EIO" };
        ProbeError::failed(code, Said::new(Msg::FailCommand).arg("command", &shown).arg("error", why))
    })?;
    let lines: Vec<String> = out
        .stderr
        .lines()
        .chain(out.stdout.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| crate::redact::redact(l).chars().take(500).collect())
        .collect();
    let errors: Vec<&String> = lines.iter().filter(|l| !is_runtime_only(l)).collect();
    let valid = out.code == Some(0) || (!lines.is_empty() && errors.is_empty());
    let status = out.code.map_or_else(|| "killed by a signal".to_string(), |c| format!("exit status {c}"));
    let error = errors.first().map(|l| l.to_string()).unwrap_or_else(|| status.clone());
    let mut o = Observation::new(&params.path).flag("valid", valid).text("error", error).text("path", &params.path);
    o = o.evidence(format!("{shown}: {status}"));
    for l in lines.iter().take(MAX_LINES) {
        o = o.evidence(format!("{shown}: {l}"));
    }
    if lines.len() > MAX_LINES {
        o = o.evidence(format!("{shown}: … {} more line(s)", lines.len() - MAX_LINES));
    }
    Ok(Observations::of(vec![o]))
}
