//! Decisions both printers make the same way, in one place, so the
//! CloudFormation template and the Terraform configuration of a source
//! describe the same components (DESIGN §4).
//!
//! Each function answers one question about a checked model: whether a
//! deployment-wide resource exists, where a component goes, which optional
//! protection a component gets. The plan builder ([`super::build`]) calls
//! them once; printers read the answers from the parts.

use crate::model::{Cache, CacheEngine, Model, Name, TierKind};

/// Whether a cache gets an AUTH token (kept in Secrets Manager, encrypted
/// with the deployment's key): Redis with encryption, and Valkey always
/// (it needs encryption in transit, which an AUTH token goes with).
/// Memcached has no AUTH token.
pub fn has_auth_token(cache: &Cache) -> bool {
    match cache.engine {
        CacheEngine::Redis => cache.encrypted,
        CacheEngine::Valkey => true,
        CacheEngine::Memcached => false,
    }
}

/// Whether a cache encrypts traffic in transit: with an AUTH token (see
/// [`has_auth_token`]), and Memcached when `encrypted` (TLS without AUTH).
pub fn transit_encryption(cache: &Cache) -> bool {
    match cache.engine {
        CacheEngine::Memcached => cache.encrypted,
        CacheEngine::Redis | CacheEngine::Valkey => has_auth_token(cache),
    }
}

/// Whether a cache is encrypted at rest with the deployment's key: Redis
/// and Valkey when `encrypted` (ElastiCache cannot encrypt Memcached at
/// rest).
pub fn cache_at_rest_key(cache: &Cache) -> bool {
    cache.encrypted && cache.engine != CacheEngine::Memcached
}

/// Whether the deployment has its KMS key, and so whether anything uses it:
/// log groups (flow logs, WAF logs, the app servers' logs), the alarm
/// topic, cache AUTH-token secrets, encrypted file systems and caches,
/// Performance Insights, and the object storage buckets (SSE-KMS).
pub fn encryption_key_needed(model: &Model) -> bool {
    model.network.flow_logs
        || model.load_balancers.iter().any(|lb| lb.waf.is_some())
        || !model.monitoring.notify.is_empty()
        || !model.app_servers.is_empty()
        || model.caches.iter().any(|c| has_auth_token(c) || cache_at_rest_key(c))
        || model.file_systems.iter().any(|fs| fs.encrypted)
        || model.databases.iter().any(|db| db.performance_insights)
        || !model.buckets.is_empty()
}

/// Whether the deployment has its bucket for S3 server access logs: when
/// another bucket writes them (object storage, load balancer log buckets).
pub fn access_log_bucket_needed(model: &Model) -> bool {
    !model.buckets.is_empty() || model.load_balancers.iter().any(|lb| lb.access_logs)
}

/// The tier interface VPC endpoints are placed in (an index into the
/// network's tiers): the first non-public tier that holds app servers (the
/// checker counts the endpoints' addresses there, MHA213), else the first
/// non-public tier.
pub fn endpoint_tier(model: &Model) -> Option<usize> {
    let tiers = &model.network.tiers;
    let non_public = |index: &usize| tiers.get(*index).is_some_and(|tier| tier.kind != TierKind::Public);
    model.app_servers.iter().map(|app| app.tier).find(non_public).or_else(|| (0..tiers.len()).find(non_public))
}

/// Whether the network has interface endpoints (and so their security
/// group), given a tier to put them in.
pub fn has_interface_endpoints(model: &Model) -> bool {
    endpoint_tier(model).is_some() && model.network.endpoints.iter().any(|e| !e.is_gateway())
}

/// The security groups of the app servers, each once, in model order: the
/// groups the interface endpoints admit HTTPS from.
pub fn app_server_groups(model: &Model) -> Vec<usize> {
    let mut groups: Vec<usize> = model.app_servers.iter().map(|app| app.security_group).collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// Whether an app server group gets a CPU target-tracking policy: only
/// with room to scale (target tracking with `max == min` does nothing, and
/// cfn-lint E3712 rejects it).
pub fn has_scaling_policy(min: u32, max: u32) -> bool {
    max > min
}

/// The load balancer's target group health check: Moodle answers `303`
/// before it is installed and when it redirects to its canonical URL, so a
/// `200`-only matcher would have Auto Scaling replace every instance until
/// the installer has run.
pub const HEALTH_CHECK_MATCHER: &str = "200,303";
/// Seconds between health checks.
pub const HEALTH_CHECK_INTERVAL: u32 = 30;
/// Seconds a health check may take.
pub const HEALTH_CHECK_TIMEOUT: u32 = 10;
/// Consecutive successes before a target is healthy.
pub const HEALTHY_THRESHOLD: u32 = 2;
/// Consecutive failures before a target is unhealthy.
pub const UNHEALTHY_THRESHOLD: u32 = 3;
/// Seconds a deregistering target keeps its connections.
pub const DEREGISTRATION_DELAY: u32 = 60;

/// The name of the WAF's rate-based rule.
pub const RATE_LIMIT_RULE: &str = "RateLimitPerAddress";

/// The WAF metric base name of a load balancer's web ACL: deployment and
/// load balancer names, letters and digits only (`MoodleProdFront`).
pub fn waf_metric_base(model: &Model, load_balancer: &Name) -> String {
    metric_name(&format!("{}{}", model.deployment.name.pascal(), load_balancer.pascal()))
}

/// A WAF metric name: letters and digits only.
pub fn metric_name(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// Days an S3 log bucket keeps noncurrent versions (logs are written once;
/// versioning is on only so that an overwrite can be undone).
pub const LOG_NONCURRENT_DAYS: u32 = 1;
/// Days after which an incomplete upload to a log bucket is aborted.
pub const LOG_ABORT_UPLOAD_DAYS: u32 = 1;
/// Days after which an incomplete upload to object storage is aborted.
pub const ABORT_UPLOAD_DAYS: u32 = 7;
/// Days automatic ElastiCache snapshots are kept.
pub const CACHE_SNAPSHOT_DAYS: u32 = 7;
/// Seconds between RDS enhanced-monitoring samples.
pub const DB_MONITORING_INTERVAL: u32 = 60;
/// Days Performance Insights data is kept (the free tier).
pub const PERFORMANCE_INSIGHTS_DAYS: u32 = 7;
/// Seconds over which VPC flow logs aggregate records.
pub const FLOW_LOG_AGGREGATION: u32 = 60;
/// Days a deleted KMS key can still be recovered.
pub const KEY_DELETION_WINDOW: u32 = 30;
/// Seconds a new instance has before its health checks count.
pub const HEALTH_CHECK_GRACE: u32 = 300;

/// A WAF web ACL's description: letters, digits, spaces and `+=:#@/-,.`
/// only (the pattern WAF and its CloudFormation schema enforce); any other
/// character (`_`, letters outside ASCII) becomes `-`, and the text starts
/// and ends with an allowed character other than a space or `+`.
pub fn waf_description(deployment: &str, load_balancer: &str) -> String {
    let text = format!("{deployment}: web ACL of load balancer {load_balancer}");
    let allowed = |c: char| c.is_ascii_alphanumeric() || " +=:#@/-,.".contains(c);
    let mut out: String = text.chars().map(|c| if allowed(c) { c } else { '-' }).collect();
    out.truncate(256);
    let edge_ok = |c: char| c != ' ' && c != '+';
    if !out.starts_with(edge_ok) {
        out.insert(0, 'w');
    }
    if !out.ends_with(edge_ok) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waf_descriptions_use_allowed_characters_only() {
        assert_eq!(waf_description("moodle-prod", "front"), "moodle-prod: web ACL of load balancer front");
        assert_eq!(waf_description("moodle-prød", "front_door1"), "moodle-pr-d: web ACL of load balancer front-door1");
        let long = waf_description(&"x".repeat(300), "lb");
        assert!(long.len() <= 257 && long.is_ascii());
    }
}
