//! External check programs speaking the Nagios plugin protocol, so support can ship a new check
//! as a script without a new release: exit 0/1/2/3 is OK/WARNING/CRITICAL/UNKNOWN, the first
//! output line is the summary, `|` starts performance data (`label=value[UOM];warn;crit;min;max`).
//!
//! The program runs in its own process group, with no shell, and is killed (the whole group) at
//! its timeout or at the run's deadline, whichever comes first.

use super::{Observations, PluginVerdict, ProbeContext, ProbeError};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Program and arguments (no shell). A relative program path is taken from the directory
    /// of the check file.
    pub command: Vec<String>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Set by the loader: the directory of the check file.
    #[serde(skip_deserializing)]
    pub base_dir: Option<PathBuf>,
}

fn default_timeout_ms() -> u64 {
    10_000
}

/// Plugins report through the verdict and perf data, not named fields.
pub const FIELDS: &[Field] = &[];

/// Most output kept from a plugin; the rest is dropped.
const MAX_OUTPUT: u64 = 64 * 1024;

/// Process groups of plugins still running, so the run can kill them all before it exits.
static LIVE_GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

fn kill_group(pid: i32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// Kills every plugin still running (the run is over; nothing may outlive it).
pub fn kill_all() {
    let groups = std::mem::take(&mut *LIVE_GROUPS.lock().unwrap_or_else(|p| p.into_inner()));
    for pid in groups {
        kill_group(pid);
    }
}

fn forget(pid: i32) {
    LIVE_GROUPS.lock().unwrap_or_else(|p| p.into_inner()).retain(|p| *p != pid);
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let Some(program) = params.command.first() else {
        return Err(ProbeError::failed("EINVAL", Said::new(Msg::ExecNoCommand)));
    };
    let mut program = PathBuf::from(program);
    if program.is_relative()
        && program.components().count() > 1
        && let Some(base) = &params.base_dir
    {
        program = base.join(program);
    }
    let started = Instant::now();
    let mut child = Command::new(&program)
        .args(&params.command[1..])
        .env("ECS_DOCTOR_ROOT", ctx.host.root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| {
            ProbeError::failed(
                crate::host::errno_name(&e),
                Said::new(Msg::FailStart).arg("command", program.display()).nest("error", Said::os_error(&e)),
            )
        })?;
    let pid = child.id() as i32;
    crate::host::procs::note_spawned(child.id());
    LIVE_GROUPS.lock().unwrap_or_else(|p| p.into_inner()).push(pid);
    let reader = child.stdout.take().map(|out| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.take(MAX_OUTPUT).read_to_end(&mut buf);
            buf
        })
    });
    let limit = Duration::from_millis(params.timeout_ms);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                kill_group(pid);
                forget(pid);
                return Err(ProbeError::failed(
                    crate::host::errno_name(&e),
                    Said::new(Msg::FailWait).arg("command", program.display()).nest("error", Said::os_error(&e)),
                ));
            }
        }
        if started.elapsed() >= limit || Instant::now() >= ctx.deadline {
            kill_group(pid);
            let _ = child.wait();
            forget(pid);
            return Err(ProbeError::failed(
                "ETIMEDOUT",
                Said::new(Msg::FailKilled)
                    .arg("command", program.display())
                    .arg("seconds", format!("{:.1}", started.elapsed().as_secs_f64())),
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Grandchildren may still hold the pipe open: the group goes too.
    kill_group(pid);
    forget(pid);
    let output = reader.and_then(|r| r.join().ok()).unwrap_or_default();
    let text = String::from_utf8_lossy(&output);
    let exit_code = status.code().unwrap_or(3);
    Ok(Observations {
        items: Vec::new(),
        verdict: Some(parse_output(exit_code, &text)),
        traces: Vec::new(),
        table: None,
        keyed: false,
    })
}

/// Splits plugin output into summary, detail lines and performance data.
pub fn parse_output(exit_code: i32, text: &str) -> PluginVerdict {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let (summary, perf) = first.split_once('|').unwrap_or((first, ""));
    let mut metrics = BTreeMap::new();
    parse_perfdata(perf, &mut metrics);
    let mut details = Vec::new();
    let mut in_perf = false;
    for line in lines {
        let (text, perf) = if in_perf { ("", line) } else { line.split_once('|').unwrap_or((line, "")) };
        if !text.trim().is_empty() {
            details.push(text.trim_end().to_string());
        }
        if line.contains('|') {
            in_perf = true;
        }
        parse_perfdata(perf, &mut metrics);
    }
    let summary = summary.trim();
    PluginVerdict {
        exit_code: if (0..=3).contains(&exit_code) { exit_code } else { 3 },
        summary: if summary.is_empty() {
            format!("plugin exited with status {exit_code} and printed nothing")
        } else {
            summary.to_string()
        },
        details,
        metrics,
    }
}

fn parse_perfdata(perf: &str, out: &mut BTreeMap<String, f64>) {
    let mut rest = perf.trim();
    while !rest.is_empty() {
        let (label, after) = if let Some(r) = rest.strip_prefix('\'') {
            match r.split_once("'=") {
                Some((l, a)) => (l, a),
                None => return,
            }
        } else {
            match rest.split_once('=') {
                Some((l, a)) => (l.trim(), a),
                None => return,
            }
        };
        let (value, tail) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
        let number: String = value
            .split(';')
            .next()
            .unwrap_or("")
            .chars()
            .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
            .collect();
        if let Ok(n) = number.parse::<f64>()
            && n.is_finite()
            && !label.is_empty()
        {
            let key: String = label
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '_' })
                .collect();
            out.insert(key, n);
        }
        rest = tail.trim_start();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nagios_output_with_perfdata() {
        let v = parse_output(
            1,
            "DISK WARNING - free space: /data 9% | '/data used'=91%;80;90;0;100 time=0.2s\nline two\nline three | extra=5\nmore=6\n",
        );
        assert_eq!(v.exit_code, 1);
        assert_eq!(v.summary, "DISK WARNING - free space: /data 9%");
        assert_eq!(v.details, vec!["line two", "line three"]);
        assert_eq!(v.metrics.get("_data_used"), Some(&91.0));
        assert_eq!(v.metrics.get("time"), Some(&0.2));
        assert_eq!(v.metrics.get("extra"), Some(&5.0));
        assert_eq!(v.metrics.get("more"), Some(&6.0));
    }

    #[test]
    fn odd_output_never_panics() {
        for text in ["", "|", "x|=", "x|a=", "x|'unterminated=1", "\u{fffd}|b=nan c=1e400"] {
            let v = parse_output(7, text);
            assert_eq!(v.exit_code, 3);
            assert!(!v.summary.is_empty());
        }
    }
}
