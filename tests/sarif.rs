//! `mhac check --message-format sarif`: SARIF 2.1.0 that validates against
//! the official schema (checked with Python's jsonschema), one rule per
//! code, one result per diagnostic with the same region as the JSON format,
//! and the other labels as related locations.

mod support;

use mhac_compiler::diagnostics::Code;
use serde_json::Value;
use std::path::Path;

/// Validate a SARIF document against tests/data/sarif-schema-2.1.0.json.
fn validate(document: &Path) {
    let python = support::require_tool("python3");
    let script = r#"
import json, sys
try:
    import jsonschema
except ImportError:
    sys.exit("jsonschema is not installed: run the tests with scripts/test")
schema = json.load(open(sys.argv[1]))
document = json.load(open(sys.argv[2]))
validator = jsonschema.validators.validator_for(schema)
validator.check_schema(schema)
errors = sorted(validator(schema).iter_errors(document), key=lambda e: list(e.path))
for error in errors:
    print("/".join(map(str, error.path)), error.message)
sys.exit(1 if errors else 0)
"#;
    let schema = support::root().join("tests/data/sarif-schema-2.1.0.json");
    let output = std::process::Command::new(python)
        .args(["-c", script])
        .arg(&schema)
        .arg(document)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "SARIF does not validate:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn broken_copy(dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(support::root().join("examples/moodle.mha")).expect("example");
    let broken = text
        .replace("10.0.11.0/24", "10.0.10.128/25")
        .replace("security_group = web", "security_group = wbe")
        .replace("\"moodle-prod\"", "\"moodlé-prod\"")
        .replace("alarm moodle_db.cpu > 80 for 10m", "alarm moodle_db.cpux > 80 for 10m");
    let path = dir.join("broken copy.mha");
    std::fs::write(&path, broken).expect("write");
    path
}

#[test]
#[cfg_attr(not(tool_jsonschema), ignore = "needs the Python package jsonschema: scripts/test installs it")]
fn sarif_validates_and_matches_the_json_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = broken_copy(dir.path());
    let mut files: Vec<String> = support::examples().iter().map(|p| p.display().to_string()).collect();
    files.push(broken.display().to_string());
    let args = |format: &'static str| {
        let mut args = vec!["check", "--message-format", format];
        args.extend(files.iter().map(String::as_str));
        args
    };
    let sarif_output = support::run(&args("sarif"));
    let json_output = support::run(&args("json"));
    assert_eq!(sarif_output.status.code(), Some(1), "the broken copy has errors");
    let sarif_path = dir.path().join("check.sarif");
    std::fs::write(&sarif_path, &sarif_output.stdout).expect("write");
    validate(&sarif_path);

    let sarif: Value = serde_json::from_slice(&sarif_output.stdout).expect("SARIF is JSON");
    let json: Value = serde_json::from_slice(&json_output.stdout).expect("JSON report");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), Code::ALL.len());
    for (rule, code) in rules.iter().zip(Code::ALL) {
        assert_eq!(rule["id"], code.as_str());
        assert_eq!(rule["shortDescription"]["text"], code.title());
        assert_eq!(rule["help"]["markdown"], code.explanation().trim());
    }
    let results = run["results"].as_array().expect("results");
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(results.len(), diagnostics.len());
    assert!(results.len() >= 4, "{results:#?}");
    for (result, diagnostic) in results.iter().zip(diagnostics) {
        assert_eq!(result["ruleId"], diagnostic["code"]);
        assert_eq!(rules[result["ruleIndex"].as_u64().expect("index") as usize]["id"], diagnostic["code"]);
        assert_eq!(result["level"], diagnostic["severity"]);
        let message = result["message"]["text"].as_str().expect("message");
        assert!(message.starts_with(diagnostic["message"].as_str().expect("message")));
        let location = &result["locations"][0]["physicalLocation"];
        let region = &location["region"];
        assert_eq!(region["startLine"], diagnostic["start"]["line"]);
        assert_eq!(region["startColumn"], diagnostic["start"]["column"]);
        assert_eq!(region["endLine"], diagnostic["end"]["line"]);
        assert_eq!(region["endColumn"], diagnostic["end"]["column"]);
        let labels = diagnostic["labels"].as_array().map_or(0, Vec::len);
        let related = result["relatedLocations"].as_array().map_or(0, Vec::len);
        assert_eq!(related, labels.saturating_sub(1), "{result:#}");
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        let index = location["artifactLocation"]["index"].as_u64().expect("index") as usize;
        assert_eq!(run["artifacts"][index]["location"]["uri"], uri);
    }
    // The overlap names both subnets: one related location.
    let overlap = results.iter().find(|r| r["ruleId"] == "MHA211").expect("overlap reported");
    assert_eq!(overlap["relatedLocations"].as_array().map(Vec::len), Some(1));
    assert!(run["artifacts"].to_string().contains("broken%20copy.mha"));
}

#[test]
fn a_clean_file_has_no_results() {
    let output = support::run(&["check", "--message-format", "sarif", "examples/moodle.mha"]);
    let sarif: Value = serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
    let errors =
        sarif["runs"][0]["results"].as_array().expect("results").iter().filter(|r| r["level"] == "error").count();
    assert_eq!(errors, 0);
    assert_eq!(output.status.code(), Some(0));
}
