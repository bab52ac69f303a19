//! `mhac build FILE --target ...`: compile to a deployment artifact.
//!
//! CloudFormation is one template, written to `-o FILE` or standard output;
//! past CloudFormation's limits it is a parent template (`-o FILE`) and its
//! nested stacks' templates beside it (`FILE_STEM.CHILD.json`).
//! Terraform is a directory of files: with `-o DIR` every file is written
//! atomically into DIR (which is created if needed; files mhac does not
//! generate are left alone), without `-o` every file is printed after a
//! `# file: NAME` line.

use super::{fail, report_to_stderr};
use crate::args::{MessageFormat, Target, TemplateFormat};
use crate::output::{write_atomic, write_files_atomic, write_tree_atomic};
use crate::source::load;
use crate::{EXIT_ERRORS, EXIT_OK};
use mhac_backends::cloudformation::nested;
use mhac_backends::terraform;
use std::io::Write;
use std::path::Path;

pub fn run(
    file: &Path,
    target: Target,
    output: Option<&Path>,
    format: TemplateFormat,
    message_format: MessageFormat,
    terraform_options: &terraform::Options,
) -> u8 {
    if target != Target::Terraform
        && (terraform_options.state_bucket.is_some() || terraform_options.state_key.is_some())
    {
        return fail("--state-bucket and --state-key apply to --target terraform only");
    }
    let source = match load(file) {
        Ok(source) => source,
        Err(message) => return fail(&message),
    };
    // Like the template below: the syntax tree and model are not freed one
    // node at a time just before the process exits.
    let source = std::mem::ManuallyDrop::new(source);
    report_to_stderr(&source, message_format);
    let Some(plan) = source.compilation.plan() else {
        return EXIT_ERRORS;
    };
    let artifact = match target {
        // `commands::run` sends this target to `plan::build`, which reads the
        // deployed stack.
        Target::Plan => return fail("the plan target needs AWS access: use `mhac plan` or `mhac build --target plan`"),
        Target::Cloudformation => {
            let template = mhac_backends::cloudformation::template(plan);
            if nested::needs_split(&template.body) {
                return write_nested(&template.body, output, format);
            }
            let text = match format {
                TemplateFormat::Json => mhac_backends::cloudformation::to_json(&template.body),
                TemplateFormat::Yaml => mhac_backends::cloudformation::to_yaml(&template.body),
            };
            // The process ends right after writing: freeing a large
            // template node by node costs a fifth of a large build, and the
            // operating system reclaims the memory at exit anyway.
            std::mem::forget(template);
            text
        }
        Target::Site => return site(plan, output),
        Target::Terraform => {
            let configuration = match terraform::generate(plan, terraform_options) {
                Ok(configuration) => configuration,
                Err(error) => return fail(&error.to_string()),
            };
            let Some(dir) = output else {
                let _ = std::io::stdout().lock().write_all(configuration.to_stream().as_bytes());
                return EXIT_OK;
            };
            let files: Vec<(&str, &[u8])> =
                configuration.files.iter().map(|f| (f.name, f.contents.as_bytes())).collect();
            return match write_files_atomic(dir, &files) {
                Ok(()) => EXIT_OK,
                Err(error) => fail(&format!("cannot write {}: {error}", dir.display())),
            };
        }
    };
    match output {
        Some(path) => match write_atomic(path, artifact.as_bytes()) {
            Ok(()) => EXIT_OK,
            Err(error) => fail(&format!("cannot write {}: {error}", path.display())),
        },
        None => {
            let _ = std::io::stdout().lock().write_all(artifact.as_bytes());
            EXIT_OK
        }
    }
}

/// A deployment past CloudFormation's limits (500 resources, 1 MB): the
/// parent template to `output`, each child stack beside it as
/// `STEM.CHILD.json` (the parent's `TemplateURL`s name these files, as
/// `aws cloudformation package` expects), written as one set.
fn write_nested(template: &serde_json::Value, output: Option<&Path>, format: TemplateFormat) -> u8 {
    let resources = template.get("Resources").and_then(serde_json::Value::as_object).map_or(0, |r| r.len());
    let bytes = serde_json::to_string(template).map_or(0, |t| t.len());
    let Some(path) = output else {
        return fail(&format!(
            "the deployment has {resources} resources ({bytes} bytes as compact JSON), past CloudFormation's {} resources or {} bytes per stack: it is split into nested stacks, one file each; name the parent's file with -o FILE (the others are written beside it)",
            nested::MAX_RESOURCES,
            nested::MAX_TEMPLATE_BYTES
        ));
    };
    let mut split = match nested::split(template, &std::collections::BTreeMap::new()) {
        Ok(split) => split,
        Err(error) => return fail(&format!("cannot split the deployment into nested stacks: {error}")),
    };
    let extension = match format {
        TemplateFormat::Json => "json",
        TemplateFormat::Yaml => "yaml",
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.rsplit_once('.').map_or(name.as_str(), |(stem, _)| stem).to_string();
    let file_of = |child: &str| format!("{stem}.{child}.{extension}");
    split.set_template_urls(|child| file_of(&child.logical_id));
    let print = |value: &serde_json::Value| match format {
        TemplateFormat::Json => mhac_backends::cloudformation::to_json(value),
        TemplateFormat::Yaml => mhac_backends::cloudformation::to_yaml(value),
    };
    let mut files: Vec<(String, String)> = vec![(name.clone(), print(&split.parent))];
    for child in &split.children {
        files.push((file_of(&child.logical_id), print(&child.template)));
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(n, c)| (n.as_str(), c.as_bytes())).collect();
    if let Err(error) = write_files_atomic(dir, &borrowed) {
        return fail(&format!("cannot write {}: {error}", path.display()));
    }
    let _ = writeln!(
        std::io::stderr(),
        "note: {resources} resources ({bytes} bytes) are past CloudFormation's {} resources or {} bytes per stack: \
         {} is the parent stack and {} nested stacks ({}) are beside it; `mhac apply` deploys them, or \
         `aws cloudformation package --template-file {} --s3-bucket BUCKET` uploads them for `aws cloudformation deploy`",
        nested::MAX_RESOURCES,
        nested::MAX_TEMPLATE_BYTES,
        path.display(),
        split.children.len(),
        split.children.iter().map(|c| c.logical_id.as_str()).collect::<Vec<_>>().join(", "),
        path.display()
    );
    EXIT_OK
}

/// `--target site`: the rendered site layer, the cloud-config and the
/// values, into a directory.
fn site(plan: &mhac_compiler::plan::Plan, output: Option<&Path>) -> u8 {
    use mhac_compiler::plan::{EnvValue, PartKind, site};
    let Some(dir) = output else { return fail("--target site writes a directory: give it with -o DIR") };
    let Some(site_plan) = &plan.site else {
        return fail("the source has no `site` block: there is no site layer to write");
    };
    let user_data = plan.parts.iter().find_map(|part| match &part.kind {
        PartKind::LaunchTemplate(template) => template.user_data.clone(),
        _ => None,
    });
    let describe = |value: &EnvValue| -> Option<String> {
        let name = |part: &mhac_compiler::plan::PartId| plan.part(*part).origin.name.clone();
        Some(match value {
            EnvValue::Text(mhac_compiler::plan::Text::Literal(text)) => text.clone(),
            EnvValue::Text(mhac_compiler::plan::Text::Param(index)) => {
                format!("<param {}>", plan.params.get(*index).map_or("", |p| p.name.as_str()))
            }
            EnvValue::Region => plan.deployment.region.clone(),
            EnvValue::CfnStack => "<stack name>".to_string(),
            EnvValue::CfnLogicalId(part) => plan.part(*part).ident.cfn().to_string(),
            EnvValue::DbAddress(part) => format!("<address of database {}>", name(part)),
            EnvValue::DbPort(part) => format!("<port of database {}>", name(part)),
            EnvValue::DbIdentifier(part) => format!("<identifier of database {}>", name(part)),
            EnvValue::SecretArn(part) => format!("<ARN of secret {}>", plan.part(*part).ident.tf()),
            EnvValue::CacheId(part) => format!("<id of cache {}>", name(part)),
            EnvValue::FileSystemId(part) => format!("<id of file system {}>", name(part)),
            EnvValue::LogGroupName(part) => format!("<log group {}>", plan.part(*part).ident.tf()),
        })
    };
    let cloud_config = user_data.as_ref().map(|data| site::cloud_config(data, describe));
    let values: serde_json::Map<String, serde_json::Value> =
        site_plan.values.iter().map(|(name, value)| ((*name).to_string(), serde_json::json!(value))).collect();
    let values = format!("{}\n", serde_json::to_string_pretty(&values).unwrap_or_default());
    let mut files: Vec<(&str, &[u8], u32)> =
        site_plan.files.iter().map(|file| (file.path, file.text.as_bytes(), file.mode)).collect();
    files.push(("values.json", values.as_bytes(), 0o644));
    if let Some(text) = &cloud_config {
        files.push(("user-data.yaml", text.as_bytes(), 0o644));
    }
    match write_tree_atomic(dir, &files) {
        Ok(()) => EXIT_OK,
        Err(error) => fail(&format!("cannot write {}: {error}", dir.display())),
    }
}
