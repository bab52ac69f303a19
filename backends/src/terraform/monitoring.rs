//! Monitoring: log groups, the notification topic and the alarms.
//!
//! * `aws_cloudwatch_log_group.APP_app_logs` per app server group (what the
//!   CloudWatch agent writes to; the instance role carries its policy); the
//!   flow-log and WAF log groups are made by their areas with [`log_group`].
//!   Every log group keeps `monitoring.logs.retention_days`.
//! * `aws_sns_topic.notify` with one `aws_sns_topic_subscription.notify_EMAIL`
//!   per address of `notify`.
//! * `aws_cloudwatch_metric_alarm.ALARM` per `alarm`, its dimensions
//!   referring to the component measured, notifying the topic on alarm and
//!   on recovery.

use super::doc::{Area, Doc, Res, list, reference, tags};
use super::names::{address, label};
use hcl::expr::Expression;
use mhac_compiler::ast::Comparator;
use mhac_compiler::model::{Alarm, CacheEngine, ComponentRef};

/// Retention below which checkov's one-year check (CKV_AWS_338) fails.
const ONE_YEAR: u32 = 365;

/// A log group with the deployment's retention. Encryption is CloudWatch
/// Logs' own (the source declares no KMS key), which the skip says.
pub fn log_group(doc: &Doc<'_>, name: String, log_name: String) -> Res {
    let retention = doc.model.monitoring.retention_days;
    let mut res = Res::resource("aws_cloudwatch_log_group", name)
        .attr("name", log_name)
        .attr("retention_in_days", retention)
        .skip(
            "CKV_AWS_158",
            "encrypted at rest by CloudWatch Logs with its own key; the source declares no customer-managed KMS key",
        );
    if retention < ONE_YEAR {
        res = res.skip(
            "CKV_AWS_338",
            format!(
                "retention is the source's monitoring.logs.retention_days ({retention} days), chosen by its author"
            ),
        );
    }
    res
}

/// Build the app log groups, the topic and the alarms.
pub fn build(doc: &mut Doc<'_>) {
    let model = doc.model;
    for app in &model.app_servers {
        let name = app.name.as_str();
        let group = log_group(doc, address(&[name, "app_logs"]), format!("/mhac/{}/{name}", doc.deployment()));
        doc.add(Area::Monitoring, group);
    }

    let monitoring = &model.monitoring;
    let topic = (!monitoring.notify.is_empty()).then(|| reference("aws_sns_topic", "notify", "arn"));
    if !monitoring.notify.is_empty() {
        doc.add(
            Area::Monitoring,
            Res::resource("aws_sns_topic", "notify")
                .attr("name", doc.physical(&["alarms"], 256))
                .attr("display_name", format!("{} alarms", doc.deployment()))
                .skip(
                    "CKV_AWS_26",
                    "CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and the source declares no customer-managed KMS key",
                ),
        );
        for email in &monitoring.notify {
            doc.add(
                Area::Monitoring,
                Res::resource("aws_sns_topic_subscription", address(&["notify", &label(email)]))
                    .attr("topic_arn", reference("aws_sns_topic", "notify", "arn"))
                    .attr("protocol", "email")
                    .attr("endpoint", email.as_str()),
            );
        }
    }

    for alarm in &monitoring.alarms {
        let mut res = Res::resource("aws_cloudwatch_metric_alarm", alarm.name.as_str())
            .attr("alarm_name", doc.physical(&[&alarm.name], 255))
            .attr("alarm_description", describe(alarm))
            .attr("namespace", alarm.metric.namespace.as_str())
            .attr("metric_name", alarm.metric.metric.as_str())
            .attr("statistic", alarm.metric.statistic.as_str())
            .attr("period", alarm.period)
            .attr("evaluation_periods", alarm.evaluation_periods)
            .attr("threshold", alarm.threshold)
            .attr("comparison_operator", alarm.comparison_operator())
            .attr("treat_missing_data", alarm.metric.missing.as_str())
            .attr("dimensions", tags(dimensions(doc, alarm)));
        if let Some(topic) = &topic {
            res = res.attr("alarm_actions", list([topic.clone()])).attr("ok_actions", list([topic.clone()]));
        }
        doc.add(Area::Monitoring, res);
    }
}

/// `front.target_5xx > 10 for 300 seconds`.
fn describe(alarm: &Alarm) -> String {
    let op = match alarm.comparator {
        Comparator::Greater => ">",
        Comparator::GreaterOrEqual => ">=",
        Comparator::Less => "<",
        Comparator::LessOrEqual => "<=",
    };
    format!(
        "{}.{} {op} {} for {} seconds (mhac)",
        alarm.component_name,
        alarm.metric.key,
        alarm.threshold,
        u64::from(alarm.period) * u64::from(alarm.evaluation_periods)
    )
}

/// The alarm's dimensions, each a reference to the component measured.
fn dimensions(doc: &Doc<'_>, alarm: &Alarm) -> Vec<(String, Expression)> {
    let model = doc.model;
    let mut out = Vec::new();
    for kind in &alarm.metric.dimensions {
        let value = match (kind.as_str(), alarm.component) {
            ("LoadBalancer", ComponentRef::LoadBalancer(i)) => {
                model.load_balancers.get(i).map(|lb| reference("aws_lb", lb.name.as_str(), "arn_suffix"))
            }
            ("TargetGroup", ComponentRef::LoadBalancer(i)) => model
                .load_balancers
                .get(i)
                .and_then(|lb| lb.targets.first())
                .and_then(|t| model.app_servers.get(*t))
                .map(|app| reference("aws_lb_target_group", app.name.as_str(), "arn_suffix")),
            ("AutoScalingGroupName", ComponentRef::AppServers(i)) => {
                model.app_servers.get(i).map(|app| reference("aws_autoscaling_group", app.name.as_str(), "name"))
            }
            ("DBInstanceIdentifier", ComponentRef::Database(i)) => {
                model.databases.get(i).map(|db| reference("aws_db_instance", db.name.as_str(), "identifier"))
            }
            ("FileSystemId", ComponentRef::FileSystem(i)) => {
                model.file_systems.get(i).map(|fs| reference("aws_efs_file_system", fs.name.as_str(), "id"))
            }
            ("ReplicationGroupId" | "CacheClusterId", ComponentRef::Cache(i)) => model.caches.get(i).map(|cache| {
                if cache.engine == CacheEngine::Memcached {
                    reference("aws_elasticache_cluster", cache.name.as_str(), "cluster_id")
                } else {
                    reference("aws_elasticache_replication_group", cache.name.as_str(), "id")
                }
            }),
            ("BucketName", ComponentRef::Bucket(i)) => {
                model.buckets.get(i).map(|b| reference("aws_s3_bucket", b.name.as_str(), "bucket"))
            }
            ("StorageType", ComponentRef::Bucket(_)) => {
                Some(Expression::from(if alarm.metric.metric == "NumberOfObjects" {
                    "AllStorageTypes"
                } else {
                    "StandardStorage"
                }))
            }
            ("VpnId", ComponentRef::Vpn(i)) => {
                model.vpns.get(i).map(|vpn| reference("aws_vpn_connection", vpn.name.as_str(), "id"))
            }
            _ => None,
        };
        // Memcached clusters are measured per cluster, not per replication group.
        let memcached = matches!(alarm.component, ComponentRef::Cache(i)
            if model.caches.get(i).is_some_and(|c| c.engine == CacheEngine::Memcached));
        let kind = if memcached && kind == "ReplicationGroupId" { "CacheClusterId".to_string() } else { kind.clone() };
        if let Some(value) = value {
            out.push((kind, value));
        }
    }
    out
}
