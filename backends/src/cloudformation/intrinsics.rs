//! The helper layer of the CloudFormation backend: intrinsic functions,
//! tags, logical IDs, and the [`Builder`] every area adds its resources to.
//!
//! A logical ID is always an [`Id`]: the Pascal-case name of the source
//! component that owns the resource, followed by a fixed suffix naming the
//! resource's role (`MoodleDb` + `Instance`). Suffixes never contain
//! positions, so adding or removing a component never renames another
//! resource. No suffix is a proper suffix of another (a test checks it), so
//! two distinct owners can only produce the same ID if their own names
//! collide, which the checker rejects (MHA111).

use super::Origin;
use mhac_compiler::model::{Model, Name, Zone, pascal_case};
use mhac_compiler::span::Span;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// `{"Ref": id}`.
pub(crate) fn r(id: &str) -> Value {
    json!({ "Ref": id })
}

/// `{"Fn::GetAtt": [id, attribute]}`.
pub(crate) fn get_att(id: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [id, attribute] })
}

/// `{"Fn::Sub": text}`.
pub(crate) fn sub(text: &str) -> Value {
    json!({ "Fn::Sub": text })
}

/// A number, written without a fraction when it has none (`10`, not `10.0`).
pub(crate) fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 { json!(value as i64) } else { json!(value) }
}

/// The ARN of an AWS managed IAM policy, in the stack's partition.
pub(crate) fn managed_policy(path: &str) -> Value {
    sub(&format!("arn:${{AWS::Partition}}:iam::aws:policy/{path}"))
}

/// An IAM trust policy letting one AWS service assume a role.
pub(crate) fn assume_role(service: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } }
        }]
    })
}

/// The statement that denies every request not made over TLS.
pub(crate) fn deny_insecure_transport(action: &str, resources: Value) -> Value {
    json!({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resources,
        "Condition": { "Bool": { "aws:SecureTransport": "false" } }
    })
}

/// A logical ID: owner name plus role suffix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Id {
    owner: String,
    suffix: String,
}

impl Id {
    /// `MoodleDb` + `Instance`.
    pub(crate) fn new(owner: impl Into<String>, suffix: impl Into<String>) -> Id {
        Id { owner: owner.into(), suffix: suffix.into() }
    }

    /// A resource owned by a named component.
    pub(crate) fn of(name: &Name, suffix: &str) -> Id {
        Id::new(name.pascal(), suffix)
    }

    /// A resource of which there is one per deployment: its ID is its suffix.
    pub(crate) fn single(suffix: &str) -> Id {
        Id::new(String::new(), suffix)
    }

    /// The logical ID.
    pub(crate) fn id(&self) -> String {
        format!("{}{}", self.owner, self.suffix)
    }

    /// The role suffix.
    #[cfg(test)]
    pub(crate) fn suffix(&self) -> &str {
        &self.suffix
    }
}

/// `a` → `A`: the zone part of an ID (`MainAppSubnetA`).
pub(crate) fn zone_id(zone: &Zone) -> String {
    pascal_case(&zone.suffix)
}

/// One resource being built.
#[derive(Debug)]
pub(crate) struct Resource {
    ty: &'static str,
    properties: Value,
    depends_on: Vec<String>,
    deletion_policy: Option<&'static str>,
    update_replace_policy: Option<&'static str>,
    update_policy: Option<Value>,
    skips: Vec<(&'static str, String)>,
}

impl Resource {
    /// A resource of type `ty` with `properties` (a JSON object).
    pub(crate) fn new(ty: &'static str, properties: Value) -> Resource {
        Resource {
            ty,
            properties,
            depends_on: Vec::new(),
            deletion_policy: None,
            update_replace_policy: None,
            update_policy: None,
            skips: Vec::new(),
        }
    }

    /// Create after `id`.
    pub(crate) fn depends_on(mut self, id: &str) -> Resource {
        self.depends_on.push(id.to_string());
        self
    }

    /// `DeletionPolicy` and `UpdateReplacePolicy` (the same value).
    pub(crate) fn keep(mut self, policy: &'static str) -> Resource {
        self.deletion_policy = Some(policy);
        self.update_replace_policy = Some(policy);
        self
    }

    /// `UpdatePolicy`.
    pub(crate) fn update_policy(mut self, policy: Value) -> Resource {
        self.update_policy = Some(policy);
        self
    }

    /// Skip a checkov check on this resource, saying why it cannot apply.
    pub(crate) fn skip(mut self, check: &'static str, reason: impl Into<String>) -> Resource {
        self.skips.push((check, reason.into()));
        self
    }

    fn into_value(self) -> Value {
        let mut out = Map::new();
        out.insert("Type".into(), json!(self.ty));
        if !self.depends_on.is_empty() {
            let value = match self.depends_on.as_slice() {
                [one] => json!(one),
                many => json!(many),
            };
            out.insert("DependsOn".into(), value);
        }
        if let Some(policy) = self.deletion_policy {
            out.insert("DeletionPolicy".into(), json!(policy));
        }
        if let Some(policy) = self.update_replace_policy {
            out.insert("UpdateReplacePolicy".into(), json!(policy));
        }
        if let Some(policy) = self.update_policy {
            out.insert("UpdatePolicy".into(), policy);
        }
        if !self.skips.is_empty() {
            let skips: Vec<Value> =
                self.skips.into_iter().map(|(id, comment)| json!({ "id": id, "comment": comment })).collect();
            out.insert("Metadata".into(), json!({ "checkov": { "skip": skips } }));
        }
        out.insert("Properties".into(), self.properties);
        Value::Object(out)
    }
}

/// Collects the template's sections while the areas add to them.
pub(crate) struct Builder<'m> {
    /// The model being lowered.
    pub(crate) model: &'m Model,
    resources: Map<String, Value>,
    origins: BTreeMap<String, Origin>,
    parameters: Map<String, Value>,
    outputs: Map<String, Value>,
    /// Every ID added, for the tests of identity.
    #[cfg(test)]
    pub(crate) ids: Vec<Id>,
}

impl<'m> Builder<'m> {
    pub(crate) fn new(model: &'m Model) -> Builder<'m> {
        Builder {
            model,
            resources: Map::new(),
            origins: BTreeMap::new(),
            parameters: Map::new(),
            outputs: Map::new(),
            #[cfg(test)]
            ids: Vec::new(),
        }
    }

    /// Add a resource; returns its logical ID.
    pub(crate) fn add(&mut self, id: Id, origin: Origin, resource: Resource) -> String {
        let logical = id.id();
        #[cfg(test)]
        self.ids.push(id);
        self.resources.insert(logical.clone(), resource.into_value());
        self.origins.insert(logical.clone(), origin);
        logical
    }

    /// Add a parameter.
    pub(crate) fn parameter(&mut self, id: String, parameter: Value) {
        self.parameters.insert(id, parameter);
    }

    /// Add an output.
    pub(crate) fn output(&mut self, id: String, description: String, value: Value) {
        self.outputs.insert(id, json!({ "Description": description, "Value": value }));
    }

    /// The deployment's tags as a CloudFormation tag list, plus `Name`
    /// when given.
    pub(crate) fn tags(&self, name: Option<String>) -> Value {
        let mut tags: Vec<Value> = Vec::new();
        if let Some(name) = name {
            tags.push(json!({ "Key": "Name", "Value": name }));
        }
        for (key, value) in &self.model.deployment.tags {
            if key != "Name" || tags.is_empty() {
                tags.push(json!({ "Key": key, "Value": value }));
            }
        }
        Value::Array(tags)
    }

    /// `moodle-prod/main/app/a`: the `Name` tag of a network resource.
    pub(crate) fn name_tag(&self, parts: &[&str]) -> String {
        let mut out = self.model.deployment.name.text.clone();
        for part in parts {
            out.push('/');
            out.push_str(part);
        }
        out
    }

    /// Whether a resource with this logical ID exists.
    pub(crate) fn has(&self, id: &str) -> bool {
        self.resources.contains_key(id)
    }

    /// The finished sections.
    pub(crate) fn finish(self) -> Sections {
        Sections {
            parameters: self.parameters,
            resources: self.resources,
            outputs: self.outputs,
            origins: self.origins,
        }
    }
}

/// What the areas built, section by section.
pub(crate) struct Sections {
    pub(crate) parameters: Map<String, Value>,
    pub(crate) resources: Map<String, Value>,
    pub(crate) outputs: Map<String, Value>,
    pub(crate) origins: BTreeMap<String, Origin>,
}

/// An origin for a component.
pub(crate) fn origin(kind: &'static str, name: &Name, span: Span) -> Origin {
    Origin { kind, name: name.text.clone(), span }
}
