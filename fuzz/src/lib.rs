//! What the fuzz targets share: splitting one input into several files, and a scratch root
//! (a fixture tree whose files are rewritten for every input) that the tool's probes examine
//! with `--root` semantics, so includes, file discovery and the probes' own limits are fuzzed
//! the way a real rescued disk is read.

use ecs_doctor::catalog::Catalog;
use ecs_doctor::host::Host;
use ecs_doctor::probe::{Observations, ProbeContext, ProbeError, ProbeSpec};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Files inside one input are separated by a NUL byte (which no text file of the examined system
/// needs); a seed is its files joined with NUL.
pub fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = data.splitn(n, |b| *b == 0).collect();
    out.resize(n, &[]);
    out
}

/// The input as text, the way the tool reads files (invalid UTF-8 replaced).
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The scratch root of this fuzzing process: `$ECS_DOCTOR_FUZZ_TMP/root-<pid>` (tmpfs when
/// possible). fuzz/campaign.sh and .ci/run point it at a directory they remove afterwards.
fn root_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::var_os("ECS_DOCTOR_FUZZ_TMP").map(PathBuf::from).unwrap_or_else(|| {
            let shm = PathBuf::from("/dev/shm");
            if shm.is_dir() { shm.join("ecs-doctor-fuzz") } else { std::env::temp_dir().join("ecs-doctor-fuzz") }
        });
        base.join(format!("root-{}", std::process::id()))
    })
}

/// Puts exactly these files (system path, contents) into the scratch root and returns a host
/// rooted there. Empty contents still make the file (an empty config is a real case); `None`
/// leaves it out (removes it if an earlier input wrote it).
///
/// The root is made once per process and only the input's files are rewritten (truncated and
/// written in place): removing and recreating the tree for every input cost more than the parsers
/// themselves and held the probe targets to a few hundred inputs a second. A target always passes
/// the same paths and the probes never write, so no file of an earlier input survives into the
/// next one.
pub fn root(files: &[(&str, Option<&[u8]>)]) -> Host {
    static MADE: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    let dir = root_dir();
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    let made = made.get_or_insert_with(|| {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).expect("scratch root");
        HashSet::new()
    });
    for (path, body) in files {
        let at = dir.join(path.trim_start_matches('/'));
        let Some(body) = body else {
            let _ = std::fs::remove_file(&at);
            continue;
        };
        if let Some(parent) = at.parent()
            && !made.contains(parent)
        {
            std::fs::create_dir_all(parent).expect("scratch root");
            made.insert(parent.to_path_buf());
        }
        std::fs::write(&at, body).expect("scratch root");
    }
    Host::new(dir.clone())
}

/// A probe context on `host` (not the live system: no program is run, nothing is sent).
pub fn context(host: Host) -> ProbeContext {
    ProbeContext::new(host, Instant::now() + Duration::from_secs(10), false)
}

/// The built-in catalog (the check files embedded in the binary).
fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::load(&[]).expect("the built-in catalog loads"))
}

/// Runs every probe of these kinds exactly as the built-in checks name them (their parameters
/// included), on `ctx`; each result's values are rendered as a finding would show them.
pub fn probes(ctx: &ProbeContext, kinds: &[&str]) {
    let mut ran = 0;
    for check in &catalog().checks {
        if kinds.contains(&check.probe.kind()) {
            let _ = observe(ctx, &check.probe);
            ran += 1;
        }
    }
    assert!(ran > 0, "no built-in check uses the probes {kinds:?}");
}

/// Runs one probe and renders what it saw.
pub fn observe(ctx: &ProbeContext, spec: &ProbeSpec) -> Result<Observations, ProbeError> {
    let out = ctx.observe(spec);
    // Everything a finding shows is rendered: evidence and values must stay printable.
    if let Ok(obs) = &out {
        for o in &obs.items {
            for v in o.values.values() {
                let _ = v.as_text();
            }
            let _ = o.evidence.len();
        }
    }
    out
}

/// The parser passes a pure target and its `_root` twin both make: the `_root` target then runs
/// the probes on the same input.
pub mod passes {
    use super::{parts, root, text};
    use ecs_doctor::host::{Host, procs, sample, sockets};
    use ecs_doctor::probe::ssh::{effective, sshd_config};

    /// sshd_config with two drop-ins (a glob and an explicit `Include`) written into the scratch
    /// root, read as files and as `sshd -T` output, and evaluated for a connection (Match blocks).
    /// Returns the root for the probes.
    pub fn sshd_config(data: &[u8]) -> Host {
        let p = parts(data, 4);
        let host = root(&[
            ("/etc/ssh/sshd_config", Some(p[0])),
            ("/etc/ssh/sshd_config.d/50-cloud-init.conf", Some(p[1])),
            ("/etc/ssh/extra.conf", Some(p[2])),
        ]);
        if let Ok(settings) = sshd_config::read_settings(&host, "/etc/ssh/sshd_config") {
            let conn = effective::Conn {
                user: "root".into(),
                groups: vec!["root".into(), "wheel".into()],
                host: "203.0.113.9".into(),
                addr: "203.0.113.9".into(),
            };
            let _ = effective::from_files(&settings, &conn);
        }
        let _ = sshd_config::global_lines(&host, "/etc/ssh/sshd_config");
        let t = text(p[3]);
        let _ = sshd_config::parse_sshd_t(&t);
        let _ = effective::parse_sshd_t_full(&t);
        host
    }

    /// The /proc parsers on the first seven parts: a process's stat, /proc/stat, diskstats,
    /// net/dev, the TCP and UDP tables, the IPv4 route table.
    pub fn proc_files(t: &[String]) {
        let _ = procs::parse_stat(&t[0]);
        let _ = sample::parse_cpu(&t[1]);
        let _ = sample::parse_diskstats(&t[2]);
        let _ = sample::parse_net_dev(&t[3]);
        for s in sockets::parse_table(&t[4], sockets::Proto::Tcp) {
            let _ = (s.is_listening(), s.on_all_addresses(), s.local_label(), s.remote_label());
        }
        let _ = sockets::parse_table(&t[5], sockets::Proto::Udp);
        let _ = ecs_doctor::probe::net::routes::parse_ipv4("/proc/net/route", &t[6], &mut Vec::new());
    }
}
