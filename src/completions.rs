//! Completion scripts and the man page, generated from the clap definition. The committed copies
//! under completions/ are checked by a test that regenerates them.

use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;

pub const SHELLS: &[(Shell, &str)] = &[
    (Shell::Bash, "ecs-doctor.bash"),
    (Shell::Zsh, "_ecs-doctor"),
    (Shell::Fish, "ecs-doctor.fish"),
    (Shell::PowerShell, "_ecs-doctor.ps1"),
    (Shell::Elvish, "ecs-doctor.elv"),
];

pub fn completion(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ecs-doctor", &mut out);
    out
}

pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    // The long version names the build's target and glibc floor, which differ between a
    // development build and the portable one: the committed man page shows the plain version.
    clap_mangen::Man::new(Cli::command().long_version(None)).render(&mut out)?;
    Ok(out)
}
