//! How numbers, sizes, times and text are written for people: one home for the small
//! formatting helpers every layer uses (probes, catalog templates, renderers, history, fleet,
//! tickets). A leaf: it names nothing else of the crate, so anything may use it.

use jiff::Timestamp;

/// Numbers as people read them: integers without decimals, others with at most one.
pub fn format_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n:.1}") }
}

/// Bytes as people read them (binary units, like `df -h`).
pub fn human_bytes(n: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{} B", v as u64) } else { format!("{v:.1} {}", UNITS[unit]) }
}

/// Escapes text for HTML and SVG element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A time as the report shows it: RFC 3339, whole seconds, UTC.
pub fn show(t: Timestamp) -> String {
    t.round(jiff::Unit::Second).unwrap_or(t).to_string()
}

/// Hours from `then` to `now`, one decimal, never negative.
pub fn age_hours(then: Timestamp, now: Timestamp) -> f64 {
    let secs = now.as_second().saturating_sub(then.as_second()).max(0) as f64;
    (secs / 360.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_sizes() {
        assert_eq!(format_num(3.0), "3");
        assert_eq!(format_num(-2.0), "-2");
        assert_eq!(format_num(2.25), "2.2");
        assert_eq!(format_num(1e16), "10000000000000000.0");
        assert_eq!(human_bytes(512.0), "512 B");
        assert_eq!(human_bytes(1536.0), "1.5 KiB");
        assert_eq!(human_bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GiB");
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(esc("<script>\"x\" & 'y'</script>"), "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;");
    }

    #[test]
    fn times_and_ages() {
        let now: Timestamp = "2026-11-20T12:00:00Z".parse().unwrap();
        assert_eq!(show("2026-11-20T09:00:00.6Z".parse().unwrap()), "2026-11-20T09:00:01Z");
        assert_eq!(age_hours("2026-11-20T09:00:00Z".parse().unwrap(), now), 3.0);
        assert_eq!(age_hours("2026-11-21T09:00:00Z".parse().unwrap(), now), 0.0);
    }
}
