//! The two printers are equivalent by construction: both read the same
//! deployment plan (`mhac_compiler::plan`), which makes every decision and
//! names every part once. What can still differ is checked here:
//!
//! * **every part is printed by every printer**, as resources (or
//!   parameters, or inline rules) that exist in the output, and every
//!   resource of either output belongs to a part;
//! * **spot checks of printed settings**: for each kind of part, the
//!   settings that matter (CIDR blocks, ports, encryption, Multi-AZ,
//!   backups, scaling bounds, listener actions, the order of WAF rules,
//!   alarm thresholds, outputs, ...) are read back from the CloudFormation
//!   template and from the Terraform files (parsed with hcl-rs) and compared
//!   with the part.
//!
//! The last tests perturb one output and check that the comparison catches
//! it: a changed setting, a changed rule, a missing resource, an unprinted
//! part, a stray resource, a reordered web ACL and a changed output.

mod support;

use mhac_backends::cloudformation::{self, Template};
use mhac_backends::terraform::{self, Options};
use mhac_compiler::plan::{Direction, ListenerAction, ListenerProtocol, OutputValue, PartId, PartKind, Plan, RulePeer};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Both outputs of one source, the Terraform one as JSON (hcl-rs's
/// conversion: references read `${aws_vpc.main.id}`).
struct Built {
    plan: Plan,
    template: Template,
    tf: Value,
    tf_printed: BTreeMap<PartId, Vec<String>>,
}

fn build(path: &Path) -> Built {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let compilation = mhac_compiler::compile(&text);
    let plan = compilation.plan().unwrap_or_else(|| panic!("{} has errors", path.display())).clone();
    let template = cloudformation::template(&plan);
    let output = terraform::generate(&plan, &Options::default()).expect("the Terraform configuration generates");
    let mut tf = json!({});
    for file in &output.files {
        let value: Value = hcl::from_str(&file.contents).unwrap_or_else(|e| panic!("{}: {e}", file.name));
        merge(&mut tf, value);
    }
    Built { plan, template, tf, tf_printed: output.printed }
}

/// Merge the JSON of one `.tf` file into the whole configuration.
fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(into), Value::Object(from)) => {
            for (key, value) in from {
                match into.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        into.insert(key, value);
                    }
                }
            }
        }
        (into, from) => *into = from,
    }
}

/// The examples and the two variant sources, which take the printers down
/// the paths the examples do not (no HTTPS, a load balancer without
/// targets, protections and encryption off, Valkey and Memcached, fixed
/// scaling, endpoints, a single NAT gateway).
fn sources() -> Vec<PathBuf> {
    let mut sources = support::examples();
    sources.push(support::root().join("tests/data/terraform-variant.mha"));
    sources.push(support::root().join("tests/data/equivalence-variant.mha"));
    sources
}

/// A Terraform block by address (`aws_vpc.main`, `data.aws_ssm_parameter.x`).
fn tf_block<'a>(tf: &'a Value, address: &str) -> Option<&'a Value> {
    let (section, rest) = match address.strip_prefix("data.") {
        Some(rest) => ("data", rest),
        None => ("resource", address),
    };
    let (ty, name) = rest.split_once('.')?;
    tf.get(section)?.get(ty)?.get(name)
}

/// Every Terraform address of a resource or data source.
fn tf_addresses(tf: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (section, prefix) in [("resource", ""), ("data", "data.")] {
        let Some(types) = tf.get(section).and_then(Value::as_object) else { continue };
        for (ty, blocks) in types {
            for name in blocks.as_object().into_iter().flat_map(|b| b.keys()) {
                out.insert(format!("{prefix}{ty}.{name}"));
            }
        }
    }
    out
}

/// A nested block as a list (one block converts to an object, several to
/// an array).
fn blocks(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other @ Value::Object(_)) => vec![other],
        _ => Vec::new(),
    }
}

/// A scalar as text, whatever the output wrote it as (`"2"` or `2`,
/// `"true"` or `true`).
fn text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "-".to_string(),
        Some(other) => other.to_string(),
    }
}

fn resources(template: &Template) -> &serde_json::Map<String, Value> {
    template.body["Resources"].as_object().expect("resources")
}

/// Differences between the printed outputs and the plan, as sentences.
fn report(built: &Built) -> Vec<String> {
    let mut problems = Vec::new();
    printed_everywhere(built, &mut problems);
    settings(built, &mut problems);
    outputs(built, &mut problems);
    problems
}

/// Every part is printed by both printers, into names that exist; every
/// resource of both outputs belongs to a part.
fn printed_everywhere(built: &Built, problems: &mut Vec<String>) {
    let cfn = resources(&built.template);
    let parameters = built.template.body.get("Parameters").and_then(Value::as_object);
    let addresses = tf_addresses(&built.tf);
    let mut cfn_seen = BTreeSet::new();
    let mut tf_seen = BTreeSet::new();
    for (id, part) in built.plan.iter() {
        let what =
            format!("{:?} `{}`", std::mem::discriminant(&part.kind), part.ident.cfn().to_owned() + part.ident.tf());
        match built.template.printed.get(&id) {
            None => problems.push(format!("part {id:?} {what} is not in the CloudFormation template")),
            Some(ids) => {
                for logical in ids {
                    if !cfn.contains_key(logical) && !parameters.is_some_and(|p| p.contains_key(logical)) {
                        problems
                            .push(format!("{logical} (of part {id:?}) is missing from the CloudFormation template"));
                    }
                    cfn_seen.insert(logical.clone());
                }
            }
        }
        match built.tf_printed.get(&id) {
            None => problems.push(format!("part {id:?} {what} is not in the Terraform configuration")),
            Some(printed) => {
                for address in printed {
                    if !addresses.contains(address) {
                        problems
                            .push(format!("{address} (of part {id:?}) is missing from the Terraform configuration"));
                    }
                    tf_seen.insert(address.clone());
                }
            }
        }
    }
    for logical in cfn.keys().filter(|id| !cfn_seen.contains(*id)) {
        problems.push(format!("CloudFormation resource {logical} belongs to no part"));
    }
    // The account id has no part: CloudFormation names it with a pseudo
    // parameter.
    for address in addresses.iter().filter(|a| !tf_seen.contains(*a) && *a != "data.aws_caller_identity.current") {
        problems.push(format!("Terraform block {address} belongs to no part"));
    }
}

/// One setting read from both outputs and from the plan.
fn expect(problems: &mut Vec<String>, part: &str, setting: &str, plan: String, cfn: String, tf: String) {
    if cfn != plan || tf != plan {
        problems.push(format!("{part}: {setting} is {plan} in the plan, {cfn} in CloudFormation, {tf} in Terraform"));
    }
}

/// The settings that matter, per kind of part.
fn settings(built: &Built, problems: &mut Vec<String>) {
    let cfn = resources(&built.template);
    let tf = &built.tf;
    let zone_default = |param: &Value| -> String {
        let name = param.get("Ref").and_then(Value::as_str).unwrap_or_default();
        text(built.template.body.pointer(&format!("/Parameters/{name}/Default")))
    };
    for part in &built.plan.parts {
        let own = part.ident.cfn();
        let c = cfn.get(own).map(|r| &r["Properties"]).unwrap_or(&Value::Null);
        let address = format!("{}.{}", mhac_compiler::plan::identity::tf_type(&part.kind), part.ident.tf());
        let t = tf_block(tf, &address).unwrap_or(&Value::Null);
        let name = format!("{own} / {address}");
        match &part.kind {
            PartKind::Vpc(vpc) => {
                expect(
                    problems,
                    &name,
                    "CIDR",
                    vpc.cidr.to_string(),
                    text(c.get("CidrBlock")),
                    text(t.get("cidr_block")),
                );
            }
            PartKind::Subnet(subnet) => {
                expect(
                    problems,
                    &name,
                    "CIDR",
                    subnet.cidr.to_string(),
                    text(c.get("CidrBlock")),
                    text(t.get("cidr_block")),
                );
                let zone = built.plan.deployment.zones[subnet.zone].name.clone();
                let cfn_zone = c.get("AvailabilityZone").map(zone_default).unwrap_or_default();
                expect(problems, &name, "zone", zone, cfn_zone, text(t.get("availability_zone")));
            }
            PartKind::Rule(rule) => {
                let ports = format!("{} {}-{}", rule.protocol.as_str(), rule.from_port, rule.to_port);
                let tf_ports =
                    format!("{} {}-{}", text(t.get("ip_protocol")), text(t.get("from_port")), text(t.get("to_port")));
                let (cfn_ports, cfn_peer) = match rule.peer.cidr() {
                    // Inline in the group's resource in CloudFormation.
                    Some(cidr) => {
                        let group = built.plan.part(rule.group).ident.cfn();
                        let key = match rule.direction {
                            Direction::Ingress => "SecurityGroupIngress",
                            Direction::Egress => "SecurityGroupEgress",
                        };
                        let inline = cfn.get(group).and_then(|g| g["Properties"].get(key)).and_then(Value::as_array);
                        let found = inline.into_iter().flatten().find(|r| {
                            text(r.get("CidrIp")) == cidr
                                && text(r.get("FromPort")) == rule.from_port.to_string()
                                && text(r.get("ToPort")) == rule.to_port.to_string()
                                && text(r.get("IpProtocol")) == rule.protocol.as_str()
                        });
                        (found.map_or("-".to_string(), |_| ports.clone()), found.map_or("-".to_string(), |_| cidr))
                    }
                    None => {
                        let peer = c.get("SourceSecurityGroupId").or(c.get("DestinationSecurityGroupId"));
                        let peer =
                            peer.and_then(|p| p.pointer("/Fn::GetAtt/0")).map(|p| text(Some(p))).unwrap_or_default();
                        let ports = format!(
                            "{} {}-{}",
                            text(c.get("IpProtocol")),
                            text(c.get("FromPort")),
                            text(c.get("ToPort"))
                        );
                        (ports, peer)
                    }
                };
                expect(problems, &name, "ports", ports, cfn_ports, tf_ports);
                let (plan_peer, tf_peer) = match &rule.peer {
                    RulePeer::Group { group, .. } => {
                        (built.plan.part(*group).ident.cfn().to_string(), text(t.get("referenced_security_group_id")))
                    }
                    peer => (peer.cidr().unwrap_or_default(), text(t.get("cidr_ipv4"))),
                };
                let tf_peer = match &rule.peer {
                    RulePeer::Group { group, .. }
                        if tf_peer == format!("${{aws_security_group.{}.id}}", built.plan.part(*group).ident.tf()) =>
                    {
                        plan_peer.clone()
                    }
                    _ => tf_peer,
                };
                expect(problems, &name, "peer", plan_peer, cfn_peer, tf_peer);
            }
            PartKind::DbInstance(db) => {
                expect(problems, &name, "engine", db.rds_engine.clone(), text(c.get("Engine")), text(t.get("engine")));
                expect(
                    problems,
                    &name,
                    "class",
                    db.class.clone(),
                    text(c.get("DBInstanceClass")),
                    text(t.get("instance_class")),
                );
                expect(
                    problems,
                    &name,
                    "storage",
                    db.storage_gb.to_string(),
                    text(c.get("AllocatedStorage")),
                    text(t.get("allocated_storage")),
                );
                expect(
                    problems,
                    &name,
                    "Multi-AZ",
                    db.multi_az.to_string(),
                    text(c.get("MultiAZ")),
                    text(t.get("multi_az")),
                );
                expect(
                    problems,
                    &name,
                    "encryption",
                    db.encrypted.to_string(),
                    text(c.get("StorageEncrypted")),
                    text(t.get("storage_encrypted")),
                );
                expect(
                    problems,
                    &name,
                    "backups",
                    db.backup_days.to_string(),
                    text(c.get("BackupRetentionPeriod")),
                    text(t.get("backup_retention_period")),
                );
                expect(
                    problems,
                    &name,
                    "deletion protection",
                    db.deletion_protection.to_string(),
                    text(c.get("DeletionProtection")),
                    text(t.get("deletion_protection")),
                );
            }
            PartKind::Cache(cache) => {
                let (cfn_nodes, tf_nodes) = match cache.engine {
                    mhac_compiler::plan::CacheEngineKind::Memcached => {
                        (c.get("NumCacheNodes"), t.get("num_cache_nodes"))
                    }
                    mhac_compiler::plan::CacheEngineKind::Replicated { .. } => {
                        (c.get("NumCacheClusters"), t.get("num_cache_clusters"))
                    }
                };
                expect(problems, &name, "nodes", cache.zones.len().to_string(), text(cfn_nodes), text(tf_nodes));
                expect(
                    problems,
                    &name,
                    "node type",
                    cache.node_type.clone(),
                    text(c.get("CacheNodeType")),
                    text(t.get("node_type")),
                );
                expect(
                    problems,
                    &name,
                    "TLS",
                    cache.transit_encryption.to_string(),
                    text(c.get("TransitEncryptionEnabled")),
                    text(t.get("transit_encryption_enabled")),
                );
            }
            PartKind::FileSystem(fs) => {
                expect(
                    problems,
                    &name,
                    "encryption",
                    fs.key.is_some().to_string(),
                    text(c.get("Encrypted")),
                    text(t.get("encrypted")),
                );
                let mode = format!("{:?}", fs.throughput).to_lowercase();
                expect(
                    problems,
                    &name,
                    "throughput",
                    mode,
                    text(c.get("ThroughputMode")),
                    text(t.get("throughput_mode")),
                );
            }
            PartKind::Bucket(bucket) => {
                let tf_versioning = tf_block(tf, &format!("aws_s3_bucket_versioning.{}", part.ident.tf())).is_some();
                let cfn_versioning = c.pointer("/VersioningConfiguration/Status").is_some_and(|s| s == "Enabled");
                expect(
                    problems,
                    &name,
                    "versioning",
                    bucket.versioning.to_string(),
                    cfn_versioning.to_string(),
                    tf_versioning.to_string(),
                );
                let algorithm = if bucket.key.is_some() { "aws:kms" } else { "AES256" }.to_string();
                let cfn_algorithm = text(c.pointer(
                    "/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm",
                ));
                let sse =
                    tf_block(tf, &format!("aws_s3_bucket_server_side_encryption_configuration.{}", part.ident.tf()));
                let tf_algorithm = blocks(sse.and_then(|s| s.get("rule")))
                    .first()
                    .and_then(|rule| {
                        blocks(rule.get("apply_server_side_encryption_by_default"))
                            .first()
                            .map(|d| text(d.get("sse_algorithm")))
                    })
                    .unwrap_or_default();
                expect(problems, &name, "encryption", algorithm, cfn_algorithm, tf_algorithm);
            }
            PartKind::LoadBalancer(lb) => {
                expect(
                    problems,
                    &name,
                    "idle timeout",
                    lb.idle_timeout.to_string(),
                    c.get("LoadBalancerAttributes")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .find(|a| a["Key"] == "idle_timeout.timeout_seconds")
                        .map(|a| text(a.get("Value")))
                        .unwrap_or_default(),
                    text(t.get("idle_timeout")),
                );
                expect(
                    problems,
                    &name,
                    "subnets",
                    lb.subnets.len().to_string(),
                    c.get("Subnets").and_then(Value::as_array).map_or(0, Vec::len).to_string(),
                    t.get("subnets").and_then(Value::as_array).map_or(0, Vec::len).to_string(),
                );
            }
            PartKind::TargetGroup(group) => {
                expect(problems, &name, "port", group.port.to_string(), text(c.get("Port")), text(t.get("port")));
                let tf_path = blocks(t.get("health_check")).first().map(|h| text(h.get("path"))).unwrap_or_default();
                expect(
                    problems,
                    &name,
                    "health check",
                    group.health_check.clone(),
                    text(c.get("HealthCheckPath")),
                    tf_path,
                );
            }
            PartKind::Listener(listener) => {
                let port = match listener.protocol {
                    ListenerProtocol::Http => "80",
                    ListenerProtocol::Https { .. } => "443",
                };
                expect(problems, &name, "port", port.to_string(), text(c.get("Port")), text(t.get("port")));
                let action = match listener.action {
                    ListenerAction::Redirect => "redirect",
                    ListenerAction::Forward(_) => "forward",
                    ListenerAction::Unavailable => "fixed-response",
                };
                let tf_action =
                    blocks(t.get("default_action")).first().map(|a| text(a.get("type"))).unwrap_or_default();
                expect(
                    problems,
                    &name,
                    "action",
                    action.to_string(),
                    text(c.pointer("/DefaultActions/0/Type")),
                    tf_action,
                );
            }
            PartKind::WebAcl(acl) => {
                let mut order: Vec<String> = acl.rate_limit.iter().map(|_| "RateLimitPerAddress".to_string()).collect();
                order.extend(acl.managed.iter().map(|group| group.name.clone()));
                let mut cfn_rules: Vec<(u64, String)> = c
                    .get("Rules")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|r| (r["Priority"].as_u64().unwrap_or(u64::MAX), text(r.get("Name"))))
                    .collect();
                cfn_rules.sort();
                let mut tf_rules: Vec<(u64, String)> = blocks(t.get("rule"))
                    .into_iter()
                    .map(|r| (r["priority"].as_u64().unwrap_or(u64::MAX), text(r.get("name"))))
                    .collect();
                tf_rules.sort();
                let names =
                    |rules: Vec<(u64, String)>| rules.into_iter().map(|(_, n)| n).collect::<Vec<_>>().join(", ");
                expect(problems, &name, "rules", order.join(", "), names(cfn_rules), names(tf_rules));
            }
            PartKind::LaunchTemplate(template) => {
                let data = c.get("LaunchTemplateData").unwrap_or(&Value::Null);
                expect(
                    problems,
                    &name,
                    "instance type",
                    template.instance_type.clone(),
                    text(data.get("InstanceType")),
                    text(t.get("instance_type")),
                );
                let tf_tokens =
                    blocks(t.get("metadata_options")).first().map(|m| text(m.get("http_tokens"))).unwrap_or_default();
                expect(
                    problems,
                    &name,
                    "IMDSv2",
                    "required".to_string(),
                    text(data.pointer("/MetadataOptions/HttpTokens")),
                    tf_tokens,
                );
            }
            PartKind::AutoScalingGroup(group) => {
                expect(problems, &name, "min", group.min.to_string(), text(c.get("MinSize")), text(t.get("min_size")));
                expect(problems, &name, "max", group.max.to_string(), text(c.get("MaxSize")), text(t.get("max_size")));
            }
            PartKind::LogGroup(group) => {
                expect(
                    problems,
                    &name,
                    "retention",
                    group.retention_days.to_string(),
                    text(c.get("RetentionInDays")),
                    text(t.get("retention_in_days")),
                );
            }
            PartKind::Alarm(alarm) => {
                let threshold = if alarm.threshold.fract() == 0.0 {
                    format!("{}", alarm.threshold as i64)
                } else {
                    alarm.threshold.to_string()
                };
                let tf_threshold = t.get("threshold").and_then(Value::as_f64).map_or("-".to_string(), |v| {
                    if v.fract() == 0.0 { format!("{}", v as i64) } else { v.to_string() }
                });
                expect(problems, &name, "threshold", threshold, text(c.get("Threshold")), tf_threshold);
                expect(
                    problems,
                    &name,
                    "period",
                    alarm.period.to_string(),
                    text(c.get("Period")),
                    text(t.get("period")),
                );
                expect(
                    problems,
                    &name,
                    "comparison",
                    alarm.comparison_operator().to_string(),
                    text(c.get("ComparisonOperator")),
                    text(t.get("comparison_operator")),
                );
                expect(
                    problems,
                    &name,
                    "metric",
                    alarm.metric.clone(),
                    text(c.get("MetricName")),
                    text(t.get("metric_name")),
                );
            }
            _ => {}
        }
    }
}

/// Every output of the plan is an output of both, with a value that refers
/// to the right part.
fn outputs(built: &Built, problems: &mut Vec<String>) {
    let cfn = built.template.body.get("Outputs").and_then(Value::as_object);
    for output in &built.plan.outputs {
        let part = match output.value {
            OutputValue::VpcId(p)
            | OutputValue::DnsName(p)
            | OutputValue::AutoScalingGroupName(p)
            | OutputValue::DbAddress(p)
            | OutputValue::DbPort(p)
            | OutputValue::FileSystemId(p)
            | OutputValue::CacheId(p)
            | OutputValue::BucketName(p)
            | OutputValue::VpnConnectionId(p)
            | OutputValue::TopicArn(p)
            | OutputValue::SecretArn(p) => built.plan.part(p),
            // Records shown to the user: both printers join the same lines
            // (spot-checked: the line count and the first record's name).
            OutputValue::DnsRecords(ref records) => {
                let cfn_value =
                    cfn.and_then(|o| o.get(output.ident.cfn())).map(|o| o["Value"].to_string()).unwrap_or_default();
                let tf_value = text(built.tf.pointer(&format!("/output/{}/value", output.ident.tf())));
                let lines = records.len();
                let cfn_lines = cfn_value.matches("\\n").count() + 1;
                let tf_lines = tf_value.matches("\", \"").count() + 1;
                if cfn_lines != lines || tf_lines != lines {
                    problems.push(format!(
                        "output {}: {lines} records in the plan, {cfn_lines} in CloudFormation, {tf_lines} in Terraform",
                        output.ident.cfn()
                    ));
                }
                continue;
            }
            OutputValue::Literal(ref literal) => {
                let cfn_value = cfn.and_then(|o| o.get(output.ident.cfn())).map(|o| text(Some(&o["Value"])));
                let tf_value = text(built.tf.pointer(&format!("/output/{}/value", output.ident.tf())));
                if cfn_value.as_deref() != Some(literal.as_str()) || tf_value != *literal {
                    problems.push(format!(
                        "output {}: {literal:?} in the plan, {cfn_value:?} in CloudFormation, {tf_value:?} in Terraform",
                        output.ident.cfn()
                    ));
                }
                continue;
            }
        };
        let cfn_value = cfn.and_then(|o| o.get(output.ident.cfn())).map(|o| &o["Value"]);
        let cfn_target = cfn_value
            .and_then(|v| v.get("Ref").or_else(|| v.pointer("/Fn::GetAtt/0")))
            .map(|v| text(Some(v)))
            .unwrap_or_default();
        if cfn_target != part.ident.cfn() {
            problems.push(format!(
                "output {}: CloudFormation shows {cfn_target}, not {}",
                output.ident.cfn(),
                part.ident.cfn()
            ));
        }
        let tf_value = text(built.tf.pointer(&format!("/output/{}/value", output.ident.tf())));
        let want = format!("${{{}.{}.", mhac_compiler::plan::identity::tf_type(&part.kind), part.ident.tf());
        if !tf_value.starts_with(&want) {
            problems.push(format!("output {}: Terraform shows {tf_value}, not {want}...", output.ident.tf()));
        }
    }
}

#[test]
fn every_source_prints_every_part_with_the_same_settings() {
    let mut failures = Vec::new();
    for source in sources() {
        let built = build(&source);
        for problem in report(&built) {
            failures.push(format!("{}: {problem}", support::file_name(&source)));
        }
        assert!(built.plan.parts.len() > 30, "{}: a plan this small checks little", source.display());
    }
    assert!(failures.is_empty(), "the printers differ:\n{}", failures.join("\n"));
}

/// Every kind of part the examples and variants hold is spot-checked by at
/// least one source (a kind no source has cannot be compared).
#[test]
fn the_sources_cover_the_kinds_that_carry_settings() {
    let mut kinds = BTreeSet::new();
    for source in sources() {
        for part in build(&source).plan.parts {
            kinds.insert(format!("{:?}", part.kind).split('(').next().unwrap_or_default().to_string());
        }
    }
    for kind in ["Rule", "DbInstance", "Cache", "FileSystem", "Bucket", "Listener", "WebAcl", "Alarm", "Endpoint"] {
        assert!(kinds.contains(kind), "no source has a {kind} part");
    }
}

// ---------------------------------------------------------------------------
// Perturbations: each must be caught.

fn moodle() -> Built {
    build(&support::root().join("examples/moodle.mha"))
}

fn caught(built: &Built, words: &[&str]) {
    let problems = report(built);
    assert!(
        problems.iter().any(|p| words.iter().all(|w| p.contains(w))),
        "a perturbation mentioning {words:?} was not caught: {problems:#?}"
    );
}

#[test]
fn the_unperturbed_example_passes() {
    assert_eq!(report(&moodle()), Vec::<String>::new());
}

#[test]
fn a_changed_setting_is_caught() {
    let mut built = moodle();
    built.template.body["Resources"]["MoodleDbInstance"]["Properties"]["MultiAZ"] = json!(false);
    caught(&built, &["MoodleDbInstance", "Multi-AZ"]);
}

#[test]
fn a_changed_rule_is_caught_on_either_side() {
    let mut built = moodle();
    built.tf["resource"]["aws_vpc_security_group_ingress_rule"]["db_tcp_3306_from_web"]["from_port"] = json!(3307);
    caught(&built, &["db_tcp_3306_from_web", "ports"]);
    let mut built = moodle();
    let ingress = &mut built.template.body["Resources"]["AlbSecurityGroup"]["Properties"]["SecurityGroupIngress"][0];
    ingress["CidrIp"] = json!("10.0.0.0/8");
    caught(&built, &["alb_tcp_443_from_internet"]);
}

#[test]
fn a_missing_resource_is_caught() {
    let mut built = moodle();
    built.tf["resource"]["aws_subnet"].as_object_mut().expect("subnets").remove("app_a");
    caught(&built, &["aws_subnet.app_a", "missing from the Terraform configuration"]);
}

#[test]
fn an_unprinted_part_is_caught() {
    let mut built = moodle();
    let (id, _) = built.plan.iter().find(|(_, p)| p.ident.cfn() == "MoodleDbInstance").expect("the database");
    built.template.printed.remove(&id);
    caught(&built, &["not in the CloudFormation template"]);
    caught(&built, &["MoodleDbInstance belongs to no part"]);
}

#[test]
fn a_stray_resource_is_caught() {
    let mut built = moodle();
    built.tf["resource"]["aws_s3_bucket"]["stray"] = json!({ "bucket": "x" });
    caught(&built, &["aws_s3_bucket.stray", "belongs to no part"]);
}

#[test]
fn a_reordered_web_acl_is_caught() {
    let mut built = moodle();
    let rules = built.template.body["Resources"]["FrontWebAcl"]["Properties"]["Rules"].as_array_mut().expect("rules");
    let (first, second) = (rules[1]["Priority"].clone(), rules[2]["Priority"].clone());
    rules[1]["Priority"] = second;
    rules[2]["Priority"] = first;
    caught(&built, &["FrontWebAcl", "rules"]);
}

#[test]
fn a_changed_output_is_caught() {
    let mut built = moodle();
    built.template.body["Outputs"]["MoodleDbEndpoint"]["Value"] = json!({ "Fn::GetAtt": ["MainVpc", "CidrBlock"] });
    caught(&built, &["MoodleDbEndpoint"]);
    let mut built = moodle();
    built.tf["output"]["moodle_db_endpoint"]["value"] = json!("${aws_vpc.main.id}");
    caught(&built, &["moodle_db_endpoint"]);
}
