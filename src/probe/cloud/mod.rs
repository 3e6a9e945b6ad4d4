//! What the cloud platform says about this instance: the instance metadata service (fetched
//! once per run by `host::metadata`; its values also fill the report's `host.cloud`), what
//! cloud-init applied of it (`cloud_init`), whether the NICs, private IPs and hostname the
//! console assigned are the guest's (`metadata_nics`, `metadata_hostname`), and the security groups the ECS API shows
//! (`security_group`), through the one gate every ECS API call passes (`ecs_access`).

pub mod cloud_init;
pub mod ecs_access;
pub mod metadata;
pub mod metadata_hostname;
pub mod metadata_nics;
pub mod security_group;
