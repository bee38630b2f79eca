//! How many of what, where: the asset classes of the enterprise and of a plant, and the
//! plan that sizes them for a requested asset count. Everything here is arithmetic on
//! counts; nothing is written.

use crate::data::{self, Models};
use crate::rng::Rng;

/// Function words (the `function` vocabulary of the site model), in vocabulary order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum F {
    Control,
    View,
    Alarm,
    Safety,
    Historian,
    Authentication,
    RemoteAccess,
    Patching,
    Logging,
    Time,
    NameResolution,
    Backup,
    BusinessData,
}

impl F {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            F::Control => "control",
            F::View => "view",
            F::Alarm => "alarm",
            F::Safety => "safety",
            F::Historian => "historian",
            F::Authentication => "authentication",
            F::RemoteAccess => "remote-access",
            F::Patching => "patching",
            F::Logging => "logging",
            F::Time => "time",
            F::NameResolution => "name-resolution",
            F::Backup => "backup",
            F::BusinessData => "business-data",
        }
    }
}

/// Zones of a plant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PZone {
    L3,
    L2,
    L1,
    L0,
    Sis,
}

impl PZone {
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            PZone::L3 => "l3",
            PZone::L2 => "l2",
            PZone::L1 => "l1",
            PZone::L0 => "l0",
            PZone::Sis => "sis",
        }
    }
}

/// Enterprise zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EZone {
    Identity,
    SecOps,
    Corp,
    Idmz,
}

impl EZone {
    pub(crate) fn id(self) -> &'static str {
        match self {
            EZone::Identity => "identity",
            EZone::SecOps => "sec-ops",
            EZone::Corp => "corp",
            EZone::Idmz => "idmz",
        }
    }
}

/// One class of asset: everything that is the same for all its members.
pub(crate) struct Class<Z: 'static> {
    /// Id fragment: `l1-plc` gives `p0042-l1-plc-00017`.
    pub(crate) frag: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) zone: Z,
    /// Owning team id suffix (plants) or id (enterprise).
    pub(crate) team: &'static str,
    /// Criticality word; empty for the default (`medium`).
    pub(crate) crit: &'static str,
    pub(crate) functions: &'static [F],
    /// Display noun; empty for bulk devices, whose name defaults to the id.
    pub(crate) noun: &'static str,
    pub(crate) models: Models,
    /// Minimum digits of the index in the id.
    pub(crate) width: usize,
}

macro_rules! classes {
    ($table:ident, $n:ident, $z:ty, [ $( $c:ident = ($frag:literal, $kind:literal, $zone:expr, $team:expr, $crit:literal, [$($f:ident),*], $noun:literal, $models:expr, $w:literal) ),+ $(,)? ]) => {
        classes!(@consts 0usize, $($c),+);
        pub(crate) const $table: &[Class<$z>] = &[
            $( Class { frag: $frag, kind: $kind, zone: $zone, team: $team, crit: $crit,
                       functions: &[$(F::$f),*], noun: $noun, models: $models, width: $w } ),+
        ];
        pub(crate) const $n: usize = $table.len();
    };
    (@consts $i:expr, $c:ident $(, $rest:ident)*) => {
        pub(crate) const $c: usize = $i;
        classes!(@consts $i + 1usize $(, $rest)*);
    };
    (@consts $i:expr) => {};
}

/// Plant asset classes, in file order.
pub(crate) mod pc {
    use super::*;
    use data::*;
    const OPS: &str = "ops";
    const ENG: &str = "eng";
    const INFRA: &str = "infra";
    classes!(
        PLANT_CLASSES,
        N,
        PZone,
        [
            FW3 = ("l3-fw", "firewall", PZone::L3, INFRA, "high", [], "plant boundary firewall", M_IT_FIREWALL, 2),
            SW3 = ("l3-sw", "switch", PZone::L3, INFRA, "", [], "site operations switch", M_OT_SWITCH, 2),
            DC3 = (
                "l3-dc",
                "domain-controller",
                PZone::L3,
                INFRA,
                "critical",
                [Authentication, NameResolution],
                "read-only domain controller",
                M_RODC,
                2
            ),
            NTP3 = ("l3-ntp", "time-server", PZone::L3, INFRA, "high", [Time], "GPS master clock", M_NTP, 2),
            HIST3 = ("l3-hist", "historian", PZone::L3, INFRA, "high", [Historian], "plant historian", M_HISTORIAN, 2),
            MES3 = ("l3-mes", "mes", PZone::L3, OPS, "", [BusinessData], "manufacturing execution system", M_MES, 2),
            DB3 = ("l3-db", "database-server", PZone::L3, INFRA, "", [BusinessData], "MES database server", M_DB, 2),
            PATCH3 = ("l3-patch", "patch-server", PZone::L3, INFRA, "", [Patching], "patch relay", M_PATCH, 2),
            LOG3 = ("l3-log", "siem", PZone::L3, INFRA, "", [Logging], "OT log collector", M_LOG, 2),
            BKP3 = ("l3-bkp", "backup-server", PZone::L3, INFRA, "high", [Backup], "OT backup server", M_BACKUP, 2),
            JUMP3 =
                ("l3-jump", "jump-host", PZone::L3, INFRA, "high", [RemoteAccess], "second-hop jump host", M_JUMP, 2),
            WS3 = ("l3-ws", "workstation", PZone::L3, OPS, "low", [], "site operations workstation", M_WORKSTATION, 3),
            FW2 = ("l2-fw", "firewall", PZone::L2, INFRA, "high", [], "supervisory firewall", M_OT_FIREWALL, 2),
            SW2 = ("l2-sw", "switch", PZone::L2, INFRA, "high", [], "", M_OT_SWITCH, 3),
            NTP2 = ("l2-ntp", "time-server", PZone::L2, INFRA, "high", [Time], "supervisory time server", M_NTP, 2),
            LOG2 = ("l2-log", "siem", PZone::L2, INFRA, "", [Logging], "supervisory syslog relay", M_LOG, 2),
            SCADA = (
                "l2-scada",
                "control-server",
                PZone::L2,
                ENG,
                "critical",
                [Control, View, Alarm, Historian],
                "SCADA server",
                M_SCADA,
                3
            ),
            HMI = ("l2-hmi", "hmi", PZone::L2, OPS, "high", [View, Alarm], "operator station", M_HMI, 4),
            EWS =
                ("l2-ews", "engineering-workstation", PZone::L2, ENG, "high", [], "engineering workstation", M_EWS, 3),
            SW1 = ("l1-sw", "switch", PZone::L1, INFRA, "high", [], "", M_OT_SWITCH, 4),
            PANEL = ("l1-hmi", "hmi", PZone::L1, OPS, "high", [View, Alarm], "", M_PANEL, 4),
            PLC = ("l1-plc", "plc", PZone::L1, ENG, "high", [Control, View, Alarm], "", M_PLC, 5),
            PAC = ("l1-pac", "pac", PZone::L1, ENG, "high", [Control, View, Alarm], "", M_PAC, 5),
            DCS = ("l1-dcs", "dcs-controller", PZone::L1, ENG, "high", [Control, View, Alarm], "", M_DCS, 5),
            RTU = ("l1-rtu", "rtu", PZone::L1, ENG, "high", [Control, View, Alarm], "", M_RTU, 5),
            IED = ("l1-ied", "ied", PZone::L1, ENG, "high", [Control, View], "", M_IED, 5),
            GW = ("l1-gw", "data-gateway", PZone::L1, ENG, "high", [Control], "protocol gateway", M_GATEWAY, 3),
            IO = ("l0-io", "field-io", PZone::L0, ENG, "", [Control], "", M_FIELD_IO, 5),
            SC = ("sis-sc", "safety-controller", PZone::Sis, ENG, "critical", [Safety, Alarm], "", M_SIS, 4),
            SIO = ("sis-io", "field-io", PZone::Sis, ENG, "critical", [Safety], "", M_SIS_IO, 5),
            SEWS = (
                "sis-ews",
                "engineering-workstation",
                PZone::Sis,
                ENG,
                "high",
                [],
                "safety engineering workstation",
                M_EWS,
                2
            ),
        ]
    );
    /// Controller classes, contiguous: PLC, PAC, DCS, RTU.
    pub(crate) const CTL: [usize; 4] = [PLC, PAC, DCS, RTU];
}

/// Enterprise asset classes, in file order.
pub(crate) mod ec {
    use super::*;
    use data::*;
    classes!(
        ENT_CLASSES,
        N,
        EZone,
        [
            DC = (
                "dc",
                "domain-controller",
                EZone::Identity,
                "identity",
                "critical",
                [Authentication],
                "Domain controller",
                M_DC,
                2
            ),
            DNS = (
                "dns",
                "dns-server",
                EZone::Identity,
                "identity",
                "critical",
                [NameResolution],
                "DNS server",
                M_DNS,
                2
            ),
            NTP =
                ("ntp", "time-server", EZone::Identity, "identity", "high", [Time], "Enterprise time server", M_NTP, 2),
            SIEM = ("siem", "siem", EZone::SecOps, "soc", "high", [Logging], "SIEM", M_SIEM, 2),
            SIEMCOL = ("siem-col", "siem", EZone::SecOps, "soc", "", [Logging], "SIEM log collector", M_LOG, 2),
            FWC = ("corp-fw", "firewall", EZone::Corp, "network", "high", [], "Corporate firewall", M_IT_FIREWALL, 2),
            SWC = ("corp-sw", "switch", EZone::Corp, "network", "", [], "", M_IT_SWITCH, 4),
            ERP = ("erp", "erp", EZone::Corp, "corp-it", "high", [BusinessData], "ERP application server", M_ERP, 2),
            DB = (
                "corp-db",
                "database-server",
                EZone::Corp,
                "corp-it",
                "high",
                [BusinessData],
                "Corporate database server",
                M_DB,
                2
            ),
            MAIL = ("mail", "email-server", EZone::Corp, "corp-it", "", [BusinessData], "Mail server", M_MAIL, 2),
            FS = ("fs", "file-server", EZone::Corp, "corp-it", "", [BusinessData], "File server", M_FILE, 2),
            BKP = ("bkp", "backup-server", EZone::Corp, "corp-it", "high", [Backup], "Backup server", M_BACKUP, 2),
            PATCH = ("patch", "patch-server", EZone::Corp, "corp-it", "", [Patching], "Patch server", M_PATCH, 2),
            VH = ("vh", "virtualization-host", EZone::Corp, "corp-it", "", [], "Virtualisation host", M_HYPERVISOR, 3),
            WS = ("ws", "workstation", EZone::Corp, "corp-it", "low", [], "", M_WORKSTATION, 5),
            FWI = ("idmz-fw", "firewall", EZone::Idmz, "network", "critical", [], "IDMZ firewall", M_IT_FIREWALL, 2),
            SWI = ("idmz-sw", "switch", EZone::Idmz, "network", "high", [], "IDMZ switch", M_IT_SWITCH, 2),
            VPN = (
                "vpn",
                "vpn-server",
                EZone::Idmz,
                "network",
                "high",
                [RemoteAccess],
                "Remote-access VPN gateway",
                M_VPN,
                2
            ),
            JUMP =
                ("jump", "jump-host", EZone::Idmz, "ot-security", "high", [RemoteAccess], "IDMZ jump host", M_JUMP, 2),
            HIST = (
                "idmz-hist",
                "historian",
                EZone::Idmz,
                "ot-security",
                "",
                [Historian],
                "Enterprise historian",
                M_ENT_HISTORIAN,
                2
            ),
            PATCHI = (
                "idmz-patch",
                "patch-server",
                EZone::Idmz,
                "ot-security",
                "",
                [Patching],
                "IDMZ patch relay",
                M_PATCH,
                2
            ),
            LOGI = ("idmz-log", "siem", EZone::Idmz, "soc", "", [Logging], "IDMZ log relay", M_LOG, 2),
        ]
    );
}

/// The smallest plant the generator makes.
pub(crate) const PLANT_MIN: u64 = 27;
/// Roughly how many assets one plant holds.
pub(crate) const PLANT_TARGET: u64 = 5_000;
/// At most this many plants.
pub(crate) const PLANTS_MAX: u64 = 250;
/// The enterprise (corporate IT, identity, SOC, IDMZ) takes this percentage of the assets.
pub(crate) const ENTERPRISE_PERCENT: u64 = 6;

/// `i`'s share start when `items` are split evenly among `owners` (owner `i` gets
/// `start(i)..start(i+1)`).
pub(crate) fn share_start(i: u64, owners: u64, items: u64) -> u64 {
    if owners == 0 {
        return 0;
    }
    (u128::from(i) * u128::from(items) / u128::from(owners)) as u64
}

/// The owner of `item` under [`share_start`]'s split. Requires `item < items`.
pub(crate) fn share_owner(item: u64, owners: u64, items: u64) -> u64 {
    if items == 0 {
        return 0;
    }
    ((u128::from(item + 1) * u128::from(owners) - 1) / u128::from(items)) as u64
}

/// `owner`'s range of items.
pub(crate) fn share(owner: u64, owners: u64, items: u64) -> std::ops::Range<u64> {
    share_start(owner, owners, items)..share_start(owner + 1, owners, items)
}

/// Counts per class plus the ordinal where each class starts.
#[derive(Debug, Clone)]
pub(crate) struct Layout<const N: usize> {
    pub(crate) count: [u64; N],
    pub(crate) start: [u64; N],
    pub(crate) total: u64,
}

impl<const N: usize> Layout<N> {
    fn new(count: [u64; N]) -> Self {
        let mut start = [0; N];
        let mut total = 0;
        for i in 0..N {
            start[i] = total;
            total += count[i];
        }
        Layout { count, start, total }
    }
}

/// Shrinks `count` until the classes other than `residual` leave at least one for it,
/// always taking from the class with the largest surplus over its minimum.
fn fit<const N: usize>(count: &mut [u64; N], min: &[u64; N], residual: usize, budget: u64) {
    count[residual] = 0;
    let mut used: u64 = count.iter().sum();
    while used >= budget {
        let mut best = None;
        let mut best_surplus = 0;
        for i in 0..N {
            if i == residual {
                continue;
            }
            let surplus = count[i].saturating_sub(min[i]);
            if surplus > best_surplus {
                best_surplus = surplus;
                best = Some(i);
            }
        }
        let Some(i) = best else { break };
        count[i] -= 1;
        used -= 1;
    }
    count[residual] = budget.saturating_sub(used);
}

/// One plant's plan.
#[derive(Debug, Clone)]
pub(crate) struct PlantPlan {
    /// 0-based plant number; ids use `p` + the 1-based number, 4 digits.
    pub(crate) n: u32,
    pub(crate) prefix: String,
    pub(crate) industry: usize,
    pub(crate) place: usize,
    /// Process units (one `[[process]]` each).
    pub(crate) units: u64,
    /// SCADA areas per unit (a redundant SCADA server pair each).
    pub(crate) areas_per_unit: u64,
    pub(crate) layout: Layout<{ pc::N }>,
    /// Index into each class's models of the plant's standard product.
    pub(crate) model_pick: [u8; pc::N],
}

impl PlantPlan {
    fn new(n: u32, size: u64, seed: u64) -> PlantPlan {
        use pc::*;
        let mut rng = Rng::at(seed, 1, u64::from(n), 0);
        let industry = rng.below(data::INDUSTRIES.len() as u64) as usize;
        let place = rng.below(data::PLACES.len() as u64) as usize;
        let ind = &data::INDUSTRIES[industry];
        let s = size;
        let units = (s / 800).clamp(1, 12);
        let mut c = [0u64; N];
        let mut min = [0u64; N];
        for (cls, v) in [
            (FW3, if s >= 300 { 2 } else { 1 }),
            (SW3, 1 + s / 2000),
            (DC3, 2),
            (NTP3, 1),
            (HIST3, 1 + s / 4000),
            (MES3, 1),
            (DB3, 1),
            (PATCH3, 1),
            (LOG3, 1),
            (BKP3, 1),
            (JUMP3, 1),
            (WS3, 1 + s / 400),
            (FW2, 1 + u64::from(s >= 1000)),
            (SW2, 1 + s / 150),
            (NTP2, 1 + u64::from(s >= 500)),
            (LOG2, 1),
            (SEWS, 1 + s / 2500),
        ] {
            c[cls] = v;
            min[cls] = if cls == DC3 { 2 } else { 1 };
        }
        let ctl = (s * 15 / 100).max(units);
        let plc = ctl * ind.ctl_mix[0] / 100;
        let pac = ctl * ind.ctl_mix[1] / 100;
        let dcs = ctl * ind.ctl_mix[2] / 100;
        c[PLC] = plc;
        c[PAC] = pac;
        c[DCS] = dcs;
        c[RTU] = ctl - plc - pac - dcs;
        // The shrink step keeps the largest controller class at its share; the other
        // controller classes may shrink to zero but at least `units` controllers remain.
        let biggest = CTL.iter().copied().max_by_key(|&k| (c[k], usize::MAX - k)).unwrap_or(PLC);
        min[biggest] = units.min(c[biggest]).max(1);
        c[IED] = s * ind.ieds_per_mille / 1000;
        c[GW] = s / 250;
        c[SW1] = (s * 4 / 100).max(1);
        min[SW1] = 1;
        c[PANEL] = s * 3 / 100;
        c[HMI] = (s * 3 / 100).max(units);
        min[HMI] = units;
        c[EWS] = (s * 6 / 1000).max(1);
        min[EWS] = 1;
        c[SC] = (s * 15 / 1000).max(units);
        min[SC] = units;
        c[SIO] = (s * 4 / 100).max(1);
        min[SIO] = 1;
        let areas_per_unit = ctl.div_ceil(30 * units).max(1);
        c[SCADA] = 2 * units * areas_per_unit;
        min[SCADA] = c[SCADA];
        min[IO] = 1;
        fit(&mut c, &min, IO, s);
        let mut model_pick = [0u8; N];
        for (k, pick) in model_pick.iter_mut().enumerate() {
            let m = PLANT_CLASSES[k].models.len() as u64;
            *pick = Rng::at(seed, 2, u64::from(n), k as u64).below(m) as u8;
        }
        let mut prefix = String::with_capacity(5);
        prefix.push('p');
        crate::text::push_padded(&mut prefix, u64::from(n) + 1, 4);
        PlantPlan { n, prefix, industry, place, units, areas_per_unit, layout: Layout::new(c), model_pick }
    }

    pub(crate) fn count(&self, class: usize) -> u64 {
        self.layout.count[class]
    }

    #[cfg(test)]
    pub(crate) fn size(&self) -> u64 {
        self.layout.total
    }

    pub(crate) fn areas(&self) -> u64 {
        self.units * self.areas_per_unit
    }

    /// Number of controllers (PLC, PAC, DCS, RTU together).
    pub(crate) fn controllers(&self) -> u64 {
        pc::CTL.iter().map(|&k| self.count(k)).sum()
    }

    /// The class and index of controller `c` in the combined controller numbering.
    pub(crate) fn controller(&self, mut c: u64) -> (usize, u64) {
        for k in pc::CTL {
            let n = self.count(k);
            if c < n {
                return (k, c);
            }
            c -= n;
        }
        (pc::RTU, c)
    }

    /// The combined controller number of `(class, idx)`.
    pub(crate) fn controller_number(&self, class: usize, idx: u64) -> u64 {
        let mut base = 0;
        for k in pc::CTL {
            if k == class {
                break;
            }
            base += self.count(k);
        }
        base + idx
    }
}

/// The whole enterprise's plan.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) ent: Layout<{ ec::N }>,
    pub(crate) plants: Vec<PlantPlan>,
}

fn enterprise_min(plants: u64) -> [u64; ec::N] {
    use ec::*;
    let mut m = [0u64; N];
    m[DC] = 2 + (plants / 25).min(10);
    m[DNS] = 2 + plants / 50;
    m[NTP] = 2;
    m[SIEM] = 1;
    m[SIEMCOL] = 1 + plants / 40;
    m[FWC] = 1;
    m[SWC] = 1;
    m[ERP] = 1;
    m[DB] = 1;
    m[MAIL] = 1;
    m[FS] = 1;
    m[BKP] = 1;
    m[PATCH] = 1;
    m[VH] = 0;
    m[WS] = 1;
    m[FWI] = 1 + u64::from(plants >= 2);
    m[SWI] = 1 + plants / 50;
    m[VPN] = 1 + plants / 60;
    m[JUMP] = 1 + plants / 12;
    m[HIST] = 1 + plants / 100;
    m[PATCHI] = 1 + plants / 100;
    m[LOGI] = 1 + plants / 50;
    m
}

/// The fewest assets [`Plan::new`] accepts for `plants` plants.
pub(crate) fn min_assets(plants: u64) -> u64 {
    enterprise_min(plants).iter().sum::<u64>() + plants * PLANT_MIN
}

impl Plan {
    /// Plans `assets` assets; the caller has checked `assets >= min_assets(1)`.
    pub(crate) fn new(assets: u64, seed: u64) -> Plan {
        use ec::*;
        let mut plants = ((assets + PLANT_TARGET / 2) / PLANT_TARGET).clamp(1, PLANTS_MAX);
        while plants > 1 && min_assets(plants) > assets {
            plants -= 1;
        }
        let min = enterprise_min(plants);
        let core: u64 = min.iter().sum();
        let e = (assets * ENTERPRISE_PERCENT / 100).max(core).min(assets - plants * PLANT_MIN);
        let mut c = min;
        c[DC] += e / 20_000;
        c[DNS] += e / 40_000;
        c[SIEMCOL] += e / 15_000;
        c[FWC] += u64::from(e >= 2_000);
        c[SWC] += e / 60;
        c[ERP] += u64::from(e >= 5_000);
        c[DB] += e / 25_000;
        c[MAIL] += e / 15_000;
        c[FS] += e / 4_000;
        c[BKP] += e / 25_000;
        c[PATCH] += e / 30_000;
        c[VH] += e / 1_500;
        fit(&mut c, &min, WS, e);
        let ent = Layout::new(c);
        let rest = assets - ent.total;
        let plant_list = (0..plants)
            .map(|i| {
                let size = rest / plants + u64::from(i < rest % plants);
                PlantPlan::new(i as u32, size, seed)
            })
            .collect();
        Plan { ent, plants: plant_list }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_partition() {
        for owners in 1..20u64 {
            for items in 0..60u64 {
                let mut next = 0;
                for o in 0..owners {
                    let r = share(o, owners, items);
                    assert_eq!(r.start, next);
                    next = r.end;
                    for i in r {
                        assert_eq!(share_owner(i, owners, items), o);
                    }
                }
                assert_eq!(next, items);
            }
        }
    }

    #[test]
    fn plants_are_exact_and_sane() {
        for size in (PLANT_MIN..3_000).chain([4_700, 5_000, 20_000, 40_000]) {
            for seed in 0..3 {
                let p = PlantPlan::new(7, size, seed);
                assert_eq!(p.size(), size, "size {size}");
                let c = &p.layout.count;
                assert!(c[pc::IO] >= 1);
                assert!(p.controllers() >= p.units, "size {size}");
                assert!(c[pc::SC] >= p.units && c[pc::HMI] >= p.units);
                assert_eq!(c[pc::SCADA], 2 * p.areas());
                assert!(c[pc::DC3] == 2 && c[pc::SIO] >= 1 && c[pc::EWS] >= 1);
            }
        }
    }

    #[test]
    fn plans_are_exact() {
        for n in (min_assets(1)..400).chain([1_000, 9_999, 10_000, 100_000, 1_000_000]) {
            let plan = Plan::new(n, 5);
            let total: u64 = plan.ent.total + plan.plants.iter().map(PlantPlan::size).sum::<u64>();
            assert_eq!(total, n);
            assert!(plan.ent.count[ec::WS] >= 1);
        }
        assert_eq!(Plan::new(10_000, 1).plants.len(), 2);
        assert_eq!(Plan::new(100_000, 1).plants.len(), 20);
        assert_eq!(Plan::new(1_000_000, 1).plants.len(), 200);
    }
}
