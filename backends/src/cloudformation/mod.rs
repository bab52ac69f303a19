//! The CloudFormation printer: a deployment plan in, a complete template out.
//!
//! [`template`] prints every part of the plan with one exhaustive match
//! ([`print`]): a new kind of part that this printer does not handle does
//! not compile. The arms live in one module per area — [`network`],
//! [`security`], [`edge`] (load balancers, WAF, Shield), [`compute`],
//! [`data`] (buckets, databases, file systems, caches) and [`monitoring`]
//! (key, log groups, topic, alarms) — on a small helper layer
//! ([`intrinsics`]). They read parts only, never the model, and never each
//! other: a part refers to another by id, and the plan names both.
//!
//! What only CloudFormation does stays here: gateway attachments, inline
//! address-range rules in their security group, zone parameters, template
//! parameters for `ssm(...)` images. [`Template::origins`] maps each logical
//! ID back to the source; [`Template::printed`] says what each part became.

mod compute;
mod data;
mod domain;
mod edge;
mod intrinsics;
mod monitoring;
pub mod nested;
mod network;
mod security;
mod validate;
mod yaml;

pub use validate::validate;

use intrinsics::{Builder, get_att, r};
use mhac_compiler::model::ParamType;
use mhac_compiler::plan::{Origin, OutputRecordValue, OutputValue, PartId, PartKind, Plan};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// A generated template and where each of its resources comes from.
#[derive(Clone, Debug)]
pub struct Template {
    /// The template document.
    pub body: Value,
    /// Logical ID of every resource → the source component that produced it.
    pub origins: BTreeMap<String, Origin>,
    /// Every part → the resources or parameters it is printed in.
    pub printed: BTreeMap<PartId, Vec<String>>,
}

/// The template of a plan.
pub fn template(plan: &Plan) -> Template {
    let mut b = Builder::new(plan);
    parameters(&mut b);
    let mut rules: BTreeMap<PartId, Vec<PartId>> = BTreeMap::new();
    for (id, part) in plan.iter() {
        if let PartKind::Rule(rule) = &part.kind {
            rules.entry(rule.group).or_default().push(id);
        }
    }
    for (id, part) in plan.iter() {
        print(&mut b, id, &part.kind, &rules);
    }
    outputs(&mut b);
    let intrinsics::Sections { mut parameters, resources, outputs, origins, printed } = b.finish();
    // A parameter nothing refers to (MHA115 warns about it) would only ask
    // the user for a value CloudFormation then ignores.
    let mut referenced = BTreeSet::new();
    resources.values().chain(outputs.values()).for_each(|value| references(value, &mut referenced));
    parameters.retain(|id, _| referenced.contains(id));
    let mut body = Map::new();
    body.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    body.insert("Description".into(), json!(description(plan)));
    body.insert("Metadata".into(), json!({ "AWS::CloudFormation::Interface": interface(plan, &parameters) }));
    if !parameters.is_empty() {
        body.insert("Parameters".into(), Value::Object(parameters));
    }
    body.insert("Resources".into(), Value::Object(resources));
    if !outputs.is_empty() {
        body.insert("Outputs".into(), Value::Object(outputs));
    }
    Template { body: Value::Object(body), origins, printed }
}

/// Print one part. Every kind has its arm; there is no wildcard (the lint
/// below refuses one, so a new kind this printer does not print does not
/// compile).
#[deny(clippy::wildcard_enum_match_arm)]
fn print(b: &mut Builder<'_>, id: PartId, kind: &PartKind, rules: &BTreeMap<PartId, Vec<PartId>>) {
    match kind {
        PartKind::Key(key) => monitoring::key(b, id, key),
        PartKind::Vpc(vpc) => network::vpc(b, id, vpc),
        PartKind::InternetGateway(igw) => network::internet_gateway(b, id, igw),
        PartKind::Subnet(subnet) => network::subnet(b, id, subnet),
        PartKind::ElasticIp(eip) => network::elastic_ip(b, id, eip),
        PartKind::NatGateway(nat) => network::nat_gateway(b, id, nat),
        PartKind::RouteTable(table) => network::route_table(b, id, table),
        PartKind::Route(route) => network::route(b, id, route),
        PartKind::RouteAssociation(association) => network::route_association(b, id, association),
        PartKind::LogGroup(group) => monitoring::log_group(b, id, group),
        PartKind::FlowLog(flow) => network::flow_log(b, id, flow),
        PartKind::EndpointGroup(group) => network::endpoint_group(b, id, group),
        PartKind::Endpoint(endpoint) => network::endpoint(b, id, endpoint),
        PartKind::VpnGateway(gateway) => network::vpn_gateway(b, id, gateway),
        PartKind::CustomerGateway(gateway) => network::customer_gateway(b, id, gateway),
        PartKind::VpnConnection(connection) => network::vpn_connection(b, id, connection),
        PartKind::VpnRoute(route) => network::vpn_route(b, id, route),
        PartKind::RoutePropagation(propagation) => network::route_propagation(b, id, propagation),
        PartKind::SecurityGroup(group) => {
            security::group(b, id, group, rules.get(&id).map_or(&[], Vec::as_slice));
        }
        // Address-range rules are printed inline in their group.
        PartKind::Rule(rule) => security::rule(b, id, rule),
        PartKind::Bucket(bucket) => data::bucket(b, id, bucket),
        PartKind::BucketPolicy(policy) => data::bucket_policy(b, id, policy),
        PartKind::BucketAccess(access) => data::bucket_access(b, id, access),
        PartKind::LoadBalancer(lb) => edge::load_balancer(b, id, lb),
        PartKind::TargetGroup(group) => edge::target_group(b, id, group),
        PartKind::Listener(listener) => edge::listener(b, id, listener),
        PartKind::WebAcl(acl) => edge::web_acl(b, id, acl),
        PartKind::WebAclAssociation(association) => edge::web_acl_association(b, id, association),
        PartKind::WafLogging(logging) => edge::waf_logging(b, id, logging),
        PartKind::ShieldProtection(shield) => edge::shield_protection(b, id, shield),
        PartKind::ImageParameter(image) => compute::image_parameter(b, id, image),
        PartKind::InstanceRole(role) => compute::instance_role(b, id, role),
        PartKind::InstanceProfile(profile) => compute::instance_profile(b, id, profile),
        PartKind::LaunchTemplate(template) => compute::launch_template(b, id, template),
        PartKind::AutoScalingGroup(group) => compute::auto_scaling_group(b, id, group),
        PartKind::ScalingPolicy(policy) => compute::scaling_policy(b, id, policy),
        PartKind::DbSubnetGroup(group) => data::db_subnet_group(b, id, group),
        PartKind::DbMonitoringRole(role) => data::db_monitoring_role(b, id, role),
        PartKind::DbInstance(db) => data::db_instance(b, id, db),
        PartKind::FileSystem(fs) => data::file_system(b, id, fs),
        PartKind::MountTarget(target) => data::mount_target(b, id, target),
        PartKind::CacheSubnetGroup(group) => data::cache_subnet_group(b, id, group),
        PartKind::AuthToken(token) => data::auth_token(b, id, token),
        PartKind::Cache(cache) => data::cache(b, id, cache),
        PartKind::Topic(topic) => monitoring::topic(b, id, topic),
        PartKind::Subscription(subscription) => monitoring::subscription(b, id, subscription),
        PartKind::Alarm(alarm) => monitoring::alarm(b, id, alarm),
        PartKind::SiteSecret(secret) => data::site_secret(b, id, secret),
        PartKind::SiteAccess(access) => compute::site_access(b, id, access),
        PartKind::ListenerRule(rule) => edge::listener_rule(b, id, rule),
        PartKind::SitePiece(piece) => compute::site_piece(b, id, piece),
        PartKind::Certificate(certificate) => domain::certificate(b, id, certificate),
        PartKind::HostedZoneLookup(lookup) => domain::hosted_zone_lookup(b, id, lookup),
        PartKind::DnsRecord(record) => domain::dns_record(b, id, record),
        PartKind::MailIdentity(identity) => domain::mail_identity(b, id, identity),
        PartKind::SmtpUser(user) => domain::smtp_user(b, id, user),
        PartKind::MailEvents(events) => domain::mail_events(b, id, events),
    }
}

/// The CloudFormation type of the resource that holds a part's data, for
/// the parts that hold data (databases, caches, file systems, buckets).
pub fn stateful_type(kind: &PartKind) -> Option<&'static str> {
    match kind {
        PartKind::DbInstance(_) => Some("AWS::RDS::DBInstance"),
        PartKind::FileSystem(_) => Some("AWS::EFS::FileSystem"),
        PartKind::Bucket(_) => Some("AWS::S3::Bucket"),
        PartKind::Cache(cache) => Some(match cache.engine {
            mhac_compiler::plan::CacheEngineKind::Memcached => "AWS::ElastiCache::CacheCluster",
            mhac_compiler::plan::CacheEngineKind::Replicated { .. } => "AWS::ElastiCache::ReplicationGroup",
        }),
        _ => None,
    }
}

/// Every name a `Ref` or an `Fn::Sub` in `value` refers to.
fn references(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(id)) = object.get("Ref") {
                out.insert(id.clone());
            }
            // `Fn::Sub` is a text, or a text and a map of its own variables.
            let (sub, own) = match object.get("Fn::Sub") {
                Some(Value::String(text)) => (Some(text.as_str()), None),
                Some(Value::Array(items)) => {
                    (items.first().and_then(Value::as_str), items.get(1).and_then(Value::as_object))
                }
                _ => (None, None),
            };
            if let Some(text) = sub {
                let mut rest = text;
                while let Some(start) = rest.find("${") {
                    let after = &rest[start + 2..];
                    let Some(end) = after.find('}') else { break };
                    let name = after[..end].split('.').next().unwrap_or_default();
                    // `${!text}` is text; the map's names are the Sub's own.
                    if !name.starts_with('!') && !own.is_some_and(|own| own.contains_key(name)) {
                        out.insert(name.to_string());
                    }
                    rest = &after[end..];
                }
            }
            object.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
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

fn description(plan: &Plan) -> String {
    let deployment = &plan.deployment;
    let zones: Vec<&str> = deployment.zones.iter().map(|z| z.name.as_str()).collect();
    format!(
        "Moodle {} deployment {} in {} ({}), generated by mhac",
        deployment.moodle,
        deployment.name,
        deployment.region,
        zones.join(", ")
    )
}

/// Parameters for every `param` (those nothing uses are dropped later), and
/// one per zone (subnets name their zone through it rather than a
/// hard-coded string; the default is the zone the source names).
fn parameters(b: &mut Builder<'_>) {
    let plan = b.plan;
    for param in &plan.params {
        let ty = match param.ty {
            ParamType::Number => "Number",
            ParamType::String | ParamType::Secret if param.image => "AWS::EC2::Image::Id",
            ParamType::String | ParamType::Secret => "String",
        };
        let mut out = Map::new();
        out.insert("Type".into(), json!(ty));
        if let Some(default) = &param.default {
            out.insert("Default".into(), json!(default));
        }
        let description =
            if param.description.is_empty() { format!("param {}", param.name) } else { param.description.clone() };
        out.insert("Description".into(), json!(description));
        if param.ty == ParamType::Secret {
            out.insert("NoEcho".into(), json!(true));
        }
        if let Some(shape) = param.shape {
            out.insert("AllowedPattern".into(), json!(shape.pattern()));
            out.insert("ConstraintDescription".into(), json!(format!("must be {}", shape.describe())));
        }
        b.parameter(param.ident.cfn().to_string(), Value::Object(out));
    }
    for zone in &plan.deployment.zones {
        b.parameter(
            zone.parameter.clone(),
            json!({
                "Type": "AWS::EC2::AvailabilityZone::Name",
                "Default": zone.name,
                "Description": format!("Availability zone {} of the deployment ({} in the source)", zone.suffix, zone.name),
            }),
        );
    }
}

/// The console's parameter groups and labels.
fn interface(plan: &Plan, parameters: &Map<String, Value>) -> Value {
    let mut groups = Vec::new();
    let mut labels = Map::new();
    let user: Vec<String> =
        plan.params.iter().map(|p| p.ident.cfn().to_string()).filter(|id| parameters.contains_key(id)).collect();
    for param in &plan.params {
        labels.insert(param.ident.cfn().to_string(), json!({ "default": param.name }));
    }
    if !user.is_empty() {
        groups.push(json!({ "Label": { "default": "Deployment parameters" }, "Parameters": user }));
    }
    let image_parts: Vec<(String, &str)> = plan
        .parts
        .iter()
        .filter_map(|part| match &part.kind {
            PartKind::ImageParameter(image) => Some((part.ident.cfn().to_string(), image.app.as_str())),
            _ => None,
        })
        .collect();
    let images: Vec<&String> = image_parts.iter().map(|(id, _)| id).filter(|id| parameters.contains_key(*id)).collect();
    for (id, app) in &image_parts {
        labels.insert(id.clone(), json!({ "default": format!("AMI of app servers {app}") }));
    }
    if !images.is_empty() {
        groups.push(json!({ "Label": { "default": "App server images" }, "Parameters": images }));
    }
    let zones: Vec<&String> =
        plan.deployment.zones.iter().map(|z| &z.parameter).filter(|id| parameters.contains_key(*id)).collect();
    for zone in &plan.deployment.zones {
        labels.insert(zone.parameter.clone(), json!({ "default": format!("Zone {}", zone.suffix) }));
    }
    if !zones.is_empty() {
        groups.push(json!({ "Label": { "default": "Availability zones" }, "Parameters": zones }));
    }
    labels.retain(|id, _| parameters.contains_key(id));
    json!({ "ParameterGroups": groups, "ParameterLabels": labels })
}

/// What users of the stack look up: addresses, names and identifiers.
fn outputs(b: &mut Builder<'_>) {
    let plan = b.plan;
    for output in &plan.outputs {
        let value = match &output.value {
            OutputValue::VpcId(part)
            | OutputValue::AutoScalingGroupName(part)
            | OutputValue::FileSystemId(part)
            | OutputValue::CacheId(part)
            | OutputValue::BucketName(part)
            | OutputValue::VpnConnectionId(part)
            | OutputValue::TopicArn(part)
            | OutputValue::SecretArn(part) => r(b.id(*part)),
            OutputValue::DnsName(part) => get_att(b.id(*part), "DNSName"),
            OutputValue::DbAddress(part) => get_att(b.id(*part), "Endpoint.Address"),
            OutputValue::DbPort(part) => get_att(b.id(*part), "Endpoint.Port"),
            OutputValue::Literal(text) => json!(text),
            OutputValue::DnsRecords(records) => {
                // One `NAME TYPE VALUE` line per record.
                let lines: Vec<String> = records
                    .iter()
                    .map(|(name, ty, value)| {
                        let value = match value {
                            OutputRecordValue::Text(text) => domain::record_sub(b, text),
                            OutputRecordValue::DnsName(part) => format!("${{{}.DNSName}}", b.id(*part)),
                        };
                        format!("{} {ty} {value}", domain::record_sub(b, name))
                    })
                    .collect();
                json!({ "Fn::Sub": lines.join("\n") })
            }
        };
        b.output(output.ident.cfn().to_string(), output.description.clone(), value);
    }
}

#[cfg(test)]
mod tests;
