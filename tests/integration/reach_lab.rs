//! Reachability and path lab (root): three network namespaces, client <-> router <-> server,
//! joined by veth pairs created inside them, with `ip_forward=1` in the router. The server
//! namespace runs an HTTP server and an HTTPS server with a self-signed certificate valid for 7
//! days (python3, openssl); the router's iptables inject what the checks must find: a REJECTed
//! port (ECONNREFUSED), a DROPped port (timeout within --deadline), random loss of ICMP
//! (`-m statistic`). ecs-doctor runs only inside the client namespace, which has routes to the
//! lab subnets and no default route, so nothing it sends can leave the lab.
//!
//! Every namespace, process and rule goes away with the `Lab` guard, also when a test fails.
//! The tests without a lab (flags, config, no CAP_NET_RAW) run as any user.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const CLIENT_IP: &str = "10.231.1.2";
const ROUTER_CLIENT_IP: &str = "10.231.1.1";
const SERVER_IP: &str = "10.231.2.2";
const HTTP_PORT: u16 = 8080;
const HTTPS_PORT: u16 = 8443;
const REJECT_PORT: u16 = 8081;
const DROP_PORT: u16 = 8082;

/// A server process in a namespace, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The three-namespace topology. Field order is drop order: servers die before their namespace.
struct Lab {
    servers: Vec<Server>,
    dir: tempfile::TempDir,
    client: Netns,
    router: Netns,
    server: Netns,
}

fn have(program: &str, arg: &str) -> bool {
    Command::new(program).arg(arg).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

fn lab_ok() -> bool {
    require(is_root(), "the reach lab needs root (ip netns, iptables)")
        && require(have("ip", "-V"), "iproute2 (ip) is not installed")
        && require(have("iptables", "--version"), "iptables is not installed")
        && require(have("python3", "--version"), "python3 is not installed (lab HTTP servers)")
        && require(have("openssl", "version"), "openssl is not installed (lab certificate)")
}

fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("spawn");
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

const HTTPS_SERVER: &str = r#"
import http.server, ssl, sys
addr, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
httpd = http.server.HTTPServer((addr, port), http.server.SimpleHTTPRequestHandler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
httpd.serve_forever()
"#;

impl Lab {
    fn new() -> Lab {
        // Tests run in parallel in one process: every lab gets its own number besides the pid.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let pid = format!("{}x{n}", std::process::id() % 100_000);
        let client = Netns::new(&format!("rc{n}"));
        let router = Netns::new(&format!("rr{n}"));
        let server = Netns::new(&format!("rs{n}"));
        let dir = tempfile::tempdir().expect("tempdir");
        let mut lab = Lab { servers: Vec::new(), dir, client, router, server };
        let (c0, r0, r1, s0) = (format!("rca{pid}"), format!("rcb{pid}"), format!("rsa{pid}"), format!("rsb{pid}"));
        for (a, ans, b, bns) in [(&c0, &lab.client, &r0, &lab.router), (&r1, &lab.router, &s0, &lab.server)] {
            run_ok(
                Command::new("ip")
                    .args(["link", "add", a, "netns", &ans.0, "type", "veth", "peer", "name", b])
                    .args(["netns", &bns.0]),
            );
        }
        for ns in [&lab.client, &lab.router, &lab.server] {
            ns.ip("link set lo up");
        }
        lab.client.ip(&format!("addr add {CLIENT_IP}/24 dev {c0}"));
        lab.client.ip(&format!("link set {c0} up"));
        lab.client.ip(&format!("route add 10.231.2.0/24 via {ROUTER_CLIENT_IP}"));
        lab.router.ip(&format!("addr add {ROUTER_CLIENT_IP}/24 dev {r0}"));
        lab.router.ip(&format!("addr add 10.231.2.1/24 dev {r1}"));
        lab.router.ip(&format!("link set {r0} up"));
        lab.router.ip(&format!("link set {r1} up"));
        lab.server.ip(&format!("addr add {SERVER_IP}/24 dev {s0}"));
        lab.server.ip(&format!("link set {s0} up"));
        lab.server.ip("route add 10.231.1.0/24 via 10.231.2.1");
        run_ok(Command::new("ip").args(["netns", "exec", &lab.router.0, "sysctl", "-qw", "net.ipv4.ip_forward=1"]));
        lab.start_servers();
        lab
    }

    fn cert(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    fn start_servers(&mut self) {
        let (cert, key) = (self.cert(), self.dir.path().join("key.pem"));
        // A self-signed end-entity certificate (CA:FALSE) for the server's address, valid 7 days.
        run_ok(Command::new("openssl").args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "7"]).args([
            "-subj",
            &format!("/CN={SERVER_IP}"),
            "-addext",
            &format!("subjectAltName=IP:{SERVER_IP}"),
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-keyout",
            key.to_str().expect("p"),
            "-out",
            cert.to_str().expect("p"),
        ]));
        let script = self.dir.path().join("https_server.py");
        std::fs::write(&script, HTTPS_SERVER).expect("write script");
        let www = self.dir.path().join("www");
        std::fs::create_dir_all(&www).expect("mkdir");
        std::fs::write(www.join("index.html"), "lab\n").expect("write");
        let spawn = |args: &[&str]| {
            let child = Command::new("ip")
                .args(["netns", "exec", &self.server.0])
                .args(args)
                .current_dir(&www)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn server");
            Server(child)
        };
        let http = spawn(&["python3", "-m", "http.server", &HTTP_PORT.to_string(), "--bind", SERVER_IP]);
        let https = spawn(&[
            "python3",
            script.to_str().expect("p"),
            SERVER_IP,
            &HTTPS_PORT.to_string(),
            cert.to_str().expect("p"),
            self.dir.path().join("key.pem").to_str().expect("p"),
        ]);
        self.servers.push(http);
        self.servers.push(https);
        // Wait until both listen.
        let started = Instant::now();
        loop {
            let ss = Command::new("ip").args(["netns", "exec", &self.server.0, "ss", "-ltn"]).output().expect("ss");
            let text = String::from_utf8_lossy(&ss.stdout);
            if text.contains(&format!(":{HTTP_PORT}")) && text.contains(&format!(":{HTTPS_PORT}")) {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "lab servers did not start:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Adds an iptables rule to the router's FORWARD chain (gone with the namespace).
    fn router_rule(&self, rule: &str) {
        run_ok(
            Command::new("ip")
                .args(["netns", "exec", &self.router.0, "iptables", "-A", "FORWARD"])
                .args(rule.split_whitespace()),
        );
    }

    /// ecs-doctor inside the client namespace.
    fn doctor(&self, args: &[&str], envs: &[(&str, &Path)]) -> Output {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.client.0, BIN]).args(args);
        cmd.env("NO_COLOR", "1").env_remove("ECS_DOCTOR_CONFIG").env("LANG", "C.UTF-8").env_remove("LC_ALL");
        cmd.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().expect("ip netns exec ecs-doctor")
    }

    fn run_json(&self, extra: &[&str], envs: &[(&str, &Path)]) -> serde_json::Value {
        let mut args = vec!["run", "--format", "json", "--no-save", "--only", "net.reach", "--only", "net.path"];
        args.extend_from_slice(extra);
        let out = self.doctor(&args, envs);
        assert!(out.status.code().is_some_and(|c| c != 64), "usage error: {}", stderr(&out));
        valid_report(&stdout(&out))
    }
}

fn finding<'a>(r: &'a serde_json::Value, id: &str, subject: &str) -> &'a serde_json::Value {
    check(r, id)["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|x| x["subject"] == subject))
        .unwrap_or_else(|| panic!("no finding about {subject} in {id}: {r:#}"))
}

fn tcp(port: u16) -> String {
    format!("{SERVER_IP}:{port}")
}

#[test]
fn healthy_lab_every_target_reachable_and_the_path_has_two_hops() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new();
    let url = format!("http://{SERVER_IP}:{HTTP_PORT}/");
    let r = lab.run_json(&["--target", &tcp(HTTP_PORT), "--target", &url], &[]);
    let reach = check(&r, "net.reach.targets");
    assert_eq!(reach["status"], "ok", "{r:#}");
    assert!(reach["metrics"][format!("connect_ms[{}]", tcp(HTTP_PORT))].is_number(), "{reach:#}");
    assert_eq!(reach["metrics"]["http_status"], 200.0, "{reach:#}");
    let path = check(&r, "net.path.loss");
    assert_eq!(path["status"], "ok", "{r:#}");
    let m = &path["metrics"];
    assert_eq!(m["hop_count"], 2.0, "router and server: {path:#}");
    assert_eq!(m["reached"], 1.0);
    assert_eq!(m["dest_loss_percent"], 0.0);
    assert!(m["hop1_rtt_ms"].is_number() && m["hop2_rtt_ms"].is_number(), "{path:#}");
    assert!(m["rounds"].as_f64().is_some_and(|n| n >= 1.0), "{path:#}");
    // The per-round samples are in the report (the HTML report's heatmap): one trace per host.
    let traces = path["traces"].as_array().expect("traces");
    assert_eq!(traces.len(), 1, "{path:#}");
    assert_eq!(traces[0]["target"], SERVER_IP);
    assert_eq!(traces[0]["hops"][1]["samples_ms"].as_array().map(Vec::len), m["rounds"].as_f64().map(|n| n as usize));
}

#[test]
fn refused_and_dropped_ports_are_named_and_the_deadline_holds() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new();
    lab.router_rule(&format!("-p tcp --dport {REJECT_PORT} -j REJECT --reject-with tcp-reset"));
    lab.router_rule(&format!("-p tcp --dport {DROP_PORT} -j DROP"));
    let started = Instant::now();
    let r = lab.run_json(
        &["--target", &tcp(REJECT_PORT), "--target", &tcp(DROP_PORT), "--target", &tcp(HTTP_PORT), "--deadline", "1"],
        &[],
    );
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(2500), "--deadline 1 but the run took {elapsed:?}");
    assert!(r["run"]["duration_ms"].as_u64().is_some_and(|ms| ms <= 1100), "{:#}", r["run"]);
    assert_eq!(status_of(&r, "net.reach.targets"), "crit", "{r:#}");
    assert_eq!(finding(&r, "net.reach.targets", &tcp(REJECT_PORT))["code"], "ECONNREFUSED");
    let dropped = finding(&r, "net.reach.targets", &tcp(DROP_PORT));
    assert_eq!(dropped["code"], "ETIMEDOUT", "{dropped:#}");
    assert_eq!(dropped["severity"], "crit");
    // The port that works is not a finding.
    let subjects = subjects(&r, "net.reach.targets");
    assert!(!subjects.contains(&tcp(HTTP_PORT)), "{subjects:?}");
}

#[test]
fn loss_at_the_destination_is_warn_or_crit() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new();
    // Each echo request and reply through the router is dropped with probability 0.5.
    lab.router_rule("-p icmp -m statistic --mode random --probability 0.5 -j DROP");
    let r = lab.run_json(&["--target", &tcp(HTTP_PORT)], &[]);
    let path = check(&r, "net.path.loss");
    let status = path["status"].as_str().unwrap_or_default();
    assert!(status == "warn" || status == "crit", "{path:#}");
    let f = finding(&r, "net.path.loss", SERVER_IP);
    assert_eq!(f["code"], "PACKET_LOSS", "{f:#}");
    assert!(path["metrics"]["dest_loss_percent"].as_f64().is_some_and(|p| p >= 10.0), "{path:#}");
    // TCP still works: the loss is in ICMP only.
    assert_eq!(status_of(&r, "net.reach.targets"), "ok", "{r:#}");
}

#[test]
fn a_destination_that_never_answers_is_critical_with_the_last_hop() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new();
    // The router forwards no ICMP to the server, but still answers for itself (TTL exceeded).
    lab.router_rule(&format!("-p icmp -d {SERVER_IP} -j DROP"));
    let r = lab.run_json(&["--target", &tcp(HTTP_PORT), "--skip", "net.reach"], &[]);
    let path = check(&r, "net.path.loss");
    assert_eq!(path["status"], "crit", "{path:#}");
    let f = finding(&r, "net.path.loss", SERVER_IP);
    assert_eq!(f["code"], "EHOSTUNREACH", "{f:#}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains(ROUTER_CLIENT_IP)), "names the last hop: {f:#}");
    assert_eq!(path["metrics"]["reached"], 0.0);
    assert_eq!(path["metrics"]["dest_loss_percent"], 100.0);
    // trace: exit 2 (never answered), the path ends at the router.
    let out = lab.doctor(&["trace", SERVER_IP, "--rounds", "2", "-n", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let t: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("trace JSON");
    assert_eq!(t["reached"], false);
    assert_eq!(t["hops"][0]["address"], ROUTER_CLIENT_IP, "{t:#}");
}

#[test]
fn https_untrusted_certificate_and_expiry_within_14_days() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new();
    let url = format!("https://{SERVER_IP}:{HTTPS_PORT}/");
    // Not in the trust store: a self-signed certificate is an unknown issuer.
    let r = lab.run_json(&["--target", &url, "--skip", "net.path"], &[]);
    assert_eq!(status_of(&r, "net.reach.targets"), "crit", "{r:#}");
    assert_eq!(finding(&r, "net.reach.targets", &url)["code"], "TLS_UNKNOWN_ISSUER");
    // Trusted (SSL_CERT_FILE is the trust store): the request works, the 7-day certificate warns.
    let cert = lab.cert();
    let r = lab.run_json(&["--target", &url, "--skip", "net.path"], &[("SSL_CERT_FILE", cert.as_path())]);
    let reach = check(&r, "net.reach.targets");
    assert_eq!(reach["status"], "warn", "{r:#}");
    let f = finding(&r, "net.reach.targets", &url);
    assert_eq!(f["code"], "CERT_EXPIRING");
    let days = reach["metrics"]["cert_days_left"].as_f64().expect("cert_days_left");
    assert!((5.0..=7.0).contains(&days), "{reach:#}");
    assert_eq!(reach["metrics"]["http_status"], 200.0);
}

#[test]
fn trace_command_json_has_two_hops_with_per_round_samples_and_html_is_a_page() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new();
    let out = lab.doctor(&["trace", SERVER_IP, "--rounds", "3", "--no-dns", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let t: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("trace JSON");
    assert_eq!(t["reached"], true);
    assert_eq!(t["rounds"].as_array().map(Vec::len), Some(3), "{t:#}");
    let hops = t["hops"].as_array().expect("hops");
    assert_eq!(hops.len(), 2, "{t:#}");
    assert_eq!(hops[0]["address"], ROUTER_CLIENT_IP);
    assert_eq!(hops[1]["address"], SERVER_IP);
    for h in hops {
        assert_eq!(h["samples_ms"].as_array().map(Vec::len), Some(3), "{h:#}");
        assert!(h["sent"].as_u64().is_some_and(|n| n >= 1), "{h:#}");
    }
    // Text (not a terminal): the final table.
    let out = lab.doctor(&["trace", SERVER_IP, "--rounds", "2", "-n"], &[]);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("  1. {ROUTER_CLIENT_IP}")) && text.contains(&format!("  2. {SERVER_IP}")),
        "{text}"
    );
    // HTML: a self-contained page whose heatmap is well-formed SVG.
    let file = lab.dir.path().join("trace.html");
    let out = lab
        .doctor(&["trace", SERVER_IP, "--rounds", "3", "-n", "--format", "html", "-o", file.to_str().expect("p")], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = std::fs::read_to_string(&file).expect("html file");
    assert_eq!(page, stdout(&out));
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"), "{page}");
    for external in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(external), "the page must not load {external}: {page}");
    }
    let svg_start = page.find("<svg").expect("svg");
    let svg_end = page.find("</svg>").expect("svg end") + "</svg>".len();
    let svg = &page[svg_start..svg_end];
    assert_eq!(svg.matches("<rect").count() - 11, 6, "2 hops x 3 rounds, plus the 11 legend swatches: {svg}");
    let parsed = Command::new("python3")
        .args(["-c", "import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.read())"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(svg.as_bytes())?;
            c.wait_with_output()
        })
        .expect("python3");
    assert!(parsed.status.success(), "the heatmap is not well-formed XML: {}", String::from_utf8_lossy(&parsed.stderr));
}

// ---- Without a lab ----

#[test]
fn without_targets_both_checks_are_skipped_with_the_reason() {
    let Some(out) = doctor(&["run", "--format", "json", "--no-save", "--only", "net.reach", "--only", "net.path"])
    else {
        return;
    };
    let r = valid_report(&stdout(&out));
    for id in ["net.reach.targets", "net.path.loss"] {
        let c = check(&r, id);
        assert_eq!(c["status"], "skipped", "{c:#}");
        assert!(c["summary"].as_str().is_some_and(|s| s.contains("--target")), "{c:#}");
    }
}

#[test]
fn bad_targets_are_usage_errors_with_where() {
    let Some(out) = doctor(&["run", "--no-save", "--only", "net.reach", "--target", "host:99999"]) else { return };
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).contains("--target") && stderr(&out).contains("99999"), "{}", stderr(&out));
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.toml");
    write(&cfg, "deadline = 5\n\n[net]\ntargets = [\"10.0.0.1:22\", \"ftp://x\"]\n");
    let Some(out) = doctor(&["run", "--no-save", "--only", "net.reach", "--config", cfg.to_str().expect("p")]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).contains("config.toml:4:"), "file and line: {}", stderr(&out));
    // A good config target is taken (and fails here: nothing listens, loopback is down).
    write(&cfg, "[net]\ntargets = [\"127.0.0.1:9\"]\n");
    let Some(out) =
        doctor(&["run", "--format", "json", "--no-save", "--only", "net.reach", "--config", cfg.to_str().expect("p")])
    else {
        return;
    };
    let r = valid_report(&stdout(&out));
    let code = finding(&r, "net.reach.targets", "127.0.0.1:9")["code"].clone();
    assert!(code == "ECONNREFUSED" || code == "ENETUNREACH", "{r:#}");
}

#[test]
fn without_cap_net_raw_the_path_check_is_skipped_with_the_hint() {
    let has_setpriv = have("setpriv", "--version");
    if !(require(is_root(), "dropping CAP_NET_RAW needs root") && require(has_setpriv, "setpriv is not installed")) {
        return;
    }
    // Loopback only: a fresh network namespace, and the capability removed from the bounding set.
    let run = |args: &[&str]| {
        Command::new("unshare")
            .args(["--net", "setpriv", "--bounding-set", "-net_raw", BIN])
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("ECS_DOCTOR_CONFIG")
            .env("LANG", "C.UTF-8")
            .output()
            .expect("unshare setpriv ecs-doctor")
    };
    let out = run(&["run", "--format", "json", "--no-save", "--only", "net.path", "--target", "127.0.0.1:9"]);
    let r = valid_report(&stdout(&out));
    let c = check(&r, "net.path.loss");
    assert_eq!(c["status"], "skipped", "{c:#}");
    assert!(c["summary"].as_str().is_some_and(|s| s.contains("setcap cap_net_raw+ep") && s.contains("root")), "{c:#}");
    let out = run(&["trace", "127.0.0.1", "--rounds", "1", "-n"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("CAP_NET_RAW"), "{}", stderr(&out));
}

#[test]
fn trace_on_a_terminal_redraws_the_table_each_round() {
    let has_script = have("script", "--version");
    if !(require(is_root(), "tracing needs CAP_NET_RAW (root)")
        && require(has_script, "script (util-linux) is missing"))
    {
        return;
    }
    // `script` gives ecs-doctor a terminal; the trace goes to loopback in a fresh namespace.
    let inner = format!("unshare --net sh -c 'ip link set lo up && {BIN} trace 127.0.0.1 --rounds 2 -n'");
    let out = Command::new("script")
        .args(["-qec", &inner, "/dev/null"])
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .output()
        .expect("script");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    // Drawn at least once per round, each time over the previous table.
    assert!(text.matches("\x1b[J").count() >= 2, "{text:?}");
    assert!(text.contains("rounds: 2") && text.contains("1. 127.0.0.1"), "{text:?}");
}
