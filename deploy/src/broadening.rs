//! Changes that widen access, listed apart in a plan as CDK's
//! `--require-approval broadening` does: a security group opened to a new
//! source (a new ingress from the internet, a wider address range, another
//! group), new egress, and IAM permissions that are new or broader (a new
//! policy, a new action or resource, a new trusted principal).
//!
//! Both templates are reduced to grants: one per security-group rule
//! (group, direction, protocol, ports, peer) and one per allowed IAM
//! action on a resource (holder, action, resource, principal). A grant of
//! the new template that the old one does not hold, or hold more widely
//! (an address range inside an old one, an action an old wildcard
//! matches), widens access.

use serde_json::Value;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// One security-group rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Rule {
    group: String,
    ingress: bool,
    protocol: String,
    from: i64,
    to: i64,
    peer: Peer,
}

/// Who a rule admits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Peer {
    /// An address range.
    Cidr(String),
    /// A security group, a prefix list, or anything else, as JSON text.
    Other(String),
}

/// One allowed IAM action.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    holder: String,
    action: String,
    resource: String,
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(map) if map.len() == 1 => match (map.get("Ref"), map.get("Fn::GetAtt"), map.get("Fn::Sub")) {
            (_, _, Some(Value::String(sub))) => sub.clone(),
            (Some(Value::String(name)), _, _) => name.clone(),
            (_, Some(Value::Array(parts)), _) => parts
                .iter()
                .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join("."),
            _ => value.to_string(),
        },
        other => other.to_string(),
    }
}

fn number(value: Option<&Value>, default: i64) -> i64 {
    match value {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(default),
        Some(Value::String(s)) => s.parse().unwrap_or(default),
        _ => default,
    }
}

fn rule(group: &str, ingress: bool, properties: &Value) -> Rule {
    let peer_keys: &[&str] = if ingress {
        &["CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourceSecurityGroupName", "SourcePrefixListId"]
    } else {
        &["CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "DestinationPrefixListId"]
    };
    let peer = peer_keys.iter().find_map(|key| properties.get(*key).map(|v| (*key, v))).map_or(
        Peer::Other("(nothing)".to_string()),
        |(key, value)| match (key, value) {
            ("CidrIp" | "CidrIpv6", Value::String(cidr)) => Peer::Cidr(cidr.clone()),
            (_, value) => Peer::Other(text(value)),
        },
    );
    let protocol = properties.get("IpProtocol").map_or_else(|| "-1".to_string(), text);
    let all = protocol == "-1";
    Rule {
        group: group.to_string(),
        ingress,
        protocol,
        from: if all { 0 } else { number(properties.get("FromPort"), 0) },
        to: if all { 65535 } else { number(properties.get("ToPort"), 65535) },
        peer,
    }
}

fn rules(template: &Value) -> BTreeSet<Rule> {
    let mut out = BTreeSet::new();
    let resources = template.get("Resources").and_then(Value::as_object);
    for (id, resource) in resources.into_iter().flatten() {
        let properties = resource.get("Properties").cloned().unwrap_or(Value::Null);
        match resource.get("Type").and_then(Value::as_str).unwrap_or("") {
            "AWS::EC2::SecurityGroup" => {
                for (key, ingress) in [("SecurityGroupIngress", true), ("SecurityGroupEgress", false)] {
                    for entry in properties.get(key).and_then(Value::as_array).into_iter().flatten() {
                        out.insert(rule(id, ingress, entry));
                    }
                }
            }
            ty @ ("AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress") => {
                let group = properties.get("GroupId").or(properties.get("GroupName")).map_or_else(|| id.clone(), text);
                let group = group.split('.').next().unwrap_or(&group).to_string();
                out.insert(rule(&group, ty.ends_with("Ingress"), &properties));
            }
            _ => {}
        }
    }
    out
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().map(text).collect(),
        Some(value) => vec![text(value)],
        None => Vec::new(),
    }
}

fn statements(holder: &str, document: Option<&Value>, trust: bool, out: &mut BTreeSet<Grant>) {
    let Some(document) = document else { return };
    let list = match document.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(single) => vec![single.clone()],
        None => Vec::new(),
    };
    for statement in list {
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let actions = strings(statement.get("Action"));
        let resources = if trust {
            // A trust policy grants `sts:AssumeRole` to its principals.
            match statement.get("Principal") {
                Some(Value::Object(map)) => map
                    .iter()
                    .flat_map(|(kind, v)| strings(Some(v)).into_iter().map(move |p| format!("{kind}:{p}")))
                    .collect(),
                Some(other) => vec![text(other)],
                None => vec!["*".to_string()],
            }
        } else {
            let mut resources = strings(statement.get("Resource"));
            if resources.is_empty() {
                resources.push("*".to_string());
            }
            resources
        };
        for action in &actions {
            for resource in &resources {
                out.insert(Grant { holder: holder.to_string(), action: action.clone(), resource: resource.clone() });
            }
        }
    }
}

fn grants(template: &Value) -> BTreeSet<Grant> {
    let mut out = BTreeSet::new();
    let resources = template.get("Resources").and_then(Value::as_object);
    for (id, resource) in resources.into_iter().flatten() {
        let properties = resource.get("Properties");
        let property = |key: &str| properties.and_then(|p| p.get(key));
        match resource.get("Type").and_then(Value::as_str).unwrap_or("") {
            "AWS::IAM::Role" => {
                statements(&format!("role {id} (trust)"), property("AssumeRolePolicyDocument"), true, &mut out);
                for policy in property("Policies").and_then(Value::as_array).into_iter().flatten() {
                    statements(&format!("role {id}"), policy.get("PolicyDocument"), false, &mut out);
                }
                for arn in strings(property("ManagedPolicyArns")) {
                    out.insert(Grant {
                        holder: format!("role {id}"),
                        action: "(managed policy)".into(),
                        resource: arn,
                    });
                }
            }
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                let holders: Vec<String> = ["Roles", "Users", "Groups"]
                    .iter()
                    .flat_map(|key| strings(property(key)))
                    .map(|h| format!("policy {id} of {h}"))
                    .collect();
                let holders = if holders.is_empty() { vec![format!("policy {id}")] } else { holders };
                for holder in holders {
                    statements(&holder, property("PolicyDocument"), false, &mut out);
                }
            }
            "AWS::S3::BucketPolicy" | "AWS::SNS::TopicPolicy" | "AWS::KMS::Key" => {
                let key = if resource.get("Type").and_then(Value::as_str) == Some("AWS::KMS::Key") {
                    "KeyPolicy"
                } else {
                    "PolicyDocument"
                };
                statements(&format!("resource policy {id}"), property(key), true, &mut out);
            }
            _ => {}
        }
    }
    out
}

/// Whether `inner` lies inside `outer` (both CIDR blocks).
fn cidr_within(inner: &str, outer: &str) -> bool {
    let parse = |cidr: &str| -> Option<(IpAddr, u8)> {
        let (address, length) = cidr.split_once('/')?;
        Some((address.parse().ok()?, length.parse().ok()?))
    };
    let (Some((a, a_len)), Some((b, b_len))) = (parse(inner), parse(outer)) else { return inner == outer };
    if a_len < b_len {
        return false;
    }
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = if b_len == 0 { 0 } else { u32::MAX << (32 - u32::from(b_len.min(32))) };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = if b_len == 0 { 0 } else { u128::MAX << (128 - u32::from(b_len.min(128))) };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// Whether an IAM action pattern (`s3:*`, `s3:Get*`) matches an action.
fn action_matches(pattern: &str, action: &str) -> bool {
    let (pattern, action) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    match pattern.strip_suffix('*') {
        Some(prefix) => action.starts_with(prefix),
        None => pattern == action,
    }
}

fn describe_peer(peer: &Peer) -> String {
    match peer {
        Peer::Cidr(cidr) if cidr == "0.0.0.0/0" || cidr == "::/0" => format!("the internet ({cidr})"),
        Peer::Cidr(cidr) => cidr.clone(),
        Peer::Other(other) => other.clone(),
    }
}

fn describe_ports(rule: &Rule) -> String {
    let protocol = match rule.protocol.as_str() {
        "-1" => return "all traffic".to_string(),
        "1" | "icmp" => return format!("icmp type {} code {}", rule.from, rule.to),
        "6" => "tcp",
        "17" => "udp",
        other => other,
    };
    if rule.from == rule.to {
        format!("{protocol} {}", rule.from)
    } else {
        format!("{protocol} {}-{}", rule.from, rule.to)
    }
}

/// The changes from `old` (none: a new stack) to `new` that widen access,
/// one line each, security groups first.
pub fn broadening(old: Option<&Value>, new: &Value) -> Vec<String> {
    let empty = Value::Null;
    let old = old.unwrap_or(&empty);
    let (old_rules, new_rules) = (rules(old), rules(new));
    let mut out = Vec::new();
    for rule in new_rules.difference(&old_rules) {
        // A rule to 255.255.255.255/32 allows nothing: it stands in for
        // "no egress" (a group without rules would allow all egress).
        if !rule.ingress && rule.peer == Peer::Cidr("255.255.255.255/32".to_string()) {
            continue;
        }
        let covered_by = |o: &&Rule| {
            o.group == rule.group
                && o.ingress == rule.ingress
                && (o.protocol == rule.protocol || o.protocol == "-1")
                && o.from <= rule.from
                && rule.to <= o.to
                && match (&o.peer, &rule.peer) {
                    (Peer::Cidr(outer), Peer::Cidr(inner)) => cidr_within(inner, outer),
                    (a, b) => a == b,
                }
        };
        if old_rules.iter().any(|o| covered_by(&o)) {
            continue;
        }
        let wider = old_rules.iter().find(|o| {
            o.group == rule.group
                && o.ingress == rule.ingress
                && matches!((&o.peer, &rule.peer), (Peer::Cidr(old), Peer::Cidr(new)) if cidr_within(old, new))
        });
        let direction = if rule.ingress { "from" } else { "to" };
        let mut line = format!(
            "security group {}: {} {} {direction} {}",
            rule.group,
            if rule.ingress { "allows" } else { "sends" },
            describe_ports(rule),
            describe_peer(&rule.peer)
        );
        if let Some(Rule { peer: Peer::Cidr(old), .. }) = wider {
            line.push_str(&format!(" (wider than {old})"));
        } else if matches!(&rule.peer, Peer::Cidr(c) if c == "0.0.0.0/0" || c == "::/0") && rule.ingress {
            line.push_str(" (new ingress from the internet)");
        }
        out.push(line);
    }
    let (old_grants, new_grants) = (grants(old), grants(new));
    for grant in new_grants.difference(&old_grants) {
        let covered = old_grants.iter().any(|o| {
            o.holder == grant.holder
                && action_matches(&o.action, &grant.action)
                && (o.resource == grant.resource || o.resource == "*")
        });
        if covered {
            continue;
        }
        let line = if grant.holder.ends_with("(trust)") || grant.holder.starts_with("resource policy") {
            format!("{}: allows {} to {}", grant.holder, grant.resource, grant.action)
        } else {
            format!("{}: allows {} on {}", grant.holder, grant.action, grant.resource)
        };
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(cidr: &str, extra_action: Option<&str>) -> Value {
        let mut actions = vec!["s3:GetObject"];
        actions.extend(extra_action);
        json!({ "Resources": {
            "Web": { "Type": "AWS::EC2::SecurityGroup", "Properties": { "GroupDescription": "web",
                "SecurityGroupIngress": [{ "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": cidr }] } },
            "DbFromWeb": { "Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
                "GroupId": { "Fn::GetAtt": ["Db", "GroupId"] }, "IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306,
                "SourceSecurityGroupId": { "Fn::GetAtt": ["Web", "GroupId"] } } },
            "Access": { "Type": "AWS::IAM::Policy", "Properties": { "Roles": [{ "Ref": "Role" }],
                "PolicyDocument": { "Statement": [{ "Effect": "Allow", "Action": actions, "Resource": "arn:aws:s3:::b/*" }] } } }
        } })
    }

    #[test]
    fn widening_is_listed_and_narrowing_is_not() {
        let old = template("10.0.0.0/16", None);
        assert!(broadening(Some(&old), &old).is_empty());
        let wider = broadening(Some(&old), &template("10.0.0.0/8", None));
        assert_eq!(wider, vec!["security group Web: allows tcp 443 from 10.0.0.0/8 (wider than 10.0.0.0/16)"]);
        assert!(broadening(Some(&old), &template("10.0.1.0/24", None)).is_empty(), "narrower is not wider");
        let internet = broadening(Some(&old), &template("0.0.0.0/0", None));
        assert_eq!(
            internet,
            vec!["security group Web: allows tcp 443 from the internet (0.0.0.0/0) (wider than 10.0.0.0/16)"]
        );
        let iam = broadening(Some(&old), &template("10.0.0.0/16", Some("s3:PutObject")));
        assert_eq!(iam, vec!["policy Access of Role: allows s3:PutObject on arn:aws:s3:::b/*"]);
        // A new stack: every grant is new.
        let all = broadening(None, &old);
        assert_eq!(all.len(), 3, "{all:?}");
        assert!(all.iter().any(|l| l.contains("Db: allows tcp 3306 from Web.GroupId")), "{all:?}");
        // A wildcard already held covers a narrower action.
        let mut star = template("10.0.0.0/16", None);
        star["Resources"]["Access"]["Properties"]["PolicyDocument"]["Statement"][0]["Action"] = json!("s3:*");
        assert!(broadening(Some(&star), &template("10.0.0.0/16", Some("s3:PutObject"))).is_empty());
    }
}
