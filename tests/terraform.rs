//! The Terraform backend (`mhac build --target terraform`): every example's
//! configuration is snapshotted, conforms to the AWS provider's schema, is
//! left unchanged by `terraform fmt` and passes checkov; addresses come from
//! source names only; stateful resources are protected in prod; the state
//! backend follows the source and the flags; `-o DIR` writes atomically and
//! leaves foreign files alone.
//!
//! Tests that run `terraform` have `terraform_` in their name (scripts/test
//! skips them, loudly, when terraform is not installed).

mod support;

use hcl::{Block, Body, Expression};
use mhac_backends::terraform::{self, Options, Output};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Compile a source and generate its configuration.
fn generate_text(text: &str, options: &Options) -> Output {
    let compilation = mhac_compiler::compile(text);
    let plan = compilation.plan().unwrap_or_else(|| {
        panic!("the source has errors: {:#?}", compilation.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>())
    });
    terraform::generate(plan, options).expect("the configuration generates")
}

fn generate(path: &Path) -> Output {
    generate_text(&std::fs::read_to_string(path).expect("example readable"), &Options::default())
}

/// Write an output into a fresh temporary directory.
fn write(output: &Output) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for file in &output.files {
        std::fs::write(dir.path().join(file.name), &file.contents).expect("file written");
    }
    dir
}

/// Every top-level block of an output, parsed back with hcl-rs.
fn blocks(output: &Output) -> Vec<Block> {
    output
        .files
        .iter()
        .flat_map(|file| {
            let body: Body = hcl::from_str(&file.contents).unwrap_or_else(|e| panic!("{} parses: {e}", file.name));
            body.into_blocks().collect::<Vec<_>>()
        })
        .collect()
}

/// `resource` / `data` blocks by address.
fn resources(output: &Output) -> BTreeMap<String, Block> {
    blocks(output)
        .into_iter()
        .filter(|b| b.identifier() == "resource" || b.identifier() == "data")
        .map(|b| {
            let labels: Vec<&str> = b.labels().iter().map(|l| l.as_str()).collect();
            let address = if b.identifier() == "data" {
                format!("data.{}.{}", labels[0], labels[1])
            } else {
                format!("{}.{}", labels[0], labels[1])
            };
            (address, b)
        })
        .collect()
}

/// The examples, and a variant that takes the backend down the paths they
/// do not (tests/data/terraform-variant.mha).
fn sources() -> Vec<PathBuf> {
    let mut sources = support::examples();
    sources.push(support::root().join("tests/data/terraform-variant.mha"));
    sources
}

#[test]
fn snapshots_of_every_example() {
    for example in sources() {
        let output = generate(&example);
        insta::assert_snapshot!(format!("terraform_{}", support::file_name(&example)), output.to_stream());
    }
}

#[test]
fn every_run_writes_the_same_files() {
    let names: Vec<&str> = terraform::file_names();
    assert_eq!(
        names,
        [
            "versions.tf",
            "providers.tf",
            "variables.tf",
            "network.tf",
            "security.tf",
            "load_balancer.tf",
            "compute.tf",
            "data.tf",
            "monitoring.tf",
            "site.tf",
            "outputs.tf"
        ]
    );
    for example in support::examples() {
        let output = generate(&example);
        assert_eq!(output.files.iter().map(|f| f.name).collect::<Vec<_>>(), names);
        assert_eq!(output, generate(&example), "output is deterministic");
    }
}

// ---------------------------------------------------------------------------
// Schema conformance

/// The AWS provider's schema (hashicorp/aws 6.66.0), from
/// ../shared/tools/terraform-oracle/aws-provider-schema.json.
fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let text = std::fs::read_to_string(support::root().join("tests/data/aws-provider-schema.json"))
            .expect("tests/data/aws-provider-schema.json");
        serde_json::from_str(&text).expect("the schema is JSON")
    })
}

/// Arguments every resource and data block may set besides its schema's.
const META_ARGUMENTS: &[&str] = &["count", "for_each", "depends_on", "provider"];

/// Checks blocks against the schema, collecting every violation.
struct Conformance<'s> {
    errors: Vec<String>,
    /// The WAF statement schema the compact schema elides (`"nesting": "opaque"`),
    /// taken from `aws_wafv2_web_acl_rule`, as the oracle's stand-in provider does.
    statement_donor: &'s Value,
}

impl<'s> Conformance<'s> {
    /// Check `body` against `node` (`{attributes, blocks}`); `root` resolves
    /// `recursive_ref`s.
    fn body(&mut self, path: &str, body: &Body, node: &'s Value, root: &'s Value, top: bool) {
        let attributes = node.get("attributes").and_then(Value::as_object);
        let nested = node.get("blocks").and_then(Value::as_object);
        for attribute in body.attributes() {
            let key = attribute.key();
            if top && META_ARGUMENTS.contains(&key) {
                continue;
            }
            let Some(spec) = attributes.and_then(|a| a.get(key)) else {
                self.errors.push(format!("{path}: unknown argument `{key}`"));
                continue;
            };
            let flag = |name: &str| spec.get(name).and_then(Value::as_bool).unwrap_or(false);
            if flag("computed") && !flag("optional") && !flag("required") {
                self.errors.push(format!("{path}: `{key}` is computed only and cannot be set"));
            }
            let ty = spec.get("type").and_then(Value::as_str).unwrap_or("dynamic");
            if let Some(problem) = type_mismatch(ty, attribute.expr()) {
                self.errors.push(format!("{path}: `{key}` should be {ty}: {problem}"));
            }
        }
        for (key, spec) in attributes.into_iter().flatten() {
            if spec.get("required").and_then(Value::as_bool) == Some(true) && !body.attributes().any(|a| a.key() == key)
            {
                self.errors.push(format!("{path}: required argument `{key}` is missing"));
            }
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for block in body.blocks() {
            let ident = block.identifier();
            if top && ident == "lifecycle" {
                continue;
            }
            *counts.entry(ident).or_default() += 1;
            let Some(spec) = nested.and_then(|b| b.get(ident)) else {
                self.errors.push(format!("{path}: unknown block `{ident}`"));
                continue;
            };
            let Some((spec, spec_root)) = self.resolve(spec, root) else {
                self.errors.push(format!("{path}: block `{ident}` cannot be resolved in the schema"));
                continue;
            };
            self.body(&format!("{path}.{ident}"), block.body(), spec, spec_root, false);
        }
        for (ident, spec) in nested.into_iter().flatten() {
            let nesting = spec.get("nesting").and_then(Value::as_str).unwrap_or("list");
            let count = counts.get(ident.as_str()).copied().unwrap_or(0);
            if spec.get("required").and_then(Value::as_bool) == Some(true) && count == 0 {
                self.errors.push(format!("{path}: required block `{ident}` is missing"));
            }
            if nesting == "single" && count > 1 {
                self.errors.push(format!("{path}: block `{ident}` may appear once, appears {count} times"));
            }
        }
    }

    fn resolve(&self, spec: &'s Value, root: &'s Value) -> Option<(&'s Value, &'s Value)> {
        if let Some(reference) = spec.get("recursive_ref").and_then(Value::as_str) {
            let mut node = root;
            for part in reference.split('.') {
                node = node.get("blocks")?.get(part)?;
            }
            return Some((node, root));
        }
        if spec.get("nesting").and_then(Value::as_str) == Some("opaque") {
            let donor = self.statement_donor.get("blocks")?.get("statement")?;
            return Some((donor, self.statement_donor));
        }
        Some((spec, root))
    }
}

/// Whether a literal contradicts a schema type (references, calls and
/// templates are Terraform's to check).
fn type_mismatch(ty: &str, expr: &Expression) -> Option<String> {
    let literal = match expr {
        Expression::Bool(_) => "a bool",
        Expression::Number(_) => "a number",
        Expression::String(_) => "a string",
        Expression::Array(_) => "a list",
        Expression::Object(_) => "an object",
        _ => return None,
    };
    let ok = match ty {
        "string" => matches!(expr, Expression::String(_)),
        "bool" => matches!(expr, Expression::Bool(_)),
        "number" => matches!(expr, Expression::Number(_)),
        t if t.starts_with("list(") || t.starts_with("set(") => matches!(expr, Expression::Array(_)),
        t if t.starts_with("map(") || t == "object" => matches!(expr, Expression::Object(_)),
        _ => true,
    };
    (!ok).then(|| format!("got {literal}"))
}

#[test]
fn schema_conformance_of_every_example() {
    let schema = schema();
    assert_eq!(schema["provider"]["version"], "6.66.0");
    let mut checked = BTreeSet::new();
    for example in sources() {
        let output = generate(&example);
        let mut conformance =
            Conformance { errors: Vec::new(), statement_donor: &schema["resources"]["aws_wafv2_web_acl_rule"] };
        for block in blocks(&output) {
            let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
            let (node, path) = match block.identifier() {
                "resource" => (&schema["resources"][labels[0]], format!("{}.{}", labels[0], labels[1])),
                "data" => (&schema["data_sources"][labels[0]], format!("data.{}.{}", labels[0], labels[1])),
                "provider" => (&schema["provider_config"], format!("provider.{}", labels[0])),
                _ => continue,
            };
            if node.is_null() {
                conformance.errors.push(format!("{path}: `{}` is not a type of the AWS provider", labels[0]));
                continue;
            }
            checked.insert(format!("{} {}", block.identifier(), labels[0]));
            conformance.body(&path, block.body(), node, node, true);
        }
        assert!(
            conformance.errors.is_empty(),
            "{} does not conform to the AWS provider schema:\n{}",
            support::file_name(&example),
            conformance.errors.join("\n")
        );
    }
    // The check saw the whole deployment, not a corner of it.
    for kind in [
        "resource aws_vpc",
        "resource aws_lb",
        "resource aws_wafv2_web_acl",
        "resource aws_launch_template",
        "resource aws_autoscaling_group",
        "resource aws_db_instance",
        "resource aws_efs_file_system",
        "resource aws_elasticache_replication_group",
        "resource aws_s3_bucket",
        "resource aws_cloudwatch_metric_alarm",
        "resource aws_vpn_connection",
        "resource aws_vpc_endpoint",
        "resource aws_nat_gateway",
        "resource aws_elasticache_cluster",
        "resource aws_shield_protection",
        "resource aws_wafv2_web_acl_logging_configuration",
        "resource aws_flow_log",
        "data aws_iam_policy_document",
        "data aws_ssm_parameter",
        "provider aws",
    ] {
        assert!(checked.contains(kind), "no example produced a `{kind}` block");
    }
}

#[test]
fn the_schema_check_catches_mistakes() {
    let schema = schema();
    let check = |text: &str| {
        let body: Body = hcl::from_str(text).expect("test HCL parses");
        let block = body.into_blocks().next().expect("one block");
        let ty = block.labels()[0].as_str().to_string();
        let node = &schema["resources"][ty.as_str()];
        let mut conformance =
            Conformance { errors: Vec::new(), statement_donor: &schema["resources"]["aws_wafv2_web_acl_rule"] };
        conformance.body("test", block.body(), node, node, true);
        conformance.errors
    };
    assert!(check("resource \"aws_vpc\" \"x\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n").is_empty());
    assert!(check("resource \"aws_vpc\" \"x\" {\n  cidr = \"10.0.0.0/16\"\n}\n")[0].contains("unknown argument"));
    assert!(check("resource \"aws_vpc\" \"x\" {\n  arn = \"a\"\n}\n")[0].contains("computed only"));
    assert!(
        check("resource \"aws_subnet\" \"x\" {\n  cidr_block = \"10.0.0.0/24\"\n}\n")[0]
            .contains("`vpc_id` is missing")
    );
    assert!(check("resource \"aws_vpc\" \"x\" {\n  enable_dns_support = \"yes\"\n}\n")[0].contains("should be bool"));
    assert!(check("resource \"aws_lb\" \"x\" {\n  access_log {}\n}\n")[0].contains("unknown block"));
}

// ---------------------------------------------------------------------------
// terraform fmt

fn terraform_fmt_check(dir: &Path) -> std::process::Output {
    Command::new(support::require_tool("terraform"))
        .args(["fmt", "-check", "-diff", "-no-color"])
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .current_dir(dir)
        .output()
        .expect("terraform runs")
}

#[test]
#[cfg_attr(not(tool_terraform), ignore = "needs terraform on PATH")]
fn terraform_fmt_leaves_every_file_unchanged() {
    for example in sources() {
        let output = generate(&example);
        let dir = write(&output);
        let result = terraform_fmt_check(dir.path());
        assert!(
            result.status.success(),
            "terraform fmt would change the output of {}:\n{}",
            support::file_name(&example),
            String::from_utf8_lossy(&result.stdout)
        );
        // And byte for byte: run fmt for real and compare.
        let status = Command::new(support::require_tool("terraform"))
            .args(["fmt", "-no-color"])
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .current_dir(dir.path())
            .status()
            .expect("terraform runs");
        assert!(status.success());
        for file in &output.files {
            let after = std::fs::read_to_string(dir.path().join(file.name)).expect("file readable");
            assert_eq!(after, file.contents, "terraform fmt changed {}", file.name);
        }
    }
}

/// hcl-rs's own formatting is not `terraform fmt`'s: the raw text fails the
/// check, which is why `terraform::format::canonical` exists, and the only
/// differences are spaces.
#[test]
#[cfg_attr(not(tool_terraform), ignore = "needs terraform on PATH")]
fn terraform_fmt_rejects_raw_hcl_rs_output() {
    let example = support::root().join("examples/moodle.mha");
    let text = std::fs::read_to_string(&example).expect("example readable");
    let compilation = mhac_compiler::compile(&text);
    let plan = compilation.plan().expect("example checks");
    let doc = terraform::build(plan, None).expect("builds");
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut differs = 0;
    for area in terraform::doc::Area::ALL {
        let raw = terraform::layout::render(&doc, area, false).expect("renders");
        let canonical = terraform::layout::render(&doc, area, true).expect("renders");
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(squash(&raw), squash(&canonical), "{}: the pass only moves spaces", area.file_name());
        if raw != canonical {
            differs += 1;
        }
        std::fs::write(dir.path().join(area.file_name()), raw).expect("written");
    }
    assert!(differs > 0);
    let result = terraform_fmt_check(dir.path());
    assert!(!result.status.success(), "terraform fmt accepts raw hcl-rs output: the post-processing would be needless");
}

// ---------------------------------------------------------------------------
// checkov

#[test]
#[cfg_attr(not(tool_checkov), ignore = "needs checkov on PATH: scripts/test installs it")]
fn checkov_reports_no_failed_check_on_any_example() {
    let checkov = support::require_tool("checkov");
    for example in sources() {
        let output = generate(&example);
        let dir = write(&output);
        let result = Command::new(&checkov)
            .args(["--framework", "terraform", "--skip-download", "--compact", "--quiet", "-o", "json", "-d"])
            .arg(dir.path())
            .output()
            .expect("checkov runs");
        let report: Value = serde_json::from_slice(&result.stdout)
            .unwrap_or_else(|e| panic!("checkov printed no JSON ({e}): {}", String::from_utf8_lossy(&result.stderr)));
        let reports = match report {
            Value::Array(reports) => reports,
            other => vec![other],
        };
        let mut failed = Vec::new();
        let mut passed = 0;
        for report in &reports {
            passed += report["summary"]["passed"].as_u64().unwrap_or(0);
            for check in report["results"]["failed_checks"].as_array().into_iter().flatten() {
                failed.push(format!("{} {} {}", check["check_id"], check["resource"], check["check_name"]));
            }
        }
        assert!(failed.is_empty(), "checkov failed checks on {}:\n{}", support::file_name(&example), failed.join("\n"));
        assert!(passed > 100, "checkov ran its Terraform checks ({passed} passed)");
    }
}

// ---------------------------------------------------------------------------
// Addresses

/// Adding components (before the others in the file, so every position
/// moves) adds blocks and changes no existing one.
#[test]
fn adding_a_component_renames_nothing() {
    let base_text = std::fs::read_to_string(support::root().join("examples/moodle.mha")).expect("example readable");
    let marker = "param moodle_sha256";
    let extra = "object_storage archive { versioning = true }\nparam admin_email : string\n";
    let grown_text = base_text.replacen(marker, &format!("{extra}{marker}"), 1);
    let grown_text = format!("{grown_text}\nsecurity_group spare {{ allow https from 10.50.0.0/16 }}\n");
    assert_ne!(grown_text, base_text);
    let base = resources(&generate_text(&base_text, &Options::default()));
    let grown = resources(&generate_text(&grown_text, &Options::default()));
    for (address, block) in &base {
        let Some(after) = grown.get(address) else { panic!("`{address}` disappeared when components were added") };
        assert_eq!(after, block, "`{address}` changed when unrelated components were added");
    }
    let added: Vec<&String> = grown.keys().filter(|a| !base.contains_key(*a)).collect();
    assert!(added.iter().any(|a| a.as_str() == "aws_s3_bucket.archive"), "{added:?}");
    assert!(added.iter().any(|a| a.as_str() == "aws_security_group.spare"), "{added:?}");
    assert!(added.iter().all(|a| a.contains("archive") || a.contains("spare")), "{added:?}");
}

/// Every address is a source name with fixed suffixes: none carries a
/// position or count.
#[test]
fn addresses_come_from_source_names() {
    let output = generate(&support::root().join("examples/moodle.mha"));
    let sources = [
        "main",
        "public",
        "app",
        "data",
        "corporate",
        "alb",
        "web",
        "db",
        "fs",
        "kv",
        "front",
        "moodle",
        "moodle_db",
        "dataroot",
        "sessions",
        "moodledata",
        // Deployment-wide blocks, one per deployment: the alarm topic, the
        // KMS key, the bucket of S3 access logs, the caller's identity, the
        // site's secrets.
        "notify",
        "site",
        "encryption",
        "s3_access_logs",
        "current",
    ];
    for address in resources(&output).keys() {
        let name = address.rsplit('.').next().unwrap_or_default();
        assert!(
            sources.iter().any(|source| name == *source || name.starts_with(&format!("{source}_"))),
            "`{address}` does not start with a source name"
        );
    }
}

// ---------------------------------------------------------------------------
// Stateful resources

fn prevents_destroy(block: &Block) -> bool {
    block.body().blocks().filter(|b| b.identifier() == "lifecycle").any(|lifecycle| {
        lifecycle.body().attributes().any(|a| a.key() == "prevent_destroy" && *a.expr() == Expression::Bool(true))
    })
}

#[test]
fn stateful_resources_are_protected_in_prod_only() {
    // The stateful resources, the key that encrypts their data, and the
    // secret that holds the cache's AUTH token.
    let stateful = [
        "aws_db_instance",
        "aws_efs_file_system",
        "aws_elasticache_replication_group",
        "aws_elasticache_cluster",
        "aws_s3_bucket",
        "aws_kms_key",
        "aws_secretsmanager_secret",
    ];
    let prod = resources(&generate(&support::root().join("examples/moodle.mha")));
    let mut protected = BTreeSet::new();
    for (address, block) in &prod {
        let ty = address.split('.').next().unwrap_or_default();
        assert_eq!(prevents_destroy(block), stateful.contains(&ty), "{address} in prod");
        if prevents_destroy(block) {
            protected.insert(ty);
        }
    }
    assert_eq!(
        protected.len(),
        6,
        "database, file system, cache, buckets, key and token secret are protected: {protected:?}"
    );
    let dev = resources(&generate(&support::root().join("examples/three-zones-postgres.mha")));
    for (address, block) in &dev {
        assert!(!prevents_destroy(block), "{address} is protected in dev");
    }
}

// ---------------------------------------------------------------------------
// State backend

fn backend(output: &Output) -> Option<BTreeMap<String, Expression>> {
    let versions = output.files.iter().find(|f| f.name == "versions.tf").expect("versions.tf");
    let body: Body = hcl::from_str(&versions.contents).expect("versions.tf parses");
    let terraform = body.into_blocks().find(|b| b.identifier() == "terraform").expect("terraform block");
    let backend = terraform.body().blocks().find(|b| b.identifier() == "backend")?.clone();
    assert_eq!(backend.labels()[0].as_str(), "s3");
    Some(backend.body().attributes().map(|a| (a.key().to_string(), a.expr().clone())).collect())
}

fn with_state(state: &str) -> String {
    let text = std::fs::read_to_string(support::root().join("examples/seed.mha")).expect("example readable");
    format!("{text}\n{state}\n")
}

#[test]
fn state_block_becomes_an_s3_backend() {
    let string = |s: &str| Expression::String(s.to_string());
    assert_eq!(backend(&generate(&support::root().join("examples/seed.mha"))), None, "no state block: local state");

    let locked = generate_text(
        &with_state("state { bucket = \"tf-state\", key = \"moodle/seed.tfstate\", lock_table = \"tf-locks\" }"),
        &Options::default(),
    );
    let locked = backend(&locked).expect("an S3 backend");
    assert_eq!(locked["bucket"], string("tf-state"));
    assert_eq!(locked["key"], string("moodle/seed.tfstate"));
    assert_eq!(locked["region"], string("us-east-1"));
    assert_eq!(locked["encrypt"], Expression::Bool(true));
    assert_eq!(locked["dynamodb_table"], string("tf-locks"));
    assert!(!locked.contains_key("use_lockfile"));

    let native = generate_text(
        &with_state("state { bucket = \"tf-state\", key = \"k\", region = \"eu-west-1\" }"),
        &Options::default(),
    );
    let native = backend(&native).expect("an S3 backend");
    assert_eq!(native["region"], string("eu-west-1"));
    assert_eq!(native["use_lockfile"], Expression::Bool(true));
    assert!(!native.contains_key("dynamodb_table"));

    let seed = std::fs::read_to_string(support::root().join("examples/seed.mha")).expect("example readable");
    let flags = Options { state_bucket: Some("flag-bucket".to_string()), state_key: None };
    let flagged = backend(&generate_text(&seed, &flags)).expect("an S3 backend from the flags");
    assert_eq!(flagged["bucket"], string("flag-bucket"));
    assert_eq!(flagged["key"], string("moodle-seed/terraform.tfstate"));
    assert_eq!(flagged["use_lockfile"], Expression::Bool(true));

    let overridden = Options { state_bucket: None, state_key: Some("other.tfstate".to_string()) };
    let overridden = backend(&generate_text(&with_state("state { bucket = \"b\", key = \"k\" }"), &overridden))
        .expect("an S3 backend");
    assert_eq!(overridden["bucket"], string("b"));
    assert_eq!(overridden["key"], string("other.tfstate"));

    let compilation = mhac_compiler::compile(&seed);
    let plan = compilation.plan().expect("seed checks");
    let key_only = Options { state_bucket: None, state_key: Some("k".to_string()) };
    assert_eq!(terraform::generate(plan, &key_only), Err(terraform::Error::StateKeyWithoutBucket));
}

// ---------------------------------------------------------------------------
// The command line

fn build_to(dir: &Path) -> std::process::Output {
    support::mhac()
        .args(["build", "examples/moodle.mha", "--target", "terraform", "-o"])
        .arg(dir)
        .output()
        .expect("mhac runs")
}

#[test]
fn cli_writes_every_file_and_keeps_foreign_ones() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let out = dir.path().join("infra");
    std::fs::create_dir(&out).expect("created");
    std::fs::write(out.join("notes.txt"), "mine").expect("written");
    std::fs::write(out.join("extra.tf"), "# my own file\n").expect("written");
    std::fs::write(out.join("network.tf"), "# an old generated file\n").expect("written");
    let result = build_to(&out);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let expected = generate(&support::root().join("examples/moodle.mha"));
    for file in &expected.files {
        assert_eq!(
            std::fs::read_to_string(out.join(file.name)).expect("generated file"),
            file.contents,
            "{}",
            file.name
        );
    }
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).expect("kept"), "mine");
    assert_eq!(std::fs::read_to_string(out.join("extra.tf")).expect("kept"), "# my own file\n");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("listable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), expected.files.len() + 2, "no temporary file is left: {names:?}");

    // A directory that does not exist yet is created.
    let fresh: PathBuf = dir.path().join("a/b/c");
    assert!(build_to(&fresh).status.success());
    assert!(fresh.join("versions.tf").is_file());
}

#[test]
fn cli_leaves_the_directory_as_it_was_on_error() {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("versions.tf"), "# from an earlier run\n").expect("written");
    std::fs::write(dir.path().join("notes.txt"), "mine").expect("written");
    // One destination cannot be replaced by a file.
    std::fs::create_dir(dir.path().join("network.tf")).expect("created");
    let result = build_to(dir.path());
    assert_eq!(result.status.code(), Some(2), "{}", String::from_utf8_lossy(&result.stderr));
    assert!(String::from_utf8_lossy(&result.stderr).contains("network.tf"));
    assert_eq!(std::fs::read_to_string(dir.path().join("versions.tf")).expect("kept"), "# from an earlier run\n");
    assert_eq!(std::fs::read_to_string(dir.path().join("notes.txt")).expect("kept"), "mine");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("listable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["network.tf", "notes.txt", "versions.tf"], "nothing was written");

    // A path that is a file cannot become the directory.
    let file = dir.path().join("notes.txt");
    let result = build_to(&file);
    assert_eq!(result.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&file).expect("kept"), "mine");
}

#[test]
fn cli_prints_every_file_without_output() {
    let result = support::run(&["build", "examples/moodle.mha", "--target", "terraform"]);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let stdout = String::from_utf8(result.stdout).expect("UTF-8");
    assert_eq!(stdout, generate(&support::root().join("examples/moodle.mha")).to_stream());
    let headers: Vec<&str> = stdout.lines().filter(|l| l.starts_with("# file: ")).collect();
    assert_eq!(headers.len(), terraform::file_names().len());
    assert_eq!(headers[0], "# file: versions.tf");
}

#[test]
fn cli_state_flags() {
    let result = support::run(&[
        "build",
        "examples/seed.mha",
        "--target",
        "terraform",
        "--state-bucket",
        "my-state",
        "--state-key",
        "seed.tfstate",
    ]);
    assert!(result.status.success());
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(stdout.contains("backend \"s3\""));
    assert!(stdout.contains("\"my-state\""));
    assert!(stdout.contains("\"seed.tfstate\""));

    let result = support::run(&["build", "examples/seed.mha", "--target", "terraform", "--state-key", "k"]);
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&result.stderr).contains("needs a bucket"));

    let result = support::run(&["build", "examples/seed.mha", "--state-bucket", "b"]);
    assert_eq!(result.status.code(), Some(2), "the flags are for the Terraform target");
}

/// Two components whose derived addresses meet are a coded error at both
/// source spans (MHA901), never a configuration with a duplicate block.
#[test]
fn clashing_addresses_are_an_error() {
    let text = std::fs::read_to_string(support::root().join("examples/moodle.mha")).expect("example readable");
    // The load balancer `front` has its access-log bucket at
    // `aws_s3_bucket.front_access_logs`.
    let clash = format!("{text}\nobject_storage front_access_logs {{ versioning = true }}\n");
    let compilation = mhac_compiler::compile(&clash);
    assert!(compilation.plan().is_none(), "nothing is built from colliding names");
    let collision = compilation
        .diagnostics
        .iter()
        .find(|d| d.code.as_str() == "MHA901" && d.message.contains("aws_s3_bucket.front_access_logs"))
        .expect("MHA901 names the address");
    let spans: Vec<&str> = collision.labels.iter().map(|l| &clash[l.span.start..l.span.end]).collect();
    assert!(spans.iter().any(|s| s.starts_with("load_balancer front")), "{spans:?}");
    assert!(spans.iter().any(|s| s.starts_with("object_storage front_access_logs")), "{spans:?}");
    let dir = tempfile::tempdir().expect("temporary directory");
    let source = dir.path().join("clash.mha");
    std::fs::write(&source, clash).expect("written");
    let out = dir.path().join("out");
    let result = support::mhac()
        .args(["build", "--target", "terraform", "-o"])
        .arg(&out)
        .arg(&source)
        .output()
        .expect("mhac runs");
    assert_eq!(result.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("aws_s3_bucket.front_access_logs") && stderr.contains("MHA901"), "{stderr}");
    assert!(!out.exists(), "nothing is written");
}
