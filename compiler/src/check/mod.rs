//! The checker: the rules of DESIGN §3 that look at more than one value at a
//! time — placement, subnet sizes, reachability through security groups,
//! Moodle's version floors and clustering needs.
//!
//! Rules that judge a single value (a CIDR's host bits, `encrypted = false`,
//! an alarm's metric) are reported by lowering, where the value is read.
//! Every rule here reads the model only, tolerates the neutral values
//! lowering leaves after an error (`usize::MAX` indices, empty lists), and
//! reports through the shared [`Diagnostics`].
//!
//! The checker also derives what the model implies: the outbound rules of
//! every security group (each allowed flow needs a matching egress rule).

mod moodle;
mod network;
mod placement;
mod security;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::*;
use crate::span::Span;
use crate::symbols::SymbolKind;

/// Run every rule over the model and derive the egress rules.
pub fn check(model: &mut Model, diagnostics: &mut Diagnostics) {
    network::check(model, diagnostics);
    placement::check(model, diagnostics);
    security::check(model, diagnostics);
    moodle::check(model, diagnostics);
    security::derive_egress(model);
}

/// Drop the findings that infer something from an absence (a group no
/// component uses, no session store, no shared file system, a site with no
/// database or app servers) when an item
/// that could have supplied it did not parse: the syntax error is the
/// problem to fix first, and the inference would be a guess.
pub fn quiet_absence_warnings(broken: &[crate::ast::BrokenItem], diagnostics: &mut Vec<Diagnostic>) {
    let kinds: Vec<&str> = broken.iter().map(|item| item.kind.text.as_str()).collect();
    let placed_kinds = ["load_balancer", "app_servers", "database", "file_system", "cache"];
    let could_supply = |code: Code| -> bool {
        kinds.iter().any(|kind| match code {
            Code::UnusedGroup => placed_kinds.contains(kind) || crate::schema::block(kind).is_none(),
            Code::NoSessionStore => *kind == "cache" || crate::schema::block(kind).is_none(),
            Code::NoSharedDataroot => *kind == "file_system" || crate::schema::block(kind).is_none(),
            Code::NoSite | Code::NoCertificate => *kind == "site" || crate::schema::block(kind).is_none(),
            Code::SiteWithoutDatabase => {
                matches!(*kind, "database" | "app_servers") || crate::schema::block(kind).is_none()
            }
            _ => false,
        })
    };
    diagnostics.retain(|diagnostic| !could_supply(diagnostic.code));
}

/// A component placed in subnets with a security group, seen uniformly.
pub(crate) struct Placed<'m> {
    /// Which component.
    pub component: ComponentRef,
    /// Its name.
    pub name: &'m Name,
    /// "database", "app servers", ...
    pub what: &'static str,
    /// Tier index.
    pub tier: usize,
    /// Group index.
    pub security_group: usize,
    /// Where `subnets` is written.
    pub subnets_span: Span,
}

/// Every placed component of the model.
pub(crate) fn placed(model: &Model) -> Vec<Placed<'_>> {
    let mut all = Vec::new();
    for (i, c) in model.load_balancers.iter().enumerate() {
        all.push(Placed {
            component: ComponentRef::new(SymbolKind::LoadBalancer, i),
            name: &c.name,
            what: "load balancer",
            tier: c.tier,
            security_group: c.security_group,
            subnets_span: c.subnets_span,
        });
    }
    for (i, c) in model.app_servers.iter().enumerate() {
        all.push(Placed {
            component: ComponentRef::new(SymbolKind::AppServers, i),
            name: &c.name,
            what: "app servers",
            tier: c.tier,
            security_group: c.security_group,
            subnets_span: c.subnets_span,
        });
    }
    for (i, c) in model.databases.iter().enumerate() {
        all.push(Placed {
            component: ComponentRef::new(SymbolKind::Database, i),
            name: &c.name,
            what: "database",
            tier: c.tier,
            security_group: c.security_group,
            subnets_span: c.subnets_span,
        });
    }
    for (i, c) in model.file_systems.iter().enumerate() {
        all.push(Placed {
            component: ComponentRef::new(SymbolKind::FileSystem, i),
            name: &c.name,
            what: "file system",
            tier: c.tier,
            security_group: c.security_group,
            subnets_span: c.subnets_span,
        });
    }
    for (i, c) in model.caches.iter().enumerate() {
        all.push(Placed {
            component: ComponentRef::new(SymbolKind::Cache, i),
            name: &c.name,
            what: "cache",
            tier: c.tier,
            security_group: c.security_group,
            subnets_span: c.subnets_span,
        });
    }
    all
}

/// The conventional service name of a TCP port, for help texts: `allow
/// mysql from web` reads better than `allow tcp 3306 from web`.
pub(crate) fn service_for_port(port: u16) -> String {
    crate::stdlib::stdlib()
        .services
        .services
        .iter()
        .find(|(_, service)| service.port == port && service.protocol == "tcp")
        .map_or_else(|| format!("tcp {port}"), |(name, _)| name.clone())
}
