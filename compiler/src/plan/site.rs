//! The site layer the app servers run (DESIGN §4a): the templates in the
//! repository's `site/` directory, rendered with the values the source
//! decides (the `{{NAME}}` placeholders `site/README.md` documents), packed
//! into a deterministic `.tar.gz`, and the cloud-config both printers put in
//! the launch template's user data.
//!
//! What is known only at deploy time (endpoints, secrets' ARNs) is not in
//! the bundle: the cloud-config writes it to `/etc/mhac/site.env` from the
//! printers' references ([`cloud_config`] lays the text out once; each
//! printer says how a reference reads in its language).

use super::{EnvValue, PartKind, Plan, Text, UserData};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{CacheEngine, CacheUse, Engine, Model, Site};
use crate::span::Span;
use crate::stdlib::version_at_least;
use base64::Engine as _;
use sha2::Digest as _;
use std::io::Write;

/// The site layer's files: path in the bundle, mode, template.
const TEMPLATES: &[(&str, u32, &str)] = &[
    ("setup.sh", 0o755, include_str!("../../../site/setup.sh")),
    ("machine/al2023.sh", 0o755, include_str!("../../../site/machine/al2023.sh")),
    ("config.php", 0o644, include_str!("../../../site/config.php")),
    ("mhac.php", 0o644, include_str!("../../../site/mhac.php")),
    ("nginx.conf", 0o644, include_str!("../../../site/nginx.conf")),
    ("php-fpm.conf", 0o644, include_str!("../../../site/php-fpm.conf")),
    ("php.ini", 0o644, include_str!("../../../site/php.ini")),
];

/// Where the boot script goes on an instance.
pub const BOOT_PATH: &str = "/opt/mhac/boot.sh";
/// The deploy-time values.
pub const ENV_PATH: &str = "/etc/mhac/site.env";
/// The site's health endpoint (the load balancer's health check; a
/// listener rule keeps it off the internet).
pub const HEALTH_PATH: &str = "/mhac-health";
/// The Moodle database user's name, unless the master user has it.
pub const APP_DB_USER: &str = "moodle";
/// How long creation and each rolling replacement wait for an instance's
/// site to come up (ISO 8601, as CloudFormation writes it; a fresh install
/// takes a few minutes).
pub const SIGNAL_TIMEOUT: &str = "PT30M";
/// The same, as Terraform writes it.
pub const WAIT_TIMEOUT: &str = "30m";
/// EC2 takes at most this much user data, before base64.
pub const USER_DATA_LIMIT: usize = 16 * 1024;
/// The longest value of a standard-tier SSM parameter.
pub const PIECE_SIZE: usize = 4096;
/// What cloud-init runs first: reads the bundle's pieces, checks the
/// bundle's SHA-256, unpacks it and runs the machine layer.
const BOOT: &str = include_str!("../../../site/boot.sh");

/// One rendered file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteFile {
    /// Its path in the bundle (`machine/al2023.sh`).
    pub path: &'static str,
    /// Its mode.
    pub mode: u32,
    /// Its text.
    pub text: String,
}

/// The site's files and the bundle that carries them.
#[derive(Clone, Debug)]
pub struct SitePlan {
    /// `https://moodle.example.edu`.
    pub wwwroot: String,
    /// The `site` keyword (diagnostics about the site as a whole).
    pub head: Span,
    /// Where the code archive is written.
    pub code_span: Span,
    /// The placeholder values, in the order `site/README.md` lists them.
    pub values: Vec<(&'static str, String)>,
    /// The rendered files.
    pub files: Vec<SiteFile>,
    /// The files as a deterministic `.tar.gz`, base64-encoded.
    pub bundle: String,
    /// The SHA-256 of the `.tar.gz`, in hex.
    pub sha256: String,
}

impl SitePlan {
    /// The bundle cut into pieces of at most [`PIECE_SIZE`] characters,
    /// the values of the SSM parameters that carry it.
    pub fn pieces(&self) -> Vec<String> {
        self.bundle.as_bytes().chunks(PIECE_SIZE).map(|chunk| String::from_utf8_lossy(chunk).into_owned()).collect()
    }
}

/// Moodle's database driver for an engine.
fn db_type(engine: Engine) -> &'static str {
    match engine {
        Engine::Mysql => "mysqli",
        Engine::Mariadb => "mariadb",
        Engine::Postgres => "pgsql",
    }
}

/// The session store: the first Redis or Valkey cache Moodle keeps
/// sessions in (an index into the model's caches).
pub fn session_store(model: &Model) -> Option<usize> {
    model.caches.iter().position(|cache| {
        matches!(cache.engine, CacheEngine::Redis | CacheEngine::Valkey)
            && matches!(cache.usage, CacheUse::Sessions | CacheUse::Both)
    })
}

/// The placeholder values of a site.
fn values(model: &Model, site: &Site) -> Vec<(&'static str, String)> {
    let moodle = model.deployment.moodle.as_str();
    let database = model.databases.first();
    let store = session_store(model).and_then(|index| model.caches.get(index));
    let flag = |yes: bool| if yes { "true" } else { "false" }.to_string();
    vec![
        ("MOODLE_RELEASE", moodle.to_string()),
        ("WEB_ROOT_SUBDIR", if version_at_least(moodle, "5.1") { "/public" } else { "" }.to_string()),
        ("PHP_VERSION", site.php.version.clone()),
        ("WWWROOT", site.wwwroot.clone()),
        ("DB_TYPE", database.map_or("mysqli", |db| db_type(db.engine)).to_string()),
        ("DB_NAME", database.map_or_else(|| "moodle".to_string(), |db| db.db_name.clone())),
        ("DB_PREFIX", "mdl_".to_string()),
        ("REDIS_SESSIONS", flag(store.is_some())),
        ("REDIS_TLS", flag(store.is_some_and(super::decisions::transit_encryption))),
        ("PHP_MAX_INPUT_VARS", site.php.max_input_vars.to_string()),
        ("UPLOAD_MAX", format!("{}M", site.php.upload_mb)),
        ("PHP_MEMORY_LIMIT", format!("{}M", site.php.memory_mb)),
        ("ADMIN_USER", site.admin.clone()),
        ("ADMIN_EMAIL", site.admin_email.clone()),
        ("SITE_FULLNAME", site.full_name.clone()),
        ("SITE_SHORTNAME", site.short_name.clone()),
        ("MAIL_FROM", site.email.as_ref().map(|email| email.from.clone()).unwrap_or_default()),
        ("SMTP_HOST", site.email.as_ref().map(crate::model::Email::smtp_host).unwrap_or_default()),
        ("SMTP_REGION", site.email.as_ref().map(|email| email.region.clone()).unwrap_or_default()),
    ]
}

/// Replace every `{{NAME}}` of a template.
fn render(template: &str, values: &[(&'static str, String)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{{{name}}}}}"), value);
    }
    out
}

/// A template as the instances get it: whole-line comments dropped (the
/// user data EC2 takes is small, and the templates in `site/` keep them),
/// except a script's first line and anything inside a here-document.
fn strip_comments(path: &str, text: &str) -> String {
    let comment: &[&str] = match path.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "sh" => &["#"],
        "php" => &["//"],
        "conf" => &["#"],
        "ini" => &[";"],
        _ => &[],
    };
    let mut out = String::with_capacity(text.len());
    let mut heredoc: Option<String> = None;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim();
        if let Some(end) = &heredoc {
            if trimmed == end {
                heredoc = None;
            }
            out.push_str(line);
            continue;
        }
        if path.ends_with(".sh")
            && let Some((_, rest)) = line.split_once("<<")
        {
            let word: String = rest
                .trim_start_matches('-')
                .trim_start()
                .trim_matches(|c| c == '\'' || c == '"')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !word.is_empty() {
                heredoc = Some(word);
            }
        }
        if index > 0 && comment.iter().any(|mark| trimmed.starts_with(mark)) {
            continue;
        }
        out.push_str(line);
    }
    out
}

/// A ustar header for one entry: mtime 0, owner root, no names.
fn tar_header(path: &str, mode: u32, size: usize, directory: bool) -> [u8; 512] {
    let mut header = [0u8; 512];
    let mut put = |offset: usize, bytes: &[u8]| header[offset..offset + bytes.len()].copy_from_slice(bytes);
    put(0, path.as_bytes());
    put(100, format!("{mode:07o}\0").as_bytes());
    put(108, b"0000000\0");
    put(116, b"0000000\0");
    put(124, format!("{size:011o}\0").as_bytes());
    put(136, b"00000000000\0");
    put(148, b"        ");
    put(156, if directory { b"5" } else { b"0" });
    put(257, b"ustar\0");
    put(263, b"00");
    let checksum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..156].copy_from_slice(format!("{checksum:06o}\0 ").as_bytes());
    header
}

/// The files as a `.tar.gz` whose bytes depend on nothing but the files.
fn bundle(files: &[SiteFile]) -> Vec<u8> {
    let mut tar = Vec::new();
    let mut directories: Vec<&str> = files.iter().filter_map(|f| f.path.rsplit_once('/').map(|(dir, _)| dir)).collect();
    directories.dedup();
    for directory in directories {
        tar.extend_from_slice(&tar_header(&format!("{directory}/"), 0o755, 0, true));
    }
    for file in files {
        tar.extend_from_slice(&tar_header(file.path, file.mode, file.text.len(), false));
        tar.extend_from_slice(file.text.as_bytes());
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    tar.resize(tar.len() + 1024, 0);
    let mut gzip = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
    // Writing to a vector cannot fail.
    let _ = gzip.write_all(&tar);
    gzip.finish().unwrap_or_default()
}

/// The site of a model, when it has one.
pub fn plan(model: &Model) -> Option<SitePlan> {
    let site = model.site.as_ref()?;
    let values = values(model, site);
    let files: Vec<SiteFile> = TEMPLATES
        .iter()
        .map(|(path, mode, template)| SiteFile {
            path,
            mode: *mode,
            text: render(&strip_comments(path, template), &values),
        })
        .collect();
    let archive = bundle(&files);
    let sha256 = sha2::Sha256::digest(&archive).iter().map(|byte| format!("{byte:02x}")).collect();
    let bundle = base64::engine::general_purpose::STANDARD.encode(archive);
    Some(SitePlan {
        wwwroot: site.wwwroot.clone(),
        head: site.head,
        code_span: site.code_span,
        values,
        files,
        bundle,
        sha256,
    })
}

/// The Moodle database user's name for a master user.
pub fn app_db_user(master: &str) -> &'static str {
    if master == APP_DB_USER { "moodle_app" } else { APP_DB_USER }
}

/// The cloud-config of the instances: the environment file (each value as
/// `reference` renders it in the printer's language; a value it leaves
/// out is not written) and the boot script, which reads the bundle's
/// pieces from SSM Parameter Store and runs the machine layer.
pub fn cloud_config(user_data: &UserData, reference: impl Fn(&EnvValue) -> Option<String>) -> String {
    let mut out = String::from("#cloud-config\nwrite_files:\n");
    out.push_str(&format!("  - path: {ENV_PATH}\n    owner: root:root\n    permissions: '0600'\n    content: |\n"));
    // Single-quoted for sh, which sources the file: no value holds a `'`
    // (the source's text is checked for it; ARNs, ids and hex never do).
    for (name, value) in &user_data.env {
        if let Some(text) = reference(value) {
            out.push_str(&format!("      {name}='{text}'\n"));
        }
    }
    out.push_str(&format!("  - path: {BOOT_PATH}\n    owner: root:root\n    permissions: '0700'\n    content: |\n"));
    for line in strip_comments("boot.sh", BOOT).lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("      {line}\n"));
        }
    }
    out.push_str(&format!("runcmd:\n  - [sh, {BOOT_PATH}]\n"));
    out
}

/// The longest a deploy-time value can be once deployed (AWS's limits on
/// each name; a parameter is the code's SHA-256, 64 hex digits).
fn longest(value: &EnvValue, plan: &Plan) -> usize {
    match value {
        EnvValue::Text(Text::Literal(text)) => text.len(),
        EnvValue::Text(Text::Param(_)) => 64,
        // ap-southeast-5 and the like; GovCloud and China regions are shorter.
        EnvValue::Region => 16,
        EnvValue::CfnStack => 128,
        EnvValue::CfnLogicalId(part) => plan.part(*part).ident.cfn.as_ref().map_or(255, String::len),
        // identifier.<12 characters>.<region>.rds.amazonaws.com(.cn)
        EnvValue::DbAddress(_) => 63 + 1 + 12 + 1 + 16 + 21,
        EnvValue::DbPort(_) => 5,
        EnvValue::DbIdentifier(_) => 63,
        // arn:aws-us-gov:secretsmanager:<region>:<account>:secret:<name>-<6 characters>,
        // the name CloudFormation or Terraform gives it: at most 128 here.
        EnvValue::SecretArn(_) => 30 + 16 + 1 + 12 + 8 + 128 + 7,
        EnvValue::CacheId(_) => 40,
        EnvValue::FileSystemId(_) => 21,
        EnvValue::LogGroupName(_) => 512,
    }
}

/// The size of the user data at its largest, once every deploy-time value
/// is in.
pub fn worst_case_size(user_data: &UserData, plan: &Plan) -> usize {
    cloud_config(user_data, |value| Some("x".repeat(longest(value, plan)))).len()
}

/// MHA513 when the app servers' user data can be larger than EC2 takes:
/// the launch template would be refused at deploy time.
pub fn limits(plan: &Plan) -> Vec<Diagnostic> {
    let Some(site) = &plan.site else { return Vec::new() };
    plan.parts
        .iter()
        .filter_map(|part| match &part.kind {
            PartKind::LaunchTemplate(launch) => launch.user_data.as_ref(),
            _ => None,
        })
        .filter_map(|user_data| {
            let size = worst_case_size(user_data, plan);
            (size > USER_DATA_LIMIT).then(|| {
                Diagnostic::new(
                    Code::UserDataTooLarge,
                    format!("the app servers' user data can be {size} bytes; EC2 takes at most {USER_DATA_LIMIT}"),
                )
                .primary(site.head, "the site's files and deploy-time values go into the user data")
                .secondary(site.code_span, "written into every instance's user data")
                .help(format!(
                    "shorten what the site writes into the instances by {} bytes: the code's URL, the site's names and address",
                    size - USER_DATA_LIMIT
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_examples_user_data_fits_with_room_to_spare() {
        for (name, text) in [
            ("moodle", include_str!("../../../examples/moodle.mha")),
            ("seed", include_str!("../../../examples/seed.mha")),
            ("three-zones-postgres", include_str!("../../../examples/three-zones-postgres.mha")),
        ] {
            let compilation = crate::compile(text);
            let plan = compilation.plan().unwrap_or_else(|| panic!("{name} compiles"));
            let site = plan.site.as_ref().unwrap_or_else(|| panic!("{name} has a site"));
            for part in &plan.parts {
                if let PartKind::LaunchTemplate(launch) = &part.kind {
                    let user_data = launch.user_data.as_ref().expect("user data");
                    let size = worst_case_size(user_data, plan);
                    eprintln!(
                        "{name}: user data at most {size} bytes; bundle {} bytes in {} pieces",
                        site.bundle.len(),
                        site.pieces().len()
                    );
                    // The files travel in SSM: the user data is the values and the boot script.
                    assert!(size <= USER_DATA_LIMIT / 4, "{name}: {size} bytes of user data");
                }
            }
        }
    }

    #[test]
    fn the_pieces_are_the_bundle_and_fit_a_standard_parameter() {
        let compilation = crate::compile(include_str!("../../../examples/moodle.mha"));
        let site = compilation.plan().and_then(|plan| plan.site.as_ref()).expect("a site");
        let pieces = site.pieces();
        assert!(pieces.len() >= 2, "a bundle this size takes several pieces");
        assert!(pieces.iter().all(|piece| !piece.is_empty() && piece.len() <= PIECE_SIZE));
        assert_eq!(pieces.concat(), site.bundle);
        let archive = base64::engine::general_purpose::STANDARD.decode(&site.bundle).expect("base64");
        let digest: String = sha2::Sha256::digest(&archive).iter().map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(digest, site.sha256);
    }

    #[test]
    fn the_boot_script_has_nothing_a_template_language_reads() {
        // `${` is CloudFormation's and Terraform's, `%{` Terraform's.
        assert!(!BOOT.contains("${") && !BOOT.contains("%{"));
    }

    #[test]
    fn comments_go_but_scripts_and_here_documents_stay() {
        let script = "#!/bin/sh\n# a comment\nset -eu  # kept\n  # indented comment\ncat <<EOF\n# inside\nEOF\n# after\necho '#'\n";
        assert_eq!(strip_comments("x.sh", script), "#!/bin/sh\nset -eu  # kept\ncat <<EOF\n# inside\nEOF\necho '#'\n");
        assert_eq!(strip_comments("x.php", "<?php\n// c\n$a = 1; // k\n"), "<?php\n$a = 1; // k\n");
        assert_eq!(strip_comments("x.ini", "; c\na = 1\n"), "; c\na = 1\n", "the first line stays");
        assert_eq!(strip_comments("x.ini", "a = 1\n; c\n"), "a = 1\n");
    }

    #[test]
    fn tar_headers_have_valid_checksums() {
        let header = tar_header("setup.sh", 0o755, 10, false);
        let stored = std::str::from_utf8(&header[148..154]).expect("octal");
        let mut blanked = header;
        blanked[148..156].copy_from_slice(b"        ");
        let sum: u32 = blanked.iter().map(|&b| u32::from(b)).sum();
        assert_eq!(u32::from_str_radix(stored, 8).expect("octal"), sum);
    }

    #[test]
    fn every_placeholder_of_every_template_is_rendered() {
        // The values a site gets, whatever they are, fill every template.
        let compilation = crate::compile(include_str!("../../../examples/moodle.mha"));
        let site = compilation.plan().and_then(|plan| plan.site.as_ref()).expect("a site");
        for (path, _, template) in TEMPLATES {
            let rendered = render(template, &site.values);
            assert!(!rendered.contains("{{"), "{path} keeps a placeholder");
        }
        assert!(site.files.iter().all(|file| !file.text.contains("{{")));
    }
}
