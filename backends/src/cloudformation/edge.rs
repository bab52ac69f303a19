//! The edge: internet-facing application load balancers, their listeners
//! and target groups, WAF web ACLs with their logging, and Shield Advanced
//! protection. (Their access-log buckets are printed with the other
//! buckets, in `data`.)

use super::intrinsics::{Builder, Resource, sub};
use mhac_compiler::plan::{
    CertificateRef, Listener, ListenerAction, ListenerProtocol, ListenerRule, LoadBalancer, PartId, PartKind,
    ShieldProtection, TargetGroup, WafLogging, WebAcl, WebAclAssociation, decisions,
};
use serde_json::{Value, json};

pub(crate) fn load_balancer(b: &mut Builder<'_>, id: PartId, lb: &LoadBalancer) {
    let mut attributes = vec![
        json!({ "Key": "deletion_protection.enabled", "Value": lb.deletion_protection.to_string() }),
        json!({ "Key": "idle_timeout.timeout_seconds", "Value": lb.idle_timeout.to_string() }),
        json!({ "Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true" }),
        json!({ "Key": "routing.http.desync_mitigation_mode", "Value": "defensive" }),
    ];
    if let Some((bucket, _)) = lb.access_logs {
        attributes.push(json!({ "Key": "access_logs.s3.enabled", "Value": "true" }));
        attributes.push(json!({ "Key": "access_logs.s3.bucket", "Value": b.r(bucket) }));
    }
    let subnets: Vec<Value> = lb.subnets.iter().map(|subnet| b.r(*subnet)).collect();
    let mut alb = Resource::new(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        json!({
            "Type": "application",
            "Scheme": "internet-facing",
            "IpAddressType": "ipv4",
            "Subnets": subnets,
            "SecurityGroups": [b.get_att(lb.group, "GroupId")],
            "LoadBalancerAttributes": attributes,
            "Tags": b.tags(Some(b.name_tag(&[lb.name.as_str()]))),
        }),
    );
    match lb.access_logs {
        // The load balancer checks that it may write to the bucket when
        // access logs are turned on.
        Some((_, policy)) => alb = alb.depends_on(b.id(policy)),
        None => alb = alb.skip("CKV_AWS_91", "access logs are turned off in the source (`access_logs = false`)"),
    }
    b.add(id, b.id(id), alb);
}

pub(crate) fn target_group(b: &mut Builder<'_>, id: PartId, group: &TargetGroup) {
    let resource = Resource::new(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        json!({
            "VpcId": b.r(group.vpc),
            "TargetType": "instance",
            "Protocol": "HTTP",
            "Port": group.port,
            "HealthCheckEnabled": true,
            "HealthCheckProtocol": "HTTP",
            "HealthCheckPath": group.health_check,
            "HealthCheckIntervalSeconds": decisions::HEALTH_CHECK_INTERVAL,
            "HealthCheckTimeoutSeconds": decisions::HEALTH_CHECK_TIMEOUT,
            "HealthyThresholdCount": decisions::HEALTHY_THRESHOLD,
            "UnhealthyThresholdCount": decisions::UNHEALTHY_THRESHOLD,
            "Matcher": { "HttpCode": group.matcher },
            "TargetGroupAttributes": [
                { "Key": "deregistration_delay.timeout_seconds", "Value": decisions::DEREGISTRATION_DELAY.to_string() }
            ],
            "Tags": b.tags(Some(b.name_tag(&[group.load_balancer.as_str(), group.app.as_str()]))),
        }),
    );
    b.add(id, b.id(id), resource);
}

fn action(b: &Builder<'_>, action: &ListenerAction) -> Value {
    match action {
        ListenerAction::Redirect => json!([{
            "Type": "redirect",
            "RedirectConfig": {
                "Protocol": "HTTPS",
                "Port": "443",
                "Host": "#{host}",
                "Path": "/#{path}",
                "Query": "#{query}",
                "StatusCode": "HTTP_301",
            }
        }]),
        ListenerAction::Forward(group) => json!([{ "Type": "forward", "TargetGroupArn": b.r(*group) }]),
        ListenerAction::Unavailable => json!([{
            "Type": "fixed-response",
            "FixedResponseConfig": { "StatusCode": "503", "ContentType": "text/plain", "MessageBody": "No app servers are behind this load balancer." }
        }]),
    }
}

pub(crate) fn listener(b: &mut Builder<'_>, id: PartId, listener: &Listener) {
    let https = matches!(&b.plan.part(listener.load_balancer).kind, PartKind::LoadBalancer(lb) if lb.https);
    let resource = match &listener.protocol {
        ListenerProtocol::Https { ssl_policy, certificate } => Resource::new(
            "AWS::ElasticLoadBalancingV2::Listener",
            json!({
                "LoadBalancerArn": b.r(listener.load_balancer),
                "Port": 443,
                "Protocol": "HTTPS",
                "SslPolicy": ssl_policy,
                "Certificates": [{ "CertificateArn": match certificate {
                    CertificateRef::Given(text) => b.text(text),
                    CertificateRef::Requested(part) => b.r(*part),
                } }],
                "DefaultActions": action(b, &listener.action),
            }),
        ),
        ListenerProtocol::Http => {
            let mut resource = Resource::new(
                "AWS::ElasticLoadBalancingV2::Listener",
                json!({
                    "LoadBalancerArn": b.r(listener.load_balancer),
                    "Port": 80,
                    "Protocol": "HTTP",
                    "DefaultActions": action(b, &listener.action),
                }),
            );
            if !https {
                let reason =
                    "the source has no https block (allowed by the dev profile, MHA604): port 80 serves the site";
                resource = resource.skip("CKV_AWS_2", reason).skip("CKV_AWS_103", reason);
            }
            resource
        }
    };
    b.add(id, b.id(id), resource);
}

fn visibility(metric: &str) -> Value {
    json!({ "SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": metric })
}

/// A regional web ACL: an optional rate-based rule first, then the managed
/// rule groups in the source's order (rules of a group named in
/// `count_rules` count instead of block).
pub(crate) fn web_acl(b: &mut Builder<'_>, id: PartId, waf: &WebAcl) {
    let base = &waf.metric_base;
    let mut rules = Vec::new();
    if let Some(limit) = waf.rate_limit {
        rules.push(json!({
            "Name": decisions::RATE_LIMIT_RULE,
            "Priority": 0,
            "Action": { "Block": {} },
            "Statement": { "RateBasedStatement": { "Limit": limit, "AggregateKeyType": "IP" } },
            "VisibilityConfig": visibility(&format!("{base}RateLimit")),
        }));
    }
    for (i, rule) in waf.managed.iter().enumerate() {
        let mut statement = json!({ "VendorName": "AWS", "Name": rule.name });
        if !rule.count_rules.is_empty()
            && let Some(object) = statement.as_object_mut()
        {
            let overrides: Vec<Value> =
                rule.count_rules.iter().map(|name| json!({ "Name": name, "ActionToUse": { "Count": {} } })).collect();
            object.insert("RuleActionOverrides".into(), json!(overrides));
        }
        rules.push(json!({
            "Name": rule.name,
            "Priority": i + 1,
            "OverrideAction": { "None": {} },
            "Statement": { "ManagedRuleGroupStatement": statement },
            "VisibilityConfig": visibility(&format!("{base}{}", decisions::metric_name(&rule.name))),
        }));
    }
    let mut acl = Resource::new(
        "AWS::WAFv2::WebACL",
        json!({
            "Description": waf.description,
            "Scope": "REGIONAL",
            "DefaultAction": { "Allow": {} },
            "Rules": rules,
            "VisibilityConfig": visibility(base),
            "Tags": b.tags(None),
        }),
    );
    if !waf.managed.iter().any(|rule| rule.name == "AWSManagedRulesKnownBadInputsRuleSet") {
        let chosen: Vec<&str> = waf.managed.iter().map(|rule| rule.key.as_str()).collect();
        acl = acl.skip(
            "CKV_AWS_192",
            format!(
                "the source chooses the managed rule groups ({}); add known_bad_inputs to block Log4j lookups",
                chosen.join(", ")
            ),
        );
    }
    b.add(id, b.id(id), acl);
}

pub(crate) fn web_acl_association(b: &mut Builder<'_>, id: PartId, association: &WebAclAssociation) {
    let resource = Resource::new(
        "AWS::WAFv2::WebACLAssociation",
        json!({ "ResourceArn": b.r(association.load_balancer), "WebACLArn": b.get_att(association.web_acl, "Arn") }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn waf_logging(b: &mut Builder<'_>, id: PartId, logging: &WafLogging) {
    let group = b.id(logging.log_group);
    let resource = Resource::new(
        "AWS::WAFv2::LoggingConfiguration",
        json!({
            "ResourceArn": b.get_att(logging.web_acl, "Arn"),
            // WAF wants the log group's ARN without the `:*` that
            // `GetAtt Arn` ends with.
            "LogDestinationConfigs": [sub(&format!(
                "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{{group}}}"
            ))],
        }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn shield_protection(b: &mut Builder<'_>, id: PartId, shield: &ShieldProtection) {
    let resource = Resource::new(
        "AWS::Shield::Protection",
        json!({
            "Name": sub(&format!("${{AWS::StackName}}-{}", shield.name)),
            "ResourceArn": b.r(shield.load_balancer),
            "Tags": b.tags(None),
        }),
    );
    b.add(id, b.id(id), resource);
}

/// A listener rule answering requests to its paths with a fixed status.
pub(crate) fn listener_rule(b: &mut Builder<'_>, id: PartId, rule: &ListenerRule) {
    let resource = Resource::new(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        json!({
            "ListenerArn": b.r(rule.listener),
            "Priority": rule.priority,
            "Conditions": [{ "Field": "path-pattern", "PathPatternConfig": { "Values": rule.paths } }],
            "Actions": [{
                "Type": "fixed-response",
                "FixedResponseConfig": { "StatusCode": rule.status.to_string(), "ContentType": "text/plain", "MessageBody": "Not found" }
            }],
        }),
    );
    b.add(id, b.id(id), resource);
}
