//! Saving reports: atomically (a temporary file renamed into place) and readable by the owner
//! only (0600), because a report describes the machine in detail.

use super::Report;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Where reports go: /var/lib/ecs-doctor/reports as root, else $XDG_STATE_HOME/ecs-doctor/reports
/// (~/.local/state when unset).
pub fn default_dir() -> PathBuf {
    if rustix::process::geteuid().is_root() {
        return PathBuf::from("/var/lib/ecs-doctor/reports");
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    state.join("ecs-doctor/reports")
}

/// Writes the report as `<dir>/ecs-doctor-<time>-<run id>.json` and points `latest.json` at it.
pub fn save(report: &Report, dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    let stamp: String = report.run.started_at.chars().filter(|c| c.is_ascii_alphanumeric()).take(15).collect();
    let short: String = report.run.id.chars().take(8).collect();
    let name = format!("ecs-doctor-{stamp}-{short}.json");
    let path = dir.join(&name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let body = super::json::render(report);
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(body.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let link_tmp = dir.join(format!(".latest.{short}.tmp"));
    let _ = std::fs::remove_file(&link_tmp);
    if std::os::unix::fs::symlink(&name, &link_tmp).is_ok()
        && std::fs::rename(&link_tmp, dir.join("latest.json")).is_err()
    {
        let _ = std::fs::remove_file(&link_tmp);
    }
    Ok(path)
}
