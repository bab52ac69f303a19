//! mhac's backends. Each reads a [`CheckedModel`](mhac_compiler::model::CheckedModel)
//! and nothing else: backends never see the syntax tree.

pub mod cloudformation;
pub mod terraform;
