//! When a log line was written, in Unix seconds: classic syslog times (`Nov 20 03:00:00`,
//! no year: the year is the one that puts the line at or before its file's last modification)
//! and RFC 3339 ones (rsyslog's high-precision format), read as they are.
//!
//! Converting a civil date to a timestamp in a time zone is the costly part of a line, so
//! [`Clock`] remembers the last day's midnight and [`Stamps`] the last fixed-width stamp: a
//! brute-force log's lines mostly share their second. Public within the crate: any reader of
//! syslog-style lines (the journal's short format too) can use them.

use jiff::tz::TimeZone;

pub(crate) const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// The time of a log line, in Unix seconds. `reference` is the file's last modification as a
/// civil date in `tz`, for the year a classic syslog line does not carry.
pub(crate) fn line_time(line: &str, tz: &TimeZone, reference: jiff::civil::Date) -> Option<i64> {
    // RFC 5424: `<PRI>VERSION TIMESTAMP ...`.
    let line = match line.strip_prefix('<') {
        Some(r) => r.split_once(' ').map_or(line, |(_, rest)| rest),
        None => line,
    };
    let first = line.split(' ').next()?;
    if first.len() >= 19 && first.as_bytes().get(4) == Some(&b'-') {
        if let Ok(ts) = first.parse::<jiff::Timestamp>() {
            return Some(ts.as_second());
        }
        let dt = first.parse::<jiff::civil::DateTime>().ok()?;
        return dt.to_zoned(tz.clone()).ok().map(|z| z.timestamp().as_second());
    }
    // "Nov 20 03:00:00" (the day may be space-padded)
    let mut parts = line.split_whitespace();
    let name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == name)? as i8 + 1;
    let day: i8 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<i8>().ok());
    let (h, mi, s) = (hms.next()??, hms.next()??, hms.next()??);
    let mut year = reference.year();
    if (month, day) > (reference.month(), reference.day()) {
        year -= 1; // a date after the file's last write is from the year before
    }
    let date = jiff::civil::Date::new(year, month, day).ok()?;
    let dt = date.at(h, mi, s, 0);
    dt.to_zoned(tz.clone()).ok().map(|z| z.timestamp().as_second())
}

/// [`line_time`] with the last civil date's midnight remembered: converting a date to a
/// timestamp in a time zone is the costly part, and consecutive lines share their date.
#[derive(Default)]
pub(crate) struct Clock {
    last: Option<((i8, i8, jiff::civil::Date), i64)>,
}

impl Clock {
    pub(crate) fn time(&mut self, line: &str, tz: &TimeZone, reference: jiff::civil::Date) -> Option<i64> {
        let mut parts = line.split_whitespace();
        let (Some(m), Some(d), Some(hms)) = (parts.next(), parts.next(), parts.next()) else {
            return line_time(line, tz, reference);
        };
        let (Some(month), Ok(day)) = (MONTHS.iter().position(|x| *x == m), d.parse::<i8>()) else {
            return line_time(line, tz, reference); // RFC 3339
        };
        let key = (month as i8 + 1, day, reference);
        let midnight = match self.last {
            Some((k, t)) if k == key => t,
            _ => {
                let t = line_time(&format!("{m} {d} 00:00:00"), tz, reference)?;
                self.last = Some((key, t));
                t
            }
        };
        let mut f = hms.split(':').map(|p| p.parse::<i64>().ok());
        let (h, mi, s) = (f.next()??, f.next()??, f.next()??);
        if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..61).contains(&s) {
            return None;
        }
        // Within a day the offset is taken as constant (a DST change shifts an hour).
        Some(midnight + h * 3600 + mi * 60 + s)
    }
}

/// The last fixed-width time read ([`fixed_stamp`]) and what it gave.
pub(crate) struct Stamp {
    head: [u8; 15],
    reference: jiff::civil::Date,
    time: Option<i64>,
    /// Midnight of its day, when its time of day is plain `HH:MM:SS` ([`strict_hms`]).
    midnight: Option<i64>,
}

/// Seconds since midnight of a fixed-width stamp's `HH:MM:SS`, when it is two digits each and
/// in range (what [`Clock`] accepts, and then adds to the day's midnight).
pub(crate) fn strict_hms(head: &[u8; 15]) -> Option<i64> {
    let t = &head[7..15];
    let digits = [0, 1, 3, 4, 6, 7].iter().all(|i| t[*i].is_ascii_digit());
    if !digits || t[2] != b':' || t[5] != b':' {
        return None;
    }
    let two = |i: usize| i64::from(t[i] - b'0') * 10 + i64::from(t[i + 1] - b'0');
    let (h, m, s) = (two(0), two(3), two(6));
    (h < 24 && m < 60 && s < 61).then_some(h * 3600 + m * 60 + s)
}

/// `Nov 20 03:00:00 ` (the day may be space-padded): the first 15 bytes when a line starts
/// with a classic syslog time, which then depends on nothing else in the line.
pub(crate) fn fixed_stamp(b: &[u8]) -> Option<[u8; 15]> {
    let head: [u8; 15] = b.get(..15)?.try_into().ok()?;
    let shape = head[..3].iter().all(u8::is_ascii_alphabetic)
        && head[3] == b' '
        && (head[4] == b' ' || head[4].is_ascii_digit())
        && head[5].is_ascii_digit()
        && head[6] == b' '
        && head[7..].iter().all(|c| c.is_ascii_digit() || *c == b':')
        && b.get(15) == Some(&b' ');
    shape.then_some(head)
}

/// Line times with the last fixed-width syslog time read (`Nov 20 03:00:00`), the file's
/// reference date, and its value remembered: consecutive lines mostly share their second.
#[derive(Default)]
pub(crate) struct Stamps {
    clock: Clock,
    stamp: Option<Stamp>,
}

impl Stamps {
    /// The time of a line, through [`Clock`], remembering the last fixed-width stamp. The line
    /// is bytes: a stamp is ASCII; [`Clock`] reads it as text (with replacement characters).
    pub(crate) fn time(&mut self, line: &[u8], tz: &TimeZone, reference: jiff::civil::Date) -> Option<i64> {
        // The same 15 bytes and a space as the last stamp: the same time (checked first: it is
        // the common case, and those bytes had the right shape).
        if let Some(st) = &self.stamp
            && line.first_chunk::<15>() == Some(&st.head)
            && line.get(15) == Some(&b' ')
            && st.reference == reference
        {
            return st.time;
        }
        let Some(head) = fixed_stamp(line) else {
            return self.clock.time(&String::from_utf8_lossy(line), tz, reference);
        };
        let hms = strict_hms(&head);
        if let Some(st) = &self.stamp
            && st.reference == reference
        {
            if st.head == head {
                return st.time;
            }
            // Same day, another second: its midnight plus the time of day, as [`Clock`] does.
            if let (Some(midnight), Some(secs)) = (st.midnight, hms)
                && st.head[..6] == head[..6]
            {
                let t = Some(midnight + secs);
                self.stamp = Some(Stamp { head, reference, time: t, midnight: Some(midnight) });
                return t;
            }
        }
        let t = self.clock.time(&String::from_utf8_lossy(line), tz, reference);
        let midnight = t.zip(hms).map(|(t, secs)| t - secs);
        self.stamp = Some(Stamp { head, reference, time: t, midnight });
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_years() {
        let reference = jiff::civil::date(2025, 1, 5);
        let t = line_time("Jan  5 03:00:00 h sshd[1]: x", &TimeZone::UTC, reference).expect("time");
        assert_eq!(
            t,
            jiff::civil::date(2025, 1, 5).at(3, 0, 0, 0).to_zoned(TimeZone::UTC).expect("z").timestamp().as_second()
        );
        let t = line_time("Dec 31 23:59:59 h sshd[1]: x", &TimeZone::UTC, reference).expect("time");
        assert_eq!(super::super::show_time(t, &TimeZone::UTC), "2024-12-31 23:59:59");
        let t = line_time("2025-01-05T03:00:00.123456+08:00 h sshd[1]: x", &TimeZone::UTC, reference).expect("t");
        assert_eq!(super::super::show_time(t, &TimeZone::UTC), "2025-01-04 19:00:00");
        assert_eq!(line_time("garbage", &TimeZone::UTC, reference), None);
        assert_eq!(line_time("Feb 30 00:00:00 x", &TimeZone::UTC, reference), None);
        assert_eq!(line_time("", &TimeZone::UTC, reference), None);
    }

    /// The remembered stamp and day give what [`Clock`] gives, line after line.
    #[test]
    fn stamp_cache_matches_clock() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::UTC);
        let (r, r2) = (jiff::civil::date(2025, 11, 20), jiff::civil::date(2026, 1, 2));
        let lines = [
            "Nov 20 03:00:00 x",
            "Nov 20 03:00:00 x",
            "Nov 20 03:00:01 x",
            "Nov 20 23:59:60 x",
            "Nov 20 24:00:00 x",
            "Nov 20 03:00:02 x",
            "Nov 21 03:00:02 x",
            "Nov  2 03:00:02 x",
            "Nov 20 3:0:0002 x",
            "Nov 20 03:61:00 x",
            "Xyz 20 03:00:00 x",
            "Feb 29 01:00:00 x",
            "Nov 20 03:00:03 x",
            "2025-11-20T01:02:03Z x",
            "Dec 31 23:59:59 x",
        ];
        let mut stamps = Stamps::default();
        for (i, l) in lines.iter().chain(lines.iter().rev()).enumerate() {
            let reference = if i % 7 == 6 { r2 } else { r };
            assert_eq!(
                stamps.time(l.as_bytes(), &tz, reference),
                Clock::default().time(l, &tz, reference),
                "{l} ({i})"
            );
        }
    }

    #[test]
    fn clock_matches_line_time() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::UTC);
        let r = jiff::civil::date(2025, 11, 20);
        let mut clock = Clock::default();
        for l in ["Nov 20 03:00:00 x", "Nov 20 23:59:59 x", "Nov 19 00:00:01 x", "2025-11-20T01:02:03Z x"] {
            assert_eq!(clock.time(l, &tz, r), line_time(l, &tz, r), "{l}");
        }
        assert_eq!(clock.time("Nov 20 25:00:00 x", &tz, r), None);
        assert_eq!(clock.time("Nov 20", &tz, r), None);
    }
}
