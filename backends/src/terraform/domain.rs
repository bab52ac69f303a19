//! The site's name: its ACM certificate (validated through DNS), the
//! hosted zone, DNS records, the SES identity and the SMTP user.

use super::doc::{Area, Doc, Res, TemplatePart, data_ref, list, strings, tags, template};
use super::monitoring::account_id;
use hcl::Identifier;
use hcl::expr::{Expression, ForExpr, FuncCall, Traversal, Variable};
use mhac_compiler::plan::identity::{certificate_validation, tf_type};
use mhac_compiler::plan::{
    Certificate, DnsRecord, HostedZoneLookup, MailEvents, MailIdentity, PartId, PartKind, RecordKind, RecordText,
    SmtpUser, ZoneRef,
};

/// A zone's id.
fn zone_id(doc: &Doc<'_>, zone: &ZoneRef) -> Expression {
    match zone {
        ZoneRef::Id(id) => Expression::from(id.as_str()),
        ZoneRef::Lookup(part) => data_ref("aws_route53_zone", doc.name(*part), "zone_id"),
    }
}

/// `EXPR[INDEX]`.
fn index(expr: Expression, at: u64) -> Expression {
    match expr {
        Expression::Traversal(traversal) => {
            let mut traversal = *traversal;
            traversal.operators.push(hcl::expr::TraversalOperator::Index(Expression::from(at)));
            Expression::Traversal(Box::new(traversal))
        }
        other => other,
    }
}

/// DKIM token `n` (1 to 3) of an identity.
fn dkim_token(doc: &Doc<'_>, identity: PartId, n: u8) -> Expression {
    let tokens = Expression::from(
        Traversal::builder(Variable::unchecked(tf_type(&doc.plan.part(identity).kind)))
            .attr(Identifier::unchecked(doc.name(identity)))
            .attr(Identifier::unchecked("dkim_signing_attributes"))
            .index(0u64)
            .attr(Identifier::unchecked("tokens"))
            .build(),
    );
    index(tokens, u64::from(n.saturating_sub(1)))
}

/// The domain of an identity part.
fn identity_domain(doc: &Doc<'_>, identity: PartId) -> String {
    match &doc.plan.part(identity).kind {
        PartKind::MailIdentity(identity) => identity.domain.clone(),
        _ => String::new(),
    }
}

/// A record's text as template pieces: written, or one of the identity's
/// DKIM records (Terraform gives the tokens; the names and values are
/// AWS's form).
pub fn record_parts(doc: &Doc<'_>, text: &RecordText) -> Vec<TemplatePart> {
    match text {
        RecordText::Literal(text) => vec![TemplatePart::Text(text.clone())],
        RecordText::DkimName { identity, index } => vec![
            TemplatePart::Expr(dkim_token(doc, *identity, *index)),
            TemplatePart::Text(format!("._domainkey.{}", identity_domain(doc, *identity))),
        ],
        RecordText::DkimValue { identity, index } => vec![
            TemplatePart::Expr(dkim_token(doc, *identity, *index)),
            TemplatePart::Text(".dkim.amazonses.com".to_string()),
        ],
    }
}

/// A record's text as one expression.
pub fn record_text(doc: &Doc<'_>, text: &RecordText) -> Expression {
    match text {
        RecordText::Literal(text) => Expression::from(text.as_str()),
        _ => template(record_parts(doc, text)),
    }
}

/// The certificate and its validation: with a hosted zone, the validation
/// records are written there; either way `aws_acm_certificate_validation`
/// waits for issuance (with external DNS, until someone adds the record
/// the `site_certificate_validation` output shows).
pub fn certificate(doc: &mut Doc<'_>, id: PartId, certificate: &Certificate) {
    let name = doc.name(id);
    let cert = Res::resource("aws_acm_certificate", name)
        .attr("domain_name", certificate.domain.as_str())
        .attr("validation_method", "DNS")
        .attr("tags", doc.name_tag(&["site"]))
        .create_before_destroy();
    let arn = cert.at("arn");
    let options = cert.at("domain_validation_options");
    doc.add(id, Area::Site, cert);
    let mut validation = Res::resource("aws_acm_certificate_validation", name).attr("certificate_arn", arn);
    if let Some(zone) = &certificate.zone {
        let records_name = certificate_validation(name);
        let each = |attribute: &str| {
            Expression::from(
                Traversal::builder(Variable::unchecked("each"))
                    .attr(Identifier::unchecked("value"))
                    .attr(Identifier::unchecked(attribute))
                    .build(),
            )
        };
        let option = |attribute: &str| {
            Expression::from(
                Traversal::builder(Variable::unchecked("option")).attr(Identifier::unchecked(attribute)).build(),
            )
        };
        let for_each =
            ForExpr::new(Identifier::unchecked("option"), options, Expression::Variable(Variable::unchecked("option")))
                .with_key_expr(option("domain_name"));
        let records = Res::resource("aws_route53_record", records_name.clone())
            .attr("for_each", Expression::from(for_each))
            .attr("zone_id", zone_id(doc, zone))
            .attr("name", each("resource_record_name"))
            .attr("type", each("resource_record_type"))
            .attr("records", list([each("resource_record_value")]))
            .attr("ttl", 300)
            .attr("allow_overwrite", true);
        doc.add(id, Area::Site, records);
        let fqdns = ForExpr::new(
            Identifier::unchecked("record"),
            Expression::from(
                Traversal::builder(Variable::unchecked("aws_route53_record"))
                    .attr(Identifier::unchecked(records_name.as_str()))
                    .build(),
            ),
            Expression::from(
                Traversal::builder(Variable::unchecked("record")).attr(Identifier::unchecked("fqdn")).build(),
            ),
        );
        validation = validation.attr("validation_record_fqdns", Expression::from(fqdns));
    }
    doc.add(id, Area::Site, validation);
}

/// A hosted zone found by its name.
pub fn hosted_zone_lookup(doc: &mut Doc<'_>, id: PartId, lookup: &HostedZoneLookup) {
    let name = doc.name(id);
    doc.add(
        id,
        Area::Site,
        Res::data("aws_route53_zone", name).attr("name", lookup.name.as_str()).attr("private_zone", false),
    );
}

pub fn dns_record(doc: &mut Doc<'_>, id: PartId, record: &DnsRecord) {
    let name = doc.name(id);
    let mut res = Res::resource("aws_route53_record", name)
        .attr("zone_id", zone_id(doc, &record.zone))
        .attr("name", record_text(doc, &record.name));
    res = match &record.kind {
        RecordKind::Alias { load_balancer, ipv6 } => res.attr("type", if *ipv6 { "AAAA" } else { "A" }).block(
            hcl::Block::builder("alias")
                .add_attribute(("name", doc.at(*load_balancer, "dns_name")))
                .add_attribute(("zone_id", doc.at(*load_balancer, "zone_id")))
                .add_attribute(("evaluate_target_health", true))
                .build(),
        ),
        RecordKind::Cname(value) => {
            res.attr("type", "CNAME").attr("ttl", 300).attr("records", list([record_text(doc, value)]))
        }
        RecordKind::Mx(priority, host) => {
            res.attr("type", "MX").attr("ttl", 300).attr("records", strings([format!("{priority} {host}")]))
        }
        RecordKind::Txt(text) => res.attr("type", "TXT").attr("ttl", 300).attr("records", strings([text.as_str()])),
    };
    doc.add(id, Area::Site, res);
}

/// The SES domain identity: Easy DKIM with 2048-bit keys, and its MAIL
/// FROM subdomain.
pub fn mail_identity(doc: &mut Doc<'_>, id: PartId, identity: &MailIdentity) {
    let name = doc.name(id);
    let mut res = Res::resource("aws_sesv2_email_identity", name).attr("email_identity", identity.domain.as_str());
    if let Some(events) = identity.events {
        res = res.attr("configuration_set_name", doc.at(events, "configuration_set_name"));
    }
    let res = res.block(
        hcl::Block::builder("dkim_signing_attributes")
            .add_attribute(("next_signing_key_length", "RSA_2048_BIT"))
            .build(),
    );
    let email_identity = res.at("email_identity");
    doc.add(id, Area::Site, res);
    doc.add(
        id,
        Area::Site,
        Res::resource("aws_sesv2_email_identity_mail_from_attributes", name)
            .attr("email_identity", email_identity)
            .attr("mail_from_domain", identity.mail_from.as_str())
            .attr("behavior_on_mx_failure", "USE_DEFAULT_VALUE"),
    );
}

/// Bounce and complaint notifications: a configuration set whose event
/// destination is the alarm topic, and the topic policy that lets SES
/// publish there (for this account only).
pub fn mail_events(doc: &mut Doc<'_>, id: PartId, events: &MailEvents) {
    let name = doc.name(id);
    let set = Res::resource("aws_sesv2_configuration_set", name)
        .attr("configuration_set_name", doc.physical(&["site", "mail"], 64));
    let set_name = set.at("configuration_set_name");
    doc.add(id, Area::Site, set);
    doc.add(
        id,
        Area::Site,
        Res::resource("aws_sesv2_configuration_set_event_destination", name)
            .attr("configuration_set_name", set_name)
            .attr("event_destination_name", "bounces-and-complaints")
            .block(
                hcl::Block::builder("event_destination")
                    .add_attribute(("enabled", true))
                    .add_attribute(("matching_event_types", strings(["BOUNCE", "COMPLAINT"])))
                    .add_block(
                        hcl::Block::builder("sns_destination")
                            .add_attribute(("topic_arn", doc.at(events.topic, "arn")))
                            .build(),
                    )
                    .build(),
            ),
    );
    let statement = tags([
        ("Sid", Expression::from("SesPublishesMailEvents")),
        ("Effect", Expression::from("Allow")),
        ("Principal", tags([("Service", Expression::from("ses.amazonaws.com"))])),
        ("Action", Expression::from("sns:Publish")),
        ("Resource", doc.at(events.topic, "arn")),
        ("Condition", tags([("StringEquals", tags([("aws:SourceAccount", account_id())]))])),
    ]);
    let policy = FuncCall::builder("jsonencode")
        .arg(tags([("Version", Expression::from("2012-10-17")), ("Statement", list([statement]))]))
        .build();
    doc.add(
        id,
        Area::Site,
        Res::resource("aws_sns_topic_policy", name)
            .attr("arn", doc.at(events.topic, "arn"))
            .attr("policy", Expression::from(policy)),
    );
}

/// Why the SMTP user is an IAM user with its own policy.
const SMTP_USER: &str = "SES SMTP authenticates IAM users' access keys only, not roles or SSO: the policy is the user's own, it may send from the site's identity as its sender and nothing else";

/// The IAM user SES SMTP authenticates as, allowed to send from the
/// site's identity as its sender address only, and its access key.
pub fn smtp_user(doc: &mut Doc<'_>, id: PartId, user: &SmtpUser) {
    let name = doc.name(id);
    let domain = identity_domain(doc, user.identity);
    let partition = doc.partition();
    let region = doc.plan.deployment.region.as_str();
    let identity_arn = template([
        TemplatePart::Text(format!("arn:{partition}:ses:{region}:")),
        TemplatePart::Expr(account_id()),
        TemplatePart::Text(format!(":identity/{domain}")),
    ]);
    let statement = tags([
        ("Sid", Expression::from("SendAsTheSite")),
        ("Effect", Expression::from("Allow")),
        ("Action", Expression::from("ses:SendRawEmail")),
        ("Resource", identity_arn),
        ("Condition", tags([("StringEquals", tags([("ses:FromAddress", Expression::from(user.from.as_str()))]))])),
    ]);
    let policy = FuncCall::builder("jsonencode")
        .arg(tags([("Version", Expression::from("2012-10-17")), ("Statement", list([statement]))]))
        .build();
    let res = Res::resource("aws_iam_user", name)
        .attr("name", doc.physical(&["site", "smtp"], 64))
        .attr("tags", doc.name_tag(&["site", "smtp"]))
        .skip("CKV_AWS_273", SMTP_USER);
    let user_name = res.at("name");
    doc.add(id, Area::Site, res);
    doc.add(
        id,
        Area::Site,
        Res::resource("aws_iam_user_policy", name)
            .attr("name", "send-site-mail")
            .attr("user", user_name.clone())
            .attr("policy", Expression::from(policy))
            .skip("CKV_AWS_40", SMTP_USER),
    );
    doc.add(id, Area::Site, Res::resource("aws_iam_access_key", name).attr("user", user_name));
}
