//! The CloudFormation backend: a checked model in, a complete template out.
//!
//! The template is built area by area, one module each: [`network`] (VPC,
//! subnets, gateways, routes, flow logs, endpoints, VPNs), [`security`]
//! (security groups and rules), [`load_balancer`] (ALB, listeners, target
//! group, WAF, Shield), [`compute`] (launch template, Auto Scaling, instance
//! role), [`data`] (RDS, EFS, ElastiCache, S3) and [`monitoring`] (KMS key,
//! log groups, SNS, alarms), on top of a small helper layer
//! ([`intrinsics`]) for intrinsic functions, tags and logical IDs. The
//! choices the Terraform backend must make alike (which deployment-wide
//! resources exist, where interface endpoints go, health checks, lifecycle
//! days, ...) come from [`crate::decisions`]; `tests/equivalence.rs` proves
//! the two backends describe the same components with the same settings.
//!
//! Identity: every logical ID is the Pascal-case source name of the
//! component that owns the resource plus a fixed suffix (`MoodleDbInstance`,
//! `MainAppSubnetA`), never a position, so adding or removing a component
//! leaves every other resource as it was. [`Template::origins`] maps each
//! logical ID back to that component and its place in the source.
//!
//! Physical names are left to CloudFormation except where a service
//! requires one (the WAF log group's `aws-waf-logs-` prefix, the Shield
//! protection's name).

mod compute;
mod data;
mod intrinsics;
mod load_balancer;
mod monitoring;
mod network;
mod security;
mod yaml;

use intrinsics::{Builder, r};
use mhac_compiler::model::{CheckedModel, Image, Model, ParamType, StringValue};
use mhac_compiler::span::Span;
use mhac_compiler::stdlib::{Region, stdlib};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// A generated template and where each of its resources comes from.
#[derive(Clone, Debug)]
pub struct Template {
    /// The template document.
    pub body: Value,
    /// Logical ID of every resource → the source component that produced it.
    pub origins: BTreeMap<String, Origin>,
}

/// The source component behind a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The component's kind as written in the language (`database`,
    /// `load_balancer`, `security_group`, ...), or `network` for a tier,
    /// `alarm` for an alarm rule, `monitoring` and `deployment` for the
    /// deployment-wide resources.
    pub kind: &'static str,
    /// The component's source name (`moodle_db`; the alarm's name for an
    /// alarm; the deployment's name for deployment-wide resources).
    pub name: String,
    /// Where in the source it is declared (the block, or the rule).
    pub span: Span,
}

/// Resource types that hold data: replacing or deleting one loses it.
pub const STATEFUL_TYPES: &[&str] = &[
    "AWS::RDS::DBInstance",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::ElastiCache::CacheCluster",
    "AWS::EFS::FileSystem",
    "AWS::S3::Bucket",
];

/// Whether a resource type holds data (see [`STATEFUL_TYPES`]).
pub fn is_stateful(resource_type: &str) -> bool {
    STATEFUL_TYPES.contains(&resource_type)
}

impl Template {
    /// The logical IDs of the resources that hold data (databases, caches,
    /// file systems, buckets), in template order.
    pub fn stateful(&self) -> Vec<&str> {
        self.body
            .get("Resources")
            .and_then(Value::as_object)
            .map(|resources| {
                resources
                    .iter()
                    .filter(|(_, resource)| resource.get("Type").and_then(Value::as_str).is_some_and(is_stateful))
                    .map(|(id, _)| id.as_str())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The template for a checked model.
pub fn template(model: &CheckedModel) -> Template {
    let model: &Model = model;
    let intrinsics::Sections { mut parameters, resources, outputs, origins } = build(model).finish();
    // A parameter nothing refers to (MHA115 warns about it) would only ask
    // the user for a value CloudFormation then ignores.
    let mut referenced = BTreeSet::new();
    resources.values().chain(outputs.values()).for_each(|value| references(value, &mut referenced));
    parameters.retain(|id, _| referenced.contains(id));
    let mut body = Map::new();
    body.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    body.insert("Description".into(), json!(description(model)));
    body.insert("Metadata".into(), json!({ "AWS::CloudFormation::Interface": interface(model, &parameters) }));
    if !parameters.is_empty() {
        body.insert("Parameters".into(), Value::Object(parameters));
    }
    body.insert("Resources".into(), Value::Object(resources));
    if !outputs.is_empty() {
        body.insert("Outputs".into(), Value::Object(outputs));
    }
    Template { body: Value::Object(body), origins }
}

/// Every name a `Ref` or an `Fn::Sub` in `value` refers to.
fn references(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(id)) = object.get("Ref") {
                out.insert(id.clone());
            }
            if let Some(Value::String(text)) = object.get("Fn::Sub") {
                let mut rest = text.as_str();
                while let Some(start) = rest.find("${") {
                    let after = &rest[start + 2..];
                    let Some(end) = after.find('}') else { break };
                    let name = &after[..end];
                    out.insert(name.split('.').next().unwrap_or(name).to_string());
                    rest = &after[end..];
                }
            }
            object.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// Every area adds its parameters, resources and outputs, in a fixed order.
fn build(model: &Model) -> Builder<'_> {
    let mut b = Builder::new(model);
    parameters(&mut b);
    compute::parameters(&mut b);
    monitoring::key(&mut b);
    network::build(&mut b);
    security::build(&mut b);
    load_balancer::build(&mut b);
    compute::build(&mut b);
    data::build(&mut b);
    monitoring::build(&mut b);
    outputs(&mut b);
    b
}

/// Pretty JSON with a trailing newline.
pub fn to_json(template: &Value) -> String {
    let mut out = serde_json::to_string_pretty(template).unwrap_or_default();
    out.push('\n');
    out
}

/// YAML (block style; strings a YAML 1.1 reader would take for dates,
/// numbers or booleans are quoted).
pub fn to_yaml(template: &Value) -> String {
    yaml::to_yaml(template)
}

fn description(model: &Model) -> String {
    let zones: Vec<&str> = model.deployment.zones.iter().map(|z| z.name.as_str()).collect();
    format!(
        "Moodle {} deployment {} in {} ({}), generated by mhac",
        model.deployment.moodle,
        model.deployment.name.text,
        model.deployment.region,
        zones.join(", ")
    )
}

/// The region's facts from the standard library.
fn stdlib_region(model: &Model) -> Option<&'static Region> {
    stdlib().regions.get(&model.deployment.region)
}

/// A parameter's logical ID.
fn param_id(model: &Model, index: usize) -> String {
    model.params.get(index).map_or_else(String::new, |p| p.name.pascal())
}

/// A literal, or a `Ref` to the parameter that supplies it.
fn param_value(model: &Model, value: &StringValue) -> Value {
    match value {
        StringValue::Literal(text) => json!(text),
        StringValue::Param(index) => r(&param_id(model, *index)),
    }
}

/// Parameters for every `param` the template uses, and one per zone (subnets name their zone
/// through it rather than a hard-coded string; the default is the zone
/// the source names).
fn parameters(b: &mut Builder<'_>) {
    let model = b.model;
    for (index, param) in model.params.iter().enumerate() {
        let image = model.app_servers.iter().any(|app| matches!(app.image, Image::Param(i) if i == index));
        let ty = match param.ty {
            ParamType::Number => "Number",
            ParamType::String | ParamType::Secret if image => "AWS::EC2::Image::Id",
            ParamType::String | ParamType::Secret => "String",
        };
        let mut out = Map::new();
        out.insert("Type".into(), json!(ty));
        if let Some(default) = &param.default {
            out.insert("Default".into(), json!(default));
        }
        let description = if param.description.is_empty() {
            format!("param {}", param.name.as_str())
        } else {
            param.description.clone()
        };
        out.insert("Description".into(), json!(description));
        if param.ty == ParamType::Secret {
            out.insert("NoEcho".into(), json!(true));
        }
        b.parameter(param_id(model, index), Value::Object(out));
    }
    for (index, zone) in model.deployment.zones.iter().enumerate() {
        b.parameter(
            network::zone_parameter(model, index),
            json!({
                "Type": "AWS::EC2::AvailabilityZone::Name",
                "Default": zone.name,
                "Description": format!("Availability zone {} of the deployment ({} in the source)", zone.suffix, zone.name),
            }),
        );
    }
}

/// The console's parameter groups and labels.
fn interface(model: &Model, parameters: &Map<String, Value>) -> Value {
    let mut groups = Vec::new();
    let mut labels = Map::new();
    let user: Vec<String> =
        (0..model.params.len()).map(|i| param_id(model, i)).filter(|id| parameters.contains_key(id)).collect();
    for (index, param) in model.params.iter().enumerate() {
        labels.insert(param_id(model, index), json!({ "default": param.name.as_str() }));
    }
    if !user.is_empty() {
        groups.push(json!({ "Label": { "default": "Deployment parameters" }, "Parameters": user }));
    }
    let images: Vec<String> = model
        .app_servers
        .iter()
        .filter(|app| matches!(app.image, Image::Ssm(_)))
        .map(compute::image_parameter)
        .filter(|id| parameters.contains_key(id))
        .collect();
    for app in model.app_servers.iter().filter(|app| matches!(app.image, Image::Ssm(_))) {
        labels.insert(
            compute::image_parameter(app),
            json!({ "default": format!("AMI of app servers {}", app.name.as_str()) }),
        );
    }
    if !images.is_empty() {
        groups.push(json!({ "Label": { "default": "App server images" }, "Parameters": images }));
    }
    let zones: Vec<String> = (0..model.deployment.zones.len())
        .map(|i| network::zone_parameter(model, i))
        .filter(|id| parameters.contains_key(id))
        .collect();
    for (index, zone) in model.deployment.zones.iter().enumerate() {
        labels.insert(network::zone_parameter(model, index), json!({ "default": format!("Zone {}", zone.suffix) }));
    }
    if !zones.is_empty() {
        groups.push(json!({ "Label": { "default": "Availability zones" }, "Parameters": zones }));
    }
    labels.retain(|id, _| parameters.contains_key(id));
    json!({ "ParameterGroups": groups, "ParameterLabels": labels })
}

/// What users of the stack look up: addresses, names and identifiers.
fn outputs(b: &mut Builder<'_>) {
    let model = b.model;
    let network = &model.network;
    b.output(
        format!("{}VpcId", network.name.pascal()),
        format!("VPC of network {}", network.name.as_str()),
        r(&network::vpc(model)),
    );
    for lb in &model.load_balancers {
        b.output(
            format!("{}DnsName", lb.name.pascal()),
            format!("DNS name of load balancer {} (point the site's name at it)", lb.name.as_str()),
            intrinsics::get_att(&load_balancer::load_balancer(lb), "DNSName"),
        );
    }
    for app in &model.app_servers {
        b.output(
            format!("{}AutoScalingGroupName", app.name.pascal()),
            format!("Auto Scaling group of app servers {}", app.name.as_str()),
            r(&compute::auto_scaling_group(app)),
        );
    }
    for db in &model.databases {
        let instance = data::db_instance(db);
        b.output(
            format!("{}Endpoint", db.name.pascal()),
            format!("Host name of database {} ($CFG->dbhost)", db.name.as_str()),
            intrinsics::get_att(&instance, "Endpoint.Address"),
        );
        b.output(
            format!("{}Port", db.name.pascal()),
            format!("Port of database {}", db.name.as_str()),
            intrinsics::get_att(&instance, "Endpoint.Port"),
        );
    }
    for fs in &model.file_systems {
        b.output(
            format!("{}FileSystemId", fs.name.pascal()),
            format!("EFS file system {} (mount it as $CFG->dataroot)", fs.name.as_str()),
            r(&data::file_system(fs)),
        );
    }
    for cache in &model.caches {
        b.output(
            format!("{}CacheId", cache.name.pascal()),
            format!(
                "ElastiCache {} of cache {} (its endpoint is listed by ElastiCache)",
                cache_kind(cache),
                cache.name.as_str()
            ),
            r(&data::cache(cache)),
        );
    }
    for bucket in &model.buckets {
        b.output(
            format!("{}BucketName", bucket.name.pascal()),
            format!("S3 bucket {}", bucket.name.as_str()),
            r(&data::bucket(bucket)),
        );
    }
    for vpn in &model.vpns {
        b.output(
            format!("{}VpnConnectionId", vpn.name.pascal()),
            format!("VPN connection {} (download its configuration for the customer gateway)", vpn.name.as_str()),
            r(&network::vpn_connection(vpn)),
        );
    }
    if monitoring::has_topic(model) {
        b.output("AlarmTopicArn".to_string(), "SNS topic the alarms notify".to_string(), r(monitoring::TOPIC));
    }
}

fn cache_kind(cache: &mhac_compiler::model::Cache) -> &'static str {
    if cache.engine == mhac_compiler::model::CacheEngine::Memcached { "cluster" } else { "replication group" }
}

#[cfg(test)]
mod tests;
