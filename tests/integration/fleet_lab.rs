//! Root lab: the contrib/ansible playbook run for real by ansible-core against several "hosts",
//! each a network namespace with its own sshd, and the fleet summary it produces checked against
//! what each host's report says.
//!
//! Topology (names carry the test's pid): a controller namespace holds one end of a veth pair per
//! host; the other end is in the host's namespace. Addresses are 10.251.<i>.1/30 (controller) and
//! 10.251.<i>.2/30 (host), on interfaces this test creates, in namespaces without a default route:
//! no packet can leave them. ansible-playbook runs inside the controller namespace; each sshd runs
//! inside its host namespace with a config, host key, authorized key and pid file in a temp dir.
//! The hosts share this machine's filesystem, so each gets its own fixture root (a copy of
//! tests/fixtures/roots/<fixture> named after the host), install path and report directory through
//! inventory variables, and runs with --no-save. Everything is torn down by Drop guards.

use crate::common::*;
use crate::integration::fleet::{expected_groups, named_root};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The hosts of the lab: name and the fixture root that gives it its fault.
const HOSTS: &[(&str, &str)] =
    &[("lab-ok", "healthy"), ("lab-broken-a", "broken"), ("lab-broken-b", "broken"), ("lab-degraded", "degraded")];

/// An sshd running in a host namespace, killed when dropped.
struct Sshd(Child);

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Kills what is left in the lab's namespaces when dropped (ssh sessions, a hung playbook): every
/// process there was started by this test.
struct Reaper(Vec<String>);

impl Drop for Reaper {
    fn drop(&mut self) {
        for ns in &self.0 {
            let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() else { continue };
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("kill").args(["-KILL", pid]).output();
            }
        }
    }
}

fn tool(name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(format!("ECS_DOCTOR_{}", name.to_uppercase().replace('-', "_"))) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).chain([PathBuf::from("/usr/sbin")]).map(|d| d.join(name)).find(|p| p.is_file())
}

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}\n{}", stderr(&out), stdout(&out));
    out
}

fn sshd_config(dir: &Path, addr: &str, name: &str) -> PathBuf {
    let cfg = dir.join(format!("sshd_config.{name}"));
    let body = format!(
        "Port 22\nListenAddress {addr}\nHostKey {hk}\nPidFile {pid}\nAuthorizedKeysFile {ak}\n\
         PermitRootLogin prohibit-password\nPubkeyAuthentication yes\nPasswordAuthentication no\n\
         KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPermitUserEnvironment no\n\
         Subsystem sftp internal-sftp\nLogLevel ERROR\n",
        hk = dir.join("host_key").display(),
        pid = dir.join(format!("sshd.{name}.pid")).display(),
        ak = dir.join("authorized_keys").display(),
    );
    std::fs::write(&cfg, body).unwrap();
    cfg
}

#[test]
fn ansible_playbook_diagnoses_a_lab_fleet_and_summarizes_it() {
    if !require(is_root(), "the fleet lab needs root (network namespaces, sshd)") {
        return;
    }
    let playbook = tool("ansible-playbook");
    if !require(playbook.is_some(), "ansible-playbook not found (pip install ansible-core; .ci/run installs it)") {
        return;
    }
    let (sshd, ssh, keygen) = (tool("sshd"), tool("ssh"), tool("ssh-keygen"));
    if !require(
        sshd.is_some() && ssh.is_some() && keygen.is_some(),
        "sshd, ssh and ssh-keygen are needed (Debian openssh-server and openssh-client)",
    ) {
        return;
    }
    let (playbook, sshd, ssh, keygen) = (playbook.unwrap(), sshd.unwrap(), ssh.unwrap(), keygen.unwrap());

    // The hosts' Python for Ansible's modules: this machine's (the hosts share its filesystem).
    let python = ["/usr/bin/python3"].iter().map(PathBuf::from).find(|p| p.is_file()).or_else(|| {
        let out = Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().ok()?;
        Some(PathBuf::from(stdout(&out).trim())).filter(|p| p.is_file())
    });
    if !require(python.is_some(), "python3 is needed on the lab hosts for Ansible's modules") {
        return;
    }
    let python = python.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // Keys: the client's (its public half is every host's authorized key) and one host key.
    for key in ["client_key", "host_key"] {
        run(Command::new(&keygen)
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "ecs-doctor-lab", "-f"])
            .arg(t.join(key)));
    }
    std::fs::copy(t.join("client_key.pub"), t.join("authorized_keys")).unwrap();
    // sshd refuses to start without its privilege separation directory (normally made at boot).
    if !Path::new("/run/sshd").is_dir() {
        std::fs::create_dir_all("/run/sshd").unwrap();
    }

    // Namespaces first, so they are dropped last (after the sshd processes inside them).
    let ctl = Netns::new("flctl");
    ctl.ip("link set lo up");
    let hosts: Vec<Netns> = (0..HOSTS.len()).map(|i| Netns::new(&format!("flh{i}"))).collect();
    let pid = std::process::id();
    for (i, ns) in hosts.iter().enumerate() {
        let (a, b) = (format!("fc{i}p{pid}"), format!("fh{i}p{pid}"));
        ctl.ip(&format!("link add {a} type veth peer name {b} netns {}", ns.0));
        ctl.ip(&format!("addr add 10.251.{i}.1/30 dev {a}"));
        ctl.ip(&format!("link set {a} up"));
        ns.ip(&format!("addr add 10.251.{i}.2/30 dev {b}"));
        ns.ip(&format!("link set {b} up"));
        ns.ip("link set lo up");
    }
    let _reaper = Reaper(std::iter::once(&ctl).chain(&hosts).map(|n| n.0.clone()).collect());
    let mut daemons: Vec<Sshd> = Vec::new();
    for (i, ns) in hosts.iter().enumerate() {
        let cfg = sshd_config(t, &format!("10.251.{i}.2"), HOSTS[i].0);
        let child = Command::new("ip")
            .args(["netns", "exec", &ns.0])
            .arg(&sshd)
            .args(["-D", "-e", "-f"])
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(t.join(format!("sshd.{i}.log"))).unwrap()))
            .spawn()
            .expect("spawn sshd");
        daemons.push(Sshd(child));
    }
    let ssh_opts = [
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "ConnectTimeout=2",
        "-o",
        "LogLevel=ERROR",
    ];
    // Wait until every sshd accepts the key (from the controller namespace).
    for i in 0..HOSTS.len() {
        let start = Instant::now();
        loop {
            let ok = Command::new("ip")
                .args(["netns", "exec", &ctl.0])
                .arg(&ssh)
                .arg("-i")
                .arg(t.join("client_key"))
                .args(ssh_opts)
                .arg(format!("root@10.251.{i}.2"))
                .arg("true")
                .stdin(Stdio::null())
                .output()
                .is_ok_and(|o| o.status.success());
            if ok {
                break;
            }
            let log = std::fs::read_to_string(t.join(format!("sshd.{i}.log"))).unwrap_or_default();
            assert!(start.elapsed() < Duration::from_secs(20), "sshd of host {i} not reachable: {log}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    // The fleet: each host its own fixture root, install path and report directory.
    let mut inv_hosts = serde_json::Map::new();
    let mut local_reports = Vec::new();
    for (i, (name, fixture)) in HOSTS.iter().enumerate() {
        let root = named_root(fixture, name, &t.join("roots"));
        let (report, _) = run_json(&root, &[]).expect("local run");
        local_reports.push(report);
        inv_hosts.insert(
            name.to_string(),
            serde_json::json!({
                "ansible_host": format!("10.251.{i}.2"),
                "ecs_doctor_args": ["--root", root, "--no-save"],
                "ecs_doctor_install_path": t.join("hosts").join(name).join("ecs-doctor"),
                "ecs_doctor_remote_dir": t.join("hosts").join(name).join("out"),
            }),
        );
        std::fs::create_dir_all(t.join("hosts").join(name)).unwrap();
    }
    let inventory = serde_json::json!({
        "all": {
            "hosts": inv_hosts,
            "vars": {
                "ansible_user": "root",
                "ansible_ssh_private_key_file": t.join("client_key"),
                "ansible_ssh_common_args": ssh_opts.join(" "),
                "ansible_python_interpreter": python,
            }
        }
    });
    std::fs::write(t.join("inventory.json"), serde_json::to_string_pretty(&inventory).unwrap()).unwrap();
    std::fs::write(t.join("ansible.cfg"), "[defaults]\nhost_key_checking = False\nretry_files_enabled = False\n")
        .unwrap();
    let collect = t.join("collect");
    let out = Command::new("ip")
        .args(["netns", "exec", &ctl.0])
        .arg(&playbook)
        .arg("-i")
        .arg(t.join("inventory.json"))
        .arg(project_dir().join("contrib/ansible/ecs-doctor.yml"))
        .args(["-e", &format!("ecs_doctor_binary={BIN}")])
        .args(["-e", &format!("ecs_doctor_collect_dir={}", collect.display())])
        .args(["-e", "ecs_doctor_become=false", "-e", "ecs_doctor_deadline=20"])
        .env("ANSIBLE_CONFIG", t.join("ansible.cfg"))
        .env("ANSIBLE_HOME", t.join("ansible-home"))
        .env("ANSIBLE_LOCAL_TEMP", t.join("ansible-local"))
        .env("ANSIBLE_REMOTE_TEMP", t.join("ansible-remote"))
        .env("ANSIBLE_SSH_CONTROL_PATH_DIR", t.join("cp"))
        // No persistent ssh master outliving the playbook.
        .env("ANSIBLE_SSH_ARGS", "-o ControlMaster=no")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_FORCE_COLOR", "0")
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .env_remove("ECS_DOCTOR_CONFIG")
        .env_remove("ECS_DOCTOR_UPLOAD_URL")
        .stdin(Stdio::null())
        .output()
        .expect("spawn ansible-playbook");
    let log = format!("{}\n{}", stdout(&out), stderr(&out));
    assert!(out.status.success(), "ansible-playbook failed ({:?}):\n{log}", out.status);
    for (name, _) in HOSTS {
        assert!(
            log.lines().any(|l| l.starts_with(name) && l.contains("unreachable=0") && l.contains("failed=0")),
            "{name} not in the recap as ok:\n{log}"
        );
        // The playbook installed the binary where the inventory said.
        let installed = t.join("hosts").join(name).join("ecs-doctor");
        assert!(installed.is_file(), "{} not installed", installed.display());
    }

    // Each host's full report and summary line reached the controller.
    let mut fetched = Vec::new();
    for (name, fixture) in HOSTS {
        let dir = collect.join("reports").join(name);
        let files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}\n{log}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let report = valid_report(&std::fs::read_to_string(&files[0]).unwrap());
        assert_eq!(report["host"]["hostname"], *name);
        assert!(report["run"]["root"].as_str().unwrap().ends_with(name), "{fixture}");
        let line = std::fs::read_to_string(collect.join("lines").join(format!("{name}.jsonl"))).unwrap();
        let line: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(line["run_id"], report["run"]["id"]);
        fetched.push(report);
    }

    // The summary names the right hosts for each problem: the same grouping as the reports of
    // local runs on the same roots, and the faults each fixture injects.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(collect.join("fleet-summary.json")).unwrap()).unwrap();
    assert_eq!(summary["hosts"]["total"], HOSTS.len());
    assert_eq!(summary["inputs"]["unreadable"].as_array().map(Vec::len), Some(0), "{summary:#}");
    let (by_check, by_subject) = expected_groups(&local_reports);
    assert_eq!(expected_groups(&fetched).0, by_check, "fetched reports judge like local runs");
    let problems = summary["problems"].as_array().unwrap();
    assert_eq!(problems.len(), by_check.len().min(20));
    let names_of = |p: &serde_json::Value| -> Vec<String> {
        let mut v: Vec<String> =
            p["host_names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect();
        v.sort();
        v
    };
    for p in problems {
        assert_eq!(Some(&names_of(p)), by_check.get(p["check"].as_str().unwrap()), "{p}");
    }
    for g in summary["subjects"].as_array().unwrap() {
        let key = (g["check"].as_str().unwrap().to_string(), g["subject"].as_str().unwrap().to_string());
        assert_eq!(Some(&names_of(g)), by_subject.get(&key), "{g}");
    }
    let hosts_of = |id: &str| problems.iter().find(|p| p["check"] == id).map(names_of).unwrap_or_default();
    assert_eq!(hosts_of("sec.accounts.uid0"), ["lab-broken-a", "lab-broken-b"], "the broken root's extra UID 0");
    assert_eq!(hosts_of("net.route.default"), ["lab-broken-a", "lab-broken-b", "lab-degraded"]);
    assert_eq!(hosts_of("sec.ssh.root-login"), ["lab-degraded"]);
    assert!(problems.iter().all(|p| !names_of(p).contains(&"lab-ok".to_string())), "the healthy host has no problem");
    let worst: Vec<&str> = summary["worst"].as_array().unwrap().iter().map(|h| h["host"].as_str().unwrap()).collect();
    assert_eq!(worst, ["lab-broken-a", "lab-broken-b", "lab-degraded"]);
    let html = std::fs::read_to_string(collect.join("fleet-summary.html")).unwrap();
    assert!(html.contains("<table>") && html.contains("lab-broken-b"));
    assert!(log.contains("Most common problems"), "the playbook shows the text summary:\n{log}");

    drop(daemons);
}
