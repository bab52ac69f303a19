//! Placement rules: which tier each component may live in, and how many
//! zones it must span.

use super::placed;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::*;
use crate::symbols::SymbolKind;

/// The span of the deployment's zone list, from its first to its last zone.
fn zones_span(deployment: &Deployment) -> crate::span::Span {
    let first = deployment.zones.first().map_or(deployment.span, |z| z.span);
    first.to(deployment.zones.last().map_or(deployment.span, |z| z.span))
}

pub(super) fn check(model: &Model, diagnostics: &mut Diagnostics) {
    let tiers = &model.network.tiers;
    for component in placed(model) {
        let Some(tier) = tiers.get(component.tier) else { continue };
        match component.component.kind {
            SymbolKind::LoadBalancer => {
                if tier.kind != TierKind::Public {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::LoadBalancerNotPublic,
                            format!("load balancer `{}` is in a {} tier", component.name.text, tier.kind.as_str()),
                        )
                        .primary(
                            component.subnets_span,
                            format!("tier `{}` has no route from the internet", tier.name.text),
                        )
                        .secondary(tier.name.span, format!("a {} tier", tier.kind.as_str()))
                        .help("place internet-facing load balancers in a public tier: `subnets = main.public`"),
                    );
                }
                if tier.subnets.len() < 2 {
                    diagnostics.push(
                        Diagnostic::new(Code::LoadBalancerOneZone, format!("load balancer `{}` spans {} zone{}", component.name.text, tier.subnets.len(), if tier.subnets.len() == 1 { "" } else { "s" }))
                            .primary(component.subnets_span, "fewer than two zones")
                            .secondary(tier.name.span, format!("tier `{}` has {} subnet{}", tier.name.text, tier.subnets.len(), if tier.subnets.len() == 1 { "" } else { "s" }))
                            .help("an application load balancer needs subnets in at least two zones: list two zones in the deployment and give the tier a subnet in each"),
                    );
                }
            }
            _ => {
                if tier.kind == TierKind::Public {
                    diagnostics.push(
                        Diagnostic::new(Code::PublicPlacement, format!("{} `{}` is in a public tier", component.what, component.name.text))
                            .primary(component.subnets_span, format!("tier `{}` routes straight to the internet", tier.name.text))
                            .secondary(tier.name.span, "a public tier")
                            .help(format!("place the {} in a private or isolated tier; only the load balancer belongs in a public one", component.what)),
                    );
                }
            }
        }
        if component.component.kind == SymbolKind::Database && tier.subnets.len() < 2 {
            diagnostics.push(
                Diagnostic::new(
                    Code::DatabaseOneZone,
                    format!(
                        "database `{}` has a subnet group in {} zone{}",
                        component.name.text,
                        tier.subnets.len(),
                        if tier.subnets.len() == 1 { "" } else { "s" }
                    ),
                )
                .primary(component.subnets_span, "the DB subnet group spans fewer than two zones")
                .secondary(
                    tier.name.span,
                    format!(
                        "tier `{}` has {} subnet{}",
                        tier.name.text,
                        tier.subnets.len(),
                        if tier.subnets.len() == 1 { "" } else { "s" }
                    ),
                )
                .help(
                    "RDS needs a subnet group over at least two zones, even for a single-AZ instance: list two zones in the deployment and give the tier a subnet in each",
                ),
            );
        }
    }

    let zones = model.deployment.zones.len() as u32;
    for app in &model.app_servers {
        let scaling = &app.scaling;
        if scaling.max < scaling.min {
            diagnostics.push(
                Diagnostic::new(
                    Code::ScalingMaxBelowMin,
                    format!(
                        "app servers `{}` scale to at most {}, below their minimum {}",
                        app.name.text, scaling.max, scaling.min
                    ),
                )
                .primary(scaling.max_span, "the maximum")
                .secondary(scaling.min_span, "the minimum")
                .help("make `max` at least `min`"),
            );
        }
        if scaling.min < zones {
            diagnostics.push(
                Diagnostic::new(
                    Code::ScalingBelowZones,
                    format!(
                        "app servers `{}` may run {} instance{} over {zones} zones",
                        app.name.text,
                        scaling.min,
                        if scaling.min == 1 { "" } else { "s" }
                    ),
                )
                .primary(scaling.min_span, "fewer than one per zone")
                .secondary(zones_span(&model.deployment), format!("{zones} zones"))
                .help(format!(
                    "set `min = {zones}` or more: the architecture promises a healthy app server in every zone"
                )),
            );
        }
    }

    unserved(model, diagnostics);
    for lb in &model.load_balancers {
        if let [first, second, ..] = lb.targets.as_slice() {
            let (a, b) = (&model.app_servers[*first], &model.app_servers[*second]);
            diagnostics.push(
                Diagnostic::new(Code::SharedLoadBalancer, format!("load balancer `{}` is in front of both `{}` and `{}`", lb.name.text, a.name.text, b.name.text))
                    .primary(b.behind.as_ref().map_or(b.span, |x| x.span), "second group behind it")
                    .secondary(a.behind.as_ref().map_or(a.span, |x| x.span), "first group behind it")
                    .secondary(lb.name.span, "the load balancer")
                    .help("a load balancer forwards to one app server group: give each group its own load balancer, or merge the groups"),
            );
        }
    }
}

/// App servers with no load balancer in front answer nobody: the
/// listeners only return their fixed 503 (MHA309; a warning in dev, where
/// a group may be reached another way while it is being built).
fn unserved(model: &Model, diagnostics: &mut Diagnostics) {
    for app in model.app_servers.iter().filter(|app| app.behind.is_none()) {
        let mut diagnostic = Diagnostic::new(
            Code::NoLoadBalancer,
            format!("app servers `{}` are behind no load balancer", app.name.text),
        )
        .primary(app.name.span, "no `behind` block: no request reaches these servers");
        for lb in model.load_balancers.iter().filter(|lb| lb.targets.is_empty()) {
            diagnostic = diagnostic
                .secondary(lb.name.span, format!("`{}` answers every request with a fixed 503", lb.name.text));
        }
        let help = match model.load_balancers.first() {
            Some(lb) => format!(
                "add `behind {} {{ health_check = \"/login/index.php\" }}` to app_servers {}",
                lb.name.text, app.name.text
            ),
            None => format!(
                "add a load balancer in a public tier and `behind NAME {{ health_check = \"/login/index.php\" }}` to app_servers {}",
                app.name.text
            ),
        };
        diagnostics.push(diagnostic.help(help));
    }
}
