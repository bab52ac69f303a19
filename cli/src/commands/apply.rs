//! `mhac apply FILE|PLAN.json`: preflight, the plan, approval, then the
//! change set.

use super::deploy::{aws_options, block_on, desired_or_saved, exit_code, operation_error, preflight};
use crate::args::{AwsArgs, DeployArgs, MessageFormat, ParamArgs};
use mhac_deploy::aws::Aws;
use mhac_deploy::console::Console;
use mhac_deploy::ops::{self, ApplyOptions, Approval};
use std::io::IsTerminal;
use std::path::Path;

#[allow(clippy::too_many_arguments)]
pub fn run(
    file: &Path,
    allow_replace: &[String],
    stack: Option<&str>,
    message_format: MessageFormat,
    auto_approve: bool,
    aws: &AwsArgs,
    params: &ParamArgs,
    deploy: &DeployArgs,
) -> u8 {
    let mut prepared = match desired_or_saved(file, stack, aws, params, message_format) {
        Ok(found) => found,
        Err(code) => return code,
    };
    // A saved plan was reviewed when it was made (as `terraform apply
    // PLANFILE`); a source is shown and asked about on a terminal.
    let approval = if auto_approve || prepared.saved.is_some() {
        Approval::Given
    } else if std::io::stdin().is_terminal() {
        Approval::Ask
    } else {
        Approval::Refuse
    };
    let result = block_on(async {
        let clients = Aws::connect(&aws_options(aws), Some(&prepared.desired.region)).await;
        let mut console = Console::stdout();
        let checked = match preflight(&clients, &mut prepared, deploy.skip_preflight, message_format, &console).await {
            Ok(checked) => checked,
            Err(code) => return Ok(Err(code)),
        };
        let options = ApplyOptions {
            allow_replace: allow_replace.to_vec(),
            approval,
            staging: ops::Staging { account: checked.account, bucket: deploy.staging_bucket.clone() },
            preflight: Some(checked.record),
        };
        let outcome = ops::apply(&clients, &prepared.desired, prepared.saved.as_ref(), &options, &mut console).await?;
        if matches!(outcome, ops::Outcome::Done | ops::Outcome::NoChanges) {
            ops::print_outputs(&clients.cloudformation, &prepared.desired.stack, &console).await?;
        }
        Ok(Ok(outcome))
    });
    match result {
        Ok(Ok(Ok(outcome))) => exit_code(outcome),
        Ok(Ok(Err(code))) => code,
        Ok(Err(error)) => operation_error(&error),
        Err(code) => code,
    }
}
