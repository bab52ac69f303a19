//! Monitoring: the deployment's KMS key, log groups, the notification topic
//! and the alarms.
//!
//! * `aws_kms_key.encryption` (rotated yearly; the account administers it,
//!   CloudWatch Logs encrypts this account's log groups with it, CloudWatch
//!   alarms may publish to the topic it encrypts);
//!   `data.aws_caller_identity.current` names the account.
//! * Log groups: `aws_cloudwatch_log_group.APP_app_logs` per app server
//!   group (what the CloudWatch agent writes to), `NETWORK_flow_logs` and
//!   `LB_waf`; each keeps `monitoring.logs.retention_days` and is encrypted
//!   with the key.
//! * `aws_sns_topic.notify` with one `aws_sns_topic_subscription.notify_EMAIL`
//!   per address of `notify`.
//! * `aws_cloudwatch_metric_alarm.ALARM` per `alarm`, its dimensions
//!   referring to the part measured, notifying the topic on alarm and on
//!   recovery.

use super::doc::{Area, Doc, Res, TemplatePart, data_ref, list, tags, template};
use super::security::{Statement, policy_document};
use hcl::expr::Expression;
use mhac_compiler::ast::Comparator;
use mhac_compiler::plan::identity::key_document;
use mhac_compiler::plan::{
    Alarm, DimensionValue, Keep, Key, LogGroup, LogGroupUse, PartId, Subscription, Topic, decisions,
};

/// Retention below which checkov's one-year check (CKV_AWS_338) fails.
const ONE_YEAR: u32 = 365;

/// The account the configuration is applied in.
pub fn account_id() -> Expression {
    data_ref("aws_caller_identity", "current", "account_id")
}

/// A log group with the deployment's retention, encrypted with its key.
pub fn log_group(doc: &mut Doc<'_>, id: PartId, group: &LogGroup) {
    let (area, log_name) = match &group.usage {
        LogGroupUse::FlowLogs { network } => (Area::Network, format!("/mhac/{}/{network}/flow-logs", doc.deployment())),
        LogGroupUse::Waf { load_balancer } => {
            (Area::LoadBalancer, format!("aws-waf-logs-{}", doc.physical(&[load_balancer.as_str()], 400)))
        }
        LogGroupUse::App { app } => (Area::Monitoring, format!("/mhac/{}/{app}", doc.deployment())),
    };
    let retention = group.retention_days;
    let mut res = Res::resource("aws_cloudwatch_log_group", doc.name(id))
        .attr("name", log_name)
        .attr("retention_in_days", retention)
        .attr("kms_key_id", doc.at(group.key, "arn"));
    if retention < ONE_YEAR {
        res = res.skip(
            "CKV_AWS_338",
            format!(
                "retention is the source's monitoring.logs.retention_days ({retention} days), chosen by its author"
            ),
        );
    }
    doc.add(id, area, res);
}

/// The key and its policy (a key policy's `Resource` is always `*`, meaning
/// the key itself).
pub fn key(doc: &mut Doc<'_>, id: PartId, key: &Key) {
    let partition = doc.partition();
    let region = doc.plan.deployment.region.as_str();
    let root = template([
        TemplatePart::Text(format!("arn:{partition}:iam::")),
        TemplatePart::Expr(account_id()),
        TemplatePart::Text(":root".to_string()),
    ]);
    let log_groups = template([
        TemplatePart::Text(format!("arn:{partition}:logs:{region}:")),
        TemplatePart::Expr(account_id()),
        TemplatePart::Text(":log-group:*".to_string()),
    ]);
    let everything = || vec![Expression::from("*")];
    let mut statements = vec![
        Statement::allow("AccountAdministersKey", &["kms:*"]).on(everything()).principal_expr("AWS", vec![root]),
        Statement::allow(
            "CloudWatchLogsEncryptsLogGroups",
            &["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        )
        .on(everything())
        .principal("Service", &[&format!("logs.{region}.amazonaws.com")])
        .condition_expr("ArnLike", "kms:EncryptionContext:aws:logs:arn", vec![log_groups]),
    ];
    if key.alarms_publish {
        statements.push(
            Statement::allow("CloudWatchAlarmsPublish", &["kms:Decrypt", "kms:GenerateDataKey*"])
                .on(everything())
                .principal("Service", &["cloudwatch.amazonaws.com"])
                .condition_expr("StringEquals", "aws:SourceAccount", vec![account_id()]),
        );
    }
    if key.ses_publish {
        statements.push(
            Statement::allow("SesPublishesMailEvents", &["kms:Decrypt", "kms:GenerateDataKey*"])
                .on(everything())
                .principal("Service", &["ses.amazonaws.com"])
                .condition_expr("StringEquals", "aws:SourceAccount", vec![account_id()]),
        );
    }
    let name = doc.name(id);
    let reason = "this is the policy of a KMS key: its Resource \"*\" means the key itself, and the account's administrators must be able to manage the key";
    let policy = policy_document(key_document(name), &statements)
        .skip("CKV_AWS_109", reason)
        .skip("CKV_AWS_111", reason)
        .skip("CKV_AWS_356", reason);
    let json = policy.at("json");
    doc.add(id, Area::Monitoring, policy);
    doc.add(
        id,
        Area::Monitoring,
        Res::resource("aws_kms_key", name)
            .attr(
                "description",
                format!(
                    "{}: encrypts logs, the alarm topic, secrets, file systems, caches, Performance Insights and object storage",
                    doc.deployment()
                ),
            )
            .attr("enable_key_rotation", true)
            .attr("deletion_window_in_days", decisions::KEY_DELETION_WINDOW)
            .attr("policy", json)
            .prevent_destroy(key.keep == Keep::Retain),
    );
}

pub fn topic(doc: &mut Doc<'_>, id: PartId, topic: &Topic) {
    doc.add(
        id,
        Area::Monitoring,
        Res::resource("aws_sns_topic", doc.name(id))
            .attr("name", doc.physical(&["alarms"], 256))
            .attr("display_name", format!("{} alarms", doc.deployment()))
            .attr("kms_master_key_id", doc.at(topic.key, "id")),
    );
}

pub fn subscription(doc: &mut Doc<'_>, id: PartId, subscription: &Subscription) {
    doc.add(
        id,
        Area::Monitoring,
        Res::resource("aws_sns_topic_subscription", doc.name(id))
            .attr("topic_arn", doc.at(subscription.topic, "arn"))
            .attr("protocol", "email")
            .attr("endpoint", subscription.email.as_str()),
    );
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
        alarm.component,
        alarm.metric_key,
        alarm.threshold,
        u64::from(alarm.period) * u64::from(alarm.evaluation_periods)
    )
}

fn dimension(doc: &Doc<'_>, value: &DimensionValue) -> Expression {
    match value {
        DimensionValue::LoadBalancer(part) | DimensionValue::TargetGroup(part) => doc.at(*part, "arn_suffix"),
        DimensionValue::AutoScalingGroup(part) => doc.at(*part, "name"),
        DimensionValue::DbInstance(part) => doc.at(*part, "identifier"),
        DimensionValue::FileSystem(part)
        | DimensionValue::ReplicationGroup(part)
        | DimensionValue::VpnConnection(part) => doc.at(*part, "id"),
        DimensionValue::CacheCluster(part) => doc.at(*part, "cluster_id"),
        DimensionValue::Bucket(part) => doc.at(*part, "bucket"),
        DimensionValue::Fixed(text) => Expression::from(text.as_str()),
    }
}

pub fn alarm(doc: &mut Doc<'_>, id: PartId, alarm: &Alarm) {
    let dimensions: Vec<(String, Expression)> =
        alarm.dimensions.iter().map(|(name, value)| (name.clone(), dimension(doc, value))).collect();
    let mut res = Res::resource("aws_cloudwatch_metric_alarm", doc.name(id))
        .attr("alarm_name", doc.physical(&[&alarm.name], 255))
        .attr("alarm_description", describe(alarm))
        .attr("namespace", alarm.namespace.as_str())
        .attr("metric_name", alarm.metric.as_str())
        .attr("statistic", alarm.statistic.as_str())
        .attr("period", alarm.period)
        .attr("evaluation_periods", alarm.evaluation_periods)
        .attr("threshold", alarm.threshold)
        .attr("comparison_operator", alarm.comparison_operator())
        .attr("treat_missing_data", alarm.missing.as_str())
        .attr("dimensions", tags(dimensions));
    if let Some(topic) = alarm.topic {
        let topic = doc.at(topic, "arn");
        res = res.attr("alarm_actions", list([topic.clone()])).attr("ok_actions", list([topic]));
    }
    doc.add(id, Area::Monitoring, res);
}
