//! The key pair bound to the instance in the Alibaba Cloud console (metadata
//! `public-keys/0/openssh-key`) and the accounts it should let in: cloud-init writes it to root's
//! authorized keys (to `ecs-user`'s on images that log in as ecs-user). When it is in no login
//! account's authorized keys, the customer's private key opens nothing: cloud-init did not run,
//! failed, or someone replaced the file.
//!
//! Asked only where the metadata service may be asked (an Alibaba Cloud instance by DMI, or
//! `--metadata-url`); skipped when no key pair is bound.

use super::ssh_keys;
use crate::host::metadata::Source;
use crate::i18n::{Msg, Said};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("present", "1 when the console's key is in some login account's authorized keys"),
    Field::text("user", "the account the key pair is meant for (root, or ecs-user)"),
    Field::text("accounts", "the accounts whose authorized keys hold it"),
    Field::text("key", "the key's type and the end of its base64"),
];

/// The account the console's key pair is meant for: ecs-user where the image has it, else root.
pub fn meant_for<'a>(login_accounts: impl Iterator<Item = &'a str>) -> &'static str {
    if login_accounts.into_iter().any(|a| a == "ecs-user") { "ecs-user" } else { "root" }
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if let Source::NotApplicable(why) = ctx.metadata_source() {
        return Err(ProbeError::Skipped(why));
    }
    let Some(md) = ctx.metadata() else {
        return Err(ProbeError::skipped(Msg::SkipNoMetadataService));
    };
    if md.failure.is_some() {
        return Err(ProbeError::skipped(Msg::SkipNoMetadataService));
    }
    let Some(line) = md.values.get("public_key") else {
        return Err(ProbeError::skipped(Msg::SkipNoConsoleKey));
    };
    let Some(key) = ssh_keys::key_of(line) else {
        return Err(ProbeError::Skipped(Said::new(Msg::SkipConsoleKeyUnreadable).arg("url", &md.url)));
    };
    let login = ctx.login_facts()?;
    let holders: Vec<&str> = login
        .accounts
        .iter()
        .filter(|f| f.key_files.iter().any(|k| k.lines.keys.contains(&key)))
        .map(|f| f.account.name.as_str())
        .collect();
    let target = meant_for(login.accounts.iter().map(|f| f.account.name.as_str()));
    let shown: String = {
        let mut w = line.split_whitespace();
        let (t, b) = (w.next().unwrap_or(""), w.next().unwrap_or(""));
        let tail: String = b.chars().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect();
        format!("{t} …{tail}")
    };
    let mut o = Observation::new(target)
        .flag("present", !holders.is_empty())
        .text("user", target)
        .text("key", &shown)
        .evidence(format!("{}/latest/meta-data/public-keys/0/openssh-key: {shown}", md.url));
    o = if holders.is_empty() {
        o.word("accounts", Said::new(Msg::ValNone))
    } else {
        o.text("accounts", holders.join(", "))
    };
    if let Some(f) = login.accounts.iter().find(|f| f.account.name == target) {
        for k in &f.key_files {
            let what = if k.exists { format!("{} valid key(s)", k.lines.valid) } else { "does not exist".into() };
            o = o.evidence(format!("{}: {what}", k.path));
        }
    }
    Ok(Observations::of(vec![o]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecs_user_images_get_the_key_for_ecs_user() {
        assert_eq!(meant_for(["root", "ecs-user"].into_iter()), "ecs-user");
        assert_eq!(meant_for(["root", "admin"].into_iter()), "root");
    }
}
