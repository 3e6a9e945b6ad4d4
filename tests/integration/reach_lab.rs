//! Reachability and path lab (root): the network lab of `tests/topology.rs` (client ↔ router ↔
//! server in three network namespaces) with its web servers: HTTP, and HTTPS with a self-signed
//! certificate valid for 7 days. The router's iptables inject what the checks must find: a
//! REJECTed port (ECONNREFUSED), a DROPped port (timeout within --deadline), random loss of
//! ICMP (`-m statistic`). ecs-doctor runs only inside the client namespace.
//!
//! Every namespace, process and rule goes away with the `Lab` guard, also when a test fails.
//! The tests without a lab (flags, config, no CAP_NET_RAW) run as any user.

use crate::common::*;
use crate::topology::{HTTP_PORT, HTTPS_PORT, Lab, MdMode, ROUTER_CLIENT_IP, SERVER_IP, finding, web_lab_ok};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const REJECT_PORT: u16 = 8081;
const DROP_PORT: u16 = 8082;

fn have(program: &str, arg: &str) -> bool {
    Command::new(program).arg(arg).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

fn new_lab() -> Lab {
    Lab::new(MdMode::Token).with_web()
}

/// ecs-doctor with `args` in the client namespace, with extra environment.
fn command(lab: &Lab, args: &[&str], envs: &[(&str, &Path)]) -> Command {
    let mut cmd = lab.command(args, None);
    cmd.envs(envs.iter().copied());
    cmd
}

fn doctor_in(lab: &Lab, args: &[&str], envs: &[(&str, &Path)]) -> Output {
    command(lab, args, envs).output().expect("ip netns exec ecs-doctor")
}

/// The reach and path checks in the client namespace.
fn run_json(lab: &Lab, extra: &[&str], envs: &[(&str, &Path)]) -> serde_json::Value {
    let args = [&["run", "--format", "json", "--no-save", "--only", "net.reach", "--only", "net.path"], extra].concat();
    lab.doctor_with(command(lab, &args, envs)).0
}

fn tcp(port: u16) -> String {
    format!("{SERVER_IP}:{port}")
}

#[test]
fn healthy_lab_every_target_reachable_and_the_path_has_two_hops() {
    if !web_lab_ok() {
        return;
    }
    let lab = new_lab();
    let url = format!("http://{SERVER_IP}:{HTTP_PORT}/");
    let r = run_json(&lab, &["--target", &tcp(HTTP_PORT), "--target", &url], &[]);
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
    if !web_lab_ok() {
        return;
    }
    let lab = new_lab();
    lab.iptables(&lab.router, &format!("-A FORWARD -p tcp --dport {REJECT_PORT} -j REJECT --reject-with tcp-reset"));
    lab.iptables(&lab.router, &format!("-A FORWARD -p tcp --dport {DROP_PORT} -j DROP"));
    let started = Instant::now();
    let r = run_json(
        &lab,
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
    if !web_lab_ok() {
        return;
    }
    let lab = new_lab();
    // Each echo request and reply through the router is dropped with probability 0.5.
    lab.iptables(&lab.router, "-A FORWARD -p icmp -m statistic --mode random --probability 0.5 -j DROP");
    let r = run_json(&lab, &["--target", &tcp(HTTP_PORT)], &[]);
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
    if !web_lab_ok() {
        return;
    }
    let lab = new_lab();
    // The router forwards no ICMP to the server, but still answers for itself (TTL exceeded).
    lab.iptables(&lab.router, &format!("-A FORWARD -p icmp -d {SERVER_IP} -j DROP"));
    let r = run_json(&lab, &["--target", &tcp(HTTP_PORT), "--skip", "net.reach"], &[]);
    let path = check(&r, "net.path.loss");
    assert_eq!(path["status"], "crit", "{path:#}");
    let f = finding(&r, "net.path.loss", SERVER_IP);
    assert_eq!(f["code"], "EHOSTUNREACH", "{f:#}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains(ROUTER_CLIENT_IP)), "names the last hop: {f:#}");
    assert_eq!(path["metrics"]["reached"], 0.0);
    assert_eq!(path["metrics"]["dest_loss_percent"], 100.0);
    // trace: exit 2 (never answered), the path ends at the router.
    let out = doctor_in(&lab, &["trace", SERVER_IP, "--rounds", "2", "-n", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let t: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("trace JSON");
    assert_eq!(t["reached"], false);
    assert_eq!(t["hops"][0]["address"], ROUTER_CLIENT_IP, "{t:#}");
}

/// An HTTP error names the exact status in the finding's code (`HTTP_404`), a code a support
/// engineer can search, not only a class.
#[test]
fn an_http_error_status_is_the_findings_code() {
    if !web_lab_ok() {
        return;
    }
    let lab = new_lab();
    let url = format!("http://{SERVER_IP}:{HTTP_PORT}/no-such-page");
    let r = run_json(&lab, &["--target", &url, "--skip", "net.path"], &[]);
    let f = finding(&r, "net.reach.targets", &url);
    assert_eq!(f["severity"], "warn", "{f:#}");
    assert_eq!(f["code"], "HTTP_404", "{f:#}");
}

#[test]
fn https_untrusted_certificate_and_expiry_within_14_days() {
    if !web_lab_ok() {
        return;
    }
    let lab = new_lab();
    let url = format!("https://{SERVER_IP}:{HTTPS_PORT}/");
    // Not in the trust store: a self-signed certificate is an unknown issuer.
    let r = run_json(&lab, &["--target", &url, "--skip", "net.path"], &[]);
    assert_eq!(status_of(&r, "net.reach.targets"), "crit", "{r:#}");
    assert_eq!(finding(&r, "net.reach.targets", &url)["code"], "TLS_UNKNOWN_ISSUER");
    // Trusted (SSL_CERT_FILE is the trust store): the request works, the 7-day certificate warns.
    let cert = lab.cert();
    let r = run_json(&lab, &["--target", &url, "--skip", "net.path"], &[("SSL_CERT_FILE", cert.as_path())]);
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
    if !web_lab_ok() {
        return;
    }
    let lab = new_lab();
    let out = doctor_in(&lab, &["trace", SERVER_IP, "--rounds", "3", "--no-dns", "--format", "json"], &[]);
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
    let out = doctor_in(&lab, &["trace", SERVER_IP, "--rounds", "2", "-n"], &[]);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("  1. {ROUTER_CLIENT_IP}")) && text.contains(&format!("  2. {SERVER_IP}")),
        "{text}"
    );
    // HTML: a self-contained page whose heatmap is well-formed SVG.
    let file = lab.dir.path().join("trace.html");
    let out = doctor_in(
        &lab,
        &["trace", SERVER_IP, "--rounds", "3", "-n", "--format", "html", "-o", file.to_str().expect("p")],
        &[],
    );
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
    // In Chinese, what happened reads in Chinese too; the evidence stays English.
    let Some(out) = doctor(&[
        "run",
        "--format",
        "json",
        "--no-save",
        "--only",
        "net.reach",
        "--lang",
        "zh-CN",
        "--config",
        cfg.to_str().expect("p"),
    ]) else {
        return;
    };
    let r = valid_report(&stdout(&out));
    let f = finding(&r, "net.reach.targets", "127.0.0.1:9");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(message.contains("连接 127.0.0.1:9") && !message.contains("connect to"), "{f:#}");
    assert!(f["evidence"].to_string().contains("connect to 127.0.0.1:9"), "{f:#}");
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

#[test]
fn on_alibaba_the_package_mirror_and_time_service_from_metadata_are_the_default_targets() {
    if !web_lab_ok() {
        return;
    }
    // The lab's DNS answers the mirror's and the time service's names with the lab server's
    // address: the defaults resolve inside the lab only.
    let lab = new_lab();
    let ntp = crate::topology::SntpServer::start(&lab, crate::topology::NtpMode::Offset(0.0));
    let md = ["--metadata-url", "http://100.100.100.200"];
    let r = run_json(&lab, &md, &[]);
    let reach = check(&r, "net.reach.targets");
    assert_eq!(reach["status"], "ok", "{r:#}");
    assert!(reach["summary"].as_str().unwrap().starts_with("2 endpoint"), "{reach:#}");
    let m = &reach["metrics"];
    assert_eq!(m["http_status"], 200.0, "{reach:#}");
    // The mirror alone has a TCP connect time (so its key has no subject); both a response time.
    assert!(m["connect_ms"].is_number(), "{reach:#}");
    assert!(m["response_ms[http://mirrors.cloud.aliyuncs.com]"].is_number(), "{reach:#}");
    assert!(m["response_ms[ntp://ntp.cloud.aliyuncs.com]"].is_number(), "{reach:#}");
    let path = check(&r, "net.path.loss");
    assert_eq!(path["status"], "ok", "{path:#}");
    assert_eq!(path["metrics"]["reached[mirrors.cloud.aliyuncs.com]"], 1.0, "{path:#}");
    assert_eq!(path["metrics"]["reached[ntp.cloud.aliyuncs.com]"], 1.0, "{path:#}");

    // The time service does not answer: named, with a timeout.
    ntp.set(crate::topology::NtpMode::Silent);
    let r = run_json(&lab, &[&md[..], &["--skip", "net.path"]].concat(), &[]);
    assert_eq!(status_of(&r, "net.reach.targets"), "crit", "{r:#}");
    assert_eq!(subjects(&r, "net.reach.targets"), vec!["ntp://ntp.cloud.aliyuncs.com"]);
    assert_eq!(finding(&r, "net.reach.targets", "ntp://ntp.cloud.aliyuncs.com")["code"], "ETIMEDOUT");

    // A target given replaces the defaults.
    let r = run_json(&lab, &[&md[..], &["--skip", "net.path", "--target", &tcp(HTTP_PORT)]].concat(), &[]);
    assert_eq!(status_of(&r, "net.reach.targets"), "ok", "{r:#}");
    assert!(check(&r, "net.reach.targets")["summary"].as_str().unwrap().starts_with("1 endpoint"), "{r:#}");

    // Metadata that cannot be read gives no defaults: skipped, saying why.
    lab.metadata.set(MdMode::Forbidden);
    let r = run_json(&lab, &md, &[]);
    for id in ["net.reach.targets", "net.path.loss"] {
        let c = check(&r, id);
        assert_eq!(c["status"], "skipped", "{c:#}");
        assert!(c["summary"].as_str().unwrap().contains("instance metadata"), "{c:#}");
    }
}
