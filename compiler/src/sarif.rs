//! SARIF 2.1.0 output (`mhac check --message-format sarif`), for code
//! scanning in CI: one rule per diagnostic code, one result per diagnostic.
//! Formatting only; the caller decides where the text goes.
//!
//! Columns are counted in Unicode code points (`columnKind`), lines and
//! columns from 1, as in the JSON format. A diagnostic's first primary label
//! is the result's location; every other label is a related location.

use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::span::{LineIndex, Span};
use serde_json::{Value, json};

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";

/// The schema the output conforms to.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF log of several files' diagnostics: `(file name, text,
/// diagnostics)` per file.
pub fn sarif(files: &[(&str, &str, &[Diagnostic])]) -> Value {
    let rules: Vec<Value> = Code::ALL.iter().map(|code| rule(*code)).collect();
    let artifacts: Vec<Value> = files
        .iter()
        .map(|(name, text, _)| {
            json!({ "location": { "uri": uri(name) }, "length": text.len(), "sourceLanguage": "mha" })
        })
        .collect();
    let mut results = Vec::new();
    for (artifact, (name, text, diagnostics)) in files.iter().enumerate() {
        let index = LineIndex::new(text);
        for diagnostic in diagnostics.iter() {
            results.push(result(diagnostic, artifact, name, text, &index));
        }
    }
    json!({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {
                "driver": {
                    "name": "mhac",
                    "fullName": "mhac, the Moodle high-availability compiler",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/mhac-dev/mhac",
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "artifacts": artifacts,
            "results": results,
        }]
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The explanation without its `# MHA123` heading, or the title when the
/// explanation says nothing more.
fn description(code: Code) -> String {
    let body = code.explanation().trim();
    let body = match body.strip_prefix('#') {
        Some(rest) => rest.split_once('\n').map_or("", |(_, after)| after).trim(),
        None => body,
    };
    if body.is_empty() { code.title().to_string() } else { body.to_string() }
}

fn rule(code: Code) -> Value {
    let explanation = code.explanation().trim();
    let markdown = if explanation.is_empty() { code.title() } else { explanation };
    json!({
        "id": code.as_str(),
        "name": format!("{code:?}"),
        "shortDescription": { "text": code.title() },
        "fullDescription": { "text": description(code) },
        "help": { "text": description(code), "markdown": markdown },
        "defaultConfiguration": { "level": level(code.severity()) },
        "properties": { "explain": format!("mhac explain {}", code.as_str()) },
    })
}

fn region(index: &LineIndex, text: &str, span: Span) -> Value {
    let (start, end) = (index.line_col_chars(text, span.start), index.line_col_chars(text, span.end));
    json!({
        "startLine": start.line + 1,
        "startColumn": start.column + 1,
        "endLine": end.line + 1,
        "endColumn": end.column + 1,
        "byteOffset": span.start,
        "byteLength": span.len(),
    })
}

fn result(diagnostic: &Diagnostic, artifact: usize, name: &str, text: &str, index: &LineIndex) -> Value {
    let location = |span: Span| {
        json!({
            "artifactLocation": { "uri": uri(name), "index": artifact },
            "region": region(index, text, span),
        })
    };
    let main = diagnostic.labels.iter().position(|label| label.primary).or(if diagnostic.labels.is_empty() {
        None
    } else {
        Some(0)
    });
    let mut primary = json!({ "physicalLocation": location(diagnostic.span()) });
    if let Some(label) = main.and_then(|i| diagnostic.labels.get(i))
        && !label.message.is_empty()
    {
        primary["message"] = json!({ "text": label.message });
    }
    let related: Vec<Value> = diagnostic
        .labels
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != main)
        .enumerate()
        .map(|(id, (_, label))| {
            json!({
                "id": id + 1,
                "physicalLocation": location(label.span),
                "message": { "text": if label.message.is_empty() { "related" } else { &label.message } },
            })
        })
        .collect();
    let message = match &diagnostic.help {
        Some(help) => format!("{}\nhelp: {help}", diagnostic.message),
        None => diagnostic.message.clone(),
    };
    let rule_index = Code::ALL.iter().position(|code| *code == diagnostic.code).unwrap_or(0);
    let mut out = json!({
        "ruleId": diagnostic.code.as_str(),
        "ruleIndex": rule_index,
        "level": level(diagnostic.severity),
        "message": { "text": message },
        "locations": [primary],
    });
    if !related.is_empty() {
        out["relatedLocations"] = Value::Array(related);
    }
    out
}

/// A file name as a URI reference: relative paths stay relative, absolute
/// ones become `file:` URIs; every byte outside the unreserved set and `/`
/// is percent-encoded.
pub fn uri(name: &str) -> String {
    let path = name.replace('\\', "/");
    let mut out = String::with_capacity(path.len() + 8);
    let absolute = path.starts_with('/');
    let drive = path.as_bytes().get(1) == Some(&b':') && path.as_bytes()[0].is_ascii_alphabetic();
    if absolute {
        out.push_str("file://");
    } else if drive {
        out.push_str("file:///");
    }
    for (i, byte) in path.bytes().enumerate() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) || (drive && i == 1);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(uri("examples/moodle.mha"), "examples/moodle.mha");
        assert_eq!(uri("/tmp/my file#1.mha"), "file:///tmp/my%20file%231.mha");
        assert_eq!(uri("C:\\work\\a.mha"), "file:///C:/work/a.mha");
        assert_eq!(uri("é.mha"), "%C3%A9.mha");
    }

    #[test]
    fn one_rule_per_code_and_one_result_per_diagnostic() {
        let text = "network main {\n  cidr = 10.0.0.1/16\n}\n";
        let compilation = crate::compile(text);
        let log = sarif(&[("a.mha", text, &compilation.diagnostics)]);
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().map_or(0, Vec::len);
        assert_eq!(rules, Code::ALL.len());
        let results = run["results"].as_array().cloned().unwrap_or_default();
        assert_eq!(results.len(), compilation.diagnostics.len());
        let host_bits = results.iter().find(|r| r["ruleId"] == "MHA208").expect("host bits reported");
        let region = &host_bits["locations"][0]["physicalLocation"]["region"];
        assert_eq!((region["startLine"].as_u64(), region["startColumn"].as_u64()), (Some(2), Some(10)));
        let rule = &run["tool"]["driver"]["rules"][host_bits["ruleIndex"].as_u64().unwrap_or(0) as usize];
        assert_eq!(rule["id"], "MHA208");
    }
}
