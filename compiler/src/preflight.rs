//! Preflight: what a deployment needs from the AWS account it is deployed
//! to, checked before anything is created (MHA802 to MHA817).
//!
//! The core does no IO, so preflight has three steps. [`questions`] reads
//! the deployment plan and says what to ask the account: the certificates,
//! the Shield Advanced subscription, the instance types per zone, the
//! database classes and cache node types, the images, and the quotas the
//! deployment consumes. The deployment client (`mhac-deploy`) asks the
//! account and fills [`Answers`]. [`findings`] turns the answers into
//! diagnostics at the source spans, like the compiler's own. An answer the
//! account refused (`AccessDenied`) is a warning naming the permission
//! (MHA814); an answer the service could not give is a warning too (MHA815):
//! preflight never fails for a question it could not ask.

use crate::ast::{self, ExprKind};
use crate::aws::{self, Architecture};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::Model;
use crate::plan::{CacheEngineKind, CertificateRef, ImageSource, ListenerProtocol, PartKind, Plan, Text};
use crate::span::Span;
use std::collections::{BTreeMap, BTreeSet};

/// What the account said about one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact<T> {
    /// The answer.
    Known(T),
    /// The account refused the call: the permission it needs
    /// (`acm:DescribeCertificate`).
    Forbidden(String),
    /// The service could not answer (an emulator that does not implement
    /// the call, a throttled request): why, in one sentence.
    Unknown(String),
}

/// An ACM certificate as DescribeCertificate describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// `ISSUED`, `PENDING_VALIDATION`, `EXPIRED`, ...
    pub status: String,
    /// The names it covers: its domain name and subject alternative names
    /// (`*.example.edu` covers one label).
    pub names: Vec<String>,
}

/// A quota the deployment consumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quota {
    /// VPCs per Region.
    Vpcs,
    /// Internet gateways per Region.
    InternetGateways,
    /// NAT gateways per Availability Zone.
    NatGatewaysPerZone,
    /// EC2-VPC Elastic IPs.
    ElasticIps,
    /// VPC security groups per Region.
    SecurityGroups,
}

impl Quota {
    /// Every quota preflight checks.
    pub const ALL: &'static [Quota] =
        &[Quota::Vpcs, Quota::InternetGateways, Quota::NatGatewaysPerZone, Quota::ElasticIps, Quota::SecurityGroups];

    /// The Service Quotas service code.
    pub fn service_code(self) -> &'static str {
        match self {
            Quota::ElasticIps => "ec2",
            _ => "vpc",
        }
    }

    /// The Service Quotas quota code.
    pub fn quota_code(self) -> &'static str {
        match self {
            Quota::Vpcs => "L-F678F1CE",
            Quota::InternetGateways => "L-A4707A72",
            Quota::NatGatewaysPerZone => "L-FE5A380F",
            Quota::ElasticIps => "L-0263D0A3",
            Quota::SecurityGroups => "L-E79EC296",
        }
    }

    /// The quota's name in the Service Quotas console.
    pub fn name(self) -> &'static str {
        match self {
            Quota::Vpcs => "VPCs per Region",
            Quota::InternetGateways => "Internet gateways per Region",
            Quota::NatGatewaysPerZone => "NAT gateways per Availability Zone",
            Quota::ElasticIps => "EC2-VPC Elastic IPs",
            Quota::SecurityGroups => "VPC security groups per Region",
        }
    }

    /// AWS's default value, assumed when the account's own cannot be read.
    pub fn default_limit(self) -> u64 {
        match self {
            Quota::SecurityGroups => 2500,
            _ => 5,
        }
    }

    /// What counts against it, `count` of them.
    pub fn things(self, count: u64) -> String {
        let one = self.what();
        match count {
            1 => one.to_string(),
            _ if one.ends_with('s') => format!("{one}es"),
            _ => format!("{one}s"),
        }
    }

    /// What the deployment creates that counts against it.
    pub fn what(self) -> &'static str {
        match self {
            Quota::Vpcs => "VPC",
            Quota::InternetGateways => "internet gateway",
            Quota::NatGatewaysPerZone => "NAT gateway",
            Quota::ElasticIps => "Elastic IP address",
            Quota::SecurityGroups => "security group",
        }
    }
}

/// A quota and, for a per-zone quota, the zone.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QuotaKey {
    /// The quota.
    pub quota: Quota,
    /// The zone of a per-zone quota.
    pub zone: Option<String>,
}

/// How much of a quota is in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaUse {
    /// The account's limit.
    pub limit: u64,
    /// Whether `limit` is AWS's default because the account's own value
    /// could not be read.
    pub assumed: bool,
    /// In use now, by anything but this deployment's own stack.
    pub used: u64,
}

/// Where an image comes from, as the account is asked about it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ImageRef {
    /// A public SSM parameter path naming an AMI.
    Ssm(String),
    /// An AMI id.
    Ami(String),
}

/// An image as DescribeImages describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// The AMI id.
    pub id: String,
    /// `x86_64`, `arm64`, ...
    pub architecture: String,
}

/// A question about a certificate.
#[derive(Clone, Debug)]
pub struct CertificateQuestion {
    /// The ARN (the value supplied, for a parameter).
    pub arn: String,
    /// The region in the ARN, when it is an ACM ARN.
    pub region: Option<String>,
    /// The names it must cover (the site's host name).
    pub names: Vec<String>,
    /// The `certificate` value in the source.
    pub span: Span,
    /// The parameter that supplied the value, with its declaration.
    pub param: Option<(String, Span)>,
}

/// A question about an instance type.
#[derive(Clone, Debug)]
pub struct InstanceQuestion {
    /// `m6i.large`.
    pub instance_type: String,
    /// The app servers.
    pub app: String,
    /// The `instance_type` value in the source.
    pub span: Span,
}

/// A question about a database class.
#[derive(Clone, Debug)]
pub struct DbQuestion {
    /// RDS's engine name (`mysql`).
    pub engine: String,
    /// The version as written (`8.0`).
    pub version: String,
    /// `db.r6g.large`.
    pub class: String,
    /// The database.
    pub name: String,
    /// The `class` value in the source.
    pub span: Span,
    /// The `engine` value in the source.
    pub engine_span: Span,
}

/// A question about a cache node type.
#[derive(Clone, Debug)]
pub struct CacheQuestion {
    /// ElastiCache's engine name (`redis`, `valkey`, `memcached`).
    pub engine: String,
    /// `cache.t4g.medium`.
    pub node_type: String,
    /// The cache.
    pub name: String,
    /// The `node_type` value in the source, or the cache block's head when
    /// the default is used.
    pub span: Span,
}

/// A question about an image.
#[derive(Clone, Debug)]
pub struct ImageQuestion {
    /// Where the image comes from.
    pub image: ImageRef,
    /// The instance type it runs on.
    pub instance_type: String,
    /// The app servers.
    pub app: String,
    /// The `image` value in the source.
    pub span: Span,
}

/// A hosted zone the deployment writes to, given by its name
/// (`dns = route53("example.edu")`): its id is looked up in the account
/// and becomes the template's parameter.
#[derive(Clone, Debug)]
pub struct ZoneQuestion {
    /// `example.edu`.
    pub name: String,
    /// The template parameter the id goes to (`SiteHostedZoneId`).
    pub key: String,
    /// The `route53(...)` value in the source.
    pub span: Span,
}

/// The site's mail through Amazon SES.
#[derive(Clone, Debug)]
pub struct MailQuestion {
    /// The sender address.
    pub from: String,
    /// The SES region.
    pub region: String,
    /// The site's address, for the production access request.
    pub website: String,
    /// The `from` value in the source.
    pub span: Span,
}

/// A hosted zone as Route 53 lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostedZone {
    /// `Z0123456789ABCDEFGHIJ` (without `/hostedzone/`).
    pub id: String,
    /// Whether it is a private zone (visible only inside its VPCs).
    pub private: bool,
}

/// How much of a quota the deployment needs.
#[derive(Clone, Debug)]
pub struct QuotaQuestion {
    /// The quota (and zone).
    pub key: QuotaKey,
    /// How many the deployment creates.
    pub needed: u64,
    /// The component that creates them.
    pub span: Span,
}

/// Everything preflight asks the account.
#[derive(Clone, Debug, Default)]
pub struct Questions {
    /// The deployment's region.
    pub region: String,
    /// Where the region is written.
    pub region_span: Span,
    /// The deployment's zones.
    pub zones: Vec<String>,
    /// Certificates of HTTPS listeners.
    pub certificates: Vec<CertificateQuestion>,
    /// `shield = advanced` on these load balancers (the `shield` values).
    pub shield_advanced: Vec<(String, Span)>,
    /// Instance types of app servers.
    pub instance_types: Vec<InstanceQuestion>,
    /// Database classes.
    pub db_classes: Vec<DbQuestion>,
    /// Cache node types.
    pub cache_node_types: Vec<CacheQuestion>,
    /// Images of app servers.
    pub images: Vec<ImageQuestion>,
    /// Quotas the deployment consumes.
    pub quotas: Vec<QuotaQuestion>,
    /// Hosted zones given by name, to look up.
    pub hosted_zones: Vec<ZoneQuestion>,
    /// The site's mail, when it has some: is SES out of the sandbox?
    pub mail: Option<MailQuestion>,
}

impl Questions {
    /// The distinct instance types asked about.
    pub fn instance_type_names(&self) -> BTreeSet<String> {
        self.instance_types.iter().map(|q| q.instance_type.clone()).collect()
    }

    /// The distinct quota keys asked about.
    pub fn quota_keys(&self) -> BTreeSet<QuotaKey> {
        self.quotas.iter().map(|q| q.key.clone()).collect()
    }
}

/// What the account answered. Every map is keyed by the value asked about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answers {
    /// The region the credentials talk to.
    pub region: String,
    /// Certificate ARN → the certificate (`None`: it does not exist).
    pub certificates: BTreeMap<String, Fact<Option<Certificate>>>,
    /// Whether the account has an active Shield Advanced subscription
    /// (asked only when a load balancer wants Shield Advanced).
    pub shield_subscription: Option<Fact<bool>>,
    /// Instance type → the deployment's zones that offer it.
    pub instance_offerings: BTreeMap<String, Fact<BTreeSet<String>>>,
    /// (engine, version, class) → whether the class is orderable.
    pub db_classes: BTreeMap<(String, String, String), Fact<bool>>,
    /// (engine, node type) → whether the region offers the node type.
    pub cache_node_types: BTreeMap<(String, String), Fact<bool>>,
    /// Image → the AMI it is (`None`: it does not exist).
    pub images: BTreeMap<ImageRef, Fact<Option<Image>>>,
    /// Quota (and zone) → its use.
    pub quotas: BTreeMap<QuotaKey, Fact<QuotaUse>>,
    /// Whether SES in the mail's region has production access (asked only
    /// when the site sends mail).
    pub ses_production_access: Option<Fact<bool>>,
}

impl Answers {
    /// Answers with nothing known, for `region`.
    pub fn new(region: impl Into<String>) -> Answers {
        Answers {
            region: region.into(),
            certificates: BTreeMap::new(),
            shield_subscription: None,
            instance_offerings: BTreeMap::new(),
            db_classes: BTreeMap::new(),
            cache_node_types: BTreeMap::new(),
            images: BTreeMap::new(),
            quotas: BTreeMap::new(),
            ses_production_access: None,
        }
    }
}

/// The region of an ACM certificate ARN
/// (`arn:aws:acm:us-east-1:111122223333:certificate/...`).
pub fn arn_region(arn: &str) -> Option<&str> {
    let mut fields = arn.split(':');
    let (Some("arn"), Some(_), Some("acm"), Some(region)) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return None;
    };
    (!region.is_empty()).then_some(region)
}

/// Whether a certificate name (`moodle.example.edu`, `*.example.edu`)
/// covers a host name: exactly, or as a wildcard for one label.
pub fn covers(certificate_name: &str, host: &str) -> bool {
    let (name, host) = (certificate_name.to_ascii_lowercase(), host.to_ascii_lowercase());
    match name.strip_prefix("*.") {
        Some(parent) => host.split_once('.').is_some_and(|(label, rest)| !label.is_empty() && rest == parent),
        None => name == host,
    }
}

/// The host of a wwwroot (`https://moodle.example.edu:8443` →
/// `moodle.example.edu`).
fn wwwroot_host(wwwroot: &str) -> Option<&str> {
    let rest = wwwroot.split_once("://")?.1;
    let host = rest.split(['/', ':']).next()?;
    (!host.is_empty()).then_some(host)
}

/// The value span of `key` in the top-level block `kind label`, or in its
/// nested block `nested` when given.
fn attribute_span(file: &ast::File, kind: &str, label: &str, nested: Option<&str>, key: &str) -> Option<Span> {
    let block = file.items.iter().find_map(|item| match item {
        ast::Item::Block(block) if block.kind.text == kind && block.label.as_ref().is_some_and(|l| l.text == label) => {
            Some(block)
        }
        _ => None,
    })?;
    let block = match nested {
        Some(nested) => block.entries.iter().find_map(|entry| match entry {
            ast::Entry::Block(inner) if inner.kind.text == nested => Some(inner),
            _ => None,
        })?,
        None => block,
    };
    block.attribute(key).map(|attribute| attribute.value.span)
}

/// The head span (kind and label) of the top-level block `kind label`.
fn block_head(file: &ast::File, kind: &str, label: &str) -> Option<Span> {
    file.items.iter().find_map(|item| match item {
        ast::Item::Block(block) if block.kind.text == kind && block.label.as_ref().is_some_and(|l| l.text == label) => {
            Some(block.head_span())
        }
        _ => None,
    })
}

/// The `shield` value span of a load balancer written `shield = advanced`.
fn shield_span(file: &ast::File, load_balancer: &str) -> Option<Span> {
    attribute_span(file, "load_balancer", load_balancer, None, "shield")
        .filter(|_| {
            file.items.iter().any(|item| {
                matches!(item, ast::Item::Block(b) if b.kind.text == "load_balancer"
                    && b.label.as_ref().is_some_and(|l| l.text == load_balancer)
                    && b.attribute("shield").is_some_and(|a| matches!(&a.value.kind, ExprKind::Reference(p) if p.len() == 1 && p[0].text == "advanced")))
            })
        })
        .or_else(|| block_head(file, "load_balancer", load_balancer))
}

/// What to ask the account about a deployment. `params` are the template
/// parameter values given for `plan` or `apply`, by template key; a
/// parameter without a value takes its default.
pub fn questions(model: &Model, plan: &Plan, file: &ast::File, params: &BTreeMap<String, String>) -> Questions {
    let deployment = &plan.deployment;
    let param_value = |index: usize| {
        plan.params.get(index).and_then(|param| params.get(param.ident.cfn()).cloned().or(param.default.clone()))
    };
    let site_host = model.site.as_ref().filter(|site| site.https()).and_then(|site| wwwroot_host(&site.wwwroot));
    let mut questions = Questions {
        region: deployment.region.clone(),
        region_span: model.deployment.region_span,
        zones: deployment.zones.iter().map(|z| z.name.clone()).collect(),
        mail: model.site.as_ref().and_then(|site| Some((site, site.email.as_ref()?))).map(|(site, email)| {
            MailQuestion {
                from: email.from.clone(),
                region: email.region.clone(),
                website: site.wwwroot.clone(),
                span: email.from_span,
            }
        }),
        ..Questions::default()
    };
    let mut nat_per_zone: BTreeMap<String, (u64, Span)> = BTreeMap::new();
    let mut counts: BTreeMap<Quota, (u64, Span)> = BTreeMap::new();
    for part in &plan.parts {
        let origin = &part.origin;
        // Quotas point at the component's name, or at `nat` for NAT
        // gateways and their addresses when it is written.
        let head = block_head(file, origin.owner.as_str(), &origin.name).unwrap_or(origin.span);
        let nat_span = attribute_span(file, "network", &origin.name, None, "nat").unwrap_or(head);
        let mut count = |quota: Quota| {
            let span = if quota == Quota::ElasticIps { nat_span } else { head };
            counts.entry(quota).or_insert((0, span)).0 += 1;
        };
        match &part.kind {
            PartKind::Vpc(_) => count(Quota::Vpcs),
            PartKind::InternetGateway(_) => count(Quota::InternetGateways),
            PartKind::ElasticIp(_) => count(Quota::ElasticIps),
            PartKind::SecurityGroup(_) => count(Quota::SecurityGroups),
            PartKind::NatGateway(nat) => {
                if let Some(zone) = deployment.zones.get(nat.zone) {
                    nat_per_zone.entry(zone.name.clone()).or_insert((0, nat_span)).0 += 1;
                }
            }
            PartKind::Listener(listener) => {
                let ListenerProtocol::Https { certificate, .. } = &listener.protocol else { continue };
                let (arn, param) = match certificate {
                    CertificateRef::Given(Text::Literal(arn)) => (Some(arn.clone()), None),
                    CertificateRef::Given(Text::Param(index)) => {
                        (param_value(*index), plan.params.get(*index).map(|p| (p.name.clone(), p.span)))
                    }
                    // Requested for the site's domain by the deployment itself.
                    CertificateRef::Requested(_) => continue,
                };
                let Some(arn) = arn else { continue };
                let span = attribute_span(file, "load_balancer", &origin.name, Some("https"), "certificate")
                    .unwrap_or(origin.span);
                questions.certificates.push(CertificateQuestion {
                    region: arn_region(&arn).map(str::to_string),
                    arn,
                    names: site_host.map(|h| vec![h.to_string()]).unwrap_or_default(),
                    span,
                    param,
                });
            }
            PartKind::ShieldProtection(shield) => {
                let span = shield_span(file, &shield.name).unwrap_or(origin.span);
                questions.shield_advanced.push((shield.name.clone(), span));
            }
            PartKind::LaunchTemplate(template) => {
                let type_span =
                    attribute_span(file, "app_servers", &template.app, None, "instance_type").unwrap_or(origin.span);
                questions.instance_types.push(InstanceQuestion {
                    instance_type: template.instance_type.clone(),
                    app: template.app.clone(),
                    span: type_span,
                });
                let image = match &template.image {
                    ImageSource::Parameter(id) => match &plan.part(*id).kind {
                        PartKind::ImageParameter(image) => Some(ImageRef::Ssm(image.path.clone())),
                        _ => None,
                    },
                    ImageSource::Ami(id) => Some(ImageRef::Ami(id.clone())),
                    ImageSource::Param(index) => param_value(*index)
                        .map(|value| if value.starts_with('/') { ImageRef::Ssm(value) } else { ImageRef::Ami(value) }),
                };
                if let Some(image) = image {
                    questions.images.push(ImageQuestion {
                        image,
                        instance_type: template.instance_type.clone(),
                        app: template.app.clone(),
                        span: attribute_span(file, "app_servers", &template.app, None, "image").unwrap_or(origin.span),
                    });
                }
            }
            PartKind::DbInstance(db) => questions.db_classes.push(DbQuestion {
                engine: db.rds_engine.clone(),
                version: db.version.clone(),
                class: db.class.clone(),
                name: db.name.clone(),
                span: attribute_span(file, "database", &db.name, None, "class").unwrap_or(origin.span),
                engine_span: attribute_span(file, "database", &db.name, None, "engine").unwrap_or(origin.span),
            }),
            PartKind::Cache(cache) => questions.cache_node_types.push(CacheQuestion {
                engine: match cache.engine {
                    CacheEngineKind::Memcached => "memcached".to_string(),
                    CacheEngineKind::Replicated { engine, .. } => engine.to_string(),
                },
                node_type: cache.node_type.clone(),
                name: cache.name.clone(),
                span: attribute_span(file, "cache", &cache.name, None, "node_type")
                    .or_else(|| block_head(file, "cache", &cache.name))
                    .unwrap_or(origin.span),
            }),
            PartKind::HostedZoneLookup(lookup) => questions.hosted_zones.push(ZoneQuestion {
                name: lookup.name.clone(),
                key: part.ident.cfn().to_string(),
                span: origin.span,
            }),
            _ => {}
        }
    }
    for (quota, (needed, span)) in counts {
        questions.quotas.push(QuotaQuestion { key: QuotaKey { quota, zone: None }, needed, span });
    }
    for (zone, (needed, span)) in nat_per_zone {
        questions.quotas.push(QuotaQuestion {
            key: QuotaKey { quota: Quota::NatGatewaysPerZone, zone: Some(zone) },
            needed,
            span,
        });
    }
    questions
}

/// A warning for a question the account did not answer: MHA814 when it
/// refused (naming the permission), MHA815 otherwise.
fn unanswered(span: Span, what: &str, fact_forbidden: Option<&str>, reason: Option<&str>) -> Diagnostic {
    match (fact_forbidden, reason) {
        (Some(permission), _) => {
            Diagnostic::new(Code::PreflightForbidden, format!("preflight could not check {what}: the account denies {permission}"))
                .primary(span, format!("not checked: needs {permission}"))
                .help(format!(
                    "allow {permission} to the credentials mhac runs with (it only reads), or accept that this is first checked by the deployment itself"
                ))
        }
        (None, reason) => Diagnostic::new(Code::PreflightUnavailable, format!("preflight could not check {what}"))
            .primary(span, "not checked")
            .help(format!(
                "{}; the deployment itself will tell, later and more slowly",
                reason.unwrap_or("the service did not answer")
            )),
    }
}

/// The answer, or the warning that it could not be had.
fn known<'f, T>(fact: Option<&'f Fact<T>>, span: Span, what: &str, out: &mut Vec<Diagnostic>) -> Option<&'f T> {
    match fact {
        Some(Fact::Known(value)) => Some(value),
        Some(Fact::Forbidden(permission)) => {
            out.push(unanswered(span, what, Some(permission), None));
            None
        }
        Some(Fact::Unknown(reason)) => {
            out.push(unanswered(span, what, None, Some(reason)));
            None
        }
        None => {
            out.push(unanswered(span, what, None, Some("mhac did not ask the account")));
            None
        }
    }
}

/// The diagnostics of the answers: errors for what would fail, warnings
/// for what could not be checked. Sorted by position.
pub fn findings(questions: &Questions, answers: &Answers) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if answers.region != questions.region {
        out.push(
            Diagnostic::new(
                Code::WrongAccountOrRegion,
                format!("the credentials deploy to {}, and the deployment is in {}", answers.region, questions.region),
            )
            .primary(questions.region_span, format!("the zones and the facts checked are those of {}", questions.region))
            .help(format!(
                "deploy in the deployment's region (leave out `--region`, or pass `--region {}`), or change the deployment's region and zones",
                questions.region
            )),
        );
    }
    certificates(questions, answers, &mut out);
    if let Some(((first, span), rest)) = questions.shield_advanced.split_first() {
        let what = "the Shield Advanced subscription";
        if let Some(false) = known(answers.shield_subscription.as_ref(), *span, what, &mut out) {
            let mut diagnostic = Diagnostic::new(
                Code::NoShieldSubscription,
                format!("load balancer `{first}` asks for Shield Advanced, and the account has no active subscription"),
            )
            .primary(*span, "needs a Shield Advanced subscription");
            for (name, span) in rest {
                diagnostic = diagnostic.secondary(*span, format!("so does load balancer `{name}`"));
            }
            out.push(diagnostic.help(
                "the subscription is a one-year commitment made outside CloudFormation (Shield console or `aws shield create-subscription`); without it, write `shield = standard`",
            ));
        }
    }
    for question in &questions.instance_types {
        let what = format!("where instance type {} is offered", question.instance_type);
        let Some(offered) =
            known(answers.instance_offerings.get(&question.instance_type), question.span, &what, &mut out)
        else {
            continue;
        };
        let missing: Vec<&str> =
            questions.zones.iter().filter(|zone| !offered.contains(*zone)).map(String::as_str).collect();
        if !missing.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::InstanceTypeNotInZone,
                    format!(
                        "instance type {} is not offered in {} (app servers `{}`)",
                        question.instance_type,
                        missing.join(", "),
                        question.app
                    ),
                )
                .primary(question.span, format!("not offered in {}", missing.join(", ")))
                .help(format!(
                    "choose an instance type every zone offers (`aws ec2 describe-instance-type-offerings --location-type availability-zone --filters Name=location,Values={}`), or other zones",
                    missing.join(",")
                )),
            );
        }
    }
    for question in &questions.db_classes {
        let key = (question.engine.clone(), question.version.clone(), question.class.clone());
        let what = format!("whether {} is orderable for {} {}", question.class, question.engine, question.version);
        if let Some(false) = known(answers.db_classes.get(&key), question.span, &what, &mut out) {
            out.push(
                Diagnostic::new(
                    Code::DbClassNotOrderable,
                    format!(
                        "database class {} cannot be ordered for {} {} in {} (database `{}`)",
                        question.class, question.engine, question.version, questions.region, question.name
                    ),
                )
                .primary(question.span, "not orderable for this engine and version here")
                .secondary(question.engine_span, "the engine and version")
                .help(format!(
                    "choose a class RDS offers for it (`aws rds describe-orderable-db-instance-options --engine {} --engine-version {} --region {}`)",
                    question.engine, question.version, questions.region
                )),
            );
        }
    }
    for question in &questions.cache_node_types {
        let key = (question.engine.clone(), question.node_type.clone());
        let what = format!("whether node type {} is offered", question.node_type);
        if let Some(false) = known(answers.cache_node_types.get(&key), question.span, &what, &mut out) {
            out.push(
                Diagnostic::new(
                    Code::CacheNodeTypeNotOffered,
                    format!(
                        "cache node type {} is not offered for {} in {} (cache `{}`)",
                        question.node_type, question.engine, questions.region, question.name
                    ),
                )
                .primary(question.span, "not offered here")
                .help(format!(
                    "choose a node type ElastiCache offers here (`aws elasticache describe-reserved-cache-nodes-offerings --product-description {} --region {}`)",
                    question.engine, questions.region
                )),
            );
        }
    }
    images(questions, answers, &mut out);
    quotas(questions, answers, &mut out);
    if let Some(mail) = &questions.mail {
        let what = format!("whether Amazon SES in {} may send to any address", mail.region);
        if let Some(false) = known(answers.ses_production_access.as_ref(), mail.span, &what, &mut out) {
            out.push(
                Diagnostic::new(
                    Code::SesSandbox,
                    format!(
                        "Amazon SES in {} is in the sandbox for this account: the site can send mail only to verified addresses",
                        mail.region
                    ),
                )
                .primary(mail.span, "password resets and notices reach only verified addresses")
                .help(format!(
                    "ask AWS for production access (SES console, Account dashboard, \"Request production access\"; or `aws sesv2 put-account-details --production-access-enabled --mail-type TRANSACTIONAL --website-url {} --use-case-description TEXT --region {}`); AWS answers within a day",
                    mail.website, mail.region
                )),
            );
        }
    }
    out.sort_by_key(|d| (d.span().start, d.span().end, d.code));
    out.dedup();
    collapse_unanswered(out)
}

/// The ids of the hosted zones given by name, by template parameter, and
/// an error (MHA816) for each that is not exactly one public zone of the
/// account. A zone the deployment cannot find stops it even when preflight
/// is skipped: the template needs the id.
pub fn zone_ids(
    questions: &Questions,
    zones: &BTreeMap<String, Fact<Vec<HostedZone>>>,
) -> (BTreeMap<String, String>, Vec<Diagnostic>) {
    let mut ids = BTreeMap::new();
    let mut out = Vec::new();
    for question in &questions.hosted_zones {
        let name = &question.name;
        let by_id = format!("or name the zone by its id, `route53(\"Z...\")`, or pass `--param {}=Z...`", question.key);
        let error = |message: String, label: &str, help: String| {
            Diagnostic::new(Code::HostedZoneNotFound, message).primary(question.span, label.to_string()).help(help)
        };
        match zones.get(name) {
            Some(Fact::Known(zones)) => {
                let public: Vec<&HostedZone> = zones.iter().filter(|z| !z.private).collect();
                match public.as_slice() {
                    [zone] => {
                        ids.insert(question.key.clone(), zone.id.clone());
                    }
                    [] => {
                        let private: Vec<&str> = zones.iter().map(|z| z.id.as_str()).collect();
                        let message = if private.is_empty() {
                            format!("the account has no hosted zone named {name}")
                        } else {
                            format!(
                                "the account's only hosted zone named {name} is private ({}): the certificate cannot be validated through it, and the internet does not see its records",
                                private.join(", ")
                            )
                        };
                        out.push(error(
                            message,
                            "no public hosted zone of this name",
                            format!(
                                "create the public zone (`aws route53 create-hosted-zone --name {name} --caller-reference $(date +%s)`) and delegate {name} to its name servers, {by_id}; or write `dns = external` and add the records by hand"
                            ),
                        ));
                    }
                    several => {
                        let list: Vec<&str> = several.iter().map(|z| z.id.as_str()).collect();
                        out.push(error(
                            format!(
                                "the account has {} public hosted zones named {name}: {}",
                                several.len(),
                                list.join(", ")
                            ),
                            "more than one zone of this name",
                            format!("name the one that serves {name} by its id, `route53(\"{}\")`", list[0]),
                        ));
                    }
                }
            }
            Some(Fact::Forbidden(permission)) => out.push(error(
                format!("cannot look up the hosted zone {name}: the account denies {permission}"),
                "not looked up",
                format!("allow {permission} to the credentials mhac runs with, {by_id}"),
            )),
            Some(Fact::Unknown(reason)) => out.push(error(
                format!("cannot look up the hosted zone {name}: {reason}"),
                "not looked up",
                format!("try again, {by_id}"),
            )),
            None => out.push(error(
                format!("the hosted zone {name} was not looked up"),
                "not looked up",
                format!("run `mhac plan` with AWS credentials, {by_id}"),
            )),
        }
    }
    (ids, out)
}

/// Questions left unanswered for one reason (credentials that reach
/// nothing, a service an emulator lacks) are one warning, not one per
/// question: the first, saying how many more there are.
fn collapse_unanswered(findings: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let unanswered = |d: &Diagnostic| matches!(d.code, Code::PreflightForbidden | Code::PreflightUnavailable);
    let mut counts: BTreeMap<(Code, Option<String>), usize> = BTreeMap::new();
    for d in findings.iter().filter(|d| unanswered(d)) {
        *counts.entry((d.code, d.help.clone())).or_default() += 1;
    }
    let mut seen: BTreeSet<(Code, Option<String>)> = BTreeSet::new();
    findings
        .into_iter()
        .filter_map(|mut d| {
            if !unanswered(&d) {
                return Some(d);
            }
            let key = (d.code, d.help.clone());
            if !seen.insert(key.clone()) {
                return None;
            }
            let more = counts.get(&key).copied().unwrap_or(1) - 1;
            if more > 0 {
                d.message.push_str(&format!(
                    " (and {more} more check{} for the same reason)",
                    if more == 1 { "" } else { "s" }
                ));
            }
            Some(d)
        })
        .collect()
}

fn certificates(questions: &Questions, answers: &Answers, out: &mut Vec<Diagnostic>) {
    for question in &questions.certificates {
        let supplied = |d: Diagnostic| match &question.param {
            Some((name, span)) => d.secondary(*span, format!("`{name}` = {}", question.arn)),
            None => d,
        };
        if let Some(region) = &question.region
            && region != &questions.region
        {
            out.push(supplied(
                Diagnostic::new(
                    Code::CertificateWrongRegion,
                    format!("the certificate is in {region}, and the load balancer is in {}", questions.region),
                )
                .primary(question.span, format!("a certificate of {region}"))
                .help(format!(
                    "a load balancer uses certificates of its own region: request or import one in {} (ACM), and use its ARN",
                    questions.region
                )),
            ));
            continue;
        }
        let what = format!("certificate {}", question.arn);
        let Some(found) = known(answers.certificates.get(&question.arn), question.span, &what, out) else { continue };
        let Some(certificate) = found else {
            out.push(supplied(
                Diagnostic::new(Code::CertificateNotFound, format!("certificate {} does not exist", question.arn))
                    .primary(question.span, format!("no such certificate in {}", questions.region))
                    .help("check the ARN (`aws acm list-certificates`), or request a certificate for the site's name"),
            ));
            continue;
        };
        if certificate.status != "ISSUED" {
            out.push(supplied(
                Diagnostic::new(
                    Code::CertificateNotIssued,
                    format!("certificate {} is {}, not ISSUED", question.arn, certificate.status),
                )
                .primary(question.span, format!("status {}", certificate.status))
                .help(match certificate.status.as_str() {
                    "PENDING_VALIDATION" => "finish its validation (the DNS records ACM asks for), then plan again",
                    _ => "request or import a certificate that is issued, and use its ARN",
                }),
            ));
        }
        let uncovered: Vec<&String> =
            question.names.iter().filter(|host| !certificate.names.iter().any(|name| covers(name, host))).collect();
        if let Some(host) = uncovered.first() {
            out.push(supplied(
                Diagnostic::new(
                    Code::CertificateDoesNotCover,
                    format!("certificate {} does not cover the site's name, {host}", question.arn),
                )
                .primary(question.span, format!("covers {}", certificate.names.join(", ")))
                .help(format!("use a certificate for {host} (or a wildcard of its parent domain)")),
            ));
        }
    }
}

fn images(questions: &Questions, answers: &Answers, out: &mut Vec<Diagnostic>) {
    for question in &questions.images {
        let (described, kind) = match &question.image {
            ImageRef::Ssm(path) => (format!("image parameter {path}"), "parameter"),
            ImageRef::Ami(id) => (format!("image {id}"), "image"),
        };
        let Some(found) = known(answers.images.get(&question.image), question.span, &described, out) else { continue };
        let Some(image) = found else {
            out.push(
                Diagnostic::new(Code::ImageNotFound, format!("{described} does not exist in {}", questions.region))
                    .primary(question.span, format!("no such {kind} here"))
                    .help(match &question.image {
                        ImageRef::Ssm(_) => "check the path (`aws ssm get-parameter --name PATH`): public image parameters live under /aws/service/",
                        ImageRef::Ami(_) => "an AMI belongs to one region: copy it here (`aws ec2 copy-image`) or use its id in this region",
                    }),
            );
            continue;
        };
        let Some(wanted) = aws::architecture(&question.instance_type) else { continue };
        if image.architecture != wanted.as_str() && !(wanted == Architecture::Mac && image.architecture.contains("mac"))
        {
            out.push(
                Diagnostic::new(
                    Code::ImageArchitecture,
                    format!(
                        "{described} is {} ({}), and instance type {} is {}",
                        image.architecture,
                        image.id,
                        question.instance_type,
                        wanted.as_str()
                    ),
                )
                .primary(question.span, format!("an {} image", image.architecture))
                .help(format!(
                    "use an {} image for {}, or an instance type of the image's architecture",
                    wanted.as_str(),
                    question.instance_type
                )),
            );
        }
    }
}

fn quotas(questions: &Questions, answers: &Answers, out: &mut Vec<Diagnostic>) {
    for question in &questions.quotas {
        let key = &question.key;
        let place = key.zone.as_ref().map(|z| format!(" in {z}")).unwrap_or_default();
        let what = format!("the quota {}{place}", key.quota.name());
        let Some(usage) = known(answers.quotas.get(key), question.span, &what, out) else { continue };
        if usage.used + question.needed > usage.limit {
            out.push(
                Diagnostic::new(
                    Code::QuotaExceeded,
                    format!(
                        "the deployment needs {} {}{place}, and the quota {} leaves room for {}",
                        question.needed,
                        key.quota.things(question.needed),
                        key.quota.name(),
                        usage.limit.saturating_sub(usage.used)
                    ),
                )
                .primary(
                    question.span,
                    format!(
                        "{} {} of {}{} already in use",
                        usage.used,
                        key.quota.things(usage.used),
                        usage.limit,
                        if usage.assumed { " (AWS's default; the account's own value could not be read)" } else { "" }
                    ),
                )
                .help(format!(
                    "ask for more in Service Quotas ({} {}: `aws service-quotas request-service-quota-increase --service-code {} --quota-code {} --desired-value {}`), or free some",
                    key.quota.service_code(),
                    key.quota.quota_code(),
                    key.quota.service_code(),
                    key.quota.quota_code(),
                    usage.used + question.needed
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unanswered_questions_of_one_reason_are_one_warning() {
        let warning = |at: usize| {
            Diagnostic::new(Code::PreflightUnavailable, "preflight could not check x")
                .primary(Span::new(at, at + 1), "not checked")
                .help("no credentials")
        };
        let error = Diagnostic::new(Code::ImageNotFound, "gone").primary(Span::new(5, 6), "here");
        let collapsed = collapse_unanswered(vec![warning(1), warning(3), error.clone(), warning(9)]);
        assert_eq!(collapsed.len(), 2);
        assert_eq!(collapsed[0].message, "preflight could not check x (and 2 more checks for the same reason)");
        assert_eq!(collapsed[1], error);
    }

    #[test]
    fn a_zone_name_resolves_to_exactly_one_public_zone() {
        let question = |name: &str| ZoneQuestion {
            name: name.to_string(),
            key: format!("Zone{}", name.len()),
            span: Span::new(name.len(), name.len() + 1),
        };
        let questions = Questions {
            hosted_zones: ["one.example", "private.example", "two.example", "none.example", "denied.example"]
                .iter()
                .map(|n| question(n))
                .collect(),
            ..Questions::default()
        };
        let zone = |id: &str, private| HostedZone { id: id.to_string(), private };
        let zones: BTreeMap<String, Fact<Vec<HostedZone>>> = [
            ("one.example", Fact::Known(vec![zone("Z1", false), zone("ZP", true)])),
            ("private.example", Fact::Known(vec![zone("ZP", true)])),
            ("two.example", Fact::Known(vec![zone("ZA", false), zone("ZB", false)])),
            ("none.example", Fact::Known(Vec::new())),
            ("denied.example", Fact::Forbidden("route53:ListHostedZonesByName".to_string())),
        ]
        .into_iter()
        .map(|(name, fact)| (name.to_string(), fact))
        .collect();
        let (ids, errors) = zone_ids(&questions, &zones);
        assert_eq!(ids, BTreeMap::from([("Zone11".to_string(), "Z1".to_string())]));
        let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(errors.iter().all(|d| d.code == Code::HostedZoneNotFound && d.is_error()));
        assert!(messages[0].contains("only hosted zone named private.example is private (ZP)"), "{messages:?}");
        assert!(messages[1].contains("2 public hosted zones named two.example: ZA, ZB"), "{messages:?}");
        assert_eq!(messages[2], "the account has no hosted zone named none.example");
        assert!(messages[3].contains("denies route53:ListHostedZonesByName"), "{messages:?}");
        // Every error says how to go on without the lookup.
        assert!(errors.iter().all(|d| d.help.as_deref().is_some_and(|h| h.contains("route53(\""))));
    }

    #[test]
    fn certificate_names() {
        assert!(covers("moodle.example.edu", "Moodle.Example.edu"));
        assert!(covers("*.example.edu", "moodle.example.edu"));
        assert!(!covers("*.example.edu", "a.moodle.example.edu"));
        assert!(!covers("*.example.edu", "example.edu"));
        assert!(!covers("example.edu", "moodle.example.edu"));
        assert_eq!(arn_region("arn:aws:acm:eu-west-1:111122223333:certificate/x"), Some("eu-west-1"));
        assert_eq!(arn_region("arn:aws:iam::111122223333:server-certificate/x"), None);
        assert_eq!(wwwroot_host("https://moodle.example.edu:8443"), Some("moodle.example.edu"));
        assert_eq!(Quota::ElasticIps.things(2), "Elastic IP addresses");
        assert_eq!(Quota::Vpcs.things(1), "VPC");
    }
}
