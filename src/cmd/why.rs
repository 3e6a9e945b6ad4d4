//! `ecs-doctor why <SYMPTOM>`: one complaint walked in the order support walks it, the cause
//! first. The symptom's file (`symptoms/<name>.toml`) names the checks; they run like `run`
//! (same options, saved like a run, same exit status) and the report gets its `diagnosis`:
//! each step's status, the first hard failure as the cause, and what to check outside the
//! server when nothing inside explains the complaint.
//!
//! On a terminal (stdin and stdout both), what the symptom needs and no flag gave is asked as
//! a multiple-choice question: the port of `why port` (the ports that listen here first), the
//! user of `why ssh`. Never when not on a terminal: Cloud Assistant and scripts get no prompt;
//! `why port` without a port is then a usage error.

use crate::catalog::symptom::{self, Ask};
use crate::cli::{RunArgs, WhyArgs, WhySymptom};
use crate::exit::{ExitStatus, Failure};
use crate::host::Host;
use crate::i18n::{Lang, Msg, tr, trf};
use crate::options::Env;
use crate::options::why::{Complaint, WhyOptions};
use crate::report::diagnosis::Diagnosis;
use crate::ticket::ask::Prompter;
use std::io::IsTerminal;

pub fn run(args: &WhyArgs, argv: Vec<String>, env: &Env) -> Result<ExitStatus, Failure> {
    let (name, run_args, mut complaint): (&str, &RunArgs, Complaint) = match &args.symptom {
        WhySymptom::Ssh(a) => ("ssh", &a.run, Complaint { user: a.user.clone(), from: a.from, port: None }),
        WhySymptom::Port(a) => ("port", &a.run, Complaint { port: a.port, from: a.from, user: None }),
        WhySymptom::Dns(a) => ("dns", &a.run, Complaint::default()),
        WhySymptom::Network(a) => ("network", &a.run, Complaint::default()),
    };
    let catalog_options = super::catalog_options(&run_args.catalog, env)?;
    let lang = catalog_options.lang;
    let (config, catalog) = super::load_catalog(&catalog_options)?;
    let symptom = symptom::builtin(name, &catalog)?
        .ok_or_else(|| Failure::Tool(format!("no symptom file for {name:?} in this build")))?;

    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if symptom.asks.contains(&Ask::Port) && complaint.port.is_none() {
        if terminal {
            complaint.port = ask_port(&catalog_options.host, lang);
        }
        if complaint.port.is_none() {
            return Err(Failure::Usage(tr(lang, Msg::WhyNeedsPort).to_string()));
        }
    }
    if symptom.asks.contains(&Ask::User) && complaint.user.is_none() && terminal {
        complaint.user = ask_user(&catalog_options.host, lang);
    }

    let opts = WhyOptions::resolve(&symptom, &complaint, run_args, &config, env).map_err(|e| e.failure(lang))?;
    let run_opts = opts.run.clone().with_argv(argv);
    let mut report = super::run::diagnose(&run_opts, &catalog, |_| {})?;
    report.diagnosis = Some(Diagnosis::walk(
        &symptom.name,
        opts.subject.clone(),
        &symptom.steps,
        &symptom.narrowed(complaint.user.as_deref()),
        &report.checks,
        symptom.outside(lang, opts.port),
    ));
    let saved_to = if run_opts.save { super::run::save(&report, &run_opts) } else { None };
    let delivery = super::run::deliver(&report, &run_opts, saved_to.clone());
    super::run::print(&report, &run_opts, saved_to, &delivery)?;
    Ok(report.summary.status.exit_status())
}

/// The TCP ports that listen on an address other than loopback here, sorted, without repeats.
fn listening_ports(host: &Host) -> Vec<u16> {
    let mut ports: Vec<u16> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|p| host.read(p).ok())
        .flat_map(|f| crate::host::sockets::parse_table(&f.text, crate::host::sockets::Proto::Tcp))
        .filter(|s| s.is_listening() && !crate::probe::ssh::sshd_service::is_loopback(&s.local))
        .map(|s| s.local_port)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// Which port: the common web ports and those listening here, or another typed in.
fn ask_port(host: &Host, lang: Lang) -> Option<u16> {
    let mut ports = vec![80, 443];
    for p in listening_ports(host) {
        if !ports.contains(&p) && ports.len() < 10 {
            ports.push(p);
        }
    }
    let mut labels: Vec<String> = ports.iter().map(|p| format!("tcp/{p}")).collect();
    labels.push(tr(lang, Msg::WhyAskPortOther).to_string());
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let mut p = Prompter::new(std::io::stdin().lock(), std::io::stdout(), lang);
    match p.choose(tr(lang, Msg::WhyAskPort), &refs)? {
        i if i < ports.len() => Some(ports[i]),
        _ => {
            let typed = p.text("PORT", None)?;
            match typed.trim().parse::<u16>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    eprintln!("ecs-doctor: {}", trf(lang, Msg::WhyBadPort, &[("value", &typed)]));
                    None
                }
            }
        }
    }
}

/// Which user: root and the accounts with a login shell (uid 1000 and up), at most 8.
fn ask_user(host: &Host, lang: Lang) -> Option<String> {
    let mut users = vec!["root".to_string()];
    if let Ok(f) = host.read("/etc/passwd") {
        for line in f.text.lines() {
            let fields: Vec<&str> = line.split(':').collect();
            let (Some(name), Some(uid), Some(shell)) = (fields.first(), fields.get(2), fields.get(6)) else {
                continue;
            };
            let login = !shell.ends_with("nologin") && !shell.ends_with("/false") && !shell.is_empty();
            if uid.parse::<u32>().is_ok_and(|u| (1000..65534).contains(&u)) && login && users.len() < 8 {
                users.push(name.chars().filter(|c| !c.is_control()).collect());
            }
        }
    }
    let mut labels = users.clone();
    labels.push(tr(lang, Msg::WhyAskUserAny).to_string());
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let mut p = Prompter::new(std::io::stdin().lock(), std::io::stdout(), lang);
    let i = p.choose(tr(lang, Msg::WhyAskUser), &refs)?;
    users.get(i).cloned()
}
