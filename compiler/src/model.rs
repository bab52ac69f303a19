//! The deployment model: what the source means, with every name resolved to
//! an index, every value validated and every default applied.
//!
//! Lowering (`crate::lower`) builds a [`Model`] from the syntax tree; the
//! checker (`crate::check`) runs the rules over it; when no error remains,
//! the model is wrapped in a [`CheckedModel`], the only thing backends read.
//!
//! Identity: every component carries its source [`Name`]. Backends derive
//! every identifier in their output from these names (never from positions
//! or order), so adding a component never renames another.

use crate::ast::Comparator;
use crate::span::Span;
use crate::symbols::SymbolKind;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// A name from the source.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Name {
    /// The name as written (`moodle_db`).
    pub text: String,
    /// Where it is defined.
    pub span: Span,
}

impl Name {
    /// `moodle_db` → `MoodleDb`: the base of CloudFormation logical IDs.
    pub fn pascal(&self) -> String {
        pascal_case(&self.text)
    }

    /// The name as written, the base of Terraform addresses.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// `moodle_db` → `MoodleDb`, `us-east-1a` → `UsEast1a`.
pub fn pascal_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut upper = true;
    for c in text.chars() {
        if c == '_' || c == '-' || c == ' ' || c == '.' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The whole deployment.
#[derive(Clone, Debug)]
pub struct Model {
    /// Region, zones, Moodle version, profile, tags.
    pub deployment: Deployment,
    /// Values supplied at build or apply time.
    pub params: Vec<Param>,
    /// The VPC.
    pub network: Network,
    /// Site-to-site VPNs.
    pub vpns: Vec<Vpn>,
    /// Security groups.
    pub security_groups: Vec<SecurityGroup>,
    /// Application load balancers.
    pub load_balancers: Vec<LoadBalancer>,
    /// Auto Scaling groups of Moodle app servers.
    pub app_servers: Vec<AppServers>,
    /// RDS instances.
    pub databases: Vec<Database>,
    /// EFS file systems (Moodle's shared dataroot).
    pub file_systems: Vec<FileSystem>,
    /// ElastiCache replication groups.
    pub caches: Vec<Cache>,
    /// S3 buckets.
    pub buckets: Vec<Bucket>,
    /// Logs, notifications and alarms.
    pub monitoring: Monitoring,
    /// Terraform remote state, if declared.
    pub state: Option<RemoteState>,
    /// The Moodle site the app servers run, if declared.
    pub site: Option<Site>,
}

impl Model {
    /// The name of a component (tiers are named through their network).
    pub fn component_name(&self, component: ComponentRef) -> Option<&Name> {
        let index = component.index;
        match component.kind {
            SymbolKind::Deployment => Some(&self.deployment.name),
            SymbolKind::Param => self.params.get(index).map(|p| &p.name),
            SymbolKind::Network => Some(&self.network.name),
            SymbolKind::Tier => self.network.tiers.get(index).map(|t| &t.name),
            SymbolKind::Vpn => self.vpns.get(index).map(|c| &c.name),
            SymbolKind::SecurityGroup => self.security_groups.get(index).map(|c| &c.name),
            SymbolKind::LoadBalancer => self.load_balancers.get(index).map(|c| &c.name),
            SymbolKind::AppServers => self.app_servers.get(index).map(|c| &c.name),
            SymbolKind::Database => self.databases.get(index).map(|c| &c.name),
            SymbolKind::FileSystem => self.file_systems.get(index).map(|c| &c.name),
            SymbolKind::Cache => self.caches.get(index).map(|c| &c.name),
            SymbolKind::ObjectStorage => self.buckets.get(index).map(|c| &c.name),
        }
    }
}

/// How strict the rules are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Production: every rule at full strength.
    Prod,
    /// Development: some errors become warnings and stateful resources are
    /// deletable by default.
    Dev,
}

/// The `deployment` block.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// `moodle-prod`: the stack name and the prefix of physical names.
    pub name: Name,
    /// `us-east-1`.
    pub region: String,
    /// Where the region is written (the block's head when it is not).
    pub region_span: Span,
    /// The zones, in source order; subnet `i` of every tier is in zone `i`.
    pub zones: Vec<Zone>,
    /// `4.5`.
    pub moodle: String,
    /// Where the Moodle version is written.
    pub moodle_span: Span,
    /// `prod` or `dev`.
    pub profile: Profile,
    /// Tags for every resource.
    pub tags: Vec<(String, String)>,
    /// The block.
    pub span: Span,
}

impl Deployment {
    /// Whether this is a production deployment.
    pub fn is_prod(&self) -> bool {
        self.profile == Profile::Prod
    }
}

/// An availability zone.
#[derive(Clone, Debug)]
pub struct Zone {
    /// `us-east-1a`.
    pub name: String,
    /// `a`: the suffix identifiers use (`SubnetA`).
    pub suffix: String,
    /// Where it is listed.
    pub span: Span,
}

/// The type of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    /// Text.
    String,
    /// A number.
    Number,
    /// Text that is never shown (CloudFormation `NoEcho`, Terraform `sensitive`).
    Secret,
}

impl ParamType {
    /// The type as written.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Number => "number",
            ParamType::Secret => "secret",
        }
    }
}

/// `param certificate_arn : string`.
#[derive(Clone, Debug)]
pub struct Param {
    /// The name.
    pub name: Name,
    /// The type.
    pub ty: ParamType,
    /// The default, as text.
    pub default: Option<String>,
    /// What the parameter is used for (from its first use), for descriptions.
    pub description: String,
    /// Whether any value refers to it; backends leave unused parameters out.
    pub used: bool,
    /// The declaration.
    pub span: Span,
}

/// A string that is written in the source or supplied as a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StringValue {
    /// Written in the source.
    Literal(String),
    /// `param.NAME`: index into [`Model::params`].
    Param(usize),
}

/// The `network` block: one VPC.
#[derive(Clone, Debug)]
pub struct Network {
    /// `main`.
    pub name: Name,
    /// The VPC's CIDR block.
    pub cidr: Ipv4Net,
    /// Where the CIDR block is written.
    pub cidr_span: Span,
    /// NAT gateways.
    pub nat: NatMode,
    /// VPC flow logs to CloudWatch Logs.
    pub flow_logs: bool,
    /// VPC endpoints.
    pub endpoints: Vec<Endpoint>,
    /// Tiers, in source order.
    pub tiers: Vec<Tier>,
    /// The block.
    pub span: Span,
}

impl Network {
    /// The first public tier (where NAT gateways go).
    pub fn public_tier(&self) -> Option<usize> {
        self.tiers.iter().position(|tier| tier.kind == TierKind::Public)
    }
}

/// How private tiers reach the internet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatMode {
    /// No NAT gateway.
    None,
    /// One NAT gateway, in the first zone.
    Single,
    /// One NAT gateway per zone.
    PerZone,
}

/// A VPC endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Endpoint {
    /// S3 (gateway endpoint): package repositories of Amazon Linux.
    S3,
    /// Systems Manager.
    Ssm,
    /// Session Manager channels.
    SsmMessages,
    /// Systems Manager agent messages.
    Ec2Messages,
    /// CloudWatch Logs.
    Logs,
    /// CloudWatch metrics.
    Monitoring,
    /// Secrets Manager.
    SecretsManager,
    /// KMS.
    Kms,
    /// Amazon SES's SMTP endpoint (Moodle's outbound mail).
    EmailSmtp,
}

impl Endpoint {
    /// Every endpoint, with its name in the language.
    pub const ALL: &'static [(&'static str, Endpoint)] = &[
        ("s3", Endpoint::S3),
        ("ssm", Endpoint::Ssm),
        ("ssmmessages", Endpoint::SsmMessages),
        ("ec2messages", Endpoint::Ec2Messages),
        ("logs", Endpoint::Logs),
        ("monitoring", Endpoint::Monitoring),
        ("secretsmanager", Endpoint::SecretsManager),
        ("kms", Endpoint::Kms),
        ("email_smtp", Endpoint::EmailSmtp),
    ];

    /// The name in the language.
    pub fn as_str(self) -> &'static str {
        Endpoint::ALL.iter().find(|(_, e)| *e == self).map_or("s3", |(name, _)| name)
    }

    /// The last part of the AWS service name (`com.amazonaws.REGION.NAME`).
    pub fn service_name(self) -> &'static str {
        match self {
            Endpoint::EmailSmtp => "email-smtp",
            other => other.as_str(),
        }
    }

    /// Whether this is a gateway endpoint (route tables) rather than an
    /// interface endpoint (network interfaces in subnets).
    pub fn is_gateway(self) -> bool {
        self == Endpoint::S3
    }
}

/// Public, private or isolated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TierKind {
    /// Routes to the internet gateway.
    Public,
    /// Routes to the internet through NAT.
    Private,
    /// No route to the internet.
    Isolated,
}

impl TierKind {
    /// The kind as written.
    pub fn as_str(self) -> &'static str {
        match self {
            TierKind::Public => "public",
            TierKind::Private => "private",
            TierKind::Isolated => "isolated",
        }
    }
}

/// `tier app { kind = private, cidrs = [...] }`.
#[derive(Clone, Debug)]
pub struct Tier {
    /// `app`.
    pub name: Name,
    /// Its routing.
    pub kind: TierKind,
    /// One subnet per zone, in zone order.
    pub subnets: Vec<Subnet>,
    /// The block.
    pub span: Span,
}

/// A subnet.
#[derive(Clone, Debug)]
pub struct Subnet {
    /// Index into [`Deployment::zones`].
    pub zone: usize,
    /// Its CIDR block.
    pub cidr: Ipv4Net,
    /// Where the CIDR is written.
    pub span: Span,
}

/// `vpn corporate { ... }`: a site-to-site VPN to a customer gateway.
#[derive(Clone, Debug)]
pub struct Vpn {
    /// `corporate`.
    pub name: Name,
    /// The customer gateway's public address.
    pub customer_gateway: Ipv4Addr,
    /// The customer gateway's BGP ASN: 1 to 4,294,967,294. Values above
    /// 2,147,483,647 (4-byte ASNs, private ones from 4,200,000,000) go in
    /// CloudFormation's `BgpAsnExtended`, not `BgpAsn`.
    pub bgp_asn: u32,
    /// Static routes to the corporate network.
    pub routes: Vec<Ipv4Net>,
    /// Tiers (indices into [`Network::tiers`]) whose route tables learn the routes.
    pub reach: Vec<usize>,
    /// The block.
    pub span: Span,
}

/// TCP or UDP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// `tcp` / `udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// A peer of a security-group rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Peer {
    /// Another group: index into [`Model::security_groups`].
    Group(usize),
    /// Anywhere (`0.0.0.0/0`).
    Internet,
    /// A CIDR block.
    Cidr(Ipv4Net),
    /// The networks behind a VPN: index into [`Model::vpns`]; one rule per route.
    Vpn(usize),
}

/// An inbound rule.
#[derive(Clone, Debug)]
pub struct Ingress {
    /// Protocol.
    pub protocol: Protocol,
    /// First port.
    pub from_port: u16,
    /// Last port.
    pub to_port: u16,
    /// Who may connect.
    pub source: Peer,
    /// What the traffic is (`https`, or `tcp 8080`), for descriptions.
    pub service: String,
    /// The port specification in the source.
    pub port_span: Span,
    /// The source in the source.
    pub source_span: Span,
}

/// An outbound rule, derived from the flows the model needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Egress {
    /// Protocol.
    pub protocol: Protocol,
    /// First port.
    pub from_port: u16,
    /// Last port.
    pub to_port: u16,
    /// Where to.
    pub destination: Peer,
    /// Why the rule exists.
    pub description: String,
}

/// `security_group web { allow http from alb }`.
#[derive(Clone, Debug)]
pub struct SecurityGroup {
    /// `web`.
    pub name: Name,
    /// A description for the console.
    pub description: String,
    /// Inbound rules, expanded one per port and source.
    pub ingress: Vec<Ingress>,
    /// Outbound rules, derived by the checker: to each group this one is
    /// allowed into, plus HTTPS/HTTP out for app servers. Empty means none.
    pub egress: Vec<Egress>,
    /// Whether an `allow` rule named a service, port or source that was
    /// reported as unknown: the group may allow more than `ingress` says,
    /// so rules that judge what it does not allow skip it. Never true in a
    /// checked model.
    pub incomplete: bool,
    /// The block.
    pub span: Span,
}

/// A component: its kind (the one enum of component kinds,
/// [`SymbolKind`]) and its index in the model's list of that kind
/// (`SymbolKind::LoadBalancer` → [`Model::load_balancers`], ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentRef {
    /// What it is.
    pub kind: SymbolKind,
    /// Its index among the components of its kind.
    pub index: usize,
}

impl ComponentRef {
    /// The component of `kind` at `index`.
    pub fn new(kind: SymbolKind, index: usize) -> ComponentRef {
        ComponentRef { kind, index }
    }
}

/// HTTPS on a load balancer.
#[derive(Clone, Debug)]
pub struct Https {
    /// ACM certificate ARN; `None`: the certificate mhac requests for the
    /// site's domain.
    pub certificate: Option<StringValue>,
    /// Whether port 80 redirects to 443 (always true once checked).
    pub redirect_http: bool,
    /// The TLS policy.
    pub ssl_policy: String,
    /// The block.
    pub span: Span,
}

/// A WAF managed rule group in use.
#[derive(Clone, Debug)]
pub struct ManagedRule {
    /// The short name (`common`).
    pub key: String,
    /// AWS's name (`AWSManagedRulesCommonRuleSet`).
    pub name: String,
    /// Rules of the group to count instead of block.
    pub count_rules: Vec<String>,
}

/// `waf { ... }`.
#[derive(Clone, Debug)]
pub struct Waf {
    /// Managed rule groups, in priority order.
    pub managed: Vec<ManagedRule>,
    /// Requests per 5 minutes per address, if rate limiting.
    pub rate_limit: Option<u32>,
    /// The block.
    pub span: Span,
}

/// Shield protection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shield {
    /// Shield Standard (automatic, nothing to create).
    Standard,
    /// Shield Advanced protection of the load balancer.
    Advanced,
}

/// `load_balancer front { ... }`: an internet-facing ALB.
#[derive(Clone, Debug)]
pub struct LoadBalancer {
    /// `front`.
    pub name: Name,
    /// Index into [`Network::tiers`].
    pub tier: usize,
    /// Index into [`Model::security_groups`].
    pub security_group: usize,
    /// Where `subnets` is set.
    pub subnets_span: Span,
    /// Where `security_group` is set.
    pub security_group_span: Span,
    /// HTTPS listener, if any.
    pub https: Option<Https>,
    /// Where `https { ... }` is written, even when its certificate is in
    /// error (then `https` is `None`).
    pub https_written: Option<Span>,
    /// WAF web ACL, if any.
    pub waf: Option<Waf>,
    /// Shield.
    pub shield: Shield,
    /// Idle timeout in seconds.
    pub idle_timeout: u32,
    /// Deletion protection.
    pub deletion_protection: bool,
    /// Access logs to a dedicated bucket.
    pub access_logs: bool,
    /// App server groups behind it (indices into [`Model::app_servers`]).
    pub targets: Vec<usize>,
    /// The block.
    pub span: Span,
}

/// Where an AMI comes from.
#[derive(Clone, Debug)]
pub enum Image {
    /// `ssm("/aws/service/...")`: a public SSM parameter.
    Ssm(String),
    /// `"ami-..."`.
    Ami(String),
    /// `param.NAME`.
    Param(usize),
}

/// How operators reach instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Session Manager (no inbound port, no key pair).
    SessionManager,
    /// No interactive access.
    None,
}

/// `scaling { min, max, target_cpu }`.
#[derive(Clone, Debug)]
pub struct Scaling {
    /// Minimum instances.
    pub min: u32,
    /// Maximum instances.
    pub max: u32,
    /// Target average CPU, percent.
    pub target_cpu: f64,
    /// The block.
    pub span: Span,
    /// The `min` value.
    pub min_span: Span,
    /// The `max` value.
    pub max_span: Span,
}

/// `behind front { health_check = "/" }`.
#[derive(Clone, Debug)]
pub struct Behind {
    /// Index into [`Model::load_balancers`].
    pub load_balancer: usize,
    /// Health check path.
    pub health_check: String,
    /// Where the path is written, when the source writes one.
    pub health_check_span: Option<Span>,
    /// The block.
    pub span: Span,
}

/// `app_servers moodle { ... }`: a launch template and an Auto Scaling group.
#[derive(Clone, Debug)]
pub struct AppServers {
    /// `moodle`.
    pub name: Name,
    /// Index into [`Network::tiers`].
    pub tier: usize,
    /// Index into [`Model::security_groups`].
    pub security_group: usize,
    /// Where `subnets` is set.
    pub subnets_span: Span,
    /// Where `security_group` is set.
    pub security_group_span: Span,
    /// `m6i.large`.
    pub instance_type: String,
    /// The AMI.
    pub image: Image,
    /// Operator access.
    pub access: Access,
    /// The port Moodle listens on (target group port).
    pub port: u16,
    /// Root volume size.
    pub volume_gb: u32,
    /// Scaling bounds.
    pub scaling: Scaling,
    /// The load balancer in front, if any.
    pub behind: Option<Behind>,
    /// The block.
    pub span: Span,
}

/// A database engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// MySQL.
    Mysql,
    /// PostgreSQL.
    Postgres,
    /// MariaDB.
    Mariadb,
}

impl Engine {
    /// The engine as written (`mysql`), also the key into the stdlib.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Mysql => "mysql",
            Engine::Postgres => "postgres",
            Engine::Mariadb => "mariadb",
        }
    }

    /// The engine's port.
    pub fn port(self) -> u16 {
        match self {
            Engine::Postgres => 5432,
            Engine::Mysql | Engine::Mariadb => 3306,
        }
    }
}

/// `database moodle_db { ... }`: an RDS instance.
#[derive(Clone, Debug)]
pub struct Database {
    /// `moodle_db`.
    pub name: Name,
    /// Engine.
    pub engine: Engine,
    /// Engine version (`8.0`).
    pub version: String,
    /// Instance class (`db.r6g.large`).
    pub class: String,
    /// Allocated storage.
    pub storage_gb: u32,
    /// Index into [`Network::tiers`].
    pub tier: usize,
    /// Index into [`Model::security_groups`].
    pub security_group: usize,
    /// Where `subnets` is set.
    pub subnets_span: Span,
    /// Where `security_group` is set.
    pub security_group_span: Span,
    /// Multi-AZ standby.
    pub multi_az: bool,
    /// Automated backup retention.
    pub backup_days: u32,
    /// Deletion protection, and snapshot on delete/replace.
    pub deletion_protection: bool,
    /// Storage encryption.
    pub encrypted: bool,
    /// Performance Insights.
    pub performance_insights: bool,
    /// The initial database's name.
    pub db_name: String,
    /// The master user (its password is managed by RDS in Secrets Manager).
    pub username: String,
    /// The `engine` value.
    pub engine_span: Span,
    /// The block.
    pub span: Span,
}

/// EFS throughput mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throughput {
    /// Elastic throughput.
    Elastic,
    /// Bursting throughput.
    Bursting,
}

/// `file_system dataroot { ... }`: EFS with a mount target per zone.
#[derive(Clone, Debug)]
pub struct FileSystem {
    /// `dataroot`.
    pub name: Name,
    /// Index into [`Network::tiers`].
    pub tier: usize,
    /// Index into [`Model::security_groups`].
    pub security_group: usize,
    /// Where `subnets` is set.
    pub subnets_span: Span,
    /// Where `security_group` is set.
    pub security_group_span: Span,
    /// Throughput mode.
    pub throughput: Throughput,
    /// Encryption at rest.
    pub encrypted: bool,
    /// Automatic backups.
    pub backup: bool,
    /// Retain on delete.
    pub deletion_protection: bool,
    /// The block.
    pub span: Span,
}

/// A cache engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheEngine {
    /// Redis OSS.
    Redis,
    /// Valkey.
    Valkey,
    /// Memcached.
    Memcached,
}

impl CacheEngine {
    /// The engine as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheEngine::Redis => "redis",
            CacheEngine::Valkey => "valkey",
            CacheEngine::Memcached => "memcached",
        }
    }

    /// The engine's port.
    pub fn port(self) -> u16 {
        match self {
            CacheEngine::Redis | CacheEngine::Valkey => 6379,
            CacheEngine::Memcached => 11211,
        }
    }
}

/// What Moodle uses a cache for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheUse {
    /// The session store.
    Sessions,
    /// The application cache (MUC).
    Application,
    /// Both.
    Both,
}

/// `cache sessions { ... }`: an ElastiCache replication group.
#[derive(Clone, Debug)]
pub struct Cache {
    /// `sessions`.
    pub name: Name,
    /// Engine.
    pub engine: CacheEngine,
    /// Engine version, when pinned.
    pub version: Option<String>,
    /// Node type.
    pub node_type: String,
    /// Index into [`Network::tiers`].
    pub tier: usize,
    /// Index into [`Model::security_groups`].
    pub security_group: usize,
    /// Where `subnets` is set.
    pub subnets_span: Span,
    /// Where `security_group` is set.
    pub security_group_span: Span,
    /// What Moodle uses it for.
    pub usage: CacheUse,
    /// Encryption at rest and in transit.
    pub encrypted: bool,
    /// Snapshot on delete.
    pub deletion_protection: bool,
    /// The block.
    pub span: Span,
}

/// `object_storage moodledata { ... }`: an S3 bucket (Moodle's file pool).
#[derive(Clone, Debug)]
pub struct Bucket {
    /// `moodledata`.
    pub name: Name,
    /// Versioning.
    pub versioning: bool,
    /// Days after which noncurrent versions expire.
    pub expire_noncurrent_days: u32,
    /// Retain on delete.
    pub deletion_protection: bool,
    /// The block.
    pub span: Span,
}

/// A metric a component offers, resolved from the stdlib.
#[derive(Clone, Debug)]
pub struct Metric {
    /// The name in the language (`target_5xx`).
    pub key: String,
    /// CloudWatch namespace.
    pub namespace: String,
    /// CloudWatch metric name.
    pub metric: String,
    /// Statistic.
    pub statistic: String,
    /// Dimension kinds (`LoadBalancer`, `TargetGroup`, ...).
    pub dimensions: Vec<String>,
    /// TreatMissingData.
    pub missing: String,
}

/// `alarm front.target_5xx > 10 for 5m`.
#[derive(Clone, Debug)]
pub struct Alarm {
    /// `front_target_5xx`: the base of identifiers.
    pub name: String,
    /// The component measured.
    pub component: ComponentRef,
    /// The component's name.
    pub component_name: String,
    /// The metric.
    pub metric: Metric,
    /// The comparison.
    pub comparator: Comparator,
    /// The threshold.
    pub threshold: f64,
    /// Period in seconds.
    pub period: u32,
    /// Number of periods.
    pub evaluation_periods: u32,
    /// The rule.
    pub span: Span,
}

impl Alarm {
    /// CloudFormation / CloudWatch comparison operator.
    pub fn comparison_operator(&self) -> &'static str {
        match self.comparator {
            Comparator::Greater => "GreaterThanThreshold",
            Comparator::GreaterOrEqual => "GreaterThanOrEqualToThreshold",
            Comparator::Less => "LessThanThreshold",
            Comparator::LessOrEqual => "LessThanOrEqualToThreshold",
        }
    }
}

/// The `monitoring` block.
#[derive(Clone, Debug)]
pub struct Monitoring {
    /// Log retention.
    pub retention_days: u32,
    /// Email addresses notified by the alarms.
    pub notify: Vec<String>,
    /// Where each address is written.
    pub notify_spans: Vec<Span>,
    /// Alarms.
    pub alarms: Vec<Alarm>,
    /// The block, if written.
    pub span: Option<Span>,
}

/// `site { ... }`: the Moodle site the app servers install and run.
#[derive(Clone, Debug)]
pub struct Site {
    /// `https://moodle.example.edu`, no trailing slash.
    pub wwwroot: String,
    /// Where `wwwroot` is written.
    pub wwwroot_span: Span,
    /// The code archive: `https://...` or `s3://bucket/key`.
    pub code: String,
    /// Where `code` is written.
    pub code_span: Span,
    /// Its SHA-256 (lowercase hex when written; a `param` is supplied at
    /// deploy time).
    pub code_sha256: StringValue,
    /// The admin's user name.
    pub admin: String,
    /// The admin's email address.
    pub admin_email: String,
    /// The site's full name.
    pub full_name: String,
    /// The site's short name.
    pub short_name: String,
    /// PHP settings.
    pub php: Php,
    /// The site's domain name, when the source gives one: the certificate,
    /// the DNS records and `wwwroot` follow from it.
    pub domain: Option<Domain>,
    /// Outbound email through Amazon SES.
    pub email: Option<Email>,
    /// The block's keyword.
    pub head: Span,
    /// The block.
    pub span: Span,
}

impl Site {
    /// Whether the site is served over HTTPS.
    pub fn https(&self) -> bool {
        self.wwwroot.starts_with("https://")
    }

    /// The S3 bucket and key of an `s3://` code archive.
    pub fn code_object(&self) -> Option<(&str, &str)> {
        self.code.strip_prefix("s3://")?.split_once('/')
    }
}

/// The site's domain name and where its DNS lives.
#[derive(Clone, Debug)]
pub struct Domain {
    /// `moodle.example.edu`, lowercase.
    pub name: String,
    /// Where it is written.
    pub span: Span,
    /// Its DNS.
    pub dns: Dns,
}

/// Where a domain's DNS records live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dns {
    /// Managed elsewhere: mhac prints the records a person must add.
    External,
    /// A Route 53 hosted zone mhac writes to.
    Route53 {
        /// The zone: its name (`example.edu`) or its id (`Z0123...`).
        zone: HostedZone,
        /// Where `dns` is written.
        span: Span,
    },
}

/// A Route 53 hosted zone, by name or by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostedZone {
    /// `example.edu`: the public zone of that name.
    Name(String),
    /// `Z0123456789ABCDEFGHIJ`.
    Id(String),
}

/// `email { ... }`: Moodle's outbound mail through Amazon SES.
#[derive(Clone, Debug)]
pub struct Email {
    /// The sender address (`$CFG->noreplyaddress`).
    pub from: String,
    /// Where it is written.
    pub from_span: Span,
    /// The SES region: the deployment's unless written.
    pub region: String,
    /// Where the region is written (the block when not).
    pub region_span: Span,
    /// The block.
    pub span: Span,
}

impl Email {
    /// The SES SMTP endpoint, host and port (STARTTLS).
    pub fn smtp_host(&self) -> String {
        format!("email-smtp.{}.amazonaws.com:587", self.region)
    }
}

/// `php { ... }`.
#[derive(Clone, Debug)]
pub struct Php {
    /// `8.3`.
    pub version: String,
    /// `max_input_vars`.
    pub max_input_vars: u32,
    /// Largest upload, MB.
    pub upload_mb: u32,
    /// `memory_limit`, MB.
    pub memory_mb: u32,
    /// The block or, without one, the site block.
    pub span: Span,
}

/// `state { ... }`: Terraform's S3 backend.
#[derive(Clone, Debug)]
pub struct RemoteState {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Region of the bucket.
    pub region: String,
    /// DynamoDB lock table; without it, S3 native locking.
    pub lock_table: Option<String>,
    /// The block.
    pub span: Span,
}

/// A model with no errors: the only input backends accept.
#[derive(Clone, Debug)]
pub struct CheckedModel(Model);

impl CheckedModel {
    /// Wrap a model the checker found no error in. Only `crate::compile`
    /// calls this.
    pub(crate) fn new(model: Model) -> CheckedModel {
        CheckedModel(model)
    }

    /// The model, no longer vouched for.
    pub(crate) fn into_inner(self) -> Model {
        self.0
    }
}

impl std::ops::Deref for CheckedModel {
    type Target = Model;
    fn deref(&self) -> &Model {
        &self.0
    }
}
