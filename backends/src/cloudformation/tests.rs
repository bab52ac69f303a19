//! Identity and determinism of the generated templates.

use super::*;
use mhac_compiler::compile;
use serde_json::json;
use std::collections::BTreeSet;

const MOODLE: &str = include_str!("../../../examples/moodle.mha");
const SEED: &str = include_str!("../../../examples/seed.mha");
const THREE_ZONES: &str = include_str!("../../../examples/three-zones-postgres.mha");

/// A deployment using what the examples do not: endpoints, a single NAT,
/// Memcached and Valkey caches, a dev profile with protections off, an
/// image parameter, a load balancer without HTTPS, UDP and VPN rules.
const EVERYTHING: &str = r#"
deployment "all-features" {
  region  = "eu-west-1"
  zones   = ["eu-west-1a", "eu-west-1b"]
  moodle  = "4.5"
  profile = dev
}
param ami : string
param token : secret
param unused : string
network core {
  cidr      = 10.1.0.0/16
  nat       = single
  endpoints = [s3, ssm, ssmmessages, ec2messages, logs]
  tier edge  { kind = public,   cidrs = [10.1.0.0/24,  10.1.1.0/24]  }
  tier app   { kind = private,  cidrs = [10.1.10.0/24, 10.1.11.0/24] }
  tier data  { kind = isolated, cidrs = [10.1.20.0/24, 10.1.21.0/24] }
}
vpn office { network = core, customer_gateway = 198.51.100.20, routes = [192.168.10.0/24, 172.20.0.0/16], reach = [app] }
security_group lb   { allow https, http from internet }
security_group web  { allow http from lb, allow tcp 8080 from office }
security_group db   { allow postgres from web }
security_group mc   { allow memcached from web }
security_group vk   { allow valkey from web }
load_balancer front { subnets = core.edge, security_group = lb, access_logs = false }
load_balancer admin { subnets = core.edge, security_group = lb, https { certificate = param.token } }
app_servers moodle {
  subnets = core.app
  security_group = web
  instance_type = "m6i.large"
  image = param.ami
  scaling { min = 2, max = 2 }
  behind front { health_check = "/" }
}
database main_db { engine = postgres("16"), class = "db.t4g.medium", subnets = core.data, security_group = db, multi_az = false, encrypted = false }
cache sessions { engine = valkey, subnets = core.data, security_group = vk }
cache muc { engine = memcached, subnets = core.data, security_group = mc, use = application }
object_storage files { versioning = false }
monitoring {
  alarm files.objects > 1000000 for 1d
  alarm office.tunnel_state < 1 for 5m
  alarm sessions.evictions > 100 for 5m
}
"#;

fn checked(source: &str) -> Plan {
    let compilation = compile(source);
    let errors: Vec<String> =
        compilation.diagnostics.iter().filter(|d| d.is_error()).map(|d| format!("{}: {}", d.code, d.message)).collect();
    assert!(errors.is_empty(), "the source has errors: {errors:#?}");
    compilation.plan().cloned().expect("no errors")
}

fn resources(template: &Template) -> &Map<String, Value> {
    template.body["Resources"].as_object().expect("resources")
}

#[test]
fn parameters_are_typed_and_secrets_hidden() {
    let template = template(&checked(EVERYTHING));
    let parameters = &template.body["Parameters"];
    assert_eq!(parameters["Token"]["NoEcho"], json!(true));
    assert_eq!(parameters["Ami"]["Type"], json!("AWS::EC2::Image::Id"));
    assert!(parameters.get("Unused").is_none(), "a parameter nothing uses is left out");
    let labels = &template.body["Metadata"]["AWS::CloudFormation::Interface"]["ParameterLabels"];
    assert!(labels.get("Unused").is_none());
}

#[test]
fn the_feature_source_compiles() {
    let model = checked(EVERYTHING);
    let template = template(&model);
    let types: Vec<&str> = resources(&template).values().filter_map(|r| r["Type"].as_str()).collect();
    for ty in ["AWS::EC2::VPCEndpoint", "AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::ReplicationGroup"] {
        assert!(types.contains(&ty), "{ty} missing");
    }
}

/// Every logical ID is unique across resources and parameters,
/// alphanumeric and short enough; every part is printed.
#[test]
fn logical_ids_are_unique_and_every_part_is_printed() {
    for source in [MOODLE, SEED, THREE_ZONES, EVERYTHING] {
        let plan = checked(source);
        let template = template(&plan);
        let parameters = template.body["Parameters"].as_object().cloned().unwrap_or_default();
        for id in resources(&template).keys() {
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id} is not alphanumeric");
            assert!(id.len() <= 255, "{id} is too long");
            assert!(!parameters.contains_key(id), "parameter {id} is also a resource");
        }
        for (part, _) in plan.iter() {
            let ids = template.printed.get(&part).unwrap_or_else(|| panic!("{:?} is not printed", plan.part(part)));
            for id in ids {
                assert!(
                    resources(&template).contains_key(id) || parameters.contains_key(id),
                    "{id} of {part:?} is not in the template"
                );
            }
        }
    }
}

#[test]
fn every_resource_has_an_origin_in_the_source() {
    for source in [MOODLE, SEED, THREE_ZONES, EVERYTHING] {
        let template = template(&checked(source));
        let ids: Vec<&String> = resources(&template).keys().collect();
        let origins: Vec<&String> = template.origins.keys().collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(sorted, origins);
        for origin in template.origins.values() {
            assert!(origin.span.end <= source.len() && !origin.span.is_empty(), "{origin:?}");
        }
    }
}

#[test]
fn origins_name_the_component() {
    let template = template(&checked(MOODLE));
    let origin = &template.origins["MoodleDbInstance"];
    assert_eq!((origin.owner.as_str(), origin.name.as_str()), ("database", "moodle_db"));
    assert!(MOODLE[origin.span.start..origin.span.end].starts_with("database moodle_db"));
    assert_eq!(template.origins["MainAppSubnetA"].owner.as_str(), "network");
    assert_eq!(template.origins["FrontTarget5xxAlarm"].owner.as_str(), "alarm");
}

/// The parts that hold data are the resources of the stateful types.
#[test]
fn stateful_parts_are_the_stateful_resources() {
    for source in [MOODLE, EVERYTHING] {
        let plan = checked(source);
        let template = template(&plan);
        for (id, part) in plan.iter() {
            let ty = stateful_type(&part.kind);
            assert_eq!(ty.is_some(), part.kind.is_stateful(), "{:?}", part.kind);
            if let Some(ty) = ty {
                let own = part.ident.cfn();
                assert_eq!(resources(&template)[own]["Type"], json!(ty), "{own}");
                assert!(template.printed[&id].contains(&own.to_string()));
            }
        }
    }
}

#[test]
fn output_is_deterministic() {
    for source in [MOODLE, SEED, THREE_ZONES, EVERYTHING] {
        let first = to_json(&template(&checked(source)).body);
        let second = to_json(&template(&checked(source)).body);
        assert_eq!(first, second);
    }
}

/// What the site reads of a resource: its user data (the session store's
/// and the file system's ids are in it), its access policy and its files
/// (the bundle's pieces: config.php uses the session store).
fn without_site_reads(id: &str, resource: &Value) -> Value {
    let mut resource = resource.clone();
    if let Some(data) = resource.pointer_mut("/Properties/LaunchTemplateData").and_then(Value::as_object_mut) {
        data.remove("UserData");
    }
    if resource["Type"] == "AWS::SSM::Parameter"
        && let Some(properties) = resource.get_mut("Properties").and_then(Value::as_object_mut)
    {
        properties.remove("Value");
    }
    if id.ends_with("SiteAccess")
        && let Some(properties) = resource.get_mut("Properties").and_then(Value::as_object_mut)
    {
        properties.remove("PolicyDocument");
    }
    resource
}

/// Compare two templates: resources present in both must be identical
/// (but for what the site reads of the component, when `site_reads`);
/// resources only in one must belong to the component added or removed.
fn assert_only_component_changed(base: &Template, changed: &Template, component: &str, site_reads: bool) {
    let (before, after) = (resources(base), resources(changed));
    for (id, resource) in before {
        match after.get(id) {
            Some(other) if site_reads => assert_eq!(
                without_site_reads(id, resource),
                without_site_reads(id, other),
                "{id} changed beyond the site's user data and access when only `{component}` was added or removed"
            ),
            Some(other) => assert_eq!(resource, other, "{id} changed when only `{component}` was added or removed"),
            None => assert_eq!(base.origins[id].name, component, "{id} disappeared with `{component}`"),
        }
    }
    for id in after.keys().filter(|id| !before.contains_key(*id)) {
        assert_eq!(changed.origins[id].name, component, "{id} appeared with `{component}`");
    }
    assert!(before.len() != after.len(), "adding or removing `{component}` changed no resource");
}

#[test]
fn adding_or_removing_a_component_changes_nothing_else() {
    let base = template(&checked(MOODLE));
    // The site runs on the session store and the shared file system: the
    // instances' user data names them and their access policy covers them.
    let site_reads = ["sessions", "dataroot"];
    let edits: &[(&str, &str, &str)] = &[
        // (component, text to remove, text to add)
        ("moodledata", "object_storage moodledata { versioning = true }", ""),
        ("sessions", "cache sessions { engine = redis, subnets = main.data, security_group = kv }", ""),
        ("dataroot", "file_system dataroot { subnets = main.app, security_group = fs }", ""),
        ("backups", "", "object_storage backups { versioning = true }"),
        ("muc", "", "cache muc { engine = redis, subnets = main.data, security_group = kv, use = application }"),
        ("shared", "", "file_system shared { subnets = main.app, security_group = fs }"),
        ("moodle_db_cpu", "  alarm moodle_db.cpu > 80 for 10m\n", ""),
        (
            "dataroot_io_limit",
            "  alarm front.unhealthy_hosts",
            "  alarm dataroot.io_limit > 90 for 5m\n  alarm front.unhealthy_hosts",
        ),
    ];
    for (component, remove, add) in edits {
        let source = if remove.is_empty() {
            format!("{MOODLE}\n{add}\n")
        } else {
            assert!(MOODLE.contains(remove), "{remove}");
            MOODLE.replacen(remove, add, 1)
        };
        let changed = template(&checked(&source));
        assert_only_component_changed(&base, &changed, component, site_reads.contains(component));
    }
}

#[test]
fn yaml_output_reads_back_as_the_json_template() {
    for source in [MOODLE, SEED, THREE_ZONES, EVERYTHING] {
        let body = template(&checked(source)).body;
        let back: Value = yaml_serde::from_str(&to_yaml(&body)).expect("valid YAML");
        assert_eq!(back, body);
    }
}

/// Every `Ref`, `Fn::GetAtt`, `Fn::Sub` name and `DependsOn` names a
/// resource or parameter of the template (or a pseudo parameter).
#[test]
fn every_reference_resolves() {
    fn names(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::Array(att)) = object.get("Fn::GetAtt")
                    && let Some(Value::String(id)) = att.first()
                {
                    out.insert(id.clone());
                }
                if let Some(depends) = object.get("DependsOn") {
                    match depends {
                        Value::String(id) => {
                            out.insert(id.clone());
                        }
                        Value::Array(ids) => out.extend(ids.iter().filter_map(|id| id.as_str().map(String::from))),
                        _ => {}
                    }
                }
                object.values().for_each(|v| names(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| names(v, out)),
            _ => {}
        }
    }
    for source in [MOODLE, SEED, THREE_ZONES, EVERYTHING] {
        let body = template(&checked(source)).body;
        let mut referenced = BTreeSet::new();
        references(&body["Resources"], &mut referenced);
        references(&body["Outputs"], &mut referenced);
        names(&body["Resources"], &mut referenced);
        names(&body["Outputs"], &mut referenced);
        for name in referenced.iter().filter(|name| !name.starts_with("AWS::")) {
            let known = body["Resources"].get(name).is_some() || body["Parameters"].get(name).is_some();
            assert!(known, "{name} is referenced but not defined");
        }
    }
}

/// The printed values pass their resource schemas on every source here, and
/// a value that would not is reported at its source component.
#[test]
fn printed_values_are_checked_against_the_resource_schemas() {
    for source in [MOODLE, SEED, THREE_ZONES, EVERYTHING] {
        let problems = validate(&template(&checked(source)));
        assert!(problems.is_empty(), "{problems:#?}");
    }
    let mut template = template(&checked(MOODLE));
    template.body["Resources"]["WebSecurityGroup"]["Properties"]["GroupDescription"] = json!("tab\there");
    template.body["Resources"]["FrontTargetGroup"]["Properties"]["Port"] = json!(70000);
    let problems = validate(&template);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    let at = |id: &str| template.origins[id].span;
    assert!(problems.iter().any(|d| d.span() == at("WebSecurityGroup") && d.message.contains("GroupDescription")));
    assert!(problems.iter().any(|d| d.span() == at("FrontTargetGroup") && d.message.contains("above the largest")));
    assert!(problems.iter().all(|d| d.code.as_str() == "MHA119" && d.help.is_some()));
}
