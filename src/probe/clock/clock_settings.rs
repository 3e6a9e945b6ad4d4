//! How the clock is set up, as opposed to whether it is in time (`time_sync`): the time zone
//! (`/etc/localtime`, `/etc/timezone`, and on the live system `timedatectl`'s view), whether the
//! hardware clock (RTC) is kept in local time (`/etc/adjtime` LOCAL: after every reboot the
//! system clock is off by the zone's offset, 8 hours on a UTC+8 server, until NTP corrects it),
//! and on the live system how far the RTC (`/sys/class/rtc/rtc0/since_epoch`) is from the
//! system clock.
//!
//! The files are read under `--root` too; the RTC and `timedatectl` belong to the running
//! system and are only asked on it.

use crate::host::Host;
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text(
        "kind",
        "adjtime (the hardware clock's mode), timezone (the configured zone) or rtc (the hardware clock)",
    ),
    Field::flag("rtc_local", "1 when /etc/adjtime keeps the hardware clock in local time (LOCAL)"),
    Field::text("zone", "the time zone /etc/localtime names (its link target under zoneinfo/), or unknown"),
    Field::text("timezone_file", "the zone /etc/timezone names, or none"),
    Field::text("timedatectl_zone", "the zone timedatectl reports (live system), or none"),
    Field::flag("mismatch", "1 when /etc/localtime, /etc/timezone and timedatectl do not name the same zone"),
    Field::flag("broken", "1 when /etc/localtime is a link to a zone file that does not exist"),
    Field::num("offset_s", "s", "how far the hardware clock is from the system clock (absolute)"),
    Field::text("direction", "whether the hardware clock is ahead of or behind the system clock"),
];

const TIMEDATECTL_LIMIT: Duration = Duration::from_secs(2);
const ZONEINFO: &str = "/usr/share/zoneinfo";

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let host = &ctx.host;
    let mut items = Vec::new();
    let adjtime = adjtime(host);
    if let Some(o) = &adjtime {
        items.push(o.clone());
    }
    let rtc_local = adjtime.as_ref().and_then(|o| o.values.get("rtc_local")).and_then(|v| v.as_num()) == Some(1.0);

    let timedatectl = if host.is_live() {
        ctx.run_once("timedatectl", &["show", "--property=Timezone", "--value"], TIMEDATECTL_LIMIT)
            .and_then(Result::ok)
            .filter(|o| o.code == Some(0))
            .and_then(|o| o.stdout.lines().next().map(clean))
            .filter(|z| !z.is_empty())
    } else {
        None
    };
    items.push(timezone(host, timedatectl));

    if host.is_live()
        && let Some(o) = rtc(host, rtc_local)
    {
        items.push(o);
    }
    Ok(Observations::of(items))
}

/// `/etc/adjtime`: drift, last adjust; last calibration; UTC or LOCAL. A missing file or a
/// missing third line means UTC (hwclock(8), systemd-timedated).
fn adjtime(host: &Host) -> Option<Observation> {
    let f = host.read_optional("/etc/adjtime").ok().flatten()?;
    let mode = f.text.lines().nth(2).map(str::trim).unwrap_or("");
    let local = mode == "LOCAL";
    let shown = if mode.is_empty() { "UTC (no third line)".to_string() } else { clean(mode) };
    Some(
        Observation::new(f.path.clone())
            .text("kind", "adjtime")
            .flag("rtc_local", local)
            .evidence(format!("{}:3: {shown}", f.path)),
    )
}

/// The zone a zoneinfo path names: `/usr/share/zoneinfo/Asia/Shanghai` → `Asia/Shanghai`.
fn zone_of(target: &str) -> Option<String> {
    let (_, z) = target.split_once("zoneinfo/")?;
    let z = z.strip_prefix("posix/").or_else(|| z.strip_prefix("right/")).unwrap_or(z);
    (!z.is_empty()).then(|| clean(z))
}

fn timezone(host: &Host, timedatectl: Option<String>) -> Observation {
    let timezone_file = host.read_line("/etc/timezone").map(|z| clean(&z));
    let mut o = Observation::new("/etc/localtime").text("kind", "timezone");
    let link = std::fs::read_link(host.path("/etc/localtime"));
    let exists = host.path("/etc/localtime").exists();
    let mut broken = false;
    let zone = match &link {
        Ok(target) => {
            let t = target.to_string_lossy().into_owned();
            o = o.evidence(format!("/etc/localtime -> {}", clean(&t)));
            // An absolute link is resolved inside the examined root, a relative one from /etc.
            let resolved = if t.starts_with('/') { t.clone() } else { format!("/etc/{t}") };
            if !host.path(&resolved).is_file() {
                broken = true;
            }
            zone_of(&t).unwrap_or_else(|| "unknown".into())
        }
        Err(_) if exists => {
            // A copied zone file (RHEL 6, some images): it is the zone it has the bytes of.
            let named =
                timezone_file.as_ref().filter(|z| same_bytes(host, "/etc/localtime", &format!("{ZONEINFO}/{z}")));
            o = o.evidence("/etc/localtime: a copy of a zone file, not a link");
            named.cloned().unwrap_or_else(|| "unknown".into())
        }
        Err(_) => {
            // Without /etc/localtime the C library uses UTC: a zone of its own, not a fault.
            o = o.evidence("/etc/localtime: missing: programs use UTC");
            "none".into()
        }
    };
    if let Some(z) = &timezone_file {
        o = o.evidence(format!("/etc/timezone:1: {z}"));
    }
    if let Some(z) = &timedatectl {
        o = o.evidence(format!("timedatectl show: Timezone={z}"));
    }
    let mut named: Vec<&str> = Vec::new();
    match zone.as_str() {
        "unknown" => {}
        "none" => named.push("UTC"),
        z => named.push(z),
    }
    named.extend(timezone_file.as_deref());
    named.extend(timedatectl.as_deref());
    let mismatch = named.first().is_some_and(|f| named.iter().any(|z| canonical(z) != canonical(f)))
        || (zone == "unknown" && timezone_file.is_some() && !broken && link.is_err());
    o.text("zone", zone)
        .text("timezone_file", timezone_file.unwrap_or_else(|| "none".into()))
        .text("timedatectl_zone", timedatectl.unwrap_or_else(|| "none".into()))
        .flag("mismatch", mismatch)
        .flag("broken", broken)
}

/// UTC has many names: Etc/UTC, UTC, Etc/Universal, Zulu, ...
fn canonical(z: &str) -> &str {
    match z {
        "UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Universal" | "Etc/Universal" | "Zulu" | "Etc/Zulu" | "Etc/GMT"
        | "GMT" | "Etc/GMT0" | "GMT0" | "Etc/Greenwich" | "Greenwich" => "UTC",
        "PRC" => "Asia/Shanghai",
        z => z,
    }
}

fn same_bytes(host: &Host, a: &str, b: &str) -> bool {
    match (std::fs::read(host.path(a)), std::fs::read(host.path(b))) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// The RTC as the kernel reads it (seconds since the epoch, taken as UTC) against the system
/// clock.
fn rtc(host: &Host, rtc_local: bool) -> Option<Observation> {
    let path = "/sys/class/rtc/rtc0/since_epoch";
    let secs: i64 = host.read_line(path)?.parse().ok()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs() as i64;
    let diff = secs - now;
    Some(
        Observation::new("rtc0")
            .text("kind", "rtc")
            .flag("rtc_local", rtc_local)
            .num("offset_s", diff.unsigned_abs() as f64)
            .text("direction", if diff >= 0 { "ahead" } else { "behind" })
            .evidence(format!("{path}: {secs} (system clock {now})")),
    )
}

fn clean(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_from_link_targets() {
        assert_eq!(zone_of("/usr/share/zoneinfo/Asia/Shanghai").as_deref(), Some("Asia/Shanghai"));
        assert_eq!(zone_of("../usr/share/zoneinfo/posix/Etc/UTC").as_deref(), Some("Etc/UTC"));
        assert_eq!(zone_of("/etc/alternatives/tz"), None);
        assert_eq!(canonical("Etc/UTC"), canonical("UTC"));
        assert_ne!(canonical("Asia/Shanghai"), canonical("UTC"));
    }
}
