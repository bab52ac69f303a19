//! Nested stacks: a printed template past CloudFormation's limits (500
//! resources, 1 MB) split into a parent stack and child stacks along the
//! deployment's areas — network, security, data, edge, compute,
//! monitoring — and [`join`], which puts a split deployment back together
//! (what `plan` compares with).
//!
//! The split post-processes the template and keeps every logical ID: a
//! resource's area comes from its type ([`area`]); a resource that refers
//! to one of a later area goes with it, so child stacks only refer to
//! earlier ones and never form a cycle. An area too large for one stack is
//! cut into several (`ComputeStack`, `ComputeStack2`, ...) at the seams of
//! its resources' references: resources that refer to each other stay in
//! one stack. A reference to another child stack becomes a parameter of
//! the referring stack (named after what it refers to, so `Ref` needs no
//! change), filled by the parent from an output of the stack that holds
//! the resource (`Fn::GetAtt [Child, Outputs.X]`). `AWS::StackName` in a
//! child is the parent's name, passed down, so names built from it do not
//! change. SSM-typed image parameters go to the child that uses them; the
//! others stay in the parent and are passed down. Each child records in
//! its `Metadata` what it imports and which `DependsOn` it lost, which
//! makes [`join`] exact.
//!
//! A child stack's `TemplateURL` is the file name of its template
//! (`moodle.compute.json`), as `aws cloudformation package` expects;
//! `mhac apply` uploads the children to its staging bucket and points the
//! parent at them.

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// CloudFormation's limit of resources per stack.
pub const MAX_RESOURCES: usize = 500;
/// CloudFormation's limit of a template's size, in bytes (from S3).
pub const MAX_TEMPLATE_BYTES: usize = 1_000_000;
/// Parameters and outputs per stack.
pub const MAX_PARAMETERS: usize = 200;
/// Outputs per stack.
pub const MAX_OUTPUTS: usize = 200;

/// A child stack holds at most this many resources, leaving room to grow
/// before a resource would have to move to another stack.
const CHILD_RESOURCES: usize = 400;
/// ... this many parameters and outputs,
const CHILD_PARAMETERS: usize = 180;
/// ... and this many bytes of template.
const CHILD_BYTES: usize = 800_000;

/// The metadata key of what the split recorded.
pub const METADATA: &str = "Mhac::Nested";
/// The child parameter carrying the parent's stack name.
const PARENT_STACK_NAME: &str = "ParentStackName";

/// The areas of a deployment, in the order child stacks are created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    /// VPC, subnets, gateways, routes, VPN.
    Network,
    /// Keys, log groups, security groups and their rules, IAM roles and
    /// policies, secrets.
    Security,
    /// Buckets, databases, file systems, caches.
    Data,
    /// Load balancers, WAF, Shield.
    Edge,
    /// Launch templates, Auto Scaling groups.
    Compute,
    /// Topics, alarms, DNS records, mail (and what refers to them).
    Monitoring,
}

impl Area {
    /// Every area, in order.
    pub const ALL: &'static [Area] =
        &[Area::Network, Area::Security, Area::Data, Area::Edge, Area::Compute, Area::Monitoring];

    /// `network`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Network => "network",
            Area::Security => "security",
            Area::Data => "data",
            Area::Edge => "edge",
            Area::Compute => "compute",
            Area::Monitoring => "monitoring",
        }
    }

    /// `Network`, ...
    fn title(self) -> &'static str {
        match self {
            Area::Network => "Network",
            Area::Security => "Security",
            Area::Data => "Data",
            Area::Edge => "Edge",
            Area::Compute => "Compute",
            Area::Monitoring => "Monitoring",
        }
    }

    fn from_child(logical_id: &str) -> Option<Area> {
        Area::ALL
            .iter()
            .copied()
            .find(|a| logical_id.starts_with(a.title()) && logical_id[a.title().len()..].starts_with("Stack"))
    }
}

/// The area of a resource type (an unknown type goes last, with monitoring).
pub fn area(resource_type: &str) -> Area {
    let service = resource_type.split("::").nth(1).unwrap_or("");
    match (service, resource_type) {
        (_, "AWS::EC2::SecurityGroup" | "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress") => {
            Area::Security
        }
        (_, "AWS::EC2::LaunchTemplate") => Area::Compute,
        ("EC2", _) => Area::Network,
        // Log groups are written to by the app servers and the network:
        // early, beside the key they are encrypted with.
        ("KMS" | "IAM" | "SecretsManager" | "Logs", _) => Area::Security,
        // The site's files in Parameter Store.
        ("S3" | "RDS" | "EFS" | "ElastiCache" | "SSM", _) => Area::Data,
        ("ElasticLoadBalancingV2" | "WAFv2" | "Shield" | "CertificateManager", _) => Area::Edge,
        ("AutoScaling", _) => Area::Compute,
        _ => Area::Monitoring,
    }
}

/// Whether a template must be split: more than [`MAX_RESOURCES`] resources,
/// or more than [`MAX_TEMPLATE_BYTES`] as compact JSON.
pub fn needs_split(template: &Value) -> bool {
    let resources = template.get("Resources").and_then(Value::as_object).map_or(0, Map::len);
    resources > MAX_RESOURCES || serde_json::to_string(template).map_or(0, |t| t.len()) > MAX_TEMPLATE_BYTES
}

/// A split deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct Nested {
    /// The parent template: one `AWS::CloudFormation::Stack` per child.
    pub parent: Value,
    /// The children, in creation order.
    pub children: Vec<Child>,
}

/// One child stack.
#[derive(Clone, Debug, PartialEq)]
pub struct Child {
    /// Its logical ID in the parent (`ComputeStack2`).
    pub logical_id: String,
    /// Its area.
    pub area: Area,
    /// Its template.
    pub template: Value,
}

impl Nested {
    /// Resource logical ID → the child stack holding it.
    pub fn assignment(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for child in &self.children {
            for id in child.template.get("Resources").and_then(Value::as_object).into_iter().flat_map(|r| r.keys()) {
                out.insert(id.clone(), child.logical_id.clone());
            }
        }
        out
    }

    /// Point each child stack's `TemplateURL` at `url(child)`.
    pub fn set_template_urls(&mut self, url: impl Fn(&Child) -> String) {
        for child in &self.children {
            if let Some(properties) = self.parent.pointer_mut(&format!("/Resources/{}/Properties", child.logical_id)) {
                properties["TemplateURL"] = Value::String(url(child));
            }
        }
    }
}

/// What a value refers to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reference {
    Ref(String),
    GetAtt(String, String),
}

impl Reference {
    fn target(&self) -> &str {
        match self {
            Reference::Ref(name) | Reference::GetAtt(name, _) => name,
        }
    }
}

/// `${Name}` and `${Name.Attr}` in a `Fn::Sub` string (not `${!Literal}`,
/// not the substitution's own variables).
fn sub_names(text: &str, local: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        if !inner.starts_with('!') && !local.contains(inner) {
            out.push(inner.to_string());
        }
    }
    out
}

fn reference_of(inner: &str) -> Reference {
    match inner.split_once('.') {
        Some((name, attribute)) => Reference::GetAtt(name.to_string(), attribute.to_string()),
        None => Reference::Ref(inner.to_string()),
    }
}

/// Every reference in a value.
fn references(value: &Value, out: &mut BTreeSet<Reference>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| references(item, out)),
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::String(name)) = map.get("Ref") {
                    out.insert(Reference::Ref(name.clone()));
                    return;
                }
                match map.get("Fn::GetAtt") {
                    Some(Value::Array(parts)) => {
                        if let (Some(Value::String(name)), Some(Value::String(attribute))) =
                            (parts.first(), parts.get(1))
                        {
                            out.insert(Reference::GetAtt(name.clone(), attribute.clone()));
                        }
                        return;
                    }
                    Some(Value::String(dotted)) => {
                        out.insert(reference_of(dotted));
                        return;
                    }
                    _ => {}
                }
                match map.get("Fn::Sub") {
                    Some(Value::String(text)) => {
                        out.extend(sub_names(text, &BTreeSet::new()).iter().map(|n| reference_of(n)));
                        return;
                    }
                    Some(Value::Array(parts)) => {
                        let local: BTreeSet<String> = parts
                            .get(1)
                            .and_then(Value::as_object)
                            .map(|v| v.keys().cloned().collect())
                            .unwrap_or_default();
                        if let Some(Value::String(text)) = parts.first() {
                            out.extend(sub_names(text, &local).iter().map(|n| reference_of(n)));
                        }
                        parts.iter().skip(1).for_each(|part| references(part, out));
                        return;
                    }
                    _ => {}
                }
            }
            map.values().for_each(|item| references(item, out));
        }
        _ => {}
    }
}

fn depends_on(resource: &Value) -> Vec<String> {
    match resource.get("DependsOn") {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// How a reference to another stack is carried: the parameter name of the
/// importing child (and the output name of the exporting one).
fn import_name(reference: &Reference) -> String {
    match reference {
        Reference::Ref(name) => name.clone(),
        Reference::GetAtt(name, attribute) => {
            format!("{name}{}", attribute.chars().filter(char::is_ascii_alphanumeric).collect::<String>())
        }
    }
}

/// The expression a carried reference stands for.
fn reference_value(reference: &Reference) -> Value {
    match reference {
        Reference::Ref(name) => json!({ "Ref": name }),
        Reference::GetAtt(name, attribute) => json!({ "Fn::GetAtt": [name, attribute] }),
    }
}

/// Rewrite the references of a value: `rename` maps a reference to the
/// name of the parameter that now carries it (`None`: unchanged).
fn rewrite(value: &Value, rename: &dyn Fn(&Reference) -> Option<String>) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| rewrite(v, rename)).collect()),
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::String(name)) = map.get("Ref") {
                    return match rename(&Reference::Ref(name.clone())) {
                        Some(new) => json!({ "Ref": new }),
                        None => value.clone(),
                    };
                }
                let getatt = match map.get("Fn::GetAtt") {
                    Some(Value::Array(parts)) => match (parts.first(), parts.get(1)) {
                        (Some(Value::String(n)), Some(Value::String(a))) => {
                            Some(Reference::GetAtt(n.clone(), a.clone()))
                        }
                        _ => None,
                    },
                    Some(Value::String(dotted)) => Some(reference_of(dotted)),
                    _ => None,
                };
                if let Some(reference) = getatt {
                    return match rename(&reference) {
                        Some(new) => json!({ "Ref": new }),
                        None => value.clone(),
                    };
                }
                match map.get("Fn::Sub") {
                    Some(Value::String(text)) => {
                        return json!({ "Fn::Sub": rewrite_sub(text, &BTreeSet::new(), rename) });
                    }
                    Some(Value::Array(parts)) => {
                        let local: BTreeSet<String> = parts
                            .get(1)
                            .and_then(Value::as_object)
                            .map(|v| v.keys().cloned().collect())
                            .unwrap_or_default();
                        let mut out: Vec<Value> = parts.iter().map(|p| rewrite(p, rename)).collect();
                        if let Some(Value::String(text)) = parts.first() {
                            out[0] = Value::String(rewrite_sub(text, &local, rename));
                        }
                        return json!({ "Fn::Sub": out });
                    }
                    _ => {}
                }
            }
            Value::Object(map.iter().map(|(k, v)| (k.clone(), rewrite(v, rename))).collect())
        }
        other => other.clone(),
    }
}

fn rewrite_sub(text: &str, local: &BTreeSet<String>, rename: &dyn Fn(&Reference) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start + 2]);
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        let inner = &rest[..end];
        if inner.starts_with('!') || local.contains(inner) {
            out.push_str(inner);
        } else {
            out.push_str(&rename(&reference_of(inner)).unwrap_or_else(|| inner.to_string()));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The reverse of the import rewrite, for [`join`]: a parameter name that
/// carries a reference → the reference written out again.
fn restore(value: &Value, imports: &BTreeMap<String, Value>) -> Value {
    let as_text = |expr: &Value| -> Option<String> {
        if let Some(Value::String(name)) = expr.get("Ref") {
            return Some(name.clone());
        }
        match expr.get("Fn::GetAtt") {
            Some(Value::Array(parts)) => Some(format!("{}.{}", parts.first()?.as_str()?, parts.get(1)?.as_str()?)),
            _ => None,
        }
    };
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| restore(v, imports)).collect()),
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::String(name)) = map.get("Ref") {
                    return imports.get(name).cloned().unwrap_or_else(|| value.clone());
                }
                let sub = |text: &str, local: &BTreeSet<String>| {
                    let mut out = String::with_capacity(text.len());
                    let mut rest = text;
                    while let Some(start) = rest.find("${") {
                        out.push_str(&rest[..start + 2]);
                        rest = &rest[start + 2..];
                        let Some(end) = rest.find('}') else { break };
                        let inner = &rest[..end];
                        match imports.get(inner).filter(|_| !inner.starts_with('!') && !local.contains(inner)) {
                            Some(expr) => out.push_str(&as_text(expr).unwrap_or_else(|| inner.to_string())),
                            None => out.push_str(inner),
                        }
                        rest = &rest[end..];
                    }
                    out.push_str(rest);
                    out
                };
                match map.get("Fn::Sub") {
                    Some(Value::String(text)) => return json!({ "Fn::Sub": sub(text, &BTreeSet::new()) }),
                    Some(Value::Array(parts)) => {
                        let local: BTreeSet<String> = parts
                            .get(1)
                            .and_then(Value::as_object)
                            .map(|v| v.keys().cloned().collect())
                            .unwrap_or_default();
                        let mut out: Vec<Value> = parts.iter().map(|p| restore(p, imports)).collect();
                        if let Some(Value::String(text)) = parts.first() {
                            out[0] = Value::String(sub(text, &local));
                        }
                        return json!({ "Fn::Sub": out });
                    }
                    _ => {}
                }
            }
            Value::Object(map.iter().map(|(k, v)| (k.clone(), restore(v, imports))).collect())
        }
        other => other.clone(),
    }
}

/// The resources of a template, in template order, with their references
/// to other resources (and `DependsOn`).
struct Graph<'t> {
    ids: Vec<&'t String>,
    index: BTreeMap<&'t str, usize>,
    resources: Vec<&'t Value>,
    /// References to other resources (by index), from properties and
    /// other attributes.
    refs: Vec<BTreeSet<Reference>>,
    /// Resources referred to or depended on (by index).
    deps: Vec<BTreeSet<usize>>,
}

impl<'t> Graph<'t> {
    fn new(resources: &'t Map<String, Value>) -> Graph<'t> {
        let ids: Vec<&String> = resources.keys().collect();
        let index: BTreeMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let mut refs = Vec::with_capacity(ids.len());
        let mut deps = Vec::with_capacity(ids.len());
        let values: Vec<&Value> = resources.values().collect();
        for resource in &values {
            let mut found = BTreeSet::new();
            references(resource, &mut found);
            found.retain(|r| index.contains_key(r.target()));
            let mut on: BTreeSet<usize> = found.iter().filter_map(|r| index.get(r.target()).copied()).collect();
            on.extend(depends_on(resource).iter().filter_map(|d| index.get(d.as_str()).copied()));
            refs.push(found);
            deps.push(on);
        }
        Graph { ids, index, resources: values, refs, deps }
    }

    /// Indices in an order where every resource comes after what it
    /// depends on (template order among equals).
    fn topological(&self) -> Result<Vec<usize>, String> {
        let n = self.ids.len();
        let mut remaining: Vec<usize> = self.deps.iter().map(BTreeSet::len).collect();
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, deps) in self.deps.iter().enumerate() {
            for &d in deps {
                users[d].push(i);
            }
        }
        let mut ready: BTreeSet<usize> = (0..n).filter(|&i| remaining[i] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop_first() {
            order.push(i);
            for &u in &users[i] {
                remaining[u] -= 1;
                if remaining[u] == 0 {
                    ready.insert(u);
                }
            }
        }
        if order.len() == n {
            Ok(order)
        } else {
            Err("the template's resources refer to each other in a cycle".to_string())
        }
    }
}

/// What one unit (resources that refer to each other, in one area) needs.
#[derive(Clone, Debug, Default)]
struct Unit {
    members: Vec<usize>,
    bytes: usize,
    /// Parameters it needs from outside itself: imports and template parameters.
    inputs: BTreeSet<String>,
    /// Values other stacks (or the parent's outputs) need from it.
    exports: BTreeSet<String>,
}

/// A child being filled.
#[derive(Clone, Debug)]
struct Bin {
    name: String,
    area: Area,
    members: Vec<usize>,
    bytes: usize,
    inputs: BTreeSet<String>,
    exports: BTreeSet<String>,
}

impl Bin {
    fn fits(&self, unit: &Unit) -> bool {
        let inputs = self.inputs.union(&unit.inputs).count();
        self.members.len() + unit.members.len() <= CHILD_RESOURCES
            && inputs <= CHILD_PARAMETERS
            && self.exports.len() + unit.exports.len() <= CHILD_PARAMETERS
            && self.bytes + unit.bytes <= CHILD_BYTES
    }

    fn add(&mut self, unit: &Unit) {
        self.members.extend(&unit.members);
        self.bytes += unit.bytes;
        self.inputs.extend(unit.inputs.iter().cloned());
        self.exports.extend(unit.exports.iter().cloned());
    }
}

fn child_name(area: Area, number: usize) -> String {
    if number <= 1 { format!("{}Stack", area.title()) } else { format!("{}Stack{number}", area.title()) }
}

/// Split `template` into a parent and child stacks. `previous` is where a
/// deployed split put each resource (logical ID → child): a resource stays
/// in its child unless its area changed, so an update never moves what is
/// deployed between stacks (moving it would delete and recreate it).
pub fn split(template: &Value, previous: &BTreeMap<String, String>) -> Result<Nested, String> {
    let empty = Map::new();
    let resources = template.get("Resources").and_then(Value::as_object).unwrap_or(&empty);
    let parameters = template.get("Parameters").and_then(Value::as_object).unwrap_or(&empty);
    let outputs = template.get("Outputs").and_then(Value::as_object).unwrap_or(&empty);
    let graph = Graph::new(resources);
    let n = graph.ids.len();
    let order = graph.topological()?;

    // Areas: a resource goes with the latest area it refers to.
    let mut areas: Vec<Area> =
        graph.resources.iter().map(|r| area(r.get("Type").and_then(Value::as_str).unwrap_or(""))).collect();
    for &i in &order {
        let latest = graph.deps[i].iter().map(|&d| areas[d]).max();
        if let Some(latest) = latest.filter(|l| *l > areas[i]) {
            areas[i] = latest;
        }
    }

    // Which values leave a resource's area (an upper bound of a child's
    // outputs), and which parameters each resource needs.
    let mut exports: Vec<BTreeSet<String>> = vec![BTreeSet::new(); n];
    let mut output_of: BTreeMap<String, usize> = BTreeMap::new();
    for (i, refs) in graph.refs.iter().enumerate() {
        for reference in refs {
            let target = graph.index[reference.target()];
            if areas[target] != areas[i] {
                exports[target].insert(import_name(reference));
            }
        }
    }
    for (name, output) in outputs {
        let mut found = BTreeSet::new();
        references(output, &mut found);
        if let Some(target) = found.iter().find_map(|r| graph.index.get(r.target()).copied()) {
            exports[target].insert(name.clone());
            output_of.insert(name.clone(), target);
        }
    }
    let inputs: Vec<BTreeSet<String>> = graph
        .resources
        .iter()
        .enumerate()
        .map(|(i, resource)| {
            let mut found = BTreeSet::new();
            references(resource, &mut found);
            found
                .iter()
                .filter(|r| match graph.index.get(r.target()) {
                    Some(&t) => areas[t] != areas[i],
                    None => true,
                })
                .map(|r| if r.target().starts_with("AWS::") { r.target().to_string() } else { import_name(r) })
                .filter(|name| !name.starts_with("AWS::") || name == "AWS::StackName")
                .collect()
        })
        .collect();
    let bytes: Vec<usize> =
        graph.resources.iter().map(|r| serde_json::to_string(r).map_or(0, |t| t.len()) + 32).collect();

    // Units: connected resources of one area.
    let mut parent_of: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], i: usize) -> usize {
        let mut root = i;
        while parent[root] != root {
            root = parent[root];
        }
        let mut at = i;
        while parent[at] != root {
            let next = parent[at];
            parent[at] = root;
            at = next;
        }
        root
    }
    for i in 0..n {
        for &d in &graph.deps[i] {
            if areas[d] == areas[i] {
                let (a, b) = (find(&mut parent_of, i), find(&mut parent_of, d));
                if a != b {
                    parent_of[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut units: BTreeMap<usize, Unit> = BTreeMap::new();
    for &i in &order {
        let root = find(&mut parent_of, i);
        let unit = units.entry(root).or_default();
        unit.members.push(i);
        unit.bytes += bytes[i];
        unit.inputs.extend(inputs[i].iter().cloned());
        unit.exports.extend(exports[i].iter().cloned());
    }

    // Fill the children, area by area. A resource a previous split placed
    // stays in its child; the rest go unit by unit into the first child
    // with room (a new member of a placed unit: with the latest child of
    // what it refers to), or into new children, a unit too large for one
    // cut in dependency order so that its pieces refer only to earlier ones.
    let single =
        |m: usize| Unit { members: vec![m], bytes: bytes[m], inputs: inputs[m].clone(), exports: exports[m].clone() };
    let mut bins: Vec<Bin> = Vec::new();
    let mut placed_in: BTreeMap<usize, usize> = BTreeMap::new();
    let new_bin = |bins: &mut Vec<Bin>, area_now: Area| -> usize {
        let taken: BTreeSet<&String> = bins.iter().map(|b| &b.name).collect();
        let number = (1..).find(|k| !taken.contains(&child_name(area_now, *k))).unwrap_or(1);
        bins.push(Bin {
            name: child_name(area_now, number),
            area: area_now,
            members: Vec::new(),
            bytes: 0,
            inputs: BTreeSet::new(),
            exports: BTreeSet::new(),
        });
        bins.len() - 1
    };
    // Previous children first, in their order, so numbering stays.
    let mut kept: Vec<&String> = previous.values().collect::<BTreeSet<_>>().into_iter().collect();
    kept.sort_by_key(|name| (Area::from_child(name), name.len(), (*name).clone()));
    for &area_now in Area::ALL {
        for name in kept.iter().filter(|n| Area::from_child(n) == Some(area_now)) {
            bins.push(Bin {
                name: (*name).clone(),
                area: area_now,
                members: Vec::new(),
                bytes: 0,
                inputs: BTreeSet::new(),
                exports: BTreeSet::new(),
            });
        }
    }
    for &i in &order {
        if let Some(b) =
            previous.get(graph.ids[i]).and_then(|c| bins.iter().position(|b| &b.name == c && b.area == areas[i]))
        {
            bins[b].add(&single(i));
            placed_in.insert(i, b);
        }
    }
    for &area_now in Area::ALL {
        let mut area_units: Vec<&Unit> = units.values().filter(|u| areas[u.members[0]] == area_now).collect();
        area_units.sort_by_key(|u| u.members.iter().min().copied());
        for unit in area_units {
            let fresh: Vec<usize> = unit.members.iter().copied().filter(|m| !placed_in.contains_key(m)).collect();
            if fresh.is_empty() {
                continue;
            }
            if fresh.len() < unit.members.len() {
                // New members of a placed unit, in dependency order.
                for m in fresh {
                    let after = graph.deps[m]
                        .iter()
                        .filter_map(|d| placed_in.get(d))
                        .filter(|&&b| bins[b].area == area_now)
                        .max()
                        .copied();
                    let target = match after {
                        Some(b) if bins[b].fits(&single(m)) => b,
                        _ => new_bin(&mut bins, area_now),
                    };
                    bins[target].add(&single(m));
                    placed_in.insert(m, target);
                }
                continue;
            }
            if let Some(b) = bins.iter().position(|b| b.area == area_now && b.fits(unit)) {
                bins[b].add(unit);
                placed_in.extend(unit.members.iter().map(|&m| (m, b)));
                continue;
            }
            let mut target = new_bin(&mut bins, area_now);
            for &m in &unit.members {
                if !bins[target].members.is_empty() && !bins[target].fits(&single(m)) {
                    target = new_bin(&mut bins, area_now);
                }
                bins[target].add(&single(m));
                placed_in.insert(m, target);
            }
        }
    }
    bins.retain(|b| !b.members.is_empty());
    bins.sort_by(|a, b| (a.area, a.name.len(), &a.name).cmp(&(b.area, b.name.len(), &b.name)));
    let child_of: BTreeMap<usize, usize> =
        bins.iter().enumerate().flat_map(|(b, bin)| bin.members.iter().map(move |&m| (m, b))).collect();
    // Children are created in order: each may refer to earlier ones only.
    for (&m, &b) in &child_of {
        if let Some(&later) = graph.deps[m].iter().filter_map(|d| child_of.get(d)).find(|&&d| d > b) {
            return Err(format!(
                "{} in child stack {} would refer to child stack {}, created after it; a change moved resources between stacks in a way the previous split cannot keep",
                graph.ids[m], bins[b].name, bins[later].name
            ));
        }
    }

    // Parameters that go with the children that use them: SSM-typed ones
    // with a default (the parent would otherwise hold one per image).
    let local_parameter = |name: &str| {
        parameters.get(name).is_some_and(|p| {
            p.get("Default").is_some()
                && p.get("Type").and_then(Value::as_str).is_some_and(|t| t.starts_with("AWS::SSM::Parameter::Value<"))
        })
    };

    // Build the children.
    let mut children = Vec::new();
    let mut child_outputs: Vec<Map<String, Value>> = vec![Map::new(); bins.len()];
    let mut child_parameters: Vec<Map<String, Value>> = vec![Map::new(); bins.len()];
    let mut parent_depends: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); bins.len()];
    let mut bodies: Vec<Map<String, Value>> = vec![Map::new(); bins.len()];
    let mut imports_of: Vec<Map<String, Value>> = vec![Map::new(); bins.len()];
    let mut lost_depends: Vec<Map<String, Value>> = vec![Map::new(); bins.len()];
    let mut locals: Vec<BTreeSet<String>> = vec![BTreeSet::new(); bins.len()];
    for (b, bin) in bins.iter().enumerate() {
        let mut members = bin.members.clone();
        members.sort_unstable();
        let own: BTreeSet<&str> = members.iter().map(|&m| graph.ids[m].as_str()).collect();
        for &m in &members {
            let id = graph.ids[m];
            let resource = graph.resources[m];
            // References to resources of other children become parameters.
            let rename = |reference: &Reference| -> Option<String> {
                let target = reference.target();
                if target == "AWS::StackName" {
                    return Some(PARENT_STACK_NAME.to_string());
                }
                let &t = graph.index.get(target)?;
                if own.contains(target) {
                    return None;
                }
                Some(import_name(reference)).filter(|_| child_of.contains_key(&t))
            };
            let mut rewritten = rewrite(resource, &rename);
            let mut found = BTreeSet::new();
            references(resource, &mut found);
            for reference in &found {
                let target = reference.target();
                if target == "AWS::StackName" {
                    child_parameters[b].insert(
                        PARENT_STACK_NAME.to_string(),
                        json!({ "Type": "String", "Description": "The parent stack's name" }),
                    );
                    imports_of[b].insert(PARENT_STACK_NAME.to_string(), json!({ "Ref": "AWS::StackName" }));
                    continue;
                }
                if let Some(definition) = parameters.get(target) {
                    child_parameters[b].insert(target.to_string(), definition.clone());
                    if local_parameter(target) {
                        locals[b].insert(target.to_string());
                    }
                    continue;
                }
                let Some(&t) = graph.index.get(target) else { continue };
                if own.contains(target) {
                    continue;
                }
                let Some(&source) = child_of.get(&t) else { continue };
                let name = import_name(reference);
                child_parameters[b].insert(name.clone(), json!({ "Type": "String", "Description": format!("{} from {}", describe(reference), bins[source].name) }));
                imports_of[b].insert(name.clone(), reference_value(reference));
                child_outputs[source].insert(name.clone(), json!({ "Value": reference_value(reference) }));
                parent_depends[b].insert(source);
            }
            // DependsOn another child's resource: the child stacks depend.
            let depends = depends_on(resource);
            if !depends.is_empty() {
                let (kept, lost): (Vec<String>, Vec<String>) = depends
                    .into_iter()
                    .partition(|d| own.contains(d.as_str()) || !graph.index.contains_key(d.as_str()));
                for d in &lost {
                    if let Some(&source) = graph.index.get(d.as_str()).and_then(|t| child_of.get(t)) {
                        parent_depends[b].insert(source);
                    }
                }
                if !lost.is_empty() {
                    // The whole original, so that `join` restores its shape.
                    lost_depends[b].insert(id.clone(), resource.get("DependsOn").cloned().unwrap_or(Value::Null));
                    let object = rewritten.as_object_mut().expect("a resource is an object");
                    match kept.len() {
                        0 => {
                            object.remove("DependsOn");
                        }
                        1 if matches!(resource.get("DependsOn"), Some(Value::String(_))) => {
                            object.insert("DependsOn".into(), json!(kept[0]));
                        }
                        _ => {
                            object.insert("DependsOn".into(), json!(kept));
                        }
                    }
                }
            }
            bodies[b].insert(id.clone(), rewritten);
        }
    }
    // The deployment's outputs: in the child that holds their resource; an
    // output that refers to none (the site's address) in the first child.
    let mut output_child: Map<String, Value> = Map::new();
    for (name, output) in outputs {
        let b = match output_of.get(name) {
            Some(target) => match child_of.get(target) {
                Some(&b) => b,
                None => continue,
            },
            None if !bins.is_empty() && references_nothing(output) => 0,
            None => continue,
        };
        if child_outputs[b].contains_key(name) {
            return Err(format!("output {name} has the name of a value carried between child stacks"));
        }
        child_outputs[b].insert(name.clone(), output.clone());
        output_child.insert(name.clone(), json!(bins[b].name));
    }

    let description = template.get("Description").and_then(Value::as_str).unwrap_or("");
    let mut parent_resources = Map::new();
    for (b, bin) in bins.iter().enumerate() {
        if child_parameters[b].len() > MAX_PARAMETERS || child_outputs[b].len() > MAX_OUTPUTS {
            return Err(format!(
                "child stack {} would have {} parameters and {} outputs; CloudFormation accepts at most {MAX_PARAMETERS} of each",
                bin.name,
                child_parameters[b].len(),
                child_outputs[b].len()
            ));
        }
        let mut metadata = Map::new();
        metadata.insert("Area".into(), json!(bin.area.as_str()));
        if !imports_of[b].is_empty() {
            metadata.insert("Imports".into(), Value::Object(imports_of[b].clone()));
        }
        if !lost_depends[b].is_empty() {
            metadata.insert("DependsOn".into(), Value::Object(lost_depends[b].clone()));
        }
        if !locals[b].is_empty() {
            metadata.insert("LocalParameters".into(), json!(locals[b]));
        }
        let mut body = Map::new();
        body.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        body.insert(
            "Description".into(),
            json!(format!("{} resources ({}) of: {description}", bin.area.as_str(), bin.name)),
        );
        body.insert("Metadata".into(), json!({ METADATA: metadata }));
        if !child_parameters[b].is_empty() {
            body.insert("Parameters".into(), Value::Object(child_parameters[b].clone()));
        }
        body.insert("Resources".into(), Value::Object(bodies[b].clone()));
        if !child_outputs[b].is_empty() {
            body.insert("Outputs".into(), Value::Object(child_outputs[b].clone()));
        }
        let mut passed = Map::new();
        for name in child_parameters[b].keys() {
            let value = if name == PARENT_STACK_NAME {
                json!({ "Ref": "AWS::StackName" })
            } else if parameters.contains_key(name) {
                if locals[b].contains(name) {
                    continue;
                }
                json!({ "Ref": name })
            } else {
                let source = bins.iter().enumerate().find(|(s, _)| child_outputs[*s].contains_key(name) && *s != b);
                match source {
                    Some((_, from)) => json!({ "Fn::GetAtt": [from.name, format!("Outputs.{name}")] }),
                    None => return Err(format!("no child stack exports {name}")),
                }
            };
            passed.insert(name.clone(), value);
        }
        let mut resource = Map::new();
        resource.insert("Type".into(), json!("AWS::CloudFormation::Stack"));
        // Said outright: a child stack goes with its parent. What holds
        // data inside it keeps its own deletion policy.
        resource.insert("DeletionPolicy".into(), json!("Delete"));
        resource.insert("UpdateReplacePolicy".into(), json!("Delete"));
        let explicit: Vec<String> = parent_depends[b]
            .iter()
            .filter(|&&s| {
                // Dependencies the parameters already imply need no DependsOn.
                !passed
                    .values()
                    .any(|v| v.pointer("/Fn::GetAtt/0").and_then(Value::as_str) == Some(bins[s].name.as_str()))
            })
            .map(|&s| bins[s].name.clone())
            .collect();
        if !explicit.is_empty() {
            resource.insert("DependsOn".into(), json!(explicit));
        }
        let mut properties = Map::new();
        properties.insert("TemplateURL".into(), json!(format!("{}.json", bin.name)));
        if !passed.is_empty() {
            properties.insert("Parameters".into(), Value::Object(passed));
        }
        resource.insert("Properties".into(), Value::Object(properties));
        parent_resources.insert(bin.name.clone(), Value::Object(resource));
        children.push(Child { logical_id: bin.name.clone(), area: bin.area, template: Value::Object(body) });
    }

    // The parent: the template's own sections, the children, the outputs.
    let mut parent = Map::new();
    for key in ["AWSTemplateFormatVersion", "Description"] {
        if let Some(value) = template.get(key) {
            parent.insert(key.into(), value.clone());
        }
    }
    let mut metadata = template.get("Metadata").and_then(Value::as_object).cloned().unwrap_or_default();
    let original_interface = metadata.get("AWS::CloudFormation::Interface").cloned();
    let kept_parameters: Map<String, Value> =
        parameters.iter().filter(|(name, _)| !local_parameter(name)).map(|(k, v)| (k.clone(), v.clone())).collect();
    if kept_parameters.len() > MAX_PARAMETERS {
        return Err(format!(
            "the parent stack would have {} parameters; CloudFormation accepts at most {MAX_PARAMETERS}",
            kept_parameters.len()
        ));
    }
    // The console's parameter groups name only the parent's parameters.
    if let Some(interface) = metadata.get_mut("AWS::CloudFormation::Interface") {
        if let Some(groups) = interface.get_mut("ParameterGroups").and_then(Value::as_array_mut) {
            for group in groups.iter_mut() {
                if let Some(names) = group.get_mut("Parameters").and_then(Value::as_array_mut) {
                    names.retain(|n| n.as_str().is_some_and(|n| kept_parameters.contains_key(n)));
                }
            }
            groups.retain(|g| g.get("Parameters").and_then(Value::as_array).is_some_and(|p| !p.is_empty()));
        }
        if let Some(labels) = interface.get_mut("ParameterLabels").and_then(Value::as_object_mut) {
            labels.retain(|name, _| kept_parameters.contains_key(name));
        }
    }
    let parent_outputs_fit = outputs.len() <= MAX_OUTPUTS;
    metadata.insert(
        METADATA.into(),
        json!({
            "Children": bins.iter().map(|b| b.name.clone()).collect::<Vec<_>>(),
            "Outputs": output_child,
            "OutputsInParent": parent_outputs_fit,
            // The console's groups as the whole deployment has them, for `join`.
            "Interface": original_interface,
        }),
    );
    parent.insert("Metadata".into(), Value::Object(metadata));
    if !kept_parameters.is_empty() {
        parent.insert("Parameters".into(), Value::Object(kept_parameters));
    }
    parent.insert("Resources".into(), Value::Object(parent_resources));
    if parent_outputs_fit && !outputs.is_empty() {
        let mut out = Map::new();
        for (name, output) in outputs {
            let Some(child) = output_child.get(name).and_then(Value::as_str) else { continue };
            let mut entry = Map::new();
            if let Some(description) = output.get("Description") {
                entry.insert("Description".into(), description.clone());
            }
            entry.insert("Value".into(), json!({ "Fn::GetAtt": [child, format!("Outputs.{name}")] }));
            out.insert(name.clone(), Value::Object(entry));
        }
        parent.insert("Outputs".into(), Value::Object(out));
    }
    Ok(Nested { parent: Value::Object(parent), children })
}

/// Whether a value holds no `Ref`, `Fn::GetAtt` or `Fn::Sub`.
fn references_nothing(value: &Value) -> bool {
    match value {
        Value::Object(object) => {
            !object.contains_key("Ref")
                && !object.contains_key("Fn::GetAtt")
                && !object.contains_key("Fn::Sub")
                && object.values().all(references_nothing)
        }
        Value::Array(items) => items.iter().all(references_nothing),
        _ => true,
    }
}

fn describe(reference: &Reference) -> String {
    match reference {
        Reference::Ref(name) => name.clone(),
        Reference::GetAtt(name, attribute) => format!("{name}.{attribute}"),
    }
}

/// Whether a template is the parent of a split deployment.
pub fn is_parent(template: &Value) -> bool {
    template.pointer(&format!("/Metadata/{}", METADATA.replace('/', "~1"))).is_some()
        && template.pointer(&format!("/Metadata/{}/Children", METADATA.replace('/', "~1"))).is_some()
}

/// The deployment a split stands for: the parent and its children's
/// templates (by logical ID) put back into one template, exactly as it was
/// before [`split`] (the order of keys aside).
pub fn join(parent: &Value, children: &BTreeMap<String, Value>) -> Result<Value, String> {
    let key = METADATA.replace('/', "~1");
    let names: Vec<String> = parent
        .pointer(&format!("/Metadata/{key}/Children"))
        .and_then(Value::as_array)
        .ok_or("not the parent of a split deployment")?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let mut out = Map::new();
    for key in ["AWSTemplateFormatVersion", "Description"] {
        if let Some(value) = parent.get(key) {
            out.insert(key.into(), value.clone());
        }
    }
    let mut metadata = parent.get("Metadata").and_then(Value::as_object).cloned().unwrap_or_default();
    let recorded = metadata.remove(METADATA).unwrap_or(Value::Null);
    match recorded.get("Interface") {
        Some(Value::Null) | None => {
            metadata.remove("AWS::CloudFormation::Interface");
        }
        Some(interface) => {
            metadata.insert("AWS::CloudFormation::Interface".into(), interface.clone());
        }
    }
    let mut parameters = parent.get("Parameters").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut resources = Map::new();
    let mut outputs_by_child: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for name in &names {
        let child = children.get(name).ok_or_else(|| format!("the template of child stack {name} is missing"))?;
        let meta = child.pointer(&format!("/Metadata/{key}")).cloned().unwrap_or(Value::Null);
        let imports: BTreeMap<String, Value> = meta
            .get("Imports")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let lost = meta.get("DependsOn").and_then(Value::as_object).cloned().unwrap_or_default();
        for local in
            meta.get("LocalParameters").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
        {
            if let Some(definition) = child.pointer(&format!("/Parameters/{local}")) {
                parameters.insert(local.to_string(), definition.clone());
            }
        }
        for (id, resource) in child.get("Resources").and_then(Value::as_object).into_iter().flatten() {
            let mut restored = restore(resource, &imports);
            if let Some(original) = lost.get(id) {
                let object = restored.as_object_mut().ok_or("a resource is not an object")?;
                object.insert("DependsOn".into(), original.clone());
            }
            resources.insert(id.clone(), restored);
        }
        outputs_by_child
            .insert(name.clone(), child.get("Outputs").and_then(Value::as_object).cloned().unwrap_or_default());
    }
    if !metadata.is_empty() {
        out.insert("Metadata".into(), Value::Object(metadata));
    }
    if !parameters.is_empty() {
        out.insert("Parameters".into(), Value::Object(parameters));
    }
    out.insert("Resources".into(), Value::Object(resources));
    let mut outputs = Map::new();
    for (name, child) in recorded.get("Outputs").and_then(Value::as_object).into_iter().flatten() {
        if let Some(output) = child.as_str().and_then(|c| outputs_by_child.get(c)).and_then(|o| o.get(name)) {
            outputs.insert(name.clone(), output.clone());
        }
    }
    if !outputs.is_empty() {
        out.insert("Outputs".into(), Value::Object(outputs));
    }
    Ok(Value::Object(out))
}

/// The logical IDs of the child stacks a parent names.
pub fn children_of(parent: &Value) -> Vec<String> {
    parent
        .pointer(&format!("/Metadata/{}/Children", METADATA.replace('/', "~1")))
        .and_then(Value::as_array)
        .map(|c| c.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big() -> Value {
        // A VPC, a security group, and `n` load balancers with an app group
        // each: enough to split.
        let mut resources = Map::new();
        resources.insert("Key".into(), json!({ "Type": "AWS::KMS::Key", "Properties": {} }));
        resources
            .insert("Vpc".into(), json!({ "Type": "AWS::EC2::VPC", "Properties": { "CidrBlock": "10.0.0.0/16" } }));
        resources.insert(
            "Web".into(),
            json!({ "Type": "AWS::EC2::SecurityGroup", "Properties": { "VpcId": { "Ref": "Vpc" } } }),
        );
        resources.insert("Logs".into(), json!({ "Type": "AWS::Logs::LogGroup", "Properties": {
            "KmsKeyId": { "Fn::GetAtt": ["Key", "Arn"] }, "LogGroupName": { "Fn::Sub": "/mhac/${AWS::StackName}/app" } } }));
        for i in 0..300 {
            resources.insert(
                format!("Lb{i}"),
                json!({ "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {
                "SecurityGroups": [{ "Fn::GetAtt": ["Web", "GroupId"] }] } }),
            );
            resources.insert(format!("Tg{i}"), json!({ "Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": { "VpcId": { "Ref": "Vpc" } } }));
            resources.insert(format!("Listener{i}"), json!({ "Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {
                "LoadBalancerArn": { "Ref": format!("Lb{i}") }, "DefaultActions": [{ "TargetGroupArn": { "Ref": format!("Tg{i}") } }] } }));
            resources.insert(format!("Asg{i}"), json!({ "Type": "AWS::AutoScaling::AutoScalingGroup", "DependsOn": [format!("Listener{i}")], "Properties": {
                "TargetGroupARNs": [{ "Ref": format!("Tg{i}") }], "LaunchTemplate": { "Version": { "Ref": format!("Image{i}") } },
                "Tags": [{ "Key": "Name", "Value": { "Fn::Sub": ["${AWS::StackName}-${Lb}-x", { "Lb": { "Fn::GetAtt": [format!("Lb{i}"), "DNSName"] } }] } }] } }));
        }
        // Log buckets that all log to one: a unit too large for one stack.
        resources.insert("AccessLogs".into(), json!({ "Type": "AWS::S3::Bucket", "Properties": {} }));
        for i in 0..500 {
            resources.insert(
                format!("Logs{i}"),
                json!({ "Type": "AWS::S3::Bucket", "Properties": {
                "LoggingConfiguration": { "DestinationBucketName": { "Ref": "AccessLogs" } } } }),
            );
        }
        let mut parameters = Map::new();
        parameters.insert("Cert".into(), json!({ "Type": "String" }));
        for i in 0..300 {
            parameters.insert(
                format!("Image{i}"),
                json!({ "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Default": "/aws/x" }),
            );
        }
        json!({ "AWSTemplateFormatVersion": "2010-09-09", "Description": "d", "Parameters": parameters, "Resources": resources,
            "Outputs": { "Lb7Dns": { "Description": "dns", "Value": { "Fn::GetAtt": ["Lb7", "DNSName"] } },
                         "VpcId": { "Value": { "Ref": "Vpc" } } } })
    }

    /// The first place two documents differ, as a JSON pointer and both values.
    fn difference(a: &Value, b: &Value, at: &str) -> Option<String> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => difference(p, q, &format!("{at}/{k}")),
                    (p, q) => Some(format!("{at}/{k}: {p:?} vs {q:?}")),
                })
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                x.iter().zip(y).enumerate().find_map(|(i, (p, q))| difference(p, q, &format!("{at}/{i}")))
            }
            _ => (a != b).then(|| format!("{at}: {a} vs {b}")),
        }
    }

    fn joined(nested: &Nested) -> Value {
        let children: BTreeMap<String, Value> =
            nested.children.iter().map(|c| (c.logical_id.clone(), c.template.clone())).collect();
        join(&nested.parent, &children).expect("joins")
    }

    #[test]
    fn a_large_template_splits_within_the_limits_and_joins_back_exactly() {
        let template = big();
        assert!(needs_split(&template));
        let nested = split(&template, &BTreeMap::new()).expect("splits");
        let names: Vec<&str> = nested.children.iter().map(|c| c.logical_id.as_str()).collect();
        assert_eq!(names[..2], ["NetworkStack", "SecurityStack"], "{names:?}");
        assert!(names.contains(&"EdgeStack2") && names.contains(&"ComputeStack"), "{names:?}");
        for child in &nested.children {
            let t = &child.template;
            assert!(t["Resources"].as_object().expect("resources").len() <= MAX_RESOURCES, "{}", child.logical_id);
            assert!(t.get("Parameters").and_then(Value::as_object).map_or(0, Map::len) <= MAX_PARAMETERS);
            assert!(t.get("Outputs").and_then(Value::as_object).map_or(0, Map::len) <= MAX_OUTPUTS);
        }
        // Each listener stays with its load balancer and target group.
        let assignment = nested.assignment();
        assert_eq!(assignment["Lb5"], assignment["Listener5"]);
        assert_eq!(assignment["Tg5"], assignment["Listener5"]);
        // The parent keeps the user's parameter, not the images'.
        let parent_parameters = nested.parent["Parameters"].as_object().expect("parameters");
        assert_eq!(parent_parameters.keys().collect::<Vec<_>>(), ["Cert"]);
        // Cross-stack references: output → GetAtt → parameter.
        let compute = nested.children.iter().find(|c| c.logical_id == "ComputeStack").expect("compute");
        let asg = &compute.template["Resources"]["Asg0"];
        assert_eq!(asg["Properties"]["TargetGroupARNs"][0], json!({ "Ref": "Tg0" }));
        assert_eq!(asg.get("DependsOn"), None, "a DependsOn on another stack moves to the parent");
        assert_eq!(compute.template["Parameters"]["Lb0DNSName"]["Type"], "String");
        let passed = &nested.parent["Resources"]["ComputeStack"]["Properties"]["Parameters"];
        assert_eq!(passed["Lb0DNSName"], json!({ "Fn::GetAtt": [assignment["Lb0"], "Outputs.Lb0DNSName"] }));
        assert_eq!(passed["ParentStackName"], json!({ "Ref": "AWS::StackName" }));
        assert_eq!(
            asg["Properties"]["Tags"][0]["Value"]["Fn::Sub"][0],
            json!("${ParentStackName}-${Lb}-x"),
            "the parent's name, not the child's"
        );
        assert_eq!(
            nested.parent["Outputs"]["Lb7Dns"]["Value"],
            json!({ "Fn::GetAtt": [assignment["Lb7"], "Outputs.Lb7Dns"] })
        );
        // Child stacks only refer to earlier ones.
        let position: BTreeMap<&str, usize> =
            nested.children.iter().enumerate().map(|(i, c)| (c.logical_id.as_str(), i)).collect();
        for (i, child) in nested.children.iter().enumerate() {
            let resource = &nested.parent["Resources"][&child.logical_id];
            let mut found = BTreeSet::new();
            references(resource, &mut found);
            for dependency in depends_on(resource)
                .iter()
                .chain(found.iter().map(|r| r.target()).map(str::to_string).collect::<Vec<_>>().iter())
            {
                if let Some(&j) = position.get(dependency.as_str()) {
                    assert!(j < i, "{} refers to the later {dependency}", child.logical_id);
                }
            }
        }
        assert_eq!(difference(&joined(&nested), &template, ""), None);
        // Split again where it was: the same split.
        let again = split(&template, &nested.assignment()).expect("splits");
        assert!(again == nested, "a split of the same template moved something");
        assert!(names.contains(&"DataStack2"), "the log buckets' unit is cut: {names:?}");
    }

    #[test]
    fn a_previous_split_keeps_resources_where_they_are() {
        let template = big();
        let first = split(&template, &BTreeMap::new()).expect("splits");
        // Remove a group near the front: without the previous split the
        // others would shift; with it, nothing moves.
        let mut smaller = template.clone();
        for id in ["Lb0", "Tg0", "Listener0", "Asg0"] {
            smaller["Resources"].as_object_mut().expect("resources").remove(id);
        }
        smaller["Parameters"].as_object_mut().expect("parameters").remove("Image0");
        let second = split(&smaller, &first.assignment()).expect("splits");
        let (before, after) = (first.assignment(), second.assignment());
        for (id, child) in &after {
            assert_eq!(&before[id], child, "{id} moved");
        }
        assert_eq!(difference(&joined(&second), &smaller, ""), None);
    }

    #[test]
    fn areas_by_type() {
        assert_eq!(area("AWS::EC2::Subnet"), Area::Network);
        assert_eq!(area("AWS::EC2::SecurityGroupIngress"), Area::Security);
        assert_eq!(area("AWS::IAM::Role"), Area::Security);
        assert_eq!(area("AWS::RDS::DBInstance"), Area::Data);
        assert_eq!(area("AWS::WAFv2::WebACL"), Area::Edge);
        assert_eq!(area("AWS::EC2::LaunchTemplate"), Area::Compute);
        assert_eq!(area("AWS::CloudWatch::Alarm"), Area::Monitoring);
        assert_eq!(area("AWS::Logs::LogGroup"), Area::Security);
        assert_eq!(area("AWS::SSM::Parameter"), Area::Data);
        assert_eq!(area("AWS::CertificateManager::Certificate"), Area::Edge);
        assert_eq!(Area::from_child("ComputeStack12"), Some(Area::Compute));
        assert_eq!(Area::from_child("Compute"), None);
    }
}
