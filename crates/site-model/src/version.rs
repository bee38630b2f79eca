//! The model's version: SHA-256 of a canonical encoding of the normalised
//! model. Collections are visited in id order, sets sorted, ordered lists
//! (pathway hops, role deputies) kept in order; references are written as the
//! referenced ids, never as indices, so file layout cannot leak in.

use sha2::{Digest, Sha256};

use crate::authority::Authority;
use crate::deadline::{Deadline, Due};
use crate::model::*;
use crate::site::Site;

/// Bumped whenever the canonical encoding changes. (The authority matrix and
/// the deadlines were added at the end, only for sites that have them: the
/// versions of sites without them did not change.)
const ENCODING: &str = "interlock-site-model/1";

/// The encoding of the authority matrix on its own ([`Authority::version`]).
const AUTHORITY_ENCODING: &str = "interlock-authority/1";

struct Canon {
    h: Sha256,
    buf: Vec<u8>,
}

/// Items per chunk of the large sections (assets, dependencies). Each chunk is
/// hashed on its own, on several threads, and the section hash covers the
/// chunk digests in order: a tree of depth two, fixed by the encoding.
const CHUNK: usize = 1 << 14;

impl Canon {
    fn new() -> Canon {
        Canon { h: Sha256::new(), buf: Vec::with_capacity(1 << 17) }
    }

    fn digest(mut self) -> [u8; 32] {
        self.h.update(&self.buf);
        self.h.finalize().into()
    }

    /// A large section: `n` items encoded by `item`, hashed chunk by chunk in parallel.
    fn chunked(&mut self, tag: &str, n: usize, threads: usize, item: impl Fn(&mut Canon, usize) + Sync) {
        self.tag(tag, n);
        let chunks = n.div_ceil(CHUNK);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            let mut done = Vec::new();
            loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if k >= chunks {
                    break done;
                }
                let mut c = Canon::new();
                for i in k * CHUNK..((k + 1) * CHUNK).min(n) {
                    item(&mut c, i);
                }
                done.push((k, c.digest()));
            }
        };
        let mut digests: Vec<(usize, [u8; 32])> = if threads <= 1 || chunks <= 1 {
            work()
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads.min(chunks)).map(|_| s.spawn(work)).collect();
                // A worker cannot panic (it only encodes and hashes); a join error leaves its
                // chunks out, which the count check below turns into a distinct version.
                handles.into_iter().filter_map(|h| h.join().ok()).flatten().collect()
            })
        };
        digests.sort_unstable_by_key(|(k, _)| *k);
        self.n(digests.len() as u64);
        for (_, d) in digests {
            self.buf.extend_from_slice(&d);
            self.flush_if_full();
        }
    }

    fn flush_if_full(&mut self) {
        if self.buf.len() >= 1 << 16 {
            self.h.update(&self.buf);
            self.buf.clear();
        }
    }
    /// Length-prefixed, so that field boundaries are unambiguous.
    fn s(&mut self, s: &str) {
        self.buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(s.as_bytes());
        self.flush_if_full();
    }
    fn opt(&mut self, s: Option<&str>) {
        match s {
            None => self.buf.push(0),
            Some(s) => {
                self.buf.push(1);
                self.s(s);
            }
        }
    }
    fn n(&mut self, n: u64) {
        self.buf.extend_from_slice(&n.to_le_bytes());
    }
    fn b(&mut self, b: bool) {
        self.buf.push(b as u8);
    }
    fn tag(&mut self, t: &str, count: usize) {
        self.s(t);
        self.n(count as u64);
    }
    /// A set of ids, sorted.
    fn set<'a>(&mut self, ids: impl Iterator<Item = &'a str>) {
        let mut v: Vec<&str> = ids.collect();
        v.sort_unstable();
        self.n(v.len() as u64);
        for s in v {
            self.s(s);
        }
    }
    /// A set of words or ids, sorted, duplicates dropped.
    fn unique<'a>(&mut self, items: impl Iterator<Item = &'a str>) {
        let mut v: Vec<&str> = items.collect();
        v.sort_unstable();
        v.dedup();
        self.n(v.len() as u64);
        for s in v {
            self.s(s);
        }
    }
    fn opt_n(&mut self, n: Option<u32>) {
        match n {
            None => self.buf.push(0),
            Some(n) => {
                self.buf.push(1);
                self.n(n as u64);
            }
        }
    }
    /// An ordered list of ids.
    fn list<'a>(&mut self, ids: impl ExactSizeIterator<Item = &'a str>) {
        self.n(ids.len() as u64);
        for s in ids {
            self.s(s);
        }
    }
    fn finish(mut self) -> String {
        self.h.update(&self.buf);
        let digest = self.h.finalize();
        let mut out = String::with_capacity(7 + 64);
        out.push_str("sha256:");
        for b in digest.iter() {
            out.push(char::from_digit((b >> 4) as u32, 16).unwrap_or('0'));
            out.push(char::from_digit((b & 15) as u32, 16).unwrap_or('0'));
        }
        out
    }
}

fn sorted_by_key<'a, T, K: Ord>(items: &'a [T], key: impl Fn(&'a T) -> K) -> Vec<&'a T> {
    let mut v: Vec<&'a T> = items.iter().collect();
    v.sort_by_key(|t| key(t));
    v
}

/// `deadline_descriptions` are those of `site.deadlines`, index for index.
pub(crate) fn version(site: &Site, deadline_descriptions: &[Option<Box<str>>], threads: usize) -> String {
    let mut c = Canon::new();
    let zone = |z: ZoneIx| &*site.zones[z.ix()].id;
    let asset = |a: &AssetIx| &*site.assets[a.ix()].id;
    let person = |p: &PersonIx| &*site.people[p.ix()].id;
    let team = |t: TeamIx| &*site.teams[t.ix()].id;

    c.s(ENCODING);
    let i = &site.info;
    c.tag("site", 1);
    c.s(&i.id);
    c.s(&i.name);
    c.opt(i.organisation.as_deref());
    c.opt(i.timezone.as_deref());
    c.opt(i.description.as_deref());
    // Only when given, so the versions of sites that leave it out are unchanged.
    if let Some(d) = i.follow_up_days {
        c.tag("follow_up_days", d as usize);
    }
    if i.update_every.iter().any(Option::is_some) {
        c.tag("update_every", 4);
        for m in i.update_every {
            c.n(m.map_or(0, u64::from));
        }
    }
    if let Some(m) = i.verification_every {
        c.tag("verification_every", m as usize);
    }

    c.tag("zone", site.zones.len());
    for z in site.zone_ids.in_id_order().iter().map(|i| &site.zones[*i as usize]) {
        c.s(&z.id);
        c.s(&z.name);
        c.opt(z.parent.map(zone));
        c.opt(z.domain.map(|d| d.as_str()));
        c.opt(z.purdue_level.map(|l| l.as_str()));
        c.n(z.security_level.map_or(0, u64::from));
        c.opt(z.description.as_deref());
    }

    c.tag("conduit", site.conduits.len());
    for k in sorted_by_key(&site.conduits, |k| &k.id) {
        c.s(&k.id);
        c.s(&k.name);
        c.set(k.zones.iter().map(|z| zone(*z)));
        c.n(k.channels.len() as u64);
        for ch in &k.channels {
            c.s(&ch.name);
            c.s(&ch.protocol);
            c.n(ch.port.map_or(0, u64::from));
            c.opt(ch.description.as_deref());
        }
        c.opt(k.description.as_deref());
    }

    // Assets in id order; dependencies refer to assets by their rank in that order,
    // which is as canonical as the id and a tenth of the bytes.
    let order = site.asset_ids.in_id_order();
    let mut rank = vec![0u32; site.assets.len()];
    for (r, a) in order.iter().enumerate() {
        rank[*a as usize] = r as u32;
    }
    c.chunked("asset", order.len(), threads, |c, i| {
        let a = &site.assets[order[i] as usize];
        c.s(&a.id);
        c.s(&a.name);
        c.s(a.kind.as_str());
        c.s(a.domain.as_str());
        c.s(zone(a.zone));
        c.opt(a.purdue_level.map(|l| l.as_str()));
        c.s(a.criticality.as_str());
        c.opt(a.owner.map(team));
        c.set(a.addresses.iter().map(|s| &**s));
        c.opt(a.vendor.as_deref());
        c.opt(a.model.as_deref());
        c.n(a.functions.bits() as u64);
        c.opt(a.description.as_deref());
    });

    // Dependencies are kept in normalised order by the loader. A derived route is a
    // function of the zones and conduits (hashed above), so only named routes are written.
    c.chunked("dependency", site.dependencies.len(), threads, |c, i| {
        let d = &site.dependencies[i];
        c.n((rank[d.consumer.ix()] as u64) << 32 | rank[d.provider.ix()] as u64);
        c.s(d.kind.as_str());
        match d.crossing {
            Crossing::Named(_) => {
                c.s("named");
                c.list(site.conduits_crossed(d).iter().map(|k| &*site.conduits[k.ix()].id));
            }
            Crossing::WithinZone | Crossing::Derived(_) | Crossing::Undocumented => c.s(""),
        }
        c.opt(site.channel_of(d));
        c.s(d.criticality.as_str());
        c.b(d.safety_relevant);
        c.opt(d.description.as_deref());
    });

    c.tag("process", site.processes.len());
    for p in sorted_by_key(&site.processes, |p| &p.id) {
        c.s(&p.id);
        c.s(&p.name);
        c.s(p.criticality.as_str());
        for list in [&p.control, &p.view, &p.alarm, &p.safety] {
            c.set(list.iter().map(asset));
        }
        match &p.manual_operation {
            None => c.b(false),
            Some(m) => {
                c.b(true);
                c.s(&m.procedure);
                c.n(m.sustainable_minutes as u64);
                c.n(m.staffing as u64);
                c.opt(m.last_exercised.map(|d| d.to_string()).as_deref());
                c.opt(m.notes.as_deref());
            }
        }
        c.opt(p.description.as_deref());
        if !p.readings.is_empty() {
            c.tag("reading", p.readings.len());
            for r in sorted_by_key(&p.readings, |r| &r.id) {
                c.s(&r.id);
                c.s(&r.name);
                c.s(&r.unit);
                c.s(&r.station);
                c.set(r.shown_on.iter().map(asset));
                // The shortest text that reads back as the same number.
                c.s(&r.tolerance.to_string());
            }
        }
    }

    c.tag("team", site.teams.len());
    for t in sorted_by_key(&site.teams, |t| &t.id) {
        c.s(&t.id);
        c.s(&t.name);
        c.opt(t.domain.map(|d| d.as_str()));
    }

    c.tag("person", site.people.len());
    for p in site.person_ids.in_id_order().iter().map(|i| &site.people[*i as usize]) {
        c.s(&p.id);
        c.s(&p.name);
        match &p.affiliation {
            None => c.s(""),
            Some(Affiliation::Team(t)) => c.s(&format!("team:{}", team(*t))),
            Some(Affiliation::Vendor(v)) => c.s(&format!("vendor:{}", site.vendors[v.ix()].id)),
        }
        c.opt(p.title.as_deref());
        c.n(p.contacts.len() as u64);
        for k in &p.contacts {
            c.s(k.channel.as_str());
            c.s(&k.address);
        }
    }

    c.tag("role", site.roles.len());
    for r in site.role_ids.in_id_order().iter().map(|i| &site.roles[*i as usize]) {
        c.s(&r.id);
        c.s(&r.name);
        c.opt(r.domain.map(|d| d.as_str()));
        c.opt(r.primary.as_ref().map(person));
        c.list(r.deputies.iter().map(person));
        c.opt(r.description.as_deref());
    }

    c.tag("account", site.accounts.len());
    for a in sorted_by_key(&site.accounts, |a| &a.id) {
        c.s(&a.id);
        c.s(&a.username);
        c.s(a.kind.as_str());
        c.s(a.status.as_str());
        c.opt(a.directory.as_ref().map(asset));
        c.set(a.holders.iter().map(person));
        c.opt(a.vendor.map(|v| &*site.vendors[v.ix()].id));
        c.set(a.assets.iter().map(asset));
        c.b(a.privileged);
        c.b(a.mfa);
        c.opt(a.description.as_deref());
    }

    c.tag("vendor", site.vendors.len());
    for v in sorted_by_key(&site.vendors, |v| &v.id) {
        c.s(&v.id);
        c.s(&v.name);
        c.b(v.supervision_required);
        c.b(v.recording_required);
        c.n(v.pathways.len() as u64);
        for p in sorted_by_key(&v.pathways, |p| &p.id) {
            c.s(&p.id);
            c.list(p.via.iter().map(asset));
            c.set(p.targets.iter().map(asset));
            c.set(p.accounts.iter().map(|a| &*site.accounts[a.ix()].id));
            c.b(p.mfa);
            c.opt(p.description.as_deref());
        }
        c.n(v.functions.len() as u64);
        for f in sorted_by_key(&v.functions, |f| (&f.name, f.safety_critical)) {
            c.s(&f.name);
            c.b(f.safety_critical);
            c.set(f.assets.iter().map(asset));
        }
        c.opt(v.description.as_deref());
    }

    c.tag("baseline", site.baselines.len());
    for b in sorted_by_key(&site.baselines, |b| asset(&b.asset)) {
        c.s(asset(&b.asset));
        c.opt(b.config_hash.as_deref());
        c.opt(b.logic_version.as_deref());
        c.opt(b.logic_hash.as_deref());
        c.opt(b.firmware.as_deref());
        c.opt(b.recorded.map(|d| d.to_string()).as_deref());
        c.opt(b.recorded_by.as_ref().map(person));
    }

    // The built-in verbs are part of this encoding's version; the site's own wording is content.
    let site_actions: Vec<&crate::action::ActionDef> = site.actions.iter().filter(|a| a.from_site).collect();
    c.tag("action", site_actions.len());
    let mut site_actions = site_actions;
    site_actions.sort_by(|a, b| a.verb.cmp(&b.verb));
    for a in site_actions {
        c.s(&a.verb);
        c.s(a.effect.as_str());
        c.s(&a.definition);
        c.s(&a.it_reading);
        c.s(&a.ot_reading);
        c.b(a.reversible);
        c.s(&a.reversal);
        c.n(a.typical_minutes as u64);
    }

    c.tag("term", site.glossary.len());
    for t in sorted_by_key(&site.glossary, |t| t.term.to_lowercase()) {
        c.s(&t.term);
        c.s(&t.canonical);
        c.opt(t.it_reading.as_deref());
        c.opt(t.ot_reading.as_deref());
        c.set(t.not_to_be_confused_with.iter().map(|s| &**s));
    }

    // The matrix's own version covers all of it; sites without one encode as before.
    if let Some(a) = &site.authority {
        c.tag("authority", 1);
        c.s(&a.version);
    }

    // Likewise the deadlines, only when the site writes some; a set, by id.
    if !site.deadlines.is_empty() {
        let mut deadlines: Vec<(&Deadline, Option<&str>)> = site
            .deadlines
            .iter()
            .enumerate()
            .map(|(i, dl)| (dl, deadline_descriptions.get(i).and_then(|d| d.as_deref())))
            .collect();
        deadlines.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        c.tag("deadline", deadlines.len());
        for (dl, description) in deadlines {
            c.s(&dl.id);
            c.s(&dl.regime);
            c.s(dl.trigger.as_str());
            match dl.due {
                Due::Within(minutes) => c.tag("within", minutes as usize),
                Due::CalendarDays(days) => c.tag("calendar_days", days as usize),
                Due::EndOfDay(days) => c.tag("end_of_day", days as usize),
            }
            c.s(&dl.report);
            c.opt(description);
        }
    }
    c.finish()
}

/// The authority matrix's version: SHA-256 of a canonical encoding of the
/// matrix alone. Ladders are visited in id order (they are named, not
/// ordered), their steps in order; rules in the order written (the order
/// they are listed and explained in); condition lists, role lists and
/// approval groups as sets. Roles, zones and ladders are written as ids.
/// Descriptions count; where things were written (places) does not.
pub(crate) fn authority(
    site: &Site,
    a: &Authority,
    description: Option<&str>,
    ladder_descriptions: &[Option<Box<str>>],
) -> String {
    let mut c = Canon::new();
    let role = |r: &RoleIx| site.roles.get(r.ix()).map_or("", |r| &*r.id);
    let zone = |z: &ZoneIx| site.zones.get(z.ix()).map_or("", |z| &*z.id);
    let ladder = |l: usize| a.ladders.get(l).map_or("", |l| &*l.id);

    c.s(AUTHORITY_ENCODING);
    c.n(a.escalate_minutes as u64);
    c.opt(a.ladder.map(ladder));
    c.unique(a.override_roles.iter().map(role));
    c.opt(description);

    let mut ladders: Vec<(usize, &crate::authority::Ladder)> = a.ladders.iter().enumerate().collect();
    ladders.sort_by(|x, y| x.1.id.cmp(&y.1.id));
    c.tag("ladder", ladders.len());
    for (i, l) in ladders {
        c.s(&l.id);
        c.n(l.steps.len() as u64);
        for s in &l.steps {
            c.s(role(&s.role));
            c.n(s.after_minutes as u64);
        }
        c.opt(l.then.map(ladder));
        c.opt(ladder_descriptions.get(i).and_then(|d| d.as_deref()));
    }

    c.tag("rule", a.rules.len());
    for r in &a.rules {
        c.s(&r.id);
        c.opt(r.description.as_deref());
        let w = &r.when;
        c.unique(w.verbs.iter().map(|v| &**v));
        c.unique(w.target_domains.iter().map(|x| x.as_str()));
        c.unique(w.target_zones.iter().map(zone));
        c.unique(w.target_levels.iter().map(|x| x.as_str()));
        c.unique(w.target_kinds.iter().map(|x| x.as_str()));
        c.unique(w.target_criticality.iter().map(|x| x.as_str()));
        c.n(w.target_functions.bits() as u64);
        c.unique(w.impact.iter().map(|x| x.as_str()));
        c.unique(w.intents.iter().map(|x| x.as_str()));
        c.unique(w.phases.iter().map(|x| x.as_str()));

        let o = &r.then;
        match &o.execute {
            None => c.b(false),
            Some(e) => {
                c.b(true);
                c.unique(e.iter().map(role));
            }
        }
        // Every group must be satisfied, so their order does not matter.
        let mut groups: Vec<(Vec<&str>, u32)> = o
            .approvals
            .iter()
            .map(|g| {
                let mut roles: Vec<&str> = g.roles.iter().map(role).collect();
                roles.sort_unstable();
                roles.dedup();
                (roles, g.count)
            })
            .collect();
        groups.sort_unstable();
        c.n(groups.len() as u64);
        for (roles, count) in groups {
            c.list(roles.into_iter());
            c.n(count as u64);
        }
        c.b(o.joint);
        c.unique(o.veto.iter().map(role));
        c.opt_n(o.escalate_minutes);
        c.opt(o.ladder.map(ladder));
        match &o.override_roles {
            None => c.b(false),
            Some(roles) => {
                c.b(true);
                c.unique(roles.iter().map(role));
            }
        }
    }
    c.finish()
}
