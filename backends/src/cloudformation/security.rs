//! Security groups and their rules.
//!
//! Rules whose peer is an address range (the internet, a CIDR block, the
//! networks behind a VPN, one rule per route) are written inline. Rules
//! between groups are separate `SecurityGroupIngress` / `SecurityGroupEgress`
//! resources, so two groups that admit each other never form a dependency
//! cycle, and adding a group never changes another group's resource. A
//! group without outbound rules in the model has no outbound traffic at
//! all: its inline egress is the one rule that matches nothing.

use super::intrinsics::{Builder, Id, Resource, get_att, origin, r};
use super::network;
use crate::decisions;
use mhac_compiler::model::{Model, Peer, Protocol, SecurityGroup};
use serde_json::{Value, json};

/// A group's logical ID.
pub(crate) fn group(model: &Model, index: usize) -> String {
    model.security_groups.get(index).map_or_else(String::new, |g| Id::of(&g.name, "SecurityGroup").id())
}

/// `GetAtt GROUP.GroupId`.
pub(crate) fn group_id(model: &Model, index: usize) -> Value {
    get_att(&group(model, index), "GroupId")
}

/// The egress rule that allows nothing (an ICMP type/code pair that does
/// not exist, to a broadcast address): with it, CloudFormation removes the
/// default allow-all rule and adds no other.
pub(crate) fn no_egress() -> Value {
    json!({
        "IpProtocol": "icmp",
        "FromPort": 252,
        "ToPort": 86,
        "CidrIp": "255.255.255.255/32",
        "Description": "no outbound traffic",
    })
}

/// `3306`, `Udp53`, `8000To8080`: the port part of a rule's ID. It always
/// ends with a digit, which keeps rule suffixes apart from every other
/// suffix.
fn port_part(protocol: Protocol, from: u16, to: u16) -> String {
    let proto = if protocol == Protocol::Udp { "Udp" } else { "" };
    if from == to { format!("{proto}{from}") } else { format!("{proto}{from}To{to}") }
}

/// Inline rules for an address-range peer: one per CIDR block.
fn cidr_rules(model: &Model, peer: &Peer, rule: Value, describe: &dyn Fn(&str) -> String) -> Vec<Value> {
    let blocks: Vec<(String, String)> = match peer {
        Peer::Internet => vec![("0.0.0.0/0".to_string(), describe("internet"))],
        Peer::Cidr(net) => vec![(net.to_string(), describe(&net.to_string()))],
        Peer::Vpn(v) => model
            .vpns
            .get(*v)
            .map(|vpn| {
                vpn.routes
                    .iter()
                    .map(|route| (route.to_string(), describe(&format!("{} ({route})", vpn.name.as_str()))))
                    .collect()
            })
            .unwrap_or_default(),
        Peer::Group(_) => Vec::new(),
    };
    blocks
        .into_iter()
        .map(|(cidr, description)| {
            let mut rule = rule.clone();
            if let Some(object) = rule.as_object_mut() {
                object.insert("CidrIp".into(), json!(cidr));
                object.insert("Description".into(), json!(description));
            }
            rule
        })
        .collect()
}

fn ports(protocol: Protocol, from: u16, to: u16) -> Value {
    json!({ "IpProtocol": protocol.as_str(), "FromPort": from, "ToPort": to })
}

/// Add every group and its rules, and the endpoint group's HTTPS rules.
pub(crate) fn build(b: &mut Builder<'_>) {
    let model = b.model;
    let vpc = network::vpc(model);
    for (index, sg) in model.security_groups.iter().enumerate() {
        group_resource(b, index, sg, &vpc);
    }
    for (index, sg) in model.security_groups.iter().enumerate() {
        for rule in &sg.ingress {
            let Peer::Group(source) = rule.source else { continue };
            let Some(source_group) = model.security_groups.get(source) else { continue };
            let mut properties = ports(rule.protocol, rule.from_port, rule.to_port);
            if let Some(object) = properties.as_object_mut() {
                object.insert("GroupId".into(), group_id(model, index));
                object.insert("SourceSecurityGroupId".into(), group_id(model, source));
                object.insert(
                    "Description".into(),
                    json!(format!("{} from {}", rule.service, source_group.name.as_str())),
                );
            }
            b.add(
                Id::new(
                    sg.name.pascal(),
                    format!(
                        "From{}{}Ingress",
                        source_group.name.pascal(),
                        port_part(rule.protocol, rule.from_port, rule.to_port)
                    ),
                ),
                origin("security_group", &sg.name, rule.port_span.to(rule.source_span)),
                Resource::new("AWS::EC2::SecurityGroupIngress", properties),
            );
        }
        for rule in &sg.egress {
            let Peer::Group(target) = rule.destination else { continue };
            let Some(target_group) = model.security_groups.get(target) else { continue };
            let mut properties = ports(rule.protocol, rule.from_port, rule.to_port);
            if let Some(object) = properties.as_object_mut() {
                object.insert("GroupId".into(), group_id(model, index));
                object.insert("DestinationSecurityGroupId".into(), group_id(model, target));
                object.insert("Description".into(), json!(rule.description));
            }
            b.add(
                Id::new(
                    sg.name.pascal(),
                    format!(
                        "To{}{}Egress",
                        target_group.name.pascal(),
                        port_part(rule.protocol, rule.from_port, rule.to_port)
                    ),
                ),
                origin("security_group", &sg.name, sg.span),
                Resource::new("AWS::EC2::SecurityGroupEgress", properties),
            );
        }
    }
    endpoint_rules(b);
}

fn group_resource(b: &mut Builder<'_>, index: usize, sg: &SecurityGroup, vpc: &str) {
    let model = b.model;
    let mut ingress = Vec::new();
    for rule in &sg.ingress {
        let base = ports(rule.protocol, rule.from_port, rule.to_port);
        let service = rule.service.clone();
        ingress.extend(cidr_rules(model, &rule.source, base, &|from| format!("{service} from {from}")));
    }
    let mut egress = Vec::new();
    for rule in &sg.egress {
        let base = ports(rule.protocol, rule.from_port, rule.to_port);
        let description = rule.description.clone();
        egress.extend(cidr_rules(model, &rule.destination, base, &|_| description.clone()));
    }
    if egress.is_empty() {
        egress.push(no_egress());
    }
    let mut properties = json!({
        "GroupDescription": sg.description,
        "VpcId": r(vpc),
    });
    if let Some(object) = properties.as_object_mut() {
        if !ingress.is_empty() {
            object.insert("SecurityGroupIngress".into(), json!(ingress));
        }
        object.insert("SecurityGroupEgress".into(), json!(egress));
        object.insert("Tags".into(), b.tags(Some(b.name_tag(&[sg.name.as_str()]))));
    }
    let mut resource = Resource::new("AWS::EC2::SecurityGroup", properties);
    let open_80 = sg.ingress.iter().any(|rule| {
        rule.source == Peer::Internet && rule.protocol == Protocol::Tcp && rule.from_port <= 80 && 80 <= rule.to_port
    });
    if open_80 {
        let redirects = model
            .load_balancers
            .iter()
            .filter(|lb| lb.security_group == index)
            .all(|lb| lb.https.as_ref().is_some_and(|h| h.redirect_http));
        let reason = if redirects {
            "port 80 is open to the internet only on the load balancer, whose HTTP listener does nothing but redirect to HTTPS; closing it would break every http:// link to the site"
        } else {
            "the load balancer serves plain HTTP because the source has no https block (allowed by the dev profile, MHA604)"
        };
        resource = resource.skip("CKV_AWS_260", reason);
    }
    b.add(Id::of(&sg.name, "SecurityGroup"), origin("security_group", &sg.name, sg.span), resource);
}

/// HTTPS from every app server group into the interface endpoints.
fn endpoint_rules(b: &mut Builder<'_>) {
    let model = b.model;
    if !decisions::has_interface_endpoints(model) || !b.has(&network::endpoint_group(model)) {
        return;
    }
    for index in crate::decisions::app_server_groups(model) {
        let Some(sg) = model.security_groups.get(index) else { continue };
        b.add(
            Id::of(&sg.name, "EndpointIngress"),
            origin("security_group", &sg.name, sg.span),
            Resource::new(
                "AWS::EC2::SecurityGroupIngress",
                json!({
                    "GroupId": get_att(&network::endpoint_group(model), "GroupId"),
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "SourceSecurityGroupId": group_id(model, index),
                    "Description": format!("https from {} to the VPC endpoints", sg.name.as_str()),
                }),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_parts_end_with_a_digit() {
        assert_eq!(port_part(Protocol::Tcp, 3306, 3306), "3306");
        assert_eq!(port_part(Protocol::Udp, 53, 53), "Udp53");
        assert_eq!(port_part(Protocol::Tcp, 8000, 8080), "8000To8080");
    }
}
