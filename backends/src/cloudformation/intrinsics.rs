//! The helper layer of the CloudFormation printer: intrinsic functions,
//! tags, and the [`Builder`] every part's resources are added to.
//!
//! Logical IDs are not made here: every one comes from the part's
//! [`Identity`](mhac_compiler::plan::Identity) or from
//! [`identity::cfn_extras`], decided and checked for collisions by the plan.

use mhac_compiler::plan::{Origin, PartId, Plan, Text};
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

/// One resource being built.
#[derive(Debug)]
pub(crate) struct Resource {
    ty: &'static str,
    properties: Value,
    depends_on: Vec<String>,
    deletion_policy: Option<&'static str>,
    update_replace_policy: Option<&'static str>,
    update_policy: Option<Value>,
    creation_policy: Option<Value>,
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
            creation_policy: None,
            skips: Vec::new(),
        }
    }

    /// Set a property at a path of objects (`LaunchTemplateData/UserData`).
    pub(crate) fn with(mut self, path: &[&str], value: Value) -> Resource {
        let mut at = &mut self.properties;
        for key in &path[..path.len().saturating_sub(1)] {
            at = &mut at[*key];
        }
        if let (Some(last), Some(object)) = (path.last(), at.as_object_mut()) {
            object.insert((*last).to_string(), value);
        }
        self
    }

    /// `CreationPolicy`.
    pub(crate) fn creation_policy(mut self, policy: Value) -> Resource {
        self.creation_policy = Some(policy);
        self
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

    fn into_value(mut self) -> Value {
        // A deployment without tags gives resources that take only its
        // tags an empty list, which some types refuse (a WAF web ACL's
        // `Tags` has at least one item): leave the property out instead.
        if let Some(properties) = self.properties.as_object_mut()
            && properties.get("Tags").is_some_and(|tags| tags.as_array().is_some_and(Vec::is_empty))
        {
            properties.remove("Tags");
        }
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
        if let Some(policy) = self.creation_policy {
            out.insert("CreationPolicy".into(), policy);
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

/// Collects the template's sections while the parts are printed.
pub(crate) struct Builder<'p> {
    /// The plan being printed.
    pub(crate) plan: &'p Plan,
    resources: Map<String, Value>,
    origins: BTreeMap<String, Origin>,
    printed: BTreeMap<PartId, Vec<String>>,
    parameters: Map<String, Value>,
    outputs: Map<String, Value>,
}

impl<'p> Builder<'p> {
    pub(crate) fn new(plan: &'p Plan) -> Builder<'p> {
        Builder {
            plan,
            resources: Map::new(),
            origins: BTreeMap::new(),
            printed: BTreeMap::new(),
            parameters: Map::new(),
            outputs: Map::new(),
        }
    }

    /// A part's logical ID.
    pub(crate) fn id(&self, part: PartId) -> &'p str {
        self.plan.part(part).ident.cfn()
    }

    /// `Ref` to a part.
    pub(crate) fn r(&self, part: PartId) -> Value {
        r(self.id(part))
    }

    /// `GetAtt` of a part.
    pub(crate) fn get_att(&self, part: PartId, attribute: &str) -> Value {
        get_att(self.id(part), attribute)
    }

    /// A literal, or a `Ref` to the parameter that supplies it.
    pub(crate) fn text(&self, text: &Text) -> Value {
        match text {
            Text::Literal(text) => json!(text),
            Text::Param(index) => r(self.plan.params.get(*index).map_or("", |p| p.ident.cfn())),
        }
    }

    /// Add the resource of `part` under `id` (its own ID or one of its
    /// [`identity::cfn_extras`](mhac_compiler::plan::identity::cfn_extras)).
    pub(crate) fn add(&mut self, part: PartId, id: &str, resource: Resource) {
        self.resources.insert(id.to_string(), resource.into_value());
        self.origins.insert(id.to_string(), self.plan.part(part).origin.clone());
        self.mark(part, id);
    }

    /// Record that `part` is printed in the resource or parameter `id`.
    pub(crate) fn mark(&mut self, part: PartId, id: &str) {
        self.printed.entry(part).or_default().push(id.to_string());
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
        for (key, value) in &self.plan.deployment.tags {
            if key != "Name" || tags.is_empty() {
                tags.push(json!({ "Key": key, "Value": value }));
            }
        }
        Value::Array(tags)
    }

    /// `moodle-prod/main/app/a`: the `Name` tag of a network resource.
    pub(crate) fn name_tag(&self, parts: &[&str]) -> String {
        let mut out = self.plan.deployment.name.clone();
        for part in parts {
            out.push('/');
            out.push_str(part);
        }
        out
    }

    /// The zone parameter of zone `index`.
    pub(crate) fn zone(&self, index: usize) -> Value {
        r(self.plan.deployment.zones.get(index).map_or("", |zone| zone.parameter.as_str()))
    }

    /// The finished sections.
    pub(crate) fn finish(self) -> Sections {
        Sections {
            parameters: self.parameters,
            resources: self.resources,
            outputs: self.outputs,
            origins: self.origins,
            printed: self.printed,
        }
    }
}

/// What the parts became, section by section.
pub(crate) struct Sections {
    pub(crate) parameters: Map<String, Value>,
    pub(crate) resources: Map<String, Value>,
    pub(crate) outputs: Map<String, Value>,
    pub(crate) origins: BTreeMap<String, Origin>,
    pub(crate) printed: BTreeMap<PartId, Vec<String>>,
}

/// The egress rule that allows nothing (an ICMP type/code pair that does
/// not exist, to a broadcast address): with it, CloudFormation removes the
/// default allow-all rule and adds no other.
pub(crate) fn no_egress() -> Value {
    json!({
        "IpProtocol": "icmp",
        "FromPort": 252,
        "ToPort": 86,
        "CidrIp": "255.255.255.255/32",
        "Description": "no outbound traffic",
    })
}
