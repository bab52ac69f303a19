//! What `apply` asks and refuses, through the `mhac` binary against a local
//! AWS API (moto_server) and a scripted endpoint in front of it
//! (tests/support/scripted.rs) for what moto cannot show:
//!
//! * approval: without a terminal and without `--auto-approve`, `apply`
//!   refuses and says how to proceed; on a terminal it asks;
//! * access-widening changes, listed apart;
//! * the stateful guard for changes that *may* replace a database (refused
//!   unless the service's change set says it is not replaced, or
//!   `--allow-replace` names it), and engine family changes, predicted as
//!   replacements outright;
//! * drift: a resource changed outside mhac is shown before it is
//!   overwritten.

#[path = "support/moto.rs"]
mod moto;
#[path = "support/scripted.rs"]
mod scripted;
mod support;

use moto::{Moto, Run, write};
use scripted::{Response, Scripted, on};

/// A dev deployment: a network, app servers, a database, and a security
/// group `extra` that admits `extra_from`.
fn source(engine: &str, backup_days: u32, extra_from: &str) -> String {
    format!(
        r#"deployment "guard" {{
  region  = "us-east-1"
  zones   = ["us-east-1a", "us-east-1b"]
  moodle  = "4.5"
  profile = dev
}}

network main {{
  cidr = 10.0.0.0/16
  nat  = single
  tier public {{ kind = public, cidrs = [10.0.0.0/24, 10.0.1.0/24] }}
  tier app  {{ kind = private,  cidrs = [10.0.10.0/24, 10.0.11.0/24] }}
  tier data {{ kind = isolated, cidrs = [10.0.20.0/24, 10.0.21.0/24] }}
}}

security_group web {{ allow http from 10.0.0.0/16 }}
security_group db  {{ allow mysql, postgres from web }}
security_group extra {{ allow https from {extra_from} }}

app_servers moodle {{
  subnets        = main.app
  security_group = web
  instance_type  = "t3.medium"
  image          = ssm("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
  scaling {{ min = 1, max = 1 }}
}}

database moodle_db {{
  engine         = {engine}
  class          = "db.t4g.medium"
  subnets        = main.data
  security_group = db
  backup_days    = {backup_days}
}}
"#
    )
}

fn apply(moto: &Moto, file: &str, extra: &[&str]) -> Run {
    moto.run(&[&["apply", file], extra].concat())
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn apply_needs_approval_without_a_terminal() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "guard.mha", &source(r#"mysql("8.0")"#, 7, "10.0.0.0/16"));
    let run = apply(&moto, &file, &[]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(out.contains("Plan for stack guard"), "the plan is shown first\n{}", run.all());
    assert!(
        out.contains("error: refusing to change stack guard without approval: standard input is not a terminal"),
        "{}",
        run.all()
    );
    assert!(out.contains("run apply again with --auto-approve"), "{}", run.all());
    assert_eq!(moto.stack_status("guard"), None, "nothing was created");
    apply(&moto, &file, &["--auto-approve"]).expect_code(0);
    assert_eq!(moto.stack_status("guard").as_deref(), Some("CREATE_COMPLETE"));
}

/// `mhac apply` on a pseudo-terminal (util-linux `script`), answering
/// `answer` to its question.
#[cfg(target_os = "linux")]
fn apply_on_a_terminal(moto: &Moto, file: &str, answer: &str) -> std::process::Output {
    use std::io::Write;
    let script = support::tool("script").expect("util-linux `script` provides the pseudo-terminal for this test");
    let mhac = moto.mhac();
    let mut command = std::process::Command::new(script);
    for (key, value) in mhac.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    let line = format!("{} apply {file}", env!("CARGO_BIN_EXE_mhac"));
    let mut child = command
        .args(["-qec", &line, "/dev/null"])
        .current_dir(support::root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script runs");
    // Answer once the question is asked (the plan comes first).
    std::thread::sleep(std::time::Duration::from_secs(2));
    let mut stdin = child.stdin.take().expect("stdin");
    // (If mhac ended before asking, the output says why.)
    let _ = stdin.write_all(format!("{answer}\n").as_bytes());
    let output = child.wait_with_output().expect("script ends");
    drop(stdin);
    output
}

#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
#[cfg_attr(not(tool_script), ignore = "needs util-linux's `script` for a pseudo-terminal")]
fn apply_asks_on_a_terminal() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "guard.mha", &source(r#"mysql("8.0")"#, 7, "10.0.0.0/16"));
    let no = apply_on_a_terminal(&moto, &file, "no");
    let text = String::from_utf8_lossy(&no.stdout).into_owned();
    assert_eq!(no.status.code(), Some(1), "{text}");
    assert!(text.contains("Apply these changes to stack guard? Only 'yes' applies them:"), "{text}");
    assert!(text.contains("Nothing was changed: the changes were not approved."), "{text}");
    assert_eq!(moto.stack_status("guard"), None);
    let yes = apply_on_a_terminal(&moto, &file, "yes");
    let text = String::from_utf8_lossy(&yes.stdout).into_owned();
    assert_eq!(yes.status.code(), Some(0), "{text}");
    assert_eq!(moto.stack_status("guard").as_deref(), Some("CREATE_COMPLETE"), "{text}");
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn widening_changes_are_listed_apart() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "guard.mha", &source(r#"mysql("8.0")"#, 7, "10.0.0.0/16"));
    apply(&moto, &file, &["--auto-approve"]).expect_code(0);
    let run = moto.run(&["plan", &file]);
    run.expect_code(0);
    assert!(!run.stdout().contains("widen access"), "nothing changes\n{}", run.all());
    // A wider address range, then the internet.
    write(dir.path(), "guard.mha", &source(r#"mysql("8.0")"#, 7, "10.0.0.0/8"));
    let run = moto.run(&["plan", &file]);
    run.expect_code(0);
    assert!(run.stdout().contains("Changes that widen access (review them before approving):"), "{}", run.all());
    assert!(
        run.stdout()
            .contains("> security group ExtraSecurityGroup: allows tcp 443 from 10.0.0.0/8 (wider than 10.0.0.0/16)"),
        "{}",
        run.all()
    );
    let run = moto.run(&["plan", &file, "--message-format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON");
    assert_eq!(report["broadening"].as_array().map(Vec::len), Some(1), "{report:#}");
    // Narrower is not wider.
    write(dir.path(), "guard.mha", &source(r#"mysql("8.0")"#, 7, "10.0.1.0/24"));
    let run = moto.run(&["plan", &file]);
    assert!(!run.stdout().contains("widen access"), "{}", run.all());
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn a_database_that_may_be_replaced_is_guarded() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "guard.mha", &source(r#"mysql("8.0")"#, 7, "10.0.0.0/16"));
    apply(&moto, &file, &["--auto-approve"]).expect_code(0);

    // Another engine family: a replacement outright, refused.
    write(dir.path(), "guard.mha", &source(r#"postgres("16")"#, 7, "10.0.0.0/16"));
    let run = moto.run(&["plan", &file]);
    run.expect_code(0);
    assert!(run.stdout().contains("0 to add, 0 to modify, 1 to replace"), "{}", run.all());
    assert!(
        run.stdout().contains("replace, because Engine (mysql → postgres: another engine family)"),
        "{}",
        run.all()
    );
    let run = apply(&moto, &file, &["--auto-approve"]);
    run.expect_code(1);
    assert!(run.stdout().contains("refusing to replace or remove stateful resources"), "{}", run.all());
    assert!(run.stdout().contains("--allow-replace moodle_db"), "{}", run.all());

    // Backups: a property that replaces a database in some cases only.
    write(dir.path(), "guard.mha", &source(r#"mysql("8.0")"#, 14, "10.0.0.0/16"));
    let run = moto.run(&["plan", &file]);
    assert!(run.stdout().contains("may require replacement: BackupRetentionPeriod"), "{}", run.all());
    assert!(run.stdout().contains("[stateful: may be replaced"), "{}", run.all());
    // moto's change set does not say whether it replaces it: refused, and
    // the change set is gone.
    let change_sets = moto.change_sets("guard");
    let run = apply(&moto, &file, &["--auto-approve"]);
    run.expect_code(1);
    assert!(run.stdout().contains("the service's change set does not say whether it replaces it"), "{}", run.all());
    assert_eq!(moto.change_sets("guard"), change_sets);
    let backups =
        moto::xml_values(&moto.query("rds", "Action=DescribeDBInstances&Version=2014-10-31"), "BackupRetentionPeriod");
    assert_eq!(backups, vec!["7"], "nothing changed");

    // A service whose change set says "not replaced": it goes ahead.
    let stack_id = moto::xml_values(
        &moto.query("cloudformation", "Action=DescribeStacks&Version=2010-05-15&StackName=guard"),
        "StackId",
    )
    .remove(0);
    let not_replaced = Response::cloudformation(
        "DescribeChangeSet",
        &format!(
            "<ChangeSetName>c</ChangeSetName><ChangeSetId>arn:aws:cloudformation:us-east-1:123456789012:changeSet/c/1</ChangeSetId><StackId>{stack_id}</StackId><StackName>guard</StackName><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes><member><Type>Resource</Type><ResourceChange><Action>Modify</Action><LogicalResourceId>MoodleDbInstance</LogicalResourceId><ResourceType>AWS::RDS::DBInstance</ResourceType><Replacement>False</Replacement><Scope><member>Properties</member></Scope><Details><member><Target><Attribute>Properties</Attribute><Name>BackupRetentionPeriod</Name><RequiresRecreation>Conditionally</RequiresRecreation></Target><Evaluation>Static</Evaluation><ChangeSource>DirectModification</ChangeSource></member></Details></ResourceChange></member></Changes>"
        ),
    );
    let scripted = Scripted::start(Some(&moto.endpoint), vec![on("cloudformation", "DescribeChangeSet", not_replaced)]);
    let run = Run(moto
        .mhac()
        .env("AWS_ENDPOINT_URL", &scripted.endpoint)
        .args(["apply", &file, "--auto-approve"])
        .output()
        .expect("mhac runs"));
    run.expect_code(0);
    assert!(run.stdout().contains("UPDATE_COMPLETE"), "{}", run.all());
    assert!(scripted.called("cloudformation", "ExecuteChangeSet"));
    // (moto updates the stack's template but not the database's backups:
    // the template says what was applied.)
    let run = moto.run(&["plan", &file]);
    assert!(run.stdout().contains("No changes"), "{}", run.all());

    // Or the user names it.
    write(dir.path(), "guard.mha", &source(r#"mysql("8.0")"#, 21, "10.0.0.0/16"));
    apply(&moto, &file, &["--auto-approve", "--allow-replace", "moodle_db"]).expect_code(0);
}

const DRIFTS: &str = "<StackResourceDrifts><member><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/guard/1</StackId><LogicalResourceId>ExtraSecurityGroup</LogicalResourceId><PhysicalResourceId>sg-1</PhysicalResourceId><ResourceType>AWS::EC2::SecurityGroup</ResourceType><PropertyDifferences><member><PropertyPath>/SecurityGroupIngress/0/CidrIp</PropertyPath><ExpectedValue>10.0.0.0/16</ExpectedValue><ActualValue>0.0.0.0/0</ActualValue><DifferenceType>NOT_EQUAL</DifferenceType></member></PropertyDifferences><StackResourceDriftStatus>MODIFIED</StackResourceDriftStatus><Timestamp>2026-01-01T00:00:00Z</Timestamp></member></StackResourceDrifts>";

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn drift_is_shown_before_it_is_overwritten() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "guard.mha", &source(r#"mysql("8.0")"#, 7, "10.0.0.0/16"));
    apply(&moto, &file, &["--auto-approve"]).expect_code(0);
    // moto has no drift detection: the plan says it could not check.
    let run = moto.run(&["plan", &file]);
    run.expect_code(0);
    assert!(run.stdout().contains("Drift: not checked: DetectStackDrift failed:"), "{}", run.all());

    // Someone opened the group to the internet in the console.
    let scripted = Scripted::start(
        Some(&moto.endpoint),
        vec![
            on(
                "cloudformation",
                "DetectStackDrift",
                Response::cloudformation("DetectStackDrift", "<StackDriftDetectionId>d-1</StackDriftDetectionId>"),
            ),
            on(
                "cloudformation",
                "DescribeStackDriftDetectionStatus",
                Response::cloudformation(
                    "DescribeStackDriftDetectionStatus",
                    "<StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/guard/1</StackId><StackDriftDetectionId>d-1</StackDriftDetectionId><StackDriftStatus>DRIFTED</StackDriftStatus><DetectionStatus>DETECTION_COMPLETE</DetectionStatus><DriftedStackResourceCount>1</DriftedStackResourceCount><Timestamp>2026-01-01T00:00:00Z</Timestamp>",
                ),
            ),
            on(
                "cloudformation",
                "DescribeStackResourceDrifts",
                Response::cloudformation("DescribeStackResourceDrifts", DRIFTS),
            ),
        ],
    );
    let run =
        Run(moto.mhac().env("AWS_ENDPOINT_URL", &scripted.endpoint).args(["plan", &file]).output().expect("mhac runs"));
    run.expect_code(0);
    let out = run.stdout();
    assert!(
        out.contains("Changed outside mhac since the last apply (drift): apply sets it back to what the source says"),
        "{}",
        run.all()
    );
    assert!(out.contains("* ExtraSecurityGroup (AWS::EC2::SecurityGroup): modified"), "{}", run.all());
    assert!(out.contains("/SecurityGroupIngress/0/CidrIp: expected 10.0.0.0/16, actual 0.0.0.0/0"), "{}", run.all());
    let position = |text: &str| out.find(text).unwrap_or(usize::MAX);
    assert!(position("(drift)") < position("No changes"), "drift comes before the changes\n{out}");
    let run = Run(moto
        .mhac()
        .env("AWS_ENDPOINT_URL", &scripted.endpoint)
        .args(["plan", &file, "--message-format", "json"])
        .output()
        .expect("mhac runs"));
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON");
    assert_eq!(report["drift"]["drifted"][0]["logical_id"], "ExtraSecurityGroup", "{report:#}");
}
