//! What the cloud platform says about this instance: the instance metadata service (fetched
//! once per run by `host::metadata`; its values also fill the report's `host.cloud`), and what
//! cloud-init applied of it (`cloud_init`).

pub mod cloud_init;
pub mod metadata;
