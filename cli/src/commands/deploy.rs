//! What `plan`, `apply`, `destroy` and `build --target plan` share: turning a
//! source file into the deployment to make (template, source origins,
//! parameters), AWS clients, and the async runtime.

use super::{fail, report_to_stderr};
use crate::args::{AwsArgs, MessageFormat, ParamArgs};
use crate::source::{Source, load};
use crate::{EXIT_ERRORS, EXIT_USAGE};
use mhac_compiler::model::CheckedModel;
use mhac_compiler::plan::Plan;
use mhac_compiler::preflight::Questions;
use mhac_compiler::span::LineIndex;
use mhac_deploy::aws::Aws;
use mhac_deploy::aws::AwsOptions;
use mhac_deploy::console::Console;
use mhac_deploy::ops::Outcome;
use mhac_deploy::params::{self, ParamSpec};
use mhac_deploy::plan::{Desired, Origin, PreflightRecord};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Exit code when the user stopped watching with Ctrl-C.
pub const EXIT_INTERRUPTED: u8 = 130;

/// The exit code of an operation's outcome.
pub fn exit_code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Done | Outcome::NoChanges => crate::EXIT_OK,
        Outcome::Refused | Outcome::Failed => EXIT_ERRORS,
        Outcome::Interrupted => EXIT_INTERRUPTED,
    }
}

/// Run a future to completion on a single-threaded runtime.
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, u8> {
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => Ok(runtime.block_on(future)),
        Err(error) => Err(fail(&format!("cannot start the async runtime: {error}"))),
    }
}

/// AWS options from the command line.
pub fn aws_options(aws: &AwsArgs) -> AwsOptions {
    AwsOptions { profile: aws.profile.clone(), region: aws.region.clone(), endpoint_url: aws.endpoint_url.clone() }
}

/// An operation error: printed, exit 1.
pub fn operation_error(error: &mhac_deploy::aws::Error) -> u8 {
    let _ = writeln!(std::io::stderr(), "error: {error}");
    EXIT_ERRORS
}

/// The template and, per logical ID, the source component that produces it.
fn template_and_origins(plan: &Plan, source: &Source) -> (Value, BTreeMap<String, Origin>) {
    let built = mhac_backends::cloudformation::template(plan);
    let index = LineIndex::new(&source.text);
    let origins = built
        .origins
        .into_iter()
        .map(|(id, origin)| {
            let line = index.line_of(origin.span.start) + 1;
            (id, Origin { kind: origin.owner.as_str().to_string(), name: origin.name, file: source.name.clone(), line })
        })
        .collect();
    (built.body, origins)
}

/// The deployment's parameters, with the template's key for each. A
/// parameter the template does not declare (nothing uses it) needs no value.
fn param_specs(model: &CheckedModel, template: &Value) -> Vec<ParamSpec> {
    let declared = template.get("Parameters").and_then(Value::as_object);
    model
        .params
        .iter()
        .map(|param| {
            let pascal = param.name.pascal();
            let key = if declared.is_some_and(|d| !d.contains_key(&pascal) && d.contains_key(&param.name.text)) {
                param.name.text.clone()
            } else {
                pascal
            };
            let in_template = declared.is_some_and(|d| d.contains_key(&key));
            ParamSpec { key, source_name: param.name.text.clone(), required: param.default.is_none() && in_template }
        })
        .collect()
}

/// Compile `file` and work out the deployment: stack, region, template,
/// origins and parameter values. Diagnostics go to standard error; a
/// missing required parameter is a diagnostic (MHA801), before any AWS call.
fn desired(
    file: &Path,
    stack: Option<&str>,
    aws: &AwsArgs,
    params: &ParamArgs,
    message_format: MessageFormat,
) -> Result<(Desired, Source, Questions), u8> {
    let mut source = load(file).map_err(|message| fail(&message))?;
    report_to_stderr(&source, message_format);
    let (Some(model), Some(plan)) = (source.compilation.checked(), source.compilation.plan()) else {
        return Err(EXIT_ERRORS);
    };
    let (template, origins) = template_and_origins(plan, &source);

    let mut given = Vec::new();
    if let Some(path) = &params.params {
        let text = std::fs::read_to_string(path).map_err(|e| fail(&format!("cannot read {}: {e}", path.display())))?;
        given.extend(params::parse_file(&text).map_err(|e| fail(&format!("{}: {e}", path.display())))?);
    }
    given.extend(params::parse_assignments(&params.param).map_err(|e| fail(&e))?);
    let mut specs = param_specs(model, &template);
    // The ids of hosted zones given by name: looked up by `plan` and
    // `apply`, or given with `--param SiteHostedZoneId=Z...`.
    for part in &plan.parts {
        if let mhac_compiler::plan::PartKind::HostedZoneLookup(_) = &part.kind {
            let key = part.ident.cfn().to_string();
            specs.push(ParamSpec { key: key.clone(), source_name: key, required: false });
        }
    }
    let resolved = params::resolve(&specs, &given);
    if !resolved.unknown.is_empty() {
        let declared: Vec<String> = specs.iter().map(|s| format!("`{}`", s.source_name)).collect();
        return Err(fail(&format!(
            "unknown parameter{} {}: the deployment declares {}",
            if resolved.unknown.len() == 1 { "" } else { "s" },
            resolved.unknown.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
            if declared.is_empty() { "none".to_string() } else { declared.join(", ") }
        )));
    }
    if !resolved.missing.is_empty() {
        let diagnostics = mhac_compiler::params::missing_values(model, |param| {
            !resolved.missing.iter().any(|spec| spec.source_name == param.name.text)
        });
        source.compilation.diagnostics = diagnostics;
        report_to_stderr(&source, message_format);
        return Err(EXIT_ERRORS);
    }
    // A value of the wrong form (a SHA-256 that is not one) is refused here,
    // not by CloudFormation's AllowedPattern or, worse, by the instances.
    for param in &plan.params {
        let Some(shape) = param.shape else { continue };
        if let Some(value) = resolved.values.get(param.ident.cfn())
            && !shape.accepts(value)
        {
            return Err(fail(&format!("parameter `{}`: `{value}` is not {}", param.name, shape.describe())));
        }
    }
    // Values for parameters the template does not declare would make
    // CloudFormation refuse the change set.
    let declared = template.get("Parameters").and_then(Value::as_object);
    let values: BTreeMap<String, String> =
        resolved.values.into_iter().filter(|(key, _)| declared.is_some_and(|d| d.contains_key(key))).collect();
    let questions = mhac_compiler::preflight::questions(model, plan, &source.compilation.file, &values);
    let desired = Desired {
        source: Some(source.name.clone()),
        stack: stack.map_or_else(|| model.deployment.name.text.clone(), str::to_string),
        region: aws.region.clone().unwrap_or_else(|| model.deployment.region.clone()),
        prod: model.deployment.is_prod(),
        template,
        origins,
        parameters: values,
    };
    Ok((desired, source, questions))
}

/// What the command line asks to deploy.
pub struct Prepared {
    /// The deployment.
    pub desired: Desired,
    /// The saved plan being applied, if `file` is one.
    pub saved: Option<mhac_deploy::plan::Plan>,
    /// The compiled source and what preflight asks, if `file` is a source.
    pub source: Option<(Source, Questions)>,
}

/// The preflight record and account of a run.
pub struct Checked {
    /// What the plan records.
    pub record: PreflightRecord,
    /// The account of the credentials, when STS told.
    pub account: Option<String>,
}

/// Preflight, before the first mutating call: who the credentials are
/// (a saved plan must be applied in the account and region it was made
/// for, MHA813), then, for a source, every question of
/// `mhac_compiler::preflight` asked of the account, the findings reported
/// like the compiler's diagnostics. An error among them stops the command
/// (exit 1) before anything changes.
pub async fn preflight(
    aws: &Aws,
    prepared: &mut Prepared,
    skip: bool,
    message_format: MessageFormat,
    console: &Console,
) -> Result<Checked, u8> {
    let started = std::time::Instant::now();
    let account = match mhac_deploy::preflight::identity(aws).await {
        Ok(identity) => Some(identity.account),
        Err(error) => {
            console.line(&format!("warning: cannot tell which account the credentials are for: {error}"));
            None
        }
    };
    if let Some(saved) = &prepared.saved {
        let region = aws.region();
        let mut wrong = Vec::new();
        if let (Some(planned), Some(now)) = (&saved.account, &account)
            && planned != now
        {
            wrong.push(format!("account {now}, and the plan was made for account {planned}"));
        }
        if region != saved.region {
            wrong.push(format!("region {region}, and the plan was made for region {}", saved.region));
        }
        if !wrong.is_empty() {
            let _ = writeln!(
                std::io::stderr(),
                "error[MHA813]: the credentials are for {}\n  help: use the credentials the plan was made with, or make a new plan with these (`mhac plan SOURCE -o plan.json`)",
                wrong.join("; ")
            );
            return Err(EXIT_ERRORS);
        }
        if saved.preflight.as_ref().is_some_and(|p| p.skipped) {
            console.line("Note: this plan was made with --skip-preflight: nothing was checked against the account.");
        }
        let record = saved.preflight.clone().unwrap_or_default();
        return Ok(Checked { record, account });
    }
    let Some((source, questions)) = &mut prepared.source else {
        return Ok(Checked { record: PreflightRecord::default(), account });
    };
    // Hosted zones given by name, even when preflight is skipped: the
    // template needs their ids.
    let parameters = &mut prepared.desired.parameters;
    questions.hosted_zones.retain(|zone| !parameters.contains_key(&zone.key));
    if !questions.hosted_zones.is_empty() {
        let names: Vec<&str> = questions.hosted_zones.iter().map(|zone| zone.name.as_str()).collect();
        let zones = mhac_deploy::preflight::hosted_zones(aws, &names).await;
        let (ids, errors) = mhac_compiler::preflight::zone_ids(questions, &zones);
        if !errors.is_empty() {
            source.compilation.diagnostics = errors;
            report_to_stderr(source, message_format);
            let _ = writeln!(
                std::io::stderr(),
                "error: the deployment writes DNS records into a hosted zone it cannot find; nothing was changed."
            );
            return Err(EXIT_ERRORS);
        }
        for zone in &questions.hosted_zones {
            if let Some(id) = ids.get(&zone.key) {
                console.line(&format!("Hosted zone {}: {id} (`{}`).", zone.name, zone.key));
            }
        }
        parameters.extend(ids);
    }
    if skip {
        console.line("Preflight skipped (--skip-preflight): nothing is checked against the account.");
        return Ok(Checked { record: PreflightRecord { skipped: true, ..PreflightRecord::default() }, account });
    }
    let own = match mhac_deploy::aws::describe_stack(&aws.cloudformation, &prepared.desired.stack).await {
        Ok(Some(info)) => mhac_deploy::aws::physical_ids(&aws.cloudformation, &info.id).await.unwrap_or_default(),
        _ => Default::default(),
    };
    let answers = mhac_deploy::preflight::answer(aws, questions, &own).await;
    let findings = mhac_compiler::preflight::findings(questions, &answers);
    let errors = findings.iter().filter(|d| d.is_error()).count();
    let record = PreflightRecord {
        skipped: false,
        checks: mhac_deploy::preflight::count(questions),
        findings: findings.iter().map(|d| format!("{} {}: {}", d.code, d.severity, d.message)).collect(),
        seconds: Some(started.elapsed().as_secs_f64()),
    };
    if !findings.is_empty() || message_format != MessageFormat::Human {
        source.compilation.diagnostics = findings;
        report_to_stderr(source, message_format);
    }
    if errors > 0 {
        let _ = writeln!(
            std::io::stderr(),
            "error: preflight found {errors} problem{} that would make the deployment fail; nothing was changed. Fix {}, or pass --skip-preflight to go ahead regardless.",
            if errors == 1 { "" } else { "s" },
            if errors == 1 { "it" } else { "them" }
        );
        return Err(EXIT_ERRORS);
    }
    Ok(Checked { record, account })
}

/// The deployment `file` asks for: a source file compiled ([`desired`]), or
/// a saved plan's, with that plan (the command line may not change what it
/// fixes).
pub fn desired_or_saved(
    file: &Path,
    stack: Option<&str>,
    aws: &AwsArgs,
    params: &ParamArgs,
    message_format: MessageFormat,
) -> Result<Prepared, u8> {
    if is_plan_file(file) {
        let plan = read_plan(file)?;
        check_plan_options(&plan, stack, aws, params)?;
        Ok(Prepared { desired: plan.desired(), saved: Some(plan), source: None })
    } else {
        let (desired, source, questions) = desired(file, stack, aws, params, message_format)?;
        Ok(Prepared { desired, saved: None, source: Some((source, questions)) })
    }
}

/// Refuse options that a saved plan fixes.
fn check_plan_options(
    plan: &mhac_deploy::plan::Plan,
    stack: Option<&str>,
    aws: &AwsArgs,
    params: &ParamArgs,
) -> Result<(), u8> {
    if stack.is_some_and(|s| s != plan.stack) {
        return Err(fail(&format!("the plan is for stack {}; it cannot be applied to another stack", plan.stack)));
    }
    if aws.region.as_deref().is_some_and(|r| r != plan.region) {
        return Err(fail(&format!("the plan is for region {}; it cannot be applied in another region", plan.region)));
    }
    if !params.param.is_empty() || params.params.is_some() {
        return Err(fail("a saved plan carries its parameter values: make a new plan to change them"));
    }
    Ok(())
}

/// Whether `path` names a plan file rather than a source file.
fn is_plan_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Read a plan file.
fn read_plan(path: &Path) -> Result<mhac_deploy::plan::Plan, u8> {
    let text = std::fs::read_to_string(path).map_err(|e| fail(&format!("cannot read {}: {e}", path.display())))?;
    mhac_deploy::plan::Plan::from_json(&text).map_err(|e| {
        let _ = writeln!(std::io::stderr(), "error: {}: {e}", path.display());
        EXIT_USAGE
    })
}
