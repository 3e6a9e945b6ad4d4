//! The built-in catalog: every check file parses, ids are unique and match paths, texts exist in
//! English and Chinese; and a snapshot of all ids makes a rename visible.

use ecs_doctor::catalog::{self, BUILTIN_CHECKS, Catalog};
use std::path::Path;

#[test]
fn every_builtin_check_loads_with_both_languages() {
    let cat = Catalog::load(&[]).expect("built-in catalog loads");
    assert_eq!(cat.checks.len(), BUILTIN_CHECKS.len());
    let mut ids: Vec<&str> = cat.checks.iter().map(|c| c.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), cat.checks.len(), "duplicate ids");
    for c in &cat.checks {
        assert!(catalog::valid_id(&c.id), "{}", c.id);
        let rel = c.source.strip_prefix("builtin:checks/").expect("builtin source");
        assert_eq!(catalog::id_from_path(Path::new(rel)).as_deref(), Some(c.id.as_str()));
        for (what, t) in [("title", &c.title), ("why", &c.why), ("fix", &c.fix)] {
            assert!(!t.en.trim().is_empty(), "{}: {what} has no English", c.id);
            assert!(t.zh_cn.as_deref().is_some_and(|z| !z.trim().is_empty()), "{}: {what} has no Chinese", c.id);
        }
        if let Some(ok) = &c.ok {
            assert!(ok.zh_cn.is_some(), "{}: ok text has no Chinese", c.id);
        }
        for j in &c.judges {
            assert!(j.message.zh_cn.is_some(), "{}: message for {} has no Chinese", c.id, j.field);
        }
        assert_eq!(c.category, c.id.split('.').next().unwrap_or_default());
    }
    // Every domain has at least two real checks.
    for d in catalog::DOMAINS {
        assert!(cat.checks.iter().filter(|c| c.category == *d).count() >= 2, "domain {d} has fewer than two checks");
    }
}

#[test]
fn check_ids_snapshot() {
    let cat = Catalog::load(&[]).expect("catalog");
    let ids: Vec<String> = cat.checks.iter().map(|c| c.id.clone()).collect();
    insta::assert_snapshot!(ids.join("\n"));
}

#[test]
fn shipped_schema_equals_the_shared_contract() {
    let ours =
        std::fs::read_to_string(crate::common::project_dir().join("schema/report-v1.schema.json")).expect("schema");
    let shared = crate::common::project_dir().join("../shared/contract/report-v1.schema.json");
    match std::fs::read_to_string(&shared) {
        Ok(theirs) => assert_eq!(ours, theirs, "schema/report-v1.schema.json differs from {}", shared.display()),
        Err(_) => eprintln!("SKIPPED: {} is not beside this checkout", shared.display()),
    }
}
