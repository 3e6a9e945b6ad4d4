//! The `[ticket]` table of the settings file: every `ticket` flag has a key here, so a fleet can
//! set the backend, endpoint and credentials once. Flags beat the file.
//!
//! ```toml
//! [ticket]
//! backend = "aliyun"            # file | aliyun | webhook
//! out = "/root/tickets"         # where the file backend writes
//! state_dir = "/var/lib/ecs-doctor/tickets"   # spool and ledger
//! max_report_age = 1800         # seconds; an older latest report means a fresh diagnosis
//! lang = "zh-CN"
//! mask_ips = true
//! mask_hostnames = false
//! email = "ops@example.com"
//! category_id = "18376"
//! product_id = "4"              # for ListCategories
//! endpoint = "https://workorder.ap-southeast-1.aliyuncs.com"   # or the webhook URL
//! access_key_id = "..."         # else the environment, else the instance's RAM role
//! access_key_secret = "..."
//! timeout = 20                  # seconds per request
//! attempts = 4                  # tries per request (connection failures, timeouts, 5xx)
//! bundle_max_bytes = 8388608
//! yes = false
//! [ticket.webhook_headers]
//! Authorization = "Bearer ..."
//! ```

use super::model::Impact;
use crate::i18n::Lang;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// Write the ticket and the bundle into a directory (offline).
    #[default]
    File,
    /// Alibaba Cloud's ticket API (Workorder CreateTicket).
    Aliyun,
    /// POST to your help desk's URL.
    Webhook,
}

impl BackendKind {
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::File => "file",
            BackendKind::Aliyun => "aliyun",
            BackendKind::Webhook => "webhook",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketConfig {
    pub backend: Option<BackendKind>,
    pub out: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
    pub max_report_age: Option<f64>,
    pub lang: Option<Lang>,
    pub mask_ips: Option<bool>,
    pub mask_hostnames: Option<bool>,
    pub email: Option<String>,
    pub category_id: Option<String>,
    pub product_id: Option<String>,
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub access_key_secret: Option<String>,
    pub security_token: Option<String>,
    pub metadata_url: Option<String>,
    pub timeout: Option<f64>,
    pub attempts: Option<u32>,
    pub bundle_max_bytes: Option<u64>,
    pub yes: Option<bool>,
    pub impact: Option<Impact>,
    #[serde(default)]
    pub webhook_headers: BTreeMap<String, String>,
}
