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

/// A word as a shell reads it back: quoted when it has spaces or shell characters.
pub fn shell_word(a: &str) -> String {
    if a.is_empty() || a.chars().any(|c| c.is_whitespace() || "'\"$`\\;&|<>()*?[]#~!{}".contains(c)) {
        format!("'{}'", a.replace('\'', "'\\''"))
    } else {
        a.to_string()
    }
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

/// Text from the examined system made inert before it reaches a terminal (or a Markdown/HTML
/// page): C0 and C1 control characters (ESC, CR, backspace, NUL, newline, DEL, U+0080–U+009F)
/// are shown visibly as `\x1b`, and Unicode format characters (bidi embeddings, overrides and
/// isolates U+202A–202E and U+2066–2069, the marks U+200E/U+200F/U+061C, zero-width characters,
/// the BOM, line and paragraph separators) as `\u{202e}`. A tab stays. So an escape sequence
/// in a process name, cron line, file name or log line can neither recolour, retitle, move the
/// cursor, erase lines nor reorder the text the admin reads. JSON output keeps the exact text
/// instead (JSON escapes it). One line in, one line out.
pub fn inert(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`inert`] for text that may span lines (a summary, a fix): each line made inert, the line
/// breaks kept (a lone CR is still shown visibly).
pub fn inert_lines(s: &str) -> String {
    s.split('\n').map(inert).collect::<Vec<_>>().join("\n")
}

/// Serialized JSON made safe for a terminal without changing what it says: serde escapes C0
/// controls, but C1 controls (U+0080–U+009F, an 8-bit CSI among them) and bidi/format
/// characters go out raw. They can only occur inside strings (JSON's structure is ASCII), where
/// `\uXXXX` means the same character, so a reader gets the exact text back.
pub fn json_inert(json: String) -> String {
    if !json.chars().any(needs_escape) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs_escape(c) && (c as u32) >= 0x20 {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    match c {
        '\t' => false,
        c if c.is_control() => true, // C0, DEL, C1
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{feff}' => true,
        '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' => true,
        '\u{fff9}'..='\u{fffb}' => true,
        _ => false,
    }
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
    fn hostile_text_is_inert() {
        let cases = [
            ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
            ("\x1b]0;owned\x07title", "\\x1b]0;owned\\x07title"),
            ("a\x1b[2K\x1b[1A\rb", "a\\x1b[2K\\x1b[1A\\x0db"),
            ("xmrig\x08\x08\x08\x08\x08sshd", "xmrig\\x08\\x08\\x08\\x08\\x08sshd"),
            ("evil\u{202e}gpj.exe", "evil\\u{202e}gpj.exe"),
            ("\u{2066}a\u{2069}\u{200b}", "\\u{2066}a\\u{2069}\\u{200b}"),
            ("nul\0byte", "nul\\x00byte"),
            ("c1\u{9b}31m", "c1\\x9b31m"),
            ("line\nforged", "line\\x0aforged"),
            ("del\x7f", "del\\x7f"),
            ("tab\tstays · 中文 ✓", "tab\tstays · 中文 ✓"),
        ];
        for (raw, want) in cases {
            assert_eq!(inert(raw), want, "{raw:?}");
            assert!(!inert(raw).chars().any(needs_escape));
        }
        assert!(matches!(inert("plain /usr/sbin/sshd -D"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(inert_lines("one\x1b[2J\ntwo\r"), "one\\x1b[2J\ntwo\\x0d");
        // Invalid UTF-8 arrives lossy (U+FFFD), which is printable.
        let lossy = String::from_utf8_lossy(b"bad\xff\xfe\x1b");
        assert_eq!(inert(&lossy), "bad\u{fffd}\u{fffd}\\x1b");
    }

    #[test]
    fn times_and_ages() {
        let now: Timestamp = "2026-11-20T12:00:00Z".parse().unwrap();
        assert_eq!(show("2026-11-20T09:00:00.6Z".parse().unwrap()), "2026-11-20T09:00:01Z");
        assert_eq!(age_hours("2026-11-20T09:00:00Z".parse().unwrap(), now), 3.0);
        assert_eq!(age_hours("2026-11-21T09:00:00Z".parse().unwrap(), now), 0.0);
    }
}
