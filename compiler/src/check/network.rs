//! Network rules: subnet sizes for what is placed in them, and a way out for
//! private tiers.

use super::placed;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::*;
use crate::symbols::SymbolKind;

/// Addresses AWS reserves in every subnet (network, router, DNS, future, broadcast).
const RESERVED_PER_SUBNET: u64 = 5;
/// Groups labelled individually in one diagnostic.
const MAX_GROUP_LABELS: usize = 3;
/// Smallest subnet a load balancer accepts.
const LOAD_BALANCER_MIN_PREFIX: u8 = 27;

pub(super) fn check(model: &Model, diagnostics: &mut Diagnostics) {
    subnet_sizes(model, diagnostics);
    egress(model, diagnostics);
}

fn subnet_sizes(model: &Model, diagnostics: &mut Diagnostics) {
    let tiers = &model.network.tiers;
    for lb in &model.load_balancers {
        let Some(tier) = tiers.get(lb.tier) else { continue };
        for subnet in tier.subnets.iter().filter(|s| s.cidr.prefix_len() > LOAD_BALANCER_MIN_PREFIX) {
            diagnostics.push(
                Diagnostic::new(Code::SubnetTooSmallForLoadBalancer, format!("subnet {} is too small for load balancer `{}`", subnet.cidr, lb.name.text))
                    .primary(subnet.span, format!("a /{} has {} addresses", subnet.cidr.prefix_len(), 1u64 << (32 - subnet.cidr.prefix_len())))
                    .secondary(lb.subnets_span, "the load balancer is placed here")
                    .help(format!("an application load balancer needs at least a /{LOAD_BALANCER_MIN_PREFIX} in every subnet, with 8 free addresses to scale; widen this block")),
            );
        }
    }
    // Addresses each tier must hold: app servers at their maximum (all of them
    // can land in one zone when another fails), one mount target per file
    // system, one interface per interface endpoint, plus AWS's reserved five.
    for (tier_index, tier) in tiers.iter().enumerate() {
        let apps: Vec<&AppServers> = model.app_servers.iter().filter(|a| a.tier == tier_index).collect();
        if apps.is_empty() {
            continue;
        }
        let instances: u64 = apps.iter().map(|a| u64::from(a.scaling.max)).sum();
        let mount_targets = model.file_systems.iter().filter(|f| f.tier == tier_index).count() as u64;
        let interfaces = if tier.kind != TierKind::Public {
            model.network.endpoints.iter().filter(|e| !e.is_gateway()).count() as u64
        } else {
            0
        };
        let needed = instances + mount_targets + interfaces + RESERVED_PER_SUBNET;
        for subnet in &tier.subnets {
            let size = 1u64 << (32 - u32::from(subnet.cidr.prefix_len()));
            if size < needed {
                let mut diagnostic = Diagnostic::new(
                    Code::SubnetTooSmallForScaling,
                    format!("subnet {} cannot hold the app servers at their maximum", subnet.cidr),
                )
                .primary(subnet.span, format!("{size} addresses; {needed} needed"));
                // A label per group reads well for a few groups; past that the
                // excerpt would be the whole file.
                for app in apps.iter().take(MAX_GROUP_LABELS) {
                    diagnostic = diagnostic.secondary(
                        app.scaling.max_span,
                        format!("`{}` may run {} instances", app.name.text, app.scaling.max),
                    );
                }
                if apps.len() > MAX_GROUP_LABELS {
                    diagnostic = diagnostic.secondary(
                        tier.name.span,
                        format!("{} app server groups in all are placed in tier `{}`", apps.len(), tier.name.text),
                    );
                }
                diagnostics.push(diagnostic.help(format!(
                    "when a zone fails, every instance can land in one subnet: it needs {instances} instance address{} + {mount_targets} mount target{} + {interfaces} endpoint interface{} + {RESERVED_PER_SUBNET} reserved by AWS; widen the subnet or lower `max`",
                    if instances == 1 { "" } else { "es" },
                    if mount_targets == 1 { "" } else { "s" },
                    if interfaces == 1 { "" } else { "s" },
                )));
            }
        }
    }
}

/// Private tiers need a way out for Session Manager and package installs.
/// (NAT placement and the single-NAT warning are read with the `nat` value,
/// in lowering.)
fn egress(model: &Model, diagnostics: &mut Diagnostics) {
    let network = &model.network;
    let required: &[Endpoint] = &[Endpoint::Ssm, Endpoint::SsmMessages, Endpoint::Ec2Messages, Endpoint::S3];
    for component in placed(model) {
        let ComponentRef { kind: SymbolKind::AppServers, index } = component.component else { continue };
        let Some(tier) = network.tiers.get(component.tier) else { continue };
        let via_nat = tier.kind == TierKind::Private && network.nat != NatMode::None;
        if tier.kind == TierKind::Public || via_nat {
            continue;
        }
        let app = &model.app_servers[index];
        let needs: Vec<Endpoint> = required
            .iter()
            .copied()
            .filter(|e| (*e == Endpoint::S3 || app.access == Access::SessionManager) && !network.endpoints.contains(e))
            .collect();
        if needs.is_empty() {
            continue;
        }
        let missing = needs.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ");
        let why = if tier.kind == TierKind::Isolated {
            "an isolated tier has no route out"
        } else {
            "`nat = none` leaves this private tier no route out"
        };
        diagnostics.push(
            Diagnostic::new(Code::NoEgress, format!("app servers `{}` have no way out of tier `{}`", app.name.text, tier.name.text))
                .primary(component.subnets_span, why)
                .secondary(tier.name.span, format!("tier `{}` is {}", tier.name.text, tier.kind.as_str()))
                .help(format!(
                    "Session Manager and package installs need outbound access: set `nat = per_zone` on the network, or add `endpoints = [{missing}]`"
                )),
        );
    }
}
