//! The Terraform backend: a checked model becomes a directory of `.tf` files
//! that `terraform init && terraform plan` accept as they are, describing the
//! same deployment as the CloudFormation backend.
//!
//! The configuration is built as hcl-rs structures (`hcl::Block`,
//! `hcl::Attribute`, `Expression`, `Traversal`, templates), one area of the
//! deployment per module, each area writing to its own file:
//!
//! | module | file | what |
//! | --- | --- | --- |
//! | [`network`] | `network.tf` | VPC, subnets, gateways, routes, endpoints, flow logs, VPN |
//! | [`security`] | `security.tf` | security groups and rules; IAM policy documents |
//! | [`load_balancer`] | `load_balancer.tf` | ALB, listeners, target groups, WAF, Shield, access logs |
//! | [`compute`] | `compute.tf` | launch templates, Auto Scaling groups, instance roles |
//! | [`data`] | `data.tf` | RDS, EFS, ElastiCache, S3 |
//! | [`monitoring`] | `monitoring.tf` | KMS key, log groups, notification topic, alarms |
//! | [`layout`] | `versions.tf`, `providers.tf`, `variables.tf`, `outputs.tf` | and the rendering of every file |
//!
//! [`names`] derives addresses and physical names from source names only;
//! [`format`](mod@format) turns hcl-rs's formatting into `terraform fmt`'s; [`doc`] holds
//! the configuration while it is built.
//!
//! # Equivalence with the CloudFormation backend
//!
//! Both describe the same components with the same settings and the same
//! outputs; `tests/equivalence.rs` proves it on every example, component by
//! component, with a table of which resource types stand for which. The
//! choices both backends must make alike (which deployment-wide resources
//! exist, where interface endpoints go, health checks, lifecycle days, ...)
//! live in [`crate::decisions`]. Where the two languages cut a component
//! differently, Terraform has:
//!
//! * separate resources for what CloudFormation writes as properties:
//!   `aws_s3_bucket_{server_side_encryption_configuration, versioning,
//!   public_access_block, ownership_controls, lifecycle_configuration,
//!   logging}` (of `AWS::S3::Bucket`), `aws_efs_backup_policy` and
//!   `aws_efs_file_system_policy` (of `AWS::EFS::FileSystem`),
//!   `aws_iam_role_policy_attachment` and `aws_iam_role_policy`
//!   (`ManagedPolicyArns` and `Policies` of `AWS::IAM::Role`; one role
//!   policy per role for an `AWS::IAM::Policy` on several roles),
//!   `aws_secretsmanager_secret_version` (the generated value of
//!   `AWS::SecretsManager::Secret`);
//! * one route table per subnet where CloudFormation has one per tier (per
//!   tier and zone for private tiers with a NAT gateway per zone), and so one
//!   route and one VPN route propagation per subnet;
//! * no attachment resources: `aws_internet_gateway` and `aws_vpn_gateway`
//!   attach through `vpc_id` (CloudFormation's `VPCGatewayAttachment`s);
//! * data sources for what CloudFormation inlines or resolves itself:
//!   `aws_iam_policy_document` (policy JSON), `aws_ssm_parameter` (an
//!   SSM-typed parameter), `aws_caller_identity` (`AWS::AccountId`),
//!   `aws_secretsmanager_random_password` (`GenerateSecretString`);
//! * one resource CloudFormation cannot manage: `aws_default_security_group`,
//!   which removes every rule of the VPC's default group.

pub mod compute;
pub mod data;
pub mod doc;
pub mod domain;
pub mod edge;
pub mod format;
pub mod layout;
pub mod monitoring;
pub mod names;
pub mod network;
pub mod security;

use doc::{Area, Doc, Res};
use mhac_compiler::plan::{BucketUse, PartId, PartKind, Plan};
use std::collections::BTreeMap;
use std::fmt;

/// Choices the source does not make.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Keep the state in this S3 bucket (overrides the source's `state`
    /// block's bucket, or adds an S3 backend when the source has none).
    pub state_bucket: Option<String>,
    /// The state's object key (default: the source's, else
    /// `DEPLOYMENT/terraform.tfstate`). Needs a bucket.
    pub state_key: Option<String>,
}

/// The S3 backend the configuration uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateBackend {
    /// Bucket.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// The bucket's region.
    pub region: String,
    /// DynamoDB lock table; `None` means S3 native locking (`use_lockfile`).
    pub lock_table: Option<String>,
}

/// Why no configuration could be generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Two blocks derived from different source names got the same address.
    AddressClash {
        /// The address (`aws_s3_bucket.front_access_logs`).
        address: String,
    },
    /// A state key was given without a bucket to keep the state in.
    StateKeyWithoutBucket,
    /// hcl-rs failed to format a block.
    Format(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AddressClash { address } => write!(
                f,
                "two components would both be `{address}` in Terraform; rename one of them (addresses are a source name plus a fixed suffix)"
            ),
            Error::StateKeyWithoutBucket => {
                write!(f, "a state key needs a bucket: pass --state-bucket or add a `state` block to the source")
            }
            Error::Format(message) => write!(f, "cannot format the Terraform configuration: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// Its name in the output directory (`network.tf`).
    pub name: &'static str,
    /// Its text, in `terraform fmt`'s layout, ending with a newline.
    pub contents: String,
}

/// A generated configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Every file, in a fixed order; the same names on every run.
    pub files: Vec<File>,
    /// Every part → the addresses it is printed as.
    pub printed: BTreeMap<PartId, Vec<String>>,
}

impl Output {
    /// Every file in one text, each after a `# file: NAME` line (what
    /// `mhac build --target terraform` prints without `-o`).
    pub fn to_stream(&self) -> String {
        let mut out = String::new();
        for (index, file) in self.files.iter().enumerate() {
            if index > 0 {
                out.push('\n');
            }
            out.push_str("# file: ");
            out.push_str(file.name);
            out.push('\n');
            out.push_str(&file.contents);
        }
        out
    }
}

/// The names of the files every run writes.
pub fn file_names() -> Vec<&'static str> {
    Area::ALL.iter().map(|area| area.file_name()).collect()
}

/// The S3 backend for a plan and options, if any.
pub fn state_backend(plan: &Plan, options: &Options) -> Result<Option<StateBackend>, Error> {
    let default_key = || format!("{}/terraform.tfstate", plan.deployment.name);
    match (&plan.state, &options.state_bucket) {
        (Some(state), bucket) => Ok(Some(StateBackend {
            bucket: bucket.clone().unwrap_or_else(|| state.bucket.clone()),
            key: options.state_key.clone().unwrap_or_else(|| state.key.clone()),
            region: state.region.clone(),
            lock_table: state.lock_table.clone(),
        })),
        (None, Some(bucket)) => Ok(Some(StateBackend {
            bucket: bucket.clone(),
            key: options.state_key.clone().unwrap_or_else(default_key),
            region: plan.deployment.region.clone(),
            lock_table: None,
        })),
        (None, None) if options.state_key.is_some() => Err(Error::StateKeyWithoutBucket),
        (None, None) => Ok(None),
    }
}

/// Generate the configuration of a plan.
pub fn generate(plan: &Plan, options: &Options) -> Result<Output, Error> {
    let state = state_backend(plan, options)?;
    let doc = build(plan, state.as_ref())?;
    let files = layout::files(&doc).map_err(|error| Error::Format(error.to_string()))?;
    Ok(Output { files, printed: doc.printed().clone() })
}

/// Build every block of the configuration.
pub fn build<'p>(plan: &'p Plan, state: Option<&StateBackend>) -> Result<Doc<'p>, Error> {
    let mut doc = Doc::new(plan);
    layout::versions(&mut doc, state);
    layout::providers(&mut doc);
    layout::variables(&mut doc);
    for (id, part) in plan.iter() {
        print(&mut doc, id, &part.kind);
    }
    // The account the key policy and the log buckets' policies name.
    let account_needed = plan.any(|kind| {
        matches!(kind, PartKind::Key(_))
            || matches!(kind, PartKind::Bucket(bucket) if bucket.usage == BucketUse::AccessLogs)
    });
    if account_needed {
        doc.push(
            Area::Monitoring,
            "data.aws_caller_identity.current".to_string(),
            Res::data("aws_caller_identity", "current").build(),
        );
    }
    layout::outputs(&mut doc);
    match doc.take_error() {
        Some(error) => Err(error),
        None => Ok(doc),
    }
}

/// Print one part. Every kind has its arm; there is no wildcard (the lint
/// below refuses one, so a new kind this printer does not print does not
/// compile).
#[deny(clippy::wildcard_enum_match_arm)]
fn print(doc: &mut Doc<'_>, id: PartId, kind: &PartKind) {
    match kind {
        PartKind::Key(key) => monitoring::key(doc, id, key),
        PartKind::Vpc(vpc) => network::vpc(doc, id, vpc),
        PartKind::InternetGateway(igw) => network::internet_gateway(doc, id, igw),
        PartKind::Subnet(subnet) => network::subnet(doc, id, subnet),
        PartKind::ElasticIp(eip) => network::elastic_ip(doc, id, eip),
        PartKind::NatGateway(nat) => network::nat_gateway(doc, id, nat),
        PartKind::RouteTable(table) => network::route_table(doc, id, table),
        PartKind::Route(route) => network::route(doc, id, route),
        PartKind::RouteAssociation(association) => network::route_association(doc, id, association),
        PartKind::LogGroup(group) => monitoring::log_group(doc, id, group),
        PartKind::FlowLog(flow) => network::flow_log(doc, id, flow),
        PartKind::EndpointGroup(group) => network::endpoint_group(doc, id, group),
        PartKind::Endpoint(endpoint) => network::endpoint(doc, id, endpoint),
        PartKind::VpnGateway(gateway) => network::vpn_gateway(doc, id, gateway),
        PartKind::CustomerGateway(gateway) => network::customer_gateway(doc, id, gateway),
        PartKind::VpnConnection(connection) => network::vpn_connection(doc, id, connection),
        PartKind::VpnRoute(route) => network::vpn_route(doc, id, route),
        PartKind::RoutePropagation(propagation) => network::route_propagation(doc, id, propagation),
        PartKind::SecurityGroup(group) => security::group(doc, id, group),
        PartKind::Rule(rule) => security::rule(doc, id, rule),
        PartKind::Bucket(bucket) => data::bucket(doc, id, bucket),
        PartKind::BucketPolicy(policy) => data::bucket_policy(doc, id, policy),
        PartKind::BucketAccess(access) => data::bucket_access(doc, id, access),
        PartKind::LoadBalancer(lb) => edge::load_balancer(doc, id, lb),
        PartKind::TargetGroup(group) => edge::target_group(doc, id, group),
        PartKind::Listener(listener) => edge::listener(doc, id, listener),
        PartKind::WebAcl(acl) => edge::web_acl(doc, id, acl),
        PartKind::WebAclAssociation(association) => edge::web_acl_association(doc, id, association),
        PartKind::WafLogging(logging) => edge::waf_logging(doc, id, logging),
        PartKind::ShieldProtection(shield) => edge::shield_protection(doc, id, shield),
        PartKind::ImageParameter(image) => compute::image_parameter(doc, id, image),
        PartKind::InstanceRole(role) => compute::instance_role(doc, id, role),
        PartKind::InstanceProfile(profile) => compute::instance_profile(doc, id, profile),
        PartKind::LaunchTemplate(template) => compute::launch_template(doc, id, template),
        PartKind::AutoScalingGroup(group) => compute::auto_scaling_group(doc, id, group),
        PartKind::ScalingPolicy(policy) => compute::scaling_policy(doc, id, policy),
        PartKind::DbSubnetGroup(group) => data::db_subnet_group(doc, id, group),
        PartKind::DbMonitoringRole(role) => data::db_monitoring_role(doc, id, role),
        PartKind::DbInstance(db) => data::db_instance(doc, id, db),
        PartKind::FileSystem(fs) => data::file_system(doc, id, fs),
        PartKind::MountTarget(target) => data::mount_target(doc, id, target),
        PartKind::CacheSubnetGroup(group) => data::cache_subnet_group(doc, id, group),
        PartKind::AuthToken(token) => data::auth_token(doc, id, token),
        PartKind::Cache(cache) => data::cache(doc, id, cache),
        PartKind::Topic(topic) => monitoring::topic(doc, id, topic),
        PartKind::Subscription(subscription) => monitoring::subscription(doc, id, subscription),
        PartKind::Alarm(alarm) => monitoring::alarm(doc, id, alarm),
        PartKind::SiteSecret(secret) => data::site_secret(doc, id, secret),
        PartKind::SiteAccess(access) => compute::site_access(doc, id, access),
        PartKind::ListenerRule(rule) => edge::listener_rule(doc, id, rule),
        PartKind::SitePiece(piece) => compute::site_piece(doc, id, piece),
        PartKind::Certificate(certificate) => domain::certificate(doc, id, certificate),
        PartKind::HostedZoneLookup(lookup) => domain::hosted_zone_lookup(doc, id, lookup),
        PartKind::DnsRecord(record) => domain::dns_record(doc, id, record),
        PartKind::MailIdentity(identity) => domain::mail_identity(doc, id, identity),
        PartKind::SmtpUser(user) => domain::smtp_user(doc, id, user),
        PartKind::MailEvents(events) => domain::mail_events(doc, id, events),
    }
}
