//! The `aliyun` backend: Alibaba Cloud's ticket API (product Workorder, version 2021-06-10,
//! RPC style: `POST /` with a form body, signed with ACS3-HMAC-SHA256, sent by
//! [`crate::cloud::rpc`] as the ECS calls are).
//!
//! Filing: the bundle is uploaded once (`GetAttachmentUploadUrl`, then a PUT to the signed URL)
//! and its object key kept in the spool; then `CreateTicket`. The API has no idempotency
//! header, so the ticket's key is part of its description, and before sending again after an
//! attempt that may have reached the server (a timeout, a reset, a 5xx) the ticket is looked up
//! with `ListTickets` (`Keyword` = the key): found means filed, never twice.

use super::creds::Source;
use super::http::{SendError, classify, retry, status_error};
use super::store::Spooled;
use crate::cloud::rpc::Rpc;
use std::time::Instant;

pub const VERSION: &str = "2021-06-10";
pub const DEFAULT_ENDPOINT: &str = "https://workorder.aliyuncs.com";

pub struct Aliyun<'a> {
    pub client: &'a reqwest::blocking::Client,
    /// `scheme://host[:port]`.
    pub endpoint: String,
    pub creds: Source,
    pub attempts: u32,
    pub deadline: Instant,
}

pub use crate::cloud::rpc::normalize_endpoint;

impl Aliyun<'_> {
    /// One signed call, sent at most `attempts` times (each signed afresh: a new date and
    /// nonce) while it gets no answer or a transient one.
    fn call_tries(
        &mut self,
        action: &str,
        params: &[(&str, String)],
        attempts: u32,
    ) -> Result<serde_json::Value, SendError> {
        let rpc = Rpc {
            client: self.client,
            endpoint: &self.endpoint,
            version: VERSION,
            deadline: self.deadline,
            request_limit: None,
        };
        rpc.call(&mut self.creds, action, params, attempts, &mut Vec::new()).map_err(|e| e.into_send())
    }

    /// One signed call, once.
    fn call_once(&mut self, action: &str, params: &[(&str, String)]) -> Result<serde_json::Value, SendError> {
        self.call_tries(action, params, 1)
    }

    /// A call that changes nothing, retried.
    fn call(&mut self, action: &str, params: &[(&str, String)]) -> Result<serde_json::Value, SendError> {
        self.call_tries(action, params, self.attempts)
    }

    /// The ticket whose description carries `key`, if the service has it.
    pub fn find_by_key(&mut self, key: &str, created_at: &str) -> Result<Option<String>, SendError> {
        let created: jiff::Timestamp = created_at.parse().unwrap_or_else(|_| jiff::Timestamp::now());
        let from = created.as_millisecond() - 86_400_000;
        let to = jiff::Timestamp::now().as_millisecond() + 86_400_000;
        let v = self.call(
            "ListTickets",
            &[
                ("Keyword", key.to_string()),
                ("PageNumber", "1".into()),
                ("PageSize", "10".into()),
                ("StartDate", from.to_string()),
                ("EndDate", to.to_string()),
            ],
        )?;
        let list = v["Data"].as_array().cloned().or_else(|| v["Data"]["List"].as_array().cloned()).unwrap_or_default();
        Ok(list.iter().find_map(|t| t["TicketId"].as_str().map(str::to_string)))
    }

    /// Uploads the bundle and returns its object key.
    pub fn upload(&mut self, name: &str, data: &[u8]) -> Result<String, SendError> {
        let v = self.call("GetAttachmentUploadUrl", &[("FileName", name.to_string())])?;
        let d = &v["Data"];
        let (Some(object_key), Some(put)) = (d["ObjectKey"].as_str(), d["PutSignedUrl"].as_str()) else {
            return Err(SendError::Rejected(format!("GetAttachmentUploadUrl: no ObjectKey/PutSignedUrl in {v}")));
        };
        let (object_key, put) = (object_key.to_string(), put.to_string());
        let client = self.client;
        retry(self.attempts, self.deadline, |_| {
            let resp = client.put(&put).body(data.to_vec()).send().map_err(|e| classify("attachment upload", &e))?;
            let status = resp.status().as_u16();
            if !(200..300).contains(&status) {
                return Err(status_error("attachment upload", status, &resp.text().unwrap_or_default()));
            }
            Ok(())
        })?;
        Ok(object_key)
    }

    /// Files a spooled ticket; returns (ticket id, whether it was already there).
    pub fn file(&mut self, s: &mut Spooled) -> Result<(String, bool), SendError> {
        let category = s.meta.category_id.clone().ok_or_else(|| {
            SendError::Rejected("no CategoryId: set --category-id or category_id in [ticket] of the config".into())
        })?;
        if s.meta.attempts > 0
            && let Some(id) = self.find_by_key(&s.meta.key, &s.meta.created_at)?
        {
            return Ok((id, true));
        }
        if s.meta.object_key.is_none()
            && let Some(bundle) = s.bundle()
        {
            let key = self.upload(&s.bundle_name(), &bundle)?;
            s.meta.object_key = Some(key);
            let _ = s.save();
        }
        let description = s.description().map_err(|e| SendError::Rejected(format!("{}: {e}", s.dir.display())))?;
        let mut params: Vec<(&str, String)> = vec![
            ("Title", s.meta.title.clone()),
            ("Description", description),
            ("Severity", s.meta.severity.to_string()),
            ("CategoryId", category),
        ];
        if let Some(e) = &s.meta.email {
            params.push(("Email", e.clone()));
        }
        if let Some(k) = &s.meta.object_key {
            params.push(("FileNameList", k.clone()));
        }
        let mut maybe_sent = s.meta.attempts > 0;
        let mut attempt = 1;
        loop {
            if maybe_sent
                && attempt > 1
                && let Some(id) = self.find_by_key(&s.meta.key, &s.meta.created_at)?
            {
                return Ok((id, true));
            }
            s.meta.attempts += 1;
            s.save()
                .map_err(|e| SendError::Rejected(format!("cannot record the attempt in {}: {e}", s.dir.display())))?;
            let err = match self.call_once("CreateTicket", &params) {
                Ok(v) => {
                    let id = match &v["Data"] {
                        serde_json::Value::String(id) => id.clone(),
                        serde_json::Value::Object(o) => {
                            o.get("TicketId").and_then(|x| x.as_str()).unwrap_or_default().to_string()
                        }
                        _ => String::new(),
                    };
                    if id.is_empty() {
                        return Err(SendError::Rejected(format!("CreateTicket: no ticket id in {v}")));
                    }
                    return Ok((id, false));
                }
                Err(e) => e,
            };
            s.meta.last_error = Some(err.message().to_string());
            let _ = s.save();
            if let SendError::Ambiguous(_) = err {
                maybe_sent = true;
            }
            let wait = super::http::backoff(attempt);
            if !err.retryable() || attempt >= self.attempts.max(1) || Instant::now() + wait >= self.deadline {
                return Err(err);
            }
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// `GetTicket`: (status number, status label, last update) of a ticket.
    pub fn status(&mut self, id: &str) -> Result<(String, String, String), SendError> {
        let v = self.call("GetTicket", &[("TicketId", id.to_string())])?;
        let d = &v["Data"];
        let num = match &d["Status"]["Value"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => match &d["TicketStatus"] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => String::new(),
            },
        };
        let label = d["Status"]["Label"].as_str().unwrap_or_default().to_string();
        let updated = ["UpdateTime", "GmtModified", "ModifiedTime", "CreateTime"]
            .iter()
            .find_map(|k| match &d[*k] {
                serde_json::Value::Number(n) => {
                    n.as_i64().and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()).map(super::when::with_offset)
                }
                serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_default();
        Ok((num, label, updated))
    }

    /// `ListCategories`: (id, name) pairs.
    pub fn categories(&mut self, product_id: Option<&str>, lang: &str) -> Result<Vec<(String, String)>, SendError> {
        let mut params = vec![("Language", lang.to_string())];
        if let Some(p) = product_id {
            params.push(("ProductId", p.to_string()));
        }
        let v = self.call("ListCategories", &params)?;
        let list = v["Data"].as_array().cloned().or_else(|| v["Data"]["List"].as_array().cloned()).unwrap_or_default();
        Ok(list
            .iter()
            .filter_map(|c| {
                let id = match c.get("CategoryId").or_else(|| c.get("Id"))? {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                let name = c.get("CategoryName").or_else(|| c.get("Name")).and_then(|n| n.as_str()).unwrap_or("");
                Some((id, name.to_string()))
            })
            .collect())
    }
}

/// The Workorder status numbers, in words.
pub fn status_word(num: &str, zh: bool) -> &'static str {
    match (num, zh) {
        ("1", false) => "assigned (waiting for a response)",
        ("2", false) => "dealing (being handled)",
        ("3", false) => "waiting for your feedback",
        ("4", false) => "feedback given",
        ("5", false) => "waiting for your confirmation",
        ("6", false) => "confirmed (closed)",
        ("1", true) => "待响应",
        ("2", true) => "处理中",
        ("3", true) => "待反馈",
        ("4", true) => "已反馈",
        ("5", true) => "待确认",
        ("6", true) => "已完成",
        (_, false) => "unknown",
        (_, true) => "未知",
    }
}
