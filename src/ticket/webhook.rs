//! The `webhook` backend: POSTs the ticket JSON (and the bundle, as multipart/form-data) to the
//! help desk's URL with the configured headers and an `Idempotency-Key` header that is the same
//! on every retry, so a desk that honours it records the ticket once.

use super::http::{SendError, classify, retry, status_error};
use std::collections::BTreeMap;
use std::time::Instant;

pub struct Webhook<'a> {
    pub client: &'a reqwest::blocking::Client,
    pub url: &'a str,
    pub headers: &'a BTreeMap<String, String>,
    pub attempts: u32,
    pub deadline: Instant,
}

impl Webhook<'_> {
    /// Sends and returns the desk's ticket id (`id`, `ticket_id` or `key` of a JSON answer),
    /// else the idempotency key.
    pub fn send(&self, key: &str, json: &str, bundle: Option<(&str, &[u8])>) -> Result<String, SendError> {
        let body = retry(self.attempts, self.deadline, |_| {
            let mut req = self.client.post(self.url).header("Idempotency-Key", key);
            for (k, v) in self.headers {
                req = req.header(k.as_str(), v.as_str());
            }
            req = match bundle {
                Some((name, data)) => {
                    let ticket = reqwest::blocking::multipart::Part::text(json.to_string())
                        .mime_str("application/json")
                        .map_err(|e| SendError::Rejected(e.to_string()))?;
                    let file = reqwest::blocking::multipart::Part::bytes(data.to_vec())
                        .file_name(name.to_string())
                        .mime_str("application/gzip")
                        .map_err(|e| SendError::Rejected(e.to_string()))?;
                    req.multipart(reqwest::blocking::multipart::Form::new().part("ticket", ticket).part("bundle", file))
                }
                None => req.header("content-type", "application/json").body(json.to_string()),
            };
            let resp = req.send().map_err(|e| classify(self.url, &e))?;
            let status = resp.status().as_u16();
            let text = resp.text().map_err(|e| classify(self.url, &e))?;
            if !(200..300).contains(&status) {
                return Err(status_error(self.url, status, &text));
            }
            Ok(text)
        })?;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let id = ["id", "ticket_id", "key"]
            .iter()
            .find_map(|k| match &v[*k] {
                serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| key.to_string());
        Ok(id)
    }
}
