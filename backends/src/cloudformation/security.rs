//! Security groups and their rules.
//!
//! Rules whose peer is an address range (the internet, a CIDR block, a
//! VPN route) are written inline in their group. Rules between groups are
//! separate `SecurityGroupIngress` / `SecurityGroupEgress` resources, so two
//! groups that admit each other never form a dependency cycle, and adding a
//! group never changes another group's resource. A group without outbound
//! rules has no outbound traffic at all: its inline egress is the one rule
//! that matches nothing.

use super::intrinsics::{Builder, Resource, no_egress};
use mhac_compiler::plan::{Direction, PartId, PartKind, Rule, RulePeer, RulePurpose, SecurityGroup};
use serde_json::{Value, json};

fn ports(rule: &Rule) -> Value {
    json!({ "IpProtocol": rule.protocol.as_str(), "FromPort": rule.from_port, "ToPort": rule.to_port })
}

/// The inline form of an address-range rule.
fn inline(rule: &Rule, cidr: String) -> Value {
    let description = match (&rule.purpose, &rule.peer) {
        (RulePurpose::Derived(description), _) => description.clone(),
        (RulePurpose::Allow(service), RulePeer::VpnRoute { vpn, route }) => format!("{service} from {vpn} ({route})"),
        (RulePurpose::Allow(service), RulePeer::Internet) => format!("{service} from internet"),
        (RulePurpose::Allow(service), _) => format!("{service} from {cidr}"),
        (RulePurpose::Endpoints, _) => "https to the VPC endpoints".to_string(),
    };
    let mut value = ports(rule);
    if let Some(object) = value.as_object_mut() {
        object.insert("CidrIp".into(), json!(cidr));
        object.insert("Description".into(), json!(description));
    }
    value
}

/// A group with its address-range rules inline (`rules`: the rule parts of
/// this group, in plan order).
pub(crate) fn group(b: &mut Builder<'_>, id: PartId, sg: &SecurityGroup, rules: &[PartId]) {
    let mut ingress = Vec::new();
    let mut egress = Vec::new();
    for &rule_id in rules {
        let PartKind::Rule(rule) = &b.plan.part(rule_id).kind else { continue };
        let Some(cidr) = rule.peer.cidr() else { continue };
        match rule.direction {
            Direction::Ingress => ingress.push(inline(rule, cidr)),
            Direction::Egress => egress.push(inline(rule, cidr)),
        }
        let own = b.id(id);
        b.mark(rule_id, own);
    }
    if egress.is_empty() {
        egress.push(no_egress());
    }
    let mut properties = json!({
        "GroupDescription": sg.description,
        "VpcId": b.r(sg.vpc),
    });
    if let Some(object) = properties.as_object_mut() {
        if !ingress.is_empty() {
            object.insert("SecurityGroupIngress".into(), json!(ingress));
        }
        object.insert("SecurityGroupEgress".into(), json!(egress));
        object.insert("Tags".into(), b.tags(Some(b.name_tag(&[sg.name.as_str()]))));
    }
    let mut resource = Resource::new("AWS::EC2::SecurityGroup", properties);
    if sg.http_open {
        let reason = if sg.http_redirects {
            "port 80 is open to the internet only on the load balancer, whose HTTP listener does nothing but redirect to HTTPS; closing it would break every http:// link to the site"
        } else {
            "the load balancer serves plain HTTP because the source has no https block (allowed by the dev profile, MHA604)"
        };
        resource = resource.skip("CKV_AWS_260", reason);
    }
    b.add(id, b.id(id), resource);
}

/// A rule between groups (address-range rules are inline in their group).
pub(crate) fn rule(b: &mut Builder<'_>, id: PartId, rule: &Rule) {
    let RulePeer::Group { group: peer, name: peer_name } = &rule.peer else { return };
    let resource = match (&rule.purpose, rule.direction) {
        (RulePurpose::Endpoints, _) => Resource::new(
            "AWS::EC2::SecurityGroupIngress",
            json!({
                "GroupId": b.get_att(rule.group, "GroupId"),
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "SourceSecurityGroupId": b.get_att(*peer, "GroupId"),
                "Description": format!("https from {peer_name} to the VPC endpoints"),
            }),
        ),
        (purpose, Direction::Ingress) => {
            let mut properties = ports(rule);
            let description = match purpose {
                RulePurpose::Allow(service) => format!("{service} from {peer_name}"),
                RulePurpose::Derived(description) => description.clone(),
                RulePurpose::Endpoints => String::new(),
            };
            if let Some(object) = properties.as_object_mut() {
                object.insert("GroupId".into(), b.get_att(rule.group, "GroupId"));
                object.insert("SourceSecurityGroupId".into(), b.get_att(*peer, "GroupId"));
                object.insert("Description".into(), json!(description));
            }
            Resource::new("AWS::EC2::SecurityGroupIngress", properties)
        }
        (purpose, Direction::Egress) => {
            let mut properties = ports(rule);
            let description = match purpose {
                RulePurpose::Derived(description) => description.clone(),
                RulePurpose::Allow(service) => format!("{service} to {peer_name}"),
                RulePurpose::Endpoints => String::new(),
            };
            if let Some(object) = properties.as_object_mut() {
                object.insert("GroupId".into(), b.get_att(rule.group, "GroupId"));
                object.insert("DestinationSecurityGroupId".into(), b.get_att(*peer, "GroupId"));
                object.insert("Description".into(), json!(description));
            }
            Resource::new("AWS::EC2::SecurityGroupEgress", properties)
        }
    };
    b.add(id, b.id(id), resource);
}
