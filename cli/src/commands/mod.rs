//! One function per command.

mod apply;
mod build;
mod check;
mod deploy;
mod destroy;
mod explain;
mod fmt;
mod graph;
mod init;
mod plan;
mod status;

use crate::args::{Cli, Command, MessageFormat, Target};
use crate::source::Source;
use mhac_compiler::render::{self, HumanOptions};
use std::io::{IsTerminal, Write};

/// Run a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Check { files, message_format } => check::run(&files, message_format),
        Command::Build { file, target: Target::Plan, output, message_format, stack, aws, params, deploy, .. } => {
            plan::build(&file, stack.as_deref(), output.as_deref(), message_format, &aws, &params, &deploy)
        }
        Command::Build {
            file,
            target,
            output,
            format,
            message_format,
            state_bucket,
            state_key,
            stack,
            aws,
            params,
            deploy,
        } => {
            let deploy_options = stack.is_some()
                || aws.profile.is_some()
                || aws.region.is_some()
                || aws.endpoint_url.is_some()
                || !params.param.is_empty()
                || params.params.is_some()
                || deploy.skip_preflight
                || deploy.staging_bucket.is_some();
            if deploy_options {
                return fail(
                    "--stack, --profile, --region, --endpoint-url, --param, --params, --skip-preflight and --staging-bucket apply to --target plan only",
                );
            }
            let terraform = mhac_backends::terraform::Options { state_bucket, state_key };
            build::run(&file, target, output.as_deref(), format, message_format, &terraform)
        }
        Command::Plan { file, stack, output, message_format, aws, params, deploy } => {
            plan::run(&file, stack.as_deref(), output.as_deref(), message_format, &aws, &params, &deploy)
        }
        Command::Apply { file, allow_replace, stack, message_format, auto_approve, aws, params, deploy } => {
            apply::run(&file, &allow_replace, stack.as_deref(), message_format, auto_approve, &aws, &params, &deploy)
        }
        Command::Destroy { file, stack, confirm_stack, aws } => {
            destroy::run(file.as_deref(), stack.as_deref(), confirm_stack.as_deref(), &aws)
        }
        Command::Status { stack, watch, aws } => status::run(&stack, watch, &aws),
        Command::Explain { code } => explain::run(&code),
        Command::Fmt { files, check } => fmt::run(&files, check),
        Command::Lsp => match mhac_lsp::run_stdio() {
            Ok(()) => crate::EXIT_OK,
            Err(error) => fail(&format!("language server: {error}")),
        },
        Command::Graph { file, format, output, check } => graph::run(&file, format, output.as_deref(), check),
        Command::Init { file, zones, engine, profile } => init::run(&file, zones, engine, profile),
    }
}

/// Whether to colour output for a stream.
pub(crate) fn use_color(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Human options for a stream.
pub(crate) fn human_options(is_terminal: bool) -> HumanOptions {
    HumanOptions { color: use_color(is_terminal), width: 100 }
}

/// Report a source's diagnostics to standard error (used by commands whose
/// standard output is an artifact).
pub(crate) fn report_to_stderr(source: &Source, format: MessageFormat) {
    let stderr = std::io::stderr();
    let text = match format {
        MessageFormat::Human => {
            if source.diagnostics().is_empty() {
                return;
            }
            render::human_all(source.diagnostics(), &source.name, &source.text, human_options(stderr.is_terminal()))
        }
        MessageFormat::Json => json_report(&[source]),
        MessageFormat::Sarif => sarif_report(&[source]),
    };
    let _ = stderr.lock().write_all(text.as_bytes());
}

/// The JSON report of several sources, with a trailing newline.
pub(crate) fn json_report(sources: &[&Source]) -> String {
    let files: Vec<(&str, &str, &[mhac_compiler::diagnostics::Diagnostic])> =
        sources.iter().map(|s| (s.name.as_str(), s.text.as_str(), s.diagnostics())).collect();
    let mut out = serde_json::to_string_pretty(&render::json(&files)).unwrap_or_default();
    out.push('\n');
    out
}

/// The SARIF 2.1.0 log of several sources, with a trailing newline.
pub(crate) fn sarif_report(sources: &[&Source]) -> String {
    let files: Vec<(&str, &str, &[mhac_compiler::diagnostics::Diagnostic])> =
        sources.iter().map(|s| (s.name.as_str(), s.text.as_str(), s.diagnostics())).collect();
    let mut out = serde_json::to_string_pretty(&mhac_compiler::sarif::sarif(&files)).unwrap_or_default();
    out.push('\n');
    out
}

/// Print a usage or IO error and return the exit code for it.
pub(crate) fn fail(message: &str) -> u8 {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    crate::EXIT_USAGE
}
