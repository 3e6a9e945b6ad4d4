//! What the cloud platform says about this instance: the instance metadata service (fetched
//! once per run by `host::metadata`; its values also fill the report's `host.cloud`), and the
//! security groups the ECS API shows (`security_group`).

pub mod metadata;
pub mod security_group;
