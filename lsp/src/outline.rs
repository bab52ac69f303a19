//! The document outline: top-level blocks and parameters, with nested
//! blocks, `allow` rules and alarms beneath them. Built from the syntax
//! tree, so the blocks that parse are listed even when others do not.

use crate::document::{Document, Encoding};
use lsp_types::{DocumentSymbol, SymbolKind};
use mhac_compiler::ast::{Block, Entry, Item, PortSpec, SourceSpec};

/// The outline of a document.
#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written; it is `None`.
pub fn symbols(doc: &Document, encoding: Encoding) -> Vec<DocumentSymbol> {
    doc.compilation
        .file
        .items
        .iter()
        .map(|item| match item {
            Item::Param(param) => DocumentSymbol {
                name: param.name.text.clone(),
                detail: Some(format!("param : {}", param.ty.text)),
                kind: SymbolKind::VARIABLE,
                tags: None,
                deprecated: None,
                range: doc.range(param.span, encoding),
                selection_range: doc.range(param.name.span, encoding),
                children: None,
            },
            Item::Block(block) => block_symbol(doc, block, encoding),
        })
        .collect()
}

/// The outline kind of a block: components by their kind, other blocks
/// (`https`, `scaling`, `monitoring`, ...) as properties.
fn kind_of(block_kind: &str) -> SymbolKind {
    use mhac_compiler::symbols::SymbolKind as Kind;
    match Kind::from_block(block_kind) {
        Some(Kind::Deployment) => SymbolKind::MODULE,
        Some(Kind::Network) => SymbolKind::NAMESPACE,
        Some(Kind::Tier) => SymbolKind::STRUCT,
        Some(Kind::Vpn) => SymbolKind::INTERFACE,
        Some(Kind::SecurityGroup) => SymbolKind::CLASS,
        Some(Kind::Param) => SymbolKind::CONSTANT,
        Some(
            Kind::LoadBalancer
            | Kind::AppServers
            | Kind::Database
            | Kind::FileSystem
            | Kind::Cache
            | Kind::ObjectStorage,
        ) => SymbolKind::OBJECT,
        None => SymbolKind::PROPERTY,
    }
}

#[allow(deprecated)]
fn block_symbol(doc: &Document, block: &Block, encoding: Encoding) -> DocumentSymbol {
    let name = block.label.as_ref().map_or_else(|| block.kind.text.clone(), |label| label.text.clone());
    let selection = block.label.as_ref().map_or(block.kind.span, |label| label.span);
    let children: Vec<DocumentSymbol> = block
        .entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Block(nested) => Some(block_symbol(doc, nested, encoding)),
            Entry::Allow(rule) => {
                let ports: Vec<String> = rule
                    .ports
                    .iter()
                    .map(|p| match p {
                        PortSpec::Service(ident) => ident.text.clone(),
                        PortSpec::Range { protocol, range, .. } => format!("{} {range}", protocol.text),
                    })
                    .collect();
                let sources: Vec<&str> = rule
                    .sources
                    .iter()
                    .map(|s| match s {
                        SourceSpec::Name(ident) => ident.text.as_str(),
                        SourceSpec::Cidr { text, .. } => text.as_str(),
                    })
                    .collect();
                Some(DocumentSymbol {
                    name: format!("allow {} from {}", ports.join(", "), sources.join(", ")),
                    detail: None,
                    kind: SymbolKind::FIELD,
                    tags: None,
                    deprecated: None,
                    range: doc.range(rule.span, encoding),
                    selection_range: doc.range(rule.span, encoding),
                    children: None,
                })
            }
            Entry::Alarm(rule) => Some(DocumentSymbol {
                name: format!("alarm {}", rule.target_span.slice(&doc.text)),
                detail: Some(format!(
                    "{} {} for {}",
                    rule.comparator.as_str(),
                    rule.threshold_span.slice(&doc.text),
                    rule.duration_span.slice(&doc.text)
                )),
                kind: SymbolKind::EVENT,
                tags: None,
                deprecated: None,
                range: doc.range(rule.span, encoding),
                selection_range: doc.range(rule.target_span, encoding),
                children: None,
            }),
            Entry::Attribute(_) => None,
        })
        .collect();
    DocumentSymbol {
        name,
        detail: Some(block.kind.text.clone()),
        kind: kind_of(&block.kind.text),
        tags: None,
        deprecated: None,
        range: doc.range(block.span, encoding),
        selection_range: doc.range(selection, encoding),
        children: (!children.is_empty()).then_some(children),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_of_the_example() {
        let doc = Document::new(1, include_str!("../../examples/moodle.mha").to_string());
        let outline = symbols(&doc, Encoding::Utf16);
        let names: Vec<&str> = outline.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names[..4], ["moodle-prod", "moodle_sha256", "main", "corporate"]);
        assert!(names.contains(&"site"), "{names:?}");
        let network = &outline[2];
        let tiers: Vec<&str> = network.children.iter().flatten().map(|s| s.name.as_str()).collect();
        assert_eq!(tiers, ["public", "app", "data"]);
        let monitoring = outline.last().expect("monitoring");
        assert_eq!(monitoring.children.as_ref().map(Vec::len), Some(4));
    }
}
