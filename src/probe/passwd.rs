//! Local accounts from /etc/passwd: one observation per account, plus one for the file itself
//! that counts the lines no tool could parse.

use super::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[&str] = &["name", "uid", "gid", "home", "shell", "login_shell", "invalid_lines"];

const PATH: &str = "/etc/passwd";

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let file = ctx.host.read(PATH).map_err(|e| ProbeError::io(PATH, &e))?;
    let mut items = Vec::new();
    let mut invalid = Vec::new();
    for (n, line) in file.text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let loc = format!("{PATH}:{}: {line}", n + 1);
        let f: Vec<&str> = line.split(':').collect();
        // NIS compat entries (+, -) are not local accounts.
        if f.first().is_some_and(|n| n.starts_with('+') || n.starts_with('-')) {
            continue;
        }
        let (Some(uid), Some(gid)) =
            (f.get(2).and_then(|v| v.parse::<u32>().ok()), f.get(3).and_then(|v| v.parse::<u32>().ok()))
        else {
            invalid.push(loc);
            continue;
        };
        if f.len() != 7 || f[0].is_empty() {
            invalid.push(loc);
            continue;
        }
        let shell = f[6];
        let login =
            !(shell.ends_with("/nologin") || shell.ends_with("/false") || shell.is_empty() || shell.ends_with("/sync"));
        items.push(
            Observation::new(f[0])
                .text("name", f[0])
                .num("uid", uid as f64)
                .num("gid", gid as f64)
                .text("home", f[5])
                .text("shell", shell)
                .flag("login_shell", login)
                .evidence(loc),
        );
    }
    let mut file_obs = Observation::new(PATH).num("invalid_lines", invalid.len() as f64);
    for loc in invalid {
        file_obs = file_obs.evidence(loc);
    }
    items.push(file_obs);
    Ok(Observations::of(items))
}
