//! The Graphviz DOT writer: the scene as nested clusters (region, VPC, one
//! cluster per tier), one node per item, the flows as edges labelled with
//! their ports. `dot` lays it out; zones are named in the node labels
//! rather than drawn as columns, which DOT cannot express.

use crate::scene::{FlowKind, Item, Place, Scene, Target};
use mhac_compiler::diagnostics::Severity;
use mhac_compiler::model::TierKind;
use std::fmt::Write;

/// The DOT document of a scene.
pub fn dot(scene: &Scene) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(&scene.title));
    let _ = writeln!(
        out,
        "  graph [rankdir=TB, compound=true, newrank=true, fontname=\"Helvetica\", fontsize=14, labelloc=t, label={}];",
        quote(&format!("{}\n{}", scene.title, scene.subtitle))
    );
    out.push_str("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#FFFFFF\", fontname=\"Helvetica\", fontsize=11, penwidth=2];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10, color=\"#232F3E\"];\n");
    let in_place = |wanted: &dyn Fn(&Place) -> bool| -> Vec<usize> {
        (0..scene.items.len()).filter(|&i| wanted(&scene.items[i].place)).collect()
    };
    for index in in_place(&|p| matches!(p, Place::Internet | Place::Outside)) {
        node(&mut out, scene, index, "  ");
    }
    let _ = writeln!(out, "  subgraph cluster_region {{");
    let region =
        if scene.region.is_empty() { "AWS Cloud".to_string() } else { format!("AWS Cloud · Region {}", scene.region) };
    let _ = writeln!(out, "    label={}; style=dashed; color=\"#00A4A6\";", quote(&region));
    for index in in_place(&|p| *p == Place::Edge) {
        node(&mut out, scene, index, "    ");
    }
    if let Some(vpc) = &scene.vpc {
        let _ = writeln!(out, "    subgraph cluster_vpc {{");
        let mut label = format!("VPC {} · {}\n{}", vpc.name, vpc.cidr, vpc.detail);
        label.push_str(&mark_suffix(scene, Target::Vpc));
        let _ = writeln!(out, "      label={}; style=solid; color=\"#8C4FFF\";", quote(&label));
        for index in in_place(&|p| matches!(p, Place::Gateway | Place::VpcSide)) {
            node(&mut out, scene, index, "      ");
        }
        for (tier, row) in scene.tiers.iter().enumerate() {
            let (color, fill) = match row.kind {
                TierKind::Public => ("#7AA116", "#F2F6E8"),
                TierKind::Private => ("#00A4A6", "#E6F6F7"),
                TierKind::Isolated => ("#7D8998", "#F2F3F3"),
            };
            let cidrs: Vec<&str> = row.cidrs.iter().flatten().map(String::as_str).collect();
            let mut label = format!("{} ({} subnets)\n{}", row.name, row.kind.as_str(), cidrs.join(" · "));
            label.push_str(&mark_suffix(scene, Target::Tier(tier)));
            let _ = writeln!(out, "      subgraph cluster_tier_{} {{", tier + 1);
            let _ = writeln!(
                out,
                "        label={}; style=filled; color=\"{color}\"; fillcolor=\"{fill}\";",
                quote(&label)
            );
            let members = in_place(&|p| match p {
                Place::Lane { tier: t, .. } | Place::Cell { tier: t, .. } => *t == tier,
                _ => false,
            });
            if members.is_empty() {
                // An empty cluster is not drawn; keep the tier visible.
                let _ = writeln!(
                    out,
                    "        \"tier_{}\" [label=\"(no component)\", shape=plaintext, style=\"\"];",
                    tier + 1
                );
            }
            for index in members {
                node(&mut out, scene, index, "        ");
            }
            out.push_str("      }\n");
        }
        out.push_str("    }\n");
    }
    for index in in_place(&|p| *p == Place::Regional) {
        node(&mut out, scene, index, "    ");
    }
    out.push_str("  }\n");
    for flow in &scene.flows {
        let (Some(from), Some(to)) = (scene.items.get(flow.from), scene.items.get(flow.to)) else { continue };
        let style = match flow.kind {
            FlowKind::Allowed => String::new(),
            FlowKind::Link => ", style=dashed, color=\"#687078\"".to_string(),
        };
        let _ = writeln!(out, "  {} -> {} [label={}{style}];", quote(&from.id), quote(&to.id), quote(&flow.label));
    }
    if scene.checked {
        let mut legend = String::new();
        for mark in &scene.marks {
            let severity = if mark.severity == Severity::Error { "error" } else { "warning" };
            let _ = writeln!(legend, "{} {severity} line {}: {}", mark.code, mark.line, mark.message);
        }
        if legend.is_empty() {
            legend.push_str("no diagnostics\n");
        }
        let _ = writeln!(out, "  \"diagnostics\" [shape=note, style=\"\", label={}];", quote(&legend));
    }
    out.push_str("}\n");
    out
}

fn node(out: &mut String, scene: &Scene, index: usize, indent: &str) {
    let Some(item) = scene.items.get(index) else { return };
    // The service under the name, unless the name is the service.
    let mut label = if item.label == item.kind.service() {
        item.label.clone()
    } else {
        format!("{}\n{}", item.label, item.kind.service())
    };
    if !item.detail.is_empty() {
        label.push('\n');
        label.push_str(&item.detail);
    }
    for line in &item.lines {
        label.push('\n');
        label.push_str(line);
    }
    let zones = zones_of(scene, item);
    if !zones.is_empty() {
        label.push('\n');
        label.push_str(&zones);
    }
    label.push_str(&mark_suffix(scene, Target::Item(index)));
    let marks: Vec<Severity> = scene.marks_on(Target::Item(index)).map(|m| m.severity).collect();
    let color = if marks.contains(&Severity::Error) {
        "#D13212"
    } else if marks.contains(&Severity::Warning) {
        "#B7791F"
    } else {
        item.kind.category().color()
    };
    let _ = writeln!(out, "{indent}{} [label={}, color=\"{color}\"];", quote(&item.id), quote(&label));
}

/// The zones an item occupies, with its nodes' roles (`primary us-east-1a`).
fn zones_of(scene: &Scene, item: &Item) -> String {
    let zone = |z: usize| scene.zones.get(z).cloned().unwrap_or_default();
    if !item.nodes.is_empty() {
        let parts: Vec<String> = item
            .nodes
            .iter()
            .map(|node| {
                if item.kind == crate::scene::Kind::Database {
                    format!("{} {}", node.label, zone(node.zone))
                } else {
                    zone(node.zone)
                }
            })
            .collect();
        return parts.join(" · ");
    }
    match &item.place {
        Place::Lane { zones, .. } => zones.iter().map(|&z| zone(z)).collect::<Vec<_>>().join(" · "),
        _ => String::new(),
    }
}

/// ` ⚠ MHA503` lines for the marks on a target.
fn mark_suffix(scene: &Scene, target: Target) -> String {
    let mut suffix = String::new();
    for mark in scene.marks_on(target) {
        let symbol = if mark.severity == Severity::Error { "✖" } else { "⚠" };
        if !suffix.contains(mark.code) {
            let _ = write!(suffix, "\n{symbol} {}", mark.code);
        }
    }
    suffix
}

/// A DOT string: quoted, with quotes and backslashes escaped and line
/// breaks as `\n`.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_escape() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }
}
