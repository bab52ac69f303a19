//! plan / apply / destroy of a tiny `.mha` source (a network and a bucket,
//! `profile = dev`) against a local AWS API (moto_server): updates from the
//! source are reported as modify or replace, removing the bucket needs
//! `--allow-replace`, and a dev stack is destroyed from its source file
//! without confirmation.

#[path = "support/moto.rs"]
mod moto;
mod support;

use moto::{Moto, write};
use serde_json::Value;
use std::collections::BTreeMap;

fn source(team: &str, data_a: &str, bucket: Option<&str>) -> String {
    let bucket = bucket.map(|name| format!("object_storage {name} {{ versioning = true }}\n")).unwrap_or_default();
    format!(
        r#"deployment "tiny" {{
  region  = "us-east-1"
  zones   = ["us-east-1a", "us-east-1b"]
  moodle  = "4.5"
  profile = dev
  tags    = {{ Team = "{team}" }}
}}

network main {{
  cidr = 10.0.0.0/16
  tier data {{ kind = isolated, cidrs = [{data_a}, 10.0.21.0/24] }}
}}

{bucket}"#
    )
}

fn plan_json(moto: &Moto, file: &str) -> (Value, BTreeMap<String, Value>) {
    let run = moto.run(&["plan", file, "--message-format", "json"]);
    run.expect_code(0);
    let report: Value = serde_json::from_str(&run.stdout()).expect("a JSON report");
    let changes = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| (c["logical_id"].as_str().unwrap_or("").to_string(), c.clone()))
        .collect();
    (report, changes)
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn a_small_source_updates_as_modify_or_replace_and_is_destroyed() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "tiny.mha", &source("a", "10.0.20.0/24", Some("files")));
    let run = moto.run(&["apply", &file, "--auto-approve"]);
    run.expect_code(0);
    assert!(run.stdout().contains("Stack tiny: CREATE_COMPLETE"), "{}", run.all());
    // A dev stack gets no termination protection.
    assert!(!run.stdout().contains("termination protection"), "{}", run.all());

    // A tag from the deployment block: every tagged resource is modified in
    // place, nothing is replaced.
    write(dir.path(), "tiny.mha", &source("b", "10.0.20.0/24", Some("files")));
    let (report, changes) = plan_json(&moto, &file);
    assert_eq!(report["summary"]["replace"], 0, "{report:#}");
    assert_eq!(report["summary"]["add"], 0, "{report:#}");
    assert!(report["summary"]["modify"].as_u64().is_some_and(|n| n > 0), "{report:#}");
    assert_eq!(changes["MainVpc"]["action"], "modify");
    assert!(changes["MainVpc"]["changed"].as_array().is_some_and(|c| c.contains(&Value::from("Tags"))));
    assert_eq!(changes["MainVpc"]["component"]["name"], "main");
    moto.run(&["apply", &file, "--auto-approve"]).expect_code(0);

    // A subnet's CIDR block is create-only: the subnet is replaced, and its
    // route table association, which refers to it, with it.
    write(dir.path(), "tiny.mha", &source("b", "10.0.30.0/24", Some("files")));
    let (report, changes) = plan_json(&moto, &file);
    assert_eq!(changes["MainDataSubnetA"]["action"], "replace", "{report:#}");
    assert_eq!(changes["MainDataSubnetA"]["replaced_because"], serde_json::json!(["CidrBlock"]));
    assert_eq!(changes["MainDataSubnetA"]["component"]["line"], 11, "the tier's line");
    assert_eq!(changes["MainDataRouteTableAssociationA"]["action"], "replace", "{report:#}");
    assert!(!changes.contains_key("MainDataSubnetB"), "{report:#}");
    assert!(!changes.contains_key("MainVpc"), "{report:#}");
    let run = moto.run(&["plan", &file]);
    let out = run.stdout();
    let destructive = out.find("Destructive changes:").expect("a destructive section");
    let other = out.find("Changes:").or(out.find("Other changes:")).unwrap_or(out.len());
    assert!(destructive < other, "destructive changes come first\n{out}");
    assert!(out.contains("network main (tiny.mha:11)") || out.contains("tiny.mha:11)"), "{out}");
    moto.run(&["apply", &file, "--auto-approve"]).expect_code(0);

    // Renaming the bucket removes it: refused, then allowed by the old
    // component's name.
    write(dir.path(), "tiny.mha", &source("b", "10.0.30.0/24", Some("documents")));
    let run = moto.run(&["apply", &file, "--auto-approve"]);
    run.expect_code(1);
    assert!(run.stdout().contains("remove FilesBucket (AWS::S3::Bucket)"), "{}", run.all());
    assert!(run.stdout().contains("--allow-replace FilesBucket"), "{}", run.all());
    let run = moto.run(&["apply", &file, "--allow-replace", "files", "--auto-approve"]);
    run.expect_code(0);
    assert!(moto.buckets().iter().any(|b| b.contains("documentsbucket")), "{:?}", moto.buckets());

    // A dev stack is destroyed from its source without confirmation.
    let run = moto.run(&["destroy", &file]);
    run.expect_code(0);
    assert!(run.stdout().contains("DELETE_COMPLETE"), "{}", run.all());
    assert_eq!(moto.stack_status("tiny"), None);
}
