//! `mhac plan`, `apply`, `destroy` of `examples/moodle.mha` (without its
//! domain and mail: see [`deployable_example`]) against a local
//! AWS API (moto_server): the stack is created, what it holds is read back
//! from the server, a second apply changes nothing, and the prod stack is
//! deleted only with confirmation.

#[path = "support/moto.rs"]
mod moto;
mod support;

use moto::{Moto, xml_values};
use serde_json::Value;
use std::collections::BTreeSet;

use support::MOODLE_SHA256 as SHA;

/// `examples/moodle.mha` as the emulator can deploy it. moto's
/// CloudFormation has no ACM certificate and no SES identity (it answers
/// 500 to their attributes), so the site keeps its address and the HTTPS
/// listener takes a certificate requested from moto's ACM: the example
/// without its `domain`, `dns` and `email`, with `param certificate_arn`.
/// Returns the file and the lines of the load balancer's `https` block and
/// of its Shield.
fn deployable_example(dir: &std::path::Path) -> (String, usize, usize) {
    let example = std::fs::read_to_string(support::root().join("examples/moodle.mha")).expect("the example");
    let edits = [
        ("param moodle_sha256 : string", "param certificate_arn : string\nparam moodle_sha256 : string"),
        ("https { redirect_http = true }", "https { certificate = param.certificate_arn, redirect_http = true }"),
        ("  domain      = \"moodle.example.edu\"", "  wwwroot     = \"https://moodle.example.edu\""),
        ("  dns         = route53(\"example.edu\")", "  # dns: the emulator has no certificates in CloudFormation"),
        ("  email { from = \"noreply@moodle.example.edu\" }", "  # email: the emulator has no SES in CloudFormation"),
    ];
    let mut text = example;
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        text = text.replacen(from, to, 1);
    }
    let path = dir.join("moodle.mha");
    std::fs::write(&path, &text).expect("written");
    let line = |start: &str| text.lines().position(|l| l.trim_start().starts_with(start)).expect(start) + 1;
    (path.to_string_lossy().into_owned(), line("https {"), line("shield = advanced"))
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn moodle_deploys_reads_back_and_a_second_apply_changes_nothing() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let (source, _, shield) = deployable_example(dir.path());
    let source = source.as_str();
    let cert = format!("certificate_arn={}", moto.certificate());
    let cert = cert.as_str();

    // Preflight: the example asks for Shield Advanced, and the account has
    // no subscription yet: an error at the source, before anything is made.
    let run = moto.run(&["plan", source, "--param", cert, "--param", SHA]);
    run.expect_code(1);
    assert!(run.stderr().contains("MHA806"), "{}", run.all());
    assert!(run.stderr().contains(&format!("{source}:{shield}")), "{}", run.all());
    assert!(run.stdout().is_empty(), "no plan after a preflight error\n{}", run.all());
    moto.shield_subscription();

    // The plan for a new stack: every resource an add, grouped by component
    // with its source line.
    let run = moto.run(&["plan", source, "--param", cert, "--param", SHA]);
    run.expect_code(0);
    let out = run.stdout();
    assert!(
        out.starts_with("Plan for stack moodle-prod in us-east-1 of account 123456789012 (no stack yet"),
        "{}",
        run.all()
    );
    assert!(out.contains("  Preflight: 12 checks against the account in "), "{}", run.all());
    // The security groups' rules and the IAM policies are access the
    // deployment grants: listed apart for review.
    assert!(out.contains("Changes that widen access (review them before approving):"), "{}", run.all());
    assert!(
        out.contains("> security group AlbSecurityGroup: allows tcp 443 from the internet (0.0.0.0/0)"),
        "{}",
        run.all()
    );
    // moto lists no orderable database options and does not implement the
    // reserved cache node offerings: preflight says it could not check.
    assert!(run.stderr().contains("MHA815"), "{}", run.all());
    assert!(out.contains("0 to modify, 0 to replace, 0 to remove"), "{}", run.all());
    assert!(out.contains(&format!("database moodle_db ({source}:")), "{}", run.all());

    // `plan -o` and `build --target plan` write the same plan.
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    moto.run(&["plan", source, "--param", cert, "--param", SHA, "-o", &a.to_string_lossy()]).expect_code(0);
    moto.run(&["build", source, "--target", "plan", "--param", cert, "--param", SHA, "-o", &b.to_string_lossy()])
        .expect_code(0);
    let read = |p: &std::path::Path| std::fs::read_to_string(p).expect("plan written");
    assert_eq!(read(&a), read(&b));
    let plan: Value = serde_json::from_str(&read(&a)).expect("JSON plan");
    assert_eq!(plan["stack"], "moodle-prod");
    assert_eq!(plan["region"], "us-east-1");
    assert_eq!(plan["deployed_template_sha256"], Value::Null);
    assert_eq!(plan["account"], "123456789012");
    assert_eq!(plan["preflight"]["skipped"], false);
    assert!(plan["capabilities"].as_array().is_some_and(|c| !c.is_empty()), "IAM resources need a capability");
    assert!(plan["parameters"]["CertificateArn"].is_string());

    // Apply.
    let run = moto.run(&["apply", source, "--param", cert, "--param", SHA, "--auto-approve"]);
    run.expect_code(0);
    assert!(run.stdout().contains("Stack moodle-prod: CREATE_COMPLETE"), "{}", run.all());
    assert_eq!(moto.stack_status("moodle-prod").as_deref(), Some("CREATE_COMPLETE"));

    // Read back what moto holds, through the AWS APIs.
    let vpcs = xml_values(
        &moto.query("ec2", "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=cidr&Filter.1.Value.1=10.0.0.0/16"),
        "vpcId",
    );
    assert_eq!(vpcs.len(), 1, "one VPC 10.0.0.0/16");
    let subnets = moto.query(
        "ec2",
        &format!("Action=DescribeSubnets&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1={}", vpcs[0]),
    );
    let zones = xml_values(&subnets, "availabilityZone");
    assert_eq!(zones.len(), 6, "six subnets in the VPC");
    assert_eq!(
        zones.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        BTreeSet::from(["us-east-1a", "us-east-1b"]),
        "in two zones"
    );
    assert_eq!(
        xml_values(&moto.query("elasticloadbalancing", "Action=DescribeLoadBalancers&Version=2015-12-01"), "Type"),
        vec!["application"],
        "one application load balancer"
    );
    let groups = moto.query("autoscaling", "Action=DescribeAutoScalingGroups&Version=2011-01-01");
    assert_eq!(xml_values(&groups, "AutoScalingGroupName").len(), 1, "one Auto Scaling group");
    assert_eq!(xml_values(&groups, "MinSize"), vec!["2"]);
    assert_eq!(xml_values(&groups, "MaxSize"), vec!["8"]);
    let databases = moto.query("rds", "Action=DescribeDBInstances&Version=2014-10-31");
    assert_eq!(xml_values(&databases, "Engine"), vec!["mysql"], "one MySQL database");
    assert_eq!(xml_values(&databases, "MultiAZ"), vec!["true"], "Multi-AZ");
    let buckets = moto.buckets();
    assert!(buckets.iter().any(|name| name.contains("moodledata")), "the moodledata bucket: {buckets:?}");

    // A second apply: nothing to do, no change set.
    // (The same value from a parameters file this time.)
    let params = dir.path().join("params.json");
    let arn = cert.trim_start_matches("certificate_arn=");
    let sha = SHA.trim_start_matches("moodle_sha256=");
    std::fs::write(&params, format!("{{\"certificate_arn\": \"{arn}\", \"moodle_sha256\": \"{sha}\"}}"))
        .expect("params written");
    let change_sets = moto.change_sets("moodle-prod");
    let run = moto.run(&["apply", source, "--params", &params.to_string_lossy()]);
    run.expect_code(0);
    assert!(run.stdout().contains("No changes: the deployed stack matches the source."), "{}", run.all());
    assert!(!run.stdout().contains("The service found nothing to change"), "a change set was made\n{}", run.all());
    assert_eq!(moto.change_sets("moodle-prod"), change_sets, "a no-op apply made a change set");
    assert_eq!(moto.stack_status("moodle-prod").as_deref(), Some("CREATE_COMPLETE"));

    // A prod stack is deleted only with confirmation.
    let run = moto.run(&["destroy", source]);
    run.expect_code(1);
    assert!(run.stderr().contains("refusing to delete stack moodle-prod (a prod stack)"), "{}", run.all());
    assert_eq!(moto.stack_status("moodle-prod").as_deref(), Some("CREATE_COMPLETE"));
    // (Deleting it is not tested here: moto deletes this stack's resources
    // in an order that fails with DependencyViolation. tests/deploy_small.rs
    // and tests/deploy_source.rs delete smaller stacks.)
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn a_failed_deployment_names_the_resource_and_its_source_line() {
    let moto = Moto::start();
    moto.shield_subscription();
    let dir = tempfile::tempdir().expect("temp dir");
    let (source, https, _) = deployable_example(dir.path());
    let source = source.as_str();
    // No such certificate: preflight says so at the source, before anything
    // is created ...
    let missing = "certificate_arn=arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";
    let run = moto.run(&["apply", source, "--param", missing, "--param", SHA, "--auto-approve"]);
    run.expect_code(1);
    assert!(run.stderr().contains("MHA802"), "{}", run.all());
    assert!(run.stderr().contains("no such certificate in us-east-1"), "{}", run.all());
    assert!(run.stderr().contains("`certificate_arn` = arn:aws:acm"), "the value supplied is named\n{}", run.all());
    assert_eq!(moto.stack_status("moodle-prod"), None, "preflight created nothing");
    // ... and with preflight skipped, the listener fails where it is made.
    let run = moto.run(&["apply", source, "--param", missing, "--param", SHA, "--auto-approve", "--skip-preflight"]);
    run.expect_code(1);
    let out = run.stdout();
    assert!(out.contains("Preflight skipped (--skip-preflight)"), "{}", run.all());
    assert!(out.contains("error: the deployment of stack moodle-prod failed"), "{}", run.all());
    assert!(out.contains("CertificateNotFound"), "{}", run.all());
    assert!(
        out.contains(&format!(
            "Failed resource: FrontHttpsListener (AWS::ElasticLoadBalancingV2::Listener) from load_balancer front ({source}:{https})"
        )),
        "{}",
        run.all()
    );
}
