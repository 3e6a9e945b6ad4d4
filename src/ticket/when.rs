//! When the problem started, as the customer types it (`--since`, or the answer to "when"):
//! an RFC 3339 time, a local date and time, a time of today, or "3h ago". Always rendered with
//! the local UTC offset, because support works across time zones.

use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// RFC 3339 with the machine's offset (`2026-11-20T09:30:00+08:00`).
pub fn with_offset(ts: Timestamp) -> String {
    let z = ts.to_zoned(TimeZone::system());
    let ts = z.timestamp().round(jiff::Unit::Second).unwrap_or(z.timestamp());
    ts.display_with_offset(z.offset()).to_string()
}

pub fn now() -> String {
    with_offset(Timestamp::now())
}

/// `now` minus a number of seconds.
pub fn ago(secs: i64) -> String {
    let ts = Timestamp::now().checked_sub(jiff::SignedDuration::from_secs(secs)).unwrap_or(Timestamp::now());
    with_offset(ts)
}

/// What the customer typed is not a time; says which forms are understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotATime(pub String);

impl std::fmt::Display for NotATime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?}: not a time; use 2026-11-20T09:30:00+08:00, \"2026-11-20 09:30\" (local), \"09:30\" (today), \"now\" or \"3h ago\"",
            self.0
        )
    }
}

impl std::error::Error for NotATime {}

/// Parses what the customer typed into RFC 3339 with the local offset.
pub fn parse(input: &str, now: Timestamp) -> Result<String, NotATime> {
    let s = input.trim();
    let err = || NotATime(input.to_string());
    if s.is_empty() {
        return Err(err());
    }
    if s.eq_ignore_ascii_case("now") {
        return Ok(with_offset(now));
    }
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Ok(with_offset(ts));
    }
    let tz = TimeZone::system();
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>()
        && let Ok(z) = dt.to_zoned(tz.clone())
    {
        return Ok(with_offset(z.timestamp()));
    }
    if let Ok(t) = s.parse::<jiff::civil::Time>() {
        let today: Zoned = now.to_zoned(tz.clone());
        if let Ok(z) = today.date().to_datetime(t).to_zoned(tz.clone()) {
            return Ok(with_offset(z.timestamp()));
        }
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>()
        && let Ok(z) = d.to_zoned(tz.clone())
    {
        return Ok(with_offset(z.timestamp()));
    }
    // "3h ago", "90m", "2 days ago", "45 min"
    let rest = s.trim_end_matches("ago").trim();
    let split = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let (num, unit) = rest.split_at(split);
    let n: i64 = num.parse().map_err(|_| err())?;
    let unit = unit.trim().to_ascii_lowercase();
    let secs = match unit.as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        _ => return Err(err()),
    };
    let ts = now.checked_sub(jiff::SignedDuration::from_secs(n.saturating_mul(secs))).map_err(|_| err())?;
    Ok(with_offset(ts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let now: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
        let p = |s: &str| parse(s, now).map(|t| t.parse::<Timestamp>().unwrap().to_string());
        assert_eq!(p("2026-11-20T09:30:00+08:00").unwrap(), "2026-11-20T01:30:00Z");
        assert_eq!(p("3h ago").unwrap(), "2026-11-20T07:00:00Z");
        assert_eq!(p("90 min ago").unwrap(), "2026-11-20T08:30:00Z");
        assert_eq!(p("now").unwrap(), "2026-11-20T10:00:00Z");
        assert!(p("2026-11-20 09:30").is_ok());
        assert!(p("09:30").is_ok());
        assert!(p("yesterday-ish").unwrap_err().to_string().contains("not a time"));
        // Rendered with an offset, never bare.
        let t = parse("now", now).unwrap();
        assert!(t.ends_with('Z') || t[19..].starts_with('+') || t[19..].starts_with('-'), "{t}");
    }
}
