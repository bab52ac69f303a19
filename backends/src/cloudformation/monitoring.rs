//! Monitoring and the deployment-wide pieces: the KMS key that encrypts
//! logs, the alarm topic, secrets, file systems, caches, Performance
//! Insights and object storage; log groups; the SNS topic with its
//! email subscriptions; CloudWatch alarms with their dimensions resolved to
//! the resources they measure.

use super::intrinsics::{Builder, Id, Resource, get_att, number, r, sub};
use super::{Origin, compute, data, load_balancer, network};
use crate::decisions;
use mhac_compiler::model::{Alarm, CacheEngine, ComponentRef, Model};
use serde_json::{Value, json};

/// The deployment's KMS key.
pub(crate) const KEY: &str = "EncryptionKey";

/// The alarm topic.
pub(crate) const TOPIC: &str = "AlarmTopic";

/// Whether the model has an alarm topic.
pub(crate) fn has_topic(model: &Model) -> bool {
    !model.monitoring.notify.is_empty()
}

/// The origin of deployment-wide resources: the `monitoring` block when
/// written, else the deployment block.
fn monitoring_origin(model: &Model) -> Origin {
    Origin {
        kind: "monitoring",
        name: "monitoring".to_string(),
        span: model.monitoring.span.unwrap_or(model.deployment.span),
    }
}

/// `Retain` in production, `Delete` in development.
pub(crate) fn profile_policy(model: &Model) -> &'static str {
    if model.deployment.is_prod() { "Retain" } else { "Delete" }
}

/// The KMS key: rotated yearly; the account administers it, CloudWatch Logs
/// encrypts log groups of this account with it, and CloudWatch alarms may
/// publish to the topic it encrypts.
pub(crate) fn key(b: &mut Builder<'_>) {
    let model = b.model;
    if !decisions::encryption_key_needed(model) {
        return;
    }
    let mut statements = vec![
        json!({
            "Sid": "AccountAdministersKey",
            "Effect": "Allow",
            "Principal": { "AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root") },
            "Action": "kms:*",
            "Resource": "*"
        }),
        json!({
            "Sid": "CloudWatchLogsEncryptsLogGroups",
            "Effect": "Allow",
            "Principal": { "Service": sub("logs.${AWS::Region}.amazonaws.com") },
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*")
                }
            }
        }),
    ];
    if has_topic(model) {
        statements.push(json!({
            "Sid": "CloudWatchAlarmsPublish",
            "Effect": "Allow",
            "Principal": { "Service": "cloudwatch.amazonaws.com" },
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } }
        }));
    }
    b.add(
        Id::single(KEY),
        monitoring_origin(model),
        Resource::new(
            "AWS::KMS::Key",
            json!({
                "Description": format!("{}: encrypts logs, the alarm topic, secrets, file systems, caches, Performance Insights and object storage", model.deployment.name.text),
                "EnableKeyRotation": true,
                "PendingWindowInDays": decisions::KEY_DELETION_WINDOW,
                "KeyPolicy": { "Version": "2012-10-17", "Statement": statements },
                // No tags: moto, the local AWS of the deployment tests,
                // fails on a tagged key.
            }),
        )
        .keep(profile_policy(model)),
    );
}

/// A log group encrypted with the key and kept for `logs.retention_days`;
/// `name` only where a service requires one (WAF: `aws-waf-logs-*`).
pub(crate) fn log_group(b: &Builder<'_>, name: Option<Value>) -> Resource {
    let mut properties = json!({
        "RetentionInDays": b.model.monitoring.retention_days,
        "KmsKeyId": get_att(KEY, "Arn"),
        "Tags": b.tags(None),
    });
    if let (Some(name), Some(object)) = (name, properties.as_object_mut()) {
        let mut named = serde_json::Map::new();
        named.insert("LogGroupName".into(), name);
        named.extend(std::mem::take(object));
        *object = named;
    }
    Resource::new("AWS::Logs::LogGroup", properties).keep("Delete")
}

/// `ops@example.edu` → `OpsAtExampleDotEdu`: an ID part that keeps every
/// character's meaning, so two addresses never share an ID.
fn email_part(email: &str) -> String {
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

/// The topic, its subscriptions, and the alarms.
pub(crate) fn build(b: &mut Builder<'_>) {
    let model = b.model;
    let topic_origin = monitoring_origin(model);
    if has_topic(model) {
        b.add(
            Id::single(TOPIC),
            topic_origin.clone(),
            Resource::new(
                "AWS::SNS::Topic",
                json!({
                    "DisplayName": format!("{} alarms", model.deployment.name.text),
                    "KmsMasterKeyId": r(KEY),
                    "Tags": b.tags(None),
                }),
            ),
        );
        for email in &model.monitoring.notify {
            b.add(
                Id::new(format!("Notify{}", email_part(email)), "Subscription"),
                topic_origin.clone(),
                Resource::new(
                    "AWS::SNS::Subscription",
                    json!({ "TopicArn": r(TOPIC), "Protocol": "email", "Endpoint": email }),
                ),
            );
        }
    }
    for alarm in &model.monitoring.alarms {
        let resource = alarm_resource(b, alarm);
        b.add(
            Id::new(mhac_compiler::model::pascal_case(&alarm.name), "Alarm"),
            Origin { kind: "alarm", name: alarm.name.clone(), span: alarm.span },
            resource,
        );
    }
}

/// `300` → `5m`.
fn duration(seconds: u32) -> String {
    if seconds % 86_400 == 0 {
        format!("{}d", seconds / 86_400)
    } else if seconds % 3600 == 0 {
        format!("{}h", seconds / 3600)
    } else if seconds % 60 == 0 {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

fn alarm_resource(b: &Builder<'_>, alarm: &Alarm) -> Resource {
    let model = b.model;
    let words = match alarm.comparison_operator() {
        "GreaterThanThreshold" => "above",
        "GreaterThanOrEqualToThreshold" => "at or above",
        "LessThanThreshold" => "below",
        _ => "at or below",
    };
    let description = format!(
        "{}.{} ({} {}) {words} {} for {}",
        alarm.component_name,
        alarm.metric.key,
        alarm.metric.namespace,
        alarm.metric.metric,
        alarm.threshold,
        duration(alarm.period * alarm.evaluation_periods)
    );
    let dimensions: Vec<Value> =
        alarm.metric.dimensions.iter().filter_map(|kind| dimension(model, alarm, kind)).collect();
    let actions: Vec<Value> = if has_topic(model) { vec![r(TOPIC)] } else { Vec::new() };
    let mut properties = json!({
        "AlarmDescription": description,
        "Namespace": alarm.metric.namespace,
        "MetricName": alarm.metric.metric,
        "Dimensions": dimensions,
        "Statistic": alarm.metric.statistic,
        "Period": alarm.period,
        "EvaluationPeriods": alarm.evaluation_periods,
        "Threshold": number(alarm.threshold),
        "ComparisonOperator": alarm.comparison_operator(),
        "TreatMissingData": alarm.metric.missing,
        "Tags": b.tags(None),
    });
    if !actions.is_empty()
        && let Some(object) = properties.as_object_mut()
    {
        object.insert("AlarmActions".into(), json!(actions));
        object.insert("OKActions".into(), json!(actions));
    }
    Resource::new("AWS::CloudWatch::Alarm", properties)
}

/// One dimension of an alarm's metric, resolved to the measured resource.
fn dimension(model: &Model, alarm: &Alarm, kind: &str) -> Option<Value> {
    let (name, value) = match (alarm.component, kind) {
        (ComponentRef::LoadBalancer(i), "LoadBalancer") => {
            let lb = model.load_balancers.get(i)?;
            ("LoadBalancer", get_att(&load_balancer::load_balancer(lb), "LoadBalancerFullName"))
        }
        (ComponentRef::LoadBalancer(i), "TargetGroup") => {
            let lb = model.load_balancers.get(i)?;
            ("TargetGroup", get_att(&load_balancer::target_group(lb), "TargetGroupFullName"))
        }
        (ComponentRef::AppServers(i), "AutoScalingGroupName") => {
            ("AutoScalingGroupName", r(&compute::auto_scaling_group(model.app_servers.get(i)?)))
        }
        (ComponentRef::Database(i), "DBInstanceIdentifier") => {
            ("DBInstanceIdentifier", r(&data::db_instance(model.databases.get(i)?)))
        }
        (ComponentRef::FileSystem(i), "FileSystemId") => {
            ("FileSystemId", r(&data::file_system(model.file_systems.get(i)?)))
        }
        (ComponentRef::Cache(i), "ReplicationGroupId") => {
            let cache = model.caches.get(i)?;
            let name = if cache.engine == CacheEngine::Memcached { "CacheClusterId" } else { "ReplicationGroupId" };
            (name, r(&data::cache(cache)))
        }
        (ComponentRef::Bucket(i), "BucketName") => ("BucketName", r(&data::bucket(model.buckets.get(i)?))),
        (ComponentRef::Bucket(_), "StorageType") => {
            // Object counts are reported for all storage classes together,
            // sizes per class.
            let storage = if alarm.metric.metric == "NumberOfObjects" { "AllStorageTypes" } else { "StandardStorage" };
            ("StorageType", json!(storage))
        }
        (ComponentRef::Vpn(i), "VpnId") => ("VpnId", r(&network::vpn_connection(model.vpns.get(i)?))),
        _ => return None,
    };
    Some(json!({ "Name": name, "Value": value }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_parts_are_distinct_and_alphanumeric() {
        let a = email_part("ops@example.edu");
        let b = email_part("ops-example@edu");
        assert_eq!(a, "OpsAtExampleDotEdu");
        assert_ne!(a, b);
        assert!(email_part("a+b@c.d").chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn durations() {
        assert_eq!(duration(300), "5m");
        assert_eq!(duration(3600), "1h");
        assert_eq!(duration(86_400), "1d");
    }
}
