//! Nothing `mhac check` accepts fails later: a generated corpus of sources
//! (the examples mutated the ways users write them: names with `_` and
//! digits, no tags, unicode strings and tag values, three zones, dev and
//! prod, every engine and cache engine, with and without each optional
//! block) is built by both printers, and every member that checks without
//! errors must pass the ecosystem's tools:
//!
//! * cfn-lint with informational checks, on every CloudFormation template;
//! * checkov on every template and every Terraform directory;
//! * `terraform fmt -check` and an offline `terraform validate` against the
//!   AWS provider's schema (tests/support/terraform_stub_provider.py answers
//!   Terraform's plugin protocol from tests/data/aws-provider-schema.json).
//!
//! The corpus is deterministic; the test says how many sources each tool
//! checked, and fails if too few of them check cleanly to mean anything.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A variant: a base example and the text edits that make it.
struct Variant {
    name: &'static str,
    base: &'static str,
    edits: &'static [(&'static str, &'static str)],
}

/// Replace whole words (`front`, not `frontier`) everywhere.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + from.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(word) || after.is_some_and(word) {
            out.push_str(from);
        } else {
            out.push_str(to);
        }
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

/// An edit: `=word` renames a whole word everywhere; anything else replaces
/// the first occurrence of a text, which must be there.
fn apply(base: &str, edits: &[(&str, &str)], name: &str) -> String {
    let mut text = base.to_string();
    for (from, to) in edits {
        if let Some(word) = from.strip_prefix('=') {
            text = replace_word(&text, word, to);
        } else {
            assert!(text.contains(from), "{name}: `{from}` is not in the base");
            text = text.replacen(from, to, 1);
        }
    }
    text
}

const MOODLE: &str = "examples/moodle.mha";
const SEED: &str = "examples/seed.mha";
const THREE: &str = "examples/three-zones-postgres.mha";

const VARIANTS: &[Variant] = &[
    Variant {
        name: "underscored_names",
        base: MOODLE,
        edits: &[
            ("=front", "front_door_2"),
            ("=alb", "alb_sg_1"),
            ("=web", "web_tier_1"),
            ("=moodle_db", "db_2024_main"),
            ("=sessions", "sessions_cache_1"),
            ("=dataroot", "data_root_7"),
            ("=moodledata", "files_2"),
            ("=corporate", "corp_vpn_9"),
            ("=kv", "kv_store_3"),
            ("=main", "net_01"),
        ],
    },
    Variant {
        name: "no_tags",
        base: MOODLE,
        edits: &[("  tags    = { Project = \"moodle\", Environment = \"prod\" }\n", "")],
    },
    Variant {
        name: "unicode",
        base: MOODLE,
        edits: &[
            (
                "{ Project = \"moodle\", Environment = \"prod\" }",
                "{ Projekt = \"Mööd-le Zürich\", Owner = \"Zoë Ōtsuka\" }",
            ),
            ("notify = \"ops@example.edu\"", "notify = [\"ops@example.edu\", \"moodle-admins+alarms@example.edu\"]"),
        ],
    },
    Variant {
        name: "graviton_literal_certificate",
        base: MOODLE,
        edits: &[
            ("instance_type  = \"m6i.large\"", "instance_type  = \"m7g.large\""),
            ("al2023-ami-kernel-default-x86_64", "al2023-ami-kernel-default-arm64"),
            // An explicit certificate beside the site's domain: no certificate requested.
            (
                "https { redirect_http = true }",
                "https { certificate = \"arn:aws:acm:us-east-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b\", redirect_http = true }",
            ),
        ],
    },
    Variant {
        name: "zone_by_id_no_email",
        base: MOODLE,
        edits: &[
            ("dns         = route53(\"example.edu\")", "dns         = route53(\"Z0123456789ABCDEFGHIJ\")"),
            ("  email { from = \"noreply@moodle.example.edu\" }  # through Amazon SES, DKIM-signed\n", ""),
        ],
    },
    Variant {
        name: "external_dns_certificate_param",
        base: MOODLE,
        edits: &[
            ("dns         = route53(\"example.edu\")", "dns         = external"),
            ("https { redirect_http = true }", "https { certificate = param.certificate_arn, redirect_http = true }"),
            ("param moodle_sha256 : string", "param certificate_arn : string\nparam moodle_sha256 : string"),
        ],
    },
    Variant {
        name: "no_domain",
        base: MOODLE,
        edits: &[
            ("domain      = \"moodle.example.edu\"", "wwwroot     = \"https://moodle.example.edu\""),
            ("  dns         = route53(\"example.edu\")  # the hosted zone mhac writes the records to\n", ""),
            ("  email { from = \"noreply@moodle.example.edu\" }  # through Amazon SES, DKIM-signed\n", ""),
            ("https { redirect_http = true }", "https { certificate = param.certificate_arn, redirect_http = true }"),
            ("param moodle_sha256 : string", "param certificate_arn : string\nparam moodle_sha256 : string"),
        ],
    },
    Variant {
        name: "dev_everything_off",
        base: THREE,
        edits: &[
            ("  waf { managed = [common, php], allow_large_uploads = true }\n", "  access_logs = false\n"),
            (
                "  engine         = postgres(\"16\")",
                "  engine         = postgres(\"16\")\n  multi_az       = false\n  encrypted      = false",
            ),
        ],
    },
    Variant {
        name: "ami_and_no_nat",
        base: SEED,
        edits: &[
            (
                "image          = ssm(\"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64\")",
                "image          = \"ami-0123456789abcdef0\"",
            ),
            (
                "  nat = per_zone\n",
                "  nat = none\n  endpoints = [s3, ssm, ssmmessages, ec2messages, logs, monitoring]\n",
            ),
        ],
    },
    Variant {
        name: "dev_mariadb",
        base: MOODLE,
        edits: &[("profile = prod", "profile = dev"), ("mysql(\"8.0\")", "mariadb(\"10.11\")")],
    },
    Variant {
        name: "postgres_prod",
        base: MOODLE,
        edits: &[("mysql(\"8.0\")", "postgres(\"16\")"), ("allow mysql from web", "allow postgres from web")],
    },
    Variant {
        name: "no_optional_blocks",
        base: MOODLE,
        edits: &[
            (
                "  waf {\n    managed             = [common, known_bad_inputs, sqli, php, ip_reputation]\n    rate_limit          = 2000\n    allow_large_uploads = true\n  }\n",
                "",
            ),
            ("  shield = advanced\n", ""),
            ("object_storage moodledata { versioning = true }  # file pool (tool_objectfs)\n", ""),
            (
                "  alarm front.target_5xx > 10 for 5m\n  alarm moodle_db.cpu > 80 for 10m\n  alarm front.unhealthy_hosts >= 1 for 2m\n",
                "",
            ),
            ("  flow_logs = true\n", ""),
        ],
    },
    Variant {
        name: "single_nat_endpoints_valkey",
        base: MOODLE,
        edits: &[
            (
                "nat       = per_zone",
                "nat       = single\n  endpoints = [s3, ssm, ssmmessages, ec2messages, logs, monitoring, secretsmanager, kms]",
            ),
            ("engine = redis", "engine = valkey"),
            ("allow redis from web", "allow valkey from web"),
        ],
    },
    Variant {
        name: "memcached_and_asn",
        base: MOODLE,
        edits: &[
            ("bgp_asn          = 65000", "bgp_asn          = 4200000001"),
            (
                "cache sessions { engine = redis, subnets = main.data, security_group = kv }",
                "cache sessions { engine = redis, subnets = main.data, security_group = kv }\ncache muc { engine = memcached, subnets = main.data, security_group = mc, use = application }",
            ),
            (
                "security_group kv { allow redis from web }",
                "security_group kv { allow redis from web }\nsecurity_group mc { allow memcached from web }",
            ),
        ],
    },
    Variant { name: "seed", base: SEED, edits: &[] },
    Variant {
        name: "seed_no_tags_dev",
        base: SEED,
        edits: &[("  tags    = { Project = \"moodle\" }\n", ""), ("profile = prod", "profile = dev")],
    },
    Variant { name: "three_zones", base: THREE, edits: &[] },
    Variant {
        name: "three_zones_prod_mysql",
        base: THREE,
        edits: &[
            ("profile = dev", "profile = prod"),
            ("postgres(\"16\")", "mysql(\"8.4\")"),
            ("allow postgres from app", "allow mysql from app"),
        ],
    },
    Variant {
        name: "three_zones_no_https",
        base: THREE,
        edits: &[
            ("  https { certificate = param.certificate_arn }\n", ""),
            ("allow https, http from internet", "allow http from internet"),
            ("domain      = \"moodle-dev.example.edu\"", "wwwroot     = \"http://moodle-dev.example.edu\""),
            ("  dns         = external  # campus DNS: mhac prints the records to add\n", ""),
            ("  email { from = \"noreply@moodle-dev.example.edu\" }\n", ""),
        ],
    },
    Variant { name: "equivalence_variant", base: "tests/data/equivalence-variant.mha", edits: &[] },
    Variant { name: "terraform_variant", base: "tests/data/terraform-variant.mha", edits: &[] },
];

/// `examples/moodle.mha` with an alarm on every metric of every component
/// (below the threshold, beside the example's own alarms above it).
fn every_alarm() -> String {
    let base = std::fs::read_to_string(support::root().join(MOODLE)).expect("the example is readable");
    let components = [
        ("load_balancer", "front"),
        ("app_servers", "moodle"),
        ("database", "moodle_db"),
        ("file_system", "dataroot"),
        ("cache", "sessions"),
        ("object_storage", "moodledata"),
        ("vpn", "corporate"),
    ];
    let mut alarms = String::new();
    for (kind, name) in components {
        for (key, metric) in &mhac_compiler::stdlib::stdlib().metrics.components[kind] {
            let duration = if metric.period == Some(86_400) { "1d" } else { "5m" };
            alarms.push_str(&format!("  alarm {name}.{key} < 1 for {duration}\n"));
        }
    }
    base.replacen("monitoring {\n", &format!("monitoring {{\n{alarms}"), 1)
}

/// Every member: the listed variants and the generated ones.
fn members() -> Vec<(String, String)> {
    let mut members: Vec<(String, String)> = VARIANTS
        .iter()
        .map(|variant| {
            let base = std::fs::read_to_string(support::root().join(variant.base)).expect("the base is readable");
            (variant.name.to_string(), apply(&base, variant.edits, variant.name))
        })
        .collect();
    members.push(("every_alarm".to_string(), every_alarm()));
    members
}

/// The corpus, written as sources, templates and Terraform directories;
/// the names of the members that check without errors.
fn build_corpus(dir: &Path) -> Vec<String> {
    let mut accepted = Vec::new();
    for (name, text) in members() {
        let compilation = mhac_compiler::compile(&text);
        let Some(plan) = compilation.plan() else {
            let errors: Vec<String> = compilation
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("{} {}", d.code, d.message))
                .collect();
            eprintln!("corpus: {name} does not check ({errors:?}); it is not a member");
            continue;
        };
        std::fs::write(dir.join(format!("{name}.mha")), &text).expect("written");
        let template = mhac_backends::cloudformation::template(plan);
        let cfn = dir.join("cfn");
        std::fs::create_dir_all(&cfn).expect("cfn directory");
        std::fs::write(cfn.join(format!("{name}.json")), mhac_backends::cloudformation::to_json(&template.body))
            .expect("written");
        let output =
            mhac_backends::terraform::generate(plan, &Default::default()).expect("the Terraform configuration");
        let tf = dir.join("tf").join(&name);
        std::fs::create_dir_all(&tf).expect("tf directory");
        for file in &output.files {
            std::fs::write(tf.join(file.name), &file.contents).expect("written");
        }
        accepted.push(name);
    }
    accepted
}

/// Failed checkov checks in a report (one report or a list of them).
fn checkov_failures(stdout: &[u8], stderr: &[u8]) -> (Vec<String>, u64) {
    let report: Value = serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("checkov printed no JSON ({e}): {}", String::from_utf8_lossy(stderr)));
    let reports = match report {
        Value::Array(reports) => reports,
        other => vec![other],
    };
    let mut failed = Vec::new();
    let mut passed = 0;
    for report in &reports {
        passed += report["summary"]["passed"].as_u64().unwrap_or(0);
        for check in report["results"]["failed_checks"].as_array().into_iter().flatten() {
            failed.push(format!(
                "{} {} {} ({})",
                check["file_path"], check["check_id"], check["resource"], check["check_name"]
            ));
        }
    }
    (failed, passed)
}

fn accepted_enough(accepted: &[String]) {
    assert!(
        accepted.len() == members().len(),
        "only {} of {} variants check cleanly ({accepted:?}): each variant is written to be valid",
        accepted.len(),
        members().len()
    );
}

#[test]
#[cfg_attr(not(tool_cfn_lint), ignore = "needs cfn-lint on PATH and its Python package: scripts/test installs them")]
fn cfn_lint_accepts_every_corpus_template() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let accepted = build_corpus(dir.path());
    accepted_enough(&accepted);
    let templates: Vec<PathBuf> = accepted.iter().map(|n| dir.path().join("cfn").join(format!("{n}.json"))).collect();
    let output = Command::new(support::require_tool("cfn-lint"))
        .args(["--include-checks", "I", "--format", "parseable", "--"])
        .args(&templates)
        .output()
        .expect("cfn-lint runs");
    let findings = String::from_utf8_lossy(&output.stdout);
    eprintln!("corpus: cfn-lint checked {} templates", templates.len());
    assert!(findings.trim().is_empty(), "cfn-lint findings on the corpus:\n{findings}");
}

#[test]
#[cfg_attr(not(tool_checkov), ignore = "needs checkov on PATH: scripts/test installs it")]
fn checkov_fails_nothing_in_the_corpus() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let accepted = build_corpus(dir.path());
    accepted_enough(&accepted);
    let checkov = support::require_tool("checkov");
    let mut failures = Vec::new();
    for (framework, path) in [("cloudformation", dir.path().join("cfn")), ("terraform", dir.path().join("tf"))] {
        let output = Command::new(&checkov)
            .env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "true")
            .args(["--framework", framework, "--skip-download", "--compact", "--quiet", "-o", "json", "-d"])
            .arg(&path)
            .output()
            .expect("checkov runs");
        let (failed, passed) = checkov_failures(&output.stdout, &output.stderr);
        eprintln!("corpus: checkov ({framework}) checked {} sources, {passed} checks passed", accepted.len());
        assert!(passed > 100 * accepted.len() as u64 / 2, "checkov ({framework}) ran too few checks: {passed}");
        failures.extend(failed);
    }
    assert!(failures.is_empty(), "checkov failed checks in the corpus:\n{}", failures.join("\n"));
}

#[test]
#[cfg_attr(not(tool_terraform), ignore = "needs terraform on PATH")]
#[cfg_attr(
    not(tool_tf_stub),
    ignore = "needs the PyPI package tf (the offline provider stand-in): scripts/test installs it"
)]
fn terraform_validates_every_corpus_configuration() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let accepted = build_corpus(dir.path());
    accepted_enough(&accepted);
    let terraform = support::require_tool("terraform");
    let python = support::require_tool("python3");
    // The launcher Terraform runs as the provider, and a CLI configuration
    // that points hashicorp/aws at it (no registry, no `init`).
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins).expect("plugins directory");
    let launcher = plugins.join("terraform-provider-aws");
    let stub = support::root().join("tests/support/terraform_stub_provider.py");
    std::fs::write(&launcher, format!("#!/bin/sh\nexec '{}' '{}' \"$@\"\n", python.display(), stub.display()))
        .expect("launcher written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755)).expect("launcher executable");
    }
    let config = dir.path().join("dev.tfrc");
    std::fs::write(
        &config,
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"hashicorp/aws\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            plugins.display()
        ),
    )
    .expect("CLI configuration written");
    let schema = support::root().join("tests/data/aws-provider-schema.json");
    let mut failures = Vec::new();
    for name in &accepted {
        let tf = dir.path().join("tf").join(name);
        let fmt = Command::new(&terraform)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .args(["fmt", "-check", "-recursive", "-no-color"])
            .current_dir(&tf)
            .output()
            .expect("terraform fmt runs");
        if !fmt.status.success() {
            failures.push(format!("{name}: terraform fmt -check: {}", String::from_utf8_lossy(&fmt.stdout)));
        }
        // validate wants `init` with a backend block: validate a copy without the state backend.
        let validate = Command::new(&terraform)
            .env("TF_CLI_CONFIG_FILE", &config)
            .env("TF_STUB_SCHEMA", &schema)
            .env("TF_IN_AUTOMATION", "1")
            .args(["validate", "-no-color"])
            .current_dir(&tf)
            .output()
            .expect("terraform validate runs");
        let text =
            format!("{}{}", String::from_utf8_lossy(&validate.stdout), String::from_utf8_lossy(&validate.stderr));
        if !validate.status.success() || !text.contains("Success!") {
            failures.push(format!("{name}: terraform validate:\n{text}"));
        }
    }
    eprintln!("corpus: terraform fmt and validate checked {} configurations", accepted.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
