//! sec.auth.bruteforce over real logs nobody on this project wrote (../shared/corpus/real-logs,
//! read in place: a test root's /var/log/auth.log or /var/log/secure is a link to the corpus
//! file). The ground truth comes from each corpus's own labels (loghub's event templates,
//! fail2ban's `failJSON` host per line), never from the tool's parser:
//!
//! - loghub OpenSSH_2k (Ubuntu, OpenSSH 7.x: `Invalid user` without a port, `message repeated`,
//!   pam_unix lines beside sshd's own) and Linux_2k (RHEL 4: only `sshd(pam_unix)[PID]:
//!   authentication failure ... rhost=` lines): failures per address, every address.
//! - fail2ban's sshd and sshd-journal logs (about 155 message variants from 20 years: RFC 3339
//!   and RFC 5424 stamps, IPv6, OpenSSH 9.8's sshd-session, and injection attempts): every line
//!   the tool counts is one fail2ban counts, from the same host; crafted user names never move
//!   the blame to another address.

use crate::integration::journal_lab::corpus;
use ecs_doctor::probe::ssh::auth_log;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

/// Failures per address as the probe counts them in `log` (linked as `/var/log/<name>` of a
/// test root), over any age, every address listed.
fn counted(log: &Path, name: &str) -> BTreeMap<String, u64> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("var/log")).expect("mkdir");
    std::os::unix::fs::symlink(log, dir.path().join("var/log").join(name)).expect("link the corpus file");
    let ctx = ecs_doctor::probe::ProbeContext::new(
        ecs_doctor::host::Host::new(dir.path()),
        std::time::Instant::now() + std::time::Duration::from_secs(60),
        false,
    );
    let params = auth_log::Params { window_hours: 24.0 * 365.0 * 30.0, tail_mib: 64, top: 100_000, history_hours: 0.0 };
    let obs = auth_log::observe(&params, &ctx).expect("the probe reads the corpus");
    let mut out = BTreeMap::new();
    for o in obs.items.iter().skip(1) {
        let n = o.values.get("failures").and_then(|v| v.as_num()).unwrap_or(0.0) as u64;
        if n > 0 {
            out.insert(o.subject.clone(), n);
        }
    }
    let total = obs.items[0].values.get("total_failures").and_then(|v| v.as_num()).unwrap_or(-1.0);
    assert_eq!(total as u64, out.values().sum::<u64>(), "the total is the sum of the sources");
    out
}

/// The rows of a loghub structured CSV: (pid, content, event id). The content may hold commas
/// (quoted then); the event id and template are the last two fields and hold none that matter.
fn loghub_rows(rel: &str, pid_field: usize) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(corpus(rel)).expect("corpus csv");
    text.lines()
        .skip(1)
        .map(|row| {
            let mut back = row.rsplitn(3, ',');
            let (_template, event, head) = (back.next(), back.next().unwrap_or(""), back.next().unwrap_or(""));
            let fields: Vec<&str> = head.splitn(pid_field + 2, ',').collect();
            let content = fields.get(pid_field + 1).copied().unwrap_or("").trim_matches('"');
            (fields.get(pid_field).copied().unwrap_or("").to_string(), content.to_string(), event.to_string())
        })
        .collect()
}

/// Failed attempts per address in loghub's OpenSSH_2k log, from its labels.
pub fn loghub_openssh_truth() -> BTreeMap<String, u64> {
    // An attempt is sshd's Failed line (E8/E9/E10: none, password; E14: `message repeated N
    // times` is N), or a line that announces one whose Failed line never came: E13 `Invalid
    // user X from A`, E19/E20 pam_unix `authentication failure ... rhost=A` (the log's last
    // line is one). A Failed line and the announcing lines of the same process and address
    // before it are one attempt.
    let mut truth: BTreeMap<String, u64> = BTreeMap::new();
    // Per pid: announced attempts not yet answered by a Failed line (their addresses).
    let mut waiting: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (pid, content, event) in loghub_rows("loghub/OpenSSH_2k.log_structured.csv", 5) {
        let addr = || content.split(" from ").last().and_then(|r| r.split(' ').next()).expect("address").to_string();
        match event.as_str() {
            "E8" | "E9" | "E10" => {
                let a = addr();
                if let Some(w) = waiting.get_mut(&pid) {
                    w.retain(|x| *x != a);
                }
                *truth.entry(a).or_default() += 1;
            }
            "E14" => {
                *truth.entry(addr()).or_default() +=
                    content.split(' ').nth(2).and_then(|n| n.parse::<u64>().ok()).expect("n")
            }
            "E13" => waiting.entry(pid).or_default().push(addr()),
            "E19" | "E20" => {
                let rhost = content.split("rhost=").nth(1).and_then(|r| r.split_whitespace().next()).unwrap_or("");
                if let Ok(ip) = rhost.parse::<IpAddr>() {
                    let w = waiting.entry(pid).or_default();
                    if !w.contains(&ip.to_string()) {
                        w.push(ip.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    for a in waiting.into_values().flatten() {
        *truth.entry(a).or_default() += 1;
    }
    truth
}

#[test]
fn loghub_openssh_failures_per_address_match_the_labels() {
    let log = corpus("loghub/OpenSSH_2k.log");
    if !log.exists() {
        crate::common::require(false, "the real-log corpus ../shared/corpus/real-logs is not there");
        return;
    }
    let truth = loghub_openssh_truth();
    assert_eq!(counted(&log, "auth.log"), truth);
}

#[test]
fn loghub_rhel4_pam_unix_failures_per_address_match_the_labels() {
    let log = corpus("loghub/Linux_2k.log");
    if !log.exists() {
        crate::common::require(false, "the real-log corpus ../shared/corpus/real-logs is not there");
        return;
    }
    // Every `authentication failure ... rhost=` event of sshd(pam_unix) (E16-E19) from an
    // address (a host name is not one: sshd resolved it, and the tool keys by address).
    let mut truth: BTreeMap<String, u64> = BTreeMap::new();
    let mut names = 0;
    for (_, content, event) in loghub_rows("loghub/Linux_2k.log_structured.csv", 6) {
        if !matches!(event.as_str(), "E16" | "E17" | "E18" | "E19") {
            continue;
        }
        let rhost = content.split("rhost=").nth(1).and_then(|r| r.split_whitespace().next()).unwrap_or("");
        match rhost.parse::<IpAddr>() {
            Ok(ip) => *truth.entry(ip.to_string()).or_default() += 1,
            Err(_) => names += 1,
        }
    }
    assert!(truth.values().sum::<u64>() > 100 && names > 0, "{truth:?}");
    assert_eq!(counted(&log, "secure"), truth);
}

/// fail2ban's expectation for the line after a `# failJSON:` comment: whether it matches, the
/// host, its description, and the line.
fn fail2ban_cases(rel: &str) -> Vec<(bool, String, String, String)> {
    let text = std::fs::read_to_string(corpus(rel)).expect("fail2ban log");
    let mut out = Vec::new();
    let mut expect: Option<serde_json::Value> = None;
    for line in text.lines() {
        if let Some(j) = line.strip_prefix("# failJSON:") {
            expect = serde_json::from_str(j.trim()).ok();
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(e) = expect.take() {
            let host = e["host"].as_str().unwrap_or("").to_string();
            let desc = e["desc"].as_str().unwrap_or("").to_string();
            out.push((e["match"].as_bool().unwrap_or(false), host, desc, line.to_string()));
        }
    }
    out
}

#[test]
fn every_fail2ban_line_counted_is_blamed_on_fail2bans_host() {
    let mut counted = 0;
    let mut formats = BTreeMap::new();
    let mut auth_info = Vec::new();
    for rel in ["fail2ban/sshd", "fail2ban/sshd-journal"] {
        if !corpus(rel).exists() {
            crate::common::require(false, "the real-log corpus ../shared/corpus/real-logs is not there");
            return;
        }
        for (matches, host, desc, line) in fail2ban_cases(rel) {
            let Some((ip, kind, _)) = auth_log::attempt(&line) else { continue };
            counted += 1;
            // fail2ban judges a pam_unix failure with the lines of its connection that follow
            // (sshd's Failed line, another PAM module's success, the close); so does the tool
            // (see the unit tests of the scan): a line alone says only where it came from.
            if !matches && kind == "pam" {
                continue;
            }
            assert!(matches, "counted, but fail2ban does not count it: {line}");
            // The one place the tool differs: text injected after `ssh2: ` (auth-info, which
            // sshd writes only for key and host-based methods, never for the password, none and
            // keyboard-interactive failures counted here) names the last address. Reading the
            // last ` from A port N` is what keeps user names, which every client chooses, from
            // moving the blame; fail2ban's line is `... from 127.0.0.1 port 58946 ssh2: from
            // 10.10.1.2 port 55555 ssh2`.
            if desc.contains("auth-info") {
                auth_info.push(ip.to_string());
                continue;
            }
            // fail2ban writes some IPv4 addresses with leading zeros (192.030.0.6); the
            // address is the same.
            let want: Option<IpAddr> = host.parse().ok().or_else(|| {
                let parts: Vec<u8> = host.split('.').filter_map(|p| p.parse().ok()).collect();
                (parts.len() == 4).then(|| IpAddr::from([parts[0], parts[1], parts[2], parts[3]]))
            });
            assert_eq!(Some(ip), want, "blamed on another address than fail2ban's {host}: {line}");
            let format = if line.starts_with('<') {
                "rfc5424"
            } else if line.contains("sshd-session[") {
                "sshd-session"
            } else if line.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                "rfc3339"
            } else {
                "bsd"
            };
            *formats.entry(format!("{format} {kind}")).or_insert(0) += 1;
        }
    }
    assert!(counted >= 30, "only {counted} lines counted: {formats:?}");
    assert_eq!(auth_info, vec!["10.10.1.2".to_string(); 2], "one auth-info injection line in each of the two files");
    for f in ["rfc5424 failed", "sshd-session failed", "bsd pam", "bsd invalid", "bsd failed"] {
        assert!(formats.contains_key(f), "no {f} line counted: {formats:?}");
    }
}

/// Attempts per address in the RHEL 7 /var/log/secure head (elastic/beats), from the data: an
/// attempt is sshd's `Failed password` line, or a pam_unix `authentication failure` of a
/// connection (sshd pid) whose Failed line never came before the log ends; `PAM N more
/// authentication failures` repeats the count of a connection's Failed lines and is no attempt.
fn rhel7_truth(text: &str) -> BTreeMap<String, u64> {
    let mut truth: BTreeMap<String, u64> = BTreeMap::new();
    let mut waiting: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let Some(pid) = line.split("sshd[").nth(1).and_then(|r| r.split(']').next()) else { continue };
        if let Some(rest) = line.split(": Failed password for ").nth(1) {
            let addr = rest.rsplit(" from ").next().and_then(|r| r.split(' ').next()).expect("address").to_string();
            if let Some(w) = waiting.get_mut(pid)
                && let Some(i) = w.iter().position(|a| *a == addr)
            {
                w.remove(i);
            }
            *truth.entry(addr).or_default() += 1;
        } else if line.contains(": pam_unix(sshd:auth): authentication failure;") {
            let rhost = line.split(" rhost=").nth(1).and_then(|r| r.split_whitespace().next()).unwrap_or("");
            if let Ok(ip) = rhost.parse::<IpAddr>() {
                waiting.entry(pid.to_string()).or_default().push(ip.to_string());
            }
        }
    }
    for a in waiting.into_values().flatten() {
        *truth.entry(a).or_default() += 1;
    }
    truth
}

/// A syslog log with its BSD stamps moved so that its last line is a minute old (the spacing
/// kept; local time is UTC in a root without /etc/localtime).
fn shifted_to_now(text: &str) -> String {
    let stamp = |l: &str| -> Option<jiff::civil::DateTime> {
        let head: String = l.chars().take(15).collect();
        jiff::civil::DateTime::strptime("%Y %b %e %H:%M:%S", format!("2017 {head}")).ok()
    };
    let last = text.lines().filter_map(stamp).max().expect("stamped lines");
    let now = jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).datetime();
    let mut out = String::new();
    for l in text.lines() {
        let Some(t) = stamp(l) else { continue };
        let back = last.duration_until(t);
        let moved =
            now.checked_sub(jiff::SignedDuration::from_secs(60)).and_then(|n| n.checked_add(back)).expect("time");
        out.push_str(&format!("{}{}\n", moved.strftime("%b %e %H:%M:%S"), &l[15..]));
    }
    out
}

#[test]
fn rhel7_secure_shifted_to_now_flags_every_source_at_the_threshold_with_its_count() {
    let src = corpus("beats/secure-rhel7.head.log");
    if !src.exists() {
        crate::common::require(false, "the real-log corpus ../shared/corpus/real-logs is not there");
        return;
    }
    let text = std::fs::read_to_string(&src).expect("read");
    let truth = rhel7_truth(&text);
    // The whole log, every address.
    assert_eq!(counted(&src, "secure"), truth);
    // Shifted to now, through the check as a run judges it (the last 24 hours, warn at 20).
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("var/log")).expect("mkdir");
    std::fs::write(dir.path().join("var/log/secure"), shifted_to_now(&text)).expect("write");
    let catalog = ecs_doctor::catalog::Catalog::load(&[]).expect("catalog");
    let check = catalog.checks.iter().find(|c| c.id == "sec.auth.bruteforce").expect("check");
    let ctx = ecs_doctor::probe::ProbeContext::new(
        ecs_doctor::host::Host::new(dir.path()),
        std::time::Instant::now() + std::time::Duration::from_secs(60),
        false,
    );
    let r = ecs_doctor::engine::judge::judge(check, ctx.observe(&check.probe), ecs_doctor::i18n::Lang::En, 0);
    let flagged: BTreeMap<String, String> = r
        .findings
        .iter()
        .filter(|f| f.severity >= ecs_doctor::report::Severity::Warn)
        .map(|f| (f.subject.clone().unwrap_or_default(), f.message.clone()))
        .collect();
    let over: BTreeMap<&String, &u64> = truth.iter().filter(|(_, n)| **n >= 20).collect();
    assert!(!over.is_empty(), "the log holds a guessing wave: {truth:?}");
    assert_eq!(flagged.keys().collect::<Vec<_>>(), over.keys().copied().collect::<Vec<_>>(), "{flagged:#?}");
    for (addr, n) in over {
        assert!(flagged[addr].contains(&format!(" {n} times")), "{addr}: {n}: {}", flagged[addr]);
    }
}

/// Every form in which sshd (or PAM for it) writes a user name the client chose, around a real
/// source address: what the line blames must be that address, whatever the name says. The names
/// are the crafted ones of fail2ban's injection tests and more of the same kind.
#[test]
fn crafted_user_names_never_move_the_blame() {
    let mut names: Vec<String> = vec![
        "x from 6.6.6.6 port 1 ssh2".into(),
        "x from 6.6.6.6 port 1 ssh2: from 7.7.7.7 port 2 ssh2".into(),
        "test from 10.10.1.2 port 55555 ssh2:".into(),
        "test 127.0.0.1 port 12345".into(),
        "root from 2001:db8::66 port 22".into(),
        "a rhost=6.6.6.6 user=b".into(),
        "from 6.6.6.6".into(),
        "Failed password for root from 6.6.6.6 port 1 ssh2".into(),
        "x\u{1b}[2K from 6.6.6.6 port 1".into(),
        String::new(),
    ];
    // The user names fail2ban's own injection lines carry (`for invalid user NAME from`).
    for rel in ["fail2ban/sshd", "fail2ban/sshd-journal"] {
        if !corpus(rel).exists() {
            crate::common::require(false, "the real-log corpus ../shared/corpus/real-logs is not there");
            return;
        }
        for (_, _, desc, line) in fail2ban_cases(rel) {
            if desc.contains("inject")
                && let Some(u) =
                    line.split("invalid user ").nth(1).and_then(|r| r.rsplit_once(" from ")).map(|(u, _)| u)
            {
                names.push(u.to_string());
            }
        }
    }
    assert!(names.len() > 12, "{names:?}");
    let mut uncounted = Vec::new();
    let real: [IpAddr; 2] = ["192.0.2.77".parse().expect("ip"), "2001:db8::77".parse().expect("ip")];
    for name in &names {
        for ip in real {
            let forms = [
                format!("Failed password for {name} from {ip} port 40000 ssh2"),
                format!("Failed password for invalid user {name} from {ip} port 40000 ssh2"),
                format!("Failed none for invalid user {name} from {ip} port 40000 ssh2"),
                format!("Failed keyboard-interactive/pam for {name} from {ip} port 40000 ssh2"),
                format!("Invalid user {name} from {ip} port 40000"),
                // OpenSSH before 7.5: no port.
                format!("Invalid user {name} from {ip}"),
                format!("message repeated 3 times: [ Failed password for {name} from {ip} port 40000 ssh2]"),
                format!(
                    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user={name}"
                ),
            ];
            for msg in forms {
                for line in [
                    format!("Nov 20 03:00:00 web-1 sshd[42]: {msg}"),
                    format!("2026-11-20T03:00:00.123456+08:00 web-1 sshd[42]: {msg}"),
                    format!("<38>1 2026-11-20T03:00:00.123+08:00 web-1 sshd 42 - - {msg}"),
                    format!("Nov 20 03:00:00 web-1 sshd-session[42]: {msg}"),
                    format!("web-1 sshd[42]: {msg}"),
                ] {
                    match auth_log::attempt(&line) {
                        Some((blamed, _, _)) => assert_eq!(blamed, ip, "{line}"),
                        // Only a user name that is itself unparseable may make a line not count.
                        None => uncounted.push(line),
                    }
                }
            }
        }
    }
    eprintln!("{uncounted:#?}");
    assert!(uncounted.is_empty(), "{} lines not counted", uncounted.len());
}
