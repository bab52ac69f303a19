//! Which resource made a stack operation fail.
//!
//! CloudFormation reports a failed resource as a `*_FAILED` stack event;
//! the first one that was not merely cancelled because of another is the
//! cause. Some services (the local emulator among them) instead fail the
//! `ExecuteChangeSet` call itself, naming no resource: then the resources
//! that the error's text or code points at are the suspects.

use crate::aws::{Error, Event};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The event that caused a failure: the earliest resource `*_FAILED` event
/// that was not cancelled because of another failure.
pub fn root_cause(events: &[Event]) -> Option<&Event> {
    let failed: Vec<&Event> = events.iter().filter(|e| !e.is_stack() && e.status.ends_with("_FAILED")).collect();
    let cancelled = |e: &&Event| {
        e.reason.as_deref().is_some_and(|r| {
            let r = r.to_ascii_lowercase();
            r.contains("cancelled") || r.contains("canceled")
        })
    };
    failed.iter().find(|e| !cancelled(e)).or(failed.first()).copied()
}

/// Resources an `ExecuteChangeSet` error points at: those whose property
/// values (parameters substituted) appear in the message; otherwise those
/// whose type name appears in the error code (`BucketAlreadyExists` →
/// `AWS::S3::Bucket`), narrowed to explicitly named ones for an
/// "already exists" error.
pub fn suspects(template: &Value, parameters: &BTreeMap<String, String>, error: &Error) -> Vec<String> {
    let resources: Vec<(&String, &Value)> =
        template.get("Resources").and_then(Value::as_object).map(|r| r.iter().collect()).unwrap_or_default();
    let message = error.message.as_str();
    let mut by_value = BTreeSet::new();
    for (id, resource) in &resources {
        let mut strings = Vec::new();
        if let Some(props) = resource.get("Properties") {
            strings_in(props, parameters, &mut strings);
        }
        if strings.iter().any(|s| s.len() >= 4 && message.contains(s.as_str())) {
            by_value.insert((*id).clone());
        }
    }
    if !by_value.is_empty() {
        return by_value.into_iter().collect();
    }
    let Some(code) = error.code.as_deref().map(str::to_ascii_lowercase) else { return Vec::new() };
    let by_type: Vec<(&String, &Value)> = resources
        .iter()
        .filter(|(_, resource)| {
            let ty = resource.get("Type").and_then(Value::as_str).unwrap_or("");
            let last = ty.rsplit("::").next().unwrap_or("").to_ascii_lowercase();
            !last.is_empty() && code.contains(&last)
        })
        .copied()
        .collect();
    // The longest type name that matches wins: `DBInstance` over `Instance`.
    let longest = by_type
        .iter()
        .map(|(_, r)| r.get("Type").and_then(Value::as_str).unwrap_or("").rsplit("::").next().unwrap_or("").len())
        .max()
        .unwrap_or(0);
    let by_type: Vec<(&String, &Value)> = by_type
        .into_iter()
        .filter(|(_, r)| {
            r.get("Type").and_then(Value::as_str).unwrap_or("").rsplit("::").next().unwrap_or("").len() == longest
        })
        .collect();
    if code.contains("alreadyexists") {
        let named: Vec<String> = by_type
            .iter()
            .filter(|(_, r)| {
                r.get("Properties")
                    .and_then(Value::as_object)
                    .is_some_and(|p| p.keys().any(|k| k.ends_with("Name") || k.ends_with("Identifier")))
            })
            .map(|(id, _)| (*id).clone())
            .collect();
        if !named.is_empty() {
            return named;
        }
    }
    if !by_type.is_empty() {
        return by_type.into_iter().map(|(id, _)| id.clone()).collect();
    }
    // The subject of the error code (`CertificateNotFound` → certificate)
    // in a resource's property names (`Certificates`).
    let subjects: Vec<String> = code_words(error.code.as_deref().unwrap_or(""))
        .into_iter()
        .filter(|w| w.len() >= 4 && !GENERIC_WORDS.contains(&w.as_str()))
        .collect();
    resources
        .iter()
        .filter(|(_, resource)| {
            let mut keys = Vec::new();
            if let Some(props) = resource.get("Properties") {
                keys_in(props, &mut keys);
            }
            keys.iter().any(|k| subjects.iter().any(|w| k.to_ascii_lowercase().contains(w.as_str())))
        })
        .map(|(id, _)| (*id).clone())
        .collect()
}

/// Words of error codes that say what went wrong, not to what.
const GENERIC_WORDS: &[&str] = &[
    "invalid",
    "found",
    "already",
    "exists",
    "exceeded",
    "limit",
    "malformed",
    "error",
    "exception",
    "validation",
    "request",
    "parameter",
    "value",
    "conflict",
    "denied",
    "access",
    "failure",
    "failed",
    "unavailable",
    "state",
    "dependency",
    "quota",
    "notfound",
    "unsupported",
    "operation",
];

/// `InvalidSubnet.Conflict` → `invalid`, `subnet`, `conflict`;
/// `DBInstanceNotFound` → `db`, `instance`, `not`, `found`.
fn code_words(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase() || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn keys_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                if !key.starts_with("Fn::") && key != "Ref" {
                    out.push(key.clone());
                }
                keys_in(item, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys_in(item, out)),
        _ => {}
    }
}

fn strings_in(value: &Value, parameters: &BTreeMap<String, String>, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|item| strings_in(item, parameters, out)),
        Value::Object(map) => {
            if let (1, Some(Value::String(name))) = (map.len(), map.get("Ref")) {
                if let Some(value) = parameters.get(name) {
                    out.push(value.clone());
                }
                return;
            }
            map.values().for_each(|item| strings_in(item, parameters, out));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(id: &str, status: &str, reason: Option<&str>) -> Event {
        Event {
            id: format!("{id}-{status}"),
            logical_id: id.to_string(),
            resource_type: if id == "stack" { "AWS::CloudFormation::Stack" } else { "AWS::EC2::Subnet" }.to_string(),
            physical_id: None,
            stack_name: "stack".to_string(),
            status: status.to_string(),
            reason: reason.map(str::to_string),
            time: String::new(),
        }
    }

    #[test]
    fn root_cause_skips_cancellations() {
        // Oldest first, the way CloudFormation reports a failed creation.
        let events = vec![
            event("stack", "CREATE_IN_PROGRESS", Some("User Initiated")),
            event("A", "CREATE_IN_PROGRESS", None),
            event("B", "CREATE_IN_PROGRESS", None),
            event("A", "CREATE_FAILED", Some("Resource creation cancelled")),
            event("B", "CREATE_FAILED", Some("The CIDR '10.0.0.0/24' conflicts with another subnet")),
            event("stack", "ROLLBACK_IN_PROGRESS", Some("The following resource(s) failed to create: [A, B].")),
            event("stack", "ROLLBACK_COMPLETE", None),
        ];
        let cause = root_cause(&events).expect("found");
        assert_eq!(cause.logical_id, "B");
        assert!(root_cause(&events[..3]).is_none());
    }

    #[test]
    fn suspects_from_values_and_codes() {
        let template = json!({ "Resources": {
            "Files": { "Type": "AWS::S3::Bucket", "Properties": { "BucketName": "tiny-files" } },
            "Logs": { "Type": "AWS::S3::Bucket" },
            "Policy": { "Type": "AWS::S3::BucketPolicy", "Properties": { "Bucket": { "Ref": "Files" } } },
            "Net": { "Type": "AWS::EC2::Subnet", "Properties": { "CidrBlock": { "Ref": "Cidr" } } }
        } });
        let params = BTreeMap::from([("Cidr".to_string(), "10.9.0.0/24".to_string())]);
        let error = |code: &str, message: &str| Error { code: Some(code.into()), message: message.into() };
        assert_eq!(
            suspects(&template, &params, &error("BucketAlreadyExists", "The requested bucket name is not available")),
            vec!["Files"]
        );
        assert_eq!(
            suspects(&template, &params, &error("InvalidSubnet.Conflict", "10.9.0.0/24 conflicts")),
            vec!["Net"]
        );
        assert_eq!(suspects(&template, &params, &error("Throttling", "Rate exceeded")), Vec::<String>::new());
        let listener = json!({ "Resources": {
            "Https": { "Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {
                "Port": 443, "Certificates": [{ "CertificateArn": { "Ref": "Cert" } }] } },
            "Http": { "Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": { "Port": 80 } }
        } });
        assert_eq!(
            suspects(&listener, &BTreeMap::new(), &error("CertificateNotFound", "Supplied certificate was not found")),
            vec!["Https"]
        );
        assert_eq!(code_words("InvalidSubnet.Conflict"), vec!["invalid", "subnet", "conflict"]);
        assert_eq!(code_words("DBInstanceNotFound"), vec!["db", "instance", "not", "found"]);
    }
}
