//! What to draw: the deployment model turned into drawable items (each with
//! its kind, labels and place in the picture) and the flows between them.
//!
//! The scene is format-neutral: the layout (and so the SVG) places it on a
//! grid of zones and tiers, the DOT and Mermaid writers nest it in
//! clusters. It reads the model the compiler lowers whether or not the
//! source has errors, so every index is read with `.get()`: an unresolved
//! reference leaves its component unplaced (drawn below the VPC), never a
//! panic.
//!
//! Flows are the security groups' inbound rules mapped to the components
//! that use each group: a rule `allow mysql from web` in the group `db`
//! becomes an arrow from every component in `web` to every component in
//! `db`, labelled `mysql 3306`. Rules from the internet come in through the
//! internet gateway, rules from a VPN through its gateway, rules from a CIDR
//! block from a box for that network at the side. The checker derives the
//! egress rules from exactly these inbound rules, so one arrow stands for
//! both ends of a flow.

use crate::Options;
use mhac_compiler::Compilation;
use mhac_compiler::diagnostics::Severity;
use mhac_compiler::model::{Access, CacheUse, Image, Model, NatMode, Peer, Shield, TierKind};
use mhac_compiler::span::Span;
use std::collections::BTreeMap;

/// An AWS diagram's category, which gives an item its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// EC2, Auto Scaling (orange).
    Compute,
    /// RDS, ElastiCache (blue).
    Database,
    /// EFS, S3 (green).
    Storage,
    /// VPC, gateways, load balancers (purple).
    Networking,
    /// WAF, Shield (red).
    Security,
    /// CloudWatch, SNS, Systems Manager (pink).
    Management,
    /// The internet, a corporate network (grey).
    General,
}

impl Category {
    /// Every category, in legend order.
    pub const ALL: [Category; 7] = [
        Category::Compute,
        Category::Database,
        Category::Storage,
        Category::Networking,
        Category::Security,
        Category::Management,
        Category::General,
    ];

    /// The fill colour of icons (AWS Architecture Icons).
    pub fn color(self) -> &'static str {
        match self {
            Category::Compute => "#ED7100",
            Category::Database => "#3B48CC",
            Category::Storage => "#7AA116",
            Category::Networking => "#8C4FFF",
            Category::Security => "#DD344C",
            Category::Management => "#E7157B",
            Category::General => "#545B64",
        }
    }

    /// The name in the legend.
    pub fn name(self) -> &'static str {
        match self {
            Category::Compute => "compute",
            Category::Database => "database",
            Category::Storage => "storage",
            Category::Networking => "networking",
            Category::Security => "security",
            Category::Management => "management",
            Category::General => "outside AWS",
        }
    }
}

/// What an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The internet (users).
    Internet,
    /// AWS Shield Advanced protecting a load balancer.
    Shield,
    /// An AWS WAF web ACL on a load balancer.
    Waf,
    /// The VPC's internet gateway.
    InternetGateway,
    /// A NAT gateway in a public subnet.
    NatGateway,
    /// An Application Load Balancer.
    LoadBalancer,
    /// An Auto Scaling group of Moodle app servers.
    AppServers,
    /// An RDS instance (primary, and standby when Multi-AZ).
    Database,
    /// An EFS file system with a mount target per zone.
    FileSystem,
    /// An ElastiCache replication group with a node per zone.
    Cache,
    /// A VPN's virtual private gateway, on the VPC's border.
    VpnGateway,
    /// A VPN's customer gateway, in the corporate network.
    CustomerGateway,
    /// A network allowed in by address (a CIDR block in a rule).
    Network,
    /// An S3 bucket.
    Bucket,
    /// CloudWatch alarms.
    Alarms,
    /// The SNS topic the alarms notify.
    Topic,
    /// Systems Manager (Session Manager access to the app servers).
    SystemsManager,
}

impl Kind {
    /// The category (colour).
    pub fn category(self) -> Category {
        match self {
            Kind::Internet | Kind::CustomerGateway | Kind::Network => Category::General,
            Kind::Shield | Kind::Waf => Category::Security,
            Kind::InternetGateway | Kind::NatGateway | Kind::LoadBalancer | Kind::VpnGateway => Category::Networking,
            Kind::AppServers => Category::Compute,
            Kind::Database | Kind::Cache => Category::Database,
            Kind::FileSystem | Kind::Bucket => Category::Storage,
            Kind::Alarms | Kind::Topic | Kind::SystemsManager => Category::Management,
        }
    }

    /// The AWS service, as a diagram names it.
    pub fn service(self) -> &'static str {
        match self {
            Kind::Internet => "Internet",
            Kind::Shield => "AWS Shield Advanced",
            Kind::Waf => "AWS WAF",
            Kind::InternetGateway => "Internet gateway",
            Kind::NatGateway => "NAT gateway",
            Kind::LoadBalancer => "Application Load Balancer",
            Kind::AppServers => "Auto Scaling group",
            Kind::Database => "Amazon RDS",
            Kind::FileSystem => "Amazon EFS",
            Kind::Cache => "Amazon ElastiCache",
            Kind::VpnGateway => "VPN gateway",
            Kind::CustomerGateway => "Customer gateway",
            Kind::Network => "Network",
            Kind::Bucket => "Amazon S3",
            Kind::Alarms => "Amazon CloudWatch",
            Kind::Topic => "Amazon SNS",
            Kind::SystemsManager => "AWS Systems Manager",
        }
    }
}

/// Where an item belongs in the picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// Above the region: the internet.
    Internet,
    /// Inside the region, above the VPC: WAF and Shield.
    Edge,
    /// On the VPC's top border: the internet gateway.
    Gateway,
    /// A row of its own in a tier, across these zones (ascending).
    Lane {
        /// Index into [`Scene::tiers`].
        tier: usize,
        /// Zone columns it spans; its nodes are in these.
        zones: Vec<usize>,
    },
    /// One box in one subnet; such items of a tier share a row (NAT gateways).
    Cell {
        /// Index into [`Scene::tiers`].
        tier: usize,
        /// Zone column.
        zone: usize,
    },
    /// On the VPC's left border: a VPN gateway.
    VpcSide,
    /// Left of the region: customer gateways and networks allowed by address.
    Outside,
    /// Inside the region, below the VPC: S3, CloudWatch, SNS, Systems
    /// Manager, and components whose subnets did not resolve.
    Regional,
}

/// One box inside an item's frame, in one zone: an app server, a mount
/// target, a cache node, the database's primary or standby.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Zone column.
    pub zone: usize,
    /// Its name.
    pub label: String,
    /// A second line.
    pub detail: String,
}

/// A drawable thing.
#[derive(Clone, Debug)]
pub struct Item {
    /// A stable identifier from the kind and the source name (`app_moodle`):
    /// DOT and Mermaid node names, SVG element ids.
    pub id: String,
    /// What it is.
    pub kind: Kind,
    /// Its name (the source name, or the service).
    pub label: String,
    /// A line of detail under the name.
    pub detail: String,
    /// More lines (the alarms of the CloudWatch box).
    pub lines: Vec<String>,
    /// Where it goes.
    pub place: Place,
    /// Boxes inside its frame, one per zone it occupies; empty for an item
    /// drawn as one box (a load balancer spans its zones as one box).
    pub nodes: Vec<Node>,
    /// The source block, for `--check`.
    pub span: Option<Span>,
}

/// Whether an arrow is an allowed flow or another relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowKind {
    /// A security-group rule: traffic allowed from one item to another.
    Allowed,
    /// Not a rule: the internet reaching the gateway, WAF and Shield
    /// protecting a load balancer, a VPN tunnel, alarms notifying a topic.
    Link,
}

/// An arrow between two items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    /// Index into [`Scene::items`].
    pub from: usize,
    /// Index into [`Scene::items`].
    pub to: usize,
    /// Ports (`https 443, http 80`) or what the link is.
    pub label: String,
    /// Rule or link.
    pub kind: FlowKind,
}

/// A tier: a row of subnets.
#[derive(Clone, Debug)]
pub struct TierRow {
    /// `app`.
    pub name: String,
    /// Public, private or isolated.
    pub kind: TierKind,
    /// Per zone column, the subnet's CIDR block, when the tier has one there.
    pub cidrs: Vec<Option<String>>,
    /// The tier block, for `--check`.
    pub span: Span,
}

/// The VPC.
#[derive(Clone, Debug)]
pub struct Vpc {
    /// `main`.
    pub name: String,
    /// `10.0.0.0/16`.
    pub cidr: String,
    /// NAT, flow logs, endpoints.
    pub detail: String,
    /// The network block, for `--check`.
    pub span: Span,
}

/// Where a diagnostic is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// The title (the deployment block).
    Deployment,
    /// The VPC frame.
    Vpc,
    /// A tier's subnets.
    Tier(usize),
    /// An item.
    Item(usize),
}

/// A diagnostic shown on the picture (`--check`).
#[derive(Clone, Debug)]
pub struct Mark {
    /// `MHA503`.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// The message.
    pub message: String,
    /// 1-based line of its main location.
    pub line: usize,
    /// What it is shown on; empty: listed in the legend only.
    pub targets: Vec<Target>,
}

/// Everything to draw.
#[derive(Clone, Debug)]
pub struct Scene {
    /// The deployment's name.
    pub title: String,
    /// Region, Moodle version, profile.
    pub subtitle: String,
    /// `us-east-1`.
    pub region: String,
    /// Zone column labels; at least one column.
    pub zones: Vec<String>,
    /// The VPC, when the source has a network.
    pub vpc: Option<Vpc>,
    /// Tier rows, in source order.
    pub tiers: Vec<TierRow>,
    /// Every item, in a fixed order (edge, network, components in source
    /// order by kind, regional services).
    pub items: Vec<Item>,
    /// Arrows.
    pub flows: Vec<Flow>,
    /// Diagnostics, when drawn with `--check`.
    pub marks: Vec<Mark>,
    /// Whether the picture was asked for with `--check` (a legend of
    /// diagnostics is drawn even when there are none).
    pub checked: bool,
    /// Per security group of the model, the items that use it.
    group_users: Vec<Vec<usize>>,
}

impl Scene {
    /// The scene of a compilation; `text` is the source (for line numbers).
    pub fn new(compilation: &Compilation, text: &str, options: Options) -> Scene {
        let model = compilation.model();
        let mut builder = Builder::new(model);
        builder.items_and_flows();
        let mut scene = builder.finish();
        if options.check {
            scene.checked = true;
            scene.marks = marks(compilation, text, model, &scene);
        }
        scene
    }

    /// The marks shown on a target.
    pub fn marks_on(&self, target: Target) -> impl Iterator<Item = &Mark> {
        self.marks.iter().filter(move |mark| mark.targets.contains(&target))
    }

    /// The index of the first item of a kind, if any.
    pub fn find(&self, kind: Kind) -> Option<usize> {
        self.items.iter().position(|item| item.kind == kind)
    }
}

/// Builds a scene from a model.
struct Builder<'m> {
    model: &'m Model,
    scene: Scene,
    /// Per security group, the items that use it.
    group_users: Vec<Vec<usize>>,
    /// The internet gateway item, when the VPC has a public tier.
    gateway: Option<usize>,
}

impl<'m> Builder<'m> {
    fn new(model: &'m Model) -> Builder<'m> {
        let deployment = &model.deployment;
        let mut zones: Vec<String> = deployment.zones.iter().map(|zone| zone.name.clone()).collect();
        if zones.is_empty() {
            zones.push("(no zone)".to_string());
        }
        let network = &model.network;
        let has_network = !network.name.text.is_empty() || !network.tiers.is_empty();
        let vpc = has_network.then(|| {
            let mut notes = vec![match network.nat {
                NatMode::None => "no NAT".to_string(),
                NatMode::Single => "one NAT gateway".to_string(),
                NatMode::PerZone => "NAT per zone".to_string(),
            }];
            if network.flow_logs {
                notes.push("flow logs".to_string());
            }
            if !network.endpoints.is_empty() {
                let names: Vec<&str> = network.endpoints.iter().map(|endpoint| endpoint.as_str()).collect();
                notes.push(format!("endpoints: {}", names.join(", ")));
            }
            Vpc {
                name: network.name.text.clone(),
                cidr: network.cidr.to_string(),
                detail: notes.join(" · "),
                span: network.span,
            }
        });
        let tiers = network
            .tiers
            .iter()
            .map(|tier| {
                let mut cidrs = vec![None; zones.len()];
                for subnet in &tier.subnets {
                    if let Some(slot) = cidrs.get_mut(subnet.zone) {
                        *slot = Some(subnet.cidr.to_string());
                    }
                }
                TierRow { name: tier.name.text.clone(), kind: tier.kind, cidrs, span: tier.span }
            })
            .collect();
        let profile = if deployment.is_prod() { "prod" } else { "dev" };
        let mut subtitle = vec![];
        if !deployment.region.is_empty() {
            subtitle.push(deployment.region.clone());
        }
        if !deployment.moodle.is_empty() {
            subtitle.push(format!("Moodle {}", deployment.moodle));
        }
        subtitle.push(format!("{profile} profile"));
        let title = if deployment.name.text.is_empty() { "(unnamed deployment)" } else { &deployment.name.text };
        Builder {
            model,
            scene: Scene {
                title: title.to_string(),
                subtitle: subtitle.join(" · "),
                region: deployment.region.clone(),
                zones,
                vpc,
                tiers,
                items: Vec::new(),
                flows: Vec::new(),
                marks: Vec::new(),
                checked: false,
                group_users: Vec::new(),
            },
            group_users: vec![Vec::new(); model.security_groups.len()],
            gateway: None,
        }
    }

    fn finish(mut self) -> Scene {
        self.scene.group_users = self.group_users;
        self.scene
    }

    fn push(&mut self, item: Item) -> usize {
        self.scene.items.push(item);
        self.scene.items.len() - 1
    }

    fn link(&mut self, from: usize, to: usize, label: &str) {
        self.scene.flows.push(Flow { from, to, label: label.to_string(), kind: FlowKind::Link });
    }

    /// Remember that `item` uses security group `group`.
    fn uses(&mut self, item: usize, group: usize) {
        if let Some(users) = self.group_users.get_mut(group) {
            users.push(item);
        }
    }

    /// The zone columns of a tier's subnets (ascending), or `None` when the
    /// tier index did not resolve.
    fn tier_zones(&self, tier: usize) -> Option<Vec<usize>> {
        let tier_row = self.scene.tiers.get(tier)?;
        let zones: Vec<usize> = (0..self.scene.zones.len()).filter(|z| tier_row.cidrs[*z].is_some()).collect();
        Some(if zones.is_empty() { vec![0] } else { zones })
    }

    /// A lane in `tier`, or the regional row when the tier did not resolve.
    fn lane(&self, tier: usize) -> (Place, Vec<usize>) {
        match self.tier_zones(tier) {
            Some(zones) => (Place::Lane { tier, zones: zones.clone() }, zones),
            None => (Place::Regional, Vec::new()),
        }
    }

    fn items_and_flows(&mut self) {
        let model = self.model;
        let public_tier = model.network.public_tier();
        let internet = if self.scene.vpc.is_some() && public_tier.is_some() {
            let internet = self.push(Item {
                id: "internet".to_string(),
                kind: Kind::Internet,
                label: "Internet".to_string(),
                detail: "users".to_string(),
                lines: Vec::new(),
                place: Place::Internet,
                nodes: Vec::new(),
                span: None,
            });
            let gateway = self.push(Item {
                id: "igw".to_string(),
                kind: Kind::InternetGateway,
                label: "Internet gateway".to_string(),
                detail: String::new(),
                lines: Vec::new(),
                place: Place::Gateway,
                nodes: Vec::new(),
                span: None,
            });
            self.gateway = Some(gateway);
            Some(internet)
        } else {
            None
        };
        if let (Some(internet), Some(gateway)) = (internet, self.gateway) {
            self.link(internet, gateway, "");
        }
        self.load_balancers();
        self.app_servers();
        self.databases();
        self.file_systems();
        self.caches();
        self.nat_gateways(public_tier);
        self.vpns();
        self.regional();
        self.flows();
    }

    fn load_balancers(&mut self) {
        let model = self.model;
        for lb in &model.load_balancers {
            let name = &lb.name.text;
            let (place, _) = self.lane(lb.tier);
            let mut detail = vec![];
            detail.push(if lb.https.is_some() { "HTTPS" } else { "HTTP only" }.to_string());
            if lb.https.as_ref().is_some_and(|https| https.redirect_http) {
                detail.push("HTTP→HTTPS".to_string());
            }
            if lb.access_logs {
                detail.push("access logs".to_string());
            }
            let index = self.push(Item {
                id: format!("lb_{name}"),
                kind: Kind::LoadBalancer,
                label: name.clone(),
                detail: format!("ALB · {}", detail.join(" · ")),
                lines: Vec::new(),
                place,
                nodes: Vec::new(),
                span: Some(lb.span),
            });
            self.uses(index, lb.security_group);
            if let Some(waf) = &lb.waf {
                let mut detail = format!("{} rule groups", waf.managed.len());
                if let Some(rate) = waf.rate_limit {
                    detail.push_str(&format!(" · rate {rate}"));
                }
                let waf_item = self.push(Item {
                    id: format!("waf_{name}"),
                    kind: Kind::Waf,
                    label: format!("WAF · {name}"),
                    detail,
                    lines: Vec::new(),
                    place: Place::Edge,
                    nodes: Vec::new(),
                    span: Some(waf.span),
                });
                self.link(waf_item, index, "filters");
            }
            if lb.shield == Shield::Advanced {
                let shield = self.push(Item {
                    id: format!("shield_{name}"),
                    kind: Kind::Shield,
                    label: format!("Shield · {name}"),
                    detail: "DDoS protection".to_string(),
                    lines: Vec::new(),
                    place: Place::Edge,
                    nodes: Vec::new(),
                    span: None,
                });
                self.link(shield, index, "protects");
            }
        }
    }

    fn app_servers(&mut self) {
        let model = self.model;
        for app in &model.app_servers {
            let name = &app.name.text;
            let (place, zones) = self.lane(app.tier);
            let scaling = &app.scaling;
            let mut detail = format!("min {} · max {}", scaling.min, scaling.max);
            if scaling.target_cpu > 0.0 {
                detail.push_str(&format!(" · CPU {}%", scaling.target_cpu.round() as i64));
            }
            let image = match &app.image {
                Image::Ssm(_) => "SSM image",
                Image::Ami(_) => "AMI",
                Image::Param(_) => "image param",
            };
            let nodes = zones
                .iter()
                .map(|&zone| Node {
                    zone,
                    label: name.clone(),
                    detail: format!("EC2 {}", if app.instance_type.is_empty() { image } else { &app.instance_type }),
                })
                .collect();
            let index = self.push(Item {
                id: format!("app_{name}"),
                kind: Kind::AppServers,
                label: name.clone(),
                detail,
                lines: Vec::new(),
                place,
                nodes,
                span: Some(app.span),
            });
            self.uses(index, app.security_group);
        }
    }

    fn databases(&mut self) {
        let model = self.model;
        for db in &model.databases {
            let name = &db.name.text;
            let (place, zones) = self.lane(db.tier);
            let mut nodes = Vec::new();
            if let Some(&primary) = zones.first() {
                nodes.push(Node { zone: primary, label: "primary".to_string(), detail: db.class.clone() });
            }
            if db.multi_az
                && let Some(&standby) = zones.get(1)
            {
                nodes.push(Node { zone: standby, label: "standby".to_string(), detail: db.class.clone() });
            }
            // The frame spans only the zones the instances are in.
            let place = match place {
                Place::Lane { tier, .. } => Place::Lane { tier, zones: nodes.iter().map(|node| node.zone).collect() },
                other => other,
            };
            let mut detail = format!("{} {}", db.engine.as_str(), db.version);
            if db.multi_az {
                detail.push_str(" · Multi-AZ");
            }
            detail.push_str(&format!(" · {} GB", db.storage_gb));
            let index = self.push(Item {
                id: format!("db_{name}"),
                kind: Kind::Database,
                label: name.clone(),
                detail,
                lines: Vec::new(),
                place,
                nodes,
                span: Some(db.span),
            });
            self.uses(index, db.security_group);
        }
    }

    fn file_systems(&mut self) {
        let model = self.model;
        for fs in &model.file_systems {
            let name = &fs.name.text;
            let (place, zones) = self.lane(fs.tier);
            let nodes = zones
                .iter()
                .map(|&zone| Node { zone, label: "mount target".to_string(), detail: format!("NFS · {name}") })
                .collect();
            let throughput = match fs.throughput {
                mhac_compiler::model::Throughput::Elastic => "elastic",
                mhac_compiler::model::Throughput::Bursting => "bursting",
            };
            let index = self.push(Item {
                id: format!("fs_{name}"),
                kind: Kind::FileSystem,
                label: name.clone(),
                detail: format!("shared dataroot · {throughput}"),
                lines: Vec::new(),
                place,
                nodes,
                span: Some(fs.span),
            });
            self.uses(index, fs.security_group);
        }
    }

    fn caches(&mut self) {
        let model = self.model;
        for cache in &model.caches {
            let name = &cache.name.text;
            let (place, zones) = self.lane(cache.tier);
            let nodes = zones
                .iter()
                .map(|&zone| Node { zone, label: "cache node".to_string(), detail: cache.node_type.clone() })
                .collect();
            let usage = match cache.usage {
                CacheUse::Sessions => "sessions",
                CacheUse::Application => "application cache",
                CacheUse::Both => "sessions + cache",
            };
            let index = self.push(Item {
                id: format!("cache_{name}"),
                kind: Kind::Cache,
                label: name.clone(),
                detail: format!("{} · {usage}", cache.engine.as_str()),
                lines: Vec::new(),
                place,
                nodes,
                span: Some(cache.span),
            });
            self.uses(index, cache.security_group);
        }
    }

    fn nat_gateways(&mut self, public_tier: Option<usize>) {
        let Some(tier) = public_tier else { return };
        let Some(zones) = self.tier_zones(tier) else { return };
        let zones: Vec<usize> = match self.model.network.nat {
            NatMode::None => Vec::new(),
            NatMode::Single => zones.into_iter().take(1).collect(),
            NatMode::PerZone => zones,
        };
        for zone in zones {
            let zone_name = self.scene.zones.get(zone).cloned().unwrap_or_default();
            self.push(Item {
                id: format!("nat_{}", zone + 1),
                kind: Kind::NatGateway,
                label: "NAT gateway".to_string(),
                detail: zone_name,
                lines: Vec::new(),
                place: Place::Cell { tier, zone },
                nodes: Vec::new(),
                span: None,
            });
        }
    }

    fn vpns(&mut self) {
        let model = self.model;
        for vpn in &model.vpns {
            let name = &vpn.name.text;
            let routes: Vec<String> = vpn.routes.iter().map(ToString::to_string).collect();
            let reach: Vec<&str> =
                vpn.reach.iter().filter_map(|&t| model.network.tiers.get(t)).map(|t| t.name.text.as_str()).collect();
            let customer = self.push(Item {
                id: format!("cgw_{name}"),
                kind: Kind::CustomerGateway,
                label: name.clone(),
                detail: format!("{} · ASN {}", vpn.customer_gateway, vpn.bgp_asn),
                lines: routes.iter().map(|route| format!("corporate network {route}")).collect(),
                place: Place::Outside,
                nodes: Vec::new(),
                span: Some(vpn.span),
            });
            let detail = if reach.is_empty() { String::new() } else { format!("routes to {}", reach.join(", ")) };
            let gateway = self.push(Item {
                id: format!("vgw_{name}"),
                kind: Kind::VpnGateway,
                label: "VPN gateway".to_string(),
                detail,
                lines: Vec::new(),
                place: Place::VpcSide,
                nodes: Vec::new(),
                span: None,
            });
            self.link(customer, gateway, "IPsec VPN");
        }
    }

    fn regional(&mut self) {
        let model = self.model;
        for bucket in &model.buckets {
            let name = &bucket.name.text;
            let mut detail = vec!["file pool".to_string()];
            if bucket.versioning {
                detail.push("versioned".to_string());
            }
            self.push(Item {
                id: format!("s3_{name}"),
                kind: Kind::Bucket,
                label: name.clone(),
                detail: detail.join(" · "),
                lines: Vec::new(),
                place: Place::Regional,
                nodes: Vec::new(),
                span: Some(bucket.span),
            });
        }
        if model.app_servers.iter().any(|app| app.access == Access::SessionManager) {
            self.push(Item {
                id: "ssm".to_string(),
                kind: Kind::SystemsManager,
                label: "Session Manager".to_string(),
                detail: "shell without SSH".to_string(),
                lines: Vec::new(),
                place: Place::Regional,
                nodes: Vec::new(),
                span: None,
            });
        }
        let monitoring = &model.monitoring;
        let alarms = if monitoring.span.is_some() || !monitoring.alarms.is_empty() {
            let lines = monitoring
                .alarms
                .iter()
                .map(|alarm| {
                    let comparator = match alarm.comparison_operator() {
                        "GreaterThanThreshold" => ">",
                        "GreaterThanOrEqualToThreshold" => ">=",
                        "LessThanThreshold" => "<",
                        _ => "<=",
                    };
                    format!(
                        "{}.{} {comparator} {} for {}",
                        alarm.component_name,
                        alarm.metric.key,
                        number(alarm.threshold),
                        duration(alarm.period.saturating_mul(alarm.evaluation_periods))
                    )
                })
                .collect();
            Some(self.push(Item {
                id: "cloudwatch".to_string(),
                kind: Kind::Alarms,
                label: "CloudWatch".to_string(),
                detail: format!("{} alarms · logs {} d", monitoring.alarms.len(), monitoring.retention_days),
                lines,
                place: Place::Regional,
                nodes: Vec::new(),
                span: monitoring.span,
            }))
        } else {
            None
        };
        if !monitoring.notify.is_empty() {
            let topic = self.push(Item {
                id: "sns".to_string(),
                kind: Kind::Topic,
                label: "SNS topic".to_string(),
                detail: monitoring.notify.join(", "),
                lines: Vec::new(),
                place: Place::Regional,
                nodes: Vec::new(),
                span: None,
            });
            if let Some(alarms) = alarms {
                self.link(alarms, topic, "notify");
            }
        }
    }

    /// Arrows for the security groups' inbound rules.
    fn flows(&mut self) {
        let model = self.model;
        // (from, to) → labels, in first-seen order of the pair.
        let mut order: Vec<(usize, usize)> = Vec::new();
        let mut labels: BTreeMap<(usize, usize), Vec<String>> = BTreeMap::new();
        let mut networks: BTreeMap<String, usize> = BTreeMap::new();
        for (group, security_group) in model.security_groups.iter().enumerate() {
            let targets = self.group_users.get(group).cloned().unwrap_or_default();
            if targets.is_empty() {
                continue;
            }
            for rule in &security_group.ingress {
                let sources: Vec<usize> = match &rule.source {
                    Peer::Group(source) => self.group_users.get(*source).cloned().unwrap_or_default(),
                    Peer::Internet => self.gateway.into_iter().collect(),
                    Peer::Vpn(vpn) => model
                        .vpns
                        .get(*vpn)
                        .and_then(|vpn| {
                            let id = format!("vgw_{}", vpn.name.text);
                            self.scene.items.iter().position(|item| item.id == id)
                        })
                        .into_iter()
                        .collect(),
                    Peer::Cidr(cidr) => {
                        let key = cidr.to_string();
                        let index = match networks.get(&key) {
                            Some(&index) => index,
                            None => {
                                let index = self.push(Item {
                                    id: format!("net_{}", networks.len() + 1),
                                    kind: Kind::Network,
                                    label: key.clone(),
                                    detail: "allowed by address".to_string(),
                                    lines: Vec::new(),
                                    place: Place::Outside,
                                    nodes: Vec::new(),
                                    span: None,
                                });
                                networks.insert(key, index);
                                index
                            }
                        };
                        vec![index]
                    }
                };
                let label = port_label(&rule.service, rule.from_port, rule.to_port);
                for &from in &sources {
                    for &to in &targets {
                        if from == to {
                            continue;
                        }
                        let entry = labels.entry((from, to)).or_insert_with(|| {
                            order.push((from, to));
                            Vec::new()
                        });
                        if !entry.contains(&label) {
                            entry.push(label.clone());
                        }
                    }
                }
            }
        }
        for (from, to) in order {
            let label = labels.get(&(from, to)).map(|l| l.join(", ")).unwrap_or_default();
            self.scene.flows.push(Flow { from, to, label, kind: FlowKind::Allowed });
        }
    }
}

/// `https 443`, `tcp 8000-8090` (the service already names its ports).
fn port_label(service: &str, from_port: u16, to_port: u16) -> String {
    if service.starts_with("tcp ") || service.starts_with("udp ") {
        service.to_string()
    } else if from_port == to_port {
        format!("{service} {from_port}")
    } else {
        format!("{service} {from_port}-{to_port}")
    }
}

/// A threshold as written: `10`, `0.5`.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{}", value as i64) } else { format!("{value}") }
}

/// Seconds as the language writes durations: `5m`, `1h`, `45s`.
fn duration(seconds: u32) -> String {
    if seconds > 0 && seconds.is_multiple_of(86_400) {
        format!("{}d", seconds / 86_400)
    } else if seconds > 0 && seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds > 0 && seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

/// The diagnostics, each attached to what its labels fall inside.
fn marks(compilation: &Compilation, text: &str, model: &Model, scene: &Scene) -> Vec<Mark> {
    // Security groups are not drawn: a diagnostic in a group's block is
    // shown on the items that use the group.
    let group_items = &scene.group_users;
    let inside = |outer: Span, inner: Span| outer.start <= inner.start && inner.end <= outer.end && outer.end > 0;
    compilation
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let mut targets = Vec::new();
            for label in &diagnostic.labels {
                let span = label.span;
                let mut found = false;
                for (index, item) in scene.items.iter().enumerate() {
                    if item.span.is_some_and(|outer| inside(outer, span)) {
                        targets.push(Target::Item(index));
                        found = true;
                    }
                }
                for (group, security_group) in model.security_groups.iter().enumerate() {
                    if inside(security_group.span, span) {
                        for &index in group_items.get(group).map(Vec::as_slice).unwrap_or(&[]) {
                            targets.push(Target::Item(index));
                        }
                        found = true;
                    }
                }
                if found {
                    continue;
                }
                if let Some(tier) = scene.tiers.iter().position(|tier| inside(tier.span, span)) {
                    targets.push(Target::Tier(tier));
                } else if scene.vpc.as_ref().is_some_and(|vpc| inside(vpc.span, span)) {
                    targets.push(Target::Vpc);
                } else if inside(model.deployment.span, span) {
                    targets.push(Target::Deployment);
                }
            }
            targets.sort();
            targets.dedup();
            let start = diagnostic.span().start.min(text.len());
            let line = text.as_bytes()[..start].iter().filter(|&&b| b == b'\n').count() + 1;
            Mark {
                code: diagnostic.code.as_str(),
                severity: diagnostic.severity,
                message: diagnostic.message.clone(),
                line,
                targets,
            }
        })
        .collect()
}
