//! Redaction of secrets from anything that leaves the process: evidence lines, plugin output,
//! and (later) tickets. Values are replaced by `[REDACTED:<kind>]`, keeping the key so a reader
//! still sees *what* was set.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

struct Rule {
    kind: &'static str,
    re: Regex,
    /// Capture groups 1..=keep are kept before the redacted value (0 = replace the whole match).
    keep: usize,
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

fn rule(kind: &'static str, pattern: &str, keep: usize) -> Option<Rule> {
    Regex::new(pattern).ok().map(|re| Rule { kind, re, keep })
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    [
        rule("private-key", r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*", 0),
        rule("jwt", r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}", 0),
        rule("aliyun-access-key-id", r"\bLTAI[A-Za-z0-9]{12,28}\b", 0),
        rule("aws-access-key-id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", 0),
        rule("sts-token", r"\bSTS\.[A-Za-z0-9]{20,}", 0),
        rule("authorization", r"(?i)(authorization\s*[:=]\s*)\S+(?:\s+[A-Za-z0-9\-._~+/=]+)?", 1),
        rule("bearer-token", r"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*", 1),
        rule("url-password", r"(://[^/\s:@]+:)[^@\s/]+(@)", 1),
        rule(
            "secret",
            r#"(?i)("(?:access_?key_?secret|secret_?access_?key|security_?token|password|passwd|secret|token|api_?key)"\s*:\s*)"[^"]*""#,
            1,
        ),
        // A key that ends in a secret-ish word, at the start of a word (not inside a path such as
        // /etc/passwd:3:), then = or :, then the value.
        rule(
            "secret",
            r#"(?i)(^|[\s,;{(&?"'\[])([a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api_?key|apikey|access_?key_?secret|private_?key|credential)[a-z0-9_.-]*\s*[=:]\s*)(["']?[^\s"'&,;]+["']?)"#,
            2,
        ),
        rule("secret", r"(?i)(--?(?:password|passwd|pass|token|secret|api-key|access-key-secret)\s+)\S+", 1),
    ]
    .into_iter()
    .flatten()
    .collect()
});

/// Replaces every secret in `text`.
pub fn redact(text: &str) -> String {
    let mut out: Cow<str> = Cow::Borrowed(text);
    for r in RULES.iter() {
        if !r.re.is_match(&out) {
            continue;
        }
        let replaced = r.re.replace_all(&out, |c: &regex::Captures| {
            let keep: String = (1..=r.keep).filter_map(|i| c.get(i)).map(|m| m.as_str()).collect();
            if let Some(value) = c.get(r.keep + 1) {
                let bare = value.as_str().trim_matches(|ch| ch == '"' || ch == '\'');
                if r.keep > 1 && HARMLESS.iter().any(|h| h.eq_ignore_ascii_case(bare)) {
                    return c[0].to_string();
                }
            }
            let tail = if r.kind == "url-password" { c.get(2).map(|m| m.as_str()).unwrap_or("") } else { "" };
            format!("{keep}[REDACTED:{}]{tail}", r.kind)
        });
        out = Cow::Owned(replaced.into_owned());
    }
    out.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planted_secrets_are_removed() {
        let cases = [
            ("export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tAbCdEfGhIjKlMnOpQr", "LTAI5tAbCdEfGhIjKlMnOpQr"),
            ("mysql --password hunter2 -h db", "hunter2"),
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
}
