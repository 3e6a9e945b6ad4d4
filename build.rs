//! Embeds every check file under `checks/` (and every symptom file of `why` under `symptoms/`)
//! into the binary, so that one file is the whole tool, and records what the build targets for
//! `ecs-doctor --version`: the target triple and the oldest glibc the binary runs on
//! (ECS_DOCTOR_BUILD_TARGET, ECS_DOCTOR_BUILD_GLIBC).
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

/// The glibc floor of this build, as shown by `--version`. A `cargo zigbuild --target
/// x86_64-unknown-linux-gnu.2.17` build exports the resolved zig target (`x86_64-linux-gnu.2.17`)
/// to build scripts, and its suffix is the glibc the binary is linked against. A plain `cargo
/// build` links against the build machine's glibc, which is then the floor (an upper bound of it).
fn glibc_floor(target: &str) -> String {
    if !target.ends_with("-gnu") {
        return "none (not a glibc target)".into();
    }
    let zig_var = format!("CARGO_ZIGBUILD_TARGET_{}", target.replace('-', "_"));
    println!("cargo:rerun-if-env-changed={zig_var}");
    println!("cargo:rerun-if-env-changed=CARGO_ZIGBUILD_TARGET");
    let zig = std::env::var(&zig_var).or_else(|_| std::env::var("CARGO_ZIGBUILD_TARGET")).unwrap_or_default();
    if !zig.is_empty() {
        // "x86_64-linux-gnu.2.17": the version is what follows "gnu.".
        return match zig.rsplit_once("gnu.") {
            Some((_, v)) if v.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) => {
                format!("{v} (portable build)")
            }
            _ => "zig's default (no glibc version in the zigbuild target)".into(),
        };
    }
    let host = std::env::var("HOST").unwrap_or_default();
    if host != target {
        return "unknown (cross build)".into();
    }
    // `getconf GNU_LIBC_VERSION` prints "glibc 2.36".
    match std::process::Command::new("getconf").arg("GNU_LIBC_VERSION").output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            match text.trim().strip_prefix("glibc ") {
                Some(v) => format!("{v} (the build machine's; use the portable build for older systems)"),
                None => "unknown".into(),
            }
        }
        _ => "unknown".into(),
    }
}

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=ECS_DOCTOR_BUILD_TARGET={target}");
    println!("cargo:rustc-env=ECS_DOCTOR_BUILD_GLIBC={}", glibc_floor(&target));
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let checks = manifest.join("checks");
    println!("cargo:rerun-if-changed=checks");
    let mut files = Vec::new();
    collect(&checks, &mut files);
    files.sort();
    let mut code = String::from(
        "/// Built-in check files: (path relative to checks/, contents).\npub static BUILTIN_CHECKS: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let rel = file.strip_prefix(&checks).unwrap_or(file).to_string_lossy().replace('\\', "/");
        let _ = writeln!(code, "    ({rel:?}, include_str!({:?})),", file.display().to_string());
    }
    code.push_str("];\n");
    // The symptoms of `ecs-doctor why`, one file each under symptoms/.
    let symptoms = manifest.join("symptoms");
    println!("cargo:rerun-if-changed=symptoms");
    let mut files = Vec::new();
    collect(&symptoms, &mut files);
    files.sort();
    code.push_str("/// Built-in symptom files of `why`: (file name, contents).\npub static BUILTIN_SYMPTOMS: &[(&str, &str)] = &[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let rel = file.strip_prefix(&symptoms).unwrap_or(file).to_string_lossy().replace('\\', "/");
        let _ = writeln!(code, "    ({rel:?}, include_str!({:?})),", file.display().to_string());
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("builtin_checks.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
