//! Internet-facing application load balancers: the ALB with its access-log
//! bucket, the HTTP listener that only redirects, the HTTPS listener, the
//! target group of the app servers behind it, the WAF web ACL with its
//! logging, and Shield Advanced protection.

use super::data;
use super::intrinsics::{Builder, Id, Resource, deny_insecure_transport, get_att, origin, r, sub};
use super::monitoring;
use super::network;
use super::security;
use super::{param_value, stdlib_region};
use mhac_compiler::model::{LoadBalancer, Shield, Waf};
use serde_json::{Value, json};

/// The load balancer's logical ID.
pub(crate) fn load_balancer(lb: &LoadBalancer) -> String {
    Id::of(&lb.name, "LoadBalancer").id()
}

/// Its target group.
pub(crate) fn target_group(lb: &LoadBalancer) -> String {
    Id::of(&lb.name, "TargetGroup").id()
}

/// Whether it has a target group (app servers behind it).
pub(crate) fn has_target_group(lb: &LoadBalancer) -> bool {
    !lb.targets.is_empty()
}

/// Add every load balancer.
pub(crate) fn build(b: &mut Builder<'_>) {
    for lb in &b.model.load_balancers {
        one(b, lb);
    }
}

fn one(b: &mut Builder<'_>, lb: &LoadBalancer) {
    let model = b.model;
    let at = origin("load_balancer", &lb.name, lb.span);
    let prod_like = if lb.deletion_protection { "Retain" } else { "Delete" };

    let mut logs_bucket = None;
    let mut logs_policy = None;
    if lb.access_logs {
        let bucket = b.add(
            Id::of(&lb.name, "AlbLogs"),
            at.clone(),
            data::log_bucket(b, &format!("{}/", lb.name.as_str())).keep(prod_like),
        );
        // Regions older than August 2022 deliver through an ELB account of
        // the region; newer ones through the log-delivery service.
        let principal = match stdlib_region(model).and_then(|region| region.elb_log_account.clone()) {
            Some(account) => json!({ "AWS": sub(&format!("arn:${{AWS::Partition}}:iam::{account}:root")) }),
            None => json!({ "Service": "logdelivery.elasticloadbalancing.amazonaws.com" }),
        };
        let policy = b.add(
            Id::of(&lb.name, "AlbLogsPolicy"),
            at.clone(),
            Resource::new(
                "AWS::S3::BucketPolicy",
                json!({
                    "Bucket": r(&bucket),
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "LoadBalancerWritesAccessLogs",
                                "Effect": "Allow",
                                "Principal": principal,
                                "Action": "s3:PutObject",
                                "Resource": sub(&format!("arn:${{AWS::Partition}}:s3:::${{{bucket}}}/AWSLogs/${{AWS::AccountId}}/*")),
                            },
                            deny_insecure_transport(
                                "s3:*",
                                json!([
                                    get_att(&bucket, "Arn"),
                                    sub(&format!("arn:${{AWS::Partition}}:s3:::${{{bucket}}}/*")),
                                ]),
                            ),
                        ]
                    }
                }),
            ),
        );
        logs_bucket = Some(bucket);
        logs_policy = Some(policy);
    }

    let mut attributes = vec![
        json!({ "Key": "deletion_protection.enabled", "Value": lb.deletion_protection.to_string() }),
        json!({ "Key": "idle_timeout.timeout_seconds", "Value": lb.idle_timeout.to_string() }),
        json!({ "Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true" }),
        json!({ "Key": "routing.http.desync_mitigation_mode", "Value": "defensive" }),
    ];
    if let Some(bucket) = &logs_bucket {
        attributes.push(json!({ "Key": "access_logs.s3.enabled", "Value": "true" }));
        attributes.push(json!({ "Key": "access_logs.s3.bucket", "Value": r(bucket) }));
    }
    let mut alb = Resource::new(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        json!({
            "Type": "application",
            "Scheme": "internet-facing",
            "IpAddressType": "ipv4",
            "Subnets": network::subnet_refs(model, lb.tier),
            "SecurityGroups": [security::group_id(model, lb.security_group)],
            "LoadBalancerAttributes": attributes,
            "Tags": b.tags(Some(b.name_tag(&[lb.name.as_str()]))),
        }),
    );
    if let Some(policy) = &logs_policy {
        // The load balancer checks that it may write to the bucket when
        // access logs are turned on.
        alb = alb.depends_on(policy);
    } else {
        alb = alb.skip("CKV_AWS_91", "access logs are turned off in the source (`access_logs = false`)");
    }
    let alb = b.add(Id::of(&lb.name, "LoadBalancer"), at.clone(), alb);

    let forward = if has_target_group(lb) {
        target(b, lb);
        json!([{ "Type": "forward", "TargetGroupArn": r(&target_group(lb)) }])
    } else {
        json!([{
            "Type": "fixed-response",
            "FixedResponseConfig": { "StatusCode": "503", "ContentType": "text/plain", "MessageBody": "No app servers are behind this load balancer." }
        }])
    };

    match &lb.https {
        Some(https) => {
            b.add(
                Id::of(&lb.name, "HttpListener"),
                at.clone(),
                Resource::new(
                    "AWS::ElasticLoadBalancingV2::Listener",
                    json!({
                        "LoadBalancerArn": r(&alb),
                        "Port": 80,
                        "Protocol": "HTTP",
                        "DefaultActions": [{
                            "Type": "redirect",
                            "RedirectConfig": {
                                "Protocol": "HTTPS",
                                "Port": "443",
                                "Host": "#{host}",
                                "Path": "/#{path}",
                                "Query": "#{query}",
                                "StatusCode": "HTTP_301",
                            }
                        }],
                    }),
                ),
            );
            b.add(
                Id::of(&lb.name, "HttpsListener"),
                origin("load_balancer", &lb.name, https.span),
                Resource::new(
                    "AWS::ElasticLoadBalancingV2::Listener",
                    json!({
                        "LoadBalancerArn": r(&alb),
                        "Port": 443,
                        "Protocol": "HTTPS",
                        "SslPolicy": https.ssl_policy,
                        "Certificates": [{ "CertificateArn": param_value(model, &https.certificate) }],
                        "DefaultActions": forward,
                    }),
                ),
            );
        }
        None => {
            let reason = "the source has no https block (allowed by the dev profile, MHA604): port 80 serves the site";
            b.add(
                Id::of(&lb.name, "HttpListener"),
                at.clone(),
                Resource::new(
                    "AWS::ElasticLoadBalancingV2::Listener",
                    json!({ "LoadBalancerArn": r(&alb), "Port": 80, "Protocol": "HTTP", "DefaultActions": forward }),
                )
                .skip("CKV_AWS_2", reason)
                .skip("CKV_AWS_103", reason),
            );
        }
    }

    if let Some(waf) = &lb.waf {
        web_acl(b, lb, waf, &alb);
    }
    if lb.shield == Shield::Advanced {
        b.add(
            Id::of(&lb.name, "ShieldProtection"),
            at,
            Resource::new(
                "AWS::Shield::Protection",
                json!({
                    "Name": sub(&format!("${{AWS::StackName}}-{}", lb.name.as_str())),
                    "ResourceArn": r(&alb),
                    "Tags": b.tags(None),
                }),
            ),
        );
    }
}

/// The target group of the app servers behind the load balancer.
fn target(b: &mut Builder<'_>, lb: &LoadBalancer) {
    let model = b.model;
    let Some(app) = lb.targets.first().and_then(|&i| model.app_servers.get(i)) else { return };
    let health_check = app.behind.as_ref().map_or("/", |behind| behind.health_check.as_str());
    let span = app.behind.as_ref().map_or(app.span, |behind| behind.span);
    b.add(
        Id::of(&lb.name, "TargetGroup"),
        origin("app_servers", &app.name, span),
        Resource::new(
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            json!({
                "VpcId": r(&network::vpc(model)),
                "TargetType": "instance",
                "Protocol": "HTTP",
                "Port": app.port,
                "HealthCheckEnabled": true,
                "HealthCheckProtocol": "HTTP",
                "HealthCheckPath": health_check,
                "HealthCheckIntervalSeconds": 30,
                "HealthCheckTimeoutSeconds": 10,
                "HealthyThresholdCount": 2,
                "UnhealthyThresholdCount": 3,
                "Matcher": { "HttpCode": "200" },
                "TargetGroupAttributes": [
                    { "Key": "deregistration_delay.timeout_seconds", "Value": "60" }
                ],
                "Tags": b.tags(Some(b.name_tag(&[lb.name.as_str(), app.name.as_str()]))),
            }),
        ),
    );
}

/// The metric name of a WAF rule or ACL: letters and digits only.
fn metric_name(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

fn visibility(metric: &str) -> Value {
    json!({ "SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": metric })
}

/// A regional web ACL: an optional rate-based rule first, then the managed
/// rule groups in the source's order (rules of a group named in
/// `count_rules` count instead of block), associated with the load
/// balancer and logging to a log group WAF accepts (`aws-waf-logs-*`).
fn web_acl(b: &mut Builder<'_>, lb: &LoadBalancer, waf: &Waf, alb: &str) {
    let model = b.model;
    let at = origin("load_balancer", &lb.name, waf.span);
    let base = metric_name(&format!("{}{}", model.deployment.name.pascal(), lb.name.pascal()));
    let mut rules = Vec::new();
    if let Some(limit) = waf.rate_limit {
        rules.push(json!({
            "Name": "RateLimitPerAddress",
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
            "VisibilityConfig": visibility(&format!("{base}{}", metric_name(&rule.name))),
        }));
    }
    let mut acl = Resource::new(
        "AWS::WAFv2::WebACL",
        json!({
            "Description": format!("{}: web ACL of load balancer {}", model.deployment.name.text, lb.name.as_str()),
            "Scope": "REGIONAL",
            "DefaultAction": { "Allow": {} },
            "Rules": rules,
            "VisibilityConfig": visibility(&base),
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
    let acl = b.add(Id::of(&lb.name, "WebAcl"), at.clone(), acl);
    b.add(
        Id::of(&lb.name, "WebAclAssociation"),
        at.clone(),
        Resource::new(
            "AWS::WAFv2::WebACLAssociation",
            json!({ "ResourceArn": r(alb), "WebACLArn": get_att(&acl, "Arn") }),
        ),
    );
    let group = monitoring::log_group(b, Some(sub(&format!("aws-waf-logs-${{AWS::StackName}}-{}", lb.name.as_str()))));
    let group = b.add(Id::of(&lb.name, "WafLogGroup"), at.clone(), group);
    b.add(
        Id::of(&lb.name, "WafLogging"),
        at,
        Resource::new(
            "AWS::WAFv2::LoggingConfiguration",
            json!({
                "ResourceArn": get_att(&acl, "Arn"),
                // WAF wants the log group's ARN without the `:*` that
                // `GetAtt Arn` ends with.
                "LogDestinationConfigs": [sub(&format!(
                    "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{{group}}}"
                ))],
            }),
        ),
    );
}
