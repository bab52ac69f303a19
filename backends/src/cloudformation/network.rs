//! The network: VPC, subnets per tier and zone, internet gateway, NAT
//! gateways, route tables, flow logs, VPC endpoints, and site-to-site VPNs.
//!
//! Route tables: one per tier, except private tiers when there is a NAT
//! gateway per zone (one per tier and zone, each routing through its zone's
//! gateway). Public tiers route `0.0.0.0/0` to the internet gateway;
//! isolated tiers have no default route.

use super::intrinsics::{Builder, Id, Resource, assume_role, get_att, origin, r, sub, zone_id};
use super::monitoring;
use super::security;
use crate::decisions;
use mhac_compiler::model::{Endpoint, Model, NatMode, TierKind, Vpn};
use serde_json::{Value, json};

/// The VPC.
pub(crate) fn vpc(model: &Model) -> String {
    Id::of(&model.network.name, "Vpc").id()
}

/// The parameter naming zone `zone` (an index into the deployment's zones).
pub(crate) fn zone_parameter(model: &Model, zone: usize) -> String {
    model.deployment.zones.get(zone).map_or_else(String::new, |z| format!("AvailabilityZone{}", zone_id(z)))
}

/// The owner part of a tier's IDs: network name + tier name.
fn tier_owner(model: &Model, tier: usize) -> String {
    let tier = &model.network.tiers[tier];
    format!("{}{}", model.network.name.pascal(), tier.name.pascal())
}

/// The subnet of `tier` in the zone of its `index`-th subnet.
pub(crate) fn subnet(model: &Model, tier: usize, index: usize) -> String {
    let subnet = &model.network.tiers[tier].subnets[index];
    Id::new(tier_owner(model, tier), format!("Subnet{}", zone_id(&model.deployment.zones[subnet.zone]))).id()
}

/// `Ref`s to every subnet of a tier, in zone order.
pub(crate) fn subnet_refs(model: &Model, tier: usize) -> Vec<Value> {
    (0..model.network.tiers[tier].subnets.len()).map(|i| r(&subnet(model, tier, i))).collect()
}

/// Whether a tier has one route table per zone.
fn per_zone_tables(model: &Model, tier: usize) -> bool {
    model.network.tiers[tier].kind == TierKind::Private && model.network.nat == NatMode::PerZone
}

/// The route tables of a tier (one, or one per zone).
pub(crate) fn route_tables(model: &Model, tier: usize) -> Vec<String> {
    let owner = tier_owner(model, tier);
    if per_zone_tables(model, tier) {
        model.network.tiers[tier]
            .subnets
            .iter()
            .map(|s| Id::new(owner.clone(), format!("RouteTable{}", zone_id(&model.deployment.zones[s.zone]))).id())
            .collect()
    } else {
        vec![Id::new(owner, "RouteTable").id()]
    }
}

/// The NAT gateway serving `zone`, if any.
fn nat_gateway(model: &Model, zone: usize) -> Option<String> {
    let public = model.network.public_tier()?;
    let zone = match model.network.nat {
        NatMode::None => return None,
        NatMode::Single => model.network.tiers[public].subnets.first()?.zone,
        NatMode::PerZone => zone,
    };
    Some(Id::new(model.network.name.pascal(), format!("NatGateway{}", zone_id(&model.deployment.zones[zone]))).id())
}

/// The internet gateway's attachment, which routes through it depend on.
fn igw_attachment(model: &Model) -> String {
    Id::of(&model.network.name, "InternetGatewayAttachment").id()
}

/// A VPN connection.
pub(crate) fn vpn_connection(vpn: &Vpn) -> String {
    Id::of(&vpn.name, "VpnConnection").id()
}

/// The security group of the interface endpoints.
pub(crate) fn endpoint_group(model: &Model) -> String {
    Id::of(&model.network.name, "EndpointsGroup").id()
}

/// Add the network's resources.
pub(crate) fn build(b: &mut Builder<'_>) {
    let model = b.model;
    let network = &model.network;
    let net = origin("network", &network.name, network.span);
    let vpc_id = vpc(model);
    b.add(
        Id::of(&network.name, "Vpc"),
        net.clone(),
        Resource::new(
            "AWS::EC2::VPC",
            json!({
                "CidrBlock": network.cidr.to_string(),
                "EnableDnsSupport": true,
                "EnableDnsHostnames": true,
                "Tags": b.tags(Some(b.name_tag(&[network.name.as_str()]))),
            }),
        ),
    );

    let public = network.public_tier();
    if public.is_some() {
        let igw = b.add(
            Id::of(&network.name, "InternetGateway"),
            net.clone(),
            Resource::new(
                "AWS::EC2::InternetGateway",
                json!({ "Tags": b.tags(Some(b.name_tag(&[network.name.as_str()]))) }),
            ),
        );
        b.add(
            Id::of(&network.name, "InternetGatewayAttachment"),
            net.clone(),
            Resource::new(
                "AWS::EC2::VPCGatewayAttachment",
                json!({ "VpcId": r(&vpc_id), "InternetGatewayId": r(&igw) }),
            ),
        );
    }

    for (t, tier) in network.tiers.iter().enumerate() {
        let tier_origin = origin("network", &network.name, tier.span);
        for subnet in &tier.subnets {
            let zone = &model.deployment.zones[subnet.zone];
            b.add(
                Id::new(tier_owner(model, t), format!("Subnet{}", zone_id(zone))),
                tier_origin.clone(),
                Resource::new(
                    "AWS::EC2::Subnet",
                    json!({
                        "VpcId": r(&vpc_id),
                        "CidrBlock": subnet.cidr.to_string(),
                        "AvailabilityZone": r(&zone_parameter(model, subnet.zone)),
                        "MapPublicIpOnLaunch": false,
                        "Tags": b.tags(Some(b.name_tag(&[network.name.as_str(), tier.name.as_str(), &zone.suffix]))),
                    }),
                ),
            );
        }
    }

    // NAT gateways live in the first public tier.
    if let Some(public) = public {
        let zones: Vec<usize> = match network.nat {
            NatMode::None => Vec::new(),
            NatMode::Single => network.tiers[public].subnets.first().map(|s| s.zone).into_iter().collect(),
            NatMode::PerZone => network.tiers[public].subnets.iter().map(|s| s.zone).collect(),
        };
        for zone_index in zones {
            let zone = &model.deployment.zones[zone_index];
            let Some(position) = network.tiers[public].subnets.iter().position(|s| s.zone == zone_index) else {
                continue;
            };
            let tag = b.tags(Some(b.name_tag(&[network.name.as_str(), "nat", &zone.suffix])));
            let eip = b.add(
                Id::of(&network.name, &format!("NatEip{}", zone_id(zone))),
                net.clone(),
                Resource::new("AWS::EC2::EIP", json!({ "Domain": "vpc", "Tags": tag.clone() }))
                    .depends_on(&igw_attachment(model)),
            );
            b.add(
                Id::of(&network.name, &format!("NatGateway{}", zone_id(zone))),
                net.clone(),
                Resource::new(
                    "AWS::EC2::NatGateway",
                    json!({
                        "AllocationId": get_att(&eip, "AllocationId"),
                        "SubnetId": r(&subnet(model, public, position)),
                        "Tags": tag,
                    }),
                ),
            );
        }
    }

    for (t, tier) in network.tiers.iter().enumerate() {
        let tier_origin = origin("network", &network.name, tier.span);
        let owner = tier_owner(model, t);
        let per_zone = per_zone_tables(model, t);
        let tables = route_tables(model, t);
        for (i, table) in tables.iter().enumerate() {
            let zone_suffix = if per_zone { Some(&model.deployment.zones[tier.subnets[i].zone]) } else { None };
            let mut name = vec![network.name.as_str(), tier.name.as_str()];
            if let Some(zone) = zone_suffix {
                name.push(&zone.suffix);
            }
            let table_suffix = zone_suffix.map_or("RouteTable".to_string(), |z| format!("RouteTable{}", zone_id(z)));
            b.add(
                Id::new(owner.clone(), table_suffix),
                tier_origin.clone(),
                Resource::new(
                    "AWS::EC2::RouteTable",
                    json!({ "VpcId": r(&vpc_id), "Tags": b.tags(Some(b.name_tag(&name))) }),
                ),
            );
            match tier.kind {
                TierKind::Public => {
                    let igw = Id::of(&network.name, "InternetGateway").id();
                    b.add(
                        Id::new(owner.clone(), "InternetRoute"),
                        tier_origin.clone(),
                        Resource::new(
                            "AWS::EC2::Route",
                            json!({
                                "RouteTableId": r(table),
                                "DestinationCidrBlock": "0.0.0.0/0",
                                "GatewayId": r(&igw),
                            }),
                        )
                        .depends_on(&igw_attachment(model)),
                    );
                }
                TierKind::Private => {
                    let zone = tier.subnets.get(i).map_or(0, |s| s.zone);
                    if let Some(nat) = nat_gateway(model, zone) {
                        let suffix = zone_suffix.map_or("NatRoute".to_string(), |z| format!("NatRoute{}", zone_id(z)));
                        b.add(
                            Id::new(owner.clone(), suffix),
                            tier_origin.clone(),
                            Resource::new(
                                "AWS::EC2::Route",
                                json!({
                                    "RouteTableId": r(table),
                                    "DestinationCidrBlock": "0.0.0.0/0",
                                    "NatGatewayId": r(&nat),
                                }),
                            ),
                        );
                    }
                }
                TierKind::Isolated => {}
            }
        }
        for (i, s) in tier.subnets.iter().enumerate() {
            let zone = &model.deployment.zones[s.zone];
            let table = if per_zone { &tables[i] } else { &tables[0] };
            b.add(
                Id::new(owner.clone(), format!("RouteTableAssociation{}", zone_id(zone))),
                tier_origin.clone(),
                Resource::new(
                    "AWS::EC2::SubnetRouteTableAssociation",
                    json!({ "SubnetId": r(&subnet(model, t, i)), "RouteTableId": r(table) }),
                ),
            );
        }
    }

    if network.flow_logs {
        flow_logs(b, &vpc_id);
    }
    endpoints(b, &vpc_id);
    vpns(b, &vpc_id);
}

/// VPC flow logs to an encrypted log group, through a role that may write
/// to that log group only.
fn flow_logs(b: &mut Builder<'_>, vpc_id: &str) {
    let model = b.model;
    let network = &model.network;
    let net = origin("network", &network.name, network.span);
    let group = b.add(Id::of(&network.name, "FlowLogGroup"), net.clone(), monitoring::log_group(b, None));
    let role = b.add(
        Id::of(&network.name, "FlowLogRole"),
        net.clone(),
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "Description": format!("VPC flow logs of network {} write to their log group", network.name.as_str()),
                "AssumeRolePolicyDocument": assume_role("vpc-flow-logs.amazonaws.com"),
                "Policies": [{
                    "PolicyName": "write-flow-logs",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                            "Resource": get_att(&group, "Arn"),
                        }]
                    }
                }],
                "Tags": b.tags(None),
            }),
        ),
    );
    b.add(
        Id::of(&network.name, "FlowLog"),
        net,
        Resource::new(
            "AWS::EC2::FlowLog",
            json!({
                "ResourceId": r(vpc_id),
                "ResourceType": "VPC",
                "TrafficType": "ALL",
                "LogDestinationType": "cloud-watch-logs",
                "LogGroupName": r(&group),
                "MaxAggregationInterval": decisions::FLOW_LOG_AGGREGATION,
                "DeliverLogsPermissionArn": get_att(&role, "Arn"),
                "Tags": b.tags(Some(b.name_tag(&[network.name.as_str()]))),
            }),
        ),
    );
}

/// `ssmmessages` → `SsmMessages`.
fn endpoint_name(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::S3 => "S3",
        Endpoint::Ssm => "Ssm",
        Endpoint::SsmMessages => "SsmMessages",
        Endpoint::Ec2Messages => "Ec2Messages",
        Endpoint::Logs => "Logs",
        Endpoint::Monitoring => "Monitoring",
        Endpoint::SecretsManager => "SecretsManager",
        Endpoint::Kms => "Kms",
    }
}

/// VPC endpoints: the S3 gateway endpoint on the route tables of every
/// non-public tier; interface endpoints in one non-public tier
/// ([`decisions::endpoint_tier`]), behind their own security group (HTTPS
/// from the app servers, see `security`).
fn endpoints(b: &mut Builder<'_>, vpc_id: &str) {
    let model = b.model;
    let network = &model.network;
    if network.endpoints.is_empty() {
        return;
    }
    let net = origin("network", &network.name, network.span);
    let interface_tier = decisions::endpoint_tier(model);
    if decisions::has_interface_endpoints(model) {
        b.add(
            Id::of(&network.name, "EndpointsGroup"),
            net.clone(),
            Resource::new(
                "AWS::EC2::SecurityGroup",
                json!({
                    "GroupDescription": format!("Interface VPC endpoints of network {}: HTTPS from the app servers", network.name.as_str()),
                    "VpcId": r(vpc_id),
                    "SecurityGroupEgress": [security::no_egress()],
                    "Tags": b.tags(Some(b.name_tag(&[network.name.as_str(), "endpoints"]))),
                }),
            ),
        );
    }
    for &endpoint in &network.endpoints {
        let service = sub(&format!("com.amazonaws.${{AWS::Region}}.{}", endpoint.as_str()));
        let id = Id::of(&network.name, &format!("{}Endpoint", endpoint_name(endpoint)));
        if endpoint.is_gateway() {
            let tables: Vec<Value> = (0..network.tiers.len())
                .filter(|&t| network.tiers[t].kind != TierKind::Public)
                .flat_map(|t| route_tables(model, t))
                .map(|table| r(&table))
                .collect();
            b.add(
                id,
                net.clone(),
                Resource::new(
                    "AWS::EC2::VPCEndpoint",
                    json!({
                        "VpcEndpointType": "Gateway",
                        "ServiceName": service,
                        "VpcId": r(vpc_id),
                        "RouteTableIds": tables,
                        "Tags": b.tags(Some(b.name_tag(&[network.name.as_str(), endpoint.as_str()]))),
                    }),
                ),
            );
        } else if let Some(tier) = interface_tier {
            b.add(
                id,
                net.clone(),
                Resource::new(
                    "AWS::EC2::VPCEndpoint",
                    json!({
                        "VpcEndpointType": "Interface",
                        "ServiceName": service,
                        "VpcId": r(vpc_id),
                        "SubnetIds": subnet_refs(model, tier),
                        "SecurityGroupIds": [get_att(&endpoint_group(model), "GroupId")],
                        "PrivateDnsEnabled": true,
                        "Tags": b.tags(Some(b.name_tag(&[network.name.as_str(), endpoint.as_str()]))),
                    }),
                ),
            );
        }
    }
}

/// `192.168.0.0/16` → `192168000000` + `16`: fixed-width digits, so two
/// routes never share an ID.
fn route_digits(route: &ipnet::Ipv4Net) -> String {
    let octets = route.addr().octets();
    format!("{:03}{:03}{:03}{:03}{:02}", octets[0], octets[1], octets[2], octets[3], route.prefix_len())
}

/// Site-to-site VPNs: one virtual private gateway per VPC, and per VPN a
/// customer gateway, a connection with static routes; route propagation
/// into the route tables of every tier a VPN reaches.
fn vpns(b: &mut Builder<'_>, vpc_id: &str) {
    let model = b.model;
    let network = &model.network;
    let Some(first) = model.vpns.first() else { return };
    let first_origin = origin("vpn", &first.name, first.span);
    let vgw = b.add(
        Id::of(&network.name, "VpnGateway"),
        first_origin.clone(),
        Resource::new(
            "AWS::EC2::VPNGateway",
            json!({ "Type": "ipsec.1", "Tags": b.tags(Some(b.name_tag(&[network.name.as_str()]))) }),
        ),
    );
    let attachment = b.add(
        Id::of(&network.name, "VpnGatewayAttachment"),
        first_origin,
        Resource::new("AWS::EC2::VPCGatewayAttachment", json!({ "VpcId": r(vpc_id), "VpnGatewayId": r(&vgw) })),
    );
    for vpn in &model.vpns {
        let vpn_origin = origin("vpn", &vpn.name, vpn.span);
        let cgw = b.add(
            Id::of(&vpn.name, "CustomerGateway"),
            vpn_origin.clone(),
            Resource::new(
                "AWS::EC2::CustomerGateway",
                json!({
                    "Type": "ipsec.1",
                    "BgpAsn": vpn.bgp_asn,
                    "IpAddress": vpn.customer_gateway.to_string(),
                    "Tags": b.tags(Some(b.name_tag(&[vpn.name.as_str()]))),
                }),
            ),
        );
        let connection = b.add(
            Id::of(&vpn.name, "VpnConnection"),
            vpn_origin.clone(),
            Resource::new(
                "AWS::EC2::VPNConnection",
                json!({
                    "Type": "ipsec.1",
                    "CustomerGatewayId": r(&cgw),
                    "VpnGatewayId": r(&vgw),
                    "StaticRoutesOnly": true,
                    "Tags": b.tags(Some(b.name_tag(&[vpn.name.as_str()]))),
                }),
            ),
        );
        for route in &vpn.routes {
            b.add(
                Id::of(&vpn.name, &format!("Route{}", route_digits(route))),
                vpn_origin.clone(),
                Resource::new(
                    "AWS::EC2::VPNConnectionRoute",
                    json!({ "DestinationCidrBlock": route.to_string(), "VpnConnectionId": r(&connection) }),
                ),
            );
        }
    }
    // One propagation per reached tier, whichever VPNs reach it.
    for t in 0..network.tiers.len() {
        let Some(vpn) = model.vpns.iter().find(|v| v.reach.contains(&t)) else { continue };
        let tables: Vec<Value> = route_tables(model, t).iter().map(|table| r(table)).collect();
        b.add(
            Id::new(tier_owner(model, t), "VpnRoutePropagation"),
            origin("vpn", &vpn.name, vpn.span),
            Resource::new(
                "AWS::EC2::VPNGatewayRoutePropagation",
                json!({ "RouteTableIds": tables, "VpnGatewayId": r(&vgw) }),
            )
            .depends_on(&attachment),
        );
    }
}
