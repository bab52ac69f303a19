//! YAML output of a template, in block style.
//!
//! A string is written plain only when every YAML reader reads it back as
//! the same string: YAML 1.1 readers (PyYAML, which moto and many scripts
//! use) turn `2012-10-17` into a date and `on` into a boolean, where YAML
//! 1.2 writers leave them unquoted. Everything else is double-quoted with
//! JSON escapes, which YAML's double-quoted style shares.

use serde_json::Value;

/// The template as YAML.
pub(crate) fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => sequence(items, 0, &mut out),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

/// Words YAML 1.1 reads as booleans or null.
const SPECIAL: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on",
    "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL",
];

/// Whether `text` reads back as itself when written plain.
fn plain(text: &str) -> bool {
    let Some(first) = text.chars().next() else { return false };
    first.is_ascii_alphabetic()
        && !SPECIAL.contains(&text)
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.contains("  ")
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "_./:- *(),<>".contains(c))
}

fn string(text: &str) -> String {
    if plain(text) { text.to_string() } else { serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string()) }
}

/// A scalar, or an empty collection, on one line.
fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    }
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => false,
    }
}

fn pad(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn mapping(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (key, value) in map {
        pad(indent, out);
        entry(key, value, indent, out);
    }
}

/// `key: value` after the indentation (or after `- `).
fn entry(key: &str, value: &Value, indent: usize, out: &mut String) {
    out.push_str(&string(key));
    out.push(':');
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            mapping(map, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            sequence(items, indent, out);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

fn sequence(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        pad(indent, out);
        out.push('-');
        if !matches!(item, Value::Array(inner) if !inner.is_empty()) {
            out.push(' ');
        }
        match item {
            Value::Object(map) if !map.is_empty() => {
                for (i, (key, value)) in map.iter().enumerate() {
                    if i > 0 {
                        pad(indent + 2, out);
                    }
                    entry(key, value, indent + 2, out);
                }
            }
            Value::Array(inner) if is_block(item) => {
                out.push('\n');
                sequence(inner, indent + 2, out);
            }
            scalar => {
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ambiguous_strings_are_quoted() {
        for text in ["2012-10-17", "on", "yes", "443", "1e3", "#{host}", "/#{path}", "a: b", "*", "", " x", "x "] {
            assert!(!plain(text), "{text} would not read back");
        }
        for text in ["AWS::EC2::VPC", "kms:*", "Fn::Sub", "HTTP_301", "us-east-1a", "ops@example.edu"] {
            let expected = !text.contains('@');
            assert_eq!(plain(text), expected, "{text}");
        }
    }

    #[test]
    fn round_trips_through_a_yaml_reader() {
        let value = json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Empty": {}, "None": [], "Null": null,
            "List": [1, "on", { "A": [ { "B": "x" }, ["nested", 2] ], "C": true }, [], {}],
            "Text": "line\nbreak \"quoted\" \\ tab\t é",
            "Number": 1.5,
        });
        let text = to_yaml(&value);
        let back: Value = yaml_serde::from_str(&text).expect("valid YAML");
        assert_eq!(back, value, "{text}");
    }
}
