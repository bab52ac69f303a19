//! The geometry of the picture: where every frame, box and arrow goes, as
//! data (integer pixels), so that tests check the layout as geometry and
//! the SVG writer only draws it.
//!
//! The picture reads like an AWS architecture diagram, top to bottom: the
//! title; the internet; the region frame holding the edge services (WAF,
//! Shield), the VPC and, below it, the regional services (S3, CloudWatch,
//! SNS, Systems Manager); the legend. Customer gateways and networks allowed
//! by address stand left of the region. Inside the VPC, zones are columns
//! and tiers are rows (in source order); a tier row has one lane per
//! component in it, in source order, plus one lane for its NAT gateways.
//! A component spans the zone columns it occupies: a load balancer as one
//! wide box, the others as a frame around one box per zone (an app server,
//! a mount target, a cache node, the database's primary and standby).
//!
//! Arrows are routed orthogonally on a grid of lines through the free
//! space (the gaps between lanes, the gutters between zones, a bus on each
//! side of the zones) with a shortest-path search that charges for length,
//! bends and sharing a segment with an earlier arrow, so an arrow never
//! crosses a box or a frame's label; it starts and ends with a short stub
//! on the borders of the two boxes it connects.
//!
//! The invariants the tests check: no two boxes overlap unless one
//! contains the other (a frame and its nodes); every box of a component is
//! inside its zone columns and its tier row; every arrow starts on the box
//! it comes from and ends on the box it goes to; no arrow crosses a box it
//! does not connect; every arrow's label lies on the canvas.

use crate::scene::{FlowKind, Item, Kind, Place, Scene};
use crate::text;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// A rectangle in pixels: `x`, `y` is the top-left corner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left.
    pub x: i32,
    /// Top.
    pub y: i32,
    /// Width.
    pub w: i32,
    /// Height.
    pub h: i32,
}

impl Rect {
    /// A rectangle.
    pub const fn new(x: i32, y: i32, w: i32, h: i32) -> Rect {
        Rect { x, y, w, h }
    }

    /// The right edge.
    pub fn right(self) -> i32 {
        self.x + self.w
    }

    /// The bottom edge.
    pub fn bottom(self) -> i32 {
        self.y + self.h
    }

    /// The centre, rounded down.
    pub fn center(self) -> Point {
        Point { x: self.x + self.w / 2, y: self.y + self.h / 2 }
    }

    /// Whether `other` lies inside this rectangle (borders may touch).
    pub fn contains(self, other: Rect) -> bool {
        self.x <= other.x && self.y <= other.y && other.right() <= self.right() && other.bottom() <= self.bottom()
    }

    /// Whether the interiors intersect (touching borders do not overlap).
    pub fn overlaps(self, other: Rect) -> bool {
        self.x < other.right() && other.x < self.right() && self.y < other.bottom() && other.y < self.bottom()
    }

    /// Whether a point lies on the border.
    pub fn on_border(self, point: Point) -> bool {
        let within_x = self.x <= point.x && point.x <= self.right();
        let within_y = self.y <= point.y && point.y <= self.bottom();
        (within_x && (point.y == self.y || point.y == self.bottom()))
            || (within_y && (point.x == self.x || point.x == self.right()))
    }

    /// Grown by `by` on every side.
    pub fn inflate(self, by: i32) -> Rect {
        Rect { x: self.x - by, y: self.y - by, w: self.w + 2 * by, h: self.h + 2 * by }
    }

    /// Whether the segment from `a` to `b` (horizontal or vertical) passes
    /// through the interior.
    pub fn crossed_by(self, a: Point, b: Point) -> bool {
        let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
        let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
        if a.y == b.y {
            self.y < a.y && a.y < self.bottom() && x0 < self.right() && self.x < x1
        } else {
            self.x < a.x && a.x < self.right() && y0 < self.bottom() && self.y < y1
        }
    }
}

/// A point in pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Point {
    /// Horizontal.
    pub x: i32,
    /// Vertical.
    pub y: i32,
}

/// What a frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    /// The AWS region.
    Region,
    /// The VPC.
    Vpc,
    /// An availability zone: a column.
    Zone(usize),
    /// A subnet: a tier in a zone.
    Subnet {
        /// Index into [`Scene::tiers`].
        tier: usize,
        /// Zone column.
        zone: usize,
    },
}

/// A frame: a labelled area that holds boxes.
#[derive(Clone, Debug)]
pub struct Frame {
    /// What it is.
    pub kind: FrameKind,
    /// Where.
    pub rect: Rect,
    /// Its label.
    pub label: String,
    /// Where the label (and its icon) is drawn; arrows avoid it.
    pub label_rect: Rect,
}

/// What a box is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// One box: icon, name, detail (and more lines).
    Item,
    /// A frame around an item's nodes, with the item's label on top.
    Group,
    /// One node inside a group frame, in one zone.
    Node,
}

/// A placed box.
#[derive(Clone, Debug)]
pub struct Placed {
    /// Index into [`Scene::items`].
    pub item: usize,
    /// For a node, the index into the item's nodes.
    pub node: Option<usize>,
    /// Item, group frame or node.
    pub role: Role,
    /// Where.
    pub rect: Rect,
    /// The tier row it must lie in, for boxes inside the VPC.
    pub tier: Option<usize>,
    /// The zone columns (first, last) it must lie in, for boxes inside the VPC.
    pub zones: Option<(usize, usize)>,
    /// The group frame around a node (index into [`Layout::boxes`]).
    pub parent: Option<usize>,
}

/// A routed arrow.
#[derive(Clone, Debug)]
pub struct Arrow {
    /// Index into [`Layout::boxes`] of the box it starts on.
    pub from: usize,
    /// Index into [`Layout::boxes`] of the box it ends on (the arrowhead).
    pub to: usize,
    /// The polyline, first point on `from`'s border, last on `to`'s.
    pub points: Vec<Point>,
    /// Ports, or what the link is.
    pub label: String,
    /// Where the label is drawn, if it has one.
    pub label_rect: Option<Rect>,
    /// A security-group flow or another link.
    pub kind: FlowKind,
}

/// The whole picture's geometry.
#[derive(Clone, Debug)]
pub struct Layout<'s> {
    /// What is drawn.
    pub scene: &'s Scene,
    /// Canvas width.
    pub width: i32,
    /// Canvas height.
    pub height: i32,
    /// Region, VPC, zones, subnets (outermost first).
    pub frames: Vec<Frame>,
    /// Every box.
    pub boxes: Vec<Placed>,
    /// Every arrow.
    pub arrows: Vec<Arrow>,
    /// Per zone column, its extent (the availability zone's frame).
    pub columns: Vec<Rect>,
    /// Per tier, its row (across every zone column).
    pub rows: Vec<Rect>,
    /// Where the legend goes.
    pub legend: Rect,
}

/// Outer margin of the canvas.
pub const MARGIN: i32 = 24;
/// Width of an item box.
pub const NODE_W: i32 = 150;
/// Height of an item box (icon, name, detail).
pub const NODE_H: i32 = 78;
/// Height of each extra line of an item box.
pub const LINE_H: i32 = 14;
/// Side of an icon.
pub const ICON: i32 = 36;
/// Height of a group frame's label band.
pub const GROUP_LABEL_H: i32 = 22;
/// Title band height.
const TITLE_H: i32 = 58;
/// A zone column's width.
const COLUMN_W: i32 = 232;
/// Gutter between zone columns.
const COLUMN_GAP: i32 = 40;
/// Gap between lanes (room for arrows and their labels).
const LANE_GAP: i32 = 34;
/// Height of a subnet's label band.
const SUBNET_LABEL_H: i32 = 26;
/// Height of the VPC's label band (the internet gateway sits across it).
const VPC_HEAD: i32 = NODE_H / 2 + 40;
/// Height of a zone's label band.
const ZONE_HEAD: i32 = 26;
/// Padding inside the region and VPC frames.
const FRAME_PAD: i32 = 20;
/// Height of a frame's label band (region, VPC).
const FRAME_LABEL_H: i32 = 30;
/// Gap between boxes in a row outside the VPC.
const ROW_GAP: i32 = 30;
/// Offset of the grid lines just outside a box (arrow stubs).
const STUB: i32 = 14;
/// Distance arrows keep from boxes.
const CLEARANCE: i32 = 6;
/// Spacing of parallel arrow tracks.
const TRACK: i32 = 12;
/// Arrow label font size and height.
pub const LABEL_SIZE: i32 = 11;
const LABEL_H: i32 = 15;

impl<'s> Layout<'s> {
    /// Lay out a scene.
    pub fn new(scene: &'s Scene) -> Layout<'s> {
        let mut builder = Builder::new(scene);
        builder.place();
        builder.route();
        builder.finish()
    }

    /// The boxes of an item (the item box or group frame first, then nodes).
    pub fn boxes_of(&self, item: usize) -> impl Iterator<Item = (usize, &Placed)> {
        self.boxes.iter().enumerate().filter(move |(_, placed)| placed.item == item)
    }

    /// The top-level box of an item (its item box or group frame).
    pub fn box_of(&self, item: usize) -> Option<usize> {
        self.boxes.iter().position(|placed| placed.item == item && placed.role != Role::Node)
    }

    /// The subnet cell of a tier and a zone.
    pub fn cell(&self, tier: usize, zone: usize) -> Option<Rect> {
        let column = self.columns.get(zone)?;
        let row = self.rows.get(tier)?;
        Some(Rect::new(column.x, row.y, column.w, row.h))
    }

    /// The area a box with these zones and tier must lie in.
    pub fn area(&self, tier: usize, zones: (usize, usize)) -> Option<Rect> {
        let first = self.columns.get(zones.0)?;
        let last = self.columns.get(zones.1)?;
        let row = self.rows.get(tier)?;
        Some(Rect::new(first.x, row.y, last.right() - first.x, row.h))
    }
}

/// A lane in a tier row.
enum Lane {
    /// One item across its zones.
    Item(usize),
    /// Items one per zone (NAT gateways).
    Cells(Vec<usize>),
}

impl Lane {
    fn height(&self, scene: &Scene) -> i32 {
        match self {
            Lane::Item(item) => match scene.items.get(*item) {
                Some(item) if !item.nodes.is_empty() => GROUP_LABEL_H + NODE_H + 10,
                _ => NODE_H,
            },
            Lane::Cells(_) => NODE_H,
        }
    }
}

struct Builder<'s> {
    scene: &'s Scene,
    frames: Vec<Frame>,
    boxes: Vec<Placed>,
    arrows: Vec<Arrow>,
    columns: Vec<Rect>,
    rows: Vec<Rect>,
    width: i32,
    height: i32,
    legend: Rect,
    /// Vertical grid lines: gutters and buses (arrow tracks).
    track_xs: Vec<i32>,
    /// Horizontal grid lines: gaps between lanes and rows.
    track_ys: Vec<i32>,
}

/// The height of an item box with its extra lines.
fn item_height(item: &Item) -> i32 {
    NODE_H + LINE_H * item.lines.len() as i32
}

/// The width of an item box outside the zones: wide enough for its text,
/// within bounds.
pub fn item_width(item: &Item) -> i32 {
    let text_w = std::iter::once(text::width(&item.label, 12, true))
        .chain(std::iter::once(text::width(&item.detail, 11, false)))
        .chain(item.lines.iter().map(|line| text::width(line, 11, false)))
        .max()
        .unwrap_or(0);
    (text_w + 16).clamp(NODE_W, 2 * NODE_W)
}

impl<'s> Builder<'s> {
    fn new(scene: &'s Scene) -> Builder<'s> {
        Builder {
            scene,
            frames: Vec::new(),
            boxes: Vec::new(),
            arrows: Vec::new(),
            columns: Vec::new(),
            rows: Vec::new(),
            width: 0,
            height: 0,
            legend: Rect::default(),
            track_xs: Vec::new(),
            track_ys: Vec::new(),
        }
    }

    fn finish(self) -> Layout<'s> {
        Layout {
            scene: self.scene,
            width: self.width,
            height: self.height,
            frames: self.frames,
            boxes: self.boxes,
            arrows: self.arrows,
            columns: self.columns,
            rows: self.rows,
            legend: self.legend,
        }
    }

    fn items_at(&self, wanted: fn(&Place) -> bool) -> Vec<usize> {
        (0..self.scene.items.len()).filter(|&i| wanted(&self.scene.items[i].place)).collect()
    }

    fn push_box(&mut self, placed: Placed) -> usize {
        self.boxes.push(placed);
        self.boxes.len() - 1
    }

    fn item_box(&mut self, item: usize, rect: Rect) -> usize {
        self.push_box(Placed { item, node: None, role: Role::Item, rect, tier: None, zones: None, parent: None })
    }

    /// Place every frame and box.
    fn place(&mut self) {
        let scene = self.scene;
        let zone_count = scene.zones.len().max(1);
        let has_vpc = scene.vpc.is_some();
        let side = self.items_at(|p| *p == Place::VpcSide);
        let outside = self.items_at(|p| *p == Place::Outside);
        let edge = self.items_at(|p| *p == Place::Edge);
        let regional = self.items_at(|p| *p == Place::Regional);
        let internet = self.items_at(|p| *p == Place::Internet);
        let gateway = self.items_at(|p| *p == Place::Gateway);

        // Lanes of each tier: one per lane item in item order, then the cells.
        let mut lanes: Vec<Vec<Lane>> = scene.tiers.iter().map(|_| Vec::new()).collect();
        let mut cells: Vec<Vec<usize>> = scene.tiers.iter().map(|_| Vec::new()).collect();
        for (index, item) in scene.items.iter().enumerate() {
            match &item.place {
                Place::Lane { tier, .. } => {
                    if let Some(tier_lanes) = lanes.get_mut(*tier) {
                        tier_lanes.push(Lane::Item(index));
                    }
                }
                Place::Cell { tier, .. } => {
                    if let Some(tier_cells) = cells.get_mut(*tier) {
                        tier_cells.push(index);
                    }
                }
                _ => {}
            }
        }
        for (tier_lanes, tier_cells) in lanes.iter_mut().zip(cells) {
            if !tier_cells.is_empty() {
                tier_lanes.push(Lane::Cells(tier_cells));
            }
        }

        // Horizontal extents.
        let outside_box_w = outside.iter().map(|&i| item_width(&scene.items[i])).max().unwrap_or(0);
        let outside_w = if outside.is_empty() { 0 } else { outside_box_w + 2 * ROW_GAP };
        let region_x = MARGIN + outside_w;
        let vpc_x = region_x + FRAME_PAD;
        let flows_in_vpc = scene.flows.iter().filter(|f| f.kind == FlowKind::Allowed).count() as i32;
        let side_band = if side.is_empty() { 0 } else { NODE_W + 2 * FRAME_PAD };
        let left_bus = 2 * FRAME_PAD + TRACK * flows_in_vpc.clamp(1, 6);
        let right_bus = 2 * FRAME_PAD + TRACK * flows_in_vpc.clamp(2, 12);
        let columns_x = vpc_x + side_band + left_bus;
        let columns_w = zone_count as i32 * COLUMN_W + (zone_count as i32 - 1) * COLUMN_GAP;
        let vpc_w = side_band + left_bus + columns_w + right_bus;

        // The regional row wraps at the VPC's width (or four boxes).
        let wrap_w = vpc_w.max(4 * NODE_W + 3 * ROW_GAP);

        // Vertical: title, internet, region.
        let mut y = MARGIN + TITLE_H;
        let vpc_center_x = columns_x + columns_w / 2;
        if let Some(&item) = internet.first() {
            let rect = Rect::new(vpc_center_x - NODE_W / 2, y, NODE_W, NODE_H);
            self.item_box(item, rect);
            y += NODE_H + 40;
        }
        let region_y = y;
        y += FRAME_LABEL_H + FRAME_PAD;

        // Edge row: WAF and Shield, left and right of the internet's way in.
        if !edge.is_empty() {
            // Slots left of the internet's way in while they fit in the
            // VPC's width, then to the right (the region grows to fit).
            let slot_w = edge.iter().map(|&i| item_width(&scene.items[i])).max().unwrap_or(NODE_W);
            let way_in = (vpc_center_x - NODE_W / 2 - 30, vpc_center_x + NODE_W / 2 + 30);
            let mut left_slots = Vec::new();
            let mut x = way_in.0 - slot_w;
            while x >= vpc_x {
                left_slots.push(x);
                x -= slot_w + ROW_GAP;
            }
            let mut right_x = way_in.1;
            for (k, &item) in edge.iter().enumerate() {
                let x = if k % 2 == 0 && k / 2 < left_slots.len() {
                    left_slots[k / 2]
                } else {
                    let x = right_x;
                    right_x += slot_w + ROW_GAP;
                    x
                };
                self.item_box(item, Rect::new(x, y, slot_w, NODE_H));
            }
            y += NODE_H + 40;
        }

        // The VPC.
        let vpc_y = y + if gateway.is_empty() { 0 } else { NODE_H / 2 };
        let mut vpc_h = 0;
        if has_vpc {
            if let Some(&item) = gateway.first() {
                let rect = Rect::new(vpc_center_x - NODE_W / 2, vpc_y - NODE_H / 2 + 4, NODE_W, NODE_H);
                self.item_box(item, rect);
            }
            let zones_y = vpc_y + VPC_HEAD;
            let mut row_y = zones_y + ZONE_HEAD + 8;
            self.track_ys.push(zones_y + ZONE_HEAD / 2 + 12);
            self.track_ys.push(row_y - 4);
            for (tier, tier_lanes) in lanes.iter().enumerate() {
                let mut lane_y = row_y + SUBNET_LABEL_H + 4;
                let mut lane_rects = Vec::new();
                for lane in tier_lanes {
                    let h = lane.height(scene);
                    lane_rects.push((lane_y, h));
                    lane_y += h + LANE_GAP;
                }
                let row_h = (lane_y - row_y - LANE_GAP + 16).max(SUBNET_LABEL_H + 40);
                self.rows.push(Rect::new(columns_x, row_y, columns_w, row_h));
                for (lane, (lane_y, h)) in tier_lanes.iter().zip(lane_rects) {
                    self.place_lane(lane, tier, lane_y, h, columns_x);
                    self.track_ys.push(lane_y - LANE_GAP / 2 - 4);
                    self.track_ys.push(lane_y + h + LANE_GAP / 2);
                    self.track_ys.push(lane_y + h + LANE_GAP / 2 + TRACK);
                }
                row_y += row_h + 12;
                self.track_ys.push(row_y - 6);
            }
            let zones_bottom = row_y + 4;
            vpc_h = zones_bottom + FRAME_PAD - vpc_y;
            for zone in 0..zone_count {
                let x = columns_x + zone as i32 * (COLUMN_W + COLUMN_GAP);
                self.columns.push(Rect::new(x, zones_y, COLUMN_W, zones_bottom - zones_y));
            }
            // Tracks: the gutters between zones and the two buses.
            for zone in 1..zone_count {
                let gutter = columns_x + zone as i32 * (COLUMN_W + COLUMN_GAP) - COLUMN_GAP / 2;
                self.track_xs.extend([gutter - TRACK, gutter, gutter + TRACK]);
            }
            for k in 0..(left_bus - 2 * FRAME_PAD) / TRACK + 1 {
                self.track_xs.push(columns_x - FRAME_PAD - k * TRACK);
            }
            for k in 0..(right_bus - 2 * FRAME_PAD) / TRACK + 1 {
                self.track_xs.push(columns_x + columns_w + FRAME_PAD + k * TRACK);
            }
            // VPN gateways in the side band, at the height of the tiers.
            let mut side_y = zones_y + ZONE_HEAD + 8 + SUBNET_LABEL_H + 4;
            for &item in &side {
                let rect = Rect::new(vpc_x + FRAME_PAD, side_y, NODE_W, item_height(&scene.items[item]));
                self.item_box(item, rect);
                side_y += rect.h + ROW_GAP;
            }
            vpc_h = vpc_h.max(side_y - vpc_y);
        }
        // Customer gateways and networks, left of the region, level with
        // their gateways.
        let mut outside_y = vpc_y + VPC_HEAD + ZONE_HEAD + 8 + SUBNET_LABEL_H + 4;
        for &item in &outside {
            let rect = Rect::new(MARGIN, outside_y, outside_box_w, item_height(&scene.items[item]));
            self.item_box(item, rect);
            outside_y += rect.h + ROW_GAP;
        }
        if has_vpc {
            self.frames.push(Frame {
                kind: FrameKind::Vpc,
                rect: Rect::new(vpc_x, vpc_y, vpc_w, vpc_h),
                label: scene.vpc.as_ref().map(|vpc| format!("VPC {} · {}", vpc.name, vpc.cidr)).unwrap_or_default(),
                label_rect: Rect::new(vpc_x, vpc_y, 0, 0),
            });
            y = vpc_y + vpc_h + 40;
        }

        // Regional services below the VPC, wrapped to the region's width.
        let mut x = vpc_x;
        let mut row_h = 0;
        for &item in &regional {
            let h = item_height(&scene.items[item]);
            let w = item_width(&scene.items[item]);
            if x + w > vpc_x + wrap_w && x > vpc_x {
                x = vpc_x;
                y += row_h + ROW_GAP;
                self.track_ys.push(y - ROW_GAP / 2);
                row_h = 0;
            }
            self.item_box(item, Rect::new(x, y, w, h));
            x += w + ROW_GAP;
            row_h = row_h.max(h);
        }
        if !regional.is_empty() {
            y += row_h;
        }
        let region_h = (y + FRAME_PAD - region_y).max(FRAME_LABEL_H + 2 * FRAME_PAD);
        let content_right = self
            .boxes
            .iter()
            .filter(|b| b.rect.x >= region_x && b.rect.y >= region_y)
            .map(|b| b.rect.right())
            .chain([vpc_x + vpc_w])
            .max()
            .unwrap_or(vpc_x + vpc_w);
        let region_w = content_right + FRAME_PAD - region_x;
        let region_label = if scene.region.is_empty() {
            "AWS Cloud".to_string()
        } else {
            format!("AWS Cloud · Region {}", scene.region)
        };
        self.frames.insert(
            0,
            Frame {
                kind: FrameKind::Region,
                rect: Rect::new(region_x, region_y, region_w, region_h),
                label: region_label,
                label_rect: Rect::new(region_x, region_y, 0, 0),
            },
        );
        y = region_y + region_h + 24;
        self.track_ys.push(region_y + region_h - FRAME_PAD / 2);
        self.track_ys.push(region_y + FRAME_LABEL_H + 6);

        // Zone and subnet frames.
        for (zone, column) in self.columns.clone().into_iter().enumerate() {
            let label = scene.zones.get(zone).cloned().unwrap_or_default();
            self.frames.push(Frame {
                kind: FrameKind::Zone(zone),
                rect: column,
                label: format!("Availability Zone {label}"),
                label_rect: Rect::new(column.x, column.y, 0, 0),
            });
        }
        for (tier, row) in self.rows.clone().into_iter().enumerate() {
            for (zone, column) in self.columns.clone().into_iter().enumerate() {
                let Some(tier_row) = scene.tiers.get(tier) else { continue };
                let cidr = tier_row.cidrs.get(zone).cloned().flatten();
                let label = match cidr {
                    Some(cidr) if tier_row.name == tier_row.kind.as_str() => format!("{} · {cidr}", tier_row.name),
                    Some(cidr) => format!("{} · {} · {cidr}", tier_row.name, tier_row.kind.as_str()),
                    None => format!("{} · no subnet", tier_row.name),
                };
                self.frames.push(Frame {
                    kind: FrameKind::Subnet { tier, zone },
                    rect: Rect::new(column.x + 6, row.y, column.w - 12, row.h),
                    label,
                    label_rect: Rect::new(column.x + 6, row.y, 0, 0),
                });
            }
        }
        // Label rectangles (what arrows must avoid).
        for frame in &mut self.frames {
            let (size, band) = match frame.kind {
                FrameKind::Region | FrameKind::Vpc => (13, FRAME_LABEL_H),
                FrameKind::Zone(_) => (12, ZONE_HEAD),
                FrameKind::Subnet { .. } => (11, SUBNET_LABEL_H),
            };
            let icon = match frame.kind {
                FrameKind::Zone(_) => 8,
                FrameKind::Subnet { .. } => 26,
                _ => FRAME_LABEL_H + 6,
            };
            let max = frame.rect.w - icon - 6;
            frame.label = text::fit(&frame.label, size, true, max);
            let mut w = icon + text::width(&frame.label, size, true) + 6;
            if frame.kind == FrameKind::Vpc
                && let Some(vpc) = &scene.vpc
            {
                w += 12 + text::width(&vpc.detail, 11, false);
            }
            frame.label_rect = Rect::new(frame.rect.x, frame.rect.y, w.min(frame.rect.w), band);
        }

        // Legend.
        let categories_h = 28;
        let marks_h = if scene.checked { 26 + LINE_H.max(18) * scene.marks.len().max(1) as i32 } else { 0 };
        let legend_w = (region_x + region_w - MARGIN).max(600);
        self.legend = Rect::new(MARGIN, y, legend_w, categories_h + marks_h);
        y += self.legend.h;

        let right = self.boxes.iter().map(|b| b.rect.right()).chain([region_x + region_w, self.legend.right()]).max();
        self.width = right.unwrap_or(0) + MARGIN;
        self.height = y + MARGIN;
    }

    /// Place one lane of a tier row.
    fn place_lane(&mut self, lane: &Lane, tier: usize, lane_y: i32, lane_h: i32, columns_x: i32) {
        let scene = self.scene;
        let column_x = |zone: usize| columns_x + zone as i32 * (COLUMN_W + COLUMN_GAP);
        let node_x = |zone: usize| column_x(zone) + (COLUMN_W - NODE_W) / 2;
        match lane {
            Lane::Cells(items) => {
                for &item in items {
                    let Some(Place::Cell { zone, .. }) = scene.items.get(item).map(|i| &i.place) else { continue };
                    let zone = (*zone).min(scene.zones.len().max(1) - 1);
                    let rect = Rect::new(node_x(zone), lane_y, NODE_W, NODE_H);
                    self.push_box(Placed {
                        item,
                        node: None,
                        role: Role::Item,
                        rect,
                        tier: Some(tier),
                        zones: Some((zone, zone)),
                        parent: None,
                    });
                }
            }
            Lane::Item(item) => {
                let Some(scene_item) = scene.items.get(*item) else { return };
                let Place::Lane { zones, .. } = &scene_item.place else { return };
                let last_zone = scene.zones.len().max(1) - 1;
                let first = zones.first().copied().unwrap_or(0).min(last_zone);
                let last = zones.last().copied().unwrap_or(0).min(last_zone).max(first);
                let inset = 12;
                let rect = Rect::new(
                    column_x(first) + inset,
                    lane_y,
                    column_x(last) + COLUMN_W - inset - (column_x(first) + inset),
                    lane_h,
                );
                let role = if scene_item.nodes.is_empty() { Role::Item } else { Role::Group };
                let group = self.push_box(Placed {
                    item: *item,
                    node: None,
                    role,
                    rect,
                    tier: Some(tier),
                    zones: Some((first, last)),
                    parent: None,
                });
                for (index, node) in scene_item.nodes.iter().enumerate() {
                    let zone = node.zone.min(last_zone);
                    let rect = Rect::new(node_x(zone), lane_y + GROUP_LABEL_H + 2, NODE_W, NODE_H);
                    self.push_box(Placed {
                        item: *item,
                        node: Some(index),
                        role: Role::Node,
                        rect,
                        tier: Some(tier),
                        zones: Some((zone, zone)),
                        parent: Some(group),
                    });
                }
            }
        }
    }

    /// Route every flow, then the database replication links.
    fn route(&mut self) {
        let scene = self.scene;
        let obstacles: Vec<Rect> = self
            .boxes
            .iter()
            .filter(|b| b.role != Role::Node)
            .map(|b| b.rect)
            .chain(self.frames.iter().map(|f| f.label_rect))
            .collect();
        let mut grid = Grid::new(self, &obstacles);
        let mut routes = Vec::new();
        for flow in &scene.flows {
            let (Some(from), Some(to)) = (self.top_box(flow.from), self.top_box(flow.to)) else { continue };
            let (from_rect, to_rect) = (self.boxes[from].rect, self.boxes[to].rect);
            let points = grid.route(from_rect, to_rect).unwrap_or_else(|| fallback(from_rect, to_rect));
            routes.push((from, to, points, flow));
        }
        // Labels once every arrow is routed, so that they avoid all lines.
        // They stay inside the canvas's margin: an arrow on the outermost
        // track of a bus runs close to the edge, and a label beside it on
        // the outer side would hang off the picture.
        let bounds = Rect::new(MARGIN, MARGIN, self.width - 2 * MARGIN, self.height - 2 * MARGIN);
        let segments: Vec<(Point, Point)> =
            routes.iter().flat_map(|(_, _, points, _)| points.windows(2).map(|pair| (pair[0], pair[1]))).collect();
        let mut labels: Vec<Rect> = Vec::new();
        for (from, to, points, flow) in routes {
            let label_rect = if flow.label.is_empty() {
                None
            } else {
                let own: Vec<(Point, Point)> = points.windows(2).map(|pair| (pair[0], pair[1])).collect();
                let others: Vec<(Point, Point)> = segments.iter().filter(|s| !own.contains(s)).copied().collect();
                let placed = place_label(&points, &flow.label, bounds, &obstacles, &labels, &others);
                labels.push(placed);
                Some(placed)
            };
            self.arrows.push(Arrow { from, to, points, label: flow.label.clone(), label_rect, kind: flow.kind });
        }
        // A label wider than the canvas (a long list of ports) widens it.
        for label in &labels {
            self.width = self.width.max(label.right() + MARGIN);
            self.height = self.height.max(label.bottom() + MARGIN);
        }
        // Primary → standby: a short horizontal link inside the frame.
        for (index, item) in scene.items.iter().enumerate() {
            if item.kind != Kind::Database || item.nodes.len() < 2 {
                continue;
            }
            let nodes: Vec<usize> = (0..self.boxes.len())
                .filter(|&b| self.boxes[b].item == index && self.boxes[b].role == Role::Node)
                .collect();
            if let [primary, standby, ..] = nodes[..] {
                let (a, b) = (self.boxes[primary].rect, self.boxes[standby].rect);
                let y = a.y + ICON / 2 + 6;
                let points = vec![Point { x: a.right(), y }, Point { x: b.x, y }];
                let label_w = text::width("sync", LABEL_SIZE, false) + 8;
                let label_rect = Rect::new((a.right() + b.x) / 2 - label_w / 2, y - LABEL_H - 2, label_w, LABEL_H);
                self.arrows.push(Arrow {
                    from: primary,
                    to: standby,
                    points,
                    label: "sync".to_string(),
                    label_rect: Some(label_rect),
                    kind: FlowKind::Link,
                });
            }
        }
    }

    /// The box an arrow to or from an item attaches to.
    fn top_box(&self, item: usize) -> Option<usize> {
        self.boxes.iter().position(|b| b.item == item && b.role != Role::Node)
    }
}

/// A route that ignores obstacles, used only if the grid has no path (it
/// always has one through the buses; this keeps a bug from losing an arrow).
fn fallback(from: Rect, to: Rect) -> Vec<Point> {
    let start = Point { x: from.center().x, y: if to.y >= from.bottom() { from.bottom() } else { from.y } };
    let end = Point { x: to.center().x, y: if to.y >= from.bottom() { to.y } else { to.bottom() } };
    let middle = (start.y + end.y) / 2;
    vec![start, Point { x: start.x, y: middle }, Point { x: end.x, y: middle }, end]
}

/// Place an arrow's label next to one of its segments, clear of boxes,
/// frame labels and earlier labels, and if possible of other arrows: beside
/// the last segment first (near the arrowhead), then earlier ones. The
/// label lies inside `bounds` (unless it is wider or taller than `bounds`,
/// then it starts at its left or top edge): a spot beside a segment that
/// would leave `bounds` is moved inside it and tried after the others.
fn place_label(
    points: &[Point],
    label: &str,
    bounds: Rect,
    obstacles: &[Rect],
    placed: &[Rect],
    segments: &[(Point, Point)],
) -> Rect {
    let w = text::width(label, LABEL_SIZE, false) + 8;
    let h = LABEL_H;
    let mut candidates = Vec::new();
    for pair in points.windows(2).rev() {
        let (a, b) = (pair[0], pair[1]);
        if a.x == b.x {
            let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
            // From the arrowhead's end back along the segment.
            let mut ys: Vec<i32> = (y0 + 4..=y1 - h - 4).step_by(6).collect();
            if b.y > a.y {
                ys.reverse();
            }
            for y in ys {
                candidates.push(Rect::new(a.x + 5, y, w, h));
                candidates.push(Rect::new(a.x - 5 - w, y, w, h));
            }
        } else {
            let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
            let mut xs: Vec<i32> = (x0 + 4..=x1 - w - 4).step_by(8).collect();
            if b.x > a.x {
                xs.reverse();
            }
            for x in xs {
                candidates.push(Rect::new(x, a.y - h - 3, w, h));
                candidates.push(Rect::new(x, a.y + 3, w, h));
            }
        }
    }
    // Inside the bounds first, in order; then the others moved inside.
    let (mut candidates, outside): (Vec<Rect>, Vec<Rect>) = candidates.into_iter().partition(|c| bounds.contains(*c));
    for moved in outside.into_iter().map(|c| move_inside(c, bounds)) {
        if !candidates.contains(&moved) {
            candidates.push(moved);
        }
    }
    let clear = |rect: Rect| {
        let grown = rect.inflate(2);
        !obstacles.iter().any(|o| o.overlaps(grown)) && !placed.iter().any(|p| p.overlaps(grown))
    };
    let off_lines = |rect: Rect| !segments.iter().any(|(a, b)| rect.inflate(1).crossed_by(*a, *b));
    candidates
        .iter()
        .find(|c| clear(**c) && off_lines(**c))
        .or_else(|| candidates.iter().find(|c| clear(**c)))
        .or(candidates.first())
        .copied()
        .unwrap_or_else(|| {
            let a = points.first().copied().unwrap_or_default();
            move_inside(Rect::new(a.x + 4, a.y + 4, w, h), bounds)
        })
}

/// `rect` moved the least distance to lie inside `bounds`; if it is wider
/// (or taller) than `bounds`, its left (or top) edge is on theirs.
fn move_inside(rect: Rect, bounds: Rect) -> Rect {
    let x = rect.x.min(bounds.right() - rect.w).max(bounds.x);
    let y = rect.y.min(bounds.bottom() - rect.h).max(bounds.y);
    Rect { x, y, ..rect }
}

/// Directions of travel on the grid.
const DIRECTIONS: [(i32, i32); 4] = [(1, 0), (-1, 0), (0, 1), (0, -1)];

/// The routing grid: vertical and horizontal lines through free space, and
/// which unit segments between their crossings are blocked.
struct Grid {
    xs: Vec<i32>,
    ys: Vec<i32>,
    /// `blocked_h[j * nx + i]`: the segment from (i, j) to (i + 1, j).
    blocked_h: Vec<bool>,
    /// `blocked_v[j * nx + i]`: the segment from (i, j) to (i, j + 1).
    blocked_v: Vec<bool>,
    /// Crossing points inside an obstacle.
    blocked_node: Vec<bool>,
    /// How many arrows already use each segment (horizontal, vertical).
    used_h: Vec<u32>,
    used_v: Vec<u32>,
}

/// Cost of a bend, in pixels of length.
const BEND_COST: i64 = 40;
/// Cost of sharing a unit segment with an earlier arrow.
const SHARE_COST: i64 = 400;

impl Grid {
    fn new(builder: &Builder<'_>, obstacles: &[Rect]) -> Grid {
        let mut xs = builder.track_xs.clone();
        let mut ys = builder.track_ys.clone();
        for placed in builder.boxes.iter().filter(|b| b.role != Role::Node) {
            let r = placed.rect;
            xs.extend([r.x - STUB, r.right() + STUB, r.center().x]);
            ys.extend([r.y - STUB, r.bottom() + STUB, r.center().y]);
            if r.w > 2 * NODE_W {
                xs.extend([r.x + r.w / 4, r.x + 3 * r.w / 4]);
            }
            if r.h >= NODE_H {
                ys.extend([r.y + r.h / 3, r.y + 2 * r.h / 3]);
            }
        }
        xs.sort_unstable();
        xs.dedup();
        ys.sort_unstable();
        ys.dedup();
        let (nx, ny) = (xs.len(), ys.len());
        let inflated: Vec<Rect> = obstacles.iter().map(|o| o.inflate(CLEARANCE)).collect();
        let mut blocked_h = vec![false; nx * ny];
        let mut blocked_v = vec![false; nx * ny];
        let mut blocked_node = vec![false; nx * ny];
        for o in &inflated {
            // Lines strictly inside the obstacle's extent.
            let i0 = xs.partition_point(|&x| x <= o.x);
            let i1 = xs.partition_point(|&x| x < o.right());
            let j0 = ys.partition_point(|&y| y <= o.y);
            let j1 = ys.partition_point(|&y| y < o.bottom());
            // Horizontal segments on rows inside: blocked where they cross.
            for j in j0..j1 {
                for i in 0..nx.saturating_sub(1) {
                    if xs[i] < o.right() && o.x < xs[i + 1] {
                        blocked_h[j * nx + i] = true;
                    }
                }
            }
            for i in i0..i1 {
                for j in 0..ny.saturating_sub(1) {
                    if ys[j] < o.bottom() && o.y < ys[j + 1] {
                        blocked_v[j * nx + i] = true;
                    }
                }
                for j in j0..j1 {
                    blocked_node[j * nx + i] = true;
                }
            }
        }
        Grid { xs, ys, blocked_h, blocked_v, blocked_node, used_h: vec![0; nx * ny], used_v: vec![0; nx * ny] }
    }

    /// Stub crossings just outside a box, and the point on its border each
    /// one leads to.
    fn stubs(&self, rect: Rect) -> Vec<(usize, Point)> {
        let nx = self.xs.len();
        let mut stubs = Vec::new();
        let find_x = |x: i32| self.xs.binary_search(&x).ok();
        let find_y = |y: i32| self.ys.binary_search(&y).ok();
        let inner_x = |x: i32| rect.x + 10 < x && x < rect.right() - 10;
        let inner_y = |y: i32| rect.y + 10 < y && y < rect.bottom() - 10;
        if let (Some(j_top), Some(j_bottom)) = (find_y(rect.y - STUB), find_y(rect.bottom() + STUB)) {
            for (i, &x) in self.xs.iter().enumerate().filter(|(_, x)| inner_x(**x)) {
                stubs.push((j_top * nx + i, Point { x, y: rect.y }));
                stubs.push((j_bottom * nx + i, Point { x, y: rect.bottom() }));
            }
        }
        if let (Some(i_left), Some(i_right)) = (find_x(rect.x - STUB), find_x(rect.right() + STUB)) {
            for (j, &y) in self.ys.iter().enumerate().filter(|(_, y)| inner_y(**y)) {
                stubs.push((j * nx + i_left, Point { x: rect.x, y }));
                stubs.push((j * nx + i_right, Point { x: rect.right(), y }));
            }
        }
        stubs.retain(|(node, _)| !self.blocked_node[*node]);
        stubs
    }

    /// The cheapest orthogonal route from `from`'s border to `to`'s border.
    fn route(&mut self, from: Rect, to: Rect) -> Option<Vec<Point>> {
        let nx = self.xs.len();
        let node_count = nx * self.ys.len();
        let starts = self.stubs(from);
        let ends: BTreeMap<usize, Point> = self.stubs(to).into_iter().collect();
        if starts.is_empty() || ends.is_empty() {
            return None;
        }
        // State: node * 4 + direction of arrival (0..4), plus 4 for "start".
        let states = node_count * 5;
        let mut cost = vec![i64::MAX; states];
        let mut previous = vec![usize::MAX; states];
        let mut heap = BinaryHeap::new();
        for &(node, border) in &starts {
            let state = node * 5 + 4;
            let stub_length = i64::from((self.xs[node % nx] - border.x).abs() + (self.ys[node / nx] - border.y).abs());
            if stub_length < cost[state] {
                cost[state] = stub_length;
                heap.push(Reverse((stub_length, state)));
            }
        }
        let mut best: Option<(i64, usize)> = None;
        while let Some(Reverse((state_cost, state))) = heap.pop() {
            if state_cost > cost[state] {
                continue;
            }
            if best.is_some_and(|(c, _)| state_cost >= c) {
                break;
            }
            let node = state / 5;
            let arrived = state % 5;
            if let Some(border) = ends.get(&node) {
                let (i, j) = (node % nx, node / nx);
                let stub = Point { x: self.xs[i], y: self.ys[j] };
                // The stub must enter the box head-on.
                let entering = if stub.x == border.x {
                    if border.y > stub.y { 2 } else { 3 }
                } else if border.x > stub.x {
                    0
                } else {
                    1
                };
                let bend = if arrived == 4 || arrived == entering { 0 } else { BEND_COST };
                let total = state_cost + bend + i64::from((stub.x - border.x).abs() + (stub.y - border.y).abs());
                if best.is_none_or(|(c, _)| total < c) {
                    best = Some((total, state));
                }
            }
            let (i, j) = (node % nx, node / nx);
            for (direction, (dx, dy)) in DIRECTIONS.iter().enumerate() {
                let (ni, nj) = (i as i64 + i64::from(*dx), j as i64 + i64::from(*dy));
                if ni < 0 || nj < 0 || ni >= nx as i64 || nj >= self.ys.len() as i64 {
                    continue;
                }
                let (ni, nj) = (ni as usize, nj as usize);
                let next = nj * nx + ni;
                if self.blocked_node[next] {
                    continue;
                }
                let (blocked, used) = if *dy == 0 {
                    let segment = j * nx + i.min(ni);
                    (self.blocked_h[segment], self.used_h[segment])
                } else {
                    let segment = j.min(nj) * nx + i;
                    (self.blocked_v[segment], self.used_v[segment])
                };
                if blocked {
                    continue;
                }
                let length = i64::from((self.xs[ni] - self.xs[i]).abs() + (self.ys[nj] - self.ys[j]).abs());
                let bend = if arrived == 4 || arrived == direction { 0 } else { BEND_COST };
                let next_cost = state_cost + length + bend + SHARE_COST * i64::from(used);
                let next_state = next * 5 + direction;
                if next_cost < cost[next_state] {
                    cost[next_state] = next_cost;
                    previous[next_state] = state;
                    heap.push(Reverse((next_cost, next_state)));
                }
            }
        }
        let (_, end_state) = best?;
        // Walk back, marking the segments used.
        let mut nodes = vec![end_state / 5];
        let mut state = end_state;
        while previous[state] != usize::MAX {
            state = previous[state];
            nodes.push(state / 5);
        }
        nodes.reverse();
        for pair in nodes.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (ai, aj, bi, bj) = (a % nx, a / nx, b % nx, b / nx);
            if aj == bj {
                self.used_h[aj * nx + ai.min(bi)] += 1;
            } else {
                self.used_v[aj.min(bj) * nx + ai] += 1;
            }
        }
        let start_border = starts.iter().find(|(node, _)| *node == nodes[0]).map(|(_, p)| *p)?;
        let end_border = *ends.get(&(end_state / 5))?;
        let mut points = vec![start_border];
        points.extend(nodes.iter().map(|&n| Point { x: self.xs[n % nx], y: self.ys[n / nx] }));
        points.push(end_border);
        Some(simplify(points))
    }
}

/// Drop repeated points and the middle of straight runs.
fn simplify(points: Vec<Point>) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::with_capacity(points.len());
    for point in points {
        if out.last() == Some(&point) {
            continue;
        }
        if out.len() >= 2 {
            let (a, b) = (out[out.len() - 2], out[out.len() - 1]);
            if (a.x == b.x && b.x == point.x) || (a.y == b.y && b.y == point.y) {
                out.pop();
            }
        }
        out.push(point);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An arrow down a track just inside the canvas's left margin (the
    /// outermost track of the left bus): the spot left of it would hang off
    /// the canvas, so the label goes right of it, inside the bounds.
    #[test]
    fn a_label_beside_a_track_at_the_edge_stays_inside_the_bounds() {
        let bounds = Rect::new(MARGIN, MARGIN, 1000, 2000);
        let points =
            [Point { x: 168, y: 1600 }, Point { x: 64, y: 1600 }, Point { x: 64, y: 800 }, Point { x: 168, y: 800 }];
        let label = place_label(&points, "https 443, tcp 8003", bounds, &[], &[], &[]);
        assert!(bounds.contains(label), "{label:?}");
        // A box right of the track and a label near the arrowhead: still inside.
        let obstacles = [Rect::new(70, 780, 200, 60)];
        let label = place_label(&points, "https 443, tcp 8003", bounds, &obstacles, &[], &[]);
        assert!(bounds.contains(label), "{label:?}");
        assert!(!obstacles[0].overlaps(label), "{label:?}");
    }

    /// With no spot beside any segment, the label is still moved inside;
    /// one wider than the bounds starts at their left edge.
    #[test]
    fn a_label_without_a_spot_is_moved_inside_the_bounds() {
        let bounds = Rect::new(MARGIN, MARGIN, 300, 300);
        let points = [Point { x: 30, y: 30 }, Point { x: 30, y: 34 }];
        let label = place_label(&points, "https 443", bounds, &[], &[], &[]);
        assert!(bounds.contains(label), "{label:?}");
        let wide = move_inside(Rect::new(-50, 400, 500, LABEL_H), bounds);
        assert_eq!((wide.x, wide.bottom()), (bounds.x, bounds.bottom()));
        assert_eq!(move_inside(Rect::new(40, 40, 10, 10), bounds), Rect::new(40, 40, 10, 10));
    }
}
