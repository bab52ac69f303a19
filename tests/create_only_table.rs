//! The create-only table that `mhac plan` predicts replacements from covers
//! every resource type the CloudFormation backend emits, and is what
//! `scripts/gen-create-only.py` generates from cfn-lint's resource schemas.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;

fn built_types() -> BTreeSet<String> {
    let mut types = BTreeSet::new();
    for example in support::examples() {
        let output = support::mhac()
            .args(["build", &example.to_string_lossy(), "--target", "cloudformation"])
            .output()
            .expect("mhac runs");
        assert!(output.status.success(), "{} does not build", example.display());
        let template: Value = serde_json::from_slice(&output.stdout).expect("a JSON template");
        for resource in template["Resources"].as_object().into_iter().flat_map(|r| r.values()) {
            types.insert(resource["Type"].as_str().expect("a type").to_string());
        }
    }
    types
}

#[test]
fn every_emitted_type_is_in_the_table() {
    let missing: Vec<String> =
        built_types().into_iter().filter(|ty| mhac_deploy::create_only::lookup(ty).is_none()).collect();
    assert!(
        missing.is_empty(),
        "types the backend emits but deploy/data/create-only.json lacks: {missing:?}; run scripts/gen-create-only.py"
    );
}

#[test]
#[cfg_attr(not(tool_cfn_lint), ignore = "needs cfn-lint on PATH and its Python package: scripts/test installs them")]
fn the_table_is_what_the_script_generates() {
    support::require_tool("cfn-lint");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("create-only.json");
    let status = std::process::Command::new("python3")
        .current_dir(support::root())
        .args(["scripts/gen-create-only.py", "--mhac", env!("CARGO_BIN_EXE_mhac"), "--output"])
        .arg(&out)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "scripts/gen-create-only.py failed");
    let read = |path: &std::path::Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("JSON")
    };
    let generated = read(&out);
    let committed = read(&support::root().join("deploy/data/create-only.json"));
    assert_eq!(
        generated["types"], committed["types"],
        "deploy/data/create-only.json is stale: run scripts/gen-create-only.py"
    );
}
