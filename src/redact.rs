//! Redaction of secrets from anything that leaves the process: evidence lines, plugin output,
//! saved reports and tickets. Values are replaced by `[REDACTED:<kind>]`, keeping the key so a
//! reader still sees *what* was set.
//!
//! [`redact`] is the stateless form used for report evidence. A [`Redactor`] does the same and
//! also counts what it replaced (the ticket preview shows the counts) and, when asked, replaces
//! IP addresses and host names by stable pseudonyms: the same value always gets the same mask
//! within one redactor, so a ticket stays readable ("host-1 cannot reach 198.18.0.2").

use regex::Regex;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

struct Rule {
    kind: &'static str,
    re: Regex,
    /// Capture groups 1..=keep are kept before the redacted value (0 = replace the whole match).
    keep: usize,
    /// Capture group kept after the redacted value (a closing quote, the `@` of a URL).
    tail: Option<usize>,
}

/// Values of `key=value` settings that are plainly not secrets (`PasswordAuthentication=yes`).
const HARMLESS: &[&str] = &[
    "yes",
    "no",
    "true",
    "false",
    "on",
    "off",
    "none",
    "null",
    "0",
    "1",
    "prohibit-password",
    "without-password",
    "required",
    "optional",
];

fn rule(kind: &'static str, pattern: &str, keep: usize, tail: Option<usize>) -> Option<Rule> {
    Regex::new(pattern).ok().map(|re| Rule { kind, re, keep, tail })
}

/// Words that make the value of a `key=value` or `key: value` setting a secret.
const SECRET_KEY: &str = r"password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key[_-]?secret|private[_-]?key|credential|account[_-]?key|session[_-]?key|auth[_-]?key|client[_-]?secret";

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let secret_json = format!(r#"(?i)("[a-z0-9_.-]*(?:{SECRET_KEY})[a-z0-9_.-]*"\s*:\s*")[^"]*(")"#);
    // A key that ends in a secret-ish word, at the start of a word (not inside a path such as
    // /etc/passwd:3:), then = or :, then the value: quoted (the matching quote closes it and is
    // kept) or bare (up to a space, quote, &, comma or semicolon).
    let secret_kv = format!(
        r#"(?i)(^|[\s,;{{(&?"'\[])([a-z0-9_.-]*(?:{SECRET_KEY})[a-z0-9_.-]*\s*[=:]\s*)("[^"\n]*"|'[^'\n]*'|[^\s"'&,;]+)"#
    );
    [
        // A PEM private key: from BEGIN to END across lines, or to the end of the text when the
        // END line is not in it (evidence cut after the first line).
        rule(
            "private-key",
            r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\z)",
            0,
            None,
        ),
        rule("jwt", r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}", 0, None),
        // RAM role / STS credentials as the metadata service and the SDKs write them.
        rule("aliyun-access-key-secret", r#"(?i)("AccessKeySecret"\s*:\s*")[^"]*(")"#, 1, Some(2)),
        rule("sts-token", r#"(?i)("SecurityToken"\s*:\s*")[^"]*(")"#, 1, Some(2)),
        rule("aliyun-access-key-id", r"\bLTAI[A-Za-z0-9]{12,28}\b", 0, None),
        rule("sts-token", r"\bSTS\.[A-Za-z0-9_-]{20,}", 0, None),
        rule("aws-access-key-id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b", 0, None),
        rule("gcp-api-key", r"\bAIza[0-9A-Za-z_-]{35}\b", 0, None),
        rule("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b", 0, None),
        rule("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", 0, None),
        rule("stripe-key", r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b", 0, None),
        rule("tencent-secret-id", r"\bAKID[A-Za-z0-9]{32}\b", 0, None),
        rule("huawei-access-key", r"\bHPUA[A-Z0-9]{16}\b", 0, None),
        rule("azure-storage-key", r"(?i)(AccountKey=)[A-Za-z0-9+/=]{20,}", 1, None),
        rule("authorization", r"(?i)(authorization\s*[:=]\s*)\S+(?:\s+[A-Za-z0-9\-._~+/=,]+)?", 1, None),
        rule("bearer-token", r"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*", 1, None),
        rule("url-password", r"(://[^/\s:@]+:)[^@\s/]+(@)", 1, Some(2)),
        rule("secret", &secret_json, 1, Some(2)),
        rule("secret", &secret_kv, 2, None),
        rule("secret", r"(?i)(--?(?:password|passwd|pass|token|secret|api-key|access-key-secret)\s+)\S+", 1, None),
        // MySQL's -pPASSWORD (attached), common in crontabs.
        rule(
            "secret",
            r#"(?i)(\bmysql(?:dump|admin|import|check|show)?\b[^\n|;&]*?\s-p)('[^']*'|"[^"]*"|[^\s'"]+)"#,
            1,
            None,
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
});

/// Replaces every secret in `text`.
pub fn redact(text: &str) -> String {
    Redactor::default().apply(text)
}

/// Redacts lines that belong together (the evidence of one finding): a PEM private key whose
/// BEGIN line and body are on separate lines is removed as a whole, body lines included.
pub fn redact_lines(lines: &[String]) -> Vec<String> {
    let mut red = Redactor::default();
    red.apply_lines(lines)
}

/// What to mask besides secrets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaskOptions {
    pub ips: bool,
    pub hostnames: bool,
}

/// A redaction pass that counts what it replaced and keeps the pseudonyms of masked values.
#[derive(Debug, Default)]
pub struct Redactor {
    pub mask: MaskOptions,
    /// Host names to mask wherever they appear (the report's own host name, for a start).
    known_hosts: Vec<String>,
    pseudonyms: BTreeMap<String, String>,
    next_v4: u32,
    next_v6: u32,
    next_host: u32,
    /// Replacements by kind (`aliyun-access-key-id`, `ip`, `hostname`, ...).
    pub counts: BTreeMap<String, usize>,
}

static IPV4: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\b(?:\d{1,3}\.){3}\d{1,3}\b").ok());
static IPV6: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:%[a-z0-9]+)?").ok());
static FQDN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|[^A-Za-z0-9_./-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62})\b").ok()
});

/// Domains whose names help support and identify nobody: the cloud's own services.
const PUBLIC_DOMAINS: &[&str] = &[
    "aliyuncs.com",
    "aliyun.com",
    "alibabacloud.com",
    "amazonaws.com",
    "googleapis.com",
    "example.com",
    "localhost",
    "debian.org",
    "ubuntu.com",
];

/// Last labels that make a dotted word a file name or a version rather than a host name.
const NOT_TLDS: &[&str] = &[
    "conf",
    "cfg",
    "log",
    "json",
    "toml",
    "yaml",
    "yml",
    "txt",
    "service",
    "socket",
    "timer",
    "mount",
    "target",
    "so",
    "gz",
    "xz",
    "bz2",
    "zst",
    "sh",
    "py",
    "rs",
    "pem",
    "key",
    "crt",
    "pub",
    "d",
    "local",
    "service",
    "slice",
    "scope",
    "tmp",
    "bak",
    "old",
    "dpkg",
    "rules",
    "list",
    "lock",
    "pid",
    "sock",
    "db",
    "ko",
    "img",
    "iso",
    "deb",
    "rpm",
    "html",
    "md",
    "js",
    "c",
    "h",
    "go",
    "jar",
    "tar",
    "zip",
    "swp",
    "cnf",
    "ini",
    "env",
    "properties",
    "xml",
    "csv",
    "out",
    "err",
    "sshd",
    "cron",
    "tab",
    "allow",
    "deny",
    "preload",
    "sudoers",
    "passwd",
    "shadow",
    "group",
    "example",
    "invalid",
];

impl Redactor {
    pub fn new(mask: MaskOptions) -> Redactor {
        Redactor { mask, ..Default::default() }
    }

    /// Also masks this host name (and its first label) wherever it appears.
    pub fn add_host(&mut self, name: &str) {
        let name = name.trim();
        if name.is_empty() || name == "unknown" || name == "localhost" {
            return;
        }
        self.known_hosts.push(name.to_string());
        if let Some((short, _)) = name.split_once('.')
            && short.len() > 2
        {
            self.known_hosts.push(short.to_string());
        }
        self.known_hosts.sort_by_key(|h| std::cmp::Reverse(h.len()));
        self.known_hosts.dedup();
    }

    fn add_count(&mut self, kind: &str, n: usize) {
        if n > 0 {
            *self.counts.entry(kind.to_string()).or_default() += n;
        }
    }

    /// Total number of replacements.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    /// Number of distinct values masked with a pseudonym.
    pub fn distinct_masked(&self) -> usize {
        self.pseudonyms.len()
    }

    /// Replaces every secret (and, when asked, address and host name) in `text`.
    pub fn apply(&mut self, text: &str) -> String {
        let mut out = text.to_string();
        for r in RULES.iter() {
            if !r.re.is_match(&out) {
                continue;
            }
            let mut n = 0usize;
            let replaced =
                r.re.replace_all(&out, |c: &regex::Captures| {
                    let keep: String = (1..=r.keep).filter_map(|i| c.get(i)).map(|m| m.as_str()).collect();
                    let tail = r.tail.and_then(|i| c.get(i)).map(|m| m.as_str()).unwrap_or("");
                    // The part this rule would replace; already a marker: leave it (and do not
                    // count it twice).
                    let replaced = c[0].get(keep.len()..c[0].len() - tail.len()).unwrap_or("");
                    if replaced.contains("[REDACTED:") {
                        return c[0].to_string();
                    }
                    let mut quote = "";
                    if let Some(value) = c.get(r.keep + 1)
                        && r.keep > 1
                    {
                        let v = value.as_str();
                        let bare = v.trim_matches(|ch| ch == '"' || ch == '\'');
                        if HARMLESS.iter().any(|h| h.eq_ignore_ascii_case(bare)) {
                            return c[0].to_string();
                        }
                        // A quoted value keeps its quotes around the marker.
                        if v.len() >= 2 && (v.starts_with('"') || v.starts_with('\'')) {
                            quote = &v[..1];
                        }
                    }
                    n += 1;
                    format!("{keep}{quote}[REDACTED:{}]{quote}{tail}", r.kind)
                })
                .into_owned();
            if n > 0 {
                *self.counts.entry(r.kind.to_string()).or_default() += n;
            }
            out = replaced;
        }
        if self.mask.hostnames {
            out = self.mask_hostnames(&out);
        }
        if self.mask.ips {
            out = self.mask_ips(&out);
        }
        out
    }

    /// Redacts lines that belong together; see [`redact_lines`].
    pub fn apply_lines(&mut self, lines: &[String]) -> Vec<String> {
        let mut out = Vec::with_capacity(lines.len());
        let mut in_key = false;
        for line in lines {
            if in_key {
                if line.contains("-----END ") && line.contains("PRIVATE KEY") {
                    in_key = false;
                }
                out.push("[REDACTED:private-key]".to_string());
                continue;
            }
            let red = self.apply(line);
            if line.contains("-----BEGIN ") && line.contains("PRIVATE KEY") && !line.contains("-----END ") {
                in_key = true;
            }
            out.push(red);
        }
        out
    }

    fn pseudonym(&mut self, kind: &str, value: &str) -> String {
        if let Some(p) = self.pseudonyms.get(value) {
            return p.clone();
        }
        let p = match kind {
            "ip" => {
                self.next_v4 += 1;
                // 198.18.0.0/15 (benchmarking, RFC 2544): never a real peer, and far from
                // 100.64.0.0/10 where Alibaba Cloud's service addresses live.
                let n = self.next_v4.min(0x1_fffe);
                Ipv4Addr::new(198, 18 + (n >> 16) as u8, (n >> 8) as u8, n as u8).to_string()
            }
            "ipv6" => {
                self.next_v6 += 1;
                format!("2001:db8::{:x}", self.next_v6)
            }
            _ => {
                self.next_host += 1;
                format!("host-{}.example", self.next_host)
            }
        };
        self.pseudonyms.insert(value.to_string(), p.clone());
        p
    }

    fn is_pseudonym(&self, value: &str) -> bool {
        self.pseudonyms.values().any(|p| p == value)
    }

    fn mask_ips(&mut self, text: &str) -> String {
        let mut out = text.to_string();
        if let Some(re) = IPV4.as_ref() {
            let candidates: Vec<String> = re.find_iter(&out).map(|m| m.as_str().to_string()).collect();
            for c in candidates {
                let Ok(ip) = c.parse::<Ipv4Addr>() else { continue };
                if !maskable(IpAddr::V4(ip)) || self.is_pseudonym(&c) {
                    continue;
                }
                let p = self.pseudonym("ip", &c);
                let (o, n) = replace_token(&out, &c, &p, |ch| ch.is_ascii_digit() || ch == '.');
                self.add_count("ip", n);
                out = o;
            }
        }
        if let Some(re) = IPV6.as_ref() {
            let candidates: Vec<String> = re.find_iter(&out).map(|m| m.as_str().to_string()).collect();
            for c in candidates {
                let bare = c.split('%').next().unwrap_or(&c);
                let Ok(ip) = bare.parse::<Ipv6Addr>() else { continue };
                if !maskable(IpAddr::V6(ip)) || self.is_pseudonym(bare) {
                    continue;
                }
                let p = self.pseudonym("ipv6", bare);
                let (o, n) = replace_token(&out, bare, &p, |ch| ch.is_ascii_hexdigit() || ch == ':');
                self.add_count("ipv6", n);
                out = o;
            }
        }
        out
    }

    fn mask_hostnames(&mut self, text: &str) -> String {
        let mut out = text.to_string();
        for host in self.known_hosts.clone() {
            if out.contains(&host) {
                let p = self.pseudonym("hostname", &host);
                let (o, n) = replace_token(&out, &host, &p, |ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
                self.add_count("hostname", n);
                out = o;
            }
        }
        let Some(re) = FQDN.as_ref() else { return out };
        let candidates: Vec<String> =
            re.captures_iter(&out).filter_map(|c| c.get(2)).map(|m| m.as_str().to_string()).collect();
        for c in candidates {
            let lower = c.to_ascii_lowercase();
            let tld = lower.rsplit('.').next().unwrap_or("");
            if NOT_TLDS.contains(&tld)
                || tld.chars().all(|ch| ch.is_ascii_digit())
                || lower.split('.').count() < 2
                || PUBLIC_DOMAINS.iter().any(|d| lower == *d || lower.ends_with(&format!(".{d}")))
                || self.is_pseudonym(&c)
                || c.starts_with("REDACTED")
            {
                continue;
            }
            let p = self.pseudonym("hostname", &c);
            let (o, n) = replace_token(&out, &c, &p, |ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '.');
            self.add_count("hostname", n);
            out = o;
        }
        out
    }
}

/// Replaces whole-token occurrences of `from` (not inside a longer token made of `part` chars;
/// a trailing dot ends a sentence, not a token) and says how many it replaced.
fn replace_token(text: &str, from: &str, to: &str, part: impl Fn(char) -> bool) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut n = 0;
    while let Some(i) = rest.find(from) {
        let before = rest[..i].chars().next_back();
        let tail = &rest[i + from.len()..];
        let mut after = tail.chars();
        let after_ok = match after.next() {
            None => true,
            Some('.') => !after.next().is_some_and(|c| c.is_ascii_alphanumeric()),
            Some(c) => !part(c),
        };
        out.push_str(&rest[..i]);
        if after_ok && !before.is_some_and(&part) {
            out.push_str(to);
            n += 1;
        } else {
            out.push_str(from);
        }
        rest = tail;
    }
    out.push_str(rest);
    (out, n)
}

/// Addresses worth hiding: not loopback, unspecified, link-local, multicast, broadcast or in
/// 100.64.0.0/10 (Alibaba Cloud's service addresses, which identify nobody and help support).
fn maskable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_unspecified()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || o[0] == 0
                || (o[0] == 255))
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback() || v6.is_unspecified() || v6.is_multicast() || (v6.segments()[0] & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planted_secrets_are_removed() {
        let cases = [
            ("export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tAbCdEfGhIjKlMnOpQr", "LTAI5tAbCdEfGhIjKlMnOpQr"),
            ("export ALIBABA_CLOUD_ACCESS_KEY_SECRET=Xy7pQ2rS9tUvWxYz1aBcDeFgHiJkLm", "Xy7pQ2rS9tUvWxYz1aBcDeFgHiJkLm"),
            ("mysql --password hunter2 -h db", "hunter2"),
            ("curl -H 'X-API-Key: k3yk3yk3y' https://x", "k3yk3yk3y"),
            ("0 3 * * * mysqldump -uroot -pInnocentDbPassw0rd shop > /x.sql", "InnocentDbPassw0rd"),
            ("DB_PASSWORD='s3cr3t!'", "s3cr3t!"),
            ("curl -H 'Authorization: Bearer abc.def-ghi' x", "abc.def-ghi"),
            ("{\"AccessKeySecret\": \"wJalrXUtnFEMI\", \"x\": 1}", "wJalrXUtnFEMI"),
            ("https://admin:pa55word@example.com/x", "pa55word"),
            ("-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA", "b3BlbnNzaC1rZXktdjEAAAAA"),
            (
                "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "dozjgNryP4J3jVmNHl0w5N",
            ),
            ("AKIAIOSFODNN7EXAMPLE in log", "AKIAIOSFODNN7EXAMPLE"),
            ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG"),
            ("key=AIzaSyA1234567890abcdefghijklmnopqrstuv", "AIzaSyA1234567890abcdefghijklmnopqrstuv"),
            (
                "git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789AB@github.com",
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB",
            ),
            (
                "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0",
                "c2VjcmV0c2VjcmV0",
            ),
            ("Authorization: ACS3-HMAC-SHA256 Credential=abc,SignedHeaders=host,Signature=0f2d54", "0f2d54"),
            ("\"SecurityToken\": \"CAIS8gF1q6Ft5B2yfSjIr5bkKN\"", "CAIS8gF1q6Ft5B2yfSjIr5bkKN"),
            ("x-acs-security-token: STS.NTpZLm3cGqXqA6tkiWQ5A8PpqQ", "STS.NTpZLm3cGqXqA6tkiWQ5A8PpqQ"),
        ];
        for (input, secret) in cases {
            let out = redact(input);
            assert!(!out.contains(secret), "{input:?} -> {out:?}");
            assert!(out.contains("[REDACTED:"), "{out}");
        }
    }

    #[test]
    fn ordinary_lines_are_untouched() {
        for line in [
            "/etc/ssh/sshd_config:32: PermitRootLogin yes",
            "nameserver 100.100.2.136",
            "/dev/vda1 on / type ext4 (rw,relatime)",
            "/etc/passwd:3: toor:x:0:0::/root:/bin/bash",
            "/etc/ssh/sshd_config.d/10.conf:1: PasswordAuthentication=yes",
        ] {
            assert_eq!(redact(line), line);
        }
    }

    #[test]
    fn token_in_a_url_keeps_the_closing_quote() {
        let out = redact(r#"fetch "https://api.example.com/v1?token=abc123def" failed"#);
        assert_eq!(out, r#"fetch "https://api.example.com/v1?token=[REDACTED:secret]" failed"#);
        let out = redact("url='https://x/?a=1&token=abc&b=2'");
        assert_eq!(out, "url='https://x/?a=1&token=[REDACTED:secret]&b=2'");
        let out = redact("{\"url\": \"http://h/p?token=zz9\"}");
        assert_eq!(out, "{\"url\": \"http://h/p?token=[REDACTED:secret]\"}");
        // JSON stays JSON.
        let out = redact(r#"{"AccessKeySecret": "abc", "password":"x y", "SecurityToken": "CAIS"}"#);
        assert_eq!(
            out,
            r#"{"AccessKeySecret": "[REDACTED:aliyun-access-key-secret]", "password":"[REDACTED:secret]", "SecurityToken": "[REDACTED:sts-token]"}"#
        );
        // A quoted value is replaced whole, its quotes kept.
        assert_eq!(redact("password=\"a b c\" next"), "password=\"[REDACTED:secret]\" next");
    }

    #[test]
    fn multi_line_private_keys_go_whole() {
        let text = "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx1\nQkF0c2VjcmV0\n-----END RSA PRIVATE KEY-----\nafter";
        let out = redact(text);
        assert_eq!(out, "before\n[REDACTED:private-key]\nafter");
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let out = redact_lines(&lines);
        assert_eq!(out[0], "before");
        assert!(out[1..5].iter().all(|l| l == "[REDACTED:private-key]"), "{out:?}");
        assert_eq!(out[5], "after");
    }

    #[test]
    fn masks_are_stable_counted_and_never_in_the_cgnat_range() {
        let mut r = Redactor::new(MaskOptions { ips: true, hostnames: true });
        r.add_host("web-1.corp.internal");
        let a = r.apply("web-1 at 10.0.0.5 talks to 10.0.0.6 and 100.100.2.136 via db.corp.internal");
        let b = r.apply("10.0.0.5 again; fe80::1 stays; 2408:4005:1:2::9 goes; /etc/ssh/sshd_config stays");
        assert!(!a.contains("10.0.0.5") && !b.contains("10.0.0.5"), "{a} {b}");
        assert!(a.contains("100.100.2.136"), "service address masked: {a}");
        assert!(!a.contains("web-1") && !a.contains("db.corp.internal"), "{a}");
        assert!(b.contains("fe80::1") && !b.contains("2408:4005:1:2::9") && b.contains("/etc/ssh/sshd_config"), "{b}");
        let m5 = a.split_whitespace().nth(2).unwrap_or_default().to_string();
        assert!(b.starts_with(&m5), "same address, same mask: {a} / {b}");
        assert_ne!(a.split_whitespace().nth(5), Some(m5.as_str()));
        for word in a.split(|c: char| c.is_whitespace() || c == ';').chain(b.split_whitespace()) {
            if let Ok(ip) = word.parse::<Ipv4Addr>() {
                let o = ip.octets();
                assert!(!(o[0] == 100 && (o[1] & 0xc0) == 64) || word == "100.100.2.136", "{word}");
            }
        }
        assert_eq!(r.counts.get("ip"), Some(&3));
        assert_eq!(r.counts.get("ipv6"), Some(&1));
        assert!(r.counts.get("hostname").copied().unwrap_or(0) >= 2, "{:?}", r.counts);
    }

    #[test]
    fn counts_by_kind() {
        let mut r = Redactor::default();
        r.apply("password=x1 token=y2 LTAI5tAbCdEfGhIjKlMnOpQr");
        assert_eq!(r.counts.get("secret"), Some(&2));
        assert_eq!(r.counts.get("aliyun-access-key-id"), Some(&1));
        // Already redacted text is not counted again.
        let again = r.apply("password=[REDACTED:secret]");
        assert_eq!(again, "password=[REDACTED:secret]");
        assert_eq!(r.counts.get("secret"), Some(&2));
    }
}
