//! What the customer told `ecs-doctor fix` that the diagnosis does not know and a repair must
//! not guess: where they connect from (`--client ADDR`, for the security group) and which
//! account must be able to log in (`--user USER`, for the account repairs). Carried by
//! [`super::Told`]; read by the actions that need it.

use std::net::IpAddr;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Asked {
    /// `--client ADDR`.
    pub client: Option<IpAddr>,
    /// `--user USER`.
    pub user: Option<String>,
}
