//! `mhac apply` against a scripted CloudFormation endpoint
//! (tests/support/fake_cfn.rs) for what moto cannot show: a creation that
//! reports resource events and rolls back, mapped to the failed resource,
//! its reason and its source line; and Ctrl-C, which stops watching only.

#[path = "support/fake_cfn.rs"]
mod fake_cfn;
#[path = "support/moto.rs"]
mod moto;
mod support;

use fake_cfn::{FakeCfn, Script};
use mhac_deploy::plan::{Desired, Origin, Plan};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

fn draft(dir: &Path, stack: &str) -> String {
    let origin =
        |kind: &str, name: &str, line| Origin { kind: kind.into(), name: name.into(), file: "small.mha".into(), line };
    let desired = Desired {
        source: Some("small.mha".into()),
        stack: stack.into(),
        region: "us-east-1".into(),
        prod: true,
        template: json!({ "Resources": {
            "Vpc": { "Type": "AWS::EC2::VPC", "Properties": { "CidrBlock": "10.0.0.0/16" } },
            "SubnetA": { "Type": "AWS::EC2::Subnet", "Properties": {
                "VpcId": { "Ref": "Vpc" }, "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a" } }
        } }),
        origins: BTreeMap::from([
            ("Vpc".to_string(), origin("network", "main", 3)),
            ("SubnetA".to_string(), origin("network", "main", 5)),
        ]),
        parameters: BTreeMap::new(),
    };
    moto::write(dir, "draft.json", &Plan::new(&desired, None).to_json())
}

fn script(stack: &str, final_status: Option<&str>) -> Script {
    Script {
        stack: stack.into(),
        resources: vec![("Vpc".into(), "AWS::EC2::VPC".into()), ("SubnetA".into(), "AWS::EC2::Subnet".into())],
        failure: Some((
            "SubnetA".into(),
            "AWS::EC2::Subnet".into(),
            "The CIDR '10.0.1.0/24' conflicts with another subnet".into(),
        )),
        final_status: final_status.map(str::to_string),
        existing: false,
        notes: Vec::new(),
    }
}

fn mhac(endpoint: &str) -> Command {
    let mut command = support::mhac();
    command
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/mhac-test-aws-config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/mhac-test-aws-credentials")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null());
    command
}

#[test]
fn a_rollback_names_the_failed_resource_its_reason_and_source_line() {
    let fake = FakeCfn::start(script("events", Some("ROLLBACK_COMPLETE")));
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = draft(dir.path(), "events");
    let run = moto::Run(mhac(&fake.endpoint).args(["apply", &plan]).output().expect("mhac runs"));
    run.expect_code(1);
    let out = run.stdout();
    // Every event as a plain line (standard error is not a terminal here).
    assert!(
        out.contains("CREATE_FAILED                SubnetA (AWS::EC2::Subnet) [small.mha:5]: The CIDR"),
        "{}",
        run.all()
    );
    assert!(out.contains("error: stack events ended in ROLLBACK_COMPLETE"), "{}", run.all());
    assert!(
        out.contains(
            "Failed resource: SubnetA (AWS::EC2::Subnet) from network main (small.mha:5): CREATE_FAILED The CIDR '10.0.1.0/24' conflicts with another subnet"
        ),
        "{}",
        run.all()
    );
    // Creation through a change set; termination protection for prod; the
    // stack polled until it ended.
    let calls = fake.calls();
    let position = |action: &str| calls.iter().position(|c| c == action).unwrap_or(usize::MAX);
    assert!(position("CreateChangeSet") < position("ExecuteChangeSet"), "{calls:?}");
    assert!(calls.contains(&"UpdateTerminationProtection".to_string()), "{calls:?}");
    assert!(calls.iter().filter(|c| *c == "DescribeStacks").count() >= 4, "{calls:?}");
}

#[test]
fn ctrl_c_stops_watching_and_says_how_to_resume() {
    let fake = FakeCfn::start(script("endless", None));
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = draft(dir.path(), "endless");
    let child = mhac(&fake.endpoint)
        .args(["apply", &plan])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mhac starts");
    // Wait until it watches (it has executed the change set and polls).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while fake.calls().iter().filter(|c| *c == "DescribeStacks").count() < 3 {
        assert!(std::time::Instant::now() < deadline, "mhac never started watching: {:?}", fake.calls());
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let killed = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let run = moto::Run(child.wait_with_output().expect("mhac ends"));
    run.expect_code(130);
    assert!(
        run.stdout().contains(
            "Stopped watching. The stack operation goes on in AWS; follow it with `mhac status --stack endless --region us-east-1 --watch`."
        ),
        "{}",
        run.all()
    );
}

#[test]
fn termination_protection_comes_off_only_after_confirmation() {
    let fake = FakeCfn::start(Script {
        stack: "guarded".into(),
        resources: Vec::new(),
        failure: None,
        final_status: None,
        existing: true,
        notes: Vec::new(),
    });
    let run = moto::Run(
        mhac(&fake.endpoint)
            .args(["destroy", "--stack", "guarded", "--region", "us-east-1"])
            .output()
            .expect("mhac runs"),
    );
    run.expect_code(1);
    assert!(run.stderr().contains("refusing to delete stack guarded"), "{}", run.all());
    assert!(
        !fake.calls().iter().any(|c| c == "UpdateTerminationProtection" || c == "DeleteStack"),
        "{:?}",
        fake.calls()
    );

    let run = moto::Run(
        mhac(&fake.endpoint)
            .args(["destroy", "--stack", "guarded", "--region", "us-east-1", "--confirm-stack", "guarded"])
            .output()
            .expect("mhac runs"),
    );
    run.expect_code(0);
    assert!(run.stdout().contains("Termination protection is off for guarded."), "{}", run.all());
    assert!(run.stdout().contains("DELETE_COMPLETE"), "{}", run.all());
    let calls = fake.calls();
    let position = |action: &str| calls.iter().position(|c| c == action).unwrap_or(usize::MAX);
    assert!(position("UpdateTerminationProtection") < position("DeleteStack"), "{calls:?}");
}

#[test]
fn a_certificate_waiting_for_dns_validation_prints_the_record_to_add() {
    // What CloudFormation reports while ACM waits for the validation record
    // of a domain whose DNS mhac does not write (`dns = external`).
    let reason =
        "Content of DNS Record is: {Name: _3f1c.moodle.example.edu.,Type: CNAME,Value: _9a2b.xyz.acm-validations.aws.}";
    let fake = FakeCfn::start(Script {
        stack: "named".into(),
        resources: vec![("Vpc".into(), "AWS::EC2::VPC".into())],
        failure: None,
        final_status: Some("CREATE_COMPLETE".into()),
        existing: false,
        notes: vec![("SiteCertificate".into(), "AWS::CertificateManager::Certificate".into(), reason.into())],
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = draft(dir.path(), "named");
    let run = moto::Run(mhac(&fake.endpoint).args(["apply", &plan]).output().expect("mhac runs"));
    run.expect_code(0);
    let out = run.stdout();
    assert!(
        out.contains(
            "The certificate SiteCertificate waits for its DNS validation record. Add it to the domain's DNS; ACM checks every few minutes, and the stack goes on once it is issued:\n  _3f1c.moodle.example.edu. CNAME _9a2b.xyz.acm-validations.aws.\n"
        ),
        "{}",
        run.all()
    );
    // Once, however often the watch reads the events.
    assert_eq!(out.matches("waits for its DNS validation record").count(), 1, "{}", run.all());
}
