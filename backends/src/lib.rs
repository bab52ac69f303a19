//! mhac's printers. Each reads a deployment [`Plan`](mhac_compiler::plan::Plan)
//! and nothing else: printers never see the model or the syntax tree, and
//! never each other.

pub mod cloudformation;
pub mod terraform;

use mhac_compiler::Compilation;

/// A compilation whose CloudFormation template has no value AWS would
/// refuse: the values the printers fill from the source are checked against
/// the resource schemas ([`cloudformation::validate`]), and a refusal is a
/// diagnostic at the source (MHA119) that withdraws the plan. Every front
/// end (`mhac check`, `build`, `plan`, `apply`, the language server) compiles
/// through it.
pub fn printable(compilation: Compilation) -> Compilation {
    let Some(plan) = compilation.plan() else { return compilation };
    let problems = cloudformation::validate(&cloudformation::template(plan));
    if problems.is_empty() { compilation } else { compilation.reject(problems) }
}
