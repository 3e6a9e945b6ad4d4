//! /etc/ld.so.preload: libraries the dynamic linker loads into every program. Rootkits and miners
//! use it to hide their processes and files from ps, top and ls; legitimate uses are rare enough
//! that every entry deserves a look. One observation per library named, with its line.

use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("preloaded", "1 for a library /etc/ld.so.preload forces into every program"),
    Field::num("entries", "", "libraries listed"),
];

pub const PATH: &str = "/etc/ld.so.preload";

/// The libraries one line of /etc/ld.so.preload names: the linker splits on whitespace and
/// colons, and a `#` starts a comment.
pub fn libraries(line: &str) -> Vec<&str> {
    let body = line.split('#').next().unwrap_or("");
    body.split([' ', '\t', ':']).filter(|s| !s.is_empty()).collect()
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let file = ctx.host.read_optional(PATH).map_err(|e| ProbeError::io(PATH, &e))?;
    let mut items = Vec::new();
    for (n, line) in file.iter().flat_map(|f| f.text.lines().enumerate()) {
        for lib in libraries(line) {
            items.push(Observation::new(lib).flag("preloaded", true).evidence(format!("{PATH}:{}: {line}", n + 1)));
        }
    }
    let scope = Observation::new(PATH).num("entries", items.len() as f64);
    items.insert(0, scope);
    Ok(Observations::of(items))
}
