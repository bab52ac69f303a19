//! Any template size: templates over 51,200 bytes go through the staging
//! bucket, deployments past 500 resources are nested stacks; through the
//! `mhac` binary against a local AWS API (moto_server), and against a
//! scripted CloudFormation (tests/support/scripted.rs) for a nested stack
//! that fails.
//!
//! moto 5.2 cannot resolve `Fn::GetAtt [Child, Outputs.X]` (its nested
//! stack model has no attributes: the parent's creation fails with an
//! AttributeError, HTTP 500), and every cross-stack reference of a split
//! deployment is one. The nested-stack deployments here run on moto with
//! that one call added (tests/support/moto_gaps.py); everything else,
//! the nested stacks' creation, their templates read back from S3, their
//! parameters and outputs, is moto's.

#[path = "support/moto.rs"]
mod moto;
#[path = "support/scripted.rs"]
mod scripted;
mod support;

use mhac_deploy::plan::{Desired, Origin, Plan};
use moto::{Moto, Run, write};
use scripted::{Request, Response, Rule, Scripted};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// `bench/gen.py GROUPS`: a network, a database, a file system, a cache,
/// and GROUPS app-server groups, each behind its own load balancer.
fn generated(name: &str, groups: usize) -> String {
    let mut out = format!(
        r#"deployment "{name}" {{
  region  = "us-east-1"
  zones   = ["us-east-1a", "us-east-1b"]
  moodle  = "4.5"
  profile = dev
}}

param certificate_arn : string

network main {{
  cidr = 10.0.0.0/16
  nat  = per_zone
  tier public {{ kind = public, cidrs = [10.0.0.0/22, 10.0.4.0/22] }}
  tier app    {{ kind = private, cidrs = [10.0.16.0/20, 10.0.32.0/20] }}
  tier data   {{ kind = isolated, cidrs = [10.0.64.0/24, 10.0.65.0/24] }}
}}

security_group alb {{ allow https, http from internet }}
security_group web {{ allow http from alb }}
security_group db  {{ allow mysql from web }}
security_group fs  {{ allow nfs from web }}
security_group kv  {{ allow redis from web }}

database moodle_db {{
  engine         = mysql("8.0")
  class          = "db.r6g.large"
  subnets        = main.data
  security_group = db
}}

file_system dataroot {{ subnets = main.app, security_group = fs }}
cache sessions {{ engine = redis, subnets = main.data, security_group = kv }}
"#
    );
    for i in 0..groups {
        out.push_str(&format!(
            r#"
load_balancer lb{i} {{
  subnets        = main.public
  security_group = alb
  https {{ certificate = param.certificate_arn }}
}}

app_servers app{i} {{
  subnets        = main.app
  security_group = web
  instance_type  = "m6i.large"
  image          = ssm("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
  scaling {{ min = 2, max = 2 }}
  behind lb{i} {{ health_check = "/login/index.php" }}
}}
"#
        ));
    }
    out
}

fn resources_of(moto: &Moto, stack: &str) -> usize {
    moto::xml_values(
        &moto.query("cloudformation", &format!("Action=ListStackResources&Version=2010-05-15&StackName={stack}")),
        "LogicalResourceId",
    )
    .len()
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn a_large_template_goes_through_the_staging_bucket() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let certificate = format!("certificate_arn={}", moto.certificate());
    // Ten groups: 164 resources, over 51,200 bytes, one stack.
    let file = write(dir.path(), "large.mha", &generated("large", 10));
    let bucket = "mhac-staging-123456789012-us-east-1";

    // `plan` creates nothing: not even the bucket.
    moto.run(&["plan", &file, "--param", &certificate]).expect_code(0);
    assert!(moto.buckets().iter().all(|b| b != bucket), "{:?}", moto.buckets());

    let run = moto.run(&["apply", &file, "--param", &certificate, "--auto-approve"]);
    run.expect_code(0);
    assert!(run.stdout().contains(&format!("Created the staging bucket {bucket}")), "{}", run.all());
    assert!(run.stdout().contains(&format!("Uploaded the template to s3://{bucket}/mhac/large/.")), "{}", run.all());
    assert_eq!(moto.stack_status("large").as_deref(), Some("CREATE_COMPLETE"));
    // moto lists what it creates: all but the types it only accepts (the
    // cache's replication group, the secret, ...).
    assert!(resources_of(&moto, "large") > 140, "{}", resources_of(&moto, "large"));

    // The bucket as mhac made it.
    let encryption = moto.s3_get(&format!("/{bucket}?encryption"));
    assert!(encryption.contains("<SSEAlgorithm>AES256</SSEAlgorithm>"), "{encryption}");
    assert!(moto.s3_get(&format!("/{bucket}?versioning")).contains("<Status>Enabled</Status>"));
    let blocks = moto.s3_get(&format!("/{bucket}?publicAccessBlock"));
    for block in ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] {
        assert!(blocks.contains(&format!("<{block}>true</{block}>")), "{block}: {blocks}");
    }
    let lifecycle = moto.s3_get(&format!("/{bucket}?lifecycle"));
    assert!(
        lifecycle.contains("<Days>90</Days>") && lifecycle.contains("<NoncurrentDays>7</NoncurrentDays>"),
        "{lifecycle}"
    );
    // Through moto's plain HTTP the TLS-only policy would refuse every
    // request; mhac leaves it out there and says so.
    assert!(run.stdout().contains("the bucket has no TLS-only policy"), "{}", run.all());
    let objects = moto::xml_values(&moto.s3_get(&format!("/{bucket}?list-type=2")), "Key");
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(objects[0].starts_with("mhac/large/template-") && objects[0].ends_with(".json"), "{objects:?}");

    // The bucket is made once: a second deployment uses it.
    let other = write(dir.path(), "other.mha", &generated("other", 10));
    let run = moto.run(&["apply", &other, "--param", &certificate, "--auto-approve"]);
    run.expect_code(0);
    assert!(!run.stdout().contains("Created the staging bucket"), "{}", run.all());

    // --staging-bucket names an existing bucket; one that does not exist is
    // an error before anything changes.
    let run =
        moto.run(&["apply", &other, "--param", &certificate, "--auto-approve", "--staging-bucket", "no-such-bucket"]);
    run.expect_code(0);
    assert!(run.stdout().contains("No changes"), "nothing to change, no bucket needed\n{}", run.all());
    let third = write(dir.path(), "third.mha", &generated("third", 10));
    // (A third deployment's NAT gateways would need six Elastic IP
    // addresses of AWS's default five: preflight says so, and is skipped
    // here, where it does not matter.)
    let run = moto.run(&["plan", &third, "--param", &certificate]);
    run.expect_code(1);
    assert!(run.stderr().contains("MHA812"), "{}", run.all());
    let run = moto.run(&[
        "apply",
        &third,
        "--param",
        &certificate,
        "--auto-approve",
        "--skip-preflight",
        "--staging-bucket",
        "no-such-bucket",
    ]);
    run.expect_code(1);
    assert!(run.stderr().contains("the staging bucket no-such-bucket does not exist"), "{}", run.all());
    assert_eq!(moto.stack_status("third"), None);
    let run = Run(moto
        .mhac()
        .args([
            "apply",
            &third,
            "--param",
            &certificate,
            "--auto-approve",
            "--skip-preflight",
            "--staging-bucket",
            bucket,
        ])
        .output()
        .expect("mhac runs"));
    run.expect_code(0);
    assert!(run.stdout().contains(&format!("to s3://{bucket}/mhac/third/")), "{}", run.all());
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn a_deployment_past_500_resources_is_nested_stacks() {
    let moto = Moto::start_filled();
    let dir = tempfile::tempdir().expect("temp dir");
    let certificate = format!("certificate_arn={}", moto.certificate());
    // Sixty groups: 714 resources.
    let file = write(dir.path(), "nested.mha", &generated("nested", 60));
    let run = moto.run(&["apply", &file, "--param", &certificate, "--auto-approve"]);
    run.expect_code(0);
    assert!(run.stdout().contains("714 to add"), "{}", run.all());
    assert!(run.stdout().contains("Creating stack nested (6 nested stacks)"), "{}", run.all());
    assert_eq!(moto.stack_status("nested").as_deref(), Some("CREATE_COMPLETE"));
    let children = moto::xml_values(
        &moto.query("cloudformation", "Action=ListStackResources&Version=2010-05-15&StackName=nested"),
        "LogicalResourceId",
    );
    assert_eq!(children, ["NetworkStack", "SecurityStack", "DataStack", "EdgeStack", "ComputeStack", "ComputeStack2"]);
    // Every resource is in a child: the parent's children hold them all.
    let ids = moto::xml_values(
        &moto.query("cloudformation", "Action=ListStackResources&Version=2010-05-15&StackName=nested"),
        "PhysicalResourceId",
    );
    let held: usize = ids.iter().map(|id| resources_of(&moto, id)).sum();
    assert!(held > 640, "{held}");
    let compute = moto::xml_values(
        &moto.query("cloudformation", &format!("Action=ListStackResources&Version=2010-05-15&StackName={}", ids[5])),
        "LogicalResourceId",
    );
    assert!(compute.contains(&"App59AutoScalingGroup".to_string()), "{compute:?}");
    let groups = moto.query("autoscaling", "Action=DescribeAutoScalingGroups&Version=2011-01-01&MaxRecords=100");
    assert_eq!(moto::xml_values(&groups, "AutoScalingGroupName").len(), 60);

    // Planned again: the children's templates are read and joined, and
    // nothing changes.
    let run = moto.run(&["plan", &file, "--param", &certificate]);
    run.expect_code(0);
    assert!(run.stdout().contains("0 to add, 0 to modify, 0 to replace, 0 to remove"), "{}", run.all());
    assert!(run.stdout().contains("No changes: the deployed stack matches the source."), "{}", run.all());

    // One more security group: one child changes.
    let more = generated("nested", 60).replace(
        "security_group kv  { allow redis from web }",
        "security_group kv  { allow redis from web }\nsecurity_group ops { allow https from 10.0.0.0/8 }",
    );
    write(dir.path(), "nested.mha", &more);
    let run = moto.run(&["apply", &file, "--param", &certificate, "--auto-approve"]);
    run.expect_code(0);
    assert!(run.stdout().contains("1 to add, 0 to modify"), "{}", run.all());
    assert!(run.stdout().contains("the service lists the nested stack SecurityStack as a whole"), "{}", run.all());
    assert!(run.stdout().contains("Stack nested: UPDATE_COMPLETE"), "{}", run.all());
    let run = moto.run(&["plan", &file, "--param", &certificate]);
    assert!(run.stdout().contains("No changes"), "{}", run.all());

    // Removing the database is refused through the nested stacks too.
    let without = more.replace(
        "database moodle_db {\n  engine         = mysql(\"8.0\")\n  class          = \"db.r6g.large\"\n  subnets        = main.data\n  security_group = db\n}\n",
        "",
    );
    assert_ne!(without, more);
    write(dir.path(), "nested.mha", &without.replace("security_group db  { allow mysql from web }\n", ""));
    let run = moto.run(&["apply", &file, "--param", &certificate, "--auto-approve"]);
    run.expect_code(1);
    assert!(run.stdout().contains("remove MoodleDbInstance (AWS::RDS::DBInstance)"), "{}", run.all());
}

/// The benchmark's 1,000 groups (`bench/gen.py 1000`): 11,054 resources in
/// 45 nested stacks, deployed to moto (about a minute: moto creates the
/// 1,000 load balancers and the 2,000 instances of the Auto Scaling groups
/// too), then planned again with nothing to change.
#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn the_benchmarks_thousand_groups_deploy() {
    let moto = Moto::start_filled();
    let dir = tempfile::tempdir().expect("temp dir");
    let certificate = format!("certificate_arn={}", moto.certificate());
    let file = write(dir.path(), "bench.mha", &generated("bench", 1000));
    let started = std::time::Instant::now();
    let run = moto.run(&["apply", &file, "--param", &certificate, "--auto-approve"]);
    run.expect_code(0);
    assert!(run.stdout().contains("11054 to add"), "{}", run.all());
    assert!(run.stdout().contains("nested stacks)"), "{}", run.all());
    assert_eq!(moto.stack_status("bench").as_deref(), Some("CREATE_COMPLETE"));
    eprintln!("1,000 groups deployed to moto in {:.0} s", started.elapsed().as_secs_f64());
    let run = moto.run(&["plan", &file, "--param", &certificate]);
    run.expect_code(0);
    assert!(run.stdout().contains("No changes"), "{}", run.all());
}

/// A draft plan of a deployment that splits: a VPC and 600 topics
/// (NetworkStack, MonitoringStack, MonitoringStack2).
fn nested_draft(dir: &std::path::Path) -> String {
    let mut resources = serde_json::Map::new();
    resources.insert("Vpc".into(), json!({ "Type": "AWS::EC2::VPC", "Properties": { "CidrBlock": "10.0.0.0/16" } }));
    let mut origins = BTreeMap::new();
    for i in 0..600 {
        resources.insert(
            format!("Topic{i}"),
            json!({ "Type": "AWS::SNS::Topic", "Properties": { "TopicName": format!("t{i}") } }),
        );
        origins.insert(
            format!("Topic{i}"),
            Origin { kind: "monitoring".into(), name: "alerts".into(), file: "nested.mha".into(), line: 9 },
        );
    }
    let desired = Desired {
        source: Some("nested.mha".into()),
        stack: "fails".into(),
        region: "us-east-1".into(),
        prod: false,
        template: json!({ "AWSTemplateFormatVersion": "2010-09-09", "Resources": resources }),
        origins,
        parameters: BTreeMap::new(),
    };
    write(dir, "draft.json", &Plan::new(&desired, None).to_json())
}

#[derive(Default)]
struct Cloud {
    created: bool,
    executed: bool,
    polls: usize,
}

const PARENT: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/fails/1";
const CHILD: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/fails-MonitoringStack2-X/2";

fn event(n: usize, stack: &str, logical: &str, ty: &str, physical: &str, status: &str, reason: &str) -> String {
    format!(
        "<member><StackId>{PARENT}</StackId><EventId>e{n}</EventId><StackName>{stack}</StackName><LogicalResourceId>{logical}</LogicalResourceId><PhysicalResourceId>{physical}</PhysicalResourceId><ResourceType>{ty}</ResourceType><Timestamp>2026-01-01T00:00:0{n}.000Z</Timestamp><ResourceStatus>{status}</ResourceStatus><ResourceStatusReason>{reason}</ResourceStatusReason></member>"
    )
}

/// A CloudFormation whose creation of `fails` rolls back because a topic in
/// nested stack MonitoringStack2 fails.
fn failing_cloud(state: Arc<Mutex<Cloud>>) -> Rule {
    Box::new(move |request: &Request| {
        if request.service != "cloudformation" {
            return None;
        }
        let mut cloud = state.lock().ok()?;
        let stack = "AWS::CloudFormation::Stack";
        Some(match request.action.as_str() {
            "DescribeStacks" if !cloud.created => {
                Response::query_error(400, "ValidationError", "Stack with id fails does not exist")
            }
            "DescribeStacks" => {
                let status = if !cloud.executed {
                    "REVIEW_IN_PROGRESS"
                } else {
                    cloud.polls += 1;
                    if cloud.polls >= 3 { "ROLLBACK_COMPLETE" } else { "CREATE_IN_PROGRESS" }
                };
                Response::cloudformation(
                    "DescribeStacks",
                    &format!(
                        "<Stacks><member><StackName>fails</StackName><StackId>{PARENT}</StackId><CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>{status}</StackStatus></member></Stacks>"
                    ),
                )
            }
            "CreateChangeSet" => {
                cloud.created = true;
                Response::cloudformation(
                    "CreateChangeSet",
                    &format!(
                        "<Id>arn:aws:cloudformation:us-east-1:123456789012:changeSet/c/1</Id><StackId>{PARENT}</StackId>"
                    ),
                )
            }
            "DescribeChangeSet" => {
                let changes: String = ["NetworkStack", "MonitoringStack", "MonitoringStack2"]
                    .iter()
                    .map(|c| format!("<member><Type>Resource</Type><ResourceChange><Action>Add</Action><LogicalResourceId>{c}</LogicalResourceId><ResourceType>{stack}</ResourceType></ResourceChange></member>"))
                    .collect();
                Response::cloudformation(
                    "DescribeChangeSet",
                    &format!(
                        "<ChangeSetName>c</ChangeSetName><StackId>{PARENT}</StackId><StackName>fails</StackName><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes>{changes}</Changes>"
                    ),
                )
            }
            "ExecuteChangeSet" => {
                cloud.executed = true;
                Response::cloudformation("ExecuteChangeSet", "")
            }
            "DeleteChangeSet" => Response::cloudformation("DeleteChangeSet", ""),
            "DescribeStackEvents" => {
                let of = request.form("StackName").unwrap_or_default();
                let mut events = Vec::new();
                if of == CHILD {
                    events.push(event(
                        1,
                        "fails-MonitoringStack2-X",
                        "Topic555",
                        "AWS::SNS::Topic",
                        "",
                        "CREATE_IN_PROGRESS",
                        "-",
                    ));
                    events.push(event(
                        2,
                        "fails-MonitoringStack2-X",
                        "Topic556",
                        "AWS::SNS::Topic",
                        "",
                        "CREATE_FAILED",
                        "Resource creation cancelled",
                    ));
                    events.push(event(
                        3,
                        "fails-MonitoringStack2-X",
                        "Topic555",
                        "AWS::SNS::Topic",
                        "",
                        "CREATE_FAILED",
                        "Topic t555 already exists",
                    ));
                } else {
                    events.push(event(0, "fails", "fails", stack, PARENT, "REVIEW_IN_PROGRESS", "User Initiated"));
                    if cloud.executed {
                        events.push(event(1, "fails", "fails", stack, PARENT, "CREATE_IN_PROGRESS", "User Initiated"));
                        events.push(event(2, "fails", "NetworkStack", stack, "arn:n", "CREATE_COMPLETE", "-"));
                        events.push(event(3, "fails", "MonitoringStack2", stack, CHILD, "CREATE_FAILED", "Embedded stack was not successfully created: The following resource(s) failed to create: [Topic555]."));
                        events.push(event(
                            4,
                            "fails",
                            "MonitoringStack",
                            stack,
                            "arn:m",
                            "CREATE_FAILED",
                            "Resource creation cancelled",
                        ));
                    }
                }
                events.reverse();
                Response::cloudformation(
                    "DescribeStackEvents",
                    &format!("<StackEvents>{}</StackEvents>", events.concat()),
                )
            }
            other => Response::query_error(400, "NotScripted", &format!("{other} is not scripted")),
        })
    })
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn a_failed_nested_stack_is_traced_to_its_resource_and_source_line() {
    // S3 and STS are moto's; CloudFormation is scripted.
    let moto = Moto::start();
    let cloud = Arc::new(Mutex::new(Cloud::default()));
    let scripted = Scripted::start(Some(&moto.endpoint), vec![failing_cloud(Arc::clone(&cloud))]);
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = nested_draft(dir.path());
    let run = Run(moto
        .mhac()
        .env("AWS_ENDPOINT_URL", &scripted.endpoint)
        .args(["apply", &draft])
        .output()
        .expect("mhac runs"));
    run.expect_code(1);
    let out = run.stdout();
    assert!(out.contains("Creating stack fails (3 nested stacks)"), "{}", run.all());
    assert!(out.contains("error: stack fails ended in ROLLBACK_COMPLETE"), "{}", run.all());
    assert!(
        out.contains(
            "Failed resource: Topic555 (AWS::SNS::Topic) in nested stack MonitoringStack2 from monitoring alerts (nested.mha:9): CREATE_FAILED Topic t555 already exists"
        ),
        "{}",
        run.all()
    );
    // The children's templates went to the staging bucket first.
    let objects = moto::xml_values(&moto.s3_get("/mhac-staging-123456789012-us-east-1?list-type=2"), "Key");
    assert_eq!(objects.len(), 3, "{objects:?}");
}
