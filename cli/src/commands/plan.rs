//! `mhac plan FILE`: check the account (preflight), compare the source with
//! the deployed stack, and detect drift; and `mhac build FILE --target
//! plan`, which writes the same plan as JSON.

use super::deploy::{aws_options, block_on, desired_or_saved, operation_error, preflight};
use super::fail;
use crate::EXIT_OK;
use crate::args::{AwsArgs, DeployArgs, MessageFormat, ParamArgs};
use crate::output::write_atomic;
use mhac_deploy::aws::Aws;
use mhac_deploy::console::Console;
use mhac_deploy::ops;
use mhac_deploy::plan::Plan;
use std::io::Write;
use std::path::Path;

fn make_plan(
    file: &Path,
    stack: Option<&str>,
    aws: &AwsArgs,
    params: &ParamArgs,
    message_format: MessageFormat,
    deploy: &DeployArgs,
) -> Result<Plan, u8> {
    // A saved plan is planned again against what is deployed now.
    let mut prepared = desired_or_saved(file, stack, aws, params, message_format)?;
    let result = block_on(async {
        let clients = Aws::connect(&aws_options(aws), Some(&prepared.desired.region)).await;
        // Notes go to standard error: standard output is the plan.
        let console = Console::plain_stderr();
        let checked = match preflight(&clients, &mut prepared, deploy.skip_preflight, message_format, &console).await {
            Ok(checked) => checked,
            Err(code) => return Ok(Err(code)),
        };
        let mut planned = ops::plan(&clients, &prepared.desired).await?;
        planned.plan.account = checked.account.clone();
        planned.plan.preflight = Some(checked.record);
        let staging = ops::Staging { account: checked.account, bucket: deploy.staging_bucket.clone() };
        ops::confirm_with_service(&clients, &mut planned, &staging).await?;
        Ok(Ok(planned.plan))
    })?;
    match result {
        Ok(Ok(plan)) => Ok(plan),
        Ok(Err(code)) => Err(code),
        Err(error) => Err(operation_error(&error)),
    }
}

fn write_plan(plan: &Plan, path: &Path) -> Result<(), u8> {
    write_atomic(path, plan.to_json().as_bytes()).map_err(|e| fail(&format!("cannot write {}: {e}", path.display())))
}

/// `mhac plan`.
pub fn run(
    file: &Path,
    stack: Option<&str>,
    output: Option<&Path>,
    message_format: MessageFormat,
    aws: &AwsArgs,
    params: &ParamArgs,
    deploy: &DeployArgs,
) -> u8 {
    let plan = match make_plan(file, stack, aws, params, message_format, deploy) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    if let Some(path) = output
        && let Err(code) = write_plan(&plan, path)
    {
        return code;
    }
    let text = match message_format {
        MessageFormat::Human => {
            let mut text = plan.render();
            if let Some(path) = output {
                text.push_str(&format!(
                    "\nPlan written to {}: apply it with `mhac apply {}`.\n",
                    path.display(),
                    path.display()
                ));
            }
            text
        }
        // SARIF is for diagnostics: the plan itself is reported as JSON.
        MessageFormat::Json | MessageFormat::Sarif => {
            let mut text = serde_json::to_string_pretty(&plan.report_json()).unwrap_or_default();
            text.push('\n');
            text
        }
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    EXIT_OK
}

/// `mhac build --target plan`: the plan file, to `output` or standard output.
pub fn build(
    file: &Path,
    stack: Option<&str>,
    output: Option<&Path>,
    message_format: MessageFormat,
    aws: &AwsArgs,
    params: &ParamArgs,
    deploy: &DeployArgs,
) -> u8 {
    let plan = match make_plan(file, stack, aws, params, message_format, deploy) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    match output {
        Some(path) => match write_plan(&plan, path) {
            Ok(()) => EXIT_OK,
            Err(code) => code,
        },
        None => {
            let _ = std::io::stdout().lock().write_all(plan.to_json().as_bytes());
            EXIT_OK
        }
    }
}
