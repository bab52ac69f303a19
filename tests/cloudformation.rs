//! The CloudFormation backend on every example, judged by the tools its
//! users run: cfn-lint (every finding, informational ones included) on the
//! JSON and YAML templates, checkov (no failed check; the few checks that
//! cannot apply are skipped in the template with a reason); snapshots of
//! the templates; and `mhac build` writing them.

mod support;

use mhac_backends::cloudformation::{Template, template, to_json, to_yaml};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn build(example: &Path) -> Template {
    let text = std::fs::read_to_string(example).expect("example is readable");
    let compilation = mhac_compiler::compile(&text);
    let plan = compilation.plan().unwrap_or_else(|| panic!("{} has errors", example.display()));
    template(plan)
}

fn stem(example: &Path) -> String {
    example.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Every example's JSON and YAML templates, written into `dir`.
fn write_templates(dir: &Path) -> Vec<(String, std::path::PathBuf, std::path::PathBuf)> {
    support::examples()
        .iter()
        .map(|example| {
            let body = build(example).body;
            let json = dir.join(format!("{}.json", stem(example)));
            let yaml = dir.join(format!("{}.yaml", stem(example)));
            std::fs::write(&json, to_json(&body)).expect("write JSON");
            std::fs::write(&yaml, to_yaml(&body)).expect("write YAML");
            (stem(example), json, yaml)
        })
        .collect()
}

#[test]
fn cloudformation_templates_match_snapshots() {
    let examples = support::examples();
    assert_eq!(examples.len(), 3, "one snapshot per example: add the new example's");
    for example in examples {
        insta::assert_snapshot!(stem(&example), to_json(&build(&example).body));
    }
}

#[test]
fn build_writes_json_and_yaml_templates() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for example in support::examples() {
        let body = build(&example).body;
        for (format, expected) in [("json", to_json(&body)), ("yaml", to_yaml(&body))] {
            let out = dir.path().join(format!("{}.{format}", stem(&example)));
            let output = support::run(&[
                "build",
                &example.to_string_lossy(),
                "--target",
                "cloudformation",
                "--format",
                format,
                "-o",
                &out.to_string_lossy(),
            ]);
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            assert_eq!(std::fs::read_to_string(&out).expect("output written"), expected);
        }
    }
    // JSON is the default, on standard output.
    let output = support::run(&["build", "examples/moodle.mha"]);
    assert!(output.status.success());
    let printed: Value = serde_json::from_slice(&output.stdout).expect("JSON on standard output");
    assert_eq!(printed, build(&support::root().join("examples/moodle.mha")).body);
}

#[test]
#[cfg_attr(not(tool_cfn_lint), ignore = "needs cfn-lint on PATH and its Python package: scripts/test installs them")]
fn cfn_lint_reports_nothing_on_any_example() {
    let cfn_lint = support::require_tool("cfn-lint");
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut files = Vec::new();
    for (_, json, yaml) in write_templates(dir.path()) {
        files.push(json);
        files.push(yaml);
    }
    let output = Command::new(cfn_lint)
        .args(["--include-checks", "I", "--format", "parseable", "--"])
        .args(&files)
        .output()
        .expect("cfn-lint runs");
    let findings = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && findings.trim().is_empty(),
        "cfn-lint findings:\n{findings}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A deployment past 500 resources is a parent and nested stacks: every
/// template passes cfn-lint as the examples do, except that the parent's
/// `TemplateURL`s name local files (W3002: they are for `aws cloudformation
/// package`, which uploads them; `mhac apply` uploads them itself).
#[test]
#[cfg_attr(not(tool_cfn_lint), ignore = "needs cfn-lint on PATH and its Python package: scripts/test installs them")]
fn cfn_lint_reports_nothing_on_nested_stacks() {
    let cfn_lint = support::require_tool("cfn-lint");
    let example = std::fs::read_to_string(support::root().join("examples/moodle.mha")).expect("example");
    let mut source = example.replace("scaling { min = 2, max = 8, target_cpu = 60 }", "scaling { min = 2, max = 2 }");
    for i in 0..50 {
        source.push_str(&format!(
            "\nload_balancer lb{i} {{\n  subnets = main.public\n  security_group = alb\n  https {{}}\n}}\n\
             app_servers app{i} {{\n  subnets = main.app\n  security_group = web\n  instance_type = \"m6i.large\"\n  \
             image = ssm(\"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64\")\n  \
             scaling {{ min = 2, max = 2 }}\n  behind lb{i} {{ health_check = \"/\" }}\n}}\n"
        ));
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("large.mha");
    std::fs::write(&file, source).expect("write");
    let out = dir.path().join("large.json");
    let built = support::run(&["build", &file.to_string_lossy(), "-o", &out.to_string_lossy()]);
    assert_eq!(built.status.code(), Some(0), "{}", String::from_utf8_lossy(&built.stderr));
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path())
        .expect("listing")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert!(files.len() > 4, "{files:?}");
    let output = Command::new(cfn_lint)
        .args(["--include-checks", "I", "--ignore-checks", "W3002", "--format", "parseable", "--"])
        .args(&files)
        .output()
        .expect("cfn-lint runs");
    let findings = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && findings.trim().is_empty(),
        "cfn-lint findings:\n{findings}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The checks each example's template skips, by check and logical ID. Each
/// carries its reason in the template; this list keeps a new skip from
/// slipping in unnoticed.
fn expected_skips(example: &str) -> BTreeSet<(String, String)> {
    let mut skips = vec![
        // Port 80 stays open on the load balancer so that it can redirect to HTTPS.
        ("CKV_AWS_260", if example == "three-zones-postgres" { "LbSecurityGroup" } else { "AlbSecurityGroup" }),
        // The bucket that receives server access logs does not log into itself.
        ("CKV_AWS_18", "S3AccessLogs"),
    ];
    if example == "three-zones-postgres" {
        // Its WAF uses the rule groups the source lists, without known_bad_inputs.
        skips.push(("CKV_AWS_192", "WebWebAcl"));
    }
    skips.into_iter().map(|(check, id)| (check.to_string(), id.to_string())).collect()
}

#[test]
#[cfg_attr(not(tool_checkov), ignore = "needs checkov on PATH: scripts/test installs it")]
fn checkov_fails_no_check_on_any_example() {
    let checkov = support::require_tool("checkov");
    let dir = tempfile::tempdir().expect("temporary directory");
    for (example, json, _) in write_templates(dir.path()) {
        let output = Command::new(&checkov)
            .env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "true")
            .args(["--framework", "cloudformation", "--skip-download", "--compact", "-o", "json", "-f"])
            .arg(&json)
            .output()
            .expect("checkov runs");
        let report: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("checkov's JSON report: {}", String::from_utf8_lossy(&output.stderr)));
        let results = &report["results"];
        let failed: Vec<String> = results["failed_checks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| format!("{} {} ({})", c["check_id"], c["resource"], c["check_name"]))
            .collect();
        assert!(failed.is_empty(), "{example}: checkov failed checks:\n{}", failed.join("\n"));
        assert!(report["summary"]["passed"].as_u64().unwrap_or(0) > 50, "{example}: checkov checked too little");
        let mut skipped = BTreeSet::new();
        for check in results["skipped_checks"].as_array().into_iter().flatten() {
            let reason = check["check_result"]["suppress_comment"].as_str().unwrap_or_default();
            assert!(reason.len() > 20, "{example}: skip without a reason: {check}");
            let resource = check["resource"].as_str().unwrap_or_default();
            let id = resource.rsplit('.').next().unwrap_or_default();
            skipped.insert((check["check_id"].as_str().unwrap_or_default().to_string(), id.to_string()));
        }
        assert_eq!(skipped, expected_skips(&example), "{example}: skipped checks");
    }
}

/// `apply`'s stateful guard works on resource types (it also judges saved
/// plans and deployed stacks it did not compile): its list holds the type
/// of every part the plan says holds data, in every example.
#[test]
fn the_stateful_guard_knows_every_stateful_part() {
    let mut seen = BTreeSet::new();
    for example in support::examples() {
        let text = std::fs::read_to_string(&example).expect("example is readable");
        let compilation = mhac_compiler::compile(&text);
        let plan = compilation.plan().unwrap_or_else(|| panic!("{} has errors", example.display()));
        for part in &plan.parts {
            let ty = mhac_backends::cloudformation::stateful_type(&part.kind);
            assert_eq!(ty.is_some(), part.kind.is_stateful(), "{:?}", part.kind);
            if let Some(ty) = ty {
                assert!(mhac_deploy::stateful::is_stateful(ty), "{ty} holds data, and apply's guard does not know it");
                seen.insert(ty);
            }
        }
    }
    assert!(seen.len() >= 4, "the examples hold a database, a cache, a file system and a bucket: {seen:?}");
}
