//! mhac's printers. Each reads a deployment [`Plan`](mhac_compiler::plan::Plan)
//! and nothing else: printers never see the model or the syntax tree, and
//! never each other.

pub mod cloudformation;
pub mod terraform;
