//! `ecs-doctor fix` on a copy of a fixture root (`--root`): the plan changes nothing and starts
//! no process of the repair layer; `--apply` backs up, writes, validates with findmnt, re-checks
//! and records; `--undo` restores every byte with mode and owner; a process killed between the
//! backup and the write leaves the old or the new file, never a part of one, and undo still
//! works; a repair whose finding is still there afterwards is rolled back; check files with a
//! bad `[[repair]]` table are refused with file:line:column.
//!
//! The faults with real devices (a detached loop device, a kernel device name) are in `fix_lab`.

use crate::common::*;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Output;

/// Every entry under `dir` with its kind, mode, owner and content hash (links: their target).
pub fn tree_state(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read_dir").map(|e| e.expect("entry")).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let m = std::fs::symlink_metadata(&p).expect("lstat");
            let rel = p.strip_prefix(base).expect("rel").display().to_string();
            let what = if m.file_type().is_symlink() {
                format!("-> {}", std::fs::read_link(&p).expect("readlink").display())
            } else if m.is_file() {
                ecs_doctor::repair::files::sha256(&std::fs::read(&p).expect("read"))
            } else {
                String::new()
            };
            out.push(format!("{rel} {:o} {}:{} {what}", m.mode(), m.uid(), m.gid()));
            if m.is_dir() {
                walk(base, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// A private copy of a fixture root.
pub fn copy_of(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixture_root(fixture))
        .arg(dir.path().join("root"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "cp -a {fixture}");
    dir
}

/// `ecs-doctor fix --root ROOT ARGS...` with extra environment variables.
pub fn fix(root: &Path, args: &[&str], vars: &[(&str, &str)]) -> Option<Output> {
    let r = root.to_str().expect("utf-8");
    let mut all = vec!["fix", "--root", r];
    all.extend_from_slice(args);
    let mut cmd = doctor_cmd(&all)?;
    for (k, v) in vars {
        cmd.env(k, v);
    }
    Some(cmd.output().expect("spawn ecs-doctor"))
}

fn sha(path: &Path) -> String {
    ecs_doctor::repair::files::sha256(&std::fs::read(path).expect("read"))
}

#[test]
fn the_plan_shows_each_diff_changes_nothing_and_starts_no_process() {
    let dir = copy_of("ds-fstab");
    let root = dir.path().join("root");
    let spawned = dir.path().join("spawned.log");
    let log = spawned.to_str().expect("p");
    let before = tree_state(&root);
    let Some(out) = fix(&root, &["--only", "disk.fstab"], &[("ECS_DOCTOR_TEST_SPAWN_LOG", log)]) else { return };
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "the report's status (crit)\n{text}{}", stderr(&out));
    for want in [
        " 1. fstab-nofail-backup  ·  disk.fstab.entries  ·  /backup",
        "    -UUID=dead0000-0000-4000-8000-00000000beef /backup ext4 defaults 0 2\n",
        "    +UUID=dead0000-0000-4000-8000-00000000beef /backup ext4 defaults,nofail 0 2\n",
        "fstab-comment-out-backup",
        "instead of fstab-nofail-backup",
        "+# LABEL=scratch /scratch ext4 defaults,nofail 0 0  # ecs-doctor fix: device missing",
        "validate: findmnt --verify --tab-file ",
        "Not repaired:",
        "cannot read the filesystem UUID of /dev/vdc1",
        "Apply: ecs-doctor fix --root ",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    assert_eq!(tree_state(&root), before, "the plan changed the examined tree");
    assert!(!spawned.exists(), "the plan started a process: {:?}", std::fs::read_to_string(&spawned));

    // The same plan as report v1 with `repairs`, still changing nothing.
    let Some(out) = fix(&root, &["--only", "disk.fstab", "--format", "json"], &[]) else { return };
    let rep = valid_report(&stdout(&out));
    let repairs = rep["repairs"].as_array().expect("repairs");
    assert!(repairs.iter().all(|r| r["state"] == "planned"), "{repairs:#?}");
    let nofail = repairs.iter().find(|r| r["id"] == "fstab-nofail-backup").expect("fstab-nofail-backup");
    assert_eq!((nofail["check"].as_str(), nofail["risk"].as_str()), (Some("disk.fstab.entries"), Some("safe")));
    assert!(nofail["changes"][1].as_str().is_some_and(|d| d.contains("+UUID=dead0000")), "{nofail:#}");
    assert_eq!(tree_state(&root), before);

    // Applying starts the validator, through the same seam: the log above could have caught one.
    let Some(out) = fix(
        &root,
        &["--only", "disk.fstab", "--apply", "fstab-nofail-backup", "--yes", "--no-save"],
        &[("ECS_DOCTOR_TEST_SPAWN_LOG", log)],
    ) else {
        return;
    };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let spawned = std::fs::read_to_string(&spawned).expect("the apply's spawn log");
    assert!(spawned.starts_with("findmnt --verify --tab-file "), "{spawned}");
}

#[test]
fn apply_then_undo_restores_every_byte_mode_and_owner() {
    let dir = copy_of("ds-fstab");
    let root = dir.path().join("root");
    let fstab = root.join("etc/fstab");
    std::fs::set_permissions(&fstab, std::os::unix::fs::PermissionsExt::from_mode(0o640)).expect("chmod");
    let (sha0, meta0) = (sha(&fstab), std::fs::metadata(&fstab).expect("stat"));
    let reports = tempfile::tempdir().expect("tempdir");
    let rd = reports.path().to_str().expect("p");

    // Not on a terminal and no --yes: nothing happens, and says why.
    let Some(out) = fix(&root, &["--only", "disk.fstab", "--apply"], &[]) else { return };
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    assert_eq!(sha(&fstab), sha0);
    let Some(out) = fix(&root, &["--only", "disk.fstab", "--apply", "no-such-repair", "--yes"], &[]) else { return };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("fstab-nofail-backup"), "lists the plan's ids: {}", stderr(&out));

    let Some(out) = fix(
        &root,
        &["--only", "disk.fstab", "--apply", "fstab-comment-out-scratch", "fstab-nofail-backup", "--yes"],
        &[("ECS_DOCTOR_REPORT_DIR", rd)],
    ) else {
        return;
    };
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("-fstab-comment-out-scratch: repaired and verified"), "{err}");
    assert!(err.contains("Undo: ecs-doctor fix --root "), "{err}");
    let text = String::from_utf8_lossy(&std::fs::read(&fstab).expect("fstab")).into_owned();
    assert!(text.contains("\n# LABEL=scratch /scratch ext4 defaults,nofail 0 0  # ecs-doctor fix: device missing\n"));
    assert!(text.contains("\nUUID=dead0000-0000-4000-8000-00000000beef /backup ext4 defaults,nofail 0 2\n"));
    let meta = std::fs::metadata(&fstab).expect("stat");
    assert_eq!((meta.mode() & 0o7777, meta.uid(), meta.gid()), (0o640, meta0.uid(), meta0.gid()));
    // Nothing else of the file changed: the garbage line is still there, byte for byte.
    let old = std::fs::read(fixture_root("ds-fstab").join("etc/fstab")).expect("fixture");
    let new = std::fs::read(&fstab).expect("fstab");
    assert_eq!(old.split(|b| *b == b'\n').nth(12), new.split(|b| *b == b'\n').nth(12));

    // The check no longer finds them.
    let Some((rep, _)) = run_json(&root, &["--only", "disk.fstab.entries"]) else { return };
    let subjects = subjects(&rep, "disk.fstab.entries");
    assert!(!subjects.contains(&"/scratch".to_string()), "{subjects:?}");
    let backup: Vec<_> = check(&rep, "disk.fstab.entries")["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["subject"] == "/backup")
        .map(|f| f["severity"].clone())
        .collect();
    assert_eq!(backup, ["warn"], "the disk is still missing, but no longer stops the boot");

    // The saved report carries the repairs; its HTML says what was done and how to undo it.
    let latest = reports.path().join("examined/latest.json");
    let saved = valid_report(&std::fs::read_to_string(&latest).expect("saved report"));
    let applied: Vec<&str> =
        saved["repairs"].as_array().expect("repairs").iter().filter_map(|r| r["state"].as_str()).collect();
    assert_eq!(applied, ["applied", "applied"]);
    let Some(html) = doctor(&["report", latest.to_str().expect("p"), "--format", "html"]) else { return };
    let html = stdout(&html);
    assert!(html.contains("ecs-doctor repaired /scratch (disk.fstab.entries) at "), "{html}");
    assert!(html.contains("undo with ecs-doctor fix --root "), "{html}");

    // The list, then undo in the wrong order is refused, in the right order restores all.
    let Some(out) = fix(&root, &["--list"], &[]) else { return };
    let list = stdout(&out);
    assert_eq!(list.matches("  applied  disk.fstab.entries").count(), 2, "{list}");
    let ids: Vec<String> = list
        .lines()
        .filter(|l| l.contains("  applied  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    let Some(out) = fix(&root, &["--undo", &ids[0]], &[]) else { return };
    assert_eq!(out.status.code(), Some(3), "the later repair changed the file: {}", stderr(&out));
    assert!(stderr(&out).contains("undo the later repairs first"), "{}", stderr(&out));
    for _ in 0..2 {
        let Some(out) = fix(&root, &["--undo"], &[]) else { return };
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains("undone; /etc/fstab restored byte for byte"), "{}", stdout(&out));
    }
    assert_eq!(sha(&fstab), sha0);
    let meta = std::fs::metadata(&fstab).expect("stat");
    assert_eq!((meta.mode() & 0o7777, meta.uid(), meta.gid()), (0o640, meta0.uid(), meta0.gid()));
    let Some(out) = fix(&root, &["--list", "--format", "json"], &[]) else { return };
    let records: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json list");
    let states: Vec<&str> = records.as_array().expect("list").iter().filter_map(|r| r["state"].as_str()).collect();
    assert_eq!(states, ["undone", "undone"]);
    let Some(out) = fix(&root, &["--undo"], &[]) else { return };
    assert!(stderr(&out).contains("No applied repair to undo"), "{}", stderr(&out));
}

/// A process killed between the backup and the write (and just before or after the rename)
/// leaves the old or the new file whole; the record says interrupted; undo restores the old.
#[test]
fn a_kill_at_any_point_leaves_the_old_or_the_new_file_and_undo_still_works() {
    for point in ["after-backup", "before-rename", "after-rename"] {
        let dir = copy_of("ds-fstab");
        let root = dir.path().join("root");
        let fstab = root.join("etc/fstab");
        let old = std::fs::read(&fstab).expect("fstab");
        let Some(out) = fix(
            &root,
            &["--only", "disk.fstab", "--apply", "fstab-nofail-backup", "--yes", "--no-save"],
            &[("ECS_DOCTOR_TEST_CRASH_AT", point)],
        ) else {
            return;
        };
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(9), "{point}: killed by SIGKILL: {}", stderr(&out));
        let now = std::fs::read(&fstab).expect("fstab");
        let (from, to) = (&b"/backup ext4 defaults 0 2"[..], &b"/backup ext4 defaults,nofail 0 2"[..]);
        let at = old.windows(from.len()).position(|w| w == from).expect("the /backup line");
        let new = [&old[..at], to, &old[at + from.len()..]].concat();
        if point == "after-rename" {
            assert_eq!(now, new, "{point}: the new file, whole");
        } else {
            assert_eq!(now, old, "{point}: the old file, whole");
        }
        let leftovers = || -> Vec<String> {
            std::fs::read_dir(root.join("etc"))
                .expect("etc")
                .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
                .filter(|n| n != "fstab")
                .collect()
        };
        if point != "before-rename" {
            assert!(leftovers().is_empty(), "{point}: {:?}", leftovers());
        }
        let Some(out) = fix(&root, &["--list"], &[]) else { return };
        assert!(stdout(&out).contains("interrupted (undo restores the backup)"), "{point}: {}", stdout(&out));
        let Some(out) = fix(&root, &["--undo"], &[]) else { return };
        assert_eq!(out.status.code(), Some(0), "{point}: {}", stderr(&out));
        assert_eq!(std::fs::read(&fstab).expect("fstab"), old, "{point}: undone");
        assert!(leftovers().is_empty(), "{point}: the killed write's temporary file is cleaned up: {:?}", leftovers());
    }
}

/// A repair whose finding is still there afterwards is rolled back at once: a plugin check
/// whose judge the fstab action cannot satisfy (a missing device stays missing with nofail).
#[test]
fn a_repair_the_recheck_does_not_confirm_is_rolled_back() {
    let dir = copy_of("ds-fstab");
    let root = dir.path().join("root");
    let checks = dir.path().join("checks");
    write(
        &checks.join("disk/test/gone.toml"),
        "id = \"disk.test.gone\"\ntitle.en = \"t\"\nwhy.en = \"w\"\nfix.en = \"f\"\n[probe.fstab]\n\n\
         [[judge]]\nfield = \"missing\"\nwarn = \"== 1\"\ncode = \"GONE\"\nmessage.en = \"{subject} is gone\"\n\n\
         [[repair]]\ncode = \"GONE\"\naction.fstab = { edit = \"nofail\" }\nrisk = \"safe\"\nchanges.en = \"nofail\"\n",
    );
    let sha0 = sha(&root.join("etc/fstab"));
    let c = checks.to_str().expect("p");
    let Some(out) = fix(
        &root,
        &["--checks-dir", c, "--only", "disk.test.gone", "--apply", "fstab-nofail-backup", "--yes", "--no-save"],
        &[],
    ) else {
        return;
    };
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("rolled back, the system is as it was: disk.test.gone still finds it after the change"),
        "{err}"
    );
    assert_eq!(sha(&root.join("etc/fstab")), sha0);
    let Some(out) = fix(&root, &["--list"], &[]) else { return };
    assert!(stdout(&out).contains("  rolled back  disk.test.gone /backup"), "{}", stdout(&out));
}

#[test]
fn bad_repair_tables_are_refused_where_they_are_written_and_explain_lists_the_repairs() {
    let head = "id = \"disk.test.gone\"\ntitle.en = \"t\"\nwhy.en = \"w\"\nfix.en = \"f\"\n[probe.fstab]\n\n\
                [[judge]]\nfield = \"missing\"\nwarn = \"== 1\"\ncode = \"GONE\"\nmessage.en = \"m\"\n\n[[repair]]\n";
    for (body, want) in [
        (
            "code = \"GONE\"\naction.teleport = {}\nrisk = \"safe\"\nchanges.en = \"c\"\n",
            ":15:8: unknown variant `teleport`",
        ),
        ("code = \"GONE\"\naction.fstab = { edit = \"erase\" }\nrisk = \"safe\"\nchanges.en = \"c\"\n", ":15:"),
        (
            "code = \"GONE\"\naction.fstab = { edit = \"uuid\", force = true }\nrisk = \"safe\"\nchanges.en = \"c\"\n",
            ":15:",
        ),
        (
            "code = \"NOPE\"\naction.fstab = { edit = \"uuid\" }\nrisk = \"safe\"\nchanges.en = \"c\"\n",
            ":14:8: no judge of this check gives the code \"NOPE\"",
        ),
        (
            "code = \"GONE\"\naction.fstab = { edit = \"uuid\" }\nrisk = \"restart\"\nchanges.en = \"c\"\n",
            ":16:8: risk = \"restart\" needs the service",
        ),
        (
            "code = \"GONE\"\naction.fstab = { edit = \"uuid\" }\nrisk = \"often\"\nchanges.en = \"c\"\n",
            ":16:8: unknown risk \"often\"",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        write(&dir.path().join("disk/test/gone.toml"), &format!("{head}{body}"));
        let Some(out) = doctor(&["list", "--checks-dir", dir.path().to_str().expect("p")]) else { return };
        assert_eq!(out.status.code(), Some(64), "{body}");
        let err = stderr(&out);
        assert!(err.contains("gone.toml") && err.contains(want), "{want:?} not in {err}");
    }
    let Some(out) = doctor(&["explain", "disk.fstab.entries"]) else { return };
    let text = stdout(&out);
    assert!(text.contains("Repairs (ecs-doctor fix):"), "{text}");
    assert!(text.contains("  fstab-nofail (code ENODEV, action.fstab; safe: nothing is restarted): "), "{text}");
    assert!(text.contains("  fstab-uuid (code KERNEL-NAME, action.fstab;"), "{text}");
    let Some(out) = doctor(&["explain", "disk.fstab.entries", "--format", "json"]) else { return };
    let j: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(j["repairs"][0]["action"]["fstab"]["edit"], "nofail", "{j:#}");
}
