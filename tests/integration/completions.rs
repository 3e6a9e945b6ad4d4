//! The committed completion scripts and man page match what the CLI generates.
//! Regenerate with `UPDATE_COMPLETIONS=1 cargo test completions`.

use crate::common::project_dir;
use ecs_doctor::completions::{SHELLS, completion, man_page};

#[test]
fn committed_completions_and_man_page_are_current() {
    let dir = project_dir().join("completions");
    let mut files: Vec<(String, Vec<u8>)> =
        SHELLS.iter().map(|(shell, name)| (name.to_string(), completion(*shell))).collect();
    files.push(("ecs-doctor.1".into(), man_page().expect("man page")));
    let update = std::env::var_os("UPDATE_COMPLETIONS").is_some();
    let mut stale = Vec::new();
    for (name, body) in files {
        let path = dir.join(&name);
        if update {
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(&path, &body).expect("write");
        } else if std::fs::read(&path).ok().as_deref() != Some(body.as_slice()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale files in completions/: {stale:?}; run `UPDATE_COMPLETIONS=1 cargo test completions` and commit"
    );
}

#[test]
fn completions_command_prints_a_script() {
    let Some(out) = crate::common::doctor(&["completions", "bash"]) else { return };
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, completion(clap_complete::Shell::Bash));
}
