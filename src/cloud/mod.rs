//! Alibaba Cloud's API, shared by the ticket backend and the checks that ask the platform: the
//! ACS3-HMAC-SHA256 signature (`sign`), the credential chain (`creds`: environment, config,
//! the instance's RAM role), one HTTP client with errors sorted by what they mean (`http`), the
//! one signed RPC request every caller sends through (`rpc`: the ECS calls and the ticket backend), the
//! ECS calls that read security groups and disks (`ecs`), how a group's rules decide a packet
//! (`secgroup`), and a disk's published performance limit (`disks`).

pub mod creds;
pub mod disks;
pub mod ecs;
pub mod http;
pub mod rpc;
pub mod secgroup;
pub mod sign;
