//! mhac's deployment client: plans, applies and destroys CloudFormation
//! stacks through the AWS SDK for Rust.
//!
//! * [`diff`] compares a deployed template with a new one per resource and
//!   predicts replacements offline from [`create_only`], the table of
//!   create-only properties generated from the CloudFormation resource
//!   schemas.
//! * [`plan`] is the reviewed plan (`mhac plan -o plan.json`): stack, region,
//!   template, parameters, capabilities, the changes, and the SHA-256 of the
//!   deployed template it was made against.
//! * [`ops`] runs `apply` (change sets, stateful-resource guard, live
//!   progress, failures mapped to source lines), `destroy` and `status`
//!   through [`aws`].

pub mod aws;
pub mod broadening;
pub mod console;
pub mod create_only;
pub mod diff;
pub mod failure;
pub mod ops;
pub mod params;
pub mod plan;
pub mod preflight;
pub mod staging;
pub mod stateful;
