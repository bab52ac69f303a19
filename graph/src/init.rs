//! `mhac init`: the starter source. A complete, highly available Moodle
//! deployment — the seed architecture (an ALB with WAF behind the internet
//! gateway, an Auto Scaling group of app servers, RDS in isolated subnets,
//! S3 for the file pool, CloudWatch alarms) plus what a cluster of app
//! servers needs (a shared `$CFG->dataroot` on EFS and a session store in
//! ElastiCache) — with a comment that explains each block.
//!
//! The text is written in the formatter's canonical layout and checks with
//! no error and no warning for every combination of options; the tests
//! prove both through `mhac_compiler::format` and `mhac_compiler::compile`.
//! Zones are the first N of the region's zones in the compiler's stdlib,
//! and every tier gets one /24 per zone inside a /16.

use mhac_compiler::stdlib::stdlib;
use std::fmt::Write;

/// The region the starter deploys to: the one region whose zones in the
/// stdlib cover every `--zones` value.
pub const REGION: &str = "us-east-1";

/// The fewest zones: high availability needs two.
pub const MIN_ZONES: usize = 2;

/// The most zones.
pub const MAX_ZONES: usize = 6;

/// The database engine of the starter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// MySQL 8.4.
    Mysql,
    /// PostgreSQL 16.
    Postgres,
    /// MariaDB 10.11.
    Mariadb,
}

impl Engine {
    /// Every engine.
    pub const ALL: [Engine; 3] = [Engine::Mysql, Engine::Postgres, Engine::Mariadb];

    /// The engine as written, which is also its service name in `allow`.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Mysql => "mysql",
            Engine::Postgres => "postgres",
            Engine::Mariadb => "mariadb",
        }
    }

    /// A version that Moodle 4.5 supports and RDS offers.
    fn version(self) -> &'static str {
        match self {
            Engine::Mysql => "8.4",
            Engine::Postgres => "16",
            Engine::Mariadb => "10.11",
        }
    }
}

/// The profile of the starter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Production: Multi-AZ database, larger instances, deletion protection.
    Prod,
    /// Development: a single-AZ database, smaller instances, deletable.
    Dev,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 2] = [Profile::Prod, Profile::Dev];

    /// The profile as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Prod => "prod",
            Profile::Dev => "dev",
        }
    }
}

/// What `mhac init` was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Availability zones, `MIN_ZONES..=MAX_ZONES`.
    pub zones: usize,
    /// The database engine.
    pub engine: Engine,
    /// The profile.
    pub profile: Profile,
}

impl Default for Options {
    fn default() -> Options {
        Options { zones: 2, engine: Engine::Mysql, profile: Profile::Prod }
    }
}

/// Why the options cannot be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The zone count is out of range.
    Zones(usize),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Zones(zones) => write!(
                f,
                "--zones {zones}: a starter has {MIN_ZONES} to {MAX_ZONES} zones ({MIN_ZONES} is enough for high availability)"
            ),
        }
    }
}

/// The starter source for `options`.
pub fn starter(options: Options) -> Result<String, Error> {
    let Options { zones, engine, profile } = options;
    if !(MIN_ZONES..=MAX_ZONES).contains(&zones) {
        return Err(Error::Zones(zones));
    }
    let region_zones: Vec<&str> = stdlib()
        .regions
        .get(REGION)
        .map(|region| region.zones.iter().map(String::as_str).collect())
        .unwrap_or_default();
    if region_zones.len() < zones {
        return Err(Error::Zones(zones));
    }
    let zone_names: Vec<String> = region_zones[..zones].iter().map(|zone| format!("\"{zone}\"")).collect();
    let cidrs = |base: usize| -> String {
        let list: Vec<String> = (0..zones).map(|zone| format!("10.0.{}.0/24", base + zone)).collect();
        format!("[{}]", list.join(", "))
    };
    let prod = profile == Profile::Prod;
    let name = if prod { "moodle-prod" } else { "moodle-dev" };
    let (instance_type, db_class, cache_node, min, max) = if prod {
        ("m6i.large", "db.r6g.large", "cache.r7g.large", zones, zones * 4)
    } else {
        ("t3.large", "db.t4g.medium", "cache.t4g.medium", zones, zones * 2)
    };
    let engine_name = engine.as_str();
    let version = engine.version();
    let mut out = String::new();
    let _ = write!(
        out,
        r#"# A highly available Moodle on AWS, written by `mhac init`: the reference
# architecture (a load balancer with a web application firewall, a group of
# app servers across {zones} zones, a managed database with backups) plus the two
# things a cluster of app servers needs, a shared dataroot and a session store.
#
#   mhac check moodle.mha                      every rule, every mistake at once
#   mhac graph moodle.mha -o moodle.svg        the architecture diagram
#   mhac build moodle.mha --target terraform -o infra/
#
# `mhac explain CODE` explains any diagnostic.

# The deployment: its name (the stack name and the prefix of every physical
# name), region and zones (every tier has one subnet per zone), the Moodle
# version (it sets the database floors) and how strict the rules are.
deployment "{name}" {{
  region  = "{REGION}"
  zones   = [{zone_list}]
  moodle  = "4.5"
  profile = {profile}  # prod | dev
  tags    = {{ Project = "moodle", Environment = "{profile}" }}
}}

# The SHA-256 of the Moodle archive the site installs (download.moodle.org
# publishes it beside each release): `--param moodle_sha256=...`.
param moodle_sha256 : string

# The VPC. Public subnets hold the load balancer and the NAT gateways,
# private subnets the app servers and the file system's mount targets,
# isolated subnets (no route to the internet at all) the database and the
# cache. One NAT gateway per zone keeps a zone's outage from cutting the
# others off the internet.
network main {{
  cidr      = 10.0.0.0/16
  nat       = per_zone
  flow_logs = true

{public}
{app}
{data}
}}

# Security groups: who may connect to what. Only the load balancer is open
# to the internet; each data store accepts its port from the app servers
# only. mhac derives the matching outbound rules.
security_group alb {{ allow https, http from internet }}
security_group web {{ allow http from alb }}
security_group db {{ allow {engine_name} from web }}
security_group fs {{ allow nfs from web }}
security_group kv {{ allow redis from web }}

# The Application Load Balancer across the public subnets: HTTPS with the
# site domain's certificate (HTTP redirects to HTTPS) and AWS WAF's managed rules for
# common exploits, SQL injection and PHP applications. Moodle uploads are
# large, so WAF's body-size rule only counts them.
load_balancer front {{
  subnets        = main.public
  security_group = alb
  https {{ redirect_http = true }}
  waf {{
    managed             = [common, known_bad_inputs, sqli, php]
    rate_limit          = 2000
    allow_large_uploads = true
  }}
}}

# The app servers: an Auto Scaling group across the private subnets, at
# least one per zone, scaling on CPU, reached by operators through Session
# Manager (no SSH port). They boot Amazon Linux 2023 and install the site
# below; the load balancer checks the site's health endpoint.
app_servers moodle {{
  subnets        = main.app
  security_group = web
  instance_type  = "{instance_type}"
  image          = ssm("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
  access         = session_manager
  scaling {{ min = {min}, max = {max}, target_cpu = 60 }}
  behind front {{}}
}}

# The Moodle site the app servers install and run: its domain (the HTTPS
# certificate, DNS records and address follow from it), the release archive
# (installed only when its SHA-256 matches), the admin account, and mail
# through Amazon SES. The first server installs Moodle once, under a lock;
# the others join it. With `dns = external` mhac prints the DNS records to
# add; `dns = route53("example.edu")` writes them into that hosted zone.
site {{
  domain      = "moodle.example.edu"
  dns         = external
  code        = "https://download.moodle.org/download.php/direct/stable405/moodle-4.5.5.tgz"
  code_sha256 = param.moodle_sha256
  admin_email = "ops@example.edu"
  email {{ from = "noreply@moodle.example.edu" }}
}}

"#,
        zone_list = zone_names.join(", "),
        profile = profile.as_str(),
        public = tier("public", "public", &cidrs(0)),
        app = tier("app", "private", &cidrs(10)),
        data = tier("data", "isolated", &cidrs(20)),
    );
    if prod {
        let _ = write!(
            out,
            r#"# The database: RDS {engine_name} {version} in the isolated subnets, with a
# synchronous standby in a second zone (Multi-AZ) that takes over on
# failure, a week of automated backups and encrypted storage. Its master
# password is managed by RDS in Secrets Manager.
database moodle_db {{
  engine         = {engine_name}("{version}")
  class          = "{db_class}"
  storage_gb     = 100
  subnets        = main.data
  security_group = db
  multi_az       = true
  backup_days    = 7
}}

"#
        );
    } else {
        let _ = write!(
            out,
            r#"# The database: RDS {engine_name} {version} in the isolated subnets, one
# instance (a development deployment does without the Multi-AZ standby),
# three days of automated backups and encrypted storage. Its master
# password is managed by RDS in Secrets Manager.
database moodle_db {{
  engine         = {engine_name}("{version}")
  class          = "{db_class}"
  storage_gb     = 50
  subnets        = main.data
  security_group = db
  backup_days    = 3
}}

"#
        );
    }
    let _ = write!(
        out,
        r#"# Moodle's $CFG->dataroot, shared by every app server: EFS with a mount
# target in each zone. Without it each server keeps its own files and users
# see different ones depending on the server they reach.
file_system dataroot {{ subnets = main.app, security_group = fs }}

# The session store ($CFG->session_handler_class): Redis with a node per
# zone. Without it sessions live in each server's dataroot and users are
# logged out when the load balancer sends them to another server.
cache sessions {{
  engine         = redis
  node_type      = "{cache_node}"
  subnets        = main.data
  security_group = kv
}}

# The file pool in S3 (with the tool_objectfs plugin): versioned, so that a
# deleted or overwritten file can be recovered.
object_storage moodledata {{ versioning = true }}

# Alarms to an email address (an SNS topic): errors behind the load
# balancer, unhealthy app servers, a busy database.
monitoring {{
  logs {{ retention_days = 30 }}
  notify = "ops@example.edu"
  alarm front.target_5xx > 10 for 5m
  alarm front.unhealthy_hosts >= 1 for 2m
  alarm moodle_db.cpu > 80 for 10m
}}
"#
    );
    Ok(out)
}

/// A tier in the formatter's layout: on one line when it fits in 100
/// columns, else one attribute per line.
fn tier(name: &str, kind: &str, cidrs: &str) -> String {
    let one_line = format!("  tier {name} {{ kind = {kind}, cidrs = {cidrs} }}");
    if one_line.len() <= 100 {
        one_line
    } else {
        format!("  tier {name} {{\n    kind  = {kind}\n    cidrs = {cidrs}\n  }}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_out_of_range_are_refused() {
        for zones in [0, 1, 7] {
            let options = Options { zones, ..Options::default() };
            assert_eq!(starter(options), Err(Error::Zones(zones)));
        }
    }
}
