//! What the customer told `ecs-doctor fix` that the diagnosis does not know and a repair must
//! not guess: where they connect from (`--client ADDR`, for the security group) and which
//! account must be able to log in (`--user USER`, for the account repairs). Set once by the
//! command before it plans; read by the actions that need it.

use std::net::IpAddr;
use std::sync::RwLock;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Asked {
    /// `--client ADDR`.
    pub client: Option<IpAddr>,
    /// `--user USER`.
    pub user: Option<String>,
}

static ASKED: RwLock<Option<Asked>> = RwLock::new(None);

/// Records what this run of `fix` was told.
pub fn set(a: Asked) {
    if let Ok(mut slot) = ASKED.write() {
        *slot = Some(a);
    }
}

/// What this run of `fix` was told (nothing, outside `fix`).
pub fn get() -> Asked {
    ASKED.read().ok().and_then(|a| a.clone()).unwrap_or_default()
}
