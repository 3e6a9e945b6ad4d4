//! Filing a built ticket: the settings it is filed with, the file backend's write, the spool and
//! sending through the API backends, `ticket --flush`, the preview and `ticket status [ID]`.
//! `cmd::ticket` runs the command (report, questions, confirmation) on top of this.

use super::aliyun::{Aliyun, normalize_endpoint, status_word};
use super::ask::Prompter;
use super::config::BackendKind;
use super::http::SendError;
use super::store::{LedgerEntry, Meta, Spooled, Store, bundle_name};
use super::{bundle, creds, file, model, when};
use crate::exit::{ExitStatus, Failure};
use crate::host::Host;
use crate::host::facts::Provider;
use crate::i18n::{Lang, Msg, T, trf, tt};
use crate::redact::{MaskOptions, Redactor};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A report older than this (seconds) is diagnosed afresh before a ticket is built from it.
pub const DEFAULT_MAX_REPORT_AGE_S: f64 = 1800.0;
pub const DEFAULT_TIMEOUT_S: f64 = 20.0;
pub const DEFAULT_ATTEMPTS: u32 = 4;
/// All the sending of one command ends within this.
pub const SEND_BUDGET: Duration = Duration::from_secs(180);

/// What a ticket is filed with: flags over the config file over defaults, resolved by
/// `options::TicketOptions`.
pub struct Settings {
    pub lang: Lang,
    pub backend: BackendKind,
    pub out: PathBuf,
    pub report_dir: PathBuf,
    pub store: Store,
    pub max_report_age_s: f64,
    pub mask: MaskOptions,
    pub email: Option<String>,
    pub category_id: Option<String>,
    pub product_id: Option<String>,
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub access_key_secret: Option<String>,
    pub security_token: Option<String>,
    pub metadata_url: Option<String>,
    pub timeout: Duration,
    pub attempts: u32,
    pub bundle_max_bytes: u64,
    pub yes: bool,
    pub webhook_headers: BTreeMap<String, String>,
    pub root: Option<PathBuf>,
}

impl Settings {
    pub fn host(&self) -> Host {
        match &self.root {
            Some(r) => Host::new(r.clone()),
            None => Host::live(),
        }
    }

    fn on_alibaba(&self) -> bool {
        crate::host::facts::cloud_provider(&self.host()) == Provider::Alibaba
    }

    /// The Workorder API client for `endpoint`, with credentials from the config, the environment
    /// or the instance's RAM role; the error is the reason no credentials were found.
    fn aliyun<'c>(
        &self,
        client: &'c reqwest::blocking::Client,
        endpoint: String,
        deadline: Instant,
    ) -> Result<Aliyun<'c>, String> {
        let creds = creds::Source::resolve(&creds::Inputs {
            config_id: self.access_key_id.as_deref(),
            config_secret: self.access_key_secret.as_deref(),
            config_token: self.security_token.as_deref(),
            metadata_url: self.metadata_url.as_deref(),
            on_alibaba: self.on_alibaba(),
        })?;
        Ok(Aliyun { client, endpoint, creds, attempts: self.attempts, deadline })
    }

    pub fn endpoint_for(&self, backend: BackendKind) -> Result<String, Failure> {
        match backend {
            BackendKind::Aliyun => {
                Ok(normalize_endpoint(self.endpoint.as_deref().unwrap_or(super::aliyun::DEFAULT_ENDPOINT)))
            }
            BackendKind::Webhook => {
                self.endpoint.clone().ok_or_else(|| Failure::Usage(trf(self.lang, Msg::TicketWebhookUrl, &[])))
            }
            BackendKind::File => Ok(String::new()),
        }
    }
}

/// Made inert ([`crate::fmt::inert_lines`]): a message may carry a desk's answer, a ticket id
/// or title from the network or the examined system.
pub fn say(msg: impl AsRef<str>) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "{}", crate::fmt::inert_lines(msg.as_ref()));
}

/// Files a ticket the user has confirmed: the file backend writes it (and records it in the
/// ledger); the API backends spool it first, then send it, so nothing is lost when sending fails.
pub fn submit(
    s: &Settings,
    key: &str,
    b: &Built,
    endpoint: String,
    category: Option<String>,
) -> Result<ExitStatus, Failure> {
    let (ticket, md, js, bundle) = (b.ticket, b.markdown, b.json, b.bundle);
    let l = s.lang;

    if s.backend == BackendKind::File {
        let dir = file::write(&s.out, key, md, js, Some(&bundle.bytes)).map_err(Failure::Tool)?;
        let entry = LedgerEntry {
            key: key.to_string(),
            backend: "file".into(),
            id: dir.display().to_string(),
            filed_at: when::now(),
            title: ticket.title.clone(),
            endpoint: None,
        };
        if let Err(e) = s.store.filed(&entry, None) {
            say(format!("ecs-doctor: could not record the ticket in {}: {e}", s.store.dir.display()));
        }
        println!("{} {}", tt(l, T::WrittenTo), dir.display());
        println!("{} {}", tt(l, T::BundleAt), dir.join(bundle_name(key)).display());
        return Ok(ExitStatus::Ok);
    }

    let meta = Meta {
        key: key.to_string(),
        backend: s.backend.name().into(),
        endpoint: Some(endpoint),
        category_id: category,
        title: ticket.title.clone(),
        severity: ticket.severity.api_value(),
        email: ticket.email.clone(),
        created_at: jiff::Timestamp::now().to_string(),
        attempts: 0,
        object_key: None,
        last_error: None,
    };
    let _lock = s.store.lock(Duration::from_secs(30)).map_err(|e| Failure::Tool(e.to_string()))?;
    let mut spooled = s.store.spool(meta, md, js, Some(&bundle.bytes)).map_err(|e| {
        Failure::Tool(trf(
            s.lang,
            Msg::TicketCannotSave,
            &[("dir", &s.store.dir.display().to_string()), ("error", &e.to_string())],
        ))
    })?;
    let deadline = Instant::now() + SEND_BUDGET;
    Ok(send_and_record(s, &mut spooled, deadline, true))
}

/// Prints an outcome on stdout (the ticket command's result) or stderr (after `run`, whose
/// stdout is the report).
fn tell(to_stdout: bool, msg: String) {
    if to_stdout {
        println!("{}", crate::fmt::inert_lines(&msg.to_string()));
    } else {
        say(msg);
    }
}

/// Sends one spooled ticket and records the outcome; returns the exit status.
fn send_and_record(s: &Settings, sp: &mut Spooled, deadline: Instant, to_stdout: bool) -> ExitStatus {
    let l = s.lang;
    match send(s, sp, deadline) {
        Ok((id, existed)) => {
            let entry = LedgerEntry {
                key: sp.meta.key.clone(),
                backend: sp.meta.backend.clone(),
                id: id.clone(),
                filed_at: when::now(),
                title: sp.meta.title.clone(),
                endpoint: sp.meta.endpoint.clone(),
            };
            if let Err(e) = s.store.filed(&entry, Some(sp)) {
                say(format!("ecs-doctor: filed, but could not update {}: {e}", s.store.dir.display()));
            }
            let what = if existed { T::AlreadyFiled } else { T::Filed };
            tell(to_stdout, format!("{} {id} ({})", tt(l, what), sp.meta.backend));
            ExitStatus::Ok
        }
        Err(e) => {
            sp.meta.last_error = Some(e.message().to_string());
            let _ = sp.save();
            say(format!("{} {}", tt(l, T::Spooled), sp.dir.display()));
            say(format!("  {}", e.message()));
            say(tt(l, T::FlushHint));
            ExitStatus::Unknown
        }
    }
}

fn send(s: &Settings, sp: &mut Spooled, deadline: Instant) -> Result<(String, bool), SendError> {
    let client = super::http::client(s.timeout).map_err(SendError::Rejected)?;
    match sp.meta.backend_kind() {
        BackendKind::Webhook => {
            let url = sp.meta.endpoint.clone().unwrap_or_default();
            sp.meta.attempts += 1;
            let _ = sp.save();
            let json = sp.json().map_err(|e| SendError::Rejected(format!("{}: {e}", sp.dir.display())))?;
            let bundle = sp.bundle();
            let name = sp.bundle_name();
            let hook = super::webhook::Webhook {
                client: &client,
                url: &url,
                headers: &s.webhook_headers,
                attempts: s.attempts,
                deadline,
            };
            hook.send(&sp.meta.key, &json, bundle.as_deref().map(|b| (name.as_str(), b))).map(|id| (id, false))
        }
        BackendKind::Aliyun => {
            let endpoint = sp.meta.endpoint.clone().unwrap_or_else(|| super::aliyun::DEFAULT_ENDPOINT.into());
            let mut api = s.aliyun(&client, endpoint, deadline).map_err(SendError::Rejected)?;
            api.file(sp)
        }
        BackendKind::File => {
            let md = sp.description().map_err(|e| SendError::Rejected(e.to_string()))?;
            let js = sp.json().map_err(|e| SendError::Rejected(e.to_string()))?;
            let dir =
                file::write(&s.out, &sp.meta.key, &md, &js, sp.bundle().as_deref()).map_err(SendError::Rejected)?;
            Ok((dir.display().to_string(), false))
        }
    }
}

/// Sends every spooled ticket. `explicit`: the user asked (`--flush`), so say when there is
/// nothing. Returns 0 when everything was filed.
pub fn flush(s: &Settings, explicit: bool, to_stdout: bool) -> ExitStatus {
    let l = s.lang;
    let _lock = match s.store.lock(Duration::from_secs(30)) {
        Ok(lock) => lock,
        Err(e) => {
            say(format!("ecs-doctor: {e}"));
            return ExitStatus::Unknown;
        }
    };
    let (pending, bad) = s.store.pending();
    for b in &bad {
        say(format!("ecs-doctor: damaged spooled ticket: {b}"));
    }
    if pending.is_empty() {
        if explicit {
            say(tt(l, T::NothingToFlush));
        }
        return if bad.is_empty() { ExitStatus::Ok } else { ExitStatus::Unknown };
    }
    say(format!("{} ({})", tt(l, T::Flushing), pending.len()));
    let deadline = Instant::now() + SEND_BUDGET;
    let mut status = ExitStatus::Ok;
    for mut sp in pending {
        if let Some(done) = s.store.ledger_has(&sp.meta.key) {
            // Filed, but the spool entry outlived a crash: only clean up.
            let _ = std::fs::remove_dir_all(&sp.dir);
            tell(to_stdout, format!("{} {} ({})", tt(l, T::AlreadyFiled), done.id, done.backend));
            continue;
        }
        if send_and_record(s, &mut sp, deadline, to_stdout) != ExitStatus::Ok {
            status = ExitStatus::Unknown;
        }
    }
    status
}

/// After `ecs-doctor run`: sends the tickets spooled while the network was down. Does nothing
/// (and touches no network) when the spool is empty.
pub fn flush_if_pending(s: &Settings) {
    if s.store.has_pending() {
        flush(s, false, false);
    }
}

pub fn choose_category<R: std::io::BufRead, W: Write>(
    s: &Settings,
    endpoint: &str,
    p: &mut Prompter<R, W>,
) -> Result<Option<String>, Failure> {
    let client = super::http::client(s.timeout).map_err(Failure::Tool)?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut api = s.aliyun(&client, endpoint.to_string(), deadline).map_err(Failure::Usage)?;
    let lang = if s.lang == Lang::ZhCn { "zh" } else { "en" };
    let cats = api
        .categories(s.product_id.as_deref(), lang)
        .map_err(|e| Failure::Tool(trf(s.lang, Msg::TicketCategories, &[("error", &e.to_string())])))?;
    if cats.is_empty() {
        return Err(Failure::Usage(trf(s.lang, Msg::TicketNoCategory, &[])));
    }
    let names: Vec<String> = cats.iter().map(|(id, n)| format!("{n} ({id})")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    Ok(p.choose(tt(s.lang, T::AskCategory), &refs).map(|i| cats[i].0.clone()))
}

/// A ticket ready to file: redacted, rendered, with its bundle.
pub struct Built<'a> {
    pub ticket: &'a model::Ticket,
    /// The ticket as Markdown (the file backend's ticket.md, the API's description).
    pub markdown: &'a str,
    pub json: &'a str,
    pub bundle: &'a bundle::Bundle,
}

/// What would be sent, where, and what was masked: shown before anything is sent.
pub fn preview(s: &Settings, endpoint: &str, b: &Built, red: &Redactor, category: Option<&str>) -> String {
    let (t, md, js) = (b.ticket, b.markdown, b.json);
    let l = s.lang;
    let none = tt(l, T::NotProvided);
    let name = bundle_name(&t.key);
    let mut out = String::new();
    match s.backend {
        BackendKind::File => {
            out.push_str(&format!("== {} (file: ticket.md, ticket.json, {name}) ==\n", tt(l, T::PreviewHeader)));
            out.push_str(md);
        }
        BackendKind::Aliyun => {
            out.push_str(&format!("== {} (aliyun: CreateTicket, {endpoint}/) ==\n", tt(l, T::PreviewHeader)));
            out.push_str(&format!("Title: {}\n", t.title));
            out.push_str(&format!("Severity: {}\n", t.severity.api_value()));
            out.push_str(&format!("CategoryId: {}\n", category.unwrap_or(none)));
            out.push_str(&format!("Email: {}\n", t.email.as_deref().unwrap_or(none)));
            out.push_str(&format!("FileNameList: <{name}, uploaded with GetAttachmentUploadUrl>\n"));
            out.push_str("Description:\n");
            out.push_str(md);
        }
        BackendKind::Webhook => {
            out.push_str(&format!("== {} (webhook: POST {endpoint}) ==\n", tt(l, T::PreviewHeader)));
            out.push_str(&format!("Idempotency-Key: {}\n", t.key));
            // The desk's own headers (often its credentials): named, their values not shown.
            for k in s.webhook_headers.keys() {
                out.push_str(&format!("{k}: <[ticket.webhook_headers]>\n"));
            }
            out.push_str(&format!("multipart/form-data: ticket (application/json) + bundle ({name})\n"));
            out.push_str(js);
        }
    }
    out.push_str(&format!("\n== {name} ({} bytes) ==\n", b.bundle.bytes.len()));
    for f in &b.bundle.manifest {
        let tail = f.tail_of.map(|n| format!(" (tail of {n} bytes)")).unwrap_or_default();
        out.push_str(&format!("  {:<28} {:>9} bytes  sha256 {}{tail}\n", f.name, f.bytes, f.sha256));
    }
    out.push_str(&format!("\n== {} ==\n", tt(l, T::Masked)));
    if red.counts.is_empty() {
        out.push_str(&format!("  {}\n", tt(l, T::NothingMasked)));
    }
    for (k, n) in &red.counts {
        out.push_str(&format!("  {k}: {n}\n"));
    }
    out
}

/// `ticket status [ID]`.
pub fn status(s: &Settings, id: Option<&str>) -> Result<ExitStatus, Failure> {
    let l = s.lang;
    let ledger = s.store.ledger();
    let entry = match id {
        Some(id) => ledger.iter().rev().find(|e| e.id == id || e.key == id).cloned().or_else(|| {
            (s.backend == BackendKind::Aliyun).then(|| LedgerEntry {
                key: String::new(),
                backend: "aliyun".into(),
                id: id.to_string(),
                filed_at: String::new(),
                title: String::new(),
                endpoint: None,
            })
        }),
        None => ledger.last().cloned(),
    };
    let (pending, _) = s.store.pending();
    for p in &pending {
        let err = p.meta.last_error.as_deref().map(|e| format!(" [{e}]")).unwrap_or_default();
        println!(
            "{}",
            crate::fmt::inert_lines(&format!(
                "{} {} ({}): {}{err}",
                tt(l, T::Waiting),
                p.meta.key,
                p.meta.backend,
                p.meta.title
            ))
        );
    }
    let Some(e) = entry else {
        if let Some(id) = id {
            return Err(Failure::Usage(trf(
                l,
                Msg::TicketUnknownId,
                &[("id", &format!("{id:?}")), ("dir", &s.store.dir.display().to_string())],
            )));
        }
        println!("{}", tt(l, T::NoTickets));
        return Ok(ExitStatus::Ok);
    };
    if e.backend != "aliyun" {
        println!(
            "{}",
            crate::fmt::inert_lines(&format!(
                "{} {} ({}, {}): {}",
                tt(l, T::StatusOf),
                e.id,
                e.backend,
                e.filed_at,
                e.title
            ))
        );
        return Ok(ExitStatus::Ok);
    }
    let endpoint = e
        .endpoint
        .clone()
        .map(|x| normalize_endpoint(&x))
        .map(Ok)
        .unwrap_or_else(|| s.endpoint_for(BackendKind::Aliyun))?;
    let client = super::http::client(s.timeout).map_err(Failure::Tool)?;
    let mut api = s.aliyun(&client, endpoint, Instant::now() + Duration::from_secs(60)).map_err(Failure::Usage)?;
    let (num, label, updated) = api.status(&e.id).map_err(|e| Failure::Tool(e.to_string()))?;
    let word = status_word(&num, l == Lang::ZhCn);
    let label = if label.is_empty() { String::new() } else { format!(", {label}") };
    println!(
        "{}",
        crate::fmt::inert_lines(&format!(
            "{} {}: {num} {word}{label} · {} {updated}",
            tt(l, T::StatusOf),
            e.id,
            tt(l, T::LastUpdate)
        ))
    );
    Ok(ExitStatus::Ok)
}
