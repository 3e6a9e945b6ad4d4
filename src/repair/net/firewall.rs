//! `action.firewall`: lets new TCP connections to a blocked port through the host firewall, the
//! port a `net.firewall.local` (SSH) or `net.port.firewall` (`--port`) finding names.
//!
//! - In the running kernel: one rule at the head of the filter table's INPUT chain,
//!   `iptables -I INPUT 1 -p tcp --dport <port> -m comment --comment ecs-doctor-fix -j ACCEPT`
//!   (`ip6tables` for IPv6), for each family the finding shows blocked. First match wins in that
//!   chain, so it comes before the dropping rule, the jump that leads to it, and the policy.
//!   Undo (and a rollback) deletes exactly that rule (`iptables -D` with the same words).
//! - In the saved rules the distribution loads at boot (iptables-persistent's
//!   `/etc/iptables/rules.v4` and `rules.v6`, iptables-services' `/etc/sysconfig/iptables` and
//!   `ip6tables`), when they block the port too: the same rule as the first of the filter
//!   table, every other byte kept; validated with `iptables-restore --test`.
//!
//! It only ever adds an accept: it cannot lock anyone out (and the framework shows it as a
//! change of the login path). The rule is the whole port from anywhere, as the finding is
//! about every client; a narrower rule is the customer's choice after.
//!
//! Not repaired (said in the plan, with the command to type): a block in a native nftables table
//! (its rules can only be deleted by handle, which a plan cannot know beforehand), and an
//! examined root (`--root`: the rules live in a running kernel).

use super::{Action, Change, Command, FileEdit, Live, Skip, Target};
use crate::host::firewall::{Family, parse_iptables};
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// The comment the rule carries, so `iptables -S` shows who added it.
pub const COMMENT: &str = "ecs-doctor-fix";

/// The saved rules of each family, as the distributions keep them.
const SAVED_V4: &[&str] = &["/etc/iptables/rules.v4", "/etc/sysconfig/iptables"];
const SAVED_V6: &[&str] = &["/etc/iptables/rules.v6", "/etc/sysconfig/ip6tables"];

/// Where a finding's evidence says the port is blocked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    /// In iptables (legacy, or iptables-nft's `ip filter` / `ip6 filter` tables).
    Iptables(Family),
    /// In a native nftables table: `family name`, chain.
    Nft(String, String),
}

/// The tools of a family.
fn iptables(f: Family) -> &'static str {
    match f {
        Family::V4 => "iptables",
        Family::V6 => "ip6tables",
    }
}

fn restore_tool(f: Family) -> &'static str {
    match f {
        Family::V4 => "iptables-restore",
        Family::V6 => "ip6tables-restore",
    }
}

/// The port of a subject `tcp/22`.
fn port_of(subject: &str) -> Option<u16> {
    subject.strip_prefix("tcp/")?.parse().ok()
}

/// The blocks one evidence line shows: `iptables-save: -A INPUT ...`,
/// `IPv6: ip6tables-save: :INPUT DROP ...`, `nft list ruleset: table inet filter chain input: ...`.
fn blocks_of(line: &str) -> Vec<Block> {
    let (family, rest) = match (line.strip_prefix("IPv4: "), line.strip_prefix("IPv6: ")) {
        (Some(r), _) => (Some(Family::V4), r),
        (_, Some(r)) => (Some(Family::V6), r),
        _ => (None, line),
    };
    if rest.starts_with("iptables-save: ") {
        return vec![Block::Iptables(Family::V4)];
    }
    if rest.starts_with("ip6tables-save: ") {
        return vec![Block::Iptables(Family::V6)];
    }
    let Some(t) = rest.strip_prefix("nft list ruleset: table ") else { return Vec::new() };
    let mut w = t.split_whitespace();
    let (Some(fam), Some(name), Some("chain"), Some(chain)) = (w.next(), w.next(), w.next(), w.next()) else {
        return Vec::new();
    };
    let chain = chain.trim_end_matches(':').to_string();
    // iptables-nft keeps its rules in the `ip filter` / `ip6 filter` tables, chain INPUT:
    // iptables changes them.
    match (fam, name, chain.as_str()) {
        ("ip", "filter", "INPUT") => vec![Block::Iptables(Family::V4)],
        ("ip6", "filter", "INPUT") => vec![Block::Iptables(Family::V6)],
        _ => {
            let _ = family;
            vec![Block::Nft(format!("{fam} {name}"), chain)]
        }
    }
}

/// The rule's words after `-I INPUT 1` / `-D INPUT`.
fn rule_words(port: u16) -> Vec<String> {
    ["-p", "tcp", "--dport", &port.to_string(), "-m", "comment", "--comment", COMMENT, "-j", "ACCEPT"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn command(program: &str, head: &[&str], port: u16) -> Command {
    let mut c = Command::new(program, head);
    c.args.extend(rule_words(port));
    c
}

/// The line the saved rules get (as `iptables-save` would print the rule).
fn saved_line(port: u16) -> String {
    format!("-A INPUT -p tcp -m tcp --dport {port} -m comment --comment {COMMENT} -j ACCEPT")
}

/// `text` with `line` as the first rule of the `*filter` table (after its chain declarations),
/// every other byte kept; `None` when it has no filter table.
pub fn with_first_filter_rule(text: &[u8], line: &str) -> Option<Vec<u8>> {
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    let trim = |l: &[u8]| String::from_utf8_lossy(l).trim().to_string();
    let start = lines.iter().position(|l| trim(l) == "*filter")?;
    let mut at = start + 1;
    while at < lines.len() {
        let t = trim(lines[at]);
        if t.starts_with(':') || t.starts_with('#') || t.is_empty() {
            at += 1;
        } else {
            break;
        }
    }
    if at >= lines.len() {
        return None;
    }
    let crlf = lines[at].ends_with(b"\r");
    let mut out = Vec::with_capacity(text.len() + line.len() + 2);
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        if i == at {
            out.extend_from_slice(line.as_bytes());
            if crlf {
                out.push(b'\r');
            }
            out.push(b'\n');
        }
        out.extend_from_slice(l);
    }
    Some(out)
}

impl Action for Params {
    fn name(&self) -> String {
        "firewall-accept".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let subject = t.finding.subject.clone().unwrap_or_default();
        let Some(port) = port_of(&subject) else {
            return Err(Skip::NotApplicable(rtf(l, R::FwNoPort, &[("subject", &subject)])));
        };
        let p = port.to_string();
        if !t.host.is_live() {
            return Err(Skip::Refused(rtf(l, R::FwNotLive, &[("port", &p)])));
        }
        let mut families: Vec<Family> = Vec::new();
        for b in t.finding.evidence.iter().flat_map(|e| blocks_of(e)) {
            match b {
                Block::Iptables(f) => {
                    if !families.contains(&f) {
                        families.push(f);
                    }
                }
                Block::Nft(table, chain) => {
                    let cmd = format!("nft insert rule {table} {chain} tcp dport {port} accept");
                    return Err(Skip::Refused(rtf(
                        l,
                        R::FwNativeNft,
                        &[("table", &table), ("chain", &chain), ("port", &p), ("command", &cmd)],
                    )));
                }
            }
        }
        if families.is_empty() {
            return Err(Skip::NotApplicable(rtf(l, R::FwNoRule, &[("port", &p)])));
        }
        families.sort();
        let mut live = Vec::new();
        let mut files = Vec::new();
        let mut validate = Vec::new();
        let mut saved = Vec::new();
        for f in &families {
            let tool = iptables(*f);
            live.push(Live {
                run: command(tool, &["-w", "5", "-I", "INPUT", "1"], port),
                undo: Some(command(tool, &["-w", "5", "-D", "INPUT"], port)),
            });
            let paths = if *f == Family::V4 { SAVED_V4 } else { SAVED_V6 };
            for path in paths {
                let bytes = match std::fs::read(t.host.path(path)) {
                    Ok(b) => b,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => {
                        return Err(Skip::Refused(rtf(l, R::CannotRead, &[("path", path), ("error", &e.to_string())])));
                    }
                };
                let blocks = !matches!(
                    parse_iptables(&String::from_utf8_lossy(&bytes)).tcp_verdict_for(port, *f),
                    crate::host::firewall::Verdict::Accept
                );
                if !blocks {
                    continue;
                }
                if let Some(after) = with_first_filter_rule(&bytes, &saved_line(port)) {
                    files.push(FileEdit { path: path.to_string(), after: Some(after) });
                    validate.push(Command::new(restore_tool(*f), &["--test", &t.host.path(path).to_string_lossy()]));
                    saved.push(path.to_string());
                }
            }
        }
        let tools: Vec<&str> = families.iter().map(|f| iptables(*f)).collect();
        let summary = if saved.is_empty() {
            rtf(l, R::FwDoAccept, &[("port", &p), ("tools", &tools.join(", "))])
        } else {
            rtf(l, R::FwDoAcceptSaved, &[("port", &p), ("tools", &tools.join(", ")), ("files", &saved.join(", "))])
        };
        Ok(Change { summary, files, validate, live, commands: Vec::new(), guards_login: true })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::report::{Finding, Severity};

    #[test]
    fn the_evidence_names_the_ruleset_that_blocks() {
        assert_eq!(blocks_of("iptables-save: -A INPUT -p tcp --dport 22 -j DROP"), [Block::Iptables(Family::V4)]);
        assert_eq!(blocks_of("IPv6: ip6tables-save: :INPUT DROP (no rule)"), [Block::Iptables(Family::V6)]);
        assert_eq!(
            blocks_of("IPv4: nft list ruleset: table ip filter chain INPUT: tcp dport 22 drop"),
            [Block::Iptables(Family::V4)],
            "iptables-nft's table"
        );
        assert_eq!(
            blocks_of("nft list ruleset: table inet fw chain input: policy drop (no rule accepts tcp/22)"),
            [Block::Nft("inet fw".into(), "input".into())]
        );
        assert!(blocks_of("IPv4: new connections to tcp/22 are accepted").is_empty());
        assert!(blocks_of("sshd listens on 0.0.0.0:22").is_empty());
    }

    #[test]
    fn the_saved_rules_get_the_rule_first_in_the_filter_table() {
        let text = b"# saved\n*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j RETURN\nCOMMIT\n*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n";
        let after = with_first_filter_rule(text, "-A INPUT -j X").unwrap();
        assert_eq!(
            String::from_utf8(after).unwrap(),
            "# saved\n*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j RETURN\nCOMMIT\n*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n-A INPUT -j X\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n"
        );
        let empty = b"*filter\r\n:INPUT DROP [0:0]\r\nCOMMIT\r\n";
        assert_eq!(
            with_first_filter_rule(empty, "-A INPUT -j X").unwrap(),
            b"*filter\r\n:INPUT DROP [0:0]\r\n-A INPUT -j X\r\nCOMMIT\r\n"
        );
        assert_eq!(with_first_filter_rule(b"*nat\nCOMMIT\n", "x"), None);
        // The saved line is what the walk accepts.
        let fixed = with_first_filter_rule(empty, &saved_line(2222)).unwrap();
        let t = parse_iptables(&String::from_utf8_lossy(&fixed));
        assert_eq!(t.tcp_verdict_for(2222, Family::V4), crate::host::firewall::Verdict::Accept);
        assert_ne!(t.tcp_verdict_for(22, Family::V4), crate::host::firewall::Verdict::Accept);
    }

    #[test]
    fn a_root_and_a_native_nftables_block_are_refused_with_the_command() {
        let f = Finding {
            severity: Severity::Crit,
            message: "m".into(),
            subject: Some("tcp/22".into()),
            code: Some("SSH-BLOCKED".into()),
            evidence: vec!["nft list ruleset: table inet fw chain input: tcp dport 22 drop".into()],
            since: None,
        };
        let dir = tempfile::tempdir().unwrap();
        let host = Host::new(dir.path());
        let t = Target::test(&host, "net.firewall.local", &f);
        assert!(matches!(Params {}.plan(&t), Err(Skip::Refused(r)) if r.contains("--root")));
        let host = Host::live();
        let t = Target::test(&host, "net.firewall.local", &f);
        match (Params {}).plan(&t) {
            Err(Skip::Refused(r)) => assert!(r.contains("nft insert rule inet fw input tcp dport 22 accept"), "{r}"),
            other => panic!("{other:?}"),
        }
    }
}
