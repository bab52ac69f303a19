//! plan / apply / destroy / status against a local AWS API (moto_server) on
//! small hand-written templates, driven through plan files: a "draft" plan
//! (made with no stack) holds the template, `mhac plan DRAFT -o PLAN` plans
//! it against what is deployed, `mhac apply PLAN` deploys it.

#[path = "support/moto.rs"]
mod moto;
mod support;

use mhac_deploy::plan::{Desired, Origin, Plan};
use moto::{Moto, write};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// Write a draft plan for `template` and return its path.
fn draft(dir: &Path, file: &str, stack: &str, prod: bool, template: Value) -> String {
    let origin =
        |kind: &str, name: &str, line| Origin { kind: kind.into(), name: name.into(), file: "small.mha".into(), line };
    let desired = Desired {
        source: Some("small.mha".into()),
        stack: stack.into(),
        region: "us-east-1".into(),
        prod,
        template,
        origins: BTreeMap::from([
            ("Vpc".to_string(), origin("network", "main", 3)),
            ("SubnetA".to_string(), origin("network", "main", 3)),
            ("FilesBucket".to_string(), origin("object_storage", "files", 7)),
        ]),
        parameters: BTreeMap::new(),
    };
    write(dir, file, &Plan::new(&desired, None).to_json())
}

fn network(cidr: &str, subnet: &str, name_tag: &str) -> Value {
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Vpc": { "Type": "AWS::EC2::VPC", "Properties": {
                "CidrBlock": cidr, "Tags": [{ "Key": "Name", "Value": name_tag }] } },
            "SubnetA": { "Type": "AWS::EC2::Subnet", "Properties": {
                "VpcId": { "Ref": "Vpc" }, "CidrBlock": subnet, "AvailabilityZone": "us-east-1a" } }
        }
    })
}

fn bucket(name: Option<&str>) -> Value {
    let mut resources = json!({
        "Vpc": { "Type": "AWS::EC2::VPC", "Properties": { "CidrBlock": "10.0.0.0/16" } }
    });
    if let Some(name) = name {
        resources["FilesBucket"] = json!({ "Type": "AWS::S3::Bucket", "Properties": { "BucketName": name } });
    }
    json!({ "AWSTemplateFormatVersion": "2010-09-09", "Resources": resources })
}

/// Plan a draft against the deployed stack, write the plan, and return its path.
fn replan(moto: &Moto, dir: &Path, draft: &str, name: &str) -> String {
    let path = dir.join(name).to_string_lossy().into_owned();
    moto.run(&["plan", draft, "-o", &path]).expect_code(0);
    path
}

fn bucket_names(moto: &Moto) -> Vec<String> {
    moto.buckets()
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn small_stack_updates_are_reported_as_modify_or_replace() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let d0 = draft(dir.path(), "d0.json", "small", false, network("10.0.0.0/16", "10.0.1.0/24", "a"));
    let run = moto.run(&["apply", &d0]);
    run.expect_code(0);
    assert!(run.stdout().contains("2 to add"), "{}", run.all());
    assert!(run.stdout().contains("Stack small: CREATE_COMPLETE"), "{}", run.all());

    // A tag: modified in place.
    let d1 = draft(dir.path(), "d1.json", "small", false, network("10.0.0.0/16", "10.0.1.0/24", "b"));
    let run = moto.run(&["plan", &d1]);
    run.expect_code(0);
    let out = run.stdout();
    assert!(out.contains("0 to add, 1 to modify, 0 to replace, 0 to remove"), "{}", run.all());
    assert!(out.contains("~ Vpc (AWS::EC2::VPC): modify Tags"), "{}", run.all());
    // The plan asks the service for a change set (and deletes it).
    assert!(out.contains("The service's change set agrees with this plan."), "{}", run.all());
    let p1 = replan(&moto, dir.path(), &d1, "p1.json");
    let run = moto.run(&["apply", &p1]);
    run.expect_code(0);
    assert!(run.stdout().contains("UPDATE_COMPLETE"), "{}", run.all());

    // The VPC's CIDR block is create-only: the VPC is replaced, and the
    // subnet with it (its VpcId refers to the VPC, its own block changes).
    let d2 = draft(dir.path(), "d2.json", "small", false, network("10.1.0.0/16", "10.1.1.0/24", "b"));
    let run = moto.run(&["plan", &d2, "--message-format", "json"]);
    run.expect_code(0);
    let report: Value = serde_json::from_str(&run.stdout()).expect("a JSON report");
    assert_eq!(report["summary"], json!({ "add": 0, "modify": 0, "replace": 2, "remove": 0 }), "{}", run.all());
    let changes: BTreeMap<&str, &Value> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| (c["logical_id"].as_str().unwrap_or(""), c))
        .collect();
    assert_eq!(changes["Vpc"]["action"], "replace");
    assert_eq!(changes["Vpc"]["replaced_because"], json!(["CidrBlock"]));
    assert_eq!(changes["SubnetA"]["replaced_because"], json!(["CidrBlock", "VpcId"]));
    assert_eq!(changes["SubnetA"]["component"]["line"], 3);
    let human = moto.run(&["plan", &d2]);
    assert!(
        human.stdout().contains("! Vpc (AWS::EC2::VPC): replace, because CidrBlock cannot change in place"),
        "{}",
        human.all()
    );
    let p2 = replan(&moto, dir.path(), &d2, "p2.json");
    let run = moto.run(&["apply", &p2]);
    run.expect_code(0);
    assert!(run.stdout().contains("UPDATE_COMPLETE"), "{}", run.all());
    // (moto updates the VPC in place rather than replacing it, so the
    // prediction is checked above and the outcome through the template.)

    // The same again: nothing to do, and no change set is made.
    let before = moto.change_sets("small");
    let p3 = replan(&moto, dir.path(), &d2, "p3.json");
    let run = moto.run(&["apply", &p3]);
    run.expect_code(0);
    assert!(run.stdout().contains("No changes: the deployed stack matches the source."), "{}", run.all());
    assert!(!run.stdout().contains("The service found nothing to change"), "a change set was made\n{}", run.all());
    assert_eq!(moto.change_sets("small"), before, "a no-op apply made a change set");
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn stateful_replacement_and_removal_need_allow_replace() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let d0 = draft(dir.path(), "d0.json", "files", false, bucket(Some("mhac-test-files-a")));
    moto.run(&["apply", &d0]).expect_code(0);
    assert_eq!(bucket_names(&moto), vec!["mhac-test-files-a"]);

    // BucketName is create-only: a replacement, refused before any change.
    let d1 = draft(dir.path(), "d1.json", "files", false, bucket(Some("mhac-test-files-b")));
    let p1 = replan(&moto, dir.path(), &d1, "p1.json");
    let change_sets = moto.change_sets("files");
    let run = moto.run(&["apply", &p1]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(out.contains("refusing to replace or remove stateful resources"), "{}", run.all());
    assert!(
        out.contains("replace FilesBucket (AWS::S3::Bucket) of object_storage files (small.mha:7)"),
        "{}",
        run.all()
    );
    assert!(out.contains("--allow-replace files"), "{}", run.all());
    assert_eq!(moto.change_sets("files"), change_sets, "a refused apply made a change set");
    assert_eq!(bucket_names(&moto), vec!["mhac-test-files-a"]);

    // Naming another component does not allow it; naming this one does.
    moto.run(&["apply", &p1, "--allow-replace", "main"]).expect_code(1);
    let run = moto.run(&["apply", &p1, "--allow-replace", "files"]);
    run.expect_code(0);
    assert!(bucket_names(&moto).contains(&"mhac-test-files-b".to_string()), "{:?}", bucket_names(&moto));

    // Removing the bucket is refused too; the logical ID names it as well.
    let d2 = draft(dir.path(), "d2.json", "files", false, bucket(None));
    let p2 = replan(&moto, dir.path(), &d2, "p2.json");
    let run = moto.run(&["apply", &p2]);
    run.expect_code(1);
    assert!(run.stdout().contains("remove FilesBucket (AWS::S3::Bucket)"), "{}", run.all());
    moto.run(&["apply", &p2, "--allow-replace", "FilesBucket"]).expect_code(0);
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn a_stale_plan_is_refused() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    // A plan made when there was no stack is stale once the stack exists.
    let d0 = draft(dir.path(), "d0.json", "stale", false, network("10.0.0.0/16", "10.0.1.0/24", "a"));
    let early = replan(&moto, dir.path(), &d0, "early.json");
    moto.run(&["apply", &d0]).expect_code(0);
    let run = moto.run(&["apply", &early]);
    run.expect_code(1);
    assert!(run.stdout().contains("changed since the plan was made"), "{}", run.all());

    // A plan made against one template is stale once another is deployed.
    let d1 = draft(dir.path(), "d1.json", "stale", false, network("10.0.0.0/16", "10.0.1.0/24", "b"));
    let d2 = draft(dir.path(), "d2.json", "stale", false, network("10.0.0.0/16", "10.0.1.0/24", "c"));
    let p1 = replan(&moto, dir.path(), &d1, "p1.json");
    let p2 = replan(&moto, dir.path(), &d2, "p2.json");
    moto.run(&["apply", &p2]).expect_code(0);
    let change_sets = moto.change_sets("stale");
    let run = moto.run(&["apply", &p1]);
    run.expect_code(1);
    assert!(run.stdout().contains("changed since the plan was made"), "{}", run.all());
    assert_eq!(moto.change_sets("stale"), change_sets);
    // Planning it again makes it current.
    let p1 = replan(&moto, dir.path(), &p1, "p1-again.json");
    moto.run(&["apply", &p1]).expect_code(0);
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn a_failed_deployment_exits_non_zero_and_names_the_resource() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let first = draft(dir.path(), "first.json", "first", false, bucket(Some("mhac-test-taken")));
    moto.run(&["apply", &first]).expect_code(0);
    // A second stack wants the same bucket name.
    let second = draft(dir.path(), "second.json", "second", false, bucket(Some("mhac-test-taken")));
    let run = moto.run(&["apply", &second]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(out.contains("the deployment of stack second failed"), "{}", run.all());
    assert!(out.contains("BucketAlreadyExists"), "{}", run.all());
    assert!(
        out.contains("Failed resource: FilesBucket (AWS::S3::Bucket) from object_storage files (small.mha:7)"),
        "{}",
        run.all()
    );
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn a_named_profile_supplies_the_credentials() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let credentials =
        write(dir.path(), "credentials", "[ci]\naws_access_key_id = testing\naws_secret_access_key = testing\n");
    let config = write(dir.path(), "config", "[profile ci]\nregion = us-east-1\n");
    let d0 = draft(dir.path(), "d0.json", "profiled", false, network("10.0.0.0/16", "10.0.1.0/24", "a"));
    moto.run(&["apply", &d0]).expect_code(0);
    let mut command = moto.mhac();
    command
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_REGION")
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_CONFIG_FILE", &config);
    let run =
        moto::Run(command.args(["status", "--stack", "profiled", "--profile", "ci"]).output().expect("mhac runs"));
    run.expect_code(0);
    assert!(run.stdout().contains("Stack profiled in us-east-1: CREATE_COMPLETE"), "{}", run.all());
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn destroy_deletes_and_needs_confirmation_for_prod() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let prod = draft(dir.path(), "prod.json", "small-prod", true, network("10.0.0.0/16", "10.0.1.0/24", "a"));
    let run = moto.run(&["apply", &prod]);
    run.expect_code(0);
    // moto does not implement UpdateTerminationProtection: mhac says so,
    // in one sentence that names the operation (not the SDK's debug dump).
    let warning = run
        .stdout()
        .lines()
        .find(|line| line.contains("could not turn on termination protection"))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no termination protection warning\n{}", run.all()));
    assert!(warning.contains(": UpdateTerminationProtection failed: "), "{warning}");
    assert!(!warning.contains('{') && !warning.contains("ServiceError"), "{warning}");

    let status = moto.run(&["status", "--stack", "small-prod"]);
    status.expect_code(0);
    assert!(status.stdout().contains("Stack small-prod in us-east-1: CREATE_COMPLETE"), "{}", status.all());

    // Without its source file mhac cannot tell a prod stack: confirmation
    // is needed, and standard input is not a terminal here.
    let run = moto.run(&["destroy", "--stack", "small-prod"]);
    run.expect_code(1);
    assert!(run.stderr().contains("refusing to delete stack small-prod"), "{}", run.all());
    assert!(run.stderr().contains("--confirm-stack small-prod"), "{}", run.all());
    let run = moto.run(&["destroy", "--stack", "small-prod", "--confirm-stack", "small-dev"]);
    run.expect_code(1);
    assert!(run.stderr().contains("does not match"), "{}", run.all());
    assert_eq!(moto.stack_status("small-prod").as_deref(), Some("CREATE_COMPLETE"));

    // The endpoint from the command line works as well as from the environment.
    let run = mhac_with_flag(&moto, &["destroy", "--stack", "small-prod", "--confirm-stack", "small-prod"]);
    run.expect_code(0);
    assert!(run.stdout().contains("DELETE_COMPLETE"), "{}", run.all());
    assert_eq!(moto.stack_status("small-prod"), None);
    let run = moto.run(&["status", "--stack", "small-prod"]);
    run.expect_code(1);
    assert!(run.stdout().contains("does not exist"), "{}", run.all());
}

fn mhac_with_flag(moto: &Moto, args: &[&str]) -> moto::Run {
    let mut command = moto.mhac();
    command.env_remove("AWS_ENDPOINT_URL").args(args).args(["--endpoint-url", &moto.endpoint]);
    moto::Run(command.output().expect("mhac runs"))
}

#[test]
fn a_missing_required_parameter_is_a_diagnostic_before_any_call() {
    // Port 9 (discard) on 127.0.0.1: any AWS call would fail to connect.
    let run = moto::Run(
        support::mhac()
            .args(["plan", "examples/moodle.mha", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1"])
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("mhac runs"),
    );
    run.expect_code(1);
    let err = run.stderr();
    assert!(err.contains("MHA801"), "{}", run.all());
    assert!(err.contains("parameter `moodle_sha256` needs a value"), "{}", run.all());
    assert!(!err.contains("DescribeStacks"), "{}", run.all());
    // An unknown parameter is a usage error.
    let run = moto::Run(
        support::mhac()
            .args([
                "plan",
                "examples/moodle.mha",
                "--param",
                "certificat_arn=x",
                "--endpoint-url",
                "http://127.0.0.1:9",
            ])
            .output()
            .expect("mhac runs"),
    );
    run.expect_code(2);
    assert!(run.stderr().contains("unknown parameter `certificat_arn`"), "{}", run.all());
    // A value of the wrong form is refused before any call too: the SHA-256
    // the app servers check the code archive against.
    let run = moto::Run(
        support::mhac()
            .args([
                "plan",
                "examples/moodle.mha",
                "--param",
                "moodle_sha256=5a0b4a1b",
                "--endpoint-url",
                "http://127.0.0.1:9",
            ])
            .output()
            .expect("mhac runs"),
    );
    run.expect_code(2);
    assert!(
        run.stderr().contains("parameter `moodle_sha256`: `5a0b4a1b` is not 64 hexadecimal digits (a SHA-256)"),
        "{}",
        run.all()
    );
}
