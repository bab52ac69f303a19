//! Command-line arguments.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// mhac: compile a Moodle high-availability deployment description to
/// CloudFormation or Terraform, or deploy it.
#[derive(Debug, Parser)]
#[command(name = "mhac", version, about, max_term_width = 100)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Diagnostic output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Rendered for people.
    Human,
    /// A versioned JSON document.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub and others).
    Sarif,
}

/// Build targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// An AWS CloudFormation template.
    Cloudformation,
    /// A Terraform configuration: a directory of `.tf` files with `-o DIR`,
    /// else every file on standard output after a `# file: NAME` line.
    Terraform,
}

/// Template formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TemplateFormat {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files and print every diagnostic.
    Check {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
    },
    /// Compile a file to a deployment artifact.
    Build {
        /// The file.
        file: PathBuf,
        /// What to generate.
        #[arg(long, short, value_enum, default_value_t = Target::Cloudformation)]
        target: Target,
        /// Write here instead of standard output (a directory for Terraform).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Template format (CloudFormation).
        #[arg(long, value_enum, default_value_t = TemplateFormat::Json)]
        format: TemplateFormat,
        /// Diagnostic output format.
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
        /// Keep the Terraform state in this S3 bucket (Terraform; overrides
        /// the bucket of the source's `state` block).
        #[arg(long, value_name = "BUCKET")]
        state_bucket: Option<String>,
        /// Object key of the Terraform state (Terraform; default the
        /// `state` block's, else `DEPLOYMENT/terraform.tfstate`).
        #[arg(long, value_name = "KEY")]
        state_key: Option<String>,
    },
    /// Print the long explanation of a diagnostic code.
    Explain {
        /// A code such as MHA403.
        code: String,
    },
    /// Format files in place in the canonical layout.
    Fmt {
        /// Files to format.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Change nothing: list the files that would change and exit 1 if any would.
        #[arg(long)]
        check: bool,
    },
    /// Run the language server on standard input and output (for editors).
    Lsp,
}
