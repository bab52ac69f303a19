//! Lowering: from the syntax tree to the [`Model`].
//!
//! The pass works in three steps:
//!
//! 1. **Shape.** Every block is checked against its [schema](crate::schema):
//!    unknown kinds and keys (with suggestions), keys set twice, required
//!    keys missing, rules in the wrong block.
//! 2. **Declarations.** Top-level names go into one namespace (a security
//!    group and a database cannot share a name), tiers into their network's.
//! 3. **Values.** Each block becomes its model struct: values are type-checked
//!    and validated, references resolved to indices, defaults applied.
//!
//! Every problem is a diagnostic; lowering never stops early, and fills in a
//! neutral value where one is missing, so later rules still run on the rest.
//! The result is always a model; it is only *checked* when no error was
//! reported (see `crate::compile`).

mod components;
mod facts;
mod site;
mod values;

use crate::ast::{self, Block, Entry, Item};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, suggestion_help};
use crate::model::*;
use crate::schema::{self, LabelRule, RuleKind};
use crate::span::Span;
use crate::symbols::{Reference, Symbol, SymbolKind, Symbols};
use std::collections::BTreeMap;

/// Lower a parsed file to a model, recording diagnostics and symbols.
pub fn lower(file: &ast::File, diagnostics: &mut Diagnostics, symbols: &mut Symbols) -> Model {
    let mut ctx = Ctx {
        diagnostics,
        symbols,
        names: BTreeMap::new(),
        params: Vec::new(),
        param_uses: Vec::new(),
        tier_symbols: Vec::new(),
        broken_names: file
            .broken
            .iter()
            .filter_map(|item| {
                let label = item.label.as_ref()?;
                Some(if item.kind.text == "param" { format!("param.{}", label.text) } else { label.text.clone() })
            })
            .collect(),
        broken_kinds: file.broken.iter().map(|item| item.kind.text.clone()).collect(),
        unknown_param_reference: false,
    };
    let mut blocks: BTreeMap<&str, Vec<&Block>> = BTreeMap::new();
    let mut param_decls = Vec::new();
    for item in &file.items {
        match item {
            Item::Param(param) => param_decls.push(param),
            Item::Block(block) => {
                if validate_block(&mut ctx, block, None) {
                    blocks.entry(block.kind.text.as_str()).or_default().push(block);
                }
            }
        }
    }
    for kind in ["deployment", "network", "monitoring", "state", "site"] {
        if let Some(list) = blocks.get(kind)
            && let [first, second, ..] = list.as_slice()
        {
            ctx.report(
                Diagnostic::new(Code::BlockCount, format!("more than one `{kind}` block"))
                    .primary(second.head_span(), "second one here")
                    .secondary(first.head_span(), "first one here")
                    .help(format!("a file describes one deployment: merge the `{kind}` blocks")),
            );
        }
    }

    let deployment_block = blocks.get("deployment").and_then(|list| list.first().copied());
    let deployment = components::deployment(&mut ctx, deployment_block, file);
    if deployment.profile == Profile::Dev {
        ctx.diagnostics.relax();
    }
    ctx.declare_params(&param_decls, &deployment);

    // Declare every top-level name before lowering any block, so references
    // may point forward.
    // The model's vector of a kind holds that kind's blocks in source order,
    // so a block's index is its position among the blocks of its kind.
    let mut counters: BTreeMap<SymbolKind, usize> = BTreeMap::new();
    for item in &file.items {
        if let Item::Block(block) = item
            && let Some(kind) = SymbolKind::from_keyword(&block.kind.text)
        {
            let counter = counters.entry(kind).or_default();
            let index = *counter;
            *counter += 1;
            if let Some(label) = &block.label {
                ctx.declare(kind, index, &label.text, label.span, block.span);
            }
        }
    }

    let network_block = blocks.get("network").and_then(|list| list.first().copied());
    let network = components::network(&mut ctx, network_block, &deployment, file);
    let of = |kind: &str| blocks.get(kind).cloned().unwrap_or_default();

    let mut model = Model {
        vpns: of("vpn").iter().map(|b| components::vpn(&mut ctx, b, &network)).collect(),
        security_groups: of("security_group").iter().map(|b| components::security_group(&mut ctx, b)).collect(),
        load_balancers: Vec::new(),
        app_servers: Vec::new(),
        databases: Vec::new(),
        file_systems: Vec::new(),
        caches: Vec::new(),
        buckets: Vec::new(),
        monitoring: Monitoring {
            retention_days: 30,
            notify: Vec::new(),
            notify_spans: Vec::new(),
            alarms: Vec::new(),
            span: None,
        },
        state: None,
        site: None,
        params: Vec::new(),
        deployment,
        network,
    };
    // Security-group sources may name groups and VPNs declared anywhere.
    components::resolve_sources(&mut ctx, &of("security_group"), &mut model);
    model.load_balancers = of("load_balancer").iter().map(|b| components::load_balancer(&mut ctx, b, &model)).collect();
    model.app_servers = of("app_servers").iter().map(|b| components::app_servers(&mut ctx, b, &model)).collect();
    model.databases = of("database").iter().map(|b| components::database(&mut ctx, b, &model)).collect();
    model.file_systems = of("file_system").iter().map(|b| components::file_system(&mut ctx, b, &model)).collect();
    model.caches = of("cache").iter().map(|b| components::cache(&mut ctx, b, &model)).collect();
    model.buckets = of("object_storage").iter().map(|b| components::bucket(&mut ctx, b, &model)).collect();
    for (index, app) in model.app_servers.iter().enumerate() {
        if let Some(behind) = &app.behind
            && let Some(lb) = model.load_balancers.get_mut(behind.load_balancer)
        {
            lb.targets.push(index);
        }
    }
    if let Some(block) = blocks.get("monitoring").and_then(|list| list.first()) {
        model.monitoring = components::monitoring(&mut ctx, block, &model);
    }
    if let Some(block) = blocks.get("state").and_then(|list| list.first()) {
        model.state = Some(components::state(&mut ctx, block, &model));
    }
    if let Some(block) = blocks.get("site").and_then(|list| list.first()) {
        model.site = Some(site::site(&mut ctx, block, &model));
    }
    model.params = ctx.finish_params();
    check_name_collisions(&mut ctx);
    model
}

/// A top-level name.
#[derive(Clone, Copy, Debug)]
struct Declared {
    kind: SymbolKind,
    symbol: usize,
    /// Index into the model's vector of that kind.
    index: usize,
}

/// Lowering state shared by the block functions.
pub(crate) struct Ctx<'a> {
    diagnostics: &'a mut Diagnostics,
    symbols: &'a mut Symbols,
    /// The top-level namespace.
    names: BTreeMap<String, Declared>,
    /// Parameters, by index; `None` for a rejected declaration.
    params: Vec<(Param, usize)>,
    /// Whether each parameter is used.
    param_uses: Vec<bool>,
    /// The symbol of each tier, by index into the network's tiers.
    tier_symbols: Vec<usize>,
    /// Names of top-level items that have a syntax error (`param.NAME` for
    /// parameters): references to them are not reported as unknown.
    broken_names: std::collections::BTreeSet<String>,
    /// Kinds of the top-level items that have a syntax error: a missing
    /// `deployment` or `network` block of such a kind is not reported.
    broken_kinds: std::collections::BTreeSet<String>,
    /// Whether a `param.NAME` named no parameter (reported): it may have
    /// meant one that then looks unused.
    unknown_param_reference: bool,
}

impl Ctx<'_> {
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Declare a top-level name, reporting a duplicate.
    fn declare(&mut self, kind: SymbolKind, index: usize, name: &str, span: Span, full_span: Span) {
        if schema::SOURCE_WORDS.contains(&name) {
            self.report(
                Diagnostic::new(
                    Code::ReservedWord,
                    format!("`{name}` is a reserved word and cannot name a {}", kind.describe()),
                )
                .primary(
                    span,
                    format!("`allow ... from {name}` means anywhere on the internet, never this {}", kind.describe()),
                )
                .help(format!("rename it, such as `{name}_{}`", kind.keyword())),
            );
        }
        if let Some(existing) = self.names.get(name) {
            let first = self.symbols.symbols[existing.symbol].span;
            let first_kind = existing.kind;
            self.report(
                Diagnostic::new(Code::DuplicateName, format!("`{name}` is defined twice"))
                    .primary(span, format!("this {} is named `{name}`", kind.describe()))
                    .secondary(first, format!("and so is this {}", first_kind.describe()))
                    .help("every component needs its own name: rename one of them"),
            );
            return;
        }
        let symbol = self.add_symbol(kind, name, span, full_span, None);
        self.names.insert(name.to_string(), Declared { kind, symbol, index });
    }

    fn add_symbol(
        &mut self,
        kind: SymbolKind,
        name: &str,
        span: Span,
        full_span: Span,
        parent: Option<usize>,
    ) -> usize {
        self.symbols.symbols.push(Symbol { name: name.to_string(), kind, span, full_span, parent });
        self.symbols.symbols.len() - 1
    }

    fn add_reference(&mut self, span: Span, symbol: usize) {
        self.symbols.references.push(Reference { span, symbol });
    }

    /// Names of a kind, for suggestions.
    fn names_of(&self, kinds: &[SymbolKind]) -> Vec<&str> {
        self.names.iter().filter(|(_, d)| kinds.contains(&d.kind)).map(|(n, _)| n.as_str()).collect()
    }

    /// Resolve a top-level name expected to be one of `kinds`, reporting an
    /// unknown name (MHA107) or a name of another kind (MHA108). Returns the
    /// index into the model's vector of that kind, and the kind.
    fn resolve(&mut self, ident: &ast::Ident, kinds: &[SymbolKind], what: &str) -> Option<(usize, SymbolKind)> {
        match self.names.get(&ident.text).copied() {
            Some(declared) if kinds.contains(&declared.kind) => {
                self.add_reference(ident.span, declared.symbol);
                Some((declared.index, declared.kind))
            }
            Some(declared) => {
                self.add_reference(ident.span, declared.symbol);
                let definition = self.symbols.symbols[declared.symbol].span;
                let candidates = self.names_of(kinds);
                self.report(
                    Diagnostic::new(
                        Code::WrongKind,
                        format!("`{}` is a {}, not a {what}", ident.text, declared.kind.describe()),
                    )
                    .primary(ident.span, format!("expected a {what}"))
                    .secondary(
                        definition,
                        format!("`{}` is defined here as a {}", ident.text, declared.kind.describe()),
                    )
                    .help(suggestion_help(&ident.text, what, &candidates)),
                );
                None
            }
            None if self.broken_names.contains(&ident.text) => None,
            None => {
                let candidates = self.names_of(kinds);
                self.report(
                    Diagnostic::new(Code::UnknownName, format!("unknown {what} `{}`", ident.text))
                        .primary(ident.span, "not defined anywhere in this file")
                        .help(suggestion_help(&ident.text, what, &candidates)),
                );
                None
            }
        }
    }

    fn declare_params(&mut self, decls: &[&ast::ParamDecl], deployment: &Deployment) {
        for decl in decls {
            if self.names.contains_key(&format!("param.{}", decl.name.text)) {
                let first = self.names[&format!("param.{}", decl.name.text)].symbol;
                let first_span = self.symbols.symbols[first].span;
                self.report(
                    Diagnostic::new(Code::DuplicateName, format!("parameter `{}` is declared twice", decl.name.text))
                        .primary(decl.name.span, "declared again here")
                        .secondary(first_span, "first declared here")
                        .help("remove one of the declarations"),
                );
                continue;
            }
            let Some(param) = components::param(self, decl, deployment) else { continue };
            let symbol = self.add_symbol(SymbolKind::Param, &decl.name.text, decl.name.span, decl.span, None);
            let index = self.params.len();
            self.names.insert(format!("param.{}", decl.name.text), Declared { kind: SymbolKind::Param, symbol, index });
            self.params.push((param, symbol));
            self.param_uses.push(false);
        }
    }

    /// Resolve `param.NAME`, marking it used. Returns its index.
    fn resolve_param(&mut self, name: &ast::Ident) -> Option<usize> {
        match self.params.iter().position(|(p, _)| p.name.text == name.text) {
            Some(index) => {
                let symbol = self.params[index].1;
                self.add_reference(name.span, symbol);
                self.param_uses[index] = true;
                Some(index)
            }
            None if self.broken_names.contains(&format!("param.{}", name.text)) => None,
            None => {
                self.unknown_param_reference = true;
                let candidates: Vec<&str> = self.params.iter().map(|(p, _)| p.name.text.as_str()).collect();
                self.report(
                    Diagnostic::new(Code::UnknownName, format!("unknown parameter `{}`", name.text))
                        .primary(name.span, "no `param` declares this name")
                        .help(if candidates.is_empty() {
                            format!("declare it: `param {} : string`", name.text)
                        } else {
                            suggestion_help(&name.text, "parameter", &candidates)
                        }),
                );
                None
            }
        }
    }

    /// Resolve `param.NAME` where text is expected: a `string` or `secret`
    /// parameter (a number there is a type mismatch, MHA106).
    fn resolve_string_param(&mut self, reference: Span, name: &ast::Ident) -> Option<usize> {
        let index = self.resolve_param(name)?;
        let (param, _) = &self.params[index];
        if param.ty == ParamType::Number {
            let (ty, declared) = (param.ty, param.span);
            self.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!("expected a string, found `param.{}`, a {} parameter", name.text, ty.as_str()),
                )
                .primary(reference, format!("a {} parameter", ty.as_str()))
                .secondary(declared, format!("declared as {}", ty.as_str()))
                .help(format!("declare it as `param {} : string`, or use a string parameter here", name.text)),
            );
            return None;
        }
        Some(index)
    }

    /// Describe where a parameter is first used, for its description.
    fn describe_param_use(&mut self, index: usize, description: &str) {
        if let Some((param, _)) = self.params.get_mut(index)
            && param.description.is_empty()
        {
            param.description = description.to_string();
        }
    }

    fn finish_params(&mut self) -> Vec<Param> {
        let mut unused = Vec::new();
        let params: Vec<Param> = self
            .params
            .iter()
            .zip(&self.param_uses)
            .map(|((param, _), used)| {
                if !used {
                    unused.push((param.name.clone(), param.span));
                }
                let mut param = param.clone();
                param.used = *used;
                if param.description.is_empty() {
                    param.description = format!("Value of the `{}` parameter.", param.name.text);
                }
                param
            })
            .collect();
        // A parameter may be used by an item that did not parse, or be the
        // one a misspelt reference meant.
        if !self.broken_kinds.is_empty() || self.unknown_param_reference {
            unused.clear();
        }
        for (name, _) in unused {
            self.report(
                Diagnostic::new(Code::UnusedParam, format!("parameter `{}` is never used", name.text))
                    .primary(name.span, "declared here, and no value refers to `param.NAME`")
                    .help(format!("use it as `param.{}`, or delete the declaration", name.text)),
            );
        }
        params
    }
}

/// Check a block's shape against its schema: kind, label, keys, nested
/// blocks and rules. `parent` is the enclosing block's kind. Returns whether
/// the kind is known (unknown blocks are not lowered further).
fn validate_block(ctx: &mut Ctx<'_>, block: &Block, parent: Option<&schema::BlockSchema>) -> bool {
    let kind = block.kind.text.as_str();
    let known = match parent {
        None => schema::block(kind).filter(|s| s.top_level),
        Some(parent) => parent.blocks.contains(&kind).then(|| schema::block(kind)).flatten(),
    };
    let Some(schema) = known else {
        let candidates: Vec<&str> = match parent {
            None => schema::top_level_kinds().collect(),
            Some(parent) => parent.blocks.to_vec(),
        };
        let place = parent.map_or("at the top level".to_string(), |p| format!("inside `{}`", p.kind));
        let mut diagnostic = Diagnostic::new(Code::UnknownBlock, format!("unknown block `{kind}` {place}"))
            .primary(block.kind.span, "not a block kind mhac knows here")
            .help(suggestion_help(kind, "block kind", &candidates));
        if parent.is_none() && schema::block(kind).is_some() {
            diagnostic = diagnostic.help(format!("`{kind}` blocks only appear inside other blocks"));
        }
        ctx.report(diagnostic);
        return false;
    };

    match (schema.label, &block.label) {
        (LabelRule::None, Some(label)) => ctx.report(
            Diagnostic::new(Code::InvalidValue, format!("`{kind}` blocks take no name"))
                .primary(label.span, "remove this")
                .help(format!("write `{kind} {{ ... }}`")),
        ),
        (LabelRule::Name | LabelRule::Reference, Some(label)) if label.quoted => ctx.report(
            Diagnostic::new(Code::TypeMismatch, format!("the name of a `{kind}` is a name, not a string"))
                .primary(label.span, "remove the quotes")
                .help(format!(
                    "write `{kind} {} {{ ... }}`",
                    label.text.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
                )),
        ),
        (LabelRule::Name | LabelRule::String | LabelRule::Reference, None) => ctx.report(
            Diagnostic::new(Code::MissingAttribute, format!("this `{kind}` block has no name"))
                .primary(block.kind.span, "a name should follow")
                .help(match schema.label {
                    LabelRule::String => format!("write `{kind} \"NAME\" {{ ... }}`"),
                    LabelRule::Reference => format!("write `{kind} COMPONENT {{ ... }}`"),
                    _ => format!("write `{kind} NAME {{ ... }}`"),
                }),
        ),
        _ => {}
    }

    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut nested_seen: BTreeMap<&str, Span> = BTreeMap::new();
    for entry in &block.entries {
        match entry {
            Entry::Attribute(attribute) => {
                let key = attribute.key.text.as_str();
                if let Some(first) = seen.get(key) {
                    ctx.report(
                        Diagnostic::new(Code::DuplicateAttribute, format!("`{key}` is set twice"))
                            .primary(attribute.key.span, "set again here")
                            .secondary(*first, "first set here")
                            .help("keep one of the two"),
                    );
                    continue;
                }
                seen.insert(key, attribute.key.span);
                if schema.attribute(key).is_none() {
                    if values::looks_secret(key) && matches!(attribute.value.kind, ast::ExprKind::String(_)) {
                        ctx.report(values::literal_secret(attribute, kind, false));
                        continue;
                    }
                    let candidates: Vec<&str> = schema.attributes.iter().map(|a| a.name).collect();
                    ctx.report(
                        Diagnostic::new(Code::UnknownAttribute, format!("unknown attribute `{key}` in `{kind}`"))
                            .primary(attribute.key.span, format!("`{kind}` has no attribute `{key}`"))
                            .help(suggestion_help(key, "attribute", &candidates)),
                    );
                }
            }
            Entry::Block(nested) => {
                if validate_block(ctx, nested, Some(schema)) {
                    let nested_kind = nested.kind.text.as_str();
                    let singleton = schema::block(nested_kind).is_some_and(|s| s.singleton);
                    if singleton && let Some(first) = nested_seen.get(nested_kind) {
                        ctx.report(
                            Diagnostic::new(
                                Code::DuplicateAttribute,
                                format!("`{nested_kind}` is written twice in this `{kind}`"),
                            )
                            .primary(nested.kind.span, "again here")
                            .secondary(*first, "first here")
                            .help(format!("merge the two `{nested_kind}` blocks")),
                        );
                    }
                    nested_seen.entry(nested_kind).or_insert(nested.kind.span);
                }
            }
            Entry::Allow(rule) if schema.rules != RuleKind::Allow => ctx.report(
                Diagnostic::new(
                    Code::MisplacedRule,
                    format!("`allow` rules belong in a `security_group`, not in `{kind}`"),
                )
                .primary(rule.span, "not allowed here")
                .help("move the rule into the security group it opens"),
            ),
            Entry::Alarm(rule) if schema.rules != RuleKind::Alarm => ctx.report(
                Diagnostic::new(
                    Code::MisplacedRule,
                    format!("`alarm` rules belong in the `monitoring` block, not in `{kind}`"),
                )
                .primary(rule.span, "not allowed here")
                .help("move the alarm into `monitoring { ... }`"),
            ),
            Entry::Allow(_) | Entry::Alarm(_) => {}
        }
    }
    for attribute in schema.attributes.iter().filter(|a| a.required) {
        if !seen.contains_key(attribute.name) {
            ctx.report(
                Diagnostic::new(Code::MissingAttribute, format!("`{kind}` needs `{}`", attribute.name))
                    .primary(block.head_span(), format!("`{}` is missing", attribute.name))
                    .help(format!("add `{} = ...` ({}): {}", attribute.name, attribute.ty, attribute.doc)),
            );
        }
    }
    true
}

/// Names that differ in the source but produce the same identifier in the
/// output (`my_db` and `myDb` both become `MyDb`).
fn check_name_collisions(ctx: &mut Ctx<'_>) {
    let mut by_identifier: BTreeMap<(String, Option<usize>), usize> = BTreeMap::new();
    let mut collisions = Vec::new();
    for (index, symbol) in ctx.symbols.symbols.iter().enumerate() {
        if symbol.kind == SymbolKind::Deployment || symbol.kind == SymbolKind::Param {
            continue;
        }
        let key = (pascal_case(&symbol.name), symbol.parent);
        match by_identifier.get(&key) {
            Some(&first) if ctx.symbols.symbols[first].name != symbol.name => {
                collisions.push((first, index, key.0.clone()))
            }
            Some(_) => {}
            None => {
                by_identifier.insert(key, index);
            }
        }
    }
    for (first, second, identifier) in collisions {
        let (a, b) = (&ctx.symbols.symbols[first], &ctx.symbols.symbols[second]);
        let diagnostic = Diagnostic::new(
            Code::NameCollision,
            format!("`{}` and `{}` both become the identifier `{identifier}`", a.name, b.name),
        )
        .primary(b.span, format!("`{}` becomes `{identifier}`", b.name))
        .secondary(a.span, format!("so does `{}`", a.name))
        .help("resource identifiers are built from names by dropping `_` and capitalising; rename one of them");
        ctx.report(diagnostic);
    }
}
