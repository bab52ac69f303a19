//! Preflight's questions asked of the account: every call is a read
//! (Describe, Get, List), made before `plan` or `apply` changes anything.
//! The rules that judge the answers are the compiler's
//! (`mhac_compiler::preflight`); this module only asks.
//!
//! A call the account refuses becomes [`Fact::Forbidden`] with the
//! permission it needs, any other failure [`Fact::Unknown`] with the error
//! in one sentence: preflight never fails because it could not ask.

use crate::aws::{Aws, Error};
use aws_sdk_ec2::types::{Filter, LocationType};
use mhac_compiler::preflight::{
    Answers, Certificate, Fact, HostedZone, Image, ImageRef, Questions, Quota, QuotaKey, QuotaUse,
};
use std::collections::{BTreeMap, BTreeSet};

/// Who the credentials are (STS GetCallerIdentity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The account id.
    pub account: String,
    /// The caller's ARN.
    pub arn: String,
}

/// The account and caller of the credentials.
pub async fn identity(aws: &Aws) -> Result<Identity, Error> {
    let output = aws.sts().get_caller_identity().send().await.map_err(|e| Error::from_sdk("GetCallerIdentity", e))?;
    Ok(Identity {
        account: output.account().unwrap_or_default().to_string(),
        arn: output.arn().unwrap_or_default().to_string(),
    })
}

/// A failed call as a fact: forbidden (with the permission) or unknown.
fn failed<T>(permission: &str, error: Error) -> Fact<T> {
    if error.is_access_denied() { Fact::Forbidden(permission.to_string()) } else { Fact::Unknown(error.message) }
}

/// How many questions preflight asks for `questions`, for the summary line.
pub fn count(questions: &Questions) -> usize {
    questions.certificates.len()
        + usize::from(!questions.shield_advanced.is_empty())
        + questions.instance_types.len()
        + questions.db_classes.len()
        + questions.cache_node_types.len()
        + questions.images.len()
        + questions.quotas.len()
        + usize::from(questions.mail.is_some())
}

/// Ask the account every question. `own` are the physical ids of what the
/// deployment's stack (and its nested stacks) already holds: they do not
/// count against the quotas, since the deployment keeps them.
pub async fn answer(aws: &Aws, questions: &Questions, own: &BTreeSet<String>) -> Answers {
    let mut answers = Answers::new(aws.region());
    let (certificates, shield, offerings, db_classes, cache_node_types, images, quotas, ses) = tokio::join!(
        certificates(aws, questions),
        shield(aws, questions),
        offerings(aws, questions),
        db_classes(aws, questions),
        cache_node_types(aws, questions),
        images(aws, questions),
        quotas(aws, questions, own),
        ses_production_access(aws, questions),
    );
    answers.certificates = certificates;
    answers.shield_subscription = shield;
    answers.instance_offerings = offerings;
    answers.db_classes = db_classes;
    answers.cache_node_types = cache_node_types;
    answers.images = images;
    answers.quotas = quotas;
    answers.ses_production_access = ses;
    answers
}

/// The hosted zones of exactly each name asked about (Route 53's
/// ListHostedZonesByName lists zones in name order from the one given).
/// Asked even when preflight is skipped: the template needs the ids.
pub async fn hosted_zones(aws: &Aws, names: &[&str]) -> BTreeMap<String, Fact<Vec<HostedZone>>> {
    let route53 = aws.route53();
    let mut out = BTreeMap::new();
    for name in names {
        let wanted = format!("{}.", name.trim_end_matches('.').to_ascii_lowercase());
        let mut zones = Vec::new();
        let mut next: Option<(String, Option<String>)> = Some((wanted.clone(), None));
        let fact = loop {
            let Some((dns_name, zone_id)) = next.take() else { break Fact::Known(zones) };
            let request = route53.list_hosted_zones_by_name().dns_name(dns_name).set_hosted_zone_id(zone_id);
            match request.send().await {
                Ok(output) => {
                    let mut past = false;
                    for zone in output.hosted_zones() {
                        if zone.name().to_ascii_lowercase() != wanted {
                            past = true;
                            break;
                        }
                        zones.push(HostedZone {
                            id: zone.id().trim_start_matches("/hostedzone/").to_string(),
                            private: zone.config().is_some_and(|c| c.private_zone()),
                        });
                    }
                    if !past && output.is_truncated() {
                        next = output
                            .next_dns_name()
                            .map(|n| (n.to_string(), output.next_hosted_zone_id().map(str::to_string)));
                    }
                }
                Err(error) => {
                    break failed("route53:ListHostedZonesByName", Error::from_sdk("ListHostedZonesByName", error));
                }
            }
        };
        out.insert(name.to_string(), fact);
    }
    out
}

/// Whether SES may send to any address in the mail's region (GetAccount's
/// ProductionAccessEnabled), when the site sends mail.
async fn ses_production_access(aws: &Aws, questions: &Questions) -> Option<Fact<bool>> {
    let mail = questions.mail.as_ref()?;
    Some(match aws.sesv2(&mail.region).get_account().send().await {
        Ok(output) => Fact::Known(output.production_access_enabled()),
        Err(error) => failed("ses:GetAccount", Error::from_sdk("GetAccount", error)),
    })
}

async fn certificates(aws: &Aws, questions: &Questions) -> BTreeMap<String, Fact<Option<Certificate>>> {
    let mut out = BTreeMap::new();
    let acm = aws.acm(&questions.region);
    for question in &questions.certificates {
        // A certificate of another region is judged from its ARN alone.
        if out.contains_key(&question.arn) || question.region.as_ref().is_some_and(|r| r != &questions.region) {
            continue;
        }
        let fact = match acm.describe_certificate().certificate_arn(&question.arn).send().await {
            Ok(output) => Fact::Known(output.certificate().map(|c| {
                Certificate {
                    status: c.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                    names: c
                        .domain_name()
                        .into_iter()
                        .chain(c.subject_alternative_names().iter().map(String::as_str))
                        .map(str::to_string)
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect(),
                }
            })),
            Err(error) => {
                let error = Error::from_sdk("DescribeCertificate", error);
                match error.code.as_deref() {
                    Some("ResourceNotFoundException") => Fact::Known(None),
                    // A malformed ARN names no certificate either.
                    Some("InvalidArnException") => Fact::Known(None),
                    _ => failed("acm:DescribeCertificate", error),
                }
            }
        };
        out.insert(question.arn.clone(), fact);
    }
    out
}

/// Whether the account has an active Shield Advanced subscription:
/// GetSubscriptionState, or where that is not answered, DescribeSubscription
/// (which fails with ResourceNotFoundException without one).
async fn shield(aws: &Aws, questions: &Questions) -> Option<Fact<bool>> {
    if questions.shield_advanced.is_empty() {
        return None;
    }
    let shield = aws.shield();
    match shield.get_subscription_state().send().await {
        Ok(output) => {
            let active = output.subscription_state().as_str() == "ACTIVE";
            return Some(Fact::Known(active));
        }
        Err(error) => {
            let error = Error::from_sdk("GetSubscriptionState", error);
            if error.is_access_denied() {
                return Some(Fact::Forbidden("shield:GetSubscriptionState".to_string()));
            }
        }
    }
    Some(match shield.describe_subscription().send().await {
        Ok(output) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            let active = output.subscription().is_some_and(|s| s.end_time().is_none_or(|end| end.secs() > now));
            Fact::Known(active)
        }
        Err(error) => {
            // A subscription the SDK cannot read (an emulator writes its
            // dates as text) still exists: only its absence is an error.
            let status = error.raw_response().map(|r| r.status().as_u16());
            let error = Error::from_sdk("DescribeSubscription", error);
            if status == Some(200) {
                Fact::Known(true)
            } else if error.code.as_deref() == Some("ResourceNotFoundException") {
                Fact::Known(false)
            } else {
                failed("shield:DescribeSubscription", error)
            }
        }
    })
}

async fn offerings(aws: &Aws, questions: &Questions) -> BTreeMap<String, Fact<BTreeSet<String>>> {
    let types: Vec<String> = questions.instance_type_names().into_iter().collect();
    if types.is_empty() {
        return BTreeMap::new();
    }
    let ec2 = aws.ec2();
    let mut found: BTreeMap<String, BTreeSet<String>> = types.iter().map(|t| (t.clone(), BTreeSet::new())).collect();
    // At most 200 values per filter: ask in chunks.
    for chunk in types.chunks(100) {
        let mut token: Option<String> = None;
        loop {
            let request = ec2
                .describe_instance_type_offerings()
                .location_type(LocationType::AvailabilityZone)
                .filters(Filter::builder().name("instance-type").set_values(Some(chunk.to_vec())).build())
                .filters(Filter::builder().name("location").set_values(Some(questions.zones.clone())).build())
                .set_next_token(token.clone());
            match request.send().await {
                Ok(output) => {
                    for offering in output.instance_type_offerings() {
                        if let (Some(ty), Some(zone)) = (offering.instance_type(), offering.location()) {
                            found.entry(ty.as_str().to_string()).or_default().insert(zone.to_string());
                        }
                    }
                    token = output.next_token().filter(|t| !t.is_empty()).map(str::to_string);
                    if token.is_none() {
                        break;
                    }
                }
                Err(error) => {
                    let error = Error::from_sdk("DescribeInstanceTypeOfferings", error);
                    return types
                        .iter()
                        .map(|t| (t.clone(), failed("ec2:DescribeInstanceTypeOfferings", error.clone())))
                        .collect();
                }
            }
        }
    }
    found.into_iter().map(|(ty, zones)| (ty, Fact::Known(zones))).collect()
}

/// Whether an RDS version (`8.0.39`) is the one written (`8.0`).
fn version_matches(offered: &str, written: &str) -> bool {
    offered == written || offered.strip_prefix(written).is_some_and(|rest| rest.starts_with('.'))
}

async fn db_classes(aws: &Aws, questions: &Questions) -> BTreeMap<(String, String, String), Fact<bool>> {
    let rds = aws.rds();
    let mut out = BTreeMap::new();
    for question in &questions.db_classes {
        let key = (question.engine.clone(), question.version.clone(), question.class.clone());
        if out.contains_key(&key) {
            continue;
        }
        let mut orderable = false;
        let mut marker: Option<String> = None;
        let mut fact = None;
        for _ in 0..20 {
            let request = rds
                .describe_orderable_db_instance_options()
                .engine(&question.engine)
                .db_instance_class(&question.class)
                .set_marker(marker.clone());
            match request.send().await {
                Ok(output) => {
                    orderable |= output
                        .orderable_db_instance_options()
                        .iter()
                        .any(|o| o.engine_version().is_some_and(|v| version_matches(v, &question.version)));
                    marker = output.marker().map(str::to_string);
                    if orderable || marker.is_none() {
                        break;
                    }
                }
                Err(error) => {
                    fact = Some(failed(
                        "rds:DescribeOrderableDBInstanceOptions",
                        Error::from_sdk("DescribeOrderableDBInstanceOptions", error),
                    ));
                    break;
                }
            }
        }
        let fact = match fact {
            Some(fact) => fact,
            None if orderable => Fact::Known(true),
            // Nothing for this class: say so only if the region lists
            // anything at all for the engine (an emulator lists nothing).
            None => {
                match rds.describe_orderable_db_instance_options().engine(&question.engine).max_records(20).send().await
                {
                    Ok(output) if output.orderable_db_instance_options().is_empty() => {
                        Fact::Unknown(format!("the region lists no orderable options for {} at all", question.engine))
                    }
                    Ok(_) => Fact::Known(false),
                    Err(error) => failed(
                        "rds:DescribeOrderableDBInstanceOptions",
                        Error::from_sdk("DescribeOrderableDBInstanceOptions", error),
                    ),
                }
            }
        };
        out.insert(key, fact);
    }
    out
}

async fn cache_node_types(aws: &Aws, questions: &Questions) -> BTreeMap<(String, String), Fact<bool>> {
    let elasticache = aws.elasticache();
    let mut out = BTreeMap::new();
    let permission = "elasticache:DescribeReservedCacheNodesOfferings";
    let operation = "DescribeReservedCacheNodesOfferings";
    for question in &questions.cache_node_types {
        let key = (question.engine.clone(), question.node_type.clone());
        if out.contains_key(&key) {
            continue;
        }
        let fact = match elasticache
            .describe_reserved_cache_nodes_offerings()
            .cache_node_type(&question.node_type)
            .max_records(20)
            .send()
            .await
        {
            Ok(output) if !output.reserved_cache_nodes_offerings().is_empty() => Fact::Known(true),
            Ok(_) => match elasticache.describe_reserved_cache_nodes_offerings().max_records(20).send().await {
                Ok(all) if all.reserved_cache_nodes_offerings().is_empty() => {
                    Fact::Unknown("the region lists no cache node offerings at all".to_string())
                }
                Ok(_) => Fact::Known(false),
                Err(error) => failed(permission, Error::from_sdk(operation, error)),
            },
            Err(error) => failed(permission, Error::from_sdk(operation, error)),
        };
        out.insert(key, fact);
    }
    out
}

async fn images(aws: &Aws, questions: &Questions) -> BTreeMap<ImageRef, Fact<Option<Image>>> {
    let ssm = aws.ssm();
    let ec2 = aws.ec2();
    let mut described: BTreeMap<String, Fact<Option<Image>>> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for question in &questions.images {
        if out.contains_key(&question.image) {
            continue;
        }
        let ami = match &question.image {
            ImageRef::Ami(id) => Ok(id.clone()),
            ImageRef::Ssm(path) => match ssm.get_parameter().name(path).send().await {
                Ok(output) => Ok(output.parameter().and_then(|p| p.value()).unwrap_or_default().to_string()),
                Err(error) => {
                    let error = Error::from_sdk("GetParameter", error);
                    Err(match error.code.as_deref() {
                        Some("ParameterNotFound") => Fact::Known(None),
                        _ => failed("ssm:GetParameter", error),
                    })
                }
            },
        };
        let fact = match ami {
            Err(fact) => fact,
            Ok(id) => {
                if !described.contains_key(&id) {
                    let fact = describe_image(&ec2, &id).await;
                    described.insert(id.clone(), fact);
                }
                described.get(&id).cloned().unwrap_or(Fact::Known(None))
            }
        };
        out.insert(question.image.clone(), fact);
    }
    out
}

async fn describe_image(ec2: &aws_sdk_ec2::Client, id: &str) -> Fact<Option<Image>> {
    match ec2.describe_images().image_ids(id).send().await {
        Ok(output) => Fact::Known(output.images().first().map(|image| Image {
            id: image.image_id().unwrap_or(id).to_string(),
            architecture: image.architecture().map(|a| a.as_str().to_string()).unwrap_or_default(),
        })),
        Err(error) => {
            let error = Error::from_sdk("DescribeImages", error);
            match error.code.as_deref() {
                Some(code) if code.starts_with("InvalidAMIID") => Fact::Known(None),
                _ => failed("ec2:DescribeImages", error),
            }
        }
    }
}

/// A quota's limit: the account's (Service Quotas), else AWS's default
/// assumed (a quota Service Quotas does not list for the account).
async fn limit(aws: &Aws, quota: Quota) -> Fact<(u64, bool)> {
    let client = aws.service_quotas();
    match client.get_service_quota().service_code(quota.service_code()).quota_code(quota.quota_code()).send().await {
        Ok(output) => match output.quota().and_then(|q| q.value()) {
            Some(value) => Fact::Known((value as u64, false)),
            None => Fact::Known((quota.default_limit(), true)),
        },
        Err(error) => {
            let error = Error::from_sdk("GetServiceQuota", error);
            if error.is_access_denied() {
                Fact::Forbidden("servicequotas:GetServiceQuota".to_string())
            } else {
                Fact::Known((quota.default_limit(), true))
            }
        }
    }
}

/// What is in use, per quota key, not counting `own`.
async fn usage(aws: &Aws, quota: Quota, own: &BTreeSet<String>) -> Fact<BTreeMap<Option<String>, u64>> {
    let ec2 = aws.ec2();
    let not_own = |ids: &[Option<&str>]| !ids.iter().flatten().any(|id| own.contains(*id));
    let single = |n: u64| Fact::Known(BTreeMap::from([(None, n)]));
    match quota {
        Quota::Vpcs => match ec2.describe_vpcs().send().await {
            Ok(output) => single(output.vpcs().iter().filter(|v| not_own(&[v.vpc_id()])).count() as u64),
            Err(error) => failed("ec2:DescribeVpcs", Error::from_sdk("DescribeVpcs", error)),
        },
        Quota::InternetGateways => match ec2.describe_internet_gateways().send().await {
            Ok(output) => {
                single(output.internet_gateways().iter().filter(|g| not_own(&[g.internet_gateway_id()])).count() as u64)
            }
            Err(error) => failed("ec2:DescribeInternetGateways", Error::from_sdk("DescribeInternetGateways", error)),
        },
        Quota::ElasticIps => match ec2.describe_addresses().send().await {
            Ok(output) => {
                single(output.addresses().iter().filter(|a| not_own(&[a.allocation_id(), a.public_ip()])).count() as u64)
            }
            Err(error) => failed("ec2:DescribeAddresses", Error::from_sdk("DescribeAddresses", error)),
        },
        Quota::SecurityGroups => {
            let mut count = 0;
            let mut token: Option<String> = None;
            loop {
                match ec2.describe_security_groups().set_next_token(token.clone()).send().await {
                    Ok(output) => {
                        count += output.security_groups().iter().filter(|g| not_own(&[g.group_id()])).count() as u64;
                        token = output.next_token().filter(|t| !t.is_empty()).map(str::to_string);
                        if token.is_none() {
                            break single(count);
                        }
                    }
                    Err(error) => {
                        break failed("ec2:DescribeSecurityGroups", Error::from_sdk("DescribeSecurityGroups", error));
                    }
                }
            }
        }
        Quota::NatGatewaysPerZone => {
            let states = Filter::builder().name("state").values("pending").values("available").build();
            let gateways = match ec2.describe_nat_gateways().filter(states).send().await {
                Ok(output) => output
                    .nat_gateways()
                    .iter()
                    .filter(|g| not_own(&[g.nat_gateway_id()]))
                    .filter_map(|g| g.subnet_id().map(str::to_string))
                    .collect::<Vec<_>>(),
                Err(error) => {
                    return failed("ec2:DescribeNatGateways", Error::from_sdk("DescribeNatGateways", error));
                }
            };
            let mut per_zone: BTreeMap<Option<String>, u64> = BTreeMap::new();
            if gateways.is_empty() {
                return Fact::Known(per_zone);
            }
            let subnets: BTreeSet<String> = gateways.iter().cloned().collect();
            let zones: BTreeMap<String, String> =
                match ec2.describe_subnets().set_subnet_ids(Some(subnets.into_iter().collect())).send().await {
                    Ok(output) => output
                        .subnets()
                        .iter()
                        .filter_map(|s| Some((s.subnet_id()?.to_string(), s.availability_zone()?.to_string())))
                        .collect(),
                    Err(error) => return failed("ec2:DescribeSubnets", Error::from_sdk("DescribeSubnets", error)),
                };
            for subnet in gateways {
                if let Some(zone) = zones.get(&subnet) {
                    *per_zone.entry(Some(zone.clone())).or_default() += 1;
                }
            }
            Fact::Known(per_zone)
        }
    }
}

async fn quotas(aws: &Aws, questions: &Questions, own: &BTreeSet<String>) -> BTreeMap<QuotaKey, Fact<QuotaUse>> {
    let keys = questions.quota_keys();
    let quotas: BTreeSet<Quota> = keys.iter().map(|k| k.quota).collect();
    let mut out = BTreeMap::new();
    for quota in quotas {
        let (limit, usage) = tokio::join!(limit(aws, quota), usage(aws, quota, own));
        for key in keys.iter().filter(|k| k.quota == quota) {
            let fact = match (&limit, &usage) {
                (Fact::Known((limit, assumed)), Fact::Known(used)) => Fact::Known(QuotaUse {
                    limit: *limit,
                    assumed: *assumed,
                    used: used.get(&key.zone).copied().unwrap_or(0),
                }),
                (Fact::Forbidden(permission), _) | (_, Fact::Forbidden(permission)) => {
                    Fact::Forbidden(permission.clone())
                }
                (Fact::Unknown(reason), _) | (_, Fact::Unknown(reason)) => Fact::Unknown(reason.clone()),
            };
            out.insert(key.clone(), fact);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rds_versions() {
        assert!(version_matches("8.0.39", "8.0"));
        assert!(version_matches("8.0", "8.0"));
        assert!(version_matches("16.4", "16"));
        assert!(!version_matches("16.4", "1"));
        assert!(!version_matches("8.01", "8.0"));
    }
}
