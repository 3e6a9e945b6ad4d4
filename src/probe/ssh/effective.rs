//! sshd's effective configuration for one connection: which settings apply when account `user`
//! connects from `addr`, Match blocks included.
//!
//! On the live system, as root, with sshd installed, sshd itself answers (`sshd -T -C
//! user=U,host=H,addr=A`): distribution patches and compiled-in defaults included. Otherwise (a
//! `--root` image, no sshd, sshd failing) the files are evaluated here with the parser of
//! [`super::sshd_config`]: the first value wins, access lists accumulate, Match criteria `User`,
//! `Group`, `Host`, `Address`, `LocalPort` and `All` are applied with sshd's pattern rules.

use super::SSHD_BINARIES;
use super::sshd_config::{self, Entry, Settings, glob_match};
use crate::host::command;
use crate::probe::ProbeContext;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

/// Keywords whose values accumulate over lines (sshd appends every line's names).
const LISTS: &[&str] = &["allowusers", "denyusers", "allowgroups", "denygroups"];

/// sshd's compiled-in defaults (OpenSSH 8 and later) for the keywords the login matrix reads.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("permitrootlogin", "prohibit-password"),
    ("passwordauthentication", "yes"),
    ("kbdinteractiveauthentication", "yes"),
    ("pubkeyauthentication", "yes"),
    ("permitemptypasswords", "no"),
    ("authenticationmethods", "any"),
    ("authorizedkeysfile", ".ssh/authorized_keys .ssh/authorized_keys2"),
    ("authorizedkeyscommand", "none"),
    ("usepam", "no"),
    ("strictmodes", "yes"),
    ("port", "22"),
];

/// Who connects, and from where.
#[derive(Debug, Clone, PartialEq)]
pub struct Conn {
    pub user: String,
    /// The account's groups (primary and supplementary), for `Match Group` and `AllowGroups`.
    pub groups: Vec<String>,
    /// The client's host name as sshd would see it (with UseDNS off: the address).
    pub host: String,
    pub addr: String,
}

/// The effective settings for one connection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effective {
    /// keyword → values (one for most keywords; every name for the access lists).
    pub values: BTreeMap<String, Vec<String>>,
    /// keyword → where it was set (`file:line: text`, or `sshd -T -C ...`).
    pub source: BTreeMap<String, String>,
    /// `sshd -T -C ...` when sshd answered; else `sshd_config`.
    pub by: String,
    /// Why sshd was not asked or failed (a note for the evidence).
    pub note: Option<String>,
}

impl Effective {
    /// The first value of `keyword` (lowercase), or sshd's default.
    pub fn get(&self, keyword: &str) -> &str {
        self.values
            .get(keyword)
            .and_then(|v| v.first())
            .map(String::as_str)
            .or_else(|| DEFAULTS.iter().find(|(k, _)| *k == keyword).map(|(_, v)| *v))
            .unwrap_or("")
    }

    /// Every value of a list keyword.
    pub fn list(&self, keyword: &str) -> &[String] {
        self.values.get(keyword).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A yes/no keyword.
    pub fn yes(&self, keyword: &str) -> bool {
        self.get(keyword).eq_ignore_ascii_case("yes")
    }

    /// Where `keyword` came from, for evidence.
    pub fn where_set(&self, keyword: &str) -> String {
        match self.source.get(keyword) {
            Some(s) => s.clone(),
            None => format!("{keyword} {} (sshd's default)", self.get(keyword)),
        }
    }
}

/// OpenSSH's pattern match: `*` and `?` wildcards.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    glob_match(pattern, text)
}

/// OpenSSH's `match_pattern_list`: a comma-separated list of patterns, `!` negates; a negated
/// match wins over everything. `Some(true)` positive match, `Some(false)` negated match, `None`
/// no match. Host names compare case-insensitively when `fold` is set.
pub fn pattern_list(list: &str, text: &str, fold: bool) -> Option<bool> {
    let text = if fold { text.to_ascii_lowercase() } else { text.to_string() };
    let mut got = None;
    for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (neg, p) = match p.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, p),
        };
        let p = if fold { p.to_ascii_lowercase() } else { p.to_string() };
        if wildcard(&p, &text) {
            if neg {
                return Some(false);
            }
            got = Some(true);
        }
    }
    got
}

/// An address against a list of address patterns and CIDR blocks (`10.0.0.0/8,!10.1.*`).
pub fn addr_list(list: &str, addr: &str) -> Option<bool> {
    let ip: Option<IpAddr> = addr.parse().ok();
    let mut got = None;
    for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (neg, p) = match p.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, p),
        };
        let hit = match (p.split_once('/'), ip) {
            (Some((net, bits)), Some(ip)) => in_cidr(ip, net, bits),
            _ => wildcard(p, addr),
        };
        if hit {
            if neg {
                return Some(false);
            }
            got = Some(true);
        }
    }
    got
}

fn in_cidr(ip: IpAddr, net: &str, bits: &str) -> bool {
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else { return false };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Whether `user@host` entries and plain names of an AllowUsers/DenyUsers list name `conn`:
/// the first entry that does, or `None`.
pub fn user_entry<'a>(entries: &'a [String], conn: &Conn) -> Option<&'a String> {
    entries.iter().find(|e| {
        let (u, h) = match e.split_once('@') {
            Some((u, h)) => (u, Some(h)),
            None => (e.as_str(), None),
        };
        wildcard(u, &conn.user)
            && h.is_none_or(|h| {
                pattern_list(h, &conn.host, true) == Some(true) || addr_list(h, &conn.addr) == Some(true)
            })
    })
}

/// Whether one Match line's criteria apply to `conn`; `Err` names a criterion we cannot judge.
pub fn match_applies(criteria: &str, conn: &Conn, local_port: &str) -> Result<bool, String> {
    let words: Vec<&str> = criteria.split_whitespace().collect();
    let mut i = 0;
    let mut all = true;
    while i < words.len() {
        let key = words[i].to_ascii_lowercase();
        if key == "all" {
            i += 1;
            continue;
        }
        let Some(arg) = words.get(i + 1) else { return Err(format!("Match {key} without a value")) };
        let hit = match key.as_str() {
            "user" => pattern_list(arg, &conn.user, false) == Some(true),
            "group" => conn.groups.iter().any(|g| pattern_list(arg, g, false) == Some(true)),
            "host" => pattern_list(arg, &conn.host, true) == Some(true),
            "address" => addr_list(arg, &conn.addr) == Some(true),
            "localport" => pattern_list(arg, local_port, false) == Some(true),
            other => return Err(format!("Match {other} is not evaluated here")),
        };
        all &= hit;
        i += 2;
    }
    Ok(all)
}

/// Evaluates parsed files for one connection.
pub fn from_files(settings: &Settings, conn: &Conn) -> Effective {
    let port = settings
        .entries
        .iter()
        .find(|e| e.keyword == "port" && e.criteria.is_none())
        .map(|e| e.value.clone())
        .unwrap_or_else(|| "22".into());
    let mut eff = Effective { by: "sshd_config".into(), ..Default::default() };
    let mut matched = Effective::default();
    let mut notes = Vec::new();
    for Entry { keyword, value, loc, criteria } in &settings.entries {
        // Lines of a Match block that applies override the global ones (sshd_config(5)); among
        // them, and among the global lines, the first value wins.
        let target = match criteria {
            None => &mut eff,
            Some(c) => match match_applies(c, conn, &port) {
                Ok(true) => &mut matched,
                Ok(false) => continue,
                Err(why) => {
                    notes.push(format!("{loc}: {why}"));
                    continue;
                }
            },
        };
        let keyword =
            if keyword == "challengeresponseauthentication" { "kbdinteractiveauthentication" } else { keyword };
        if LISTS.contains(&keyword) {
            target.values.entry(keyword.to_string()).or_default().extend(value.split_whitespace().map(str::to_string));
            target.source.entry(keyword.to_string()).or_insert_with(|| loc.clone());
        } else if !target.values.contains_key(keyword) {
            let v: Vec<String> = if keyword == "authorizedkeysfile" || keyword == "authenticationmethods" {
                value.split_whitespace().map(str::to_string).collect()
            } else {
                vec![value.to_ascii_lowercase()]
            };
            target.values.insert(keyword.to_string(), v);
            target.source.insert(keyword.to_string(), loc.clone());
        }
    }
    eff.values.extend(matched.values);
    eff.source.extend(matched.source);
    if !notes.is_empty() {
        eff.note = Some(notes.join("; "));
    }
    eff
}

/// Parses `sshd -T` output keeping every value of the list keywords and the whole value of the
/// others (AuthorizedKeysFile has several paths on one line).
pub fn parse_sshd_t_full(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let mut parts = line.trim().splitn(2, char::is_whitespace);
        let (Some(k), Some(v)) = (parts.next(), parts.next()) else { continue };
        let k = k.to_ascii_lowercase();
        let v = v.trim();
        if k.is_empty() || v.is_empty() {
            continue;
        }
        if LISTS.contains(&k.as_str()) {
            map.entry(k).or_default().extend(v.split_whitespace().map(str::to_string));
        } else if let std::collections::btree_map::Entry::Vacant(slot) = map.entry(k.clone()) {
            let vals = if k == "authorizedkeysfile" || k == "authenticationmethods" {
                v.split_whitespace().map(str::to_string).collect()
            } else {
                vec![v.to_ascii_lowercase()]
            };
            slot.insert(vals);
        }
    }
    // OpenSSH prints prohibit-password under its old name.
    if let Some(v) = map.get_mut("permitrootlogin")
        && v.first().is_some_and(|x| x == "without-password")
    {
        v[0] = "prohibit-password".into();
    }
    map
}

/// Asks the live sshd for `conn`'s configuration; `Err` says why it could not.
fn ask_sshd(ctx: &ProbeContext, path: &str, conn: &Conn) -> Result<Effective, String> {
    if !ctx.host.is_live() {
        return Err("not the live system".into());
    }
    let Some(bin) = SSHD_BINARIES.iter().map(Path::new).find(|p| p.is_file()) else {
        return Err(sshd_config::NO_SSHD.into());
    };
    if !ctx.privileged {
        return Err("sshd -T needs root".into());
    }
    // sshd splits the spec at commas: a name with one cannot be asked about.
    if [&conn.user, &conn.host, &conn.addr].iter().any(|v| v.contains([',', '=']) || v.is_empty()) {
        return Err("the account name cannot be passed to sshd -C".into());
    }
    let spec = format!("user={},host={},addr={}", conn.user, conn.host, conn.addr);
    let shown = format!("{} -T -C {spec} -f {path}", bin.display());
    let out = command::run(bin, &["-T", "-C", &spec, "-f", path], sshd_config::SSHD_T_TIMEOUT, ctx.deadline)?;
    if out.code != Some(0) {
        let first = out.stderr.lines().next().unwrap_or("").chars().take(200).collect::<String>();
        let status = out.code.map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
        return Err(format!("{shown}: exit {status}: {first}"));
    }
    let values = parse_sshd_t_full(&out.stdout);
    let source = values.iter().map(|(k, v)| (k.clone(), format!("{shown}: {k} {}", v.join(" ")))).collect();
    Ok(Effective { values, source, by: shown, note: None })
}

/// The effective configuration for `conn`: sshd's answer when it can give one, else the files.
/// Settings sshd reports are taken from sshd; their file lines are kept as the source when the
/// files agree (so evidence names the line to edit).
pub fn effective(ctx: &ProbeContext, path: &str, settings: &Settings, conn: &Conn) -> Effective {
    let files = from_files(settings, conn);
    match ask_sshd(ctx, path, conn) {
        Ok(mut e) => {
            for (k, v) in &e.values {
                if let (Some(fv), Some(loc)) = (files.values.get(k), files.source.get(k))
                    && fv.iter().map(|x| x.to_ascii_lowercase()).eq(v.iter().map(|x| x.to_ascii_lowercase()))
                {
                    let by = e.source.get(k).cloned().unwrap_or_default();
                    e.source.insert(k.clone(), format!("{loc} ({by})"));
                }
            }
            e
        }
        Err(why) => {
            let mut f = files;
            let said = if ctx.host.is_live() && why != sshd_config::NO_SSHD {
                Some(format!("sshd -T: {why}; the settings were evaluated from the files"))
            } else {
                None
            };
            f.note = match (f.note.take(), said) {
                (Some(a), Some(b)) => Some(format!("{a}; {b}")),
                (a, b) => a.or(b),
            };
            f
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(user: &str, groups: &[&str], addr: &str) -> Conn {
        Conn {
            user: user.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            host: addr.into(),
            addr: addr.into(),
        }
    }

    fn settings(lines: &[(&str, &str, Option<&str>)]) -> Settings {
        let mut s = Settings::default();
        for (n, (k, v, c)) in lines.iter().enumerate() {
            s.entries.push(Entry {
                keyword: k.to_string(),
                value: v.to_string(),
                loc: format!("/etc/ssh/sshd_config:{}: {k} {v}", n + 1),
                criteria: c.map(str::to_string),
            });
        }
        s
    }

    #[test]
    fn patterns_follow_openssh() {
        assert_eq!(pattern_list("a*,!admin", "admin", false), Some(false));
        assert_eq!(pattern_list("a*,!admin", "alice", false), Some(true));
        assert_eq!(pattern_list("bob", "alice", false), None);
        assert_eq!(addr_list("10.0.0.0/8,!10.1.2.3", "10.9.9.9"), Some(true));
        assert_eq!(addr_list("10.0.0.0/8,!10.1.2.3", "10.1.2.3"), Some(false));
        assert_eq!(addr_list("192.168.*", "192.168.1.5"), Some(true));
        assert_eq!(addr_list("2001:db8::/32", "2001:db8::1"), Some(true));
        let c = conn("ops", &["ops", "wheel"], "203.0.113.7");
        let list = vec!["root".to_string(), "ops@10.0.0.0/8".to_string()];
        assert_eq!(user_entry(&list, &c), None, "ops only from 10/8");
        let list = vec!["o*@203.0.113.*".to_string()];
        assert!(user_entry(&list, &c).is_some());
    }

    #[test]
    fn match_blocks_apply_per_connection() {
        let s = settings(&[
            ("passwordauthentication", "no", None),
            ("allowusers", "alice", None),
            ("allowusers", "bob carol", None),
            ("passwordauthentication", "yes", Some("User alice")),
            ("permitrootlogin", "no", Some("Group wheel Address 10.0.0.0/8")),
        ]);
        let a = from_files(&s, &conn("alice", &["alice"], "10.1.1.1"));
        // A Match block that applies overrides the global line, wherever that is.
        assert_eq!(a.get("passwordauthentication"), "yes");
        assert_eq!(a.list("allowusers"), ["alice", "bob", "carol"]);
        assert_eq!(from_files(&s, &conn("bob", &["bob"], "10.1.1.1")).get("passwordauthentication"), "no");
        let s = settings(&[
            ("permitrootlogin", "no", Some("Group wheel Address 10.0.0.0/8")),
            ("passwordauthentication", "yes", Some("User alice")),
            ("passwordauthentication", "no", None),
        ]);
        assert_eq!(from_files(&s, &conn("alice", &["alice"], "10.1.1.1")).get("passwordauthentication"), "yes");
        assert_eq!(from_files(&s, &conn("bob", &["bob"], "10.1.1.1")).get("passwordauthentication"), "no");
        assert_eq!(from_files(&s, &conn("root", &["wheel"], "10.1.1.1")).get("permitrootlogin"), "no");
        assert_eq!(from_files(&s, &conn("root", &["wheel"], "8.8.8.8")).get("permitrootlogin"), "prohibit-password");
        let s = settings(&[("passwordauthentication", "no", Some("RDomain x"))]);
        let e = from_files(&s, &conn("a", &[], "1.1.1.1"));
        assert_eq!(e.get("passwordauthentication"), "yes");
        assert!(e.note.is_some_and(|n| n.contains("rdomain")));
    }

    #[test]
    fn sshd_t_lists_and_paths() {
        let m = parse_sshd_t_full(
            "allowusers alice\nallowusers bob@10.0.0.0/8\nauthorizedkeysfile .ssh/authorized_keys /etc/keys/%u\n\
             permitrootlogin without-password\nauthenticationmethods publickey,password publickey\n",
        );
        assert_eq!(m["allowusers"], ["alice", "bob@10.0.0.0/8"]);
        assert_eq!(m["authorizedkeysfile"], [".ssh/authorized_keys", "/etc/keys/%u"]);
        assert_eq!(m["permitrootlogin"], ["prohibit-password"]);
        assert_eq!(m["authenticationmethods"], ["publickey,password", "publickey"]);
    }
}
