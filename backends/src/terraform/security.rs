//! Security: security groups and their rules, and the IAM policy documents
//! the other areas attach to roles, buckets and file systems.
//!
//! Every security-group rule is its own `aws_vpc_security_group_ingress_rule`
//! or `aws_vpc_security_group_egress_rule` with a description. A rule whose
//! peer is a VPN becomes one rule per route of the VPN. A group whose egress
//! list is empty gets no egress rule at all: the AWS provider removes the
//! default allow-all egress rule of every group it creates, so the group
//! allows no outbound traffic, as the model says.
//!
//! Addresses: `aws_security_group.GROUP`, and for rules
//! `GROUP_PROTOCOL_PORTS_from_PEER` / `GROUP_PROTOCOL_PORTS_to_PEER`, where
//! PEER is a group name, `internet`, a CIDR block, or a VPN name and route.

use super::doc::{Area, Doc, Res, list, nested, reference, strings};
use super::names::{address, cidr_label};
use hcl::Block;
use hcl::expr::Expression;
use mhac_compiler::model::{Peer, Protocol};
use std::collections::BTreeSet;

/// Build the security groups and their rules.
pub fn build(doc: &mut Doc<'_>) {
    let model = doc.model;
    let vpc_id = reference("aws_vpc", model.network.name.as_str(), "id");
    for (index, group) in model.security_groups.iter().enumerate() {
        let name = group.name.as_str();
        doc.add(
            Area::Security,
            Res::resource("aws_security_group", name)
                .attr("name", doc.physical(&[name], 255))
                .attr("description", group.description.as_str())
                .attr("vpc_id", vpc_id.clone())
                .attr("tags", doc.name_tag(&[name])),
        );
        let redirects_http = model
            .load_balancers
            .iter()
            .find(|lb| lb.security_group == index && lb.https.as_ref().is_some_and(|https| https.redirect_http));
        let mut seen = BTreeSet::new();
        for rule in &group.ingress {
            for peer in expand(doc, &rule.source) {
                let key = (rule.protocol.as_str(), rule.from_port, rule.to_port, peer.label.clone());
                if !seen.insert(key) {
                    continue;
                }
                let mut res = Res::resource(
                    "aws_vpc_security_group_ingress_rule",
                    address(&[name, &ports_label(rule.protocol, rule.from_port, rule.to_port), "from", &peer.label]),
                )
                .attr("security_group_id", reference("aws_security_group", name, "id"))
                .attr("description", format!("{} from {}", rule.service, peer.describe));
                res = port_arguments(res, rule.protocol, rule.from_port, rule.to_port);
                res = peer.arguments(res);
                if let Some(source) = &peer.group {
                    // checkov's port checks read a rule without `cidr_ipv4`
                    // as open to the world; this one's peer is a group.
                    for (check, port) in [("CKV_AWS_24", 22), ("CKV_AWS_25", 3389), ("CKV_AWS_260", 80)] {
                        if rule.from_port <= port && port <= rule.to_port {
                            res = res.skip(
                                check,
                                format!("the source of this rule is security group {source} (referenced_security_group_id), not 0.0.0.0/0: checkov does not read that argument"),
                            );
                        }
                    }
                }
                if let Some(lb) = redirects_http
                    && peer.is_internet
                    && rule.from_port == 80
                    && rule.to_port == 80
                {
                    res = res.skip(
                        "CKV_AWS_260",
                        format!(
                            "port 80 is open to the internet only to redirect to HTTPS: listener aws_lb_listener.{}_http answers every request with a 301 to port 443",
                            lb.name.as_str()
                        ),
                    );
                }
                doc.add(Area::Security, res);
            }
        }
        let mut seen = BTreeSet::new();
        for rule in &group.egress {
            for peer in expand(doc, &rule.destination) {
                let key = (rule.protocol.as_str(), rule.from_port, rule.to_port, peer.label.clone());
                if !seen.insert(key) {
                    continue;
                }
                let description = if peer.route.is_some() {
                    format!("{} ({})", rule.description, peer.describe)
                } else {
                    rule.description.clone()
                };
                let mut res = Res::resource(
                    "aws_vpc_security_group_egress_rule",
                    address(&[name, &ports_label(rule.protocol, rule.from_port, rule.to_port), "to", &peer.label]),
                )
                .attr("security_group_id", reference("aws_security_group", name, "id"))
                .attr("description", description);
                res = port_arguments(res, rule.protocol, rule.from_port, rule.to_port);
                res = peer.arguments(res);
                doc.add(Area::Security, res);
            }
        }
    }
}

/// `tcp_443`, `tcp_8000_8080`.
fn ports_label(protocol: Protocol, from: u16, to: u16) -> String {
    if from == to { format!("{}_{from}", protocol.as_str()) } else { format!("{}_{from}_{to}", protocol.as_str()) }
}

fn port_arguments(res: Res, protocol: Protocol, from: u16, to: u16) -> Res {
    res.attr("ip_protocol", protocol.as_str()).attr("from_port", from).attr("to_port", to)
}

/// One concrete peer of a rule.
struct PeerRule {
    /// The address part.
    label: String,
    /// For descriptions.
    describe: String,
    /// `cidr_ipv4` or `referenced_security_group_id`.
    cidr: Option<String>,
    group: Option<String>,
    /// The VPN route this peer is, if any.
    route: Option<String>,
    is_internet: bool,
}

impl PeerRule {
    fn arguments(&self, res: Res) -> Res {
        match (&self.cidr, &self.group) {
            (_, Some(group)) => res.attr("referenced_security_group_id", reference("aws_security_group", group, "id")),
            (Some(cidr), None) => res.attr("cidr_ipv4", cidr.as_str()),
            (None, None) => res,
        }
    }
}

/// The concrete peers of a model peer: a VPN is one peer per route.
fn expand(doc: &Doc<'_>, peer: &Peer) -> Vec<PeerRule> {
    let model = doc.model;
    match peer {
        Peer::Group(index) => model
            .security_groups
            .get(*index)
            .map(|group| PeerRule {
                label: group.name.as_str().to_string(),
                describe: format!("security group {}", group.name.as_str()),
                cidr: None,
                group: Some(group.name.as_str().to_string()),
                route: None,
                is_internet: false,
            })
            .into_iter()
            .collect(),
        Peer::Internet => vec![PeerRule {
            label: "internet".to_string(),
            describe: "the internet".to_string(),
            cidr: Some("0.0.0.0/0".to_string()),
            group: None,
            route: None,
            is_internet: true,
        }],
        Peer::Cidr(cidr) => vec![PeerRule {
            label: cidr_label(cidr),
            describe: cidr.to_string(),
            cidr: Some(cidr.to_string()),
            group: None,
            route: None,
            is_internet: false,
        }],
        Peer::Vpn(index) => model
            .vpns
            .get(*index)
            .map(|vpn| {
                vpn.routes
                    .iter()
                    .map(|route| PeerRule {
                        label: address(&[vpn.name.as_str(), &cidr_label(route)]),
                        describe: format!("VPN {} route {route}", vpn.name.as_str()),
                        cidr: Some(route.to_string()),
                        group: None,
                        route: Some(route.to_string()),
                        is_internet: false,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
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
    pub principals: Vec<(&'static str, Vec<String>)>,
    /// Conditions: test, variable, values.
    pub conditions: Vec<(&'static str, &'static str, Vec<String>)>,
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
            principals: vec![("AWS", vec!["*".to_string()])],
            conditions: vec![("Bool", "aws:SecureTransport", vec!["false".to_string()])],
        }
    }

    /// Add resources.
    pub fn on(mut self, resources: Vec<Expression>) -> Statement {
        self.resources = resources;
        self
    }

    /// Add a principal.
    pub fn principal(mut self, ty: &'static str, identifiers: &[&str]) -> Statement {
        self.principals.push((ty, identifiers.iter().map(|i| (*i).to_string()).collect()));
        self
    }

    /// Add a condition.
    pub fn condition(mut self, test: &'static str, variable: &'static str, values: &[&str]) -> Statement {
        self.conditions.push((test, variable, values.iter().map(|v| (*v).to_string()).collect()));
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
                [("type", Expression::from(*ty)), ("identifiers", strings(identifiers))],
            ));
        }
        for (test, variable, values) in &self.conditions {
            builder = builder.add_block(nested(
                "condition",
                [
                    ("test", Expression::from(*test)),
                    ("variable", Expression::from(*variable)),
                    ("values", strings(values)),
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
