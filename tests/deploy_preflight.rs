//! Preflight (MHA802-MHA815) through the `mhac` binary: against a local
//! AWS API (moto_server) where it answers the questions, and against a
//! scripted endpoint in front of it (tests/support/scripted.rs) where it
//! does not: a call the account forbids, a database class or cache node
//! type the region does not sell, Shield Advanced without a subscription,
//! a quota used up.

#[path = "support/moto.rs"]
mod moto;
#[path = "support/scripted.rs"]
mod scripted;
mod support;

use moto::{Moto, write};
use scripted::{Request, Response, Rule, Scripted, on};
use serde_json::Value;
use support::{MOODLE_SHA256, flat};

/// A small deployment: a network with NAT gateways, an app server group
/// behind a load balancer, a database and a cache.
fn source(zones: &str, image: &str, certificate: &str) -> String {
    format!(
        r#"deployment "pre" {{
  region  = "us-east-1"
  zones   = [{zones}]
  moodle  = "4.5"
  profile = dev
}}

param certificate_arn : string = "{certificate}"

network main {{
  cidr = 10.0.0.0/16
  tier public {{ kind = public,   cidrs = [10.0.0.0/24,  10.0.1.0/24]  }}
  tier app    {{ kind = private,  cidrs = [10.0.10.0/24, 10.0.11.0/24] }}
  tier data   {{ kind = isolated, cidrs = [10.0.20.0/24, 10.0.21.0/24] }}
}}

security_group alb {{ allow https, http from internet }}
security_group web {{ allow http from alb }}
security_group db  {{ allow mysql from web }}
security_group kv  {{ allow redis from web }}

load_balancer front {{
  subnets        = main.public
  security_group = alb
  https {{ certificate = param.certificate_arn }}
}}

app_servers moodle {{
  subnets        = main.app
  security_group = web
  instance_type  = "m6i.large"
  image          = {image}
  scaling {{ min = 2, max = 2 }}
  behind front {{ health_check = "/login/index.php" }}
}}

database moodle_db {{
  engine         = mysql("8.0")
  class          = "db.r6g.large"
  subnets        = main.data
  security_group = db
}}

cache sessions {{ engine = redis, subnets = main.data, security_group = kv }}
"#
    )
}

const AL2023: &str = r#"ssm("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")"#;
const ZONES: &str = r#""us-east-1a", "us-east-1b""#;

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn preflight_reports_what_the_emulator_knows_at_the_source() {
    // Certificates stay pending validation for an hour here.
    let moto = Moto::start_with(&[("MOTO_ACM_VALIDATION_WAIT", "3600")]);
    let dir = tempfile::tempdir().expect("temp dir");
    let pending = moto.certificate();

    // A pending certificate, a zone that lacks the instance type, an AMI
    // that does not exist: three errors, each at its line.
    let file =
        write(dir.path(), "pre.mha", &source(r#""us-east-1a", "us-east-1e""#, r#""ami-00000000000000000""#, &pending));
    let run = moto.run(&["plan", &file]);
    run.expect_code(1);
    let err = flat(&run.stderr());
    for (code, text) in [
        ("MHA803", "is PENDING_VALIDATION, not ISSUED"),
        ("MHA807", "instance type m6i.large is not offered in us-east-1e (app servers `moodle`)"),
        ("MHA810", "image ami-00000000000000000 does not exist in us-east-1"),
    ] {
        assert!(err.contains(code) && err.contains(text), "{code}: {text}\n{}", run.all());
    }
    assert!(err.contains("pre.mha:31:"), "the instance type's line\n{}", run.all());
    assert!(err.contains("preflight found 3 problems"), "{}", run.all());
    assert!(run.stdout().is_empty(), "{}", run.all());
    assert_eq!(moto.stack_status("pre"), None);

    // The same deployment in good zones with the image parameter: only the
    // certificate is left; --skip-preflight skips it, and says so in the
    // output and the plan file.
    write(dir.path(), "pre.mha", &source(ZONES, AL2023, &pending));
    let run = moto.run(&["plan", &file]);
    run.expect_code(1);
    assert!(run.stderr().contains("MHA803") && !run.stderr().contains("MHA807"), "{}", run.all());
    let plan_file = dir.path().join("plan.json");
    let run = moto.run(&["plan", &file, "--skip-preflight", "-o", &plan_file.to_string_lossy()]);
    run.expect_code(0);
    assert!(run.stderr().contains("Preflight skipped (--skip-preflight)"), "{}", run.all());
    assert!(
        run.stdout().contains("Preflight skipped (--skip-preflight): nothing was checked against the account."),
        "{}",
        run.all()
    );
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&plan_file).expect("plan")).expect("JSON");
    assert_eq!(plan["preflight"]["skipped"], true);
    assert_eq!(plan["account"], "123456789012");

    // A plan made for another account is refused by credentials of this one.
    let mut other: Value = plan.clone();
    other["account"] = Value::from("111122223333");
    let other_file = write(dir.path(), "other.json", &serde_json::to_string(&other).expect("JSON"));
    let run = moto.run(&["apply", &other_file]);
    run.expect_code(1);
    assert!(
        run.stderr().contains(
            "error[MHA813]: the credentials are for account 123456789012, and the plan was made for account 111122223333"
        ),
        "{}",
        run.all()
    );
    assert_eq!(moto.stack_status("pre"), None);
    // The plan itself applies: it says preflight was skipped.
    let run = moto.run(&["apply", &plan_file.to_string_lossy()]);
    run.expect_code(0);
    assert!(run.stdout().contains("this plan was made with --skip-preflight"), "{}", run.all());
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn quota_headroom_leaves_out_what_the_stack_holds_already() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let certificate = moto.certificate();
    let file = write(dir.path(), "pre.mha", &source(ZONES, AL2023, &certificate));
    moto.run(&["apply", &file, "--auto-approve"]).expect_code(0);
    // The region now holds the default VPC and the deployment's; three
    // more fill the quota of five.
    for i in 1..=3 {
        moto.query("ec2", &format!("Action=CreateVpc&Version=2016-11-15&CidrBlock=10.{i}.0.0/16"));
    }
    // The deployment's own VPC does not count against it: planning it again
    // is fine.
    let run = moto.run(&["plan", &file]);
    run.expect_code(0);
    assert!(!run.stderr().contains("MHA812"), "{}", run.all());
    // Another deployment needs one more VPC than the quota leaves.
    let other = source(ZONES, AL2023, &certificate).replace(r#"deployment "pre""#, r#"deployment "pre2""#);
    let other = write(dir.path(), "pre2.mha", &other);
    let run = moto.run(&["plan", &other]);
    run.expect_code(1);
    assert!(
        flat(&run.stderr()).contains("the deployment needs 1 VPC, and the quota VPCs per Region leaves room for 0"),
        "{}",
        run.all()
    );
    assert!(flat(&run.stderr()).contains("--quota-code L-F678F1CE --desired-value 6"), "{}", run.all());
}

fn xml_rds(inner: &str) -> Response {
    Response::query("DescribeOrderableDBInstanceOptions", "http://rds.amazonaws.com/doc/2014-10-31/", inner)
}

fn xml_elasticache(inner: &str) -> Response {
    Response::query("DescribeReservedCacheNodesOfferings", "http://elasticache.amazonaws.com/doc/2015-02-02/", inner)
}

fn when(service: &'static str, action: &'static str, test: fn(&Request) -> bool, response: Response) -> Rule {
    Box::new(move |request| {
        (request.service == service && request.action == action && test(request)).then(|| response.clone())
    })
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn preflight_against_a_scripted_account() {
    let moto = Moto::start();
    let certificate = moto.certificate();
    let rules: Vec<Rule> = vec![
        // The account forbids the instance type offerings: a warning naming
        // the permission, not a failure.
        on(
            "ec2",
            "DescribeInstanceTypeOfferings",
            Response::ec2_error(403, "UnauthorizedOperation", "You are not authorized to perform this operation."),
        ),
        // RDS sells another class for MySQL, not db.r6g.large.
        when(
            "rds",
            "DescribeOrderableDBInstanceOptions",
            |r| r.form("DBInstanceClass").is_some(),
            xml_rds("<OrderableDBInstanceOptions></OrderableDBInstanceOptions>"),
        ),
        when(
            "rds",
            "DescribeOrderableDBInstanceOptions",
            |r| r.form("DBInstanceClass").is_none(),
            xml_rds(
                "<OrderableDBInstanceOptions><OrderableDBInstanceOption><Engine>mysql</Engine><EngineVersion>8.0.39</EngineVersion><DBInstanceClass>db.m7g.large</DBInstanceClass></OrderableDBInstanceOption></OrderableDBInstanceOptions>",
            ),
        ),
        // ElastiCache offers other node types, not cache.t4g.medium.
        when(
            "elasticache",
            "DescribeReservedCacheNodesOfferings",
            |r| r.form("CacheNodeType").is_some(),
            xml_elasticache("<ReservedCacheNodesOfferings></ReservedCacheNodesOfferings>"),
        ),
        when(
            "elasticache",
            "DescribeReservedCacheNodesOfferings",
            |r| r.form("CacheNodeType").is_none(),
            xml_elasticache(
                "<ReservedCacheNodesOfferings><ReservedCacheNodesOffering><ReservedCacheNodesOfferingId>o-1</ReservedCacheNodesOfferingId><CacheNodeType>cache.r7g.large</CacheNodeType></ReservedCacheNodesOffering></ReservedCacheNodesOfferings>",
            ),
        ),
        // One Elastic IP address allowed, and the NAT gateways want two.
        when(
            "servicequotas",
            "GetServiceQuota",
            |r| r.body.contains("L-0263D0A3"),
            Response::json(
                r#"{"Quota":{"ServiceCode":"ec2","QuotaCode":"L-0263D0A3","QuotaName":"EC2-VPC Elastic IPs","Value":1.0}}"#,
            ),
        ),
        // The certificate may not be read.
        on(
            "acm",
            "DescribeCertificate",
            Response::json_error(
                400,
                "AccessDeniedException",
                "User is not authorized to perform acm:DescribeCertificate",
            ),
        ),
    ];
    let scripted = Scripted::start(Some(&moto.endpoint), rules);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "pre.mha", &source(ZONES, AL2023, &certificate));
    let run = moto::Run(
        moto.mhac().env("AWS_ENDPOINT_URL", &scripted.endpoint).args(["plan", &file]).output().expect("mhac runs"),
    );
    run.expect_code(1);
    let err = flat(&run.stderr());
    for (code, text) in [
        (
            "MHA814",
            "preflight could not check where instance type m6i.large is offered: the account denies ec2:DescribeInstanceTypeOfferings",
        ),
        ("MHA814", "the account denies acm:DescribeCertificate"),
        ("MHA808", "database class db.r6g.large cannot be ordered for mysql 8.0 in us-east-1 (database `moodle_db`)"),
        ("MHA809", "cache node type cache.t4g.medium is not offered for redis in us-east-1 (cache `sessions`)"),
        ("MHA812", "the deployment needs 2 Elastic IP addresses, and the quota EC2-VPC Elastic IPs leaves room for 1"),
    ] {
        assert!(err.contains(code) && err.contains(text), "{code}: {text}\n{}", run.all());
    }
    assert!(err.contains("preflight found 3 problems"), "the warnings are not failures\n{}", run.all());
    assert!(scripted.called("sts", "GetCallerIdentity"));
    assert!(!scripted.called("cloudformation", "CreateChangeSet"), "preflight changed nothing");
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn shield_advanced_needs_an_active_subscription() {
    let moto = Moto::start_filled();
    // The example's site writes its records into this zone.
    moto.hosted_zone("example.edu", false);
    // `mhac plan` of the example with the scripted account saying the
    // subscription is in `state`.
    let plan = |state: &str| {
        let answer = Response::json(&format!(r#"{{"SubscriptionState":"{state}"}}"#));
        let scripted = Scripted::start(Some(&moto.endpoint), vec![on("shield", "GetSubscriptionState", answer)]);
        moto::Run(
            moto.mhac()
                .env("AWS_ENDPOINT_URL", &scripted.endpoint)
                .args(["plan", "examples/moodle.mha", "--param", MOODLE_SHA256])
                .output()
                .expect("mhac runs"),
        )
    };
    let run = plan("INACTIVE");
    run.expect_code(1);
    assert!(run.stderr().contains("MHA806"), "{}", run.all());
    assert!(
        flat(&run.stderr())
            .contains("load balancer `front` asks for Shield Advanced, and the account has no active subscription"),
        "{}",
        run.all()
    );
    // An active one clears it.
    let run = plan("ACTIVE");
    run.expect_code(0);
    assert!(!run.stderr().contains("MHA806"), "{}", run.all());
}
