//! The package metadata in Cargo.toml: the .deb and the .rpm install the same files (binary, man
//! page, completions, example config), and every source file exists. Building and installing the
//! packages is .ci/run's job (cargo-deb and cargo-generate-rpm are not dev-dependencies).

use crate::common::*;

fn manifest() -> toml::Value {
    toml::from_str(&std::fs::read_to_string(project_dir().join("Cargo.toml")).expect("Cargo.toml")).expect("toml")
}

/// (source, destination) pairs of one package format.
type Assets = Vec<(String, String)>;

/// The assets of the .deb and of the .rpm.
fn assets() -> (Assets, Assets) {
    let m = manifest();
    let meta = &m["package"]["metadata"];
    let deb = meta["deb"]["assets"]
        .as_array()
        .expect("deb assets")
        .iter()
        .map(|a| (a[0].as_str().expect("src").to_string(), a[1].as_str().expect("dest").to_string()))
        .collect();
    let rpm = meta["generate-rpm"]["assets"]
        .as_array()
        .expect("rpm assets")
        .iter()
        .map(|a| (a["source"].as_str().expect("src").to_string(), a["dest"].as_str().expect("dest").to_string()))
        .collect();
    (deb, rpm)
}

#[test]
fn packages_install_binary_man_page_completions_and_example_config() {
    let (deb, rpm) = assets();
    for (name, list) in [("deb", &deb), ("rpm", &rpm)] {
        for (src, _) in list.iter() {
            if src != "target/release/ecs-doctor" {
                assert!(project_dir().join(src).is_file(), "{name}: asset {src} does not exist");
            }
        }
        let dests: Vec<&str> = list.iter().map(|(_, d)| d.trim_start_matches('/')).collect();
        for want in [
            "usr/bin/",
            "usr/share/man/man1/ecs-doctor.1",
            "usr/share/bash-completion/completions/ecs-doctor",
            "_ecs-doctor",
            "usr/share/fish/vendor_completions.d/ecs-doctor.fish",
            "usr/share/doc/ecs-doctor/config.example.toml",
        ] {
            assert!(dests.iter().any(|d| d.starts_with(want) || d.ends_with(want)), "{name}: nothing installs {want}");
        }
    }
    let sources = |l: &[(String, String)]| {
        let mut v: Vec<String> = l.iter().map(|(s, _)| s.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(sources(&deb), sources(&rpm), "the .deb and the .rpm ship different files");
}
