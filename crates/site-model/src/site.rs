//! The loaded, validated site and its lookups.

use crate::model::*;

/// Ids of one kind of thing, sorted, for lookup by binary search: 4 bytes per
/// thing instead of a second copy of every id in a hash map.
#[derive(Debug, Clone, Default)]
pub struct IdIndex {
    sorted: Vec<u32>,
}

impl IdIndex {
    pub(crate) fn new<'a>(ids: impl ExactSizeIterator<Item = &'a str> + Clone) -> Self {
        let all: Vec<&str> = ids.collect();
        let mut sorted: Vec<u32> = (0..all.len() as u32).collect();
        sorted.sort_unstable_by(|a, b| all[*a as usize].cmp(all[*b as usize]));
        IdIndex { sorted }
    }

    pub(crate) fn find<'a>(&self, id: &str, id_of: impl Fn(u32) -> &'a str) -> Option<u32> {
        self.sorted.binary_search_by(|ix| id_of(*ix).cmp(id)).ok().map(|p| self.sorted[p])
    }

    /// Indices in id order (the normalised order).
    pub fn in_id_order(&self) -> &[u32] {
        &self.sorted
    }
}

/// A loaded site model. Every reference is resolved to an index; the
/// [`Site::version`] identifies its content.
#[derive(Debug, Clone)]
pub struct Site {
    pub info: SiteInfo,
    pub zones: Vec<Zone>,
    pub conduits: Vec<Conduit>,
    pub assets: Vec<Asset>,
    pub dependencies: Vec<Dependency>,
    pub processes: Vec<Process>,
    pub teams: Vec<Team>,
    pub people: Vec<Person>,
    pub roles: Vec<Role>,
    pub accounts: Vec<Account>,
    pub vendors: Vec<Vendor>,
    pub baselines: Vec<Baseline>,
    pub glossary: Vec<Term>,
    /// Distinct routes (conduits in order, consumer side first) that dependencies cross.
    pub routes: Vec<Vec<ConduitIx>>,
    /// Names of the conduit channels dependencies say they use ([`Dependency::channel`]).
    pub channel_names: Vec<Box<str>>,
    /// The response-action vocabulary: the built-in verbs, as the site words them, and the
    /// site's own verbs.
    pub actions: Vec<crate::action::ActionDef>,
    /// The authority matrix, when the site has one.
    pub authority: Option<crate::authority::Authority>,
    /// Regulatory deadlines (`[[deadline]]`); empty: the site did not say (NERC CIP-008 applies).
    pub deadlines: Vec<crate::deadline::Deadline>,
    pub(crate) asset_ids: IdIndex,
    pub(crate) zone_ids: IdIndex,
    pub(crate) role_ids: IdIndex,
    pub(crate) person_ids: IdIndex,
    pub(crate) version: String,
}

impl Site {
    /// `sha256:<hex>` of the normalised model: the same however the files are
    /// split, ordered, commented or formatted.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn asset(&self, ix: AssetIx) -> &Asset {
        &self.assets[ix.ix()]
    }

    /// The conduits a dependency's flow crosses, in order (empty within a zone or when undocumented).
    pub fn conduits_crossed(&self, dep: &Dependency) -> &[ConduitIx] {
        dep.crossing.route().map(|r| self.routes[r.ix()].as_slice()).unwrap_or(&[])
    }

    pub fn zone(&self, ix: ZoneIx) -> &Zone {
        &self.zones[ix.ix()]
    }

    pub fn asset_by_id(&self, id: &str) -> Option<AssetIx> {
        self.asset_ids.find(id, |i| &self.assets[i as usize].id).map(AssetIx)
    }

    pub fn zone_by_id(&self, id: &str) -> Option<ZoneIx> {
        self.zone_ids.find(id, |i| &self.zones[i as usize].id).map(ZoneIx)
    }

    pub fn role_by_id(&self, id: &str) -> Option<RoleIx> {
        self.role_ids.find(id, |i| &self.roles[i as usize].id).map(RoleIx)
    }

    pub fn person_by_id(&self, id: &str) -> Option<PersonIx> {
        self.person_ids.find(id, |i| &self.people[i as usize].id).map(PersonIx)
    }

    /// Assets in id order.
    pub fn assets_in_id_order(&self) -> impl Iterator<Item = AssetIx> + '_ {
        self.asset_ids.in_id_order().iter().map(|i| AssetIx(*i))
    }

    /// The zone and its ancestors, innermost first.
    pub fn zone_chain(&self, zone: ZoneIx) -> impl Iterator<Item = ZoneIx> + '_ {
        // Parent chains are validated acyclic at load; the bound is a second guard.
        let mut next = Some(zone);
        let mut left = self.zones.len();
        std::iter::from_fn(move || {
            let z = next?;
            left = left.checked_sub(1)?;
            next = self.zones[z.ix()].parent;
            Some(z)
        })
    }

    /// The site's time zone (`[site] timezone`), from the IANA database
    /// embedded in the crate; UTC when the site names none. (The loader
    /// rejects names the database does not know.) Calendar deadlines
    /// ([`crate::deadline::Due::CalendarDays`], [`crate::deadline::Due::EndOfDay`]) are
    /// computed in it.
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        self.info
            .timezone
            .as_deref()
            .and_then(|name| jiff::tz::TimeZoneDatabase::bundled().get(name).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// The regulatory deadlines that apply: the site's `[[deadline]]` tables,
    /// or NERC CIP-008's ([`crate::deadline::cip_008`]) when it writes none.
    pub fn deadlines_in_force(&self) -> Vec<crate::deadline::Deadline> {
        if self.deadlines.is_empty() { crate::deadline::cip_008() } else { self.deadlines.clone() }
    }

    /// The verb of the action vocabulary with this name.
    pub fn action(&self, verb: &str) -> Option<&crate::action::ActionDef> {
        self.actions.iter().find(|a| &*a.verb == verb)
    }

    /// The channel a dependency uses, if it names one.
    pub fn channel_of(&self, dep: &Dependency) -> Option<&str> {
        dep.channel.and_then(|c| self.channel_names.get(c as usize)).map(|s| &**s)
    }

    /// Counts for summaries.
    pub fn counts(&self) -> Counts {
        Counts {
            zones: self.zones.len(),
            conduits: self.conduits.len(),
            assets: self.assets.len(),
            dependencies: self.dependencies.len(),
            processes: self.processes.len(),
            teams: self.teams.len(),
            people: self.people.len(),
            roles: self.roles.len(),
            accounts: self.accounts.len(),
            vendors: self.vendors.len(),
            baselines: self.baselines.len(),
            terms: self.glossary.len(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub zones: usize,
    pub conduits: usize,
    pub assets: usize,
    pub dependencies: usize,
    pub processes: usize,
    pub teams: usize,
    pub people: usize,
    pub roles: usize,
    pub accounts: usize,
    pub vendors: usize,
    pub baselines: usize,
    pub terms: usize,
}
