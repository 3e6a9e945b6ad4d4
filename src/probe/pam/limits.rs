//! pam_limits' files, /etc/security/limits.conf and /etc/security/limits.d/*.conf: values it
//! cannot apply and lines it skips.
//!
//! - `maxlogins 0` (or `maxsyslogins 0`): pam_limits refuses every session of the accounts the
//!   line names (PAM_PERM_DENIED; sshd then ends the connection right after the password or key
//!   was accepted). Root is exempt.
//! - A hard `nofile` above the kernel's `fs.nr_open` makes setrlimit fail with EPERM (the kernel
//!   refuses it, for root too). Upstream Linux-PAM's pam_limits (every release up to 1.7, as
//!   shipped by RHEL, CentOS, Alibaba Cloud Linux, Fedora, SUSE) then refuses the session
//!   (`status |= setrlimit(...)`, PAM_PERM_DENIED): every login the line applies to closes
//!   right after it was accepted, the classic "the session closes at once". Debian's and
//!   Ubuntu's pam_limits carry a patch that skips an EPERM and logs the refused values ("Could
//!   not set limit for '%s' to soft=..."): the session opens without the limit. Which code this
//!   system runs is read from its pam_limits.so: the patched module holds that message, the
//!   upstream one ("Could not set limit for '%s': %m") does not. (`unlimited` means fs.nr_open
//!   since 1.5.)
//! - Lines pam_limits cannot parse are skipped with a log message: the limit someone wanted is
//!   not applied. `<domain> -` (two fields) is no such line: it exempts the domain from every
//!   limit. A value of `-` (like `-1`, `unlimited`, `infinity`) means no limit.
//! - A missing /etc/security/limits.conf (or the file of a `conf=` argument): pam_limits cannot
//!   read its settings and returns PAM_SERVICE_ERR for every session, root's too (Linux-PAM up to
//!   1.5, Debian's and upstream's alike: "PAM: pam_open_session(): Error in service module"). With
//!   `session required pam_limits.so` in /etc/pam.d/sshd every SSH login closes right after it
//!   was accepted. A vendor copy (/usr/etc/security/limits.conf, read by later releases built
//!   with a vendor directory) is taken as the file being there.

/// The file pam_limits reads first (its only one with a `conf=` argument).
pub const CONF: &str = "/etc/security/limits.conf";

/// Where pam_limits builds with a vendor directory find their defaults when [`CONF`] is missing.
pub const VENDOR_CONF: &str = "/usr/etc/security/limits.conf";

/// The kernel's default `fs.nr_open` (1024 * 1024), when /proc does not say.
pub const DEFAULT_NR_OPEN: u64 = 1024 * 1024;

const ITEMS: &[&str] = &[
    "core",
    "data",
    "fsize",
    "memlock",
    "nofile",
    "rss",
    "stack",
    "cpu",
    "nproc",
    "as",
    "maxlogins",
    "maxsyslogins",
    "nonewprivs",
    "priority",
    "locks",
    "sigpending",
    "msgqueue",
    "nice",
    "rtprio",
    "chroot",
];

/// One problem line.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// `file:line`.
    pub at: String,
    /// `nofile-above-nr-open`, `no-logins` or `malformed`.
    pub kind: &'static str,
    pub domain: String,
    pub value: String,
    /// What is wrong (English, for evidence).
    pub why: String,
    /// `file:line: text`.
    pub evidence: String,
}

/// The problems of one limits file.
pub fn check(path: &str, text: &str, nr_open: u64) -> Vec<Problem> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let shown: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
        let at = format!("{path}:{}", n + 1);
        let evidence = format!("{at}: {shown}");
        let f: Vec<&str> = line.split_whitespace().collect();
        let mut bad = |why: String, domain: &str, value: &str| {
            out.push(Problem {
                at: at.clone(),
                kind: "malformed",
                domain: domain.to_string(),
                value: value.to_string(),
                why,
                evidence: evidence.clone(),
            })
        };
        if let [_, t] = f[..]
            && t.starts_with('-')
        {
            // `<domain> -`: no limits at all for the domain.
            continue;
        }
        // pam_limits scans the first four fields (`sscanf("%s%s%s%s")`) and ignores the rest;
        // it lowercases the type.
        let [domain, kind, item, value, ..] = f[..] else {
            bad(
                format!("{} field(s), fewer than 4 (domain type item value): pam_limits skips the line", f.len()),
                f[0],
                "",
            );
            continue;
        };
        let kind_l = kind.to_ascii_lowercase();
        let kind = kind_l.as_str();
        if !matches!(kind, "soft" | "hard" | "-") {
            bad(format!("unknown type {kind:?} (soft, hard or -): pam_limits skips the line"), domain, value);
            continue;
        }
        let item_l = item.to_ascii_lowercase();
        if !ITEMS.contains(&item_l.as_str()) {
            bad(format!("unknown item {item:?}: pam_limits skips the line"), domain, value);
            continue;
        }
        if matches!(item_l.as_str(), "maxlogins" | "maxsyslogins") && value.trim() == "0" {
            out.push(Problem {
                at: at.clone(),
                kind: "no-logins",
                domain: domain.to_string(),
                value: value.to_string(),
                why: format!("{item_l} 0: pam_limits refuses every session"),
                evidence: evidence.clone(),
            });
            continue;
        }
        let unlimited = matches!(value.to_ascii_lowercase().as_str(), "unlimited" | "infinity" | "-1" | "-");
        let number = value.parse::<i64>().ok();
        if !unlimited && number.is_none() {
            bad(format!("value {value:?} is not a number: pam_limits skips the line"), domain, value);
            continue;
        }
        if item_l == "nofile" && kind != "soft" {
            // `unlimited` is taken as fs.nr_open by current pam_limits, as infinity by older ones.
            let above = number.is_some_and(|v| v > 0 && v as u64 > nr_open);
            if above {
                out.push(Problem {
                    at: at.clone(),
                    kind: "nofile-above-nr-open",
                    domain: domain.to_string(),
                    value: value.to_string(),
                    why: format!("hard nofile {value} is above fs.nr_open {nr_open}: setrlimit fails with EPERM"),
                    evidence: evidence.clone(),
                });
            }
        }
    }
    out
}

/// Whether the pam_limits.so in `bytes` opens a session whose limit setrlimit refuses with EPERM
/// (Debian's and Ubuntu's patched module, which also logs the refused values) rather than
/// refusing it (upstream Linux-PAM).
pub fn skips_eperm(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"Could not set limit for '%s' to soft=").is_some()
}

/// The limits files in the order pam_limits reads them: the `conf=` file alone when one is given,
/// else [`CONF`] (or, when it is missing, the [`VENDOR_CONF`] that stands in for it) and
/// limits.d/*.conf.
pub fn files(host: &crate::host::Host, conf: Option<&str>) -> Vec<String> {
    if let Some(conf) = conf {
        return vec![conf.to_string()];
    }
    let main = if !host.path(CONF).exists() && host.path(VENDOR_CONF).is_file() { VENDOR_CONF } else { CONF };
    let mut out = vec![main.to_string()];
    for name in host.list_dir("/etc/security/limits.d").unwrap_or_default() {
        if name.ends_with(".conf") && !name.starts_with('.') {
            out.push(format!("/etc/security/limits.d/{name}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_lines() {
        let text = "# comment\n*  soft  nofile  65535\n* hard nofile 65535\nroot - nofile 2000000\n\
                    @ops hard nofile unlimited\n* soft nofile 4000000\nbob hard nproc\n* medium nofile 1\n\
                    * hard nofiles 5\n* hard nofile lots\n%:10 - maxlogins 2 # fine\n@guest hard maxlogins 0\n\
                    * hard nofile unlimited\nops -\n* hard nofile -\nroot - # two fields\n";
        let p = check("/etc/security/limits.conf", text, 1_048_576);
        let got: Vec<(&str, &str, &str)> = p.iter().map(|x| (x.at.as_str(), x.kind, x.domain.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("/etc/security/limits.conf:4", "nofile-above-nr-open", "root"),
                ("/etc/security/limits.conf:7", "malformed", "bob"),
                ("/etc/security/limits.conf:8", "malformed", "*"),
                ("/etc/security/limits.conf:9", "malformed", "*"),
                ("/etc/security/limits.conf:10", "malformed", "*"),
                ("/etc/security/limits.conf:12", "no-logins", "@guest"),
            ]
        );
        assert_eq!(p[0].evidence, "/etc/security/limits.conf:4: root - nofile 2000000");
        // Upstream reads the first four fields and lowercases the type: neither line is skipped.
        assert!(check("f", "* Hard nofile 65535 trailing words\n@ops soft nproc 100 200\n", 1_048_576).is_empty());
        assert_eq!(check("f", "root HARD nofile 2000000 extra\n", 1_048_576)[0].kind, "nofile-above-nr-open");
        // Raised nr_open: the same line is fine.
        assert!(check("f", "root - nofile 2000000\n", 4_000_000).is_empty());
        assert!(skips_eperm(b"x\0Could not set limit for '%s' to soft=%d, hard=%d: %m; uid=%lu\0"));
        assert!(!skips_eperm(b"Could not set limit for '%s': %m"));
    }
}
