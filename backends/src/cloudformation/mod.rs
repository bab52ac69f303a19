//! The CloudFormation backend (in progress).

use mhac_compiler::model::CheckedModel;
use serde_json::{Value, json};

/// The template for a checked model.
pub fn template(model: &CheckedModel) -> Value {
    json!({ "AWSTemplateFormatVersion": "2010-09-09", "Description": model.deployment.name.text })
}

/// Pretty JSON with a trailing newline.
pub fn to_json(template: &Value) -> String {
    let mut out = serde_json::to_string_pretty(template).unwrap_or_default();
    out.push('\n');
    out
}

/// YAML.
pub fn to_yaml(template: &Value) -> String {
    yaml_serde::to_string(template).unwrap_or_default()
}
