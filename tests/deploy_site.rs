//! The site's name and mail through `mhac plan` and `apply` against a local
//! AWS API: moto_server with what its CloudFormation lacks filled in
//! (tests/support/moto_gaps.py creates certificates, SES identities and
//! configuration sets through moto's own ACM and SES), and a scripted
//! endpoint in front of it for SES's account status, which moto does not
//! answer. What the deployment made is read back through moto's ACM,
//! Route 53 and SES APIs.

#[path = "support/moto.rs"]
mod moto;
#[path = "support/scripted.rs"]
mod scripted;
mod support;

use moto::{Moto, Run};
use scripted::{Response, Scripted, on};
use support::{MOODLE_SHA256 as SHA, flat};

/// The 1-based line of `examples/moodle.mha` that starts with `start`.
fn example_line(start: &str) -> usize {
    let text = std::fs::read_to_string(support::root().join("examples/moodle.mha")).expect("the example");
    text.lines().position(|l| l.trim_start().starts_with(start)).expect(start) + 1
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn the_example_gets_its_certificate_records_and_mail_identity_from_route53() {
    let moto = Moto::start_filled();
    moto.shield_subscription();
    // A private zone of the same name is not the one: ACM cannot validate
    // through it.
    moto.hosted_zone("example.edu", true);
    let zone = moto.hosted_zone("example.edu", false);

    let run = moto.run(&["apply", "examples/moodle.mha", "--param", SHA, "--auto-approve"]);
    run.expect_code(0);
    assert!(run.stdout().contains(&format!("Hosted zone example.edu: {zone} (`SiteHostedZoneId`).")), "{}", run.all());
    assert_eq!(moto.stack_status("moodle-prod").as_deref(), Some("CREATE_COMPLETE"));
    assert!(run.stdout().contains("SiteUrl = https://moodle.example.edu"), "the outputs are printed\n{}", run.all());

    // The records, in the zone the source names.
    let records = moto.zone_records(&zone);
    let has = |name: &str, kind: &str, value: &str| {
        records.iter().any(|r| {
            let mut fields = r.splitn(3, ' ');
            let (n, k, v) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""), fields.next().unwrap_or(""));
            n.trim_end_matches('.').ends_with(name) && k == kind && v.contains(value)
        })
    };
    let expected = [
        ("moodle.example.edu", "A", "elb.amazonaws.com"),
        ("moodle.example.edu", "AAAA", "elb.amazonaws.com"),
        (".moodle.example.edu", "CNAME", "acm-validations.aws"),
        ("._domainkey.moodle.example.edu", "CNAME", ".dkim.amazonses.com"),
        ("bounce.moodle.example.edu", "MX", "10 feedback-smtp.us-east-1.amazonses.com"),
        ("bounce.moodle.example.edu", "TXT", "v=spf1 include:amazonses.com ~all"),
        ("_dmarc.moodle.example.edu", "TXT", "v=DMARC1; p=quarantine"),
    ];
    for (name, kind, value) in expected {
        assert!(has(name, kind, value), "no {name} {kind} {value} in the zone:\n{}", records.join("\n"));
    }
    let dkim = records.iter().filter(|r| r.contains("._domainkey.moodle.example.edu")).count();
    assert_eq!(dkim, 3, "three DKIM records:\n{}", records.join("\n"));

    // The certificate, issued for the domain, and the mail identity.
    let certificates = moto.json_call("acm", "CertificateManager.ListCertificates", "{}");
    assert!(certificates.contains("\"moodle.example.edu\""), "{certificates}");
    let identities = moto.rest("ses", "GET", "/v2/email/identities", "");
    assert!(identities.contains("moodle.example.edu"), "{identities}");

    // Nothing changes the second time; the zone is looked up again.
    let run = moto.run(&["apply", "examples/moodle.mha", "--param", SHA, "--auto-approve"]);
    run.expect_code(0);
    assert!(run.stdout().contains("No changes: the deployed stack matches the source."), "{}", run.all());
    assert_eq!(moto.zone_records(&zone).len(), records.len());
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn with_external_dns_apply_prints_the_records_to_add() {
    let moto = Moto::start_filled();
    let certificate = format!("certificate_arn={}", moto.certificate_in("us-west-2"));
    // The certificate is for another name than the site's: preflight would
    // say so (MHA805); it is not what this test is about.
    let run = moto.run(&[
        "apply",
        "examples/three-zones-postgres.mha",
        "--param",
        &certificate,
        "--param",
        SHA,
        "--auto-approve",
        "--skip-preflight",
    ]);
    run.expect_code(0);
    let out = run.stdout();
    assert!(
        out.contains(
            "DNS records to add for moodle-dev.example.edu (its DNS is managed outside mhac) (SiteDnsRecords):"
        ),
        "{}",
        run.all()
    );
    let block: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.contains("(SiteDnsRecords):"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(block.len(), 6, "the site's CNAME, three DKIM records, MX and SPF:\n{}", run.all());
    assert!(
        block[0].starts_with("  moodle-dev.example.edu CNAME ") && block[0].contains("elb.amazonaws.com"),
        "{block:?}"
    );
    for line in &block[1..4] {
        assert!(
            line.contains("._domainkey.moodle-dev.example.edu CNAME ") && line.ends_with(".dkim.amazonses.com"),
            "{block:?}"
        );
    }
    assert_eq!(block[4], "  bounce.moodle-dev.example.edu MX 10 feedback-smtp.us-west-2.amazonses.com");
    assert_eq!(block[5], "  bounce.moodle-dev.example.edu TXT \"v=spf1 include:amazonses.com ~all\"");
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn a_zone_name_that_is_not_one_public_zone_stops_plan_at_the_source() {
    let moto = Moto::start_filled();
    let line = example_line("dns ");
    // No zone at all: an error at `route53(...)`, even with preflight
    // skipped (the template needs the id); nothing is created.
    for extra in [None, Some("--skip-preflight")] {
        let mut args = vec!["plan", "examples/moodle.mha", "--param", SHA];
        args.extend(extra);
        let run = moto.run(&args);
        run.expect_code(1);
        let err = flat(&run.stderr());
        assert!(
            err.contains("MHA816") && err.contains("the account has no hosted zone named example.edu"),
            "{}",
            run.all()
        );
        assert!(err.contains(&format!("moodle.mha:{line}:")), "at the dns line {line}\n{}", run.all());
        assert!(run.stdout().is_empty(), "{}", run.all());
    }
    // Only a private zone of that name.
    let private = moto.hosted_zone("example.edu", true);
    let run = moto.run(&["plan", "examples/moodle.mha", "--param", SHA, "--skip-preflight"]);
    run.expect_code(1);
    assert!(
        flat(&run.stderr())
            .contains(&format!("the account's only hosted zone named example.edu is private ({private})")),
        "{}",
        run.all()
    );
    // The id given on the command line is used as it is.
    let run = moto.run(&[
        "plan",
        "examples/moodle.mha",
        "--param",
        SHA,
        "--param",
        "SiteHostedZoneId=Z0123456789ABCDEFGHIJ",
        "--skip-preflight",
    ]);
    run.expect_code(0);
    assert!(!run.stderr().contains("MHA816") && !run.stdout().contains("Hosted zone example.edu"), "{}", run.all());
    assert_eq!(moto.stack_status("moodle-prod"), None);
}

#[test]
#[cfg_attr(not(tool_moto), ignore = "needs moto_server on PATH: scripts/test installs moto[server]")]
fn plan_warns_while_ses_is_in_the_sandbox() {
    let moto = Moto::start_filled();
    moto.shield_subscription();
    moto.hosted_zone("example.edu", false);
    let account = |production: bool| {
        on(
            "ses",
            "GET /v2/email/account",
            Response::json(&format!(
                r#"{{"DedicatedIpAutoWarmupEnabled":false,"EnforcementStatus":"HEALTHY","ProductionAccessEnabled":{production},"SendingEnabled":true}}"#
            )),
        )
    };
    let plan = |scripted: &Scripted| {
        Run(moto
            .mhac()
            .env("AWS_ENDPOINT_URL", &scripted.endpoint)
            .args(["plan", "examples/moodle.mha", "--param", SHA])
            .output()
            .expect("mhac runs"))
    };
    let line = example_line("email {");
    let scripted = Scripted::start(Some(&moto.endpoint), vec![account(false)]);
    let run = plan(&scripted);
    run.expect_code(0);
    let err = flat(&run.stderr());
    assert!(
        err.contains("MHA817")
            && err.contains("Amazon SES in us-east-1 is in the sandbox for this account: the site can send mail only to verified addresses"),
        "{}",
        run.all()
    );
    assert!(err.contains(&format!("moodle.mha:{line}:")), "at the email line {line}\n{}", run.all());
    assert!(scripted.called("ses", "GET /v2/email/account"));
    // Production access: no warning.
    let scripted = Scripted::start(Some(&moto.endpoint), vec![account(true)]);
    let run = plan(&scripted);
    run.expect_code(0);
    assert!(!run.stderr().contains("MHA817"), "{}", run.all());
}
