//! Monitoring and the deployment-wide pieces: the KMS key (logs, the alarm
//! topic, secrets, file systems, caches, Performance Insights and object
//! storage), log groups, the SNS topic with its email subscriptions, and
//! CloudWatch alarms with their dimensions resolved to the parts they
//! measure.

use super::intrinsics::{Builder, Resource, number, r, sub};
use mhac_compiler::plan::{
    Alarm, DimensionValue, Keep, Key, LogGroup, LogGroupUse, PartId, Subscription, Topic, decisions,
};
use serde_json::{Value, json};

/// The KMS key: rotated yearly; the account administers it, CloudWatch Logs
/// encrypts log groups of this account with it, and CloudWatch alarms may
/// publish to the topic it encrypts.
pub(crate) fn key(b: &mut Builder<'_>, id: PartId, key: &Key) {
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
    if key.alarms_publish {
        statements.push(json!({
            "Sid": "CloudWatchAlarmsPublish",
            "Effect": "Allow",
            "Principal": { "Service": "cloudwatch.amazonaws.com" },
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } }
        }));
    }
    if key.ses_publish {
        statements.push(json!({
            "Sid": "SesPublishesMailEvents",
            "Effect": "Allow",
            "Principal": { "Service": "ses.amazonaws.com" },
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } }
        }));
    }
    let resource = Resource::new(
        "AWS::KMS::Key",
        json!({
            "Description": format!("{}: encrypts logs, the alarm topic, secrets, file systems, caches, Performance Insights and object storage", b.plan.deployment.name),
            "EnableKeyRotation": true,
            "PendingWindowInDays": decisions::KEY_DELETION_WINDOW,
            "KeyPolicy": { "Version": "2012-10-17", "Statement": statements },
            // No tags: moto, the local AWS of the deployment tests,
            // fails on a tagged key.
        }),
    )
    .keep(if key.keep == Keep::Retain { "Retain" } else { "Delete" });
    b.add(id, b.id(id), resource);
}

/// A log group encrypted with the key and kept for the source's retention;
/// named only where a service requires one (WAF: `aws-waf-logs-*`) or an
/// agent is configured with it (the app servers').
pub(crate) fn log_group(b: &mut Builder<'_>, id: PartId, group: &LogGroup) {
    let name = match &group.usage {
        LogGroupUse::FlowLogs { .. } => None,
        LogGroupUse::Waf { load_balancer } => Some(sub(&format!("aws-waf-logs-${{AWS::StackName}}-{load_balancer}"))),
        LogGroupUse::App { app } => Some(sub(&format!("/mhac/${{AWS::StackName}}/{app}"))),
    };
    let mut properties = serde_json::Map::new();
    if let Some(name) = name {
        properties.insert("LogGroupName".into(), name);
    }
    properties.insert("RetentionInDays".into(), json!(group.retention_days));
    properties.insert("KmsKeyId".into(), b.get_att(group.key, "Arn"));
    properties.insert("Tags".into(), b.tags(None));
    let resource = Resource::new("AWS::Logs::LogGroup", Value::Object(properties)).keep("Delete");
    b.add(id, b.id(id), resource);
}

pub(crate) fn topic(b: &mut Builder<'_>, id: PartId, topic: &Topic) {
    let resource = Resource::new(
        "AWS::SNS::Topic",
        json!({
            "DisplayName": format!("{} alarms", b.plan.deployment.name),
            "KmsMasterKeyId": b.r(topic.key),
            "Tags": b.tags(None),
        }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn subscription(b: &mut Builder<'_>, id: PartId, subscription: &Subscription) {
    let resource = Resource::new(
        "AWS::SNS::Subscription",
        json!({ "TopicArn": b.r(subscription.topic), "Protocol": "email", "Endpoint": subscription.email }),
    );
    b.add(id, b.id(id), resource);
}

/// `300` → `5m`.
fn duration(seconds: u32) -> String {
    if seconds.is_multiple_of(86_400) {
        format!("{}d", seconds / 86_400)
    } else if seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

fn dimension(b: &Builder<'_>, value: &DimensionValue) -> Value {
    match value {
        DimensionValue::LoadBalancer(part) => b.get_att(*part, "LoadBalancerFullName"),
        DimensionValue::TargetGroup(part) => b.get_att(*part, "TargetGroupFullName"),
        DimensionValue::AutoScalingGroup(part)
        | DimensionValue::DbInstance(part)
        | DimensionValue::FileSystem(part)
        | DimensionValue::ReplicationGroup(part)
        | DimensionValue::CacheCluster(part)
        | DimensionValue::Bucket(part)
        | DimensionValue::VpnConnection(part) => b.r(*part),
        DimensionValue::Fixed(text) => json!(text),
    }
}

pub(crate) fn alarm(b: &mut Builder<'_>, id: PartId, alarm: &Alarm) {
    let words = match alarm.comparison_operator() {
        "GreaterThanThreshold" => "above",
        "GreaterThanOrEqualToThreshold" => "at or above",
        "LessThanThreshold" => "below",
        _ => "at or below",
    };
    let description = format!(
        "{}.{} ({} {}) {words} {} for {}",
        alarm.component,
        alarm.metric_key,
        alarm.namespace,
        alarm.metric,
        alarm.threshold,
        duration(alarm.period * alarm.evaluation_periods)
    );
    let dimensions: Vec<Value> =
        alarm.dimensions.iter().map(|(name, value)| json!({ "Name": name, "Value": dimension(b, value) })).collect();
    let mut properties = json!({
        "AlarmDescription": description,
        "Namespace": alarm.namespace,
        "MetricName": alarm.metric,
        "Dimensions": dimensions,
        "Statistic": alarm.statistic,
        "Period": alarm.period,
        "EvaluationPeriods": alarm.evaluation_periods,
        "Threshold": number(alarm.threshold),
        "ComparisonOperator": alarm.comparison_operator(),
        "TreatMissingData": alarm.missing,
        "Tags": b.tags(None),
    });
    if let (Some(topic), Some(object)) = (alarm.topic, properties.as_object_mut()) {
        let actions = vec![r(b.id(topic))];
        object.insert("AlarmActions".into(), json!(actions));
        object.insert("OKActions".into(), json!(actions));
    }
    b.add(id, b.id(id), Resource::new("AWS::CloudWatch::Alarm", properties));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(300), "5m");
        assert_eq!(duration(3600), "1h");
        assert_eq!(duration(86_400), "1d");
    }
}
