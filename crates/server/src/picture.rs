//! The impact picture: a proposed action drawn on the site, rendered on the server as one
//! self-contained SVG string (no script, no external assets, and no `<style>` element, which
//! would leak into the page around an inline SVG: presentation attributes only).
//!
//! [`impact_svg`] draws the site in Purdue bands (level 5 at the top down to level 0, then the
//! assets without a level), each band holding its zones as labelled boxes (a zone whose assets
//! stand at two levels has a box in each band) and each zone its assets as small labelled
//! nodes in id order. Conduits join the zones (a zone with no asset of its own is drawn as a
//! dashed outline around its sub-zones); what the actions act on (the cut: assets, zones,
//! conduits, vendor pathways, the stations of a disabled account) has a thick magenta outline;
//! every asset that loses something is coloured by its worst loss, and its `<title>` (shown on
//! hover) holds the chain of dependencies that explains each loss. A zone of more than
//! [`FULL_ZONE`] assets shows only its affected assets and "+N more".
//!
//! [`plan_alternatives_svg`] draws the containment planner's answer as small multiples: one
//! panel per plan, best first, with its cost, verdict and actions over a mini-map of the
//! site's zones coloured by the plan's impact; a blocked answer gets a panel with the attacker
//! path and the protected flows in the way.
//!
//! Everything that comes from the site or the actions is escaped ([`esc`]). Nothing here panics
//! on any site or impact: indices are looked up with `get`, and an impact that does not belong
//! to the site is refused with a notice instead of drawn. The work is linear in the assets and
//! in the size of the impact, never quadratic.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use impact::impact::VendorLoss;
use impact::plan::{Blocked, BlockingFlow, Containment, Plan};
use impact::reach::{Foothold, Node};
use impact::{Category, Cause, Graph, Impact, Status, Target, Unusable};
use site_model::{AssetIx, ConduitIx, Effect, Function, PurdueLevel, Site, ZoneIx};

/// Zones with more assets than this show only their affected assets and "+N more".
pub const FULL_ZONE: usize = 24;
/// At most this many (affected) assets are drawn in a zone shown in part.
const MAX_DRAWN: usize = 48;
const MAX_COLS: usize = 4;
const NODE_W: i64 = 128;
const NODE_H: i64 = 20;
const GAP: i64 = 6;
const PAD: i64 = 8;
const ZONE_HEAD: i64 = 22;
const MORE_H: i64 = 18;
const ZONE_MIN_W: i64 = 180;
const ZONE_GAP: i64 = 18;
const LABEL_W: i64 = 170;
const MARGIN: i64 = 16;
/// Zones wrap onto a new row of their band past this width (besides the label column).
const ROW_MAX_W: i64 = 1480;
const BAND_TOP: i64 = 26;
const BAND_BOTTOM: i64 = 14;
const LINE_H: i64 = 18;
const MIN_W: i64 = 960;
const MAX_TITLE_LINES: usize = 32;
const MAX_ACTION_LINES: usize = 8;
const MAX_PROCESS_LINES: usize = 20;
/// The colour of the cut: what the actions act on.
const CUT: &str = "#c2185b";
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/// Escapes text for XML content and attribute values: `& < > " '`, and control characters
/// (which XML does not allow) become U+FFFD.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, the last one an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Words into lines of at most `width` characters (longer words are split).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in s.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
        if len > 0 && len + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        len += word.len();
        line.extend(word);
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

// ------------------------------------------------------------------------------------ losses

/// What an asset's colour says, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Loss {
    Safety,
    Control,
    View,
    Alarm,
    Stopped,
    Authentication,
    RemoteAccess,
    TelemetryToIt,
    BusinessData,
    Other,
    Degraded,
}

impl Loss {
    fn of(c: Category) -> Loss {
        match c {
            Category::Control => Loss::Control,
            Category::View => Loss::View,
            Category::Alarm => Loss::Alarm,
            Category::Safety => Loss::Safety,
            Category::Authentication => Loss::Authentication,
            Category::RemoteAccess => Loss::RemoteAccess,
            Category::TelemetryToIt => Loss::TelemetryToIt,
            Category::BusinessData => Loss::BusinessData,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Loss::Safety => "safety",
            Loss::Control => "control",
            Loss::View => "view",
            Loss::Alarm => "alarm",
            Loss::Stopped => "stopped",
            Loss::Authentication => "authentication",
            Loss::RemoteAccess => "remote-access",
            Loss::TelemetryToIt => "telemetry-to-it",
            Loss::BusinessData => "business-data",
            Loss::Other => "other",
            Loss::Degraded => "degraded",
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Loss::Safety => "loses safety",
            Loss::Control => "loses control",
            Loss::View => "loses view",
            Loss::Alarm => "loses alarms",
            Loss::Stopped => "stopped (provides nothing)",
            Loss::Authentication => "loses authentication",
            Loss::RemoteAccess => "loses remote access",
            Loss::TelemetryToIt => "loses telemetry to IT",
            Loss::BusinessData => "loses business data",
            Loss::Other => "loses another input (history, logging, time, names, patching, backup)",
            Loss::Degraded => "degraded (some providers cut off)",
        }
    }

    fn fill(self) -> &'static str {
        match self {
            Loss::Safety => "#d32f2f",
            Loss::Control => "#f57c00",
            Loss::View => "#fdd835",
            Loss::Alarm => "#8e24aa",
            Loss::Stopped => "#616161",
            Loss::Authentication => "#1e88e5",
            Loss::RemoteAccess => "#26a69a",
            Loss::TelemetryToIt => "#a1887f",
            Loss::BusinessData => "#90a4ae",
            Loss::Other => "#80deea",
            Loss::Degraded => "#f0f4c3",
        }
    }

    fn ink(self) -> &'static str {
        match self {
            Loss::Safety | Loss::Alarm | Loss::Stopped | Loss::Authentication => "#ffffff",
            _ => "#212121",
        }
    }
}

/// What the picture shows of one affected asset.
#[derive(Debug, Default)]
struct AssetMark {
    losses: BTreeSet<Loss>,
    /// Input kinds lost entirely (each explained by the impact).
    lost: Vec<Function>,
    /// Input kinds degraded, with one broken dependency each.
    degraded: Vec<(Function, u32)>,
    stopped: Option<u16>,
    unusable: bool,
    /// Actions acting on the asset itself.
    acted: Vec<u16>,
    /// Actions disabling an account that logs into it.
    logins: Vec<u16>,
    /// A hop or target of a vendor pathway the actions act on.
    hop: bool,
}

impl AssetMark {
    fn worst(&self) -> Option<Loss> {
        self.losses.iter().next().copied()
    }

    fn is_cut(&self) -> bool {
        !self.acted.is_empty() || !self.logins.is_empty()
    }
}

/// Everything an impact marks on the site, looked up by index.
#[derive(Debug, Default)]
struct Marks {
    assets: HashMap<AssetIx, AssetMark>,
    zones: BTreeMap<ZoneIx, Vec<u16>>,
    conduits: BTreeMap<ConduitIx, Vec<u16>>,
    /// (vendor, pathway) -> actions.
    pathways: BTreeMap<(u32, usize), Vec<u16>>,
}

impl Marks {
    fn asset(&mut self, a: AssetIx) -> &mut AssetMark {
        self.assets.entry(a).or_default()
    }

    fn losses(&self) -> BTreeSet<Loss> {
        self.assets.values().flat_map(|m| m.losses.iter().copied()).collect()
    }
}

fn push_once(v: &mut Vec<u16>, i: u16) {
    if !v.contains(&i) {
        v.push(i);
    }
}

/// Whether losing input `k` shows as one of the impact's categories at an asset.
fn categorised(k: Function) -> bool {
    !matches!(
        k,
        Function::Historian
            | Function::Logging
            | Function::Time
            | Function::NameResolution
            | Function::Patching
            | Function::Backup
    )
}

fn marks(site: &Site, graph: &Graph, impact: &Impact) -> Marks {
    let mut m = Marks::default();
    for (i, action) in impact.actions.iter().enumerate() {
        let i = u16::try_from(i).unwrap_or(u16::MAX);
        for t in &action.targets {
            match t {
                Target::Asset(a) | Target::Address(_, Some(a)) => push_once(&mut m.asset(*a).acted, i),
                Target::Zone(z) => push_once(m.zones.entry(*z).or_default(), i),
                Target::Conduit(c) => push_once(m.conduits.entry(*c).or_default(), i),
                Target::Account(acc) => {
                    for a in site.accounts.get(acc.ix()).map(|x| x.assets.as_slice()).unwrap_or(&[]) {
                        push_once(&mut m.asset(*a).logins, i);
                    }
                }
                Target::Vendor(v) => {
                    let n = site.vendors.get(v.ix()).map(|x| x.pathways.len()).unwrap_or(0);
                    for p in 0..n {
                        push_once(m.pathways.entry((v.0, p)).or_default(), i);
                    }
                }
                Target::Pathway(v, p) => push_once(m.pathways.entry((v.0, *p)).or_default(), i),
                Target::Process(p) => {
                    for a in site.processes.get(*p).map(|x| x.control.as_slice()).unwrap_or(&[]) {
                        push_once(&mut m.asset(*a).acted, i);
                    }
                }
                Target::Site if action.effect == Effect::IslandMode => {
                    for c in graph.island_conduits(site) {
                        push_once(m.conduits.entry(c).or_default(), i);
                    }
                }
                Target::Site | Target::Address(_, None) => {}
            }
        }
    }
    for v in &impact.vendors {
        push_once(m.pathways.entry((v.vendor as u32, v.pathway)).or_default(), v.action);
    }
    let keys: Vec<(u32, usize)> = m.pathways.keys().copied().collect();
    for (v, p) in keys {
        let path = site.vendors.get(v as usize).and_then(|x| x.pathways.get(p));
        for a in path.map(|x| x.via.iter().chain(&x.targets).copied().collect::<Vec<_>>()).unwrap_or_default() {
            m.asset(a).hop = true;
        }
    }
    for (c, assets) in &impact.categories {
        for a in assets {
            m.asset(*a).losses.insert(Loss::of(*c));
        }
    }
    for (a, k, _) in &impact.lost {
        let mark = m.asset(*a);
        if !mark.lost.contains(k) {
            mark.lost.push(*k);
        }
        if !categorised(*k) && !mark.losses.contains(&Loss::TelemetryToIt) {
            mark.losses.insert(Loss::Other);
        }
    }
    for (a, i) in &impact.down {
        let mark = m.asset(*a);
        mark.stopped = Some(*i);
        mark.losses.insert(Loss::Stopped);
    }
    for (a, _) in &impact.unusable {
        m.asset(*a).unusable = true;
    }
    for (a, k, d) in &impact.degraded {
        let mark = m.asset(*a);
        mark.degraded.push((*k, *d));
        mark.losses.insert(Loss::Degraded);
    }
    m
}

// ------------------------------------------------------------------------------- consistency

fn target_fits(site: &Site, t: &Target) -> bool {
    match t {
        Target::Asset(a) | Target::Address(_, Some(a)) => a.ix() < site.assets.len(),
        Target::Zone(z) => z.ix() < site.zones.len(),
        Target::Conduit(c) => c.ix() < site.conduits.len(),
        Target::Account(a) => a.ix() < site.accounts.len(),
        Target::Vendor(v) => v.ix() < site.vendors.len(),
        Target::Pathway(v, p) => site.vendors.get(v.ix()).is_some_and(|x| *p < x.pathways.len()),
        Target::Process(p) => *p < site.processes.len(),
        Target::Address(_, None) | Target::Site => true,
    }
}

/// Whether every index the impact holds is one of the site's (the impact was computed on it).
fn fits(site: &Site, impact: &Impact) -> bool {
    let asset = |a: &AssetIx| a.ix() < site.assets.len();
    let dep = |d: u32| (d as usize) < site.dependencies.len();
    let action = |i: u16| (i as usize) < impact.actions.len();
    let vendor = |v: &VendorLoss| {
        site.vendors
            .get(v.vendor)
            .is_some_and(|x| v.pathway < x.pathways.len() && v.functions.iter().all(|f| *f < x.functions.len()))
            && action(v.action)
    };
    let cause = |c: &Cause| match c {
        Cause::Action(i) => action(*i),
        Cause::ProviderDown(a) | Cause::ProviderLost(a, _) | Cause::ProviderUnusable(a) => asset(a),
    };
    impact.actions.len() <= u16::MAX as usize
        && impact.actions.iter().all(|x| x.targets.iter().all(|t| target_fits(site, t)))
        && impact.broken.iter().all(|d| dep(*d))
        && impact.cause.iter().all(|(d, c)| dep(*d) && cause(c))
        && impact.down.iter().all(|(a, i)| asset(a) && action(*i))
        && impact.unusable.iter().all(|(a, u)| {
            asset(a)
                && match u {
                    Unusable::AccountsDisabled(i) => action(*i),
                    Unusable::LostAuthentication => true,
                }
        })
        && impact.lost.iter().chain(&impact.degraded).all(|(a, _, d)| asset(a) && dep(*d))
        && impact.accounts.iter().all(|(x, i)| x.ix() < site.accounts.len() && action(*i))
        && impact.vendors.iter().all(vendor)
        && impact.processes.iter().all(|p| p.process < site.processes.len() && p.stopped.is_none_or(action))
        && impact.categories.iter().all(|(_, v)| v.iter().all(asset))
}

fn node_fits(site: &Site, n: &Node) -> bool {
    match n {
        Node::Asset(a) => a.ix() < site.assets.len(),
        Node::Account(a) => a.ix() < site.accounts.len(),
        Node::Pathway(v, _) => v.ix() < site.vendors.len(),
    }
}

fn containment_fits(site: &Site, c: &Containment) -> bool {
    let foothold = |f: &Foothold| match f {
        Foothold::Asset(a) => a.ix() < site.assets.len(),
        Foothold::Account(a) => a.ix() < site.accounts.len(),
        Foothold::Pathway(v, _) | Foothold::Vendor(v) => v.ix() < site.vendors.len(),
    };
    let flow = |f: &BlockingFlow| {
        site.dependencies
            .get(f.dependency as usize)
            .is_some_and(|d| d.consumer.ix() < site.assets.len() && d.provider.ix() < site.assets.len())
            && f.processes.iter().all(|p| *p < site.processes.len())
    };
    let blocked = |b: &Blocked| {
        b.path.iter().all(|s| node_fits(site, &s.from) && node_fits(site, &s.to)) && b.flows.iter().all(flow)
    };
    c.footholds.iter().all(foothold)
        && c.compromised_protected.iter().all(|a| a.ix() < site.assets.len())
        && c.plans
            .iter()
            .all(|p| fits(site, &p.impact) && p.actions.iter().all(|a| a.targets.iter().all(|t| target_fits(site, t))))
        && c.blocked.as_ref().is_none_or(blocked)
}

/// A small picture that says why there is no picture.
fn notice_svg(text: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="impact-picture" viewBox="0 0 720 48" width="720" height="48" role="img" font-family="{FONT}"><title>{t}</title><rect x="0" y="0" width="720" height="48" fill="#fff3e0" stroke="#e65100"/><text x="16" y="29" font-size="13" fill="#bf360c">{t}</text></svg>"##,
        t = esc(text)
    );
    out
}

// ------------------------------------------------------------------------------------ layout

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Rect {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
}

impl Rect {
    fn center(self) -> (i64, i64) {
        (self.x + self.w / 2, self.y + self.h / 2)
    }

    fn union(self, o: Rect) -> Rect {
        let x = self.x.min(o.x);
        let y = self.y.min(o.y);
        Rect { x, y, w: (self.x + self.w).max(o.x + o.w) - x, h: (self.y + self.h).max(o.y + o.h) - y }
    }

    fn inflate(self, d: i64) -> Rect {
        Rect { x: self.x - d, y: self.y - d, w: self.w + 2 * d, h: self.h + 2 * d }
    }
}

/// The middle of the visible part of the line between two boxes' centres (outside both).
fn between(a: Rect, b: Rect) -> (i64, i64) {
    let ((ax, ay), (bx, by)) = (a.center(), b.center());
    let (dx, dy) = ((bx - ax) as f64, (by - ay) as f64);
    // How far along the line it leaves a box of this size around its start.
    let leave = |r: Rect| {
        let tx = if dx == 0.0 { f64::INFINITY } else { r.w as f64 / 2.0 / dx.abs() };
        let ty = if dy == 0.0 { f64::INFINITY } else { r.h as f64 / 2.0 / dy.abs() };
        tx.min(ty)
    };
    let (from, to) = (leave(a), 1.0 - leave(b));
    let t = if from.is_finite() && to.is_finite() && from < to { (from + to) / 2.0 } else { 0.5 };
    (ax + (dx * t).round() as i64, ay + (dy * t).round() as i64)
}

/// Bands top to bottom: level 5 first, level 0 last, then assets with no level.
fn band_key(l: Option<PurdueLevel>) -> u16 {
    match l {
        Some(l) => 100 - u16::from(l.tenths().min(100)),
        None => 1000,
    }
}

/// The band's label: the level, and what stands there.
fn band_label(l: Option<PurdueLevel>) -> (String, &'static str) {
    match l {
        None => ("No Purdue level".into(), "level not recorded"),
        Some(l) => {
            let what = match l.tenths() {
                50 => "Enterprise edge",
                40 => "Enterprise IT",
                35 => "Industrial DMZ",
                30 => "Site operations",
                20 => "Supervisory control",
                10 => "Basic control",
                _ => "Process and field devices",
            };
            (format!("Level {}", l.as_str()), what)
        }
    }
}

/// The zone and its ancestors, innermost first (guarded against loops).
fn chain(site: &Site, z: ZoneIx) -> Vec<ZoneIx> {
    let mut out = Vec::new();
    let mut next = Some(z);
    while let Some(x) = next {
        if out.len() > site.zones.len() {
            break;
        }
        let Some(zone) = site.zones.get(x.ix()) else { break };
        out.push(x);
        next = zone.parent;
    }
    out
}

/// Per zone: its effective Purdue level and its sort key (ids from the outermost zone in).
struct Zones<'a> {
    level: Vec<Option<PurdueLevel>>,
    path: Vec<Vec<&'a str>>,
}

impl<'a> Zones<'a> {
    fn new(site: &'a Site) -> Zones<'a> {
        let mut level = Vec::with_capacity(site.zones.len());
        let mut path = Vec::with_capacity(site.zones.len());
        for i in 0..site.zones.len() {
            let c = chain(site, ZoneIx(i as u32));
            level.push(c.iter().find_map(|z| site.zones.get(z.ix()).and_then(|x| x.purdue_level)));
            path.push(c.iter().rev().filter_map(|z| site.zones.get(z.ix()).map(|x| &*x.id)).collect());
        }
        Zones { level, path }
    }

    fn level(&self, z: ZoneIx) -> Option<PurdueLevel> {
        self.level.get(z.ix()).copied().flatten()
    }

    fn path(&self, z: ZoneIx) -> &[&'a str] {
        self.path.get(z.ix()).map(|p| p.as_slice()).unwrap_or(&[])
    }
}

/// One zone's assets at one level.
struct ZoneBox {
    level: Option<PurdueLevel>,
    zone: ZoneIx,
    assets: Vec<AssetIx>,
    drawn: Vec<AssetIx>,
    hidden: usize,
    hidden_affected: usize,
    cols: usize,
    rect: Rect,
}

impl ZoneBox {
    fn key(&self) -> u16 {
        band_key(self.level)
    }

    fn size(&self) -> (i64, i64) {
        let n = self.drawn.len();
        let cols = self.cols.max(1) as i64;
        let rows = n.div_ceil(self.cols.max(1)) as i64;
        let w = (2 * PAD + cols * NODE_W + (cols - 1) * GAP).max(ZONE_MIN_W);
        let more = if self.hidden > 0 { MORE_H } else { 0 };
        (w, ZONE_HEAD + rows * (NODE_H + GAP) + more + PAD)
    }

    fn node(&self, j: usize) -> Rect {
        let cols = self.cols.max(1);
        let (col, row) = ((j % cols) as i64, (j / cols) as i64);
        Rect {
            x: self.rect.x + PAD + col * (NODE_W + GAP),
            y: self.rect.y + ZONE_HEAD + row * (NODE_H + GAP),
            w: NODE_W,
            h: NODE_H,
        }
    }
}

fn columns(n: usize) -> usize {
    let mut c = 1;
    while c * c < n && c < MAX_COLS {
        c += 1;
    }
    c
}

struct Band {
    level: Option<PurdueLevel>,
    rect: Rect,
    zones: usize,
    assets: usize,
}

/// The whole picture's geometry.
struct Layout {
    boxes: Vec<ZoneBox>,
    bands: Vec<Band>,
    /// The box of each (band, zone).
    box_of: HashMap<(u16, u32), usize>,
    /// Each drawn asset's node.
    nodes: HashMap<AssetIx, Rect>,
    /// Where each zone's conduits attach: its own box (at its level when it has one there), or
    /// the outline of its sub-zones.
    anchor: HashMap<ZoneIx, Rect>,
    /// Zones with no asset of their own: the outline of their sub-zones.
    outlines: BTreeMap<ZoneIx, Rect>,
    width: i64,
    bottom: i64,
}

fn asset_level(site: &Site, zones: &Zones<'_>, a: AssetIx) -> Option<PurdueLevel> {
    let asset = site.assets.get(a.ix())?;
    asset.purdue_level.or_else(|| zones.level(asset.zone))
}

fn layout(site: &Site, zones: &Zones<'_>, marks: &Marks, top: i64, full: usize, cap: usize) -> Layout {
    // Boxes: one pass over the assets in id order, so each box lists its assets sorted by id.
    let mut boxes: Vec<ZoneBox> = Vec::new();
    let mut box_of: HashMap<(u16, u32), usize> = HashMap::new();
    for a in site.assets_in_id_order() {
        let Some(asset) = site.assets.get(a.ix()) else { continue };
        let level = asset_level(site, zones, a);
        let b = *box_of.entry((band_key(level), asset.zone.0)).or_insert_with(|| {
            boxes.push(ZoneBox {
                level,
                zone: asset.zone,
                assets: Vec::new(),
                drawn: Vec::new(),
                hidden: 0,
                hidden_affected: 0,
                cols: 1,
                rect: Rect::default(),
            });
            boxes.len() - 1
        });
        if let Some(bx) = boxes.get_mut(b) {
            bx.assets.push(a);
        }
    }
    boxes.sort_by(|x, y| (x.key(), zones.path(x.zone), x.zone).cmp(&(y.key(), zones.path(y.zone), y.zone)));
    box_of.clear();
    for (i, b) in boxes.iter_mut().enumerate() {
        box_of.insert((b.key(), b.zone.0), i);
        if b.assets.len() <= full {
            b.drawn = b.assets.clone();
        } else {
            let affected: Vec<AssetIx> = b.assets.iter().copied().filter(|a| marks.assets.contains_key(a)).collect();
            b.hidden_affected = affected.len().saturating_sub(cap);
            b.drawn = affected.into_iter().take(cap).collect();
        }
        b.hidden = b.assets.len() - b.drawn.len();
        b.cols = columns(b.drawn.len());
    }

    // Bands: zones left to right in their band, wrapping onto rows.
    let mut bands = Vec::new();
    let mut y = top;
    let mut max_x = 0;
    let start_x = LABEL_W + MARGIN;
    let mut i = 0;
    while i < boxes.len() {
        let key = boxes.get(i).map(|b| b.key()).unwrap_or(0);
        let level = boxes.get(i).and_then(|b| b.level);
        let band_y = y;
        let (mut x, mut row_y, mut row_h) = (start_x, y + BAND_TOP, 0);
        let (mut nzones, mut nassets) = (0, 0);
        while let Some(b) = boxes.get_mut(i) {
            if b.key() != key {
                break;
            }
            let (w, h) = b.size();
            if x > start_x && x + w > start_x + ROW_MAX_W {
                x = start_x;
                row_y += row_h + ZONE_GAP;
                row_h = 0;
            }
            b.rect = Rect { x, y: row_y, w, h };
            x += w + ZONE_GAP;
            row_h = row_h.max(h);
            max_x = max_x.max(b.rect.x + w);
            nzones += 1;
            nassets += b.assets.len();
            i += 1;
        }
        let h = (row_y + row_h + BAND_BOTTOM - band_y).max(64);
        bands.push(Band { level, rect: Rect { x: 0, y: band_y, w: 0, h }, zones: nzones, assets: nassets });
        y = band_y + h;
    }
    let width = (max_x + MARGIN).max(MIN_W);
    for b in &mut bands {
        b.rect.w = width;
    }

    let mut nodes = HashMap::new();
    for b in &boxes {
        for (j, a) in b.drawn.iter().enumerate() {
            nodes.insert(*a, b.node(j));
        }
    }

    // Anchors: a zone's own box (the one at its level, else its first); outlines for the rest.
    let mut anchor: HashMap<ZoneIx, Rect> = HashMap::new();
    let mut at_level: HashMap<ZoneIx, bool> = HashMap::new();
    let mut union: HashMap<ZoneIx, Rect> = HashMap::new();
    for b in &boxes {
        let own_level = zones.level(b.zone) == b.level;
        let better = match at_level.get(&b.zone) {
            None => true,
            Some(prev) => !prev && own_level,
        };
        if better {
            anchor.insert(b.zone, b.rect);
            at_level.insert(b.zone, own_level);
        }
        for z in chain(site, b.zone).into_iter().skip(1) {
            let r = union.get(&z).map(|u| u.union(b.rect)).unwrap_or(b.rect);
            union.insert(z, r);
        }
    }
    let mut outlines = BTreeMap::new();
    for (z, r) in union {
        if !anchor.contains_key(&z) {
            let depth = chain(site, z).len() as i64;
            outlines.insert(z, r.inflate(10 - depth.min(4)));
        }
    }
    for (z, r) in &outlines {
        anchor.insert(*z, *r);
    }
    Layout { boxes, bands, box_of, nodes, anchor, outlines, width, bottom: y }
}

// ----------------------------------------------------------------------------------- drawing

fn text(out: &mut String, x: i64, y: i64, size: u32, attrs: &str, s: &str) {
    let _ = write!(out, r#"<text x="{x}" y="{y}" font-size="{size}"{attrs}>{}</text>"#, esc(s));
}

fn title(out: &mut String, lines: &[String]) {
    let mut t = lines.iter().take(MAX_TITLE_LINES).cloned().collect::<Vec<_>>().join("\n");
    if lines.len() > MAX_TITLE_LINES {
        let _ = write!(t, "\n… and {} more lines", lines.len() - MAX_TITLE_LINES);
    }
    let _ = write!(out, "<title>{}</title>", esc(&t));
}

fn action_text(impact: &Impact, i: u16) -> String {
    impact.actions.get(i as usize).map(|a| format!("action {}: {}", i as usize + 1, a.text)).unwrap_or_default()
}

fn cause_text(site: &Site, impact: &Impact, d: u32) -> String {
    let id = |a: &AssetIx| site.assets.get(a.ix()).map(|x| x.id.to_string()).unwrap_or_default();
    match impact.cause.get(&d) {
        Some(Cause::Action(i)) => format!("cut by {}", action_text(impact, *i)),
        Some(Cause::ProviderDown(p)) => format!("{} is stopped", id(p)),
        Some(Cause::ProviderLost(p, k)) => format!("{} lost {k}", id(p)),
        Some(Cause::ProviderUnusable(p)) => format!("nobody can log into {}", id(p)),
        None => "broken".into(),
    }
}

/// The hover text of an asset: what it is, what acts on it, what it loses and why.
fn asset_title(site: &Site, zones: &Zones<'_>, impact: &Impact, a: AssetIx, mark: Option<&AssetMark>) -> Vec<String> {
    let Some(asset) = site.assets.get(a.ix()) else { return Vec::new() };
    let zone = site.zones.get(asset.zone.ix()).map(|z| &*z.id).unwrap_or("?");
    let level = asset_level(site, zones, a).map(|l| format!("Purdue {l}")).unwrap_or_else(|| "no Purdue level".into());
    let mut lines = vec![
        if asset.name == asset.id { asset.id.to_string() } else { format!("{}: {}", asset.id, asset.name) },
        format!("{}, {level}, zone {zone}, {} criticality", asset.kind, asset.criticality),
    ];
    let Some(m) = mark else { return lines };
    if !m.losses.is_empty() {
        lines.push(format!("Impact: {}", m.losses.iter().map(|l| l.legend()).collect::<Vec<_>>().join("; ")));
    }
    for i in &m.acted {
        lines.push(format!("Acted on by {}", action_text(impact, *i)));
    }
    for i in &m.logins {
        lines.push(format!("An account that logs into it is disabled by {}", action_text(impact, *i)));
    }
    if m.hop {
        lines.push("On a vendor pathway the actions act on".into());
    }
    if let Some(i) = m.stopped {
        lines.push(format!("Stopped by {}", action_text(impact, i)));
    }
    if m.unusable {
        lines.extend(impact.explain_unusable(site, a));
    }
    for k in &m.lost {
        lines.extend(impact.explain(site, a, *k));
    }
    for (k, d) in &m.degraded {
        let dep = site.dependencies.get(*d as usize);
        let provider = dep.and_then(|x| site.assets.get(x.provider.ix())).map(|x| &*x.id).unwrap_or("?");
        lines.push(format!(
            "{} degraded: {k} from {provider} is broken ({}); other providers remain",
            asset.id,
            cause_text(site, impact, *d)
        ));
    }
    lines
}

fn asset_node(
    out: &mut String,
    site: &Site,
    zones: &Zones<'_>,
    impact: &Impact,
    a: AssetIx,
    r: Rect,
    m: Option<&AssetMark>,
) {
    let Some(asset) = site.assets.get(a.ix()) else { return };
    let worst = m.and_then(|m| m.worst());
    let (fill, ink) = worst.map(|l| (l.fill(), l.ink())).unwrap_or(("#ffffff", "#263238"));
    let cut = m.is_some_and(|m| !m.acted.is_empty());
    let logins = m.is_some_and(|m| m.acted.is_empty() && !m.logins.is_empty());
    let stroke = if cut {
        format!(r#" stroke="{CUT}" stroke-width="3.5""#)
    } else if logins {
        format!(r#" stroke="{CUT}" stroke-width="3" stroke-dasharray="5 3""#)
    } else {
        r##" stroke="#78909c" stroke-width="1""##.to_string()
    };
    let losses: Vec<&str> = m.map(|m| m.losses.iter().map(|l| l.key()).collect()).unwrap_or_default();
    let id = esc(&asset.id);
    let _ = write!(out, r#"<g class="asset" id="ip-asset-{id}" data-asset="{id}""#);
    if !losses.is_empty() {
        let _ = write!(out, r#" data-loss="{}""#, losses.join(" "));
    }
    if m.is_some_and(|m| m.is_cut()) {
        out.push_str(r#" data-cut="true""#);
    }
    out.push('>');
    title(out, &asset_title(site, zones, impact, a, m));
    let _ =
        write!(out, r#"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{fill}"{stroke}/>"#, r.x, r.y, r.w, r.h);
    text(out, r.x + 5, r.y + 14, 11, &format!(r#" fill="{ink}""#), &clip(&asset.id, 20));
    out.push_str("</g>");
}

/// Actions acting on a zone or on a zone it nests in.
fn zone_cut(site: &Site, marks: &Marks, z: ZoneIx) -> Vec<u16> {
    let mut v = Vec::new();
    for x in chain(site, z) {
        for i in marks.zones.get(&x).map(|v| v.as_slice()).unwrap_or(&[]) {
            push_once(&mut v, *i);
        }
    }
    v
}

fn zone_title(site: &Site, impact: &Impact, z: ZoneIx, cut: &[u16], extra: &[String]) -> Vec<String> {
    let Some(zone) = site.zones.get(z.ix()) else { return Vec::new() };
    let mut lines = vec![format!("zone {}: {}", zone.id, zone.name)];
    let mut facts = Vec::new();
    if let Some(l) = zone.purdue_level {
        facts.push(format!("Purdue {l}"));
    }
    if let Some(d) = zone.domain {
        facts.push(format!("domain {d}"));
    }
    if let Some(sl) = zone.security_level {
        facts.push(format!("security level {sl}"));
    }
    if let Some(p) = zone.parent.and_then(|p| site.zones.get(p.ix())) {
        facts.push(format!("inside {}", p.id));
    }
    if !facts.is_empty() {
        lines.push(facts.join(", "));
    }
    if let Some(d) = &zone.description {
        lines.push(clip(d, 240));
    }
    lines.extend(extra.iter().cloned());
    for i in cut {
        lines.push(format!("Acted on by {}", action_text(impact, *i)));
    }
    lines
}

fn legend_swatch(out: &mut String, x: i64, y: i64, kind: &Swatch) {
    match kind {
        Swatch::Cut => {
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{y}" width="16" height="12" rx="2" fill="#ffffff" stroke="{CUT}" stroke-width="3"/>"##
            );
        }
        Swatch::Logins => {
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{y}" width="16" height="12" rx="2" fill="#ffffff" stroke="{CUT}" stroke-width="2.5" stroke-dasharray="4 2"/>"##
            );
        }
        Swatch::Loss(l) => {
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{y}" width="16" height="12" rx="2" fill="{}" stroke="#78909c"/>"##,
                l.fill()
            );
        }
        Swatch::Plain => {
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{y}" width="16" height="12" rx="2" fill="#ffffff" stroke="#78909c"/>"##
            );
        }
        Swatch::Line(colour, width, dash) => {
            let dash = if *dash { r#" stroke-dasharray="6 4""# } else { "" };
            let _ = write!(
                out,
                r#"<line x1="{x}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="{width}"{dash}/>"#,
                y + 6,
                x + 18,
                y + 6
            );
        }
        Swatch::Attacker => {
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{y}" width="16" height="12" rx="2" fill="#eceff1" stroke="#212121" stroke-width="2.5" stroke-dasharray="3 2"/>"##
            );
        }
        Swatch::Protected => {
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{y}" width="16" height="12" rx="2" fill="{PROTECTED}" stroke="#2e7d32"/>"##
            );
        }
    }
}

enum Swatch {
    Cut,
    Logins,
    Loss(Loss),
    Plain,
    Line(&'static str, u32, bool),
    Attacker,
    Protected,
}

/// A legend flowing left to right; returns its height.
fn legend(out: &mut String, x0: i64, y0: i64, width: i64, items: &[(Swatch, String)]) -> i64 {
    let (mut x, mut y) = (x0, y0);
    for (s, label) in items {
        let w = 26 + (label.chars().count() as i64) * 6 + 18;
        if x > x0 && x + w > x0 + width {
            x = x0;
            y += LINE_H;
        }
        let _ = write!(out, r#"<g class="legend-item" data-legend="{}">"#, esc(label));
        legend_swatch(out, x, y, s);
        text(out, x + 24, y + 11, 11, r##" fill="#37474f""##, label);
        out.push_str("</g>");
        x += w;
    }
    y + LINE_H - y0
}

fn status_words(site: &Site, p: &impact::ProcessImpact) -> (String, Option<Loss>) {
    let name = site.processes.get(p.process).map(|x| &*x.name).unwrap_or("?");
    let mut parts = Vec::new();
    for (what, s) in [("control", p.control), ("view", p.view), ("alarms", p.alarm), ("safety", p.safety)] {
        if s != Status::Intact {
            parts.push(format!("{what} {}", s.as_str()));
        }
    }
    if let Some(i) = p.stopped {
        parts.push(format!("stopped by action {}", i as usize + 1));
    }
    if p.manual {
        parts.push("on manual operation".into());
    }
    let worst = if p.safety != Status::Intact {
        Some(Loss::Safety)
    } else if p.control == Status::Lost || p.stopped.is_some() {
        Some(Loss::Control)
    } else if p.view == Status::Lost {
        Some(Loss::View)
    } else if p.alarm == Status::Lost {
        Some(Loss::Alarm)
    } else {
        Some(Loss::Degraded)
    };
    (format!("{name}: {}", parts.join(", ")), worst)
}

/// Renders the impact picture of `impact` (the actions it was computed for are in
/// `impact.actions`) on `site`, whose compiled graph is `graph`, as one inline SVG element.
pub fn impact_svg(site: &Site, graph: &Graph, impact: &Impact) -> String {
    render_impact(site, graph, impact, FULL_ZONE, MAX_DRAWN)
}

fn render_impact(site: &Site, graph: &Graph, impact: &Impact, full: usize, cap: usize) -> String {
    if !fits(site, impact) {
        return notice_svg("This impact was computed on another site model: analyse the actions again to draw it.");
    }
    let marks = marks(site, graph, impact);
    let zones = Zones::new(site);

    // The header: the actions, the verdict; the vendor pathways acted on start at its right.
    let mut head: Vec<(String, bool, Vec<String>)> = Vec::new();
    head.push((format!("Impact picture · {}", clip(&site.info.name, 80)), true, Vec::new()));
    for (i, a) in impact.actions.iter().enumerate().take(MAX_ACTION_LINES) {
        let targets: Vec<String> = a.targets.iter().map(|t| t.describe(site)).collect();
        head.push((
            clip(&format!("{}. {} (for {})", i + 1, a.text, a.intent.as_str()), 150),
            false,
            vec![format!("Targets: {}", targets.join(", "))],
        ));
    }
    if impact.actions.len() > MAX_ACTION_LINES {
        head.push((format!("… and {} more actions", impact.actions.len() - MAX_ACTION_LINES), false, Vec::new()));
    }
    let affected = marks.assets.values().filter(|m| !m.losses.is_empty()).count();
    let mut verdict_title: Vec<String> = Vec::new();
    if let impact::Verdict::Unsafe { reasons, .. } = &impact.verdict {
        verdict_title.extend(reasons.iter().map(|r| format!("Unsafe: {r}")));
    }
    for m in impact.verdict.measures() {
        verdict_title.push(format!("Measure: {} ({})", m.what, m.why));
    }
    head.push((
        format!(
            "Verdict: {} · {} dependencies broken · {} assets affected",
            impact.verdict.word(),
            impact.broken.len(),
            affected
        ),
        true,
        verdict_title,
    ));
    for (acc, i) in &impact.accounts {
        if let Some(account) = site.accounts.get(acc.ix()) {
            let on: Vec<&str> =
                account.assets.iter().take(6).filter_map(|a| site.assets.get(a.ix())).map(|a| &*a.id).collect();
            let more = account.assets.len().saturating_sub(6);
            head.push((
                clip(
                    &format!(
                        "Account {} disabled by action {}{}{}",
                        account.id,
                        *i as usize + 1,
                        if on.is_empty() { String::new() } else { format!("; it logs into {}", on.join(", ")) },
                        if more > 0 { format!(" and {more} more") } else { String::new() }
                    ),
                    150,
                ),
                false,
                Vec::new(),
            ));
        }
    }
    let pathways: Vec<((u32, usize), Vec<u16>)> = marks.pathways.iter().map(|(k, v)| (*k, v.clone())).collect();
    let head_h = MARGIN + ((head.len() as i64) * LINE_H).max(pathways.len() as i64 * 26) + 10;

    let lay = layout(site, &zones, &marks, head_h, full, cap);
    let w = lay.width;
    let mut body = String::new();

    // Bands.
    for (i, b) in lay.bands.iter().enumerate() {
        let fill = if i % 2 == 0 { "#f5f7fa" } else { "#e9eef3" };
        let (label, what) = band_label(b.level);
        let _ = write!(
            body,
            r#"<g class="band" data-level="{}"><rect x="0" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
            b.level.map(|l| l.as_str()).unwrap_or("none"),
            b.rect.y,
            w,
            b.rect.h
        );
        text(&mut body, MARGIN, b.rect.y + 24, 14, r##" font-weight="bold" fill="#263238""##, &label);
        text(&mut body, MARGIN, b.rect.y + 41, 11, r##" fill="#455a64""##, what);
        text(
            &mut body,
            MARGIN,
            b.rect.y + 57,
            10,
            r##" fill="#78909c""##,
            &format!("{} zone{}, {} assets", b.zones, if b.zones == 1 { "" } else { "s" }, b.assets),
        );
        body.push_str("</g>");
    }

    // Zones with no asset of their own: dashed outlines around their sub-zones.
    for (z, r) in &lay.outlines {
        let Some(zone) = site.zones.get(z.ix()) else { continue };
        let cut = zone_cut(site, &marks, *z);
        let stroke = if cut.is_empty() {
            r##"stroke="#90a4ae" stroke-width="1.5" stroke-dasharray="6 4""##.to_string()
        } else {
            format!(r#"stroke="{CUT}" stroke-width="4" stroke-dasharray="10 5""#)
        };
        let _ = write!(body, r#"<g class="zone-outline" data-zone="{}""#, esc(&zone.id));
        if !cut.is_empty() {
            body.push_str(r#" data-cut="true""#);
        }
        body.push('>');
        title(&mut body, &zone_title(site, impact, *z, &cut, &[]));
        let _ = write!(
            body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="8" fill="none" {stroke}/>"#,
            r.x, r.y, r.w, r.h
        );
        text(
            &mut body,
            r.x + 6,
            r.y - 3,
            10,
            r##" font-style="italic" fill="#546e7a""##,
            &clip(&format!("{} · {}", zone.id, zone.name), 60),
        );
        body.push_str("</g>");
    }

    // Conduits, under the zones: straight between two zones, through a hub between more.
    let mut cut_labels = String::new();
    for (c, conduit) in site.conduits.iter().enumerate() {
        let c = ConduitIx(c as u32);
        let mut rects: Vec<Rect> = conduit.zones.iter().filter_map(|z| lay.anchor.get(z)).copied().collect();
        rects.dedup_by_key(|r| r.center());
        let points: Vec<(i64, i64)> = rects.iter().map(|r| r.center()).collect();
        if points.len() < 2 {
            continue;
        }
        let n = points.len() as i64;
        let hub = match rects.as_slice() {
            [a, b] => between(*a, *b),
            _ => (points.iter().map(|p| p.0).sum::<i64>() / n, points.iter().map(|p| p.1).sum::<i64>() / n),
        };
        let cut = marks.conduits.get(&c).cloned().unwrap_or_default();
        let (stroke, width) = if cut.is_empty() { ("#90a4ae", 2) } else { (CUT, 6) };
        let id = esc(&conduit.id);
        let _ = write!(body, r#"<g class="conduit" id="ip-conduit-{id}" data-conduit="{id}""#);
        if !cut.is_empty() {
            body.push_str(r#" data-cut="true""#);
        }
        body.push('>');
        let mut lines = vec![format!("conduit {}: {}", conduit.id, conduit.name)];
        let names: Vec<&str> = conduit.zones.iter().filter_map(|z| site.zones.get(z.ix())).map(|z| &*z.id).collect();
        lines.push(format!("zones: {}", names.join(", ")));
        if !conduit.channels.is_empty() {
            let ch: Vec<String> = conduit.channels.iter().take(16).map(|c| c.name.to_string()).collect();
            let more = conduit.channels.len().saturating_sub(16);
            lines.push(format!(
                "channels: {}{}",
                ch.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ));
        }
        for i in &cut {
            lines.push(format!("Cut by {}", action_text(impact, *i)));
        }
        title(&mut body, &lines);
        if let [a, b] = points.as_slice() {
            let _ = write!(
                body,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{width}"/>"#,
                a.0, a.1, b.0, b.1
            );
        } else {
            for p in &points {
                let _ = write!(
                    body,
                    r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{width}"/>"#,
                    hub.0, hub.1, p.0, p.1
                );
            }
            let _ = write!(body, r#"<circle cx="{}" cy="{}" r="5" fill="{stroke}"/>"#, hub.0, hub.1);
        }
        body.push_str("</g>");
        if !cut.is_empty() {
            let label = format!("cut: {}", clip(&conduit.id, 40));
            let lw = label.chars().count() as i64 * 6 + 10;
            let _ = write!(
                cut_labels,
                r##"<g class="cut-label"><rect x="{}" y="{}" width="{lw}" height="16" rx="3" fill="#ffffff" stroke="{CUT}"/>"##,
                hub.0 - lw / 2,
                hub.1 - 8
            );
            text(
                &mut cut_labels,
                hub.0 - lw / 2 + 5,
                hub.1 + 4,
                10,
                &format!(r#" fill="{CUT}" font-weight="bold""#),
                &label,
            );
            cut_labels.push_str("</g>");
        }
    }

    // Zones and their assets.
    for b in &lay.boxes {
        let Some(zone) = site.zones.get(b.zone.ix()) else { continue };
        let cut = zone_cut(site, &marks, b.zone);
        let zid = esc(&zone.id);
        let lvl = b.level.map(|l| l.as_str()).unwrap_or("none");
        let _ = write!(body, r#"<g class="zone" id="ip-zone-{zid}-{lvl}" data-zone="{zid}" data-level="{lvl}""#);
        if !cut.is_empty() {
            body.push_str(r#" data-cut="true""#);
        }
        body.push('>');
        let mut extra = vec![format!("{} assets at this level", b.assets.len())];
        if b.hidden > 0 {
            extra
                .push(format!("{} not drawn (only affected assets are drawn in a zone of more than {full})", b.hidden));
        }
        title(&mut body, &zone_title(site, impact, b.zone, &cut, &extra));
        let stroke = if cut.is_empty() {
            r##"stroke="#607d8b" stroke-width="1.2""##.to_string()
        } else {
            format!(r#"stroke="{CUT}" stroke-width="4""#)
        };
        let r = b.rect;
        let _ = write!(
            body,
            r##"<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="#ffffff" fill-opacity="0.92" {stroke}/>"##,
            r.x, r.y, r.w, r.h
        );
        let chars = ((r.w - 2 * PAD) / 6).max(10) as usize;
        text(
            &mut body,
            r.x + PAD,
            r.y + 15,
            11,
            r##" font-weight="bold" fill="#37474f""##,
            &clip(&format!("{} · {}", zone.id, zone.name), chars),
        );
        out_nodes(&mut body, site, &zones, impact, &marks, b);
        if b.hidden > 0 {
            let rows = b.drawn.len().div_ceil(b.cols.max(1)) as i64;
            let y = r.y + ZONE_HEAD + rows * (NODE_H + GAP) + 12;
            let label = if b.drawn.is_empty() {
                format!("{} assets, none affected", b.hidden)
            } else {
                format!("+{} more", b.hidden)
            };
            let mut lines = vec![format!("{} more assets in {} at this level, not drawn", b.hidden, zone.id)];
            if b.hidden_affected > 0 {
                lines.push(format!("{} of them affected (too many to draw)", b.hidden_affected));
            }
            body.push_str(r#"<g class="more">"#);
            title(&mut body, &lines);
            text(&mut body, r.x + PAD, y, 11, r##" font-style="italic" fill="#546e7a""##, &label);
            body.push_str("</g>");
        }
        body.push_str("</g>");
    }
    body.push_str(&cut_labels);

    // Vendor pathways acted on: from their marker in the header through the hops to the targets.
    let asset_at = |a: AssetIx| -> Option<(i64, i64)> {
        if let Some(r) = lay.nodes.get(&a) {
            return Some(r.center());
        }
        let asset = site.assets.get(a.ix())?;
        let b = lay.box_of.get(&(band_key(asset_level(site, &zones, a)), asset.zone.0))?;
        lay.boxes.get(*b).map(|b| b.rect.center())
    };
    for (n, ((v, p), acts)) in pathways.iter().enumerate() {
        let Some(vendor) = site.vendors.get(*v as usize) else { continue };
        let Some(path) = vendor.pathways.get(*p) else { continue };
        let mx = w - MARGIN - 240;
        let my = MARGIN + n as i64 * 26;
        let start = (mx + 120, my + 20);
        let mut points = vec![start];
        points.extend(path.via.iter().filter_map(|a| asset_at(*a)));
        let fork = points.last().copied().unwrap_or(start);
        let key = format!("{}/{}", vendor.id, path.id);
        let _ = write!(body, r#"<g class="pathway" data-pathway="{}" data-cut="true">"#, esc(&key));
        let id = |a: &AssetIx| site.assets.get(a.ix()).map(|x| x.id.to_string()).unwrap_or_default();
        let mut lines = vec![
            format!("vendor pathway {key} ({})", vendor.name),
            format!(
                "via {} to {}",
                path.via.iter().map(id).collect::<Vec<_>>().join(" → "),
                path.targets.iter().map(id).collect::<Vec<_>>().join(", ")
            ),
        ];
        lines.extend(acts.iter().map(|i| format!("Acted on by {}", action_text(impact, *i))));
        for loss in impact.vendors.iter().filter(|l| l.vendor == *v as usize && l.pathway == *p) {
            for f in loss.functions.iter().filter_map(|f| vendor.functions.get(*f)) {
                lines.push(format!(
                    "The site loses the vendor's {}{}",
                    f.name,
                    if f.safety_critical { " (safety-critical)" } else { "" }
                ));
            }
        }
        title(&mut body, &lines);
        let mut targets = path.targets.iter().filter_map(|a| asset_at(*a));
        if let Some(t) = targets.next() {
            points.push(t);
        }
        let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x},{y}")).collect();
        let _ = write!(
            body,
            r#"<polyline points="{}" fill="none" stroke="{CUT}" stroke-width="3" stroke-dasharray="9 5" stroke-opacity="0.85"/>"#,
            pts.join(" ")
        );
        for t in targets {
            let _ = write!(
                body,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{CUT}" stroke-width="3" stroke-dasharray="9 5" stroke-opacity="0.85"/>"#,
                fork.0, fork.1, t.0, t.1
            );
        }
        let _ = write!(
            body,
            r##"<rect x="{mx}" y="{my}" width="240" height="20" rx="4" fill="#fce4ec" stroke="{CUT}" stroke-width="2"/>"##
        );
        text(
            &mut body,
            mx + 6,
            my + 14,
            11,
            &format!(r#" fill="{CUT}" font-weight="bold""#),
            &clip(&format!("vendor {key}"), 36),
        );
        body.push_str("</g>");
    }

    // The header text, clear of the pathway markers.
    let head_chars = ((w - 2 * MARGIN - if pathways.is_empty() { 0 } else { 250 }) / 7).max(20) as usize;
    for (i, (line, bold, t)) in head.iter().enumerate() {
        let y = MARGIN + 12 + i as i64 * LINE_H;
        let attrs = if *bold { r##" font-weight="bold" fill="#263238""## } else { r##" fill="#37474f""## };
        body.push_str("<g class=\"caption\">");
        if !t.is_empty() {
            title(&mut body, t);
        }
        text(&mut body, MARGIN, y, if i == 0 { 15 } else { 12 }, attrs, &clip(line, head_chars));
        body.push_str("</g>");
    }

    // The legend, then the processes affected and the self-inflicted ATT&CK for ICS impacts.
    let mut y = lay.bottom + 14;
    let mut items = vec![(Swatch::Cut, "acted on by the action (the cut)".to_string())];
    if marks.assets.values().any(|m| m.acted.is_empty() && !m.logins.is_empty()) {
        items.push((Swatch::Logins, "an account that logs in is disabled".into()));
    }
    items.extend(marks.losses().into_iter().map(|l| (Swatch::Loss(l), l.legend().to_string())));
    items.push((Swatch::Plain, "not affected".into()));
    items.push((Swatch::Line("#90a4ae", 2, false), "conduit".into()));
    if !marks.conduits.is_empty() {
        items.push((Swatch::Line(CUT, 5, false), "conduit cut".into()));
    }
    if !marks.pathways.is_empty() {
        items.push((Swatch::Line(CUT, 3, true), "vendor pathway acted on".into()));
    }
    body.push_str(r#"<g class="legend">"#);
    y += legend(&mut body, MARGIN, y, w - 2 * MARGIN, &items);
    body.push_str("</g>");

    y += 8;
    body.push_str(r#"<g class="processes">"#);
    if impact.processes.is_empty() {
        text(&mut body, MARGIN, y + 12, 12, r##" fill="#37474f""##, "No critical process loses anything.");
        y += LINE_H;
    } else {
        text(&mut body, MARGIN, y + 12, 12, r##" font-weight="bold" fill="#263238""##, "Critical processes affected");
        y += LINE_H;
        for p in impact.processes.iter().take(MAX_PROCESS_LINES) {
            let (line, worst) = status_words(site, p);
            let id = site.processes.get(p.process).map(|x| esc(&x.id)).unwrap_or_default();
            let _ = write!(body, r#"<g class="process" data-process="{id}">"#);
            title(&mut body, &p.reasons);
            if let Some(l) = worst {
                legend_swatch(&mut body, MARGIN, y + 2, &Swatch::Loss(l));
            }
            text(&mut body, MARGIN + 24, y + 12, 12, r##" fill="#263238""##, &clip(&line, 160));
            body.push_str("</g>");
            y += LINE_H;
        }
        if impact.processes.len() > MAX_PROCESS_LINES {
            text(
                &mut body,
                MARGIN + 24,
                y + 12,
                12,
                r##" fill="#546e7a""##,
                &format!("… and {} more processes", impact.processes.len() - MAX_PROCESS_LINES),
            );
            y += LINE_H;
        }
    }
    body.push_str("</g>");
    if !impact.self_inflicted.is_empty() {
        body.push_str(r#"<g class="self-inflicted">"#);
        let lines: Vec<String> =
            impact.self_inflicted.iter().map(|s| format!("{} {}: {}", s.technique, s.name, s.because)).collect();
        title(&mut body, &lines);
        let names: Vec<String> = impact.self_inflicted.iter().map(|s| format!("{} {}", s.technique, s.name)).collect();
        text(
            &mut body,
            MARGIN,
            y + 14,
            12,
            r##" fill="#b71c1c""##,
            &clip(&format!("Self-inflicted ATT&CK for ICS impacts: {}", names.join(", ")), 200),
        );
        body.push_str("</g>");
        y += LINE_H;
    }
    let h = y + MARGIN;

    let actions: Vec<&str> = impact.actions.iter().map(|a| &*a.text).collect();
    let mut out = String::with_capacity(body.len() + 512);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="impact-picture" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" font-family="{FONT}"><title>{}</title><rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>"##,
        esc(&format!("Impact of {} on {}", actions.join("; "), site.info.name))
    );
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

fn out_nodes(out: &mut String, site: &Site, zones: &Zones<'_>, impact: &Impact, marks: &Marks, b: &ZoneBox) {
    for (j, a) in b.drawn.iter().enumerate() {
        asset_node(out, site, zones, impact, *a, b.node(j), marks.assets.get(a));
    }
}

// ------------------------------------------------------------------------------ alternatives

const PANEL_W: i64 = 380;
const PANEL_GAP: i64 = 16;
const PANEL_PAD: i64 = 12;
const PANELS_PER_ROW: usize = 4;
const PANEL_LINE_H: i64 = 15;
const PANEL_CHARS: usize = 56;
const MAX_PANEL_LINES: usize = 40;
const CELL: i64 = 16;
const CELL_GAP: i64 = 4;
const MINI_LABEL_W: i64 = 36;
const PROTECTED: &str = "#81c784";

/// The site's zones as small cells in Purdue bands: one cell per zone that has assets.
struct Mini {
    cells: Vec<(ZoneIx, Rect)>,
    anchor: HashMap<ZoneIx, Rect>,
    bands: Vec<(Option<PurdueLevel>, i64)>,
    h: i64,
}

fn mini_layout(site: &Site, graph: &Graph, zones: &Zones<'_>, width: i64) -> Mini {
    let mut order: Vec<ZoneIx> =
        (0..site.zones.len()).map(|z| ZoneIx(z as u32)).filter(|z| !graph.zone_assets.row(z.ix()).is_empty()).collect();
    order.sort_by(|x, y| {
        (band_key(zones.level(*x)), zones.path(*x), *x).cmp(&(band_key(zones.level(*y)), zones.path(*y), *y))
    });
    let per_row = ((width - MINI_LABEL_W) / (CELL + CELL_GAP)).max(1) as usize;
    let mut cells = Vec::with_capacity(order.len());
    let mut bands = Vec::new();
    let mut y = 0;
    let mut i = 0;
    while let Some(first) = order.get(i) {
        let key = band_key(zones.level(*first));
        bands.push((zones.level(*first), y));
        let mut k = 0;
        while let Some(z) = order.get(i) {
            if band_key(zones.level(*z)) != key {
                break;
            }
            let (col, row) = ((k % per_row) as i64, (k / per_row) as i64);
            cells.push((
                *z,
                Rect { x: MINI_LABEL_W + col * (CELL + CELL_GAP), y: y + row * (CELL + CELL_GAP), w: CELL, h: CELL },
            ));
            k += 1;
            i += 1;
        }
        y += (k.div_ceil(per_row) as i64) * (CELL + CELL_GAP) + 4;
    }
    let mut anchor: HashMap<ZoneIx, Rect> = cells.iter().copied().collect();
    let mut union: HashMap<ZoneIx, Rect> = HashMap::new();
    for (z, r) in &cells {
        for p in chain(site, *z).into_iter().skip(1) {
            let u = union.get(&p).map(|u| u.union(*r)).unwrap_or(*r);
            union.insert(p, u);
        }
    }
    for (z, r) in union {
        anchor.entry(z).or_insert(r);
    }
    Mini { cells, anchor, bands, h: y }
}

/// What one panel's mini-map shows of a zone.
#[derive(Debug, Default, Clone)]
struct ZoneState {
    worst: Option<Loss>,
    affected: usize,
    cut: bool,
    attacker: bool,
    protected: bool,
}

fn plan_states(site: &Site, graph: &Graph, marks: &Marks) -> HashMap<ZoneIx, ZoneState> {
    let mut states: HashMap<ZoneIx, ZoneState> = HashMap::new();
    for (a, m) in &marks.assets {
        let Some(asset) = site.assets.get(a.ix()) else { continue };
        let s = states.entry(asset.zone).or_default();
        if let Some(l) = m.worst() {
            s.worst = Some(s.worst.map_or(l, |w| w.min(l)));
            s.affected += 1;
        }
        s.cut |= m.is_cut() || m.hop;
    }
    for z in marks.zones.keys() {
        if z.ix() < site.zones.len() {
            for d in graph.zone_and_descendants(*z) {
                states.entry(d).or_default().cut = true;
            }
        }
    }
    states
}

fn mini_svg(out: &mut String, site: &Site, mini: &Mini, states: &HashMap<ZoneIx, ZoneState>, cut: &[ConduitIx]) {
    for (level, y) in &mini.bands {
        let label = level.map(|l| format!("L{l}")).unwrap_or_else(|| "—".into());
        text(out, 0, y + 12, 10, r##" fill="#607d8b""##, &label);
    }
    for (z, r) in &mini.cells {
        let Some(zone) = site.zones.get(z.ix()) else { continue };
        let s = states.get(z).cloned().unwrap_or_default();
        let fill = if s.protected { PROTECTED } else { s.worst.map(|l| l.fill()).unwrap_or("#eceff1") };
        let stroke = if s.cut {
            format!(r#"stroke="{CUT}" stroke-width="3""#)
        } else if s.attacker {
            r##"stroke="#212121" stroke-width="2.5" stroke-dasharray="3 2""##.to_string()
        } else {
            r##"stroke="#b0bec5" stroke-width="1""##.to_string()
        };
        let _ = write!(out, r#"<g class="mini-zone" data-zone="{}">"#, esc(&zone.id));
        let mut lines = vec![format!("zone {}: {}", zone.id, zone.name)];
        if s.affected > 0 {
            lines.push(format!(
                "{} asset{} affected; worst: {}",
                s.affected,
                if s.affected == 1 { "" } else { "s" },
                s.worst.map(|l| l.legend()).unwrap_or("")
            ));
        }
        if s.cut {
            lines.push("acted on by the plan".into());
        }
        if s.attacker {
            lines.push("on the attacker path".into());
        }
        if s.protected {
            lines.push("an end of a protected flow in the way".into());
        }
        title(out, &lines);
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="{fill}" {stroke}/>"#,
            r.x, r.y, r.w, r.h
        );
        out.push_str("</g>");
    }
    for c in cut {
        let Some(conduit) = site.conduits.get(c.ix()) else { continue };
        let points: Vec<(i64, i64)> =
            conduit.zones.iter().filter_map(|z| mini.anchor.get(z)).map(|r| r.center()).collect();
        let _ = write!(out, r#"<g class="mini-conduit" data-conduit="{}" data-cut="true">"#, esc(&conduit.id));
        title(out, &[format!("conduit {} cut", conduit.id)]);
        for pair in points.windows(2) {
            if let [a, b] = pair {
                let _ = write!(
                    out,
                    r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{CUT}" stroke-width="3"/>"#,
                    a.0, a.1, b.0, b.1
                );
            }
        }
        out.push_str("</g>");
    }
}

struct PLine {
    text: String,
    bold: bool,
    colour: &'static str,
}

impl PLine {
    fn plain(text: String) -> PLine {
        PLine { text, bold: false, colour: "#37474f" }
    }

    fn bold(text: String) -> PLine {
        PLine { text, bold: true, colour: "#263238" }
    }

    fn red(text: String) -> PLine {
        PLine { text, bold: true, colour: "#b71c1c" }
    }
}

fn wrapped(lines: &mut Vec<PLine>, s: &str, make: fn(String) -> PLine) {
    lines.extend(wrap(s, PANEL_CHARS).into_iter().map(make));
}

struct Panel {
    class: &'static str,
    rank: Option<usize>,
    lines: Vec<PLine>,
    states: HashMap<ZoneIx, ZoneState>,
    conduits: Vec<ConduitIx>,
}

fn cost_words(p: &Plan) -> String {
    match p.cost {
        Some(c) => format!("cost {c}"),
        None => "cost: unsafe".into(),
    }
}

fn plan_panel(site: &Site, graph: &Graph, rank: usize, p: &Plan) -> (Panel, BTreeSet<Loss>) {
    let marks = marks(site, graph, &p.impact);
    let mut lines = vec![PLine::bold(if rank == 0 { "Best plan".into() } else { format!("Alternative {rank}") })];
    let unsafe_ = matches!(p.impact.verdict, impact::Verdict::Unsafe { .. });
    let verdict = format!("{} · cut {} · {}", cost_words(p), p.cut_cost, p.impact.verdict.word());
    lines.push(if unsafe_ { PLine::red(verdict) } else { PLine::plain(verdict) });
    if !p.verified {
        wrapped(&mut lines, "WARNING: the attack-graph check still finds a path; do not rely on this plan", PLine::red);
    }
    if !p.without.is_empty() {
        wrapped(&mut lines, &format!("without {}", p.without.join(", ")), PLine::plain);
    }
    lines.push(PLine::bold("Actions".into()));
    for (i, a) in p.actions.iter().enumerate() {
        wrapped(&mut lines, &format!("{}. {}", i + 1, a.text), PLine::plain);
    }
    let im = &p.impact;
    lines.push(PLine::bold("Impact".into()));
    wrapped(
        &mut lines,
        &format!(
            "{} dependencies broken · {} stopped · {} stations unusable",
            im.broken.len(),
            im.down.len(),
            im.unusable.len()
        ),
        PLine::plain,
    );
    if im.processes.is_empty() {
        lines.push(PLine::plain("no critical process loses anything".into()));
    }
    for pi in im.processes.iter().take(4) {
        let (s, worst) = status_words(site, pi);
        let make: fn(String) -> PLine =
            if matches!(worst, Some(Loss::Safety | Loss::Control)) { PLine::red } else { PLine::plain };
        wrapped(&mut lines, &s, make);
    }
    if im.processes.len() > 4 {
        lines.push(PLine::plain(format!("… and {} more processes", im.processes.len() - 4)));
    }
    for v in &im.vendors {
        let Some(vendor) = site.vendors.get(v.vendor) else { continue };
        let names: Vec<String> = v
            .functions
            .iter()
            .take(3)
            .filter_map(|f| vendor.functions.get(*f))
            .map(|f| if f.safety_critical { format!("{} (safety-critical)", f.name) } else { f.name.to_string() })
            .collect();
        if !names.is_empty() {
            wrapped(&mut lines, &format!("vendor {} loses remote: {}", vendor.id, names.join(", ")), PLine::plain);
        }
    }
    let losses = marks.losses();
    let states = plan_states(site, graph, &marks);
    let conduits = marks.conduits.keys().copied().collect();
    (Panel { class: "plan", rank: Some(rank + 1), lines, states, conduits }, losses)
}

fn blocked_panel(site: &Site, b: &Blocked, alone: bool) -> Panel {
    let mut lines =
        vec![PLine::red(if alone { "Blocked".to_string() } else { "Blocked without island mode".to_string() })];
    wrapped(&mut lines, "Every way to cut the attacker off cuts a protected flow.", PLine::plain);
    lines.push(PLine::bold("An attacker path none of whose steps can be cut".into()));
    for (i, s) in b.path.iter().enumerate().take(12) {
        wrapped(&mut lines, &format!("{}. {}", i + 1, s.describe(site)), PLine::plain);
    }
    if b.path.len() > 12 {
        lines.push(PLine::plain(format!("… and {} more steps", b.path.len() - 12)));
    }
    if !b.flows.is_empty() {
        lines.push(PLine::bold("The protected flows in the way".into()));
        for f in b.flows.iter().take(8) {
            wrapped(&mut lines, &f.describe(site), PLine::red);
        }
        if b.flows.len() > 8 {
            lines.push(PLine::plain(format!("… and {} more flows", b.flows.len() - 8)));
        }
    }
    wrapped(
        &mut lines,
        "Decide with the process owner: accept the exposure under watch, or cut a protected flow knowingly.",
        PLine::plain,
    );
    let mut states: HashMap<ZoneIx, ZoneState> = HashMap::new();
    let zone_of = |a: AssetIx| site.assets.get(a.ix()).map(|x| x.zone);
    for s in &b.path {
        for n in [s.from, s.to] {
            if let Node::Asset(a) = n
                && let Some(z) = zone_of(a)
            {
                states.entry(z).or_default().attacker = true;
            }
        }
    }
    for f in &b.flows {
        if let Some(d) = site.dependencies.get(f.dependency as usize) {
            for a in [d.consumer, d.provider] {
                if let Some(z) = zone_of(a) {
                    states.entry(z).or_default().protected = true;
                }
            }
        }
    }
    Panel { class: "blocked", rank: None, lines, states, conduits: Vec::new() }
}

/// Renders the containment planner's answer as small multiples side by side: a panel per plan
/// (best first, then the ranked alternatives) with its cost, verdict, actions and what it
/// breaks over a mini-map of the site's zones (coloured by the plan's worst loss per zone, the
/// zones it acts on outlined); a blocked answer adds a panel with the attacker path and the
/// protected flows in the way, and an answer with nothing to cut says so.
pub fn plan_alternatives_svg(site: &Site, graph: &Graph, containment: &Containment) -> String {
    if !containment_fits(site, containment) {
        return notice_svg("This plan was computed on another site model: plan again to draw it.");
    }
    let zones = Zones::new(site);
    let inner = PANEL_W - 2 * PANEL_PAD;
    let mini = mini_layout(site, graph, &zones, inner);
    let mut panels: Vec<Panel> = Vec::new();
    let mut losses: BTreeSet<Loss> = BTreeSet::new();
    if let Some(b) = &containment.blocked {
        panels.push(blocked_panel(site, b, containment.plans.is_empty()));
    }
    for (rank, p) in containment.plans.iter().enumerate() {
        let (panel, l) = plan_panel(site, graph, rank, p);
        losses.extend(l);
        panels.push(panel);
    }
    if panels.is_empty() {
        let mut lines = vec![PLine::bold("Nothing to cut".into())];
        wrapped(
            &mut lines,
            "Nothing protected is reachable from the footholds: no containment action is needed for it.",
            PLine::plain,
        );
        panels.push(Panel { class: "not-reached", rank: None, lines, states: HashMap::new(), conduits: Vec::new() });
    }

    // The header.
    let id = |a: &AssetIx| site.assets.get(a.ix()).map(|x| x.id.to_string()).unwrap_or_default();
    let mut head: Vec<PLine> = vec![PLine::bold(format!("Containment alternatives · {}", clip(&site.info.name, 80)))];
    let footholds: Vec<String> = containment.footholds.iter().map(|f| f.describe(site)).collect();
    head.extend(wrap(&format!("Compromised: {}", footholds.join(", ")), 150).into_iter().map(PLine::plain));
    head.push(PLine::plain(format!(
        "Protected: {} assets; the attacker reaches {} of them now",
        containment.protected, containment.reached_protected
    )));
    if !containment.compromised_protected.is_empty() {
        let ids: Vec<String> = containment.compromised_protected.iter().take(8).map(id).collect();
        head.push(PLine::red(clip(&format!("Already compromised, no longer protectable: {}", ids.join(", ")), 150)));
    }
    if containment.plans.len() > 1 {
        head.push(PLine::plain("Ranked: safe before unsafe, then by the cost of the combined impact".into()));
    }
    let head_h = MARGIN + head.len() as i64 * LINE_H + 6;

    let per_row = PANELS_PER_ROW.min(panels.len()).max(1);
    let w = (PANEL_GAP + per_row as i64 * (PANEL_W + PANEL_GAP)).max(720);
    let mut body = String::new();
    for (i, l) in head.iter().enumerate() {
        let attrs = format!(r#" fill="{}"{}"#, l.colour, if l.bold { r#" font-weight="bold""# } else { "" });
        text(&mut body, MARGIN, MARGIN + 12 + i as i64 * LINE_H, if i == 0 { 15 } else { 12 }, &attrs, &l.text);
    }

    let mut y = head_h;
    for row in panels.chunks(per_row) {
        let row_h = row
            .iter()
            .map(|p| PANEL_PAD + 4 + p.lines.len().min(MAX_PANEL_LINES) as i64 * PANEL_LINE_H + 10 + mini.h + PANEL_PAD)
            .max()
            .unwrap_or(0);
        for (j, p) in row.iter().enumerate() {
            let x = PANEL_GAP + j as i64 * (PANEL_W + PANEL_GAP);
            let _ = write!(body, r#"<g class="{}""#, p.class);
            if let Some(r) = p.rank {
                let _ = write!(body, r#" data-rank="{r}""#);
            }
            let _ = write!(body, r#" transform="translate({x},{y})">"#);
            let border = if p.class == "blocked" { "#b71c1c" } else { "#90a4ae" };
            let _ = write!(
                body,
                r##"<rect x="0" y="0" width="{PANEL_W}" height="{row_h}" rx="8" fill="#fafbfc" stroke="{border}" stroke-width="1.5"/>"##
            );
            let mut ty = PANEL_PAD + 12;
            for l in p.lines.iter().take(MAX_PANEL_LINES) {
                let attrs = format!(r#" fill="{}"{}"#, l.colour, if l.bold { r#" font-weight="bold""# } else { "" });
                text(&mut body, PANEL_PAD, ty, 11, &attrs, &l.text);
                ty += PANEL_LINE_H;
            }
            if p.lines.len() > MAX_PANEL_LINES {
                text(&mut body, PANEL_PAD, ty, 11, r##" fill="#546e7a""##, "…");
            }
            let my = PANEL_PAD + 4 + p.lines.len().min(MAX_PANEL_LINES) as i64 * PANEL_LINE_H + 10;
            let _ = write!(body, r#"<g class="mini" transform="translate({PANEL_PAD},{my})">"#);
            mini_svg(&mut body, site, &mini, &p.states, &p.conduits);
            body.push_str("</g></g>");
        }
        y += row_h + PANEL_GAP;
    }

    let mut items = vec![(Swatch::Cut, "acted on by the plan".to_string())];
    items.extend(losses.into_iter().map(|l| (Swatch::Loss(l), l.legend().to_string())));
    items.push((Swatch::Plain, "zone not affected".into()));
    if containment.blocked.is_some() {
        items.push((Swatch::Attacker, "on the attacker path".into()));
        items.push((Swatch::Protected, "end of a protected flow in the way".into()));
    }
    body.push_str(r#"<g class="legend">"#);
    y += legend(&mut body, MARGIN, y, w - 2 * MARGIN, &items);
    body.push_str("</g>");
    let h = y + MARGIN;

    let mut out = String::with_capacity(body.len() + 512);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="plan-alternatives" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" font-family="{FONT}"><title>{}</title><rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>"##,
        esc(&format!("Containment alternatives on {}: {} plans", site.info.name, containment.plans.len()))
    );
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use impact::plan::Protect;
    use impact::{Action, AttackGraph, PlanOptions};
    use site_model::{LoadOptions, Source};
    use std::path::Path;

    fn sources() -> Vec<Source> {
        let mut sources = Vec::new();
        let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "toml") {
                    sources.push(Source { path: p.display().to_string(), text: std::fs::read_to_string(&p).unwrap() });
                }
            }
        }
        sources.sort_by(|a, b| a.path.cmp(&b.path));
        sources
    }

    fn load(sources: Vec<Source>) -> Site {
        let o = site_model::load(sources, &LoadOptions::default());
        let errors: Vec<String> = o.errors().map(|d| format!("{d:?}")).collect();
        o.site.unwrap_or_else(|| panic!("the site loads: {errors:?}"))
    }

    fn riverbend() -> (Site, Graph) {
        let site = load(sources());
        let graph = Graph::compile(&site);
        (site, graph)
    }

    fn analyze(site: &Site, graph: &Graph, actions: &[&str]) -> Impact {
        let actions: Vec<Action> = actions.iter().map(|t| Action::parse(site, t).unwrap()).collect();
        impact::analyze(site, graph, &actions)
    }

    /// Checks that every tag is closed in order and every entity is one `esc` writes; returns
    /// the element names seen.
    fn well_formed(svg: &str) -> BTreeSet<String> {
        assert!(svg.starts_with("<svg "), "starts with <svg");
        assert!(svg.ends_with("</svg>"), "ends with </svg>");
        let mut stack: Vec<String> = Vec::new();
        let mut names = BTreeSet::new();
        let mut rest = svg;
        while let Some(open) = rest.find('<') {
            check_entities(&rest[..open]);
            let close = rest[open..].find('>').expect("every tag ends") + open;
            let tag = &rest[open + 1..close];
            assert!(!tag.contains('<'), "no < inside a tag: {tag}");
            check_entities(tag);
            if let Some(name) = tag.strip_prefix('/') {
                let top = stack.pop().unwrap_or_else(|| panic!("</{name}> closes nothing"));
                assert_eq!(top, name, "</{name}> closes <{top}>");
            } else {
                let name: String = tag.chars().take_while(|c| !c.is_whitespace() && *c != '/').collect();
                assert!(
                    name.chars().all(|c| c.is_ascii_alphabetic()),
                    "element names are plain words: {name:?} in {tag:?}"
                );
                names.insert(name.clone());
                if !tag.ends_with('/') {
                    stack.push(name);
                }
            }
            rest = &rest[close + 1..];
        }
        check_entities(rest);
        assert!(stack.is_empty(), "unclosed: {stack:?}");
        names
    }

    fn check_entities(s: &str) {
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            let after = &rest[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|e| after.starts_with(e)),
                "a bare & at {:?}",
                after.chars().take(20).collect::<String>()
            );
            rest = &after[1..];
        }
    }

    /// The opening tag of the element with this id.
    fn element<'a>(svg: &'a str, id: &str) -> &'a str {
        let at = svg.find(&format!(r#"id="{id}""#)).unwrap_or_else(|| panic!("no element {id}"));
        let start = svg[..at].rfind('<').unwrap();
        let end = at + svg[at..].find('>').unwrap();
        &svg[start..=end]
    }

    /// The content of every `<text>`, joined by spaces.
    fn text_content(svg: &str) -> String {
        let parts: Vec<&str> = svg
            .split("<text ")
            .skip(1)
            .filter_map(|p| p.split_once('>'))
            .map(|(_, t)| t.split("</text>").next().unwrap())
            .collect();
        parts.join(" ")
    }

    /// The titles of the asset nodes, by asset id.
    fn asset_titles(svg: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for part in svg.split(r#"<g class="asset" "#).skip(1) {
            let id = part.split(r#"data-asset=""#).nth(1).unwrap().split('"').next().unwrap().to_string();
            let t = part.split("<title>").nth(1).unwrap().split("</title>").next().unwrap().to_string();
            out.insert(id, t);
        }
        out
    }

    #[test]
    fn esc_escapes_markup_quotes_and_control_characters() {
        assert_eq!(
            esc(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(esc("a\u{1}b\nc"), "a\u{fffd}b\nc");
        assert_eq!(esc("plain-id_01 · ü"), "plain-id_01 · ü");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("abcdefghijkl", 8), vec!["abcdefgh", "ijkl"]);
        assert_eq!(wrap("", 8), vec![""]);
    }

    #[test]
    fn isolating_the_historian_draws_every_band_and_marks_the_cut() {
        let (site, graph) = riverbend();
        let impact = analyze(&site, &graph, &["isolate hist-ot-01"]);
        let svg = impact_svg(&site, &graph, &impact);
        eprintln!("impact picture of isolate hist-ot-01: {} bytes", svg.len());
        let names = well_formed(&svg);
        assert!(names.contains("title") && names.contains("rect") && names.contains("line"));
        assert!(svg.len() < 300_000, "{} bytes", svg.len());
        assert!(!svg.contains("<script") && !svg.contains("<style") && !svg.contains("href="));

        // The target: a node with the cut's thick outline.
        let node = element(&svg, "ip-asset-hist-ot-01");
        assert!(node.contains(r#"data-asset="hist-ot-01""#) && node.contains(r#"data-cut="true""#), "{node}");
        let at = svg.find(r#"id="ip-asset-hist-ot-01""#).unwrap();
        let rect = &svg[at..][svg[at..].find("<rect").unwrap()..];
        assert!(rect[..rect.find("/>").unwrap()].contains(&format!(r#"stroke="{CUT}" stroke-width="3.5""#)));

        // Every Purdue level an asset stands at has its band and label.
        let zones = Zones::new(&site);
        let levels: BTreeSet<u16> =
            (0..site.assets.len()).map(|a| band_key(asset_level(&site, &zones, AssetIx(a as u32)))).collect();
        assert!(levels.len() >= 6, "{levels:?}");
        for a in 0..site.assets.len() {
            let (label, what) = band_label(asset_level(&site, &zones, AssetIx(a as u32)));
            assert!(svg.contains(&format!(">{label}<")), "band {label}");
            assert!(svg.contains(&format!(">{what}<")), "band {what}");
        }
        let bands: Vec<usize> = ["Level 5", "Level 4", "Level 3.5", "Level 3", "Level 2", "Level 1", "Level 0"]
            .iter()
            .map(|l| svg.find(&format!(">{l}<")).unwrap())
            .collect();
        assert!(bands.windows(2).all(|w| w[0] < w[1]), "enterprise at the top, the field at the bottom");

        // Every asset of the site is drawn (no zone of riverbend has more than 24), once.
        let titles = asset_titles(&svg);
        assert_eq!(titles.len(), site.assets.len());
        // Conduits are drawn between the zones.
        for c in &site.conduits {
            assert!(svg.contains(&format!(r#"data-conduit="{}""#, c.id)), "conduit {}", c.id);
        }
        // Whatever loses something is coloured and explained back to the action.
        let lost: Vec<&String> = titles.iter().filter(|(_, t)| t.contains("cut by action 1")).map(|(a, _)| a).collect();
        assert!(!lost.is_empty(), "some asset loses a function by the cut");
        for a in lost {
            assert!(element(&svg, &format!("ip-asset-{a}")).contains("data-loss="), "{a} is coloured");
        }
    }

    #[test]
    fn lost_functions_are_coloured_with_their_explanation_on_hover() {
        let (site, graph) = riverbend();
        let impact = analyze(&site, &graph, &["take-offline dc-corp-01", "take-offline dc-corp-02"]);
        let svg = impact_svg(&site, &graph, &impact);
        well_formed(&svg);
        let titles = asset_titles(&svg);
        // Every asset the impact reports in a category is coloured, with a title explaining it.
        for (cat, assets) in &impact.categories {
            for a in assets {
                let id = &*site.asset(*a).id;
                let node = element(&svg, &format!("ip-asset-{id}"));
                assert!(node.contains("data-loss="), "{id} loses {} and is coloured", cat.as_str());
                let t = &titles[id];
                assert!(t.lines().count() >= 3, "{id} has an explanation: {t}");
            }
        }
        // The chain back to the action, as the impact explains it.
        let (a, k, _) = impact.lost.iter().find(|(_, k, _)| *k == Function::Authentication).expect("a login fails");
        let id = &*site.asset(*a).id;
        for line in impact.explain(&site, *a, *k) {
            assert!(titles[id].contains(&esc(&line)), "{id}: {line}");
        }
        assert!(titles.values().any(|t| t.contains("is stopped by action 1: take-offline dc-corp-01")));
        // Stopped targets are drawn as the cut; the legend names what is coloured.
        assert!(element(&svg, "ip-asset-dc-corp-01").contains(r#"data-cut="true""#));
        for l in marks(&site, &graph, &impact).losses() {
            assert!(svg.contains(&format!(">{}<", esc(l.legend()))), "legend {}", l.legend());
        }
        assert!(svg.contains(r#"class="process""#), "the processes affected are listed");
    }

    #[test]
    fn names_from_the_site_are_escaped() {
        let mut sources = sources();
        sources.push(Source {
            path: "evil.toml".into(),
            text: r#"
[[asset]]
id = "evil-01"
name = "<script>alert(\"pwned\")</script> & 'friends'"
kind = "workstation"
zone = "plant-ops"
owner = "plant-engineering"
"#
            .into(),
        });
        let site = load(sources);
        let graph = Graph::compile(&site);
        let impact = analyze(&site, &graph, &["isolate evil-01"]);
        let svg = impact_svg(&site, &graph, &impact);
        well_formed(&svg);
        assert!(!svg.contains("<script"));
        assert!(svg.contains("evil-01: &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &#39;friends&#39;"));
        assert!(element(&svg, "ip-asset-evil-01").contains(r#"data-cut="true""#));
    }

    #[test]
    fn a_crowded_zone_shows_its_affected_assets_and_counts_the_rest() {
        let (site, graph) = riverbend();
        let impact = analyze(&site, &graph, &["take-offline dc-corp-01"]);
        let svg = render_impact(&site, &graph, &impact, 5, MAX_DRAWN);
        well_formed(&svg);
        let titles = asset_titles(&svg);
        assert!(titles.len() < site.assets.len(), "crowded zones are cut short");
        assert!(titles.contains_key("dc-corp-01"), "the target is drawn");
        let m = marks(&site, &graph, &impact);
        for a in m.assets.keys() {
            assert!(titles.contains_key(&*site.asset(*a).id), "affected {} is drawn", site.asset(*a).id);
        }
        assert!(svg.contains(">+"), "a +N more label");
        assert!(svg.contains(" more</text>"));
        // Capped: at most `cap` affected assets per zone.
        let capped = render_impact(&site, &graph, &impact, 5, 1);
        well_formed(&capped);
        assert!(capped.contains("of them affected (too many to draw)"));
    }

    #[test]
    fn vendor_pathways_accounts_and_island_conduits_are_drawn_as_the_cut() {
        let (site, graph) = riverbend();
        let impact =
            analyze(&site, &graph, &["revoke-vendor-access vendor:ridgeline", "disable-account ridgeline-legacy"]);
        let svg = impact_svg(&site, &graph, &impact);
        well_formed(&svg);
        assert!(svg.contains(r#"data-pathway="ridgeline/remote-support""#));
        assert!(svg.contains("vendor ridgeline/remote-support"));
        let keystone = analyze(&site, &graph, &["revoke-vendor-access pathway:keystone/sis-support"]);
        let vendors = &site.vendors;
        let lost: Vec<&str> = keystone
            .vendors
            .iter()
            .flat_map(|v| v.functions.iter().map(move |f| &*vendors[v.vendor].functions[*f].name))
            .collect();
        assert!(!lost.is_empty(), "the SIS vendor's functions are lost");
        let ks = impact_svg(&site, &graph, &keystone);
        well_formed(&ks);
        assert!(ks.contains(r#"data-pathway="keystone/sis-support""#));
        for f in lost {
            assert!(ks.contains(&format!("The site loses the vendor&#39;s {}", esc(f))), "{f}");
        }
        assert!(svg.contains("Account ridgeline-legacy disabled by action 2"));

        let island = analyze(&site, &graph, &["island-mode for safety"]);
        let svg = impact_svg(&site, &graph, &island);
        well_formed(&svg);
        let cut = graph.island_conduits(&site);
        assert!(!cut.is_empty());
        for c in cut {
            let id = &site.conduits[c.ix()].id;
            assert!(element(&svg, &format!("ip-conduit-{id}")).contains(r#"data-cut="true""#), "{id}");
        }
        assert!(svg.contains(">conduit cut<"));

        let zone = analyze(&site, &graph, &["isolate zone:plant"]);
        let svg = impact_svg(&site, &graph, &zone);
        well_formed(&svg);
        assert!(svg.contains(r#"<g class="zone-outline" data-zone="plant" data-cut="true">"#));
        assert!(element(&svg, "ip-zone-plant-control-2").contains(r#"data-cut="true""#));
        assert!(!element(&svg, "ip-zone-ent-servers-4").contains("data-cut"));
    }

    #[test]
    fn a_large_zone_stays_small_and_linear() {
        let n = 5000;
        let mut toml = String::from(
            "[site]\nid = \"big\"\nname = \"Big\"\n\n[[zone]]\nid = \"corp\"\nname = \"Corporate\"\ndomain = \"it\"\npurdue_level = 4\n\n[[asset]]\nid = \"dc-01\"\nkind = \"domain-controller\"\nzone = \"corp\"\nfunctions = [\"authentication\"]\n",
        );
        for i in 0..n {
            toml.push_str(&format!(
                "\n[[asset]]\nid = \"ws-{i:05}\"\nkind = \"workstation\"\nzone = \"corp\"\n\n[[dependency]]\nconsumer = \"ws-{i:05}\"\nprovider = \"dc-01\"\nkind = \"authentication\"\n"
            ));
        }
        let site = load(vec![Source { path: "big.toml".into(), text: toml }]);
        let graph = Graph::compile(&site);
        let impact = analyze(&site, &graph, &["take-offline dc-01"]);
        assert!(impact.unusable.len() == n, "every workstation is lost");
        let svg = impact_svg(&site, &graph, &impact);
        well_formed(&svg);
        let titles = asset_titles(&svg);
        assert_eq!(titles.len(), MAX_DRAWN, "the affected assets drawn, up to the cap");
        assert!(titles.contains_key("dc-01"));
        assert!(svg.contains(&format!(">+{} more<", n + 1 - MAX_DRAWN)));
        assert!(svg.contains(&format!("{} of them affected (too many to draw)", n + 1 - MAX_DRAWN)));
        assert!(svg.len() < 100_000, "{} bytes", svg.len());
    }

    #[test]
    fn rendering_is_deterministic() {
        let (site, graph) = riverbend();
        for actions in [&["island-mode for safety"][..], &["take-offline dc-corp-01", "isolate hist-ot-01"]] {
            let a = impact_svg(&site, &graph, &analyze(&site, &graph, actions));
            let b = impact_svg(&site, &graph, &analyze(&site, &graph, actions));
            assert_eq!(a, b, "{actions:?}");
        }
    }

    #[test]
    fn an_impact_of_another_site_is_refused_not_drawn() {
        let (site, graph) = riverbend();
        let impact = analyze(&site, &graph, &["take-offline dc-corp-01"]);
        let small = load(vec![Source {
            path: "small.toml".into(),
            text: r#"
[site]
id = "small"
name = "Small"

[[zone]]
id = "z"
name = "Z"
domain = "it"
purdue_level = 4

[[asset]]
id = "a"
kind = "workstation"
zone = "z"
"#
            .into(),
        }]);
        let small_graph = Graph::compile(&small);
        let svg = impact_svg(&small, &small_graph, &impact);
        well_formed(&svg);
        assert!(svg.contains("another site model"));
        // And the small site draws its own (empty) impact.
        let none = impact::analyze(&small, &small_graph, &[]);
        let svg = impact_svg(&small, &small_graph, &none);
        well_formed(&svg);
        assert!(svg.contains(">Level 4<") && svg.contains(r#"data-asset="a""#));
    }

    fn contain(site: &Site, graph: &Graph, compromised: &[&str], protect: &[&str]) -> Containment {
        let attack = AttackGraph::compile(site, graph).unwrap();
        let footholds: Vec<Foothold> = compromised.iter().map(|f| Foothold::parse(site, f).unwrap()).collect();
        let protect: Vec<Protect> = protect.iter().map(|p| Protect::parse(site, p).unwrap()).collect();
        impact::plan(site, graph, &attack, &footholds, &protect, &PlanOptions::default()).unwrap()
    }

    #[test]
    fn the_vendor_path_alternatives_are_drawn_side_by_side() {
        let (site, graph) = riverbend();
        let c = contain(&site, &graph, &["account:ridgeline-legacy", "pathway:ridgeline/remote-support"], &[]);
        let best = c.best().expect("a plan");
        let mut texts = best.texts();
        texts.sort_unstable();
        assert_eq!(
            texts,
            ["disable-account ridgeline-legacy", "revoke-vendor-access pathway:ridgeline/remote-support"]
        );
        assert!(c.plans.len() > 1, "alternatives");
        let svg = plan_alternatives_svg(&site, &graph, &c);
        eprintln!("alternatives: {} plans, {} bytes", c.plans.len(), svg.len());
        well_formed(&svg);
        assert_eq!(svg.matches(r#"<g class="plan" "#).count(), c.plans.len());
        assert!(svg.contains(r#"<g class="plan" data-rank="1" transform="translate(16,"#));
        assert!(svg.contains(r#"<g class="plan" data-rank="2" transform="translate(412,"#), "side by side");
        let words = text_content(&svg);
        for p in &c.plans {
            for t in p.texts() {
                assert!(words.contains(&esc(t)), "{t}");
            }
            assert!(svg.contains(&cost_words(p)));
        }
        assert!(svg.contains(">Best plan<") && svg.contains(">Alternative 1<"));
        assert!(svg.contains("Compromised: account:ridgeline-legacy, pathway:ridgeline/remote-support"));
        // The best plan acts on the pathway's hops: their zones are outlined in its mini-map.
        let first = &svg[svg.find(r#"data-rank="1""#).unwrap()..svg.find(r#"data-rank="2""#).unwrap()];
        assert!(first.contains("acted on by the plan"));
        assert!(!svg.contains(r#"class="blocked""#));
        assert!(svg.len() < 300_000);
    }

    #[test]
    fn a_blocked_answer_shows_the_protected_flow_in_the_way() {
        let (site, graph) = riverbend();
        let c = contain(&site, &graph, &["scada-02"], &["process:disinfection"]);
        let b = c.blocked.as_ref().expect("blocked");
        let svg = plan_alternatives_svg(&site, &graph, &c);
        well_formed(&svg);
        assert!(svg.contains(r#"<g class="blocked" transform="#));
        // Panel lines are wrapped: read the text back as one.
        let words = text_content(&svg);
        assert!(words.contains("scada-02 -&gt; plc-chlor-01 (control): essential control of Chlorine disinfection"));
        for f in &b.flows {
            assert!(words.contains(&esc(&f.describe(&site))), "{}", f.describe(&site));
        }
        for s in &b.path {
            assert!(words.contains(&esc(&s.describe(&site))), "{}", s.describe(&site));
        }
        assert!(svg.contains("end of a protected flow in the way"));
        assert_eq!(svg.matches(r#"<g class="plan" "#).count(), c.plans.len());

        // Nothing reached: a panel that says so.
        let none = Containment {
            footholds: c.footholds.clone(),
            protected: 4,
            compromised_protected: Vec::new(),
            reached_protected: 0,
            plans: Vec::new(),
            blocked: None,
            stats: Default::default(),
        };
        let svg = plan_alternatives_svg(&site, &graph, &none);
        well_formed(&svg);
        assert!(svg.contains(">Nothing to cut<"));
    }
}
