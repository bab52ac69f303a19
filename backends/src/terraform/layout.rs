//! Files and layout: the blocks that are not resources (`terraform`,
//! `provider`, `variable`, `output`), and the rendering of every area into
//! its file.
//!
//! Each file is a header comment, then its top-level blocks formatted by
//! hcl-rs and separated by one blank line, then [`format::canonical`] (the
//! two spacing differences between hcl-rs and `terraform fmt`). Checkov skip
//! comments, which hcl-rs's structures cannot carry, are written as the first
//! lines inside their block. An area with no block still gets its file (only
//! the header), so the set of files is the same on every run.

use super::doc::{Area, Doc, Item, nested, tags};
use super::format;
use super::{File, StateBackend};
use hcl::Block;
use hcl::expr::{Expression, FuncCall, Traversal, Variable};
use hcl::format::{Format, Formatter};
use mhac_compiler::model::ParamType;
use mhac_compiler::plan::{OutputRecordValue, OutputValue, Plan};

/// The Terraform versions the configuration is written for.
pub const REQUIRED_TERRAFORM: &str = ">= 1.5";
/// The AWS provider versions it is written for.
pub const REQUIRED_AWS_PROVIDER: &str = "~> 6.0";

/// `versions.tf`: required versions and, when configured, the S3 backend.
pub fn versions(doc: &mut Doc<'_>, state: Option<&StateBackend>) {
    let aws = tags([("source", "hashicorp/aws"), ("version", REQUIRED_AWS_PROVIDER)]);
    let mut terraform = Block::builder("terraform")
        .add_attribute(("required_version", REQUIRED_TERRAFORM))
        .add_block(Block::builder("required_providers").add_attribute(("aws", aws)).build());
    if let Some(state) = state {
        let mut backend = Block::builder("backend")
            .add_label("s3")
            .add_attribute(("bucket", state.bucket.as_str()))
            .add_attribute(("key", state.key.as_str()))
            .add_attribute(("region", state.region.as_str()))
            .add_attribute(("encrypt", true));
        backend = match &state.lock_table {
            Some(table) => backend.add_attribute(("dynamodb_table", table.as_str())),
            None => backend.add_attribute(("use_lockfile", true)),
        };
        terraform = terraform.add_block(backend.build());
    }
    doc.push(Area::Versions, "terraform".to_string(), Item { block: terraform.build(), skips: Vec::new() });
}

/// `providers.tf`: region from the source, the deployment's tags on every
/// resource that takes tags.
pub fn providers(doc: &mut Doc<'_>) {
    let deployment = &doc.plan.deployment;
    let mut provider =
        Block::builder("provider").add_label("aws").add_attribute(("region", deployment.region.as_str()));
    if !deployment.tags.is_empty() {
        let pairs = deployment.tags.iter().map(|(k, v)| (k.as_str(), Expression::from(v.as_str())));
        provider = provider.add_block(nested("default_tags", [("tags", tags(pairs))]));
    }
    doc.push(Area::Providers, "provider.aws".to_string(), Item { block: provider.build(), skips: Vec::new() });
}

/// `variables.tf`: one variable per `param`.
pub fn variables(doc: &mut Doc<'_>) {
    let mut items = Vec::new();
    for param in &doc.plan.params {
        let ty = match param.ty {
            ParamType::Number => "number",
            ParamType::String | ParamType::Secret => "string",
        };
        let mut block = Block::builder("variable")
            .add_label(param.ident.tf())
            .add_attribute(("type", Expression::from(Variable::unchecked(ty))))
            .add_attribute(("description", param.description.as_str()));
        if let Some(default) = &param.default {
            let value = match param.ty {
                ParamType::Number => {
                    default.parse::<f64>().map_or(Expression::from(default.as_str()), Expression::from)
                }
                ParamType::String | ParamType::Secret => Expression::from(default.as_str()),
            };
            block = block.add_attribute(("default", value));
        }
        if param.ty == ParamType::Secret {
            block = block.add_attribute(("sensitive", true));
        }
        if let Some(shape) = param.shape {
            let condition = FuncCall::builder("can")
                .arg(Expression::from(
                    FuncCall::builder("regex")
                        .arg(shape.pattern())
                        .arg(Expression::from(
                            Traversal::builder(Variable::unchecked("var")).attr(param.ident.tf()).build(),
                        ))
                        .build(),
                ))
                .build();
            block = block.add_block(
                Block::builder("validation")
                    .add_attribute(("condition", Expression::from(condition)))
                    .add_attribute(("error_message", format!("The value must be {}.", shape.describe())))
                    .build(),
            );
        }
        items.push((format!("var.{}", param.ident.tf()), block.build()));
    }
    for (address, block) in items {
        doc.push(Area::Variables, address, Item { block, skips: Vec::new() });
    }
}

/// An `output` block.
pub fn output(doc: &mut Doc<'_>, name: &str, description: String, value: Expression) {
    let block = Block::builder("output")
        .add_label(name)
        .add_attribute(("description", description))
        .add_attribute(("value", value))
        .build();
    doc.push(Area::Outputs, format!("output.{name}"), Item { block, skips: Vec::new() });
}

/// `outputs.tf`: what the deployment exposes.
pub fn outputs(doc: &mut Doc<'_>) {
    let plan: &Plan = doc.plan;
    for out in &plan.outputs {
        let value = match out.value.clone() {
            OutputValue::VpcId(part) | OutputValue::FileSystemId(part) | OutputValue::VpnConnectionId(part) => {
                doc.at(part, "id")
            }
            OutputValue::CacheId(part) => match &plan.part(part).kind {
                mhac_compiler::plan::PartKind::Cache(cache)
                    if matches!(cache.engine, mhac_compiler::plan::CacheEngineKind::Memcached) =>
                {
                    doc.at(part, "cluster_id")
                }
                _ => doc.at(part, "id"),
            },
            OutputValue::DnsName(part) => doc.at(part, "dns_name"),
            OutputValue::AutoScalingGroupName(part) => doc.at(part, "name"),
            OutputValue::DbAddress(part) => doc.at(part, "address"),
            OutputValue::DbPort(part) => doc.at(part, "port"),
            OutputValue::BucketName(part) => doc.at(part, "bucket"),
            OutputValue::TopicArn(part) | OutputValue::SecretArn(part) => doc.at(part, "arn"),
            OutputValue::Literal(text) => Expression::from(text),
            OutputValue::DnsRecords(records) => {
                // One `NAME TYPE VALUE` line per record.
                let lines: Vec<Expression> = records
                    .iter()
                    .map(|(name, ty, value)| {
                        let mut parts = super::domain::record_parts(doc, name);
                        parts.push(super::doc::TemplatePart::Text(format!(" {ty} ")));
                        match value {
                            OutputRecordValue::Text(text) => parts.extend(super::domain::record_parts(doc, text)),
                            OutputRecordValue::DnsName(part) => {
                                parts.push(super::doc::TemplatePart::Expr(doc.at(*part, "dns_name")))
                            }
                        }
                        super::doc::template(parts)
                    })
                    .collect();
                Expression::from(FuncCall::builder("join").arg("\n").arg(Expression::Array(lines)).build())
            }
        };
        output(doc, out.ident.tf(), out.description.clone(), value);
    }
}

/// Render every area into its file.
pub fn files(doc: &Doc<'_>) -> Result<Vec<File>, hcl::Error> {
    Area::ALL.iter().map(|&area| Ok(File { name: area.file_name(), contents: render(doc, area, true)? })).collect()
}

/// One area's file. With `canonical = false`, the text exactly as hcl-rs
/// formats it (used to prove the post-processing is needed).
pub fn render(doc: &Doc<'_>, area: Area, canonical: bool) -> Result<String, hcl::Error> {
    let mut text = format!(
        "# {} of deployment \"{}\": {}.\n# Generated by mhac; edit the .mha source and rebuild rather than this file.\n",
        area.file_name(),
        doc.deployment(),
        area.describe()
    );
    for item in doc.items(area) {
        text.push('\n');
        text.push_str(&render_item(item)?);
    }
    Ok(if canonical { format::canonical(&text) } else { text })
}

/// A top-level block formatted by hcl-rs, with its skip comments as the first
/// lines of its body.
fn render_item(item: &Item) -> Result<String, hcl::Error> {
    let mut formatter = Formatter::builder().compact_arrays(true).build_vec();
    let formatted = item.block.format_string(&mut formatter)?;
    if item.skips.is_empty() {
        return Ok(formatted);
    }
    let (head, body) = formatted.split_once('\n').unwrap_or((formatted.as_str(), ""));
    let mut out = String::with_capacity(formatted.len() + 80 * item.skips.len());
    out.push_str(head);
    out.push('\n');
    for skip in &item.skips {
        let reason: String = skip.reason.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        out.push_str(&format!("  #checkov:skip={}:{}\n", skip.id, reason));
    }
    out.push_str(body);
    Ok(out)
}
