//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const BIN: &str = env!("CARGO_BIN_EXE_ecs-doctor");

pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture_root(name: &str) -> PathBuf {
    project_dir().join("tests/fixtures/roots").join(name)
}

/// True when lab tests must run rather than skip (CI sets ECS_DOCTOR_REQUIRE_LAB=1).
pub fn lab_required() -> bool {
    std::env::var("ECS_DOCTOR_REQUIRE_LAB").is_ok_and(|v| v == "1")
}

/// Skips (returns false, printing why) when `ok` is false, unless the lab is required.
pub fn require(ok: bool, why: &str) -> bool {
    if ok {
        return true;
    }
    if lab_required() {
        panic!("ECS_DOCTOR_REQUIRE_LAB=1 but this test cannot run: {why}");
    }
    eprintln!("SKIPPED: {why}");
    false
}

pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// How to enter a fresh network namespace here: `unshare --net` as root, else a user namespace.
fn netns_prefix() -> Option<&'static [&'static str]> {
    static PREFIX: OnceLock<Option<&'static [&'static str]>> = OnceLock::new();
    *PREFIX.get_or_init(|| {
        let candidates: [&'static [&'static str]; 2] =
            [&["unshare", "--net"], &["unshare", "--user", "--map-root-user", "--net"]];
        candidates
            .into_iter()
            .find(|p| Command::new(p[0]).args(&p[1..]).arg("true").output().is_ok_and(|o| o.status.success()))
    })
}

/// Runs `cmd` on a pseudo-terminal (util-linux `script`), typing `answers` on it: what a person
/// at a terminal sees (the screen is its stdout; `script`'s own complaints are its stderr).
pub fn on_a_pty(cmd: &Command, answers: &str) -> Output {
    let line: Vec<String> = std::iter::once(cmd.get_program().to_string_lossy().into_owned())
        .chain(cmd.get_args().map(|a| format!("'{}'", a.to_string_lossy())))
        .collect();
    let mut script = Command::new("script");
    script.args(["-qec", &line.join(" "), "/dev/null"]);
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => script.env(k, v),
            None => script.env_remove(k),
        };
    }
    let piped = std::process::Stdio::piped;
    let mut child = script.stdin(piped()).stdout(piped()).stderr(piped()).spawn().expect("script");
    {
        use std::io::Write;
        child.stdin.take().expect("stdin").write_all(answers.as_bytes()).expect("answers");
    }
    child.wait_with_output().expect("output")
}

/// A command that runs ecs-doctor inside its own network namespace, so nothing it does can reach
/// any network but its own loopback. Reports go to a throw-away directory; colour is off.
pub fn doctor_cmd(args: &[&str]) -> Option<Command> {
    let Some(prefix) = netns_prefix() else {
        require(false, "cannot create a network namespace (unshare --net) to run ecs-doctor in");
        return None;
    };
    let mut cmd = Command::new(prefix[0]);
    cmd.args(&prefix[1..]).arg(BIN).args(args);
    cmd.env("NO_COLOR", "1")
        .env_remove("ECS_DOCTOR_CONFIG")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    cmd.env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("reports"));
    Some(cmd)
}

/// Runs ecs-doctor (in its own network namespace) and returns its output.
pub fn doctor(args: &[&str]) -> Option<Output> {
    let mut cmd = doctor_cmd(args)?;
    Some(cmd.output().expect("spawn ecs-doctor"))
}

/// A directory for this test process's scratch files.
pub fn scratch_dir() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir")).path().to_path_buf()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let text = std::fs::read_to_string(project_dir().join("schema/report-v1.schema.json")).expect("schema");
        let schema: serde_json::Value = serde_json::from_str(&text).expect("schema json");
        jsonschema::options().should_validate_formats(true).build(&schema).expect("compile schema")
    })
}

/// Parses a report and validates it against the project's copy of report v1.
pub fn valid_report(json: &str) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}):\n{json}"));
    let errors: Vec<String> =
        validator().iter_errors(&value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "report does not validate against report v1:\n{}\n{json}", errors.join("\n"));
    value
}

/// Runs with `--format json --no-save` against a fixture root and returns the validated report
/// and the exit code.
pub fn run_json(root: &Path, extra: &[&str]) -> Option<(serde_json::Value, i32)> {
    let root = root.to_str().expect("utf-8 path");
    let mut args = vec!["run", "--format", "json", "--no-save", "--root", root];
    args.extend_from_slice(extra);
    let out = doctor(&args)?;
    let code = out.status.code().unwrap_or(-1);
    assert!(code != 64 && code >= 0, "usage error or signal ({code}): {}", stderr(&out));
    Some((valid_report(&stdout(&out)), code))
}

/// The result of one check in a report.
pub fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

pub fn status_of(report: &serde_json::Value, id: &str) -> String {
    check(report, id)["status"].as_str().unwrap_or_default().to_string()
}

/// Subjects of the findings of a check.
pub fn subjects(report: &serde_json::Value, id: &str) -> Vec<String> {
    check(report, id)["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["subject"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Writes a file, creating its directories.
pub fn write(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, body).expect("write");
}

/// A network namespace that is deleted when dropped.
pub struct Netns(pub String);

impl Netns {
    pub fn new(tag: &str) -> Netns {
        let name = format!("ecsd-{tag}-{}", std::process::id());
        let _ = std::process::Command::new("ip").args(["netns", "del", &name]).output();
        let ok = std::process::Command::new("ip").args(["netns", "add", &name]).status().is_ok_and(|s| s.success());
        assert!(ok, "ip netns add {name}");
        Netns(name)
    }

    pub fn ip(&self, args: &str) {
        let out =
            std::process::Command::new("ip").args(["-n", &self.0]).args(args.split_whitespace()).output().expect("ip");
        assert!(out.status.success(), "ip -n {} {args}: {}", self.0, String::from_utf8_lossy(&out.stderr));
    }

    /// A veth pair made in place: `dev` here, `peer_dev` in `peer` (both down, no address).
    pub fn veth(&self, dev: &str, peer: &Netns, peer_dev: &str) {
        let out = std::process::Command::new("ip")
            .args(["link", "add", dev, "netns", &self.0, "type", "veth", "peer", "name", peer_dev, "netns", &peer.0])
            .output()
            .expect("ip link add");
        assert!(out.status.success(), "veth {dev} ~ {peer_dev}: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn doctor_json(&self, only: &[&str]) -> serde_json::Value {
        let mut cmd = std::process::Command::new("ip");
        cmd.args(["netns", "exec", &self.0, BIN, "run", "--format", "json", "--no-save"]);
        for o in only {
            cmd.args(["--only", o]);
        }
        let out = cmd.env("NO_COLOR", "1").env_remove("ECS_DOCTOR_CONFIG").output().expect("ip netns exec");
        valid_report(&stdout(&out))
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip").args(["netns", "del", &self.0]).output();
    }
}

/// The findings of a check, as JSON text, for `contains` assertions.
pub fn findings(r: &serde_json::Value, id: &str) -> String {
    check(r, id)["findings"].to_string()
}

/// Runs the checks selected by `only` against a fixture root and returns the report.
pub fn run_sec(root: &Path, only: &str) -> Option<serde_json::Value> {
    run_json(root, &["--only", only]).map(|(r, _)| r)
}

/// Runs `f` on a thread of its own inside a new, private network namespace whose loopback is
/// up and which has no other interface. Sockets created there and processes spawned from there
/// (ecs-doctor itself) live in that namespace, so a test server on 127.0.0.1 and the tool talk
/// over a loopback nobody else shares, and nothing can leave the machine. Needs root
/// (CAP_SYS_ADMIN); returns None (skipped, or failed when the lab is required) otherwise.
/// A panic in `f` is passed on.
pub fn in_private_netns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    if !require(is_root(), "a private network namespace for the ticket lab needs root") {
        return None;
    }
    let handle = std::thread::spawn(move || {
        // SAFETY: only this thread's network namespace changes; the thread does not share file
        // system state that unshare would need to split (CLONE_NEWNET only).
        unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWNET) }.expect("unshare(CLONE_NEWNET)");
        let up = Command::new("ip").args(["link", "set", "lo", "up"]).status().expect("ip link set lo up");
        assert!(up.success(), "ip link set lo up");
        f()
    });
    match handle.join() {
        Ok(v) => Some(v),
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// The environment every ecs-doctor a test starts runs in: no colour, English, no config file,
/// no cloud credentials and no metadata address from the test's own environment, reports in the
/// scratch directory.
pub fn clean_doctor_env(cmd: &mut Command) -> &mut Command {
    cmd.env("NO_COLOR", "1")
        .env_remove("ECS_DOCTOR_CONFIG")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID")
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
        .env_remove("ECS_DOCTOR_METADATA_URL")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("reports"))
}

/// The same as `doctor_cmd` but without a namespace of its own: for use inside
/// `in_private_netns`, whose namespace the child inherits.
pub fn doctor_here(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    clean_doctor_env(&mut cmd);
    cmd
}
