//! The site's name: its ACM certificate, the hosted zone, DNS records, the
//! SES identity and the SMTP user.

use super::intrinsics::{Builder, Resource, sub};
use mhac_compiler::plan::identity::{cfn_access_key, cfn_event_destination, cfn_topic_policy};
use mhac_compiler::plan::{
    Certificate, DnsRecord, HostedZoneLookup, MailEvents, MailIdentity, PartId, PartKind, RecordKind, RecordText,
    SmtpUser, ZoneRef,
};
use serde_json::{Value, json};

/// A zone's id.
fn zone_id(b: &Builder<'_>, zone: &ZoneRef) -> Value {
    match zone {
        ZoneRef::Id(id) => json!(id),
        ZoneRef::Lookup(part) => b.r(*part),
    }
}

/// A record's text: written, or one of the identity's DKIM records
/// (CloudFormation gives each as an attribute).
pub(crate) fn record_text(b: &Builder<'_>, text: &RecordText) -> Value {
    match text {
        RecordText::Literal(text) => json!(text),
        RecordText::DkimName { identity, index } => b.get_att(*identity, &format!("DkimDNSTokenName{index}")),
        RecordText::DkimValue { identity, index } => b.get_att(*identity, &format!("DkimDNSTokenValue{index}")),
    }
}

/// A record's text inside an `Fn::Sub`: `${Identity.DkimDNSTokenName1}`
/// for a DKIM record.
pub(crate) fn record_sub(b: &Builder<'_>, text: &RecordText) -> String {
    match text {
        RecordText::Literal(text) => text.replace("${", "${!"),
        RecordText::DkimName { identity, index } => format!("${{{}.DkimDNSTokenName{index}}}", b.id(*identity)),
        RecordText::DkimValue { identity, index } => format!("${{{}.DkimDNSTokenValue{index}}}", b.id(*identity)),
    }
}

/// The certificate: DNS-validated; with a hosted zone, CloudFormation
/// writes the validation record there and waits for issuance; without,
/// the stack's events show the record to add, and creation waits for it.
pub(crate) fn certificate(b: &mut Builder<'_>, id: PartId, certificate: &Certificate) {
    let mut properties = json!({
        "DomainName": certificate.domain,
        "ValidationMethod": "DNS",
        "Tags": b.tags(Some(b.name_tag(&["site"]))),
    });
    if let Some(zone) = &certificate.zone {
        properties["DomainValidationOptions"] =
            json!([{ "DomainName": certificate.domain, "HostedZoneId": zone_id(b, zone) }]);
    }
    b.add(id, b.id(id), Resource::new("AWS::CertificateManager::Certificate", properties));
}

/// A hosted zone by name: a parameter the console offers as a list of the
/// account's zones, and that `mhac plan` and `apply` look up.
pub(crate) fn hosted_zone_lookup(b: &mut Builder<'_>, id: PartId, lookup: &HostedZoneLookup) {
    let own = b.id(id);
    b.parameter(
        own.to_string(),
        json!({
            "Type": "AWS::Route53::HostedZone::Id",
            "Description": format!("The Route 53 hosted zone {} (mhac plan and apply look it up by name)", lookup.name),
        }),
    );
    b.mark(id, own);
}

pub(crate) fn dns_record(b: &mut Builder<'_>, id: PartId, record: &DnsRecord) {
    let mut properties = json!({
        "HostedZoneId": zone_id(b, &record.zone),
        "Name": record_text(b, &record.name),
    });
    match &record.kind {
        RecordKind::Alias { load_balancer, ipv6 } => {
            properties["Type"] = json!(if *ipv6 { "AAAA" } else { "A" });
            properties["AliasTarget"] = json!({
                "DNSName": b.get_att(*load_balancer, "DNSName"),
                "HostedZoneId": b.get_att(*load_balancer, "CanonicalHostedZoneID"),
                "EvaluateTargetHealth": true,
            });
        }
        RecordKind::Cname(value) => {
            properties["Type"] = json!("CNAME");
            properties["TTL"] = json!("300");
            properties["ResourceRecords"] = json!([record_text(b, value)]);
        }
        RecordKind::Mx(priority, host) => {
            properties["Type"] = json!("MX");
            properties["TTL"] = json!("300");
            properties["ResourceRecords"] = json!([format!("{priority} {host}")]);
        }
        RecordKind::Txt(text) => {
            properties["Type"] = json!("TXT");
            properties["TTL"] = json!("300");
            properties["ResourceRecords"] = json!([format!("\"{text}\"")]);
        }
    }
    b.add(id, b.id(id), Resource::new("AWS::Route53::RecordSet", properties));
}

/// The SES domain identity: Easy DKIM with 2048-bit keys, a custom MAIL
/// FROM subdomain (bounces go there, SPF aligns with it).
pub(crate) fn mail_identity(b: &mut Builder<'_>, id: PartId, identity: &MailIdentity) {
    let mut resource = Resource::new(
        "AWS::SES::EmailIdentity",
        json!({
            "EmailIdentity": identity.domain,
            "DkimAttributes": { "SigningEnabled": true },
            "DkimSigningAttributes": { "NextSigningKeyLength": "RSA_2048_BIT" },
            "MailFromAttributes": { "MailFromDomain": identity.mail_from, "BehaviorOnMxFailure": "USE_DEFAULT_VALUE" },
        }),
    );
    if let Some(events) = identity.events {
        resource = resource.with(&["ConfigurationSetAttributes"], json!({ "ConfigurationSetName": b.r(events) }));
    }
    b.add(id, b.id(id), resource);
}

/// Bounce and complaint notifications: a configuration set whose event
/// destination is the alarm topic, and the topic policy that lets SES
/// publish there (for this account's configuration sets only).
pub(crate) fn mail_events(b: &mut Builder<'_>, id: PartId, events: &MailEvents) {
    let own = b.id(id);
    b.add(id, own, Resource::new("AWS::SES::ConfigurationSet", json!({})));
    b.add(
        id,
        &cfn_event_destination(own),
        Resource::new(
            "AWS::SES::ConfigurationSetEventDestination",
            json!({
                "ConfigurationSetName": b.r(id),
                "EventDestination": {
                    "Name": "bounces-and-complaints",
                    "Enabled": true,
                    "MatchingEventTypes": ["bounce", "complaint"],
                    "SnsDestination": { "TopicARN": b.r(events.topic) },
                },
            }),
        ),
    );
    b.add(
        id,
        &cfn_topic_policy(own),
        Resource::new(
            "AWS::SNS::TopicPolicy",
            json!({
                "Topics": [b.r(events.topic)],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "SesPublishesMailEvents",
                        "Effect": "Allow",
                        "Principal": { "Service": "ses.amazonaws.com" },
                        "Action": "sns:Publish",
                        "Resource": b.r(events.topic),
                        "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } }
                    }]
                },
            }),
        ),
    );
}

/// Why the SMTP user is an IAM user with its own policy.
const SMTP_USER: &str = "SES SMTP authenticates IAM users' access keys only, not roles or SSO: the policy is the user's own, it may send from the site's identity as its sender and nothing else";

/// The IAM user SES SMTP authenticates as, allowed to send from the
/// site's identity as its sender address only, and its access key.
pub(crate) fn smtp_user(b: &mut Builder<'_>, id: PartId, user: &SmtpUser) {
    let domain = match &b.plan.part(user.identity).kind {
        PartKind::MailIdentity(identity) => identity.domain.clone(),
        _ => String::new(),
    };
    let own = b.id(id);
    let resource = Resource::new(
        "AWS::IAM::User",
        json!({
            "Policies": [{
                "PolicyName": "send-site-mail",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "SendAsTheSite",
                        "Effect": "Allow",
                        "Action": "ses:SendRawEmail",
                        "Resource": sub(&format!("arn:${{AWS::Partition}}:ses:${{AWS::Region}}:${{AWS::AccountId}}:identity/{domain}")),
                        "Condition": { "StringEquals": { "ses:FromAddress": user.from } }
                    }]
                }
            }],
            "Tags": b.tags(Some(b.name_tag(&["site", "smtp"]))),
        }),
    )
    .skip("CKV_AWS_40", SMTP_USER)
    .skip("CKV_AWS_273", SMTP_USER);
    b.add(id, own, resource);
    let key = cfn_access_key(own);
    b.add(id, &key, Resource::new("AWS::IAM::AccessKey", json!({ "UserName": b.r(id) })));
}
