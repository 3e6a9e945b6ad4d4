//! Validates JSON reports against report v1 and checks that they have the same shape: the same
//! top-level fields and the same checks (by id, in the same order). Used by .ci/release-tests to
//! compare the portable binary's reports from an old and a current Debian chroot.
//!
//! Usage: cargo run --example report-shape -- SCHEMA.json REPORT.json [REPORT.json...]
use std::collections::BTreeSet;
use std::process::ExitCode;

fn load(path: &str) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path}: not JSON: {e}"))
}

/// The shape of a report: its top-level field names and its check ids in order.
type Shape = (BTreeSet<String>, Vec<String>);

fn shape(report: &serde_json::Value) -> Shape {
    let fields = report.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    let checks = report["checks"]
        .as_array()
        .map(|a| a.iter().map(|c| c["id"].as_str().unwrap_or("?").to_string()).collect())
        .unwrap_or_default();
    (fields, checks)
}

fn run(args: &[String]) -> Result<(), String> {
    let [schema_path, reports @ ..] = args else {
        return Err("usage: report-shape SCHEMA.json REPORT.json [REPORT.json...]".into());
    };
    if reports.is_empty() {
        return Err("no report given".into());
    }
    let schema = load(schema_path)?;
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| format!("{schema_path}: not a usable schema: {e}"))?;
    let mut first: Option<(&String, Shape)> = None;
    for path in reports {
        let report = load(path)?;
        let errors: Vec<String> =
            validator.iter_errors(&report).map(|e| format!("  {e} at {}", e.instance_path())).collect();
        if !errors.is_empty() {
            return Err(format!("{path} does not validate against {schema_path}:\n{}", errors.join("\n")));
        }
        let this = shape(&report);
        if this.1.is_empty() {
            return Err(format!("{path}: the report has no checks"));
        }
        println!("{path}: valid report v1, {} checks", this.1.len());
        match &first {
            None => first = Some((path, this)),
            Some((first_path, want)) => {
                if want.0 != this.0 {
                    return Err(format!(
                        "top-level fields differ: {first_path} has {:?}, {path} has {:?}",
                        want.0, this.0
                    ));
                }
                if want.1 != this.1 {
                    let a: BTreeSet<&String> = want.1.iter().collect();
                    let b: BTreeSet<&String> = this.1.iter().collect();
                    return Err(format!(
                        "the checks differ: only in {first_path}: {:?}; only in {path}: {:?} (or the order differs)",
                        a.difference(&b).collect::<Vec<_>>(),
                        b.difference(&a).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("report-shape: {e}");
            ExitCode::FAILURE
        }
    }
}
