//! `mhac build FILE --target ...`: compile to a deployment artifact.

use super::{fail, report_to_stderr};
use crate::args::{MessageFormat, Target, TemplateFormat};
use crate::output::write_atomic;
use crate::source::load;
use crate::{EXIT_ERRORS, EXIT_OK};
use std::io::Write;
use std::path::Path;

pub fn run(
    file: &Path,
    target: Target,
    output: Option<&Path>,
    format: TemplateFormat,
    message_format: MessageFormat,
) -> u8 {
    let source = match load(file) {
        Ok(source) => source,
        Err(message) => return fail(&message),
    };
    report_to_stderr(&source, message_format);
    let Some(model) = source.compilation.checked() else {
        return EXIT_ERRORS;
    };
    let artifact = match target {
        // `commands::run` sends this target to `plan::build`, which reads the
        // deployed stack.
        Target::Plan => return fail("the plan target needs AWS access: use `mhac plan` or `mhac build --target plan`"),
        Target::Cloudformation => {
            let template = mhac_backends::cloudformation::template(model);
            match format {
                TemplateFormat::Json => mhac_backends::cloudformation::to_json(&template),
                TemplateFormat::Yaml => mhac_backends::cloudformation::to_yaml(&template),
            }
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
