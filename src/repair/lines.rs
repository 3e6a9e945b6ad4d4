//! Line edits of configuration files that keep every other byte: the helpers the actions share
//! (a line replaced, commented out, or inserted after the file's leading comments).

/// Line `n` (1-based) of `bytes`, without its line ending; `None` when it is not UTF-8.
pub fn line_of(bytes: &[u8], n: usize) -> Option<&str> {
    let line = bytes.split(|b| *b == b'\n').nth(n.checked_sub(1)?)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    std::str::from_utf8(line).ok()
}

/// `bytes` with line `n` (1-based) replaced, every other byte (line endings included) kept.
pub fn replace_line(bytes: &[u8], n: usize, new: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 64);
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        if i + 1 == n {
            out.extend_from_slice(new.as_bytes());
            if line.ends_with(b"\r") {
                out.push(b'\r');
            }
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// A line commented out with the reason: `# <line>  # ecs-doctor fix: <why>`.
pub fn commented(line: &str, why: &str) -> String {
    format!("# {line}  # ecs-doctor fix: {why}")
}

/// `bytes` with `new` inserted as a line before the first line that is neither blank nor a
/// comment (at the end when there is none).
pub fn insert_after_header(bytes: &[u8], new: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + new.len() + 1);
    let mut inserted = false;
    let mut rest = bytes;
    while !rest.is_empty() {
        let end = rest.iter().position(|b| *b == b'\n').map_or(rest.len(), |p| p + 1);
        let (line, tail) = rest.split_at(end);
        let text = String::from_utf8_lossy(line);
        if !(inserted || text.trim().is_empty() || text.trim_start().starts_with('#')) {
            out.extend_from_slice(new.as_bytes());
            out.push(b'\n');
            inserted = true;
        }
        out.extend_from_slice(line);
        rest = tail;
    }
    if !inserted {
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.extend_from_slice(new.as_bytes());
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_every_other_byte() {
        assert_eq!(replace_line(b"a\r\nb\r\nc", 2, "B"), b"a\r\nB\r\nc");
        assert_eq!(replace_line(b"a\nb\n", 1, "A"), b"A\nb\n");
        assert_eq!(replace_line(b"\xff\xfe\nb\n", 2, "B"), b"\xff\xfe\nB\n", "a broken line elsewhere stays");
        assert_eq!(line_of(b"a\r\nb\n", 1), Some("a"));
        assert_eq!(line_of(b"\xff\n", 1), None);
        assert_eq!(insert_after_header(b"# c\n\nInclude x\nPort 22\n", "K v"), b"# c\n\nK v\nInclude x\nPort 22\n");
        assert_eq!(insert_after_header(b"# only\n", "K v"), b"# only\nK v\n");
        assert_eq!(insert_after_header(b"", "K v"), b"K v\n");
        assert_eq!(commented("X y", "why"), "# X y  # ecs-doctor fix: why");
    }
}
