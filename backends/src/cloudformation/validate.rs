//! Every property the template fills from a source value is checked against
//! its resource schema (the patterns, lengths and ranges cfn-lint's schemas
//! publish, generated into `stdlib/aws.json`) before the template leaves
//! mhac; a value AWS would refuse is a diagnostic (MHA119) at the source
//! component that produced it, not a failed deployment.
//!
//! Values that are intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`) are
//! resolved by CloudFormation and are not judged here.

use super::Template;
use mhac_compiler::aws::{self, PropertyRule};
use mhac_compiler::diagnostics::{Code, Diagnostic};
use serde_json::Value;

/// The literal values at `path` (`A/B`, `*` for every item of a list).
fn values_at<'v>(value: &'v Value, path: &[&str], out: &mut Vec<&'v Value>) {
    match path.split_first() {
        None => out.push(value),
        Some((&"*", rest)) => {
            for item in value.as_array().into_iter().flatten() {
                values_at(item, rest, out);
            }
        }
        Some((key, rest)) => {
            if let Some(inner) = value.get(*key) {
                values_at(inner, rest, out);
            }
        }
    }
}

/// What is wrong with a literal value for a property, if anything.
fn problem(rule: &PropertyRule, value: &Value) -> Option<String> {
    let number = match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.parse::<f64>().ok().filter(|_| rule.minimum.is_some() || rule.maximum.is_some()),
        _ => None,
    };
    if let Some(number) = number {
        if let Some(minimum) = rule.minimum
            && number < minimum
        {
            return Some(format!("{number} is below the smallest value, {minimum}"));
        }
        if let Some(maximum) = rule.maximum
            && number > maximum
        {
            return Some(format!("{number} is above the largest value, {maximum}"));
        }
    }
    let Value::String(text) = value else { return None };
    let patterns: Vec<&str> = rule.pattern.iter().chain(rule.format_pattern.iter()).map(String::as_str).collect();
    aws::text_problem(text, rule.min_length, rule.max_length, &patterns)
}

/// The problems of a printed template, each at the source of its resource.
pub fn validate(template: &Template) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let Some(resources) = template.body.get("Resources").and_then(Value::as_object) else { return diagnostics };
    let properties_table = &aws::facts().properties;
    for (id, resource) in resources {
        let Some(ty) = resource.get("Type").and_then(Value::as_str) else { continue };
        let Some(rules) = properties_table.get(ty) else { continue };
        let Some(origin) = template.origins.get(id) else { continue };
        let properties = &resource["Properties"];
        for (path, rule) in rules {
            let segments: Vec<&str> = path.split('/').collect();
            let mut values = Vec::new();
            values_at(properties, &segments, &mut values);
            for value in values {
                let Some(why) = problem(rule, value) else { continue };
                let shown = match value {
                    Value::String(text) if text.chars().count() > 80 => {
                        format!("{}…", text.chars().take(80).collect::<String>())
                    }
                    other => other.to_string().trim_matches('"').to_string(),
                };
                diagnostics.push(
                    Diagnostic::new(Code::RejectedByAws, format!("AWS would refuse `{shown}` as {ty} {path}: {why}"))
                        .primary(origin.span, format!("this gives {id} {path} the value `{shown}`"))
                        .help(format!(
                            "change what the source writes for {} so that the value fits {ty} {path}",
                            rule.source
                        )),
                );
            }
        }
    }
    diagnostics
}
