//! `mhac plan`, `apply`, `destroy` of `examples/moodle.mha` against a local
//! AWS API (moto_server): the stack is created, what it holds is read back
//! from the server, a second apply changes nothing, and the prod stack is
//! deleted only with confirmation.

#[path = "support/moto.rs"]
mod moto;
mod support;

use moto::Moto;
use serde_json::Value;
use std::collections::BTreeSet;

const CERT: &str =
    "certificate_arn=arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";

fn str_field<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

#[test]
fn moodle_deploys_reads_back_and_a_second_apply_changes_nothing() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");

    // The plan for a new stack: every resource an add, grouped by component
    // with its source line.
    let run = moto.run(&["plan", "examples/moodle.mha", "--param", CERT]);
    run.expect_code(0);
    let out = run.stdout();
    assert!(out.starts_with("Plan for stack moodle-prod in us-east-1 (no stack yet"), "{}", run.all());
    assert!(out.contains("0 to modify, 0 to replace, 0 to remove"), "{}", run.all());
    assert!(out.contains("database moodle_db (examples/moodle.mha:"), "{}", run.all());

    // `plan -o` and `build --target plan` write the same plan.
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    moto.run(&["plan", "examples/moodle.mha", "--param", CERT, "-o", &a.to_string_lossy()]).expect_code(0);
    moto.run(&["build", "examples/moodle.mha", "--target", "plan", "--param", CERT, "-o", &b.to_string_lossy()])
        .expect_code(0);
    let read = |p: &std::path::Path| std::fs::read_to_string(p).expect("plan written");
    assert_eq!(read(&a), read(&b));
    let plan: Value = serde_json::from_str(&read(&a)).expect("JSON plan");
    assert_eq!(plan["stack"], "moodle-prod");
    assert_eq!(plan["region"], "us-east-1");
    assert_eq!(plan["deployed_template_sha256"], Value::Null);
    assert!(plan["capabilities"].as_array().is_some_and(|c| !c.is_empty()), "IAM resources need a capability");
    assert!(plan["parameters"]["CertificateArn"].is_string());

    // Apply.
    let run = moto.run(&["apply", "examples/moodle.mha", "--param", CERT]);
    run.expect_code(0);
    assert!(run.stdout().contains("Stack moodle-prod: CREATE_COMPLETE"), "{}", run.all());
    assert_eq!(moto.stack_status("moodle-prod").as_deref(), Some("CREATE_COMPLETE"));

    // Read back what moto holds.
    let vpcs: Vec<Value> =
        moto.models("ec2", "VPC").into_iter().filter(|v| str_field(v, "cidr_block") == "10.0.0.0/16").collect();
    assert_eq!(vpcs.len(), 1, "one VPC 10.0.0.0/16");
    let vpc_id = str_field(&vpcs[0], "id").to_string();
    let subnets: Vec<Value> =
        moto.models("ec2", "Subnet").into_iter().filter(|s| str_field(s, "vpc_id") == vpc_id).collect();
    assert_eq!(subnets.len(), 6, "six subnets in the VPC");
    let zones: BTreeSet<&str> = subnets.iter().map(|s| str_field(s, "availability_zone")).collect();
    assert_eq!(zones, BTreeSet::from(["us-east-1a", "us-east-1b"]));
    let albs = moto.models("elbv2", "FakeLoadBalancer");
    assert_eq!(albs.len(), 1, "one load balancer");
    assert_eq!(str_field(&albs[0], "loadbalancer_type"), "application");
    assert_eq!(moto.models("autoscaling", "FakeAutoScalingGroup").len(), 1, "one Auto Scaling group");
    let databases = moto.models("rds", "DBInstance");
    assert_eq!(databases.len(), 1, "one database");
    assert_eq!(databases[0]["multi_az"], Value::Bool(true), "Multi-AZ");
    assert_eq!(str_field(&databases[0], "engine"), "mysql");
    let buckets: Vec<String> =
        moto.models("s3", "FakeBucket").iter().map(|b| str_field(b, "name").to_string()).collect();
    assert!(buckets.iter().any(|name| name.contains("moodledata")), "the moodledata bucket: {buckets:?}");

    // A second apply: nothing to do, no change set.
    let change_sets = moto.change_sets();
    let run = moto.run(&["apply", "examples/moodle.mha", "--param", CERT]);
    run.expect_code(0);
    assert!(run.stdout().to_lowercase().contains("no changes"), "{}", run.all());
    assert_eq!(moto.change_sets(), change_sets, "a no-op apply made a change set");

    // A prod stack is deleted only with confirmation.
    let run = moto.run(&["destroy", "examples/moodle.mha"]);
    run.expect_code(1);
    assert!(run.stderr().contains("refusing to delete stack moodle-prod (a prod stack)"), "{}", run.all());
    assert_eq!(moto.stack_status("moodle-prod").as_deref(), Some("CREATE_COMPLETE"));
    let run = moto.run(&["destroy", "examples/moodle.mha", "--confirm-stack", "moodle-prod"]);
    run.expect_code(0);
    assert_eq!(moto.stack_status("moodle-prod"), None, "{}", run.all());
}
