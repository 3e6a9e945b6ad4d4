//! What cloud-init did with this instance's user data and configuration on the last boot:
//! the stages' errors from its status file, the modules that failed, and the user-data scripts
//! that exited with an error (with their exit codes and the lines they printed).
//!
//! Everything is read from files, so it works under `--root` on a rescued disk too:
//! cloud-init writes `status.json` and `result.json` to `/var/lib/cloud/data/` (persistent) and
//! links them from `/run/cloud-init/` (gone after a reboot or on a rescued disk). The formats are
//! those cloud-init 22.4 wrote in a real run (Debian bookworm, NoCloud seed, a failing user-data
//! script): `{"v1": {"<stage>": {"errors": ["('<module>', <Exception>(...))"], "start": t,
//! "finished": t}, "stage": null, "datasource": "..."}}`; a failed script shows in
//! `/var/log/cloud-init.log` as `Command: ['<path>']` followed by `Exit code: N`.

use crate::host::HostFile;
use crate::i18n::Msg;
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("kind", "status (cloud-init as a whole), module (a module that failed) or script (a user-data script)"),
    Field::flag("failed", "1 when this module or script failed on the last boot, or cloud-init reported errors"),
    Field::text("status", "cloud-init's state: done, error, running or not run"),
    Field::num("errors", "", "errors cloud-init recorded on the last boot, over all stages"),
    Field::text("stage", "the stage the module or script ran in (init-local, init, modules-config, modules-final)"),
    Field::num("exit_code", "", "the exit code of a failed script or command"),
    Field::text("error", "the error cloud-init recorded, first line"),
    Field::text("datasource", "where cloud-init read the instance's metadata from"),
    Field::text("instance_id", "the instance id cloud-init last ran for (/var/lib/cloud/data/instance-id)"),
    Field::flag(
        "not_rerun",
        "1 when a user-data script did not rerun at the last boot: it already ran for this instance",
    ),
    Field::text("ran_at", "when the user-data scripts ran for this instance (the semaphore's time, UTC)"),
    Field::text("semaphore", "the semaphore file that keeps them from running again"),
    Field::flag(
        "no_datasource",
        "1 when cloud-init found no datasource (DataSourceNone): nothing the console set was applied",
    ),
    Field::flag(
        "stale_instance",
        "1 when cloud-init last ran for another instance than the one the metadata service names",
    ),
    Field::text("metadata_instance_id", "the instance id the metadata service names"),
    Field::flag(
        "user_data_changed",
        "1 when the user data offered now differs from what cloud-init stored when the scripts ran",
    ),
    Field::text("user_data_source", "where the current user data was read (the NoCloud seed or the metadata service)"),
];

const STAGES: &[&str] = &["init-local", "init", "modules-init", "modules-config", "modules-final"];
const STATUS_PATHS: &[&str] = &["/var/lib/cloud/data/status.json", "/run/cloud-init/status.json"];
const LOG: &str = "/var/log/cloud-init.log";
const OUTPUT_LOG: &str = "/var/log/cloud-init-output.log";
/// Lines of a script's output shown as evidence.
const OUTPUT_LINES: usize = 8;

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let host = &ctx.host;
    let installed = ["/etc/cloud", "/var/lib/cloud", "/usr/bin/cloud-init"].iter().any(|p| host.path(p).exists());
    if !installed {
        return Err(ProbeError::skipped(Msg::SkipNoCloudInit));
    }
    let mut status_file = None;
    for p in STATUS_PATHS {
        if let Some(f) = host.read_optional(p).map_err(|e| ProbeError::io(p, &e))? {
            status_file = Some(f);
            break;
        }
    }
    let instance_id = host.read_line("/var/lib/cloud/data/instance-id").map(|s| clean(&s));
    let log = host.read_optional(LOG).ok().flatten();
    let output = host.read_optional(OUTPUT_LOG).ok().flatten();

    let mut items = Vec::new();
    let Some(status_file) = status_file else {
        let mut o = Observation::new("cloud-init")
            .text("kind", "status")
            .text("status", "not run")
            .flag("failed", false)
            .num("errors", 0.0)
            .evidence(format!("{}: missing: cloud-init has not finished a boot on this system", STATUS_PATHS[0]));
        if let Some(id) = &instance_id {
            o = o.text("instance_id", id.clone());
        }
        return Ok(Observations::of(vec![o]));
    };
    let status = parse_status(&status_file).map_err(|why| {
        ProbeError::failed(
            "EINVAL",
            crate::i18n::Said::new(Msg::FailRead).arg("path", &status_file.path).arg("error", why),
        )
    })?;
    let scripts = log.as_ref().map(failed_scripts).unwrap_or_default();
    let script_output = output.as_ref().map(last_final_output).unwrap_or_default();

    let error_count: usize = status.errors.len();
    let state = if status.running.is_some() {
        "running"
    } else if error_count > 0 {
        "error"
    } else {
        "done"
    };
    let mut top = Observation::new("cloud-init")
        .text("kind", "status")
        .text("status", state)
        .flag("failed", false)
        .num("errors", error_count as f64)
        .text("datasource", status.datasource.clone().unwrap_or_else(|| "none".into()))
        .evidence(format!("{}: status {state}, {error_count} errors", status_file.path));
    if let Some(stage) = &status.running {
        top = top.text("stage", stage.clone());
    }
    if let Some(id) = &instance_id {
        top = top.text("instance_id", id.clone());
    }
    items.push(top);
    items.extend(identity(ctx, status.datasource.as_deref(), instance_id.as_deref()));
    if let (Some(log), Some(id)) = (&log, &instance_id) {
        items.extend(semaphores(ctx, status.datasource.as_deref(), log, id));
    }

    for err in &status.errors {
        let is_scripts = err.module.starts_with("scripts-") || err.module.starts_with("scripts_");
        if is_scripts && !scripts.is_empty() {
            // The scripts themselves are named below, with their exit codes.
            continue;
        }
        let mut o = Observation::new(err.module.clone())
            .text("kind", "module")
            .flag("failed", true)
            .text("stage", err.stage.clone())
            .text("error", err.summary.clone())
            .evidence(format!("{}: {}: {}", status_file.path, err.stage, err.raw));
        if let Some(code) = err.exit_code {
            o = o.num("exit_code", code as f64);
        }
        if let Some(log) = &log {
            for line in module_log_lines(log, &err.module) {
                o = o.evidence(line);
            }
        }
        items.push(o);
    }
    let final_failed = status.errors.iter().any(|e| e.stage == "modules-final");
    for s in scripts {
        let mut o = Observation::new(s.path.clone());
        o.evidence = s.evidence;
        o = o
            .text("kind", "script")
            .flag("failed", final_failed)
            .text("stage", "modules-final")
            .num("exit_code", s.exit_code as f64)
            .text("error", format!("exited with code {}", s.exit_code));
        if let Some(out) = &output {
            for line in &script_output {
                o = o.evidence(format!("{}: {line}", out.path));
            }
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}

#[derive(Debug, Default, PartialEq)]
struct Status {
    datasource: Option<String>,
    /// The stage cloud-init is in when it has not finished.
    running: Option<String>,
    errors: Vec<StageError>,
}

#[derive(Debug, PartialEq)]
struct StageError {
    stage: String,
    module: String,
    summary: String,
    exit_code: Option<i64>,
    raw: String,
}

fn parse_status(f: &HostFile) -> Result<Status, String> {
    let v: serde_json::Value = serde_json::from_str(&f.text).map_err(|e| e.to_string())?;
    let v1 = v.get("v1").ok_or_else(|| "no \"v1\" object".to_string())?;
    let mut st = Status {
        datasource: v1.get("datasource").and_then(|d| d.as_str()).map(clean),
        running: v1.get("stage").and_then(|s| s.as_str()).map(clean),
        errors: Vec::new(),
    };
    for stage in STAGES {
        let Some(errs) = v1.get(*stage).and_then(|s| s.get("errors")).and_then(|e| e.as_array()) else {
            continue;
        };
        for e in errs.iter().filter_map(|e| e.as_str()) {
            st.errors.push(parse_error(stage, e));
        }
    }
    Ok(st)
}

/// `('locale', ProcessExecutionError("Unexpected error ...\nExit code: 255\n..."))`: the module,
/// the first line of the exception and the exit code when there is one.
fn parse_error(stage: &str, raw: &str) -> StageError {
    let module = raw
        .strip_prefix("('")
        .and_then(|r| r.split_once("', "))
        .map(|(m, _)| clean(m))
        .unwrap_or_else(|| "unknown module".into());
    let rest = raw.strip_prefix("('").and_then(|r| r.split_once("', ")).map_or(raw, |(_, r)| r);
    let rest = rest.strip_suffix(')').unwrap_or(rest);
    let summary = clean(rest.replace("\\n", "\n").lines().next().unwrap_or(rest));
    let exit_code = rest
        .replace("\\n", "\n")
        .lines()
        .find_map(|l| l.trim().strip_prefix("Exit code: ").and_then(|c| c.trim().parse().ok()));
    StageError { stage: stage.to_string(), module, summary, exit_code, raw: clean(raw) }
}

#[derive(Debug, PartialEq)]
struct FailedScript {
    path: String,
    exit_code: i64,
    evidence: Vec<String>,
}

/// The part of a log that belongs to the last run of the final stage.
fn last_final_section(text: &str) -> &str {
    match text.rfind("running 'modules:final'") {
        Some(at) => &text[text[..at].rfind('\n').map_or(0, |n| n + 1)..],
        None => "",
    }
}

/// Scripts that exited with an error in the last final stage: `Command: ['<path>']` followed by
/// `Exit code: N` (cloud-init's ProcessExecutionError, logged by subp).
fn failed_scripts(log: &HostFile) -> Vec<FailedScript> {
    let section = last_final_section(&log.text);
    let lines: Vec<&str> = section.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(cmd) = line.trim().strip_prefix("Command: ['") else { continue };
        let Some(path) = cmd.split("'").next() else { continue };
        if !path.contains("/scripts/") {
            continue;
        }
        let Some((j, code)) = lines.iter().enumerate().skip(i + 1).take(2).find_map(|(j, l)| {
            l.trim().strip_prefix("Exit code: ").and_then(|c| c.trim().parse().ok()).map(|c| (j, c))
        }) else {
            continue;
        };
        let mut evidence: Vec<String> =
            lines[i.saturating_sub(1)..=j].iter().map(|l| format!("{}: {}", log.path, clean(l))).collect();
        if let Some(warn) = lines[j..].iter().take(8).find(|l| l.contains("[WARNING]: Failed to run module scripts")) {
            evidence.push(format!("{}: {}", log.path, clean(warn)));
        }
        out.push(FailedScript { path: clean(path), exit_code: code, evidence });
    }
    out
}

/// What scripts printed in the last final stage (cloud-init-output.log), without cloud-init's
/// own lines: the last [`OUTPUT_LINES`] lines.
fn last_final_output(out: &HostFile) -> Vec<String> {
    let section = last_final_section(&out.text);
    let lines: Vec<String> = section
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("Cloud-init v. ") && !is_log_line(l) && !l.trim().is_empty())
        .map(clean)
        .collect();
    lines[lines.len().saturating_sub(OUTPUT_LINES)..].to_vec()
}

/// `2026-12-06 02:06:00,156 - util.py[WARNING]: ...`
fn is_log_line(l: &str) -> bool {
    l.len() > 26 && l.as_bytes()[4] == b'-' && l.as_bytes()[10] == b' ' && l[23..].starts_with(" - ")
}

/// The WARNING lines of the last boot's log that name the module.
fn module_log_lines(log: &HostFile, module: &str) -> Vec<String> {
    let section = match log.text.rfind("running 'init-local'").or_else(|| log.text.rfind("running 'init'")) {
        Some(at) => &log.text[at..],
        None => &log.text[..],
    };
    let needle = format!("module {module} ");
    section
        .lines()
        .filter(|l| l.contains("[WARNING]") && l.contains(&needle))
        .take(3)
        .map(|l| format!("{}: {}", log.path, clean(l)))
        .collect()
}

/// Whether cloud-init ran as this instance: DataSourceNone (no metadata found at boot: nothing
/// of the console applied), or an instance id other than the metadata service's (an image whose
/// cloud-init cache came along, a datasource restored from a stale cache). The metadata service
/// is asked only where it may be (`ProbeContext::metadata`).
fn identity(ctx: &ProbeContext, datasource: Option<&str>, instance_id: Option<&str>) -> Vec<Observation> {
    let mut out = Vec::new();
    let none =
        datasource.is_some_and(|d| d.starts_with("DataSourceNone")) || instance_id == Some("iid-datasource-none");
    if none {
        out.push(
            Observation::new(instance_id.unwrap_or("iid-datasource-none"))
                .text("kind", "instance")
                .flag("no_datasource", true)
                .text("datasource", datasource.unwrap_or("DataSourceNone"))
                .evidence(format!("/var/lib/cloud/data/status.json: datasource {}", datasource.unwrap_or("none")))
                .evidence(format!("/var/lib/cloud/data/instance-id: {}", instance_id.unwrap_or("none"))),
        );
    }
    if let (Some(id), Some(md)) = (instance_id, ctx.metadata())
        && md.failure.is_none()
        && let Some(real) = md.values.get("instance_id")
        && real != id
        && !none
    {
        out.push(
            Observation::new(id)
                .text("kind", "instance")
                .flag("stale_instance", true)
                .text("instance_id", id)
                .text("metadata_instance_id", real.clone())
                .evidence(format!("/var/lib/cloud/data/instance-id: {id}"))
                .evidence(format!("{}/latest/meta-data/instance-id: {real}", md.url)),
        );
    }
    out
}

/// The semaphore of the user-data scripts (`config_scripts_user`, once per instance).
const SCRIPTS_SEM: &str = "config_scripts_user";

/// User-data scripts the last boot did not run because they already ran for this instance: the
/// last final stage of cloud-init.log says `config-scripts_user already ran
/// (freq=once-per-instance)` (cloud-init's helpers.py), and the scripts are those of the
/// instance's directory, with the semaphore's time.
fn semaphores(ctx: &ProbeContext, datasource: Option<&str>, log: &HostFile, instance_id: &str) -> Vec<Observation> {
    let host = &ctx.host;
    let section = last_final_section(&log.text);
    let Some(line) = section.lines().find(|l| {
        (l.contains("config-scripts_user already ran") || l.contains("config-scripts-user already ran"))
            && l.contains("once-per-instance")
    }) else {
        return Vec::new();
    };
    let dir = format!("/var/lib/cloud/instances/{instance_id}");
    let sem = format!("{dir}/sem/{SCRIPTS_SEM}");
    let ran_at = std::fs::metadata(host.path(&sem))
        .ok()
        .and_then(|m| m.modified().ok())
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "an earlier boot".into());
    let scripts: Vec<String> = host
        .list_dir(&format!("{dir}/scripts"))
        .unwrap_or_default()
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .take(16)
        .collect();
    // The user data cloud-init stored for this instance against what the datasource offers now.
    let stored_path = format!("{dir}/user-data.txt");
    let stored = read_bounded(host, &stored_path);
    let current = current_user_data(ctx, datasource);
    let changed = match (&stored, &current) {
        (Some(a), Some((b, _))) => a.trim_ascii() != b.trim_ascii(),
        _ => false,
    };
    scripts
        .into_iter()
        .map(|name| {
            let mut o = Observation::new(format!("/var/lib/cloud/instance/scripts/{}", clean(&name)))
                .text("kind", "semaphore")
                .flag("not_rerun", true)
                .flag("user_data_changed", changed)
                .text("ran_at", ran_at.clone())
                .text("semaphore", sem.clone())
                .text("instance_id", instance_id)
                .evidence(format!("{}: {}", log.path, clean(line)))
                .evidence(format!("{sem}: written {ran_at}"));
            if let Some((b, from)) = &current {
                o = o.text("user_data_source", from.clone());
                if changed {
                    let first = |bytes: &[u8]| {
                        let t = String::from_utf8_lossy(bytes);
                        clean(t.lines().find(|l| !l.trim().is_empty() && !l.starts_with("#!")).unwrap_or(""))
                    };
                    o = o
                        .evidence(format!(
                            "{stored_path}: {} bytes, stored when the scripts ran: {}",
                            stored.as_ref().map_or(0, Vec::len),
                            first(stored.as_deref().unwrap_or_default())
                        ))
                        .evidence(format!("{from}: {} bytes, the user data now: {}", b.len(), first(b)));
                }
            }
            o
        })
        .collect()
}

/// A file's bytes, at most 1 MiB (user data is at most 64 KiB; a hostile disk's file may never end).
fn read_bounded(host: &crate::host::Host, path: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut b = Vec::new();
    std::fs::File::open(host.path(path)).ok()?.take(1024 * 1024).read_to_end(&mut b).ok()?;
    Some(b)
}

/// The user data the instance's datasource offers now, with where it was read: the NoCloud
/// seed on the examined disk, else (live, where the metadata service may be asked) Alibaba
/// Cloud's `latest/user-data`.
fn current_user_data(ctx: &ProbeContext, datasource: Option<&str>) -> Option<(Vec<u8>, String)> {
    if datasource.is_some_and(|d| d.starts_with("DataSourceNoCloud")) {
        for p in ["/var/lib/cloud/seed/nocloud/user-data", "/var/lib/cloud/seed/nocloud-net/user-data"] {
            if let Some(b) = read_bounded(&ctx.host, p) {
                return Some((b, p.to_string()));
            }
        }
        return None;
    }
    if !ctx.host.is_live() {
        return None;
    }
    let net = ctx.metadata_network().ok()?;
    let ud = net.user_data.clone()?;
    Some((ud, format!("{}/latest/user-data", net.url)))
}

/// Text from the examined system without control characters.
fn clean(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> HostFile {
        HostFile { path: path.into(), text: text.into(), truncated: false, not_text: false }
    }

    #[test]
    fn error_strings_name_module_and_exit_code() {
        let e = parse_error(
            "modules-config",
            "('locale', ProcessExecutionError(\"Unexpected error while running command.\\nCommand: ['update-locale']\\nExit code: 255\\nReason: -\"))",
        );
        assert_eq!(e.module, "locale");
        assert_eq!(e.exit_code, Some(255));
        assert_eq!(e.summary, "ProcessExecutionError(\"Unexpected error while running command.");
        let e = parse_error(
            "modules-final",
            "('scripts-user', RuntimeError('Runparts: 1 failures (part-001) in 1 attempted commands'))",
        );
        assert_eq!(e.module, "scripts-user");
        assert_eq!(e.exit_code, None);
        assert_eq!(parse_error("init", "garbage").module, "unknown module");
    }

    #[test]
    fn only_the_last_final_stage_counts() {
        let log = "2026-12-05 01:00:00,000 - util.py[DEBUG]: Cloud-init v. 22.4.2 running 'modules:final' at x\n\
Command: ['/var/lib/cloud/instance/scripts/part-001']\nExit code: 3\n\
2026-12-06 01:00:00,000 - util.py[DEBUG]: Cloud-init v. 22.4.2 running 'modules:final' at y\n\
2026-12-06 02:06:00,156 - subp.py[DEBUG]: Unexpected error while running command.\n\
Command: ['/var/lib/cloud/instance/scripts/part-002']\nExit code: 7\nReason: -\n\
Command: ['update-locale']\nExit code: 1\n";
        let s = failed_scripts(&file(LOG, log));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].path, "/var/lib/cloud/instance/scripts/part-002");
        assert_eq!(s[0].exit_code, 7);
        assert!(failed_scripts(&file(LOG, "no final stage\nCommand: ['/x/scripts/a']\nExit code: 1\n")).is_empty());
    }

    #[test]
    fn script_output_without_cloud_inits_own_lines() {
        let out = "Cloud-init v. 22.4.2 running 'modules:final' at Sun. Up 1 seconds.\ninstalling\n\
2026-12-06 02:06:00,156 - cc_scripts_user.py[WARNING]: Failed to run module scripts-user\n\
agent \u{1b}[31mfailed\nCloud-init v. 22.4.2 finished at Sun.\n";
        assert_eq!(last_final_output(&file(OUTPUT_LOG, out)), vec!["installing", "agent  [31mfailed"]);
    }
}
