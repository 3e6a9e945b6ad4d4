//! Failed SSH logins per source address, from the syslog authentication log (/var/log/auth.log
//! on Debian and Ubuntu, /var/log/secure on RHEL) and its rotated files (`.1`, `.N.gz`,
//! `-YYYYMMDD[.gz]`), within a window (default the last 24 hours).
//!
//! A source with many failures is someone guessing passwords; a successful login from an address
//! right after many failures from it is what a guessed password looks like (possible compromise).
//!
//! - The window ends now on the live system; under `--root` (a rescued disk) it ends at the
//!   newest event in the logs, when that system stopped.
//! - Syslog lines carry no year: a line's year is the one that puts it at or before its file's
//!   last modification. RFC 3339 timestamps (rsyslog's high-precision format) are read as they are.
//! - Huge logs are read from a bounded tail and streamed; rotated gzip files are decompressed on
//!   the fly, and a truncated one yields what it has (see [`crate::host::logread`]).
//! - `Invalid user X from A` and the `Failed password for invalid user X from A` that follows it
//!   are one attempt, not two (matched by sshd's pid); `message repeated N times` counts N;
//!   pam_unix's `authentication failure ... rhost=A` counts unless sshd's Failed line for the
//!   same attempt follows (or another PAM module lets it in).
//! - A host without auth.log or secure (stock Debian 12) is read from the journal
//!   ([`crate::host::journal`]): sshd's entries as syslog-like lines with RFC 3339 times.
//!
//! The stages, one file each: [`files`] (which files, rotation), [`stamp`] (line times),
//! [`line`] (what an sshd line says), [`tally`] (the counts per source), [`scan`] (reading the
//! files, the reader thread); here the judgement's inputs: the window, the top sources, the
//! logins after failures.

mod files;
mod line;
mod scan;
pub(crate) mod stamp;
mod tally;

pub(crate) use files::current_logs;
pub use line::attempt;
pub(crate) use line::sshd_message;
pub(crate) use stamp::line_time;

use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_window_hours")]
    pub window_hours: f64,
    /// Most MiB read from the end of each plain log file.
    #[serde(default = "default_tail_mib")]
    pub tail_mib: u64,
    /// Sources reported (the ones with most failures; sources with a suspicious login always).
    #[serde(default = "default_top")]
    pub top: usize,
    /// How far back a login after many failures is still reported (older than the window: an
    /// event that ages, see `[events]`).
    #[serde(default = "default_history_hours")]
    pub history_hours: f64,
}

fn default_history_hours() -> f64 {
    30.0 * 24.0
}

fn default_window_hours() -> f64 {
    24.0
}

fn default_tail_mib() -> u64 {
    64
}

fn default_top() -> usize {
    10
}

pub const FIELDS: &[Field] = &[
    Field::num("failures", "", "failed SSH logins from this address in the window"),
    Field::num("failures_before_success", "", "failures before a login that succeeded"),
    Field::text("accepted_user", "the account that then logged in"),
    Field::text("users", "the user names tried"),
    Field::text("first_seen", "the first failure's time"),
    Field::text("last_seen", "the last failure's time"),
    Field::num("total_failures", "", "failed logins from all addresses"),
    Field::num("sources", "", "addresses with failures"),
    Field::num("window_hours", "hours", "the window looked at"),
    Field::text("logs", "the log files read"),
    Field::text("note", "why part of the logs was not read (truncated, too large)"),
    Field::num("earlier_login_failures", "", "failures in the window before a login older than the window"),
    Field::text("earlier_login_user", "the account of that login"),
    Field::num("earlier_login_age_hours", "hours", "hours from that login to the end of the window"),
    Field::text("earlier_login_when", "when that login was and how long before the end of the window"),
];

/// A time as the findings show it: local `YYYY-MM-DD HH:MM:SS` in `tz`.
fn show_time(t: i64, tz: &TimeZone) -> String {
    jiff::Timestamp::from_second(t)
        .map(|ts| ts.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| t.to_string())
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let files = files::find_logs(&ctx.host);
    // Syslog times are local times: the live system's zone; a rescued disk's logs are compared
    // with their own newest line, where the zone cancels out.
    let tz = if ctx.host.is_live() { TimeZone::system() } else { TimeZone::UTC };
    // No log file: the journal. (Both would count each failure twice where rsyslog copies the
    // journal into auth.log.)
    let scan = if files.is_empty() { scan::read_journal(ctx)? } else { scan::read_logs(ctx, params, &files, &tz) };
    if scan.logs.is_empty() {
        let first = &files[files.len() - 1].path;
        return match std::fs::File::open(ctx.host.path(first)) {
            Err(e) => Err(ProbeError::io(first, &e)),
            Ok(_) => Err(ProbeError::failed("EIO", Said::new(Msg::FailNoLogRead).list("notes", scan.notes.clone()))),
        };
    }
    let window = (params.window_hours * 3600.0) as i64;
    let history = (params.history_hours.max(params.window_hours) * 3600.0) as i64;
    let end = if ctx.host.is_live() { jiff::Timestamp::now().as_second() } else { scan.newest };
    let (from, to) = (end - window, end + 300);
    let in_window = |t: &i64| *t >= from && *t <= to;

    let mut rows = Vec::new();
    let mut total = scan.untracked.iter().filter(|t| in_window(t)).count();
    for (ip, src) in &scan.sources {
        let mut times: Vec<i64> = src.failures.iter().copied().filter(in_window).collect();
        times.sort_unstable();
        total += times.len();
        // The login after the most failures from the same address.
        let worst = src
            .accepts
            .iter()
            .filter(|a| in_window(&a.t))
            .map(|a| (times.partition_point(|t| *t <= a.t), a))
            .max_by_key(|(n, _)| *n);
        // A login after failures before the window (within the history): the same count, taken
        // over the window that ended at that login.
        let earlier = {
            let mut all = src.failures.clone();
            all.sort_unstable();
            src.accepts
                .iter()
                .filter(|a| a.t < from && a.t >= end - history)
                .map(|a| (all.partition_point(|t| *t <= a.t) - all.partition_point(|t| *t < a.t - window), a))
                .max_by_key(|(n, a)| (*n, a.t))
                .filter(|(n, _)| *n > 0)
        };
        if times.is_empty() && worst.is_none_or(|(n, _)| n == 0) && earlier.is_none() {
            continue;
        }
        rows.push((ip, src, times, worst, earlier));
    }
    rows.sort_by(|a, b| b.2.len().cmp(&a.2.len()).then(a.0.cmp(b.0)));
    let sources = rows.len();
    // Evidence is English, like the log lines it goes with.
    let notes: Vec<String> = scan.notes.iter().map(|n| n.render(crate::i18n::Lang::En)).collect();
    let mut items = Vec::new();
    for (i, (ip, src, times, worst, earlier)) in rows.into_iter().enumerate() {
        let suspicious = worst.is_some_and(|(n, _)| n > 0) || earlier.is_some();
        if i >= params.top && !suspicious {
            continue;
        }
        let mut users: Vec<(&String, &u32)> = src.users.iter().map(|(u, n)| (u, n)).collect();
        users.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let users: Vec<String> = users.iter().take(5).map(|(u, _)| crate::redact::redact(u)).collect();
        let mut o = Observation::new(ip.to_string())
            .num("failures", times.len() as f64)
            .text("users", if users.is_empty() { "-".to_string() } else { users.join(", ") })
            .text("first_seen", times.first().map(|t| show_time(*t, &tz)).unwrap_or_default())
            .text("last_seen", times.last().map(|t| show_time(*t, &tz)).unwrap_or_default())
            // When it started, as every finding about events from a log says (`since`).
            .since(times.first().and_then(|t| jiff::Timestamp::from_second(*t).ok()).map(crate::fmt::show));
        // What limited the reading goes with every finding: the counts may be partial.
        o.evidence = src.ring.iter().map(|e| scan.render(e)).chain(notes.iter().cloned()).collect();
        match worst {
            Some((n, a)) if n > 0 => {
                o = o.num("failures_before_success", n as f64).text("accepted_user", crate::redact::redact(&a.user));
                for l in a.evidence.iter().chain(&notes) {
                    o = o.field_evidence("failures_before_success", l.clone());
                }
            }
            _ => o = o.num("failures_before_success", 0.0).text("accepted_user", "-"),
        }
        if let Some((n, a)) = earlier
            && let Ok(at) = jiff::Timestamp::from_second(a.t)
            && let Ok(end_ts) = jiff::Timestamp::from_second(end)
        {
            o = o
                .num("earlier_login_failures", n as f64)
                .text("earlier_login_user", crate::redact::redact(&a.user))
                .num("earlier_login_age_hours", crate::fmt::age_hours(at, end_ts))
                .word("earlier_login_when", crate::probe::kernel::when(at, end_ts));
            for l in a.evidence.iter().chain(&notes) {
                o = o.field_evidence("earlier_login_age_hours", l.clone());
            }
        }
        items.push(o);
    }
    let mut scope = Observation::new(scan.logs.join(", "))
        .num("total_failures", total as f64)
        .num("sources", sources as f64)
        .num("window_hours", params.window_hours)
        .text("logs", scan.logs.join(", "));
    scope = if scan.notes.is_empty() {
        scope.text("note", "")
    } else {
        scope.word("note", Said::new(Msg::ValNotes).list("notes", scan.notes.clone()))
    };
    scope.evidence = notes;
    items.insert(0, scope);
    Ok(Observations::of(items))
}
