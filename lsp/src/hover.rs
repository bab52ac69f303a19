//! Hover: what a name resolves to (a tier's subnets, a group's effective
//! inbound rules, a parameter's type, a component's settings, outputs and
//! metrics), and the schema's documentation of keys, blocks, services and
//! metrics.

use crate::document::{Document, Encoding};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};
use mhac_compiler::ast::{Block, Entry, Item, PortSpec};
use mhac_compiler::model::*;
use mhac_compiler::schema;
use mhac_compiler::span::Span;
use mhac_compiler::stdlib::stdlib;
use mhac_compiler::symbols::{Symbol, SymbolKind};
use std::fmt::Write as _;

/// The hover at a position, if there is something to say.
pub fn hover(doc: &Document, position: Position, encoding: Encoding) -> Option<Hover> {
    let offset = doc.offset(position, encoding);
    let (span, markdown) = symbol_hover(doc, offset).or_else(|| syntax_hover(doc, offset))?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: markdown }),
        range: Some(doc.range(span, encoding)),
    })
}

fn symbol_hover(doc: &Document, offset: usize) -> Option<(Span, String)> {
    let symbols = &doc.compilation.symbols;
    let index = symbols.at(offset)?;
    let span = symbols.occurrences(index).into_iter().find(|span| span.contains(offset))?;
    let symbol = symbols.symbols.get(index)?;
    let uses = symbols.references.iter().filter(|r| r.symbol == index).count();
    Some((span, describe(doc.compilation.model(), symbol, uses)))
}

/// Markdown describing a symbol from the model.
pub fn describe(model: &Model, symbol: &Symbol, uses: usize) -> String {
    let mut out = format!("**{} `{}`**", symbol.kind.describe(), symbol.name);
    let found = |span: Span| span == symbol.span;
    let text = match symbol.kind {
        SymbolKind::Deployment => Some(deployment(model)),
        SymbolKind::Param => model.params.iter().find(|p| found(p.name.span)).map(param),
        SymbolKind::Network => (found(model.network.name.span)).then(|| network(model)),
        SymbolKind::Tier => model.network.tiers.iter().position(|t| found(t.name.span)).map(|i| tier(model, i)),
        SymbolKind::Vpn => model.vpns.iter().find(|v| found(v.name.span)).map(|v| vpn(model, v)),
        SymbolKind::SecurityGroup => {
            model.security_groups.iter().position(|g| found(g.name.span)).map(|i| security_group(model, i))
        }
        SymbolKind::LoadBalancer => {
            model.load_balancers.iter().find(|c| found(c.name.span)).map(|c| load_balancer(model, c))
        }
        SymbolKind::AppServers => model.app_servers.iter().find(|c| found(c.name.span)).map(|c| app_servers(model, c)),
        SymbolKind::Database => model.databases.iter().find(|c| found(c.name.span)).map(|c| database(model, c)),
        SymbolKind::FileSystem => model.file_systems.iter().find(|c| found(c.name.span)).map(|c| file_system(model, c)),
        SymbolKind::Cache => model.caches.iter().find(|c| found(c.name.span)).map(|c| cache(model, c)),
        SymbolKind::ObjectStorage => model.buckets.iter().find(|c| found(c.name.span)).map(bucket),
    };
    if let Some(text) = text {
        out.push_str(&text);
    }
    if let Some(metrics) = metrics(symbol.kind) {
        out.push_str(&metrics);
    }
    let _ = write!(out, "\n\nReferred to {uses} time{}.", if uses == 1 { "" } else { "s" });
    out
}

fn deployment(model: &Model) -> String {
    let d = &model.deployment;
    let zones: Vec<&str> = d.zones.iter().map(|z| z.name.as_str()).collect();
    format!(
        "\n\nRegion {}, zones {}; Moodle {}; profile `{}`.",
        or_unset(&d.region),
        if zones.is_empty() { "(none)".to_string() } else { zones.join(", ") },
        or_unset(&d.moodle),
        if d.is_prod() { "prod" } else { "dev" }
    )
}

fn or_unset(text: &str) -> &str {
    if text.is_empty() { "(not set)" } else { text }
}

fn param(param: &Param) -> String {
    let mut out = format!(" : `{}`", param.ty.as_str());
    if let Some(default) = &param.default {
        let _ = write!(out, " = `{default}`");
    } else {
        out.push_str(" (no default: supplied at build or apply time)");
    }
    if !param.description.is_empty() {
        let _ = write!(out, "\n\n{}", param.description);
    }
    out
}

fn network(model: &Model) -> String {
    let n = &model.network;
    let nat = match n.nat {
        NatMode::None => "no NAT gateway",
        NatMode::Single => "one NAT gateway",
        NatMode::PerZone => "a NAT gateway per zone",
    };
    let mut out = format!("\n\nVPC {}; {nat}; flow logs {}.", n.cidr, if n.flow_logs { "on" } else { "off" });
    if !n.endpoints.is_empty() {
        let names: Vec<&str> = n.endpoints.iter().map(|e| e.as_str()).collect();
        let _ = write!(out, " Endpoints: {}.", names.join(", "));
    }
    for t in &n.tiers {
        let _ = write!(out, "\n- tier `{}` ({}): {}", t.name.text, t.kind.as_str(), cidrs(&t.subnets));
    }
    out
}

fn cidrs(subnets: &[Subnet]) -> String {
    subnets.iter().map(|s| s.cidr.to_string()).collect::<Vec<_>>().join(", ")
}

/// Addresses AWS leaves usable in a subnet: all but the 5 it reserves.
pub fn usable_addresses(prefix: u8) -> u64 {
    (1u64 << (32 - u32::from(prefix.min(32)))).saturating_sub(5)
}

fn tier(model: &Model, index: usize) -> String {
    let t = &model.network.tiers[index];
    let mut out = format!(" ({}) in network `{}`", t.kind.as_str(), model.network.name.text);
    if t.subnets.is_empty() {
        out.push_str("\n\nNo valid subnet yet.");
    } else {
        out.push_str("\n\n| zone | subnet | usable addresses |\n|---|---|---|");
        for subnet in &t.subnets {
            let zone = model.deployment.zones.get(subnet.zone).map_or("?", |z| z.name.as_str());
            let _ = write!(out, "\n| {zone} | {} | {} |", subnet.cidr, usable_addresses(subnet.cidr.prefix_len()));
        }
        out.push_str("\n\nUsable addresses: the subnet's size minus the 5 AWS reserves.");
    }
    let users = placed_in(model, |tier, _| tier == index);
    if !users.is_empty() {
        let _ = write!(out, "\n\nHolds {}.", users.join(", "));
    }
    out
}

/// The placed components for which `matches(tier, security_group)` holds,
/// in words.
fn placed_in(model: &Model, matches: impl Fn(usize, usize) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |what: &str, name: &Name, tier: usize, group: usize| {
        if matches(tier, group) {
            out.push(format!("{what} `{}`", name.text));
        }
    };
    for c in &model.load_balancers {
        add("load balancer", &c.name, c.tier, c.security_group);
    }
    for c in &model.app_servers {
        add("app servers", &c.name, c.tier, c.security_group);
    }
    for c in &model.databases {
        add("database", &c.name, c.tier, c.security_group);
    }
    for c in &model.file_systems {
        add("file system", &c.name, c.tier, c.security_group);
    }
    for c in &model.caches {
        add("cache", &c.name, c.tier, c.security_group);
    }
    out
}

fn tier_name(model: &Model, index: usize) -> String {
    model
        .network
        .tiers
        .get(index)
        .map_or("(unresolved)".to_string(), |t| format!("`{}.{}`", model.network.name.text, t.name.text))
}

fn group_name(model: &Model, index: usize) -> String {
    model.security_groups.get(index).map_or("(unresolved)".to_string(), |g| format!("`{}`", g.name.text))
}

fn vpn(model: &Model, v: &Vpn) -> String {
    let routes: Vec<String> = v.routes.iter().map(ToString::to_string).collect();
    let reach: Vec<String> = v.reach.iter().map(|i| tier_name(model, *i)).collect();
    format!(
        "\n\nSite-to-site VPN to customer gateway {} (BGP ASN {}).\n- routes: {}\n- learned by tiers: {}",
        v.customer_gateway,
        v.bgp_asn,
        if routes.is_empty() { "(none)".to_string() } else { routes.join(", ") },
        if reach.is_empty() { "(none)".to_string() } else { reach.join(", ") }
    )
}

fn ports(protocol: Protocol, from: u16, to: u16) -> String {
    if from == to { format!("{} {from}", protocol.as_str()) } else { format!("{} {from}-{to}", protocol.as_str()) }
}

fn peer(model: &Model, peer: &Peer) -> Vec<String> {
    match peer {
        Peer::Group(i) => vec![format!("security group {}", group_name(model, *i))],
        Peer::Internet => vec!["the internet (0.0.0.0/0)".to_string()],
        Peer::Cidr(cidr) => vec![cidr.to_string()],
        Peer::Vpn(i) => match model.vpns.get(*i) {
            Some(v) if !v.routes.is_empty() => {
                v.routes.iter().map(|r| format!("{r} (VPN `{}`)", v.name.text)).collect()
            }
            Some(v) => vec![format!("VPN `{}` (no routes)", v.name.text)],
            None => vec!["(unresolved VPN)".to_string()],
        },
    }
}

fn security_group(model: &Model, index: usize) -> String {
    let g = &model.security_groups[index];
    let mut out = format!("\n\n{}", g.description);
    if g.ingress.is_empty() {
        out.push_str("\n\nInbound: nothing.");
    } else {
        out.push_str("\n\nInbound (effective rules):");
        for rule in &g.ingress {
            for source in peer(model, &rule.source) {
                let _ = write!(
                    out,
                    "\n- {} ({}) from {source}",
                    ports(rule.protocol, rule.from_port, rule.to_port),
                    rule.service
                );
            }
        }
    }
    if !g.egress.is_empty() {
        out.push_str("\n\nOutbound (derived from the flows):");
        for rule in &g.egress {
            for destination in peer(model, &rule.destination) {
                let _ = write!(
                    out,
                    "\n- {} to {destination}: {}",
                    ports(rule.protocol, rule.from_port, rule.to_port),
                    rule.description
                );
            }
        }
    }
    let users = placed_in(model, |_, group| group == index);
    if users.is_empty() {
        out.push_str("\n\nUsed by no component.");
    } else {
        let _ = write!(out, "\n\nUsed by {}.", users.join(", "));
    }
    out
}

fn outputs(list: &[&str]) -> String {
    format!("\n\nOutputs: {}.", list.join(", "))
}

fn load_balancer(model: &Model, c: &LoadBalancer) -> String {
    let mut out = format!(
        "\n\nInternet-facing application load balancer in tier {}, security group {}.",
        tier_name(model, c.tier),
        group_name(model, c.security_group)
    );
    match &c.https {
        Some(https) => {
            let _ = write!(
                out,
                "\n- HTTPS on 443 ({}), HTTP {}",
                https.ssl_policy,
                if https.redirect_http { "redirected to HTTPS" } else { "served" }
            );
        }
        None => out.push_str("\n- no HTTPS listener"),
    }
    if let Some(waf) = &c.waf {
        let groups: Vec<&str> = waf.managed.iter().map(|m| m.key.as_str()).collect();
        let _ = write!(out, "\n- WAF: {}", groups.join(", "));
        if let Some(limit) = waf.rate_limit {
            let _ = write!(out, "; rate limit {limit} requests per 5 minutes");
        }
    }
    let _ = write!(out, "\n- Shield {}", if c.shield == Shield::Advanced { "Advanced" } else { "Standard" });
    let targets: Vec<String> =
        c.targets.iter().filter_map(|i| model.app_servers.get(*i)).map(|a| format!("`{}`", a.name.text)).collect();
    if !targets.is_empty() {
        let _ = write!(out, "\n- in front of app servers {}", targets.join(", "));
    }
    out.push_str(&outputs(&["DNS name (the site's address)"]));
    out
}

fn app_servers(model: &Model, c: &AppServers) -> String {
    let image = match &c.image {
        Image::Ssm(path) => format!("SSM parameter `{path}`"),
        Image::Ami(id) => format!("`{id}`"),
        Image::Param(i) => model.params.get(*i).map_or("a parameter".into(), |p| format!("`param.{}`", p.name.text)),
    };
    let mut out = format!(
        "\n\nAuto Scaling group of `{}` instances in tier {}, security group {}.\n- image: {image}\n- {} to {} instances, target CPU {}%\n- port {}, root volume {} GB (encrypted gp3), access: {}",
        c.instance_type,
        tier_name(model, c.tier),
        group_name(model, c.security_group),
        c.scaling.min,
        c.scaling.max,
        c.scaling.target_cpu,
        c.port,
        c.volume_gb,
        if c.access == Access::SessionManager { "Session Manager" } else { "none" }
    );
    if let Some(behind) = &c.behind {
        let lb = model.load_balancers.get(behind.load_balancer).map_or("?", |lb| lb.name.text.as_str());
        let _ = write!(out, "\n- behind load balancer `{lb}`, health check `{}`", behind.health_check);
    }
    out.push_str(&outputs(&["Auto Scaling group name"]));
    out
}

fn database(model: &Model, c: &Database) -> String {
    let mut out = format!(
        "\n\nRDS {} {} on `{}`, {} GB, port {}, in tier {}, security group {}.\n- Multi-AZ: {}; backups: {} days; encrypted: {}; deletion protection: {}",
        c.engine.as_str(),
        c.version,
        c.class,
        c.storage_gb,
        c.engine.port(),
        tier_name(model, c.tier),
        group_name(model, c.security_group),
        yes(c.multi_az),
        c.backup_days,
        yes(c.encrypted),
        yes(c.deletion_protection)
    );
    let _ = write!(out, "\n- database `{}`, master user `{}` (password managed by RDS)", c.db_name, c.username);
    out.push_str(&outputs(&["endpoint address", "port"]));
    out
}

fn yes(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

fn file_system(model: &Model, c: &FileSystem) -> String {
    let mut out = format!(
        "\n\nEFS with a mount target per zone in tier {}, security group {}.\n- throughput: {}; encrypted: {}; backups: {}; retained on delete: {}",
        tier_name(model, c.tier),
        group_name(model, c.security_group),
        if c.throughput == Throughput::Elastic { "elastic" } else { "bursting" },
        yes(c.encrypted),
        yes(c.backup),
        yes(c.deletion_protection)
    );
    out.push_str(&outputs(&["file system id"]));
    out
}

fn cache(model: &Model, c: &Cache) -> String {
    let usage = match c.usage {
        CacheUse::Sessions => "sessions",
        CacheUse::Application => "application cache",
        CacheUse::Both => "sessions and application cache",
    };
    let mut out = format!(
        "\n\nElastiCache {}{} on `{}`, port {}, in tier {}, security group {}.\n- used for: {usage}; encrypted: {}",
        c.engine.as_str(),
        c.version.as_ref().map_or(String::new(), |v| format!(" {v}")),
        c.node_type,
        c.engine.port(),
        tier_name(model, c.tier),
        group_name(model, c.security_group),
        yes(c.encrypted)
    );
    out.push_str(&outputs(&["primary endpoint"]));
    out
}

fn bucket(c: &Bucket) -> String {
    let mut out = format!(
        "\n\nS3 bucket (Moodle's file pool). Versioning: {}; noncurrent versions expire after {} days; retained on delete: {}.",
        yes(c.versioning),
        c.expire_noncurrent_days,
        yes(c.deletion_protection)
    );
    out.push_str(&outputs(&["bucket name"]));
    out
}

/// The metrics a component kind offers to `alarm`.
fn metrics(kind: SymbolKind) -> Option<String> {
    let list = stdlib().metrics.components.get(kind.keyword())?;
    let mut out = String::from("\n\nMetrics for `alarm`:");
    for (name, metric) in list {
        let _ = write!(out, "\n- `{name}`: {}", metric.doc);
    }
    Some(out)
}

/// Hover on syntax that is not a name: block kinds, attribute keys,
/// services in `allow` rules, metrics in `alarm` rules.
fn syntax_hover(doc: &Document, offset: usize) -> Option<(Span, String)> {
    for item in &doc.compilation.file.items {
        match item {
            Item::Block(block) if block.span.contains(offset) => return block_hover(doc, block, offset),
            Item::Param(param) if param.ty.span.contains(offset) => {
                return Some((
                    param.ty.span,
                    "Parameter types: `string`, `number`, `secret` (never shown).".to_string(),
                ));
            }
            _ => {}
        }
    }
    None
}

fn block_hover(doc: &Document, block: &Block, offset: usize) -> Option<(Span, String)> {
    let block_schema = schema::block(&block.kind.text);
    if block.kind.span.contains(offset) {
        let schema = block_schema?;
        return Some((block.kind.span, format!("**{}** block\n\n{}", schema.kind, schema.doc)));
    }
    for entry in &block.entries {
        if !entry.span().contains(offset) {
            continue;
        }
        match entry {
            Entry::Block(nested) => return block_hover(doc, nested, offset),
            Entry::Attribute(attribute) => {
                let attr = block_schema?.attribute(&attribute.key.text)?;
                let span = if attribute.key.span.contains(offset) { attribute.key.span } else { attribute.value.span };
                let required = if attr.required { "required" } else { "optional" };
                return Some((
                    span,
                    format!("**{}** in `{}`: {} ({required})\n\n{}", attr.name, block.kind.text, attr.ty, attr.doc),
                ));
            }
            Entry::Allow(rule) => {
                for port in &rule.ports {
                    if let PortSpec::Service(ident) = port
                        && ident.span.contains(offset)
                    {
                        let service = stdlib().services.services.get(&ident.text)?;
                        return Some((
                            ident.span,
                            format!("**{}**: {} {} ({})", ident.text, service.protocol, service.port, service.doc),
                        ));
                    }
                }
            }
            Entry::Alarm(rule) => {
                let [component, metric] = rule.target.as_slice() else { return None };
                if !metric.span.contains(offset) {
                    return None;
                }
                let symbol = doc
                    .compilation
                    .symbols
                    .symbols
                    .iter()
                    .find(|s| s.name == component.text && s.parent.is_none() && s.kind != SymbolKind::Param)?;
                let def = stdlib().metrics.components.get(symbol.kind.keyword())?.get(&metric.text)?;
                return Some((
                    metric.span,
                    format!(
                        "**{}** of {} `{}`: {}\n\nCloudWatch `{}` `{}` ({})",
                        metric.text,
                        symbol.kind.describe(),
                        component.text,
                        def.doc,
                        def.namespace,
                        def.metric,
                        def.statistic
                    ),
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = include_str!("../../examples/moodle.mha");

    fn hover_at(doc: &Document, needle: &str, into: usize) -> String {
        let offset = doc.text.find(needle).expect("needle present") + into;
        let position = doc.position(offset, Encoding::Utf16);
        match hover(doc, position, Encoding::Utf16).map(|h| h.contents) {
            Some(HoverContents::Markup(markup)) => markup.value,
            other => panic!("no hover at {needle}: {other:?}"),
        }
    }

    #[test]
    fn names_show_what_they_resolve_to() {
        let doc = Document::new(1, SOURCE.to_string());
        let tier = hover_at(&doc, "main.app", 6);
        assert!(tier.contains("| us-east-1a | 10.0.10.0/24 | 251 |"), "{tier}");
        assert!(tier.contains("app servers `moodle`"), "{tier}");
        let group = hover_at(&doc, "security_group = web", 18);
        assert!(group.contains("tcp 80 (http) from security group `alb`"), "{group}");
        let param = hover_at(&doc, "param.moodle_sha256", 8);
        assert!(param.contains(": `string`"), "{param}");
        let lb = hover_at(&doc, "behind front", 8);
        assert!(lb.contains("Outputs: DNS name"), "{lb}");
        assert!(lb.contains("`target_5xx`"), "{lb}");
        let db = hover_at(&doc, "alarm moodle_db", 7);
        assert!(db.contains("RDS mysql 8.0") && db.contains("port 3306"), "{db}");
    }

    #[test]
    fn keys_blocks_services_and_metrics_show_their_docs() {
        let doc = Document::new(1, SOURCE.to_string());
        assert!(hover_at(&doc, "flow_logs", 1).contains("bool"));
        assert!(hover_at(&doc, "waf {", 1).contains("WAF web ACL"));
        assert!(hover_at(&doc, "mysql from", 1).contains("tcp 3306"));
        assert!(hover_at(&doc, "target_5xx >", 1).contains("HTTPCode_Target_5XX_Count"));
    }
}
