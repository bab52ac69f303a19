//! Completion: attribute keys, nested blocks and rules at the start of an
//! entry (with their types, from the schema), and names where a name is
//! expected: security groups, tiers (`main.app`), networks, parameters
//! (`param.NAME`), load balancers after `behind`, sources and services in
//! `allow`, components and metrics in `alarm`, and the words a value may
//! take (`per_zone`, `true`, ...).
//!
//! The text being typed rarely parses, so the context is read from the
//! text before the cursor with a small bracket-aware scan, not from the
//! syntax tree; the names come from the last compilation.

use crate::document::Document;
use lsp_types::{CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind};
use mhac_compiler::aws;
use mhac_compiler::model::Endpoint;
use mhac_compiler::schema::{self, RuleKind};
use mhac_compiler::span::floor_char_boundary;
use mhac_compiler::stdlib::stdlib;
use mhac_compiler::symbols::SymbolKind;

/// Completions at a byte offset.
pub fn complete(doc: &Document, offset: usize) -> Vec<CompletionItem> {
    let offset = floor_char_boundary(&doc.text, offset);
    match context(&doc.text[..offset]) {
        Some(Context::Keys(kind)) if !kind.is_empty() => {
            let set = keys_set(doc, &doc.text[..offset], offset, &kind);
            let mut out = items(doc, &Context::Keys(kind));
            out.retain(|item| !set.contains(&item.label));
            out
        }
        Some(context) => items(doc, &context),
        None => Vec::new(),
    }
}

/// The attribute keys and singleton nested blocks already written in the
/// block of kind `kind` around `offset`: those of the syntax tree (the whole
/// block, when it parses), and those of the text before the cursor in the
/// innermost open block (when it does not). The key under the cursor is
/// not counted.
fn keys_set(doc: &Document, before: &str, offset: usize, kind: &str) -> std::collections::BTreeSet<String> {
    use mhac_compiler::ast::{Block, Entry, Item};
    let mut set = std::collections::BTreeSet::new();
    let inside = |b: &Block| b.span.start < offset && offset < b.span.end;
    let mut found = doc.compilation.file.items.iter().find_map(|item| match item {
        Item::Block(block) if inside(block) => Some(block),
        _ => None,
    });
    while let Some(block) = found {
        let nested = block.entries.iter().find_map(|e| match e {
            Entry::Block(nested) if inside(nested) => Some(nested),
            _ => None,
        });
        match nested {
            Some(nested) => found = Some(nested),
            None => break,
        }
    }
    if let Some(block) = found.filter(|b| b.kind.text == kind) {
        for entry in &block.entries {
            match entry {
                Entry::Attribute(attribute) if !attribute.key.span.contains(offset) => {
                    set.insert(attribute.key.text.clone());
                }
                Entry::Block(nested) if schema::block(&nested.kind.text).is_some_and(|s| s.singleton) => {
                    set.insert(nested.kind.text.clone());
                }
                _ => {}
            }
        }
    }
    // The text before the cursor, from the innermost `{` left open: keys
    // followed by `=` at the start of an entry.
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in before.char_indices().rev() {
        match c {
            '}' => depth += 1,
            '{' if depth == 0 => {
                start = i + 1;
                break;
            }
            '{' => depth -= 1,
            _ => {}
        }
    }
    for entry in before[start..].split(['\n', ',']) {
        let entry = entry.trim_start();
        let key: String = entry.chars().take_while(|c| is_word_char(*c)).collect();
        if !key.is_empty() && entry[key.len()..].trim_start().starts_with('=') {
            set.insert(key);
        }
    }
    set
}

/// A token of the text before the cursor.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// A name or keyword.
    Word(String),
    /// A string.
    Str,
    /// A number, CIDR block, duration or comparison.
    Atom,
    /// Punctuation.
    Punct(char),
    /// A line break.
    Newline,
}

/// What the cursor is in.
#[derive(Clone, Debug, PartialEq)]
enum Context {
    /// The start of an entry in a block of this kind ("" at the top level).
    Keys(String),
    /// The value of `key` in a block of kind `block` (or an element of it).
    Value { block: String, key: String },
    /// After `NAME.` in a value.
    Member(String),
    /// After `from` in an `allow` rule.
    Sources,
    /// After `allow`.
    Services,
    /// After `alarm`.
    AlarmComponent,
    /// After `alarm COMPONENT.`.
    Metric(String),
    /// The label of a block that names a component (`behind NAME`).
    ReferenceLabel,
    /// The type of a `param`.
    ParamType,
}

#[derive(Debug)]
enum FrameKind {
    Block(String),
    Map,
    List,
    Paren,
}

#[derive(Debug)]
struct Frame {
    kind: FrameKind,
    /// Tokens of the entry (or element) being read.
    entry: Vec<Tok>,
    /// For lists and calls: the block kind and key whose value they are.
    attr: Option<(String, String)>,
}

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Tokenize the text before the cursor; `None` when the cursor is inside a
/// string or a comment.
fn tokens(text: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\u{FEFF}' => {}
            '\n' => out.push(Tok::Newline),
            '#' => {
                if !skip_line(&mut chars) {
                    return None;
                }
                out.push(Tok::Newline);
            }
            '/' if text[i + 1..].starts_with('/') => {
                if !skip_line(&mut chars) {
                    return None;
                }
                out.push(Tok::Newline);
            }
            '"' => {
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\n' => {
                            // An unterminated string ends at the line's end.
                            out.push(Tok::Newline);
                            closed = true;
                            break;
                        }
                        '\\' => {
                            chars.next_if(|(_, c)| *c != '\n');
                        }
                        _ => {}
                    }
                }
                if !closed {
                    return None;
                }
                out.push(Tok::Str);
            }
            c if is_word_start(c) => {
                let mut end = i + c.len_utf8();
                while let Some((j, c)) = chars.next_if(|(_, c)| is_word_char(*c)) {
                    end = j + c.len_utf8();
                }
                out.push(Tok::Word(text[i..end].to_string()));
            }
            '{' | '}' | '[' | ']' | '(' | ')' | '=' | ',' | ':' | '.' => out.push(Tok::Punct(c)),
            c if c.is_ascii_digit() || c == '-' => {
                while chars.next_if(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-')).is_some() {}
                out.push(Tok::Atom);
            }
            _ => out.push(Tok::Atom),
        }
    }
    Some(out)
}

/// Skip to the end of the line; false when the text ends first (the cursor
/// is in the comment).
fn skip_line(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> bool {
    for (_, c) in chars.by_ref() {
        if c == '\n' {
            return true;
        }
    }
    false
}

/// The completion context at the end of `before` (the text before the cursor).
fn context(before: &str) -> Option<Context> {
    let mut tokens = tokens(before)?;
    // A name being typed is the prefix the client filters on, not context.
    if before.ends_with(is_word_char) && matches!(tokens.last(), Some(Tok::Word(_))) {
        tokens.pop();
    }
    let mut stack = vec![Frame { kind: FrameKind::Block(String::new()), entry: Vec::new(), attr: None }];
    for token in tokens {
        let depth = stack.len();
        let Some(top) = stack.last_mut() else { break };
        match token {
            Tok::Newline => {
                if matches!(top.kind, FrameKind::Block(_)) {
                    top.entry.clear();
                }
            }
            Tok::Punct(',') => {
                let in_allow =
                    matches!(top.kind, FrameKind::Block(_)) && top.entry.first() == Some(&Tok::Word("allow".into()));
                if in_allow { top.entry.push(Tok::Punct(',')) } else { top.entry.clear() }
            }
            Tok::Punct('{') => {
                let block_head = matches!(top.kind, FrameKind::Block(_))
                    && matches!(
                        top.entry.as_slice(),
                        [Tok::Word(_)] | [Tok::Word(_), Tok::Word(_)] | [Tok::Word(_), Tok::Str]
                    );
                if block_head {
                    let kind = match top.entry.first() {
                        Some(Tok::Word(kind)) => kind.clone(),
                        _ => String::new(),
                    };
                    top.entry.clear();
                    stack.push(Frame { kind: FrameKind::Block(kind), entry: Vec::new(), attr: None });
                } else {
                    stack.push(Frame { kind: FrameKind::Map, entry: Vec::new(), attr: None });
                }
            }
            Tok::Punct('[') | Tok::Punct('(') => {
                let attr = match (&top.kind, top.entry.as_slice()) {
                    (FrameKind::Block(kind), [Tok::Word(key), Tok::Punct('='), ..]) => {
                        Some((kind.clone(), key.clone()))
                    }
                    (FrameKind::List | FrameKind::Paren, _) => top.attr.clone(),
                    _ => None,
                };
                let kind = if token == Tok::Punct('[') { FrameKind::List } else { FrameKind::Paren };
                stack.push(Frame { kind, entry: Vec::new(), attr });
            }
            Tok::Punct('}') => {
                // Close up to the innermost block or map (never the top level).
                while stack.len() > 1 {
                    let Some(frame) = stack.pop() else { break };
                    let closed_block = matches!(frame.kind, FrameKind::Block(_));
                    if closed_block || matches!(frame.kind, FrameKind::Map) {
                        if let Some(parent) = stack.last_mut() {
                            if closed_block { parent.entry.clear() } else { parent.entry.push(Tok::Atom) }
                        }
                        break;
                    }
                }
            }
            Tok::Punct(']') | Tok::Punct(')') => {
                if depth > 1 {
                    stack.pop();
                    if let Some(parent) = stack.last_mut() {
                        parent.entry.push(Tok::Atom);
                    }
                }
            }
            other => top.entry.push(other),
        }
    }
    let top = stack.last()?;
    let entry = top.entry.as_slice();
    let word = |t: &Tok, w: &str| *t == Tok::Word(w.to_string());
    match &top.kind {
        FrameKind::Block(kind) => match entry {
            [] => Some(Context::Keys(kind.clone())),
            [Tok::Word(p), Tok::Word(_), Tok::Punct(':')] if p == "param" && kind.is_empty() => {
                Some(Context::ParamType)
            }
            [Tok::Word(key), Tok::Punct('=')] => Some(Context::Value { block: kind.clone(), key: key.clone() }),
            [Tok::Word(_), Tok::Punct('='), Tok::Word(x), Tok::Punct('.')] => Some(Context::Member(x.clone())),
            [first, .., last] if word(first, "allow") => {
                let after_from = entry.iter().any(|t| word(t, "from"));
                let at_list_start = word(last, "from") || word(last, "allow") || *last == Tok::Punct(',');
                match (after_from, at_list_start) {
                    (true, true) => Some(Context::Sources),
                    (false, true) => Some(Context::Services),
                    _ => None,
                }
            }
            [first] if word(first, "allow") => Some(Context::Services),
            [first] if word(first, "alarm") => Some(Context::AlarmComponent),
            [first, Tok::Word(component), Tok::Punct('.')] if word(first, "alarm") => {
                Some(Context::Metric(component.clone()))
            }
            [Tok::Word(nested)] if schema::block(nested).is_some_and(|s| s.label == schema::LabelRule::Reference) => {
                Some(Context::ReferenceLabel)
            }
            _ => None,
        },
        FrameKind::List | FrameKind::Paren => {
            let (block, key) = top.attr.clone()?;
            match entry {
                [] => Some(Context::Value { block, key }),
                [Tok::Word(x), Tok::Punct('.')] => Some(Context::Member(x.clone())),
                _ => None,
            }
        }
        FrameKind::Map => None,
    }
}

fn item(label: impl Into<String>, kind: CompletionItemKind, detail: impl Into<String>, doc: &str) -> CompletionItem {
    CompletionItem {
        label: label.into(),
        kind: Some(kind),
        detail: Some(detail.into()),
        documentation: (!doc.is_empty()).then(|| {
            Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: doc.to_string() })
        }),
        ..Default::default()
    }
}

/// Names of the document's symbols of some kinds.
fn names(doc: &Document, kinds: &[SymbolKind]) -> Vec<CompletionItem> {
    doc.compilation
        .symbols
        .symbols
        .iter()
        .filter(|s| kinds.contains(&s.kind))
        .map(|s| item(s.name.clone(), symbol_item_kind(s.kind), s.kind.describe(), ""))
        .collect()
}

fn symbol_item_kind(kind: SymbolKind) -> CompletionItemKind {
    match kind {
        SymbolKind::Param => CompletionItemKind::VARIABLE,
        SymbolKind::Network | SymbolKind::Deployment => CompletionItemKind::MODULE,
        SymbolKind::Tier => CompletionItemKind::STRUCT,
        SymbolKind::SecurityGroup => CompletionItemKind::CLASS,
        _ => CompletionItemKind::REFERENCE,
    }
}

/// Tiers as `network.tier`, or bare when `bare`.
fn tiers(doc: &Document, bare: bool) -> Vec<CompletionItem> {
    let symbols = &doc.compilation.symbols.symbols;
    symbols
        .iter()
        .filter(|s| s.kind == SymbolKind::Tier)
        .map(|s| {
            let network = s.parent.and_then(|p| symbols.get(p)).map_or("main", |n| n.name.as_str());
            let label = if bare { s.name.clone() } else { format!("{network}.{}", s.name) };
            item(label, CompletionItemKind::STRUCT, format!("tier of network `{network}`"), "")
        })
        .collect()
}

fn params(doc: &Document, qualified: bool) -> Vec<CompletionItem> {
    let model = doc.compilation.model();
    doc.compilation
        .symbols
        .symbols
        .iter()
        .filter(|s| s.kind == SymbolKind::Param)
        .map(|s| {
            let ty = model.params.iter().find(|p| p.name.span == s.span).map_or("param", |p| p.ty.as_str());
            let label = if qualified { format!("param.{}", s.name) } else { s.name.clone() };
            item(label, CompletionItemKind::VARIABLE, format!("param : {ty}"), "")
        })
        .collect()
}

fn items(doc: &Document, context: &Context) -> Vec<CompletionItem> {
    match context {
        Context::Keys(kind) if kind.is_empty() => {
            let mut out: Vec<CompletionItem> = schema::BLOCKS
                .iter()
                .filter(|b| b.top_level)
                .map(|b| item(b.kind, CompletionItemKind::MODULE, "block", b.doc))
                .collect();
            out.push(item(
                "param",
                CompletionItemKind::KEYWORD,
                "param NAME : string | number | secret",
                "A value supplied at build or apply time.",
            ));
            out
        }
        Context::Keys(kind) => {
            let Some(block) = schema::block(kind) else { return Vec::new() };
            let mut out: Vec<CompletionItem> = block
                .attributes
                .iter()
                // `password` exists only to be refused (MHA601): never offered.
                .filter(|a| a.ty != "never")
                .map(|a| {
                    let required = if a.required { " (required)" } else { "" };
                    let mut it = item(a.name, CompletionItemKind::PROPERTY, format!("{}{required}", a.ty), a.doc);
                    it.insert_text = Some(format!("{} = ", a.name));
                    it
                })
                .collect();
            for nested in block.blocks {
                if let Some(nested) = schema::block(nested) {
                    out.push(item(nested.kind, CompletionItemKind::MODULE, "block", nested.doc));
                }
            }
            match block.rules {
                RuleKind::Allow => out.push(item(
                    "allow",
                    CompletionItemKind::KEYWORD,
                    "allow SERVICE, ... from SOURCE, ...",
                    "An inbound rule.",
                )),
                RuleKind::Alarm => out.push(item(
                    "alarm",
                    CompletionItemKind::KEYWORD,
                    "alarm COMPONENT.METRIC > N for DURATION",
                    "A CloudWatch alarm.",
                )),
                RuleKind::None => {}
            }
            out
        }
        Context::Value { block, key } => value_items(doc, block, key),
        Context::Member(name) if name == "param" => params(doc, false),
        Context::Member(name) => {
            let symbols = &doc.compilation.symbols.symbols;
            let Some(network) = symbols.iter().position(|s| s.kind == SymbolKind::Network && s.name == *name) else {
                return Vec::new();
            };
            symbols
                .iter()
                .filter(|s| s.kind == SymbolKind::Tier && s.parent == Some(network))
                .map(|s| item(s.name.clone(), CompletionItemKind::STRUCT, format!("tier of network `{name}`"), ""))
                .collect()
        }
        Context::Sources => {
            let mut out = names(doc, &[SymbolKind::SecurityGroup, SymbolKind::Vpn]);
            out.push(item(
                "internet",
                CompletionItemKind::KEYWORD,
                "anywhere (0.0.0.0/0)",
                "Only the load balancer's 80 and 443 may be open to the internet.",
            ));
            out
        }
        Context::Services => {
            let mut out: Vec<CompletionItem> = stdlib()
                .services
                .services
                .iter()
                .map(|(name, s)| {
                    item(name.clone(), CompletionItemKind::CONSTANT, format!("{} {}", s.protocol, s.port), &s.doc)
                })
                .collect();
            out.push(item("tcp", CompletionItemKind::KEYWORD, "tcp PORT or tcp FROM-TO", ""));
            out.push(item("udp", CompletionItemKind::KEYWORD, "udp PORT or udp FROM-TO", ""));
            out
        }
        Context::AlarmComponent => names(doc, SymbolKind::ALARMABLE),
        Context::Metric(component) => {
            let symbols = &doc.compilation.symbols.symbols;
            let Some(symbol) = symbols.iter().find(|s| s.name == *component && SymbolKind::ALARMABLE.contains(&s.kind))
            else {
                return Vec::new();
            };
            stdlib()
                .metrics
                .components
                .get(symbol.kind.keyword())
                .map(|metrics| {
                    metrics
                        .iter()
                        .map(|(name, m)| {
                            item(
                                name.clone(),
                                CompletionItemKind::FIELD,
                                format!("{} {}", m.namespace, m.metric),
                                &m.doc,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
        Context::ReferenceLabel => names(doc, &[SymbolKind::LoadBalancer]),
        Context::ParamType => ["string", "number", "secret"]
            .iter()
            .map(|t| item(*t, CompletionItemKind::TYPE_PARAMETER, "parameter type", ""))
            .collect(),
    }
}

/// `mysql("8.4")`-style items: every engine with every major version RDS
/// creates (the versions `check` accepts), newest first.
fn engine_items() -> Vec<CompletionItem> {
    let mut out = Vec::new();
    for (engine, versions) in &aws::facts().rds_engine_versions {
        let name = if engine == "postgres" { "postgres" } else { engine.as_str() };
        for (major, full) in versions.majors.iter().rev() {
            let label = format!("{name}(\"{major}\")");
            let mut it = item(
                label.clone(),
                CompletionItemKind::ENUM_MEMBER,
                format!("RDS {engine} {major} (templates name {full})"),
                "",
            );
            it.insert_text = Some(label);
            out.push(it);
        }
    }
    out
}

/// The cache engine of the document's caches, when they all use one.
fn cache_engine_before(doc: &Document) -> Option<String> {
    let engines: std::collections::BTreeSet<&str> =
        doc.compilation.model().caches.iter().map(|c| c.engine.as_str()).collect();
    match engines.into_iter().collect::<Vec<_>>().as_slice() {
        [one] => Some((*one).to_string()),
        _ => None,
    }
}

/// Values for `key` in a block of kind `block`.
fn value_items(doc: &Document, block: &str, key: &str) -> Vec<CompletionItem> {
    let enum_item = |word: &str, ty: &str| item(word, CompletionItemKind::ENUM_MEMBER, ty, "");
    match key {
        "security_group" => return names(doc, &[SymbolKind::SecurityGroup]),
        "subnets" => return tiers(doc, false),
        "network" => return names(doc, &[SymbolKind::Network]),
        "reach" => return tiers(doc, true),
        "managed" => {
            return stdlib()
                .waf
                .managed
                .iter()
                .map(|(name, g)| item(name.clone(), CompletionItemKind::ENUM_MEMBER, g.name.clone(), &g.doc))
                .collect();
        }
        "endpoints" => return Endpoint::ALL.iter().map(|(name, _)| enum_item(name, "VPC endpoint")).collect(),
        "engine" if block == "database" => return engine_items(),
        "version" if block == "cache" => {
            let engine = cache_engine_before(doc);
            return aws::facts()
                .cache_engine_versions
                .iter()
                .filter(|(name, _)| engine.as_deref().is_none_or(|e| e == name.as_str()))
                .flat_map(|(name, versions)| {
                    versions.iter().rev().map(move |v| enum_item(&format!("\"{v}\""), &format!("{name} version")))
                })
                .collect();
        }
        "region" if block == "deployment" || block == "state" => {
            return stdlib().regions.keys().map(|r| enum_item(&format!("\"{r}\""), "AWS region")).collect();
        }
        "zones" if block == "deployment" => {
            let region = &doc.compilation.model().deployment.region;
            return stdlib()
                .regions
                .get(region)
                .map(|r| r.zones.iter().map(|z| enum_item(&format!("\"{z}\""), "availability zone")).collect())
                .unwrap_or_default();
        }
        _ => {}
    }
    let Some(attribute) = schema::block(block).and_then(|b| b.attribute(key)) else { return Vec::new() };
    let ty = attribute.ty;
    let mut out = Vec::new();
    if ty == "bool" {
        out.push(enum_item("true", "bool"));
        out.push(enum_item("false", "bool"));
    }
    if ty.contains('|') {
        let alternatives = ty.strip_prefix("list of ").unwrap_or(ty);
        for alternative in alternatives.split('|').map(str::trim) {
            let word: String = alternative.chars().take_while(|c| is_word_char(*c)).collect();
            let rest = &alternative[word.len()..];
            // Call forms (`mysql("V")`) are offered whole by their key.
            if !word.is_empty() && rest.is_empty() && word != "param" {
                out.push(enum_item(&word, ty));
            }
        }
    }
    if ty.contains("param") {
        out.extend(params(doc, true));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_end(before: &str) -> Option<Context> {
        context(before)
    }

    fn labels(doc: &Document, before: &str) -> Vec<String> {
        let offset = doc.text.find(before).expect("needle present") + before.len();
        complete(doc, offset).into_iter().map(|i| i.label).collect()
    }

    #[test]
    fn contexts() {
        assert_eq!(at_end(""), Some(Context::Keys(String::new())));
        assert_eq!(at_end("network main {\n  ci"), Some(Context::Keys("network".into())));
        assert_eq!(
            at_end("network main {\n  tier app { kind = "),
            Some(Context::Value { block: "tier".into(), key: "kind".into() })
        );
        assert_eq!(at_end("app_servers a {\n  subnets = main.a"), Some(Context::Member("main".into())));
        assert_eq!(
            at_end("vpn v {\n  reach = [app, "),
            Some(Context::Value { block: "vpn".into(), key: "reach".into() })
        );
        assert_eq!(at_end("security_group g { allow https, "), Some(Context::Services));
        assert_eq!(at_end("security_group g { allow https from alb, w"), Some(Context::Sources));
        assert_eq!(at_end("monitoring {\n  alarm fr"), Some(Context::AlarmComponent));
        assert_eq!(at_end("monitoring {\n  alarm front.t"), Some(Context::Metric("front".into())));
        assert_eq!(at_end("app_servers a {\n  behind "), Some(Context::ReferenceLabel));
        assert_eq!(at_end("param x : "), Some(Context::ParamType));
        assert_eq!(at_end("deployment \"d\" {\n  tags = { A = "), None);
        assert_eq!(at_end("deployment \"d\" {\n  region = \"us-"), None);
        assert_eq!(at_end("# a comment"), None);
        // Closed blocks and maps do not leak into the context.
        assert_eq!(
            at_end("network main {\n  tier a { kind = public }\n  tags = { A = \"b\" }\n  "),
            Some(Context::Keys("network".into()))
        );
        assert_eq!(at_end("network main {}\n"), Some(Context::Keys(String::new())));
        assert_eq!(at_end("}}}]])) {{ (( [[ ,,, ==="), None);
    }

    #[test]
    fn completions_on_the_example() {
        let doc = Document::new(1, include_str!("../../examples/moodle.mha").to_string());
        let keys = labels(&doc, "load_balancer front {\n");
        // What the block sets already is not offered again.
        assert!(keys.contains(&"idle_timeout".to_string()) && !keys.contains(&"subnets".to_string()), "{keys:?}");
        assert!(!keys.contains(&"https".to_string()) && !keys.contains(&"waf".to_string()), "{keys:?}");
        let groups = labels(&doc, "security_group = ");
        assert_eq!(groups, ["alb", "web", "db", "fs", "kv"]);
        let tiers = labels(&doc, "subnets        = ");
        assert_eq!(tiers, ["main.public", "main.app", "main.data"]);
        assert_eq!(labels(&doc, "param."), ["moodle_sha256"]);
        assert!(labels(&doc, "alarm front.").contains(&"target_5xx".to_string()));
        assert!(labels(&doc, "nat       = ").contains(&"per_zone".to_string()));
        assert!(labels(&doc, "flow_logs = ").contains(&"true".to_string()));
        let sources = labels(&doc, "allow mysql from ");
        assert!(sources.contains(&"internet".to_string()) && sources.contains(&"corporate".to_string()));
        assert_eq!(labels(&doc, "behind "), ["front"]);
    }

    #[test]
    fn key_items_carry_types() {
        let doc = Document::new(1, "network main {\n  \n}\n".to_string());
        let items = complete(&doc, 17);
        let cidr = items.iter().find(|i| i.label == "cidr").expect("cidr offered");
        assert_eq!(cidr.detail.as_deref(), Some("CIDR block (required)"));
        assert_eq!(cidr.insert_text.as_deref(), Some("cidr = "));
    }

    #[test]
    fn keys_already_set_and_password_are_not_offered() {
        let text =
            "database d {\n  engine = mysql(\"8.0\")\n  class = \"db.r6g.large\"\n  \n  subnets = main.data\n}\n";
        let doc = Document::new(1, text.to_string());
        let keys = labels(&doc, "class = \"db.r6g.large\"\n  ");
        assert!(keys.contains(&"storage_gb".to_string()), "{keys:?}");
        for set in ["engine", "class", "subnets", "password"] {
            assert!(!keys.contains(&set.to_string()), "{set} offered: {keys:?}");
        }
        // A block that does not parse: the keys before the cursor count.
        let typing = Document::new(1, "network main {\n  cidr = 10.0.0.0/16\n  nat = ".to_string());
        let keys = labels(&typing, "10.0.0.0/16\n");
        assert!(!keys.contains(&"cidr".to_string()) && keys.contains(&"flow_logs".to_string()), "{keys:?}");
    }

    #[test]
    fn engines_are_offered_with_the_versions_check_accepts() {
        let doc = Document::new(1, "database d {\n  engine = \n}\n".to_string());
        let engines = labels(&doc, "engine = ");
        assert!(engines.contains(&"mysql(\"8.4\")".to_string()), "{engines:?}");
        assert!(engines.contains(&"postgres(\"16\")".to_string()), "{engines:?}");
        assert!(!engines.contains(&"mysql".to_string()), "a bare engine is an error: {engines:?}");
        for engine in &engines {
            let source = include_str!("../../examples/moodle.mha").replace("mysql(\"8.0\")", engine);
            let codes: Vec<_> = mhac_compiler::compile(&source).diagnostics.iter().map(|d| d.code).collect();
            use mhac_compiler::diagnostics::Code;
            // Other rules may judge the engine (a floor, the group's port);
            // the value itself is accepted.
            let rejected = [Code::EngineVersionNotOffered, Code::InvalidValue, Code::TypeMismatch];
            assert!(!codes.iter().any(|c| rejected.contains(c)), "{engine}: {codes:?}");
        }
    }

    #[test]
    fn never_panics_on_any_prefix() {
        let text = include_str!("../../examples/moodle.mha");
        let doc = Document::new(1, text.to_string());
        for offset in 0..=text.len() {
            let _ = complete(&doc, offset);
        }
    }
}
