//! The options of `why <SYMPTOM>`: those of `run` (same output options), narrowed to the
//! symptom's steps, with what the complaint is about: the port of `why port`, the user and
//! the client address of `why ssh`, passed to the checks through `Access`.

use super::{Env, OptionsError, RunOptions};
use crate::catalog::symptom::Symptom;
use crate::cli::RunArgs;
use crate::config::Config;
use std::net::IpAddr;

/// Everything `cmd::why` needs, checked.
#[derive(Debug, Clone)]
pub struct WhyOptions {
    /// The run: `only` is the symptom's steps, `net.access` carries port, user and address.
    pub run: RunOptions,
    /// What the complaint is about, for the report: `tcp/8080`, a user.
    pub subject: Option<String>,
    /// The port of `why port`.
    pub port: Option<u16>,
}

/// What the complaint names, as given (or answered on a terminal).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Complaint {
    pub port: Option<u16>,
    pub user: Option<String>,
    pub from: Option<IpAddr>,
}

impl WhyOptions {
    pub fn resolve(
        symptom: &Symptom,
        complaint: &Complaint,
        args: &RunArgs,
        config: &Config,
        env: &Env,
    ) -> Result<WhyOptions, OptionsError> {
        let mut run = RunOptions::resolve(args, config, env)?;
        // The walk is the symptom's, whatever --only says; --skip still leaves steps out.
        run.only = symptom.steps.clone();
        let access = &mut run.net.access;
        if let Some(p) = complaint.port {
            // `why port 8080` is about 8080 alone, not every port of the config.
            access.ports = vec![p];
        }
        access.from = complaint.from;
        access.user = complaint.user.clone();
        let subject = match (complaint.port, &complaint.user) {
            (Some(p), _) => Some(format!("tcp/{p}")),
            (None, Some(u)) => Some(u.clone()),
            (None, None) => None,
        };
        Ok(WhyOptions { run, subject, port: complaint.port })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::options::testing::{command, config};

    fn args(flags: &[&str]) -> RunArgs {
        match command("run", flags) {
            crate::cli::Command::Run(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_walk_is_the_symptoms_and_the_complaint_reaches_the_checks() {
        let catalog = Catalog::load(&[]).unwrap();
        let port = crate::catalog::symptom::builtin("port", &catalog).unwrap().unwrap();
        let c = Complaint { port: Some(8080), user: None, from: Some("198.51.100.7".parse().unwrap()) };
        let cfg = config("[access]\nports = [80, 443]\n");
        let o = WhyOptions::resolve(&port, &c, &args(&["--only", "disk", "--no-save"]), &cfg, &Env::default()).unwrap();
        assert_eq!(o.run.only, port.steps);
        assert_eq!(o.run.net.access.ports, [8080], "the port of the complaint alone");
        assert_eq!(o.run.net.access.from, c.from);
        assert_eq!(o.subject.as_deref(), Some("tcp/8080"));
        assert!(!o.run.save);
        let ssh = crate::catalog::symptom::builtin("ssh", &catalog).unwrap().unwrap();
        let c = Complaint { user: Some("admin".into()), ..Complaint::default() };
        let o = WhyOptions::resolve(&ssh, &c, &args(&[]), &cfg, &Env::default()).unwrap();
        assert_eq!(o.run.net.access.ports, [80, 443], "the config's ports stay for why ssh");
        assert_eq!((o.subject.as_deref(), o.run.net.access.user.as_deref()), (Some("admin"), Some("admin")));
    }
}
