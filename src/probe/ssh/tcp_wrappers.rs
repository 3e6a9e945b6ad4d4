//! TCP wrappers: whether /etc/hosts.allow and /etc/hosts.deny refuse sshd's connections from
//! the address evaluated (`why ssh --from`, else an internet address). They only act when the
//! sshd binary links libwrap (Debian's and Ubuntu's do; upstream OpenSSH dropped it in 6.7):
//! its ELF dynamic section is read for a `DT_NEEDED` entry naming libwrap. Otherwise the rules
//! have no effect and are reported as a note.
//!
//! hosts_access(5): the first rule in hosts.allow that matches allows, else the first in
//! hosts.deny that matches refuses, else allowed; a rule whose last option is `allow` or `deny`
//! decides itself. Client patterns: `ALL`, addresses, `n.n.n.` prefixes, `net/mask`,
//! `net/len`, `[v6]/len`, `LOCAL`, `EXCEPT`; host names (no DNS here) match nothing.

use super::SSHD_BINARIES;
use super::login::DEFAULT_FROM;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("libwrap", "1 when the sshd binary links libwrap, so the rules act"),
    Field::flag("refuses", "1 when hosts.allow and hosts.deny refuse sshd's connections from the address"),
    Field::text("rule", "file:line of the deciding rule"),
    Field::text("from", "the client address evaluated"),
    Field::text("binary", "the sshd binary read"),
];

/// Largest binary read for its dynamic section.
const MAX_ELF: u64 = 64 * 1024 * 1024;

fn u16_at(b: &[u8], o: usize) -> Option<u64> {
    Some(u16::from_le_bytes(b.get(o..o + 2)?.try_into().ok()?) as u64)
}
fn u32_at(b: &[u8], o: usize) -> Option<u64> {
    Some(u32::from_le_bytes(b.get(o..o + 4)?.try_into().ok()?) as u64)
}
fn u64_at(b: &[u8], o: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(o..o + 8)?.try_into().ok()?))
}

/// The `DT_NEEDED` libraries of a little-endian ELF file; `None` when it is not one we read.
pub fn needed_libraries(b: &[u8]) -> Option<Vec<String>> {
    if b.get(0..4)? != b"\x7fELF" || *b.get(5)? != 1 {
        return None;
    }
    let wide = match b.get(4)? {
        2 => true,
        1 => false,
        _ => return None,
    };
    let word = |o: usize| if wide { u64_at(b, o) } else { u32_at(b, o) };
    let (shoff, shentsize, shnum) = if wide {
        (u64_at(b, 0x28)?, u16_at(b, 0x3a)?, u16_at(b, 0x3c)?)
    } else {
        (u32_at(b, 0x20)?, u16_at(b, 0x2e)?, u16_at(b, 0x30)?)
    };
    let section = |i: u64| -> Option<(u64, u64, u64, u64)> {
        let h = usize::try_from(shoff.checked_add(i.checked_mul(shentsize)?)?).ok()?;
        let kind = u32_at(b, h + 4)?;
        let (offset, size, link) = if wide {
            (u64_at(b, h + 24)?, u64_at(b, h + 32)?, u32_at(b, h + 40)?)
        } else {
            (u32_at(b, h + 16)?, u32_at(b, h + 20)?, u32_at(b, h + 24)?)
        };
        Some((kind, offset, size, link))
    };
    let mut out = Vec::new();
    for i in 0..shnum.min(4096) {
        let Some((6, offset, size, link)) = section(i) else { continue }; // SHT_DYNAMIC
        let (_, str_off, str_size, _) = section(link)?;
        let entry = if wide { 16 } else { 8 };
        let mut o = usize::try_from(offset).ok()?;
        let end = o.saturating_add(usize::try_from(size).ok()?);
        while o + entry <= end {
            let tag = word(o)?;
            let val = word(o + entry / 2)?;
            if tag == 0 {
                break;
            }
            if tag == 1 && val < str_size {
                let start = usize::try_from(str_off + val).ok()?;
                let tail = b.get(start..)?;
                let name = tail.split(|c| *c == 0).next().unwrap_or(&[]);
                out.push(String::from_utf8_lossy(name).into_owned());
            }
            o += entry;
        }
    }
    Some(out)
}

/// One rule: daemons, clients, options, where.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub daemons: String,
    pub clients: String,
    pub options: Vec<String>,
    pub loc: String,
}

/// Parses hosts.allow/hosts.deny text (backslash continuations, comments).
pub fn parse_rules(path: &str, text: &str) -> Vec<Rule> {
    let mut out = Vec::new();
    let mut acc = String::new();
    let mut start = 0;
    for (n, line) in text.lines().enumerate() {
        if acc.is_empty() {
            start = n + 1;
        }
        let line = line.trim_end();
        if let Some(head) = line.strip_suffix('\\') {
            acc.push_str(head);
            acc.push(' ');
            continue;
        }
        acc.push_str(line);
        let full = std::mem::take(&mut acc);
        let t = full.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let mut parts = t.split(':').map(str::trim);
        let (Some(d), Some(c)) = (parts.next(), parts.next()) else { continue };
        out.push(Rule {
            daemons: d.to_string(),
            clients: c.to_string(),
            options: parts.map(str::to_string).collect(),
            loc: format!("{path}:{start}: {t}"),
        });
    }
    out
}

fn list_matches(list: &str, one: &dyn Fn(&str) -> bool) -> bool {
    // `a b EXCEPT c d`: matches when the part before EXCEPT matches and the rest does not.
    let words: Vec<&str> = list.split([' ', ',', '\t']).filter(|w| !w.is_empty()).collect();
    match words.iter().position(|w| w.eq_ignore_ascii_case("except")) {
        Some(i) => words[..i].iter().any(|w| one(w)) && !list_matches(&words[i + 1..].join(" "), one),
        None => words.iter().any(|w| one(w)),
    }
}

fn client_matches(pattern: &str, addr: &str) -> bool {
    let ip: Option<IpAddr> = addr.parse().ok();
    if pattern.eq_ignore_ascii_case("all") {
        return true;
    }
    if pattern.eq_ignore_ascii_case("local") || pattern.starts_with('.') {
        return false; // host names: not resolved here
    }
    if let Some(prefix) = pattern.strip_suffix('.').filter(|p| p.chars().all(|c| c.is_ascii_digit() || c == '.')) {
        return addr.starts_with(&format!("{prefix}."));
    }
    let pattern = pattern.trim_start_matches('[').replace(']', "");
    if let (Some((net, mask)), Some(ip)) = (pattern.split_once('/'), ip) {
        let bits = match mask.parse::<IpAddr>() {
            Ok(IpAddr::V4(m)) => u32::from(m).count_ones().to_string(),
            _ => mask.to_string(),
        };
        return super::effective::addr_list(&format!("{net}/{bits}"), &ip.to_string()) == Some(true);
    }
    pattern == addr || (pattern.contains('*') && super::effective::wildcard(&pattern, addr))
}

fn daemon_matches(list: &str) -> bool {
    list_matches(list, &|d| {
        let d = d.split('@').next().unwrap_or(d);
        d.eq_ignore_ascii_case("all") || d == "sshd"
    })
}

/// The rule that decides a connection to sshd from `addr`, and whether it refuses.
pub fn decide<'a>(allow: &'a [Rule], deny: &'a [Rule], addr: &str) -> Option<(&'a Rule, bool)> {
    let hits = |r: &Rule| daemon_matches(&r.daemons) && list_matches(&r.clients, &|c| client_matches(c, addr));
    let verdict_of = |r: &Rule, default_refuses: bool| match r.options.last().map(|o| o.to_ascii_lowercase()) {
        Some(o) if o == "deny" => true,
        Some(o) if o == "allow" => false,
        _ => default_refuses,
    };
    if let Some(r) = allow.iter().find(|r| hits(r)) {
        return Some((r, verdict_of(r, false)));
    }
    deny.iter().find(|r| hits(r)).map(|r| (r, verdict_of(r, true)))
}

/// How the evidence names the client address the rules were judged for.
pub const FROM_PREFIX: &str = "judged for a connection from ";

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let read = |p: &str| ctx.host.read_optional(p).map_err(|e| ProbeError::io(p, &e));
    let allow = read("/etc/hosts.allow")?.map(|f| parse_rules("/etc/hosts.allow", &f.text)).unwrap_or_default();
    let deny = read("/etc/hosts.deny")?.map(|f| parse_rules("/etc/hosts.deny", &f.text)).unwrap_or_default();
    let binary = SSHD_BINARIES.iter().find(|p| ctx.host.path(p).is_file());
    let Some(binary) = binary else {
        return Err(ProbeError::skipped(Msg::SkipSshdMissing));
    };
    let libs = {
        use std::io::Read;
        let mut bytes = Vec::new();
        std::fs::File::open(ctx.host.path(binary))
            .and_then(|f| f.take(MAX_ELF).read_to_end(&mut bytes))
            .map_err(|e| ProbeError::io(binary, &e))?;
        needed_libraries(&bytes).unwrap_or_default()
    };
    let libwrap = libs.iter().any(|l| l.starts_with("libwrap"));
    let from = ctx.login.from.clone().unwrap_or_else(|| DEFAULT_FROM.to_string());
    let link_line = format!(
        "{binary}: {} (needs {})",
        if libwrap { "links libwrap" } else { "does not link libwrap" },
        if libs.is_empty() { "nothing readable".to_string() } else { libs.join(", ") }
    );
    let mut o = match decide(&allow, &deny, &from) {
        Some((rule, refuses)) => Observation::new(rule.loc.split(": ").next().unwrap_or("/etc/hosts.deny"))
            .flag("refuses", refuses)
            .text("rule", &rule.loc)
            .evidence(rule.loc.clone()),
        None => Observation::new("/etc/hosts.deny").flag("refuses", false).word("rule", Said::new(Msg::ValNone)),
    };
    o = o.flag("libwrap", libwrap).text("from", &from).text("binary", *binary).evidence(link_line);
    // The address judged, for the repair (`action.wrappers`), which decides again for it.
    o = o.evidence(format!("{FROM_PREFIX}{from}"));
    Ok(Observations::of(vec![o]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `ssh_files` fuzz target (an input of fuzz/artifacts): a hosts.deny client
    /// pattern of many stars that cannot match an address hung the decision for over a minute.
    #[test]
    fn a_pattern_of_many_stars_is_judged_at_once() {
        let deny = parse_rules("/etc/hosts.deny", &format!("sshd: {}x\nALL: 10.0.0.1\n", "*".repeat(120)));
        assert_eq!(decide(&[], &deny, "203.0.113.9"), None);
        let hit = decide(&[], &deny, "10.0.0.1").expect("the second rule refuses 10.0.0.1");
        assert!(hit.1);
    }

    #[test]
    fn hosts_access_order_and_patterns() {
        let allow =
            parse_rules("/etc/hosts.allow", "# c\nsshd: 10.0.0.0/255.0.0.0, 192.168. \\\n  EXCEPT 192.168.9.9\n");
        let deny = parse_rules("/etc/hosts.deny", "ALL: ALL\n");
        assert_eq!(allow.len(), 1);
        assert_eq!(allow[0].loc, "/etc/hosts.allow:2: sshd: 10.0.0.0/255.0.0.0, 192.168.    EXCEPT 192.168.9.9");
        assert_eq!(decide(&allow, &deny, "10.2.3.4").map(|(_, r)| r), Some(false));
        assert_eq!(decide(&allow, &deny, "192.168.1.1").map(|(_, r)| r), Some(false));
        assert_eq!(decide(&allow, &deny, "192.168.9.9").map(|(_, r)| r), Some(true));
        assert_eq!(
            decide(&allow, &deny, "203.0.113.5").map(|(r, x)| (r.loc.as_str(), x)),
            Some(("/etc/hosts.deny:1: ALL: ALL", true))
        );
        assert_eq!(decide(&[], &parse_rules("d", "vsftpd: ALL\n"), "1.2.3.4"), None);
        let opt = parse_rules("/etc/hosts.allow", "sshd: ALL EXCEPT 10.0.0.0/8 : deny\n");
        assert_eq!(decide(&opt, &[], "8.8.8.8").map(|(_, r)| r), Some(true));
        assert_eq!(decide(&opt, &[], "10.1.1.1"), None);
    }

    #[test]
    fn elf_needed_of_a_real_binary() {
        // This test binary itself is a dynamic ELF that needs libc.
        let me = std::env::current_exe().expect("exe");
        let bytes = std::fs::read(me).expect("read");
        let libs = needed_libraries(&bytes).expect("an ELF");
        assert!(libs.iter().any(|l| l.starts_with("libc.so")), "{libs:?}");
        assert_eq!(needed_libraries(b"#!/bin/sh\n"), None);
        assert_eq!(needed_libraries(&bytes[..64]), Some(vec![]));
    }
}
