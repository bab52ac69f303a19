//! Security-group rules: internet exposure, remote shells, the traffic paths
//! the architecture needs, data-tier isolation, unused groups; and the
//! derivation of outbound rules from the allowed flows.

use super::{placed, service_for_port};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::*;
use crate::span::Span;
use crate::symbols::SymbolKind;

pub(super) fn check(model: &Model, diagnostics: &mut Diagnostics) {
    let users = group_users(model);
    exposure(model, &users, diagnostics);
    spread_exposure(model, &users, diagnostics);
    remote_shells(model, diagnostics);
    paths(model, diagnostics);
    data_tier(model, &users, diagnostics);
    unused(model, &users, diagnostics);
}

/// For each group, the components that use it.
fn group_users(model: &Model) -> Vec<Vec<ComponentRef>> {
    let mut users = vec![Vec::new(); model.security_groups.len()];
    for component in placed(model) {
        if let Some(list) = users.get_mut(component.security_group) {
            list.push(component.component);
        }
    }
    users
}

fn is_web_port(rule: &Ingress) -> bool {
    rule.protocol == Protocol::Tcp && rule.from_port == rule.to_port && (rule.from_port == 80 || rule.from_port == 443)
}

/// `internet` or `0.0.0.0/0` only on a load balancer's 80 and 443.
fn exposure(model: &Model, users: &[Vec<ComponentRef>], diagnostics: &mut Diagnostics) {
    for (index, group) in model.security_groups.iter().enumerate() {
        // A group no component uses opens nothing (MHA405 says so).
        if users[index].is_empty() {
            continue;
        }
        let load_balancer_only = users[index].iter().all(|u| u.kind == SymbolKind::LoadBalancer);
        for rule in group.ingress.iter().filter(|r| r.source == Peer::Internet) {
            if load_balancer_only && is_web_port(rule) {
                continue;
            }
            let why = if load_balancer_only {
                "a load balancer only needs 80 and 443 from the internet".to_string()
            } else {
                format!("group `{}` is not a load balancer's group", group.name.text)
            };
            diagnostics.push(
                Diagnostic::new(Code::OpenToInternet, format!("`{}` is open to the internet in group `{}`", rule.service, group.name.text))
                    .primary(rule.source_span, "anyone on the internet")
                    .secondary(rule.port_span, why)
                    .help("only the load balancer faces the internet, on http and https; reach other components through it, or allow a specific CIDR block or VPN"),
            );
        }
    }
}

/// IPv4 blocks that are not on the public internet (IANA's special-purpose
/// registry): private, shared, loopback, link-local, documentation,
/// benchmarking, multicast and reserved space.
const NOT_PUBLIC: &[(u32, u8)] = &[
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
    (0x0A00_0000, 8),  // 10.0.0.0/8 private
    (0x6440_0000, 10), // 100.64.0.0/10 shared (carrier-grade NAT)
    (0x7F00_0000, 8),  // 127.0.0.0/8 loopback
    (0xA9FE_0000, 16), // 169.254.0.0/16 link-local
    (0xAC10_0000, 12), // 172.16.0.0/12 private
    (0xC000_0000, 24), // 192.0.0.0/24 protocol assignments
    (0xC000_0200, 24), // 192.0.2.0/24 documentation
    (0xC058_6300, 24), // 192.88.99.0/24 6to4 relay
    (0xC0A8_0000, 16), // 192.168.0.0/16 private
    (0xC612_0000, 15), // 198.18.0.0/15 benchmarking
    (0xC633_6400, 24), // 198.51.100.0/24 documentation
    (0xCB00_7100, 24), // 203.0.113.0/24 documentation
    (0xE000_0000, 4),  // 224.0.0.0/4 multicast
    (0xF000_0000, 4),  // 240.0.0.0/4 reserved, broadcast
];

/// The share of the public IPv4 address space that a set of blocks covers,
/// from 0 to 1.
pub(crate) fn public_share(blocks: &[ipnet::Ipv4Net]) -> f64 {
    let interval = |start: u32, prefix: u8| -> (u64, u64) {
        let size = 1u64 << (32 - u32::from(prefix));
        (u64::from(start), u64::from(start) + size)
    };
    let union = |mut list: Vec<(u64, u64)>| -> Vec<(u64, u64)> {
        list.sort_unstable();
        let mut out: Vec<(u64, u64)> = Vec::new();
        for (start, end) in list {
            match out.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => out.push((start, end)),
            }
        }
        out
    };
    let reserved = union(NOT_PUBLIC.iter().map(|&(start, prefix)| interval(start, prefix)).collect());
    let covered = union(blocks.iter().map(|b| interval(u32::from(b.network()), b.prefix_len())).collect());
    let overlap = |a: &[(u64, u64)], b: &[(u64, u64)]| -> u64 {
        let mut total = 0;
        for &(s1, e1) in a {
            for &(s2, e2) in b {
                total += e1.min(e2).saturating_sub(s1.max(s2));
            }
        }
        total
    };
    let size = |list: &[(u64, u64)]| list.iter().map(|(s, e)| e - s).sum::<u64>();
    let public = (1u64 << 32) - size(&reserved);
    let covered_public = size(&covered) - overlap(&covered, &reserved);
    covered_public as f64 / public as f64
}

/// Sources that each look narrow but together cover most of the internet
/// (`0.0.0.0/1` and `128.0.0.0/1`) are judged as the internet: per port,
/// the union of a group's CIDR sources over more than half of the public
/// IPv4 space is reported as MHA401, like `0.0.0.0/0`.
fn spread_exposure(model: &Model, users: &[Vec<ComponentRef>], diagnostics: &mut Diagnostics) {
    for (index, group) in model.security_groups.iter().enumerate() {
        if users[index].is_empty() {
            continue;
        }
        let load_balancer_only = users[index].iter().all(|u| u.kind == SymbolKind::LoadBalancer);
        for protocol in [Protocol::Tcp, Protocol::Udp] {
            let rules: Vec<&Ingress> =
                group.ingress.iter().filter(|r| r.protocol == protocol && matches!(r.source, Peer::Cidr(_))).collect();
            if rules.is_empty() {
                continue;
            }
            // Elementary port ranges: between consecutive rule boundaries.
            let mut bounds: Vec<u32> =
                rules.iter().flat_map(|r| [u32::from(r.from_port), u32::from(r.to_port) + 1]).collect();
            bounds.sort_unstable();
            bounds.dedup();
            let mut reported: Vec<Vec<Span>> = Vec::new();
            for window in bounds.windows(2) {
                let (from, to) = (window[0], window[1] - 1);
                let covering: Vec<&Ingress> = rules
                    .iter()
                    .copied()
                    .filter(|r| u32::from(r.from_port) <= from && to <= u32::from(r.to_port))
                    .collect();
                let blocks: Vec<ipnet::Ipv4Net> = covering
                    .iter()
                    .filter_map(|r| match r.source {
                        Peer::Cidr(cidr) => Some(cidr),
                        _ => None,
                    })
                    .collect();
                let web = protocol == Protocol::Tcp && from == to && (from == 80 || from == 443);
                let internet_rule = group.ingress.iter().any(|r| {
                    r.source == Peer::Internet
                        && r.protocol == protocol
                        && u32::from(r.from_port) <= from
                        && to <= u32::from(r.to_port)
                });
                if blocks.is_empty() || (load_balancer_only && web) || internet_rule {
                    continue;
                }
                let share = public_share(&blocks);
                let spans: Vec<Span> = covering.iter().map(|r| r.source_span).collect();
                if share <= 0.5 || reported.contains(&spans) {
                    continue;
                }
                reported.push(spans);
                let ports = if from == to { format!("port {from}") } else { format!("ports {from}-{to}") };
                let mut diagnostic = Diagnostic::new(
                    Code::OpenToInternet,
                    format!(
                        "{} {ports} is open to {:.0}% of the internet in group `{}`",
                        protocol.as_str(),
                        share * 100.0,
                        group.name.text
                    ),
                )
                .primary(covering[0].source_span, "together with the other blocks, most of the internet");
                for rule in covering.iter().skip(1) {
                    diagnostic = diagnostic.secondary(rule.source_span, "and this block");
                }
                diagnostics.push(diagnostic.secondary(covering[0].port_span, format!("`{}`", covering[0].service)).help(
                    "these blocks together admit most of the internet, as `internet` would: allow the specific networks that need access (an office, a VPN), or reach the component through the load balancer",
                ));
            }
        }
    }
}

/// No SSH or RDP while instances are reached through Session Manager.
fn remote_shells(model: &Model, diagnostics: &mut Diagnostics) {
    let Some(app) = model.app_servers.iter().find(|a| a.access == Access::SessionManager) else { return };
    for group in &model.security_groups {
        for rule in &group.ingress {
            let opens = |port: u16| rule.protocol == Protocol::Tcp && rule.from_port <= port && port <= rule.to_port;
            let shell = if opens(22) {
                "SSH"
            } else if opens(3389) {
                "RDP"
            } else {
                continue;
            };
            diagnostics.push(
                Diagnostic::new(Code::RemoteShellOpen, format!("{shell} is open in group `{}`", group.name.text))
                    .primary(rule.port_span, format!("opens {shell}"))
                    .secondary(app.name.span, format!("`{}` is reached through Session Manager", app.name.text))
                    .help(format!("remove the rule: `aws ssm start-session` reaches the instances with no inbound port; an open {shell} port is attack surface with no use")),
            );
        }
    }
}

/// Whether `group` admits TCP `port` from group `source`.
fn admits(model: &Model, group: usize, source: usize, port: u16) -> bool {
    model.security_groups.get(group).is_some_and(|g| {
        g.ingress.iter().any(|r| {
            r.source == Peer::Group(source) && r.protocol == Protocol::Tcp && r.from_port <= port && port <= r.to_port
        })
    })
}

/// The flows the architecture needs, as (from group, to group, port, what).
fn needed_flows(model: &Model) -> Vec<Flow<'_>> {
    let mut flows = Vec::new();
    for app in &model.app_servers {
        if let Some(behind) = &app.behind
            && let Some(lb) = model.load_balancers.get(behind.load_balancer)
        {
            flows.push(Flow {
                from: lb.security_group,
                from_span: lb.security_group_span,
                from_what: format!("load balancer `{}`", lb.name.text),
                to: app.security_group,
                to_span: app.security_group_span,
                to_what: format!("app servers `{}`", app.name.text),
                port: app.port,
                service: service_for_port(app.port),
                _app: app,
            });
        }
        let targets = model
            .databases
            .iter()
            .map(|d| {
                let what = format!("database `{}`", d.name.text);
                (d.security_group, d.security_group_span, what, d.engine.port(), engine_service(d.engine.as_str()))
            })
            .chain(model.file_systems.iter().map(|f| {
                let what = format!("file system `{}`", f.name.text);
                (f.security_group, f.security_group_span, what, 2049, engine_service("nfs"))
            }))
            .chain(model.caches.iter().map(|c| {
                let what = format!("cache `{}`", c.name.text);
                (c.security_group, c.security_group_span, what, c.engine.port(), engine_service(c.engine.as_str()))
            }));
        for (to, to_span, to_what, port, service) in targets {
            flows.push(Flow {
                from: app.security_group,
                from_span: app.security_group_span,
                from_what: format!("app servers `{}`", app.name.text),
                to,
                to_span,
                to_what,
                port,
                service,
                _app: app,
            });
        }
    }
    flows
}

struct Flow<'m> {
    from: usize,
    from_span: Span,
    from_what: String,
    to: usize,
    to_span: Span,
    to_what: String,
    port: u16,
    /// The service name of the port, as an `allow` rule writes it.
    service: String,
    _app: &'m AppServers,
}

/// The `allow` service of an engine (`mysql`, `redis`), or of `nfs`.
fn engine_service(engine: &str) -> String {
    crate::stdlib::stdlib().services.engines.get(engine).map_or_else(|| engine.to_string(), |e| e.service.clone())
}

/// Every needed flow is allowed; the load balancer accepts the web.
fn paths(model: &Model, diagnostics: &mut Diagnostics) {
    for flow in needed_flows(model) {
        let (Some(from), Some(to)) = (model.security_groups.get(flow.from), model.security_groups.get(flow.to)) else {
            continue;
        };
        // A rule of the group named something unknown: it may be the rule
        // that allows this flow.
        if to.incomplete || admits(model, flow.to, flow.from, flow.port) {
            continue;
        }
        let service = &flow.service;
        let mut diagnostic = Diagnostic::new(
            Code::MissingPath,
            format!("{} cannot reach {} on port {} ({service})", flow.from_what, flow.to_what, flow.port),
        )
        .primary(to.name.span, format!("group `{}` does not allow {service} from `{}`", to.name.text, from.name.text));
        // Rules that admit the right source on other ports: the likely slip.
        for rule in to.ingress.iter().filter(|r| r.source == Peer::Group(flow.from)) {
            diagnostic =
                diagnostic.secondary(rule.port_span, format!("opens `{}`, not port {}", rule.service, flow.port));
        }
        diagnostics.push(
            diagnostic
                .secondary(flow.to_span, format!("{} uses group `{}`", flow.to_what, to.name.text))
                .secondary(flow.from_span, format!("{} uses group `{}`", flow.from_what, from.name.text))
                .help(format!("add `allow {service} from {}` to security_group {}", from.name.text, to.name.text)),
        );
    }
    for lb in &model.load_balancers {
        let Some(group) = model.security_groups.get(lb.security_group).filter(|g| !g.incomplete) else { continue };
        let port = if lb.https.is_some() { 443 } else { 80 };
        let open = group.ingress.iter().any(|r| {
            r.source == Peer::Internet && r.protocol == Protocol::Tcp && r.from_port <= port && port <= r.to_port
        });
        if !open {
            let service = service_for_port(port);
            diagnostics.push(
                Diagnostic::new(
                    Code::MissingPath,
                    format!("load balancer `{}` does not accept {service} from the internet", lb.name.text),
                )
                .primary(
                    group.name.span,
                    format!("group `{}` does not allow port {port} from the internet", group.name.text),
                )
                .secondary(lb.security_group_span, format!("the load balancer uses group `{}`", group.name.text))
                .help(format!(
                    "add `allow {} from internet` to security_group {}",
                    if lb.https.is_some() { "https, http" } else { "http" },
                    group.name.text
                )),
            );
        }
    }
}

/// Groups of the data tier (databases, caches, file systems) admit only the
/// app servers' groups.
fn data_tier(model: &Model, users: &[Vec<ComponentRef>], diagnostics: &mut Diagnostics) {
    let app_groups: Vec<usize> = model.app_servers.iter().map(|a| a.security_group).collect();
    // App servers whose group is unknown (already reported) may use any
    // group: no group source can be judged then.
    let app_group_unknown = app_groups.iter().any(|g| model.security_groups.get(*g).is_none());
    for (index, group) in model.security_groups.iter().enumerate() {
        let Some(data_user) = users[index]
            .iter()
            .find(|u| matches!(u.kind, SymbolKind::Database | SymbolKind::Cache | SymbolKind::FileSystem))
        else {
            continue;
        };
        let what = model
            .component_name(*data_user)
            .map_or_else(String::new, |name| format!("{} `{}`", data_user.kind.describe(), name.text));
        for rule in &group.ingress {
            if rule.source == Peer::Internet {
                continue; // Reported as MHA401 already.
            }
            if let Peer::Group(source) = rule.source
                && (app_group_unknown || app_groups.contains(&source))
            {
                continue;
            }
            let source = match &rule.source {
                Peer::Group(g) => {
                    format!("group `{}`", model.security_groups.get(*g).map_or("?", |g| g.name.text.as_str()))
                }
                Peer::Cidr(cidr) => cidr.to_string(),
                Peer::Vpn(v) => format!("VPN `{}`", model.vpns.get(*v).map_or("?", |v| v.name.text.as_str())),
                Peer::Internet => "the internet".to_string(),
            };
            diagnostics.push(
                Diagnostic::new(Code::DataTierExposed, format!("{what} is reachable from {source}"))
                    .primary(rule.source_span, "not an app server group")
                    .secondary(group.name.span, format!("group `{}` protects {what}", group.name.text))
                    .help("data-tier groups admit only the app servers' group; reach the data from elsewhere through Session Manager port forwarding on an app server"),
            );
        }
    }
}

fn unused(model: &Model, users: &[Vec<ComponentRef>], diagnostics: &mut Diagnostics) {
    // A component whose group is unknown (already reported) may have meant
    // any of the unused ones.
    if placed(model).iter().any(|c| model.security_groups.get(c.security_group).is_none()) {
        return;
    }
    for (index, group) in model.security_groups.iter().enumerate() {
        if users[index].is_empty() {
            diagnostics.push(
                Diagnostic::new(
                    Code::UnusedGroup,
                    format!("security group `{}` is used by no component", group.name.text),
                )
                .primary(group.name.span, "never referenced by `security_group = ...`")
                .help("remove it, or attach it to the component it was meant for"),
            );
        }
    }
}

/// Outbound rules: a group that another group admits gets the matching
/// egress rule; app servers also reach the internet on 443 and 80 (package
/// repositories and AWS APIs, through NAT or endpoints). Every other group
/// has no outbound rule at all.
pub(super) fn derive_egress(model: &mut Model) {
    let mut egress: Vec<Vec<Egress>> = vec![Vec::new(); model.security_groups.len()];
    for (target, group) in model.security_groups.iter().enumerate() {
        for rule in &group.ingress {
            if let Peer::Group(source) = rule.source
                && let Some(list) = egress.get_mut(source)
            {
                let rule = Egress {
                    protocol: rule.protocol,
                    from_port: rule.from_port,
                    to_port: rule.to_port,
                    destination: Peer::Group(target),
                    description: format!("{} to {}", rule.service, group.name.text),
                };
                if !list.contains(&rule) {
                    list.push(rule);
                }
            }
        }
    }
    for app in &model.app_servers {
        let Some(list) = egress.get_mut(app.security_group) else { continue };
        for (port, service) in [(443, "https"), (80, "http")] {
            let rule = Egress {
                protocol: Protocol::Tcp,
                from_port: port,
                to_port: port,
                destination: Peer::Internet,
                description: format!("{service} to package repositories and AWS APIs"),
            };
            if !list.contains(&rule) {
                list.push(rule);
            }
        }
    }
    for (group, rules) in model.security_groups.iter_mut().zip(egress) {
        group.egress = rules;
    }
}
