//! The network's parts: VPC, subnets, gateways, route tables and routes,
//! flow logs, VPC endpoints, and site-to-site VPNs.
//!
//! CloudFormation attaches gateways to the VPC with their own resource (an
//! extra of the gateway part, named by the plan's identity).

use super::intrinsics::{Builder, Resource, assume_role, get_att, no_egress, r, sub};
use mhac_compiler::plan::identity::{cfn_attachment, cfn_flow_log_role};
use mhac_compiler::plan::{
    CustomerGateway, ElasticIp, Endpoint, EndpointGroup, EndpointPlacement, FlowLog, InternetGateway, NatGateway,
    PartId, Route, RouteAssociation, RoutePropagation, RouteTable, RouteTarget, Subnet, Vpc, VpnConnection, VpnGateway,
    VpnRoute, decisions,
};
use serde_json::{Value, json};

pub(crate) fn vpc(b: &mut Builder<'_>, id: PartId, vpc: &Vpc) {
    let resource = Resource::new(
        "AWS::EC2::VPC",
        json!({
            "CidrBlock": vpc.cidr.to_string(),
            "EnableDnsSupport": true,
            "EnableDnsHostnames": true,
            "Tags": b.tags(Some(b.name_tag(&[vpc.network.as_str()]))),
        }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn internet_gateway(b: &mut Builder<'_>, id: PartId, igw: &InternetGateway) {
    let own = b.id(id);
    let resource = Resource::new(
        "AWS::EC2::InternetGateway",
        json!({ "Tags": b.tags(Some(b.name_tag(&[igw.network.as_str()]))) }),
    );
    b.add(id, own, resource);
    let attachment =
        Resource::new("AWS::EC2::VPCGatewayAttachment", json!({ "VpcId": b.r(igw.vpc), "InternetGatewayId": r(own) }));
    b.add(id, &cfn_attachment(own), attachment);
}

pub(crate) fn subnet(b: &mut Builder<'_>, id: PartId, subnet: &Subnet) {
    let suffix = b.plan.deployment.zones.get(subnet.zone).map_or("", |zone| zone.suffix.as_str());
    let resource = Resource::new(
        "AWS::EC2::Subnet",
        json!({
            "VpcId": b.r(subnet.vpc),
            "CidrBlock": subnet.cidr.to_string(),
            "AvailabilityZone": b.zone(subnet.zone),
            "MapPublicIpOnLaunch": false,
            "Tags": b.tags(Some(b.name_tag(&[subnet.network.as_str(), subnet.tier.as_str(), suffix]))),
        }),
    );
    b.add(id, b.id(id), resource);
}

fn nat_tags(b: &Builder<'_>, network: &str, zone: usize) -> Value {
    let suffix = b.plan.deployment.zones.get(zone).map_or("", |zone| zone.suffix.as_str());
    b.tags(Some(b.name_tag(&[network, "nat", suffix])))
}

pub(crate) fn elastic_ip(b: &mut Builder<'_>, id: PartId, eip: &ElasticIp) {
    let resource =
        Resource::new("AWS::EC2::EIP", json!({ "Domain": "vpc", "Tags": nat_tags(b, &eip.network, eip.zone) }))
            .depends_on(&cfn_attachment(b.id(eip.internet_gateway)));
    b.add(id, b.id(id), resource);
}

pub(crate) fn nat_gateway(b: &mut Builder<'_>, id: PartId, nat: &NatGateway) {
    let resource = Resource::new(
        "AWS::EC2::NatGateway",
        json!({
            "AllocationId": b.get_att(nat.elastic_ip, "AllocationId"),
            "SubnetId": b.r(nat.subnet),
            "Tags": nat_tags(b, &nat.network, nat.zone),
        }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn route_table(b: &mut Builder<'_>, id: PartId, table: &RouteTable) {
    let mut name = vec![table.network.as_str(), table.tier.as_str()];
    if let Some(zone) = table.zone.and_then(|zone| b.plan.deployment.zones.get(zone)) {
        name.push(&zone.suffix);
    }
    let resource = Resource::new(
        "AWS::EC2::RouteTable",
        json!({ "VpcId": b.r(table.vpc), "Tags": b.tags(Some(b.name_tag(&name))) }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn route(b: &mut Builder<'_>, id: PartId, route: &Route) {
    let resource = match route.target {
        RouteTarget::InternetGateway(igw) => Resource::new(
            "AWS::EC2::Route",
            json!({
                "RouteTableId": b.r(route.table),
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": b.r(igw),
            }),
        )
        .depends_on(&cfn_attachment(b.id(igw))),
        RouteTarget::NatGateway(nat) => Resource::new(
            "AWS::EC2::Route",
            json!({
                "RouteTableId": b.r(route.table),
                "DestinationCidrBlock": "0.0.0.0/0",
                "NatGatewayId": b.r(nat),
            }),
        ),
    };
    b.add(id, b.id(id), resource);
}

pub(crate) fn route_association(b: &mut Builder<'_>, id: PartId, association: &RouteAssociation) {
    let resource = Resource::new(
        "AWS::EC2::SubnetRouteTableAssociation",
        json!({ "SubnetId": b.r(association.subnet), "RouteTableId": b.r(association.table) }),
    );
    b.add(id, b.id(id), resource);
}

/// VPC flow logs to their log group, through a role that may write to that
/// log group only.
pub(crate) fn flow_log(b: &mut Builder<'_>, id: PartId, flow: &FlowLog) {
    let own = b.id(id);
    let role_id = cfn_flow_log_role(own);
    let role = Resource::new(
        "AWS::IAM::Role",
        json!({
            "Description": format!("VPC flow logs of network {} write to their log group", flow.network),
            "AssumeRolePolicyDocument": assume_role("vpc-flow-logs.amazonaws.com"),
            "Policies": [{
                "PolicyName": "write-flow-logs",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                        "Resource": b.get_att(flow.log_group, "Arn"),
                    }]
                }
            }],
            "Tags": b.tags(None),
        }),
    );
    b.add(id, &role_id, role);
    let resource = Resource::new(
        "AWS::EC2::FlowLog",
        json!({
            "ResourceId": b.r(flow.vpc),
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": b.r(flow.log_group),
            "MaxAggregationInterval": decisions::FLOW_LOG_AGGREGATION,
            "DeliverLogsPermissionArn": get_att(&role_id, "Arn"),
            "Tags": b.tags(Some(b.name_tag(&[flow.network.as_str()]))),
        }),
    );
    b.add(id, own, resource);
}

pub(crate) fn endpoint_group(b: &mut Builder<'_>, id: PartId, group: &EndpointGroup) {
    let resource = Resource::new(
        "AWS::EC2::SecurityGroup",
        json!({
            "GroupDescription": format!("Interface VPC endpoints of network {}: HTTPS from the app servers", group.network),
            "VpcId": b.r(group.vpc),
            "SecurityGroupEgress": [no_egress()],
            "Tags": b.tags(Some(b.name_tag(&[group.network.as_str(), "endpoints"]))),
        }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn endpoint(b: &mut Builder<'_>, id: PartId, endpoint: &Endpoint) {
    let service = sub(&format!("com.amazonaws.${{AWS::Region}}.{}", endpoint.service.service_name()));
    let tags = b.tags(Some(b.name_tag(&[endpoint.network.as_str(), endpoint.service.as_str()])));
    let resource = match &endpoint.placement {
        EndpointPlacement::Gateway { route_tables } => {
            let tables: Vec<Value> = route_tables.iter().map(|table| b.r(*table)).collect();
            Resource::new(
                "AWS::EC2::VPCEndpoint",
                json!({
                    "VpcEndpointType": "Gateway",
                    "ServiceName": service,
                    "VpcId": b.r(endpoint.vpc),
                    "RouteTableIds": tables,
                    "Tags": tags,
                }),
            )
        }
        EndpointPlacement::Interface { subnets, group } => {
            let subnets: Vec<Value> = subnets.iter().map(|subnet| b.r(*subnet)).collect();
            Resource::new(
                "AWS::EC2::VPCEndpoint",
                json!({
                    "VpcEndpointType": "Interface",
                    "ServiceName": service,
                    "VpcId": b.r(endpoint.vpc),
                    "SubnetIds": subnets,
                    "SecurityGroupIds": [b.get_att(*group, "GroupId")],
                    "PrivateDnsEnabled": true,
                    "Tags": tags,
                }),
            )
        }
    };
    b.add(id, b.id(id), resource);
}

pub(crate) fn vpn_gateway(b: &mut Builder<'_>, id: PartId, gateway: &VpnGateway) {
    let own = b.id(id);
    let resource = Resource::new(
        "AWS::EC2::VPNGateway",
        json!({ "Type": "ipsec.1", "Tags": b.tags(Some(b.name_tag(&[gateway.network.as_str()]))) }),
    );
    b.add(id, own, resource);
    let attachment =
        Resource::new("AWS::EC2::VPCGatewayAttachment", json!({ "VpcId": b.r(gateway.vpc), "VpnGatewayId": r(own) }));
    b.add(id, &cfn_attachment(own), attachment);
}

/// The largest ASN `BgpAsn` takes; larger (private 4-byte) ASNs go in
/// `BgpAsnExtended`.
const MAX_BGP_ASN: u32 = 2_147_483_647;

pub(crate) fn customer_gateway(b: &mut Builder<'_>, id: PartId, gateway: &CustomerGateway) {
    let asn_key = if gateway.bgp_asn > MAX_BGP_ASN { "BgpAsnExtended" } else { "BgpAsn" };
    let mut properties = serde_json::Map::new();
    properties.insert("Type".into(), json!("ipsec.1"));
    properties.insert(asn_key.into(), json!(gateway.bgp_asn));
    properties.insert("IpAddress".into(), json!(gateway.address.to_string()));
    properties.insert("Tags".into(), b.tags(Some(b.name_tag(&[gateway.vpn.as_str()]))));
    let resource = Resource::new("AWS::EC2::CustomerGateway", Value::Object(properties));
    b.add(id, b.id(id), resource);
}

pub(crate) fn vpn_connection(b: &mut Builder<'_>, id: PartId, connection: &VpnConnection) {
    let resource = Resource::new(
        "AWS::EC2::VPNConnection",
        json!({
            "Type": "ipsec.1",
            "CustomerGatewayId": b.r(connection.customer_gateway),
            "VpnGatewayId": b.r(connection.vpn_gateway),
            "StaticRoutesOnly": true,
            "Tags": b.tags(Some(b.name_tag(&[connection.vpn.as_str()]))),
        }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn vpn_route(b: &mut Builder<'_>, id: PartId, route: &VpnRoute) {
    let resource = Resource::new(
        "AWS::EC2::VPNConnectionRoute",
        json!({ "DestinationCidrBlock": route.cidr.to_string(), "VpnConnectionId": b.r(route.connection) }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn route_propagation(b: &mut Builder<'_>, id: PartId, propagation: &RoutePropagation) {
    let tables: Vec<Value> = propagation.route_tables.iter().map(|table| b.r(*table)).collect();
    let resource = Resource::new(
        "AWS::EC2::VPNGatewayRoutePropagation",
        json!({ "RouteTableIds": tables, "VpnGatewayId": b.r(propagation.vpn_gateway) }),
    )
    .depends_on(&cfn_attachment(b.id(propagation.vpn_gateway)));
    b.add(id, b.id(id), resource);
}
