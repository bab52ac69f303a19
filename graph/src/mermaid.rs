//! The Mermaid writer: a flowchart with subgraphs (region, VPC, one per
//! tier), one node per item in the category's colour, the flows as edges
//! labelled with their ports. For READMEs and wikis that render Mermaid.

use crate::scene::{FlowKind, Place, Scene, Target};
use mhac_compiler::diagnostics::Severity;
use std::fmt::Write;

/// The Mermaid flowchart of a scene.
pub fn mermaid(scene: &Scene) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "---\ntitle: {}\n---", text(&format!("{} ({})", scene.title, scene.subtitle)));
    out.push_str("flowchart TB\n");
    let in_place = |wanted: &dyn Fn(&Place) -> bool| -> Vec<usize> {
        (0..scene.items.len()).filter(|&i| wanted(&scene.items[i].place)).collect()
    };
    for index in in_place(&|p| matches!(p, Place::Internet | Place::Outside)) {
        node(&mut out, scene, index, "  ");
    }
    let region =
        if scene.region.is_empty() { "AWS Cloud".to_string() } else { format!("AWS Cloud · Region {}", scene.region) };
    let _ = writeln!(out, "  subgraph region[\"{}\"]", text(&region));
    out.push_str("    direction TB\n");
    for index in in_place(&|p| *p == Place::Edge) {
        node(&mut out, scene, index, "    ");
    }
    if let Some(vpc) = &scene.vpc {
        let mut label = format!("VPC {} · {}", vpc.name, vpc.cidr);
        label.push_str(&mark_suffix(scene, Target::Vpc));
        let _ = writeln!(out, "    subgraph vpc[\"{}\"]", text(&label));
        out.push_str("      direction TB\n");
        for index in in_place(&|p| matches!(p, Place::Gateway | Place::VpcSide)) {
            node(&mut out, scene, index, "      ");
        }
        for (tier, row) in scene.tiers.iter().enumerate() {
            let cidrs: Vec<&str> = row.cidrs.iter().flatten().map(String::as_str).collect();
            let mut label = format!("{} · {} · {}", row.name, row.kind.as_str(), cidrs.join(", "));
            label.push_str(&mark_suffix(scene, Target::Tier(tier)));
            let _ = writeln!(out, "      subgraph tier_{}[\"{}\"]", tier + 1, text(&label));
            out.push_str("        direction LR\n");
            let members = in_place(&|p| match p {
                Place::Lane { tier: t, .. } | Place::Cell { tier: t, .. } => *t == tier,
                _ => false,
            });
            if members.is_empty() {
                let _ = writeln!(out, "        tier_{}_empty[\"(no component)\"]", tier + 1);
            }
            for index in members {
                node(&mut out, scene, index, "        ");
            }
            out.push_str("      end\n");
        }
        out.push_str("    end\n");
    }
    for index in in_place(&|p| *p == Place::Regional) {
        node(&mut out, scene, index, "    ");
    }
    out.push_str("  end\n");
    for flow in &scene.flows {
        let (Some(from), Some(to)) = (scene.items.get(flow.from), scene.items.get(flow.to)) else { continue };
        let arrow = match flow.kind {
            FlowKind::Allowed => "-->",
            FlowKind::Link => "-.->",
        };
        if flow.label.is_empty() {
            let _ = writeln!(out, "  {} {arrow} {}", from.id, to.id);
        } else {
            let _ = writeln!(out, "  {} {arrow}|\"{}\"| {}", from.id, text(&flow.label), to.id);
        }
    }
    if scene.checked {
        let mut lines: Vec<String> = scene
            .marks
            .iter()
            .map(|mark| {
                let severity = if mark.severity == Severity::Error { "error" } else { "warning" };
                format!("{} {severity} line {}: {}", mark.code, mark.line, mark.message)
            })
            .collect();
        if lines.is_empty() {
            lines.push("no diagnostics".to_string());
        }
        let joined: Vec<String> = lines.iter().map(|line| text(line)).collect();
        let _ = writeln!(out, "  diagnostics[\"{}\"]", joined.join("<br/>"));
    }
    for category in crate::scene::Category::ALL {
        let color = category.color();
        let _ = writeln!(out, "  classDef {} fill:{color},stroke:{color},color:#FFFFFF", class_name(category));
    }
    out.push_str("  classDef error stroke:#D13212,stroke-width:4px\n");
    out.push_str("  classDef warning stroke:#B7791F,stroke-width:4px\n");
    for category in crate::scene::Category::ALL {
        let members: Vec<&str> =
            scene.items.iter().filter(|item| item.kind.category() == category).map(|item| item.id.as_str()).collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  class {} {}", members.join(","), class_name(category));
        }
    }
    for (severity, class) in [(Severity::Error, "error"), (Severity::Warning, "warning")] {
        let members: Vec<&str> = (0..scene.items.len())
            .filter(|&i| {
                let worst = scene.marks_on(Target::Item(i)).map(|m| m.severity).min();
                worst == Some(severity)
            })
            .map(|i| scene.items[i].id.as_str())
            .collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  class {} {class}", members.join(","));
        }
    }
    out
}

fn class_name(category: crate::scene::Category) -> &'static str {
    match category {
        crate::scene::Category::Compute => "compute",
        crate::scene::Category::Database => "database",
        crate::scene::Category::Storage => "storage",
        crate::scene::Category::Networking => "networking",
        crate::scene::Category::Security => "security",
        crate::scene::Category::Management => "management",
        crate::scene::Category::General => "general",
    }
}

fn node(out: &mut String, scene: &Scene, index: usize, indent: &str) {
    let Some(item) = scene.items.get(index) else { return };
    let mut parts = vec![format!("<b>{}</b>", text(&item.label))];
    if item.label != item.kind.service() {
        parts.push(text(item.kind.service()));
    }
    if !item.detail.is_empty() {
        parts.push(text(&item.detail));
    }
    for line in &item.lines {
        parts.push(text(line));
    }
    let zones: Vec<String> = item
        .nodes
        .iter()
        .map(|node| {
            let zone = scene.zones.get(node.zone).cloned().unwrap_or_default();
            if item.kind == crate::scene::Kind::Database { format!("{} {zone}", node.label) } else { zone }
        })
        .collect();
    if !zones.is_empty() {
        parts.push(text(&zones.join(" · ")));
    }
    let suffix = mark_suffix(scene, Target::Item(index));
    if !suffix.is_empty() {
        parts.push(text(suffix.trim()));
    }
    let _ = writeln!(out, "{indent}{}[\"{}\"]", item.id, parts.join("<br/>"));
}

fn mark_suffix(scene: &Scene, target: Target) -> String {
    let mut codes: Vec<&str> = Vec::new();
    for mark in scene.marks_on(target) {
        if !codes.contains(&mark.code) {
            codes.push(mark.code);
        }
    }
    if codes.is_empty() { String::new() } else { format!(" ⚠ {}", codes.join(" ")) }
}

/// Text inside a quoted Mermaid label: quotes and markup as entity codes.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
