//! The schema of the language: which blocks exist, where, with which
//! attributes of which types. Lowering validates against it (unknown
//! attributes, "did you mean"), and the editor tooling reads it for
//! completion and hover.

/// What a block's label must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelRule {
    /// No label: `monitoring { ... }`.
    None,
    /// A name: `network main { ... }`.
    Name,
    /// A string: `deployment "moodle-prod" { ... }`.
    String,
    /// A reference to a component: `behind front { ... }`.
    Reference,
}

/// Which rules a block body may hold besides attributes and blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// None.
    None,
    /// `allow ... from ...`.
    Allow,
    /// `alarm ...`.
    Alarm,
}

/// One attribute.
#[derive(Debug)]
pub struct AttributeSchema {
    /// The key.
    pub name: &'static str,
    /// Its type in words (shown in completion and hover).
    pub ty: &'static str,
    /// Whether it must be written.
    pub required: bool,
    /// What it means, and its default.
    pub doc: &'static str,
}

/// One block kind.
#[derive(Debug)]
pub struct BlockSchema {
    /// The kind (`network`).
    pub kind: &'static str,
    /// Its label.
    pub label: LabelRule,
    /// Whether it may appear at the top level (else only nested).
    pub top_level: bool,
    /// Whether at most one may appear.
    pub singleton: bool,
    /// Its attributes.
    pub attributes: &'static [AttributeSchema],
    /// Kinds of the blocks it may contain.
    pub blocks: &'static [&'static str],
    /// Rules it may contain.
    pub rules: RuleKind,
    /// What it describes.
    pub doc: &'static str,
}

impl BlockSchema {
    /// The attribute named `key`.
    pub fn attribute(&self, key: &str) -> Option<&'static AttributeSchema> {
        self.attributes.iter().find(|attribute| attribute.name == key)
    }
}

macro_rules! attrs {
    ($($name:literal : $ty:literal, $required:literal, $doc:literal;)*) => {
        &[$(AttributeSchema { name: $name, ty: $ty, required: $required, doc: $doc }),*]
    };
}

/// Every block kind of the language.
pub static BLOCKS: &[BlockSchema] = &[
    BlockSchema {
        kind: "deployment",
        label: LabelRule::String,
        top_level: true,
        singleton: true,
        attributes: attrs! {
            "region": "string", true, "The AWS region, e.g. \"us-east-1\".";
            "zones": "list of strings", true, "Availability zones in the region; every tier has one subnet per zone, in this order.";
            "moodle": "string", true, "The Moodle version, e.g. \"4.5\": sets the database floors.";
            "profile": "prod | dev", false, "How strict the rules are. Default prod.";
            "tags": "map of strings", false, "Tags on every resource.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "The deployment: its name, region, zones, Moodle version and profile. Exactly one per file.",
    },
    BlockSchema {
        kind: "network",
        label: LabelRule::Name,
        top_level: true,
        singleton: true,
        attributes: attrs! {
            "cidr": "CIDR block", true, "The VPC's address range, /16 to /28.";
            "nat": "none | single | per_zone", false, "NAT gateways for private tiers. Default per_zone.";
            "flow_logs": "bool", false, "VPC flow logs to CloudWatch Logs. Default true.";
            "endpoints": "list of s3 | ssm | ssmmessages | ec2messages | logs | monitoring | secretsmanager | kms | email_smtp", false, "VPC endpoints. Default none.";
        },
        blocks: &["tier"],
        rules: RuleKind::None,
        doc: "The VPC, its tiers of subnets and how they reach the internet. Exactly one per file.",
    },
    BlockSchema {
        kind: "tier",
        label: LabelRule::Name,
        top_level: false,
        singleton: false,
        attributes: attrs! {
            "kind": "public | private | isolated", true, "public: routes to the internet gateway; private: through NAT; isolated: no internet route.";
            "cidrs": "list of CIDR blocks", true, "One subnet per zone, in the order of the deployment's zones.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "A tier of subnets, one per zone.",
    },
    BlockSchema {
        kind: "vpn",
        label: LabelRule::Name,
        top_level: true,
        singleton: false,
        attributes: attrs! {
            "network": "network name", true, "The network the VPN attaches to.";
            "customer_gateway": "IPv4 address", true, "The public address of the on-premises VPN device.";
            "bgp_asn": "number", false, "The customer gateway's BGP ASN. Default 65000.";
            "routes": "list of CIDR blocks", true, "The corporate networks reached through the VPN (static routes).";
            "reach": "list of tier names", false, "Tiers whose route tables learn the routes. Default every private and isolated tier.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "A site-to-site VPN to a corporate data centre.",
    },
    BlockSchema {
        kind: "security_group",
        label: LabelRule::Name,
        top_level: true,
        singleton: false,
        attributes: attrs! {
            "description": "string", false, "A description for the console.";
        },
        blocks: &[],
        rules: RuleKind::Allow,
        doc: "A security group: `allow SERVICE from SOURCE` rules. Outbound rules are derived from the flows other groups allow.",
    },
    BlockSchema {
        kind: "load_balancer",
        label: LabelRule::Name,
        top_level: true,
        singleton: false,
        attributes: attrs! {
            "subnets": "tier reference (network.tier)", true, "A public tier.";
            "security_group": "security group name", true, "The load balancer's group.";
            "shield": "standard | advanced", false, "Shield Advanced protection. Default standard.";
            "idle_timeout": "duration", false, "Idle connection timeout. Default 60s.";
            "deletion_protection": "bool", false, "Default true in prod, false in dev.";
            "access_logs": "bool", false, "Access logs to a dedicated bucket. Default true.";
        },
        blocks: &["https", "waf"],
        rules: RuleKind::None,
        doc: "An internet-facing application load balancer.",
    },
    BlockSchema {
        kind: "https",
        label: LabelRule::None,
        top_level: false,
        singleton: true,
        attributes: attrs! {
            "certificate": "string or param reference", false, "The ACM certificate ARN. Default, with a site `domain`: a certificate mhac requests for it (DNS-validated).";
            "redirect_http": "bool", false, "Redirect HTTP to HTTPS. Default true (and it must stay true).";
            "ssl_policy": "string", false, "Default ELBSecurityPolicy-TLS13-1-2-2021-06.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "The HTTPS listener.",
    },
    BlockSchema {
        kind: "waf",
        label: LabelRule::None,
        top_level: false,
        singleton: true,
        attributes: attrs! {
            "managed": "list of rule groups", false, "AWS managed rule groups: common, known_bad_inputs, sqli, php, linux, unix, ip_reputation, anonymous_ip, admin_protection. Default [common, known_bad_inputs].";
            "rate_limit": "number", false, "Requests per 5 minutes from one address before blocking (100 to 2000000000).";
            "allow_large_uploads": "bool", false, "Count, rather than block, bodies over 8 KB in the common rule set (Moodle uploads). Default false.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "A WAF web ACL on the load balancer.",
    },
    BlockSchema {
        kind: "app_servers",
        label: LabelRule::Name,
        top_level: true,
        singleton: false,
        attributes: attrs! {
            "subnets": "tier reference (network.tier)", true, "A private tier.";
            "security_group": "security group name", true, "The app servers' group.";
            "instance_type": "string", true, "EC2 instance type, e.g. \"m6i.large\".";
            "image": "ssm(\"/path\") | \"ami-...\" | param reference", true, "The AMI.";
            "access": "session_manager | none", false, "Operator access. Default session_manager.";
            "port": "number", false, "The port Moodle listens on. Default 80.";
            "volume_gb": "number", false, "Root volume size (encrypted gp3). Default 20.";
        },
        blocks: &["scaling", "behind"],
        rules: RuleKind::None,
        doc: "Moodle app servers: a launch template and an Auto Scaling group over the tier's zones.",
    },
    BlockSchema {
        kind: "scaling",
        label: LabelRule::None,
        top_level: false,
        singleton: true,
        attributes: attrs! {
            "min": "number", true, "Minimum instances; at least one per zone.";
            "max": "number", true, "Maximum instances.";
            "target_cpu": "number", false, "Target average CPU percent for target tracking. Default 60.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "Scaling bounds and target tracking.",
    },
    BlockSchema {
        kind: "behind",
        label: LabelRule::Reference,
        top_level: false,
        singleton: true,
        attributes: attrs! {
            "health_check": "string", false, "Health check path. Default the site's health endpoint (/mhac-health) with a site, else \"/\".";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "The load balancer in front of the app servers: `behind NAME { ... }`.",
    },
    BlockSchema {
        kind: "database",
        label: LabelRule::Name,
        top_level: true,
        singleton: false,
        attributes: attrs! {
            "engine": "mysql(\"V\") | postgres(\"V\") | mariadb(\"V\")", true, "Engine and version.";
            "class": "string", true, "Instance class, e.g. \"db.r6g.large\".";
            "storage_gb": "number", false, "Allocated storage, 20 to 65536. Default 100.";
            "subnets": "tier reference (network.tier)", true, "A private or isolated tier over at least two zones.";
            "security_group": "security group name", true, "The database's group.";
            "multi_az": "bool", false, "A synchronous standby in another zone. Default true.";
            "backup_days": "number", false, "Automated backup retention, 0 to 35. Default 7.";
            "deletion_protection": "bool", false, "Deletion protection and a final snapshot. Default true in prod, false in dev.";
            "encrypted": "bool", false, "Storage encryption. Default true.";
            "performance_insights": "bool", false, "Performance Insights. Default true.";
            "name": "string", false, "The initial database. Default \"moodle\".";
            "username": "string", false, "The master user; RDS manages its password. Default \"moodleadmin\".";
            "password": "never", false, "Not allowed: RDS manages the master password in Secrets Manager.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "Moodle's database: an RDS instance.",
    },
    BlockSchema {
        kind: "file_system",
        label: LabelRule::Name,
        top_level: true,
        singleton: false,
        attributes: attrs! {
            "subnets": "tier reference (network.tier)", true, "The tier of the mount targets (one per zone).";
            "security_group": "security group name", true, "The mount targets' group.";
            "throughput": "elastic | bursting", false, "Throughput mode. Default elastic.";
            "encrypted": "bool", false, "Encryption at rest. Default true.";
            "backup": "bool", false, "Automatic backups. Default true.";
            "deletion_protection": "bool", false, "Retain on stack deletion. Default true in prod, false in dev.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "A shared POSIX file system (EFS) for Moodle's $CFG->dataroot.",
    },
    BlockSchema {
        kind: "cache",
        label: LabelRule::Name,
        top_level: true,
        singleton: false,
        attributes: attrs! {
            "engine": "redis | valkey | memcached", true, "The cache engine.";
            "version": "string", false, "Engine version. Default the engine's current default.";
            "node_type": "string", false, "Node type. Default \"cache.t4g.medium\".";
            "subnets": "tier reference (network.tier)", true, "A private or isolated tier.";
            "security_group": "security group name", true, "The cache's group.";
            "use": "sessions | application | both", false, "What Moodle uses it for. Default sessions.";
            "encrypted": "bool", false, "Encryption at rest and in transit. Default true.";
            "deletion_protection": "bool", false, "Final snapshot on deletion. Default true in prod, false in dev.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "An ElastiCache replication group over the tier's zones: Moodle's session store or application cache.",
    },
    BlockSchema {
        kind: "object_storage",
        label: LabelRule::Name,
        top_level: true,
        singleton: false,
        attributes: attrs! {
            "versioning": "bool", false, "Object versioning. Default true.";
            "expire_noncurrent_days": "number", false, "Days before noncurrent versions expire. Default 90.";
            "deletion_protection": "bool", false, "Retain on stack deletion. Default true in prod, false in dev.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "An S3 bucket: Moodle's file pool offload (tool_objectfs). Not a dataroot.",
    },
    BlockSchema {
        kind: "monitoring",
        label: LabelRule::None,
        top_level: true,
        singleton: true,
        attributes: attrs! {
            "notify": "string or list of strings", false, "Email addresses the alarms notify.";
        },
        blocks: &["logs"],
        rules: RuleKind::Alarm,
        doc: "Logs, notifications and `alarm COMPONENT.METRIC > N for DURATION` rules.",
    },
    BlockSchema {
        kind: "logs",
        label: LabelRule::None,
        top_level: false,
        singleton: true,
        attributes: attrs! {
            "retention_days": "number", false, "Retention of every log group (a value CloudWatch Logs accepts). Default 30.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "CloudWatch Logs settings.",
    },
    BlockSchema {
        kind: "site",
        label: LabelRule::None,
        top_level: true,
        singleton: true,
        attributes: attrs! {
            "wwwroot": "string", false, "The site's address, https://host (Moodle's $CFG->wwwroot). With `domain`, leave it out: it is https:// and the domain.";
            "domain": "string", false, "The site's domain name (moodle.example.edu): the HTTPS certificate, the DNS records and wwwroot follow from it.";
            "dns": "route53(\"zone name or id\") | external", false, "Where the domain's DNS lives: a Route 53 hosted zone mhac writes to, or external (the default: mhac prints the records to add).";
            "code": "string", true, "The Moodle code archive: an https:// URL (the official release, download.moodle.org) or s3://bucket/key (an archive you built, with your plugins).";
            "code_sha256": "string", true, "The archive's SHA-256, 64 hex digits: the app servers refuse anything else (download.moodle.org publishes it beside each archive).";
            "admin": "string", false, "The admin account's user name. Default \"admin\"; its password is generated into Secrets Manager.";
            "admin_email": "string", true, "The admin account's email address.";
            "full_name": "string", false, "The site's full name. Default the deployment's name.";
            "short_name": "string", false, "The site's short name. Default \"moodle\".";
        },
        blocks: &["php", "email"],
        rules: RuleKind::None,
        doc: "The Moodle site the app servers run: the code, the address, the admin account. The app servers install it on boot, exactly once, and keep its cron running.",
    },
    BlockSchema {
        kind: "email",
        label: LabelRule::None,
        top_level: false,
        singleton: true,
        attributes: attrs! {
            "from": "string", true, "The sender address ($CFG->noreplyaddress), in the site's domain: noreply@moodle.example.edu.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "Moodle's outbound mail through Amazon SES: the domain verified with DKIM, a MAIL FROM subdomain, SMTP credentials in Secrets Manager.",
    },
    BlockSchema {
        kind: "php",
        label: LabelRule::None,
        top_level: false,
        singleton: true,
        attributes: attrs! {
            "version": "string", false, "The PHP version. Default the newest the release supports that Amazon Linux 2023 offers.";
            "max_input_vars": "number", false, "PHP max_input_vars. Default 5000, what Moodle 4.5 and later need.";
            "upload_mb": "number", false, "The largest upload, in MB (PHP and nginx). Default 100.";
            "memory_mb": "number", false, "PHP memory_limit, in MB. Default 512.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "PHP settings for Moodle.",
    },
    BlockSchema {
        kind: "state",
        label: LabelRule::None,
        top_level: true,
        singleton: true,
        attributes: attrs! {
            "bucket": "string", true, "S3 bucket holding the Terraform state.";
            "key": "string", true, "Object key of the state.";
            "region": "string", false, "The bucket's region. Default the deployment's region.";
            "lock_table": "string", false, "DynamoDB table for state locking. Default S3 native locking.";
        },
        blocks: &[],
        rules: RuleKind::None,
        doc: "Terraform remote state in S3 (Terraform backend only).",
    },
];

/// Words an `allow` rule reads as something other than a component's name
/// in its source position (`allow https from internet`): no component may
/// be named so, or a rule naming it would mean the word instead.
pub const SOURCE_WORDS: &[&str] = &["internet"];

/// The schema of a block kind.
pub fn block(kind: &str) -> Option<&'static BlockSchema> {
    BLOCKS.iter().find(|block| block.kind == kind)
}

/// The kinds that may appear at the top level.
pub fn top_level_kinds() -> impl Iterator<Item = &'static str> {
    BLOCKS.iter().filter(|block| block.top_level).map(|block| block.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_kinds_exist_and_top_level_keywords_match_the_grammar() {
        for schema in BLOCKS {
            for nested in schema.blocks {
                assert!(block(nested).is_some_and(|b| !b.top_level), "{nested}");
            }
        }
        let mut kinds: Vec<_> = top_level_kinds().collect();
        kinds.push("param");
        kinds.sort_unstable();
        let mut keywords = crate::syntax::TOP_LEVEL_KEYWORDS.to_vec();
        keywords.sort_unstable();
        assert_eq!(kinds, keywords);
    }
}
