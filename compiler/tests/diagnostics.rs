//! Diagnostics: a failing fixture per code, a snapshot of each fixture's
//! rendering, and the checks that keep codes, fixtures, snapshots and
//! explanations in step (`cargo test -p mhac-compiler`).
//!
//! Fixtures live in `compiler/tests/fixtures/diagnostics/`, named after the
//! code they demonstrate: `MHA305_single_az.mha`, `MHA305_dev.mha`. A fixture
//! whose name ends in `_dev` uses `profile = dev` and shows the code relaxed
//! to a warning. Snapshots live in `compiler/tests/snapshots/`.

use mhac_compiler::diagnostics::{Code, DevProfile, Diagnostic, Severity};
use mhac_compiler::preflight::{
    self, Answers, Certificate, Fact, HostedZone, Image, ImageRef, Questions, Quota, QuotaUse,
};
use mhac_compiler::render::{self, HumanOptions};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const FIXTURES: &str = "tests/fixtures/diagnostics";
const SNAPSHOTS: &str = "tests/snapshots";
const EXPLANATIONS: &str = "explanations";

/// The compiler crate's directory.
fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository root (the examples).
fn repository() -> PathBuf {
    crate_root().join("..")
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Every fixture, sorted.
fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(crate_root().join(FIXTURES))
        .expect("the fixtures directory exists")
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "mha"))
        .collect();
    files.sort();
    files
}

/// The code a fixture's name claims: `MHA305_single_az.mha` → MHA305.
fn claimed_code(path: &Path) -> Option<Code> {
    let name = file_name(path);
    Code::parse(name.split(['_', '.']).next().unwrap_or_default())
}

/// Codes reported when a deployment is planned or applied, not by `check`.
fn is_deployment_code(code: Code) -> bool {
    code.as_str().starts_with("MHA8")
}

/// Codes raised only against an AWS account: preflight (MHA802 to MHA817).
/// `compile` alone cannot raise them, so their fixtures are checked the way
/// `mhac plan` checks a deployment, against [`scripted_account`].
fn is_preflight_code(code: Code) -> bool {
    ("MHA802"..="MHA817").contains(&code.as_str())
}

/// A fixed account for the preflight fixtures, answering from the values
/// asked about (the deploy tests run the same rules against the local AWS
/// emulator and a scripted endpoint):
///
/// * it is in us-east-1;
/// * a certificate whose ARN ends in `/missing` does not exist, one ending
///   in `/pending` awaits validation; the others are issued for
///   `moodle.example.edu` and `*.example.edu`;
/// * it has no Shield Advanced subscription;
/// * us-east-1e offers only the t3 and m5 instance types; every other zone
///   offers every type;
/// * `db.x2` classes cannot be ordered; the region lists no orderable
///   options at all for MariaDB (the question cannot be answered);
/// * `cache.r6gd` node types are not offered;
/// * image parameters under `/restricted/` are denied to the credentials,
///   paths containing `missing` and the AMI `ami-00000000000000000` do not
///   exist, AMIs starting `ami-0a` are arm64 and the others x86_64;
/// * five NAT gateways are in use in us-east-1c (the quota is five per
///   zone) and one VPC; every other quota is unused;
/// * its hosted zones (answered by [`scripted_zones`]): `example.edu`
///   (public, `Z0EXAMPLEEDU`), `campus.example` (private), `twice.example`
///   (public, twice); no other;
/// * SES has not granted it production access (it is in the sandbox).
fn scripted_account(questions: &Questions) -> Answers {
    let mut answers = Answers::new("us-east-1");
    for question in &questions.certificates {
        let certificate = if question.arn.ends_with("/missing") {
            None
        } else {
            let status = if question.arn.ends_with("/pending") { "PENDING_VALIDATION" } else { "ISSUED" };
            Some(Certificate {
                status: status.to_string(),
                names: vec!["moodle.example.edu".to_string(), "*.example.edu".to_string()],
            })
        };
        answers.certificates.insert(question.arn.clone(), Fact::Known(certificate));
    }
    if !questions.shield_advanced.is_empty() {
        answers.shield_subscription = Some(Fact::Known(false));
    }
    for instance_type in questions.instance_type_names() {
        let everywhere = instance_type.starts_with("t3.") || instance_type.starts_with("m5.");
        let zones = questions.zones.iter().filter(|z| everywhere || z.as_str() != "us-east-1e").cloned().collect();
        answers.instance_offerings.insert(instance_type, Fact::Known(zones));
    }
    for question in &questions.db_classes {
        let fact = if question.engine == "mariadb" {
            Fact::Unknown("the region lists no orderable options for mariadb".to_string())
        } else {
            Fact::Known(!question.class.starts_with("db.x2"))
        };
        answers.db_classes.insert((question.engine.clone(), question.version.clone(), question.class.clone()), fact);
    }
    for question in &questions.cache_node_types {
        let fact = Fact::Known(!question.node_type.starts_with("cache.r6gd"));
        answers.cache_node_types.insert((question.engine.clone(), question.node_type.clone()), fact);
    }
    for question in &questions.images {
        let fact = match &question.image {
            ImageRef::Ssm(path) if path.starts_with("/restricted/") => Fact::Forbidden("ssm:GetParameter".to_string()),
            ImageRef::Ssm(path) if path.contains("missing") => Fact::Known(None),
            ImageRef::Ssm(path) => Fact::Known(Some(Image {
                id: "ami-0123456789abcdef0".to_string(),
                architecture: mhac_compiler::aws::image_architecture(path).map_or("x86_64", |a| a.as_str()).to_string(),
            })),
            ImageRef::Ami(id) if id == "ami-00000000000000000" => Fact::Known(None),
            ImageRef::Ami(id) => Fact::Known(Some(Image {
                id: id.clone(),
                architecture: if id.starts_with("ami-0a") { "arm64" } else { "x86_64" }.to_string(),
            })),
        };
        answers.images.insert(question.image.clone(), fact);
    }
    for key in questions.quota_keys() {
        let used = match (key.quota, key.zone.as_deref()) {
            (Quota::NatGatewaysPerZone, Some("us-east-1c")) => 5,
            (Quota::Vpcs, _) => 1,
            _ => 0,
        };
        answers
            .quotas
            .insert(key.clone(), Fact::Known(QuotaUse { limit: key.quota.default_limit(), assumed: false, used }));
    }
    if questions.mail.is_some() {
        answers.ses_production_access = Some(Fact::Known(false));
    }
    answers
}

/// The scripted account's hosted zones (listed at [`scripted_account`]), by the
/// names asked about.
fn scripted_zones(questions: &Questions) -> BTreeMap<String, Fact<Vec<HostedZone>>> {
    let mut out = BTreeMap::new();
    for question in &questions.hosted_zones {
        let zone = |id: &str, private| HostedZone { id: id.to_string(), private };
        let zones = match question.name.as_str() {
            "example.edu" => vec![zone("Z0EXAMPLEEDU", false)],
            "campus.example" => vec![zone("Z0CAMPUS", true)],
            "twice.example" => vec![zone("Z0TWICE1", false), zone("Z0TWICE2", false)],
            _ => Vec::new(),
        };
        out.insert(question.name.clone(), Fact::Known(zones));
    }
    out
}

/// The deployment-time diagnostics of a compilation: missing parameter
/// values (MHA801, no value given) and, when it compiles, the preflight
/// findings against [`scripted_account`].
fn deployment_diagnostics(compilation: &mhac_compiler::Compilation) -> Vec<Diagnostic> {
    let mut out = mhac_compiler::params::missing_values(compilation.model(), |_| false);
    if let (Some(model), Some(plan)) = (compilation.checked(), compilation.plan()) {
        let questions = preflight::questions(model, plan, &compilation.file, &BTreeMap::new());
        out.extend(preflight::zone_ids(&questions, &scripted_zones(&questions)).1);
        out.extend(preflight::findings(&questions, &scripted_account(&questions)));
    }
    out
}

/// A fixture compiled the way `mhac check` compiles a file (decoding
/// included): its text and diagnostics. The fixtures of deployment-time
/// codes (MHA8xx) are also checked the way `mhac plan` and `apply` check a
/// deployment: with no parameter values given, and against the scripted
/// account.
fn load(path: &Path) -> (String, Vec<Diagnostic>) {
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let (text, mut compilation) = mhac_compiler::compile_bytes(&bytes);
    if claimed_code(path).is_some_and(is_deployment_code) {
        let extra = deployment_diagnostics(&compilation);
        compilation.diagnostics.extend(extra);
    }
    (text, compilation.diagnostics)
}

/// The codes a source text raises, at deployment time for MHA8xx codes.
fn codes_of(text: &str, code: Code) -> BTreeSet<Code> {
    let compilation = mhac_compiler::compile(text);
    let mut codes: BTreeSet<Code> = compilation.diagnostics.iter().map(|d| d.code).collect();
    if is_deployment_code(code) {
        codes.extend(deployment_diagnostics(&compilation).iter().map(|d| d.code));
    }
    codes
}

/// Every preflight code is raised by its fixtures against the scripted
/// account and by nothing `compile` does alone: `mhac check` and `build` of
/// the same fixtures are clean of them.
#[test]
fn preflight_codes_are_raised_against_an_account_only() {
    let mut problems = Vec::new();
    for path in fixtures() {
        let Some(code) = claimed_code(&path).filter(|c| is_preflight_code(*c)) else { continue };
        let text = std::fs::read_to_string(&path).expect("fixture");
        let compiled = mhac_compiler::compile(&text);
        if compiled.diagnostics.iter().any(|d| is_preflight_code(d.code)) {
            problems.push(format!("{}: `compile` raised a preflight code", file_name(&path)));
        }
        if compiled.plan().is_none() {
            problems.push(format!("{}: does not compile cleanly, so preflight never runs on it", file_name(&path)));
        }
        if !codes_of(&text, code).contains(&code) {
            problems.push(format!("{}: the scripted account does not raise {code}", file_name(&path)));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What a fixture's snapshot holds: the source, then every diagnostic as
/// `mhac check` renders it without colour at 80 columns.
fn render(path: &Path) -> String {
    let (text, diagnostics) = load(path);
    let name = file_name(path);
    let options = HumanOptions { color: false, width: 80 };
    format!("----- SOURCE\n{}----- DIAGNOSTICS\n{}", text, render::human_all(&diagnostics, &name, &text, options))
}

#[test]
fn fixtures_render_as_snapshotted() {
    insta::glob!("fixtures/diagnostics/*.mha", |path| {
        insta::assert_snapshot!(render(path));
    });
}

#[test]
fn every_fixture_emits_the_code_in_its_name() {
    let mut problems = Vec::new();
    for path in fixtures() {
        let name = file_name(&path);
        let Some(code) = claimed_code(&path) else {
            problems.push(format!("{name}: the name does not start with a known code (MHA###_what.mha)"));
            continue;
        };
        let (_, diagnostics) = load(&path);
        let emitted: Vec<_> = diagnostics.iter().filter(|d| d.code == code).collect();
        if emitted.is_empty() {
            let found: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
            problems.push(format!("{name}: does not emit {code} (emits {found:?})"));
            continue;
        }
        // `_dev` fixtures show the profile relaxing the code; the others the
        // code at its full (prod) severity.
        let expected = if name.ends_with("_dev.mha") {
            if code.dev_profile() != DevProfile::Relaxed {
                problems.push(format!("{name}: a _dev fixture for {code}, which profile = dev does not relax"));
            }
            Severity::Warning
        } else {
            code.severity()
        };
        if emitted.iter().any(|d| d.severity != expected) {
            problems.push(format!("{name}: {code} is not reported as {expected}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_code_has_a_fixture_a_snapshot_and_an_explanation() {
    let mut by_code: BTreeMap<Code, Vec<String>> = BTreeMap::new();
    for path in fixtures() {
        if let Some(code) = claimed_code(&path) {
            by_code.entry(code).or_default().push(file_name(&path));
        }
    }
    let snapshots: BTreeSet<String> = std::fs::read_dir(crate_root().join(SNAPSHOTS))
        .expect("the snapshots directory exists")
        .map(|entry| file_name(&entry.expect("a readable directory entry").path()))
        .filter_map(|name| {
            name.strip_prefix("diagnostics__fixtures_render_as_snapshotted@")
                .and_then(|rest| rest.strip_suffix(".snap"))
                .map(str::to_string)
        })
        .collect();
    let mut problems = Vec::new();
    for code in Code::ALL {
        match by_code.get(code) {
            None => problems.push(format!("{code}: no fixture in {FIXTURES}")),
            Some(names) => {
                for name in names.iter().filter(|name| !snapshots.contains(*name)) {
                    problems.push(format!("{code}: no snapshot for {name} (run the tests with INSTA_UPDATE=new)"));
                }
            }
        }
        if code.dev_profile() == DevProfile::Relaxed
            && !by_code.get(code).is_some_and(|names| names.iter().any(|n| n.ends_with("_dev.mha")))
        {
            problems.push(format!("{code}: profile = dev relaxes it, and no _dev fixture shows that"));
        }
        problems.extend(explanation_problems(*code));
    }
    let fixture_names: BTreeSet<String> = fixtures().iter().map(|p| file_name(p)).collect();
    for snapshot in snapshots.difference(&fixture_names) {
        problems.push(format!("the snapshot of {snapshot} has no fixture: delete it"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_explanation_file_is_for_a_known_code() {
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(crate_root().join(EXPLANATIONS)).expect("the explanations directory exists") {
        let path = entry.expect("a readable directory entry").path();
        let name = file_name(&path);
        match name.strip_suffix(".md").and_then(Code::parse) {
            Some(code) if code.as_str() == name.trim_end_matches(".md") => {}
            _ => problems.push(format!("compiler/{EXPLANATIONS}/{name} explains no code mhac has")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The fenced `mha` blocks of a Markdown text, in order.
fn mha_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```mha") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// Where `example` is in `source`: an ellipsis (`…`) in the example stands
/// for text of one line the explanation leaves out (a value thousands of
/// characters long).
fn excerpt(source: &str, example: &str) -> Option<std::ops::Range<usize>> {
    let mut pieces = example.split('…');
    let first = pieces.next()?;
    let mut from = 0;
    while let Some(found) = source[from..].find(first) {
        let start = from + found;
        let mut end = start + first.len();
        let all = pieces.clone().all(|piece| match source[end..].find(piece) {
            Some(at) if !source[end..end + at].contains('\n') => {
                end += at + piece.len();
                true
            }
            _ => false,
        });
        if all {
            return Some(start..end);
        }
        from = start + 1;
    }
    None
}

/// What is wrong with a code's explanation: its shape (title, example,
/// profile line, length), and whether its example is real: the failing
/// snippet is part of one of the code's fixtures, and putting the fixed
/// snippet in its place makes the code go away without raising another.
fn explanation_problems(code: Code) -> Vec<String> {
    let text = code.explanation();
    let mut problems = Vec::new();
    let title = format!("# {code}: {}", code.title());
    if text.lines().next() != Some(title.as_str()) {
        problems.push(format!("{code}: the explanation's first line is not `{title}`"));
    }
    let lines = text.lines().count();
    if !(12..=60).contains(&lines) {
        problems.push(format!("{code}: the explanation has {lines} lines; write 15 to 40"));
    }
    match text.lines().filter(|l| l.starts_with("Profile: ")).collect::<Vec<_>>().as_slice() {
        [line] => {
            let relaxed = line.contains("relaxes") && line.contains("warning");
            match code.dev_profile() {
                DevProfile::Relaxed if !relaxed => problems
                    .push(format!("{code}: the Profile line must say that profile = dev relaxes it to a warning")),
                DevProfile::Same if line.contains("relaxes") => {
                    problems.push(format!("{code}: the Profile line says the profile relaxes a code it does not"))
                }
                _ => {}
            }
        }
        _ => problems.push(format!("{code}: the explanation needs exactly one line starting `Profile: `")),
    }
    let blocks = mha_blocks(text);
    let [failing, fixed, ..] = blocks.as_slice() else {
        problems.push(format!("{code}: the explanation needs a failing ```mha example and its fix"));
        return problems;
    };
    // The one code whose failing input cannot be shown as text.
    if code == Code::InvalidInput {
        return problems;
    }
    let fixture = fixtures().into_iter().filter(|p| claimed_code(p) == Some(code)).find_map(|path| {
        let source = std::fs::read_to_string(&path).ok()?;
        let range = excerpt(&source, failing)?;
        Some((source, range))
    });
    let Some((source, range)) = fixture else {
        problems.push(format!("{code}: the failing example is not an excerpt of any of its fixtures:\n{failing}"));
        return problems;
    };
    let before = codes_of(&source, code);
    let fixed_source = format!("{}{fixed}{}", &source[..range.start], &source[range.end..]);
    let after = codes_of(&fixed_source, code);
    if after.contains(&code) {
        problems.push(format!("{code}: the fixed example still emits {code}"));
    }
    let new: Vec<_> = after.difference(&before).collect();
    if !new.is_empty() {
        problems.push(format!("{code}: the fixed example raises {new:?}"));
    }
    problems
}

/// A syntax error in a block is reported once: the block is broken, not
/// missing, so nothing else says its name is unknown, that the file has no
/// such block, or that what it would have used or supplied is absent.
#[test]
fn a_block_with_a_syntax_error_is_broken_not_missing() {
    let example = std::fs::read_to_string(repository().join("examples/moodle.mha")).expect("example");
    let breakages = [
        ("security_group db { allow mysql from web }", "security_group db { allow mysql frm web }"),
        ("security_group web { allow http from alb }", "security_group web { allow http from alb"),
        ("  cidr      = 10.0.0.0/16", "  cidr      = = 10.0.0.0/16"),
        ("  region  = \"us-east-1\"", "  region  = \"us-east-1"),
        ("cache sessions { engine = redis,", "cache sessions { engine = redis,,"),
        ("file_system dataroot { subnets = main.app,", "file_system dataroot { subnets = main.app,,"),
        ("param moodle_sha256 : string", "param moodle_sha256 : : string"),
        ("  email { from = \"noreply@moodle.example.edu\" }", "  email { from = = \"noreply@moodle.example.edu\" }"),
        (
            "load_balancer front {\n  subnets        = main.public",
            "load_balancer front {\n  subnets        main.public",
        ),
        ("  backup_days    = 7\n", "  backup_days    = 7 days\n"),
    ];
    let mut problems = Vec::new();
    for (from, to) in breakages {
        assert_eq!(example.matches(from).count(), 1, "{from}");
        let broken = example.replacen(from, to, 1);
        let codes: Vec<&str> = mhac_compiler::compile(&broken).diagnostics.iter().map(|d| d.code.as_str()).collect();
        if codes != ["MHA001"] {
            problems.push(format!("{to:?}: {codes:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// An unresolved name is reported once, where it is written: the value is
/// poisoned, and no later rule draws a conclusion from its absence (that a
/// group is unused, that data is reachable from outside the app tier, that
/// a path is missing, that app servers are behind no load balancer).
#[test]
fn an_unresolved_name_yields_exactly_one_error() {
    let example = std::fs::read_to_string(repository().join("examples/moodle.mha")).expect("example");
    let typos = [
        ("security_group = web", "security_group = app_gs"),
        ("security_group = alb", "security_group = alb_gs"),
        ("security_group = db", "security_group = db_gs"),
        ("subnets = main.app, security_group = fs", "subnets = main.app, security_group = fs_gs"),
        ("subnets = main.data, security_group = kv", "subnets = main.data, security_group = kv_gs"),
        ("subnets        = main.app", "subnets        = main.aap"),
        ("subnets        = main.public", "subnets        = mian.public"),
        ("subnets        = main.data", "subnets        = main.dta"),
        ("behind front", "behind frnt"),
        ("allow http from alb", "allow http from abl"),
        ("allow mysql from web", "allow mysql from wbe"),
        ("allow mysql from web", "allow mysqll from web"),
        ("allow nfs from web", "allow tcp 99999 from web"),
        ("allow redis from web", "allow redis from 10.0.0.0/33"),
        ("network          = main", "network          = mian"),
        ("reach            = [app, data]", "reach            = [app, dta]"),
        ("code_sha256 = param.moodle_sha256", "code_sha256 = param.moodle_sha265"),
        ("alarm moodle_db.cpu", "alarm moodle_dbb.cpu"),
        ("alarm front.target_5xx", "alarm frnt.target_5xx"),
    ];
    let mut problems = Vec::new();
    for (from, to) in typos {
        assert!(example.contains(from), "{from}");
        let source = example.replacen(from, to, 1);
        let codes: Vec<&str> = mhac_compiler::compile(&source).diagnostics.iter().map(|d| d.code.as_str()).collect();
        if codes.len() != 1 {
            problems.push(format!("{to:?}: {codes:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
