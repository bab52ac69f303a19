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
    /// A deployment plan (JSON) against the deployed stack, for `mhac apply`.
    Plan,
    /// The site layer the app servers run, rendered for this source, into
    /// the directory `-o` names: the scripts and configuration files, the
    /// cloud-config of the user data (deploy-time values shown as
    /// `<...>`), and `values.json` (the values rendered in).
    Site,
}

/// Template formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TemplateFormat {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// Picture formats of `mhac graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A self-contained SVG laid out like an AWS architecture diagram.
    Svg,
    /// Graphviz DOT (`dot -Tpng`).
    Dot,
    /// A Mermaid flowchart, for READMEs and wikis.
    Mermaid,
}

/// Database engines of `mhac init`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InitEngine {
    /// MySQL 8.4.
    Mysql,
    /// PostgreSQL 16.
    Postgres,
    /// MariaDB 10.11.
    Mariadb,
}

/// Profiles of `mhac init`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InitProfile {
    /// Production: Multi-AZ database, larger instances.
    Prod,
    /// Development: single-AZ database, smaller instances.
    Dev,
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
        /// Stack name (plan target; default: the deployment's name).
        #[arg(long)]
        stack: Option<String>,
        /// AWS access (plan target).
        #[command(flatten)]
        aws: AwsArgs,
        /// Parameter values (plan target).
        #[command(flatten)]
        params: ParamArgs,
        /// Preflight and staging (plan target).
        #[command(flatten)]
        deploy: DeployArgs,
    },
    /// Compare the source with the deployed stack and show what would change.
    Plan {
        /// The source file, or a plan file (`.json`) to plan again against
        /// what is deployed now.
        file: PathBuf,
        /// Stack name (default: the deployment's name).
        #[arg(long)]
        stack: Option<String>,
        /// Also write the plan (JSON) here, for `mhac apply PLAN`.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
        /// AWS access.
        #[command(flatten)]
        aws: AwsArgs,
        /// Parameter values.
        #[command(flatten)]
        params: ParamArgs,
        /// Preflight and staging.
        #[command(flatten)]
        deploy: DeployArgs,
    },
    /// Deploy a source file or a saved plan through a CloudFormation change set.
    Apply {
        /// A source file (`.mha`) or a plan file (`.json`) from `mhac plan -o`.
        file: PathBuf,
        /// Allow replacing or removing this stateful component (a database,
        /// cache, file system or bucket, by its source name). Repeatable.
        #[arg(long, value_name = "NAME")]
        allow_replace: Vec<String>,
        /// Stack name (default: the deployment's name).
        #[arg(long)]
        stack: Option<String>,
        /// Diagnostic output format.
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
        /// Apply without asking (needed when standard input is not a
        /// terminal; a saved plan was reviewed when it was made and is
        /// applied without asking).
        #[arg(long)]
        auto_approve: bool,
        /// AWS access.
        #[command(flatten)]
        aws: AwsArgs,
        /// Parameter values.
        #[command(flatten)]
        params: ParamArgs,
        /// Preflight and staging.
        #[command(flatten)]
        deploy: DeployArgs,
    },
    /// Delete a deployed stack.
    Destroy {
        /// The source file (gives the stack name, region and profile).
        #[arg(required_unless_present = "stack")]
        file: Option<PathBuf>,
        /// Stack name (default: the deployment's name).
        #[arg(long)]
        stack: Option<String>,
        /// Confirm deleting a prod (or unknown) stack without a prompt: the
        /// stack's name.
        #[arg(long, value_name = "NAME")]
        confirm_stack: Option<String>,
        /// AWS access.
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Show a stack's state and recent events.
    Status {
        /// Stack name.
        #[arg(long)]
        stack: String,
        /// Keep watching until a running operation ends.
        #[arg(long)]
        watch: bool,
        /// AWS access.
        #[command(flatten)]
        aws: AwsArgs,
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
    /// Draw the deployment: zones as columns, tiers as rows, components in
    /// their subnets, security-group flows as arrows labelled with ports.
    Graph {
        /// The source file.
        file: PathBuf,
        /// Picture format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Svg)]
        format: GraphFormat,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Mark the components that have errors or warnings and list the
        /// diagnostics on the picture.
        #[arg(long)]
        check: bool,
    },
    /// Write a starter source: a highly available Moodle that checks clean,
    /// every block explained in a comment.
    Init {
        /// The file to create (it must not exist).
        #[arg(default_value = "moodle.mha")]
        file: PathBuf,
        /// Availability zones (2 to 6), the first ones of us-east-1.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(2..=6))]
        zones: u8,
        /// Database engine.
        #[arg(long, value_enum, default_value_t = InitEngine::Mysql)]
        engine: InitEngine,
        /// How strict the rules are, and how large the instances.
        #[arg(long, value_enum, default_value_t = InitProfile::Prod)]
        profile: InitProfile,
    },
}

/// How to reach AWS (the SDK's default credential chain otherwise).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct AwsArgs {
    /// A named profile from the AWS config and credentials files.
    #[arg(long)]
    pub profile: Option<String>,
    /// The region (default: the deployment's region).
    #[arg(long)]
    pub region: Option<String>,
    /// Another endpoint, such as a local emulator (`AWS_ENDPOINT_URL` works too).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

/// Values of the deployment's `param`s.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ParamArgs {
    /// A parameter value, by its source or template name. Repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub param: Vec<String>,
    /// A JSON object of parameter values (`--param` wins over it).
    #[arg(long = "params", value_name = "FILE")]
    pub params: Option<PathBuf>,
}

/// Preflight and the staging bucket (plan, apply).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct DeployArgs {
    /// Do not check the account before planning or applying (the
    /// certificate, Shield, instance types, classes, images, quotas); the
    /// output and the plan file say it was skipped.
    #[arg(long)]
    pub skip_preflight: bool,
    /// An existing S3 bucket for templates over 51,200 bytes and for
    /// nested stacks (default: mhac's own, `mhac-staging-ACCOUNT-REGION`,
    /// created by `apply` when first needed).
    #[arg(long, value_name = "NAME")]
    pub staging_bucket: Option<String>,
}
