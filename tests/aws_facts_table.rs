//! `stdlib/aws.json`, the AWS facts the compiler checks source values
//! against, is what `scripts/gen-aws-facts.py` generates from the pinned
//! cfn-lint, moto and SQLAlchemy: a stale file fails here.

mod support;

#[test]
fn the_facts_are_what_the_script_generates() {
    support::require_tool("cfn-lint");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("aws.json");
    let status = std::process::Command::new("python3")
        .current_dir(support::root())
        .args(["scripts/gen-aws-facts.py", "--output"])
        .arg(&out)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "scripts/gen-aws-facts.py failed");
    let generated = std::fs::read_to_string(&out).expect("generated");
    let committed = std::fs::read_to_string(support::root().join("stdlib/aws.json")).expect("committed");
    assert!(generated == committed, "stdlib/aws.json is stale: run scripts/gen-aws-facts.py");
}
