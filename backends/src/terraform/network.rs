//! Network: the VPC and everything that routes packets.
//!
//! * `aws_vpc.NETWORK`, and `aws_default_security_group.NETWORK` with no
//!   rule, so the VPC's default group allows nothing;
//! * per tier and zone: `aws_subnet.TIER_ZONE`, its own route table
//!   `aws_route_table.TIER_ZONE` (Terraform cuts the plan's tier tables per
//!   subnet), the association, and the default route `aws_route.TIER_ZONE`
//!   (public tiers to the internet gateway, private tiers to the NAT
//!   gateway of their zone, or the single one; isolated tiers have none);
//! * `aws_internet_gateway.NETWORK`; per NAT zone `aws_eip.NETWORK_nat_ZONE`
//!   and `aws_nat_gateway.NETWORK_ZONE`;
//! * VPC endpoints `aws_vpc_endpoint.NETWORK_SERVICE` (a gateway on route
//!   tables, or interfaces in subnets behind
//!   `aws_security_group.NETWORK_endpoints`);
//! * flow logs: `aws_flow_log.NETWORK` to `aws_cloudwatch_log_group.NETWORK_flow_logs`
//!   through `aws_iam_role.NETWORK_flow_logs`;
//! * VPN: `aws_vpn_gateway.NETWORK`, and per `vpn` `aws_customer_gateway.VPN`,
//!   `aws_vpn_connection.VPN` (static routes), `aws_vpn_connection_route.VPN_CIDR`
//!   per route, and `aws_vpn_gateway_route_propagation.TIER_ZONE` on the
//!   route tables of every tier a VPN reaches.

use super::doc::{Area, Doc, Res, list, reference, suffixed};
use super::security::{Statement, assume_role_document, policy_document};
use hcl::expr::Expression;
use mhac_compiler::plan::identity::{assume_document, flow_logs, table_subnets};
use mhac_compiler::plan::{
    CustomerGateway, ElasticIp, Endpoint, EndpointGroup, EndpointPlacement, FlowLog, InternetGateway, NatGateway,
    PartId, PartKind, Route, RouteAssociation, RoutePropagation, RouteTable, RouteTarget, Subnet, Vpc, VpnConnection,
    VpnGateway, VpnRoute, decisions,
};

/// The per-subnet route tables (`aws_route_table.TIER_ZONE`) of a plan's
/// route table.
fn tables(doc: &Doc<'_>, table: PartId) -> Vec<String> {
    table_subnets(doc.plan, table)
}

pub fn vpc(doc: &mut Doc<'_>, id: PartId, vpc: &Vpc) {
    let net = vpc.network.as_str();
    let name = doc.name(id);
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_vpc", name)
            .attr("cidr_block", vpc.cidr.to_string())
            .attr("enable_dns_support", true)
            .attr("enable_dns_hostnames", true)
            .attr("tags", doc.name_tag(&[net])),
    );
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_default_security_group", name)
            .attr("vpc_id", doc.at(id, "id"))
            .attr("tags", doc.name_tag(&[net, "default"])),
    );
}

pub fn subnet(doc: &mut Doc<'_>, id: PartId, subnet: &Subnet) {
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_subnet", doc.name(id))
            .attr("vpc_id", doc.at(subnet.vpc, "id"))
            .attr("cidr_block", subnet.cidr.to_string())
            .attr("availability_zone", doc.zone_name(subnet.zone))
            .attr("map_public_ip_on_launch", false)
            .attr("tags", doc.name_tag(&[subnet.tier.as_str(), doc.zone_suffix(subnet.zone)])),
    );
}

pub fn internet_gateway(doc: &mut Doc<'_>, id: PartId, igw: &InternetGateway) {
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_internet_gateway", doc.name(id))
            .attr("vpc_id", doc.at(igw.vpc, "id"))
            .attr("tags", doc.name_tag(&[igw.network.as_str()])),
    );
}

pub fn elastic_ip(doc: &mut Doc<'_>, id: PartId, eip: &ElasticIp) {
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_eip", doc.name(id))
            .attr("domain", "vpc")
            .attr("tags", doc.name_tag(&[eip.network.as_str(), "nat", doc.zone_suffix(eip.zone)])),
    );
}

pub fn nat_gateway(doc: &mut Doc<'_>, id: PartId, nat: &NatGateway) {
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_nat_gateway", doc.name(id))
            .attr("allocation_id", doc.at(nat.elastic_ip, "id"))
            .attr("subnet_id", doc.at(nat.subnet, "id"))
            .attr("tags", doc.name_tag(&[nat.network.as_str(), "nat", doc.zone_suffix(nat.zone)]))
            .depends_on(doc.whole(nat.internet_gateway)),
    );
}

/// A route table per subnet of the plan's table.
pub fn route_table(doc: &mut Doc<'_>, id: PartId, table: &RouteTable) {
    for subnet in &table.subnets {
        let zone = match &doc.plan.part(*subnet).kind {
            PartKind::Subnet(subnet) => subnet.zone,
            _ => continue,
        };
        doc.add(
            id,
            Area::Network,
            Res::resource("aws_route_table", doc.name(*subnet))
                .attr("vpc_id", doc.at(table.vpc, "id"))
                .attr("tags", doc.name_tag(&[table.tier.as_str(), doc.zone_suffix(zone)])),
        );
    }
}

pub fn route_association(doc: &mut Doc<'_>, id: PartId, association: &RouteAssociation) {
    let subnet = doc.name(association.subnet);
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_route_table_association", doc.name(id))
            .attr("subnet_id", doc.at(association.subnet, "id"))
            .attr("route_table_id", reference("aws_route_table", subnet, "id")),
    );
}

/// The default route of every per-subnet table of the plan's table.
pub fn route(doc: &mut Doc<'_>, id: PartId, route: &Route) {
    let (key, value) = match route.target {
        RouteTarget::InternetGateway(igw) => ("gateway_id", doc.at(igw, "id")),
        RouteTarget::NatGateway(nat) => ("nat_gateway_id", doc.at(nat, "id")),
    };
    for subnet in tables(doc, route.table) {
        doc.add(
            id,
            Area::Network,
            Res::resource("aws_route", subnet.as_str())
                .attr("route_table_id", reference("aws_route_table", &subnet, "id"))
                .attr("destination_cidr_block", "0.0.0.0/0")
                .attr(key, value.clone()),
        );
    }
}

pub fn endpoint(doc: &mut Doc<'_>, id: PartId, endpoint: &Endpoint) {
    let net = endpoint.network.as_str();
    let service = endpoint.service.as_str();
    let service_name = format!("com.amazonaws.{}.{}", doc.plan.deployment.region, endpoint.service.service_name());
    let res = match &endpoint.placement {
        EndpointPlacement::Gateway { route_tables } => {
            let tables: Vec<Expression> = route_tables
                .iter()
                .flat_map(|table| tables(doc, *table))
                .map(|subnet| reference("aws_route_table", &subnet, "id"))
                .collect();
            Res::resource("aws_vpc_endpoint", doc.name(id))
                .attr("vpc_id", doc.at(endpoint.vpc, "id"))
                .attr("service_name", service_name)
                .attr("vpc_endpoint_type", "Gateway")
                .attr("route_table_ids", list(tables))
                .attr("tags", doc.name_tag(&[net, service]))
        }
        EndpointPlacement::Interface { subnets, group } => {
            let subnets: Vec<Expression> = subnets.iter().map(|subnet| doc.at(*subnet, "id")).collect();
            Res::resource("aws_vpc_endpoint", doc.name(id))
                .attr("vpc_id", doc.at(endpoint.vpc, "id"))
                .attr("service_name", service_name)
                .attr("vpc_endpoint_type", "Interface")
                .attr("private_dns_enabled", true)
                .attr("subnet_ids", list(subnets))
                .attr("security_group_ids", list([doc.at(*group, "id")]))
                .attr("tags", doc.name_tag(&[net, service]))
        }
    };
    doc.add(id, Area::Network, res);
}

pub fn endpoint_group(doc: &mut Doc<'_>, id: PartId, group: &EndpointGroup) {
    let net = group.network.as_str();
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_security_group", doc.name(id))
            .attr("name", doc.physical(&[net, "endpoints"], 255))
            .attr("description", format!("Interface VPC endpoints of network {net}: HTTPS from the app servers"))
            .attr("vpc_id", doc.at(group.vpc, "id"))
            .attr("tags", doc.name_tag(&[net, "endpoints"])),
    );
}

/// The flow log, and the role it writes to its log group through.
pub fn flow_log(doc: &mut Doc<'_>, id: PartId, flow: &FlowLog) {
    let net = flow.network.as_str();
    let name = flow_logs(net);
    let group_arn = doc.at(flow.log_group, "arn");
    let assume = assume_role_document(assume_document(&name), "vpc-flow-logs.amazonaws.com");
    let assume_json = assume.at("json");
    doc.add(id, Area::Network, assume);
    doc.add(
        id,
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
    doc.add(id, Area::Network, permissions);
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_iam_role_policy", name.as_str())
            .attr("name", "write-flow-logs")
            .attr("role", reference("aws_iam_role", &name, "id"))
            .attr("policy", permissions_json),
    );
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_flow_log", doc.name(id))
            .attr("vpc_id", doc.at(flow.vpc, "id"))
            .attr("traffic_type", "ALL")
            .attr("log_destination_type", "cloud-watch-logs")
            .attr("log_destination", group_arn)
            .attr("iam_role_arn", reference("aws_iam_role", &name, "arn"))
            .attr("max_aggregation_interval", decisions::FLOW_LOG_AGGREGATION)
            .attr("tags", doc.name_tag(&[net, "flow-logs"])),
    );
}

pub fn vpn_gateway(doc: &mut Doc<'_>, id: PartId, gateway: &VpnGateway) {
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_vpn_gateway", doc.name(id))
            .attr("vpc_id", doc.at(gateway.vpc, "id"))
            .attr("tags", doc.name_tag(&[gateway.network.as_str(), "vpn"])),
    );
}

pub fn customer_gateway(doc: &mut Doc<'_>, id: PartId, gateway: &CustomerGateway) {
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_customer_gateway", doc.name(id))
            .attr(
                if gateway.bgp_asn > 2_147_483_647 { "bgp_asn_extended" } else { "bgp_asn" },
                gateway.bgp_asn.to_string(),
            )
            .attr("ip_address", gateway.address.to_string())
            .attr("type", "ipsec.1")
            .attr("tags", doc.name_tag(&[gateway.vpn.as_str()])),
    );
}

pub fn vpn_connection(doc: &mut Doc<'_>, id: PartId, connection: &VpnConnection) {
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_vpn_connection", doc.name(id))
            .attr("vpn_gateway_id", doc.at(connection.vpn_gateway, "id"))
            .attr("customer_gateway_id", doc.at(connection.customer_gateway, "id"))
            .attr("type", "ipsec.1")
            .attr("static_routes_only", true)
            .attr("tags", doc.name_tag(&[connection.vpn.as_str()])),
    );
}

pub fn vpn_route(doc: &mut Doc<'_>, id: PartId, route: &VpnRoute) {
    doc.add(
        id,
        Area::Network,
        Res::resource("aws_vpn_connection_route", doc.name(id))
            .attr("destination_cidr_block", route.cidr.to_string())
            .attr("vpn_connection_id", doc.at(route.connection, "id")),
    );
}

/// Propagation into every per-subnet table of the tier's tables.
pub fn route_propagation(doc: &mut Doc<'_>, id: PartId, propagation: &RoutePropagation) {
    for table in &propagation.route_tables {
        for subnet in tables(doc, *table) {
            doc.add(
                id,
                Area::Network,
                Res::resource("aws_vpn_gateway_route_propagation", subnet.as_str())
                    .attr("vpn_gateway_id", doc.at(propagation.vpn_gateway, "id"))
                    .attr("route_table_id", reference("aws_route_table", &subnet, "id")),
            );
        }
    }
}
