//! The symbol index: every named thing the source defines and every place it
//! is referred to. Lowering fills it; the language server reads it for go to
//! definition, find references, rename and hover.

use crate::span::Span;

/// What kind of thing a symbol names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SymbolKind {
    /// The deployment.
    Deployment,
    /// `param`.
    Param,
    /// `network`.
    Network,
    /// `tier` inside the network.
    Tier,
    /// `vpn`.
    Vpn,
    /// `security_group`.
    SecurityGroup,
    /// `load_balancer`.
    LoadBalancer,
    /// `app_servers`.
    AppServers,
    /// `database`.
    Database,
    /// `file_system`.
    FileSystem,
    /// `cache`.
    Cache,
    /// `object_storage`.
    ObjectStorage,
}

impl SymbolKind {
    /// Every kind, in the order the language documents them.
    pub const ALL: &'static [SymbolKind] = &[
        SymbolKind::Deployment,
        SymbolKind::Param,
        SymbolKind::Network,
        SymbolKind::Tier,
        SymbolKind::Vpn,
        SymbolKind::SecurityGroup,
        SymbolKind::LoadBalancer,
        SymbolKind::AppServers,
        SymbolKind::Database,
        SymbolKind::FileSystem,
        SymbolKind::Cache,
        SymbolKind::ObjectStorage,
    ];

    /// The kinds an `alarm` may watch: those with metrics.
    pub const ALARMABLE: &'static [SymbolKind] = &[
        SymbolKind::LoadBalancer,
        SymbolKind::AppServers,
        SymbolKind::Database,
        SymbolKind::FileSystem,
        SymbolKind::Cache,
        SymbolKind::ObjectStorage,
        SymbolKind::Vpn,
    ];

    /// The block kind that defines such a symbol.
    pub fn keyword(self) -> &'static str {
        match self {
            SymbolKind::Deployment => "deployment",
            SymbolKind::Param => "param",
            SymbolKind::Network => "network",
            SymbolKind::Tier => "tier",
            SymbolKind::Vpn => "vpn",
            SymbolKind::SecurityGroup => "security_group",
            SymbolKind::LoadBalancer => "load_balancer",
            SymbolKind::AppServers => "app_servers",
            SymbolKind::Database => "database",
            SymbolKind::FileSystem => "file_system",
            SymbolKind::Cache => "cache",
            SymbolKind::ObjectStorage => "object_storage",
        }
    }

    /// The kind of a named component block (`network`, `vpn`, ...,
    /// `object_storage`): the kinds that share the component namespace.
    pub fn from_keyword(keyword: &str) -> Option<SymbolKind> {
        SymbolKind::ALL.iter().copied().find(|kind| kind.is_component() && kind.keyword() == keyword)
    }

    /// The kind a block keyword defines, if it defines a symbol
    /// (`deployment`, `tier` and `param` too).
    pub fn from_block(keyword: &str) -> Option<SymbolKind> {
        SymbolKind::ALL.iter().copied().find(|kind| kind.keyword() == keyword)
    }

    /// Whether the kind is a named top-level component, in the one
    /// namespace components share.
    pub fn is_component(self) -> bool {
        match self {
            SymbolKind::Deployment | SymbolKind::Param | SymbolKind::Tier => false,
            SymbolKind::Network
            | SymbolKind::Vpn
            | SymbolKind::SecurityGroup
            | SymbolKind::LoadBalancer
            | SymbolKind::AppServers
            | SymbolKind::Database
            | SymbolKind::FileSystem
            | SymbolKind::Cache
            | SymbolKind::ObjectStorage => true,
        }
    }

    /// The kind in words (`security group`).
    pub fn describe(self) -> &'static str {
        match self {
            SymbolKind::Deployment => "deployment",
            SymbolKind::Param => "parameter",
            SymbolKind::Network => "network",
            SymbolKind::Tier => "tier",
            SymbolKind::Vpn => "VPN",
            SymbolKind::SecurityGroup => "security group",
            SymbolKind::LoadBalancer => "load balancer",
            SymbolKind::AppServers => "app server group",
            SymbolKind::Database => "database",
            SymbolKind::FileSystem => "file system",
            SymbolKind::Cache => "cache",
            SymbolKind::ObjectStorage => "object storage bucket",
        }
    }
}

/// A defined name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// The name (`app`; tiers are not qualified here).
    pub name: String,
    /// What it is.
    pub kind: SymbolKind,
    /// The name where it is defined.
    pub span: Span,
    /// The whole defining block.
    pub full_span: Span,
    /// For tiers: the network symbol they belong to.
    pub parent: Option<usize>,
}

/// A use of a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The name as used (only the segment that names the symbol).
    pub span: Span,
    /// Index into [`Symbols::symbols`].
    pub symbol: usize,
}

/// All definitions and references of a file.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    /// Definitions, in source order.
    pub symbols: Vec<Symbol>,
    /// References, in the order lowering resolved them.
    pub references: Vec<Reference>,
}

impl Symbols {
    /// The symbol defined or referred to at `offset`.
    pub fn at(&self, offset: usize) -> Option<usize> {
        self.symbols
            .iter()
            .position(|symbol| symbol.span.contains(offset))
            .or_else(|| self.references.iter().find(|r| r.span.contains(offset)).map(|r| r.symbol))
    }

    /// Every span naming `symbol`: its definition first, then its uses.
    pub fn occurrences(&self, symbol: usize) -> Vec<Span> {
        let mut spans: Vec<Span> = self.symbols.get(symbol).map(|s| s.span).into_iter().collect();
        spans.extend(self.references.iter().filter(|r| r.symbol == symbol).map(|r| r.span));
        spans
    }
}
