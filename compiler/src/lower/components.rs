//! One lowering function per block kind.

use super::Ctx;
use crate::ast::{self, Block, Entry, Expr, ExprKind, PortSpec, SourceSpec};
use crate::aws::InstanceKind;
use crate::diagnostics::{Code, Diagnostic, did_you_mean, suggestion_help};
use crate::model::*;
use crate::span::Span;
use crate::stdlib::stdlib;
use crate::symbols::SymbolKind;
use ipnet::Ipv4Net;
use std::collections::BTreeMap;

pub(super) fn value<'b>(block: &'b Block, key: &str) -> Option<&'b Expr> {
    block.attribute(key).map(|attribute| &attribute.value)
}

pub(super) fn nested<'b>(block: &'b Block, kind: &str) -> Option<&'b Block> {
    block.entries.iter().find_map(|entry| match entry {
        Entry::Block(nested) if nested.kind.text == kind => Some(nested),
        _ => None,
    })
}

fn name_of(block: &Block) -> Name {
    match &block.label {
        Some(label) => Name { text: label.text.clone(), span: label.span },
        None => Name { text: block.kind.text.clone(), span: block.kind.span },
    }
}

/// `deployment "NAME" { ... }`; a neutral deployment when the block is missing.
pub(super) fn deployment(ctx: &mut Ctx<'_>, block: Option<&Block>, file: &ast::File) -> Deployment {
    let Some(block) = block else {
        let end = file.items.first().map_or(Span::default(), |item| Span::new(item.span().start, item.span().start));
        // A deployment block with a syntax error is not missing.
        if !ctx.broken_kinds.contains("deployment") {
            ctx.report(
            Diagnostic::new(Code::BlockCount, "no `deployment` block")
                .primary(end, "a deployment block is expected in this file")
                .help(
                    "start the file with `deployment \"NAME\" { region = \"...\", zones = [...], moodle = \"4.5\" }`",
                ),
            );
        }
        return Deployment {
            name: Name { text: "deployment".into(), span: end },
            region: String::new(),
            region_span: end,
            zones: Vec::new(),
            moodle: String::new(),
            moodle_span: end,
            profile: Profile::Prod,
            tags: Vec::new(),
            span: end,
        };
    };
    let name = name_of(block);
    let name_ok = name.text.len() <= 128
        && name.text.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if block.label.is_some() && !name_ok {
        ctx.report(
            Diagnostic::new(Code::InvalidValue, format!("`{}` cannot name a deployment", name.text))
                .primary(name.span, "the name becomes the stack name")
                .help("use letters, digits and `-`, starting with a letter, at most 128 characters: \"moodle-prod\""),
        );
    }
    ctx.add_symbol(SymbolKind::Deployment, &name.text, name.span, block.span, None);
    let profile = value(block, "profile")
        .and_then(|e| ctx.choice(e, &[("prod", Profile::Prod), ("dev", Profile::Dev)], "profile"))
        .unwrap_or(Profile::Prod);
    let region = value(block, "region").and_then(|e| ctx.string(e).map(|r| (r, e.span)));
    let region_known = match &region {
        Some((region, span)) if !stdlib().regions.contains_key(region) => {
            let known: Vec<&str> = stdlib().regions.keys().map(String::as_str).collect();
            ctx.report(
                Diagnostic::new(Code::UnknownRegion, format!("`{region}` is not an AWS region"))
                    .primary(*span, "unknown region")
                    .help(suggestion_help(region, "region", &known)),
            );
            false
        }
        Some(_) => true,
        None => false,
    };
    let region_span = region.as_ref().map(|(_, span)| *span);
    let region = region.map(|(r, _)| r).unwrap_or_default();

    let mut zones = Vec::new();
    if let Some(expr) = value(block, "zones")
        && let Some(items) = ctx.list(expr, "zone names")
    {
        let mut seen: BTreeMap<String, Span> = BTreeMap::new();
        for item in items {
            let Some(zone) = ctx.string(item) else { continue };
            if let Some(first) = seen.get(&zone) {
                ctx.report(
                    Diagnostic::new(Code::DuplicateZone, format!("zone `{zone}` is listed twice"))
                        .primary(item.span, "listed again here")
                        .secondary(*first, "first listed here")
                        .help("list each zone once; every tier gets one subnet per listed zone"),
                );
                continue;
            }
            seen.insert(zone.clone(), item.span);
            if region_known {
                let region_zones = &stdlib().regions[&region].zones;
                if !region_zones.contains(&zone) {
                    let owner =
                        stdlib().regions.iter().find(|(_, r)| r.zones.contains(&zone)).map(|(name, _)| name.clone());
                    match owner {
                        Some(owner) => ctx.report(
                            Diagnostic::new(
                                Code::ZoneOutsideRegion,
                                format!("zone `{zone}` is in {owner}, not in {region}"),
                            )
                            .primary(item.span, format!("a zone of {owner}"))
                            .secondary(
                                region_span.unwrap_or(block.head_span()),
                                format!("the deployment is in {region}"),
                            )
                            .help(format!(
                                "use zones of {region}: {}",
                                region_zones.iter().map(|z| format!("`{z}`")).collect::<Vec<_>>().join(", ")
                            )),
                        ),
                        None => {
                            let candidates: Vec<&str> = region_zones.iter().map(String::as_str).collect();
                            ctx.report(
                                Diagnostic::new(
                                    Code::UnknownZone,
                                    format!("`{zone}` is not an availability zone of {region}"),
                                )
                                .primary(item.span, "unknown zone")
                                .help(suggestion_help(&zone, "zone", &candidates)),
                            );
                        }
                    }
                    // The zone stays in the list (the model is not checked
                    // with an error in it), so that the tiers are not also
                    // reported as having a subnet too many.
                }
            }
            let suffix = zone.strip_prefix(region.as_str()).filter(|s| !s.is_empty()).unwrap_or(&zone).to_string();
            zones.push(Zone { name: zone, suffix, span: item.span });
        }
        if seen.len() < 2 {
            ctx.report(
                Diagnostic::new(
                    Code::TooFewZones,
                    format!("the deployment spans {} zone{}", seen.len(), if seen.len() == 1 { "" } else { "s" }),
                )
                .primary(expr.span, "fewer than two zones")
                .help("list at least two zones: losing the only zone takes the whole site down"),
            );
        }
    }

    let moodle_span = value(block, "moodle").map_or(block.head_span(), |e| e.span);
    let moodle = value(block, "moodle").and_then(|e| ctx.string(e).map(|v| (v, e.span)));
    let moodle = match moodle {
        Some((version, span)) if !stdlib().moodle.versions.contains_key(&version) => {
            let known: Vec<&str> = stdlib().moodle.versions.keys().map(String::as_str).collect();
            ctx.report(
                Diagnostic::new(Code::UnknownMoodleVersion, format!("mhac does not know Moodle `{version}`"))
                    .primary(span, "unknown Moodle version")
                    .help(format!(
                        "use one of {}",
                        known.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ")
                    )),
            );
            String::new()
        }
        Some((version, _)) => version,
        None => String::new(),
    };

    let mut tags = Vec::new();
    if let Some(expr) = value(block, "tags") {
        match &expr.kind {
            ExprKind::Map(entries) => {
                let mut read = Vec::new();
                for entry in entries {
                    if let Some(text) = ctx.string(&entry.value) {
                        read.push((entry, text));
                    }
                }
                ctx.tags(&read, expr.span);
                tags = read.into_iter().map(|(entry, text)| (entry.key.text.clone(), text)).collect();
            }
            _ => ctx.type_error(expr, "a map of tags ({ Key = \"value\" })"),
        }
    }
    let region_span = region_span.unwrap_or(block.head_span());
    Deployment { name, region, region_span, zones, moodle, moodle_span, profile, tags, span: block.span }
}

/// `param NAME : TYPE = DEFAULT`.
pub(super) fn param(ctx: &mut Ctx<'_>, decl: &ast::ParamDecl, _deployment: &Deployment) -> Option<Param> {
    let ty = match decl.ty.text.as_str() {
        "string" => ParamType::String,
        "number" => ParamType::Number,
        "secret" => ParamType::Secret,
        other => {
            let help = match did_you_mean(other, ["string", "number", "secret"]) {
                Some(best) => format!("did you mean `{best}`? The types are `string`, `number` and `secret`"),
                None => "the types are `string`, `number` and `secret`".to_string(),
            };
            ctx.report(
                Diagnostic::new(Code::InvalidParam, format!("unknown parameter type `{other}`"))
                    .primary(decl.ty.span, "not a parameter type")
                    .help(help),
            );
            return None;
        }
    };
    let default = match &decl.default {
        None => None,
        Some(expr) => match (&expr.kind, ty) {
            (ExprKind::String(_), ParamType::Secret) => {
                ctx.report(
                    Diagnostic::new(
                        Code::LiteralSecret,
                        format!("secret parameter `{}` has a default written in the source", decl.name.text),
                    )
                    .primary(expr.span, "this secret would be stored in templates and version control")
                    .secondary(decl.ty.span, "declared as a secret")
                    .help("remove the default and supply the value when the stack is deployed"),
                );
                None
            }
            (ExprKind::String(text), ParamType::String) => Some(text.clone()),
            (ExprKind::Number(number), ParamType::Number) if number.is_finite() => Some(number.to_string()),
            (ExprKind::Number(_), ParamType::Number) => {
                ctx.report(
                    Diagnostic::new(
                        Code::OutOfRange,
                        format!("the default of `{}` is too large to be a number", decl.name.text),
                    )
                    .primary(expr.span, "beyond the largest number a template can hold (about 1.8e308)")
                    .help("write a smaller default"),
                );
                None
            }
            _ => {
                ctx.report(
                    Diagnostic::new(
                        Code::InvalidParam,
                        format!("the default of `{}` is not a {}", decl.name.text, ty.as_str()),
                    )
                    .primary(expr.span, format!("this is {}", expr.kind.describe()))
                    .secondary(decl.ty.span, format!("declared as {}", ty.as_str()))
                    .help(format!("give a {} default, or change the type", ty.as_str())),
                );
                None
            }
        },
    };
    Some(Param {
        name: Name { text: decl.name.text.clone(), span: decl.name.span },
        ty,
        default,
        description: String::new(),
        used: false,
        span: decl.span,
    })
}

/// `network NAME { ... }`; an empty network when the block is missing.
pub(super) fn network(ctx: &mut Ctx<'_>, block: Option<&Block>, deployment: &Deployment, file: &ast::File) -> Network {
    let Some(block) = block else {
        let at = file.items.last().map_or(Span::default(), |item| Span::at(item.span().end));
        // A network block with a syntax error is not missing.
        if !ctx.broken_kinds.contains("network") {
            ctx.report(
                Diagnostic::new(Code::BlockCount, "no `network` block")
                    .primary(at, "a network block is expected in this file")
                    .help(
                        "add `network main { cidr = 10.0.0.0/16  tier public { kind = public, cidrs = [...] } ... }`",
                    ),
            );
        }
        return Network {
            name: Name { text: "network".into(), span: at },
            cidr: Ipv4Net::default(),
            cidr_span: at,
            nat: NatMode::None,
            flow_logs: false,
            endpoints: Vec::new(),
            tiers: Vec::new(),
            span: at,
        };
    };
    let name = name_of(block);
    let cidr = value(block, "cidr").and_then(|e| ctx.cidr(e, Some((16, 28))));
    let cidr_span = value(block, "cidr").map_or(block.head_span(), |e| e.span);
    let nat = value(block, "nat")
        .and_then(|e| {
            ctx.choice(
                e,
                &[("none", NatMode::None), ("single", NatMode::Single), ("per_zone", NatMode::PerZone)],
                "NAT mode",
            )
        })
        .unwrap_or(NatMode::PerZone);
    let flow_logs = value(block, "flow_logs").and_then(|e| ctx.boolean(e)).unwrap_or(true);
    let mut endpoints = Vec::new();
    if let Some(expr) = value(block, "endpoints")
        && let Some(items) = ctx.list(expr, "endpoint names")
    {
        for item in items {
            if let Some(endpoint) = ctx.choice(item, Endpoint::ALL, "VPC endpoint")
                && !endpoints.contains(&endpoint)
            {
                endpoints.push(endpoint);
            }
        }
    }
    let network_symbol = ctx.names.get(&name.text).map(|d| d.symbol);

    let mut tiers: Vec<Tier> = Vec::new();
    let mut all_subnets: Vec<(Ipv4Net, Span, String)> = Vec::new();
    for entry in &block.entries {
        let Entry::Block(tier_block) = entry else { continue };
        if tier_block.kind.text != "tier" || tier_block.label.is_none() {
            continue;
        }
        let tier_name = name_of(tier_block);
        if let Some(first) = tiers.iter().find(|t| t.name.text == tier_name.text) {
            ctx.report(
                Diagnostic::new(Code::DuplicateName, format!("tier `{}` is defined twice", tier_name.text))
                    .primary(tier_name.span, "defined again here")
                    .secondary(first.name.span, "first defined here")
                    .help("give every tier its own name"),
            );
            continue;
        }
        let tier_symbol =
            ctx.add_symbol(SymbolKind::Tier, &tier_name.text, tier_name.span, tier_block.span, network_symbol);
        ctx.tier_symbols.push(tier_symbol);
        let kind = value(tier_block, "kind")
            .and_then(|e| {
                ctx.choice(
                    e,
                    &[("public", TierKind::Public), ("private", TierKind::Private), ("isolated", TierKind::Isolated)],
                    "tier kind",
                )
            })
            .unwrap_or(TierKind::Private);
        let mut subnets = Vec::new();
        if let Some(expr) = value(tier_block, "cidrs")
            && let Some(items) = ctx.list(expr, "CIDR blocks")
        {
            if items.len() != deployment.zones.len() && !deployment.zones.is_empty() {
                let zones = deployment.zones.iter().map(|z| z.name.as_str()).collect::<Vec<_>>().join(", ");
                ctx.report(
                    Diagnostic::new(
                        Code::TierZoneMismatch,
                        format!(
                            "tier `{}` has {} subnet{} for {} zones",
                            tier_name.text,
                            items.len(),
                            if items.len() == 1 { "" } else { "s" },
                            deployment.zones.len()
                        ),
                    )
                    .primary(
                        expr.span,
                        format!("{} CIDR block{}", items.len(), if items.len() == 1 { "" } else { "s" }),
                    )
                    .secondary(
                        deployment
                            .zones
                            .first()
                            .map_or(deployment.span, |z| z.span)
                            .to(deployment.zones.last().map_or(deployment.span, |z| z.span)),
                        format!("{} zones", deployment.zones.len()),
                    )
                    .help(format!("give exactly one CIDR block per zone, in zone order ({zones})")),
                );
            }
            for (zone, item) in items.iter().enumerate() {
                let Some(subnet) = ctx.cidr(item, Some((16, 28))) else { continue };
                if let Some(vpc) = cidr
                    && !vpc.contains(&subnet)
                {
                    ctx.report(
                        Diagnostic::new(Code::SubnetOutsideVpc, format!("subnet {subnet} is outside the VPC's {vpc}"))
                            .primary(item.span, "not inside the VPC")
                            .secondary(cidr_span, "the VPC's block")
                            .help(format!("pick a block inside {vpc}")),
                    );
                    continue;
                }
                for (other, other_span, other_tier) in &all_subnets {
                    if other.contains(&subnet.network()) || subnet.contains(&other.network()) {
                        ctx.report(
                            Diagnostic::new(
                                Code::SubnetOverlap,
                                if subnet == *other {
                                    format!("subnet {subnet} is used twice")
                                } else {
                                    format!("subnet {subnet} overlaps {other}")
                                },
                            )
                            .primary(item.span, format!("in tier `{}`", tier_name.text))
                            .secondary(*other_span, format!("in tier `{other_tier}`"))
                            .help("subnets of a VPC cannot share addresses: give each its own block"),
                        );
                    }
                }
                all_subnets.push((subnet, item.span, tier_name.text.clone()));
                // Without known zones (a broken or missing deployment, already
                // an error), keep every subnet rather than report the tiers
                // as empty.
                if zone < deployment.zones.len() || deployment.zones.is_empty() {
                    subnets.push(Subnet { zone, cidr: subnet, span: item.span });
                }
            }
        }
        tiers.push(Tier { name: tier_name, kind, subnets, span: tier_block.span });
    }
    if tiers.is_empty() {
        ctx.report(
            Diagnostic::new(Code::MissingAttribute, format!("network `{}` has no tiers", name.text))
                .primary(block.head_span(), "no `tier` block")
                .help("add tiers: `tier public { kind = public, cidrs = [...] }`, one subnet per zone"),
        );
    }
    nat_rules(ctx, block, &name, nat, &tiers, deployment);
    Network { name, cidr: cidr.unwrap_or_default(), cidr_span, nat, flow_logs, endpoints, tiers, span: block.span }
}

/// NAT gateways live in a public subnet (MHA218), and one of them for
/// several zones is a single point of failure in prod (MHA217).
fn nat_rules(ctx: &mut Ctx<'_>, block: &Block, name: &Name, nat: NatMode, tiers: &[Tier], deployment: &Deployment) {
    let nat_expr = value(block, "nat");
    let private: Vec<&Tier> = tiers.iter().filter(|t| t.kind == TierKind::Private).collect();
    if nat != NatMode::None && !private.is_empty() && !tiers.iter().any(|t| t.kind == TierKind::Public) {
        let mut diagnostic = Diagnostic::new(Code::NatWithoutPublicTier, "NAT gateways need a public tier")
            .primary(name.span, format!("network `{}` has no public tier", name.text));
        for tier in &private {
            diagnostic = diagnostic.secondary(
                tier.name.span,
                format!("private tier `{}` reaches the internet through NAT", tier.name.text),
            );
        }
        if let Some(expr) = nat_expr {
            diagnostic = diagnostic.secondary(expr.span, "NAT gateways are placed in public subnets");
        }
        ctx.report(diagnostic.help(
            "add `tier public { kind = public, cidrs = [...] }` for the NAT gateways, or set `nat = none` and list the VPC `endpoints` the private tiers need",
        ));
    }
    if nat == NatMode::Single
        && deployment.zones.len() > 1
        && deployment.is_prod()
        && let Some(expr) = nat_expr
    {
        let zones = deployment.zones.first().map_or(deployment.span, |z| z.span);
        let zones = zones.to(deployment.zones.last().map_or(deployment.span, |z| z.span));
        ctx.report(
            Diagnostic::new(Code::SingleNat, format!("one NAT gateway serves {} zones", deployment.zones.len()))
                .primary(expr.span, "one NAT gateway, in the first zone")
                .secondary(zones, format!("the deployment spans {} zones", deployment.zones.len()))
                .help("set `nat = per_zone`: with one NAT gateway, losing its zone cuts the other zones' outbound traffic (Session Manager, package installs, AWS APIs)"),
        );
    }
}

impl Ctx<'_> {
    /// Resolve a tier reference: `main.app`, or `app`.
    pub(super) fn tier_ref(&mut self, expr: &Expr, network: &Network) -> Option<usize> {
        let ExprKind::Reference(path) = &expr.kind else {
            self.type_error(expr, "a tier (network.tier)");
            return None;
        };
        let tier_ident = match path.as_slice() {
            [network_ident, tier] => {
                self.resolve(network_ident, &[SymbolKind::Network], "network")?;
                tier
            }
            [tier] => tier,
            _ => {
                self.type_error(expr, "a tier (network.tier)");
                return None;
            }
        };
        // The tiers of a network with a syntax error are unknown, not missing.
        if self.broken_kinds.contains("network") && !network.tiers.iter().any(|t| t.name.text == tier_ident.text) {
            return None;
        }
        if let Some(index) = network.tiers.iter().position(|t| t.name.text == tier_ident.text) {
            if let Some(&symbol) = self.tier_symbols.get(index) {
                self.add_reference(tier_ident.span, symbol);
            }
            return Some(index);
        }
        let candidates: Vec<&str> = network.tiers.iter().map(|t| t.name.text.as_str()).collect();
        let mut diagnostic = Diagnostic::new(Code::UnknownName, format!("unknown tier `{}`", tier_ident.text))
            .primary(tier_ident.span, format!("network `{}` has no such tier", network.name.text))
            .help(suggestion_help(&tier_ident.text, "tier", &candidates));
        if self.names.contains_key(&tier_ident.text) && path.len() == 1 {
            diagnostic = diagnostic.help(format!(
                "name a tier of the network, such as `{}.{}`",
                network.name.text,
                candidates.first().unwrap_or(&"app")
            ));
        }
        self.report(diagnostic);
        None
    }

    /// Resolve `security_group = NAME`.
    pub(super) fn group_ref(&mut self, expr: &Expr) -> Option<usize> {
        match &expr.kind {
            ExprKind::Reference(path) if path.len() == 1 => {
                self.resolve(&path[0], &[SymbolKind::SecurityGroup], "security group").map(|(index, _)| index)
            }
            _ => {
                self.type_error(expr, "a security group name");
                None
            }
        }
    }
}

/// `vpn NAME { ... }`.
pub(super) fn vpn(ctx: &mut Ctx<'_>, block: &Block, network: &Network) -> Vpn {
    let name = name_of(block);
    if let Some(expr) = value(block, "network") {
        match &expr.kind {
            ExprKind::Reference(path) if path.len() == 1 => {
                ctx.resolve(&path[0], &[SymbolKind::Network], "network");
            }
            _ => ctx.type_error(expr, "a network name"),
        }
    }
    let customer_gateway = value(block, "customer_gateway").and_then(|e| ctx.ip(e).map(|ip| (ip, e.span)));
    if let Some((address, span)) = customer_gateway
        && let Some(why) = non_public_reason(address)
    {
        ctx.report(
            Diagnostic::new(Code::CustomerGatewayNotPublic, format!("{address} is not a public IPv4 address"))
                .primary(span, why)
                .help("the customer gateway is the internet-facing address of the corporate VPN device; AWS's tunnels cannot reach a private address"),
        );
    }
    // 2-byte and 4-byte ASNs: CloudFormation takes up to 2,147,483,647 as
    // `BgpAsn` and the rest, private 4-byte ASNs (4,200,000,000 to
    // 4,294,967,294) included, as `BgpAsnExtended`; 4,294,967,295 is reserved.
    let bgp_asn =
        value(block, "bgp_asn").and_then(|e| ctx.integer(e, 1, 4_294_967_294, "the BGP ASN")).unwrap_or(65000) as u32;
    let mut routes = Vec::new();
    if let Some(expr) = value(block, "routes")
        && let Some(items) = ctx.list(expr, "CIDR blocks")
    {
        for item in items {
            let Some(route) = ctx.cidr(item, None) else { continue };
            if network.cidr.prefix_len() > 0
                && (network.cidr.contains(&route.network()) || route.contains(&network.cidr.network()))
            {
                let network_span = network.cidr_span;
                ctx.report(
                    Diagnostic::new(Code::VpnRouteOverlap, format!("VPN route {route} overlaps the VPC's {}", network.cidr))
                        .primary(item.span, "routed to the corporate network")
                        .secondary(network_span, "the VPC's block")
                        .help("the VPC's own addresses cannot be routed through the VPN: renumber one side, or route a narrower block"),
                );
                continue;
            }
            routes.push(route);
        }
        if items.is_empty() {
            ctx.report(
                Diagnostic::new(Code::MissingAttribute, "a VPN needs at least one route")
                    .primary(expr.span, "no routes")
                    .help("list the corporate networks: `routes = [192.168.0.0/16]`"),
            );
        }
    }
    let reach = match value(block, "reach") {
        Some(expr) => ctx
            .list(expr, "tiers")
            .map_or_else(Vec::new, |items| items.iter().filter_map(|item| ctx.tier_ref(item, network)).collect()),
        None => network.tiers.iter().enumerate().filter(|(_, t)| t.kind != TierKind::Public).map(|(i, _)| i).collect(),
    };
    Vpn {
        name,
        customer_gateway: customer_gateway.map_or(std::net::Ipv4Addr::UNSPECIFIED, |(a, _)| a),
        bgp_asn,
        routes,
        reach,
        span: block.span,
    }
}

/// Why an address cannot be a customer gateway, if it cannot.
fn non_public_reason(address: std::net::Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = address.octets();
    if address.is_private() {
        Some("a private (RFC 1918) address")
    } else if address.is_loopback() {
        Some("a loopback address")
    } else if address.is_link_local() {
        Some("a link-local address")
    } else if address.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if address.is_multicast() {
        Some("a multicast address")
    } else if address.is_broadcast() || a >= 240 {
        Some("a reserved address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a carrier-grade NAT (RFC 6598) address")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("a benchmarking (RFC 2544) address")
    } else {
        None
    }
}

/// `security_group NAME { allow ... }`: description only; rules are
/// resolved by [`resolve_sources`] once every name is known.
pub(super) fn security_group(ctx: &mut Ctx<'_>, block: &Block) -> SecurityGroup {
    let name = name_of(block);
    let description = value(block, "description")
        .and_then(|e| ctx.string(e).map(|d| (d, e.span)))
        .and_then(|(d, span)| {
            ctx.aws_property(
                &d,
                span,
                "AWS::EC2::SecurityGroup",
                "GroupDescription",
                "a description",
                "\"Moodle app servers\" (ASCII letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*, at most 255)",
            )
            .then_some(d)
        })
        .unwrap_or_else(|| format!("{} security group", name.text));
    SecurityGroup { name, description, ingress: Vec::new(), egress: Vec::new(), incomplete: false, span: block.span }
}

/// Resolve the `allow` rules of every security group.
pub(super) fn resolve_sources(ctx: &mut Ctx<'_>, blocks: &[&Block], model: &mut Model) {
    let services = &stdlib().services.services;
    for (group_index, block) in blocks.iter().enumerate() {
        let mut ingress: Vec<Ingress> = Vec::new();
        let reported = ctx.diagnostics.len();
        for entry in &block.entries {
            let Entry::Allow(rule) = entry else { continue };
            let mut ports = Vec::new();
            for port in &rule.ports {
                match port {
                    PortSpec::Service(ident) => match services.get(&ident.text) {
                        Some(service) => {
                            let protocol = if service.protocol == "udp" { Protocol::Udp } else { Protocol::Tcp };
                            ports.push((protocol, service.port, service.port, ident.text.clone(), ident.span));
                        }
                        None => {
                            let names: Vec<&str> = services.keys().map(String::as_str).collect();
                            ctx.report(
                                Diagnostic::new(Code::UnknownService, format!("unknown service `{}`", ident.text))
                                    .primary(ident.span, "not a service mhac knows")
                                    .help(match did_you_mean(&ident.text, names.iter().copied()) {
                                        Some(best) => format!("did you mean `{best}`? Or give the port: `tcp 8080`"),
                                        None => format!("use one of {} or give the port: `tcp 8080`", names.join(", ")),
                                    }),
                            );
                        }
                    },
                    PortSpec::Range { protocol, range, range_span, span } => {
                        let (from, to) = range.split_once('-').unwrap_or((range, range));
                        let parse = |p: &str| p.parse::<u32>().ok().filter(|p| (1..=65535).contains(p));
                        match (parse(from), parse(to)) {
                            (Some(from), Some(to)) if from <= to => {
                                let proto = if protocol.text == "udp" { Protocol::Udp } else { Protocol::Tcp };
                                ports.push((
                                    proto,
                                    from as u16,
                                    to as u16,
                                    format!("{} {range}", protocol.text),
                                    *span,
                                ));
                            }
                            _ => ctx.report(
                                Diagnostic::new(Code::InvalidPort, format!("`{range}` is not a valid port range"))
                                    .primary(*range_span, "ports are 1 to 65535, and a range runs from low to high")
                                    .help("write a port (`tcp 8080`) or a range from low to high (`tcp 8000-8090`)"),
                            ),
                        }
                    }
                }
            }
            for source in &rule.sources {
                let peer = match source {
                    SourceSpec::Cidr { text, span } => {
                        match ctx.cidr(&Expr { kind: ExprKind::Cidr(text.clone()), span: *span }, None) {
                            Some(cidr) if cidr.prefix_len() == 0 => Peer::Internet,
                            Some(cidr) => Peer::Cidr(cidr),
                            None => continue,
                        }
                    }
                    SourceSpec::Name(ident) if crate::schema::SOURCE_WORDS.contains(&ident.text.as_str()) => {
                        Peer::Internet
                    }
                    SourceSpec::Name(ident) => {
                        match ctx.resolve(ident, &[SymbolKind::SecurityGroup, SymbolKind::Vpn], "security group or VPN")
                        {
                            Some((index, SymbolKind::Vpn)) => Peer::Vpn(index),
                            Some((index, _)) => Peer::Group(index),
                            None => continue,
                        }
                    }
                };
                for (protocol, from_port, to_port, service, port_span) in &ports {
                    let duplicate = ingress.iter().find(|r| {
                        r.protocol == *protocol
                            && r.from_port == *from_port
                            && r.to_port == *to_port
                            && r.source == peer
                    });
                    if let Some(first) = duplicate {
                        let (first_port, first_source, first_service) =
                            (first.port_span, first.source_span, first.service.clone());
                        let source_text = match source {
                            SourceSpec::Name(ident) => ident.text.clone(),
                            SourceSpec::Cidr { text, .. } => text.clone(),
                        };
                        let mut diagnostic = Diagnostic::new(
                            Code::DuplicateRule,
                            format!("`{service}` from `{source_text}` is allowed twice"),
                        )
                        .primary(*port_span, format!("the same ports as `{first_service}`"))
                        .secondary(first_port, "first allowed here");
                        // Two rules: point at both sources too. One rule
                        // listing the same traffic twice has one source.
                        if first_source != source.span() {
                            diagnostic = diagnostic
                                .secondary(source.span(), format!("from `{source_text}`"))
                                .secondary(first_source, format!("from `{source_text}`"));
                        }
                        ctx.report(diagnostic.help(format!("remove `{service}` from one of the rules")));
                        continue;
                    }
                    ingress.push(Ingress {
                        protocol: *protocol,
                        from_port: *from_port,
                        to_port: *to_port,
                        source: peer.clone(),
                        service: service.clone(),
                        port_span: *port_span,
                        source_span: source.span(),
                    });
                }
            }
        }
        // Any error in the group's rules (an unknown service, port, source
        // or CIDR block) leaves it incomplete. Warnings (a rule allowed
        // twice) do not.
        let incomplete = ctx.diagnostics.errors_since(reported);
        if let Some(group) = model.security_groups.get_mut(group_index) {
            group.ingress = ingress;
            group.incomplete = incomplete;
        }
    }
}

/// `load_balancer NAME { ... }`.
pub(super) fn load_balancer(ctx: &mut Ctx<'_>, block: &Block, model: &Model) -> LoadBalancer {
    let prod = model.deployment.is_prod();
    let name = name_of(block);
    let tier = value(block, "subnets").and_then(|e| ctx.tier_ref(e, &model.network)).unwrap_or(usize::MAX);
    let security_group = value(block, "security_group").and_then(|e| ctx.group_ref(e)).unwrap_or(usize::MAX);
    let subnets_span = value(block, "subnets").map_or(block.head_span(), |e| e.span);
    let security_group_span = value(block, "security_group").map_or(block.head_span(), |e| e.span);
    let shield = value(block, "shield")
        .and_then(|e| ctx.choice(e, &[("standard", Shield::Standard), ("advanced", Shield::Advanced)], "Shield level"))
        .unwrap_or(Shield::Standard);
    let idle_timeout =
        value(block, "idle_timeout").and_then(|e| ctx.duration(e, 1, 4000, "the idle timeout")).unwrap_or(60) as u32;
    let deletion_protection = stateful_protection(ctx, block, prod, "load balancer");
    let access_logs = value(block, "access_logs").and_then(|e| ctx.boolean(e)).unwrap_or(true);

    let https = nested(block, "https").and_then(|https| {
        let certificate_expr = value(https, "certificate");
        let certificate = match certificate_expr {
            Some(expr) => Some(ctx.string_or_param(expr, "ACM certificate ARN for the HTTPS listener")?),
            None => None,
        };
        if let (Some(StringValue::Literal(arn)), Some(expr)) = (&certificate, certificate_expr)
            && !ctx.aws_property(
                arn,
                expr.span,
                "AWS::ElasticLoadBalancingV2::Listener",
                "Certificates/*/CertificateArn",
                "an ACM certificate ARN",
                "\"arn:aws:acm:us-east-1:123456789012:certificate/...\", or `param.certificate_arn` with `param certificate_arn : string`",
            )
        {
            return None;
        }
        let redirect = value(https, "redirect_http").map(|e| (ctx.boolean(e), e.span));
        if let Some((Some(false), span)) = redirect {
            ctx.report(
                Diagnostic::new(Code::HttpNotRedirected, "plain HTTP is served instead of redirected to HTTPS")
                    .primary(span, "HTTP would serve Moodle logins and sessions unencrypted")
                    .help("remove `redirect_http = false`: port 80 then only answers with a redirect to HTTPS"),
            );
        }
        let ssl_policy = value(https, "ssl_policy")
            .and_then(|e| ctx.string(e))
            .unwrap_or_else(|| "ELBSecurityPolicy-TLS13-1-2-2021-06".to_string());
        Some(Https { certificate, redirect_http: true, ssl_policy, span: https.span })
    });
    if nested(block, "https").is_none() {
        ctx.report(
            Diagnostic::new(Code::NoHttps, format!("load balancer `{}` has no HTTPS listener", name.text))
                .primary(block.head_span(), "serves plain HTTP only")
                .help("add `https { certificate = param.certificate_arn }` with `param certificate_arn : string` (an ACM certificate's ARN); port 80 then only redirects to 443"),
        );
    }

    let waf = nested(block, "waf").map(|waf_block| {
        let lib = &stdlib().waf;
        let mut keys: Vec<(String, Span)> = Vec::new();
        match value(waf_block, "managed") {
            Some(expr) => {
                if let Some(items) = ctx.list(expr, "rule groups") {
                    let choices: Vec<(&str, &str)> = lib.managed.keys().map(|k| (k.as_str(), k.as_str())).collect();
                    for item in items {
                        if let Some(key) = ctx.choice(item, &choices, "managed rule group")
                            && !keys.iter().any(|(k, _)| k == key)
                        {
                            keys.push((key.to_string(), item.span));
                        }
                    }
                }
            }
            None => {
                keys = vec![
                    ("common".to_string(), waf_block.head_span()),
                    ("known_bad_inputs".to_string(), waf_block.head_span()),
                ]
            }
        }
        let rate_limit = value(waf_block, "rate_limit").and_then(|e| ctx.integer(e, 100, 2_000_000_000, "the rate limit")).map(|v| v as u32);
        let large_uploads = value(waf_block, "allow_large_uploads").and_then(|e| ctx.boolean(e)).unwrap_or(false);
        let upload = &lib.upload_rule;
        if !large_uploads && let Some((_, span)) = keys.iter().find(|(k, _)| *k == upload.group) {
            ctx.report(
                Diagnostic::new(Code::WafBlocksUploads, format!("the `{}` rule group blocks Moodle uploads", upload.group))
                    .primary(*span, format!("its {} rule blocks request bodies over 8 KB", upload.rule))
                    .help(format!(
                        "add `allow_large_uploads = true` to this waf block: {} then counts instead of blocking, and assignment submissions and course uploads work",
                        upload.rule
                    )),
            );
        }
        let managed = keys
            .iter()
            .map(|(key, _)| ManagedRule {
                key: key.clone(),
                name: lib.managed[key].name.clone(),
                count_rules: if large_uploads && *key == upload.group { vec![upload.rule.clone()] } else { Vec::new() },
            })
            .collect();
        Waf { managed, rate_limit, span: waf_block.span }
    });
    LoadBalancer {
        name,
        tier,
        security_group,
        subnets_span,
        security_group_span,
        https,
        https_written: nested(block, "https").map(|https| https.span),
        waf,
        shield,
        idle_timeout,
        deletion_protection,
        access_logs,
        targets: Vec::new(),
        span: block.span,
    }
}

/// Read `deletion_protection`, defaulting to the profile, and report turning
/// it off (MHA603; a warning in dev).
fn stateful_protection(ctx: &mut Ctx<'_>, block: &Block, prod: bool, what: &str) -> bool {
    match value(block, "deletion_protection").map(|e| (ctx.boolean(e), e.span)) {
        Some((Some(false), span)) if prod => {
            ctx.report(
                Diagnostic::new(Code::DeletionProtectionDisabled, format!("deletion protection is off for a prod {what}"))
                    .primary(span, "a stack update or deletion could destroy it and its data")
                    .help("remove `deletion_protection = false`; to retire the component, remove the protection in a separate, reviewed change"),
            );
            false
        }
        Some((Some(value), _)) => value,
        _ => prod,
    }
}

/// Read `encrypted`, reporting turning it off (MHA602; a warning in dev).
fn encryption(ctx: &mut Ctx<'_>, block: &Block, what: &str) -> bool {
    match value(block, "encrypted").map(|e| (ctx.boolean(e), e.span)) {
        Some((Some(false), span)) => {
            ctx.report(
                Diagnostic::new(Code::EncryptionDisabled, format!("encryption at rest is turned off for {what}"))
                    .primary(span, "data would be stored unencrypted")
                    .help("remove `encrypted = false`: encryption at rest costs nothing measurable and many compliance regimes require it"),
            );
            false
        }
        _ => true,
    }
}

/// `app_servers NAME { ... }`.
pub(super) fn app_servers(ctx: &mut Ctx<'_>, block: &Block, model: &Model) -> AppServers {
    let name = name_of(block);
    let tier = value(block, "subnets").and_then(|e| ctx.tier_ref(e, &model.network)).unwrap_or(usize::MAX);
    let security_group = value(block, "security_group").and_then(|e| ctx.group_ref(e)).unwrap_or(usize::MAX);
    let subnets_span = value(block, "subnets").map_or(block.head_span(), |e| e.span);
    let security_group_span = value(block, "security_group").map_or(block.head_span(), |e| e.span);
    let instance_type_span = value(block, "instance_type").map(|e| e.span);
    let instance_type = value(block, "instance_type")
        .and_then(|e| ctx.string(e).map(|t| (t, e.span)))
        .and_then(|(t, span)| ctx.instance_type(&t, span, InstanceKind::Ec2, &model.deployment).then_some(t))
        .unwrap_or_default();
    let image = value(block, "image").and_then(|expr| match &expr.kind {
        ExprKind::Call { name, args } if name.text == "ssm" => match args.as_slice() {
            [arg] => ctx.string(arg).map(Image::Ssm),
            _ => {
                ctx.report(
                    Diagnostic::new(Code::TypeMismatch, "`ssm` takes one argument: the parameter path")
                        .primary(expr.span, "wrong number of arguments")
                        .help("write `ssm(\"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64\")`"),
                );
                None
            }
        },
        ExprKind::String(id) if id.starts_with("ami-") => ctx
            .aws_property(id, expr.span, "AWS::EC2::LaunchTemplate", "LaunchTemplateData/ImageId", "an AMI id", "\"ami-0123456789abcdef0\"")
            .then(|| Image::Ami(id.clone())),
        ExprKind::Reference(path) if path.len() == 2 && path[0].text == "param" => {
            let index = ctx.resolve_string_param(expr.span, &path[1])?;
            ctx.describe_param_use(index, "AMI id of the app servers");
            Some(Image::Param(index))
        }
        _ => {
            ctx.report(
                Diagnostic::new(Code::InvalidValue, "not an image")
                    .primary(expr.span, "expected ssm(\"/path\"), an AMI id \"ami-...\" or param.NAME")
                    .help("use the latest Amazon Linux 2023: `ssm(\"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64\")`"),
            );
            None
        }
    });
    if let (Some(type_span), Some(Image::Ssm(path)), Some(image_expr)) =
        (instance_type_span, &image, value(block, "image"))
        && !instance_type.is_empty()
    {
        ctx.architectures_agree((&instance_type, type_span), (path, image_expr.span));
    }
    let access = value(block, "access")
        .and_then(|e| {
            ctx.choice(e, &[("session_manager", Access::SessionManager), ("none", Access::None)], "access method")
        })
        .unwrap_or(Access::SessionManager);
    let port = value(block, "port").and_then(|e| ctx.integer(e, 1, 65535, "the port")).unwrap_or(80) as u16;
    let volume_gb =
        value(block, "volume_gb").and_then(|e| ctx.integer(e, 8, 16384, "the volume size")).unwrap_or(20) as u32;
    // After an error in `scaling`, neutral bounds (one instance per zone) keep
    // the scaling rules from reporting the same mistake again.
    let per_zone = model.deployment.zones.len().max(1) as u32;
    let scaling = match nested(block, "scaling") {
        Some(scaling) => {
            let min = value(scaling, "min").and_then(|e| ctx.integer(e, 0, 10_000, "the minimum"));
            let max = value(scaling, "max").and_then(|e| ctx.integer(e, 1, 10_000, "the maximum"));
            let target_cpu =
                value(scaling, "target_cpu").and_then(|e| ctx.number(e, 1.0, 100.0, "the target CPU")).unwrap_or(60.0);
            let span_of = |key: &str| value(scaling, key).map_or(scaling.head_span(), |e| e.span);
            let max = max.map(|v| v as u32);
            let min = min.map_or_else(|| per_zone.min(max.unwrap_or(per_zone)), |v| v as u32);
            Scaling {
                min,
                max: max.unwrap_or(min.max(1)),
                target_cpu,
                span: scaling.span,
                min_span: span_of("min"),
                max_span: span_of("max"),
            }
        }
        None => {
            ctx.report(
                Diagnostic::new(Code::MissingAttribute, format!("app servers `{}` have no `scaling` block", name.text))
                    .primary(block.head_span(), "how many instances?")
                    .help("add `scaling { min = 2, max = 8 }`, with at least one instance per zone"),
            );
            let head = block.head_span();
            Scaling { min: per_zone, max: per_zone, target_cpu: 60.0, span: head, min_span: head, max_span: head }
        }
    };
    // A `behind` block whose load balancer is unknown (already reported)
    // keeps an unresolved index, so no rule concludes that the app servers
    // are behind no load balancer.
    let behind = nested(block, "behind").map(|behind| {
        let load_balancer = behind
            .label
            .as_ref()
            .and_then(|label| {
                let ident = ast::Ident { text: label.text.clone(), span: label.span };
                ctx.resolve(&ident, &[SymbolKind::LoadBalancer], "load balancer")
            })
            .map_or(usize::MAX, |(index, _)| index);
        let health_check = match value(behind, "health_check").map(|e| (ctx.string(e), e.span)) {
            Some((Some(path), _)) if path.starts_with('/') && path.len() <= 1024 => path,
            Some((Some(_), span)) => {
                ctx.report(
                    Diagnostic::new(Code::InvalidValue, "a health check path starts with `/`")
                        .primary(span, "not a path")
                        .help("write a path such as \"/login/index.php\""),
                );
                "/".to_string()
            }
            _ => "/".to_string(),
        };
        let health_check_span = value(behind, "health_check").map(|e| e.span);
        Behind { load_balancer, health_check, health_check_span, span: behind.span }
    });
    AppServers {
        name,
        tier,
        security_group,
        subnets_span,
        security_group_span,
        instance_type,
        image: image.unwrap_or(Image::Ssm(String::new())),
        access,
        port,
        volume_gb,
        scaling,
        behind,
        span: block.span,
    }
}

/// `database NAME { ... }`.
pub(super) fn database(ctx: &mut Ctx<'_>, block: &Block, model: &Model) -> Database {
    let prod = model.deployment.is_prod();
    let name = name_of(block);
    let engine_expr = value(block, "engine");
    let engine_read = engine_expr.and_then(|expr| ctx.engine(expr));
    let engine_known = engine_read.is_some();
    let (engine, version) = engine_read.unwrap_or((Engine::Mysql, String::new()));
    let engine_span = engine_expr.map_or(block.head_span(), |e| e.span);
    // The class is judged against the engine's offer only when the engine
    // is known: a wrong engine is reported once, not again through its class.
    let class = value(block, "class")
        .and_then(|e| ctx.string(e).map(|t| (t, e.span)))
        .and_then(|(t, span)| {
            let kind = if engine_known { InstanceKind::Rds(engine.as_str()) } else { InstanceKind::Rds("mysql") };
            (!engine_known || ctx.instance_type(&t, span, kind, &model.deployment)).then_some(t)
        })
        .unwrap_or_default();
    let storage_gb =
        value(block, "storage_gb").and_then(|e| ctx.integer(e, 20, 65536, "the storage size")).unwrap_or(100) as u32;
    let tier = value(block, "subnets").and_then(|e| ctx.tier_ref(e, &model.network)).unwrap_or(usize::MAX);
    let security_group = value(block, "security_group").and_then(|e| ctx.group_ref(e)).unwrap_or(usize::MAX);
    let subnets_span = value(block, "subnets").map_or(block.head_span(), |e| e.span);
    let security_group_span = value(block, "security_group").map_or(block.head_span(), |e| e.span);
    let multi_az = match value(block, "multi_az").map(|e| (ctx.boolean(e), e.span)) {
        Some((Some(false), span)) => {
            ctx.report(
                Diagnostic::new(Code::SingleAzDatabase, format!("database `{}` has no Multi-AZ standby", name.text))
                    .primary(span, "one zone's outage takes the database, and Moodle, down")
                    .help("remove `multi_az = false`: RDS keeps a synchronous standby in another zone and fails over in one to two minutes"),
            );
            false
        }
        _ => true,
    };
    let backup_days = match value(block, "backup_days").map(|e| (ctx.integer(e, 0, 35, "backup retention"), e.span)) {
        Some((Some(0), span)) => {
            ctx.report(
                Diagnostic::new(Code::NoBackups, format!("database `{}` has automated backups turned off", name.text))
                    .primary(span, "no point-in-time recovery")
                    .help("keep at least 7 days: `backup_days = 7`"),
            );
            0
        }
        Some((Some(days), _)) => days as u32,
        _ => 7,
    };
    let deletion_protection = stateful_protection(ctx, block, prod, "database");
    let encrypted = encryption(ctx, block, &format!("database `{}`", name.text));
    let performance_insights = value(block, "performance_insights").and_then(|e| ctx.boolean(e)).unwrap_or(true);
    let db_name = value(block, "name").and_then(|e| ctx.string(e).map(|n| (n, e.span)));
    let db_name = match db_name {
        Some((n, span)) if !engine_known || ctx.db_name(&n, span, engine.as_str(), engine_span) => n,
        Some(_) => "moodle".to_string(),
        None => "moodle".to_string(),
    };
    let username = value(block, "username").and_then(|e| ctx.string(e).map(|n| (n, e.span)));
    let username = match username {
        Some((n, span))
            if n.is_empty()
                || n.len() > 16
                || !n.starts_with(|c: char| c.is_ascii_alphabetic())
                || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || ["admin", "root", "rdsadmin", "postgres", "mysql"].contains(&n.as_str()) =>
        {
            ctx.report(
                Diagnostic::new(Code::InvalidValue, format!("`{n}` cannot be the master user"))
                    .primary(span, "invalid or reserved user name")
                    .help("use 1 to 16 letters, digits and `_`, starting with a letter, not a reserved name such as admin or root"),
            );
            "moodleadmin".to_string()
        }
        Some((n, _)) => n,
        None => "moodleadmin".to_string(),
    };
    if let Some(attribute) = block.attribute("password") {
        if matches!(attribute.value.kind, ExprKind::String(_)) {
            ctx.report(super::values::literal_secret(attribute, "database", true));
        } else {
            ctx.report(
                Diagnostic::new(Code::InvalidValue, "the master password cannot be set")
                    .primary(attribute.span, "RDS generates and keeps the master password")
                    .help("remove `password`: RDS creates the password in Secrets Manager, where Moodle's configuration reads it"),
            );
        }
    }
    Database {
        name,
        engine,
        version,
        class,
        storage_gb,
        tier,
        security_group,
        subnets_span,
        security_group_span,
        multi_az,
        backup_days,
        deletion_protection,
        encrypted,
        performance_insights,
        db_name,
        username,
        engine_span,
        span: block.span,
    }
}

impl Ctx<'_> {
    /// `mysql("8.0")` → engine and version.
    fn engine(&mut self, expr: &Expr) -> Option<(Engine, String)> {
        let (name, args) = match &expr.kind {
            ExprKind::Call { name, args } => (name, args.as_slice()),
            ExprKind::Reference(path) if path.len() == 1 => (&path[0], &[][..]),
            _ => {
                self.type_error(expr, "an engine and version: mysql(\"8.0\")");
                return None;
            }
        };
        let engine = match name.text.as_str() {
            "mysql" => Engine::Mysql,
            "postgres" | "postgresql" => Engine::Postgres,
            "mariadb" => Engine::Mariadb,
            other => {
                if let Some(reason) = stdlib()
                    .moodle
                    .unsupported_engines
                    .iter()
                    .find(|(k, _)| other.starts_with(k.as_str()))
                    .map(|(_, r)| r)
                {
                    self.report(
                        Diagnostic::new(
                            Code::UnsupportedEngine,
                            format!("`{other}` is not a supported database engine"),
                        )
                        .primary(name.span, reason.clone())
                        .help("use mysql(\"8.4\"), postgres(\"16\") or mariadb(\"10.11\")"),
                    );
                } else {
                    let help = match did_you_mean(other, ["mysql", "postgres", "mariadb"]) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => "the engines are mysql, postgres and mariadb".to_string(),
                    };
                    self.report(
                        Diagnostic::new(Code::InvalidValue, format!("`{other}` is not a database engine"))
                            .primary(name.span, "unknown engine")
                            .help(help),
                    );
                }
                return None;
            }
        };
        let version = match args {
            [arg] => match &arg.kind {
                ExprKind::String(v)
                    if !v.is_empty()
                        && v.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())) =>
                {
                    v.clone()
                }
                ExprKind::String(v) => {
                    self.report(
                        Diagnostic::new(Code::InvalidValue, format!("`{v}` is not an engine version"))
                            .primary(arg.span, "expected numbers separated by dots")
                            .help(format!(
                                "write {}(\"{}\")",
                                name.text,
                                if engine == Engine::Postgres { "16" } else { "8.4" }
                            )),
                    );
                    return None;
                }
                _ => {
                    self.type_error(arg, "a version string (\"8.0\")");
                    return None;
                }
            },
            _ => {
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!("`{}` takes one argument: the engine version", name.text),
                    )
                    .primary(expr.span, "give the version")
                    .help(format!(
                        "write {}(\"{}\")",
                        name.text,
                        if engine == Engine::Postgres { "16" } else { "8.4" }
                    )),
                );
                return None;
            }
        };
        let version_span = args.first().map_or(expr.span, |arg| arg.span);
        if !self.rds_engine_version(engine.as_str(), &version, version_span) {
            // The engine is known; only its version is not.
            return Some((engine, String::new()));
        }
        Some((engine, version))
    }
}

/// `file_system NAME { ... }`.
pub(super) fn file_system(ctx: &mut Ctx<'_>, block: &Block, model: &Model) -> FileSystem {
    let name = name_of(block);
    let tier = value(block, "subnets").and_then(|e| ctx.tier_ref(e, &model.network)).unwrap_or(usize::MAX);
    let security_group = value(block, "security_group").and_then(|e| ctx.group_ref(e)).unwrap_or(usize::MAX);
    let subnets_span = value(block, "subnets").map_or(block.head_span(), |e| e.span);
    let security_group_span = value(block, "security_group").map_or(block.head_span(), |e| e.span);
    let throughput = value(block, "throughput")
        .and_then(|e| {
            ctx.choice(e, &[("elastic", Throughput::Elastic), ("bursting", Throughput::Bursting)], "throughput mode")
        })
        .unwrap_or(Throughput::Elastic);
    let encrypted = encryption(ctx, block, &format!("file system `{}`", name.text));
    let backup = value(block, "backup").and_then(|e| ctx.boolean(e)).unwrap_or(true);
    let deletion_protection = stateful_protection(ctx, block, model.deployment.is_prod(), "file system");
    FileSystem {
        name,
        tier,
        security_group,
        subnets_span,
        security_group_span,
        throughput,
        encrypted,
        backup,
        deletion_protection,
        span: block.span,
    }
}

/// `cache NAME { ... }`.
pub(super) fn cache(ctx: &mut Ctx<'_>, block: &Block, model: &Model) -> Cache {
    let name = name_of(block);
    let engine = value(block, "engine")
        .and_then(|e| {
            ctx.choice(
                e,
                &[
                    ("redis", CacheEngine::Redis),
                    ("valkey", CacheEngine::Valkey),
                    ("memcached", CacheEngine::Memcached),
                ],
                "cache engine",
            )
        })
        .unwrap_or(CacheEngine::Redis);
    let version = value(block, "version")
        .and_then(|e| ctx.string(e).map(|v| (v, e.span)))
        .and_then(|(v, span)| ctx.cache_engine_version(engine.as_str(), &v, span).then_some(v));
    let node_type = value(block, "node_type")
        .and_then(|e| ctx.string(e).map(|t| (t, e.span)))
        .and_then(|(t, span)| ctx.instance_type(&t, span, InstanceKind::Cache, &model.deployment).then_some(t))
        .unwrap_or_else(|| "cache.t4g.medium".to_string());
    let tier = value(block, "subnets").and_then(|e| ctx.tier_ref(e, &model.network)).unwrap_or(usize::MAX);
    let security_group = value(block, "security_group").and_then(|e| ctx.group_ref(e)).unwrap_or(usize::MAX);
    let subnets_span = value(block, "subnets").map_or(block.head_span(), |e| e.span);
    let security_group_span = value(block, "security_group").map_or(block.head_span(), |e| e.span);
    let usage = value(block, "use")
        .and_then(|e| {
            ctx.choice(
                e,
                &[("sessions", CacheUse::Sessions), ("application", CacheUse::Application), ("both", CacheUse::Both)],
                "cache use",
            )
        })
        .unwrap_or(CacheUse::Sessions);
    let encrypted = encryption(ctx, block, &format!("cache `{}`", name.text));
    let deletion_protection = stateful_protection(ctx, block, model.deployment.is_prod(), "cache");
    Cache {
        name,
        engine,
        version,
        node_type,
        tier,
        security_group,
        subnets_span,
        security_group_span,
        usage,
        encrypted,
        deletion_protection,
        span: block.span,
    }
}

/// `object_storage NAME { ... }`.
pub(super) fn bucket(ctx: &mut Ctx<'_>, block: &Block, model: &Model) -> Bucket {
    let name = name_of(block);
    let versioning = value(block, "versioning").and_then(|e| ctx.boolean(e)).unwrap_or(true);
    let expire_noncurrent_days =
        value(block, "expire_noncurrent_days").and_then(|e| ctx.integer(e, 1, 3650, "the expiry")).unwrap_or(90) as u32;
    let deletion_protection = stateful_protection(ctx, block, model.deployment.is_prod(), "bucket");
    Bucket { name, versioning, expire_noncurrent_days, deletion_protection, span: block.span }
}

/// `monitoring { ... }`.
pub(super) fn monitoring(ctx: &mut Ctx<'_>, block: &Block, model: &Model) -> Monitoring {
    let allowed = &stdlib().metrics.log_retention_days;
    let retention_days = nested(block, "logs")
        .and_then(|logs| value(logs, "retention_days"))
        .and_then(|expr| {
            let days = ctx.integer(expr, 1, 3653, "log retention")?;
            if allowed.contains(&(days as u32)) {
                return Some(days as u32);
            }
            let nearest = allowed.iter().copied().min_by_key(|a| a.abs_diff(days as u32)).unwrap_or(30);
            ctx.report(
                Diagnostic::new(Code::InvalidValue, format!("CloudWatch Logs cannot keep logs for {days} days"))
                    .primary(expr.span, "not a retention CloudWatch Logs offers")
                    .help(format!(
                        "the nearest allowed value is {nearest}; the values are {}",
                        allowed.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
                    )),
            );
            None
        })
        .unwrap_or(30);
    let mut notify = Vec::new();
    let mut notify_spans = Vec::new();
    if let Some(expr) = value(block, "notify") {
        let items: Vec<&Expr> = match &expr.kind {
            ExprKind::List(items) => items.iter().collect(),
            _ => vec![expr],
        };
        for item in items {
            let Some(address) = ctx.string(item) else { continue };
            let valid = is_email(&address);
            if valid {
                notify.push(address);
                notify_spans.push(item.span);
            } else {
                ctx.report(
                    Diagnostic::new(Code::InvalidEmail, format!("`{address}` is not an email address"))
                        .primary(item.span, "alarms are sent by email to this address")
                        .help("write one address such as \"ops@example.edu\": one `@`, a local part of letters, digits and !#$%&'*+/=?^_`{|}~- (dots between them), and a domain of dot-separated labels ending in a top-level domain"),
                );
            }
        }
    }
    let mut alarms: Vec<Alarm> = Vec::new();
    for entry in &block.entries {
        let Entry::Alarm(rule) = entry else { continue };
        if let Some(alarm) = ctx.alarm(rule, model) {
            if let Some(first) = alarms.iter().find(|a| a.name == alarm.name) {
                ctx.report(
                    Diagnostic::new(Code::DuplicateAlarm, format!("two alarms on `{}` in the same direction", rule.target.iter().map(|i| i.text.as_str()).collect::<Vec<_>>().join(".")))
                        .primary(rule.span, "second alarm")
                        .secondary(first.span, "first alarm")
                        .help("keep the one with the threshold you want; use `>` for one and `<` for the other to alarm on both sides"),
                );
                continue;
            }
            alarms.push(alarm);
        }
    }
    if !alarms.is_empty() && notify.is_empty() && value(block, "notify").is_none() {
        let mut diagnostic = Diagnostic::new(
            Code::AlarmsWithoutNotify,
            if alarms.len() == 1 {
                "the alarm notifies nobody".to_string()
            } else {
                format!("{} alarms notify nobody", alarms.len())
            },
        )
        .primary(block.head_span(), "no `notify` address");
        for alarm in &alarms {
            diagnostic = diagnostic.secondary(alarm.span, "changes state silently");
        }
        ctx.report(diagnostic.help("add `notify = \"ops@example.edu\"` so that alarms reach someone"));
    }
    Monitoring { retention_days, notify, notify_spans, alarms, span: Some(block.span) }
}

impl Ctx<'_> {
    fn alarm(&mut self, rule: &ast::AlarmRule, model: &Model) -> Option<Alarm> {
        let [component_ident, metric_ident] = rule.target.as_slice() else {
            self.report(
                Diagnostic::new(Code::AlarmUnknownMetric, "an alarm names a component and a metric")
                    .primary(rule.target_span, "expected COMPONENT.METRIC")
                    .help("write `alarm front.target_5xx > 10 for 5m`"),
            );
            return None;
        };
        let (index, kind) = match self.names.get(&component_ident.text).copied() {
            Some(declared) if SymbolKind::ALARMABLE.contains(&declared.kind) => {
                self.add_reference(component_ident.span, declared.symbol);
                (declared.index, declared.kind)
            }
            None if self.broken_names.contains(&component_ident.text) => return None,
            found => {
                let candidates = self.names_of(SymbolKind::ALARMABLE);
                let (message, label) = match found {
                    Some(declared) => (
                        format!("alarm on `{}`, a {} with no metrics", component_ident.text, declared.kind.describe()),
                        format!("a {} has no metrics to alarm on", declared.kind.describe()),
                    ),
                    None => (
                        format!("alarm on unknown component `{}`", component_ident.text),
                        "not defined anywhere in this file".to_string(),
                    ),
                };
                self.report(
                    Diagnostic::new(Code::AlarmUnknownComponent, message)
                        .primary(component_ident.span, label)
                        .help(suggestion_help(&component_ident.text, "component", &candidates)),
                );
                return None;
            }
        };
        let component = ComponentRef::new(kind, index);
        // Alarms resolve only to `SymbolKind::ALARMABLE` kinds, each of which
        // has its metrics in the stdlib (a test holds the two together).
        let metrics = stdlib().metrics.components.get(kind.keyword())?;
        let Some(def) = metrics.get(&metric_ident.text) else {
            let names: Vec<&str> = metrics.keys().map(String::as_str).collect();
            self.report(
                Diagnostic::new(
                    Code::AlarmUnknownMetric,
                    format!("a {} has no metric `{}`", kind.describe(), metric_ident.text),
                )
                .primary(metric_ident.span, "unknown metric")
                .secondary(component_ident.span, format!("a {}", kind.describe()))
                .help(suggestion_help(&metric_ident.text, "metric", &names)),
            );
            return None;
        };
        // An app server group whose `behind` names an unknown load balancer
        // may have meant this one: no conclusion from it.
        let unresolved_behind =
            model.app_servers.iter().any(|app| app.behind.as_ref().is_some_and(|b| b.load_balancer == usize::MAX));
        if def.dimensions.iter().any(|d| d == "TargetGroup")
            && let ComponentRef { kind: SymbolKind::LoadBalancer, index: lb } = component
            && !unresolved_behind
            && !model.app_servers.iter().any(|app| app.behind.as_ref().is_some_and(|b| b.load_balancer == lb))
        {
            self.report(
                Diagnostic::new(
                    Code::AlarmUnknownMetric,
                    format!(
                        "`{}` counts app servers, and none are behind `{}`",
                        metric_ident.text, component_ident.text
                    ),
                )
                .primary(metric_ident.span, "no target group to measure")
                .help(format!(
                    "put app servers behind it: `behind {} {{ ... }}` in an app_servers block",
                    component_ident.text
                )),
            );
            return None;
        }
        if !rule.threshold.is_finite() {
            self.report(
                Diagnostic::new(Code::OutOfRange, "the alarm threshold is too large to be a number")
                    .primary(rule.threshold_span, "beyond the largest number CloudWatch stores (about 1.8e308)")
                    .help("write the threshold as a number CloudWatch can compare with, such as 10 or 0.5"),
            );
            return None;
        }
        let seconds = rule.duration_seconds;
        let period_seconds = def.period.map_or(60, u64::from);
        let (period, evaluation_periods) = match def.period {
            Some(fixed)
                if seconds >= u64::from(fixed)
                    && seconds.is_multiple_of(u64::from(fixed))
                    && seconds / u64::from(fixed) <= 30 =>
            {
                (fixed, (seconds / u64::from(fixed)) as u32)
            }
            None if (60..=3600).contains(&seconds) && seconds.is_multiple_of(60) => (60, (seconds / 60) as u32),
            None if (3600..=86_400).contains(&seconds) && seconds.is_multiple_of(300) => (300, (seconds / 300) as u32),
            _ => {
                let help = match def.period {
                    Some(_) => {
                        format!("`{}` is reported once a day: use a whole number of days, 1d to 30d", metric_ident.text)
                    }
                    None => "use whole minutes up to 1h (`5m`), or multiples of 5 minutes up to 1d".to_string(),
                };
                self.report(
                    Diagnostic::new(
                        Code::AlarmDuration,
                        format!("CloudWatch cannot evaluate `{}` over this duration", metric_ident.text),
                    )
                    .primary(rule.duration_span, format!("{seconds} seconds, with {period_seconds}-second data points"))
                    .help(help),
                );
                return None;
            }
        };
        let high = matches!(rule.comparator, ast::Comparator::Greater | ast::Comparator::GreaterOrEqual);
        let name = format!("{}_{}{}", component_ident.text, metric_ident.text, if high { "" } else { "_low" });
        Some(Alarm {
            name,
            component,
            component_name: component_ident.text.clone(),
            metric: Metric {
                key: metric_ident.text.clone(),
                namespace: def.namespace.clone(),
                metric: def.metric.clone(),
                statistic: def.statistic.clone(),
                dimensions: def.dimensions.clone(),
                missing: def.missing.clone(),
            },
            comparator: rule.comparator,
            threshold: rule.threshold,
            period,
            evaluation_periods,
            span: rule.span,
        })
    }
}

/// `state { ... }`.
pub(super) fn state(ctx: &mut Ctx<'_>, block: &Block, model: &Model) -> RemoteState {
    let bucket = value(block, "bucket").and_then(|e| ctx.string(e)).unwrap_or_default();
    let key = value(block, "key").and_then(|e| ctx.string(e)).unwrap_or_default();
    let region = value(block, "region").and_then(|e| ctx.string(e)).unwrap_or_else(|| model.deployment.region.clone());
    let lock_table = value(block, "lock_table").and_then(|e| ctx.string(e));
    RemoteState { bucket, key, region, lock_table, span: block.span }
}

/// Whether `address` is an email address SNS can deliver to: one `@`; a
/// local part of at most 64 characters, RFC 5322 dot-atom text (letters,
/// digits and ``!#$%&'*+/=?^_`{|}~-``, dots only between them); a domain of
/// at most 253 characters in two or more labels of letters, digits and
/// inner hyphens, the last one alphabetic.
pub(super) fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else { return false };
    let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.split('.').all(|part| !part.is_empty() && part.chars().all(atom));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    #[test]
    fn email_addresses() {
        for good in ["ops@example.edu", "a.b+alerts@mail.example.co.uk", "x_y-z@ex-ample.org"] {
            assert!(super::is_email(good), "{good}");
        }
        for bad in [
            "ops@@example.edu",
            "ops@example",
            "@example.edu",
            "ops@.example.edu",
            "a..b@example.edu",
            "ops@example.edu.",
            "o ps@example.edu",
            "ops@exa_mple.edu",
            "ops@-example.edu",
            "ops@example.123",
            "ops@example.edu@x.org",
            ".ops@example.edu",
        ] {
            assert!(!super::is_email(bad), "{bad}");
        }
    }
}
