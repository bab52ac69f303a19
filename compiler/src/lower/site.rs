//! `site { ... }`: the Moodle site the app servers install and run. Every
//! value here ends up in files the app servers write (config.php, the
//! nginx server block, the php-fpm pool), so each is checked for what those
//! files accept: the address is `scheme://host[:port]`, the code is an
//! `https://` or `s3://` archive pinned by its SHA-256, names carry none of
//! `'`, `\`, `|` or a line break.

use super::Ctx;
use super::components::{is_email, nested, value};
use crate::ast::{Block, Expr};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Model, Php, Site};
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
    archive && (https || s3) && file_safe(text) && !text.contains(char::is_whitespace)
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
    let wwwroot = checked(ctx, block, "wwwroot", is_wwwroot, "write the address students use, such as \"https://moodle.example.edu\": a scheme and a host (and a port), no path and no trailing slash")
        .map(|(text, _)| text)
        .unwrap_or_default();
    let wwwroot_span = value(block, "wwwroot").map_or(block.head_span(), |e| e.span);
    let code = checked(ctx, block, "code", is_code, "write the archive to install: the official release, \"https://download.moodle.org/download.php/direct/stable405/moodle-4.5.5.tgz\", or \"s3://BUCKET/KEY.tgz\" for one you built with your plugins")
        .map(|(text, _)| text)
        .unwrap_or_default();
    let code_span = value(block, "code").map_or(block.head_span(), |e| e.span);
    let code_sha256 = checked(
        ctx,
        block,
        "code_sha256",
        |text| text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()),
        "write the archive's SHA-256 as 64 hex digits: download.moodle.org publishes it beside each release (the .sha256 link); for your own archive, `sha256sum FILE`",
    )
    .map(|(text, _)| text.to_ascii_lowercase())
    .unwrap_or_default();
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
    Site {
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
        span: block.span,
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
