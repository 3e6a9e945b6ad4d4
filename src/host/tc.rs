//! Queueing disciplines and classes as `tc qdisc show` and `tc class show dev IF` print them.
//!
//! The text output is read, not `tc -j`: JSON appeared in iproute2 4.13 (CentOS 7 ships 3.10,
//! where `-j` is an unknown option) and the JSON keys of netem and tbf changed between versions,
//! while the text line has kept one shape from 3.10 to 6.x:
//! `qdisc <kind> <handle>: dev <if> (root|parent <id>) [refcnt <n>] <parameters...>`.

/// One qdisc line.
#[derive(Debug, Clone, PartialEq)]
pub struct Qdisc {
    pub kind: String,
    /// `8001:`, `0:`.
    pub handle: String,
    pub dev: String,
    /// `None` for the root qdisc, else the parent's id (`1:10`, `ffff:fff1`).
    pub parent: Option<String>,
    /// Everything after the placement (and `refcnt N`), as printed.
    pub params: String,
    /// The whole line as printed (control characters removed).
    pub line: String,
}

fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control() || *c == '\t').map(|c| if c == '\t' { ' ' } else { c }).collect()
}

/// Parses `tc qdisc show` (an indented line continues the previous one).
pub fn parse_qdiscs(text: &str) -> Vec<Qdisc> {
    let mut out: Vec<Qdisc> = Vec::new();
    for raw in text.lines() {
        let line = clean(raw);
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.first() != Some(&"qdisc") {
            // A continuation is indented; anything else is not tc's.
            if let Some(last) = out.last_mut()
                && !t.is_empty()
                && raw.starts_with([' ', '\t'])
            {
                last.params = format!("{} {}", last.params, t.join(" ")).trim().to_string();
            }
            continue;
        }
        let (Some(kind), Some(handle)) = (t.get(1), t.get(2)) else { continue };
        let Some(dev_at) = t.iter().position(|x| *x == "dev") else { continue };
        let Some(dev) = t.get(dev_at + 1) else { continue };
        let mut i = dev_at + 2;
        let parent = match t.get(i) {
            Some(&"root") => {
                i += 1;
                None
            }
            Some(&"parent") => {
                i += 2;
                t.get(i - 1).map(|p| p.to_string())
            }
            _ => None,
        };
        if t.get(i) == Some(&"refcnt") {
            i += 2;
        }
        let params = t.get(i..).map(|p| p.join(" ")).unwrap_or_default();
        out.push(Qdisc {
            kind: kind.to_string(),
            handle: handle.to_string(),
            dev: dev.to_string(),
            parent,
            params,
            line: t.join(" "),
        });
    }
    out
}

/// The value after `key` in a parameter list (`delay 100ms 10ms` → `100ms`).
pub fn param<'a>(params: &'a str, key: &str) -> Option<&'a str> {
    let mut it = params.split_whitespace();
    while let Some(w) = it.next() {
        if w == key {
            return it.next();
        }
    }
    None
}

/// `100ms`, `1.5s`, `250us`, `100.0ms` → milliseconds.
pub fn time_ms(s: &str) -> Option<f64> {
    let (num, mul) = if let Some(n) = s.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (s, 0.001)
    };
    num.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).map(|v| v * mul)
}

/// `5%`, `5.5%` → 5.5.
pub fn percent(s: &str) -> Option<f64> {
    s.strip_suffix('%')?.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `1Mbit`, `800Kbit`, `10Gbit`, `64bit`, `125Kbps` (bytes) → bits per second.
pub fn rate_bits(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let (num, unit_bits) = if let Some(n) = lower.strip_suffix("bps") {
        (n, 8.0)
    } else if let Some(n) = lower.strip_suffix("bit") {
        (n, 1.0)
    } else {
        (lower.as_str(), 1.0)
    };
    let (num, mul) = match num.chars().last() {
        Some('k') => (&num[..num.len() - 1], 1e3),
        Some('m') => (&num[..num.len() - 1], 1e6),
        Some('g') => (&num[..num.len() - 1], 1e9),
        Some('t') => (&num[..num.len() - 1], 1e12),
        _ => (num, 1.0),
    };
    num.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).map(|v| v * mul * unit_bits)
}

/// A class with a rate (`tc class show dev IF`: HTB prints `rate` and `ceil`, HFSC `m2`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassRate {
    /// `htb 1:10`.
    pub class: String,
    /// `2Mbit`.
    pub rate: String,
    pub ceil: Option<String>,
    pub line: String,
}

pub fn parse_class_rates(text: &str) -> Vec<ClassRate> {
    let mut out = Vec::new();
    for raw in text.lines() {
        let line = clean(raw);
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.first() != Some(&"class") || t.len() < 3 {
            continue;
        }
        let line = t.join(" ");
        let Some(rate) = param(&line, "rate").or_else(|| param(&line, "m2")) else { continue };
        out.push(ClassRate {
            class: format!("{} {}", t[1], t[2]),
            rate: rate.to_string(),
            ceil: param(&line, "ceil").map(str::to_string),
            line: line.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as iproute2 6.1 prints them (the netem line as on a kernel with sch_netem).
    #[test]
    fn parses_qdisc_lines() {
        let text = "qdisc noqueue 0: dev lo root refcnt 2 \n\
qdisc netem 8001: dev eth0 root refcnt 2 limit 1000 delay 100ms  10ms loss 5%\n\
qdisc pfifo_fast 0: dev eth1 parent :1 bands 3 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1\n\
qdisc tbf 8002: dev eth2 root refcnt 3 rate 1Mbit burst 4Kb lat 400ms \n\
qdisc ingress ffff: dev eth2 parent ffff:fff1 ----------------\n\
qdisc htb 1: dev eth3 root refcnt 2 r2q 10 default 0x10 direct_packets_stat 0\n   direct_qlen 1000\n\
garbage\n";
        let q = parse_qdiscs(text);
        assert_eq!(q.len(), 6);
        assert_eq!((q[1].kind.as_str(), q[1].dev.as_str(), q[1].parent.as_deref()), ("netem", "eth0", None));
        assert_eq!(q[1].params, "limit 1000 delay 100ms 10ms loss 5%");
        assert_eq!(q[2].parent.as_deref(), Some(":1"));
        assert_eq!(param(&q[3].params, "rate"), Some("1Mbit"));
        assert_eq!(q[5].params, "r2q 10 default 0x10 direct_packets_stat 0 direct_qlen 1000");
        assert_eq!(time_ms("100ms"), Some(100.0));
        assert_eq!(time_ms("1.5s"), Some(1500.0));
        assert_eq!(time_ms("250us"), Some(0.25));
        assert_eq!(percent("5%"), Some(5.0));
        assert_eq!(rate_bits("1Mbit"), Some(1e6));
        assert_eq!(rate_bits("125Kbps"), Some(1e6));
        assert_eq!(rate_bits("64bit"), Some(64.0));
        assert_eq!(rate_bits("fast"), None);
    }

    #[test]
    fn parses_class_rates() {
        let c = parse_class_rates(
            "class htb 1:10 root prio 0 rate 2Mbit ceil 2Mbit burst 1600b cburst 1600b \nclass mq :1 root \n",
        );
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].class.as_str(), c[0].rate.as_str(), c[0].ceil.as_deref()),
            ("htb 1:10", "2Mbit", Some("2Mbit"))
        );
    }
}
