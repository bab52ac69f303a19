//! `mhac apply FILE|PLAN.json`: deploy through a change set.

use super::deploy::{aws_options, block_on, desired_or_saved, exit_code, operation_error};
use crate::args::{AwsArgs, MessageFormat, ParamArgs};
use mhac_deploy::console::Console;
use mhac_deploy::ops::{self, ApplyOptions};
use std::path::Path;

pub fn run(
    file: &Path,
    allow_replace: &[String],
    stack: Option<&str>,
    message_format: MessageFormat,
    aws: &AwsArgs,
    params: &ParamArgs,
) -> u8 {
    let (desired, saved) = match desired_or_saved(file, stack, aws, params, message_format) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let options = ApplyOptions { allow_replace: allow_replace.to_vec() };
    let result = block_on(async {
        let client = mhac_deploy::aws::client(&aws_options(aws), Some(&desired.region)).await;
        let mut console = Console::stdout();
        ops::apply(&client, &desired, saved.as_ref(), &options, &mut console).await
    });
    match result {
        Ok(Ok(outcome)) => exit_code(outcome),
        Ok(Err(error)) => operation_error(&error),
        Err(code) => code,
    }
}
