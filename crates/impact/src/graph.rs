//! The site model compiled for the engine: adjacency in compressed sparse
//! rows (4 bytes per entry), so that every question walks only the part of
//! the graph it touches.

use site_model::{AccountIx, AssetIx, AssetKind, ConduitIx, Domain, PurdueLevel, Site, ZoneIx};

/// Compressed sparse rows: the items of row `r` are `items[offsets[r]..offsets[r + 1]]`.
#[derive(Debug, Clone, Default)]
pub struct Csr {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl Csr {
    /// Builds rows from `(row, item)` pairs, in two counting passes (no sort).
    pub fn from_pairs(rows: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> Csr {
        let mut offsets = vec![0u32; rows + 1];
        for (r, _) in pairs.clone() {
            offsets[r as usize + 1] += 1;
        }
        for i in 0..rows {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut items = vec![0u32; offsets[rows] as usize];
        for (r, it) in pairs {
            let at = &mut fill[r as usize];
            items[*at as usize] = it;
            *at += 1;
        }
        Csr { offsets, items }
    }

    pub fn row(&self, r: usize) -> &[u32] {
        match (self.offsets.get(r), self.offsets.get(r + 1)) {
            (Some(a), Some(b)) => &self.items[*a as usize..*b as usize],
            _ => &[],
        }
    }

    pub fn bytes(&self) -> usize {
        (self.offsets.len() + self.items.len()) * 4
    }
}

/// The compiled graph of one site.
#[derive(Debug, Clone)]
pub struct Graph {
    /// Dependency indices by consumer asset.
    pub by_consumer: Csr,
    /// Dependency indices by provider asset.
    pub by_provider: Csr,
    /// Assets standing directly in each zone.
    pub zone_assets: Csr,
    /// Child zones of each zone.
    pub zone_children: Csr,
    /// Dependencies whose route crosses each conduit.
    pub conduit_deps: Csr,
    /// Accounts that can log into each asset.
    pub asset_accounts: Csr,
    /// Processes each asset takes part in (control, view, alarm or safety).
    pub asset_processes: Csr,
    /// Each zone's effective domain (its own or its nearest ancestor's).
    pub zone_domain: Vec<Option<Domain>>,
    /// Whether each zone is (or nests in) an industrial DMZ (Purdue 3.5).
    pub zone_idmz: Vec<bool>,
}

impl Graph {
    pub fn compile(site: &Site) -> Graph {
        let deps = &site.dependencies;
        let n = site.assets.len();
        let by_consumer = Csr::from_pairs(n, deps.iter().enumerate().map(|(i, d)| (d.consumer.0, i as u32)));
        let by_provider = Csr::from_pairs(n, deps.iter().enumerate().map(|(i, d)| (d.provider.0, i as u32)));
        let z = site.zones.len();
        let zone_assets = Csr::from_pairs(
            z,
            site.assets.iter().enumerate().filter(|(_, a)| a.zone.ix() < z).map(|(i, a)| (a.zone.0, i as u32)),
        );
        let zone_children =
            Csr::from_pairs(z, site.zones.iter().enumerate().filter_map(|(i, zn)| zn.parent.map(|p| (p.0, i as u32))));
        let conduit_deps = Csr::from_pairs(
            site.conduits.len(),
            deps.iter().enumerate().flat_map(|(i, d)| site.conduits_crossed(d).iter().map(move |c| (c.0, i as u32))),
        );
        let asset_accounts = Csr::from_pairs(
            n,
            site.accounts.iter().enumerate().flat_map(|(i, a)| a.assets.iter().map(move |x| (x.0, i as u32))),
        );
        let asset_processes = Csr::from_pairs(
            n,
            site.processes.iter().enumerate().flat_map(|(i, p)| {
                let mut members: Vec<AssetIx> =
                    p.control.iter().chain(&p.view).chain(&p.alarm).chain(&p.safety).copied().collect();
                members.sort_unstable();
                members.dedup();
                members.into_iter().map(move |a| (a.0, i as u32))
            }),
        );
        let zone_domain = (0..z).map(|i| site.zone_chain(ZoneIx(i as u32)).find_map(|x| site.zone(x).domain)).collect();
        let zone_idmz = (0..z)
            .map(|i| site.zone_chain(ZoneIx(i as u32)).any(|x| site.zone(x).purdue_level == Some(PurdueLevel::IDMZ)))
            .collect();
        Graph {
            by_consumer,
            by_provider,
            zone_assets,
            zone_children,
            conduit_deps,
            asset_accounts,
            asset_processes,
            zone_domain,
            zone_idmz,
        }
    }

    /// Bytes held by the compiled graph (not counting the site itself).
    pub fn bytes(&self) -> usize {
        self.by_consumer.bytes()
            + self.by_provider.bytes()
            + self.zone_assets.bytes()
            + self.zone_children.bytes()
            + self.conduit_deps.bytes()
            + self.asset_accounts.bytes()
            + self.asset_processes.bytes()
            + self.zone_domain.len() * 2
            + self.zone_idmz.len()
    }

    /// The zone and every zone nested in it.
    pub fn zone_and_descendants(&self, zone: ZoneIx) -> Vec<ZoneIx> {
        let mut out = vec![zone];
        let mut i = 0;
        while let Some(z) = out.get(i).copied() {
            out.extend(self.zone_children.row(z.ix()).iter().map(|c| ZoneIx(*c)));
            i += 1;
            if out.len() > self.zone_domain.len() {
                break; // parent chains are acyclic after loading; a second guard
            }
        }
        out
    }

    /// Every asset standing in the zone or a zone nested in it.
    pub fn assets_in_zone(&self, zone: ZoneIx) -> Vec<AssetIx> {
        self.zone_and_descendants(zone)
            .into_iter()
            .flat_map(|z| self.zone_assets.row(z.ix()).iter().map(|a| AssetIx(*a)))
            .collect()
    }

    /// Accounts that can log into an asset.
    pub fn accounts_of(&self, asset: AssetIx) -> impl Iterator<Item = AccountIx> + '_ {
        self.asset_accounts.row(asset.ix()).iter().map(|a| AccountIx(*a))
    }

    /// The conduits island mode severs: every conduit that joins an IT zone to the industrial
    /// DMZ or to an OT zone directly (a pinhole through the IDMZ is severed too).
    pub fn island_conduits(&self, site: &Site) -> Vec<ConduitIx> {
        let dom = |z: &ZoneIx| self.zone_domain.get(z.ix()).copied().flatten();
        let idmz = |z: &ZoneIx| self.zone_idmz.get(z.ix()).copied().unwrap_or(false);
        let it = |z: &ZoneIx| !idmz(z) && dom(z) == Some(Domain::It);
        let plant_side = |z: &ZoneIx| idmz(z) || dom(z) == Some(Domain::Ot);
        site.conduits
            .iter()
            .enumerate()
            .filter(|(_, c)| c.zones.iter().any(it) && c.zones.iter().any(plant_side))
            .map(|(i, _)| ConduitIx(i as u32))
            .collect()
    }
}

/// Stations are where people work: when their logins fail, the people lose them.
pub fn is_station(kind: AssetKind) -> bool {
    matches!(kind, AssetKind::Hmi | AssetKind::EngineeringWorkstation | AssetKind::Workstation | AssetKind::JumpHost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_rows() {
        let c = Csr::from_pairs(3, [(2, 7), (0, 1), (2, 8), (0, 4)].into_iter());
        assert_eq!(c.row(0), &[1, 4]);
        assert_eq!(c.row(1), &[] as &[u32]);
        assert_eq!(c.row(2), &[7, 8]);
        assert_eq!(c.row(9), &[] as &[u32]);
    }
}
