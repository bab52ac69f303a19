//! The difference between a deployed template and a new one, per resource:
//! add, modify (which properties), replace (which create-only property forces
//! it) or remove.
//!
//! Replacement is predicted offline from the create-only table
//! ([`crate::create_only`]). A property whose text is unchanged still changes
//! at deploy time when it refers to a resource that is replaced (`Ref`,
//! `Fn::GetAtt`, `Fn::Sub`) or to a parameter whose value changes; such
//! changes propagate until nothing more changes.

use crate::create_only;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What happens to a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Created.
    Add,
    /// Updated in place (possibly with interruption).
    Modify,
    /// A new resource is created and the old one deleted.
    Replace,
    /// Deleted.
    Remove,
}

impl Action {
    /// `add`, `modify`, `replace`, `remove`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Modify => "modify",
            Action::Replace => "replace",
            Action::Remove => "remove",
        }
    }

    /// Whether the change deletes something that exists.
    pub fn is_destructive(self) -> bool {
        matches!(self, Action::Replace | Action::Remove)
    }
}

/// The change to one resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceDiff {
    /// The logical ID.
    pub logical_id: String,
    /// The resource type (the new one, or the deployed one for a removal).
    pub resource_type: String,
    /// What happens.
    pub action: Action,
    /// Properties, and resource attributes such as `DeletionPolicy`, whose
    /// value changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// Why the resource is replaced: the create-only properties that change
    /// (or `Type`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced_because: Vec<String>,
    /// Properties that change and replace the resource only in some cases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub may_replace_because: Vec<String>,
    /// Changes that come from elsewhere: `VpcId (Vpc is replaced)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caused_by: Vec<String>,
}

/// Resource attributes (besides `Properties`) whose change is an update.
const ATTRIBUTES: &[&str] =
    &["DeletionPolicy", "UpdateReplacePolicy", "DependsOn", "Metadata", "Condition", "UpdatePolicy", "CreationPolicy"];

/// Attributes that change when their resource is updated in place (most,
/// such as an ARN, do not).
const VOLATILE_ATTRIBUTES: &[&str] = &["LatestVersionNumber", "DefaultVersionNumber"];

/// A reference from a property to a resource or a parameter.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reference {
    /// `Ref`, or `${Name}` in `Fn::Sub`: the physical ID or parameter value.
    Ref(String),
    /// `Fn::GetAtt`, or `${Name.Attr}` in `Fn::Sub`: an attribute.
    GetAtt(String, String),
}

fn collect_references(value: &Value, out: &mut BTreeSet<Reference>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| collect_references(item, out)),
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::String(name)) = map.get("Ref") {
                    out.insert(Reference::Ref(name.clone()));
                    return;
                }
                match map.get("Fn::GetAtt") {
                    Some(Value::Array(parts)) => {
                        if let Some(Value::String(name)) = parts.first() {
                            let attribute = parts.get(1).and_then(Value::as_str).unwrap_or("");
                            out.insert(Reference::GetAtt(name.clone(), attribute.to_string()));
                        }
                        parts.iter().skip(1).for_each(|part| collect_references(part, out));
                        return;
                    }
                    Some(Value::String(dotted)) => {
                        let (name, attribute) = dotted.split_once('.').unwrap_or((dotted, ""));
                        out.insert(Reference::GetAtt(name.to_string(), attribute.to_string()));
                        return;
                    }
                    _ => {}
                }
                match map.get("Fn::Sub") {
                    Some(Value::String(text)) => {
                        sub_references(text, &BTreeSet::new(), out);
                        return;
                    }
                    Some(Value::Array(parts)) => {
                        let local: BTreeSet<String> = parts
                            .get(1)
                            .and_then(Value::as_object)
                            .map(|vars| vars.keys().cloned().collect())
                            .unwrap_or_default();
                        if let Some(Value::String(text)) = parts.first() {
                            sub_references(text, &local, out);
                        }
                        parts.iter().skip(1).for_each(|part| collect_references(part, out));
                        return;
                    }
                    _ => {}
                }
            }
            map.values().for_each(|item| collect_references(item, out));
        }
        _ => {}
    }
}

/// `${Name}` and `${Name.Attr}` in a `Fn::Sub` string (not `${!Literal}`,
/// not the substitution's own variables).
fn sub_references(text: &str, local: &BTreeSet<String>, out: &mut BTreeSet<Reference>) {
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        if inner.starts_with('!') || local.contains(inner) {
            continue;
        }
        match inner.split_once('.') {
            Some((name, attribute)) => out.insert(Reference::GetAtt(name.to_string(), attribute.to_string())),
            None => out.insert(Reference::Ref(inner.to_string())),
        };
    }
}

/// The values at a create-only pointer (`/properties/A/*/B`) in a resource's
/// properties; `*` fans out over array elements.
fn values_at<'v>(properties: Option<&'v Map<String, Value>>, pointer: &str) -> Vec<Option<&'v Value>> {
    let mut segments = pointer.trim_start_matches("/properties/").split('/');
    let Some(first) = segments.next() else { return vec![None] };
    let mut current: Vec<Option<&Value>> = vec![properties.and_then(|p| p.get(first))];
    for segment in segments {
        let mut next = Vec::new();
        for value in current {
            match (value, segment) {
                (Some(Value::Array(items)), "*") => next.extend(items.iter().map(Some)),
                (Some(Value::Object(map)), key) => next.push(map.get(key)),
                (Some(Value::Array(items)), index) => next.push(index.parse::<usize>().ok().and_then(|i| items.get(i))),
                _ => next.push(None),
            }
        }
        current = next;
    }
    current
}

/// The top-level property a pointer starts with.
fn top_property(pointer: &str) -> &str {
    pointer.trim_start_matches("/properties/").split('/').next().unwrap_or("")
}

fn resources(template: Option<&Value>) -> BTreeMap<String, &Value> {
    template
        .and_then(|t| t.get("Resources"))
        .and_then(Value::as_object)
        .map(|map| map.iter().map(|(id, resource)| (id.clone(), resource)).collect())
        .unwrap_or_default()
}

fn resource_type(resource: &Value) -> String {
    resource.get("Type").and_then(Value::as_str).unwrap_or("").to_string()
}

fn properties(resource: &Value) -> Option<&Map<String, Value>> {
    resource.get("Properties").and_then(Value::as_object)
}

/// The engine family of an RDS engine name: `aurora-mysql` → `aurora`,
/// `sqlserver-ex` → `sqlserver`, `postgres` → `postgres`.
fn engine_family(engine: &str) -> &str {
    engine.split('-').next().unwrap_or(engine)
}

/// Whether a change of a conditional create-only property is known to
/// always replace the resource, and why: an RDS instance moved to another
/// engine family (MySQL to PostgreSQL, MariaDB to MySQL) cannot be
/// converted in place.
fn always_replaces(
    resource_type: &str,
    pointer: &str,
    old: Option<&Map<String, Value>>,
    new: Option<&Map<String, Value>>,
) -> Option<String> {
    if resource_type != "AWS::RDS::DBInstance" || pointer != "/properties/Engine" {
        return None;
    }
    let engine = |props: Option<&Map<String, Value>>| {
        props.and_then(|p| p.get("Engine")).and_then(Value::as_str).map(str::to_ascii_lowercase)
    };
    let (old, new) = (engine(old)?, engine(new)?);
    (engine_family(&old) != engine_family(&new)).then(|| format!("Engine ({old} → {new}: another engine family)"))
}

/// Compare a deployed template (`None`: no stack) with a new one.
/// `changed_parameters` are the template parameters whose value differs
/// from the deployed stack's. The result is sorted by logical ID.
pub fn diff(deployed: Option<&Value>, new: &Value, changed_parameters: &BTreeSet<String>) -> Vec<ResourceDiff> {
    let old = resources(deployed);
    let new = resources(Some(new));
    let mut out: BTreeMap<String, ResourceDiff> = BTreeMap::new();
    let empty = |id: &str, ty: String, action| ResourceDiff {
        logical_id: id.to_string(),
        resource_type: ty,
        action,
        changed: Vec::new(),
        replaced_because: Vec::new(),
        may_replace_because: Vec::new(),
        caused_by: Vec::new(),
    };

    for (id, resource) in &new {
        if !old.contains_key(id) {
            out.insert(id.clone(), empty(id, resource_type(resource), Action::Add));
        }
    }
    for (id, resource) in &old {
        if !new.contains_key(id) {
            out.insert(id.clone(), empty(id, resource_type(resource), Action::Remove));
        }
    }

    // Direct changes: what the text of each common resource says.
    let mut direct: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, new_resource) in &new {
        let Some(old_resource) = old.get(id) else { continue };
        let (old_type, new_type) = (resource_type(old_resource), resource_type(new_resource));
        if old_type != new_type {
            let mut change = empty(id, new_type, Action::Replace);
            change.changed.push("Type".to_string());
            change.replaced_because.push(format!("Type ({old_type} → {})", resource_type(new_resource)));
            out.insert(id.clone(), change);
            continue;
        }
        let (old_props, new_props) = (properties(old_resource), properties(new_resource));
        let keys: BTreeSet<&String> = old_props.iter().chain(new_props.iter()).flat_map(|p| p.keys()).collect();
        let mut changed: BTreeSet<String> = keys
            .into_iter()
            .filter(|key| old_props.and_then(|p| p.get(*key)) != new_props.and_then(|p| p.get(*key)))
            .cloned()
            .collect();
        for attribute in ATTRIBUTES {
            if old_resource.get(attribute) != new_resource.get(attribute) {
                changed.insert((*attribute).to_string());
            }
        }
        direct.insert(id.clone(), changed);
    }

    // Propagate: a property that refers to a replaced resource or a changed
    // parameter changes too; one that reads an attribute of a modified
    // resource may change. Repeat until nothing more changes.
    loop {
        let mut progressed = false;
        for (id, new_resource) in &new {
            let Some(old_resource) = old.get(id) else { continue };
            if !direct.contains_key(id) {
                continue; // Its type changed: a replacement already.
            }
            let new_props = properties(new_resource);
            let old_props = properties(old_resource);
            let mut changed: BTreeSet<String> = direct.get(id).cloned().unwrap_or_default();
            let mut hard: BTreeSet<String> = changed.clone();
            let mut caused_by: BTreeSet<String> = BTreeSet::new();
            for (key, value) in new_props.into_iter().flatten() {
                let mut references = BTreeSet::new();
                collect_references(value, &mut references);
                for reference in references {
                    let (name, volatile) = match &reference {
                        Reference::Ref(name) => (name, false),
                        Reference::GetAtt(name, attribute) => (name, VOLATILE_ATTRIBUTES.contains(&attribute.as_str())),
                    };
                    let target = out.get(name).map(|c| c.action);
                    if changed_parameters.contains(name) && !new.contains_key(name) {
                        changed.insert(key.clone());
                        hard.insert(key.clone());
                        caused_by.insert(format!("{key} (parameter {name} changes)"));
                    } else if target == Some(Action::Replace) {
                        changed.insert(key.clone());
                        hard.insert(key.clone());
                        caused_by.insert(format!("{key} ({name} is replaced)"));
                    } else if volatile && target == Some(Action::Modify) {
                        changed.insert(key.clone());
                        caused_by.insert(format!("{key} (may change: {name} is modified)"));
                    }
                }
            }
            if changed.is_empty() {
                continue;
            }
            let ty = resource_type(new_resource);
            let entry = create_only::lookup(&ty);
            let mut replaced_because = BTreeSet::new();
            let mut may_replace_because = BTreeSet::new();
            let mut always = BTreeSet::new();
            for (pointers, into) in entry
                .map(|e| [(&e.create_only, &mut replaced_because), (&e.conditional, &mut may_replace_because)])
                .into_iter()
                .flatten()
            {
                for pointer in pointers {
                    let top = top_property(pointer);
                    if !hard.contains(top) {
                        continue;
                    }
                    let textual = values_at(old_props, pointer) != values_at(new_props, pointer);
                    let indirect = !direct.get(id).is_some_and(|d| d.contains(top));
                    if !(textual || indirect) {
                        continue;
                    }
                    match always_replaces(&ty, pointer, old_props, new_props) {
                        // Known to replace: not "may", but "will".
                        Some(why) => {
                            always.insert(why);
                        }
                        None => {
                            into.insert(pointer.trim_start_matches("/properties/").to_string());
                        }
                    }
                }
            }
            replaced_because.extend(always);
            if entry.is_none() && !hard.is_empty() {
                may_replace_because.insert(format!("unknown: no create-only data for {ty}"));
            }
            let action = if replaced_because.is_empty() { Action::Modify } else { Action::Replace };
            let change = ResourceDiff {
                logical_id: id.clone(),
                resource_type: ty,
                action,
                changed: changed.into_iter().collect(),
                replaced_because: replaced_because.into_iter().collect(),
                may_replace_because: may_replace_because.into_iter().collect(),
                caused_by: caused_by.into_iter().collect(),
            };
            if out.get(id) != Some(&change) {
                out.insert(id.clone(), change);
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vpc_stack(cidr: &str, tag: &str) -> Value {
        json!({
            "Parameters": { "Owner": { "Type": "String" } },
            "Resources": {
                "Vpc": { "Type": "AWS::EC2::VPC", "Properties": { "CidrBlock": cidr, "Tags": [{ "Key": "Name", "Value": tag }] } },
                "SubnetA": { "Type": "AWS::EC2::Subnet", "Properties": {
                    "VpcId": { "Ref": "Vpc" }, "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a" } },
                "Files": { "Type": "AWS::S3::Bucket", "Properties": {
                    "Tags": [{ "Key": "Owner", "Value": { "Ref": "Owner" } }] } },
                "Policy": { "Type": "AWS::S3::BucketPolicy", "Properties": {
                    "Bucket": { "Ref": "Files" }, "PolicyDocument": { "Statement": [] } } },
                "Log": { "Type": "AWS::Logs::LogGroup", "Properties": {
                    "LogGroupName": { "Fn::Sub": "/vpc/${Vpc}" } } }
            }
        })
    }

    fn by_id(changes: &[ResourceDiff]) -> BTreeMap<&str, &ResourceDiff> {
        changes.iter().map(|c| (c.logical_id.as_str(), c)).collect()
    }

    #[test]
    fn no_stack_means_every_resource_is_added() {
        let changes = diff(None, &vpc_stack("10.0.0.0/16", "a"), &BTreeSet::new());
        assert_eq!(changes.len(), 5);
        assert!(changes.iter().all(|c| c.action == Action::Add));
    }

    #[test]
    fn identical_templates_have_no_changes() {
        let t = vpc_stack("10.0.0.0/16", "a");
        assert!(diff(Some(&t), &t, &BTreeSet::new()).is_empty());
    }

    #[test]
    fn a_tag_is_a_modify() {
        let changes = diff(Some(&vpc_stack("10.0.0.0/16", "a")), &vpc_stack("10.0.0.0/16", "b"), &BTreeSet::new());
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].logical_id, "Vpc");
        assert_eq!(changes[0].action, Action::Modify);
        assert_eq!(changes[0].changed, vec!["Tags"]);
        assert!(changes[0].replaced_because.is_empty());
    }

    #[test]
    fn a_create_only_property_replaces_and_propagates() {
        let changes = diff(Some(&vpc_stack("10.0.0.0/16", "a")), &vpc_stack("10.1.0.0/16", "a"), &BTreeSet::new());
        let by = by_id(&changes);
        assert_eq!(by["Vpc"].action, Action::Replace);
        assert_eq!(by["Vpc"].replaced_because, vec!["CidrBlock"]);
        // The subnet's VpcId is create-only and refers to the replaced VPC.
        assert_eq!(by["SubnetA"].action, Action::Replace);
        assert_eq!(by["SubnetA"].replaced_because, vec!["VpcId"]);
        // A resource replaced for its own reasons still lists the others.
        let mut new = vpc_stack("10.1.0.0/16", "a");
        new["Resources"]["SubnetA"]["Properties"]["CidrBlock"] = json!("10.1.1.0/24");
        let changes = diff(Some(&vpc_stack("10.0.0.0/16", "a")), &new, &BTreeSet::new());
        assert_eq!(by_id(&changes)["SubnetA"].replaced_because, vec!["CidrBlock", "VpcId"]);
        assert_eq!(by["SubnetA"].caused_by, vec!["VpcId (Vpc is replaced)"]);
        // LogGroupName is create-only and substitutes the VPC's ID.
        assert_eq!(by["Log"].action, Action::Replace);
        assert!(!by.contains_key("Files"));
    }

    #[test]
    fn parameters_propagate() {
        let t = vpc_stack("10.0.0.0/16", "a");
        let changed = BTreeSet::from(["Owner".to_string()]);
        let changes = diff(Some(&t), &t, &changed);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].logical_id, "Files");
        assert_eq!(changes[0].action, Action::Modify);
        assert_eq!(changes[0].caused_by, vec!["Tags (parameter Owner changes)"]);
    }

    #[test]
    fn added_removed_and_retyped() {
        let old = vpc_stack("10.0.0.0/16", "a");
        let mut new = old.clone();
        let resources = new["Resources"].as_object_mut().expect("object");
        resources.remove("Policy");
        resources.insert("Extra".into(), json!({ "Type": "AWS::SNS::Topic" }));
        resources.insert("Log".into(), json!({ "Type": "AWS::SNS::Topic" }));
        let changes = diff(Some(&old), &new, &BTreeSet::new());
        let by = by_id(&changes);
        assert_eq!(by["Policy"].action, Action::Remove);
        assert_eq!(by["Policy"].resource_type, "AWS::S3::BucketPolicy");
        assert_eq!(by["Extra"].action, Action::Add);
        assert_eq!(by["Log"].action, Action::Replace);
        assert_eq!(by["Log"].replaced_because, vec!["Type (AWS::Logs::LogGroup → AWS::SNS::Topic)"]);
    }

    #[test]
    fn conditional_create_only_is_a_modify_that_may_replace() {
        let db = |multi_az: bool, name: &str| {
            json!({ "Resources": { "Db": { "Type": "AWS::RDS::DBInstance", "Properties": {
                "MultiAZ": multi_az, "DBName": name, "Engine": "mysql" } } } })
        };
        let changes = diff(Some(&db(false, "moodle")), &db(true, "moodle"), &BTreeSet::new());
        assert_eq!(changes[0].action, Action::Modify);
        assert_eq!(changes[0].may_replace_because, vec!["MultiAZ"]);
        let changes = diff(Some(&db(false, "moodle")), &db(false, "other"), &BTreeSet::new());
        assert_eq!(changes[0].action, Action::Replace);
        assert_eq!(changes[0].replaced_because, vec!["DBName"]);
    }

    #[test]
    fn an_engine_family_change_replaces_outright() {
        let db = |engine: &str, version: &str| {
            json!({ "Resources": { "Db": { "Type": "AWS::RDS::DBInstance", "Properties": {
                "Engine": engine, "EngineVersion": version, "DBName": "moodle" } } } })
        };
        let changes = diff(Some(&db("mysql", "8.0")), &db("postgres", "16"), &BTreeSet::new());
        assert_eq!(changes[0].action, Action::Replace);
        assert_eq!(changes[0].replaced_because, vec!["Engine (mysql → postgres: another engine family)"]);
        assert!(changes[0].may_replace_because.is_empty());
        // A version upgrade in the same family stays a modify.
        let changes = diff(Some(&db("mysql", "8.0")), &db("mysql", "8.4"), &BTreeSet::new());
        assert_eq!(changes[0].action, Action::Modify);
        // An edition change in one family may replace, depending on the service.
        let changes = diff(Some(&db("oracle-ee", "19")), &db("oracle-se2", "19"), &BTreeSet::new());
        assert_eq!(changes[0].action, Action::Modify);
        assert_eq!(changes[0].may_replace_because, vec!["Engine"]);
    }

    #[test]
    fn nested_pointers_and_attributes() {
        let endpoint = |pref: &str, policy: &str| {
            json!({ "Resources": { "E": { "Type": "AWS::EC2::VPCEndpoint", "DeletionPolicy": policy, "Properties": {
                "VpcId": "vpc-1", "DnsOptions": { "PrivateDnsPreference": pref, "DnsRecordIpType": "ipv4" } } } } })
        };
        let changes = diff(Some(&endpoint("ALL", "Delete")), &endpoint("NONE", "Delete"), &BTreeSet::new());
        assert_eq!(changes[0].action, Action::Replace);
        assert_eq!(changes[0].replaced_because, vec!["DnsOptions/PrivateDnsPreference"]);
        let changes = diff(Some(&endpoint("ALL", "Delete")), &endpoint("ALL", "Retain"), &BTreeSet::new());
        assert_eq!(changes[0].action, Action::Modify);
        assert_eq!(changes[0].changed, vec!["DeletionPolicy"]);
    }

    #[test]
    fn getatt_of_a_modified_resource_may_change_but_does_not_replace() {
        let t = |size: &str| {
            json!({ "Resources": {
                "Lt": { "Type": "AWS::EC2::LaunchTemplate", "Properties": { "LaunchTemplateData": { "InstanceType": size } } },
                "Asg": { "Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": { "MinSize": "1", "MaxSize": "2",
                    "LaunchTemplate": { "LaunchTemplateId": { "Ref": "Lt" },
                        "Version": { "Fn::GetAtt": ["Lt", "LatestVersionNumber"] } } } } } })
        };
        let changes = diff(Some(&t("m6i.large")), &t("m6i.xlarge"), &BTreeSet::new());
        let by = by_id(&changes);
        assert_eq!(by["Lt"].action, Action::Modify);
        assert_eq!(by["Asg"].action, Action::Modify);
        assert_eq!(by["Asg"].caused_by, vec!["LaunchTemplate (may change: Lt is modified)"]);
    }

    #[test]
    fn an_arn_of_a_modified_resource_does_not_change() {
        let t = |tag: &str| {
            json!({ "Resources": {
                "B": { "Type": "AWS::S3::Bucket", "Properties": { "Tags": [{ "Key": "T", "Value": tag }] } },
                "P": { "Type": "AWS::S3::BucketPolicy", "Properties": { "Bucket": { "Ref": "B" },
                    "PolicyDocument": { "Resource": { "Fn::Sub": "${B.Arn}/*" } } } } } })
        };
        let changes = diff(Some(&t("a")), &t("b"), &BTreeSet::new());
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].logical_id, "B");
    }

    #[test]
    fn unknown_types_are_flagged() {
        let t = |v: &str| json!({ "Resources": { "X": { "Type": "Custom::Thing", "Properties": { "A": v } } } });
        let changes = diff(Some(&t("1")), &t("2"), &BTreeSet::new());
        assert_eq!(changes[0].action, Action::Modify);
        assert_eq!(changes[0].may_replace_because, vec!["unknown: no create-only data for Custom::Thing"]);
    }

    #[test]
    fn sub_references() {
        let mut out = BTreeSet::new();
        collect_references(&json!({ "Fn::Sub": ["${A}-${B.Arn}-${!C}-${D}", { "D": { "Ref": "E" } }] }), &mut out);
        let names: Vec<_> = out.into_iter().collect();
        assert_eq!(
            names,
            vec![Reference::Ref("A".into()), Reference::Ref("E".into()), Reference::GetAtt("B".into(), "Arn".into())]
        );
    }
}
