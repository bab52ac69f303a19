//! The deployment plan: what gets built, computed once from a
//! [`CheckedModel`](crate::model::CheckedModel), for every printer.
//!
//! A [`Plan`] is a list of typed [`Part`]s (a VPC, a subnet, an ingress
//! rule, a DB instance with its engine, version, storage, Multi-AZ and
//! backups, ...). Each part carries its [`Identity`] (the CloudFormation
//! logical ID and the Terraform address it gets, decided in
//! [`identity`] from source names only) and the source [`Origin`] it comes
//! from. Parts refer to each other by [`PartId`].
//!
//! Every choice both printers must make alike is made here, once
//! ([`decisions`]): which deployment-wide resources exist, where endpoints
//! go, which route a table gets, health checks, lifecycle days. The
//! CloudFormation and Terraform printers (`mhac-backends`) turn parts into
//! resources with one exhaustive match each; they never read the model.
//! What only one language needs stays in its printer (Terraform's S3
//! sub-resources and per-subnet route tables, CloudFormation's gateway
//! attachments and inline CIDR rules).
//!
//! Identity collisions (two parts that would get the same logical ID or
//! Terraform address) are reported as MHA901 at both source spans by
//! [`identity::collisions`], which `compile` runs: no printer ever sees a
//! plan whose names collide.

pub mod build;
pub mod decisions;
pub mod identity;
pub mod site;

use crate::ast::Comparator;
use crate::model::{Endpoint as EndpointService, Engine, ParamType, Protocol, RemoteState, Throughput};
use crate::span::Span;
use crate::symbols::SymbolKind;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

pub use build::plan;

/// The deployment plan of a checked model.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Deployment-wide facts.
    pub deployment: Deployment,
    /// Every `param`, in source order.
    pub params: Vec<Param>,
    /// Every part, in the order printers emit them.
    pub parts: Vec<Part>,
    /// What the deployment exposes.
    pub outputs: Vec<Output>,
    /// Where Terraform keeps its state, when the source says.
    pub state: Option<RemoteState>,
    /// The Moodle site the app servers run, when the source has one.
    pub site: Option<site::SitePlan>,
}

impl Plan {
    /// A part by id.
    pub fn part(&self, id: PartId) -> &Part {
        &self.parts[id.0]
    }

    /// Every part with its id.
    pub fn iter(&self) -> impl Iterator<Item = (PartId, &Part)> {
        self.parts.iter().enumerate().map(|(index, part)| (PartId(index), part))
    }

    /// Whether any part matches.
    pub fn any(&self, predicate: impl Fn(&PartKind) -> bool) -> bool {
        self.parts.iter().any(|part| predicate(&part.kind))
    }
}

/// The index of a part in [`Plan::parts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartId(pub usize);

/// Deployment-wide facts.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// `moodle-prod`.
    pub name: String,
    /// `us-east-1`.
    pub region: String,
    /// The AWS partition of the region (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: &'static str,
    /// The zones, in source order.
    pub zones: Vec<Zone>,
    /// The Moodle release.
    pub moodle: String,
    /// Whether this is a production deployment.
    pub prod: bool,
    /// Tags for every resource.
    pub tags: Vec<(String, String)>,
    /// The `deployment` block.
    pub span: Span,
}

/// An availability zone.
#[derive(Clone, Debug)]
pub struct Zone {
    /// `us-east-1a`.
    pub name: String,
    /// `a`.
    pub suffix: String,
    /// The CloudFormation parameter naming it (`AvailabilityZoneA`).
    pub parameter: String,
}

/// A `param`.
#[derive(Clone, Debug)]
pub struct Param {
    /// Its names in the outputs.
    pub ident: Identity,
    /// The name as written.
    pub name: String,
    /// Its type.
    pub ty: ParamType,
    /// The default, as text.
    pub default: Option<String>,
    /// What it is used for.
    pub description: String,
    /// Whether it names an app server image (CloudFormation types it so).
    pub image: bool,
    /// The form its value must have, when its use fixes one: checked where
    /// the value is supplied (an `AllowedPattern`, a Terraform validation,
    /// `mhac plan` and `apply`), before anything is created.
    pub shape: Option<ParamShape>,
    /// The declaration.
    pub span: Span,
}

/// A form a parameter's value must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamShape {
    /// A SHA-256: 64 hexadecimal digits (the site's `code_sha256`).
    Sha256,
}

impl ParamShape {
    /// A regular expression of the form (CloudFormation's `AllowedPattern`,
    /// Terraform's `regex`).
    pub fn pattern(self) -> &'static str {
        match self {
            ParamShape::Sha256 => "^[0-9A-Fa-f]{64}$",
        }
    }

    /// The form, in words.
    pub fn describe(self) -> &'static str {
        match self {
            ParamShape::Sha256 => "64 hexadecimal digits (a SHA-256)",
        }
    }

    /// Whether a value has the form.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            ParamShape::Sha256 => value.len() == 64 && value.chars().all(|c| c.is_ascii_hexdigit()),
        }
    }
}

/// Text written in the source, or supplied by a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    /// Written in the source.
    Literal(String),
    /// An index into [`Plan::params`].
    Param(usize),
}

/// A part's names in each output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// The CloudFormation logical ID, when the part is a resource there.
    pub cfn: Option<String>,
    /// The Terraform name (the second label of its block), when the part is
    /// one block there.
    pub tf: Option<String>,
}

impl Identity {
    /// The logical ID (empty for a part CloudFormation has no resource for).
    pub fn cfn(&self) -> &str {
        self.cfn.as_deref().unwrap_or_default()
    }

    /// The Terraform name (empty for a part Terraform cuts differently).
    pub fn tf(&self) -> &str {
        self.tf.as_deref().unwrap_or_default()
    }
}

/// What in the source a part comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The kind of source block.
    pub owner: Owner,
    /// The component's name (the alarm's name for an alarm; the
    /// deployment's name for deployment-wide parts).
    pub name: String,
    /// Where in the source (the block, or the rule).
    pub span: Span,
}

/// The kind of source block a part comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    /// A named component (network, security group, database, ...).
    Component(SymbolKind),
    /// An `alarm` rule.
    Alarm,
    /// The `monitoring` block (or the deployment, when it has none).
    Monitoring,
}

impl Owner {
    /// The kind as written in the language (`database`, `security_group`,
    /// `network`, `alarm`, `monitoring`, `deployment`).
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Component(kind) => kind.keyword(),
            Owner::Alarm => "alarm",
            Owner::Monitoring => "monitoring",
        }
    }
}

/// One thing the deployment creates.
#[derive(Clone, Debug)]
pub struct Part {
    /// Its names.
    pub ident: Identity,
    /// Where it comes from.
    pub origin: Origin,
    /// What it is.
    pub kind: PartKind,
}

/// What a part is. Printers match on it exhaustively: a new kind that a
/// printer does not handle does not compile.
#[derive(Clone, Debug)]
pub enum PartKind {
    /// The deployment's KMS key.
    Key(Key),
    /// The VPC.
    Vpc(Vpc),
    /// The internet gateway of the VPC.
    InternetGateway(InternetGateway),
    /// A subnet of a tier in a zone.
    Subnet(Subnet),
    /// The Elastic IP of a NAT gateway.
    ElasticIp(ElasticIp),
    /// A NAT gateway.
    NatGateway(NatGateway),
    /// A route table (of a tier, or of a tier in one zone).
    RouteTable(RouteTable),
    /// A table's default route.
    Route(Route),
    /// A subnet's association with its route table.
    RouteAssociation(RouteAssociation),
    /// A CloudWatch log group.
    LogGroup(LogGroup),
    /// VPC flow logs.
    FlowLog(FlowLog),
    /// The security group of the interface endpoints.
    EndpointGroup(EndpointGroup),
    /// A VPC endpoint.
    Endpoint(Endpoint),
    /// The VPC's virtual private gateway.
    VpnGateway(VpnGateway),
    /// A VPN's customer gateway.
    CustomerGateway(CustomerGateway),
    /// A VPN connection.
    VpnConnection(VpnConnection),
    /// A static route of a VPN connection.
    VpnRoute(VpnRoute),
    /// VPN route propagation into a tier's route tables.
    RoutePropagation(RoutePropagation),
    /// A security group.
    SecurityGroup(SecurityGroup),
    /// A security-group rule.
    Rule(Rule),
    /// An S3 bucket (object storage or a log bucket).
    Bucket(Bucket),
    /// A bucket's policy.
    BucketPolicy(BucketPolicy),
    /// The policy that lets app servers use a bucket.
    BucketAccess(BucketAccess),
    /// An application load balancer.
    LoadBalancer(LoadBalancer),
    /// A target group.
    TargetGroup(TargetGroup),
    /// A listener.
    Listener(Listener),
    /// A WAF web ACL.
    WebAcl(WebAcl),
    /// The association of a web ACL with its load balancer.
    WebAclAssociation(WebAclAssociation),
    /// WAF logging to a log group.
    WafLogging(WafLogging),
    /// Shield Advanced protection.
    ShieldProtection(ShieldProtection),
    /// An app server image resolved from a public SSM parameter.
    ImageParameter(ImageParameter),
    /// The role app server instances run as.
    InstanceRole(InstanceRole),
    /// The instance profile of that role.
    InstanceProfile(InstanceProfile),
    /// A launch template.
    LaunchTemplate(LaunchTemplate),
    /// An Auto Scaling group.
    AutoScalingGroup(AutoScalingGroup),
    /// CPU target tracking.
    ScalingPolicy(ScalingPolicy),
    /// A database's subnet group.
    DbSubnetGroup(DbSubnetGroup),
    /// The role RDS enhanced monitoring uses.
    DbMonitoringRole(DbMonitoringRole),
    /// An RDS instance.
    DbInstance(DbInstance),
    /// An EFS file system.
    FileSystem(FileSystem),
    /// An EFS mount target.
    MountTarget(MountTarget),
    /// A cache's subnet group.
    CacheSubnetGroup(CacheSubnetGroup),
    /// A cache's AUTH token in Secrets Manager.
    AuthToken(AuthToken),
    /// An ElastiCache replication group or Memcached cluster.
    Cache(Cache),
    /// The alarm topic.
    Topic(Topic),
    /// An email subscription to the topic.
    Subscription(Subscription),
    /// A CloudWatch alarm.
    Alarm(Alarm),
    /// A secret the site generates (the Moodle database user, the admin's
    /// password).
    SiteSecret(SiteSecret),
    /// What app servers running the site may read.
    SiteAccess(SiteAccess),
    /// A listener rule that keeps the site's health endpoint off the
    /// internet.
    ListenerRule(ListenerRule),
    /// A piece of the site's bundle in SSM Parameter Store.
    SitePiece(SitePiece),
    /// An ACM certificate for the site's domain, DNS-validated.
    Certificate(Certificate),
    /// A Route 53 hosted zone found by its name.
    HostedZoneLookup(HostedZoneLookup),
    /// A DNS record in the site's hosted zone.
    DnsRecord(DnsRecord),
    /// The SES domain identity (Easy DKIM, a MAIL FROM subdomain).
    MailIdentity(MailIdentity),
    /// The IAM user whose access key is the site's SES SMTP credentials.
    SmtpUser(SmtpUser),
    /// SES bounce and complaint notifications to the alarm topic.
    MailEvents(MailEvents),
}

impl PartKind {
    /// Whether the part holds data: replacing or removing it loses it.
    /// Every kind answers for itself (no wildcard: a new kind must say).
    #[deny(clippy::wildcard_enum_match_arm)]
    pub fn is_stateful(&self) -> bool {
        match self {
            PartKind::DbInstance(_) | PartKind::FileSystem(_) | PartKind::Cache(_) | PartKind::Bucket(_) => true,
            PartKind::Key(_)
            | PartKind::Vpc(_)
            | PartKind::InternetGateway(_)
            | PartKind::Subnet(_)
            | PartKind::ElasticIp(_)
            | PartKind::NatGateway(_)
            | PartKind::RouteTable(_)
            | PartKind::Route(_)
            | PartKind::RouteAssociation(_)
            | PartKind::LogGroup(_)
            | PartKind::FlowLog(_)
            | PartKind::EndpointGroup(_)
            | PartKind::Endpoint(_)
            | PartKind::VpnGateway(_)
            | PartKind::CustomerGateway(_)
            | PartKind::VpnConnection(_)
            | PartKind::VpnRoute(_)
            | PartKind::RoutePropagation(_)
            | PartKind::SecurityGroup(_)
            | PartKind::Rule(_)
            | PartKind::BucketPolicy(_)
            | PartKind::BucketAccess(_)
            | PartKind::LoadBalancer(_)
            | PartKind::TargetGroup(_)
            | PartKind::Listener(_)
            | PartKind::WebAcl(_)
            | PartKind::WebAclAssociation(_)
            | PartKind::WafLogging(_)
            | PartKind::ShieldProtection(_)
            | PartKind::ImageParameter(_)
            | PartKind::InstanceRole(_)
            | PartKind::InstanceProfile(_)
            | PartKind::LaunchTemplate(_)
            | PartKind::AutoScalingGroup(_)
            | PartKind::ScalingPolicy(_)
            | PartKind::DbSubnetGroup(_)
            | PartKind::DbMonitoringRole(_)
            | PartKind::MountTarget(_)
            | PartKind::CacheSubnetGroup(_)
            | PartKind::AuthToken(_)
            | PartKind::Topic(_)
            | PartKind::Subscription(_)
            | PartKind::Alarm(_)
            | PartKind::SiteSecret(_)
            | PartKind::SiteAccess(_)
            | PartKind::ListenerRule(_)
            | PartKind::SitePiece(_)
            | PartKind::Certificate(_)
            | PartKind::HostedZoneLookup(_)
            | PartKind::DnsRecord(_)
            | PartKind::MailIdentity(_)
            | PartKind::SmtpUser(_)
            | PartKind::MailEvents(_) => false,
        }
    }
}

/// How a stateful part is kept when it is deleted or replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Deleted with the stack.
    Delete,
    /// Left in the account.
    Retain,
    /// A final snapshot is taken.
    Snapshot,
}

/// The deployment's KMS key.
#[derive(Clone, Debug)]
pub struct Key {
    /// Whether the alarm topic exists (CloudWatch may then use the key).
    pub alarms_publish: bool,
    /// Whether SES publishes the site's mail events to it (SES may then
    /// use the key).
    pub ses_publish: bool,
    /// Kept on delete (production).
    pub keep: Keep,
}

/// The VPC.
#[derive(Clone, Debug)]
pub struct Vpc {
    /// The network's name.
    pub network: String,
    /// Its CIDR block.
    pub cidr: Ipv4Net,
}

/// The internet gateway.
#[derive(Clone, Debug)]
pub struct InternetGateway {
    /// The VPC.
    pub vpc: PartId,
    /// The network's name.
    pub network: String,
}

/// A subnet.
#[derive(Clone, Debug)]
pub struct Subnet {
    /// The VPC.
    pub vpc: PartId,
    /// The network's name.
    pub network: String,
    /// The tier's name.
    pub tier: String,
    /// An index into the deployment's zones.
    pub zone: usize,
    /// Its CIDR block.
    pub cidr: Ipv4Net,
}

/// The Elastic IP of a NAT gateway.
#[derive(Clone, Debug)]
pub struct ElasticIp {
    /// The network's name.
    pub network: String,
    /// The zone.
    pub zone: usize,
    /// The internet gateway, which must be attached first.
    pub internet_gateway: PartId,
}

/// A NAT gateway.
#[derive(Clone, Debug)]
pub struct NatGateway {
    /// The network's name.
    pub network: String,
    /// The zone.
    pub zone: usize,
    /// Its address.
    pub elastic_ip: PartId,
    /// The public subnet it sits in.
    pub subnet: PartId,
    /// The internet gateway it routes through.
    pub internet_gateway: PartId,
}

/// A route table.
#[derive(Clone, Debug)]
pub struct RouteTable {
    /// The VPC.
    pub vpc: PartId,
    /// The network's name.
    pub network: String,
    /// The tier's name.
    pub tier: String,
    /// The zone, for a table of one zone.
    pub zone: Option<usize>,
    /// The subnets it routes.
    pub subnets: Vec<PartId>,
}

/// Where a default route goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteTarget {
    /// The internet gateway.
    InternetGateway(PartId),
    /// A NAT gateway.
    NatGateway(PartId),
}

/// A route table's `0.0.0.0/0` route.
#[derive(Clone, Debug)]
pub struct Route {
    /// The table.
    pub table: PartId,
    /// The target.
    pub target: RouteTarget,
}

/// A subnet's route table association.
#[derive(Clone, Debug)]
pub struct RouteAssociation {
    /// The table.
    pub table: PartId,
    /// The subnet.
    pub subnet: PartId,
}

/// What a log group receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogGroupUse {
    /// VPC flow logs of a network.
    FlowLogs {
        /// The network's name.
        network: String,
    },
    /// WAF logs of a load balancer (WAF wants the `aws-waf-logs-` prefix).
    Waf {
        /// The load balancer's name.
        load_balancer: String,
    },
    /// The logs the app servers' CloudWatch agent ships.
    App {
        /// The app server group's name.
        app: String,
    },
}

/// A log group, encrypted with the deployment's key.
#[derive(Clone, Debug)]
pub struct LogGroup {
    /// What it receives.
    pub usage: LogGroupUse,
    /// Days kept.
    pub retention_days: u32,
    /// The key.
    pub key: PartId,
}

/// VPC flow logs into a log group, through a role that may write there.
#[derive(Clone, Debug)]
pub struct FlowLog {
    /// The VPC.
    pub vpc: PartId,
    /// The network's name.
    pub network: String,
    /// The log group.
    pub log_group: PartId,
}

/// The interface endpoints' security group.
#[derive(Clone, Debug)]
pub struct EndpointGroup {
    /// The VPC.
    pub vpc: PartId,
    /// The network's name.
    pub network: String,
}

/// Where an endpoint goes.
#[derive(Clone, Debug)]
pub enum EndpointPlacement {
    /// A gateway endpoint on route tables.
    Gateway {
        /// The route tables.
        route_tables: Vec<PartId>,
    },
    /// An interface endpoint in subnets.
    Interface {
        /// The subnets.
        subnets: Vec<PartId>,
        /// Its security group.
        group: PartId,
    },
}

/// A VPC endpoint.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The VPC.
    pub vpc: PartId,
    /// The network's name.
    pub network: String,
    /// The service.
    pub service: EndpointService,
    /// Where it goes.
    pub placement: EndpointPlacement,
}

/// The virtual private gateway.
#[derive(Clone, Debug)]
pub struct VpnGateway {
    /// The VPC.
    pub vpc: PartId,
    /// The network's name.
    pub network: String,
}

/// A customer gateway.
#[derive(Clone, Debug)]
pub struct CustomerGateway {
    /// The VPN's name.
    pub vpn: String,
    /// Its BGP ASN.
    pub bgp_asn: u32,
    /// Its public address.
    pub address: Ipv4Addr,
}

/// A VPN connection.
#[derive(Clone, Debug)]
pub struct VpnConnection {
    /// The VPN's name.
    pub vpn: String,
    /// The customer gateway.
    pub customer_gateway: PartId,
    /// The virtual private gateway.
    pub vpn_gateway: PartId,
}

/// A static route of a VPN connection.
#[derive(Clone, Debug)]
pub struct VpnRoute {
    /// The connection.
    pub connection: PartId,
    /// The corporate network.
    pub cidr: Ipv4Net,
}

/// VPN routes propagated into a tier's route tables.
#[derive(Clone, Debug)]
pub struct RoutePropagation {
    /// The virtual private gateway.
    pub vpn_gateway: PartId,
    /// The tier's route tables.
    pub route_tables: Vec<PartId>,
}

/// A security group.
#[derive(Clone, Debug)]
pub struct SecurityGroup {
    /// The VPC.
    pub vpc: PartId,
    /// Its source name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Whether one of its rules opens port 80 to the internet.
    pub http_open: bool,
    /// Whether every load balancer using it only redirects port 80.
    pub http_redirects: bool,
    /// The first load balancer using it whose port 80 only redirects.
    pub redirecting_load_balancer: Option<String>,
}

/// In or out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Inbound.
    Ingress,
    /// Outbound.
    Egress,
}

/// The other side of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RulePeer {
    /// Another security group.
    Group {
        /// The group.
        group: PartId,
        /// Its source name.
        name: String,
    },
    /// Anywhere.
    Internet,
    /// A CIDR block written in the source.
    Cidr(Ipv4Net),
    /// A route of a VPN.
    VpnRoute {
        /// The VPN's name.
        vpn: String,
        /// The route.
        route: Ipv4Net,
    },
}

impl RulePeer {
    /// The CIDR block of an address-range peer.
    pub fn cidr(&self) -> Option<String> {
        match self {
            RulePeer::Group { .. } => None,
            RulePeer::Internet => Some("0.0.0.0/0".to_string()),
            RulePeer::Cidr(cidr) | RulePeer::VpnRoute { route: cidr, .. } => Some(cidr.to_string()),
        }
    }
}

/// Why a rule exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RulePurpose {
    /// `allow SERVICE from SOURCE` (the service as written, `https` or
    /// `tcp 8080`).
    Allow(String),
    /// An outbound rule the checker derived, with its reason.
    Derived(String),
    /// HTTPS from app servers into the interface endpoints.
    Endpoints,
}

/// A security-group rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The group it belongs to.
    pub group: PartId,
    /// Its group's source name (the endpoint group's: `NETWORK_endpoints`).
    pub group_name: String,
    /// In or out.
    pub direction: Direction,
    /// Protocol.
    pub protocol: Protocol,
    /// First port.
    pub from_port: u16,
    /// Last port.
    pub to_port: u16,
    /// Who.
    pub peer: RulePeer,
    /// Why.
    pub purpose: RulePurpose,
}

/// What a bucket holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BucketUse {
    /// The server access logs of the other buckets.
    AccessLogs,
    /// A load balancer's access logs.
    LoadBalancerLogs {
        /// The load balancer's name.
        load_balancer: String,
    },
    /// Moodle's file pool (`object_storage`).
    Objects {
        /// The component's name.
        name: String,
    },
}

/// An S3 bucket: private (all four public access blocks, ACLs off),
/// encrypted, TLS only.
#[derive(Clone, Debug)]
pub struct Bucket {
    /// What it holds.
    pub usage: BucketUse,
    /// Versioning.
    pub versioning: bool,
    /// Days after which noncurrent versions expire.
    pub noncurrent_days: Option<u32>,
    /// Days after which objects expire (log buckets).
    pub expire_days: Option<u32>,
    /// Days after which incomplete uploads are aborted.
    pub abort_days: u32,
    /// SSE-KMS with the deployment's key; else SSE-S3 (log buckets).
    pub key: Option<PartId>,
    /// Kept on delete.
    pub keep: Keep,
    /// The access-log bucket and prefix its server access logs go to.
    pub logging: Option<(PartId, String)>,
}

/// Who may write into a bucket besides its TLS-only rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BucketWriter {
    /// Nobody.
    None,
    /// S3 server access logging.
    S3Logging,
    /// Elastic Load Balancing's log delivery: the region's ELB account,
    /// or the log-delivery service in newer regions.
    LoadBalancer {
        /// The region's ELB account, if it has one.
        elb_account: Option<String>,
    },
}

/// A bucket policy: TLS only, and the log writer.
#[derive(Clone, Debug)]
pub struct BucketPolicy {
    /// The bucket.
    pub bucket: PartId,
    /// Who may write.
    pub writer: BucketWriter,
}

/// App servers may list the bucket and read, write and delete objects.
#[derive(Clone, Debug)]
pub struct BucketAccess {
    /// The bucket.
    pub bucket: PartId,
    /// Its source name.
    pub name: String,
    /// The instance roles (with their app server names).
    pub roles: Vec<(PartId, String)>,
    /// The deployment's key (the bucket key).
    pub key: PartId,
}

/// An internet-facing application load balancer.
#[derive(Clone, Debug)]
pub struct LoadBalancer {
    /// Its source name.
    pub name: String,
    /// Its subnets.
    pub subnets: Vec<PartId>,
    /// Its security group.
    pub group: PartId,
    /// Idle timeout in seconds.
    pub idle_timeout: u32,
    /// Deletion protection.
    pub deletion_protection: bool,
    /// The access-log bucket and its policy, if logging.
    pub access_logs: Option<(PartId, PartId)>,
    /// Whether it has an HTTPS listener.
    pub https: bool,
    /// The WAF managed rule groups' keys, when it has a web ACL.
    pub waf: Option<Vec<String>>,
}

/// A target group of app servers.
#[derive(Clone, Debug)]
pub struct TargetGroup {
    /// The VPC.
    pub vpc: PartId,
    /// The load balancer's name.
    pub load_balancer: String,
    /// The app server group's name.
    pub app: String,
    /// The port Moodle listens on.
    pub port: u16,
    /// The health check path.
    pub health_check: String,
    /// The HTTP codes that mean healthy.
    pub matcher: String,
    /// Whether the load balancer has HTTPS.
    pub https: bool,
}

/// What a listener does with a request.
#[derive(Clone, Debug)]
pub enum ListenerAction {
    /// 301 to HTTPS.
    Redirect,
    /// Forward to a target group.
    Forward(PartId),
    /// 503: nothing is behind the load balancer.
    Unavailable,
}

/// HTTP or HTTPS.
#[derive(Clone, Debug)]
pub enum ListenerProtocol {
    /// Port 80.
    Http,
    /// Port 443.
    Https {
        /// The TLS policy.
        ssl_policy: String,
        /// The ACM certificate.
        certificate: CertificateRef,
    },
}

/// An HTTPS listener's certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateRef {
    /// An ARN written in the source or supplied as a parameter.
    Given(Text),
    /// The [`Certificate`] mhac requests for the site's domain.
    Requested(PartId),
}

/// A listener.
#[derive(Clone, Debug)]
pub struct Listener {
    /// The load balancer.
    pub load_balancer: PartId,
    /// The protocol.
    pub protocol: ListenerProtocol,
    /// The default action.
    pub action: ListenerAction,
}

/// A managed rule group of a web ACL.
#[derive(Clone, Debug)]
pub struct ManagedRuleGroup {
    /// The short name (`common`).
    pub key: String,
    /// AWS's name.
    pub name: String,
    /// Rules to count instead of block.
    pub count_rules: Vec<String>,
}

/// A regional web ACL.
#[derive(Clone, Debug)]
pub struct WebAcl {
    /// The load balancer's name.
    pub load_balancer: String,
    /// Requests per 5 minutes per address.
    pub rate_limit: Option<u32>,
    /// The managed rule groups, in priority order.
    pub managed: Vec<ManagedRuleGroup>,
    /// The base of its metric names.
    pub metric_base: String,
    /// What the console shows: the deployment and the load balancer, in the
    /// characters WAF accepts in a description.
    pub description: String,
}

/// A web ACL's association.
#[derive(Clone, Debug)]
pub struct WebAclAssociation {
    /// The web ACL.
    pub web_acl: PartId,
    /// The load balancer.
    pub load_balancer: PartId,
}

/// WAF logging.
#[derive(Clone, Debug)]
pub struct WafLogging {
    /// The web ACL.
    pub web_acl: PartId,
    /// The log group.
    pub log_group: PartId,
}

/// Shield Advanced protection of a load balancer.
#[derive(Clone, Debug)]
pub struct ShieldProtection {
    /// The load balancer.
    pub load_balancer: PartId,
    /// Its source name.
    pub name: String,
}

/// An image from a public SSM parameter.
#[derive(Clone, Debug)]
pub struct ImageParameter {
    /// The app server group's name.
    pub app: String,
    /// The parameter's path.
    pub path: String,
}

/// Where an app server image comes from.
#[derive(Clone, Debug)]
pub enum ImageSource {
    /// An SSM parameter part.
    Parameter(PartId),
    /// An AMI id.
    Ami(String),
    /// A `param` (an index into [`Plan::params`]).
    Param(usize),
}

/// The role app server instances run as.
#[derive(Clone, Debug)]
pub struct InstanceRole {
    /// The app server group's name.
    pub app: String,
    /// Whether Session Manager may reach the instances.
    pub session_manager: bool,
}

/// An instance profile.
#[derive(Clone, Debug)]
pub struct InstanceProfile {
    /// The role.
    pub role: PartId,
    /// The app server group's name.
    pub app: String,
}

/// A launch template.
#[derive(Clone, Debug)]
pub struct LaunchTemplate {
    /// The app server group's name.
    pub app: String,
    /// The image.
    pub image: ImageSource,
    /// `m6i.large`.
    pub instance_type: String,
    /// The instance profile.
    pub profile: PartId,
    /// The security group.
    pub group: PartId,
    /// Root volume size.
    pub volume_gb: u32,
    /// What the instances run on boot: the site, when there is one.
    pub user_data: Option<UserData>,
}

/// An Auto Scaling group.
#[derive(Clone, Debug)]
pub struct AutoScalingGroup {
    /// The app server group's name.
    pub app: String,
    /// Minimum instances.
    pub min: u32,
    /// Maximum instances.
    pub max: u32,
    /// The subnets.
    pub subnets: Vec<PartId>,
    /// The launch template.
    pub launch_template: PartId,
    /// The target group it registers with.
    pub target_group: Option<PartId>,
    /// Whether creation and rolling updates wait until every new
    /// instance's site is healthy (it signals, or the load balancer sees
    /// it healthy).
    pub wait_for_site: bool,
}

/// CPU target tracking.
#[derive(Clone, Debug)]
pub struct ScalingPolicy {
    /// The Auto Scaling group.
    pub group: PartId,
    /// The app server group's name.
    pub app: String,
    /// Target average CPU, percent.
    pub target_cpu: f64,
}

/// A database's subnet group.
#[derive(Clone, Debug)]
pub struct DbSubnetGroup {
    /// The database's name.
    pub database: String,
    /// The subnets.
    pub subnets: Vec<PartId>,
}

/// The enhanced-monitoring role of a database.
#[derive(Clone, Debug)]
pub struct DbMonitoringRole {
    /// The database's name.
    pub database: String,
}

/// An RDS instance.
#[derive(Clone, Debug)]
pub struct DbInstance {
    /// The database's name.
    pub name: String,
    /// The engine.
    pub engine: Engine,
    /// RDS's name for it (`mysql`, `postgres`, `mariadb`).
    pub rds_engine: String,
    /// The version as written (`8.0`).
    pub version: String,
    /// The full version the table pins it to (`8.0.46`).
    pub pinned_version: String,
    /// `db.r6g.large`.
    pub class: String,
    /// Allocated storage.
    pub storage_gb: u32,
    /// Encrypted storage.
    pub encrypted: bool,
    /// Multi-AZ standby.
    pub multi_az: bool,
    /// Initial database.
    pub db_name: String,
    /// Master user.
    pub username: String,
    /// Subnet group.
    pub subnet_group: PartId,
    /// Security group.
    pub group: PartId,
    /// Backup retention.
    pub backup_days: u32,
    /// Deletion protection, and a snapshot on delete.
    pub deletion_protection: bool,
    /// Log types exported to CloudWatch.
    pub log_exports: Vec<String>,
    /// Enhanced monitoring role.
    pub monitoring_role: PartId,
    /// Performance Insights, encrypted with this key.
    pub performance_insights: Option<PartId>,
}

/// An EFS file system whose policy refuses clients without TLS.
#[derive(Clone, Debug)]
pub struct FileSystem {
    /// Its source name.
    pub name: String,
    /// Encrypted with this key.
    pub key: Option<PartId>,
    /// Throughput mode.
    pub throughput: Throughput,
    /// Automatic backups.
    pub backup: bool,
    /// Kept on delete.
    pub keep: bool,
}

/// A mount target.
#[derive(Clone, Debug)]
pub struct MountTarget {
    /// The file system.
    pub file_system: PartId,
    /// The subnet.
    pub subnet: PartId,
    /// The security group.
    pub group: PartId,
}

/// A cache's subnet group.
#[derive(Clone, Debug)]
pub struct CacheSubnetGroup {
    /// The cache's name.
    pub cache: String,
    /// The subnets.
    pub subnets: Vec<PartId>,
}

/// A cache's AUTH token, generated into Secrets Manager.
#[derive(Clone, Debug)]
pub struct AuthToken {
    /// The cache's name.
    pub cache: String,
    /// The deployment's key.
    pub key: PartId,
    /// Kept on delete.
    pub keep: bool,
}

/// Which ElastiCache engine, with what it needs.
#[derive(Clone, Debug)]
pub enum CacheEngineKind {
    /// A Memcached cluster.
    Memcached,
    /// A Redis or Valkey replication group.
    Replicated {
        /// `redis` or `valkey`.
        engine: &'static str,
        /// Encrypted at rest (with this key, when it takes one).
        at_rest: bool,
        /// The key for encryption at rest.
        key: Option<PartId>,
        /// The AUTH token.
        auth_token: Option<PartId>,
    },
}

/// An ElastiCache cache with a node per zone.
#[derive(Clone, Debug)]
pub struct Cache {
    /// Its source name.
    pub name: String,
    /// The engine.
    pub engine: CacheEngineKind,
    /// Engine version, when pinned.
    pub version: Option<String>,
    /// Node type.
    pub node_type: String,
    /// Port.
    pub port: u16,
    /// The zones of its nodes (indices into the deployment's zones).
    pub zones: Vec<usize>,
    /// Subnet group.
    pub subnet_group: PartId,
    /// Security group.
    pub group: PartId,
    /// Encryption in transit.
    pub transit_encryption: bool,
    /// Encryption at rest as the source asks.
    pub encrypted: bool,
    /// Snapshot on delete.
    pub deletion_protection: bool,
}

/// The alarm topic.
#[derive(Clone, Debug)]
pub struct Topic {
    /// The deployment's key.
    pub key: PartId,
}

/// An email subscription.
#[derive(Clone, Debug)]
pub struct Subscription {
    /// The topic.
    pub topic: PartId,
    /// The address.
    pub email: String,
}

/// What an alarm dimension refers to.
#[derive(Clone, Debug)]
pub enum DimensionValue {
    /// The load balancer's full name.
    LoadBalancer(PartId),
    /// The target group's full name.
    TargetGroup(PartId),
    /// The Auto Scaling group's name.
    AutoScalingGroup(PartId),
    /// The DB instance's identifier.
    DbInstance(PartId),
    /// The file system's id.
    FileSystem(PartId),
    /// The replication group's id.
    ReplicationGroup(PartId),
    /// The Memcached cluster's id.
    CacheCluster(PartId),
    /// The bucket's name.
    Bucket(PartId),
    /// A fixed value.
    Fixed(String),
    /// The VPN connection's id.
    VpnConnection(PartId),
}

/// A CloudWatch alarm.
#[derive(Clone, Debug)]
pub struct Alarm {
    /// Its name (`front_target_5xx`).
    pub name: String,
    /// The component measured.
    pub component: String,
    /// The metric's name in the language.
    pub metric_key: String,
    /// CloudWatch namespace.
    pub namespace: String,
    /// CloudWatch metric.
    pub metric: String,
    /// Statistic.
    pub statistic: String,
    /// Dimensions, in the metric's order.
    pub dimensions: Vec<(String, DimensionValue)>,
    /// The comparison.
    pub comparator: Comparator,
    /// The threshold.
    pub threshold: f64,
    /// Period in seconds.
    pub period: u32,
    /// Number of periods.
    pub evaluation_periods: u32,
    /// TreatMissingData.
    pub missing: String,
    /// The topic notified.
    pub topic: Option<PartId>,
}

impl Alarm {
    /// The CloudWatch comparison operator.
    pub fn comparison_operator(&self) -> &'static str {
        match self.comparator {
            Comparator::Greater => "GreaterThanThreshold",
            Comparator::GreaterOrEqual => "GreaterThanOrEqualToThreshold",
            Comparator::Less => "LessThanThreshold",
            Comparator::LessOrEqual => "LessThanOrEqualToThreshold",
        }
    }
}

/// What an output shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputValue {
    /// The VPC's id.
    VpcId(PartId),
    /// The load balancer's DNS name.
    DnsName(PartId),
    /// The Auto Scaling group's name.
    AutoScalingGroupName(PartId),
    /// The DB instance's host name.
    DbAddress(PartId),
    /// The DB instance's port.
    DbPort(PartId),
    /// The file system's id.
    FileSystemId(PartId),
    /// The cache's replication group or cluster id.
    CacheId(PartId),
    /// The bucket's name.
    BucketName(PartId),
    /// The VPN connection's id.
    VpnConnectionId(PartId),
    /// The topic's ARN.
    TopicArn(PartId),
    /// A secret's ARN.
    SecretArn(PartId),
    /// A value known when the source is compiled (the site's address).
    Literal(String),
    /// The DNS records a person must add when the site's DNS is managed
    /// elsewhere: one `NAME TYPE VALUE` line each.
    DnsRecords(Vec<(RecordText, &'static str, OutputRecordValue)>),
}

/// The value of a record shown to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputRecordValue {
    /// Text.
    Text(RecordText),
    /// The load balancer's DNS name (the site's CNAME).
    DnsName(PartId),
}

/// An output of the deployment.
#[derive(Clone, Debug)]
pub struct Output {
    /// Its names.
    pub ident: Identity,
    /// What it is.
    pub description: String,
    /// Its value.
    pub value: OutputValue,
    /// Where it comes from.
    pub origin: Origin,
}

/// A value the instances' environment file gets at deploy time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvValue {
    /// Text written in the source, or a parameter's value.
    Text(Text),
    /// The region.
    Region,
    /// The stack's name (CloudFormation only: the instances signal it).
    CfnStack,
    /// A part's logical ID (CloudFormation only: the resource to signal).
    CfnLogicalId(PartId),
    /// A database's host name.
    DbAddress(PartId),
    /// A database's port.
    DbPort(PartId),
    /// A database's instance identifier.
    DbIdentifier(PartId),
    /// A secret's ARN.
    SecretArn(PartId),
    /// A replication group's id.
    CacheId(PartId),
    /// A file system's id.
    FileSystemId(PartId),
    /// A log group's name.
    LogGroupName(PartId),
}

/// The instances' user data: a cloud-config that writes the deploy-time
/// values and the site bundle, then runs the machine layer
/// ([`site::cloud_config`] lays it out for both printers).
#[derive(Clone, Debug)]
pub struct UserData {
    /// `MHAC_*` variables and their values, in order.
    pub env: Vec<(&'static str, EnvValue)>,
}

/// What a site secret holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteSecretUse {
    /// The dedicated Moodle database user: JSON `{"username", "password"}`.
    DatabaseUser {
        /// The user's name.
        username: String,
    },
    /// The admin account's password, a plain string.
    AdminPassword,
    /// SES SMTP credentials: JSON `{"AccessKeyId", "SecretAccessKey"}` of
    /// the access key of this [`SmtpUser`] (the instances derive the SMTP
    /// password from it).
    SmtpCredentials {
        /// The user.
        user: PartId,
    },
}

/// A secret generated by Secrets Manager for the site.
#[derive(Clone, Debug)]
pub struct SiteSecret {
    /// What it holds.
    pub usage: SiteSecretUse,
    /// Encrypted with the deployment's key.
    pub key: PartId,
    /// Kept on delete.
    pub keep: bool,
}

/// What the app servers of one group may read to run the site: its
/// secrets (and the RDS-managed master secret of its database, found by
/// its tag), decryption with the deployment's key, the database and
/// session store they describe at boot, the code archive in S3.
#[derive(Clone, Debug)]
pub struct SiteAccess {
    /// The instance role.
    pub role: PartId,
    /// The pieces of the site's bundle.
    pub pieces: Vec<PartId>,
    /// The app server group's name.
    pub app: String,
    /// The site's own secrets and the cache's AUTH token.
    pub secrets: Vec<PartId>,
    /// The deployment's key.
    pub key: PartId,
    /// The database.
    pub database: PartId,
    /// The session store's replication group.
    pub cache: Option<PartId>,
    /// The code archive's bucket and key, when it is in S3.
    pub code_object: Option<(String, String)>,
    /// The Auto Scaling group the instances signal (CloudFormation).
    pub auto_scaling_group: PartId,
}

/// A piece of the site's bundle: an SSM parameter (String, standard tier)
/// holding a slice of the bundle's base64. The bundle is too large for
/// EC2's user data; the instances read the pieces at boot, in order, and
/// check the whole against the SHA-256 the user data holds (which also
/// makes a new bundle a new launch template version).
#[derive(Clone, Debug)]
pub struct SitePiece {
    /// The parameter's name: `/<deployment>/site/<n>`.
    pub name: String,
    /// The text.
    pub value: String,
}

/// A Route 53 hosted zone: by id as written, or found by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneRef {
    /// `Z0123...`.
    Id(String),
    /// A [`HostedZoneLookup`] part.
    Lookup(PartId),
}

/// An ACM certificate for the site's domain, validated through DNS: with a
/// hosted zone, the validation record is written there and creation waits
/// for issuance; without, the record is shown to the user and creation
/// waits until someone adds it.
#[derive(Clone, Debug)]
pub struct Certificate {
    /// `moodle.example.edu`.
    pub domain: String,
    /// The hosted zone, when mhac writes the DNS.
    pub zone: Option<ZoneRef>,
}

/// A hosted zone found by its name: a CloudFormation parameter of type
/// `AWS::Route53::HostedZone::Id` (`mhac plan` and `apply` look the name
/// up), a Terraform `aws_route53_zone` data source.
#[derive(Clone, Debug)]
pub struct HostedZoneLookup {
    /// `example.edu`.
    pub name: String,
}

/// Text of a DNS record: written, or one of the SES identity's DKIM
/// records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordText {
    /// Known when the source is compiled.
    Literal(String),
    /// The name of DKIM record `index` (1 to 3) of an identity.
    DkimName {
        /// The [`MailIdentity`].
        identity: PartId,
        /// 1, 2 or 3.
        index: u8,
    },
    /// The value of DKIM record `index`.
    DkimValue {
        /// The [`MailIdentity`].
        identity: PartId,
        /// 1, 2 or 3.
        index: u8,
    },
}

/// What a record holds.
#[derive(Clone, Debug)]
pub enum RecordKind {
    /// An alias A (or AAAA) record to the load balancer.
    Alias {
        /// The load balancer.
        load_balancer: PartId,
        /// AAAA rather than A.
        ipv6: bool,
    },
    /// A CNAME.
    Cname(RecordText),
    /// MX: priority and host.
    Mx(u16, String),
    /// TXT, unquoted.
    Txt(String),
}

/// A record in the site's hosted zone (TTL 300 unless an alias).
#[derive(Clone, Debug)]
pub struct DnsRecord {
    /// The zone.
    pub zone: ZoneRef,
    /// The record's name, without a trailing dot.
    pub name: RecordText,
    /// Its type and value.
    pub kind: RecordKind,
}

/// The SES domain identity of the site: Easy DKIM (2048-bit keys) and a
/// custom MAIL FROM subdomain.
#[derive(Clone, Debug)]
pub struct MailIdentity {
    /// `moodle.example.edu`.
    pub domain: String,
    /// `bounce.moodle.example.edu`.
    pub mail_from: String,
    /// Its default configuration set, which sends bounce and complaint
    /// notifications to the alarm topic ([`MailEvents`]).
    pub events: Option<PartId>,
}

/// SES's bounce and complaint notifications for the site's mail: a
/// configuration set whose event destination is the alarm topic, and the
/// topic policy that lets SES publish there (the key lets it encrypt).
#[derive(Clone, Debug)]
pub struct MailEvents {
    /// The alarm topic.
    pub topic: PartId,
}

/// The IAM user SES SMTP authenticates: it may send from the site's
/// identity only, as its sender address.
#[derive(Clone, Debug)]
pub struct SmtpUser {
    /// The [`MailIdentity`].
    pub identity: PartId,
    /// The sender address it may use.
    pub from: String,
}

/// A listener rule: requests to `paths` get a fixed response.
#[derive(Clone, Debug)]
pub struct ListenerRule {
    /// The listener.
    pub listener: PartId,
    /// Its priority.
    pub priority: u32,
    /// Path patterns.
    pub paths: Vec<String>,
    /// The HTTP status returned.
    pub status: u16,
}
