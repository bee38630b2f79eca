//! Writing the site: files, tables, and the dependency rules that give the graph its
//! Purdue shape.

use std::io;

use crate::data::{self, INDUSTRIES};
use crate::plan::{EZone, F, PZone, Plan, PlantPlan, ec, pc, share, share_owner, share_start};
use crate::rng::Rng;
use crate::text::{kv, kv_bool, kv_strs, kv_u64, push_date, push_escaped, push_hex64, push_padded, push_u64};
use crate::{Params, Sink, Summary};

/// Buffer size at which text is handed to the sink.
const FLUSH_AT: usize = 1 << 20;

/// The text buffer in front of the sink.
pub(crate) struct Out<'a> {
    sink: &'a mut dyn Sink,
    pub(crate) buf: String,
    pub(crate) bytes: u64,
    pub(crate) files: u64,
}

impl<'a> Out<'a> {
    pub(crate) fn new(sink: &'a mut dyn Sink) -> Self {
        Out { sink, buf: String::with_capacity(FLUSH_AT + (64 << 10)), bytes: 0, files: 0 }
    }

    pub(crate) fn begin(&mut self, rel_path: &str) -> io::Result<()> {
        self.flush()?;
        self.sink.begin_file(rel_path)?;
        self.files += 1;
        Ok(())
    }

    pub(crate) fn maybe_flush(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT { self.flush() } else { Ok(()) }
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.bytes += self.buf.len() as u64;
            self.sink.write_str(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// An asset, by class and 0-based index within its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Ref {
    Ent(usize, u64),
    Plant(u32, usize, u64),
}

/// One outgoing dependency of the asset being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Dep {
    kind: F,
    provider: Ref,
    /// The conduit route written explicitly, if any.
    route: Route,
}

/// How a dependency's conduit route is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Route {
    /// Not written: the loader derives it from the zones.
    Derived,
    /// `conduit = "idmz-pNNNN"` (enterprise historian replication from a plant).
    IdmzPlant,
    /// `conduit = ["idmz-pNNNN", "identity-idmz"]` (a plant DC replicating from the
    /// enterprise DCs: out of the plant into the IDMZ, then on to identity).
    PlantIdmzIdentity,
}

/// Collects one consumer's dependencies.
#[derive(Default)]
pub(crate) struct Deps(Vec<Dep>);

impl Deps {
    fn add(&mut self, kind: F, provider: Ref) {
        self.add_via(kind, provider, Route::Derived);
    }

    fn add_via(&mut self, kind: F, provider: Ref, route: Route) {
        self.0.push(Dep { kind, provider, route });
    }

    /// Sorted, without duplicates and without the consumer itself.
    fn finish(&mut self, consumer: Ref) -> &[Dep] {
        self.0.retain(|d| d.provider != consumer);
        self.0.sort_unstable();
        self.0.dedup_by(|a, b| a.kind == b.kind && a.provider == b.provider);
        &self.0
    }
}

/// The reference date the data is written against: the manual-operation exercises and
/// baselines are dated in the year before it.
pub(crate) const YEAR: u64 = 2026;

pub(crate) const SITE_ID: &str = "synthetic-enterprise";
const ORG: &str = "Example Industries";
const MAIL_DOMAIN: &str = "example-industries.example";

pub(crate) struct Gen<'a> {
    pub(crate) plan: &'a Plan,
    pub(crate) params: &'a Params,
    pub(crate) summary: Summary,
    written: u64,
    cidbuf: String,
    deps: Deps,
}

/// Purposes of the random streams (the third coordinate of [`Rng::at`]).
const S_DEPS: u64 = 3;
const S_MODEL: u64 = 4;
const S_BASELINE: u64 = 5;
const S_PEOPLE: u64 = 6;
const S_PROCESS: u64 = 7;

fn stream(plant: Option<u32>, class: usize) -> u64 {
    let p = plant.map_or(0, |p| u64::from(p) + 1);
    (p << 16) | class as u64
}

impl<'a> Gen<'a> {
    pub(crate) fn new(plan: &'a Plan, params: &'a Params) -> Self {
        Gen {
            plan,
            params,
            summary: Summary { plants: plan.plants.len() as u32, ..Summary::default() },
            written: 0,
            cidbuf: String::with_capacity(64),
            deps: Deps::default(),
        }
    }

    fn seed(&self) -> u64 {
        self.params.seed
    }

    fn plant(&self, p: u32) -> &'a PlantPlan {
        &self.plan.plants[p as usize]
    }

    pub(crate) fn push_ref(&self, buf: &mut String, r: Ref) {
        match r {
            Ref::Ent(class, idx) => {
                let c = &ec::ENT_CLASSES[class];
                buf.push_str(c.frag);
                buf.push('-');
                push_padded(buf, idx + 1, c.width);
            }
            Ref::Plant(p, class, idx) => {
                let c = &pc::PLANT_CLASSES[class];
                buf.push_str(&self.plant(p).prefix);
                buf.push('-');
                buf.push_str(c.frag);
                buf.push('-');
                push_padded(buf, idx + 1, c.width);
            }
        }
    }

    fn push_ref_q(&self, buf: &mut String, r: Ref) {
        buf.push('"');
        self.push_ref(buf, r);
        buf.push('"');
    }

    /// `key = [ ...refs... ]`, one per line when there are several.
    fn refs_array(&self, buf: &mut String, key: &str, refs: impl IntoIterator<Item = Ref>) {
        buf.push_str(key);
        buf.push_str(" = [");
        let mut any = false;
        for r in refs {
            buf.push_str("\n  ");
            self.push_ref_q(buf, r);
            buf.push(',');
            any = true;
        }
        buf.push_str(if any { "\n]\n" } else { "]\n" });
    }

    // ------------------------------------------------------------------ the run

    pub(crate) fn run(&mut self, out: &mut Out<'_>, progress: &mut dyn FnMut(u64)) -> io::Result<()> {
        self.site_file(out)?;
        self.summary.zones += 4 + 6 * self.plan.plants.len() as u64;
        self.enterprise_assets(out, progress)?;
        self.vendors_file(out)?;
        for p in 0..self.plan.plants.len() as u32 {
            self.plant_file(out, p)?;
            self.plant_assets(out, p, progress)?;
        }
        out.flush()?;
        self.summary.files = out.files;
        self.summary.bytes = out.bytes;
        Ok(())
    }

    fn header(&self, buf: &mut String, what: &str) {
        buf.push_str("# ");
        buf.push_str(what);
        buf.push_str("\n# Generated by `interlock site generate --assets ");
        push_u64(buf, self.params.assets);
        buf.push_str(" --seed ");
        push_u64(buf, self.params.seed);
        buf.push_str("`. Synthetic data: not a real site.\n\n");
    }

    // ------------------------------------------------------------------ site.toml

    fn site_file(&mut self, out: &mut Out<'_>) -> io::Result<()> {
        out.begin("site.toml")?;
        let b = &mut out.buf;
        self.header(b, "Synthetic enterprise: site, enterprise zones and conduits, people, roles, terms.");
        b.push_str("[site]\n");
        kv(b, "id", SITE_ID);
        let mut name = String::from("Example Industries synthetic enterprise (seed ");
        push_u64(&mut name, self.params.seed);
        name.push(')');
        kv(b, "name", &name);
        kv(b, "organisation", ORG);
        kv(b, "timezone", "America/Chicago");
        let mut desc = String::from("Generated site: ");
        push_u64(&mut desc, self.params.assets);
        desc.push_str(" assets in ");
        push_u64(&mut desc, self.plan.plants.len() as u64);
        desc.push_str(" plants, each with Purdue levels 0-3 and a safety system, behind one industrial DMZ, with shared identity, patching, logging and vendor remote access.");
        kv(b, "description", &desc);
        b.push('\n');

        let zones: [(&str, &str, &str, &str, u64, &str); 4] = [
            (
                "corp",
                "Corporate network",
                "it",
                "4",
                2,
                "Enterprise IT: offices, business systems, end-user workstations (Purdue levels 4-5).",
            ),
            (
                "identity",
                "Shared identity services",
                "shared",
                "4",
                3,
                "Active Directory, DNS and time: the shared dependency of IT and OT.",
            ),
            ("sec-ops", "Security operations", "shared", "4", 3, "SIEM and log collection for the whole enterprise."),
            (
                "idmz",
                "Industrial DMZ",
                "shared",
                "3.5",
                3,
                "The one path between the enterprise and the plants: jump hosts, VPN, relays, enterprise historian.",
            ),
        ];
        for (id, name, domain, level, sl, desc) in zones {
            b.push_str("[[zone]]\n");
            kv(b, "id", id);
            kv(b, "name", name);
            kv(b, "domain", domain);
            b.push_str("purdue_level = ");
            b.push_str(level);
            b.push('\n');
            kv_u64(b, "security_level", sl);
            kv(b, "description", desc);
            b.push('\n');
        }
        let conduits: [(&str, &str, [&str; 2], &[data::Channel]); 6] = [
            ("corp-idmz", "Corporate network to industrial DMZ", ["corp", "idmz"], data::CH_CORP_IDMZ),
            ("identity-corp", "Identity services to corporate network", ["identity", "corp"], data::CH_IDENTITY_CORP),
            ("identity-idmz", "Identity services to industrial DMZ", ["identity", "idmz"], data::CH_IDENTITY),
            ("secops-corp", "Security operations to corporate network", ["sec-ops", "corp"], data::CH_SECOPS_CORP),
            ("secops-idmz", "Security operations to industrial DMZ", ["sec-ops", "idmz"], data::CH_SECOPS),
            (
                "secops-identity",
                "Security operations to identity services",
                ["sec-ops", "identity"],
                data::CH_SECOPS_IDENTITY,
            ),
        ];
        for (id, name, zones, channels) in conduits {
            write_conduit(b, id, name, &zones, channels, "");
        }
        self.summary.conduits += conduits.len() as u64;

        let teams: [(&str, &str, &str); 7] = [
            ("executive", "Executive leadership", ""),
            ("corp-it", "Corporate IT operations", "it"),
            ("identity", "Identity and access management", "shared"),
            ("soc", "Security operations centre", "shared"),
            ("network", "Network and IDMZ engineering", "shared"),
            ("ot-security", "OT security", "ot"),
            ("hse", "Health, safety and environment", "ot"),
        ];
        for (id, name, domain) in teams {
            write_team(b, id, name, domain);
        }
        self.summary.teams += teams.len() as u64;

        let titles: [(&str, &str); 14] = [
            ("executive", "Chief executive officer"),
            ("executive", "Chief operating officer"),
            ("soc", "Chief information security officer"),
            ("corp-it", "IT operations manager"),
            ("identity", "Identity and access lead"),
            ("soc", "SOC manager"),
            ("soc", "SOC analyst"),
            ("soc", "SOC analyst"),
            ("ot-security", "OT security lead"),
            ("ot-security", "OT security engineer"),
            ("network", "Network and IDMZ lead"),
            ("hse", "HSE director"),
            ("executive", "General counsel"),
            ("executive", "Communications manager"),
        ];
        let people = people(self.seed(), u64::MAX, "hq", titles.len());
        for (k, (team, title)) in titles.iter().enumerate() {
            let extra = if *team == "soc" { Extra::Pager } else { Extra::Teams };
            write_person(b, &people[k], Some(team), None, title, extra);
        }
        self.summary.people += people.len() as u64;
        let pid = |k: usize| people[k].id.as_str();
        let roles: [(&str, &str, &str, usize, &[usize]); 8] = [
            ("crisis-management-team", "Crisis management team lead", "", 0, &[1, 12]),
            ("incident-commander", "Incident commander", "", 2, &[5, 8]),
            ("it-lead", "IT lead", "it", 3, &[4, 10]),
            ("ot-lead", "OT lead", "ot", 8, &[9]),
            ("safety-officer", "Safety officer", "ot", 11, &[1]),
            ("timeline-keeper", "Timeline keeper", "", 6, &[7]),
            ("liaison", "Liaison officer (vendors, regulators, ISAC)", "", 13, &[12]),
            ("public-information-officer", "Public information officer", "", 13, &[0]),
        ];
        for (id, name, domain, primary, deputies) in roles {
            let deps: Vec<&str> = deputies.iter().map(|&k| pid(k)).collect();
            write_role(b, id, name, domain, pid(primary), &deps);
        }
        self.summary.roles += roles.len() as u64;
        b.push_str(AUTHORITY);

        // Accounts: personal ones for the enterprise people, and service accounts.
        let ent = &self.plan.ent;
        let dcs: Vec<Ref> = (0..ent.count[ec::DC]).map(|i| Ref::Ent(ec::DC, i)).collect();
        for (k, person) in people.iter().enumerate() {
            b.push_str("[[account]]\n");
            kv(b, "id", &person.id);
            kv(b, "kind", "personal");
            kv(b, "directory", "dc-01");
            kv_strs(b, "holders", &[&person.id]);
            match k {
                4 => {
                    self.refs_array(b, "assets", dcs.iter().copied());
                    kv_bool(b, "privileged", true);
                }
                10 => {
                    self.refs_array(b, "assets", (0..ent.count[ec::FWI]).map(|i| Ref::Ent(ec::FWI, i)));
                    kv_bool(b, "privileged", true);
                }
                8 | 9 => {
                    self.refs_array(b, "assets", (0..ent.count[ec::JUMP]).map(|i| Ref::Ent(ec::JUMP, i)));
                    kv_bool(b, "privileged", true);
                }
                _ => {}
            }
            kv_bool(b, "mfa", true);
            b.push('\n');
        }
        let services: [(&str, usize, bool, &str); 3] = [
            ("svc-backup", ec::BKP, true, "Backup agent service account."),
            ("svc-historian-replication", ec::HIST, false, "Pulls plant historian data into the enterprise historian."),
            ("svc-patch", ec::PATCH, true, "Patch distribution service account."),
        ];
        for (id, class, privileged, desc) in services {
            b.push_str("[[account]]\n");
            kv(b, "id", id);
            kv(b, "kind", "service");
            kv(b, "directory", "dc-01");
            self.refs_array(b, "assets", (0..ent.count[class]).map(|i| Ref::Ent(class, i)));
            kv_bool(b, "privileged", privileged);
            kv(b, "description", desc);
            b.push('\n');
        }
        self.summary.accounts += (people.len() + services.len()) as u64;

        for (term, canonical, it, ot, not) in data::TERMS {
            b.push_str("[[term]]\n");
            kv(b, "term", term);
            kv(b, "canonical", canonical);
            kv(b, "it_reading", it);
            kv(b, "ot_reading", ot);
            kv_strs(b, "not_to_be_confused_with", not);
            b.push('\n');
        }
        self.summary.terms += data::TERMS.len() as u64;
        Ok(())
    }

    // ------------------------------------------------------------------ vendors.toml

    fn vendors_file(&mut self, out: &mut Out<'_>) -> io::Result<()> {
        out.begin("vendors.toml")?;
        let mut b = std::mem::take(&mut out.buf);
        self.header(&mut b, "Vendors with remote-access pathways, their people and accounts.");
        let plants = &self.plan.plants;
        let ent = &self.plan.ent;
        struct V {
            id: &'static str,
            name: &'static str,
            function: &'static str,
            safety_critical: bool,
            /// Supported plants and, per plant, the pathway target and the function asset.
            plants: Vec<u32>,
            target: usize,
            asset: Option<usize>,
            /// For controls vendors: the controller class they support.
            family: usize,
        }
        let mut vendors: Vec<V> = data::CONTROLS_VENDORS
            .iter()
            .enumerate()
            .map(|(v, &(id, name, function))| V {
                id,
                name,
                function,
                safety_critical: false,
                plants: plants.iter().filter(|p| INDUSTRIES[p.industry].controls_vendor == v).map(|p| p.n).collect(),
                target: pc::EWS,
                asset: None,
                family: [pc::PLC, pc::DCS, pc::RTU][v % 3],
            })
            .collect();
        let all: Vec<u32> = plants.iter().map(|p| p.n).collect();
        vendors.push(V {
            id: "sentinel-safety",
            name: "Sentinel Safety Systems",
            function: "Safety instrumented system maintenance and proof testing",
            safety_critical: true,
            plants: all.clone(),
            target: pc::SEWS,
            asset: Some(pc::SC),
            family: pc::PLC,
        });
        vendors.push(V {
            id: "clearwater-data",
            name: "Clearwater Data Systems",
            function: "Historian and data-replication support",
            safety_critical: false,
            plants: all,
            target: pc::HIST3,
            asset: Some(pc::HIST3),
            family: pc::PLC,
        });
        let n_vpn = ent.count[ec::VPN];
        let n_jump = ent.count[ec::JUMP];
        let mut vendor_people = Vec::new();
        for (v, vendor) in vendors.iter().enumerate() {
            let vpn = Ref::Ent(ec::VPN, v as u64 % n_vpn);
            let jump = Ref::Ent(ec::JUMP, v as u64 % n_jump);
            let staff = people(self.seed(), 1_000 + v as u64, vendor.id, 2);
            b.push_str("[[vendor]]\n");
            kv(&mut b, "id", vendor.id);
            kv(&mut b, "name", vendor.name);
            kv_bool(&mut b, "supervision_required", true);
            kv_bool(&mut b, "recording_required", true);
            kv(
                &mut b,
                "description",
                if vendor.safety_critical {
                    "Safety system vendor: every session supervised by the plant safety engineer; sessions recorded."
                } else {
                    "Remote support under supervision; sessions recorded on the IDMZ jump host."
                },
            );
            b.push('\n');
            let targets: Vec<Ref> = vendor.plants.iter().map(|&p| Ref::Plant(p, vendor.target, 0)).collect();
            let mut account = String::from(vendor.id);
            account.push_str("-remote");
            if !targets.is_empty() {
                b.push_str("[[vendor.pathway]]\n");
                kv(&mut b, "id", "remote-support");
                self.refs_array(&mut b, "via", [vpn, jump]);
                self.refs_array(&mut b, "targets", targets.iter().copied());
                kv_strs(&mut b, "accounts", &[&account]);
                kv_bool(&mut b, "mfa", true);
                kv(&mut b, "description", "VPN with MFA, then the IDMZ jump host, then RDP to the target.");
                b.push('\n');
            }
            b.push_str("[[vendor.function]]\n");
            kv(&mut b, "name", vendor.function);
            kv_bool(&mut b, "safety_critical", vendor.safety_critical);
            let assets: Vec<Ref> = vendor
                .plants
                .iter()
                .filter_map(|&p| match vendor.asset {
                    Some(class) => Some(Ref::Plant(p, class, 0)),
                    None => {
                        let pp = self.plant(p);
                        if pp.count(vendor.family) > 0 {
                            Some(Ref::Plant(p, vendor.family, 0))
                        } else {
                            let (class, idx) = pp.controller(0);
                            (pp.controllers() > 0).then_some(Ref::Plant(p, class, idx))
                        }
                    }
                })
                .collect();
            self.refs_array(&mut b, "assets", assets);
            b.push('\n');
            vendor_people.push((vendor.id, account, staff, targets, jump));
        }
        self.summary.vendors += vendors.len() as u64;
        for (vendor, _, staff, _, _) in &vendor_people {
            for (k, person) in staff.iter().enumerate() {
                let title = if k == 0 { "Field service lead" } else { "Support engineer" };
                write_person(&mut b, person, None, Some(vendor), title, Extra::None);
            }
            self.summary.people += staff.len() as u64;
        }
        for (v, (vendor, account, staff, targets, jump)) in vendor_people.iter().enumerate() {
            b.push_str("[[account]]\n");
            kv(&mut b, "id", account);
            kv(&mut b, "kind", "vendor");
            kv(&mut b, "vendor", vendor);
            kv(&mut b, "directory", "dc-01");
            let holders: Vec<&str> = staff.iter().map(|p| p.id.as_str()).collect();
            kv_strs(&mut b, "holders", &holders);
            self.refs_array(&mut b, "assets", std::iter::once(*jump).chain(targets.iter().copied()));
            kv_bool(&mut b, "privileged", true);
            kv_bool(&mut b, "mfa", true);
            b.push('\n');
            self.summary.accounts += 1;
            if v == 0 {
                b.push_str("[[account]]\n");
                let mut legacy = String::from(*vendor);
                legacy.push_str("-legacy-vpn");
                kv(&mut b, "id", &legacy);
                kv(&mut b, "kind", "vendor");
                kv(&mut b, "status", "disabled");
                kv(&mut b, "vendor", vendor);
                kv(
                    &mut b,
                    "description",
                    "Commissioning-era VPN account without MFA; disabled at the last access review.",
                );
                b.push('\n');
                self.summary.accounts += 1;
            }
        }
        out.buf = b;
        Ok(())
    }

    // ------------------------------------------------------------------ plants/pNNNN/plant.toml

    fn plant_file(&mut self, out: &mut Out<'_>, p: u32) -> io::Result<()> {
        let pp = self.plant(p);
        let pre = pp.prefix.as_str();
        let mut path = String::from("plants/");
        path.push_str(pre);
        path.push_str("/plant.toml");
        out.begin(&path)?;
        let mut b = std::mem::take(&mut out.buf);
        let ind = &INDUSTRIES[pp.industry];
        let mut title = String::from("Plant ");
        push_u64(&mut title, u64::from(p) + 1);
        let mut site_name = title.clone();
        site_name.push_str(": ");
        site_name.push_str(data::PLACES[pp.place]);
        site_name.push(' ');
        site_name.push_str(ind.site_noun);
        let mut what = site_name.clone();
        what.push_str(". Zones, conduits, teams, people, roles, accounts, processes.");
        self.header(&mut b, &what);

        let zid = |suffix: &str| {
            let mut s = String::from(pre);
            if !suffix.is_empty() {
                s.push('-');
                s.push_str(suffix);
            }
            s
        };
        // Zones.
        b.push_str("[[zone]]\n");
        kv(&mut b, "id", pre);
        kv(&mut b, "name", &site_name);
        kv(&mut b, "domain", "ot");
        kv(&mut b, "description", "The plant's OT network; its levels and safety system nest inside.");
        b.push('\n');
        let levels: [(PZone, &str, u64, u64); 5] = [
            (PZone::L3, "site operations (L3)", 3, 2),
            (PZone::L2, "supervisory control (L2)", 2, 3),
            (PZone::L1, "basic control (L1)", 1, 3),
            (PZone::L0, "field devices (L0)", 0, 2),
            (PZone::Sis, "safety instrumented system", 1, 3),
        ];
        for (z, name, level, sl) in levels {
            b.push_str("[[zone]]\n");
            kv(&mut b, "id", &zid(z.suffix()));
            let mut n = title.clone();
            n.push(' ');
            n.push_str(name);
            kv(&mut b, "name", &n);
            kv(&mut b, "parent", pre);
            kv_u64(&mut b, "purdue_level", level);
            kv_u64(&mut b, "security_level", sl);
            b.push('\n');
        }
        // Conduits.
        let conduits: [(String, &str, [String; 2], &[data::Channel]); 6] = [
            (format!("idmz-{pre}"), "IDMZ to site operations", ["idmz".into(), zid("l3")], data::CH_IDMZ_PLANT),
            (zid("l3-l2"), "Site operations to supervisory control", [zid("l3"), zid("l2")], data::CH_L3_L2),
            (zid("l2-l1"), "Supervisory control to basic control", [zid("l2"), zid("l1")], data::CH_L2_L1),
            (zid("l1-l0"), "Basic control to field devices", [zid("l1"), zid("l0")], data::CH_L1_L0),
            (zid("l1-sis"), "Basic process control to safety system", [zid("l1"), zid("sis")], data::CH_L1_SIS),
            (
                zid("l2-sis"),
                "Supervisory control to safety system (read-only)",
                [zid("l2"), zid("sis")],
                data::CH_L2_SIS,
            ),
        ];
        for (id, name, zones, channels) in &conduits {
            let mut n = title.clone();
            n.push_str(": ");
            n.push_str(name);
            let zones = [zones[0].as_str(), zones[1].as_str()];
            write_conduit(&mut b, id, &n, &zones, channels, "");
        }
        self.summary.conduits += conduits.len() as u64;
        // Teams.
        for (suffix, name, domain) in [
            ("ops", "operations", "ot"),
            ("eng", "controls engineering", "ot"),
            ("infra", "OT infrastructure", "shared"),
        ] {
            let mut n = title.clone();
            n.push(' ');
            n.push_str(name);
            write_team(&mut b, &zid(suffix), &n, domain);
        }
        self.summary.teams += 3;
        // People.
        let titles: [(&str, &str); 8] = [
            ("ops", "Plant manager"),
            ("ops", "Operations superintendent"),
            ("ops", "Shift supervisor"),
            ("ops", "Shift supervisor"),
            ("eng", "Controls engineering lead"),
            ("eng", "Controls engineer"),
            ("eng", "Process safety engineer"),
            ("infra", "OT infrastructure engineer"),
        ];
        let staff = people(self.seed(), u64::from(p), pre, titles.len());
        let mut radio = title.clone();
        radio.push_str(" control room, channel 1");
        for (k, (team, t)) in titles.iter().enumerate() {
            let extra = if (1..=3).contains(&k) { Extra::Radio(&radio) } else { Extra::Teams };
            write_person(&mut b, &staff[k], Some(&zid(team)), None, t, extra);
        }
        self.summary.people += staff.len() as u64;
        let sid = |k: usize| staff[k].id.as_str();
        let roles: [(&str, &str, &str, usize, &[usize]); 4] = [
            ("plant-manager", "plant manager", "ot", 0, &[1]),
            ("incident-commander", "incident commander (operations)", "ot", 1, &[0, 2]),
            ("ot-lead", "OT lead", "ot", 4, &[5, 7]),
            ("safety-officer", "safety officer", "ot", 6, &[1]),
        ];
        for (id, name, domain, primary, deputies) in roles {
            let mut n = title.clone();
            n.push(' ');
            n.push_str(name);
            let deps: Vec<&str> = deputies.iter().map(|&k| sid(k)).collect();
            write_role(&mut b, &zid(id), &n, domain, sid(primary), &deps);
        }
        self.summary.roles += roles.len() as u64;
        // Accounts.
        let rodc = {
            let mut s = String::new();
            self.push_ref(&mut s, Ref::Plant(p, pc::DC3, 0));
            s
        };
        let all = |class: usize| (0..pp.count(class)).map(move |i| Ref::Plant(p, class, i));
        for (k, person) in staff.iter().enumerate() {
            b.push_str("[[account]]\n");
            kv(&mut b, "id", &person.id);
            kv(&mut b, "kind", "personal");
            kv(&mut b, "directory", &rodc);
            kv_strs(&mut b, "holders", &[&person.id]);
            match k {
                4 | 5 => {
                    self.refs_array(&mut b, "assets", all(pc::EWS));
                    kv_bool(&mut b, "privileged", true);
                }
                6 => {
                    self.refs_array(&mut b, "assets", all(pc::SEWS));
                    kv_bool(&mut b, "privileged", true);
                }
                7 => {
                    self.refs_array(&mut b, "assets", all(pc::DC3).chain(all(pc::FW3)).chain(all(pc::JUMP3)));
                    kv_bool(&mut b, "privileged", true);
                }
                _ => {}
            }
            kv_bool(&mut b, "mfa", true);
            b.push('\n');
        }
        b.push_str("[[account]]\n");
        kv(&mut b, "id", &zid("operators"));
        kv(&mut b, "kind", "shared");
        kv(&mut b, "directory", &rodc);
        kv_strs(&mut b, "holders", &[sid(1), sid(2), sid(3)]);
        self.refs_array(&mut b, "assets", all(pc::HMI));
        kv(&mut b, "description", "Shared control-room log-on for the operator stations.");
        b.push('\n');
        for (suffix, class, privileged, desc) in [
            ("svc-historian", pc::HIST3, false, "Historian collection service."),
            ("svc-scada", pc::SCADA, true, "SCADA runtime service."),
        ] {
            b.push_str("[[account]]\n");
            kv(&mut b, "id", &zid(suffix));
            kv(&mut b, "kind", "service");
            kv(&mut b, "directory", &rodc);
            self.refs_array(&mut b, "assets", all(class));
            kv_bool(&mut b, "privileged", privileged);
            kv(&mut b, "description", desc);
            b.push('\n');
        }
        self.summary.accounts += staff.len() as u64 + 3;
        // Processes, one per unit.
        let n_ctl = pp.controllers();
        let k = pp.areas_per_unit;
        let ctl_ref = |c: u64| {
            let (class, idx) = pp.controller(c);
            Ref::Plant(p, class, idx)
        };
        for u in 0..pp.units {
            let mut rng = Rng::at(self.seed(), stream(Some(p), 0), u, S_PROCESS);
            let pname = ind.processes[u as usize % ind.processes.len()];
            b.push_str("[[process]]\n");
            let mut id = String::from(pre);
            id.push('-');
            slug_into(&mut id, pname);
            kv(&mut b, "id", &id);
            kv(&mut b, "name", pname);
            let critical = u == 0 || rng.chance(40);
            kv(&mut b, "criticality", if critical { "critical" } else { "high" });
            let areas = u * k..(u + 1) * k;
            let scada = (areas.start * 2..areas.end * 2).map(|s| Ref::Plant(p, pc::SCADA, s));
            let ctls = share(u, pp.units, n_ctl).map(ctl_ref);
            self.refs_array(&mut b, "control", ctls.chain(scada.clone()));
            let a_hmi = share_start(areas.start, pp.areas(), pp.count(pc::HMI))
                ..share_start(areas.end, pp.areas(), pp.count(pc::HMI));
            let hmis = a_hmi.map(|h| Ref::Plant(p, pc::HMI, h));
            let panels = share(u, pp.units, pp.count(pc::PANEL)).map(|q| Ref::Plant(p, pc::PANEL, q));
            self.refs_array(&mut b, "view", hmis.chain(panels).chain(scada.clone()));
            let scs = share(u, pp.units, pp.count(pc::SC)).map(|s| Ref::Plant(p, pc::SC, s));
            self.refs_array(&mut b, "alarm", scada.chain(scs.clone()));
            self.refs_array(&mut b, "safety", scs);
            b.push_str("\n[process.manual_operation]\n");
            let mut sop = String::from("SOP-");
            push_padded(&mut sop, u64::from(p) + 1, 4);
            sop.push('-');
            push_u64(&mut sop, 101 + u);
            sop.push_str(" Manual operation: ");
            sop.push_str(pname);
            kv(&mut b, "procedure", &sop);
            let hours = ["4h", "8h", "12h", "24h", "3d"];
            kv(&mut b, "sustainable_for", hours[rng.below(hours.len() as u64) as usize]);
            kv_u64(&mut b, "staffing", rng.range(2, 6));
            b.push_str("last_exercised = ");
            push_date(&mut b, YEAR, rng.range(1, 10), rng.range(1, 28));
            b.push('\n');
            if rng.chance(30) {
                kv(&mut b, "notes", "Field operators read local gauges; hourly log sheets replace the historian.");
            }
            b.push('\n');
        }
        self.summary.processes += pp.units;
        out.buf = b;
        Ok(())
    }

    // ------------------------------------------------------------------ asset files

    fn enterprise_assets(&mut self, out: &mut Out<'_>, progress: &mut dyn FnMut(u64)) -> io::Result<()> {
        let ctx = ClassCtx::enterprise(self);
        self.asset_files(out, None, "enterprise", &ctx, progress)
    }

    fn plant_assets(&mut self, out: &mut Out<'_>, p: u32, progress: &mut dyn FnMut(u64)) -> io::Result<()> {
        let ctx = ClassCtx::plant(self, p);
        let mut dir = String::from("plants/");
        dir.push_str(&self.plant(p).prefix);
        self.asset_files(out, Some(p), &dir, &ctx, progress)
    }

    fn asset_files(
        &mut self,
        out: &mut Out<'_>,
        plant: Option<u32>,
        dir: &str,
        ctx: &ClassCtx,
        progress: &mut dyn FnMut(u64),
    ) -> io::Result<()> {
        let (count, start, total): (&[u64], &[u64], u64) = match plant {
            None => {
                let l = &self.plan.ent;
                (&l.count, &l.start, l.total)
            }
            Some(p) => {
                let l = &self.plant(p).layout;
                (&l.count, &l.start, l.total)
            }
        };
        let apf = self.params.assets_per_file.max(1);
        let files = total.div_ceil(apf);
        for f in 0..files {
            let lo = f * apf;
            let hi = lo.saturating_add(apf).min(total);
            let mut path = String::from(dir);
            path.push_str("/assets-");
            push_padded(&mut path, f + 1, 4);
            path.push_str(".toml");
            out.begin(&path)?;
            let mut what = String::from("Assets ");
            push_u64(&mut what, lo + 1);
            what.push('-');
            push_u64(&mut what, hi);
            what.push_str(" of ");
            what.push_str(dir);
            what.push_str(", their dependencies and baselines.");
            self.header(&mut out.buf, &what);
            // The runs of (class, first index, last index + 1) that this file covers.
            let runs: Vec<(usize, u64, u64)> = (0..count.len())
                .filter_map(|c| {
                    let s = start[c].max(lo);
                    let e = (start[c] + count[c]).min(hi);
                    (s < e).then(|| (c, s - start[c], e - start[c]))
                })
                .collect();
            for &(c, a, z) in &runs {
                for i in a..z {
                    self.write_asset(&mut out.buf, ctx, plant, c, i, start[c] + i);
                    out.maybe_flush()?;
                }
            }
            for &(c, a, z) in &runs {
                for i in a..z {
                    self.write_deps(&mut out.buf, plant, c, i);
                    out.maybe_flush()?;
                }
            }
            if let Some(p) = plant {
                for &(c, a, z) in &runs {
                    if !BASELINED.contains(&c) {
                        continue;
                    }
                    for i in a..z {
                        self.write_baseline(&mut out.buf, ctx, p, c, i);
                        out.maybe_flush()?;
                    }
                }
            }
            self.written += hi - lo;
            self.summary.assets += hi - lo;
            progress(self.written);
        }
        Ok(())
    }

    fn write_asset(&mut self, b: &mut String, ctx: &ClassCtx, plant: Option<u32>, class: usize, i: u64, ordinal: u64) {
        let r = match plant {
            Some(p) => Ref::Plant(p, class, i),
            None => Ref::Ent(class, i),
        };
        let lines = &ctx.classes[class];
        b.push_str("[[asset]]\nid = \"");
        self.push_ref(b, r);
        b.push_str("\"\n");
        if !lines.noun.is_empty() {
            b.push_str("name = \"");
            b.push_str(&lines.noun);
            push_u64(b, i + 1);
            b.push_str("\"\n");
        }
        b.push_str(&lines.head);
        b.push_str("addresses = [\"");
        match plant {
            Some(p) => {
                b.push_str("10.");
                push_u64(b, u64::from(p) % 250 + 1);
            }
            None => {
                b.push_str("172.");
                push_u64(b, 16 + (ordinal / 64_000) % 16);
            }
        }
        b.push('.');
        push_u64(b, (ordinal / 250) % 256);
        b.push('.');
        push_u64(b, ordinal % 250 + 5);
        b.push_str("\"]\n");
        let alt = Rng::at(self.seed(), stream(plant, class), i, S_MODEL).chance(15);
        b.push_str(&lines.model[usize::from(alt)]);
        b.push_str(&lines.tail);
    }

    fn write_deps(&mut self, b: &mut String, plant: Option<u32>, class: usize, i: u64) {
        let consumer = match plant {
            Some(p) => Ref::Plant(p, class, i),
            None => Ref::Ent(class, i),
        };
        let mut deps = std::mem::take(&mut self.deps);
        deps.0.clear();
        match plant {
            Some(p) => self.plant_deps(p, class, i, &mut deps),
            None => self.ent_deps(class, i, &mut deps),
        }
        let mut cid = std::mem::take(&mut self.cidbuf);
        cid.clear();
        self.push_ref(&mut cid, consumer);
        let list = deps.finish(consumer);
        for d in list {
            b.push_str("[[dependency]]\nconsumer = \"");
            b.push_str(&cid);
            b.push_str("\"\nprovider = \"");
            self.push_ref(b, d.provider);
            b.push_str("\"\nkind = \"");
            b.push_str(d.kind.as_str());
            b.push_str("\"\n");
            if d.kind == F::Safety {
                b.push_str("safety_relevant = true\n");
            }
            match (d.route, d.provider, plant) {
                (Route::IdmzPlant, Ref::Plant(p, _, _), _) => {
                    b.push_str("conduit = \"idmz-");
                    b.push_str(&self.plant(p).prefix);
                    b.push_str("\"\n");
                }
                (Route::PlantIdmzIdentity, _, Some(p)) => {
                    b.push_str("conduit = [\"idmz-");
                    b.push_str(&self.plant(p).prefix);
                    b.push_str("\", \"identity-idmz\"]\n");
                }
                _ => {}
            }
            b.push('\n');
        }
        self.summary.dependencies += list.len() as u64;
        self.deps = deps;
        self.cidbuf = cid;
    }

    fn write_baseline(&mut self, b: &mut String, ctx: &ClassCtx, p: u32, class: usize, i: u64) {
        let mut rng = Rng::at(self.seed(), stream(Some(p), class), i, S_BASELINE);
        let mut fw = Rng::at(self.seed(), stream(Some(p), class), 0, S_BASELINE);
        b.push_str("[[baseline]]\nasset = \"");
        self.push_ref(b, Ref::Plant(p, class, i));
        b.push_str("\"\nconfig_hash = \"sha256:");
        for _ in 0..4 {
            push_hex64(b, rng.next_u64());
        }
        b.push_str("\"\n");
        let logic = class != pc::IED && class != pc::GW;
        if logic {
            b.push_str("logic_version = \"v");
            push_u64(b, rng.range(1, 9));
            b.push('.');
            push_u64(b, rng.range(0, 30));
            b.push('.');
            push_u64(b, rng.range(0, 200));
            b.push_str("\"\n");
        }
        if class == pc::SC {
            b.push_str("logic_hash = \"sha256:");
            for _ in 0..4 {
                push_hex64(b, rng.next_u64());
            }
            b.push_str("\"\n");
        }
        // The plant standardises on one firmware line; a few assets lag behind.
        let major = fw.range(1, 35);
        let minor = fw.range(1, 20);
        let lag = u64::from(rng.chance(10));
        b.push_str("firmware = \"V");
        push_u64(b, major);
        b.push('.');
        push_u64(b, minor.saturating_sub(lag));
        b.push('.');
        push_u64(b, fw.range(0, 9));
        b.push_str("\"\nrecorded = ");
        push_date(b, YEAR, rng.range(1, 10), rng.range(1, 28));
        b.push_str("\nrecorded_by = \"");
        b.push_str(&ctx.recorder);
        b.push_str("\"\n\n");
        self.summary.baselines += 1;
    }

    // ------------------------------------------------------------------ dependency rules

    fn ent_deps(&self, class: usize, i: u64, d: &mut Deps) {
        use ec::*;
        let n = |k: usize| self.plan.ent.count[k];
        let at = |k: usize, j: u64| Ref::Ent(k, j % n(k).max(1));
        let zone = ENT_CLASSES[class].zone;
        let idmz = zone == EZone::Idmz;
        let log = if idmz { at(LOGI, i) } else { at(SIEMCOL, i) };
        let patch = if idmz { at(PATCHI, i) } else { at(PATCH, i) };
        let mut rng = Rng::at(self.seed(), stream(None, class), i, S_DEPS);
        // A Windows server: directory, name resolution, time, patching, logging.
        let windows = |d: &mut Deps, logging: bool| {
            d.add(F::Authentication, at(DC, i));
            d.add(F::Authentication, at(DC, i + 1));
            d.add(F::NameResolution, at(DNS, i));
            d.add(F::NameResolution, at(DNS, i + 1));
            d.add(F::Time, at(NTP, i));
            d.add(F::Patching, patch);
            if logging {
                d.add(F::Logging, log);
            }
        };
        // A network appliance: RADIUS/TACACS to the directory, time, syslog.
        let appliance = |d: &mut Deps| {
            d.add(F::Authentication, at(DC, i));
            d.add(F::Time, at(NTP, i));
            d.add(F::Logging, log);
        };
        match class {
            DC => {
                d.add(F::Authentication, at(DC, i + 1));
                d.add(F::Authentication, at(DC, i + n(DC) - 1));
                d.add(F::NameResolution, at(DNS, i));
                d.add(F::NameResolution, at(DNS, i + 1));
                d.add(F::Time, at(NTP, 0));
                d.add(F::Time, at(NTP, 1));
                d.add(F::Logging, log);
                d.add(F::Backup, at(BKP, i));
                d.add(F::Patching, patch);
            }
            NTP => {
                d.add(F::Time, at(NTP, i + 1));
                d.add(F::Logging, log);
            }
            SIEM => {
                windows(d, false);
                d.add(F::Backup, at(BKP, i));
            }
            SIEMCOL => {
                d.add(F::Logging, at(SIEM, i));
                windows(d, false);
            }
            FWC | SWC | FWI | SWI => appliance(d),
            ERP => {
                d.add(F::BusinessData, at(DB, i));
                d.add(F::BusinessData, at(DB, i + 1));
                windows(d, true);
                d.add(F::Backup, at(BKP, i));
            }
            VH => {
                appliance(d);
                d.add(F::Backup, at(BKP, i));
            }
            WS => {
                windows(d, true);
                d.add(F::BusinessData, at(FS, i));
                d.add(F::BusinessData, at(MAIL, i));
                if rng.chance(35) {
                    d.add(F::BusinessData, at(ERP, i));
                }
                if rng.chance(50) {
                    d.add(F::Backup, at(BKP, i));
                }
                if rng.chance(25) {
                    d.add(F::RemoteAccess, at(VPN, i));
                }
            }
            VPN => {
                d.add(F::Authentication, at(DC, i));
                d.add(F::Authentication, at(DC, i + 1));
                d.add(F::NameResolution, at(DNS, i));
                d.add(F::Time, at(NTP, i));
                d.add(F::Logging, log);
            }
            HIST => {
                for pp in &self.plan.plants {
                    if u64::from(pp.n) % n(HIST) == i {
                        d.add_via(F::Historian, Ref::Plant(pp.n, pc::HIST3, 0), Route::IdmzPlant);
                    }
                }
                windows(d, true);
                d.add(F::Backup, at(BKP, i));
            }
            PATCHI => {
                d.add(F::Patching, at(PATCH, i));
                windows(d, true);
                d.add(F::Backup, at(BKP, i));
            }
            LOGI => {
                d.add(F::Logging, at(SIEMCOL, i));
                windows(d, false);
                d.add(F::Backup, at(BKP, i));
            }
            // DNS, DB, MAIL, FS, BKP, PATCH, JUMP: servers.
            _ => {
                windows(d, true);
                d.add(F::Backup, at(BKP, i));
            }
        }
    }

    fn plant_deps(&self, p: u32, class: usize, i: u64, d: &mut Deps) {
        use pc::*;
        let pp = self.plant(p);
        let n = |k: usize| pp.count(k);
        let at = |k: usize, j: u64| Ref::Plant(p, k, j % n(k).max(1));
        let ent = |k: usize, j: u64| Ref::Ent(k, j % self.plan.ent.count[k].max(1));
        let pn = u64::from(p);
        let n_ctl = pp.controllers();
        let ctl = |c: u64| {
            let (k, idx) = pp.controller(c);
            Ref::Plant(p, k, idx)
        };
        let mut rng = Rng::at(self.seed(), stream(Some(p), class), i, S_DEPS);
        // Level 3 servers use the plant's read-only DCs, clock, log collector, patch relay, backup.
        let l3_server = |d: &mut Deps| {
            d.add(F::Authentication, at(DC3, 0));
            d.add(F::Authentication, at(DC3, 1));
            d.add(F::NameResolution, at(DC3, i));
            d.add(F::Time, at(NTP3, 0));
            d.add(F::Logging, at(LOG3, 0));
            d.add(F::Patching, at(PATCH3, 0));
            d.add(F::Backup, at(BKP3, 0));
        };
        let l3_appliance = |d: &mut Deps| {
            d.add(F::Authentication, at(DC3, i));
            d.add(F::Time, at(NTP3, 0));
            d.add(F::Logging, at(LOG3, 0));
        };
        // Level 2 Windows hosts: identity and patching from L3, time and syslog at L2.
        let l2_host = |d: &mut Deps| {
            d.add(F::Authentication, at(DC3, 0));
            d.add(F::Authentication, at(DC3, 1));
            d.add(F::NameResolution, at(DC3, i));
            d.add(F::Time, at(NTP2, i));
            d.add(F::Logging, at(LOG2, 0));
            d.add(F::Patching, at(PATCH3, 0));
            d.add(F::Backup, at(BKP3, 0));
        };
        let l2_appliance = |d: &mut Deps| {
            d.add(F::Authentication, at(DC3, i));
            d.add(F::Time, at(NTP2, i));
            d.add(F::Logging, at(LOG2, 0));
        };
        match class {
            FW3 | SW3 => l3_appliance(d),
            DC3 => {
                d.add_via(F::Authentication, ent(ec::DC, 2 * pn + i), Route::PlantIdmzIdentity);
                d.add_via(F::Authentication, ent(ec::DC, 2 * pn + i + 1), Route::PlantIdmzIdentity);
                d.add(F::NameResolution, ent(ec::DNS, pn + i));
                d.add(F::Authentication, at(DC3, i + 1));
                d.add(F::Time, at(NTP3, 0));
                d.add(F::Logging, at(LOG3, 0));
                d.add(F::Backup, at(BKP3, 0));
                d.add(F::Patching, at(PATCH3, 0));
            }
            NTP3 => {
                d.add(F::Time, ent(ec::NTP, 0));
                d.add(F::Time, ent(ec::NTP, 1));
                d.add(F::Logging, at(LOG3, 0));
            }
            HIST3 => {
                for a in share(i, n(HIST3), pp.areas()) {
                    d.add(F::Historian, at(SCADA, 2 * a));
                    d.add(F::Historian, at(SCADA, 2 * a + 1));
                }
                l3_server(d);
            }
            MES3 => {
                for h in 0..n(HIST3) {
                    d.add(F::Historian, at(HIST3, h));
                }
                d.add(F::BusinessData, at(DB3, 0));
                l3_server(d);
            }
            PATCH3 => {
                d.add(F::Patching, ent(ec::PATCHI, pn));
                l3_server(d);
            }
            LOG3 => {
                d.add(F::Logging, ent(ec::LOGI, pn));
                l3_server(d);
            }
            JUMP3 => {
                d.add(F::RemoteAccess, ent(ec::JUMP, pn));
                l3_server(d);
            }
            WS3 => {
                d.add(F::Historian, at(HIST3, i));
                d.add(F::BusinessData, at(MES3, 0));
                l3_server(d);
            }
            DB3 | BKP3 => l3_server(d),
            FW2 | SW2 => l2_appliance(d),
            NTP2 => {
                d.add(F::Time, at(NTP3, 0));
                d.add(F::Logging, at(LOG2, 0));
            }
            LOG2 => {
                d.add(F::Logging, at(LOG3, 0));
                d.add(F::Time, at(NTP2, 0));
            }
            SCADA => {
                let a = i / 2;
                let u = a / pp.areas_per_unit;
                let cs = share(a, pp.areas(), n_ctl);
                for c in cs.clone() {
                    d.add(F::Control, ctl(c));
                    d.add(F::View, ctl(c));
                    d.add(F::Alarm, ctl(c));
                }
                for e in share_start(cs.start, n_ctl, n(IED))..share_start(cs.end, n_ctl, n(IED)) {
                    d.add(F::Control, at(IED, e));
                    d.add(F::View, at(IED, e));
                }
                for g in share(a, pp.areas(), n(GW)) {
                    d.add(F::Control, at(GW, g));
                }
                for s in share(u, pp.units, n(SC)) {
                    d.add(F::Alarm, at(SC, s));
                }
                l2_host(d);
            }
            HMI => {
                let a = share_owner(i, pp.areas(), n(HMI));
                for s in [2 * a, 2 * a + 1] {
                    d.add(F::View, at(SCADA, s));
                    d.add(F::Control, at(SCADA, s));
                    d.add(F::Alarm, at(SCADA, s));
                }
                l2_host(d);
            }
            EWS => {
                d.add(F::RemoteAccess, at(JUMP3, 0));
                d.add(F::Historian, at(HIST3, i));
                l2_host(d);
            }
            SW1 => {
                d.add(F::Time, at(NTP2, i));
                d.add(F::Logging, at(LOG2, 0));
            }
            PANEL => {
                let u = share_owner(i, pp.units, n(PANEL));
                let cu = share(u, pp.units, n_ctl);
                let pu = share(u, pp.units, n(PANEL));
                let len = cu.end - cu.start;
                if len > 0 {
                    let c = cu.start + (i - pu.start) * len / (pu.end - pu.start);
                    d.add(F::View, ctl(c));
                    d.add(F::Control, ctl(c));
                    d.add(F::Alarm, ctl(c));
                    if c + 1 < cu.end {
                        d.add(F::View, ctl(c + 1));
                        d.add(F::Alarm, ctl(c + 1));
                    }
                }
                d.add(F::Time, at(NTP2, i));
            }
            PLC | PAC | DCS | RTU => {
                let c = pp.controller_number(class, i);
                for io in share(c, n_ctl, n(IO)) {
                    d.add(F::Control, at(IO, io));
                }
                for e in share(c, n_ctl, n(IED)) {
                    d.add(F::Control, at(IED, e));
                }
                let u = share_owner(c, pp.units, n_ctl);
                let cu = share(u, pp.units, n_ctl);
                if c + 1 < cu.end && rng.chance(60) {
                    d.add(F::Control, ctl(c + 1));
                }
                if rng.chance(70) {
                    let su = share(u, pp.units, n(SC));
                    if su.end > su.start {
                        let s = su.start + (c - cu.start) % (su.end - su.start);
                        d.add(F::Safety, at(SC, s));
                    }
                }
                for t in 0..n(NTP2) {
                    d.add(F::Time, at(NTP2, t));
                }
                if class != PLC || rng.chance(50) {
                    d.add(F::Logging, at(LOG2, 0));
                }
            }
            IED => {
                d.add(F::Control, ctl(share_owner(i, n_ctl, n(IED))));
                d.add(F::Time, at(NTP2, i));
                if rng.chance(30) {
                    d.add(F::Logging, at(LOG2, 0));
                }
            }
            GW => {
                for e in share(i, n(GW), n(IED)) {
                    d.add(F::Control, at(IED, e));
                }
                d.add(F::Time, at(NTP2, i));
                d.add(F::Logging, at(LOG2, 0));
            }
            IO => {
                let c = share_owner(i, n_ctl, n(IO));
                d.add(F::Control, ctl(c));
                // DCS controllers run in redundant pairs and their I/O talks to both; other
                // I/O is often shared with the neighbouring controller (listen-only or
                // produced/consumed connections).
                let (k, idx) = pp.controller(c);
                if k == DCS && (idx ^ 1) < n(DCS) {
                    d.add(F::Control, Ref::Plant(p, DCS, idx ^ 1));
                } else if rng.chance(45) {
                    let cu = share(share_owner(c, pp.units, n_ctl), pp.units, n_ctl);
                    let other = if c + 1 < cu.end { c + 1 } else { cu.start };
                    d.add(F::Control, ctl(other));
                }
            }
            SC => {
                for s in share(i, n(SC), n(SIO)) {
                    d.add(F::Safety, at(SIO, s));
                }
                d.add(F::Time, at(NTP2, i));
                if rng.chance(50) {
                    d.add(F::Logging, at(LOG2, 0));
                }
            }
            SIO => d.add(F::Safety, at(SC, share_owner(i, n(SC), n(SIO)))),
            SEWS => {
                d.add(F::Time, at(NTP2, i));
                d.add(F::Logging, at(LOG2, 0));
            }
            _ => {}
        }
    }
}

/// Plant classes that get a `[[baseline]]`.
const BASELINED: [usize; 7] = [pc::PLC, pc::PAC, pc::DCS, pc::RTU, pc::IED, pc::GW, pc::SC];

/// Pre-rendered lines for one class within one group (the enterprise or a plant).
struct ClassLines {
    /// `"<noun> "` prefix of the display name, or empty for no name.
    noun: String,
    /// kind, zone, criticality and owner lines.
    head: String,
    /// vendor and model lines: the group's standard product, and an alternative.
    model: [String; 2],
    /// functions line and the blank line that ends the table.
    tail: String,
}

struct ClassCtx {
    classes: Vec<ClassLines>,
    /// Person id that recorded the group's baselines (a plant's controls engineer).
    recorder: String,
}

fn model_lines(models: data::Models, pick: usize) -> [String; 2] {
    let render = |k: usize| {
        let (vendor, model) = models[k % models.len()];
        let mut s = String::new();
        kv(&mut s, "vendor", vendor);
        kv(&mut s, "model", model);
        s
    };
    [render(pick), render(pick + 1)]
}

fn functions_line(functions: &[F]) -> String {
    let mut s = String::new();
    if !functions.is_empty() {
        let words: Vec<&str> = functions.iter().map(|f| f.as_str()).collect();
        kv_strs(&mut s, "functions", &words);
    }
    s.push('\n');
    s
}

impl ClassCtx {
    fn enterprise(g: &Gen<'_>) -> Self {
        let classes = ec::ENT_CLASSES
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let mut head = String::new();
                kv(&mut head, "kind", c.kind);
                kv(&mut head, "zone", c.zone.id());
                if !c.crit.is_empty() {
                    kv(&mut head, "criticality", c.crit);
                }
                kv(&mut head, "owner", c.team);
                let noun = if c.noun.is_empty() {
                    String::new()
                } else {
                    let mut s = String::from(c.noun);
                    s.push(' ');
                    s
                };
                let pick = Rng::at(g.seed(), stream(None, k), 0, S_MODEL).below(c.models.len() as u64);
                ClassLines {
                    noun,
                    head,
                    model: model_lines(c.models, pick as usize),
                    tail: functions_line(c.functions),
                }
            })
            .collect();
        ClassCtx { classes, recorder: String::new() }
    }

    fn plant(g: &Gen<'_>, p: u32) -> Self {
        let pp = g.plant(p);
        let classes = pc::PLANT_CLASSES
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let mut head = String::new();
                kv(&mut head, "kind", c.kind);
                let mut zone = pp.prefix.clone();
                zone.push('-');
                zone.push_str(c.zone.suffix());
                kv(&mut head, "zone", &zone);
                if !c.crit.is_empty() {
                    kv(&mut head, "criticality", c.crit);
                }
                let mut team = pp.prefix.clone();
                team.push('-');
                team.push_str(c.team);
                kv(&mut head, "owner", &team);
                let noun = if c.noun.is_empty() {
                    String::new()
                } else {
                    let mut s = String::from("Plant ");
                    push_u64(&mut s, u64::from(p) + 1);
                    s.push(' ');
                    s.push_str(c.noun);
                    s.push(' ');
                    s
                };
                ClassLines {
                    noun,
                    head,
                    model: model_lines(c.models, usize::from(pp.model_pick[k])),
                    tail: functions_line(c.functions),
                }
            })
            .collect();
        let mut staff = people(g.seed(), u64::from(p), &pp.prefix, 6);
        ClassCtx { classes, recorder: std::mem::take(&mut staff[5].id) }
    }
}

// ---------------------------------------------------------------------- small writers

pub(crate) struct Person {
    pub(crate) id: String,
    first: &'static str,
    last: &'static str,
    phone: u64,
}

/// `count` people for a group (a plant, the headquarters, a vendor): distinct last names
/// within the group, so ids `<prefix>-<initial><last>` never collide.
pub(crate) fn people(seed: u64, group: u64, prefix: &str, count: usize) -> Vec<Person> {
    let mut rng = Rng::at(seed, group, 0, S_PEOPLE);
    let f0 = rng.below(data::FIRST_NAMES.len() as u64) as usize;
    let l0 = rng.below(data::LAST_NAMES.len() as u64) as usize;
    (0..count)
        .map(|k| {
            let first = data::FIRST_NAMES[(f0 + k * 7) % data::FIRST_NAMES.len()];
            let last = data::LAST_NAMES[(l0 + k * 11) % data::LAST_NAMES.len()];
            let mut id = String::from(prefix);
            id.push('-');
            id.extend(first.chars().take(1).map(|c| c.to_ascii_lowercase()));
            id.extend(last.chars().map(|c| c.to_ascii_lowercase()));
            Person { id, first, last, phone: rng.below(10_000) }
        })
        .collect()
}

/// The contact a person has besides mobile and email.
enum Extra<'a> {
    Radio(&'a str),
    Teams,
    Pager,
    None,
}

fn write_person(
    b: &mut String,
    person: &Person,
    team: Option<&str>,
    vendor: Option<&str>,
    title: &str,
    extra: Extra<'_>,
) {
    b.push_str("[[person]]\n");
    kv(b, "id", &person.id);
    b.push_str("name = \"");
    push_escaped(b, person.first);
    b.push(' ');
    push_escaped(b, person.last);
    b.push_str("\"\n");
    if let Some(t) = team {
        kv(b, "team", t);
    }
    if let Some(v) = vendor {
        kv(b, "vendor", v);
    }
    kv(b, "title", title);
    b.push_str("contacts = [\n  { channel = \"mobile\", address = \"+1 555 ");
    push_padded(b, person.phone, 4);
    b.push_str("\" },\n  { channel = \"email\", address = \"");
    b.extend(person.first.chars().map(|c| c.to_ascii_lowercase()));
    b.push('.');
    b.extend(person.last.chars().map(|c| c.to_ascii_lowercase()));
    b.push('@');
    if let Some(v) = vendor {
        b.push_str(v);
        b.push_str(".example");
    } else {
        b.push_str(MAIL_DOMAIN);
    }
    b.push_str("\" },\n");
    match extra {
        Extra::Radio(channel) => {
            b.push_str("  { channel = \"radio\", address = \"");
            push_escaped(b, channel);
            b.push_str("\" },\n");
        }
        Extra::Teams => {
            b.push_str("  { channel = \"teams\", address = \"");
            b.extend(person.first.chars().map(|c| c.to_ascii_lowercase()));
            b.push('.');
            b.extend(person.last.chars().map(|c| c.to_ascii_lowercase()));
            b.push('@');
            b.push_str(MAIL_DOMAIN);
            b.push_str("\" },\n");
        }
        Extra::Pager => {
            b.push_str("  { channel = \"pager\", address = \"SOC on-call ");
            push_padded(b, person.phone % 100, 2);
            b.push_str("\" },\n");
        }
        Extra::None => {}
    }
    b.push_str("]\n\n");
}

fn write_team(b: &mut String, id: &str, name: &str, domain: &str) {
    b.push_str("[[team]]\n");
    kv(b, "id", id);
    kv(b, "name", name);
    if !domain.is_empty() {
        kv(b, "domain", domain);
    }
    b.push('\n');
}

/// The enterprise's authority matrix over its headquarters roles (the shape
/// of the example site's: every action approved; IT and OT targets by their
/// leads; OT impact by operations with a safety veto; the shared picture
/// jointly; safety losses by the safety officer, never overridden).
const AUTHORITY: &str = r#"
[authority]
escalate_after = "15m"
default_ladder = "command"
override = ["incident-commander"]

[[authority.ladder]]
id = "command"
steps = [
  { role = "incident-commander", after = "15m" },
  { role = "crisis-management-team", after = "1h" },
]

[[authority.rule]]
id = "every-action"
execute = ["it-lead", "ot-lead", "incident-commander"]
approvals = [{ roles = ["incident-commander", "it-lead", "ot-lead"], count = 1 }]

[[authority.rule]]
id = "it-targets"
target_domains = ["it"]
execute = ["it-lead", "incident-commander"]
approvals = [{ roles = ["it-lead"], count = 1 }]

[[authority.rule]]
id = "ot-targets"
target_domains = ["ot"]
execute = ["ot-lead"]
approvals = [{ roles = ["ot-lead"], count = 1 }]
escalate_after = "10m"

[[authority.rule]]
id = "ot-impact-needs-operations"
impact = ["ot-control-loss", "ot-view-loss", "ot-alarm-loss", "ot-authentication-loss", "ot-asset-down", "process-affected", "process-stopped", "safety-loss", "half-applied-risk"]
approvals = [{ roles = ["ot-lead"], count = 1 }]
veto = ["safety-officer"]

[[authority.rule]]
id = "shared-picture-joint"
impact = ["ot-view-loss", "it-telemetry-loss"]
approvals = [{ roles = ["it-lead"], count = 1 }, { roles = ["ot-lead"], count = 1 }]
joint = true

[[authority.rule]]
id = "safety-functions"
impact = ["safety-loss"]
approvals = [{ roles = ["safety-officer"], count = 1 }, { roles = ["ot-lead"], count = 1 }]
veto = ["safety-officer"]
override = []

"#;

fn write_role(b: &mut String, id: &str, name: &str, domain: &str, primary: &str, deputies: &[&str]) {
    b.push_str("[[role]]\n");
    kv(b, "id", id);
    kv(b, "name", name);
    if !domain.is_empty() {
        kv(b, "domain", domain);
    }
    kv(b, "primary", primary);
    kv_strs(b, "deputies", deputies);
    b.push('\n');
}

fn write_conduit(b: &mut String, id: &str, name: &str, zones: &[&str], channels: &[data::Channel], desc: &str) {
    b.push_str("[[conduit]]\n");
    kv(b, "id", id);
    kv(b, "name", name);
    kv_strs(b, "zones", zones);
    b.push_str("channels = [\n");
    for (name, protocol, port) in channels {
        b.push_str("  { name = \"");
        b.push_str(name);
        b.push_str("\", protocol = \"");
        b.push_str(protocol);
        b.push_str("\", port = ");
        push_u64(b, u64::from(*port));
        b.push_str(" },\n");
    }
    b.push_str("]\n");
    if !desc.is_empty() {
        kv(b, "description", desc);
    }
    b.push('\n');
}

/// Appends a kebab-case id fragment of `name`.
fn slug_into(out: &mut String, name: &str) {
    let mut dash = false;
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            if dash {
                out.push('-');
                dash = false;
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
}
