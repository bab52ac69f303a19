//! Moodle rules: database floors for the Moodle version, and what a cluster
//! of more than one app server needs (a shared session store, a shared
//! POSIX dataroot).

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::*;
use crate::stdlib::{stdlib, version_at_least};

pub(super) fn check(model: &Model, diagnostics: &mut Diagnostics) {
    floors(model, diagnostics);
    cluster(model, diagnostics);
    site(model, diagnostics);
}

/// `moodle-4.5.5.tgz`, `stable405/...`: the Moodle release an archive's
/// name says it holds (`4.5`), when it says.
fn archive_release(url: &str) -> Option<String> {
    let name = url.rsplit('/').next().unwrap_or(url);
    let rest = name.strip_prefix("moodle-")?;
    let mut parts = rest.split(['.', '-']);
    let major = parts.next().filter(|p| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty())?;
    let minor = parts.next().filter(|p| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty())?;
    Some(format!("{major}.{minor}"))
}

/// The site: what it needs (one database, app servers), whether its address
/// and the load balancer agree on HTTPS, whether its code and PHP fit the
/// release; and app servers with no site to run.
fn site(model: &Model, diagnostics: &mut Diagnostics) {
    // An HTTPS listener without a certificate gets the site domain's.
    let domain = model.site.as_ref().and_then(|site| site.domain.as_ref());
    for lb in &model.load_balancers {
        if let Some(https) = lb.https.as_ref().filter(|https| https.certificate.is_none() && domain.is_none()) {
            diagnostics.push(
                Diagnostic::new(Code::NoCertificate, format!("load balancer `{}` has HTTPS and no certificate", lb.name.text))
                    .primary(https.span, "no `certificate`, and the site has no `domain` to request one for")
                    .help("give the site a `domain = \"moodle.example.edu\"` (mhac then requests a DNS-validated certificate for it), or write `certificate = param.certificate_arn` with `param certificate_arn : string`"),
            );
        }
    }
    let Some(site) = &model.site else {
        // An AMI or a parameter may be an image with Moodle baked in; an
        // `ssm(...)` image is a public system image with nothing on it.
        if let Some(app) = model.app_servers.iter().find(|app| matches!(app.image, Image::Ssm(_))) {
            diagnostics.push(
                Diagnostic::new(Code::NoSite, format!("app servers `{}` have no Moodle site to run", app.name.text))
                    .primary(app.name.span, "these boot a public system image with nothing installed")
                    .help("add a `site { wwwroot = \"https://...\", code = \"...\", code_sha256 = \"...\", admin_email = \"...\" }` block: the app servers then install Moodle, its web server and PHP on boot (or point `image` at an AMI with Moodle baked in)"),
            );
        }
        return;
    };
    if model.databases.len() != 1 || model.app_servers.is_empty() {
        let mut diagnostic = Diagnostic::new(
            Code::SiteWithoutDatabase,
            match (model.databases.len(), model.app_servers.is_empty()) {
                (0, _) => "the site has no database".to_string(),
                (1, true) => "the site has no app servers to run it".to_string(),
                (n, _) => format!("the site has {n} databases; Moodle uses one"),
            },
        )
        .primary(site.head, "this site");
        for database in model.databases.iter().skip(1) {
            diagnostic = diagnostic.secondary(database.name.span, "another database");
        }
        diagnostics
            .push(diagnostic.help("declare exactly one `database` and at least one `app_servers` group for the site"));
    }
    let https_lbs: Vec<&LoadBalancer> = model.load_balancers.iter().filter(|lb| !lb.targets.is_empty()).collect();
    // An address in error (or none) is reported where it is written.
    if let Some(lb) = https_lbs.first().copied().filter(|_| !site.wwwroot.is_empty()) {
        // An `https` block in error is reported where it is written.
        match (site.https(), lb.https.is_some() || lb.https_written.is_some()) {
            (false, true) => diagnostics.push(
                Diagnostic::new(Code::SiteSchemeMismatch, "the site's address is http:// behind an HTTPS listener")
                    .primary(site.wwwroot_span, "Moodle builds every link from this address")
                    .secondary(lb.name.span, "this load balancer serves HTTPS and redirects port 80 to it")
                    .help(format!("write `wwwroot = \"{}\"`", site.wwwroot.replacen("http://", "https://", 1))),
            ),
            (true, false) => diagnostics.push(
                Diagnostic::new(Code::SiteSchemeMismatch, "the site's address is https:// and the load balancer has no HTTPS listener")
                    .primary(site.wwwroot_span, "students would be sent to HTTPS")
                    .secondary(lb.name.span, "this load balancer serves plain HTTP only")
                    .help("add `https { certificate = ... }` to the load balancer, or write an http:// address (development only)"),
            ),
            _ => {}
        }
    }
    if let Some(release) = archive_release(&site.code)
        && stdlib().moodle.versions.contains_key(&model.deployment.moodle)
        && release != model.deployment.moodle
    {
        diagnostics.push(
            Diagnostic::new(
                Code::CodeReleaseMismatch,
                format!("the site's code is Moodle {release}; the deployment says Moodle {}", model.deployment.moodle),
            )
            .primary(site.code_span, format!("an archive of Moodle {release}"))
            .secondary(model.deployment.moodle_span, "the release the rules and the app servers expect")
            .help(format!(
                "point `code` at a Moodle {} archive, or change `moodle` to \"{release}\" (an upgrade: the app servers run it once, under a lock)",
                model.deployment.moodle
            )),
        );
    }
    php(model, site, diagnostics);
    mail(model, site, diagnostics);
    for app in &model.app_servers {
        if let Some(span) = app.behind.as_ref().and_then(|behind| behind.health_check_span) {
            diagnostics.push(
                Diagnostic::new(Code::HealthCheckOverridden, "the load balancer checks this path instead of the site's health endpoint")
                    .primary(span, "Moodle answers here even when its database or session store is down, and with a 303 to other hosts")
                    .help(format!("remove `health_check`: with a site, the load balancer checks {}, which is green only when PHP, the database, the session store and the dataroot work", crate::plan::site::HEALTH_PATH)),
            );
        }
    }
}

/// Outbound mail: a sender SES can verify, a region that offers SES, and a
/// route from the app servers to its SMTP endpoint.
fn mail(model: &Model, site: &Site, diagnostics: &mut Diagnostics) {
    let Some(email) = &site.email else { return };
    let sender_domain = email.from.rsplit_once('@').map_or("", |(_, domain)| domain);
    match &site.domain {
        None => diagnostics.push(
            Diagnostic::new(Code::SenderOutsideDomain, "the site sends mail but has no domain for SES to verify")
                .primary(email.from_span, format!("SES sends from {sender_domain} only once that domain is verified"))
                .secondary(site.head, "no `domain` here")
                .help(format!("add `domain = \"{sender_domain}\"` (or the site's own name) to the site: mhac then verifies it with SES, with DKIM")),
        ),
        Some(domain) if sender_domain != domain.name && !sender_domain.ends_with(&format!(".{}", domain.name)) => {
            let local = email.from.split('@').next().unwrap_or("noreply");
            diagnostics.push(
                Diagnostic::new(
                    Code::SenderOutsideDomain,
                    format!("`{}` is not in the domain SES verifies, {}", email.from, domain.name),
                )
                .primary(email.from_span, "SES refuses to send from an address it has not verified")
                .secondary(domain.span, "the domain mhac verifies")
                .help(format!("write `from = \"{local}@{}\"`", domain.name)),
            );
        }
        Some(_) => {}
    }
    let known = crate::aws::facts().regions.contains_key(&email.region);
    if known && !crate::aws::facts().ses_regions.contains(&email.region) {
        diagnostics.push(
            Diagnostic::new(Code::SesNotInRegion, format!("Amazon SES is not offered in {}", email.region))
                .primary(email.region_span, format!("mail would go through SES in {}", email.region))
                .help("deploy in a region that offers SES (such as ap-southeast-1, eu-west-1 or us-east-1), or leave `email` out and configure Moodle's outgoing mail yourself"),
        );
    }
    let network = &model.network;
    let endpoint =
        network.endpoints.contains(&crate::model::Endpoint::EmailSmtp) && email.region == model.deployment.region;
    for app in &model.app_servers {
        let Some(tier) = network.tiers.get(app.tier) else { continue };
        let internet = match tier.kind {
            crate::model::TierKind::Public => true,
            crate::model::TierKind::Private => network.nat != crate::model::NatMode::None,
            crate::model::TierKind::Isolated => false,
        };
        if !internet && !endpoint {
            diagnostics.push(
                Diagnostic::new(Code::NoRouteToSes, format!("app servers `{}` cannot reach Amazon SES", app.name.text))
                    .primary(app.subnets_span, format!("tier `{}` has no NAT gateway and no SES SMTP endpoint", tier.name.text))
                    .secondary(email.span, format!("Moodle sends through {}", email.smtp_host()))
                    .help("add `email_smtp` to the network's `endpoints`, or a NAT gateway (`nat = single` or `per_zone`)"),
            );
        }
    }
}

/// The PHP version and settings the release needs.
fn php(model: &Model, site: &Site, diagnostics: &mut Diagnostics) {
    let moodle = &model.deployment.moodle;
    let Some(facts) = stdlib().moodle.versions.get(moodle) else { return };
    let offered = crate::lower::AL2023_PHP;
    let version = &site.php.version;
    let in_range = !version.is_empty()
        && version_at_least(version, &facts.php)
        && facts.php_max.as_deref().is_none_or(|max| version_at_least(max, version));
    if !in_range || !offered.contains(&version.as_str()) {
        let range = format!("{} to {}", facts.php, facts.php_max.as_deref().unwrap_or("the newest"));
        let message = if version.is_empty() {
            format!("Moodle {moodle} needs PHP {range}, which Amazon Linux 2023 does not offer")
        } else if in_range {
            format!("Amazon Linux 2023 does not offer PHP {version}")
        } else {
            format!("Moodle {moodle} runs on PHP {range}, not {version}")
        };
        diagnostics.push(
            Diagnostic::new(Code::PhpUnsupported, message)
                .primary(site.php.span, "the PHP the app servers install")
                .secondary(model.deployment.moodle_span, format!("Moodle {moodle}"))
                .help(format!(
                    "Amazon Linux 2023 offers PHP {}; use one in {range}, or another Moodle release",
                    offered.join(", ")
                )),
        );
    }
    if version_at_least(moodle, "4.5") && site.php.max_input_vars < 5000 {
        diagnostics.push(
            Diagnostic::new(Code::PhpUnsupported, format!("Moodle {moodle} needs max_input_vars of at least 5000"))
                .primary(site.php.span, format!("max_input_vars = {}", site.php.max_input_vars))
                .help("remove `max_input_vars` (the default is 5000) or raise it"),
        );
    }
}

fn floors(model: &Model, diagnostics: &mut Diagnostics) {
    let Some(moodle) = stdlib().moodle.versions.get(&model.deployment.moodle) else { return };
    for database in &model.databases {
        let Some(floor) = moodle.engines.get(database.engine.as_str()) else { continue };
        if database.version.is_empty() || version_at_least(&database.version, floor) {
            continue;
        }
        diagnostics.push(
            Diagnostic::new(
                Code::EngineBelowFloor,
                format!(
                    "Moodle {} needs {} {floor} or later; `{}` runs {}",
                    model.deployment.moodle,
                    database.engine.as_str(),
                    database.name.text,
                    database.version
                ),
            )
            .primary(
                database.engine_span,
                format!("{} {} is below the floor", database.engine.as_str(), database.version),
            )
            .secondary(
                model.deployment.moodle_span,
                format!("Moodle {} requires {} {floor}", model.deployment.moodle, database.engine.as_str()),
            )
            .help(format!("use `engine = {}(\"{floor}\")` or later, or an older Moodle", database.engine.as_str())),
        );
    }
}

fn cluster(model: &Model, diagnostics: &mut Diagnostics) {
    let Some(app) = model
        .app_servers
        .iter()
        .find(|a| a.scaling.max > 1)
        .or_else(|| (model.app_servers.len() > 1).then(|| &model.app_servers[0]))
    else {
        return;
    };
    let max: u32 = model.app_servers.iter().map(|a| a.scaling.max).sum();
    // Names from the source for the help texts, with the usual ones when the
    // app servers' own are unknown (after an error).
    let group = model.security_groups.get(app.security_group).map_or("web", |g| g.name.text.as_str());
    let tier = model.network.tiers.get(app.tier).map_or("app", |t| t.name.text.as_str());
    let data_tier =
        model.network.tiers.iter().find(|t| t.kind == TierKind::Isolated).map_or(tier, |t| t.name.text.as_str());
    let network = &model.network.name.text;
    let has_session_store = model.caches.iter().any(|c| c.usage != CacheUse::Application);
    if !has_session_store {
        diagnostics.push(
            Diagnostic::new(Code::NoSessionStore, format!("up to {max} app servers and no shared session store"))
                .primary(app.scaling.max_span, "more than one app server")
                .secondary(app.name.span, format!("`{}` runs Moodle", app.name.text))
                .help(format!("add a session store: `cache sessions {{ engine = redis, subnets = {network}.{data_tier}, security_group = kv }}` and `security_group kv {{ allow redis from {group} }}`. {}", if model.file_systems.is_empty() {
                    "Without one, Moodle keeps sessions as files in each server's $CFG->dataroot: users are logged out when the load balancer sends them to another server"
                } else {
                    "Without one, Moodle keeps sessions as files on the shared file system and locks them over NFS on every request"
                })),
        );
    }
    if model.file_systems.is_empty() {
        let mut diagnostic = Diagnostic::new(
            Code::NoSharedDataroot,
            format!("up to {max} app servers and no shared file system for $CFG->dataroot"),
        )
        .primary(app.scaling.max_span, "more than one app server")
        .secondary(app.name.span, format!("`{}` runs Moodle", app.name.text));
        for bucket in &model.buckets {
            diagnostic = diagnostic.secondary(
                bucket.name.span,
                "S3 only offloads Moodle's file pool (tool_objectfs); it is not a dataroot",
            );
        }
        diagnostics.push(diagnostic.help(format!(
            "every app server must see the same $CFG->dataroot (and cachedir): add `file_system dataroot {{ subnets = {network}.{tier}, security_group = fs }}` and `security_group fs {{ allow nfs from {group} }}`"
        )));
    }
}
