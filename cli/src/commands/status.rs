//! `mhac status --stack NAME`: a stack's state and recent events.

use super::deploy::{aws_options, block_on, exit_code, operation_error};
use crate::args::AwsArgs;
use mhac_deploy::console::Console;
use mhac_deploy::ops;

pub fn run(stack: &str, watch: bool, aws: &AwsArgs) -> u8 {
    let result = block_on(async {
        let client = mhac_deploy::aws::client(&aws_options(aws), None).await;
        let region = mhac_deploy::aws::region_of(&client);
        let mut console = Console::stdout();
        ops::status(&client, stack, &region, watch, &mut console).await
    });
    match result {
        Ok(Ok(outcome)) => exit_code(outcome),
        Ok(Err(error)) => operation_error(&error),
        Err(code) => code,
    }
}
