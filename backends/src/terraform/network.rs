//! Network: the VPC and everything that routes packets.
//!
//! * `aws_vpc.NETWORK`, and `aws_default_security_group.NETWORK` with no
//!   rule, so the VPC's default group allows nothing;
//! * per tier and zone: `aws_subnet.TIER_ZONE`, its own route table
//!   `aws_route_table.TIER_ZONE`, the association, and the default route
//!   `aws_route.TIER_ZONE` (public tiers to the internet gateway, private
//!   tiers to the NAT gateway of their zone, or the single one; isolated
//!   tiers have none);
//! * `aws_internet_gateway.NETWORK`; per NAT zone `aws_eip.NETWORK_nat_ZONE`
//!   and `aws_nat_gateway.NETWORK_ZONE` in the first public tier;
//! * VPC endpoints `aws_vpc_endpoint.NETWORK_SERVICE`: S3 as a gateway on
//!   every non-public route table, the others as interfaces in one non-public
//!   tier ([`decisions::endpoint_tier`]), behind
//!   `aws_security_group.NETWORK_endpoints` (HTTPS from the app servers'
//!   security groups);
//! * flow logs: `aws_flow_log.NETWORK` to `aws_cloudwatch_log_group.NETWORK_flow_logs`
//!   through `aws_iam_role.NETWORK_flow_logs`;
//! * VPN: one `aws_vpn_gateway.NETWORK` (a VPC takes one), and per `vpn`
//!   `aws_customer_gateway.VPN`, `aws_vpn_connection.VPN` (static routes),
//!   `aws_vpn_connection_route.VPN_CIDR` per route, and
//!   `aws_vpn_gateway_route_propagation.TIER_ZONE` on the route tables of
//!   every tier a VPN reaches.

use super::doc::{Area, Doc, Res, list, reference, resource_ref, suffixed};
use super::monitoring::log_group;
use super::names::{address, cidr_label};
use super::security::{Statement, assume_role_document, policy_document};
use crate::decisions;
use hcl::expr::Expression;
use mhac_compiler::model::{Model, NatMode, Subnet, Tier, TierKind, Zone};
use std::collections::BTreeSet;

/// The subnets of `tier` in a known zone, each with its zone and the
/// address its `aws_subnet` and `aws_route_table` share (`TIER_ZONE`).
pub fn tier_subnets<'m>(model: &'m Model, tier: &'m Tier) -> impl Iterator<Item = (&'m Subnet, &'m Zone, String)> {
    tier.subnets.iter().filter_map(move |subnet| {
        let zone = model.deployment.zones.get(subnet.zone)?;
        Some((subnet, zone, address(&[tier.name.as_str(), &zone.suffix])))
    })
}

/// References to the subnets of tier `tier` (an index into the network's
/// tiers), in the tier's order.
pub fn subnet_ids(model: &Model, tier: usize) -> Vec<Expression> {
    let Some(tier) = model.network.tiers.get(tier) else { return Vec::new() };
    tier_subnets(model, tier).map(|(_, _, name)| reference("aws_subnet", &name, "id")).collect()
}

/// Build the network.
pub fn build(doc: &mut Doc<'_>) {
    let model = doc.model;
    let network = &model.network;
    let net = network.name.as_str();
    let zones = &model.deployment.zones;
    let vpc_id = reference("aws_vpc", net, "id");

    doc.add(
        Area::Network,
        Res::resource("aws_vpc", net)
            .attr("cidr_block", network.cidr.to_string())
            .attr("enable_dns_support", true)
            .attr("enable_dns_hostnames", true)
            .attr("tags", doc.name_tag(&[net])),
    );
    super::layout::output(
        doc,
        &address(&[net, "vpc_id"]),
        format!("VPC of network {net}"),
        reference("aws_vpc", net, "id"),
    );
    doc.add(
        Area::Network,
        Res::resource("aws_default_security_group", net)
            .attr("vpc_id", vpc_id.clone())
            .attr("tags", doc.name_tag(&[net, "default"])),
    );

    for tier in &network.tiers {
        for (subnet, zone, name) in tier_subnets(model, tier) {
            doc.add(
                Area::Network,
                Res::resource("aws_subnet", name.as_str())
                    .attr("vpc_id", vpc_id.clone())
                    .attr("cidr_block", subnet.cidr.to_string())
                    .attr("availability_zone", zone.name.as_str())
                    .attr("map_public_ip_on_launch", false)
                    .attr("tags", doc.name_tag(&[tier.name.as_str(), &zone.suffix])),
            );
        }
    }

    let public_tier = network.public_tier().and_then(|index| network.tiers.get(index));
    if public_tier.is_some() {
        doc.add(
            Area::Network,
            Res::resource("aws_internet_gateway", net)
                .attr("vpc_id", vpc_id.clone())
                .attr("tags", doc.name_tag(&[net])),
        );
    }

    // NAT gateways, in the first public tier: one per zone, or one in the first zone.
    let nat_zones: Vec<usize> = match (network.nat, public_tier) {
        (NatMode::PerZone, Some(_)) => (0..zones.len()).collect(),
        (NatMode::Single, Some(_)) => vec![0],
        _ => Vec::new(),
    };
    if let Some(public) = public_tier {
        for &zone_index in &nat_zones {
            let Some(zone) = zones.get(zone_index) else { continue };
            let eip = address(&[net, "nat", &zone.suffix]);
            doc.add(
                Area::Network,
                Res::resource("aws_eip", eip.as_str())
                    .attr("domain", "vpc")
                    .attr("tags", doc.name_tag(&[net, "nat", &zone.suffix])),
            );
            doc.add(
                Area::Network,
                Res::resource("aws_nat_gateway", address(&[net, &zone.suffix]))
                    .attr("allocation_id", reference("aws_eip", &eip, "id"))
                    .attr("subnet_id", reference("aws_subnet", &address(&[public.name.as_str(), &zone.suffix]), "id"))
                    .attr("tags", doc.name_tag(&[net, "nat", &zone.suffix]))
                    .depends_on(resource_ref("aws_internet_gateway", net)),
            );
        }
    }

    // A route table per subnet, with the tier's default route.
    for tier in &network.tiers {
        for (subnet, zone, name) in tier_subnets(model, tier) {
            doc.add(
                Area::Network,
                Res::resource("aws_route_table", name.as_str())
                    .attr("vpc_id", vpc_id.clone())
                    .attr("tags", doc.name_tag(&[tier.name.as_str(), &zone.suffix])),
            );
            doc.add(
                Area::Network,
                Res::resource("aws_route_table_association", name.as_str())
                    .attr("subnet_id", reference("aws_subnet", &name, "id"))
                    .attr("route_table_id", reference("aws_route_table", &name, "id")),
            );
            let target = match tier.kind {
                TierKind::Public => Some(("gateway_id", reference("aws_internet_gateway", net, "id"))),
                TierKind::Private => {
                    let nat_zone = match network.nat {
                        NatMode::PerZone => Some(subnet.zone),
                        NatMode::Single => Some(0),
                        NatMode::None => None,
                    };
                    nat_zone
                        .filter(|z| nat_zones.contains(z))
                        .and_then(|z| zones.get(z))
                        .map(|z| ("nat_gateway_id", reference("aws_nat_gateway", &address(&[net, &z.suffix]), "id")))
                }
                TierKind::Isolated => None,
            };
            if let Some((key, value)) = target {
                doc.add(
                    Area::Network,
                    Res::resource("aws_route", name.as_str())
                        .attr("route_table_id", reference("aws_route_table", &name, "id"))
                        .attr("destination_cidr_block", "0.0.0.0/0")
                        .attr(key, value),
                );
            }
        }
    }

    endpoints(doc);
    flow_logs(doc);
    vpn(doc);
}

/// VPC endpoints.
fn endpoints(doc: &mut Doc<'_>) {
    let model = doc.model;
    let network = &model.network;
    let net = network.name.as_str();
    let vpc_id = reference("aws_vpc", net, "id");
    let region = model.deployment.region.as_str();
    let route_tables = |kinds: &[TierKind]| -> Vec<Expression> {
        network
            .tiers
            .iter()
            .filter(|t| kinds.contains(&t.kind))
            .flat_map(|tier| tier_subnets(model, tier))
            .map(|(_, _, name)| reference("aws_route_table", &name, "id"))
            .collect()
    };
    let interface_tier = decisions::endpoint_tier(model);
    let mut interface_group = false;
    for &endpoint in &network.endpoints {
        let service = endpoint.as_str();
        let name = address(&[net, service]);
        let service_name = format!("com.amazonaws.{region}.{service}");
        if endpoint.is_gateway() {
            doc.add(
                Area::Network,
                Res::resource("aws_vpc_endpoint", name)
                    .attr("vpc_id", vpc_id.clone())
                    .attr("service_name", service_name)
                    .attr("vpc_endpoint_type", "Gateway")
                    .attr("route_table_ids", list(route_tables(&[TierKind::Private, TierKind::Isolated])))
                    .attr("tags", doc.name_tag(&[net, service])),
            );
            continue;
        }
        // `endpoint_tier` names an existing tier.
        let Some(tier) = interface_tier else { continue };
        let subnets = subnet_ids(model, tier);
        interface_group = true;
        doc.add(
            Area::Network,
            Res::resource("aws_vpc_endpoint", name)
                .attr("vpc_id", vpc_id.clone())
                .attr("service_name", service_name)
                .attr("vpc_endpoint_type", "Interface")
                .attr("private_dns_enabled", true)
                .attr("subnet_ids", list(subnets))
                .attr(
                    "security_group_ids",
                    list([reference("aws_security_group", &address(&[net, "endpoints"]), "id")]),
                )
                .attr("tags", doc.name_tag(&[net, service])),
        );
    }
    if interface_group {
        let group = address(&[net, "endpoints"]);
        doc.add(
            Area::Network,
            Res::resource("aws_security_group", group.as_str())
                .attr("name", doc.physical(&[net, "endpoints"], 255))
                .attr("description", format!("Interface VPC endpoints of network {net}: HTTPS from the app servers"))
                .attr("vpc_id", vpc_id.clone())
                .attr("tags", doc.name_tag(&[net, "endpoints"])),
        );
        for source in decisions::app_server_groups(model) {
            let Some(source) = model.security_groups.get(source) else { continue };
            let source = source.name.as_str();
            doc.add(
                Area::Network,
                Res::resource("aws_vpc_security_group_ingress_rule", address(&[&group, "tcp_443_from", source]))
                    .attr("security_group_id", reference("aws_security_group", &group, "id"))
                    .attr("description", format!("https from {source} to the VPC endpoints"))
                    .attr("ip_protocol", "tcp")
                    .attr("from_port", 443)
                    .attr("to_port", 443)
                    .attr("referenced_security_group_id", reference("aws_security_group", source, "id")),
            );
        }
    }
}

/// VPC flow logs to CloudWatch Logs.
fn flow_logs(doc: &mut Doc<'_>) {
    let model = doc.model;
    let network = &model.network;
    if !network.flow_logs {
        return;
    }
    let net = network.name.as_str();
    let name = address(&[net, "flow_logs"]);
    let log_name = format!("/mhac/{}/{net}/flow-logs", doc.deployment());
    let group = log_group(doc, name.clone(), log_name);
    let group_arn = group.at("arn");
    doc.add(Area::Network, group);
    let assume = assume_role_document(address(&[&name, "assume"]), "vpc-flow-logs.amazonaws.com");
    let assume_json = assume.at("json");
    doc.add(Area::Network, assume);
    doc.add(
        Area::Network,
        Res::resource("aws_iam_role", name.as_str())
            .attr("description", format!("VPC flow logs of network {net} write to CloudWatch Logs"))
            .attr("assume_role_policy", assume_json),
    );
    let permissions = policy_document(
        name.clone(),
        &[Statement::allow(
            "WriteFlowLogs",
            &["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
        )
        .on(vec![group_arn.clone(), suffixed(group_arn.clone(), ":*")])],
    );
    let permissions_json = permissions.at("json");
    doc.add(Area::Network, permissions);
    doc.add(
        Area::Network,
        Res::resource("aws_iam_role_policy", name.as_str())
            .attr("name", "write-flow-logs")
            .attr("role", reference("aws_iam_role", &name, "id"))
            .attr("policy", permissions_json),
    );
    doc.add(
        Area::Network,
        Res::resource("aws_flow_log", net)
            .attr("vpc_id", reference("aws_vpc", net, "id"))
            .attr("traffic_type", "ALL")
            .attr("log_destination_type", "cloud-watch-logs")
            .attr("log_destination", group_arn)
            .attr("iam_role_arn", reference("aws_iam_role", &name, "arn"))
            .attr("max_aggregation_interval", decisions::FLOW_LOG_AGGREGATION)
            .attr("tags", doc.name_tag(&[net, "flow-logs"])),
    );
}

/// Site-to-site VPNs.
fn vpn(doc: &mut Doc<'_>) {
    let model = doc.model;
    if model.vpns.is_empty() {
        return;
    }
    let network = &model.network;
    let net = network.name.as_str();
    doc.add(
        Area::Network,
        Res::resource("aws_vpn_gateway", net)
            .attr("vpc_id", reference("aws_vpc", net, "id"))
            .attr("tags", doc.name_tag(&[net, "vpn"])),
    );
    let mut reached = BTreeSet::new();
    for vpn in &model.vpns {
        let name = vpn.name.as_str();
        reached.extend(vpn.reach.iter().copied());
        doc.add(
            Area::Network,
            Res::resource("aws_customer_gateway", name)
                .attr("bgp_asn", vpn.bgp_asn.to_string())
                .attr("ip_address", vpn.customer_gateway.to_string())
                .attr("type", "ipsec.1")
                .attr("tags", doc.name_tag(&[name])),
        );
        doc.add(
            Area::Network,
            Res::resource("aws_vpn_connection", name)
                .attr("vpn_gateway_id", reference("aws_vpn_gateway", net, "id"))
                .attr("customer_gateway_id", reference("aws_customer_gateway", name, "id"))
                .attr("type", "ipsec.1")
                .attr("static_routes_only", true)
                .attr("tags", doc.name_tag(&[name])),
        );
        super::layout::output(
            doc,
            &address(&[name, "vpn_connection_id"]),
            format!("VPN connection {name} (download its configuration for the customer gateway)"),
            reference("aws_vpn_connection", name, "id"),
        );
        for route in &vpn.routes {
            doc.add(
                Area::Network,
                Res::resource("aws_vpn_connection_route", address(&[name, &cidr_label(route)]))
                    .attr("destination_cidr_block", route.to_string())
                    .attr("vpn_connection_id", reference("aws_vpn_connection", name, "id")),
            );
        }
    }
    for tier in reached.iter().filter_map(|&index| network.tiers.get(index)) {
        for (_, _, name) in tier_subnets(model, tier) {
            doc.add(
                Area::Network,
                Res::resource("aws_vpn_gateway_route_propagation", name.as_str())
                    .attr("vpn_gateway_id", reference("aws_vpn_gateway", net, "id"))
                    .attr("route_table_id", reference("aws_route_table", &name, "id")),
            );
        }
    }
}
