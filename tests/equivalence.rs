//! The two template backends are equivalent (DESIGN §4): for the same source
//! the CloudFormation template and the Terraform configuration create the
//! same components with the same settings.
//!
//! For every example (and tests/data/terraform-variant.mha) both outputs are
//! built in-process, the Terraform files are parsed back with hcl-rs, and
//! each side is reduced to *components*: a backend-neutral identity derived
//! from source names (`subnet app/a`, `ingress db tcp 3306-3306 from sg web`,
//! `bucket_lifecycle moodledata`) with the settings that matter, rendered as
//! text (references become the identity of what they point at). The two
//! sets must be equal: a component on one side only, or a setting with two
//! values, fails the test with a readable report.
//!
//! CloudFormation identities come from each resource's origin (the source
//! component `Template::origins` names) and its logical ID (the component's
//! Pascal-case name plus a fixed suffix); Terraform identities from
//! addresses (source names joined to fixed suffixes). Components that are a
//! property of one resource on one side and a resource of their own on the
//! other (S3 bucket configuration, EFS backup policy, IAM policy
//! attachments, gateway attachments) are matched through [`MAPPING`], the
//! table of which resource types may stand for which: a matched pair whose
//! types the table does not allow, or a type the table does not know, is a
//! failure too. The table also declares, with the reason, the few types
//! that have no counterpart at all.
//!
//! The last tests perturb one side and check the comparison catches it.

mod support;

use hcl::{Body, Expression};
use mhac_backends::cloudformation;
use mhac_compiler::plan::Origin;
use mhac_backends::terraform::{self, Options};
use mhac_compiler::model::{Model, pascal_case};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// The mapping table

/// Which Terraform resource types stand for a CloudFormation resource type.
struct Mapping {
    /// A CloudFormation resource type, or `""` for Terraform types with no
    /// CloudFormation counterpart.
    cfn: &'static str,
    /// The Terraform types (resources, or `data.TYPE` for data sources)
    /// that describe the same components; empty when there is none.
    tf: &'static [&'static str],
    /// How the two cut the component differently, or why one side has no
    /// counterpart.
    note: &'static str,
}

/// Every resource type either backend emits. Components are matched by
/// identity; this table says which pairs of types may describe the same
/// component, and declares the types without a counterpart.
const MAPPING: &[Mapping] = &[
    // Network
    Mapping { cfn: "AWS::EC2::VPC", tf: &["aws_vpc"], note: "" },
    Mapping { cfn: "AWS::EC2::Subnet", tf: &["aws_subnet"], note: "" },
    Mapping { cfn: "AWS::EC2::InternetGateway", tf: &["aws_internet_gateway"], note: "" },
    Mapping {
        cfn: "AWS::EC2::VPCGatewayAttachment",
        tf: &["aws_internet_gateway", "aws_vpn_gateway"],
        note: "no attachment resource in Terraform: aws_internet_gateway and aws_vpn_gateway attach through their vpc_id argument, which stands for the attachment",
    },
    Mapping { cfn: "AWS::EC2::EIP", tf: &["aws_eip"], note: "" },
    Mapping { cfn: "AWS::EC2::NatGateway", tf: &["aws_nat_gateway"], note: "" },
    Mapping {
        cfn: "AWS::EC2::RouteTable",
        tf: &["aws_route_table"],
        note: "CloudFormation has one table per tier (per tier and zone for private tiers with a NAT gateway per zone), Terraform one per subnet: a CloudFormation table stands for the Terraform tables of every zone it serves",
    },
    Mapping {
        cfn: "AWS::EC2::Route",
        tf: &["aws_route"],
        note: "a route of a table that serves several zones stands for the route of each zone's table",
    },
    Mapping { cfn: "AWS::EC2::SubnetRouteTableAssociation", tf: &["aws_route_table_association"], note: "" },
    Mapping {
        cfn: "AWS::EC2::VPNGatewayRoutePropagation",
        tf: &["aws_vpn_gateway_route_propagation"],
        note: "CloudFormation propagates into a list of tables, Terraform into one table per resource",
    },
    Mapping { cfn: "AWS::EC2::VPCEndpoint", tf: &["aws_vpc_endpoint"], note: "" },
    Mapping { cfn: "AWS::EC2::FlowLog", tf: &["aws_flow_log"], note: "" },
    Mapping { cfn: "AWS::EC2::CustomerGateway", tf: &["aws_customer_gateway"], note: "" },
    Mapping { cfn: "AWS::EC2::VPNGateway", tf: &["aws_vpn_gateway"], note: "" },
    Mapping { cfn: "AWS::EC2::VPNConnection", tf: &["aws_vpn_connection"], note: "" },
    Mapping { cfn: "AWS::EC2::VPNConnectionRoute", tf: &["aws_vpn_connection_route"], note: "" },
    // Security groups
    Mapping {
        cfn: "AWS::EC2::SecurityGroup",
        tf: &["aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"],
        note: "CloudFormation writes rules to address ranges inline in the group, Terraform every rule as its own resource",
    },
    Mapping { cfn: "AWS::EC2::SecurityGroupIngress", tf: &["aws_vpc_security_group_ingress_rule"], note: "" },
    Mapping { cfn: "AWS::EC2::SecurityGroupEgress", tf: &["aws_vpc_security_group_egress_rule"], note: "" },
    Mapping {
        cfn: "",
        tf: &["aws_default_security_group"],
        note: "no counterpart because CloudFormation has no resource that manages a VPC's default security group; Terraform uses it to remove the default group's rules",
    },
    // Load balancers
    Mapping { cfn: "AWS::ElasticLoadBalancingV2::LoadBalancer", tf: &["aws_lb"], note: "" },
    Mapping { cfn: "AWS::ElasticLoadBalancingV2::Listener", tf: &["aws_lb_listener"], note: "" },
    Mapping { cfn: "AWS::ElasticLoadBalancingV2::TargetGroup", tf: &["aws_lb_target_group"], note: "" },
    Mapping { cfn: "AWS::WAFv2::WebACL", tf: &["aws_wafv2_web_acl"], note: "" },
    Mapping { cfn: "AWS::WAFv2::WebACLAssociation", tf: &["aws_wafv2_web_acl_association"], note: "" },
    Mapping { cfn: "AWS::WAFv2::LoggingConfiguration", tf: &["aws_wafv2_web_acl_logging_configuration"], note: "" },
    Mapping { cfn: "AWS::Shield::Protection", tf: &["aws_shield_protection"], note: "" },
    // Compute and IAM
    Mapping { cfn: "AWS::EC2::LaunchTemplate", tf: &["aws_launch_template"], note: "" },
    Mapping { cfn: "AWS::AutoScaling::AutoScalingGroup", tf: &["aws_autoscaling_group"], note: "" },
    Mapping { cfn: "AWS::AutoScaling::ScalingPolicy", tf: &["aws_autoscaling_policy"], note: "" },
    Mapping {
        cfn: "AWS::IAM::Role",
        tf: &["aws_iam_role", "aws_iam_role_policy_attachment", "aws_iam_role_policy"],
        note: "CloudFormation lists managed policies (ManagedPolicyArns) and inline policies (Policies) in the role, Terraform attaches each with its own resource",
    },
    Mapping {
        cfn: "AWS::IAM::Policy",
        tf: &["aws_iam_role_policy"],
        note: "one CloudFormation policy on several roles is one Terraform role policy per role",
    },
    Mapping { cfn: "AWS::IAM::InstanceProfile", tf: &["aws_iam_instance_profile"], note: "" },
    Mapping {
        cfn: "",
        tf: &["data.aws_iam_policy_document"],
        note: "no counterpart because CloudFormation writes policy documents inline; their statements are compared as settings of the resource that uses them",
    },
    Mapping {
        cfn: "",
        tf: &["data.aws_ssm_parameter"],
        note: "no counterpart because CloudFormation resolves an image's SSM parameter through a template Parameter; both resolve to the same parameter path, compared as the launch template's image",
    },
    Mapping {
        cfn: "",
        tf: &["data.aws_caller_identity"],
        note: "no counterpart because CloudFormation has the pseudo parameter AWS::AccountId",
    },
    // Data
    Mapping { cfn: "AWS::RDS::DBSubnetGroup", tf: &["aws_db_subnet_group"], note: "" },
    Mapping { cfn: "AWS::RDS::DBInstance", tf: &["aws_db_instance"], note: "" },
    Mapping {
        cfn: "AWS::EFS::FileSystem",
        tf: &["aws_efs_file_system", "aws_efs_backup_policy", "aws_efs_file_system_policy"],
        note: "CloudFormation writes the backup policy and the file system policy as properties, Terraform as resources",
    },
    Mapping { cfn: "AWS::EFS::MountTarget", tf: &["aws_efs_mount_target"], note: "" },
    Mapping { cfn: "AWS::ElastiCache::SubnetGroup", tf: &["aws_elasticache_subnet_group"], note: "" },
    Mapping { cfn: "AWS::ElastiCache::ReplicationGroup", tf: &["aws_elasticache_replication_group"], note: "" },
    Mapping { cfn: "AWS::ElastiCache::CacheCluster", tf: &["aws_elasticache_cluster"], note: "" },
    Mapping {
        cfn: "AWS::SecretsManager::Secret",
        tf: &["aws_secretsmanager_secret", "aws_secretsmanager_secret_version"],
        note: "CloudFormation generates the secret's value in the secret (GenerateSecretString), Terraform stores it as a version",
    },
    Mapping {
        cfn: "",
        tf: &["data.aws_secretsmanager_random_password"],
        note: "no counterpart because CloudFormation generates the value inside the secret; its length and characters are compared as settings of the secret's value",
    },
    Mapping {
        cfn: "AWS::S3::Bucket",
        tf: &[
            "aws_s3_bucket",
            "aws_s3_bucket_server_side_encryption_configuration",
            "aws_s3_bucket_versioning",
            "aws_s3_bucket_public_access_block",
            "aws_s3_bucket_ownership_controls",
            "aws_s3_bucket_lifecycle_configuration",
            "aws_s3_bucket_logging",
        ],
        note: "CloudFormation writes a bucket's configuration as properties, Terraform (AWS provider 4 and later) as one resource per concern",
    },
    Mapping { cfn: "AWS::S3::BucketPolicy", tf: &["aws_s3_bucket_policy"], note: "" },
    // Monitoring
    Mapping { cfn: "AWS::KMS::Key", tf: &["aws_kms_key"], note: "" },
    Mapping { cfn: "AWS::Logs::LogGroup", tf: &["aws_cloudwatch_log_group"], note: "" },
    Mapping { cfn: "AWS::SNS::Topic", tf: &["aws_sns_topic"], note: "" },
    Mapping { cfn: "AWS::SNS::Subscription", tf: &["aws_sns_topic_subscription"], note: "" },
    Mapping { cfn: "AWS::CloudWatch::Alarm", tf: &["aws_cloudwatch_metric_alarm"], note: "" },
];

/// Whether the table lets a component described by CloudFormation type
/// `cfn` be described by Terraform type `tf`.
fn allowed(cfn: &str, tf: &str) -> bool {
    MAPPING.iter().any(|m| !m.cfn.is_empty() && m.cfn == cfn && m.tf.contains(&tf))
}

fn known_cfn(ty: &str) -> bool {
    MAPPING.iter().any(|m| !m.cfn.is_empty() && m.cfn == ty)
}

fn known_tf(ty: &str) -> bool {
    MAPPING.iter().any(|m| m.tf.contains(&ty))
}

/// Terraform types the table declares without a counterpart: they describe
/// no component of their own.
fn tf_without_counterpart(ty: &str) -> bool {
    MAPPING.iter().any(|m| m.cfn.is_empty() && m.tf.contains(&ty))
}

// ---------------------------------------------------------------------------
// Components

/// A backend-neutral component: its identity, the resources that describe
/// it, and its settings as text.
#[derive(Clone, Debug, Default)]
struct Component {
    /// `(type, logical ID or address)` of every resource that describes it.
    sources: Vec<(String, String)>,
    /// Setting → value.
    settings: BTreeMap<String, String>,
}

/// Every component of one side, by identity.
#[derive(Debug, Default)]
struct Side {
    components: BTreeMap<String, Component>,
    /// Problems met while reading the side (unknown types, resources whose
    /// identity cannot be derived from source names).
    problems: Vec<String>,
}

impl Side {
    /// Add settings to a component, recording the resource that describes it.
    fn add(&mut self, identity: &str, ty: &str, id: &str, settings: Vec<(&str, String)>) {
        let component = self.components.entry(identity.to_string()).or_default();
        let source = (ty.to_string(), id.to_string());
        if !component.sources.contains(&source) {
            component.sources.push(source);
        }
        for (key, value) in settings {
            if let Some(old) = component.settings.insert(key.to_string(), value.clone())
                && old != value
            {
                self.problems.push(format!("{identity}: `{key}` is set twice, to {old} and to {value}"));
            }
        }
    }
}

/// `a`, `b` → `[a, b]`, sorted: a set of values.
fn set<I: IntoIterator<Item = String>>(items: I) -> String {
    let items: BTreeSet<String> = items.into_iter().collect();
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
}

/// `a`, `b` → `[a, b]` in the given order: a list.
fn seq<I: IntoIterator<Item = String>>(items: I) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
}

/// A scalar as text: `true`, `2`, `ipsec.1` (`"2"` and `2` are the same).
fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Source names

/// The source's names, to read identities out of logical IDs and addresses.
struct Names {
    deployment: String,
    region: String,
    network: String,
    /// `(name, Pascal)` of every tier, with its zones' suffixes.
    tiers: Vec<(String, String, Vec<String>)>,
    /// `(suffix, Pascal)` of every zone, and its name.
    zones: Vec<(String, String, String)>,
    groups: Vec<String>,
    load_balancers: Vec<String>,
    apps: Vec<String>,
    databases: Vec<String>,
    file_systems: Vec<String>,
    caches: Vec<String>,
    buckets: Vec<String>,
    vpns: Vec<String>,
    params: Vec<String>,
}

impl Names {
    fn new(model: &Model) -> Names {
        let zones: Vec<(String, String, String)> =
            model.deployment.zones.iter().map(|z| (z.suffix.clone(), pascal_case(&z.suffix), z.name.clone())).collect();
        Names {
            deployment: model.deployment.name.text.clone(),
            region: model.deployment.region.clone(),
            network: model.network.name.text.clone(),
            tiers: model
                .network
                .tiers
                .iter()
                .map(|t| {
                    let suffixes = t.subnets.iter().filter_map(|s| zones.get(s.zone)).map(|z| z.0.clone()).collect();
                    (t.name.text.clone(), t.name.pascal(), suffixes)
                })
                .collect(),
            zones,
            groups: model.security_groups.iter().map(|g| g.name.text.clone()).collect(),
            load_balancers: model.load_balancers.iter().map(|c| c.name.text.clone()).collect(),
            apps: model.app_servers.iter().map(|c| c.name.text.clone()).collect(),
            databases: model.databases.iter().map(|c| c.name.text.clone()).collect(),
            file_systems: model.file_systems.iter().map(|c| c.name.text.clone()).collect(),
            caches: model.caches.iter().map(|c| c.name.text.clone()).collect(),
            buckets: model.buckets.iter().map(|c| c.name.text.clone()).collect(),
            vpns: model.vpns.iter().map(|c| c.name.text.clone()).collect(),
            params: model.params.iter().map(|p| p.name.text.clone()).collect(),
        }
    }

    /// The zone whose Pascal-case suffix is `pascal` (`A` → `a`).
    fn zone_by_pascal(&self, pascal: &str) -> Option<&str> {
        self.zones.iter().find(|z| z.1 == pascal).map(|z| z.0.as_str())
    }

    /// `{Tier}{middle}{Zone}` (Zone optional) → `(tier, zone)`.
    fn cfn_tier_zone(&self, text: &str, middle: &str) -> Option<(String, Option<String>)> {
        for (tier, pascal, _) in &self.tiers {
            let Some(rest) = text.strip_prefix(pascal.as_str()).and_then(|r| r.strip_prefix(middle)) else {
                continue;
            };
            if rest.is_empty() {
                return Some((tier.clone(), None));
            }
            if let Some(zone) = self.zone_by_pascal(rest) {
                return Some((tier.clone(), Some(zone.to_string())));
            }
        }
        None
    }

    /// `{tier}_{zone}` → `(tier, zone)`.
    fn tf_tier_zone(&self, name: &str) -> Option<(String, String)> {
        self.tiers.iter().find_map(|(tier, _, zones)| {
            let rest = name.strip_prefix(tier.as_str())?.strip_prefix('_')?;
            zones.iter().find(|z| z.as_str() == rest).map(|z| (tier.clone(), z.clone()))
        })
    }

    /// The zones of a tier.
    fn tier_zones(&self, tier: &str) -> Vec<String> {
        self.tiers.iter().find(|t| t.0 == tier).map(|t| t.2.clone()).unwrap_or_default()
    }

    /// The source name among `names` whose Pascal case plus `suffix` is `id`.
    fn cfn_owner<'a>(names: &'a [String], id: &str, suffix: &str) -> Option<&'a str> {
        names.iter().find(|n| format!("{}{suffix}", pascal_case(n)) == id).map(String::as_str)
    }

    /// The source name among `names` that `name` is, or that plus `_suffix`.
    fn tf_owner<'a>(names: &'a [String], name: &str, suffix: &str) -> Option<&'a str> {
        names
            .iter()
            .find(|n| if suffix.is_empty() { n.as_str() == name } else { format!("{n}_{suffix}") == name })
            .map(String::as_str)
    }

    /// The AWS partition of the region (as the backends write it).
    fn partition(&self) -> &'static str {
        if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else if self.region.starts_with("cn-") {
            "aws-cn"
        } else {
            "aws"
        }
    }
}

/// The account id, on both sides (`AWS::AccountId`,
/// `data.aws_caller_identity.current.account_id`).
const ACCOUNT: &str = "ACCOUNT";

// ---------------------------------------------------------------------------
// CloudFormation

/// A template being read.
struct Cfn<'a> {
    body: &'a Value,
    origins: &'a BTreeMap<String, Origin>,
    names: &'a Names,
    /// Logical ID → the identities of the components that resource is.
    identities: BTreeMap<String, Vec<String>>,
}

fn cfn_resources(body: &Value) -> Vec<(&String, &Value)> {
    body.get("Resources").and_then(Value::as_object).map(|r| r.iter().collect()).unwrap_or_default()
}

impl<'a> Cfn<'a> {
    fn new(body: &'a Value, origins: &'a BTreeMap<String, Origin>, names: &'a Names) -> Cfn<'a> {
        let mut cfn = Cfn { body, origins, names, identities: BTreeMap::new() };
        // Two passes: resources whose identity follows a reference (routes,
        // rules, mount targets) need the identity of what they refer to.
        for _ in 0..2 {
            for (id, resource) in cfn_resources(body) {
                let identity = cfn.identity(id, resource);
                if !identity.is_empty() {
                    cfn.identities.insert(id.clone(), identity);
                }
            }
        }
        cfn
    }

    fn ty(resource: &Value) -> &str {
        resource.get("Type").and_then(Value::as_str).unwrap_or_default()
    }

    fn props(resource: &Value) -> &Value {
        resource.get("Properties").unwrap_or(&Value::Null)
    }

    /// The one identity of what `value` (a `Ref` or `Fn::GetAtt`) points at.
    fn target(&self, value: &Value) -> Option<String> {
        let id = value
            .get("Ref")
            .and_then(Value::as_str)
            .or_else(|| value.get("Fn::GetAtt").and_then(|a| a.get(0)).and_then(Value::as_str))?;
        self.identities.get(id).and_then(|ids| ids.first().cloned())
    }

    /// Every identity `value` points at (a tier-wide route table is several).
    fn targets(&self, value: &Value) -> Vec<String> {
        let id = value
            .get("Ref")
            .and_then(Value::as_str)
            .or_else(|| value.get("Fn::GetAtt").and_then(|a| a.get(0)).and_then(Value::as_str));
        id.and_then(|id| self.identities.get(id)).cloned().unwrap_or_default()
    }

    /// The identities of a resource, from its origin, logical ID and the
    /// references it makes.
    fn identity(&self, id: &str, resource: &Value) -> Vec<String> {
        let n = self.names;
        let props = Cfn::props(resource);
        let origin = self.origins.get(id);
        let owner = origin.map(|o| o.name.as_str()).unwrap_or_default();
        let kind = origin.map(|o| o.owner.as_str()).unwrap_or_default();
        let net = pascal_case(&n.network);
        let one = |s: String| vec![s];
        match Cfn::ty(resource) {
            "AWS::EC2::VPC" => one("vpc".into()),
            "AWS::EC2::Subnet" => id
                .strip_prefix(&net)
                .and_then(|rest| n.cfn_tier_zone(rest, "Subnet"))
                .and_then(|(t, z)| Some(format!("subnet {t}/{}", z?)))
                .into_iter()
                .collect(),
            "AWS::EC2::InternetGateway" => one("internet_gateway".into()),
            "AWS::EC2::VPNGateway" => one("vpn_gateway".into()),
            "AWS::EC2::VPCGatewayAttachment" => {
                if props.get("InternetGatewayId").is_some() {
                    one("gateway_attachment internet".into())
                } else {
                    one("gateway_attachment vpn".into())
                }
            }
            "AWS::EC2::EIP" => id
                .strip_prefix(&format!("{net}NatEip"))
                .and_then(|z| n.zone_by_pascal(z))
                .map(|z| format!("nat_eip {z}"))
                .into_iter()
                .collect(),
            "AWS::EC2::NatGateway" => id
                .strip_prefix(&format!("{net}NatGateway"))
                .and_then(|z| n.zone_by_pascal(z))
                .map(|z| format!("nat_gateway {z}"))
                .into_iter()
                .collect(),
            "AWS::EC2::RouteTable" => {
                match id.strip_prefix(&net).and_then(|rest| n.cfn_tier_zone(rest, "RouteTable")) {
                    Some((tier, Some(zone))) => one(format!("route_table {tier}/{zone}")),
                    Some((tier, None)) => {
                        n.tier_zones(&tier).iter().map(|z| format!("route_table {tier}/{z}")).collect()
                    }
                    None => Vec::new(),
                }
            }
            "AWS::EC2::Route" => {
                let dest = props["DestinationCidrBlock"].as_str().unwrap_or_default();
                self.targets(&props["RouteTableId"])
                    .iter()
                    .filter_map(|t| t.strip_prefix("route_table "))
                    .map(|tz| format!("route {tz} {dest}"))
                    .collect()
            }
            "AWS::EC2::SubnetRouteTableAssociation" => self
                .target(&props["SubnetId"])
                .and_then(|s| s.strip_prefix("subnet ").map(|tz| format!("route_table_association {tz}")))
                .into_iter()
                .collect(),
            "AWS::EC2::VPNGatewayRoutePropagation" => props["RouteTableIds"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|t| self.targets(t))
                .filter_map(|t| t.strip_prefix("route_table ").map(|tz| format!("route_propagation {tz}")))
                .collect(),
            "AWS::EC2::VPCEndpoint" => {
                let service = props["ServiceName"]["Fn::Sub"].as_str().unwrap_or_default();
                one(format!("endpoint {}", service.rsplit('.').next().unwrap_or_default()))
            }
            "AWS::EC2::FlowLog" => one("flow_log".into()),
            "AWS::EC2::CustomerGateway" => one(format!("customer_gateway {owner}")),
            "AWS::EC2::VPNConnection" => one(format!("vpn_connection {owner}")),
            "AWS::EC2::VPNConnectionRoute" => self
                .target(&props["VpnConnectionId"])
                .and_then(|c| c.strip_prefix("vpn_connection ").map(String::from))
                .map(|vpn| format!("vpn_route {vpn} {}", scalar(&props["DestinationCidrBlock"])))
                .into_iter()
                .collect(),
            "AWS::EC2::SecurityGroup" => {
                if id == format!("{net}EndpointsGroup") {
                    one("security_group endpoints".into())
                } else {
                    Names::cfn_owner(&n.groups, id, "SecurityGroup")
                        .map(|g| format!("security_group {g}"))
                        .into_iter()
                        .collect()
                }
            }
            "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
                let ingress = Cfn::ty(resource).ends_with("Ingress");
                let Some(group) =
                    self.target(&props["GroupId"]).and_then(|g| g.strip_prefix("security_group ").map(String::from))
                else {
                    return Vec::new();
                };
                let peer_key = if ingress { "SourceSecurityGroupId" } else { "DestinationSecurityGroupId" };
                let Some(peer) =
                    self.target(&props[peer_key]).and_then(|g| g.strip_prefix("security_group ").map(String::from))
                else {
                    return Vec::new();
                };
                one(rule_identity(ingress, &group, props, &format!("sg {peer}")))
            }
            "AWS::ElasticLoadBalancingV2::LoadBalancer" => one(format!("load_balancer {owner}")),
            "AWS::ElasticLoadBalancingV2::Listener" => self
                .target(&props["LoadBalancerArn"])
                .and_then(|lb| lb.strip_prefix("load_balancer ").map(String::from))
                .map(|lb| format!("listener {lb} {}", scalar(&props["Port"])))
                .into_iter()
                .collect(),
            "AWS::ElasticLoadBalancingV2::TargetGroup" => Names::cfn_owner(&n.load_balancers, id, "TargetGroup")
                .map(|lb| format!("target_group {lb}"))
                .into_iter()
                .collect(),
            "AWS::WAFv2::WebACL" => one(format!("web_acl {owner}")),
            "AWS::WAFv2::WebACLAssociation" => one(format!("web_acl_association {owner}")),
            "AWS::WAFv2::LoggingConfiguration" => one(format!("waf_logging {owner}")),
            "AWS::Shield::Protection" => one(format!("shield_protection {owner}")),
            "AWS::EC2::LaunchTemplate" => one(format!("launch_template {owner}")),
            "AWS::AutoScaling::AutoScalingGroup" => one(format!("auto_scaling_group {owner}")),
            "AWS::AutoScaling::ScalingPolicy" => one(format!("scaling_policy {owner}")),
            "AWS::IAM::Role" => {
                let role = match kind {
                    "network" => "role flow_logs".to_string(),
                    "app_servers" => format!("role instance {owner}"),
                    "database" => format!("role monitoring {owner}"),
                    _ => return Vec::new(),
                };
                let mut out = vec![role.clone()];
                for policy in props["ManagedPolicyArns"].as_array().into_iter().flatten() {
                    let arn = self.text(policy);
                    out.push(format!("role_policy_attachment {role} {}", arn.rsplit('/').next().unwrap_or_default()));
                }
                for policy in props["Policies"].as_array().into_iter().flatten() {
                    out.push(format!("role_policy {role} {}", scalar(&policy["PolicyName"])));
                }
                out
            }
            "AWS::IAM::Policy" => props["Roles"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|role| self.target(role))
                .map(|role| format!("role_policy {role} {}", scalar(&props["PolicyName"])))
                .collect(),
            "AWS::IAM::InstanceProfile" => one(format!("instance_profile {owner}")),
            "AWS::RDS::DBSubnetGroup" => one(format!("db_subnet_group {owner}")),
            "AWS::RDS::DBInstance" => one(format!("db_instance {owner}")),
            "AWS::EFS::FileSystem" => vec![
                format!("file_system {owner}"),
                format!("efs_backup_policy {owner}"),
                format!("efs_policy {owner}"),
            ],
            "AWS::EFS::MountTarget" => {
                let zone = self.target(&props["SubnetId"]).and_then(|s| s.rsplit('/').next().map(String::from));
                zone.map(|z| format!("mount_target {owner} {z}")).into_iter().collect()
            }
            "AWS::ElastiCache::SubnetGroup" => one(format!("cache_subnet_group {owner}")),
            "AWS::ElastiCache::ReplicationGroup" | "AWS::ElastiCache::CacheCluster" => one(format!("cache {owner}")),
            "AWS::SecretsManager::Secret" => {
                vec![format!("secret auth_token {owner}"), format!("secret_value auth_token {owner}")]
            }
            "AWS::S3::Bucket" => {
                let bucket = match kind {
                    "load_balancer" => format!("access_logs {owner}"),
                    "object_storage" => owner.to_string(),
                    "deployment" => "s3_access_logs".to_string(),
                    _ => return Vec::new(),
                };
                let mut out = vec![
                    format!("bucket {bucket}"),
                    format!("bucket_encryption {bucket}"),
                    format!("bucket_public_access_block {bucket}"),
                    format!("bucket_ownership {bucket}"),
                ];
                if props.get("VersioningConfiguration").is_some() {
                    out.push(format!("bucket_versioning {bucket}"));
                }
                if props.get("LifecycleConfiguration").is_some() {
                    out.push(format!("bucket_lifecycle {bucket}"));
                }
                if props.get("LoggingConfiguration").is_some() {
                    out.push(format!("bucket_logging {bucket}"));
                }
                out
            }
            "AWS::S3::BucketPolicy" => self
                .target(&props["Bucket"])
                .and_then(|b| b.strip_prefix("bucket ").map(|b| format!("bucket_policy {b}")))
                .into_iter()
                .collect(),
            "AWS::KMS::Key" => one("kms_key".into()),
            "AWS::Logs::LogGroup" => match kind {
                "network" => one("log_group flow_logs".into()),
                "load_balancer" => one(format!("log_group waf {owner}")),
                "app_servers" => one(format!("log_group app {owner}")),
                _ => Vec::new(),
            },
            "AWS::SNS::Topic" => one("topic".into()),
            "AWS::SNS::Subscription" => one(format!("subscription {}", scalar(&props["Endpoint"]))),
            "AWS::CloudWatch::Alarm" => one(format!("alarm {owner}")),
            _ => Vec::new(),
        }
    }

    /// A value as text: references become the identity they point at,
    /// `Fn::Sub` is resolved with the pseudo parameters, a parameter
    /// becomes its default (zones, images) or `param NAME`.
    fn text(&self, value: &Value) -> String {
        if let Some(id) = value.get("Ref").and_then(Value::as_str) {
            return self.reference(id, None);
        }
        if let Some(att) = value.get("Fn::GetAtt").and_then(Value::as_array) {
            let id = att.first().and_then(Value::as_str).unwrap_or_default();
            return self.reference(id, att.get(1).and_then(Value::as_str));
        }
        if let Some(text) = value.get("Fn::Sub").and_then(Value::as_str) {
            return substitute(text, |name| {
                let (id, attribute) = match name.split_once('.') {
                    Some((id, attribute)) => (id, Some(attribute)),
                    None => (name, None),
                };
                self.reference(id, attribute)
            });
        }
        match value {
            Value::Array(items) => seq(items.iter().map(|v| self.text(v))),
            other => scalar(other),
        }
    }

    fn reference(&self, id: &str, attribute: Option<&str>) -> String {
        let n = self.names;
        match id {
            "AWS::Region" => return n.region.clone(),
            "AWS::Partition" => return n.partition().to_string(),
            "AWS::AccountId" => return ACCOUNT.to_string(),
            "AWS::StackName" => return n.deployment.clone(),
            _ => {}
        }
        if let Some(parameter) = self.body.get("Parameters").and_then(|p| p.get(id)) {
            if let Some(param) = n.params.iter().find(|p| pascal_case(p) == id) {
                return format!("param {param}");
            }
            return scalar(&parameter["Default"]);
        }
        let Some(identities) = self.identities.get(id) else { return format!("<unknown {id}>") };
        let what = identities.first().cloned().unwrap_or_default();
        match attribute.map(cfn_attribute) {
            None | Some("") => what,
            Some(attribute) => format!("{what}.{attribute}"),
        }
    }

    fn set_of(&self, value: &Value) -> String {
        set(value.as_array().into_iter().flatten().map(|v| self.text(v)))
    }

    /// The resources an `Fn::Sub` names (`${LogGroup}` → its identity).
    fn sub_references(&self, value: &Value) -> Vec<String> {
        let text = value.get("Fn::Sub").and_then(Value::as_str).unwrap_or_default();
        let mut out = Vec::new();
        substitute(text, |name| {
            if let Some(identity) = self.identities.get(name).and_then(|ids| ids.first()) {
                out.push(identity.clone());
            }
            String::new()
        });
        out
    }
}

/// A CloudFormation attribute under its Terraform name, where the two name
/// different things; the attributes both sides use as plain references
/// (ids, ARNs of policies and groups) render as the bare identity.
fn cfn_attribute(attribute: &str) -> &'static str {
    match attribute {
        "DNSName" => "dns_name",
        "Endpoint.Address" => "address",
        "Endpoint.Port" => "port",
        "LoadBalancerFullName" | "TargetGroupFullName" => "arn_suffix",
        _ => "",
    }
}

/// `${NAME}` in `text` replaced by `resolve(NAME)`.
fn substitute(text: &str, mut resolve: impl FnMut(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(&resolve(&after[..end]));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// `ingress web tcp 80-80 from sg alb`: a rule's identity.
fn rule_identity(ingress: bool, group: &str, ports: &Value, peer: &str) -> String {
    let (from, to, protocol) = if ports.get("IpProtocol").is_some() {
        (&ports["FromPort"], &ports["ToPort"], &ports["IpProtocol"])
    } else {
        (&ports["from_port"], &ports["to_port"], &ports["ip_protocol"])
    };
    let direction = if ingress { "ingress" } else { "egress" };
    let preposition = if ingress { "from" } else { "to" };
    format!("{direction} {group} {} {}-{} {preposition} {peer}", scalar(protocol), scalar(from), scalar(to))
}

/// CloudFormation's rule that allows nothing (see the backend's
/// `security::no_egress`): it stands for "no outbound traffic", which
/// Terraform gets by the provider removing the default egress rule.
fn is_no_egress(rule: &Value) -> bool {
    rule["IpProtocol"] == json!("icmp") && rule["CidrIp"] == json!("255.255.255.255/32")
}

/// IAM statements as comparable text: effect, principals, actions,
/// resources and condition keys of each, sorted.
fn cfn_statements(cfn: &Cfn<'_>, document: &Value) -> String {
    let statements = match &document["Statement"] {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        one => vec![one.clone()],
    };
    set(statements.iter().map(|s| {
        let list = |v: &Value| -> Vec<String> {
            match v {
                Value::Array(items) => items.iter().map(|i| cfn.text(i)).collect(),
                Value::Null => Vec::new(),
                other => vec![cfn.text(other)],
            }
        };
        let mut principals = Vec::new();
        match &s["Principal"] {
            Value::String(p) => principals.push(format!("AWS:{p}")),
            Value::Object(map) => {
                for (ty, ids) in map {
                    principals.extend(list(ids).into_iter().map(|id| format!("{ty}:{id}")));
                }
            }
            _ => {}
        }
        let mut conditions = Vec::new();
        for (test, vars) in s["Condition"].as_object().into_iter().flatten() {
            for (var, values) in vars.as_object().into_iter().flatten() {
                conditions.push(format!("{test} {var} {}", set(list(values))));
            }
        }
        statement_text(
            s["Effect"].as_str().unwrap_or_default(),
            principals,
            list(&s["Action"]),
            list(&s["Resource"]),
            conditions,
        )
    }))
}

/// One statement as text. Resources are read as what they name: the
/// `arn:PARTITION:s3:::` CloudFormation writes before a bucket's name is
/// dropped (Terraform refers to the bucket's ARN), and so is the `:*` that
/// ends a log group's ARN in CloudFormation (`GetAtt Arn`) and that
/// Terraform appends to cover the group's streams.
fn statement_text(
    effect: &str,
    principals: Vec<String>,
    actions: Vec<String>,
    resources: Vec<String>,
    conditions: Vec<String>,
) -> String {
    let resources = resources.into_iter().map(|r| {
        let r = ["aws", "aws-us-gov", "aws-cn"]
            .iter()
            .find_map(|partition| r.strip_prefix(&format!("arn:{partition}:s3:::")))
            .unwrap_or(&r);
        r.trim_end_matches(":*").to_string()
    });
    format!(
        "{effect} principals={} actions={} resources={} conditions={}",
        set(principals),
        set(actions),
        set(resources),
        set(conditions)
    )
}

/// Read a template into components.
fn cloudformation_side(body: &Value, origins: &BTreeMap<String, Origin>, names: &Names) -> Side {
    let cfn = Cfn::new(body, origins, names);
    let mut side = Side::default();
    for (id, resource) in cfn_resources(body) {
        let ty = Cfn::ty(resource);
        if !known_cfn(ty) {
            side.problems.push(format!("{id}: CloudFormation type {ty} is not in the mapping table"));
            continue;
        }
        if !origins.contains_key(id) {
            side.problems.push(format!("{id}: no origin in the source"));
        }
        let Some(identities) = cfn.identities.get(id) else {
            side.problems.push(format!("{id} ({ty}): no identity derived from source names"));
            continue;
        };
        cfn_settings(&cfn, &mut side, id, ty, resource, identities);
    }
    side
}

/// Whether a resource is kept on deletion (CloudFormation `Retain` or
/// `Snapshot`; Terraform `prevent_destroy`).
fn cfn_retained(resource: &Value) -> String {
    matches!(resource["DeletionPolicy"].as_str(), Some("Retain" | "Snapshot")).to_string()
}

fn cfn_settings(cfn: &Cfn<'_>, side: &mut Side, id: &str, ty: &str, resource: &Value, identities: &[String]) {
    let p = Cfn::props(resource);
    let t = |v: &Value| cfn.text(v);
    let first = identities.first().cloned().unwrap_or_default();
    let mut add = |identity: &str, settings: Vec<(&str, String)>| side.add(identity, ty, id, settings);
    match ty {
        "AWS::EC2::VPC" => add(
            &first,
            vec![
                ("cidr", t(&p["CidrBlock"])),
                ("dns_support", t(&p["EnableDnsSupport"])),
                ("dns_hostnames", t(&p["EnableDnsHostnames"])),
            ],
        ),
        "AWS::EC2::Subnet" => add(
            &first,
            vec![
                ("vpc", t(&p["VpcId"])),
                ("cidr", t(&p["CidrBlock"])),
                ("zone", t(&p["AvailabilityZone"])),
                ("public_ip_on_launch", t(&p["MapPublicIpOnLaunch"])),
            ],
        ),
        "AWS::EC2::InternetGateway" | "AWS::EC2::VPNGateway" => add(&first, Vec::new()),
        "AWS::EC2::VPCGatewayAttachment" => add(&first, vec![("vpc", t(&p["VpcId"]))]),
        "AWS::EC2::EIP" => add(&first, vec![("domain", t(&p["Domain"]))]),
        "AWS::EC2::NatGateway" => {
            add(&first, vec![("subnet", t(&p["SubnetId"])), ("eip", t(&p["AllocationId"]))]);
        }
        "AWS::EC2::RouteTable" => {
            for identity in identities {
                add(identity, vec![("vpc", t(&p["VpcId"]))]);
            }
        }
        "AWS::EC2::Route" => {
            let target = ["GatewayId", "NatGatewayId"].iter().find_map(|k| p.get(*k)).map(t).unwrap_or_default();
            for identity in identities {
                add(identity, vec![("target", target.clone())]);
            }
        }
        "AWS::EC2::SubnetRouteTableAssociation" => {
            // A table serving several zones stands for each zone's table:
            // the subnet's zone picks it.
            let zone = first.rsplit('/').next().unwrap_or_default();
            let table = cfn
                .targets(&p["RouteTableId"])
                .into_iter()
                .find(|tz| tz.ends_with(&format!("/{zone}")))
                .unwrap_or_else(|| t(&p["RouteTableId"]));
            add(&first, vec![("subnet", t(&p["SubnetId"])), ("route_table", table)]);
        }
        "AWS::EC2::VPNGatewayRoutePropagation" => {
            for identity in identities {
                add(identity, vec![("gateway", t(&p["VpnGatewayId"]))]);
            }
        }
        "AWS::EC2::VPCEndpoint" => {
            let tables: Vec<String> =
                p["RouteTableIds"].as_array().into_iter().flatten().flat_map(|v| cfn.targets(v)).collect();
            add(
                &first,
                vec![
                    ("type", t(&p["VpcEndpointType"])),
                    ("service", t(&p["ServiceName"])),
                    ("vpc", t(&p["VpcId"])),
                    ("route_tables", set(tables)),
                    ("subnets", cfn.set_of(&p["SubnetIds"])),
                    ("security_groups", cfn.set_of(&p["SecurityGroupIds"])),
                    (
                        "private_dns",
                        if p.get("PrivateDnsEnabled").is_some() { t(&p["PrivateDnsEnabled"]) } else { "false".into() },
                    ),
                ],
            );
        }
        "AWS::EC2::FlowLog" => add(
            &first,
            vec![
                ("resource", t(&p["ResourceId"])),
                ("traffic_type", t(&p["TrafficType"])),
                ("destination_type", t(&p["LogDestinationType"])),
                ("destination", t(&p["LogGroupName"])),
                ("role", t(&p["DeliverLogsPermissionArn"])),
                ("aggregation_interval", t(&p["MaxAggregationInterval"])),
            ],
        ),
        "AWS::EC2::CustomerGateway" => {
            add(&first, vec![("ip_address", t(&p["IpAddress"])), ("bgp_asn", t(&p["BgpAsn"])), ("type", t(&p["Type"]))])
        }
        "AWS::EC2::VPNConnection" => add(
            &first,
            vec![
                ("type", t(&p["Type"])),
                ("static_routes_only", t(&p["StaticRoutesOnly"])),
                ("customer_gateway", t(&p["CustomerGatewayId"])),
                ("vpn_gateway", t(&p["VpnGatewayId"])),
            ],
        ),
        "AWS::EC2::VPNConnectionRoute" => add(&first, vec![("connection", t(&p["VpnConnectionId"]))]),
        "AWS::EC2::SecurityGroup" => {
            let group = first.strip_prefix("security_group ").unwrap_or_default().to_string();
            add(
                &first,
                vec![
                    ("vpc", t(&p["VpcId"])),
                    ("description", t(&p["GroupDescription"])),
                    ("default_egress_removed", p.get("SecurityGroupEgress").is_some().to_string()),
                ],
            );
            for (key, ingress) in [("SecurityGroupIngress", true), ("SecurityGroupEgress", false)] {
                for rule in p[key].as_array().into_iter().flatten() {
                    if !ingress && is_no_egress(rule) {
                        continue;
                    }
                    let peer = format!("cidr {}", scalar(&rule["CidrIp"]));
                    add(
                        &rule_identity(ingress, &group, rule, &peer),
                        vec![("described", (!scalar(&rule["Description"]).is_empty()).to_string())],
                    );
                }
            }
        }
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
            add(&first, vec![("described", (!scalar(&p["Description"]).is_empty()).to_string())]);
        }
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
            let attributes: BTreeMap<String, String> = p["LoadBalancerAttributes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| (scalar(&a["Key"]), t(&a["Value"])))
                .collect();
            let attribute = |key: &str| attributes.get(key).cloned().unwrap_or_else(|| "unset".into());
            let logs = attribute("access_logs.s3.enabled") == "true";
            add(
                &first,
                vec![
                    ("type", t(&p["Type"])),
                    ("internet_facing", (p["Scheme"] == json!("internet-facing")).to_string()),
                    ("subnets", cfn.set_of(&p["Subnets"])),
                    ("security_groups", cfn.set_of(&p["SecurityGroups"])),
                    ("idle_timeout", attribute("idle_timeout.timeout_seconds")),
                    ("drop_invalid_header_fields", attribute("routing.http.drop_invalid_header_fields.enabled")),
                    ("desync_mitigation_mode", attribute("routing.http.desync_mitigation_mode")),
                    ("deletion_protection", attribute("deletion_protection.enabled")),
                    ("access_logs", if logs { attribute("access_logs.s3.bucket") } else { "off".into() }),
                ],
            );
        }
        "AWS::ElasticLoadBalancingV2::Listener" => {
            let action = &p["DefaultActions"][0];
            let action = match action["Type"].as_str() {
                Some("forward") => format!("forward to {}", t(&action["TargetGroupArn"])),
                Some("redirect") => {
                    let r = &action["RedirectConfig"];
                    format!("redirect to {}:{} {}", t(&r["Protocol"]), t(&r["Port"]), t(&r["StatusCode"]))
                }
                Some("fixed-response") => {
                    let f = &action["FixedResponseConfig"];
                    format!("fixed {} {}", t(&f["StatusCode"]), t(&f["MessageBody"]))
                }
                other => format!("{other:?}"),
            };
            let certificate =
                p["Certificates"].get(0).map(|c| t(&c["CertificateArn"])).unwrap_or_else(|| "none".into());
            add(
                &first,
                vec![
                    ("protocol", t(&p["Protocol"])),
                    ("ssl_policy", if p.get("SslPolicy").is_some() { t(&p["SslPolicy"]) } else { "none".into() }),
                    ("certificate", certificate),
                    ("default_action", action),
                ],
            );
        }
        "AWS::ElasticLoadBalancingV2::TargetGroup" => {
            let delay = p["TargetGroupAttributes"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["Key"] == json!("deregistration_delay.timeout_seconds"))
                .map(|a| t(&a["Value"]))
                .unwrap_or_else(|| "unset".into());
            add(
                &first,
                vec![
                    ("vpc", t(&p["VpcId"])),
                    ("target_type", t(&p["TargetType"])),
                    ("protocol", t(&p["Protocol"])),
                    ("port", t(&p["Port"])),
                    ("health_check_path", t(&p["HealthCheckPath"])),
                    ("health_check_protocol", t(&p["HealthCheckProtocol"])),
                    ("health_check_matcher", t(&p["Matcher"]["HttpCode"])),
                    ("health_check_interval", t(&p["HealthCheckIntervalSeconds"])),
                    ("health_check_timeout", t(&p["HealthCheckTimeoutSeconds"])),
                    ("healthy_threshold", t(&p["HealthyThresholdCount"])),
                    ("unhealthy_threshold", t(&p["UnhealthyThresholdCount"])),
                    ("deregistration_delay", delay),
                ],
            );
        }
        "AWS::WAFv2::WebACL" => {
            let mut rules: Vec<(i64, String)> = Vec::new();
            for rule in p["Rules"].as_array().into_iter().flatten() {
                let priority = rule["Priority"].as_i64().unwrap_or(-1);
                let statement = &rule["Statement"];
                let what = if let Some(rate) = statement.get("RateBasedStatement") {
                    let action = rule["Action"].as_object().and_then(|a| a.keys().next().cloned()).unwrap_or_default();
                    format!(
                        "rate limit {} per {} ({})",
                        t(&rate["Limit"]),
                        t(&rate["AggregateKeyType"]),
                        action.to_lowercase()
                    )
                } else {
                    let group = &statement["ManagedRuleGroupStatement"];
                    let overrides: Vec<String> = group["RuleActionOverrides"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|o| {
                            let action =
                                o["ActionToUse"].as_object().and_then(|a| a.keys().next().cloned()).unwrap_or_default();
                            format!("{}={}", scalar(&o["Name"]), action.to_lowercase())
                        })
                        .collect();
                    let override_action =
                        rule["OverrideAction"].as_object().and_then(|a| a.keys().next().cloned()).unwrap_or_default();
                    format!(
                        "managed {}/{} override {} counting {}",
                        t(&group["VendorName"]),
                        t(&group["Name"]),
                        override_action.to_lowercase(),
                        seq(overrides)
                    )
                };
                let metric = t(&rule["VisibilityConfig"]["MetricName"]);
                rules.push((priority, format!("{priority} {}: {what}; metric {metric}", scalar(&rule["Name"]))));
            }
            rules.sort();
            let default = p["DefaultAction"].as_object().and_then(|a| a.keys().next().cloned()).unwrap_or_default();
            add(
                &first,
                vec![
                    ("scope", t(&p["Scope"])),
                    ("default_action", default.to_lowercase()),
                    ("rules", seq(rules.into_iter().map(|(_, r)| r))),
                    ("metric", t(&p["VisibilityConfig"]["MetricName"])),
                ],
            );
        }
        "AWS::WAFv2::WebACLAssociation" => {
            add(&first, vec![("resource", t(&p["ResourceArn"])), ("web_acl", t(&p["WebACLArn"]))]);
        }
        "AWS::WAFv2::LoggingConfiguration" => {
            // The destination is the log group's ARN without the `:*` of
            // `GetAtt Arn`, built with `Fn::Sub`: compare what it names.
            let destinations =
                p["LogDestinationConfigs"].as_array().into_iter().flatten().flat_map(|d| cfn.sub_references(d));
            add(&first, vec![("web_acl", t(&p["ResourceArn"])), ("destinations", set(destinations))]);
        }
        "AWS::Shield::Protection" => add(&first, vec![("resource", t(&p["ResourceArn"]))]),
        "AWS::EC2::LaunchTemplate" => {
            let d = &p["LaunchTemplateData"];
            let ebs = &d["BlockDeviceMappings"][0]["Ebs"];
            add(
                &first,
                vec![
                    ("image", t(&d["ImageId"])),
                    ("instance_type", t(&d["InstanceType"])),
                    ("instance_profile", t(&d["IamInstanceProfile"]["Arn"])),
                    ("security_groups", cfn.set_of(&d["SecurityGroupIds"])),
                    ("http_endpoint", t(&d["MetadataOptions"]["HttpEndpoint"])),
                    ("http_tokens", t(&d["MetadataOptions"]["HttpTokens"])),
                    ("http_put_response_hop_limit", t(&d["MetadataOptions"]["HttpPutResponseHopLimit"])),
                    ("monitoring", t(&d["Monitoring"]["Enabled"])),
                    ("root_device", t(&d["BlockDeviceMappings"][0]["DeviceName"])),
                    ("root_volume_size", t(&ebs["VolumeSize"])),
                    ("root_volume_type", t(&ebs["VolumeType"])),
                    ("root_volume_encrypted", t(&ebs["Encrypted"])),
                    ("root_volume_delete_on_termination", t(&ebs["DeleteOnTermination"])),
                    ("key_pair", if d.get("KeyName").is_some() { t(&d["KeyName"]) } else { "none".into() }),
                ],
            );
        }
        "AWS::AutoScaling::AutoScalingGroup" => add(
            &first,
            vec![
                ("min", t(&p["MinSize"])),
                ("max", t(&p["MaxSize"])),
                ("subnets", cfn.set_of(&p["VPCZoneIdentifier"])),
                ("launch_template", t(&p["LaunchTemplate"]["LaunchTemplateId"])),
                ("health_check_type", t(&p["HealthCheckType"])),
                ("health_check_grace", t(&p["HealthCheckGracePeriod"])),
                ("target_groups", cfn.set_of(&p["TargetGroupARNs"])),
            ],
        ),
        "AWS::AutoScaling::ScalingPolicy" => {
            let c = &p["TargetTrackingConfiguration"];
            add(
                &first,
                vec![
                    ("group", t(&p["AutoScalingGroupName"])),
                    ("type", t(&p["PolicyType"])),
                    ("metric", t(&c["PredefinedMetricSpecification"]["PredefinedMetricType"])),
                    ("target", t(&c["TargetValue"])),
                ],
            );
        }
        "AWS::IAM::Role" => {
            let services = p["AssumeRolePolicyDocument"]["Statement"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| t(&s["Principal"]["Service"]));
            add(&first, vec![("trusted_service", set(services))]);
            for identity in identities.iter().skip(1) {
                if identity.starts_with("role_policy_attachment ") {
                    add(identity, Vec::new());
                }
            }
            for policy in p["Policies"].as_array().into_iter().flatten() {
                let identity = format!("role_policy {first} {}", scalar(&policy["PolicyName"]));
                add(&identity, vec![("statements", cfn_statements(cfn, &policy["PolicyDocument"]))]);
            }
        }
        "AWS::IAM::Policy" => {
            for identity in identities {
                add(identity, vec![("statements", cfn_statements(cfn, &p["PolicyDocument"]))]);
            }
        }
        "AWS::IAM::InstanceProfile" => add(&first, vec![("roles", cfn.set_of(&p["Roles"]))]),
        "AWS::RDS::DBSubnetGroup" => add(&first, vec![("subnets", cfn.set_of(&p["SubnetIds"]))]),
        "AWS::RDS::DBInstance" => {
            let version = engine_line(&t(&p["Engine"]), &t(&p["EngineVersion"]));
            add(
                &first,
                vec![
                    ("engine", t(&p["Engine"])),
                    ("engine_version", version),
                    ("class", t(&p["DBInstanceClass"])),
                    ("storage_gb", t(&p["AllocatedStorage"])),
                    ("storage_type", t(&p["StorageType"])),
                    ("storage_encrypted", t(&p["StorageEncrypted"])),
                    ("multi_az", t(&p["MultiAZ"])),
                    ("db_name", t(&p["DBName"])),
                    ("username", t(&p["MasterUsername"])),
                    ("managed_password", t(&p["ManageMasterUserPassword"])),
                    ("subnet_group", t(&p["DBSubnetGroupName"])),
                    ("security_groups", cfn.set_of(&p["VPCSecurityGroups"])),
                    ("publicly_accessible", t(&p["PubliclyAccessible"])),
                    ("backup_days", t(&p["BackupRetentionPeriod"])),
                    ("deletion_protection", t(&p["DeletionProtection"])),
                    ("final_snapshot", (resource["DeletionPolicy"] == json!("Snapshot")).to_string()),
                    ("retained", cfn_retained(resource)),
                    ("copy_tags_to_snapshot", t(&p["CopyTagsToSnapshot"])),
                    ("iam_authentication", t(&p["EnableIAMDatabaseAuthentication"])),
                    ("log_exports", cfn.set_of(&p["EnableCloudwatchLogsExports"])),
                    ("monitoring_interval", t(&p["MonitoringInterval"])),
                    ("monitoring_role", t(&p["MonitoringRoleArn"])),
                    ("performance_insights", t(&p["EnablePerformanceInsights"])),
                    ("performance_insights_days", t(&p["PerformanceInsightsRetentionPeriod"])),
                    ("performance_insights_key", t(&p["PerformanceInsightsKMSKeyId"])),
                    ("auto_minor_version_upgrade", t(&p["AutoMinorVersionUpgrade"])),
                    (
                        "parameter_group",
                        if p.get("DBParameterGroupName").is_some() {
                            t(&p["DBParameterGroupName"])
                        } else {
                            "default".into()
                        },
                    ),
                ],
            );
        }
        "AWS::EFS::FileSystem" => {
            let owner = first.strip_prefix("file_system ").unwrap_or_default();
            add(
                &first,
                vec![
                    ("encrypted", t(&p["Encrypted"])),
                    ("key", t(&p["KmsKeyId"])),
                    ("performance_mode", t(&p["PerformanceMode"])),
                    ("throughput_mode", t(&p["ThroughputMode"])),
                    ("retained", cfn_retained(resource)),
                ],
            );
            add(&format!("efs_backup_policy {owner}"), vec![("status", t(&p["BackupPolicy"]["Status"]))]);
            add(&format!("efs_policy {owner}"), vec![("statements", cfn_statements(cfn, &p["FileSystemPolicy"]))]);
        }
        "AWS::EFS::MountTarget" => add(
            &first,
            vec![
                ("file_system", t(&p["FileSystemId"])),
                ("subnet", t(&p["SubnetId"])),
                ("security_groups", cfn.set_of(&p["SecurityGroups"])),
            ],
        ),
        "AWS::ElastiCache::SubnetGroup" => add(&first, vec![("subnets", cfn.set_of(&p["SubnetIds"]))]),
        "AWS::ElastiCache::ReplicationGroup" => add(
            &first,
            vec![
                ("engine", t(&p["Engine"])),
                ("engine_version", t(&p["EngineVersion"])),
                ("node_type", t(&p["CacheNodeType"])),
                ("nodes", t(&p["NumCacheClusters"])),
                ("zones", cfn.set_of(&p["PreferredCacheClusterAZs"])),
                ("multi_az", t(&p["MultiAZEnabled"])),
                ("automatic_failover", t(&p["AutomaticFailoverEnabled"])),
                ("at_rest_encryption", t(&p["AtRestEncryptionEnabled"])),
                ("key", t(&p["KmsKeyId"])),
                ("transit_encryption", t(&p["TransitEncryptionEnabled"])),
                (
                    "auth_token",
                    if p.get("AuthToken").is_some() { secret_of(&t(&p["AuthToken"])) } else { "none".into() },
                ),
                ("subnet_group", t(&p["CacheSubnetGroupName"])),
                ("security_groups", cfn.set_of(&p["SecurityGroupIds"])),
                ("snapshot_days", t(&p["SnapshotRetentionLimit"])),
                ("final_snapshot", (resource["DeletionPolicy"] == json!("Snapshot")).to_string()),
                ("retained", cfn_retained(resource)),
            ],
        ),
        "AWS::ElastiCache::CacheCluster" => add(
            &first,
            vec![
                ("engine", t(&p["Engine"])),
                ("engine_version", t(&p["EngineVersion"])),
                ("node_type", t(&p["CacheNodeType"])),
                ("nodes", t(&p["NumCacheNodes"])),
                ("az_mode", t(&p["AZMode"])),
                ("zones", cfn.set_of(&p["PreferredAvailabilityZones"])),
                ("transit_encryption", t(&p["TransitEncryptionEnabled"])),
                ("subnet_group", t(&p["CacheSubnetGroupName"])),
                ("security_groups", cfn.set_of(&p["VpcSecurityGroupIds"])),
            ],
        ),
        "AWS::SecretsManager::Secret" => {
            add(&first, vec![("key", t(&p["KmsKeyId"])), ("retained", cfn_retained(resource))]);
            let generate = &p["GenerateSecretString"];
            add(
                identities.get(1).map_or("", String::as_str),
                vec![
                    ("secret", first.clone()),
                    ("length", t(&generate["PasswordLength"])),
                    ("exclude_punctuation", t(&generate["ExcludePunctuation"])),
                ],
            );
        }
        "AWS::S3::Bucket" => {
            let bucket = first.strip_prefix("bucket ").unwrap_or_default().to_string();
            add(&first, vec![("retained", cfn_retained(resource))]);
            let sse = &p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0];
            add(
                &format!("bucket_encryption {bucket}"),
                vec![
                    ("algorithm", t(&sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"])),
                    ("key", t(&sse["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])),
                    ("bucket_key", t(&sse["BucketKeyEnabled"])),
                ],
            );
            let block = &p["PublicAccessBlockConfiguration"];
            add(
                &format!("bucket_public_access_block {bucket}"),
                vec![
                    ("block_public_acls", t(&block["BlockPublicAcls"])),
                    ("block_public_policy", t(&block["BlockPublicPolicy"])),
                    ("ignore_public_acls", t(&block["IgnorePublicAcls"])),
                    ("restrict_public_buckets", t(&block["RestrictPublicBuckets"])),
                ],
            );
            add(
                &format!("bucket_ownership {bucket}"),
                vec![("ownership", t(&p["OwnershipControls"]["Rules"][0]["ObjectOwnership"]))],
            );
            if p.get("VersioningConfiguration").is_some() {
                add(
                    &format!("bucket_versioning {bucket}"),
                    vec![("status", t(&p["VersioningConfiguration"]["Status"]))],
                );
            }
            if let Some(rules) = p["LifecycleConfiguration"]["Rules"].as_array() {
                let pick = |f: &dyn Fn(&Value) -> &Value| {
                    rules.iter().map(f).find(|v| !v.is_null()).map(&t).unwrap_or_else(|| "none".into())
                };
                add(
                    &format!("bucket_lifecycle {bucket}"),
                    vec![
                        ("expiration_days", pick(&|r| &r["ExpirationInDays"])),
                        ("noncurrent_days", pick(&|r| &r["NoncurrentVersionExpiration"]["NoncurrentDays"])),
                        ("abort_upload_days", pick(&|r| &r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])),
                    ],
                );
            }
            if let Some(logging) = p.get("LoggingConfiguration") {
                add(
                    &format!("bucket_logging {bucket}"),
                    vec![("target", t(&logging["DestinationBucketName"])), ("prefix", t(&logging["LogFilePrefix"]))],
                );
            }
        }
        "AWS::S3::BucketPolicy" => {
            add(&first, vec![("bucket", t(&p["Bucket"])), ("statements", cfn_statements(cfn, &p["PolicyDocument"]))])
        }
        "AWS::KMS::Key" => {
            let sids = p["KeyPolicy"]["Statement"].as_array().into_iter().flatten().map(|s| scalar(&s["Sid"]));
            add(
                &first,
                vec![
                    ("rotation", t(&p["EnableKeyRotation"])),
                    ("deletion_window", t(&p["PendingWindowInDays"])),
                    ("statements", cfn_statements(cfn, &p["KeyPolicy"])),
                    ("statement_ids", set(sids)),
                    ("retained", cfn_retained(resource)),
                ],
            );
        }
        "AWS::Logs::LogGroup" => {
            let mut settings = vec![("retention_days", t(&p["RetentionInDays"])), ("key", t(&p["KmsKeyId"]))];
            // Only WAF (a name prefix it requires) and the app servers' agent
            // (which must know where to write) name their log groups; the flow
            // log group's name is left to each tool.
            if !first.starts_with("log_group flow_logs") {
                settings.push(("name", t(&p["LogGroupName"])));
            }
            add(&first, settings);
        }
        "AWS::SNS::Topic" => add(&first, vec![("key", t(&p["KmsMasterKeyId"]))]),
        "AWS::SNS::Subscription" => add(&first, vec![("topic", t(&p["TopicArn"])), ("protocol", t(&p["Protocol"]))]),
        "AWS::CloudWatch::Alarm" => {
            let dimensions = p["Dimensions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| format!("{}={}", scalar(&d["Name"]), t(&d["Value"])));
            add(
                &first,
                vec![
                    ("namespace", t(&p["Namespace"])),
                    ("metric", t(&p["MetricName"])),
                    ("statistic", t(&p["Statistic"])),
                    ("period", t(&p["Period"])),
                    ("evaluation_periods", t(&p["EvaluationPeriods"])),
                    ("threshold", t(&p["Threshold"])),
                    ("comparison", t(&p["ComparisonOperator"])),
                    ("treat_missing_data", t(&p["TreatMissingData"])),
                    ("dimensions", set(dimensions)),
                    ("alarm_actions", cfn.set_of(&p["AlarmActions"])),
                    ("ok_actions", cfn.set_of(&p["OKActions"])),
                ],
            );
        }
        _ => {}
    }
}

/// The release line of an RDS engine version: PostgreSQL `16.13` → `16`,
/// MySQL `8.0.46` → `8.0`. CloudFormation names the newest minor version of
/// the line (cfn-lint checks versions against RDS's list), Terraform the
/// line itself (the AWS provider's form when minor versions are upgraded
/// automatically): both stand for the line.
fn engine_line(engine: &str, version: &str) -> String {
    let parts = if engine == "postgres" { 1 } else { 2 };
    version.split('.').take(parts).collect::<Vec<_>>().join(".")
}

/// `{{resolve:secretsmanager:secret auth_token c}}` → `secret auth_token c`.
fn secret_of(text: &str) -> String {
    text.trim_start_matches("{{resolve:secretsmanager:").trim_end_matches("}}").to_string()
}

// ---------------------------------------------------------------------------
// Terraform

/// A resource or data block of the configuration, as JSON: attributes as
/// values (references as `{"$ref": "TYPE.NAME.ATTR"}`, templates as
/// `{"$template": "..."}`), nested blocks as arrays under their name.
#[derive(Clone, Debug)]
struct TfBlock {
    ty: String,
    name: String,
    body: Value,
}

/// A parsed configuration.
#[derive(Clone, Debug, Default)]
struct TfConfig {
    /// `TYPE.NAME` → resource.
    resources: BTreeMap<String, TfBlock>,
    /// `data.TYPE.NAME` → data source.
    data: BTreeMap<String, TfBlock>,
    /// Output name → value.
    outputs: BTreeMap<String, Value>,
}

fn expression_json(expr: &Expression) -> Value {
    match expr {
        Expression::Null => Value::Null,
        Expression::Bool(b) => json!(b),
        Expression::Number(n) => serde_json::from_str(&n.to_string()).unwrap_or(Value::Null),
        Expression::String(s) => json!(s),
        Expression::Array(items) => Value::Array(items.iter().map(expression_json).collect()),
        Expression::Object(object) => {
            let mut map = Map::new();
            for (key, value) in object {
                let key = match key {
                    hcl::ObjectKey::Identifier(ident) => ident.to_string(),
                    hcl::ObjectKey::Expression(Expression::String(s)) => s.clone(),
                    hcl::ObjectKey::Expression(other) => hcl::format::to_string(other).unwrap_or_default(),
                    other => other.to_string(),
                };
                map.insert(key, expression_json(value));
            }
            Value::Object(map)
        }
        Expression::Traversal(_) | Expression::Variable(_) => {
            json!({ "$ref": hcl::format::to_string(expr).unwrap_or_default() })
        }
        Expression::TemplateExpr(template) => json!({ "$template": template.to_string() }),
        other => json!({ "$expr": hcl::format::to_string(other).unwrap_or_default() }),
    }
}

fn body_json(body: &Body) -> Value {
    let mut map = Map::new();
    for attribute in body.attributes() {
        map.insert(attribute.key().to_string(), expression_json(attribute.expr()));
    }
    for block in body.blocks() {
        let entry = map.entry(block.identifier().to_string()).or_insert_with(|| json!([]));
        if let Value::Array(items) = entry {
            items.push(body_json(block.body()));
        }
    }
    Value::Object(map)
}

/// Parse every generated file back with hcl-rs.
fn parse_terraform(output: &terraform::Output) -> TfConfig {
    let mut config = TfConfig::default();
    for file in &output.files {
        let body: Body = hcl::from_str(&file.contents).unwrap_or_else(|e| panic!("{} parses: {e}", file.name));
        for block in body.blocks() {
            let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
            match (block.identifier(), labels.as_slice()) {
                ("resource", [ty, name]) => {
                    let b = TfBlock { ty: ty.to_string(), name: name.to_string(), body: body_json(block.body()) };
                    config.resources.insert(format!("{ty}.{name}"), b);
                }
                ("data", [ty, name]) => {
                    let b = TfBlock { ty: ty.to_string(), name: name.to_string(), body: body_json(block.body()) };
                    config.data.insert(format!("data.{ty}.{name}"), b);
                }
                ("output", [name]) => {
                    let value =
                        block.body().attributes().find(|a| a.key() == "value").map(|a| expression_json(a.expr()));
                    config.outputs.insert(name.to_string(), value.unwrap_or(Value::Null));
                }
                _ => {}
            }
        }
    }
    config
}

/// A configuration being read.
struct Tf<'a> {
    config: &'a TfConfig,
    names: &'a Names,
    /// Address → the identities of the components that resource is.
    identities: BTreeMap<String, Vec<String>>,
}

impl<'a> Tf<'a> {
    fn new(config: &'a TfConfig, names: &'a Names) -> Tf<'a> {
        let mut tf = Tf { config, names, identities: BTreeMap::new() };
        for _ in 0..2 {
            for (address, block) in &config.resources {
                let identity = tf.identity(block);
                if !identity.is_empty() {
                    tf.identities.insert(address.clone(), identity);
                }
            }
        }
        tf
    }

    /// `aws_subnet.app_a.id` → (`aws_subnet.app_a`, `id`).
    fn split_ref(reference: &str) -> (String, String) {
        let parts: Vec<&str> = reference.split('.').collect();
        match parts.as_slice() {
            ["data", ty, name, rest @ ..] => (format!("data.{ty}.{name}"), rest.join(".")),
            [ty, name, rest @ ..] => (format!("{ty}.{name}"), rest.join(".")),
            _ => (reference.to_string(), String::new()),
        }
    }

    fn target(&self, value: &Value) -> Option<String> {
        let reference = value.get("$ref").and_then(Value::as_str)?;
        let (address, _) = Tf::split_ref(reference);
        self.identities.get(&address).and_then(|ids| ids.first().cloned())
    }

    fn identity(&self, block: &TfBlock) -> Vec<String> {
        let n = self.names;
        let b = &block.body;
        let name = block.name.as_str();
        let net = n.network.as_str();
        let one = |s: String| vec![s];
        let opt = |s: Option<String>| s.into_iter().collect::<Vec<_>>();
        match block.ty.as_str() {
            "aws_vpc" if name == net => one("vpc".into()),
            "aws_subnet" => opt(n.tf_tier_zone(name).map(|(t, z)| format!("subnet {t}/{z}"))),
            "aws_internet_gateway" if name == net => {
                let mut out = vec!["internet_gateway".to_string()];
                if b.get("vpc_id").is_some() {
                    out.push("gateway_attachment internet".into());
                }
                out
            }
            "aws_vpn_gateway" if name == net => {
                let mut out = vec!["vpn_gateway".to_string()];
                if b.get("vpc_id").is_some() {
                    out.push("gateway_attachment vpn".into());
                }
                out
            }
            "aws_eip" => opt(name
                .strip_prefix(&format!("{net}_nat_"))
                .filter(|z| n.zones.iter().any(|zone| zone.0 == *z))
                .map(|z| format!("nat_eip {z}"))),
            "aws_nat_gateway" => opt(name
                .strip_prefix(&format!("{net}_"))
                .filter(|z| n.zones.iter().any(|zone| zone.0 == *z))
                .map(|z| format!("nat_gateway {z}"))),
            "aws_route_table" => opt(n.tf_tier_zone(name).map(|(t, z)| format!("route_table {t}/{z}"))),
            "aws_route" => {
                let dest = scalar(&b["destination_cidr_block"]);
                opt(self
                    .target(&b["route_table_id"])
                    .and_then(|t| t.strip_prefix("route_table ").map(|tz| format!("route {tz} {dest}"))))
            }
            "aws_route_table_association" => opt(self
                .target(&b["subnet_id"])
                .and_then(|s| s.strip_prefix("subnet ").map(|tz| format!("route_table_association {tz}")))),
            "aws_vpn_gateway_route_propagation" => opt(self
                .target(&b["route_table_id"])
                .and_then(|t| t.strip_prefix("route_table ").map(|tz| format!("route_propagation {tz}")))),
            "aws_vpc_endpoint" => {
                let service = scalar(&b["service_name"]);
                one(format!("endpoint {}", service.rsplit('.').next().unwrap_or_default()))
            }
            "aws_flow_log" => one("flow_log".into()),
            "aws_customer_gateway" => opt(Names::tf_owner(&n.vpns, name, "").map(|v| format!("customer_gateway {v}"))),
            "aws_vpn_connection" => opt(Names::tf_owner(&n.vpns, name, "").map(|v| format!("vpn_connection {v}"))),
            "aws_vpn_connection_route" => opt(self
                .target(&b["vpn_connection_id"])
                .and_then(|c| c.strip_prefix("vpn_connection ").map(String::from))
                .map(|vpn| format!("vpn_route {vpn} {}", scalar(&b["destination_cidr_block"])))),
            "aws_security_group" => {
                if name == format!("{net}_endpoints") {
                    one("security_group endpoints".into())
                } else {
                    opt(Names::tf_owner(&n.groups, name, "").map(|g| format!("security_group {g}")))
                }
            }
            "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
                let ingress = block.ty.ends_with("ingress_rule");
                let Some(group) = self
                    .target(&b["security_group_id"])
                    .and_then(|g| g.strip_prefix("security_group ").map(String::from))
                else {
                    return Vec::new();
                };
                let peer = match (b.get("cidr_ipv4"), b.get("referenced_security_group_id")) {
                    (Some(cidr), _) => format!("cidr {}", scalar(cidr)),
                    (None, Some(peer)) => {
                        match self.target(peer).and_then(|g| g.strip_prefix("security_group ").map(String::from)) {
                            Some(peer) => format!("sg {peer}"),
                            None => return Vec::new(),
                        }
                    }
                    (None, None) => return Vec::new(),
                };
                one(rule_identity(ingress, &group, b, &peer))
            }
            "aws_lb" => opt(Names::tf_owner(&n.load_balancers, name, "").map(|lb| format!("load_balancer {lb}"))),
            "aws_lb_listener" => opt(self
                .target(&b["load_balancer_arn"])
                .and_then(|lb| lb.strip_prefix("load_balancer ").map(String::from))
                .map(|lb| format!("listener {lb} {}", scalar(&b["port"])))),
            "aws_lb_target_group" => {
                opt(Names::tf_owner(&n.load_balancers, name, "").map(|lb| format!("target_group {lb}")))
            }
            "aws_wafv2_web_acl" => opt(Names::tf_owner(&n.load_balancers, name, "").map(|lb| format!("web_acl {lb}"))),
            "aws_wafv2_web_acl_association" => {
                opt(Names::tf_owner(&n.load_balancers, name, "").map(|lb| format!("web_acl_association {lb}")))
            }
            "aws_wafv2_web_acl_logging_configuration" => {
                opt(Names::tf_owner(&n.load_balancers, name, "").map(|lb| format!("waf_logging {lb}")))
            }
            "aws_shield_protection" => {
                opt(Names::tf_owner(&n.load_balancers, name, "").map(|lb| format!("shield_protection {lb}")))
            }
            "aws_launch_template" => opt(Names::tf_owner(&n.apps, name, "").map(|a| format!("launch_template {a}"))),
            "aws_autoscaling_group" => {
                opt(Names::tf_owner(&n.apps, name, "").map(|a| format!("auto_scaling_group {a}")))
            }
            "aws_autoscaling_policy" => {
                opt(Names::tf_owner(&n.apps, name, "cpu").map(|a| format!("scaling_policy {a}")))
            }
            "aws_iam_role" => {
                if name == format!("{net}_flow_logs") {
                    one("role flow_logs".into())
                } else if let Some(app) = Names::tf_owner(&n.apps, name, "instance") {
                    one(format!("role instance {app}"))
                } else {
                    opt(Names::tf_owner(&n.databases, name, "monitoring").map(|db| format!("role monitoring {db}")))
                }
            }
            "aws_iam_role_policy_attachment" => {
                let arn = scalar(&b["policy_arn"]);
                opt(self.target(&b["role"]).map(|role| {
                    format!("role_policy_attachment {role} {}", arn.rsplit('/').next().unwrap_or_default())
                }))
            }
            "aws_iam_role_policy" => {
                opt(self.target(&b["role"]).map(|role| format!("role_policy {role} {}", scalar(&b["name"]))))
            }
            "aws_iam_instance_profile" => {
                opt(Names::tf_owner(&n.apps, name, "").map(|a| format!("instance_profile {a}")))
            }
            "aws_db_subnet_group" => {
                opt(Names::tf_owner(&n.databases, name, "").map(|d| format!("db_subnet_group {d}")))
            }
            "aws_db_instance" => opt(Names::tf_owner(&n.databases, name, "").map(|d| format!("db_instance {d}"))),
            "aws_efs_file_system" => {
                opt(Names::tf_owner(&n.file_systems, name, "").map(|f| format!("file_system {f}")))
            }
            "aws_efs_backup_policy" => {
                opt(Names::tf_owner(&n.file_systems, name, "").map(|f| format!("efs_backup_policy {f}")))
            }
            "aws_efs_file_system_policy" => {
                opt(Names::tf_owner(&n.file_systems, name, "").map(|f| format!("efs_policy {f}")))
            }
            "aws_efs_mount_target" => {
                let fs =
                    self.target(&b["file_system_id"]).and_then(|f| f.strip_prefix("file_system ").map(String::from));
                let zone = self.target(&b["subnet_id"]).and_then(|s| s.rsplit('/').next().map(String::from));
                match (fs, zone) {
                    (Some(fs), Some(zone)) => one(format!("mount_target {fs} {zone}")),
                    _ => Vec::new(),
                }
            }
            "aws_elasticache_subnet_group" => {
                opt(Names::tf_owner(&n.caches, name, "").map(|c| format!("cache_subnet_group {c}")))
            }
            "aws_elasticache_replication_group" | "aws_elasticache_cluster" => {
                opt(Names::tf_owner(&n.caches, name, "").map(|c| format!("cache {c}")))
            }
            "aws_secretsmanager_secret" => {
                opt(Names::tf_owner(&n.caches, name, "auth_token").map(|c| format!("secret auth_token {c}")))
            }
            "aws_secretsmanager_secret_version" => {
                opt(Names::tf_owner(&n.caches, name, "auth_token").map(|c| format!("secret_value auth_token {c}")))
            }
            "aws_s3_bucket"
            | "aws_s3_bucket_server_side_encryption_configuration"
            | "aws_s3_bucket_versioning"
            | "aws_s3_bucket_public_access_block"
            | "aws_s3_bucket_ownership_controls"
            | "aws_s3_bucket_lifecycle_configuration"
            | "aws_s3_bucket_logging"
            | "aws_s3_bucket_policy" => {
                let bucket = if name == "s3_access_logs" {
                    Some("s3_access_logs".to_string())
                } else if let Some(lb) = Names::tf_owner(&n.load_balancers, name, "access_logs") {
                    Some(format!("access_logs {lb}"))
                } else {
                    Names::tf_owner(&n.buckets, name, "").map(String::from)
                };
                let kind = match block.ty.as_str() {
                    "aws_s3_bucket" => "bucket",
                    "aws_s3_bucket_server_side_encryption_configuration" => "bucket_encryption",
                    "aws_s3_bucket_versioning" => "bucket_versioning",
                    "aws_s3_bucket_public_access_block" => "bucket_public_access_block",
                    "aws_s3_bucket_ownership_controls" => "bucket_ownership",
                    "aws_s3_bucket_lifecycle_configuration" => "bucket_lifecycle",
                    "aws_s3_bucket_logging" => "bucket_logging",
                    _ => "bucket_policy",
                };
                opt(bucket.map(|b| format!("{kind} {b}")))
            }
            "aws_kms_key" => one("kms_key".into()),
            "aws_cloudwatch_log_group" => {
                if name == format!("{net}_flow_logs") {
                    one("log_group flow_logs".into())
                } else if let Some(lb) = Names::tf_owner(&n.load_balancers, name, "waf") {
                    one(format!("log_group waf {lb}"))
                } else {
                    opt(Names::tf_owner(&n.apps, name, "app_logs").map(|a| format!("log_group app {a}")))
                }
            }
            "aws_sns_topic" if name == "notify" => one("topic".into()),
            "aws_sns_topic_subscription" => one(format!("subscription {}", scalar(&b["endpoint"]))),
            "aws_cloudwatch_metric_alarm" => one(format!("alarm {name}")),
            _ => Vec::new(),
        }
    }

    /// A value as text, as [`Cfn::text`] renders its side.
    fn text(&self, value: &Value) -> String {
        if let Some(reference) = value.get("$ref").and_then(Value::as_str) {
            return self.reference(reference);
        }
        if let Some(template) = value.get("$template").and_then(Value::as_str) {
            return substitute(template, |reference| self.reference(reference));
        }
        match value {
            Value::Array(items) => seq(items.iter().map(|v| self.text(v))),
            other => scalar(other),
        }
    }

    fn reference(&self, reference: &str) -> String {
        if reference == "data.aws_caller_identity.current.account_id" {
            return ACCOUNT.to_string();
        }
        if let Some(var) = reference.strip_prefix("var.") {
            return format!("param {var}");
        }
        let (address, attribute) = Tf::split_ref(reference);
        if let Some(data) = self.config.data.get(&address) {
            // An image's SSM parameter resolves to its path, as the
            // CloudFormation parameter's default does.
            if data.ty == "aws_ssm_parameter" {
                return scalar(&data.body["name"]);
            }
            return format!("<{address}.{attribute}>");
        }
        let Some(identities) = self.identities.get(&address) else { return format!("<unknown {reference}>") };
        let what = identities.first().cloned().unwrap_or_default();
        match tf_attribute(&attribute) {
            "" => what,
            attribute => format!("{what}.{attribute}"),
        }
    }

    fn set_of(&self, value: &Value) -> String {
        set(value.as_array().into_iter().flatten().map(|v| self.text(v)))
    }

    /// The statements of the policy document `value` refers to, with or
    /// without their resources.
    fn statements(&self, value: &Value, with_resources: bool) -> String {
        let reference = value.get("$ref").and_then(Value::as_str).unwrap_or_default();
        let (address, _) = Tf::split_ref(reference);
        let Some(document) = self.config.data.get(&address) else { return format!("<no document {reference}>") };
        set(document.body["statement"].as_array().into_iter().flatten().map(|s| {
            let list = |v: &Value| -> Vec<String> {
                match v {
                    Value::Array(items) => items.iter().map(|i| self.text(i)).collect(),
                    Value::Null => Vec::new(),
                    other => vec![self.text(other)],
                }
            };
            let mut principals = Vec::new();
            for p in s["principals"].as_array().into_iter().flatten() {
                let ty = scalar(&p["type"]);
                principals.extend(list(&p["identifiers"]).into_iter().map(|id| format!("{ty}:{id}")));
            }
            let conditions: Vec<String> = s["condition"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| format!("{} {} {}", scalar(&c["test"]), scalar(&c["variable"]), set(list(&c["values"]))))
                .collect();
            let resources = if with_resources { list(&s["resources"]) } else { Vec::new() };
            statement_text(
                s.get("effect").map_or("Allow".to_string(), scalar).as_str(),
                principals,
                list(&s["actions"]),
                resources,
                conditions,
            )
        }))
    }

    fn sids(&self, value: &Value) -> String {
        let reference = value.get("$ref").and_then(Value::as_str).unwrap_or_default();
        let (address, _) = Tf::split_ref(reference);
        let statements = self.config.data.get(&address).map(|d| d.body["statement"].clone()).unwrap_or_default();
        set(statements.as_array().into_iter().flatten().map(|s| scalar(&s["sid"])))
    }
}

/// A Terraform attribute under the name [`cfn_attribute`] gives the same
/// thing; plain references (ids, ARNs, names) render as the bare identity.
fn tf_attribute(attribute: &str) -> &'static str {
    match attribute {
        "dns_name" => "dns_name",
        "address" => "address",
        "port" => "port",
        "arn_suffix" => "arn_suffix",
        _ => "",
    }
}

/// `prevent_destroy` of a resource.
fn tf_retained(block: &TfBlock) -> String {
    (block.body["lifecycle"][0]["prevent_destroy"] == json!(true)).to_string()
}

/// Read a configuration into components.
fn terraform_side(config: &TfConfig, names: &Names) -> Side {
    let tf = Tf::new(config, names);
    let mut side = Side::default();
    for (address, block) in &config.data {
        if !known_tf(&format!("data.{}", block.ty)) {
            side.problems
                .push(format!("{address}: Terraform data source type {} is not in the mapping table", block.ty));
        }
    }
    for (address, block) in &config.resources {
        if !known_tf(&block.ty) {
            side.problems.push(format!("{address}: Terraform type {} is not in the mapping table", block.ty));
            continue;
        }
        if tf_without_counterpart(&block.ty) {
            continue;
        }
        let Some(identities) = tf.identities.get(address) else {
            side.problems.push(format!("{address}: no identity derived from source names"));
            continue;
        };
        tf_settings(&tf, &mut side, address, block, identities);
    }
    side
}

fn tf_settings(tf: &Tf<'_>, side: &mut Side, address: &str, block: &TfBlock, identities: &[String]) {
    let b = &block.body;
    let t = |v: &Value| tf.text(v);
    let first = identities.first().cloned().unwrap_or_default();
    let ty = block.ty.as_str();
    let mut add = |identity: &str, settings: Vec<(&str, String)>| side.add(identity, ty, address, settings);
    let or = |v: &Value, default: &str| if v.is_null() { default.to_string() } else { t(v) };
    match ty {
        "aws_vpc" => add(
            &first,
            vec![
                ("cidr", t(&b["cidr_block"])),
                ("dns_support", t(&b["enable_dns_support"])),
                ("dns_hostnames", t(&b["enable_dns_hostnames"])),
            ],
        ),
        "aws_subnet" => add(
            &first,
            vec![
                ("vpc", t(&b["vpc_id"])),
                ("cidr", t(&b["cidr_block"])),
                ("zone", t(&b["availability_zone"])),
                ("public_ip_on_launch", t(&b["map_public_ip_on_launch"])),
            ],
        ),
        "aws_internet_gateway" | "aws_vpn_gateway" => {
            add(&first, Vec::new());
            if let Some(attachment) = identities.get(1) {
                add(attachment, vec![("vpc", t(&b["vpc_id"]))]);
            }
        }
        "aws_eip" => add(&first, vec![("domain", t(&b["domain"]))]),
        "aws_nat_gateway" => add(&first, vec![("subnet", t(&b["subnet_id"])), ("eip", t(&b["allocation_id"]))]),
        "aws_route_table" => add(&first, vec![("vpc", t(&b["vpc_id"]))]),
        "aws_route" => {
            let target = ["gateway_id", "nat_gateway_id"].iter().find_map(|k| b.get(*k)).map(t).unwrap_or_default();
            add(&first, vec![("target", target)]);
        }
        "aws_route_table_association" => {
            add(&first, vec![("subnet", t(&b["subnet_id"])), ("route_table", t(&b["route_table_id"]))]);
        }
        "aws_vpn_gateway_route_propagation" => add(&first, vec![("gateway", t(&b["vpn_gateway_id"]))]),
        "aws_vpc_endpoint" => add(
            &first,
            vec![
                ("type", t(&b["vpc_endpoint_type"])),
                ("service", t(&b["service_name"])),
                ("vpc", t(&b["vpc_id"])),
                ("route_tables", tf.set_of(&b["route_table_ids"])),
                ("subnets", tf.set_of(&b["subnet_ids"])),
                ("security_groups", tf.set_of(&b["security_group_ids"])),
                ("private_dns", or(&b["private_dns_enabled"], "false")),
            ],
        ),
        "aws_flow_log" => add(
            &first,
            vec![
                ("resource", t(&b["vpc_id"])),
                ("traffic_type", t(&b["traffic_type"])),
                ("destination_type", t(&b["log_destination_type"])),
                ("destination", t(&b["log_destination"])),
                ("role", t(&b["iam_role_arn"])),
                ("aggregation_interval", t(&b["max_aggregation_interval"])),
            ],
        ),
        "aws_customer_gateway" => add(
            &first,
            vec![("ip_address", t(&b["ip_address"])), ("bgp_asn", t(&b["bgp_asn"])), ("type", t(&b["type"]))],
        ),
        "aws_vpn_connection" => add(
            &first,
            vec![
                ("type", t(&b["type"])),
                ("static_routes_only", t(&b["static_routes_only"])),
                ("customer_gateway", t(&b["customer_gateway_id"])),
                ("vpn_gateway", t(&b["vpn_gateway_id"])),
            ],
        ),
        "aws_vpn_connection_route" => add(&first, vec![("connection", t(&b["vpn_connection_id"]))]),
        "aws_security_group" => add(
            &first,
            vec![
                ("vpc", t(&b["vpc_id"])),
                ("description", t(&b["description"])),
                // The AWS provider removes the default allow-all egress
                // rule of every group it creates.
                ("default_egress_removed", "true".to_string()),
            ],
        ),
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
            add(&first, vec![("described", (!scalar(&b["description"]).is_empty()).to_string())]);
        }
        "aws_lb" => {
            let logs = &b["access_logs"][0];
            let access_logs = if logs["enabled"] == json!(true) { t(&logs["bucket"]) } else { "off".into() };
            add(
                &first,
                vec![
                    ("type", t(&b["load_balancer_type"])),
                    ("internet_facing", (b["internal"] == json!(false)).to_string()),
                    ("subnets", tf.set_of(&b["subnets"])),
                    ("security_groups", tf.set_of(&b["security_groups"])),
                    ("idle_timeout", t(&b["idle_timeout"])),
                    ("drop_invalid_header_fields", t(&b["drop_invalid_header_fields"])),
                    ("desync_mitigation_mode", t(&b["desync_mitigation_mode"])),
                    ("deletion_protection", t(&b["enable_deletion_protection"])),
                    ("access_logs", access_logs),
                ],
            );
        }
        "aws_lb_listener" => {
            let action = &b["default_action"][0];
            let action = match action["type"].as_str() {
                Some("forward") => format!("forward to {}", t(&action["target_group_arn"])),
                Some("redirect") => {
                    let r = &action["redirect"][0];
                    format!("redirect to {}:{} {}", t(&r["protocol"]), t(&r["port"]), t(&r["status_code"]))
                }
                Some("fixed-response") => {
                    let f = &action["fixed_response"][0];
                    format!("fixed {} {}", t(&f["status_code"]), t(&f["message_body"]))
                }
                other => format!("{other:?}"),
            };
            add(
                &first,
                vec![
                    ("protocol", t(&b["protocol"])),
                    ("ssl_policy", or(&b["ssl_policy"], "none")),
                    ("certificate", or(&b["certificate_arn"], "none")),
                    ("default_action", action),
                ],
            );
        }
        "aws_lb_target_group" => {
            let h = &b["health_check"][0];
            add(
                &first,
                vec![
                    ("vpc", t(&b["vpc_id"])),
                    ("target_type", t(&b["target_type"])),
                    ("protocol", t(&b["protocol"])),
                    ("port", t(&b["port"])),
                    ("health_check_path", t(&h["path"])),
                    ("health_check_protocol", t(&h["protocol"])),
                    ("health_check_matcher", t(&h["matcher"])),
                    ("health_check_interval", t(&h["interval"])),
                    ("health_check_timeout", t(&h["timeout"])),
                    ("healthy_threshold", t(&h["healthy_threshold"])),
                    ("unhealthy_threshold", t(&h["unhealthy_threshold"])),
                    ("deregistration_delay", or(&b["deregistration_delay"], "unset")),
                ],
            );
        }
        "aws_wafv2_web_acl" => {
            let first_key = |v: &Value| v[0].as_object().and_then(|o| o.keys().next().cloned()).unwrap_or_default();
            let mut rules: Vec<(i64, String)> = Vec::new();
            for rule in b["rule"].as_array().into_iter().flatten() {
                let priority = rule["priority"].as_i64().unwrap_or(-1);
                let statement = &rule["statement"][0];
                let what = if let Some(rate) = statement["rate_based_statement"].get(0) {
                    format!(
                        "rate limit {} per {} ({})",
                        t(&rate["limit"]),
                        t(&rate["aggregate_key_type"]),
                        first_key(&rule["action"])
                    )
                } else {
                    let group = &statement["managed_rule_group_statement"][0];
                    let overrides: Vec<String> = group["rule_action_override"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|o| format!("{}={}", scalar(&o["name"]), first_key(&o["action_to_use"])))
                        .collect();
                    format!(
                        "managed {}/{} override {} counting {}",
                        t(&group["vendor_name"]),
                        t(&group["name"]),
                        first_key(&rule["override_action"]),
                        seq(overrides)
                    )
                };
                let metric = t(&rule["visibility_config"][0]["metric_name"]);
                rules.push((priority, format!("{priority} {}: {what}; metric {metric}", scalar(&rule["name"]))));
            }
            rules.sort();
            add(
                &first,
                vec![
                    ("scope", t(&b["scope"])),
                    ("default_action", first_key(&b["default_action"])),
                    ("rules", seq(rules.into_iter().map(|(_, r)| r))),
                    ("metric", t(&b["visibility_config"][0]["metric_name"])),
                ],
            );
        }
        "aws_wafv2_web_acl_association" => {
            add(&first, vec![("resource", t(&b["resource_arn"])), ("web_acl", t(&b["web_acl_arn"]))]);
        }
        "aws_wafv2_web_acl_logging_configuration" => add(
            &first,
            vec![("web_acl", t(&b["resource_arn"])), ("destinations", tf.set_of(&b["log_destination_configs"]))],
        ),
        "aws_shield_protection" => add(&first, vec![("resource", t(&b["resource_arn"]))]),
        "aws_launch_template" => {
            let m = &b["metadata_options"][0];
            let device = &b["block_device_mappings"][0];
            let ebs = &device["ebs"][0];
            add(
                &first,
                vec![
                    ("image", t(&b["image_id"])),
                    ("instance_type", t(&b["instance_type"])),
                    ("instance_profile", t(&b["iam_instance_profile"][0]["arn"])),
                    ("security_groups", tf.set_of(&b["vpc_security_group_ids"])),
                    ("http_endpoint", t(&m["http_endpoint"])),
                    ("http_tokens", t(&m["http_tokens"])),
                    ("http_put_response_hop_limit", t(&m["http_put_response_hop_limit"])),
                    ("monitoring", t(&b["monitoring"][0]["enabled"])),
                    ("root_device", t(&device["device_name"])),
                    ("root_volume_size", t(&ebs["volume_size"])),
                    ("root_volume_type", t(&ebs["volume_type"])),
                    ("root_volume_encrypted", t(&ebs["encrypted"])),
                    ("root_volume_delete_on_termination", t(&ebs["delete_on_termination"])),
                    ("key_pair", or(&b["key_name"], "none")),
                ],
            );
        }
        "aws_autoscaling_group" => add(
            &first,
            vec![
                ("min", t(&b["min_size"])),
                ("max", t(&b["max_size"])),
                ("subnets", tf.set_of(&b["vpc_zone_identifier"])),
                ("launch_template", t(&b["launch_template"][0]["id"])),
                ("health_check_type", t(&b["health_check_type"])),
                ("health_check_grace", t(&b["health_check_grace_period"])),
                ("target_groups", tf.set_of(&b["target_group_arns"])),
            ],
        ),
        "aws_autoscaling_policy" => {
            let c = &b["target_tracking_configuration"][0];
            add(
                &first,
                vec![
                    ("group", t(&b["autoscaling_group_name"])),
                    ("type", t(&b["policy_type"])),
                    ("metric", t(&c["predefined_metric_specification"][0]["predefined_metric_type"])),
                    ("target", t(&c["target_value"])),
                ],
            );
        }
        "aws_iam_role" => {
            // The trust policy's service principals.
            let reference = b["assume_role_policy"].get("$ref").and_then(Value::as_str).unwrap_or_default();
            let (document, _) = Tf::split_ref(reference);
            let services = tf
                .config
                .data
                .get(&document)
                .map(|d| d.body["statement"].clone())
                .unwrap_or_default()
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|s| s["principals"].as_array().cloned().unwrap_or_default())
                .flat_map(|p| p["identifiers"].as_array().cloned().unwrap_or_default())
                .map(|id| scalar(&id))
                .collect::<Vec<_>>();
            add(&first, vec![("trusted_service", set(services))]);
        }
        "aws_iam_role_policy_attachment" => add(&first, Vec::new()),
        "aws_iam_role_policy" => add(&first, vec![("statements", tf.statements(&b["policy"], true))]),
        "aws_iam_instance_profile" => add(&first, vec![("roles", set([t(&b["role"])]))]),
        "aws_db_subnet_group" => add(&first, vec![("subnets", tf.set_of(&b["subnet_ids"]))]),
        "aws_db_instance" => add(
            &first,
            vec![
                ("engine", t(&b["engine"])),
                ("engine_version", engine_line(&t(&b["engine"]), &t(&b["engine_version"]))),
                ("class", t(&b["instance_class"])),
                ("storage_gb", t(&b["allocated_storage"])),
                ("storage_type", t(&b["storage_type"])),
                ("storage_encrypted", t(&b["storage_encrypted"])),
                ("multi_az", t(&b["multi_az"])),
                ("db_name", t(&b["db_name"])),
                ("username", t(&b["username"])),
                ("managed_password", t(&b["manage_master_user_password"])),
                ("subnet_group", t(&b["db_subnet_group_name"])),
                ("security_groups", tf.set_of(&b["vpc_security_group_ids"])),
                ("publicly_accessible", t(&b["publicly_accessible"])),
                ("backup_days", t(&b["backup_retention_period"])),
                ("deletion_protection", t(&b["deletion_protection"])),
                ("final_snapshot", (b["skip_final_snapshot"] == json!(false)).to_string()),
                ("retained", tf_retained(block)),
                ("copy_tags_to_snapshot", t(&b["copy_tags_to_snapshot"])),
                ("iam_authentication", t(&b["iam_database_authentication_enabled"])),
                ("log_exports", tf.set_of(&b["enabled_cloudwatch_logs_exports"])),
                ("monitoring_interval", t(&b["monitoring_interval"])),
                ("monitoring_role", t(&b["monitoring_role_arn"])),
                ("performance_insights", t(&b["performance_insights_enabled"])),
                ("performance_insights_days", t(&b["performance_insights_retention_period"])),
                ("performance_insights_key", t(&b["performance_insights_kms_key_id"])),
                ("auto_minor_version_upgrade", t(&b["auto_minor_version_upgrade"])),
                ("parameter_group", or(&b["parameter_group_name"], "default")),
            ],
        ),
        "aws_efs_file_system" => add(
            &first,
            vec![
                ("encrypted", t(&b["encrypted"])),
                ("key", t(&b["kms_key_id"])),
                ("performance_mode", t(&b["performance_mode"])),
                ("throughput_mode", t(&b["throughput_mode"])),
                ("retained", tf_retained(block)),
            ],
        ),
        "aws_efs_backup_policy" => add(&first, vec![("status", t(&b["backup_policy"][0]["status"]))]),
        // A file system policy applies to its file system: CloudFormation
        // leaves `Resource` out, Terraform names the file system.
        "aws_efs_file_system_policy" => add(&first, vec![("statements", tf.statements(&b["policy"], false))]),
        "aws_efs_mount_target" => add(
            &first,
            vec![
                ("file_system", t(&b["file_system_id"])),
                ("subnet", t(&b["subnet_id"])),
                ("security_groups", tf.set_of(&b["security_groups"])),
            ],
        ),
        "aws_elasticache_subnet_group" => add(&first, vec![("subnets", tf.set_of(&b["subnet_ids"]))]),
        "aws_elasticache_replication_group" => {
            let token = b.get("auth_token").map_or("none".to_string(), |v| {
                // The token is the secret's value: name the secret.
                t(v).replace("secret_value ", "secret ")
            });
            add(
                &first,
                vec![
                    ("engine", t(&b["engine"])),
                    ("engine_version", t(&b["engine_version"])),
                    ("node_type", t(&b["node_type"])),
                    ("nodes", t(&b["num_cache_clusters"])),
                    ("zones", tf.set_of(&b["preferred_cache_cluster_azs"])),
                    ("multi_az", t(&b["multi_az_enabled"])),
                    ("automatic_failover", t(&b["automatic_failover_enabled"])),
                    ("at_rest_encryption", t(&b["at_rest_encryption_enabled"])),
                    ("key", t(&b["kms_key_id"])),
                    ("transit_encryption", t(&b["transit_encryption_enabled"])),
                    ("auth_token", token),
                    ("subnet_group", t(&b["subnet_group_name"])),
                    ("security_groups", tf.set_of(&b["security_group_ids"])),
                    ("snapshot_days", t(&b["snapshot_retention_limit"])),
                    ("final_snapshot", b.get("final_snapshot_identifier").is_some().to_string()),
                    ("retained", tf_retained(block)),
                ],
            );
        }
        "aws_elasticache_cluster" => add(
            &first,
            vec![
                ("engine", t(&b["engine"])),
                ("engine_version", t(&b["engine_version"])),
                ("node_type", t(&b["node_type"])),
                ("nodes", t(&b["num_cache_nodes"])),
                ("az_mode", t(&b["az_mode"])),
                ("zones", tf.set_of(&b["preferred_availability_zones"])),
                ("transit_encryption", t(&b["transit_encryption_enabled"])),
                ("subnet_group", t(&b["subnet_group_name"])),
                ("security_groups", tf.set_of(&b["security_group_ids"])),
            ],
        ),
        "aws_secretsmanager_secret" => {
            add(&first, vec![("key", t(&b["kms_key_id"])), ("retained", tf_retained(block))])
        }
        "aws_secretsmanager_secret_version" => {
            let reference = b["secret_string"].get("$ref").and_then(Value::as_str).unwrap_or_default();
            let (generator, _) = Tf::split_ref(reference);
            let generator = tf.config.data.get(&generator).map(|d| d.body.clone()).unwrap_or_default();
            add(
                &first,
                vec![
                    ("secret", t(&b["secret_id"])),
                    ("length", t(&generator["password_length"])),
                    ("exclude_punctuation", t(&generator["exclude_punctuation"])),
                ],
            );
        }
        "aws_s3_bucket" => add(&first, vec![("retained", tf_retained(block))]),
        "aws_s3_bucket_server_side_encryption_configuration" => {
            let rule = &b["rule"][0];
            let default = &rule["apply_server_side_encryption_by_default"][0];
            add(
                &first,
                vec![
                    ("algorithm", t(&default["sse_algorithm"])),
                    ("key", t(&default["kms_master_key_id"])),
                    ("bucket_key", t(&rule["bucket_key_enabled"])),
                ],
            );
        }
        "aws_s3_bucket_public_access_block" => add(
            &first,
            vec![
                ("block_public_acls", t(&b["block_public_acls"])),
                ("block_public_policy", t(&b["block_public_policy"])),
                ("ignore_public_acls", t(&b["ignore_public_acls"])),
                ("restrict_public_buckets", t(&b["restrict_public_buckets"])),
            ],
        ),
        "aws_s3_bucket_ownership_controls" => {
            add(&first, vec![("ownership", t(&b["rule"][0]["object_ownership"]))]);
        }
        "aws_s3_bucket_versioning" => add(&first, vec![("status", t(&b["versioning_configuration"][0]["status"]))]),
        "aws_s3_bucket_lifecycle_configuration" => {
            let rules = b["rule"].as_array().cloned().unwrap_or_default();
            let pick = |f: &dyn Fn(&Value) -> &Value| {
                rules.iter().map(f).find(|v| !v.is_null()).map(&t).unwrap_or_else(|| "none".into())
            };
            add(
                &first,
                vec![
                    ("expiration_days", pick(&|r| &r["expiration"][0]["days"])),
                    ("noncurrent_days", pick(&|r| &r["noncurrent_version_expiration"][0]["noncurrent_days"])),
                    (
                        "abort_upload_days",
                        pick(&|r| &r["abort_incomplete_multipart_upload"][0]["days_after_initiation"]),
                    ),
                ],
            );
        }
        "aws_s3_bucket_logging" => {
            add(&first, vec![("target", t(&b["target_bucket"])), ("prefix", t(&b["target_prefix"]))]);
        }
        "aws_s3_bucket_policy" => {
            add(&first, vec![("bucket", t(&b["bucket"])), ("statements", tf.statements(&b["policy"], true))]);
        }
        "aws_kms_key" => add(
            &first,
            vec![
                ("rotation", t(&b["enable_key_rotation"])),
                ("deletion_window", t(&b["deletion_window_in_days"])),
                ("statements", tf.statements(&b["policy"], true)),
                ("statement_ids", tf.sids(&b["policy"])),
                ("retained", tf_retained(block)),
            ],
        ),
        "aws_cloudwatch_log_group" => {
            let mut settings = vec![("retention_days", t(&b["retention_in_days"])), ("key", t(&b["kms_key_id"]))];
            if !first.starts_with("log_group flow_logs") {
                settings.push(("name", t(&b["name"])));
            }
            add(&first, settings);
        }
        "aws_sns_topic" => add(&first, vec![("key", t(&b["kms_master_key_id"]))]),
        "aws_sns_topic_subscription" => {
            add(&first, vec![("topic", t(&b["topic_arn"])), ("protocol", t(&b["protocol"]))]);
        }
        "aws_cloudwatch_metric_alarm" => {
            let dimensions = b["dimensions"].as_object().into_iter().flatten().map(|(k, v)| format!("{k}={}", t(v)));
            add(
                &first,
                vec![
                    ("namespace", t(&b["namespace"])),
                    ("metric", t(&b["metric_name"])),
                    ("statistic", t(&b["statistic"])),
                    ("period", t(&b["period"])),
                    ("evaluation_periods", t(&b["evaluation_periods"])),
                    ("threshold", t(&b["threshold"])),
                    ("comparison", t(&b["comparison_operator"])),
                    ("treat_missing_data", t(&b["treat_missing_data"])),
                    ("dimensions", set(dimensions)),
                    ("alarm_actions", tf.set_of(&b["alarm_actions"])),
                    ("ok_actions", tf.set_of(&b["ok_actions"])),
                ],
            );
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Outputs

/// The template's outputs, by name, as text.
fn cloudformation_outputs(body: &Value, origins: &BTreeMap<String, Origin>, names: &Names) -> BTreeMap<String, String> {
    let cfn = Cfn::new(body, origins, names);
    body.get("Outputs")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, output)| (name.clone(), cfn.text(&output["Value"])))
        .collect()
}

/// The configuration's outputs, under their CloudFormation names
/// (`moodle_db_endpoint` → `MoodleDbEndpoint`), as text.
fn terraform_outputs(config: &TfConfig, names: &Names) -> BTreeMap<String, String> {
    let tf = Tf::new(config, names);
    config.outputs.iter().map(|(name, value)| (pascal_case(name), tf.text(value))).collect()
}

// ---------------------------------------------------------------------------
// Comparison

/// What differs between the two sides.
#[derive(Debug, Default)]
struct Report {
    only_cfn: Vec<String>,
    only_tf: Vec<String>,
    settings: Vec<String>,
    pairs: Vec<String>,
    problems: Vec<String>,
    outputs: Vec<String>,
}

impl Report {
    fn is_empty(&self) -> bool {
        self.only_cfn.is_empty()
            && self.only_tf.is_empty()
            && self.settings.is_empty()
            && self.pairs.is_empty()
            && self.problems.is_empty()
            && self.outputs.is_empty()
    }

    /// Everything, one finding a line.
    fn text(&self) -> String {
        let mut out = String::new();
        let mut section = |title: &str, lines: &[String]| {
            if !lines.is_empty() {
                let _ = writeln!(out, "  {title} ({}):", lines.len());
                for line in lines {
                    let _ = writeln!(out, "    {line}");
                }
            }
        };
        section("only in CloudFormation", &self.only_cfn);
        section("only in Terraform", &self.only_tf);
        section("different settings", &self.settings);
        section("resource types the mapping table does not pair", &self.pairs);
        section("outputs", &self.outputs);
        section("resources that could not be read", &self.problems);
        out
    }
}

fn sources_text(component: &Component) -> String {
    component.sources.iter().map(|(ty, id)| format!("{id} ({ty})")).collect::<Vec<_>>().join(", ")
}

/// Compare the two sides component by component.
fn compare(cfn: &Side, tf: &Side) -> Report {
    let mut report = Report::default();
    report.problems.extend(cfn.problems.iter().map(|p| format!("CloudFormation: {p}")));
    report.problems.extend(tf.problems.iter().map(|p| format!("Terraform: {p}")));
    for (identity, component) in &cfn.components {
        let Some(other) = tf.components.get(identity) else {
            report.only_cfn.push(format!("{identity:<50} ← {}", sources_text(component)));
            continue;
        };
        for (cfn_ty, _) in &component.sources {
            if !other.sources.iter().any(|(tf_ty, _)| allowed(cfn_ty, tf_ty)) {
                report.pairs.push(format!("{identity}: {} ↔ {}", sources_text(component), sources_text(other)));
            }
        }
        let keys: BTreeSet<&String> = component.settings.keys().chain(other.settings.keys()).collect();
        let mut lines = Vec::new();
        for key in keys {
            let a = component.settings.get(key).map_or("(not set)", String::as_str);
            let b = other.settings.get(key).map_or("(not set)", String::as_str);
            if a != b {
                lines.push(format!("{key}:\n          CloudFormation {a}\n          Terraform      {b}"));
            }
        }
        if !lines.is_empty() {
            report.settings.push(format!(
                "{identity}  ({} ↔ {})\n        {}",
                sources_text(component),
                sources_text(other),
                lines.join("\n        ")
            ));
        }
    }
    for (identity, component) in &tf.components {
        if !cfn.components.contains_key(identity) {
            report.only_tf.push(format!("{identity:<50} ← {}", sources_text(component)));
        }
    }
    report
}

fn compare_outputs(cfn: &BTreeMap<String, String>, tf: &BTreeMap<String, String>, report: &mut Report) {
    let names: BTreeSet<&String> = cfn.keys().chain(tf.keys()).collect();
    for name in names {
        match (cfn.get(name), tf.get(name)) {
            (Some(a), Some(b)) if a == b => {}
            (a, b) => report.outputs.push(format!(
                "{name}: CloudFormation {}, Terraform {}",
                a.map_or("(none)", String::as_str),
                b.map_or("(none)", String::as_str)
            )),
        }
    }
}

// ---------------------------------------------------------------------------
// The sources

/// Both outputs of a source, built in-process through the backends' APIs.
struct Built {
    names: Names,
    template: cloudformation::Template,
    config: TfConfig,
}

fn build(path: &Path) -> Built {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let compilation = mhac_compiler::compile(&text);
    let model = compilation.checked().unwrap_or_else(|| panic!("{} has errors", path.display()));
    let plan = compilation.plan().expect("a plan");
    let template = cloudformation::template(plan);
    let output = terraform::generate(plan, &Options::default()).expect("the Terraform configuration generates");
    Built { names: Names::new(model), template, config: parse_terraform(&output) }
}

/// Compare a built source.
fn differences(built: &Built) -> (Report, Side, Side) {
    let cfn = cloudformation_side(&built.template.body, &built.template.origins, &built.names);
    let tf = terraform_side(&built.config, &built.names);
    let mut report = compare(&cfn, &tf);
    compare_outputs(
        &cloudformation_outputs(&built.template.body, &built.template.origins, &built.names),
        &terraform_outputs(&built.config, &built.names),
        &mut report,
    );
    (report, cfn, tf)
}

/// The examples, the Terraform backend's variant, and a development
/// deployment that takes both backends down the paths the others do not
/// (no HTTPS, a load balancer without targets, protections and encryption
/// turned off, Valkey and Memcached, fixed scaling).
fn sources() -> Vec<PathBuf> {
    let mut sources = support::examples();
    sources.push(support::root().join("tests/data/terraform-variant.mha"));
    sources.push(support::root().join("tests/data/equivalence-variant.mha"));
    sources
}

#[test]
fn every_example_has_the_same_components_with_the_same_settings() {
    let mut failures = String::new();
    for path in sources() {
        let built = build(&path);
        let (report, cfn, tf) = differences(&built);
        let resources = cfn_resources(&built.template.body).len();
        eprintln!(
            "{}: {} CloudFormation resources, {} Terraform resources ({} data sources); {} components compared",
            support::file_name(&path),
            resources,
            built.config.resources.len(),
            built.config.data.len(),
            cfn.components.len().max(tf.components.len()),
        );
        assert!(cfn.components.len() > 40, "{}: too few components read", path.display());
        if !report.is_empty() {
            let _ = writeln!(
                failures,
                "\n{}: the CloudFormation template and the Terraform configuration differ\n{}",
                support::file_name(&path),
                report.text()
            );
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

/// The comparison reads every resource of both sides: nothing is left out
/// of the components except what the mapping table declares.
#[test]
fn every_resource_describes_a_component() {
    for path in sources() {
        let built = build(&path);
        let (_, cfn, tf) = differences(&built);
        let described: BTreeSet<&String> =
            cfn.components.values().flat_map(|c| c.sources.iter().map(|(_, id)| id)).collect();
        for (id, _) in cfn_resources(&built.template.body) {
            assert!(described.contains(id), "{}: {id} describes no component", path.display());
        }
        let described: BTreeSet<&String> =
            tf.components.values().flat_map(|c| c.sources.iter().map(|(_, id)| id)).collect();
        for (address, block) in &built.config.resources {
            assert!(
                described.contains(address) || tf_without_counterpart(&block.ty),
                "{}: {address} describes no component",
                path.display()
            );
        }
    }
}

#[test]
fn the_mapping_table_is_consistent() {
    let mut seen = BTreeSet::new();
    for mapping in MAPPING {
        if !mapping.cfn.is_empty() {
            assert!(seen.insert(mapping.cfn), "{} is listed twice", mapping.cfn);
            assert!(!mapping.tf.is_empty(), "{} maps to nothing: say why in a row of its own", mapping.cfn);
        } else {
            assert!(mapping.note.starts_with("no counterpart because"), "{:?} needs its reason", mapping.tf);
        }
        if mapping.tf.len() > 1 || mapping.cfn.is_empty() {
            assert!(!mapping.note.is_empty(), "{} needs a note", mapping.cfn);
        }
    }
}

// ---------------------------------------------------------------------------
// The comparison catches differences

fn moodle() -> Built {
    build(&support::root().join("examples/moodle.mha"))
}

fn report_of(built: &Built) -> Report {
    differences(built).0
}

#[test]
fn a_changed_setting_is_reported() {
    let mut built = moodle();
    assert!(report_of(&built).is_empty(), "the example itself is equivalent");
    let db = built.config.resources.get_mut("aws_db_instance.moodle_db").expect("the database");
    db.body["multi_az"] = json!(false);
    let report = report_of(&built);
    assert_eq!(report.settings.len(), 1, "{}", report.text());
    assert!(report.settings[0].starts_with("db_instance moodle_db"), "{}", report.text());
    assert!(report.text().contains("multi_az:"), "{}", report.text());
    assert!(report.text().contains("CloudFormation true") && report.text().contains("Terraform      false"));
}

#[test]
fn a_changed_rule_is_reported_on_both_sides() {
    let mut built = moodle();
    let rule =
        built.config.resources.get_mut("aws_vpc_security_group_ingress_rule.db_tcp_3306_from_web").expect("the rule");
    rule.body["from_port"] = json!(3305);
    let report = report_of(&built);
    assert_eq!(
        report.only_cfn,
        vec![format!(
            "{:<50} ← DbFromWeb3306Ingress (AWS::EC2::SecurityGroupIngress)",
            "ingress db tcp 3306-3306 from sg web"
        )]
    );
    assert_eq!(report.only_tf.len(), 1, "{}", report.text());
    assert!(report.only_tf[0].starts_with("ingress db tcp 3305-3306 from sg web"));
}

#[test]
fn a_missing_resource_is_reported() {
    let mut built = moodle();
    let resources = built.template.body["Resources"].as_object_mut().expect("resources");
    resources.remove("MoodledataBucketPolicy").expect("the bucket policy");
    let report = report_of(&built);
    assert_eq!(report.only_tf.len(), 1, "{}", report.text());
    assert!(report.only_tf[0].starts_with("bucket_policy moodledata"));

    // An inline property of CloudFormation that is a resource in Terraform.
    let mut built = moodle();
    built.config.resources.remove("aws_s3_bucket_public_access_block.moodledata");
    let report = report_of(&built);
    assert!(
        report.only_cfn.iter().any(|l| l.starts_with("bucket_public_access_block moodledata")),
        "{}",
        report.text()
    );
}

#[test]
fn a_changed_waf_rule_order_is_reported() {
    let mut built = moodle();
    let acl = built.config.resources.get_mut("aws_wafv2_web_acl.front").expect("the web ACL");
    let rules = acl.body["rule"].as_array_mut().expect("rules");
    let (a, b) = (rules[1]["priority"].clone(), rules[2]["priority"].clone());
    rules[1]["priority"] = b;
    rules[2]["priority"] = a;
    let report = report_of(&built);
    assert!(report.text().contains("web_acl front") && report.text().contains("rules:"), "{}", report.text());
}

#[test]
fn an_unknown_type_is_reported() {
    let mut built = moodle();
    let mut block = built.config.resources["aws_sns_topic.notify"].clone();
    block.ty = "aws_sqs_queue".to_string();
    built.config.resources.insert("aws_sqs_queue.notify".to_string(), block);
    let report = report_of(&built);
    assert!(
        report.problems.iter().any(|p| p.contains("aws_sqs_queue") && p.contains("not in the mapping table")),
        "{}",
        report.text()
    );

    let mut built = moodle();
    built.template.body["Resources"]["AlarmTopic"]["Type"] = json!("AWS::SQS::Queue");
    let report = report_of(&built);
    assert!(report.problems.iter().any(|p| p.contains("AWS::SQS::Queue")), "{}", report.text());
}

/// A component both sides describe, but with types the table does not
/// pair, is reported.
#[test]
fn a_pair_the_table_does_not_allow_is_reported() {
    let mut cfn = Side::default();
    cfn.add("topic", "AWS::SNS::Topic", "AlarmTopic", vec![("key", "kms_key".to_string())]);
    let mut tf = Side::default();
    tf.add("topic", "aws_kms_key", "aws_kms_key.notify", vec![("key", "kms_key".to_string())]);
    let report = compare(&cfn, &tf);
    assert_eq!(report.pairs.len(), 1, "{}", report.text());
    assert!(report.pairs[0].contains("AlarmTopic (AWS::SNS::Topic) ↔ aws_kms_key.notify (aws_kms_key)"));
    tf.components.get_mut("topic").expect("the topic").sources[0].0 = "aws_sns_topic".to_string();
    assert!(compare(&cfn, &tf).is_empty());
}

#[test]
fn a_changed_output_is_reported() {
    let mut built = moodle();
    built.config.outputs.remove("alarm_topic_arn");
    let report = report_of(&built);
    assert_eq!(report.outputs.len(), 1, "{}", report.text());
    assert!(report.outputs[0].starts_with("AlarmTopicArn"));
}

/// The settings are read, not merely equal: on both sides, the settings that
/// matter have the values examples/moodle.mha asks for (a setting neither
/// side's reader finds would compare equal as unset on both).
#[test]
fn the_settings_that_matter_are_read_on_both_sides() {
    let built = moodle();
    let (report, cfn, tf) = differences(&built);
    assert!(report.is_empty(), "{}", report.text());
    let expected: &[(&str, &str, &str)] = &[
        ("vpc", "cidr", "10.0.0.0/16"),
        ("subnet app/b", "cidr", "10.0.11.0/24"),
        ("subnet app/b", "zone", "us-east-1b"),
        ("route app/b 0.0.0.0/0", "target", "nat_gateway b"),
        ("route public/a 0.0.0.0/0", "target", "internet_gateway"),
        ("route_propagation data/a", "gateway", "vpn_gateway"),
        ("nat_gateway a", "subnet", "subnet public/a"),
        ("vpn_route corporate 192.168.0.0/16", "connection", "vpn_connection corporate"),
        ("customer_gateway corporate", "ip_address", "203.0.113.10"),
        ("ingress db tcp 3306-3306 from sg web", "described", "true"),
        ("ingress alb tcp 443-443 from cidr 0.0.0.0/0", "described", "true"),
        ("egress web tcp 443-443 to cidr 0.0.0.0/0", "described", "true"),
        ("security_group db", "default_egress_removed", "true"),
        ("db_instance moodle_db", "storage_encrypted", "true"),
        ("db_instance moodle_db", "multi_az", "true"),
        ("db_instance moodle_db", "deletion_protection", "true"),
        ("db_instance moodle_db", "backup_days", "7"),
        ("db_instance moodle_db", "engine_version", "8.0"),
        ("db_instance moodle_db", "performance_insights_key", "kms_key"),
        ("file_system dataroot", "encrypted", "true"),
        ("file_system dataroot", "key", "kms_key"),
        ("efs_backup_policy dataroot", "status", "ENABLED"),
        ("cache sessions", "at_rest_encryption", "true"),
        ("cache sessions", "transit_encryption", "true"),
        ("cache sessions", "auth_token", "secret auth_token sessions"),
        ("cache sessions", "zones", "[us-east-1a, us-east-1b]"),
        ("bucket_encryption moodledata", "algorithm", "aws:kms"),
        ("bucket_public_access_block moodledata", "restrict_public_buckets", "true"),
        ("bucket_public_access_block moodledata", "block_public_acls", "true"),
        ("bucket_versioning moodledata", "status", "Enabled"),
        ("bucket_logging moodledata", "target", "bucket s3_access_logs"),
        ("launch_template moodle", "http_tokens", "required"),
        ("launch_template moodle", "root_volume_encrypted", "true"),
        ("launch_template moodle", "image", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"),
        ("auto_scaling_group moodle", "min", "2"),
        ("auto_scaling_group moodle", "max", "8"),
        ("auto_scaling_group moodle", "subnets", "[subnet app/a, subnet app/b]"),
        ("scaling_policy moodle", "target", "60"),
        ("listener front 80", "default_action", "redirect to HTTPS:443 HTTP_301"),
        ("listener front 443", "default_action", "forward to target_group front"),
        ("listener front 443", "certificate", "param certificate_arn"),
        ("target_group front", "health_check_path", "/login/index.php"),
        ("load_balancer front", "subnets", "[subnet public/a, subnet public/b]"),
        ("load_balancer front", "drop_invalid_header_fields", "true"),
        ("alarm moodle_db_cpu", "threshold", "80"),
        ("alarm moodle_db_cpu", "evaluation_periods", "10"),
        ("alarm front_unhealthy_hosts", "comparison", "GreaterThanOrEqualToThreshold"),
        ("log_group flow_logs", "retention_days", "30"),
        ("topic", "key", "kms_key"),
    ];
    for (side, components) in [("CloudFormation", &cfn), ("Terraform", &tf)] {
        for (identity, setting, value) in expected {
            let component = components.components.get(*identity).unwrap_or_else(|| panic!("{side}: no {identity}"));
            assert_eq!(
                component.settings.get(*setting).map(String::as_str),
                Some(*value),
                "{side}: {identity} {setting}"
            );
        }
    }
    let rules = &cfn.components["web_acl front"].settings["rules"];
    for (priority, group) in [
        (0, "RateLimitPerAddress: rate limit 2000 per IP (block)"),
        (
            1,
            "AWSManagedRulesCommonRuleSet: managed AWS/AWSManagedRulesCommonRuleSet override none counting [SizeRestrictions_BODY=count]",
        ),
        (5, "AWSManagedRulesAmazonIpReputationList"),
    ] {
        assert!(rules.contains(&format!("{priority} {group}")), "{rules}");
    }
}
