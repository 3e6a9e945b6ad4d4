//! The `file` backend (the default, offline): writes the ticket (Markdown and JSON) and the
//! bundle into a directory of their own, for the customer to attach by hand.

use super::store::{bundle_name, private_dir, write_private};
use std::path::{Path, PathBuf};

/// Writes into `<out>/ticket-<time>-<key>/` and returns that directory.
pub fn write(out: &Path, key: &str, markdown: &str, json: &str, bundle: Option<&[u8]>) -> Result<PathBuf, String> {
    let stamp: String = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ").to_string();
    let short: String = key.trim_start_matches("ecsd-").chars().take(8).collect();
    let dir = out.join(format!("ticket-{stamp}-{short}"));
    let err = |e: std::io::Error| format!("cannot write the ticket into {}: {e}", dir.display());
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    private_dir(&dir).map_err(err)?;
    write_private(&dir.join("ticket.md"), markdown.as_bytes()).map_err(err)?;
    write_private(&dir.join("ticket.json"), json.as_bytes()).map_err(err)?;
    if let Some(b) = bundle {
        write_private(&dir.join(bundle_name(key)), b).map_err(err)?;
    }
    Ok(dir)
}
