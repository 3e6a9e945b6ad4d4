//! PAM rules that shut a login account out: `pam_succeed_if` conditions it fails, a
//! `pam_listfile` list that denies it (or allows only others), and `pam_access` rules
//! (/etc/security/access.conf) that deny it from every address. Each is judged on lines whose
//! failure fails the stack (`required`, `requisite`, or a bracket whose action for the failure
//! is `bad`/`die`), in the auth and account groups (a key login skips auth).
//!
//! Conditions on what only the connection knows (`rhost`, `tty`, `ruser`) are not judged.

use super::stack::{Kind, Line, Stack};
use crate::host::Host;
use crate::host::fsmeta::Names;
use crate::probe::accounts::passwd::Account;

/// Why one line shuts an account out.
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    pub user: String,
    /// `pam_succeed_if`, `pam_listfile` or `pam_access`.
    pub module: String,
    pub kind: Kind,
    /// What the rule says, in words: `uid >= 1000`, `listed in /etc/ssh/deny (sense=deny)`.
    pub rule: String,
    pub evidence: Vec<String>,
}

/// What an account is, for the conditions.
pub struct Who<'a> {
    pub account: &'a Account,
    /// Names of every group it is in (primary and supplementary).
    pub groups: Vec<String>,
}

impl<'a> Who<'a> {
    pub fn of(account: &'a Account, names: &Names) -> Who<'a> {
        let mut groups: Vec<String> = names.groups.get(&account.gid).cloned().into_iter().collect();
        for (gid, members) in &names.members {
            if members.iter().any(|m| m == &account.name)
                && let Some(g) = names.groups.get(gid)
                && !groups.contains(g)
            {
                groups.push(g.clone());
            }
        }
        Who { account, groups }
    }
}

/// Whether `pattern` (a shell glob: `*`, `?`, `[...]`) matches `text` whole.
pub fn glob(pattern: &str, text: &str) -> bool {
    crate::glob::fnmatch(pattern, text)
}

/// pam_succeed_if: whether the conditions of `args` hold for `who`; `None` when one of them
/// is about something only the connection knows (or cannot be read).
pub fn succeed_if(args: &[String], who: &Who) -> Option<(bool, String)> {
    const FLAGS: &[&str] = &["debug", "use_uid", "quiet", "quiet_fail", "quiet_success", "audit"];
    let words: Vec<&str> = args.iter().map(String::as_str).filter(|a| !FLAGS.contains(a)).collect();
    let mut all = true;
    let mut shown = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if i + 3 > words.len() {
            // pam_succeed_if refuses an incomplete condition (PAM_SERVICE_ERR): a failure too.
            return Some((false, words[i..].join(" ")));
        }
        let (field, op, value) = (&words[i], &words[i + 1], &words[i + 2]);
        i += 3;
        shown.push(format!("{field} {op} {value}"));
        let a = who.account;
        let text = match *field {
            "user" | "login" => a.name.clone(),
            "uid" => a.uid.to_string(),
            "gid" => a.gid.to_string(),
            "shell" => a.shell.clone(),
            "home" => a.home.clone(),
            "service" => "sshd".to_string(),
            _ => return None,
        };
        let num = |s: &str| s.parse::<i64>().ok();
        let holds = match *op {
            "<" | "lt" | "<=" | "le" | ">" | "gt" | ">=" | "ge" | "eq" | "ne" => {
                let (Some(l), Some(r)) = (num(&text), num(value)) else { return Some((false, shown.join(" "))) };
                match *op {
                    "<" | "lt" => l < r,
                    "<=" | "le" => l <= r,
                    ">" | "gt" => l > r,
                    ">=" | "ge" => l >= r,
                    "eq" => l == r,
                    _ => l != r,
                }
            }
            "=" => text == *value,
            "!=" => text != *value,
            "=~" => glob(value, &text),
            "!~" => !glob(value, &text),
            "in" => value.split(':').any(|v| v == text),
            "notin" => !value.split(':').any(|v| v == text),
            "ingroup" if *field == "user" => value.split(':').any(|g| who.groups.iter().any(|x| x == g)),
            "notingroup" if *field == "user" => !value.split(':').any(|g| who.groups.iter().any(|x| x == g)),
            _ => return None,
        };
        all &= holds;
    }
    Some((all, shown.join(" and ")))
}

/// pam_listfile: whether it fails for `who` (`Some(rule)`), reading the list from `host`.
pub fn listfile(host: &Host, line: &Line, who: &Who) -> Option<String> {
    let item = line.arg("item")?;
    let sense = line.arg("sense")?;
    let file = line.arg("file")?;
    let onerr_fail = line.arg("onerr") != Some("succeed");
    if let Some(apply) = line.arg("apply") {
        let applies = match apply.strip_prefix('@') {
            Some(g) => who.groups.iter().any(|x| x == g),
            None => apply == who.account.name,
        };
        if !applies {
            return None;
        }
    }
    let values: Vec<String> = match item {
        "user" => vec![who.account.name.clone()],
        "group" => who.groups.clone(),
        "shell" => vec![who.account.shell.clone()],
        _ => return None,
    };
    let text = match host.read(file) {
        Ok(f) => f.text,
        Err(_) => {
            return onerr_fail.then(|| format!("item={item} sense={sense} file={file} onerr=fail"));
        }
    };
    let listed = text.lines().map(str::trim).any(|l| !l.is_empty() && values.iter().any(|v| v == l));
    let rule = format!("item={item} sense={sense} file={file}");
    match (sense, listed) {
        ("deny", true) | ("allow", false) => Some(rule),
        _ => None,
    }
}

/// One rule of access.conf.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessRule {
    pub allow: bool,
    pub users: Vec<String>,
    pub origins: Vec<String>,
    pub loc: String,
}

/// The rules of an access.conf text.
pub fn access_rules(path: &str, text: &str, sep: char) -> Vec<AccessRule> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.splitn(3, sep).collect();
        let [perm, users, origins] = f[..] else { continue };
        let allow = match perm.trim() {
            "+" => true,
            "-" => false,
            _ => continue,
        };
        let split = |s: &str| {
            s.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).map(str::to_string).collect()
        };
        out.push(AccessRule {
            allow,
            users: split(users),
            origins: split(origins),
            loc: format!("{path}:{}: {line}", n + 1),
        });
    }
    out
}

/// Whether a list with `EXCEPT` matches: some item before it matches and none after it does.
fn list_match(items: &[String], hit: impl Fn(&str) -> bool) -> bool {
    let cut = items.iter().position(|w| w == "EXCEPT").unwrap_or(items.len());
    items[..cut].iter().any(|w| hit(w)) && !items.get(cut + 1..).unwrap_or(&[]).iter().any(|w| hit(w))
}

/// Whether the users field of an access rule names `who`.
fn access_user(items: &[String], who: &Who) -> bool {
    list_match(items, |w| {
        if w == "ALL" || w == who.account.name {
            return true;
        }
        if let Some(g) = w.strip_prefix('(').and_then(|g| g.strip_suffix(')')) {
            return who.groups.iter().any(|x| x == g);
        }
        // A word that is not a user may be a group (unless nodefgroup, not judged here).
        !w.starts_with('@') && who.groups.iter().any(|x| x == w)
    })
}

/// What access.conf decides for `who` logging in over the network from an address no rule
/// names: `Some(rule)` when the first rule that applies to every remote address denies it.
/// Rules naming some origins only (`+ : root : 10.0.0.0/8`) let it in from there, so they end
/// the search with no verdict.
pub fn access_denies<'r>(rules: &'r [AccessRule], who: &Who) -> Option<&'r AccessRule> {
    for r in rules {
        if !access_user(&r.users, who) {
            continue;
        }
        let cut = r.origins.iter().position(|w| w == "EXCEPT").unwrap_or(r.origins.len());
        let everywhere = r.origins[..cut].iter().any(|w| w == "ALL");
        if !everywhere {
            if r.allow && r.origins[..cut].iter().any(|w| w != "LOCAL") {
                return None; // allowed from somewhere remote
            }
            continue;
        }
        return (!r.allow && cut == r.origins.len()).then_some(r);
    }
    None
}

/// Every exclusion of `accounts` by the auth and account lines of `stack`.
pub fn exclusions(host: &Host, stack: &Stack, accounts: &[Account], names: &Names) -> Vec<Exclusion> {
    let mut out = Vec::new();
    for line in &stack.lines {
        if !matches!(line.kind, Kind::Auth | Kind::Account) {
            continue;
        }
        let module = line.module_name();
        // What a refusing module returns: pam_succeed_if and pam_listfile PAM_AUTH_ERR,
        // pam_access PAM_PERM_DENIED.
        let value = if module == "pam_access.so" { "perm_denied" } else { "auth_err" };
        if !line.control.fails_on(value) {
            continue;
        }
        let rules = (module == "pam_access.so").then(|| {
            let sep = line.arg("fieldsep").and_then(|s| s.chars().next()).unwrap_or(':');
            match line.arg("accessfile") {
                Some(f) => host.read(f).map(|t| access_rules(f, &t.text, sep)).unwrap_or_default(),
                None => {
                    let mut all = Vec::new();
                    if let Ok(t) = host.read("/etc/security/access.conf") {
                        all.extend(access_rules("/etc/security/access.conf", &t.text, sep));
                    }
                    for name in host.list_dir("/etc/security/access.d").unwrap_or_default() {
                        let p = format!("/etc/security/access.d/{name}");
                        if name.ends_with(".conf")
                            && let Ok(t) = host.read(&p)
                        {
                            all.extend(access_rules(&p, &t.text, sep));
                        }
                    }
                    all
                }
            }
        });
        for a in accounts.iter().filter(|a| a.login || a.uid == 0) {
            let who = Who::of(a, names);
            let (rule, extra) = match module {
                "pam_succeed_if.so" => match succeed_if(&line.args, &who) {
                    Some((false, rule)) => (rule, None),
                    _ => continue,
                },
                "pam_listfile.so" => match listfile(host, line, &who) {
                    Some(rule) => (rule, None),
                    None => continue,
                },
                "pam_access.so" => match rules.as_deref().and_then(|r| access_denies(r, &who)) {
                    Some(r) => (r.loc.clone(), Some(r.loc.clone())),
                    None => continue,
                },
                _ => continue,
            };
            let mut evidence = vec![line.evidence()];
            evidence.extend(extra);
            out.push(Exclusion {
                user: a.name.clone(),
                module: module.trim_end_matches(".so").to_string(),
                kind: line.kind,
                rule,
                evidence,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(name: &str, uid: u32, shell: &str) -> Account {
        Account {
            name: name.into(),
            uid,
            gid: uid,
            home: format!("/home/{name}"),
            shell: shell.into(),
            login: true,
            loc: String::new(),
        }
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn globs() {
        for (p, t, want) in [
            ("*", "", true),
            ("a*c", "abbc", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("[a-c]x", "bx", true),
            ("[!a-c]x", "bx", false),
            ("/bin/*sh", "/bin/bash", true),
            ("[", "[", true),
            ("*[a-c]*[a-c]x", "zzazzbx", true),
            ("**?", "", false),
        ] {
            assert_eq!(glob(p, t), want, "{p} {t}");
        }
    }

    /// Many stars against a long name, which cannot match: each suffix is tried once (the old
    /// recursion tried exponentially many splits; the fuzzer found the same in sshd's matcher).
    #[test]
    fn many_stars_match_at_once() {
        assert!(!glob(&format!("{}x", "*".repeat(200)), &"a".repeat(250)));
        assert!(glob(&format!("{}x", "*".repeat(200)), &format!("{}x", "a".repeat(250))));
        assert!(!glob(&("*[a-b]".repeat(40) + "c"), &"a".repeat(250)));
    }

    #[test]
    fn succeed_if_conditions() {
        let root = acct("root", 0, "/bin/bash");
        let who = Who { account: &root, groups: vec!["root".into(), "wheel".into()] };
        assert_eq!(succeed_if(&s(&["uid", ">=", "1000", "quiet"]), &who), Some((false, "uid >= 1000".into())));
        assert_eq!(succeed_if(&s(&["uid", "eq", "0"]), &who).map(|r| r.0), Some(true));
        assert_eq!(succeed_if(&s(&["user", "ingroup", "wheel"]), &who).map(|r| r.0), Some(true));
        assert_eq!(succeed_if(&s(&["user", "notin", "root:admin"]), &who).map(|r| r.0), Some(false));
        assert_eq!(succeed_if(&s(&["shell", "=~", "/bin/*sh"]), &who).map(|r| r.0), Some(true));
        assert_eq!(succeed_if(&s(&["rhost", "=", "x"]), &who), None, "connection facts are not judged");
        assert_eq!(succeed_if(&s(&["uid", ">="]), &who).map(|r| r.0), Some(false), "an incomplete condition fails");
        assert_eq!(succeed_if(&s(&["uid", ">=", "0", "user", "!=", "root"]), &who).map(|r| r.0), Some(false));
    }

    #[test]
    fn access_conf_first_match() {
        let rules = access_rules(
            "/etc/security/access.conf",
            "# c\n+ : admin : 10.0.0.0/8\n- : ALL EXCEPT root (wheel) : ALL\n+ : ALL : ALL\n",
            ':',
        );
        assert_eq!(rules.len(), 3);
        let (root, bob, admin, w) = (
            acct("root", 0, "/bin/sh"),
            acct("bob", 1001, "/bin/sh"),
            acct("admin", 1002, "/bin/sh"),
            acct("w", 1003, "/bin/sh"),
        );
        assert_eq!(access_denies(&rules, &Who { account: &root, groups: vec![] }), None);
        let denied = access_denies(&rules, &Who { account: &bob, groups: vec![] }).expect("bob denied");
        assert_eq!(denied.loc, "/etc/security/access.conf:3: - : ALL EXCEPT root (wheel) : ALL");
        assert_eq!(access_denies(&rules, &Who { account: &admin, groups: vec![] }), None, "allowed from 10/8");
        assert_eq!(access_denies(&rules, &Who { account: &w, groups: vec!["wheel".into()] }), None);
        // Denied everywhere except some addresses: still gets in from those.
        let rules = access_rules("a", "-:bob:ALL EXCEPT 192.168.1.0/24\n", ':');
        assert_eq!(access_denies(&rules, &Who { account: &bob, groups: vec![] }), None);
    }

    #[test]
    fn exclusions_from_a_stack() {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = |p: &str, body: &str| {
            let path = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, body).expect("write");
        };
        w(
            "/etc/pam.d/sshd",
            "account required pam_succeed_if.so uid >= 1000 quiet\n\
             account sufficient pam_succeed_if.so uid >= 5000\n\
             auth required pam_listfile.so item=user sense=deny file=/etc/ssh/deny onerr=succeed\n\
             account [default=ignore] pam_access.so\n\
             account required pam_access.so\n",
        );
        w("/etc/ssh/deny", "carol\n");
        w("/etc/security/access.conf", "-:dave:ALL\n");
        let host = Host::new(dir.path());
        let stack = super::super::stack::read(&host, "sshd").expect("read").expect("stack");
        let accounts =
            vec![acct("root", 0, "/bin/bash"), acct("carol", 1000, "/bin/bash"), acct("dave", 1001, "/bin/bash")];
        let ex = exclusions(&host, &stack, &accounts, &Names::default());
        let got: Vec<(&str, &str, &str)> =
            ex.iter().map(|e| (e.user.as_str(), e.module.as_str(), e.rule.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("root", "pam_succeed_if", "uid >= 1000"),
                ("carol", "pam_listfile", "item=user sense=deny file=/etc/ssh/deny"),
                ("dave", "pam_access", "/etc/security/access.conf:1: -:dave:ALL"),
            ]
        );
    }
}
