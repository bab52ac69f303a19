//! The Terraform backend: a checked model becomes a directory of `.tf` files
//! that `terraform init && terraform plan` accept as they are, describing the
//! same deployment as the CloudFormation backend.
//!
//! The configuration is built as hcl-rs structures (`hcl::Block`,
//! `hcl::Attribute`, `Expression`, `Traversal`, templates), one area of the
//! deployment per module, each area writing to its own file:
//!
//! | module | file | what |
//! | --- | --- | --- |
//! | [`network`] | `network.tf` | VPC, subnets, gateways, routes, endpoints, flow logs, VPN |
//! | [`security`] | `security.tf` | security groups and rules; IAM policy documents |
//! | [`load_balancer`] | `load_balancer.tf` | ALB, listeners, target groups, WAF, Shield, access logs |
//! | [`compute`] | `compute.tf` | launch templates, Auto Scaling groups, instance roles |
//! | [`data`] | `data.tf` | RDS, EFS, ElastiCache, S3 |
//! | [`monitoring`] | `monitoring.tf` | log groups, notification topic, alarms |
//! | [`layout`] | `versions.tf`, `providers.tf`, `variables.tf`, `outputs.tf` | and the rendering of every file |
//!
//! [`names`] derives addresses and physical names from source names only;
//! [`format`](mod@format) turns hcl-rs's formatting into `terraform fmt`'s; [`doc`] holds
//! the configuration while it is built.
//!
//! # Equivalence with the CloudFormation backend
//!
//! Both describe the same components with the same settings. Where the two
//! languages cut a component differently, Terraform has:
//!
//! * separate resources for what CloudFormation writes as properties:
//!   `aws_s3_bucket_{server_side_encryption_configuration, versioning,
//!   public_access_block, ownership_controls, lifecycle_configuration}` (of
//!   `AWS::S3::Bucket`), `aws_efs_backup_policy` (`BackupPolicy`),
//!   `aws_iam_role_policy_attachment` (`ManagedPolicyArns`),
//!   `aws_wafv2_web_acl_logging_configuration`;
//! * no attachment resources: `aws_internet_gateway` and `aws_vpn_gateway`
//!   attach through `vpc_id` (CloudFormation's `VPCGatewayAttachment`s);
//! * data sources for what CloudFormation inlines: `aws_iam_policy_document`
//!   (policy JSON), `aws_ssm_parameter` (an SSM-typed parameter);
//! * one resource CloudFormation cannot manage: `aws_default_security_group`,
//!   which removes every rule of the VPC's default group.
//!
//! Settings the equivalence compares live in one place each: CIDRs and zones
//! (`aws_subnet`), rules (`aws_vpc_security_group_*_rule`, one per port range
//! and peer), encryption, public access blocks, IMDSv2 (`metadata_options`),
//! Multi-AZ, deletion protection and backups (`aws_db_instance`), scaling
//! bounds (`aws_autoscaling_group`), listeners, WAF rule groups (in the
//! source's order, priorities 1..n; the rate-based rule, if any, at 0).

pub mod compute;
pub mod data;
pub mod doc;
pub mod format;
pub mod layout;
pub mod load_balancer;
pub mod monitoring;
pub mod names;
pub mod network;
pub mod security;

use doc::{Area, Doc};
use mhac_compiler::model::{CheckedModel, Model};
use std::fmt;

/// Choices the source does not make.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Keep the state in this S3 bucket (overrides the source's `state`
    /// block's bucket, or adds an S3 backend when the source has none).
    pub state_bucket: Option<String>,
    /// The state's object key (default: the source's, else
    /// `DEPLOYMENT/terraform.tfstate`). Needs a bucket.
    pub state_key: Option<String>,
}

/// The S3 backend the configuration uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateBackend {
    /// Bucket.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// The bucket's region.
    pub region: String,
    /// DynamoDB lock table; `None` means S3 native locking (`use_lockfile`).
    pub lock_table: Option<String>,
}

/// Why no configuration could be generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Two blocks derived from different source names got the same address.
    AddressClash {
        /// The address (`aws_s3_bucket.front_access_logs`).
        address: String,
    },
    /// A state key was given without a bucket to keep the state in.
    StateKeyWithoutBucket,
    /// hcl-rs failed to format a block.
    Format(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AddressClash { address } => write!(
                f,
                "two components would both be `{address}` in Terraform; rename one of them (addresses are a source name plus a fixed suffix)"
            ),
            Error::StateKeyWithoutBucket => {
                write!(f, "a state key needs a bucket: pass --state-bucket or add a `state` block to the source")
            }
            Error::Format(message) => write!(f, "cannot format the Terraform configuration: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// Its name in the output directory (`network.tf`).
    pub name: &'static str,
    /// Its text, in `terraform fmt`'s layout, ending with a newline.
    pub contents: String,
}

/// A generated configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Every file, in a fixed order; the same names on every run.
    pub files: Vec<File>,
}

impl Output {
    /// Every file in one text, each after a `# file: NAME` line (what
    /// `mhac build --target terraform` prints without `-o`).
    pub fn to_stream(&self) -> String {
        let mut out = String::new();
        for (index, file) in self.files.iter().enumerate() {
            if index > 0 {
                out.push('\n');
            }
            out.push_str("# file: ");
            out.push_str(file.name);
            out.push('\n');
            out.push_str(&file.contents);
        }
        out
    }
}

/// The names of the files every run writes.
pub fn file_names() -> Vec<&'static str> {
    Area::ALL.iter().map(|area| area.file_name()).collect()
}

/// The S3 backend for a model and options, if any.
pub fn state_backend(model: &Model, options: &Options) -> Result<Option<StateBackend>, Error> {
    let default_key = || format!("{}/terraform.tfstate", model.deployment.name.as_str());
    match (&model.state, &options.state_bucket) {
        (Some(state), bucket) => Ok(Some(StateBackend {
            bucket: bucket.clone().unwrap_or_else(|| state.bucket.clone()),
            key: options.state_key.clone().unwrap_or_else(|| state.key.clone()),
            region: state.region.clone(),
            lock_table: state.lock_table.clone(),
        })),
        (None, Some(bucket)) => Ok(Some(StateBackend {
            bucket: bucket.clone(),
            key: options.state_key.clone().unwrap_or_else(default_key),
            region: model.deployment.region.clone(),
            lock_table: None,
        })),
        (None, None) if options.state_key.is_some() => Err(Error::StateKeyWithoutBucket),
        (None, None) => Ok(None),
    }
}

/// Generate the configuration of a checked model.
pub fn generate(model: &CheckedModel, options: &Options) -> Result<Output, Error> {
    let model: &Model = model;
    let state = state_backend(model, options)?;
    let doc = build(model, state.as_ref())?;
    let files = layout::files(&doc).map_err(|error| Error::Format(error.to_string()))?;
    Ok(Output { files })
}

/// Build every block of the configuration.
pub fn build<'m>(model: &'m Model, state: Option<&StateBackend>) -> Result<Doc<'m>, Error> {
    let mut doc = Doc::new(model);
    layout::versions(&mut doc, state);
    layout::providers(&mut doc);
    layout::variables(&mut doc);
    network::build(&mut doc);
    security::build(&mut doc);
    load_balancer::build(&mut doc);
    compute::build(&mut doc);
    data::build(&mut doc);
    monitoring::build(&mut doc);
    match doc.take_error() {
        Some(error) => Err(error),
        None => Ok(doc),
    }
}
