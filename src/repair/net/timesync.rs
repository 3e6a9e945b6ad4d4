//! `action.timesync`: the clock kept by exactly one time daemon that follows the platform's
//! time servers (`net.time.sync`).
//!
//! The servers are never guessed: the detected cloud's, from the metadata service
//! (`ntp-conf/ntp-servers`, the service `fix` was told to ask or the detected Alibaba Cloud's),
//! else the ones the cloud documents for its instances (Alibaba Cloud `ntp.cloud.aliyuncs.com`
//! and `ntp7`..`ntp12`, AWS's Time Sync Service, Google's metadata server). With no cloud
//! detected and no metadata service named the repair refuses and says why.
//!
//! The daemon is chrony (the default of Alibaba Cloud's images); another installed daemon
//! alone is refused with what to do. Its servers go where chrony's own configuration takes
//! them: a `.sources` file in the `sourcedir` under /etc that chrony.conf names (Debian's
//! /etc/chrony/sources.d), which a running chronyd reads again on `chronyc reload sources`; else
//! `server` lines appended to chrony.conf, which a running chronyd reads when restarted. Only
//! the servers chrony does not have yet are written; each file is checked with `chronyd -p -f`.
//! The service steps use the service manager: `systemctl` when systemd is PID 1
//! (`/run/systemd/system`), else the package's init script (`/etc/init.d/chrony`).
//!
//! - `edit = "start"` (NO-NTP): the servers written, chronyd started (`systemctl enable --now`;
//!   undo `disable --now`, or `start`/`stop` when the unit was enabled already; `/etc/init.d/chrony
//!   start`/`stop`), then `chronyc waitsync` until it is synchronised.
//! - `edit = "sources"` (NOT-SYNCED): chronyd runs but follows no server: the platform's servers
//!   added, `chronyc reload sources` (or the unit restarted), waited for. Refused when chrony has
//!   them already (they do not answer: the network is the problem, not the configuration).
//!   The same for NTP-UNREACHABLE, and there a running ntpd too: the servers it lacks go into
//!   the ntp.conf it reads (its `-c`, else /etc/ntpsec/ntp.conf or /etc/ntp.conf) before its
//!   first `server`/`pool`/`peer` line (the check asks the first few over SNTP), and it is
//!   restarted (`systemctl restart` of its unit, else its init script's `restart`; again after
//!   an undo, to read the restored file). ntpd has no `waitsync`: the re-check asks the servers.
//! - `edit = "one"` (NTP-CONFLICT): several daemons run; chronyd is kept (else ntpd, openntpd,
//!   systemd-timesyncd, in that order) and the others stopped: `systemctl disable --now` of the
//!   unit /proc/PID/cgroup names (undo `enable --now`); without systemd the init script's
//!   `stop`/`start`, else the process itself is ended (`kill -TERM`) and undo starts the same
//!   program with the same arguments again (read from /proc/PID/exe and cmdline; refused for a
//!   daemon running in the foreground, which nothing could start again in the background). The
//!   stop is waited for (`tail --pid`).
//!
//! Live system only: a daemon runs on a running system, not on a rescued disk.

use super::{Action, Change, Command, FileEdit, Live, Skip, Target};
use crate::host::Host;
use crate::host::facts::{self, Provider};
use crate::host::metadata;
use crate::i18n::{Lang, R, rtf};
use crate::probe::clock::time_sync;

edit_params! {
    Start,
    Sources,
    One,
}

/// Alibaba Cloud's time servers for instances (its documentation: ntp.cloud.aliyuncs.com and
/// ntp7 to ntp12.cloud.aliyuncs.com).
pub const ALIBABA_SERVERS: &[&str] = &[
    "ntp.cloud.aliyuncs.com",
    "ntp7.cloud.aliyuncs.com",
    "ntp8.cloud.aliyuncs.com",
    "ntp9.cloud.aliyuncs.com",
    "ntp10.cloud.aliyuncs.com",
    "ntp11.cloud.aliyuncs.com",
    "ntp12.cloud.aliyuncs.com",
];
/// The Amazon Time Sync Service, at the link-local address every EC2 instance reaches.
const AWS_SERVERS: &[&str] = &["169.254.169.123"];
/// Google Compute Engine's metadata server, which serves NTP to its instances.
const GCP_SERVERS: &[&str] = &["metadata.google.internal"];

/// chrony's main file: Debian's, then Red Hat's (and Alibaba Cloud Linux's).
pub const CHRONY_CONFS: &[&str] = &["/etc/chrony/chrony.conf", "/etc/chrony.conf"];
const CHRONYD: &[&str] = &["/usr/sbin/chronyd", "/sbin/chronyd", "/usr/bin/chronyd"];
/// The file written into chrony's sourcedir.
pub const SOURCES_FILE: &str = "ecs-doctor-platform.sources";
/// How long `chronyc waitsync` waits for the first synchronisation, in tries one second apart.
const WAIT_TRIES: u64 = 60;

/// The daemons in the order one is kept when several run; each with its systemd units and init
/// scripts, whether it forks into the background, and its options that keep it in the foreground.
struct Daemon {
    name: &'static str,
    units: &'static [&'static str],
    scripts: &'static [&'static str],
    forks: bool,
    foreground: &'static [&'static str],
}

const DAEMONS: &[Daemon] = &[
    Daemon {
        name: "chronyd",
        units: &["chronyd.service", "chrony.service"],
        scripts: &["chrony", "chronyd"],
        forks: true,
        foreground: &["-d", "-n"],
    },
    Daemon {
        name: "ntpd",
        units: &["ntpsec.service", "ntp.service", "ntpd.service"],
        scripts: &["ntpsec", "ntp", "ntpd"],
        forks: true,
        foreground: &["-n", "--nofork", "-d", "-D", "--debug"],
    },
    Daemon { name: "openntpd", units: &["openntpd.service"], scripts: &["openntpd"], forks: true, foreground: &["-d"] },
    // timesyncd never forks: without systemd nothing could start it again in the background.
    Daemon {
        name: "systemd-timesyncd",
        units: &["systemd-timesyncd.service"],
        scripts: &[],
        forks: false,
        foreground: &[],
    },
];

fn daemon(name: &str) -> Option<&'static Daemon> {
    DAEMONS.iter().find(|d| d.name == name)
}

/// Whether systemd runs as PID 1 (as `sd_booted` tells it).
fn systemd_booted(host: &Host) -> bool {
    host.path("/run/systemd/system").is_dir()
}

const UNIT_DIRS: &[&str] = &["/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

/// The first of `units` with a unit file, by its own name (an alias link resolved to its target's
/// name: Debian's chronyd.service is chrony.service).
fn unit_of(host: &Host, units: &[&str]) -> Option<String> {
    for u in units {
        for d in UNIT_DIRS {
            let p = host.path(format!("{d}/{u}"));
            if p.is_file() {
                let name = std::fs::read_link(&p)
                    .ok()
                    .and_then(|t| t.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .unwrap_or_else(|| u.to_string());
                return Some(name);
            }
        }
    }
    None
}

/// Whether `unit` is enabled: a link to it in a `.wants` (or `.requires`) directory of /etc.
fn enabled(host: &Host, unit: &str) -> bool {
    let dirs = host.list_dir("/etc/systemd/system").unwrap_or_default();
    dirs.iter()
        .filter(|d| d.ends_with(".wants") || d.ends_with(".requires"))
        .any(|d| host.path(format!("/etc/systemd/system/{d}/{unit}")).exists())
}

/// The package's init script for one of `scripts`.
fn init_script(host: &Host, scripts: &[&str]) -> Option<String> {
    scripts.iter().map(|s| format!("/etc/init.d/{s}")).find(|p| host.path(p).is_file())
}

/// The unit a process runs in, from /proc/PID/cgroup (`0::/system.slice/ntpsec.service`).
fn unit_of_pid(host: &Host, pid: u32) -> Option<String> {
    let text = host.read_optional(&format!("/proc/{pid}/cgroup")).ok().flatten()?.text;
    text.lines()
        .filter_map(|l| l.rsplit('/').next())
        .find(|u| u.ends_with(".service") && u.chars().all(|c| c.is_ascii_alphanumeric() || "@._-\\".contains(c)))
        .map(str::to_string)
}

/// A name or address a metadata service may give as a time server, safe to write into a
/// configuration line.
fn is_server_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && !s.starts_with(['-', '.'])
        && s.chars().all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
}

/// The platform's time servers and where they come from; refused when no cloud is known.
pub fn platform_servers(host: &Host, lang: Lang, told: &super::super::Told) -> Result<(Vec<String>, String), Skip> {
    let explicit = told.metadata_url.clone();
    let source = metadata::source(host, explicit.as_deref());
    if let Some(ep) = source.endpoint() {
        let md = metadata::fetch(ep, std::time::Instant::now() + std::time::Duration::from_secs(10));
        let servers = md.ntp_servers();
        if md.failure.is_none() && !servers.is_empty() {
            if let Some(bad) = servers.iter().find(|s| !is_server_name(s)) {
                return Err(Skip::Refused(rtf(lang, R::TimeBadServer, &[("server", &crate::fmt::inert(bad))])));
            }
            return Ok((servers, rtf(lang, R::TimeFromMetadata, &[("url", &ep.url)])));
        }
    }
    let (cloud, documented) = match facts::cloud_provider(host) {
        Provider::Alibaba => ("Alibaba Cloud", ALIBABA_SERVERS),
        Provider::Aws => ("AWS", AWS_SERVERS),
        Provider::Gcp => ("Google Cloud", GCP_SERVERS),
        _ => return Err(Skip::Refused(rtf(lang, R::TimeNoCloud, &[]))),
    };
    Ok((documented.iter().map(|s| s.to_string()).collect(), rtf(lang, R::TimeFromDocs, &[("cloud", cloud)])))
}

/// The time daemons running now: (name, pid), in the order of [`DAEMONS`].
fn running(host: &Host) -> Vec<(&'static str, u32)> {
    let procs = crate::host::procs::scan(host, std::time::Instant::now() + std::time::Duration::from_secs(5))
        .map(|t| t.procs)
        .unwrap_or_default();
    let mut out = Vec::new();
    for (comm, shown) in time_sync::DAEMONS {
        if let (Some(d), Some(p)) = (daemon(shown), procs.iter().find(|p| p.comm == *comm && p.state != 'Z')) {
            out.push((d.name, p.pid));
        }
    }
    out.sort_by_key(|(n, _)| DAEMONS.iter().position(|d| d.name == *n));
    out
}

/// chrony as installed: its main file (path, text) and the program.
struct Chrony {
    conf: String,
    text: String,
}

fn chrony(t: &Target) -> Result<Chrony, Skip> {
    let bin = CHRONYD.iter().find(|b| t.host.path(b).is_file());
    let conf = CHRONY_CONFS.iter().find_map(|c| t.host.read_optional(c).ok().flatten());
    match (bin, conf) {
        (Some(_), Some(f)) => Ok(Chrony { conf: f.path, text: f.text }),
        _ => {
            let others: Vec<&str> =
                ["/usr/sbin/ntpd", "/usr/lib/systemd/systemd-timesyncd", "/lib/systemd/systemd-timesyncd"]
                    .into_iter()
                    .filter(|p| t.host.path(p).is_file())
                    .collect();
            let others = if others.is_empty() { "-".to_string() } else { others.join(", ") };
            Err(Skip::Refused(rtf(t.lang, R::TimeNoChrony, &[("others", &others)])))
        }
    }
}

/// Where chrony takes the new servers from: a sourcedir under /etc that exists.
fn sourcedir(host: &Host, text: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split('#').next().unwrap_or_default().split_whitespace();
            (w.next() == Some("sourcedir")).then(|| w.next().map(str::to_string)).flatten()
        })
        .find(|d| d.starts_with("/etc/") && !d.contains("..") && host.path(d).is_dir())
}

/// The servers' file edit: the platform servers chrony does not have yet, in the sourcedir file
/// or appended to chrony.conf; `None` when it has them all. Also says whether a running chronyd
/// reads them with `reload sources` (the sourcedir) or only when restarted.
fn chrony_servers(
    t: &Target,
    c: &Chrony,
    servers: &[String],
    from: &str,
) -> (Option<FileEdit>, Vec<String>, Option<String>) {
    let have: Vec<String> = time_sync::configured_servers(t.host, &["chronyd"], None)
        .into_iter()
        .map(|s| s.host.to_ascii_lowercase())
        .collect();
    let missing: Vec<String> = servers.iter().filter(|s| !have.contains(&s.to_ascii_lowercase())).cloned().collect();
    let dir = sourcedir(t.host, &c.text);
    if missing.is_empty() {
        return (None, missing, dir);
    }
    let lines: String = missing.iter().map(|s| format!("server {s} iburst\n")).collect();
    let header = format!("# ecs-doctor fix: the platform's time servers ({})\n", crate::fmt::inert(from));
    let edit = match &dir {
        Some(d) => {
            let path = format!("{}/{SOURCES_FILE}", d.trim_end_matches('/'));
            let mut text = t.host.read_optional(&path).ok().flatten().map(|f| f.text).unwrap_or_default();
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            FileEdit { path, after: Some(format!("{text}{header}{lines}").into_bytes()) }
        }
        None => {
            let mut text = c.text.clone();
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            FileEdit { path: c.conf.clone(), after: Some(format!("{text}\n{header}{lines}").into_bytes()) }
        }
    };
    (Some(edit), missing, dir)
}

/// ntpd's configuration files: ntpsec's (Debian 12 and later), then ntp's.
pub const NTP_CONFS: &[&str] = &["/etc/ntpsec/ntp.conf", "/etc/ntp.conf"];

/// The file a running ntpd reads: its `-c`/`--configfile` argument, else the first of
/// [`NTP_CONFS`] that exists.
fn ntp_conf(t: &Target, pid: u32) -> Option<(String, String)> {
    let read = |p: &str| t.host.read_optional(p).ok().flatten().filter(|f| !f.truncated && !f.not_text);
    match time_sync::ntpd_conf_arg(t.host, pid) {
        Some(p) => read(&p),
        None => NTP_CONFS.iter().find_map(|p| read(p)),
    }
    .map(|f| (f.path, f.text))
}

/// ntp.conf with the platform servers it lacks, in a block before its first server, pool or
/// peer line (the check asks the first few servers over SNTP, in file order);
/// `None` when it has them all.
fn ntp_servers(path: &str, text: &str, servers: &[String], from: &str) -> (Option<FileEdit>, Vec<String>) {
    let have: Vec<String> =
        time_sync::servers_in_ntp_style(path, text).into_iter().map(|c| c.host.to_ascii_lowercase()).collect();
    let missing: Vec<String> = servers.iter().filter(|s| !have.contains(&s.to_ascii_lowercase())).cloned().collect();
    if missing.is_empty() {
        return (None, missing);
    }
    let block = format!(
        "# ecs-doctor fix: the platform's time servers ({})\n{}",
        crate::fmt::inert(from),
        missing.iter().map(|s| format!("server {s} iburst\n")).collect::<String>()
    );
    let mut out = String::new();
    let mut placed = false;
    for line in text.split_inclusive('\n') {
        let first = line.split('#').next().unwrap_or_default().split_whitespace().next();
        if !placed && matches!(first, Some("server" | "pool" | "peer" | "servers")) {
            out.push_str(&block);
            placed = true;
        }
        out.push_str(line);
    }
    if !placed {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&block);
    }
    (Some(FileEdit { path: path.to_string(), after: Some(out.into_bytes()) }), missing)
}

/// How a running daemon reads its configuration again: `systemctl restart` of its unit, else its
/// init script's `restart`.
fn restart(t: &Target, d: &Daemon, pid: u32) -> Option<Command> {
    if systemd_booted(t.host) {
        let unit = unit_of_pid(t.host, pid).or_else(|| unit_of(t.host, d.units))?;
        return Some(Command::new("systemctl", &["restart", &unit]));
    }
    init_script(t.host, d.scripts).map(|s| Command::new(&s, &["restart"]))
}

/// `chronyd -p -f FILE`: chrony's own parser reads the written file (a sources file holds only
/// directives chrony.conf may hold too).
fn validate(edit: &FileEdit, conf: &str) -> Command {
    let v = Command::new("chronyd", &["-p", "-f", &edit.path]);
    // chrony.conf itself: a line chrony already rejected elsewhere cannot veto the new ones.
    if edit.path == conf { v.only_if_passing_before() } else { v }
}

fn waitsync() -> Command {
    Command::new("chronyc", &["waitsync", &WAIT_TRIES.to_string(), "0", "0", "1"])
        .with_limit(WAIT_TRIES + 15)
        .apply_only()
}

/// The step that starts a stopped daemon, with its undo; refused without a way to start it.
fn start_step(t: &Target, d: &Daemon) -> Result<(Live, String), Skip> {
    if systemd_booted(t.host) {
        let Some(unit) = unit_of(t.host, d.units) else {
            return Err(Skip::Refused(rtf(
                t.lang,
                R::TimeNoUnit,
                &[("daemon", d.name), ("units", &d.units.join(", "))],
            )));
        };
        let (run, undo) = if enabled(t.host, &unit) {
            (Command::new("systemctl", &["start", &unit]), Command::new("systemctl", &["stop", &unit]))
        } else {
            (
                Command::new("systemctl", &["enable", "--now", &unit]),
                Command::new("systemctl", &["disable", "--now", &unit]),
            )
        };
        let how = run.line();
        return Ok((Live { run, undo: Some(undo) }, how));
    }
    match init_script(t.host, d.scripts) {
        Some(s) => {
            let run = Command::new(&s, &["start"]);
            let how = run.line();
            Ok((Live { run, undo: Some(Command::new(&s, &["stop"])) }, how))
        }
        None => Err(Skip::Refused(rtf(t.lang, R::TimeNoManager, &[("daemon", d.name)]))),
    }
}

/// Steps that stop a running daemon (the stop, with its undo) and wait for it to end.
fn stop_steps(t: &Target, d: &Daemon, pid: u32) -> Result<(Live, Option<Command>), Skip> {
    let l = t.lang;
    let gone = Command::new("tail", &["--pid", &pid.to_string(), "-f", "/dev/null"]).apply_only();
    if systemd_booted(t.host)
        && let Some(unit) = unit_of_pid(t.host, pid)
    {
        let (run, undo) = if enabled(t.host, &unit) {
            (
                Command::new("systemctl", &["disable", "--now", &unit]),
                Command::new("systemctl", &["enable", "--now", &unit]),
            )
        } else {
            (Command::new("systemctl", &["stop", &unit]), Command::new("systemctl", &["start", &unit]))
        };
        return Ok((Live { run, undo: Some(undo) }, None));
    }
    if let Some(s) = init_script(t.host, d.scripts) {
        let live = Live { run: Command::new(&s, &["stop"]), undo: Some(Command::new(&s, &["start"])) };
        return Ok((live, Some(gone)));
    }
    // No service manager and no init script: the process itself, started again as it was.
    let exe = std::fs::read_link(t.host.path(format!("/proc/{pid}/exe")))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| p.starts_with('/') && !p.ends_with(" (deleted)"));
    let argv: Vec<String> = std::fs::read(t.host.path(format!("/proc/{pid}/cmdline")))
        .map(|b| {
            b.split(|c| *c == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into_owned()).collect()
        })
        .unwrap_or_default();
    // The program as it was started (argv[0] when it is a path: a multi-call binary reached
    // through a link knows by that name what to be), else the executable when it has that name.
    let base = |p: &str| p.rsplit('/').next().unwrap_or_default().to_string();
    let program = match (argv.first(), exe) {
        (Some(a0), _) if a0.starts_with('/') && t.host.path(a0).is_file() => Some(a0.clone()),
        (Some(a0), Some(exe)) if base(a0) == base(&exe) => Some(exe),
        _ => None,
    };
    let Some(exe) = program else {
        return Err(Skip::Refused(rtf(l, R::TimeCannotRestart, &[("daemon", d.name), ("pid", &pid.to_string())])));
    };
    let args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
    let fg = !d.forks || args.iter().any(|a| d.foreground.contains(a));
    if fg || args.iter().any(|a| a.chars().any(char::is_control)) {
        return Err(Skip::Refused(rtf(l, R::TimeCannotRestart, &[("daemon", d.name), ("pid", &pid.to_string())])));
    }
    let live = Live { run: Command::new("kill", &["-TERM", &pid.to_string()]), undo: Some(Command::new(&exe, &args)) };
    Ok((live, Some(gone)))
}

fn start(t: &Target) -> Result<Change, Skip> {
    let l = t.lang;
    if let Some((name, _)) = running(t.host).first() {
        return Err(Skip::NotApplicable(rtf(l, R::TimeRunsAlready, &[("daemon", name)])));
    }
    let c = chrony(t)?;
    let (servers, from) = platform_servers(t.host, l, t.told)?;
    let d = daemon("chronyd").ok_or_else(|| Skip::NotApplicable(String::new()))?;
    let (step, how) = start_step(t, d)?;
    let (edit, _, _) = chrony_servers(t, &c, &servers, &from);
    Ok(Change {
        summary: rtf(
            l,
            R::TimeDoStart,
            &[("daemon", "chronyd"), ("how", &how), ("servers", &servers.join(", ")), ("from", &from)],
        ),
        validate: edit.iter().map(|e| validate(e, &c.conf)).collect(),
        files: edit.into_iter().collect(),
        live: vec![step],
        commands: vec![waitsync()],
        ..Change::default()
    })
}

fn sources(t: &Target) -> Result<Change, Skip> {
    let l = t.lang;
    let now = running(t.host);
    if !now.iter().any(|(n, _)| *n == "chronyd") {
        if let Some((_, pid)) = now.iter().find(|(n, _)| *n == "ntpd") {
            return ntpd_sources(t, *pid);
        }
        return Err(Skip::NotApplicable(rtf(l, R::TimeChronydStopped, &[])));
    }
    let c = chrony(t)?;
    let (servers, from) = platform_servers(t.host, l, t.told)?;
    let (edit, missing, dir) = chrony_servers(t, &c, &servers, &from);
    let Some(edit) = edit else {
        return Err(Skip::Refused(rtf(l, R::TimeHasServers, &[("servers", &servers.join(", "))])));
    };
    let reread = if dir.is_some() {
        Command::new("chronyc", &["reload", "sources"])
    } else if systemd_booted(t.host)
        && let Some(unit) = daemon("chronyd").and_then(|d| unit_of(t.host, d.units))
    {
        Command::new("systemctl", &["restart", &unit])
    } else {
        return Err(Skip::Refused(rtf(l, R::TimeNoRestart, &[("daemon", "chronyd"), ("path", &c.conf)])));
    };
    Ok(Change {
        summary: rtf(
            l,
            R::TimeDoSources,
            &[
                ("daemon", "chronyd"),
                ("servers", &missing.join(", ")),
                ("from", &from),
                ("path", &edit.path),
                ("how", &reread.line()),
            ],
        ),
        validate: vec![validate(&edit, &c.conf)],
        files: vec![edit],
        commands: vec![reread, waitsync()],
        ..Change::default()
    })
}

/// A running ntpd given the platform's servers: ntp.conf, then a restart (the re-check asks the
/// servers directly).
fn ntpd_sources(t: &Target, pid: u32) -> Result<Change, Skip> {
    let l = t.lang;
    let Some((path, text)) = ntp_conf(t, pid) else {
        return Err(Skip::Refused(rtf(l, R::CannotRead, &[("path", NTP_CONFS[0]), ("error", "-")])));
    };
    let (servers, from) = platform_servers(t.host, l, t.told)?;
    let (edit, missing) = ntp_servers(&path, &text, &servers, &from);
    let Some(edit) = edit else {
        return Err(Skip::Refused(rtf(l, R::TimeHasServers, &[("servers", &servers.join(", "))])));
    };
    let d = daemon("ntpd").ok_or_else(|| Skip::NotApplicable(String::new()))?;
    let Some(reread) = restart(t, d, pid) else {
        return Err(Skip::Refused(rtf(l, R::TimeNoRestart, &[("daemon", "ntpd"), ("path", &path)])));
    };
    Ok(Change {
        summary: rtf(
            l,
            R::TimeDoSources,
            &[
                ("daemon", "ntpd"),
                ("servers", &missing.join(", ")),
                ("from", &from),
                ("path", &edit.path),
                ("how", &reread.line()),
            ],
        ),
        files: vec![edit],
        commands: vec![reread],
        ..Change::default()
    })
}

fn one(t: &Target) -> Result<Change, Skip> {
    let l = t.lang;
    let now = running(t.host);
    let Some(((kept, _), others)) = now.split_first().filter(|(_, o)| !o.is_empty()) else {
        return Err(Skip::NotApplicable(rtf(l, R::TimeOneRuns, &[])));
    };
    let mut live = Vec::new();
    let mut commands = Vec::new();
    for (name, pid) in others {
        let d = daemon(name).ok_or_else(|| Skip::NotApplicable(String::new()))?;
        let (step, wait) = stop_steps(t, d, *pid)?;
        live.push(step);
        commands.extend(wait);
    }
    let stopped: Vec<String> = others.iter().map(|(n, p)| format!("{n} (pid {p})")).collect();
    Ok(Change {
        summary: rtf(l, R::TimeDoOne, &[("others", &stopped.join(", ")), ("kept", kept)]),
        live,
        commands,
        ..Change::default()
    })
}

impl Action for Params {
    fn name(&self) -> String {
        match self.edit {
            Edit::Start => "time-daemon-start".into(),
            Edit::Sources => "time-platform-servers".into(),
            Edit::One => "time-daemon-one".into(),
        }
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        if !t.host.is_live() {
            return Err(Skip::Refused(rtf(t.lang, R::TimeNotLive, &[])));
        }
        match self.edit {
            Edit::Start => start(t),
            Edit::Sources => sources(t),
            Edit::One => one(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::testing::root;

    #[test]
    fn server_names_from_a_metadata_service_are_names_or_addresses() {
        for ok in ["ntp.cloud.aliyuncs.com", "100.100.61.88", "fd00::123", "ntp7.cloud.aliyuncs.com"] {
            assert!(is_server_name(ok), "{ok}");
        }
        for bad in ["", "-x", "a b", "a\nserver evil", "a;b", ".x", "x#y"] {
            assert!(!is_server_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn ntp_conf_gets_the_missing_servers_before_its_first_source() {
        let servers = vec!["ntp.cloud.aliyuncs.com".to_string(), "ntp7.cloud.aliyuncs.com".to_string()];
        let conf = "driftfile /var/lib/ntpsec/ntp.drift\n# pool x\npool 0.debian.pool.ntp.org iburst\nserver ntp7.cloud.aliyuncs.com\nrestrict default kod\n";
        let (edit, missing) = ntp_servers("/etc/ntpsec/ntp.conf", conf, &servers, "metadata");
        assert_eq!(missing, ["ntp.cloud.aliyuncs.com"]);
        let after = String::from_utf8(edit.and_then(|e| e.after).unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            after,
            "driftfile /var/lib/ntpsec/ntp.drift\n# pool x\n# ecs-doctor fix: the platform's time servers (metadata)\nserver ntp.cloud.aliyuncs.com iburst\npool 0.debian.pool.ntp.org iburst\nserver ntp7.cloud.aliyuncs.com\nrestrict default kod\n"
        );
        let (edit, _) = ntp_servers("/etc/ntp.conf", "driftfile /x", &servers, "m");
        assert!(String::from_utf8(edit.and_then(|e| e.after).unwrap_or_default()).unwrap_or_default().ends_with("/x\n# ecs-doctor fix: the platform's time servers (m)\nserver ntp.cloud.aliyuncs.com iburst\nserver ntp7.cloud.aliyuncs.com iburst\n"));
        let all = "server ntp.cloud.aliyuncs.com\nserver NTP7.cloud.aliyuncs.com\n";
        assert_eq!(ntp_servers("/etc/ntp.conf", all, &servers, "m").0, None);
    }

    #[test]
    fn the_sourcedir_under_etc_that_exists_is_where_servers_go() {
        let dir = root(&[
            ("/etc/chrony/chrony.conf", "sourcedir /run/chrony-dhcp\nsourcedir /etc/chrony/sources.d # local\n"),
            ("/etc/chrony/sources.d/.keep", ""),
        ]);
        let host = Host::new(dir.path());
        let text = "sourcedir /run/chrony-dhcp\n# sourcedir /etc/x\nsourcedir /etc/chrony/sources.d # local\n";
        assert_eq!(sourcedir(&host, text).as_deref(), Some("/etc/chrony/sources.d"));
        assert_eq!(sourcedir(&host, "sourcedir /etc/missing\n"), None);
        assert_eq!(sourcedir(&host, "sourcedir /run/chrony-dhcp\n"), None);
    }

    #[test]
    fn units_are_named_as_their_files_and_enabled_by_a_wants_link() {
        let dir = root(&[
            ("/lib/systemd/system/chrony.service", "[Unit]\n"),
            ("/etc/systemd/system/multi-user.target.wants/chrony.service", "[Unit]\n"),
        ]);
        let host = Host::new(dir.path());
        std::os::unix::fs::symlink(
            "../../../lib/systemd/system/chrony.service",
            dir.path().join("etc/systemd/system/chronyd.service"),
        )
        .expect("alias");
        // Debian's alias chronyd.service is chrony.service.
        assert_eq!(unit_of(&host, &["chronyd.service", "chrony.service"]).as_deref(), Some("chrony.service"));
        assert!(enabled(&host, "chrony.service"));
        assert!(!enabled(&host, "ntpsec.service"));
        assert_eq!(unit_of(&host, &["ntpsec.service"]), None);
    }
}
