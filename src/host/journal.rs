//! sshd's messages from the systemd journal, for hosts that log only there (stock Debian 12
//! cloud images have no /var/log/auth.log).
//!
//! `journalctl -o json` for the entries of sshd (and OpenSSH 9.8's `sshd-session`) by process
//! name, syslog identifier and unit (`ssh.service`, `sshd.service`), the newest
//! [`MAX_ENTRIES`], bounded by a timeout and the run's deadline. Each entry becomes one
//! syslog-like line, `2026-12-06T01:02:03.456789Z host sshd[1234]: message`, so the log parsers
//! read it as they read /var/log/auth.log (RFC 3339 time first, then the `sshd[PID]: ` tag).
//! A message that is not UTF-8 (journald then stores bytes) is read with replacement
//! characters; newlines inside a message become spaces.
//!
//! Which journal: under `--root DIR`, the files of DIR/var/log/journal (else DIR/run/log/journal)
//! through `journalctl -D`; on the live system the system's journal, or the directory named by
//! `ECS_DOCTOR_JOURNAL_DIR` (a seam for tests and for reading a copied journal).

use super::Host;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Most entries asked for.
pub const MAX_ENTRIES: usize = 200_000;
/// How long journalctl may take.
const TIMEOUT: Duration = Duration::from_secs(8);
/// Most output read from journalctl.
const MAX_BYTES: u64 = 128 * 1024 * 1024;
/// The environment variable naming a journal directory for the live system.
pub const DIR_ENV: &str = "ECS_DOCTOR_JOURNAL_DIR";

/// sshd's journal entries as syslog-like lines.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    /// One line per entry, oldest first, each ending in `\n`.
    pub text: Vec<u8>,
    pub entries: usize,
    /// The command line, for evidence (`journalctl -D /var/log/journal ...`).
    pub source: String,
    /// True when the newest [`MAX_ENTRIES`] or [`MAX_BYTES`] cut older entries off.
    pub truncated: bool,
}

/// Why no journal was read.
#[derive(Debug, Clone, PartialEq)]
pub enum Unavailable {
    /// No journal here (no directory under the root, or journalctl not installed).
    None,
    /// journalctl ran and failed: what it said.
    Failed(String),
}

/// The journal directory of `host` for `journalctl -D`: `None` on the live system without
/// [`DIR_ENV`] (the system's own journal).
fn directory(host: &Host) -> Result<Option<std::path::PathBuf>, Unavailable> {
    if host.is_live() {
        return Ok(std::env::var_os(DIR_ENV).filter(|v| !v.is_empty()).map(std::path::PathBuf::from));
    }
    for d in ["/var/log/journal", "/run/log/journal"] {
        let p = host.path(d);
        if p.is_dir() {
            return Ok(Some(p));
        }
    }
    Err(Unavailable::None)
}

/// The match expression for sshd's entries (fields of one name are ORed, `+` ORs the rest).
const MATCHES: &[&str] = &[
    "_COMM=sshd",
    "+",
    "_COMM=sshd-session",
    "+",
    "SYSLOG_IDENTIFIER=sshd",
    "+",
    "SYSLOG_IDENTIFIER=sshd-session",
    "+",
    "_SYSTEMD_UNIT=ssh.service",
    "+",
    "_SYSTEMD_UNIT=sshd.service",
];

/// Reads sshd's entries from the journal of `host`, ending by `deadline`.
pub fn sshd_lines(host: &Host, deadline: Instant) -> Result<Lines, Unavailable> {
    let dir = directory(host)?;
    let Some(program) = crate::host::command::find("journalctl") else { return Err(Unavailable::None) };
    let mut args: Vec<String> = vec!["--no-pager".into(), "-q".into(), "-o".into(), "json".into()];
    args.push(format!("-n{MAX_ENTRIES}"));
    args.push("--output-fields=MESSAGE,_PID,SYSLOG_PID,_COMM,SYSLOG_IDENTIFIER,_HOSTNAME,__REALTIME_TIMESTAMP".into());
    if let Some(d) = &dir {
        args.push("-D".into());
        args.push(d.display().to_string());
    }
    args.extend(MATCHES.iter().map(|m| m.to_string()));
    let shown = match &dir {
        Some(d) => format!("journalctl -D {} (sshd)", d.display()),
        None => "journalctl (sshd)".to_string(),
    };
    let bytes = run(&program, &args, &shown, deadline)?;
    let mut lines = parse(&bytes);
    lines.truncated |= bytes.len() as u64 >= MAX_BYTES || lines.entries >= MAX_ENTRIES;
    lines.source = shown;
    Ok(lines)
}

/// Runs journalctl with `args` and reads its output (at most [`MAX_BYTES`], by [`TIMEOUT`] and
/// `deadline`); an exit status other than 0 with no output is a failure with what it said.
fn run(program: &std::path::Path, args: &[String], shown: &str, deadline: Instant) -> Result<Vec<u8>, Unavailable> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("SYSTEMD_COLORS", "0")
        .env("SYSTEMD_PAGER", "")
        .spawn()
        .map_err(|e| Unavailable::Failed(format!("{shown}: {e}")))?;
    let (Some(mut out), Some(mut err)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(Unavailable::Failed(format!("{shown}: no output")));
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let r = (&mut out).take(MAX_BYTES).read_to_end(&mut bytes);
        let _ = tx.send(r.map(|_| bytes));
    });
    let errs = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = (&mut err).take(4096).read_to_end(&mut s);
        String::from_utf8_lossy(&s).trim().to_string()
    });
    let wait = TIMEOUT.min(deadline.saturating_duration_since(Instant::now()));
    let result = rx.recv_timeout(wait);
    let _ = child.kill();
    let status = child.wait();
    let stderr = errs.join().unwrap_or_default();
    let bytes = match result {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return Err(Unavailable::Failed(format!("{shown}: {e}"))),
        Err(_) => return Err(Unavailable::Failed(format!("{shown}: no answer within {} s", wait.as_secs_f64()))),
    };
    if bytes.is_empty()
        && let Ok(s) = status
        && !s.success()
    {
        let why = if stderr.is_empty() { s.to_string() } else { stderr };
        return Err(Unavailable::Failed(format!("{shown}: {why}")));
    }
    Ok(bytes)
}

/// One entry of a boot's journal.
#[derive(Debug, Clone, PartialEq)]
pub struct BootEntry {
    pub usec: i64,
    /// SYSLOG_IDENTIFIER, else _COMM (`kernel` for the kernel's messages).
    pub ident: String,
    pub kernel: bool,
    /// The message, one line.
    pub message: String,
}

/// The end of the previous boot in the journal of `host`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreviousBoot {
    /// The last entries of that boot, oldest first.
    pub entries: Vec<BootEntry>,
    /// The command line, for evidence.
    pub source: String,
}

/// Entries read from the end of the previous boot: enough for the kernel's last words and the
/// shutdown sequence.
const PREVIOUS_BOOT_ENTRIES: usize = 5000;

/// Reads the last entries of the previous boot: on the live system the boot before this one
/// (`journalctl -b -1`, the system's journal or [`DIR_ENV`]); under `--root` the last boot the
/// disk's persistent journal recorded (`journalctl -D <root>/var/log/journal -b 0`: the disk is
/// not running, its last boot is the one before the rescue). `Unavailable::None` when there is
/// no journal or no such boot in it.
pub fn previous_boot(host: &Host, deadline: Instant) -> Result<PreviousBoot, Unavailable> {
    let dir = directory(host)?;
    let Some(program) = crate::host::command::find("journalctl") else { return Err(Unavailable::None) };
    let mut args: Vec<String> = vec!["--no-pager".into(), "-q".into(), "-o".into(), "json".into()];
    args.push(format!("-n{PREVIOUS_BOOT_ENTRIES}"));
    let boot = if host.is_live() { "-1" } else { "0" };
    args.push("-b".into());
    args.push(boot.into());
    args.push("--output-fields=MESSAGE,_COMM,SYSLOG_IDENTIFIER,_TRANSPORT,__REALTIME_TIMESTAMP".into());
    if let Some(d) = &dir {
        args.push("-D".into());
        args.push(d.display().to_string());
    }
    let shown = match &dir {
        Some(d) => format!("journalctl -D {} -b {boot}", d.display()),
        None => format!("journalctl -b {boot}"),
    };
    let bytes = match run(&program, &args, &shown, deadline) {
        Ok(b) => b,
        // journalctl says so when the journal holds one boot only or none at all.
        Err(Unavailable::Failed(why))
            if why.contains("not available")
                || why.contains("No journal files")
                || why.contains("Specifying boot ID") =>
        {
            return Err(Unavailable::None);
        }
        Err(e) => return Err(e),
    };
    let mut out = PreviousBoot { entries: Vec::new(), source: shown };
    for raw in bytes.split(|b| *b == b'\n') {
        let Ok(serde_json::Value::Object(e)) = serde_json::from_slice::<serde_json::Value>(raw) else { continue };
        let get = |k: &str| e.get(k).and_then(field);
        let (Some(message), Some(usec)) = (get("MESSAGE"), get("__REALTIME_TIMESTAMP")) else { continue };
        let Ok(usec) = usec.parse::<i64>() else { continue };
        let ident = get("SYSLOG_IDENTIFIER").or_else(|| get("_COMM")).unwrap_or_default();
        let kernel = get("_TRANSPORT").as_deref() == Some("kernel") || ident == "kernel";
        let message: String = message.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        out.entries.push(BootEntry { usec, ident, kernel, message });
    }
    if out.entries.is_empty() {
        return Err(Unavailable::None);
    }
    Ok(out)
}

/// A journal field as text: a string, or journald's array of bytes for one that is not UTF-8.
fn field(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(a) => {
            let bytes: Vec<u8> = a.iter().filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok())).collect();
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `journalctl -o json` output → syslog-like lines (see the module doc).
pub fn parse(json: &[u8]) -> Lines {
    let mut out = Lines::default();
    for raw in json.split(|b| *b == b'\n') {
        if raw.is_empty() {
            continue;
        }
        let Ok(serde_json::Value::Object(e)) = serde_json::from_slice::<serde_json::Value>(raw) else { continue };
        let get = |k: &str| e.get(k).and_then(field);
        let (Some(message), Some(usec)) = (get("MESSAGE"), get("__REALTIME_TIMESTAMP")) else { continue };
        let Ok(usec) = usec.parse::<i64>() else { continue };
        let Ok(t) = jiff::Timestamp::from_microsecond(usec) else { continue };
        let ident = get("SYSLOG_IDENTIFIER").or_else(|| get("_COMM")).unwrap_or_else(|| "sshd".into());
        let pid = get("SYSLOG_PID").or_else(|| get("_PID")).unwrap_or_else(|| "0".into());
        let host = get("_HOSTNAME").unwrap_or_else(|| "localhost".into());
        let clean = |s: &str| s.chars().map(|c| if c.is_whitespace() { '_' } else { c }).collect::<String>();
        let message: String = message.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
        let line = format!("{} {} {}[{}]: {}\n", t, clean(&host), clean(&ident), clean(&pid), message);
        out.text.extend_from_slice(line.as_bytes());
        out.entries += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_entries_become_syslog_lines() {
        let json = br#"{"__REALTIME_TIMESTAMP":"1764982800123456","_HOSTNAME":"web 1","SYSLOG_IDENTIFIER":"sshd-session","_PID":"77","MESSAGE":"Failed password for root from 203.0.113.9 port 4 ssh2"}
{"__REALTIME_TIMESTAMP":"1764982801000000","_COMM":"sshd","_PID":"78","MESSAGE":[73,110,118,97,108,105,100,32,117,115,101,114,32,255,32,102,114,111,109,32,49,46,50,46,51,46,52]}
not json
{"__REALTIME_TIMESTAMP":"x","MESSAGE":"no time"}
{"__REALTIME_TIMESTAMP":"1764982802000000","MESSAGE":"two\nlines","SYSLOG_PID":"9","_PID":"10"}
"#;
        let l = parse(json);
        assert_eq!(l.entries, 3);
        let text = String::from_utf8(l.text).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "2025-12-06T01:00:00.123456Z web_1 sshd-session[77]: Failed password for root from 203.0.113.9 port 4 ssh2"
        );
        assert_eq!(lines[1], "2025-12-06T01:00:01Z localhost sshd[78]: Invalid user \u{fffd} from 1.2.3.4");
        assert_eq!(lines[2], "2025-12-06T01:00:02Z localhost sshd[9]: two lines");
    }
}
