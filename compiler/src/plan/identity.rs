//! Identity: every name a part gets in the outputs, derived from source
//! names only, decided here and nowhere else, and checked for collisions.
//!
//! * A CloudFormation logical ID is the Pascal-case source name of the
//!   component that owns the resource plus a fixed role suffix
//!   (`MoodleDb` + `Instance`), never a position, so adding or removing a
//!   component leaves every other resource as it was.
//! * A Terraform address is a resource type (from [`tf_type`]) and a name:
//!   source names joined with `_` to fixed suffixes, zone suffixes or values
//!   written in the source (a route's CIDR block, an email address).
//! * The blocks a printer adds beside a part's own resource (a gateway's
//!   attachment, a role's trust policy document, a bucket's encryption
//!   configuration) get their names from [`cfn_extras`] and [`tf_extras`],
//!   which the printers call too.
//!
//! Names built from several source names can still meet: a group
//! `bastion` admitting `office_from_vpn` and a group `bastion_from_office`
//! admitting `vpn` both give `BastionFromOfficeFromVpn443Ingress`.
//! [`collisions`] reports every such pair as MHA901, at both source spans,
//! before anything is printed.

use super::{Direction, Identity, Part, PartKind, Plan, RulePeer};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Endpoint, Protocol};
use crate::span::Span;
use ipnet::Ipv4Net;
use std::collections::BTreeMap;

pub use crate::model::pascal_case;

/// The longest logical ID CloudFormation accepts.
pub const MAX_LOGICAL_ID: usize = 255;

/// Both names.
pub fn both(cfn: impl Into<String>, tf: impl Into<String>) -> Identity {
    Identity { cfn: Some(cfn.into()), tf: Some(tf.into()) }
}

/// A part with a logical ID and no single Terraform block of its own.
pub fn cfn_only(cfn: impl Into<String>) -> Identity {
    Identity { cfn: Some(cfn.into()), tf: None }
}

/// A part that is one Terraform block and inlined in CloudFormation.
pub fn tf_only(tf: impl Into<String>) -> Identity {
    Identity { cfn: None, tf: Some(tf.into()) }
}

/// `a_b_c` from parts (empty parts left out).
pub fn address(parts: &[&str]) -> String {
    parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("_")
}

/// A value from the source, as an address part: letters, digits and `_`
/// only (`192.168.0.0/16` → `192_168_0_0_16`, `ops@example.edu` →
/// `ops_example_edu`).
pub fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.starts_with(|c: char| c.is_ascii_digit()) || trimmed.is_empty() {
        format!("n{trimmed}")
    } else {
        trimmed.to_string()
    }
}

/// A CIDR block as an address part.
pub fn cidr_label(cidr: &Ipv4Net) -> String {
    label(&cidr.to_string()).trim_start_matches('n').to_string()
}

/// `a` → `A`: the zone part of a logical ID (`MainAppSubnetA`).
pub fn zone_id(suffix: &str) -> String {
    pascal_case(suffix)
}

/// `ops@example.edu` → `OpsAtExampleDotEdu`: an ID part that keeps every
/// character's meaning, so two addresses never share an ID.
pub fn email_part(email: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in email.chars() {
        let word = match c {
            '@' => "At",
            '.' => "Dot",
            '-' => "Dash",
            '_' => "Underscore",
            '+' => "Plus",
            c if c.is_ascii_alphanumeric() => {
                if upper {
                    out.push(c.to_ascii_uppercase());
                } else {
                    out.push(c);
                }
                upper = false;
                continue;
            }
            _ => "X",
        };
        out.push_str(word);
        upper = true;
    }
    out
}

/// `192.168.0.0/16` → `192168000000` + `16`: fixed-width digits, so two
/// routes never share an ID.
pub fn route_digits(route: &Ipv4Net) -> String {
    let octets = route.addr().octets();
    format!("{:03}{:03}{:03}{:03}{:02}", octets[0], octets[1], octets[2], octets[3], route.prefix_len())
}

/// `3306`, `Udp53`, `8000To8080`: the port part of a rule's logical ID. It
/// always ends with a digit, which keeps rule suffixes apart from every
/// other suffix.
pub fn port_part(protocol: Protocol, from: u16, to: u16) -> String {
    let proto = if protocol == Protocol::Udp { "Udp" } else { "" };
    if from == to { format!("{proto}{from}") } else { format!("{proto}{from}To{to}") }
}

/// `tcp_443`, `tcp_8000_8080`: the port part of a rule's Terraform name.
pub fn ports_label(protocol: Protocol, from: u16, to: u16) -> String {
    if from == to { format!("{}_{from}", protocol.as_str()) } else { format!("{}_{from}_{to}", protocol.as_str()) }
}

/// `ssmmessages` → `SsmMessages`.
pub fn endpoint_id(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::S3 => "S3",
        Endpoint::Ssm => "Ssm",
        Endpoint::SsmMessages => "SsmMessages",
        Endpoint::Ec2Messages => "Ec2Messages",
        Endpoint::Logs => "Logs",
        Endpoint::Monitoring => "Monitoring",
        Endpoint::SecretsManager => "SecretsManager",
        Endpoint::Kms => "Kms",
        Endpoint::EmailSmtp => "EmailSmtp",
    }
}

/// A peer's part of a rule's Terraform name.
pub fn peer_label(peer: &RulePeer) -> String {
    match peer {
        RulePeer::Group { name, .. } => name.clone(),
        RulePeer::Internet => "internet".to_string(),
        RulePeer::Cidr(cidr) => cidr_label(cidr),
        RulePeer::VpnRoute { vpn, route } => address(&[vpn, &cidr_label(route)]),
    }
}

/// The Terraform names of the trust-policy document of a role.
pub fn assume_document(role: &str) -> String {
    address(&[role, "assume"])
}

/// The Terraform name of a flow log's role, log group and policy.
pub fn flow_logs(network: &str) -> String {
    address(&[network, "flow_logs"])
}

/// The Terraform name of the policy document that lets app servers use a
/// bucket, and of each role's policy.
pub fn bucket_objects(bucket: &str, app: Option<&str>) -> String {
    match app {
        Some(app) => address(&[bucket, "objects", app]),
        None => address(&[bucket, "objects"]),
    }
}

/// The Terraform name of a file system's TLS-only policy document.
pub fn file_system_tls(file_system: &str) -> String {
    address(&[file_system, "tls"])
}

/// The Terraform name of the KMS key's policy document.
pub fn key_document(key: &str) -> String {
    address(&[key, "key"])
}

/// The Terraform resource type of a part's own block, when it has one.
pub fn tf_type(kind: &PartKind) -> &'static str {
    match kind {
        PartKind::Key(_) => "aws_kms_key",
        PartKind::Vpc(_) => "aws_vpc",
        PartKind::InternetGateway(_) => "aws_internet_gateway",
        PartKind::Subnet(_) => "aws_subnet",
        PartKind::ElasticIp(_) => "aws_eip",
        PartKind::NatGateway(_) => "aws_nat_gateway",
        PartKind::RouteTable(_) => "aws_route_table",
        PartKind::Route(_) => "aws_route",
        PartKind::RouteAssociation(_) => "aws_route_table_association",
        PartKind::LogGroup(_) => "aws_cloudwatch_log_group",
        PartKind::FlowLog(_) => "aws_flow_log",
        PartKind::EndpointGroup(_) | PartKind::SecurityGroup(_) => "aws_security_group",
        PartKind::Endpoint(_) => "aws_vpc_endpoint",
        PartKind::VpnGateway(_) => "aws_vpn_gateway",
        PartKind::CustomerGateway(_) => "aws_customer_gateway",
        PartKind::VpnConnection(_) => "aws_vpn_connection",
        PartKind::VpnRoute(_) => "aws_vpn_connection_route",
        PartKind::RoutePropagation(_) => "aws_vpn_gateway_route_propagation",
        PartKind::Rule(rule) => match rule.direction {
            Direction::Ingress => "aws_vpc_security_group_ingress_rule",
            Direction::Egress => "aws_vpc_security_group_egress_rule",
        },
        PartKind::Bucket(_) => "aws_s3_bucket",
        PartKind::BucketPolicy(_) => "aws_s3_bucket_policy",
        PartKind::BucketAccess(_) => "aws_iam_role_policy",
        PartKind::LoadBalancer(_) => "aws_lb",
        PartKind::TargetGroup(_) => "aws_lb_target_group",
        PartKind::Listener(_) => "aws_lb_listener",
        PartKind::WebAcl(_) => "aws_wafv2_web_acl",
        PartKind::WebAclAssociation(_) => "aws_wafv2_web_acl_association",
        PartKind::WafLogging(_) => "aws_wafv2_web_acl_logging_configuration",
        PartKind::ShieldProtection(_) => "aws_shield_protection",
        PartKind::ImageParameter(_) => "data.aws_ssm_parameter",
        PartKind::InstanceRole(_) | PartKind::DbMonitoringRole(_) => "aws_iam_role",
        PartKind::InstanceProfile(_) => "aws_iam_instance_profile",
        PartKind::LaunchTemplate(_) => "aws_launch_template",
        PartKind::AutoScalingGroup(_) => "aws_autoscaling_group",
        PartKind::ScalingPolicy(_) => "aws_autoscaling_policy",
        PartKind::DbSubnetGroup(_) => "aws_db_subnet_group",
        PartKind::DbInstance(_) => "aws_db_instance",
        PartKind::FileSystem(_) => "aws_efs_file_system",
        PartKind::MountTarget(_) => "aws_efs_mount_target",
        PartKind::CacheSubnetGroup(_) => "aws_elasticache_subnet_group",
        PartKind::AuthToken(_) => "aws_secretsmanager_secret",
        PartKind::Cache(cache) => match cache.engine {
            super::CacheEngineKind::Memcached => "aws_elasticache_cluster",
            super::CacheEngineKind::Replicated { .. } => "aws_elasticache_replication_group",
        },
        PartKind::Topic(_) => "aws_sns_topic",
        PartKind::Subscription(_) => "aws_sns_topic_subscription",
        PartKind::Alarm(_) => "aws_cloudwatch_metric_alarm",
        PartKind::SiteSecret(_) => "aws_secretsmanager_secret",
        PartKind::SiteAccess(_) => "aws_iam_role_policy",
        PartKind::ListenerRule(_) => "aws_lb_listener_rule",
        PartKind::SitePiece(_) => "aws_ssm_parameter",
        PartKind::Certificate(_) => "aws_acm_certificate",
        PartKind::HostedZoneLookup(_) => "data.aws_route53_zone",
        PartKind::DnsRecord(_) => "aws_route53_record",
        PartKind::MailIdentity(_) => "aws_sesv2_email_identity",
        PartKind::SmtpUser(_) => "aws_iam_user",
        PartKind::MailEvents(_) => "aws_sesv2_configuration_set",
    }
}

/// The logical ID of a gateway's attachment to the VPC.
pub fn cfn_attachment(gateway: &str) -> String {
    format!("{gateway}Attachment")
}

/// The logical ID of the role a flow log writes through.
pub fn cfn_flow_log_role(flow_log: &str) -> String {
    format!("{flow_log}Role")
}

/// The logical IDs of the CloudFormation-only resources a part brings
/// (a gateway's attachment, the flow log's role).
pub fn cfn_extras(part: &Part) -> Vec<String> {
    let own = part.ident.cfn();
    match &part.kind {
        PartKind::InternetGateway(_) | PartKind::VpnGateway(_) => vec![cfn_attachment(own)],
        PartKind::FlowLog(_) => vec![cfn_flow_log_role(own)],
        PartKind::SmtpUser(_) => vec![cfn_access_key(own)],
        PartKind::MailEvents(_) => vec![cfn_event_destination(own), cfn_topic_policy(own)],
        _ => Vec::new(),
    }
}

/// The logical ID of a configuration set's event destination.
pub fn cfn_event_destination(events: &str) -> String {
    format!("{events}Destination")
}

/// The logical ID of the topic policy that lets SES publish mail events.
pub fn cfn_topic_policy(events: &str) -> String {
    format!("{events}TopicPolicy")
}

/// The logical ID of an IAM user's access key.
pub fn cfn_access_key(user: &str) -> String {
    format!("{user}Key")
}

/// The Terraform name of a certificate's validation records (one block,
/// `for_each` over the certificate's validation options).
pub fn certificate_validation(certificate: &str) -> String {
    format!("{certificate}_certificate_validation")
}

/// The subnets' Terraform names of a route table part (Terraform has a
/// table per subnet).
pub fn table_subnets(plan: &Plan, table: super::PartId) -> Vec<String> {
    match &plan.part(table).kind {
        PartKind::RouteTable(table) => {
            table.subnets.iter().map(|subnet| plan.part(*subnet).ident.tf().to_string()).collect()
        }
        _ => Vec::new(),
    }
}

/// The Terraform blocks a part brings besides its own (type, name): trust
/// policy documents, S3 sub-resources, per-subnet route tables, ...
pub fn tf_extras(plan: &Plan, part: &Part) -> Vec<(&'static str, String)> {
    let own = part.ident.tf();
    let document = "data.aws_iam_policy_document";
    match &part.kind {
        PartKind::Vpc(_) => vec![("aws_default_security_group", own.to_string())],
        PartKind::FlowLog(flow) => {
            let name = flow_logs(&flow.network);
            vec![
                (document, assume_document(&name)),
                ("aws_iam_role", name.clone()),
                (document, name.clone()),
                ("aws_iam_role_policy", name),
            ]
        }
        PartKind::InstanceRole(role) => {
            let mut out = vec![(document, assume_document(own))];
            if role.session_manager {
                out.push(("aws_iam_role_policy_attachment", address(&[&role.app, "ssm"])));
            }
            out.push(("aws_iam_role_policy_attachment", address(&[&role.app, "cloudwatch_agent"])));
            out
        }
        PartKind::DbMonitoringRole(_) => {
            vec![(document, assume_document(own)), ("aws_iam_role_policy_attachment", own.to_string())]
        }
        PartKind::Bucket(bucket) => {
            let mut out = vec![
                ("aws_s3_bucket_server_side_encryption_configuration", own.to_string()),
                ("aws_s3_bucket_public_access_block", own.to_string()),
                ("aws_s3_bucket_ownership_controls", own.to_string()),
                ("aws_s3_bucket_lifecycle_configuration", own.to_string()),
            ];
            if bucket.versioning {
                out.push(("aws_s3_bucket_versioning", own.to_string()));
            }
            if bucket.logging.is_some() {
                out.push(("aws_s3_bucket_logging", own.to_string()));
            }
            out
        }
        PartKind::BucketPolicy(policy) => vec![(document, plan.part(policy.bucket).ident.tf().to_string())],
        PartKind::BucketAccess(access) => {
            let mut out = vec![(document, bucket_objects(&access.name, None))];
            out.extend(
                access.roles.iter().map(|(_, app)| ("aws_iam_role_policy", bucket_objects(&access.name, Some(app)))),
            );
            out
        }
        PartKind::FileSystem(fs) => vec![
            ("aws_efs_backup_policy", own.to_string()),
            (document, file_system_tls(&fs.name)),
            ("aws_efs_file_system_policy", own.to_string()),
        ],
        PartKind::SiteSecret(secret) if matches!(secret.usage, super::SiteSecretUse::SmtpCredentials { .. }) => {
            vec![("aws_secretsmanager_secret_version", own.to_string())]
        }
        PartKind::AuthToken(_) | PartKind::SiteSecret(_) => vec![
            ("data.aws_secretsmanager_random_password", own.to_string()),
            ("aws_secretsmanager_secret_version", own.to_string()),
        ],
        PartKind::SmtpUser(_) => {
            vec![("aws_iam_user_policy", own.to_string()), ("aws_iam_access_key", own.to_string())]
        }
        PartKind::MailIdentity(_) => vec![("aws_sesv2_email_identity_mail_from_attributes", own.to_string())],
        PartKind::MailEvents(_) => vec![
            ("aws_sesv2_configuration_set_event_destination", own.to_string()),
            ("aws_sns_topic_policy", own.to_string()),
        ],
        PartKind::Certificate(certificate) => {
            let mut out = vec![("aws_acm_certificate_validation", own.to_string())];
            if certificate.zone.is_some() {
                out.push(("aws_route53_record", certificate_validation(own)));
            }
            out
        }
        PartKind::SiteAccess(_) => vec![(document, own.to_string())],
        PartKind::Key(_) => vec![(document, key_document(own))],
        PartKind::RouteTable(table) => {
            table.subnets.iter().map(|subnet| ("aws_route_table", plan.part(*subnet).ident.tf().to_string())).collect()
        }
        PartKind::Route(route) => {
            table_subnets(plan, route.table).into_iter().map(|subnet| ("aws_route", subnet)).collect()
        }
        PartKind::RoutePropagation(propagation) => propagation
            .route_tables
            .iter()
            .flat_map(|table| table_subnets(plan, *table))
            .map(|subnet| ("aws_vpn_gateway_route_propagation", subnet))
            .collect(),
        _ => Vec::new(),
    }
}

/// What a name was given to: a part, a parameter or an output.
struct Owner<'p> {
    what: String,
    span: Span,
    origin_name: &'p str,
}

/// Every pair of parts (and parameters, and outputs) that would get the
/// same logical ID, Terraform address or output name, as MHA901 at both
/// source spans; and every logical ID longer than CloudFormation accepts.
pub fn collisions(plan: &Plan) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    // CloudFormation: parameters and resources share one namespace.
    let mut cfn: BTreeMap<String, Owner<'_>> = BTreeMap::new();
    let mut tf: BTreeMap<(&'static str, String), Owner<'_>> = BTreeMap::new();
    let mut cfn_outputs: BTreeMap<String, Owner<'_>> = BTreeMap::new();
    let mut tf_outputs: BTreeMap<String, Owner<'_>> = BTreeMap::new();
    for param in &plan.params {
        let owner = Owner { what: format!("parameter `{}`", param.name), span: param.span, origin_name: &param.name };
        claim(&mut diagnostics, "CloudFormation parameter", param.ident.cfn().to_string(), owner, &mut cfn);
    }
    for zone in &plan.deployment.zones {
        let owner = Owner {
            what: format!("zone `{}`", zone.name),
            span: plan.deployment.span,
            origin_name: &plan.deployment.name,
        };
        claim(&mut diagnostics, "CloudFormation parameter", zone.parameter.clone(), owner, &mut cfn);
    }
    let mut long = Vec::new();
    for part in &plan.parts {
        let describe = || what(part);
        let mut ids: Vec<String> = part.ident.cfn.iter().cloned().collect();
        ids.extend(cfn_extras(part));
        for id in ids {
            if id.len() > MAX_LOGICAL_ID {
                long.push((id.clone(), part.origin.span));
            }
            let owner = Owner { what: describe(), span: part.origin.span, origin_name: &part.origin.name };
            claim(&mut diagnostics, "CloudFormation logical ID", id, owner, &mut cfn);
        }
        let mut blocks: Vec<(&'static str, String)> =
            part.ident.tf.iter().map(|name| (tf_type(&part.kind), name.clone())).collect();
        blocks.extend(tf_extras(plan, part));
        for (ty, name) in blocks {
            let owner = Owner { what: describe(), span: part.origin.span, origin_name: &part.origin.name };
            let key = (ty, name);
            if let Some(first) = tf.get(&key) {
                diagnostics.push(collision("Terraform address", &format!("{}.{}", key.0, key.1), first, &owner));
            } else {
                tf.insert(key, owner);
            }
        }
    }
    for output in &plan.outputs {
        let owner = || Owner {
            what: format!("an output of {}", owner_words(output.origin.owner, &output.origin.name)),
            span: output.origin.span,
            origin_name: &output.origin.name,
        };
        claim(&mut diagnostics, "CloudFormation output", output.ident.cfn().to_string(), owner(), &mut cfn_outputs);
        claim(&mut diagnostics, "Terraform output", output.ident.tf().to_string(), owner(), &mut tf_outputs);
    }
    for (id, span) in long {
        diagnostics.push(
            Diagnostic::new(
                Code::IdentityCollision,
                format!(
                    "the logical ID `{}…` is longer than CloudFormation's {MAX_LOGICAL_ID} characters",
                    &id[..40.min(id.len())]
                ),
            )
            .primary(span, format!("this name makes a {}-character logical ID", id.len()))
            .help("shorten the component's name: logical IDs are the Pascal-case source names plus a fixed suffix"),
        );
    }
    diagnostics
}

/// A part in words, for a label: what in the source it comes from.
fn what(part: &Part) -> String {
    match &part.kind {
        PartKind::Subscription(subscription) => format!("notification address `{}`", subscription.email),
        PartKind::Rule(rule) => format!("this rule of security group `{}`", rule.group_name),
        _ => owner_words(part.origin.owner, &part.origin.name),
    }
}

/// `security group `web``, `alarm `front_5xx``, `the monitoring block`.
fn owner_words(owner: super::Owner, name: &str) -> String {
    match owner {
        super::Owner::Component(kind) => format!("{} `{name}`", kind.describe()),
        super::Owner::Alarm => format!("alarm `{name}`"),
        super::Owner::Monitoring => "the monitoring block".to_string(),
    }
}

/// Give `name` to `owner` in a namespace, or report who has it already.
fn claim<'p>(
    diagnostics: &mut Vec<Diagnostic>,
    namespace: &str,
    name: String,
    owner: Owner<'p>,
    seen: &mut BTreeMap<String, Owner<'p>>,
) {
    if let Some(first) = seen.get(&name) {
        diagnostics.push(collision(namespace, &name, first, &owner));
    } else {
        seen.insert(name, owner);
    }
}

fn collision(namespace: &str, name: &str, first: &Owner<'_>, second: &Owner<'_>) -> Diagnostic {
    let same = first.origin_name == second.origin_name;
    let help = if same {
        format!(
            "the names and values written in `{}` give the same identifier twice: rename one of the components involved, or drop the value that repeats another",
            first.origin_name
        )
    } else {
        format!(
            "identifiers are source names joined with fixed suffixes, so `{}` and `{}` meet here; rename one of them (or one of the names they refer to)",
            first.origin_name, second.origin_name
        )
    };
    Diagnostic::new(Code::IdentityCollision, format!("two parts of the deployment would both be {namespace} `{name}`"))
        .primary(second.span, format!("{} gets `{name}`", second.what))
        .secondary(first.span, format!("{} gets it too", first.what))
        .help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_parts() {
        assert_eq!(cidr_label(&"192.168.0.0/16".parse().expect("a CIDR")), "192_168_0_0_16");
        assert_eq!(label("ops@example.edu"), "ops_example_edu");
        assert_eq!(label("tcp 8080"), "tcp_8080");
        assert_eq!(address(&["app", "a"]), "app_a");
        assert_eq!(port_part(Protocol::Tcp, 3306, 3306), "3306");
        assert_eq!(port_part(Protocol::Udp, 53, 53), "Udp53");
        assert_eq!(port_part(Protocol::Tcp, 8000, 8080), "8000To8080");
        assert_eq!(ports_label(Protocol::Tcp, 8000, 8080), "tcp_8000_8080");
    }

    #[test]
    fn email_parts_are_distinct_and_alphanumeric() {
        let a = email_part("ops@example.edu");
        let b = email_part("ops-example@edu");
        assert_eq!(a, "OpsAtExampleDotEdu");
        assert_ne!(a, b);
        assert!(email_part("a+b@c.d").chars().all(|c| c.is_ascii_alphanumeric()));
    }
}

#[cfg(test)]
mod long_names {
    /// A name long enough to make a logical ID over 255 characters is
    /// reported at the component, and nothing is built.
    #[test]
    fn logical_ids_longer_than_cloudformation_accepts_are_errors() {
        let example = include_str!("../../../examples/moodle.mha");
        let long = format!("db_{}", "x".repeat(260));
        let source = example
            .replace("security_group db ", &format!("security_group {long} "))
            .replace("security_group = db\n", &format!("security_group = {long}\n"));
        let compilation = crate::compile(&source);
        assert!(compilation.plan().is_none());
        let long_ids: Vec<_> = compilation
            .diagnostics
            .iter()
            .filter(|d| d.code.as_str() == "MHA901" && d.message.contains("longer than CloudFormation's 255"))
            .collect();
        assert!(
            long_ids.iter().any(|d| source[d.span().start..].starts_with("security_group db_xxx")),
            "{long_ids:#?}"
        );
    }
}
