//! The layout as geometry: for every example and for generated sources with
//! three zones and many components, no two boxes overlap (unless one holds
//! the other), every box of a component lies in its zone columns and its
//! tier row, every arrow is orthogonal, starts on the box it comes from,
//! ends on the box it goes to and crosses no other box, every arrow's label
//! lies on the canvas, and every item and flow of the scene is drawn. The
//! SVG of each is well-formed XML.

use mhac_graph::layout::{Layout, Point, Rect, Role};
use mhac_graph::scene::{Place, Scene};
use mhac_graph::{Format, Options};
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, RngSeed};
use std::path::PathBuf;

fn examples() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "mha"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

/// Whether box `a` is `b` or one of its ancestors.
fn holds(layout: &Layout<'_>, a: usize, b: usize) -> bool {
    let mut current = Some(b);
    while let Some(index) = current {
        if index == a {
            return true;
        }
        current = layout.boxes[index].parent;
    }
    false
}

/// Every geometric invariant of a layout; returns the first violation.
fn check(layout: &Layout<'_>) -> Result<(), String> {
    let scene = layout.scene;
    let canvas = Rect::new(0, 0, layout.width, layout.height);
    let describe = |index: usize| {
        let placed = &layout.boxes[index];
        format!("{} ({:?} {:?})", scene.items[placed.item].id, placed.role, placed.rect)
    };
    for (index, placed) in layout.boxes.iter().enumerate() {
        if !canvas.contains(placed.rect) || placed.rect.w <= 0 || placed.rect.h <= 0 {
            return Err(format!("{} is not on the canvas", describe(index)));
        }
        if let Some(parent) = placed.parent
            && !layout.boxes[parent].rect.contains(placed.rect)
        {
            return Err(format!("{} is outside its frame {}", describe(index), describe(parent)));
        }
        match (placed.tier, placed.zones) {
            (Some(tier), Some(zones)) => {
                let area = layout.area(tier, zones).ok_or_else(|| format!("{}: no such area", describe(index)))?;
                if !area.contains(placed.rect) {
                    return Err(format!("{} is outside its zones and tier {area:?}", describe(index)));
                }
                if zones.0 == zones.1 {
                    let cell = layout.cell(tier, zones.0).ok_or("no cell")?;
                    if !cell.contains(placed.rect) {
                        return Err(format!("{} is outside its subnet {cell:?}", describe(index)));
                    }
                }
            }
            (None, None) => {
                if matches!(scene.items[placed.item].place, Place::Lane { .. } | Place::Cell { .. }) {
                    return Err(format!("{} belongs in a tier but has none", describe(index)));
                }
            }
            _ => return Err(format!("{} has a tier or zones but not both", describe(index))),
        }
    }
    for a in 0..layout.boxes.len() {
        for b in a + 1..layout.boxes.len() {
            if holds(layout, a, b) || holds(layout, b, a) {
                continue;
            }
            if layout.boxes[a].rect.overlaps(layout.boxes[b].rect) {
                return Err(format!("{} overlaps {}", describe(a), describe(b)));
            }
        }
    }
    for (item_index, item) in scene.items.iter().enumerate() {
        if layout.box_of(item_index).is_none() {
            return Err(format!("{} is not drawn", item.id));
        }
        let nodes = layout.boxes.iter().filter(|b| b.item == item_index && b.role == Role::Node).count();
        if !matches!(item.place, Place::Regional) && nodes != item.nodes.len() {
            return Err(format!("{}: {} nodes drawn of {}", item.id, nodes, item.nodes.len()));
        }
    }
    for flow in &scene.flows {
        let (from, to) = (layout.box_of(flow.from), layout.box_of(flow.to));
        if !layout.arrows.iter().any(|arrow| Some(arrow.from) == from && Some(arrow.to) == to) {
            return Err(format!("no arrow for the flow {} → {}", scene.items[flow.from].id, scene.items[flow.to].id));
        }
    }
    for arrow in &layout.arrows {
        let name = format!("arrow {} → {}", describe(arrow.from), describe(arrow.to));
        let (Some(first), Some(last)) = (arrow.points.first(), arrow.points.last()) else {
            return Err(format!("{name} has no points"));
        };
        if arrow.points.len() < 2 {
            return Err(format!("{name} has one point"));
        }
        if !layout.boxes[arrow.from].rect.on_border(*first) {
            return Err(format!("{name} starts at {first:?}, not on its box"));
        }
        if !layout.boxes[arrow.to].rect.on_border(*last) {
            return Err(format!("{name} ends at {last:?}, not on its box"));
        }
        for pair in arrow.points.windows(2) {
            let (a, b): (Point, Point) = (pair[0], pair[1]);
            if a.x != b.x && a.y != b.y {
                return Err(format!("{name} has a diagonal segment {a:?} → {b:?}"));
            }
            for (index, placed) in layout.boxes.iter().enumerate() {
                let related = holds(layout, index, arrow.from) || holds(layout, index, arrow.to);
                if !related && placed.rect.crossed_by(a, b) {
                    return Err(format!("{name} crosses {}", describe(index)));
                }
            }
        }
        if let Some(label) = arrow.label_rect
            && !canvas.contains(label)
        {
            return Err(format!("{name}: its label is off the canvas"));
        }
    }
    Ok(())
}

/// The SVG parses as XML, has the layout's size and refers to nothing
/// outside itself.
fn check_svg(svg: &str) -> Result<(), String> {
    let document = roxmltree::Document::parse(svg).map_err(|error| format!("not well-formed: {error}"))?;
    let root = document.root_element();
    if root.tag_name().name() != "svg" {
        return Err("the root is not <svg>".to_string());
    }
    for node in document.descendants().filter(|n| n.is_element()) {
        let name = node.tag_name().name();
        if matches!(name, "script" | "image" | "foreignObject" | "iframe") {
            return Err(format!("<{name}> is not self-contained"));
        }
        for attribute in node.attributes() {
            let value = attribute.value();
            if (attribute.name() == "href" && !value.starts_with('#'))
                || value.contains("http://") && attribute.name() != "xmlns"
            {
                return Err(format!("<{name} {}=\"{value}\"> refers outside the document", attribute.name()));
            }
        }
    }
    if svg.contains("@import") || svg.contains("url(http") {
        return Err("the style refers outside the document".to_string());
    }
    Ok(())
}

#[test]
fn the_examples_lay_out_cleanly() {
    for path in examples() {
        let text = std::fs::read_to_string(&path).expect("example");
        let compilation = mhac_compiler::compile(&text);
        for options in [Options::default(), Options { check: true }] {
            let scene = Scene::new(&compilation, &text, options);
            let layout = Layout::new(&scene);
            if let Err(problem) = check(&layout) {
                panic!("{}: {problem}", path.display());
            }
            let svg = mhac_graph::render(&compilation, &text, Format::Svg, options);
            if let Err(problem) = check_svg(&svg) {
                panic!("{}: {problem}", path.display());
            }
        }
    }
}

#[test]
fn the_examples_draw_the_seed_architecture() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/moodle.mha");
    let text = std::fs::read_to_string(path).expect("example");
    let compilation = mhac_compiler::compile(&text);
    let scene = Scene::new(&compilation, &text, Options::default());
    let ids: Vec<&str> = scene.items.iter().map(|item| item.id.as_str()).collect();
    for id in [
        "internet",
        "igw",
        "waf_front",
        "shield_front",
        "lb_front",
        "app_moodle",
        "db_moodle_db",
        "fs_dataroot",
        "cache_sessions",
        "nat_1",
        "nat_2",
        "cgw_corporate",
        "vgw_corporate",
        "s3_moodledata",
        "cloudwatch",
        "sns",
    ] {
        assert!(ids.contains(&id), "{id} is missing from {ids:?}");
    }
    let flow = |from: &str, to: &str| {
        scene
            .flows
            .iter()
            .find(|f| scene.items[f.from].id == from && scene.items[f.to].id == to)
            .map(|f| f.label.clone())
    };
    assert_eq!(flow("igw", "lb_front").as_deref(), Some("https 443, http 80"));
    assert_eq!(flow("lb_front", "app_moodle").as_deref(), Some("http 80"));
    assert_eq!(flow("app_moodle", "db_moodle_db").as_deref(), Some("mysql 3306"));
    assert_eq!(flow("app_moodle", "fs_dataroot").as_deref(), Some("nfs 2049"));
    assert_eq!(flow("app_moodle", "cache_sessions").as_deref(), Some("redis 6379"));
    // The database: primary in the first zone, the standby in the second.
    let db = scene.items.iter().find(|item| item.id == "db_moodle_db").expect("database");
    let nodes: Vec<(usize, &str)> = db.nodes.iter().map(|node| (node.zone, node.label.as_str())).collect();
    assert_eq!(nodes, [(0, "primary"), (1, "standby")]);
    // The layout puts the zones left to right and the tiers top to bottom.
    let layout = Layout::new(&scene);
    assert!(layout.columns[0].x < layout.columns[1].x);
    assert!(layout.rows.windows(2).all(|pair| pair[0].bottom() <= pair[1].y));
}

#[test]
fn the_same_source_gives_the_same_bytes() {
    for path in examples() {
        let text = std::fs::read_to_string(&path).expect("example");
        let first = mhac_graph::render(&mhac_compiler::compile(&text), &text, Format::Svg, Options { check: true });
        let second = mhac_graph::render(&mhac_compiler::compile(&text), &text, Format::Svg, Options { check: true });
        assert!(first == second, "{}", path.display());
    }
}

#[test]
fn check_marks_the_components_with_diagnostics() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/seed.mha");
    let text = std::fs::read_to_string(path).expect("example");
    let compilation = mhac_compiler::compile(&text);
    let scene = Scene::new(&compilation, &text, Options { check: true });
    let app = scene.items.iter().position(|item| item.id == "app_moodle").expect("app servers");
    let codes: Vec<&str> = scene.marks_on(mhac_graph::scene::Target::Item(app)).map(|m| m.code).collect();
    assert!(codes.contains(&"MHA503"), "{codes:?}");
    let svg = mhac_graph::render(&compilation, &text, Format::Svg, Options { check: true });
    assert!(svg.contains(">MHA503</text>"));
    let plain = mhac_graph::render(&compilation, &text, Format::Svg, Options::default());
    assert!(!plain.contains("MHA503"));
}

#[test]
fn a_source_with_errors_is_still_drawn() {
    let text = "deployment \"x\" { region = \"us-east-1\", zones = [\"us-east-1a\", \"us-east-1b\"] }\n\
                network main { cidr = 10.0.0.0/16\n tier public { kind = public, cidrs = [10.0.0.0/24, 10.0.1.0/24] } }\n\
                security_group web { allow http from nowhere }\n\
                app_servers moodle { subnets = main.missing, security_group = web }\n\
                load_balancer front { subnets = main.public, security_group = ghost }\n";
    let compilation = mhac_compiler::compile(text);
    assert!(compilation.has_errors());
    for format in [Format::Svg, Format::Dot, Format::Mermaid] {
        let out = mhac_graph::render(&compilation, text, format, Options { check: true });
        assert!(out.contains("moodle"), "{format:?}");
    }
    let scene = Scene::new(&compilation, text, Options { check: true });
    check(&Layout::new(&scene)).expect("geometry");
    for broken in ["", "}}}", "network", "deployment \"x\" { zones = [] }"] {
        let compilation = mhac_compiler::compile(broken);
        let scene = Scene::new(&compilation, broken, Options { check: true });
        check(&Layout::new(&scene)).expect("geometry");
        check_svg(&mhac_graph::render(&compilation, broken, Format::Svg, Options { check: true })).expect("svg");
    }
}

/// A generated deployment over three zones.
#[derive(Clone, Debug)]
struct Generated {
    /// Tier kinds (0 public, 1 private, 2 isolated); the first is public.
    tiers: Vec<u8>,
    load_balancers: usize,
    /// Per app server group, its tier.
    apps: Vec<usize>,
    /// Per database, (tier, multi_az).
    databases: Vec<(usize, bool)>,
    file_systems: Vec<usize>,
    caches: Vec<usize>,
    buckets: usize,
    vpns: usize,
    nat: u8,
    /// Extra rules: (target group, source index) over every group, the
    /// internet, a CIDR block and the VPNs.
    rules: Vec<(usize, usize)>,
    alarms: bool,
}

fn source(g: &Generated) -> String {
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    let mut out = String::new();
    out.push_str("deployment \"generated\" {\n  region = \"us-east-1\"\n  zones = [\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]\n  moodle = \"4.5\"\n  profile = dev\n}\n");
    out.push_str("param certificate_arn : string\n");
    let nat = ["none", "single", "per_zone"][usize::from(g.nat % 3)];
    out.push_str(&format!("network main {{\n  cidr = 10.0.0.0/16\n  nat = {nat}\n"));
    let tier_kinds = ["public", "private", "isolated"];
    for (t, kind) in g.tiers.iter().enumerate() {
        let cidrs: Vec<String> = (0..zones.len()).map(|z| format!("10.0.{}.0/24", t * 10 + z)).collect();
        out.push_str(&format!(
            "  tier t{t} {{ kind = {}, cidrs = [{}] }}\n",
            tier_kinds[usize::from(*kind % 3)],
            cidrs.join(", ")
        ));
    }
    out.push_str("}\n");
    let tier = |t: usize| format!("main.t{}", t % g.tiers.len());
    let mut groups: Vec<String> = Vec::new();
    for v in 0..g.vpns {
        out.push_str(&format!(
            "vpn v{v} {{ network = main, customer_gateway = 203.0.113.{}, routes = [192.168.{v}.0/24], reach = [t0] }}\n",
            v + 1
        ));
    }
    let mut components = String::new();
    for l in 0..g.load_balancers {
        groups.push(format!("glb{l}"));
        components.push_str(&format!(
            "load_balancer lb{l} {{ subnets = main.t0, security_group = glb{l}, https {{ certificate = param.certificate_arn }}, waf {{ managed = [common] }} }}\n"
        ));
    }
    for (a, t) in g.apps.iter().enumerate() {
        groups.push(format!("gapp{a}"));
        let behind = if g.load_balancers > 0 {
            format!(" behind lb{} {{ health_check = \"/\" }}", a % g.load_balancers)
        } else {
            String::new()
        };
        components.push_str(&format!(
            "app_servers app{a} {{ subnets = {}, security_group = gapp{a}, instance_type = \"t3.large\", image = ssm(\"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64\"), scaling {{ min = 1, max = 3 }}{behind} }}\n",
            tier(*t)
        ));
    }
    for (d, (t, multi_az)) in g.databases.iter().enumerate() {
        groups.push(format!("gdb{d}"));
        components.push_str(&format!(
            "database db{d} {{ engine = mysql(\"8.0\"), class = \"db.t4g.medium\", subnets = {}, security_group = gdb{d}, multi_az = {multi_az} }}\n",
            tier(*t)
        ));
    }
    for (f, t) in g.file_systems.iter().enumerate() {
        groups.push(format!("gfs{f}"));
        components.push_str(&format!("file_system fs{f} {{ subnets = {}, security_group = gfs{f} }}\n", tier(*t)));
    }
    for (c, t) in g.caches.iter().enumerate() {
        groups.push(format!("gkv{c}"));
        components
            .push_str(&format!("cache kv{c} {{ engine = redis, subnets = {}, security_group = gkv{c} }}\n", tier(*t)));
    }
    for b in 0..g.buckets {
        components.push_str(&format!("object_storage bucket{b} {{ versioning = true }}\n"));
    }
    // Each group lets the previous group in, plus the generated rules.
    let mut rules: Vec<Vec<String>> = vec![Vec::new(); groups.len()];
    for (index, list) in rules.iter_mut().enumerate() {
        if index == 0 {
            list.push("https from internet".to_string());
        } else {
            list.push(format!("https from {}", groups[index - 1]));
        }
    }
    let sources = groups.len() + 2 + g.vpns;
    for &(target, source) in &g.rules {
        if groups.is_empty() {
            break;
        }
        let target = target % groups.len();
        let source = source % sources;
        let from = if source < groups.len() {
            groups[source].clone()
        } else if source == groups.len() {
            "internet".to_string()
        } else if source == groups.len() + 1 {
            "172.16.0.0/12".to_string()
        } else {
            format!("v{}", source - groups.len() - 2)
        };
        let rule = format!("tcp {} from {from}", 8000 + source);
        if !rules[target].contains(&rule) {
            rules[target].push(rule);
        }
    }
    for (group, list) in groups.iter().zip(&rules) {
        let body: Vec<String> = list.iter().map(|rule| format!("allow {rule}")).collect();
        out.push_str(&format!("security_group {group} {{\n  {}\n}}\n", body.join("\n  ")));
    }
    out.push_str(&components);
    if g.alarms {
        out.push_str("monitoring {\n  notify = \"ops@example.edu\"\n");
        if !g.databases.is_empty() {
            out.push_str("  alarm db0.cpu > 80 for 10m\n");
        }
        out.push_str("}\n");
    }
    out
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        (prop::collection::vec(0u8..3, 1..4), 0usize..3, prop::collection::vec(0usize..4, 1..7)),
        (prop::collection::vec((0usize..4, any::<bool>()), 0..4), prop::collection::vec(0usize..4, 0..3)),
        (prop::collection::vec(0usize..4, 0..3), 0usize..4, 0usize..3, 0u8..3),
        (prop::collection::vec((0usize..30, 0usize..30), 0..14), any::<bool>()),
    )
        .prop_map(
            |(
                (mut tiers, load_balancers, apps),
                (databases, file_systems),
                (caches, buckets, vpns, nat),
                (rules, alarms),
            )| {
                tiers.insert(0, 0);
                Generated {
                    tiers,
                    load_balancers,
                    apps,
                    databases,
                    file_systems,
                    caches,
                    buckets,
                    vpns,
                    nat,
                    rules,
                    alarms,
                }
            },
        )
}

proptest! {
    // A fixed seed, so that every run (CI's too) checks the same 256 cases,
    // after the saved ones in geometry.proptest-regressions: a failure is
    // reproducible, not a draw. To explore other cases, override both, e.g.
    // `PROPTEST_RNG_SEED=$RANDOM PROPTEST_CASES=5000 cargo test -p mhac-graph
    // --test geometry generated`. The regressions file is named explicitly
    // (a test under tests/ has no lib.rs beside it to find the default).
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x6d68_6163), // "mhac"
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_three_zone_sources_lay_out_cleanly(g in generated()) {
        let text = source(&g);
        let compilation = mhac_compiler::compile(&text);
        let scene = Scene::new(&compilation, &text, Options { check: true });
        prop_assert_eq!(scene.zones.len(), 3, "{}", text);
        let layout = Layout::new(&scene);
        if let Err(problem) = check(&layout) {
            prop_assert!(false, "{}\n\n{}", problem, text);
        }
        let svg = mhac_graph::svg::svg(&layout);
        if let Err(problem) = check_svg(&svg) {
            prop_assert!(false, "{}\n\n{}", problem, text);
        }
    }
}

#[test]
fn a_large_generated_source_lays_out_cleanly() {
    let g = Generated {
        tiers: vec![0, 1, 1, 2],
        load_balancers: 2,
        apps: (0..8).collect(),
        databases: vec![(3, true), (2, false), (3, true)],
        file_systems: vec![1, 2],
        caches: vec![3, 3],
        buckets: 3,
        vpns: 2,
        nat: 2,
        rules: (0..24).map(|k| (k * 7 % 30, k * 11 % 30)).collect(),
        alarms: true,
    };
    let text = source(&g);
    let compilation = mhac_compiler::compile(&text);
    let scene = Scene::new(&compilation, &text, Options { check: true });
    assert!(scene.items.len() > 30, "{}", scene.items.len());
    if let Some(dump) = std::env::var_os("MHAC_GRAPH_DUMP") {
        std::fs::write(dump, &text).expect("dump");
    }
    let layout = Layout::new(&scene);
    if let Err(problem) = check(&layout) {
        panic!("{problem}\n\n{text}");
    }
}

/// The case the property test once found (kept in the regressions file
/// too): db0's flow to db1 runs up the left bus, near the canvas's left
/// edge, and its label was put left of it, off the canvas.
#[test]
fn a_label_beside_the_left_bus_stays_on_the_canvas() {
    let g = Generated {
        tiers: vec![0, 0],
        load_balancers: 0,
        apps: vec![0, 1, 0],
        databases: vec![(1, false), (2, false)],
        file_systems: vec![0, 0],
        caches: vec![0, 0],
        buckets: 0,
        vpns: 0,
        nat: 0,
        rules: vec![(9, 12), (22, 3)],
        alarms: false,
    };
    let text = source(&g);
    let compilation = mhac_compiler::compile(&text);
    let scene = Scene::new(&compilation, &text, Options { check: true });
    let layout = Layout::new(&scene);
    if let Err(problem) = check(&layout) {
        panic!("{problem}\n\n{text}");
    }
}
