//! Load balancers: the internet-facing ALB and what protects it.
//!
//! Per `load_balancer` `LB`:
//! * `aws_lb.LB` (drops invalid header fields, access logs to its bucket,
//!   printed with the other buckets in `data`);
//! * `aws_lb_listener.LB_http` (a 301 to HTTPS when HTTPS is on) and
//!   `aws_lb_listener.LB_https` (the TLS policy, the certificate from the
//!   source or its parameter) forwarding to the target group;
//! * when app servers are behind it, `aws_lb_target_group.LB` with their
//!   health check;
//! * `aws_wafv2_web_acl.LB` (a rate-based rule when `rate_limit` is set, then
//!   the managed rule groups in the source's order, with the rules listed to
//!   count overridden to `count`), `aws_wafv2_web_acl_association.LB`, and
//!   logging to `aws_cloudwatch_log_group.LB_waf`;
//! * `aws_shield_protection.LB` with Shield Advanced.

use super::doc::{Area, Doc, Res, empty, list, nested};
use hcl::Block;
use hcl::expr::Expression;
use mhac_compiler::plan::{
    CertificateRef, Listener, ListenerAction, ListenerProtocol, ListenerRule, LoadBalancer, PartId, PartKind,
    ShieldProtection, TargetGroup, WafLogging, WebAcl, WebAclAssociation, decisions,
};

pub fn load_balancer(doc: &mut Doc<'_>, id: PartId, lb: &LoadBalancer) {
    let name = lb.name.as_str();
    let subnets: Vec<Expression> = lb.subnets.iter().map(|subnet| doc.at(*subnet, "id")).collect();
    let mut res = Res::resource("aws_lb", doc.name(id))
        .attr("name", doc.physical(&[name], 32))
        .attr("internal", false)
        .attr("load_balancer_type", "application")
        .attr("security_groups", list([doc.at(lb.group, "id")]))
        .attr("subnets", list(subnets))
        .attr("idle_timeout", lb.idle_timeout)
        .attr("drop_invalid_header_fields", true)
        .attr("desync_mitigation_mode", "defensive")
        .attr("enable_deletion_protection", lb.deletion_protection);
    match lb.access_logs {
        Some((bucket, policy)) => {
            res = res
                .block(nested("access_logs", [("bucket", doc.at(bucket, "id")), ("enabled", Expression::from(true))]))
                .depends_on(doc.whole(policy));
        }
        None => res = res.skip("CKV_AWS_91", "access_logs = false in the source"),
    }
    if !lb.deletion_protection {
        res = res.skip("CKV_AWS_150", "deletion protection is off in the source (profile = dev makes it deletable)");
    }
    if !lb.https {
        res = res.skip(
            "CKV2_AWS_20",
            "the source declares no https block (allowed by profile = dev, MHA604): there is no HTTPS listener to redirect to",
        );
    }
    match &lb.waf {
        None => res = res.skip("CKV2_AWS_28", "the source declares no waf block for this load balancer"),
        Some(managed) => {
            let missing: Vec<&str> = ["anonymous_ip", "known_bad_inputs"]
                .into_iter()
                .filter(|key| !managed.iter().any(|group| group == key))
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
    doc.add(id, Area::LoadBalancer, res);
}

/// The target group of the app servers behind a load balancer, named after
/// the load balancer.
pub fn target_group(doc: &mut Doc<'_>, id: PartId, group: &TargetGroup) {
    let health_check = nested(
        "health_check",
        [
            ("enabled", Expression::from(true)),
            ("path", Expression::from(group.health_check.as_str())),
            ("protocol", Expression::from("HTTP")),
            ("matcher", Expression::from(group.matcher.as_str())),
            ("interval", Expression::from(decisions::HEALTH_CHECK_INTERVAL)),
            ("timeout", Expression::from(decisions::HEALTH_CHECK_TIMEOUT)),
            ("healthy_threshold", Expression::from(decisions::HEALTHY_THRESHOLD)),
            ("unhealthy_threshold", Expression::from(decisions::UNHEALTHY_THRESHOLD)),
        ],
    );
    let mut res = Res::resource("aws_lb_target_group", doc.name(id));
    if !group.https {
        res = res.skip(
            "CKV_AWS_378",
            "the source declares no https block (allowed by profile = dev, MHA604): the load balancer serves HTTP, and so does its target group",
        );
    }
    doc.add(
        id,
        Area::LoadBalancer,
        res.attr("name", doc.physical(&[group.load_balancer.as_str(), group.app.as_str()], 32))
            .attr("port", group.port)
            .attr("protocol", "HTTP")
            .attr("target_type", "instance")
            .attr("vpc_id", doc.at(group.vpc, "id"))
            .attr("deregistration_delay", decisions::DEREGISTRATION_DELAY.to_string())
            .block(health_check),
    );
}

fn action(doc: &Doc<'_>, action: &ListenerAction) -> Block {
    match action {
        ListenerAction::Redirect => Block::builder("default_action")
            .add_attribute(("type", "redirect"))
            .add_block(nested(
                "redirect",
                [
                    ("port", Expression::from("443")),
                    ("protocol", Expression::from("HTTPS")),
                    ("status_code", Expression::from("HTTP_301")),
                ],
            ))
            .build(),
        ListenerAction::Forward(group) => nested(
            "default_action",
            [("type", Expression::from("forward")), ("target_group_arn", doc.at(*group, "arn"))],
        ),
        ListenerAction::Unavailable => Block::builder("default_action")
            .add_attribute(("type", "fixed-response"))
            .add_block(nested(
                "fixed_response",
                [
                    ("content_type", Expression::from("text/plain")),
                    ("message_body", Expression::from("No app servers are behind this load balancer.")),
                    ("status_code", Expression::from("503")),
                ],
            ))
            .build(),
    }
}

pub fn listener(doc: &mut Doc<'_>, id: PartId, listener: &Listener) {
    let https = matches!(&doc.plan.part(listener.load_balancer).kind, PartKind::LoadBalancer(lb) if lb.https);
    let lb_arn = doc.at(listener.load_balancer, "arn");
    let res = match &listener.protocol {
        ListenerProtocol::Https { ssl_policy, certificate } => Res::resource("aws_lb_listener", doc.name(id))
            .attr("load_balancer_arn", lb_arn)
            .attr("port", 443)
            .attr("protocol", "HTTPS")
            .attr("ssl_policy", ssl_policy.as_str())
            .attr(
                "certificate_arn",
                match certificate {
                    CertificateRef::Given(text) => doc.string_value(text),
                    // Issued: the validation waits for it.
                    CertificateRef::Requested(part) => {
                        super::doc::reference("aws_acm_certificate_validation", doc.name(*part), "certificate_arn")
                    }
                },
            )
            .block(action(doc, &listener.action)),
        ListenerProtocol::Http => {
            let mut res = Res::resource("aws_lb_listener", doc.name(id))
                .attr("load_balancer_arn", lb_arn)
                .attr("port", 80)
                .attr("protocol", "HTTP")
                .block(action(doc, &listener.action));
            if !https {
                res = res
                    .skip("CKV_AWS_2", "the source declares no https block: this load balancer serves HTTP only")
                    .skip("CKV_AWS_103", "the source declares no https block: there is no TLS listener")
                    .skip(
                        "CKV2_AWS_20",
                        "the source declares no https block: there is no HTTPS listener to redirect to",
                    );
            }
            res
        }
    };
    doc.add(id, Area::LoadBalancer, res);
}

/// The web ACL.
pub fn web_acl(doc: &mut Doc<'_>, id: PartId, waf: &WebAcl) {
    let name = waf.load_balancer.as_str();
    let base = &waf.metric_base;
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
    let mut acl = Res::resource("aws_wafv2_web_acl", doc.name(id))
        .attr("name", doc.physical(&[name], 128))
        .attr("description", waf.description.as_str())
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
    doc.add(id, Area::LoadBalancer, acl);
}

pub fn web_acl_association(doc: &mut Doc<'_>, id: PartId, association: &WebAclAssociation) {
    doc.add(
        id,
        Area::LoadBalancer,
        Res::resource("aws_wafv2_web_acl_association", doc.name(id))
            .attr("resource_arn", doc.at(association.load_balancer, "arn"))
            .attr("web_acl_arn", doc.at(association.web_acl, "arn")),
    );
}

pub fn waf_logging(doc: &mut Doc<'_>, id: PartId, logging: &WafLogging) {
    doc.add(
        id,
        Area::LoadBalancer,
        Res::resource("aws_wafv2_web_acl_logging_configuration", doc.name(id))
            .attr("resource_arn", doc.at(logging.web_acl, "arn"))
            .attr("log_destination_configs", list([doc.at(logging.log_group, "arn")])),
    );
}

pub fn shield_protection(doc: &mut Doc<'_>, id: PartId, shield: &ShieldProtection) {
    doc.add(
        id,
        Area::LoadBalancer,
        Res::resource("aws_shield_protection", doc.name(id))
            .attr("name", doc.physical(&[shield.name.as_str()], 128))
            .attr("resource_arn", doc.at(shield.load_balancer, "arn")),
    );
}

/// A listener rule answering requests to its paths with a fixed status.
pub fn listener_rule(doc: &mut Doc<'_>, id: PartId, rule: &ListenerRule) {
    let action = Block::builder("action")
        .add_attribute(("type", "fixed-response"))
        .add_block(nested(
            "fixed_response",
            [
                ("content_type", Expression::from("text/plain")),
                ("message_body", Expression::from("Not found")),
                ("status_code", Expression::from(rule.status.to_string())),
            ],
        ))
        .build();
    let condition = Block::builder("condition")
        .add_block(nested("path_pattern", [("values", super::doc::strings(&rule.paths))]))
        .build();
    doc.add(
        id,
        Area::LoadBalancer,
        Res::resource("aws_lb_listener_rule", doc.name(id))
            .attr("listener_arn", doc.at(rule.listener, "arn"))
            .attr("priority", rule.priority)
            .block(action)
            .block(condition),
    );
}
