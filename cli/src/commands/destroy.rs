//! `mhac destroy FILE|--stack NAME`: delete a stack. A prod stack (or one
//! whose profile mhac cannot know, or one with termination protection) is
//! deleted only when the user confirms its name, with `--confirm-stack NAME`
//! or at a prompt; termination protection is removed only after that.

use super::deploy::{aws_options, block_on, exit_code, operation_error};
use super::{fail, report_to_stderr};
use crate::args::{AwsArgs, MessageFormat};
use crate::source::load;
use crate::{EXIT_ERRORS, EXIT_OK};
use mhac_deploy::console::Console;
use mhac_deploy::ops;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

/// Whether the user confirmed deleting `stack`.
fn confirmed(stack: &str, why: &str, confirm: Option<&str>) -> Result<(), String> {
    match confirm {
        Some(name) if name == stack => Ok(()),
        Some(name) => {
            Err(format!("--confirm-stack {name} does not match the stack's name, {stack}: nothing was deleted"))
        }
        None if std::io::stdin().is_terminal() => {
            let mut stderr = std::io::stderr();
            let _ = write!(stderr, "Stack {stack} is {why}. Type its name to delete it and everything in it: ");
            let _ = stderr.flush();
            let mut answer = String::new();
            let _ = std::io::stdin().lock().read_line(&mut answer);
            if answer.trim() == stack {
                Ok(())
            } else {
                Err(format!("the name typed does not match {stack}: nothing was deleted"))
            }
        }
        None => Err(format!(
            "refusing to delete stack {stack} ({why}) without confirmation: pass --confirm-stack {stack} (standard input is not a terminal, so mhac cannot ask)"
        )),
    }
}

pub fn run(file: Option<&Path>, stack: Option<&str>, confirm: Option<&str>, aws: &AwsArgs) -> u8 {
    // From the source: the stack name, region and whether it is prod.
    let (stack, region, prod) = match file {
        Some(file) => {
            let source = match load(file) {
                Ok(source) => source,
                Err(message) => return fail(&message),
            };
            report_to_stderr(&source, MessageFormat::Human);
            let Some(model) = source.compilation.checked() else { return EXIT_ERRORS };
            (
                stack.map_or_else(|| model.deployment.name.text.clone(), str::to_string),
                Some(model.deployment.region.clone()),
                Some(model.deployment.is_prod()),
            )
        }
        None => match stack {
            Some(stack) => (stack.to_string(), None, None),
            None => return fail("name the stack: `mhac destroy FILE` or `mhac destroy --stack NAME`"),
        },
    };
    let result = block_on(async {
        let client = mhac_deploy::aws::client(&aws_options(aws), region.as_deref()).await;
        let region = mhac_deploy::aws::region_of(&client);
        let mut console = Console::stdout();
        let info = match mhac_deploy::aws::describe_stack(&client, &stack).await {
            Ok(Some(info)) => info,
            Ok(None) => {
                console.line(&format!("Stack {stack} does not exist in {region}: nothing to delete."));
                return Ok(EXIT_OK);
            }
            Err(error) => return Err(error),
        };
        let why = match prod {
            Some(true) => Some("a prod stack"),
            None => Some("a stack whose profile mhac cannot tell without its source file"),
            Some(false) if info.termination_protection => Some("protected from termination"),
            Some(false) => None,
        };
        if let Some(why) = why
            && let Err(message) = confirmed(&info.name, why, confirm)
        {
            let _ = writeln!(std::io::stderr(), "error: {message}");
            return Ok(EXIT_ERRORS);
        }
        ops::destroy(&client, &info, &region, &mut console).await.map(exit_code)
    });
    match result {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => operation_error(&error),
        Err(code) => code,
    }
}
