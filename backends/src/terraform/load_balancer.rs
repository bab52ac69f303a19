//! Load balancers: the internet-facing ALB and what protects it.
//!
//! Per `load_balancer` `LB`:
//! * `aws_lb.LB` (drops invalid header fields, access logs);
//! * the access-log bucket `aws_s3_bucket.LB_access_logs` (SSE-S3, the only
//!   encryption ALB log delivery supports) whose policy lets Elastic Load
//!   Balancing write: the region's ELB account from the stdlib, or the
//!   log-delivery service principal in regions without one; its own access
//!   logs go to the deployment's S3 access-log bucket;
//! * `aws_lb_listener.LB_http` (a 301 to HTTPS when HTTPS is on) and
//!   `aws_lb_listener.LB_https` (the TLS policy, the certificate from the
//!   source or its parameter) forwarding to the target group;
//! * when app servers are behind it, `aws_lb_target_group.LB` with the
//!   health check of the first group behind it; every group behind it
//!   registers its instances there;
//! * `aws_wafv2_web_acl.LB` (a rate-based rule when `rate_limit` is set, then
//!   the managed rule groups in the source's order, with the rules listed to
//!   count overridden to `count`), `aws_wafv2_web_acl_association.LB`, and
//!   logging to `aws_cloudwatch_log_group.LB_waf`;
//! * `aws_shield_protection.LB` with Shield Advanced.

use super::data::{BucketSpec, bucket_resources};
use super::doc::{Area, Doc, Res, TemplatePart, empty, list, nested, reference, resource_ref, template};
use super::monitoring::{account_id, log_group};
use super::names::address;
use super::network::subnet_ids;
use super::security::Statement;
use crate::decisions;
use hcl::Block;
use hcl::expr::Expression;
use mhac_compiler::model::{LoadBalancer, Shield, Waf};
use mhac_compiler::stdlib::stdlib;

/// Build every load balancer.
pub fn build(doc: &mut Doc<'_>) {
    let model = doc.model;
    for lb in &model.load_balancers {
        load_balancer(doc, lb);
    }
}

/// The target group of the app servers behind a load balancer, named after
/// the load balancer (the first group behind it sets the port and health
/// check path).
fn target_group(doc: &mut Doc<'_>, lb: &LoadBalancer) {
    let model = doc.model;
    let Some(app) = lb.targets.first().and_then(|&i| model.app_servers.get(i)) else { return };
    let name = lb.name.as_str();
    let path = app.behind.as_ref().map_or("/", |behind| behind.health_check.as_str());
    let health_check = nested(
        "health_check",
        [
            ("enabled", Expression::from(true)),
            ("path", Expression::from(path)),
            ("protocol", Expression::from("HTTP")),
            ("matcher", Expression::from(decisions::HEALTH_CHECK_MATCHER)),
            ("interval", Expression::from(decisions::HEALTH_CHECK_INTERVAL)),
            ("timeout", Expression::from(decisions::HEALTH_CHECK_TIMEOUT)),
            ("healthy_threshold", Expression::from(decisions::HEALTHY_THRESHOLD)),
            ("unhealthy_threshold", Expression::from(decisions::UNHEALTHY_THRESHOLD)),
        ],
    );
    let mut group = Res::resource("aws_lb_target_group", name);
    if lb.https.is_none() {
        group = group.skip(
            "CKV_AWS_378",
            "the source declares no https block (allowed by profile = dev, MHA604): the load balancer serves HTTP, and so does its target group",
        );
    }
    doc.add(
        Area::LoadBalancer,
        group
            .attr("name", doc.physical(&[name, app.name.as_str()], 32))
            .attr("port", app.port)
            .attr("protocol", "HTTP")
            .attr("target_type", "instance")
            .attr("vpc_id", reference("aws_vpc", model.network.name.as_str(), "id"))
            .attr("deregistration_delay", decisions::DEREGISTRATION_DELAY.to_string())
            .block(health_check),
    );
}

/// The target group app servers behind `lb` register with, if it has one.
pub fn target_group_arn(doc: &Doc<'_>, lb: usize) -> Option<Expression> {
    let lb = doc.model.load_balancers.get(lb)?;
    (!lb.targets.is_empty()).then(|| reference("aws_lb_target_group", lb.name.as_str(), "arn"))
}

fn load_balancer(doc: &mut Doc<'_>, lb: &LoadBalancer) {
    let model = doc.model;
    let name = lb.name.as_str();
    let logs = address(&[name, "access_logs"]);
    if lb.access_logs {
        access_log_bucket(doc, lb, &logs);
    }
    let subnets = subnet_ids(model, lb.tier);
    let group = model.security_groups.get(lb.security_group).map_or("missing_group", |g| g.name.as_str());
    let mut res = Res::resource("aws_lb", name)
        .attr("name", doc.physical(&[name], 32))
        .attr("internal", false)
        .attr("load_balancer_type", "application")
        .attr("security_groups", list([reference("aws_security_group", group, "id")]))
        .attr("subnets", list(subnets))
        .attr("idle_timeout", lb.idle_timeout)
        .attr("drop_invalid_header_fields", true)
        .attr("desync_mitigation_mode", "defensive")
        .attr("enable_deletion_protection", lb.deletion_protection);
    if lb.access_logs {
        res = res
            .block(nested(
                "access_logs",
                [("bucket", reference("aws_s3_bucket", &logs, "id")), ("enabled", Expression::from(true))],
            ))
            .depends_on(resource_ref("aws_s3_bucket_policy", &logs));
    } else {
        res = res.skip("CKV_AWS_91", "access_logs = false in the source");
    }
    if !lb.deletion_protection {
        res = res.skip("CKV_AWS_150", "deletion protection is off in the source (profile = dev makes it deletable)");
    }
    if lb.https.is_none() {
        res = res.skip(
            "CKV2_AWS_20",
            "the source declares no https block (allowed by profile = dev, MHA604): there is no HTTPS listener to redirect to",
        );
    }
    match &lb.waf {
        None => res = res.skip("CKV2_AWS_28", "the source declares no waf block for this load balancer"),
        Some(waf) => {
            let missing: Vec<&str> = [
                ("anonymous_ip", "AWSManagedRulesAnonymousIpList"),
                ("known_bad_inputs", "AWSManagedRulesKnownBadInputsRuleSet"),
            ]
            .into_iter()
            .filter(|(key, _)| !waf.managed.iter().any(|g| g.key == *key))
            .map(|(key, _)| key)
            .collect();
            if !missing.is_empty() {
                res = res.skip(
                    "CKV2_AWS_76",
                    format!(
                        "the web ACL has the managed rule groups the source's waf.managed lists, which leaves out {} (anonymous_ip would block students who browse through a VPN)",
                        missing.join(" and ")
                    ),
                );
            }
        }
    }
    doc.add(Area::LoadBalancer, res);

    let lb_arn = reference("aws_lb", name, "arn");
    target_group(doc, lb);
    let has_targets = !lb.targets.is_empty();
    let forward = || {
        if has_targets {
            return nested(
                "default_action",
                [
                    ("type", Expression::from("forward")),
                    ("target_group_arn", reference("aws_lb_target_group", name, "arn")),
                ],
            );
        }
        Block::builder("default_action")
            .add_attribute(("type", "fixed-response"))
            .add_block(nested(
                "fixed_response",
                [
                    ("content_type", Expression::from("text/plain")),
                    ("message_body", Expression::from("No app servers are behind this load balancer.")),
                    ("status_code", Expression::from("503")),
                ],
            ))
            .build()
    };
    match &lb.https {
        Some(https) => {
            let http_action = if https.redirect_http {
                Block::builder("default_action")
                    .add_attribute(("type", "redirect"))
                    .add_block(nested(
                        "redirect",
                        [
                            ("port", Expression::from("443")),
                            ("protocol", Expression::from("HTTPS")),
                            ("status_code", Expression::from("HTTP_301")),
                        ],
                    ))
                    .build()
            } else {
                forward()
            };
            doc.add(
                Area::LoadBalancer,
                Res::resource("aws_lb_listener", address(&[name, "http"]))
                    .attr("load_balancer_arn", lb_arn.clone())
                    .attr("port", 80)
                    .attr("protocol", "HTTP")
                    .block(http_action),
            );
            doc.add(
                Area::LoadBalancer,
                Res::resource("aws_lb_listener", address(&[name, "https"]))
                    .attr("load_balancer_arn", lb_arn.clone())
                    .attr("port", 443)
                    .attr("protocol", "HTTPS")
                    .attr("ssl_policy", https.ssl_policy.as_str())
                    .attr("certificate_arn", doc.string_value(&https.certificate))
                    .block(forward()),
            );
        }
        None => doc.add(
            Area::LoadBalancer,
            Res::resource("aws_lb_listener", address(&[name, "http"]))
                .attr("load_balancer_arn", lb_arn.clone())
                .attr("port", 80)
                .attr("protocol", "HTTP")
                .block(forward())
                .skip("CKV_AWS_2", "the source declares no https block: this load balancer serves HTTP only")
                .skip("CKV_AWS_103", "the source declares no https block: there is no TLS listener")
                .skip("CKV2_AWS_20", "the source declares no https block: there is no HTTPS listener to redirect to"),
        ),
    }

    if let Some(waf) = &lb.waf {
        web_acl(doc, lb, waf);
    }
    if lb.shield == Shield::Advanced {
        doc.add(
            Area::LoadBalancer,
            Res::resource("aws_shield_protection", name)
                .attr("name", doc.physical(&[name], 128))
                .attr("resource_arn", lb_arn),
        );
    }
    super::layout::output(
        doc,
        &address(&[name, "dns_name"]),
        format!("DNS name of load balancer {name} (point the site's name at it)"),
        reference("aws_lb", name, "dns_name"),
    );
}

/// The access-log bucket and its delivery policy.
fn access_log_bucket(doc: &mut Doc<'_>, lb: &LoadBalancer, logs: &str) {
    let region = doc.model.deployment.region.as_str();
    let objects = vec![template([
        TemplatePart::Expr(reference("aws_s3_bucket", logs, "arn")),
        TemplatePart::Text("/AWSLogs/".to_string()),
        TemplatePart::Expr(account_id()),
        TemplatePart::Text("/*".to_string()),
    ])];
    let delivery = match stdlib().regions.get(region).and_then(|r| r.elb_log_account.as_deref()) {
        Some(account) => Statement::allow("ElasticLoadBalancingLogDelivery", &["s3:PutObject"])
            .on(objects)
            .principal("AWS", &[&format!("arn:{}:iam::{account}:root", doc.partition())]),
        None => Statement::allow("ElasticLoadBalancingLogDelivery", &["s3:PutObject"])
            .on(objects)
            .principal("Service", &["logdelivery.elasticloadbalancing.amazonaws.com"]),
    };
    let retention = doc.model.monitoring.retention_days;
    let spec = BucketSpec {
        area: Area::LoadBalancer,
        name: logs.to_string(),
        purpose: format!("access logs of load balancer {}", lb.name.as_str()),
        tag: format!("{}-access-logs", lb.name.as_str()),
        versioning: true,
        noncurrent_days: Some(decisions::LOG_NONCURRENT_DAYS),
        expire_days: Some(retention),
        abort_days: decisions::LOG_ABORT_UPLOAD_DAYS,
        kms: false,
        retain: lb.deletion_protection,
        logging_prefix: Some(format!("{}/", lb.name.as_str())),
        extra_statements: vec![delivery],
        skips: Vec::new(),
    };
    bucket_resources(doc, spec);
}

/// The web ACL, its association and its logging.
fn web_acl(doc: &mut Doc<'_>, lb: &LoadBalancer, waf: &Waf) {
    let name = lb.name.as_str();
    let base = decisions::waf_metric_base(doc.model, &lb.name);
    let visibility = |metric: String| {
        nested(
            "visibility_config",
            [
                ("cloudwatch_metrics_enabled", Expression::from(true)),
                ("metric_name", Expression::from(metric)),
                ("sampled_requests_enabled", Expression::from(true)),
            ],
        )
    };
    let mut rules = Vec::new();
    if let Some(limit) = waf.rate_limit {
        rules.push(
            Block::builder("rule")
                .add_attribute(("name", decisions::RATE_LIMIT_RULE))
                .add_attribute(("priority", 0))
                .add_block(Block::builder("action").add_block(empty("block")).build())
                .add_block(
                    Block::builder("statement")
                        .add_block(nested(
                            "rate_based_statement",
                            [("limit", Expression::from(limit)), ("aggregate_key_type", Expression::from("IP"))],
                        ))
                        .build(),
                )
                .add_block(visibility(format!("{base}RateLimit")))
                .build(),
        );
    }
    for (index, group) in waf.managed.iter().enumerate() {
        let mut statement = Block::builder("managed_rule_group_statement")
            .add_attribute(("name", group.name.as_str()))
            .add_attribute(("vendor_name", "AWS"));
        for rule in &group.count_rules {
            statement = statement.add_block(
                Block::builder("rule_action_override")
                    .add_attribute(("name", rule.as_str()))
                    .add_block(Block::builder("action_to_use").add_block(empty("count")).build())
                    .build(),
            );
        }
        rules.push(
            Block::builder("rule")
                .add_attribute(("name", group.name.as_str()))
                .add_attribute(("priority", index + 1))
                .add_block(Block::builder("override_action").add_block(empty("none")).build())
                .add_block(Block::builder("statement").add_block(statement.build()).build())
                .add_block(visibility(format!("{base}{}", decisions::metric_name(&group.name))))
                .build(),
        );
    }
    let mut acl = Res::resource("aws_wafv2_web_acl", name)
        .attr("name", doc.physical(&[name], 128))
        .attr("description", format!("load balancer {name}: managed rule groups of the source"))
        .attr("scope", "REGIONAL")
        .block(Block::builder("default_action").add_block(empty("allow")).build())
        .blocks(rules)
        .block(visibility(base.clone()));
    if !waf.managed.iter().any(|g| g.key == "known_bad_inputs") {
        acl = acl.skip(
            "CKV_AWS_192",
            "the source's waf.managed does not list known_bad_inputs, the group that blocks Log4j lookups",
        );
    }
    doc.add(Area::LoadBalancer, acl);
    doc.add(
        Area::LoadBalancer,
        Res::resource("aws_wafv2_web_acl_association", name)
            .attr("resource_arn", reference("aws_lb", name, "arn"))
            .attr("web_acl_arn", reference("aws_wafv2_web_acl", name, "arn")),
    );
    let group_name = address(&[name, "waf"]);
    let group = log_group(doc, group_name.clone(), format!("aws-waf-logs-{}", doc.physical(&[name], 400)));
    doc.add(Area::LoadBalancer, group);
    doc.add(
        Area::LoadBalancer,
        Res::resource("aws_wafv2_web_acl_logging_configuration", name)
            .attr("resource_arn", reference("aws_wafv2_web_acl", name, "arn"))
            .attr("log_destination_configs", list([reference("aws_cloudwatch_log_group", &group_name, "arn")])),
    );
}
