//! The SVG writer: draws a [`Layout`] as one self-contained document (no
//! external font, image, stylesheet or script; the icons are simple shapes
//! drawn inline), in the AWS diagram conventions: category colours, labels
//! under icons, dashed availability zones, green public and teal private
//! subnets, security-group flows as dark arrows labelled with their ports,
//! other links dashed.
//!
//! The output is deterministic: integer coordinates, items in layout order,
//! no timestamps or generated ids.

use crate::layout::{Arrow, Frame, FrameKind, GROUP_LABEL_H, ICON, LINE_H, Layout, Placed, Role};
use crate::scene::{Category, FlowKind, Kind, Mark, Scene, Target};
use crate::text::{escape, fit, width};
use mhac_compiler::diagnostics::Severity;
use mhac_compiler::model::TierKind;
use std::fmt::Write;

/// Errors.
const ERROR: &str = "#D13212";
/// Warnings.
const WARNING: &str = "#B7791F";

/// The SVG document of a layout.
pub fn svg(layout: &Layout<'_>) -> String {
    let scene = layout.scene;
    let mut out = String::with_capacity(32 * 1024);
    let (w, h) = (layout.width, layout.height);
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="title desc">"#
    );
    let _ = writeln!(out, r#"<title id="title">{}</title>"#, escape(&format!("{} — deployment diagram", scene.title)));
    let _ = writeln!(
        out,
        r#"<desc id="desc">{}</desc>"#,
        escape(&format!(
            "{}: {} items, {} arrows. Drawn by mhac graph from the source.",
            scene.subtitle,
            scene.items.len(),
            layout.arrows.len()
        ))
    );
    out.push_str(STYLE);
    out.push_str(DEFS);
    let _ = writeln!(out, r#"<rect class="page" x="0" y="0" width="{w}" height="{h}"/>"#);
    title(&mut out, scene);
    for frame in &layout.frames {
        draw_frame(&mut out, scene, frame);
    }
    for placed in &layout.boxes {
        if placed.role == Role::Group {
            draw_group(&mut out, layout, placed);
        }
    }
    for arrow in &layout.arrows {
        draw_arrow(&mut out, arrow);
    }
    for placed in &layout.boxes {
        if placed.role != Role::Group {
            draw_box(&mut out, layout, placed);
        }
    }
    for arrow in &layout.arrows {
        draw_arrow_label(&mut out, arrow);
    }
    legend(&mut out, layout);
    out.push_str("</svg>\n");
    out
}

const STYLE: &str = r#"<style>
text { font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; fill: #232F3E; }
.page { fill: #FFFFFF; }
.title { font-size: 20px; font-weight: 700; }
.subtitle { font-size: 12px; fill: #545B64; }
.frame-label { font-size: 13px; font-weight: 700; }
.zone-label { font-size: 12px; font-weight: 700; fill: #00A4A6; }
.subnet-label { font-size: 11px; }
.subnet-name { font-weight: 700; }
.name { font-size: 12px; font-weight: 700; text-anchor: middle; }
.detail { font-size: 10.5px; fill: #545B64; text-anchor: middle; }
.line { font-size: 10.5px; fill: #232F3E; text-anchor: middle; }
.group-label { font-size: 11px; font-weight: 700; }
.arrow-label { font-size: 11px; fill: #232F3E; }
.legend { font-size: 11px; }
.legend-head { font-size: 12px; font-weight: 700; }
.badge { font-size: 10px; font-weight: 700; fill: #FFFFFF; }
.box { fill: #FFFFFF; stroke: #D5DBDB; stroke-width: 1; }
.flow { fill: none; stroke: #232F3E; stroke-width: 1.6; }
.link { fill: none; stroke: #687078; stroke-width: 1.3; stroke-dasharray: 5 4; }
.glyph { fill: none; stroke: #FFFFFF; stroke-width: 1.8; stroke-linecap: round; stroke-linejoin: round; }
</style>
"#;

const DEFS: &str = r##"<defs>
<marker id="arrow-flow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 Z" fill="#232F3E"/></marker>
<marker id="arrow-link" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 Z" fill="#687078"/></marker>
</defs>
"##;

fn title(out: &mut String, scene: &Scene) {
    let x = crate::layout::MARGIN;
    let y = crate::layout::MARGIN;
    let _ = writeln!(out, r#"<text class="title" x="{x}" y="{}">{}</text>"#, y + 20, escape(&scene.title));
    let _ = writeln!(out, r#"<text class="subtitle" x="{x}" y="{}">{}</text>"#, y + 40, escape(&scene.subtitle));
    let marks: Vec<&Mark> = scene.marks_on(Target::Deployment).collect();
    if !marks.is_empty() {
        let tx = x + width(&scene.title, 20, true) + 12;
        badges(out, tx, y + 5, &marks);
    }
}

/// Frame colours: stroke, fill, dashed.
fn frame_style(scene: &Scene, kind: FrameKind) -> (&'static str, &'static str, bool) {
    match kind {
        FrameKind::Region => ("#00A4A6", "none", true),
        FrameKind::Vpc => ("#8C4FFF", "none", false),
        FrameKind::Zone(_) => ("#00A4A6", "none", true),
        FrameKind::Subnet { tier, .. } => match scene.tiers.get(tier).map(|t| t.kind) {
            Some(TierKind::Public) => ("#7AA116", "#F2F6E8", false),
            Some(TierKind::Private) => ("#00A4A6", "#E6F6F7", false),
            _ => ("#7D8998", "#F2F3F3", false),
        },
    }
}

fn draw_frame(out: &mut String, scene: &Scene, frame: &Frame) {
    let (stroke, fill, dashed) = frame_style(scene, frame.kind);
    let r = frame.rect;
    let dash = if dashed { r#" stroke-dasharray="6 4""# } else { "" };
    let marks: Vec<&Mark> = match frame.kind {
        FrameKind::Vpc => scene.marks_on(Target::Vpc).collect(),
        FrameKind::Subnet { tier, .. } => scene.marks_on(Target::Tier(tier)).collect(),
        _ => Vec::new(),
    };
    let (stroke, stroke_width) = match worst(&marks) {
        Some(Severity::Error) => (ERROR, 2.5),
        Some(Severity::Warning) => (WARNING, 2.5),
        None => (stroke, if frame.kind == FrameKind::Vpc { 2.0 } else { 1.2 }),
    };
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_width}"{dash}/>"#,
        r.x, r.y, r.w, r.h
    );
    let label = escape(&frame.label);
    match frame.kind {
        FrameKind::Region | FrameKind::Vpc => {
            // The group icon in the top-left corner, as AWS diagrams draw it.
            let (icon_fill, glyph) = if frame.kind == FrameKind::Region {
                ("#00A4A6", "M8 20 H22 A5 5 0 0 0 21 10 A7 7 0 0 0 8 12 A4 4 0 0 0 8 20 Z")
            } else {
                ("#8C4FFF", "M9 14 H21 V22 H9 Z M12 14 V11 A3 3 0 0 1 18 11 V14")
            };
            let _ = writeln!(
                out,
                r#"<rect x="{}" y="{}" width="30" height="30" fill="{icon_fill}"/><path class="glyph" transform="translate({} {})" d="{glyph}"/>"#,
                r.x, r.y, r.x, r.y
            );
            let _ = writeln!(out, r#"<text class="frame-label" x="{}" y="{}">{label}</text>"#, r.x + 38, r.y + 20);
            if frame.kind == FrameKind::Vpc
                && let Some(vpc) = &scene.vpc
            {
                let tx = r.x + 38 + width(&frame.label, 13, true) + 12;
                let detail = fit(&vpc.detail, 11, false, (r.right() - tx - 8 - 200).max(0));
                let _ = writeln!(out, r#"<text class="subtitle" x="{tx}" y="{}">{}</text>"#, r.y + 20, escape(&detail));
            }
        }
        FrameKind::Zone(_) => {
            let _ = writeln!(out, r#"<text class="zone-label" x="{}" y="{}">{label}</text>"#, r.x + 8, r.y + 17);
        }
        FrameKind::Subnet { .. } => {
            // A padlock: subnets carry one in AWS diagrams.
            let _ = writeln!(
                out,
                r#"<rect x="{}" y="{}" width="18" height="18" fill="{stroke}"/><path class="glyph" transform="translate({} {})" d="M5 8 H13 V14 H5 Z M7 8 V6 A2 2 0 0 1 11 6 V8" stroke-width="1.4"/>"#,
                r.x, r.y, r.x, r.y
            );
            // The tier's name in bold, then its kind and CIDR block.
            let (name, rest) = frame.label.split_once(" · ").unwrap_or((&frame.label, ""));
            let rest = if rest.is_empty() { String::new() } else { format!(" · {rest}") };
            let _ = writeln!(
                out,
                r#"<text class="subnet-label" x="{}" y="{}"><tspan class="subnet-name">{}</tspan>{}</text>"#,
                r.x + 24,
                r.y + 14,
                escape(name),
                escape(&rest)
            );
        }
    }
    if !marks.is_empty() {
        badges(out, frame.label_rect.right() + 6, r.y + 3, &marks);
    }
}

fn draw_group(out: &mut String, layout: &Layout<'_>, placed: &Placed) {
    let scene = layout.scene;
    let Some(item) = scene.items.get(placed.item) else { return };
    let color = item.kind.category().color();
    let r = placed.rect;
    let marks: Vec<&Mark> = scene.marks_on(Target::Item(placed.item)).collect();
    let stroke = match worst(&marks) {
        Some(Severity::Error) => ERROR,
        Some(Severity::Warning) => WARNING,
        None => color,
    };
    let _ = writeln!(
        out,
        r#"<g id="{}"><rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="white" fill-opacity="0.55" stroke="{stroke}" stroke-width="1.6" stroke-dasharray="7 4"/>"#,
        escape(&item.id),
        r.x,
        r.y,
        r.w,
        r.h
    );
    let badge_w = badges_width(&marks);
    let label = format!("{} · {} · {}", item.label, item.kind.service(), item.detail);
    let label = fit(&label, 11, true, r.w - 20 - badge_w);
    let _ = writeln!(
        out,
        r#"<text class="group-label" x="{}" y="{}" fill="{color}" style="fill:{color}">{}</text></g>"#,
        r.x + 10,
        r.y + GROUP_LABEL_H / 2 + 5,
        escape(&label)
    );
    if !marks.is_empty() {
        badges(out, r.right() - badge_w - 4, r.y + 3, &marks);
    }
}

fn draw_box(out: &mut String, layout: &Layout<'_>, placed: &Placed) {
    let scene = layout.scene;
    let Some(item) = scene.items.get(placed.item) else { return };
    let r = placed.rect;
    let (label, detail, lines): (&str, &str, &[String]) = match placed.node.and_then(|n| item.nodes.get(n)) {
        Some(node) => (&node.label, &node.detail, &[]),
        None => (&item.label, &item.detail, &item.lines),
    };
    let marks: Vec<&Mark> =
        if placed.role == Role::Item { scene.marks_on(Target::Item(placed.item)).collect() } else { Vec::new() };
    let (stroke, stroke_width) = match worst(&marks) {
        Some(Severity::Error) => (ERROR, 2.5),
        Some(Severity::Warning) => (WARNING, 2.5),
        None => ("#D5DBDB", 1.0),
    };
    let id = match placed.node {
        Some(n) => format!("{}_{}", item.id, n + 1),
        None => item.id.clone(),
    };
    let _ = writeln!(
        out,
        r#"<g id="{}"><rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="white" stroke="{stroke}" stroke-width="{stroke_width}"/>"#,
        escape(&id),
        r.x,
        r.y,
        r.w,
        r.h
    );
    let center = r.x + r.w / 2;
    icon(out, item.kind, item.kind.category(), center - ICON / 2, r.y + 5);
    let max = r.w - 10;
    let mut y = r.y + ICON + 22;
    let _ = writeln!(out, r#"<text class="name" x="{center}" y="{y}">{}</text>"#, escape(&fit(label, 12, true, max)));
    if !detail.is_empty() {
        y += 14;
        let _ = writeln!(
            out,
            r#"<text class="detail" x="{center}" y="{y}">{}</text>"#,
            escape(&fit(detail, 11, false, max))
        );
    }
    for line in lines {
        y += LINE_H;
        let _ =
            writeln!(out, r#"<text class="line" x="{center}" y="{y}">{}</text>"#, escape(&fit(line, 11, false, max)));
    }
    out.push_str("</g>\n");
    if !marks.is_empty() {
        let badge_w = badges_width(&marks);
        badges(out, r.right() - badge_w - 3, r.y + 3, &marks);
    }
}

fn draw_arrow(out: &mut String, arrow: &Arrow) {
    if arrow.points.len() < 2 {
        return;
    }
    let mut d = String::new();
    for (k, p) in arrow.points.iter().enumerate() {
        let _ = write!(d, "{}{} {}", if k == 0 { "M" } else { " L" }, p.x, p.y);
    }
    let (class, marker) = match arrow.kind {
        FlowKind::Allowed => ("flow", "arrow-flow"),
        FlowKind::Link => ("link", "arrow-link"),
    };
    let _ = writeln!(out, r#"<path class="{class}" d="{d}" marker-end="url(#{marker})"/>"#);
}

fn draw_arrow_label(out: &mut String, arrow: &Arrow) {
    let Some(r) = arrow.label_rect else { return };
    if arrow.label.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="white" fill-opacity="0.9"/><text class="arrow-label" x="{}" y="{}">{}</text>"#,
        r.x,
        r.y,
        r.w,
        r.h,
        r.x + 4,
        r.y + r.h - 4,
        escape(&arrow.label)
    );
}

/// The worst severity among marks.
fn worst(marks: &[&Mark]) -> Option<Severity> {
    marks.iter().map(|mark| mark.severity).min()
}

/// The codes of marks, once each, in order.
fn codes(marks: &[&Mark]) -> Vec<(&'static str, Severity)> {
    let mut codes: Vec<(&'static str, Severity)> = Vec::new();
    for mark in marks {
        if !codes.iter().any(|(code, _)| *code == mark.code) {
            codes.push((mark.code, mark.severity));
        }
    }
    codes
}

fn badge_width(code: &str) -> i32 {
    width(code, 10, true) + 8
}

fn badges_width(marks: &[&Mark]) -> i32 {
    codes(marks).iter().map(|(code, _)| badge_width(code) + 3).sum()
}

/// Code badges (red errors, amber warnings) from `x` rightwards.
fn badges(out: &mut String, x: i32, y: i32, marks: &[&Mark]) {
    let mut x = x;
    for (code, severity) in codes(marks) {
        let w = badge_width(code);
        let color = if severity == Severity::Error { ERROR } else { WARNING };
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="{y}" width="{w}" height="15" rx="7" fill="{color}"/><text class="badge" x="{}" y="{}">{code}</text>"#,
            x + 4,
            y + 11
        );
        x += w + 3;
    }
}

/// An icon: a rounded square in the category's colour with a white glyph.
fn icon(out: &mut String, kind: Kind, category: Category, x: i32, y: i32) {
    let color = category.color();
    let _ = writeln!(
        out,
        r#"<rect x="{x}" y="{y}" width="{ICON}" height="{ICON}" rx="4" fill="{color}"/><path class="glyph" transform="translate({x} {y})" d="{}"/>"#,
        glyph(kind)
    );
}

/// The white glyph of a kind, in a 36×36 square.
fn glyph(kind: Kind) -> &'static str {
    match kind {
        Kind::Internet => {
            "M8 18 A10 10 0 1 0 28 18 A10 10 0 1 0 8 18 Z M18 8 C12 13 12 23 18 28 C24 23 24 13 18 8 Z M8 18 H28 M10 13 H26 M10 23 H26"
        }
        Kind::Shield => "M18 7 L27 10 V17 C27 23 23 27 18 30 C13 27 9 23 9 17 V10 Z M14 18 L17 21 L23 14",
        Kind::Waf => {
            "M8 10 H28 V26 H8 Z M8 15.3 H28 M8 20.6 H28 M14 10 V15.3 M22 10 V15.3 M18 15.3 V20.6 M14 20.6 V26 M22 20.6 V26"
        }
        Kind::InternetGateway => "M9 27 V15 L18 9 L27 15 V27 Z M15 27 V20 H21 V27",
        Kind::NatGateway => {
            "M8 18 A10 10 0 1 0 28 18 A10 10 0 1 0 8 18 Z M12 15 H24 M21 12 L24 15 L21 18 M24 21 H12 M15 18 L12 21 L15 24"
        }
        Kind::LoadBalancer => {
            "M9 18 A3 3 0 1 0 15 18 A3 3 0 1 0 9 18 Z M15 18 L22 11 M15 18 H22 M15 18 L22 25 M22 11 A2.5 2.5 0 1 0 27 11 A2.5 2.5 0 1 0 22 11 Z M22 18 A2.5 2.5 0 1 0 27 18 A2.5 2.5 0 1 0 22 18 Z M22 25 A2.5 2.5 0 1 0 27 25 A2.5 2.5 0 1 0 22 25 Z"
        }
        Kind::AppServers => {
            "M11 11 H25 V25 H11 Z M15 15 H21 V21 H15 Z M14 8 V11 M18 8 V11 M22 8 V11 M14 25 V28 M18 25 V28 M22 25 V28 M8 14 H11 M8 18 H11 M8 22 H11 M25 14 H28 M25 18 H28 M25 22 H28"
        }
        Kind::Database => {
            "M10 11 A8 3 0 1 0 26 11 A8 3 0 1 0 10 11 Z M10 11 V25 A8 3 0 0 0 26 25 V11 M10 18 A8 3 0 0 0 26 18"
        }
        Kind::FileSystem => "M11 8 H21 L26 13 V28 H11 Z M21 8 V13 H26 M14 18 H23 M14 22 H23",
        Kind::Cache => "M9 13 L18 9 L27 13 L18 17 Z M9 18 L18 22 L27 18 M9 23 L18 27 L27 23",
        Kind::VpnGateway => "M11 17 H25 V28 H11 Z M14 17 V13 A4 4 0 0 1 22 13 V17 M18 21 V24",
        Kind::CustomerGateway => {
            "M10 9 H26 V27 H10 Z M14 13 H16 M20 13 H22 M14 17 H16 M20 17 H22 M14 21 H16 M20 21 H22 M16 27 V24 H20 V27"
        }
        Kind::Network => {
            "M10 12 A3 3 0 1 0 16 12 A3 3 0 1 0 10 12 Z M20 12 A3 3 0 1 0 26 12 A3 3 0 1 0 20 12 Z M15 24 A3 3 0 1 0 21 24 A3 3 0 1 0 15 24 Z M16 12 H20 M14 15 L17 21 M22 15 L19 21"
        }
        Kind::Bucket => "M9 11 L12 26 C13 29 23 29 24 26 L27 11 M9 11 A9 3 0 1 0 27 11 A9 3 0 1 0 9 11 Z",
        Kind::Alarms => "M9 8 V27 H28 M11 23 L16 17 L20 20 L26 11",
        Kind::Topic => "M9 18 A3 3 0 1 0 15 18 A3 3 0 1 0 9 18 Z M18 12 A8 8 0 0 1 18 24 M22 9 A12 12 0 0 1 22 27",
        Kind::SystemsManager => "M8 10 H28 V26 H8 Z M12 15 L15 18 L12 21 M17 21 H23",
    }
}

fn legend(out: &mut String, layout: &Layout<'_>) {
    let scene = layout.scene;
    let r = layout.legend;
    let mut x = r.x;
    let y = r.y + 14;
    for category in Category::ALL {
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="{}" width="12" height="12" rx="2" fill="{}"/><text class="legend" x="{}" y="{}">{}</text>"#,
            y - 10,
            category.color(),
            x + 16,
            y,
            category.name()
        );
        x += 16 + width(category.name(), 11, false) + 16;
    }
    let _ = writeln!(
        out,
        r#"<path class="flow" d="M{x} {} H{}" marker-end="url(#arrow-flow)"/><text class="legend" x="{}" y="{y}">allowed flow (ports)</text>"#,
        y - 4,
        x + 30,
        x + 36
    );
    x += 36 + width("allowed flow (ports)", 11, false) + 16;
    let _ = writeln!(
        out,
        r#"<path class="link" d="M{x} {} H{}" marker-end="url(#arrow-link)"/><text class="legend" x="{}" y="{y}">link</text>"#,
        y - 4,
        x + 30,
        x + 36
    );
    if !scene.checked {
        return;
    }
    let mut y = r.y + 28 + 16;
    let errors = scene.marks.iter().filter(|m| m.severity == Severity::Error).count();
    let warnings = scene.marks.len() - errors;
    let _ = writeln!(
        out,
        r#"<text class="legend-head" x="{}" y="{y}">Diagnostics: {errors} error{}, {warnings} warning{}</text>"#,
        r.x,
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" }
    );
    if scene.marks.is_empty() {
        y += 18;
        let _ = writeln!(out, r#"<text class="legend" x="{}" y="{y}">mhac check finds nothing to report.</text>"#, r.x);
    }
    for mark in &scene.marks {
        y += 18;
        let color = if mark.severity == Severity::Error { ERROR } else { WARNING };
        let w = badge_width(mark.code);
        let shown = if mark.targets.is_empty() { " (not on the picture)" } else { "" };
        let message = format!("line {}: {}{shown}", mark.line, mark.message);
        let message = fit(&message, 11, false, (r.w - w - 12).max(100));
        let _ = writeln!(
            out,
            r#"<rect x="{}" y="{}" width="{w}" height="15" rx="7" fill="{color}"/><text class="badge" x="{}" y="{}">{}</text><text class="legend" x="{}" y="{y}">{}</text>"#,
            r.x,
            y - 11,
            r.x + 4,
            y,
            mark.code,
            r.x + w + 8,
            escape(&message)
        );
    }
}
