//! The configuration being built: top-level blocks grouped by output file,
//! and the small vocabulary every area uses to make them (resources, data
//! sources, references, tags).
//!
//! Every block is an `hcl::Block` built with hcl-rs's builders and expression
//! types; nothing here writes HCL text. A resource also carries what hcl-rs
//! cannot express (checkov skip comments), which the layout adds when it
//! renders the file.
//!
//! Addresses are checked as they are added: two blocks with the same address
//! are an error the backend reports, never invalid output.

use super::Error;
use super::names;
use hcl::expr::{Expression, Object, ObjectKey, Traversal, Variable};
use hcl::template::Template;
use hcl::{Block, Identifier};
use mhac_compiler::plan::identity::tf_type;
use mhac_compiler::plan::{PartId, Plan, Text};
use std::collections::{BTreeMap, BTreeSet};

/// The output file a block goes to. The set is fixed: every run writes every
/// file, so a file from an earlier run is always replaced, never left stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    /// `versions.tf`: Terraform and provider versions, the state backend.
    Versions,
    /// `providers.tf`: the AWS provider.
    Providers,
    /// `variables.tf`: one variable per `param`.
    Variables,
    /// `network.tf`: VPC, subnets, gateways, routes, endpoints, flow logs, VPN.
    Network,
    /// `security.tf`: security groups and their rules.
    Security,
    /// `load_balancer.tf`: ALB, listeners, target groups, WAF, Shield, access logs.
    LoadBalancer,
    /// `compute.tf`: launch templates, Auto Scaling groups, instance roles.
    Compute,
    /// `data.tf`: databases, file systems, caches, buckets.
    Data,
    /// `monitoring.tf`: the KMS key, log groups, the notification topic, alarms.
    Monitoring,
    /// `site.tf`: the site's certificate, DNS records, SES identity, SMTP user.
    Site,
    /// `outputs.tf`.
    Outputs,
}

impl Area {
    /// Every area, in file order.
    pub const ALL: [Area; 11] = [
        Area::Versions,
        Area::Providers,
        Area::Variables,
        Area::Network,
        Area::Security,
        Area::LoadBalancer,
        Area::Compute,
        Area::Data,
        Area::Monitoring,
        Area::Site,
        Area::Outputs,
    ];

    /// The file name.
    pub fn file_name(self) -> &'static str {
        match self {
            Area::Versions => "versions.tf",
            Area::Providers => "providers.tf",
            Area::Variables => "variables.tf",
            Area::Network => "network.tf",
            Area::Security => "security.tf",
            Area::LoadBalancer => "load_balancer.tf",
            Area::Compute => "compute.tf",
            Area::Data => "data.tf",
            Area::Monitoring => "monitoring.tf",
            Area::Site => "site.tf",
            Area::Outputs => "outputs.tf",
        }
    }

    /// What the file holds, for its header comment.
    pub fn describe(self) -> &'static str {
        match self {
            Area::Versions => "Terraform and provider versions, and where the state is kept",
            Area::Providers => "the AWS provider: region and default tags",
            Area::Variables => "one variable per `param` of the source",
            Area::Network => "VPC, subnets, gateways, route tables, endpoints, flow logs and VPN",
            Area::Security => "security groups and their rules",
            Area::LoadBalancer => "load balancers, listeners, target groups, WAF, Shield and access logs",
            Area::Compute => "app servers: launch templates, Auto Scaling groups, instance roles",
            Area::Data => "databases, file systems, caches and buckets",
            Area::Monitoring => "the KMS key, log groups, the notification topic and the alarms",
            Area::Site => "the site's name and mail: its certificate, DNS records, SES identity and SMTP user",
            Area::Outputs => "what the deployment exposes: endpoints, names and ids",
        }
    }
}

/// A checkov check that cannot apply, with the reason, written as a
/// `#checkov:skip=ID:reason` comment inside the block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    /// The check, such as `CKV_AWS_260`.
    pub id: &'static str,
    /// Why it cannot apply.
    pub reason: String,
}

/// A top-level block and its skip comments.
#[derive(Clone, Debug)]
pub struct Item {
    /// The block.
    pub block: Block,
    /// Checkov skips, written as comments at the top of the block.
    pub skips: Vec<Skip>,
}

/// The configuration being built.
pub struct Doc<'p> {
    /// The plan it is printed from.
    pub plan: &'p Plan,
    items: BTreeMap<Area, Vec<Item>>,
    addresses: BTreeSet<String>,
    printed: BTreeMap<PartId, Vec<String>>,
    error: Option<Error>,
}

impl<'p> Doc<'p> {
    /// An empty configuration for a plan.
    pub fn new(plan: &'p Plan) -> Doc<'p> {
        Doc { plan, items: BTreeMap::new(), addresses: BTreeSet::new(), printed: BTreeMap::new(), error: None }
    }

    /// Add a block under `address` (`aws_vpc.main`, `var.x`, `output.y`).
    /// The plan's identity check makes every address unique; a second block
    /// with the same address would be a bug, recorded as an error rather
    /// than written.
    pub fn push(&mut self, area: Area, address: String, item: Item) {
        if !self.addresses.insert(address.clone()) {
            if self.error.is_none() {
                self.error = Some(Error::AddressClash { address });
            }
            return;
        }
        self.items.entry(area).or_default().push(item);
    }

    /// Add a resource or data source printed for `part`.
    pub fn add(&mut self, part: PartId, area: Area, resource: Res) {
        let address = resource.address();
        self.printed.entry(part).or_default().push(address.clone());
        let item = resource.build();
        self.push(area, address, item);
    }

    /// Every part → the addresses it is printed as.
    pub fn printed(&self) -> &BTreeMap<PartId, Vec<String>> {
        &self.printed
    }

    /// A part's Terraform name.
    pub fn name(&self, part: PartId) -> &'p str {
        self.plan.part(part).ident.tf()
    }

    /// `TYPE.NAME.ATTRIBUTE` of a part's own block.
    pub fn at(&self, part: PartId, attribute: &str) -> Expression {
        let ty = tf_type(&self.plan.part(part).kind);
        match ty.strip_prefix("data.") {
            Some(data) => data_ref(data, self.name(part), attribute),
            None => reference(ty, self.name(part), attribute),
        }
    }

    /// `TYPE.NAME` of a part's own block, for `depends_on`.
    pub fn whole(&self, part: PartId) -> Expression {
        resource_ref(tf_type(&self.plan.part(part).kind), self.name(part))
    }

    /// The blocks of an area, in the order they were added.
    pub fn items(&self, area: Area) -> &[Item] {
        self.items.get(&area).map_or(&[], Vec::as_slice)
    }

    /// The first error met while building.
    pub fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }

    /// The deployment's name, the prefix of physical names.
    pub fn deployment(&self) -> &'p str {
        self.plan.deployment.name.as_str()
    }

    /// A physical name: the deployment name and `parts`, as AWS accepts it
    /// (see [`names::physical`]).
    pub fn physical(&self, parts: &[&str], max: usize) -> String {
        let mut all = vec![self.deployment()];
        all.extend_from_slice(parts);
        names::physical(&all, max)
    }

    /// `tags = { Name = "moodle-prod-..." }`: the console name of a resource.
    /// The deployment's own tags come from the provider's `default_tags`.
    pub fn name_tag(&self, parts: &[&str]) -> Expression {
        let mut all = vec![self.deployment()];
        all.extend_from_slice(parts);
        tags([("Name", all.join("-"))])
    }

    /// The AWS partition of the deployment's region (ARNs of AWS-managed
    /// policies).
    pub fn partition(&self) -> &'static str {
        self.plan.deployment.partition
    }

    /// The name of zone `index` (`us-east-1a`).
    pub fn zone_name(&self, index: usize) -> &'p str {
        self.plan.deployment.zones.get(index).map_or("", |zone| zone.name.as_str())
    }

    /// The suffix of zone `index` (`a`).
    pub fn zone_suffix(&self, index: usize) -> &'p str {
        self.plan.deployment.zones.get(index).map_or("", |zone| zone.suffix.as_str())
    }

    /// A string from the source: a literal, or `var.NAME` for a parameter.
    pub fn string_value(&self, value: &Text) -> Expression {
        match value {
            Text::Literal(text) => Expression::from(text.as_str()),
            Text::Param(index) => var(self.plan.params.get(*index).map_or("missing_param", |p| p.ident.tf())),
        }
    }
}

/// A `resource` or `data` block under construction.
pub struct Res {
    kind: &'static str,
    ty: &'static str,
    name: String,
    attributes: Vec<(String, Expression)>,
    blocks: Vec<Block>,
    depends_on: Vec<Expression>,
    prevent_destroy: bool,
    create_before_destroy: bool,
    ignore_changes: Vec<&'static str>,
    skips: Vec<Skip>,
}

impl Res {
    /// `resource "TY" "NAME"`.
    pub fn resource(ty: &'static str, name: impl Into<String>) -> Res {
        Res::new("resource", ty, name.into())
    }

    /// `data "TY" "NAME"`.
    pub fn data(ty: &'static str, name: impl Into<String>) -> Res {
        Res::new("data", ty, name.into())
    }

    fn new(kind: &'static str, ty: &'static str, name: String) -> Res {
        Res {
            kind,
            ty,
            name,
            attributes: Vec::new(),
            blocks: Vec::new(),
            depends_on: Vec::new(),
            prevent_destroy: false,
            create_before_destroy: false,
            ignore_changes: Vec::new(),
            skips: Vec::new(),
        }
    }

    /// The address: `aws_vpc.main` or `data.aws_iam_policy_document.x`.
    pub fn address(&self) -> String {
        if self.kind == "data" {
            format!("data.{}.{}", self.ty, self.name)
        } else {
            format!("{}.{}", self.ty, self.name)
        }
    }

    /// A reference to an attribute of this block.
    pub fn at(&self, attribute: &str) -> Expression {
        if self.kind == "data" {
            data_ref(self.ty, &self.name, attribute)
        } else {
            reference(self.ty, &self.name, attribute)
        }
    }

    /// Set an argument.
    pub fn attr(mut self, key: &str, value: impl Into<Expression>) -> Res {
        self.attributes.push((key.to_string(), value.into()));
        self
    }

    /// Set an argument when there is a value.
    pub fn attr_opt(self, key: &str, value: Option<impl Into<Expression>>) -> Res {
        match value {
            Some(value) => self.attr(key, value),
            None => self,
        }
    }

    /// Add a nested block.
    pub fn block(mut self, block: Block) -> Res {
        self.blocks.push(block);
        self
    }

    /// Add nested blocks.
    pub fn blocks(mut self, blocks: impl IntoIterator<Item = Block>) -> Res {
        self.blocks.extend(blocks);
        self
    }

    /// Wait for another resource (`depends_on`), given a reference to it.
    pub fn depends_on(mut self, resource: Expression) -> Res {
        self.depends_on.push(resource);
        self
    }

    /// `lifecycle { prevent_destroy = true }` when `yes`.
    pub fn prevent_destroy(mut self, yes: bool) -> Res {
        self.prevent_destroy = yes;
        self
    }

    /// `lifecycle { create_before_destroy = true }`.
    pub fn create_before_destroy(mut self) -> Res {
        self.create_before_destroy = true;
        self
    }

    /// `lifecycle { ignore_changes = [...] }`: arguments Terraform sets on
    /// creation and never updates.
    pub fn ignore_changes(mut self, arguments: &[&'static str]) -> Res {
        self.ignore_changes.extend_from_slice(arguments);
        self
    }

    /// Skip a checkov check that cannot apply, saying why.
    pub fn skip(mut self, id: &'static str, reason: impl Into<String>) -> Res {
        self.skips.push(Skip { id, reason: reason.into() });
        self
    }

    /// The block: arguments, nested blocks, then `depends_on` and `lifecycle`.
    pub fn build(self) -> Item {
        let mut builder = Block::builder(self.kind).add_label(self.ty).add_label(self.name);
        for (key, value) in self.attributes {
            builder = builder.add_attribute((Identifier::unchecked(key), value));
        }
        if !self.depends_on.is_empty() {
            builder = builder.add_attribute(("depends_on", Expression::Array(self.depends_on)));
        }
        builder = builder.add_blocks(self.blocks);
        if self.prevent_destroy || self.create_before_destroy || !self.ignore_changes.is_empty() {
            let mut lifecycle = Block::builder("lifecycle");
            if self.create_before_destroy {
                lifecycle = lifecycle.add_attribute(("create_before_destroy", true));
            }
            if !self.ignore_changes.is_empty() {
                let arguments =
                    self.ignore_changes.iter().map(|argument| Expression::from(Variable::unchecked(*argument)));
                lifecycle = lifecycle.add_attribute(("ignore_changes", Expression::Array(arguments.collect())));
            }
            if self.prevent_destroy {
                lifecycle = lifecycle.add_attribute(("prevent_destroy", true));
            }
            builder = builder.add_block(lifecycle.build());
        }
        Item { block: builder.build(), skips: self.skips }
    }
}

/// A nested block with arguments.
pub fn nested<K: Into<Identifier>>(ident: &str, attributes: impl IntoIterator<Item = (K, Expression)>) -> Block {
    Block::builder(ident.to_string()).add_attributes(attributes).build()
}

/// An empty nested block (`allow {}`).
pub fn empty(ident: &str) -> Block {
    Block::builder(ident.to_string()).build()
}

/// `TY.NAME.ATTR`.
pub fn reference(ty: &str, name: &str, attribute: &str) -> Expression {
    Expression::from(
        Traversal::builder(Variable::unchecked(ty))
            .attr(Identifier::unchecked(name))
            .attr(Identifier::unchecked(attribute))
            .build(),
    )
}

/// `TY.NAME`: a whole resource, for `depends_on`.
pub fn resource_ref(ty: &str, name: &str) -> Expression {
    Expression::from(Traversal::builder(Variable::unchecked(ty)).attr(Identifier::unchecked(name)).build())
}

/// `data.TY.NAME.ATTR`.
pub fn data_ref(ty: &str, name: &str, attribute: &str) -> Expression {
    Expression::from(
        Traversal::builder(Variable::unchecked("data"))
            .attr(Identifier::unchecked(ty))
            .attr(Identifier::unchecked(name))
            .attr(Identifier::unchecked(attribute))
            .build(),
    )
}

/// `var.NAME`.
pub fn var(name: &str) -> Expression {
    Expression::from(Traversal::builder(Variable::unchecked("var")).attr(Identifier::unchecked(name)).build())
}

/// A list.
pub fn list<T: Into<Expression>>(items: impl IntoIterator<Item = T>) -> Expression {
    Expression::Array(items.into_iter().map(Into::into).collect())
}

/// A list of strings.
pub fn strings<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Expression {
    Expression::Array(items.into_iter().map(|s| Expression::from(s.as_ref())).collect())
}

/// An object of tags (or any string map), keys in the given order. Keys that
/// are not identifiers are quoted.
pub fn tags<K: AsRef<str>, V: Into<Expression>>(pairs: impl IntoIterator<Item = (K, V)>) -> Expression {
    let mut object = Object::new();
    for (key, value) in pairs {
        let key = key.as_ref();
        let key = match Identifier::new(key) {
            Ok(ident) => ObjectKey::Identifier(ident),
            Err(_) => ObjectKey::Expression(Expression::from(key)),
        };
        object.insert(key, value.into());
    }
    Expression::Object(object)
}

/// A string template: literal text and interpolated expressions
/// (`"${aws_s3_bucket.x.arn}/*"`), built with hcl-rs's template builder.
pub fn template(parts: impl IntoIterator<Item = TemplatePart>) -> Expression {
    let mut template = Template::new();
    for part in parts {
        template = match part {
            // The template is written between quotes as it is: quotes,
            // backslashes and line breaks escaped, `${` and `%{` doubled.
            TemplatePart::Text(text) => template.add_literal(
                text.replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n")
                    .replace("${", "$${")
                    .replace("%{", "%%{"),
            ),
            TemplatePart::Expr(expr) => template.add_interpolation(expr),
        };
    }
    Expression::from(hcl::expr::TemplateExpr::QuotedString(template.to_string()))
}

/// A piece of a [`template`].
pub enum TemplatePart {
    /// Literal text.
    Text(String),
    /// `${...}`.
    Expr(Expression),
}

/// `"${expr}SUFFIX"`.
pub fn suffixed(expr: Expression, suffix: &str) -> Expression {
    template([TemplatePart::Expr(expr), TemplatePart::Text(suffix.to_string())])
}
