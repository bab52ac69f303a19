//! From a checked model to a [`Plan`]: every part the deployment creates,
//! with its identity, its origin and every decision made.
//!
//! The parts come area by area, in the order printers emit them: images and
//! the key, the network, security groups and rules, load balancers, app
//! servers, data, monitoring; then the outputs.

use super::identity::{
    self, address, both, cfn_only, cidr_label, email_part, endpoint_id, label, pascal_case, peer_label, port_part,
    ports_label, route_digits, tf_only, zone_id,
};
use super::{decisions, *};
use crate::model::{
    Access, CacheEngine, CheckedModel, Dns, HostedZone, Image, Model, Name, NatMode, Peer, StringValue, TierKind,
};
use crate::span::Span;
use crate::stdlib::stdlib;
use crate::symbols::SymbolKind;
use std::collections::BTreeSet;

/// The plan of a checked model.
pub fn plan(model: &CheckedModel) -> Plan {
    let model: &Model = model;
    let mut builder = Builder::new(model);
    builder.images();
    builder.key();
    builder.network();
    builder.security();
    builder.access_log_bucket();
    builder.load_balancers();
    builder.app_servers();
    builder.data();
    builder.site();
    builder.monitoring();
    builder.outputs();
    builder.plan
}

/// The parts made so far, and where to find the ones later parts refer to.
struct Builder<'m> {
    model: &'m Model,
    plan: Plan,
    key: Option<PartId>,
    vpc: PartId,
    internet_gateway: Option<PartId>,
    /// Per tier, per subnet position: the subnet part.
    subnets: Vec<Vec<PartId>>,
    /// Per tier: its route tables.
    route_tables: Vec<Vec<PartId>>,
    /// Per zone: its NAT gateway.
    nat_gateways: Vec<(usize, PartId)>,
    endpoint_group: Option<PartId>,
    vpn_connections: Vec<PartId>,
    groups: Vec<PartId>,
    load_balancers: Vec<PartId>,
    target_groups: Vec<Option<PartId>>,
    images: Vec<Option<PartId>>,
    roles: Vec<PartId>,
    app_log_groups: Vec<PartId>,
    launch_templates: Vec<PartId>,
    auth_tokens: Vec<Option<PartId>>,
    auto_scaling_groups: Vec<PartId>,
    access_log_bucket: Option<PartId>,
    databases: Vec<PartId>,
    file_systems: Vec<PartId>,
    caches: Vec<PartId>,
    buckets: Vec<PartId>,
    topic: Option<PartId>,
    /// The site's hosted zone, once asked for.
    zone: Option<Option<ZoneRef>>,
}

fn component(kind: SymbolKind, name: &Name, span: Span) -> Origin {
    Origin { owner: Owner::Component(kind), name: name.text.clone(), span }
}

impl<'m> Builder<'m> {
    fn new(model: &'m Model) -> Builder<'m> {
        let deployment = &model.deployment;
        let zones = deployment
            .zones
            .iter()
            .map(|zone| Zone {
                name: zone.name.clone(),
                suffix: zone.suffix.clone(),
                parameter: format!("AvailabilityZone{}", zone_id(&zone.suffix)),
            })
            .collect();
        let params = model
            .params
            .iter()
            .enumerate()
            .map(|(index, param)| Param {
                ident: both(param.name.pascal(), param.name.text.clone()),
                name: param.name.text.clone(),
                ty: param.ty,
                default: param.default.clone(),
                description: param.description.clone(),
                image: model.app_servers.iter().any(|app| matches!(app.image, Image::Param(i) if i == index)),
                shape: model
                    .site
                    .as_ref()
                    .is_some_and(|site| matches!(site.code_sha256, StringValue::Param(i) if i == index))
                    .then_some(super::ParamShape::Sha256),
                span: param.span,
            })
            .collect();
        Builder {
            model,
            plan: Plan {
                deployment: Deployment {
                    name: deployment.name.text.clone(),
                    region: deployment.region.clone(),
                    partition: partition(&deployment.region),
                    zones,
                    moodle: deployment.moodle.clone(),
                    prod: deployment.is_prod(),
                    tags: deployment.tags.clone(),
                    span: deployment.span,
                },
                params,
                parts: Vec::new(),
                outputs: Vec::new(),
                state: model.state.clone(),
                site: super::site::plan(model),
            },
            key: None,
            vpc: PartId(0),
            internet_gateway: None,
            subnets: Vec::new(),
            route_tables: Vec::new(),
            nat_gateways: Vec::new(),
            endpoint_group: None,
            vpn_connections: Vec::new(),
            groups: Vec::new(),
            load_balancers: Vec::new(),
            target_groups: Vec::new(),
            images: Vec::new(),
            roles: Vec::new(),
            app_log_groups: Vec::new(),
            launch_templates: Vec::new(),
            auth_tokens: Vec::new(),
            auto_scaling_groups: Vec::new(),
            access_log_bucket: None,
            databases: Vec::new(),
            file_systems: Vec::new(),
            caches: Vec::new(),
            buckets: Vec::new(),
            topic: None,
            zone: None,
        }
    }

    fn add(&mut self, ident: Identity, origin: Origin, kind: PartKind) -> PartId {
        self.plan.parts.push(Part { ident, origin, kind });
        PartId(self.plan.parts.len() - 1)
    }

    fn output(&mut self, ident: Identity, description: String, value: OutputValue, origin: Origin) {
        self.plan.outputs.push(Output { ident, description, value, origin });
    }

    /// The key every encrypting part uses (it exists when any of them does).
    fn key(&mut self) {
        let model = self.model;
        if !decisions::encryption_key_needed(model) {
            return;
        }
        let keep = if model.deployment.is_prod() { Keep::Retain } else { Keep::Delete };
        let key = self.add(
            both("EncryptionKey", "encryption"),
            self.monitoring_origin(),
            PartKind::Key(Key {
                alarms_publish: !model.monitoring.notify.is_empty(),
                ses_publish: !model.monitoring.notify.is_empty()
                    && model.site.as_ref().is_some_and(|site| site.email.is_some() && site.domain.is_some()),
                keep,
            }),
        );
        self.key = Some(key);
    }

    fn key_id(&self) -> PartId {
        // Every part that asks for the key exists only when
        // `decisions::encryption_key_needed` made it.
        self.key.unwrap_or(PartId(usize::MAX))
    }

    /// The origin of deployment-wide parts: the `monitoring` block when
    /// written, else the deployment block.
    fn monitoring_origin(&self) -> Origin {
        let model = self.model;
        Origin {
            owner: Owner::Monitoring,
            name: "monitoring".to_string(),
            span: model.monitoring.span.unwrap_or(model.deployment.span),
        }
    }

    /// Image parameters: one per app server group with an `ssm(...)` image.
    fn images(&mut self) {
        let model = self.model;
        for app in &model.app_servers {
            let part = match &app.image {
                Image::Ssm(path) => Some(self.add(
                    both(format!("{}ImageId", app.name.pascal()), address(&[app.name.as_str(), "image"])),
                    component(SymbolKind::AppServers, &app.name, app.span),
                    PartKind::ImageParameter(ImageParameter { app: app.name.text.clone(), path: path.clone() }),
                )),
                Image::Ami(_) | Image::Param(_) => None,
            };
            self.images.push(part);
        }
    }

    fn network(&mut self) {
        let model = self.model;
        let network = &model.network;
        let net = network.name.as_str();
        let pascal = network.name.pascal();
        let origin = component(SymbolKind::Network, &network.name, network.span);
        let zones = &model.deployment.zones;
        self.vpc = self.add(
            both(format!("{pascal}Vpc"), net),
            origin.clone(),
            PartKind::Vpc(Vpc { network: net.to_string(), cidr: network.cidr }),
        );
        let public = network.public_tier();
        if public.is_some() {
            self.internet_gateway = Some(self.add(
                both(format!("{pascal}InternetGateway"), net),
                origin.clone(),
                PartKind::InternetGateway(InternetGateway { vpc: self.vpc, network: net.to_string() }),
            ));
        }
        for tier in &network.tiers {
            let tier_origin = component(SymbolKind::Network, &network.name, tier.span);
            let mut parts = Vec::new();
            for subnet in &tier.subnets {
                let Some(zone) = zones.get(subnet.zone) else { continue };
                parts.push(self.add(
                    both(
                        format!("{pascal}{}Subnet{}", tier.name.pascal(), zone_id(&zone.suffix)),
                        address(&[tier.name.as_str(), &zone.suffix]),
                    ),
                    tier_origin.clone(),
                    PartKind::Subnet(Subnet {
                        vpc: self.vpc,
                        network: net.to_string(),
                        tier: tier.name.text.clone(),
                        zone: subnet.zone,
                        cidr: subnet.cidr,
                    }),
                ));
            }
            self.subnets.push(parts);
        }

        // NAT gateways live in the first public tier: one per zone, or one
        // in the zone of its first subnet.
        if let (Some(public), Some(internet_gateway)) = (public, self.internet_gateway) {
            let subnets = &network.tiers[public].subnets;
            let nat_subnets: Vec<usize> = match network.nat {
                NatMode::None => Vec::new(),
                NatMode::Single => (0..subnets.len().min(1)).collect(),
                NatMode::PerZone => (0..subnets.len()).collect(),
            };
            for position in nat_subnets {
                let zone_index = subnets[position].zone;
                let Some(zone) = zones.get(zone_index) else { continue };
                let elastic_ip = self.add(
                    both(format!("{pascal}NatEip{}", zone_id(&zone.suffix)), address(&[net, "nat", &zone.suffix])),
                    origin.clone(),
                    PartKind::ElasticIp(ElasticIp { network: net.to_string(), zone: zone_index, internet_gateway }),
                );
                let nat = self.add(
                    both(format!("{pascal}NatGateway{}", zone_id(&zone.suffix)), address(&[net, &zone.suffix])),
                    origin.clone(),
                    PartKind::NatGateway(NatGateway {
                        network: net.to_string(),
                        zone: zone_index,
                        elastic_ip,
                        subnet: self.subnets[public][position],
                        internet_gateway,
                    }),
                );
                self.nat_gateways.push((zone_index, nat));
            }
        }

        // Route tables: one per tier, except private tiers with a NAT
        // gateway per zone (one per tier and zone).
        for (t, tier) in network.tiers.iter().enumerate() {
            let tier_origin = component(SymbolKind::Network, &network.name, tier.span);
            let owner = format!("{pascal}{}", tier.name.pascal());
            let per_zone = tier.kind == TierKind::Private && network.nat == NatMode::PerZone;
            let groups: Vec<(Option<usize>, Vec<usize>)> = if per_zone {
                tier.subnets.iter().enumerate().map(|(i, s)| (Some(s.zone), vec![i])).collect()
            } else {
                vec![(None, (0..tier.subnets.len()).collect())]
            };
            let mut tables = Vec::new();
            for (zone, positions) in groups {
                let zone_part = zone.and_then(|z| zones.get(z)).map(|z| zone_id(&z.suffix));
                let table = self.add(
                    cfn_only(format!("{owner}RouteTable{}", zone_part.clone().unwrap_or_default())),
                    tier_origin.clone(),
                    PartKind::RouteTable(RouteTable {
                        vpc: self.vpc,
                        network: net.to_string(),
                        tier: tier.name.text.clone(),
                        zone,
                        subnets: positions.iter().filter_map(|&i| self.subnets[t].get(i).copied()).collect(),
                    }),
                );
                tables.push(table);
                let target = match tier.kind {
                    TierKind::Public => {
                        self.internet_gateway.map(|igw| ("InternetRoute", RouteTarget::InternetGateway(igw)))
                    }
                    TierKind::Private => {
                        let subnet_zone = positions.first().and_then(|&i| tier.subnets.get(i)).map_or(0, |s| s.zone);
                        let nat_zone = match network.nat {
                            NatMode::None => None,
                            NatMode::Single => self.nat_gateways.first().map(|(zone, _)| *zone),
                            NatMode::PerZone => Some(subnet_zone),
                        };
                        nat_zone
                            .and_then(|z| self.nat_gateways.iter().find(|(zone, _)| *zone == z))
                            .map(|(_, nat)| ("NatRoute", RouteTarget::NatGateway(*nat)))
                    }
                    TierKind::Isolated => None,
                };
                if let Some((suffix, target)) = target {
                    self.add(
                        cfn_only(format!("{owner}{suffix}{}", zone_part.unwrap_or_default())),
                        tier_origin.clone(),
                        PartKind::Route(Route { table, target }),
                    );
                }
            }
            for (i, subnet) in tier.subnets.iter().enumerate() {
                let Some(zone) = zones.get(subnet.zone) else { continue };
                let Some(&subnet_part) = self.subnets[t].get(i) else { continue };
                let table = if per_zone { tables[i] } else { tables[0] };
                self.add(
                    both(
                        format!("{owner}RouteTableAssociation{}", zone_id(&zone.suffix)),
                        address(&[tier.name.as_str(), &zone.suffix]),
                    ),
                    tier_origin.clone(),
                    PartKind::RouteAssociation(RouteAssociation { table, subnet: subnet_part }),
                );
            }
            self.route_tables.push(tables);
        }

        if network.flow_logs {
            let log_group = self.add(
                both(format!("{pascal}FlowLogGroup"), identity::flow_logs(net)),
                origin.clone(),
                PartKind::LogGroup(LogGroup {
                    usage: LogGroupUse::FlowLogs { network: net.to_string() },
                    retention_days: model.monitoring.retention_days,
                    key: self.key_id(),
                }),
            );
            self.add(
                both(format!("{pascal}FlowLog"), net),
                origin.clone(),
                PartKind::FlowLog(FlowLog { vpc: self.vpc, network: net.to_string(), log_group }),
            );
        }
        self.endpoints(&origin);
        self.vpns();
    }

    /// VPC endpoints: the S3 gateway endpoint on the route tables of every
    /// non-public tier; interface endpoints in one non-public tier
    /// ([`decisions::endpoint_tier`]), behind their own security group.
    fn endpoints(&mut self, origin: &Origin) {
        let model = self.model;
        let network = &model.network;
        if network.endpoints.is_empty() {
            return;
        }
        let net = network.name.as_str();
        let pascal = network.name.pascal();
        let interface_tier = decisions::endpoint_tier(model);
        if decisions::has_interface_endpoints(model) {
            self.endpoint_group = Some(self.add(
                both(format!("{pascal}EndpointsGroup"), address(&[net, "endpoints"])),
                origin.clone(),
                PartKind::EndpointGroup(EndpointGroup { vpc: self.vpc, network: net.to_string() }),
            ));
        }
        for &service in &network.endpoints {
            let placement = if service.is_gateway() {
                let route_tables = (0..network.tiers.len())
                    .filter(|&t| network.tiers[t].kind != TierKind::Public)
                    .flat_map(|t| self.route_tables[t].clone())
                    .collect();
                EndpointPlacement::Gateway { route_tables }
            } else if let (Some(tier), Some(group)) = (interface_tier, self.endpoint_group) {
                EndpointPlacement::Interface { subnets: self.subnets[tier].clone(), group }
            } else {
                continue;
            };
            self.add(
                both(format!("{pascal}{}Endpoint", endpoint_id(service)), address(&[net, service.as_str()])),
                origin.clone(),
                PartKind::Endpoint(Endpoint { vpc: self.vpc, network: net.to_string(), service, placement }),
            );
        }
    }

    /// Site-to-site VPNs: one virtual private gateway per VPC, and per VPN a
    /// customer gateway and a connection with static routes; route
    /// propagation into the tables of every tier a VPN reaches.
    fn vpns(&mut self) {
        let model = self.model;
        let network = &model.network;
        let Some(first) = model.vpns.first() else { return };
        let net = network.name.as_str();
        let pascal = network.name.pascal();
        let vpn_gateway = self.add(
            both(format!("{pascal}VpnGateway"), net),
            component(SymbolKind::Vpn, &first.name, first.span),
            PartKind::VpnGateway(VpnGateway { vpc: self.vpc, network: net.to_string() }),
        );
        for vpn in &model.vpns {
            let origin = component(SymbolKind::Vpn, &vpn.name, vpn.span);
            let name = vpn.name.as_str();
            let customer_gateway = self.add(
                both(format!("{}CustomerGateway", vpn.name.pascal()), name),
                origin.clone(),
                PartKind::CustomerGateway(CustomerGateway {
                    vpn: name.to_string(),
                    bgp_asn: vpn.bgp_asn,
                    address: vpn.customer_gateway,
                }),
            );
            let connection = self.add(
                both(format!("{}VpnConnection", vpn.name.pascal()), name),
                origin.clone(),
                PartKind::VpnConnection(VpnConnection { vpn: name.to_string(), customer_gateway, vpn_gateway }),
            );
            self.vpn_connections.push(connection);
            for route in &vpn.routes {
                self.add(
                    both(
                        format!("{}Route{}", vpn.name.pascal(), route_digits(route)),
                        address(&[name, &cidr_label(route)]),
                    ),
                    origin.clone(),
                    PartKind::VpnRoute(VpnRoute { connection, cidr: *route }),
                );
            }
        }
        // One propagation per reached tier, whichever VPNs reach it.
        for (t, tier) in network.tiers.iter().enumerate() {
            let Some(vpn) = model.vpns.iter().find(|v| v.reach.contains(&t)) else { continue };
            self.add(
                cfn_only(format!("{pascal}{}VpnRoutePropagation", tier.name.pascal())),
                component(SymbolKind::Vpn, &vpn.name, vpn.span),
                PartKind::RoutePropagation(RoutePropagation {
                    vpn_gateway,
                    route_tables: self.route_tables[t].clone(),
                }),
            );
        }
    }

    /// Security groups, then their rules (ingress, then egress, one per
    /// port range and peer; a VPN peer is one rule per route), then HTTPS
    /// from the app servers into the interface endpoints.
    fn security(&mut self) {
        let model = self.model;
        for (index, sg) in model.security_groups.iter().enumerate() {
            let http_open = sg.ingress.iter().any(|rule| {
                rule.source == Peer::Internet
                    && rule.protocol == Protocol::Tcp
                    && rule.from_port <= 80
                    && 80 <= rule.to_port
            });
            let users: Vec<_> = model.load_balancers.iter().filter(|lb| lb.security_group == index).collect();
            let redirects = |lb: &&crate::model::LoadBalancer| lb.https.as_ref().is_some_and(|h| h.redirect_http);
            let part = self.add(
                both(format!("{}SecurityGroup", sg.name.pascal()), sg.name.as_str()),
                component(SymbolKind::SecurityGroup, &sg.name, sg.span),
                PartKind::SecurityGroup(SecurityGroup {
                    vpc: self.vpc,
                    name: sg.name.text.clone(),
                    description: sg.description.clone(),
                    http_open,
                    http_redirects: users.iter().all(redirects),
                    redirecting_load_balancer: users.iter().find(|lb| redirects(lb)).map(|lb| lb.name.text.clone()),
                }),
            );
            self.groups.push(part);
        }
        for (index, sg) in model.security_groups.iter().enumerate() {
            let mut seen = BTreeSet::new();
            for rule in &sg.ingress {
                let span = rule.port_span.to(rule.source_span);
                for peer in self.peers(&rule.source) {
                    let key = (rule.protocol, rule.from_port, rule.to_port, peer_label(&peer));
                    if seen.insert(key) {
                        let purpose = RulePurpose::Allow(rule.service.clone());
                        self.rule(
                            index,
                            Direction::Ingress,
                            (rule.protocol, rule.from_port, rule.to_port),
                            peer,
                            purpose,
                            span,
                        );
                    }
                }
            }
            let mut seen = BTreeSet::new();
            for rule in &sg.egress {
                for peer in self.peers(&rule.destination) {
                    let key = (rule.protocol, rule.from_port, rule.to_port, peer_label(&peer));
                    if seen.insert(key) {
                        let purpose = RulePurpose::Derived(rule.description.clone());
                        let ports = (rule.protocol, rule.from_port, rule.to_port);
                        self.rule(index, Direction::Egress, ports, peer, purpose, sg.span);
                    }
                }
            }
        }
        if let Some(endpoints) = self.endpoint_group {
            let net = model.network.name.as_str();
            let group_name = address(&[net, "endpoints"]);
            for index in decisions::app_server_groups(model) {
                let Some(sg) = model.security_groups.get(index) else { continue };
                let peer = RulePeer::Group { group: self.groups[index], name: sg.name.text.clone() };
                let ident = both(
                    format!("{}EndpointIngress", sg.name.pascal()),
                    address(&[&group_name, &ports_label(Protocol::Tcp, 443, 443), "from", &peer_label(&peer)]),
                );
                self.add(
                    ident,
                    component(SymbolKind::SecurityGroup, &sg.name, sg.span),
                    PartKind::Rule(Rule {
                        group: endpoints,
                        group_name: group_name.clone(),
                        direction: Direction::Ingress,
                        protocol: Protocol::Tcp,
                        from_port: 443,
                        to_port: 443,
                        peer,
                        purpose: RulePurpose::Endpoints,
                    }),
                );
            }
        }
    }

    /// The concrete peers of a model peer: a VPN is one peer per route.
    fn peers(&self, peer: &Peer) -> Vec<RulePeer> {
        let model = self.model;
        match peer {
            Peer::Group(index) => model
                .security_groups
                .get(*index)
                .map(|group| RulePeer::Group { group: self.groups[*index], name: group.name.text.clone() })
                .into_iter()
                .collect(),
            Peer::Internet => vec![RulePeer::Internet],
            Peer::Cidr(cidr) => vec![RulePeer::Cidr(*cidr)],
            Peer::Vpn(index) => model
                .vpns
                .get(*index)
                .map(|vpn| {
                    vpn.routes
                        .iter()
                        .map(|route| RulePeer::VpnRoute { vpn: vpn.name.text.clone(), route: *route })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn rule(
        &mut self,
        index: usize,
        direction: Direction,
        (protocol, from_port, to_port): (Protocol, u16, u16),
        peer: RulePeer,
        purpose: RulePurpose,
        span: Span,
    ) {
        let sg = &self.model.security_groups[index];
        let name = sg.name.as_str();
        let (word, suffix) = match direction {
            Direction::Ingress => ("from", "Ingress"),
            Direction::Egress => ("to", "Egress"),
        };
        let tf = address(&[name, &ports_label(protocol, from_port, to_port), word, &peer_label(&peer)]);
        let cfn = match &peer {
            RulePeer::Group { name: other, .. } => Some(format!(
                "{}{}{}{}{suffix}",
                sg.name.pascal(),
                if direction == Direction::Ingress { "From" } else { "To" },
                pascal_case(other),
                port_part(protocol, from_port, to_port)
            )),
            RulePeer::Internet | RulePeer::Cidr(_) | RulePeer::VpnRoute { .. } => None,
        };
        let ident = match cfn {
            Some(cfn) => both(cfn, tf),
            None => tf_only(tf),
        };
        self.add(
            ident,
            component(SymbolKind::SecurityGroup, &sg.name, span),
            PartKind::Rule(Rule {
                group: self.groups[index],
                group_name: name.to_string(),
                direction,
                protocol,
                from_port,
                to_port,
                peer,
                purpose,
            }),
        );
    }

    fn load_balancers(&mut self) {
        let model = self.model;
        for lb in &model.load_balancers {
            let name = lb.name.as_str();
            let pascal = lb.name.pascal();
            let at = component(SymbolKind::LoadBalancer, &lb.name, lb.span);
            let access_logs = if lb.access_logs {
                let bucket = self.add(
                    both(format!("{pascal}AlbLogs"), address(&[name, "access_logs"])),
                    at.clone(),
                    PartKind::Bucket(Bucket {
                        usage: BucketUse::LoadBalancerLogs { load_balancer: name.to_string() },
                        versioning: true,
                        noncurrent_days: Some(decisions::LOG_NONCURRENT_DAYS),
                        expire_days: Some(model.monitoring.retention_days),
                        abort_days: decisions::LOG_ABORT_UPLOAD_DAYS,
                        key: None,
                        keep: if lb.deletion_protection { Keep::Retain } else { Keep::Delete },
                        logging: Some((self.access_log_bucket_id(), format!("{name}/"))),
                    }),
                );
                let elb_account =
                    stdlib().regions.get(&model.deployment.region).and_then(|r| r.elb_log_account.clone());
                let policy = self.add(
                    both(format!("{pascal}AlbLogsPolicy"), address(&[name, "access_logs"])),
                    at.clone(),
                    PartKind::BucketPolicy(BucketPolicy { bucket, writer: BucketWriter::LoadBalancer { elb_account } }),
                );
                Some((bucket, policy))
            } else {
                None
            };
            let part = self.add(
                both(format!("{pascal}LoadBalancer"), name),
                at.clone(),
                PartKind::LoadBalancer(LoadBalancer {
                    name: name.to_string(),
                    subnets: self.subnets[lb.tier].clone(),
                    group: self.groups[lb.security_group],
                    idle_timeout: lb.idle_timeout,
                    deletion_protection: lb.deletion_protection,
                    access_logs,
                    https: lb.https.is_some(),
                    waf: lb.waf.as_ref().map(|waf| waf.managed.iter().map(|g| g.key.clone()).collect()),
                }),
            );
            self.load_balancers.push(part);
            let target_group = lb.targets.first().and_then(|&i| model.app_servers.get(i)).map(|app| {
                let (path, span) = match &app.behind {
                    Some(behind) => (behind.health_check.clone(), behind.span),
                    None => ("/".to_string(), app.span),
                };
                // The site's own health endpoint, unless the source names a
                // path: green only when PHP, the database, the session
                // store and the dataroot all work, whatever the Host.
                let site_health =
                    model.site.is_some() && app.behind.as_ref().is_none_or(|behind| behind.health_check_span.is_none());
                let (path, matcher) = if site_health {
                    (super::site::HEALTH_PATH.to_string(), "200".to_string())
                } else {
                    (path, decisions::HEALTH_CHECK_MATCHER.to_string())
                };
                self.add(
                    both(format!("{pascal}TargetGroup"), name),
                    component(SymbolKind::AppServers, &app.name, span),
                    PartKind::TargetGroup(TargetGroup {
                        vpc: self.vpc,
                        load_balancer: name.to_string(),
                        app: app.name.text.clone(),
                        port: app.port,
                        health_check: path,
                        matcher,
                        https: lb.https.is_some(),
                    }),
                )
            });
            self.target_groups.push(target_group);
            let forward = match target_group {
                Some(group) => ListenerAction::Forward(group),
                None => ListenerAction::Unavailable,
            };
            match &lb.https {
                Some(https) => {
                    let http_action = if https.redirect_http { ListenerAction::Redirect } else { forward.clone() };
                    self.add(
                        both(format!("{pascal}HttpListener"), address(&[name, "http"])),
                        at.clone(),
                        PartKind::Listener(Listener {
                            load_balancer: part,
                            protocol: ListenerProtocol::Http,
                            action: http_action,
                        }),
                    );
                    let certificate = match &https.certificate {
                        Some(StringValue::Literal(text)) => CertificateRef::Given(Text::Literal(text.clone())),
                        Some(StringValue::Param(index)) => CertificateRef::Given(Text::Param(*index)),
                        // Checked: without a certificate, the site has a domain.
                        None => CertificateRef::Requested(self.certificate()),
                    };
                    let listener = self.add(
                        both(format!("{pascal}HttpsListener"), address(&[name, "https"])),
                        component(SymbolKind::LoadBalancer, &lb.name, https.span),
                        PartKind::Listener(Listener {
                            load_balancer: part,
                            protocol: ListenerProtocol::Https { ssl_policy: https.ssl_policy.clone(), certificate },
                            action: forward,
                        }),
                    );
                    self.health_rule(listener, target_group, &at, lb);
                }
                None => {
                    self.add(
                        both(format!("{pascal}HttpListener"), address(&[name, "http"])),
                        at.clone(),
                        PartKind::Listener(Listener {
                            load_balancer: part,
                            protocol: ListenerProtocol::Http,
                            action: forward,
                        }),
                    );
                }
            }
            if let Some(waf) = &lb.waf {
                let waf_at = component(SymbolKind::LoadBalancer, &lb.name, waf.span);
                let web_acl = self.add(
                    both(format!("{pascal}WebAcl"), name),
                    waf_at.clone(),
                    PartKind::WebAcl(WebAcl {
                        load_balancer: name.to_string(),
                        rate_limit: waf.rate_limit,
                        managed: waf
                            .managed
                            .iter()
                            .map(|rule| ManagedRuleGroup {
                                key: rule.key.clone(),
                                name: rule.name.clone(),
                                count_rules: rule.count_rules.clone(),
                            })
                            .collect(),
                        metric_base: decisions::waf_metric_base(model, &lb.name),
                        description: decisions::waf_description(&model.deployment.name.text, name),
                    }),
                );
                self.add(
                    both(format!("{pascal}WebAclAssociation"), name),
                    waf_at.clone(),
                    PartKind::WebAclAssociation(WebAclAssociation { web_acl, load_balancer: part }),
                );
                let log_group = self.add(
                    both(format!("{pascal}WafLogGroup"), address(&[name, "waf"])),
                    waf_at.clone(),
                    PartKind::LogGroup(LogGroup {
                        usage: LogGroupUse::Waf { load_balancer: name.to_string() },
                        retention_days: model.monitoring.retention_days,
                        key: self.key_id(),
                    }),
                );
                self.add(
                    both(format!("{pascal}WafLogging"), name),
                    waf_at,
                    PartKind::WafLogging(WafLogging { web_acl, log_group }),
                );
            }
            if lb.shield == crate::model::Shield::Advanced {
                self.add(
                    both(format!("{pascal}ShieldProtection"), name),
                    at,
                    PartKind::ShieldProtection(ShieldProtection { load_balancer: part, name: name.to_string() }),
                );
            }
        }
    }

    /// The bucket S3 delivers the server access logs of the other buckets
    /// to, when any bucket writes them.
    fn access_log_bucket(&mut self) {
        let model = self.model;
        if !decisions::access_log_bucket_needed(model) {
            return;
        }
        let at = component(SymbolKind::Deployment, &model.deployment.name, model.deployment.span);
        let keep = if model.deployment.is_prod() { Keep::Retain } else { Keep::Delete };
        let bucket = self.add(
            both("S3AccessLogs", "s3_access_logs"),
            at.clone(),
            PartKind::Bucket(Bucket {
                usage: BucketUse::AccessLogs,
                versioning: true,
                noncurrent_days: Some(decisions::LOG_NONCURRENT_DAYS),
                expire_days: Some(model.monitoring.retention_days),
                abort_days: decisions::LOG_ABORT_UPLOAD_DAYS,
                key: None,
                keep,
                logging: None,
            }),
        );
        self.access_log_bucket = Some(bucket);
        self.add(
            both("S3AccessLogsPolicy", "s3_access_logs"),
            at,
            PartKind::BucketPolicy(BucketPolicy { bucket, writer: BucketWriter::S3Logging }),
        );
    }

    /// The access-log bucket, for a bucket that logs into it (it exists
    /// whenever one does: [`decisions::access_log_bucket_needed`]).
    fn access_log_bucket_id(&self) -> PartId {
        self.access_log_bucket.unwrap_or(PartId(usize::MAX))
    }

    /// With a site behind the load balancer, requests from the internet to
    /// the site's health endpoint get a 404 at the listener: only the load
    /// balancer's own health checks reach it.
    fn health_rule(
        &mut self,
        listener: PartId,
        target_group: Option<PartId>,
        at: &Origin,
        lb: &crate::model::LoadBalancer,
    ) {
        if self.model.site.is_none() || target_group.is_none() {
            return;
        }
        let health = super::site::HEALTH_PATH;
        self.add(
            both(format!("{}HealthRule", lb.name.pascal()), address(&[lb.name.as_str(), "health"])),
            at.clone(),
            PartKind::ListenerRule(ListenerRule {
                listener,
                priority: 1,
                paths: vec![health.to_string(), format!("{health}/*")],
                status: 404,
            }),
        );
    }

    fn app_servers(&mut self) {
        let model = self.model;
        for (index, app) in model.app_servers.iter().enumerate() {
            let name = app.name.as_str();
            let pascal = app.name.pascal();
            let at = component(SymbolKind::AppServers, &app.name, app.span);
            let log_group = self.add(
                both(format!("{pascal}AppLogGroup"), address(&[name, "app_logs"])),
                at.clone(),
                PartKind::LogGroup(LogGroup {
                    usage: LogGroupUse::App { app: name.to_string() },
                    retention_days: model.monitoring.retention_days,
                    key: self.key_id(),
                }),
            );
            self.app_log_groups.push(log_group);
            let role = self.add(
                both(format!("{pascal}InstanceRole"), address(&[name, "instance"])),
                at.clone(),
                PartKind::InstanceRole(InstanceRole {
                    app: name.to_string(),
                    session_manager: app.access == Access::SessionManager,
                }),
            );
            self.roles.push(role);
            let profile = self.add(
                both(format!("{pascal}InstanceProfile"), name),
                at.clone(),
                PartKind::InstanceProfile(InstanceProfile { role, app: name.to_string() }),
            );
            let image = match (&app.image, self.images.get(index).copied().flatten()) {
                (Image::Ssm(_), Some(part)) => ImageSource::Parameter(part),
                (Image::Ami(id), _) => ImageSource::Ami(id.clone()),
                (Image::Param(param), _) => ImageSource::Param(*param),
                (Image::Ssm(path), None) => ImageSource::Ami(path.clone()),
            };
            let launch_template = self.add(
                both(format!("{pascal}LaunchTemplate"), name),
                at.clone(),
                PartKind::LaunchTemplate(LaunchTemplate {
                    app: name.to_string(),
                    image,
                    instance_type: app.instance_type.clone(),
                    profile,
                    group: self.groups[app.security_group],
                    volume_gb: app.volume_gb,
                    user_data: None,
                }),
            );
            self.launch_templates.push(launch_template);
            let target_group =
                app.behind.as_ref().and_then(|behind| self.target_groups.get(behind.load_balancer).copied().flatten());
            let group = self.add(
                both(format!("{pascal}AutoScalingGroup"), name),
                at.clone(),
                PartKind::AutoScalingGroup(AutoScalingGroup {
                    app: name.to_string(),
                    min: app.scaling.min,
                    max: app.scaling.max,
                    subnets: self.subnets[app.tier].clone(),
                    launch_template,
                    target_group,
                    wait_for_site: model.site.is_some(),
                }),
            );
            self.auto_scaling_groups.push(group);
            if decisions::has_scaling_policy(app.scaling.min, app.scaling.max) {
                self.add(
                    both(format!("{pascal}CpuScalingPolicy"), address(&[name, "cpu"])),
                    component(SymbolKind::AppServers, &app.name, app.scaling.span),
                    PartKind::ScalingPolicy(ScalingPolicy {
                        group,
                        app: name.to_string(),
                        target_cpu: app.scaling.target_cpu,
                    }),
                );
            }
        }
    }

    fn data(&mut self) {
        let model = self.model;
        for db in &model.databases {
            let name = db.name.as_str();
            let pascal = db.name.pascal();
            let at = component(SymbolKind::Database, &db.name, db.span);
            let facts = stdlib().services.engines.get(db.engine.as_str());
            let subnet_group = self.add(
                both(format!("{pascal}SubnetGroup"), name),
                at.clone(),
                PartKind::DbSubnetGroup(DbSubnetGroup {
                    database: name.to_string(),
                    subnets: self.subnets[db.tier].clone(),
                }),
            );
            let monitoring_role = self.add(
                both(format!("{pascal}MonitoringRole"), address(&[name, "monitoring"])),
                at.clone(),
                PartKind::DbMonitoringRole(DbMonitoringRole { database: name.to_string() }),
            );
            let part = self.add(
                both(format!("{pascal}Instance"), name),
                at,
                PartKind::DbInstance(DbInstance {
                    name: name.to_string(),
                    engine: db.engine,
                    rds_engine: facts
                        .and_then(|f| f.rds_engine.clone())
                        .unwrap_or_else(|| db.engine.as_str().to_string()),
                    version: db.version.clone(),
                    pinned_version: facts.map_or_else(|| db.version.clone(), |f| f.rds_version(&db.version)),
                    class: db.class.clone(),
                    storage_gb: db.storage_gb,
                    encrypted: db.encrypted,
                    multi_az: db.multi_az,
                    db_name: db.db_name.clone(),
                    username: db.username.clone(),
                    subnet_group,
                    group: self.groups[db.security_group],
                    backup_days: db.backup_days,
                    deletion_protection: db.deletion_protection,
                    log_exports: facts.map(|f| f.log_exports.clone()).unwrap_or_default(),
                    monitoring_role,
                    performance_insights: db.performance_insights.then(|| self.key_id()),
                }),
            );
            self.databases.push(part);
        }
        for fs in &model.file_systems {
            let name = fs.name.as_str();
            let at = component(SymbolKind::FileSystem, &fs.name, fs.span);
            let part = self.add(
                both(format!("{}FileSystem", fs.name.pascal()), name),
                at.clone(),
                PartKind::FileSystem(FileSystem {
                    name: name.to_string(),
                    key: fs.encrypted.then(|| self.key_id()),
                    throughput: fs.throughput,
                    backup: fs.backup,
                    keep: fs.deletion_protection,
                }),
            );
            self.file_systems.push(part);
            let subnets = self.subnets[fs.tier].clone();
            for (i, subnet) in model.network.tiers[fs.tier].subnets.iter().enumerate() {
                let Some(zone) = model.deployment.zones.get(subnet.zone) else { continue };
                let Some(&subnet_part) = subnets.get(i) else { continue };
                self.add(
                    both(
                        format!("{}MountTarget{}", fs.name.pascal(), zone_id(&zone.suffix)),
                        address(&[name, &zone.suffix]),
                    ),
                    at.clone(),
                    PartKind::MountTarget(MountTarget {
                        file_system: part,
                        subnet: subnet_part,
                        group: self.groups[fs.security_group],
                    }),
                );
            }
        }
        for cache in &model.caches {
            let name = cache.name.as_str();
            let pascal = cache.name.pascal();
            let at = component(SymbolKind::Cache, &cache.name, cache.span);
            let subnet_group = self.add(
                both(format!("{pascal}SubnetGroup"), name),
                at.clone(),
                PartKind::CacheSubnetGroup(CacheSubnetGroup {
                    cache: name.to_string(),
                    subnets: self.subnets[cache.tier].clone(),
                }),
            );
            let mut token_part = None;
            let engine = match cache.engine {
                CacheEngine::Memcached => CacheEngineKind::Memcached,
                CacheEngine::Redis | CacheEngine::Valkey => {
                    let auth_token = decisions::has_auth_token(cache).then(|| {
                        self.add(
                            both(format!("{pascal}AuthToken"), address(&[name, "auth_token"])),
                            at.clone(),
                            PartKind::AuthToken(AuthToken {
                                cache: name.to_string(),
                                key: self.key_id(),
                                keep: cache.deletion_protection,
                            }),
                        )
                    });
                    token_part = auth_token;
                    CacheEngineKind::Replicated {
                        engine: cache.engine.as_str(),
                        at_rest: cache.encrypted,
                        key: decisions::cache_at_rest_key(cache).then(|| self.key_id()),
                        auth_token,
                    }
                }
            };
            let suffix = if cache.engine == CacheEngine::Memcached { "CacheCluster" } else { "ReplicationGroup" };
            let part = self.add(
                both(format!("{pascal}{suffix}"), name),
                at,
                PartKind::Cache(Cache {
                    name: name.to_string(),
                    engine,
                    version: cache.version.clone(),
                    node_type: cache.node_type.clone(),
                    port: cache.engine.port(),
                    zones: model.network.tiers[cache.tier].subnets.iter().map(|s| s.zone).collect(),
                    subnet_group,
                    group: self.groups[cache.security_group],
                    transit_encryption: decisions::transit_encryption(cache),
                    encrypted: cache.encrypted,
                    deletion_protection: cache.deletion_protection,
                }),
            );
            self.caches.push(part);
            self.auth_tokens.push(token_part);
        }
        for bucket in &model.buckets {
            let name = bucket.name.as_str();
            let pascal = bucket.name.pascal();
            let at = component(SymbolKind::ObjectStorage, &bucket.name, bucket.span);
            let logs = self.access_log_bucket_id();
            let part = self.add(
                both(format!("{pascal}Bucket"), name),
                at.clone(),
                PartKind::Bucket(Bucket {
                    usage: BucketUse::Objects { name: name.to_string() },
                    versioning: bucket.versioning,
                    noncurrent_days: bucket.versioning.then_some(bucket.expire_noncurrent_days),
                    expire_days: None,
                    abort_days: decisions::ABORT_UPLOAD_DAYS,
                    key: Some(self.key_id()),
                    keep: if bucket.deletion_protection { Keep::Retain } else { Keep::Delete },
                    logging: Some((logs, format!("{name}/"))),
                }),
            );
            self.buckets.push(part);
            self.add(
                both(format!("{pascal}BucketPolicy"), name),
                at.clone(),
                PartKind::BucketPolicy(BucketPolicy { bucket: part, writer: BucketWriter::None }),
            );
            if !model.app_servers.is_empty() {
                let roles =
                    self.roles.iter().copied().zip(model.app_servers.iter().map(|a| a.name.text.clone())).collect();
                self.add(
                    cfn_only(format!("{pascal}AccessPolicy")),
                    at,
                    PartKind::BucketAccess(BucketAccess {
                        bucket: part,
                        name: name.to_string(),
                        roles,
                        key: self.key_id(),
                    }),
                );
            }
        }
    }

    /// The site's secrets, what each app server group may read to run it,
    /// and the instances' user data.
    fn site(&mut self) {
        let model = self.model;
        let (Some(site), Some(&database)) = (&model.site, self.databases.first()) else { return };
        let Some(db) = model.databases.first() else { return };
        let at = Origin { owner: Owner::Component(SymbolKind::Deployment), name: "site".to_string(), span: site.span };
        let keep = model.deployment.is_prod();
        let db_user = self.add(
            both("SiteDatabaseUser", "site_database_user"),
            at.clone(),
            PartKind::SiteSecret(SiteSecret {
                usage: SiteSecretUse::DatabaseUser { username: super::site::app_db_user(&db.username).to_string() },
                key: self.key_id(),
                keep,
            }),
        );
        let admin = self.add(
            both("SiteAdminPassword", "site_admin_password"),
            at.clone(),
            PartKind::SiteSecret(SiteSecret { usage: SiteSecretUse::AdminPassword, key: self.key_id(), keep }),
        );
        let store = super::site::session_store(model);
        let cache = store.and_then(|index| self.caches.get(index).copied());
        let token = store.and_then(|index| self.auth_tokens.get(index).copied().flatten());
        let smtp = self.site_domain(self.key_id(), keep);
        let mut secrets = vec![db_user, admin];
        secrets.extend(token);
        secrets.extend(smtp);
        let code_object = site.code_object().map(|(bucket, key)| (bucket.to_string(), key.to_string()));
        let bundle = self.plan.site.as_ref().map(|site| (site.pieces(), site.sha256.clone()));
        let (pieces, bundle_sha256) = bundle.unwrap_or_default();
        let pieces: Vec<(PartId, String)> = pieces
            .into_iter()
            .enumerate()
            .map(|(index, value)| {
                let name = format!("/{}/site/{index}", model.deployment.name.text);
                let part = self.add(
                    both(format!("SiteBundle{index}"), format!("site_bundle_{index}")),
                    at.clone(),
                    PartKind::SitePiece(SitePiece { name: name.clone(), value }),
                );
                (part, name)
            })
            .collect();
        let piece_names = pieces.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join(" ");
        for (index, app) in model.app_servers.iter().enumerate() {
            let (Some(&role), Some(&group)) = (self.roles.get(index), self.auto_scaling_groups.get(index)) else {
                continue;
            };
            self.add(
                both(format!("{}SiteAccess", app.name.pascal()), address(&[app.name.as_str(), "site"])),
                component(SymbolKind::AppServers, &app.name, app.span),
                PartKind::SiteAccess(SiteAccess {
                    role,
                    pieces: pieces.iter().map(|(part, _)| *part).collect(),
                    app: app.name.text.clone(),
                    secrets: secrets.clone(),
                    key: self.key_id(),
                    database,
                    cache,
                    code_object: code_object.clone(),
                    auto_scaling_group: group,
                }),
            );
            let sha256 = match &site.code_sha256 {
                StringValue::Literal(text) => Text::Literal(text.clone()),
                StringValue::Param(index) => Text::Param(*index),
            };
            let mut env: Vec<(&'static str, EnvValue)> = vec![
                ("MHAC_REGION", EnvValue::Region),
                ("MHAC_SITE_PARTS", EnvValue::Text(Text::Literal(piece_names.clone()))),
                ("MHAC_SITE_SHA256", EnvValue::Text(Text::Literal(bundle_sha256.clone()))),
                ("MHAC_CODE_URL", EnvValue::Text(Text::Literal(site.code.clone()))),
                ("MHAC_CODE_SHA256", EnvValue::Text(sha256)),
                ("MHAC_DB_HOST", EnvValue::DbAddress(database)),
                ("MHAC_DB_PORT", EnvValue::DbPort(database)),
                ("MHAC_DB_INSTANCE", EnvValue::DbIdentifier(database)),
                ("MHAC_DB_APP_SECRET_ARN", EnvValue::SecretArn(db_user)),
                ("MHAC_ADMIN_SECRET_ARN", EnvValue::SecretArn(admin)),
            ];
            if let Some(cache) = cache {
                env.push(("MHAC_REDIS_GROUP", EnvValue::CacheId(cache)));
            }
            if let Some(token) = token {
                env.push(("MHAC_REDIS_AUTH_SECRET_ARN", EnvValue::SecretArn(token)));
            }
            if let Some(smtp) = smtp {
                env.push(("MHAC_SMTP_SECRET_ARN", EnvValue::SecretArn(smtp)));
            }
            if let Some(&fs) = self.file_systems.first() {
                env.push(("MHAC_EFS_ID", EnvValue::FileSystemId(fs)));
            }
            if let Some(&logs) = self.app_log_groups.get(index) {
                env.push(("MHAC_LOG_GROUP", EnvValue::LogGroupName(logs)));
            }
            env.push(("MHAC_CFN_STACK", EnvValue::CfnStack));
            env.push(("MHAC_CFN_RESOURCE", EnvValue::CfnLogicalId(group)));
            if let Some(&template) = self.launch_templates.get(index)
                && let PartKind::LaunchTemplate(launch) = &mut self.plan.parts[template.0].kind
            {
                launch.user_data = Some(UserData { env });
            }
        }
    }

    /// Where the site's records go: its hosted zone, by id or found by
    /// name (one lookup part, made on first use); `None` with external DNS.
    fn site_zone(&mut self) -> Option<ZoneRef> {
        if let Some(zone) = &self.zone {
            return zone.clone();
        }
        let domain = self.model.site.as_ref().and_then(|site| site.domain.as_ref());
        let zone = match domain.map(|domain| (&domain.dns, domain.span)) {
            Some((Dns::Route53 { zone: HostedZone::Id(id), .. }, _)) => Some(ZoneRef::Id(id.clone())),
            Some((Dns::Route53 { zone: HostedZone::Name(name), span }, _)) => {
                let at = self.site_origin(*span);
                let part = self.add(
                    both("SiteHostedZoneId", "site"),
                    at,
                    PartKind::HostedZoneLookup(HostedZoneLookup { name: name.clone() }),
                );
                Some(ZoneRef::Lookup(part))
            }
            Some((Dns::External, _)) | None => None,
        };
        self.zone = Some(zone.clone());
        zone
    }

    /// Parts of the site, at a span of its block.
    fn site_origin(&self, span: Span) -> Origin {
        Origin { owner: Owner::Component(SymbolKind::Deployment), name: "site".to_string(), span }
    }

    /// The certificate mhac requests for the site's domain (an HTTPS
    /// listener without one of its own uses it).
    fn certificate(&mut self) -> PartId {
        let domain = self.model.site.as_ref().and_then(|site| site.domain.as_ref());
        let (name, span) = domain.map_or((String::new(), Span::default()), |domain| (domain.name.clone(), domain.span));
        if let Some(id) =
            self.plan.iter().find_map(|(id, part)| matches!(part.kind, PartKind::Certificate(_)).then_some(id))
        {
            return id;
        }
        let zone = self.site_zone();
        let at = self.site_origin(span);
        self.add(both("SiteCertificate", "site"), at, PartKind::Certificate(Certificate { domain: name, zone }))
    }

    /// The site's DNS records and mail: alias records to the load balancer
    /// and the SES identity's records in the hosted zone, or, with external
    /// DNS, an output listing them; the SES identity and its SMTP user.
    /// Returns the SMTP credentials' secret.
    fn site_domain(&mut self, key: PartId, keep: bool) -> Option<PartId> {
        let model = self.model;
        let site = model.site.as_ref()?;
        let domain = site.domain.as_ref()?;
        let zone = self.site_zone();
        let at = self.site_origin(domain.span);
        let front = model
            .load_balancers
            .iter()
            .position(|lb| !lb.targets.is_empty())
            .and_then(|index| self.load_balancers.get(index).copied());
        let mut records: Vec<(Identity, RecordText, RecordKind)> = Vec::new();
        if let Some(front) = front {
            records.push((
                both("SiteAliasRecord", "site_a"),
                RecordText::Literal(domain.name.clone()),
                RecordKind::Alias { load_balancer: front, ipv6: false },
            ));
            records.push((
                both("SiteAliasIpv6Record", "site_aaaa"),
                RecordText::Literal(domain.name.clone()),
                RecordKind::Alias { load_balancer: front, ipv6: true },
            ));
        }
        let mut smtp = None;
        if let Some(email) = &site.email {
            let mail_at = self.site_origin(email.span);
            let mail_from = format!("bounce.{}", domain.name);
            let events = self.topic().map(|topic| {
                self.add(both("SiteMailEvents", "site"), mail_at.clone(), PartKind::MailEvents(MailEvents { topic }))
            });
            let identity = self.add(
                both("SiteMailIdentity", "site"),
                mail_at.clone(),
                PartKind::MailIdentity(MailIdentity {
                    domain: domain.name.clone(),
                    mail_from: mail_from.clone(),
                    events,
                }),
            );
            for index in 1..=3u8 {
                records.push((
                    both(format!("SiteDkimRecord{index}"), format!("site_dkim_{index}")),
                    RecordText::DkimName { identity, index },
                    RecordKind::Cname(RecordText::DkimValue { identity, index }),
                ));
            }
            records.push((
                both("SiteMailFromMxRecord", "site_mail_from_mx"),
                RecordText::Literal(mail_from.clone()),
                RecordKind::Mx(10, format!("feedback-smtp.{}.amazonses.com", email.region)),
            ));
            records.push((
                both("SiteMailFromSpfRecord", "site_mail_from_spf"),
                RecordText::Literal(mail_from),
                RecordKind::Txt("v=spf1 include:amazonses.com ~all".to_string()),
            ));
            if zone.is_some() {
                records.push((
                    both("SiteDmarcRecord", "site_dmarc"),
                    RecordText::Literal(format!("_dmarc.{}", domain.name)),
                    RecordKind::Txt(format!("v=DMARC1; p=quarantine; rua=mailto:{}", site.admin_email)),
                ));
            }
            let user = self.add(
                both("SiteSmtpUser", "site_smtp"),
                mail_at.clone(),
                PartKind::SmtpUser(SmtpUser { identity, from: email.from.clone() }),
            );
            smtp = Some(self.add(
                both("SiteSmtpCredentials", "site_smtp_credentials"),
                mail_at,
                PartKind::SiteSecret(SiteSecret { usage: SiteSecretUse::SmtpCredentials { user }, key, keep }),
            ));
        }
        match zone {
            Some(zone) => {
                for (ident, name, kind) in records {
                    self.add(ident, at.clone(), PartKind::DnsRecord(DnsRecord { zone: zone.clone(), name, kind }));
                }
            }
            None => {
                let lines = records
                    .into_iter()
                    .filter_map(|(_, name, kind)| match kind {
                        RecordKind::Alias { ipv6: true, .. } => None,
                        RecordKind::Alias { load_balancer, ipv6: false } => {
                            Some((name, "CNAME", OutputRecordValue::DnsName(load_balancer)))
                        }
                        RecordKind::Cname(value) => Some((name, "CNAME", OutputRecordValue::Text(value))),
                        RecordKind::Mx(priority, host) => Some((
                            name,
                            "MX",
                            OutputRecordValue::Text(RecordText::Literal(format!("{priority} {host}"))),
                        )),
                        RecordKind::Txt(text) => {
                            Some((name, "TXT", OutputRecordValue::Text(RecordText::Literal(format!("\"{text}\"")))))
                        }
                    })
                    .collect();
                self.output(
                    both("SiteDnsRecords", "site_dns_records"),
                    format!("DNS records to add for {} (its DNS is managed outside mhac)", domain.name),
                    OutputValue::DnsRecords(lines),
                    at,
                );
            }
        }
        smtp
    }

    /// The alarm topic, when the source notifies anyone (made on first use:
    /// the site's mail events go there too).
    fn topic(&mut self) -> Option<PartId> {
        if self.topic.is_none() && !self.model.monitoring.notify.is_empty() {
            let origin = self.monitoring_origin();
            let topic = self.add(both("AlarmTopic", "notify"), origin, PartKind::Topic(Topic { key: self.key_id() }));
            self.topic = Some(topic);
        }
        self.topic
    }

    fn monitoring(&mut self) {
        let model = self.model;
        let origin = self.monitoring_origin();
        if let Some(topic) = self.topic() {
            for (index, email) in model.monitoring.notify.iter().enumerate() {
                let span = model.monitoring.notify_spans.get(index).copied().unwrap_or(origin.span);
                self.add(
                    both(format!("Notify{}Subscription", email_part(email)), address(&["notify", &label(email)])),
                    Origin { span, ..origin.clone() },
                    PartKind::Subscription(Subscription { topic, email: email.clone() }),
                );
            }
        }
        for alarm in &model.monitoring.alarms {
            let dimensions = alarm.metric.dimensions.iter().filter_map(|kind| self.dimension(alarm, kind)).collect();
            self.add(
                both(format!("{}Alarm", pascal_case(&alarm.name)), alarm.name.as_str()),
                Origin { owner: Owner::Alarm, name: alarm.name.clone(), span: alarm.span },
                PartKind::Alarm(Alarm {
                    name: alarm.name.clone(),
                    component: alarm.component_name.clone(),
                    metric_key: alarm.metric.key.clone(),
                    namespace: alarm.metric.namespace.clone(),
                    metric: alarm.metric.metric.clone(),
                    statistic: alarm.metric.statistic.clone(),
                    dimensions,
                    comparator: alarm.comparator,
                    threshold: alarm.threshold,
                    period: alarm.period,
                    evaluation_periods: alarm.evaluation_periods,
                    missing: alarm.metric.missing.clone(),
                    topic: self.topic,
                }),
            );
        }
    }

    /// One dimension of an alarm's metric, resolved to the measured part.
    fn dimension(&self, alarm: &crate::model::Alarm, kind: &str) -> Option<(String, DimensionValue)> {
        let model = self.model;
        let i = alarm.component.index;
        // Every kind has its arm: a new kind an alarm may watch must say how
        // its dimensions resolve (a test resolves every metric of the stdlib).
        let (name, value) = match alarm.component.kind {
            SymbolKind::LoadBalancer => match kind {
                "LoadBalancer" => ("LoadBalancer", DimensionValue::LoadBalancer(*self.load_balancers.get(i)?)),
                "TargetGroup" => ("TargetGroup", DimensionValue::TargetGroup((*self.target_groups.get(i)?)?)),
                _ => return None,
            },
            SymbolKind::AppServers => match kind {
                "AutoScalingGroupName" => {
                    ("AutoScalingGroupName", DimensionValue::AutoScalingGroup(*self.auto_scaling_groups.get(i)?))
                }
                _ => return None,
            },
            SymbolKind::Database => match kind {
                "DBInstanceIdentifier" => ("DBInstanceIdentifier", DimensionValue::DbInstance(*self.databases.get(i)?)),
                _ => return None,
            },
            SymbolKind::FileSystem => match kind {
                "FileSystemId" => ("FileSystemId", DimensionValue::FileSystem(*self.file_systems.get(i)?)),
                _ => return None,
            },
            SymbolKind::Cache => match kind {
                "ReplicationGroupId" | "CacheClusterId" => {
                    let part = *self.caches.get(i)?;
                    // Memcached clusters are measured per cluster, not per
                    // replication group.
                    if model.caches.get(i)?.engine == CacheEngine::Memcached {
                        ("CacheClusterId", DimensionValue::CacheCluster(part))
                    } else {
                        ("ReplicationGroupId", DimensionValue::ReplicationGroup(part))
                    }
                }
                _ => return None,
            },
            SymbolKind::ObjectStorage => match kind {
                "BucketName" => ("BucketName", DimensionValue::Bucket(*self.buckets.get(i)?)),
                // Object counts are reported for all storage classes
                // together, sizes per class.
                "StorageType" => {
                    let storage =
                        if alarm.metric.metric == "NumberOfObjects" { "AllStorageTypes" } else { "StandardStorage" };
                    ("StorageType", DimensionValue::Fixed(storage.to_string()))
                }
                _ => return None,
            },
            SymbolKind::Vpn => match kind {
                "VpnId" => ("VpnId", DimensionValue::VpnConnection(*self.vpn_connections.get(i)?)),
                _ => return None,
            },
            // Kinds no alarm may watch (`SymbolKind::ALARMABLE`).
            SymbolKind::Deployment
            | SymbolKind::Param
            | SymbolKind::Network
            | SymbolKind::Tier
            | SymbolKind::SecurityGroup => return None,
        };
        Some((name.to_string(), value))
    }

    /// What users of the stack look up: addresses, names and identifiers.
    fn outputs(&mut self) {
        let model = self.model;
        let network = &model.network;
        let net = network.name.as_str();
        self.output(
            both(format!("{}VpcId", network.name.pascal()), address(&[net, "vpc_id"])),
            format!("VPC of network {net}"),
            OutputValue::VpcId(self.vpc),
            component(SymbolKind::Network, &network.name, network.span),
        );
        for (lb, part) in model.load_balancers.iter().zip(self.load_balancers.clone()) {
            let name = lb.name.as_str();
            self.output(
                both(format!("{}DnsName", lb.name.pascal()), address(&[name, "dns_name"])),
                format!("DNS name of load balancer {name} (point the site's name at it)"),
                OutputValue::DnsName(part),
                component(SymbolKind::LoadBalancer, &lb.name, lb.span),
            );
        }
        for (app, part) in model.app_servers.iter().zip(self.auto_scaling_groups.clone()) {
            let name = app.name.as_str();
            self.output(
                both(format!("{}AutoScalingGroupName", app.name.pascal()), address(&[name, "auto_scaling_group_name"])),
                format!("Auto Scaling group of app servers {name}"),
                OutputValue::AutoScalingGroupName(part),
                component(SymbolKind::AppServers, &app.name, app.span),
            );
        }
        for (db, part) in model.databases.iter().zip(self.databases.clone()) {
            let name = db.name.as_str();
            let origin = component(SymbolKind::Database, &db.name, db.span);
            self.output(
                both(format!("{}Endpoint", db.name.pascal()), address(&[name, "endpoint"])),
                format!("Host name of database {name} ($CFG->dbhost)"),
                OutputValue::DbAddress(part),
                origin.clone(),
            );
            self.output(
                both(format!("{}Port", db.name.pascal()), address(&[name, "port"])),
                format!("Port of database {name}"),
                OutputValue::DbPort(part),
                origin,
            );
        }
        for (fs, part) in model.file_systems.iter().zip(self.file_systems.clone()) {
            let name = fs.name.as_str();
            self.output(
                both(format!("{}FileSystemId", fs.name.pascal()), address(&[name, "file_system_id"])),
                format!("EFS file system {name} (mount it as $CFG->dataroot)"),
                OutputValue::FileSystemId(part),
                component(SymbolKind::FileSystem, &fs.name, fs.span),
            );
        }
        for (cache, part) in model.caches.iter().zip(self.caches.clone()) {
            let name = cache.name.as_str();
            let kind = if cache.engine == CacheEngine::Memcached { "cluster" } else { "replication group" };
            self.output(
                both(format!("{}CacheId", cache.name.pascal()), address(&[name, "cache_id"])),
                format!("ElastiCache {kind} of cache {name} (its endpoint is listed by ElastiCache)"),
                OutputValue::CacheId(part),
                component(SymbolKind::Cache, &cache.name, cache.span),
            );
        }
        for (bucket, part) in model.buckets.iter().zip(self.buckets.clone()) {
            let name = bucket.name.as_str();
            self.output(
                both(format!("{}BucketName", bucket.name.pascal()), address(&[name, "bucket_name"])),
                format!("S3 bucket {name}"),
                OutputValue::BucketName(part),
                component(SymbolKind::ObjectStorage, &bucket.name, bucket.span),
            );
        }
        for (vpn, part) in model.vpns.iter().zip(self.vpn_connections.clone()) {
            let name = vpn.name.as_str();
            self.output(
                both(format!("{}VpnConnectionId", vpn.name.pascal()), address(&[name, "vpn_connection_id"])),
                format!("VPN connection {name} (download its configuration for the customer gateway)"),
                OutputValue::VpnConnectionId(part),
                component(SymbolKind::Vpn, &vpn.name, vpn.span),
            );
        }
        if let Some(site) = &model.site {
            let at =
                Origin { owner: Owner::Component(SymbolKind::Deployment), name: "site".to_string(), span: site.span };
            self.output(
                both("SiteUrl", "site_url"),
                "The Moodle site".to_string(),
                OutputValue::Literal(site.wwwroot.clone()),
                at.clone(),
            );
            let secrets: Vec<(PartId, &str)> = self
                .plan
                .iter()
                .filter_map(|(id, part)| match &part.kind {
                    PartKind::SiteSecret(secret) => Some((
                        id,
                        match secret.usage {
                            SiteSecretUse::DatabaseUser { .. } => "DatabaseUser",
                            SiteSecretUse::AdminPassword => "AdminPassword",
                            SiteSecretUse::SmtpCredentials { .. } => "SmtpCredentials",
                        },
                    )),
                    _ => None,
                })
                .collect();
            for (id, what) in secrets {
                let (cfn, tf, description) = match what {
                    "SmtpCredentials" => (
                        "SiteSmtpCredentialsArn",
                        "site_smtp_credentials_arn",
                        "Secret of the SES SMTP user's access key (the app servers derive the SMTP password from it)",
                    ),
                    "DatabaseUser" => (
                        "SiteDatabaseUserArn",
                        "site_database_user_arn",
                        "Secret of Moodle's database user (JSON username and password)",
                    ),
                    _ => (
                        "SiteAdminPasswordArn",
                        "site_admin_password_arn",
                        "Secret holding the Moodle admin's password",
                    ),
                };
                self.output(both(cfn, tf), description.to_string(), OutputValue::SecretArn(id), at.clone());
            }
        }
        if let Some(topic) = self.topic {
            let origin = self.monitoring_origin();
            self.output(
                both("AlarmTopicArn", "alarm_topic_arn"),
                "SNS topic the alarms notify".to_string(),
                OutputValue::TopicArn(topic),
                origin,
            );
        }
    }
}

/// The AWS partition a region belongs to.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("cn-") {
        "aws-cn"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::PartKind;
    use crate::stdlib::stdlib;
    use crate::symbols::SymbolKind;

    /// Every metric of every kind an alarm may watch resolves all its
    /// dimensions: an alarm on each, over the example that has one
    /// component of every such kind, has every dimension its metric lists.
    #[test]
    fn every_metric_resolves_its_dimensions() {
        let example = include_str!("../../../examples/moodle.mha");
        let components = [
            (SymbolKind::LoadBalancer, "front"),
            (SymbolKind::AppServers, "moodle"),
            (SymbolKind::Database, "moodle_db"),
            (SymbolKind::FileSystem, "dataroot"),
            (SymbolKind::Cache, "sessions"),
            (SymbolKind::ObjectStorage, "moodledata"),
            (SymbolKind::Vpn, "corporate"),
        ];
        assert_eq!(components.len(), SymbolKind::ALARMABLE.len());
        let mut alarms = String::new();
        let mut expected = Vec::new();
        for (kind, name) in components {
            for (key, metric) in &stdlib().metrics.components[kind.keyword()] {
                let duration = if metric.period == Some(86_400) { "1d" } else { "5m" };
                alarms.push_str(&format!("  alarm {name}.{key} < 1 for {duration}\n"));
                expected.push((format!("{name}_{key}_low"), metric.dimensions.len()));
            }
        }
        let source = example.replacen("monitoring {\n", &format!("monitoring {{\n{alarms}"), 1);
        let compilation = crate::compile(&source);
        let errors: Vec<String> =
            compilation.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.clone()).collect();
        let plan = compilation.plan().unwrap_or_else(|| panic!("{errors:#?}"));
        for (name, dimensions) in expected {
            let alarm = plan
                .parts
                .iter()
                .find_map(|part| match &part.kind {
                    PartKind::Alarm(alarm) if alarm.name == name => Some(alarm),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("no alarm {name}"));
            assert_eq!(alarm.dimensions.len(), dimensions, "{name}: {:?}", alarm.dimensions);
        }
    }
}
