//! Security: security groups and their rules, and the IAM policy documents
//! the other areas attach to roles, buckets and file systems.
//!
//! Every security-group rule is its own `aws_vpc_security_group_ingress_rule`
//! or `aws_vpc_security_group_egress_rule` with a description (the plan
//! has one rule per VPN route). A group without egress rules gets none at
//! all: the AWS provider removes the default allow-all egress rule of every
//! group it creates, so the group allows no outbound traffic, as the plan
//! says.
//!
//! Addresses: `aws_security_group.GROUP`, and for rules
//! `GROUP_PROTOCOL_PORTS_from_PEER` / `GROUP_PROTOCOL_PORTS_to_PEER`, where
//! PEER is a group name, `internet`, a CIDR block, or a VPN name and route.

use super::doc::{Area, Doc, Res, list, nested, strings};
use hcl::Block;
use hcl::expr::Expression;
use mhac_compiler::plan::{Direction, PartId, PartKind, Rule, RulePeer, RulePurpose, SecurityGroup};

pub fn group(doc: &mut Doc<'_>, id: PartId, group: &SecurityGroup) {
    let name = group.name.as_str();
    doc.add(
        id,
        Area::Security,
        Res::resource("aws_security_group", doc.name(id))
            .attr("name", doc.physical(&[name], 255))
            .attr("description", group.description.as_str())
            .attr("vpc_id", doc.at(group.vpc, "id"))
            .attr("tags", doc.name_tag(&[name])),
    );
}

/// How a peer reads in a rule's description.
fn describe(peer: &RulePeer) -> String {
    match peer {
        RulePeer::Group { name, .. } => format!("security group {name}"),
        RulePeer::Internet => "the internet".to_string(),
        RulePeer::Cidr(cidr) => cidr.to_string(),
        RulePeer::VpnRoute { vpn, route } => format!("VPN {vpn} route {route}"),
    }
}

pub fn rule(doc: &mut Doc<'_>, id: PartId, rule: &Rule) {
    let (ty, area) = match (rule.direction, &rule.purpose) {
        (Direction::Ingress, RulePurpose::Endpoints) => ("aws_vpc_security_group_ingress_rule", Area::Network),
        (Direction::Ingress, _) => ("aws_vpc_security_group_ingress_rule", Area::Security),
        (Direction::Egress, _) => ("aws_vpc_security_group_egress_rule", Area::Security),
    };
    let description = match (&rule.purpose, &rule.peer) {
        (RulePurpose::Endpoints, RulePeer::Group { name, .. }) => format!("https from {name} to the VPC endpoints"),
        (RulePurpose::Endpoints, peer) => format!("https from {} to the VPC endpoints", describe(peer)),
        (RulePurpose::Allow(service), peer) => format!("{service} from {}", describe(peer)),
        (RulePurpose::Derived(description), peer @ RulePeer::VpnRoute { .. }) => {
            format!("{description} ({})", describe(peer))
        }
        (RulePurpose::Derived(description), _) => description.clone(),
    };
    let mut res = Res::resource(ty, doc.name(id))
        .attr("security_group_id", doc.at(rule.group, "id"))
        .attr("description", description)
        .attr("ip_protocol", rule.protocol.as_str())
        .attr("from_port", rule.from_port)
        .attr("to_port", rule.to_port);
    res = match &rule.peer {
        RulePeer::Group { group, .. } => res.attr("referenced_security_group_id", doc.at(*group, "id")),
        peer => res.attr("cidr_ipv4", peer.cidr().unwrap_or_default()),
    };
    if let (Direction::Ingress, RulePurpose::Allow(_), RulePeer::Group { name: source, .. }) =
        (rule.direction, &rule.purpose, &rule.peer)
    {
        // checkov's port checks read a rule without `cidr_ipv4` as open to
        // the world; this one's peer is a group.
        for (check, port) in [("CKV_AWS_24", 22), ("CKV_AWS_25", 3389), ("CKV_AWS_260", 80)] {
            if rule.from_port <= port && port <= rule.to_port {
                res = res.skip(
                    check,
                    format!("the source of this rule is security group {source} (referenced_security_group_id), not 0.0.0.0/0: checkov does not read that argument"),
                );
            }
        }
    }
    let group = match &doc.plan.part(rule.group).kind {
        PartKind::SecurityGroup(group) => Some(group),
        _ => None,
    };
    let opens_http = rule.direction == Direction::Ingress
        && rule.peer == RulePeer::Internet
        && rule.from_port <= 80
        && 80 <= rule.to_port;
    match group {
        Some(group) if opens_http && group.http_redirects && group.redirecting_load_balancer.is_some() => {
            let lb = group.redirecting_load_balancer.as_deref().unwrap_or_default();
            res = res.skip(
                "CKV_AWS_260",
                format!(
                    "port 80 is open to the internet only to redirect to HTTPS: listener aws_lb_listener.{lb}_http answers every request with a 301 to port 443"
                ),
            );
        }
        Some(group) if opens_http && !group.http_redirects => {
            res = res.skip(
                "CKV_AWS_260",
                "the load balancer serves plain HTTP because the source has no https block (allowed by the dev profile, MHA604)",
            );
        }
        _ => {}
    }
    doc.add(id, area, res);
}

/// One statement of an IAM policy document.
pub struct Statement {
    /// Statement id.
    pub sid: &'static str,
    /// `Allow` or `Deny`.
    pub effect: &'static str,
    /// Actions.
    pub actions: Vec<String>,
    /// Resources (references or templates), or none.
    pub resources: Vec<Expression>,
    /// Principals: type (`Service`, `AWS`) and identifiers.
    pub principals: Vec<(&'static str, Vec<Expression>)>,
    /// Conditions: test, variable, values.
    pub conditions: Vec<(&'static str, &'static str, Vec<Expression>)>,
}

impl Statement {
    /// An allow statement.
    pub fn allow(sid: &'static str, actions: &[&str]) -> Statement {
        Statement {
            sid,
            effect: "Allow",
            actions: actions.iter().map(|a| (*a).to_string()).collect(),
            resources: Vec::new(),
            principals: Vec::new(),
            conditions: Vec::new(),
        }
    }

    /// Deny every request that does not use TLS, on `resources`.
    pub fn deny_insecure_transport(actions: &[&str], resources: Vec<Expression>) -> Statement {
        Statement {
            sid: "DenyInsecureTransport",
            effect: "Deny",
            actions: actions.iter().map(|a| (*a).to_string()).collect(),
            resources,
            principals: vec![("AWS", vec![Expression::from("*")])],
            conditions: vec![("Bool", "aws:SecureTransport", vec![Expression::from("false")])],
        }
    }

    /// Add resources.
    pub fn on(mut self, resources: Vec<Expression>) -> Statement {
        self.resources = resources;
        self
    }

    /// Add a principal.
    pub fn principal(self, ty: &'static str, identifiers: &[&str]) -> Statement {
        self.principal_expr(ty, identifiers.iter().map(|i| Expression::from(*i)).collect())
    }

    /// Add a principal whose identifiers are expressions (references).
    pub fn principal_expr(mut self, ty: &'static str, identifiers: Vec<Expression>) -> Statement {
        self.principals.push((ty, identifiers));
        self
    }

    /// Add a condition.
    pub fn condition(self, test: &'static str, variable: &'static str, values: &[&str]) -> Statement {
        self.condition_expr(test, variable, values.iter().map(|v| Expression::from(*v)).collect())
    }

    /// Add a condition whose values are expressions (references).
    pub fn condition_expr(mut self, test: &'static str, variable: &'static str, values: Vec<Expression>) -> Statement {
        self.conditions.push((test, variable, values));
        self
    }

    fn block(&self) -> Block {
        let mut builder = Block::builder("statement")
            .add_attribute(("sid", self.sid))
            .add_attribute(("effect", self.effect))
            .add_attribute(("actions", strings(&self.actions)));
        if !self.resources.is_empty() {
            builder = builder.add_attribute(("resources", list(self.resources.clone())));
        }
        for (ty, identifiers) in &self.principals {
            builder = builder.add_block(nested(
                "principals",
                [("type", Expression::from(*ty)), ("identifiers", list(identifiers.clone()))],
            ));
        }
        for (test, variable, values) in &self.conditions {
            builder = builder.add_block(nested(
                "condition",
                [
                    ("test", Expression::from(*test)),
                    ("variable", Expression::from(*variable)),
                    ("values", list(values.clone())),
                ],
            ));
        }
        builder.build()
    }
}

/// `data "aws_iam_policy_document" "NAME"` with statements; its `json` is the
/// policy.
pub fn policy_document(name: String, statements: &[Statement]) -> Res {
    Res::data("aws_iam_policy_document", name).blocks(statements.iter().map(Statement::block))
}

/// A trust policy letting an AWS service assume a role.
pub fn assume_role_document(name: String, service: &str) -> Res {
    policy_document(name, &[Statement::allow("AssumeRole", &["sts:AssumeRole"]).principal("Service", &[service])])
}

/// The `arn:PARTITION:iam::aws:policy/NAME` of an AWS-managed policy.
pub fn managed_policy_arn(doc: &Doc<'_>, name: &str) -> String {
    format!("arn:{}:iam::aws:policy/{name}", doc.partition())
}
