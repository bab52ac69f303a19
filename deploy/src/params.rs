//! Template parameter values from `--param name=value` and `--params FILE`.

use serde_json::Value;
use std::collections::BTreeMap;

/// A template parameter the deployment declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    /// The template's parameter key (`CertificateArn`).
    pub key: String,
    /// The name in the source (`certificate_arn`); also accepted on the
    /// command line.
    pub source_name: String,
    /// Whether it has no default.
    pub required: bool,
}

/// Parse `name=value` assignments.
pub fn parse_assignments(args: &[String]) -> Result<Vec<(String, String)>, String> {
    args.iter()
        .map(|arg| match arg.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_string(), value.to_string())),
            _ => Err(format!("`--param {arg}`: expected NAME=VALUE")),
        })
        .collect()
}

/// Parse a parameters file: a JSON object of names to strings, numbers or
/// booleans.
pub fn parse_file(text: &str) -> Result<Vec<(String, String)>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err("expected a JSON object of parameter names to values".to_string());
    };
    map.into_iter()
        .map(|(name, value)| match value {
            Value::String(s) => Ok((name, s)),
            Value::Number(n) => Ok((name, n.to_string())),
            Value::Bool(b) => Ok((name, b.to_string())),
            other => Err(format!("parameter `{name}`: expected a string or a number, found {other}")),
        })
        .collect()
}

/// The outcome of matching given values to declared parameters.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Template key → value, for every parameter given.
    pub values: BTreeMap<String, String>,
    /// Required parameters without a value.
    pub missing: Vec<ParamSpec>,
    /// Names given that the deployment does not declare.
    pub unknown: Vec<String>,
}

/// Match given values (later ones win: the file first, then `--param`) to
/// the declared parameters, by template key or source name.
pub fn resolve(specs: &[ParamSpec], given: &[(String, String)]) -> Resolved {
    let mut resolved = Resolved::default();
    for (name, value) in given {
        match specs.iter().find(|s| s.key == *name || s.source_name == *name) {
            Some(spec) => {
                resolved.values.insert(spec.key.clone(), value.clone());
            }
            None => resolved.unknown.push(name.clone()),
        }
    }
    resolved.missing = specs.iter().filter(|s| s.required && !resolved.values.contains_key(&s.key)).cloned().collect();
    resolved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution() {
        let specs = vec![
            ParamSpec { key: "CertificateArn".into(), source_name: "certificate_arn".into(), required: true },
            ParamSpec { key: "Owner".into(), source_name: "owner".into(), required: false },
        ];
        let given = parse_assignments(&["certificate_arn=arn:aws:acm:x=y".into()]).expect("parses");
        let r = resolve(&specs, &given);
        assert_eq!(r.values["CertificateArn"], "arn:aws:acm:x=y");
        assert!(r.missing.is_empty() && r.unknown.is_empty());
        let r = resolve(&specs, &[("Ownr".into(), "a".into())]);
        assert_eq!(r.unknown, vec!["Ownr"]);
        assert_eq!(r.missing, vec![specs[0].clone()]);
        assert!(parse_assignments(&["novalue".into()]).is_err());
        let file = parse_file(r#"{"owner": "me", "CertificateArn": "arn", "n": 3}"#).expect("parses");
        assert_eq!(file.len(), 3);
        assert!(parse_file("[1]").is_err());
        assert!(parse_file(r#"{"a": [1]}"#).is_err());
    }
}
