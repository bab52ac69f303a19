//! The standard library: facts the rules need (regions and zones, Moodle's
//! version floors, service ports, WAF rule groups, metrics)
//! kept as data in the repository's `stdlib/` folder and embedded at build
//! time. Code asks questions of it; no fact is hard-coded in a rule.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// All of the standard library.
#[derive(Debug)]
pub struct Stdlib {
    /// Regions and their zones.
    pub regions: BTreeMap<String, Region>,
    /// Moodle versions and their floors.
    pub moodle: Moodle,
    /// Named services (`https`, `mysql`) and engine facts.
    pub services: Services,
    /// WAF managed rule groups.
    pub waf: Waf,
    /// Metrics per component kind, and the allowed log retentions.
    pub metrics: Metrics,
}

/// One AWS region.
#[derive(Debug, Deserialize)]
pub struct Region {
    /// Its zones (`us-east-1a`, ...).
    pub zones: Vec<String>,
    /// The Elastic Load Balancing account that writes access logs, in
    /// regions that have one.
    pub elb_log_account: Option<String>,
}

#[derive(Deserialize)]
struct RegionsFile {
    regions: BTreeMap<String, Region>,
}

/// Moodle versions.
#[derive(Debug, Deserialize)]
pub struct Moodle {
    /// Per version: floors.
    pub versions: BTreeMap<String, MoodleVersion>,
    /// Engines Moodle or mhac does not support, with the reason.
    pub unsupported_engines: BTreeMap<String, String>,
}

/// What one Moodle version needs.
#[derive(Debug, Deserialize)]
pub struct MoodleVersion {
    /// Minimum PHP.
    pub php: String,
    /// Newest PHP the release supports.
    #[serde(default)]
    pub php_max: Option<String>,
    /// Long-term support release.
    pub lts: bool,
    /// Minimum version per database engine.
    pub engines: BTreeMap<String, String>,
}

/// Named services and engines.
#[derive(Debug, Deserialize)]
pub struct Services {
    /// `https` → tcp 443.
    pub services: BTreeMap<String, Service>,
    /// Engine facts.
    pub engines: BTreeMap<String, EngineFacts>,
}

/// A named service.
#[derive(Debug, Deserialize)]
pub struct Service {
    /// `tcp` or `udp`.
    pub protocol: String,
    /// The port.
    pub port: u16,
    /// What it is.
    pub doc: String,
}

/// Facts about a database or cache engine.
#[derive(Debug, Deserialize)]
pub struct EngineFacts {
    /// The service (port) it listens on.
    pub service: String,
    /// The RDS `Engine` value, for databases.
    #[serde(default)]
    pub rds_engine: Option<String>,
    /// Log types RDS can export to CloudWatch.
    #[serde(default)]
    pub log_exports: Vec<String>,
    /// Prefix of the parameter group family (`mysql` + `8.0`).
    #[serde(default)]
    pub family_prefix: Option<String>,
    /// Major version (`8.0`, `16`) → the full RDS engine version templates
    /// name for it (`8.0.46`, `16.13`): the newest minor version RDS creates,
    /// from the generated facts (`crate::aws`).
    #[serde(skip)]
    pub rds_versions: BTreeMap<String, String>,
}

impl EngineFacts {
    /// The full RDS engine version for a version as written: a major
    /// version the table knows becomes its minor version; anything else
    /// (already a full version) is kept.
    pub fn rds_version(&self, version: &str) -> String {
        self.rds_versions.get(version).cloned().unwrap_or_else(|| version.to_string())
    }
}

/// WAF managed rule groups.
#[derive(Debug, Deserialize)]
pub struct Waf {
    /// Web ACL capacity limit.
    pub capacity_limit: u32,
    /// Short name → group.
    pub managed: BTreeMap<String, ManagedGroup>,
    /// The rule that blocks large uploads.
    pub upload_rule: UploadRule,
}

/// An AWS managed rule group.
#[derive(Debug, Deserialize)]
pub struct ManagedGroup {
    /// AWS's name for it.
    pub name: String,
    /// Capacity units it uses.
    pub wcu: u32,
    /// What it blocks.
    pub doc: String,
}

/// The rule that blocks Moodle uploads.
#[derive(Debug, Deserialize)]
pub struct UploadRule {
    /// The short name of its group.
    pub group: String,
    /// The rule's name.
    pub rule: String,
}

/// Metrics.
#[derive(Debug, Deserialize)]
pub struct Metrics {
    /// Component kind → metric name → metric.
    pub components: BTreeMap<String, BTreeMap<String, MetricDef>>,
    /// Retention values CloudWatch Logs accepts.
    pub log_retention_days: Vec<u32>,
}

/// A CloudWatch metric.
#[derive(Debug, Deserialize)]
pub struct MetricDef {
    /// Namespace.
    pub namespace: String,
    /// Metric name.
    pub metric: String,
    /// Statistic.
    pub statistic: String,
    /// Dimension kinds.
    pub dimensions: Vec<String>,
    /// TreatMissingData.
    pub missing: String,
    /// Fixed period, for daily metrics.
    #[serde(default)]
    pub period: Option<u32>,
    /// What it measures.
    pub doc: String,
}

/// The standard library, parsed once.
pub fn stdlib() -> &'static Stdlib {
    static STDLIB: OnceLock<Stdlib> = OnceLock::new();
    STDLIB.get_or_init(|| {
        // The files are part of the build; a test parses each of them, so a
        // malformed file fails the test suite rather than a user's run.
        Stdlib {
            regions: parse::<RegionsFile>(include_str!("../../stdlib/regions.json")).regions,
            moodle: parse(include_str!("../../stdlib/moodle.json")),
            services: services(),
            waf: parse(include_str!("../../stdlib/waf.json")),
            metrics: parse(include_str!("../../stdlib/metrics.json")),
        }
    })
}

/// The services, with each RDS engine's major versions from the generated
/// facts.
fn services() -> Services {
    let mut services: Services = parse(include_str!("../../stdlib/services.json"));
    for facts in services.engines.values_mut() {
        if let Some(versions) = facts.rds_engine.as_ref().and_then(|e| crate::aws::facts().rds_engine_versions.get(e)) {
            facts.rds_versions = versions.majors.clone();
        }
    }
    services
}

fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> T {
    #[allow(clippy::expect_used)]
    serde_json::from_str(text).expect("stdlib files are valid (tested by stdlib::tests)")
}

/// Compare dotted version strings numerically (`10.6.7` < `10.11.0`).
pub fn version_at_least(version: &str, floor: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.trim().parse::<u64>().unwrap_or(0)).collect() };
    let (version, floor) = (parts(version), parts(floor));
    for i in 0..version.len().max(floor.len()) {
        let (a, b) = (version.get(i).copied().unwrap_or(0), floor.get(i).copied().unwrap_or(0));
        if a != b {
            return a > b;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdlib_parses_and_is_consistent() {
        let lib = stdlib();
        assert!(lib.regions["us-east-1"].zones.contains(&"us-east-1a".to_string()));
        for (engine, facts) in &lib.services.engines {
            assert!(lib.services.services.contains_key(&facts.service), "{engine}");
        }
        for version in lib.moodle.versions.values() {
            for engine in version.engines.keys() {
                assert!(lib.services.engines.contains_key(engine), "{engine}");
            }
        }
        assert!(lib.waf.managed.contains_key(&lib.waf.upload_rule.group));
        for (engine, facts) in &lib.services.engines {
            for (major, full) in &facts.rds_versions {
                assert!(full.starts_with(&format!("{major}.")), "{engine} {major} -> {full}");
                assert_eq!(&facts.rds_version(major), full);
            }
        }
    }

    #[test]
    fn versions() {
        assert!(version_at_least("10.11.0", "10.6.7"));
        assert!(!version_at_least("8.0", "8.4"));
        assert!(version_at_least("8.4", "8.4"));
        assert!(version_at_least("16", "15"));
        assert!(!version_at_least("14.9", "15"));
    }
}
