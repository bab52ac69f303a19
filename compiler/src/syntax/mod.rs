//! Syntax: the grammar-driven parser and the syntax tree it produces.

pub mod ast;
mod parser;
pub(crate) mod scan;

pub use parser::{MAX_DEPTH, TOP_LEVEL_KEYWORDS, parse};
