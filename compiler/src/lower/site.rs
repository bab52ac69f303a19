//! `site { ... }`: the Moodle site the app servers install and run. Every
//! value here ends up in files the app servers write (config.php, the
//! nginx server block, the php-fpm pool), so each is checked for what those
//! files accept: the address is `scheme://host[:port]`, the code is an
//! `https://` or `s3://` archive pinned by its SHA-256, names carry none of
//! `'`, `\`, `|` or a line break.

use super::Ctx;
use super::components::{is_email, nested, value};
use crate::ast::{Block, Expr, ExprKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Dns, Domain, Email, HostedZone, Model, Php, Site, StringValue};
use crate::stdlib::stdlib;

/// The PHP versions Amazon Linux 2023, the app servers' system, offers.
pub const AL2023_PHP: &[&str] = &["8.1", "8.2", "8.3", "8.4"];

/// Whether a text can go into the site's files: no quote, backslash, pipe,
/// line break or `{{`.
fn file_safe(text: &str) -> bool {
    !text.contains(['\'', '\\', '|', '\n', '\r']) && !text.contains("{{") && !text.chars().any(char::is_control)
}

/// A string attribute that must satisfy `valid`; `what` says what it is.
fn checked(
    ctx: &mut Ctx<'_>,
    block: &Block,
    key: &str,
    valid: impl Fn(&str) -> bool,
    help: &str,
) -> Option<(String, &'static str)> {
    let expr: &Expr = value(block, key)?;
    let text = ctx.string(expr)?;
    if valid(&text) {
        return Some((text, ""));
    }
    ctx.report(
        Diagnostic::new(Code::InvalidValue, format!("`{text}` cannot be the site's {}", key.replace('_', " ")))
            .primary(expr.span, "written into the app servers' Moodle configuration")
            .help(help.to_string()),
    );
    None
}

/// A DNS name of at least two labels: letters, digits and hyphens, no
/// label longer than 63, none starting or ending with a hyphen, 253 at
/// most, and a top-level label that is not all digits.
pub fn is_domain(text: &str) -> bool {
    let labels: Vec<&str> = text.split('.').collect();
    text.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()))
}

/// A Route 53 hosted zone id: `Z` and up to 31 uppercase letters and digits.
fn is_zone_id(text: &str) -> bool {
    text.len() >= 2
        && text.len() <= 32
        && text.starts_with('Z')
        && text.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// MHA514 at `span` for a text that is not a domain name.
fn malformed_domain(ctx: &mut Ctx<'_>, text: &str, span: crate::span::Span, what: &str) {
    ctx.report(
        Diagnostic::new(Code::MalformedDomain, format!("`{text}` is not a domain name"))
            .primary(span, format!("the {what}"))
            .help("write a name such as \"moodle.example.edu\": labels of letters, digits and hyphens separated by dots, no scheme, no path, no trailing dot"),
    );
}

/// `domain` and `dns`.
fn domain(ctx: &mut Ctx<'_>, block: &Block) -> Option<Domain> {
    let expr = value(block, "domain")?;
    let text = ctx.string(expr)?.to_ascii_lowercase();
    if !is_domain(&text) {
        malformed_domain(ctx, &text, expr.span, "site's domain name");
        return None;
    }
    let dns = match value(block, "dns") {
        None => Dns::External,
        Some(dns) => match &dns.kind {
            ExprKind::Reference(path) if path.len() == 1 && path[0].text == "external" => Dns::External,
            ExprKind::Call { name, args } if name.text == "route53" && args.len() == 1 => {
                let zone = ctx.string(&args[0])?;
                if is_zone_id(&zone) {
                    Dns::Route53 { zone: HostedZone::Id(zone), span: dns.span }
                } else {
                    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
                    if !is_domain(&zone) {
                        malformed_domain(ctx, &zone, args[0].span, "hosted zone's name (or write its id, Z...)");
                        return None;
                    }
                    if text != zone && !text.ends_with(&format!(".{zone}")) {
                        ctx.report(
                            Diagnostic::new(
                                Code::DomainOutsideZone,
                                format!("`{text}` is not in the hosted zone `{zone}`"),
                            )
                            .primary(args[0].span, format!("records here are names ending in {zone}"))
                            .secondary(expr.span, "the site's domain")
                            .help(format!(
                                "name the zone that holds {text}: `dns = route53(\"{}\")`, or its id",
                                text.split_once('.').map_or(text.as_str(), |(_, parent)| parent)
                            )),
                        );
                        return None;
                    }
                    Dns::Route53 { zone: HostedZone::Name(zone), span: dns.span }
                }
            }
            _ => {
                ctx.report(
                    Diagnostic::new(Code::InvalidValue, "not a DNS provider")
                        .primary(dns.span, "expected route53(\"zone\") or external")
                        .help("write `dns = route53(\"example.edu\")` (a hosted zone mhac may write to, by name or id) or `dns = external` (mhac prints the records to add)"),
                );
                return None;
            }
        },
    };
    Some(Domain { name: text, span: expr.span, dns })
}

/// `email { ... }`.
fn email(ctx: &mut Ctx<'_>, site: &Block, model: &Model) -> Option<Email> {
    let block = nested(site, "email")?;
    let from_expr = value(block, "from")?;
    let from = ctx.string(from_expr)?.to_ascii_lowercase();
    if !is_email(&from) || !file_safe(&from) {
        ctx.report(
            Diagnostic::new(Code::InvalidValue, format!("`{from}` is not an email address"))
                .primary(from_expr.span, "Moodle's sender address")
                .help("write one address such as \"noreply@moodle.example.edu\""),
        );
        return None;
    }
    // The identity is created in the deployment's stack: SES in its region.
    let (region, region_span) = (model.deployment.region.clone(), model.deployment.region_span);
    Some(Email { from, from_span: from_expr.span, region, region_span, span: block.span })
}

/// `https://host` or `http://host:port`: what Moodle's `$CFG->wwwroot` is
/// for a site served at the root of its host.
fn is_wwwroot(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")) else { return false };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    let port_ok = port.is_none_or(|port| port.parse::<u16>().is_ok_and(|p| p > 0));
    host_ok && port_ok
}

/// An `https://` URL or an `s3://bucket/key` object of a `.tgz`/`.tar.gz`
/// or `.zip` archive.
fn is_code(text: &str) -> bool {
    let archive = text.ends_with(".tgz") || text.ends_with(".tar.gz") || text.ends_with(".zip");
    let https = text.strip_prefix("https://").is_some_and(|rest| rest.contains('/') && !rest.starts_with('/'));
    let s3 = text.strip_prefix("s3://").is_some_and(|rest| {
        rest.split_once('/').is_some_and(|(bucket, key)| {
            (3..=63).contains(&bucket.len())
                && bucket.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
                && !key.is_empty()
        })
    });
    archive && (https || s3) && file_safe(text) && !text.contains(char::is_whitespace) && !text.contains(['$', '%'])
}

/// Moodle's rule for user names: lowercase letters, digits and `_-.@`.
fn is_username(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 100
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.@".contains(c))
}

/// The newest PHP Amazon Linux 2023 offers that the release supports.
pub fn default_php(moodle: &str) -> Option<&'static str> {
    let facts = stdlib().moodle.versions.get(moodle)?;
    let max = facts.php_max.as_deref()?;
    AL2023_PHP
        .iter()
        .rev()
        .copied()
        .find(|php| crate::stdlib::version_at_least(php, &facts.php) && crate::stdlib::version_at_least(max, php))
}

/// `site { ... }`.
pub(super) fn site(ctx: &mut Ctx<'_>, block: &Block, model: &Model) -> Site {
    let domain = domain(ctx, block);
    let wwwroot = match (value(block, "wwwroot"), value(block, "domain")) {
        (Some(written), Some(domain_expr)) => {
            ctx.report(
                Diagnostic::new(Code::AddressAndDomain, "the site has both `wwwroot` and `domain`")
                    .primary(written.span, "the address, written")
                    .secondary(domain_expr.span, "the address follows from the domain: https:// and the name")
                    .help("remove `wwwroot`: with `domain`, the site's address is https:// and the domain"),
            );
            String::new()
        }
        (None, Some(_)) => domain.as_ref().map(|d| format!("https://{}", d.name)).unwrap_or_default(),
        (None, None) => {
            ctx.report(
                Diagnostic::new(Code::MissingAttribute, "the site has no address")
                    .primary(block.head_span(), "neither `domain` nor `wwwroot`")
                    .help("add `domain = \"moodle.example.edu\"` (the certificate, DNS records and address follow from it) or `wwwroot = \"https://moodle.example.edu\"`"),
            );
            String::new()
        }
        (Some(_), None) => checked(ctx, block, "wwwroot", is_wwwroot, "write the address students use, such as \"https://moodle.example.edu\": a scheme and a host (and a port), no path and no trailing slash")
            .map(|(text, _)| text)
            .unwrap_or_default(),
    };
    let wwwroot_span = value(block, "wwwroot").or_else(|| value(block, "domain")).map_or(block.head_span(), |e| e.span);
    let code = checked(ctx, block, "code", is_code, "write the archive to install: the official release, \"https://download.moodle.org/download.php/direct/stable405/moodle-4.5.5.tgz\", or \"s3://BUCKET/KEY.tgz\" for one you built with your plugins")
        .map(|(text, _)| text)
        .unwrap_or_default();
    let code_span = value(block, "code").map_or(block.head_span(), |e| e.span);
    let code_sha256 = code_sha256(ctx, block);
    let admin =
        checked(ctx, block, "admin", is_username, "write a Moodle user name: lowercase letters, digits and _ - . @")
            .map_or_else(|| "admin".to_string(), |(text, _)| text);
    let admin_email = checked(
        ctx,
        block,
        "admin_email",
        |text| is_email(text) && file_safe(text),
        "write one address such as \"ops@example.edu\"",
    )
    .map(|(text, _)| text)
    .unwrap_or_default();
    let names_help = "write the name without ' \\ | or a line break (it goes into the site's configuration files)";
    let full_name =
        checked(ctx, block, "full_name", |t| !t.trim().is_empty() && t.len() <= 255 && file_safe(t), names_help)
            .map_or_else(|| model.deployment.name.text.clone(), |(text, _)| text);
    let short_name =
        checked(ctx, block, "short_name", |t| !t.trim().is_empty() && t.len() <= 100 && file_safe(t), names_help)
            .map_or_else(|| "moodle".to_string(), |(text, _)| text);
    let php = php(ctx, block, model);
    let email = email(ctx, block, model);
    Site {
        domain,
        email,
        wwwroot,
        wwwroot_span,
        code,
        code_span,
        code_sha256,
        admin,
        admin_email,
        full_name,
        short_name,
        php,
        head: block.head_span(),
        span: block.span,
    }
}

/// The archive's SHA-256: 64 hex digits, or a `param` supplied at deploy
/// time (what download.moodle.org publishes beside each release).
fn code_sha256(ctx: &mut Ctx<'_>, block: &Block) -> StringValue {
    let Some(expr) = value(block, "code_sha256") else { return StringValue::Literal(String::new()) };
    match ctx.string_or_param(expr, "SHA-256 of the Moodle code archive (64 hex digits)") {
        Some(StringValue::Literal(text)) if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) => {
            StringValue::Literal(text.to_ascii_lowercase())
        }
        Some(StringValue::Literal(text)) => {
            ctx.report(
                Diagnostic::new(Code::InvalidValue, format!("`{text}` is not a SHA-256"))
                    .primary(expr.span, "the app servers install the code only when its SHA-256 is this")
                    .help("write the archive's SHA-256 as 64 hex digits: download.moodle.org publishes it beside each release (the .sha256 link); for your own archive, `sha256sum FILE`; or supply it at deploy time with `param.NAME`"),
            );
            StringValue::Literal(String::new())
        }
        Some(param) => param,
        None => StringValue::Literal(String::new()),
    }
}

/// `php { ... }`, with the defaults Moodle needs.
fn php(ctx: &mut Ctx<'_>, site: &Block, model: &Model) -> Php {
    let block = nested(site, "php");
    let span = block.map_or(site.head_span(), |b| b.span);
    let number = |ctx: &mut Ctx<'_>, key: &str, min: u64, max: u64, default: u32| -> u32 {
        block
            .and_then(|b| value(b, key))
            .and_then(|expr| ctx.integer(expr, min, max, key))
            .map_or(default, |n| n as u32)
    };
    let max_input_vars = number(ctx, "max_input_vars", 1000, 1_000_000, 5000);
    let upload_mb = number(ctx, "upload_mb", 1, 10_240, 100);
    let memory_mb = number(ctx, "memory_mb", 128, 16_384, 512);
    let version = block
        .and_then(|b| value(b, "version"))
        .and_then(|expr| ctx.string(expr))
        .or_else(|| default_php(&model.deployment.moodle).map(str::to_string))
        .unwrap_or_default();
    Php { version, max_input_vars, upload_mb, memory_mb, span }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_archives() {
        for good in ["https://moodle.example.edu", "http://127.0.0.1:8080", "https://lms.uni-x.de"] {
            assert!(is_wwwroot(good), "{good}");
        }
        for bad in [
            "moodle.example.edu",
            "https://moodle.example.edu/",
            "https://x/moodle",
            "ftp://x.y",
            "https://a_b.c",
            "https://x:0",
        ] {
            assert!(!is_wwwroot(bad), "{bad}");
        }
        assert!(is_code("https://download.moodle.org/download.php/direct/stable405/moodle-4.5.5.tgz"));
        assert!(is_code("s3://acme-artifacts/moodle/moodle-4.5.5-acme.tgz"));
        assert!(!is_code("http://download.moodle.org/moodle.tgz"));
        assert!(!is_code("s3://Acme/moodle.tgz"));
        assert!(!is_code("https://download.moodle.org/moodle-4.5.5.exe"));
    }

    #[test]
    fn php_follows_the_release() {
        assert_eq!(default_php("4.5"), Some("8.3"));
        assert_eq!(default_php("5.1"), Some("8.4"));
    }
}
