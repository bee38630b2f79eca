//! The resolved site model: every reference is an index into the `Site`'s
//! vectors, so later crates (impact, authority, recovery) walk it without
//! string lookups. Ids stay available for display and for the JSON view.

use crate::vocab::*;

macro_rules! index_type {
    ($($(#[$m:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn ix(self) -> usize { self.0 as usize }
        }
    )+};
}

index_type!(
    /// Index of an asset in [`Site::assets`].
    AssetIx,
    /// Index of a zone in [`Site::zones`].
    ZoneIx,
    /// Index of a conduit in [`Site::conduits`].
    ConduitIx,
    /// Index of a team in [`Site::teams`].
    TeamIx,
    /// Index of a role in [`Site::roles`].
    RoleIx,
    /// Index of a person in [`Site::people`].
    PersonIx,
    /// Index of an account in [`Site::accounts`].
    AccountIx,
    /// Index of a vendor in [`Site::vendors`].
    VendorIx,
    /// Index of a route (conduits in order) in [`Site::routes`].
    RouteIx,
);

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The `[site]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteInfo {
    pub id: Box<str>,
    pub name: Box<str>,
    pub organisation: Option<Box<str>>,
    /// IANA time-zone name of the plant, e.g. `America/Chicago`.
    pub timezone: Option<Box<str>>,
    pub description: Option<Box<str>>,
    /// Days after an incident closes by which its follow-ups are due (default 90, NERC CIP-008).
    pub follow_up_days: Option<u32>,
    /// `[site.update_every]`: minutes between status updates to each audience, by incident
    /// severity (low, medium, high, critical); `None` takes [`UPDATE_EVERY_DEFAULT`].
    pub update_every: [Option<u32>; 4],
    /// Minutes between manual verification rounds while monitoring integrity is in doubt.
    pub verification_every: Option<u32>,
}

/// Minutes between status updates when the site does not say: low 8 h, medium 4 h,
/// high 2 h, critical 1 h.
pub const UPDATE_EVERY_DEFAULT: [u32; 4] = [480, 240, 120, 60];
/// The severities `[site.update_every]` is keyed by, in index order.
pub const UPDATE_SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];
/// Minutes between manual verification rounds when the site does not say.
pub const VERIFICATION_EVERY_DEFAULT: u32 = 60;

impl SiteInfo {
    /// Minutes between status updates at a severity (`low`, `medium`, `high`, `critical`).
    pub fn update_interval(&self, severity: &str) -> Option<u32> {
        let i = UPDATE_SEVERITIES.iter().position(|s| *s == severity)?;
        Some(self.update_every[i].unwrap_or(UPDATE_EVERY_DEFAULT[i]))
    }

    /// Minutes between manual verification rounds.
    pub fn verification_interval(&self) -> u32 {
        self.verification_every.unwrap_or(VERIFICATION_EVERY_DEFAULT)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub id: Box<str>,
    pub name: Box<str>,
    pub parent: Option<ZoneIx>,
    pub domain: Option<Domain>,
    pub purdue_level: Option<PurdueLevel>,
    /// IEC 62443 target security level, 1-4.
    pub security_level: Option<u8>,
    pub description: Option<Box<str>>,
}

/// A named channel carried by a conduit (protocol and port).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Channel {
    pub name: Box<str>,
    pub protocol: Box<str>,
    pub port: Option<u16>,
    pub description: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Conduit {
    pub id: Box<str>,
    pub name: Box<str>,
    /// Two or more zones, sorted by index, no duplicates.
    pub zones: Vec<ZoneIx>,
    pub channels: Vec<Channel>,
    pub description: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    pub id: Box<str>,
    pub name: Box<str>,
    pub kind: AssetKind,
    pub domain: Domain,
    pub zone: ZoneIx,
    pub purdue_level: Option<PurdueLevel>,
    pub criticality: Criticality,
    pub owner: Option<TeamIx>,
    pub addresses: Vec<Box<str>>,
    pub vendor: Option<Box<str>>,
    pub model: Option<Box<str>>,
    pub functions: FunctionSet,
    pub description: Option<Box<str>>,
}

/// How a dependency's flow crosses zone boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crossing {
    /// Consumer and provider stand in the same zone, or one's zone nests the other's.
    WithinZone,
    /// The file names the route: one conduit or several, in order.
    Named(RouteIx),
    /// Derived from the zones: the shortest route of conduits from the consumer's
    /// zone to the provider's (a conduit of a zone also serves the zones nested in it).
    Derived(RouteIx),
    /// The zones differ and no conduits connect them: an undocumented path.
    Undocumented,
}

impl Crossing {
    pub fn route(self) -> Option<RouteIx> {
        match self {
            Crossing::Named(r) | Crossing::Derived(r) => Some(r),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dependency {
    pub consumer: AssetIx,
    pub provider: AssetIx,
    pub kind: Function,
    pub crossing: Crossing,
    /// The conduit channel the flow uses, as an index into [`crate::Site::channel_names`].
    pub channel: Option<u16>,
    pub criticality: Criticality,
    pub safety_relevant: bool,
    pub description: Option<Box<str>>,
}

/// Manual-operation ("island mode") readiness of a critical process.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualOperation {
    pub procedure: Box<str>,
    /// How long manual operation can be sustained, in minutes.
    pub sustainable_minutes: u32,
    pub staffing: u32,
    pub last_exercised: Option<Date>,
    pub notes: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Process {
    pub id: Box<str>,
    pub name: Box<str>,
    pub criticality: Criticality,
    pub control: Vec<AssetIx>,
    pub view: Vec<AssetIx>,
    pub alarm: Vec<AssetIx>,
    pub safety: Vec<AssetIx>,
    pub manual_operation: Option<ManualOperation>,
    /// Readings operators can take locally, to check what the displays show.
    pub readings: Vec<Reading>,
    pub description: Option<Box<str>>,
}

/// A process value that can be read at a local station (a gauge, a local panel, a grab
/// sample) and compared with what the displays show: the unit of a manual verification
/// round when the view of the process is in doubt.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub id: Box<str>,
    pub name: Box<str>,
    pub unit: Box<str>,
    /// Where it is read by hand, e.g. "LI-101 local gauge at the intake wet well".
    pub station: Box<str>,
    /// The assets that display it (HMIs, SCADA servers, historians, alarm sources);
    /// the process's view assets when not given.
    pub shown_on: Vec<AssetIx>,
    /// The largest difference between the field reading and a displayed value that still agrees.
    pub tolerance: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub id: Box<str>,
    pub name: Box<str>,
    pub domain: Option<Domain>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Contact {
    pub channel: ContactChannel,
    pub address: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Affiliation {
    Team(TeamIx),
    Vendor(VendorIx),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: Box<str>,
    pub name: Box<str>,
    pub affiliation: Option<Affiliation>,
    pub title: Option<Box<str>>,
    pub contacts: Vec<Contact>,
}

/// A position (IT lead, OT lead, incident commander, safety officer...). People hold roles.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub id: Box<str>,
    pub name: Box<str>,
    pub domain: Option<Domain>,
    pub primary: Option<PersonIx>,
    pub deputies: Vec<PersonIx>,
    pub description: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: Box<str>,
    pub username: Box<str>,
    pub kind: AccountKind,
    pub status: AccountStatus,
    /// The asset that authenticates this account (a domain controller); `None` for local accounts.
    pub directory: Option<AssetIx>,
    pub holders: Vec<PersonIx>,
    pub vendor: Option<VendorIx>,
    /// Assets this account can log into.
    pub assets: Vec<AssetIx>,
    pub privileged: bool,
    pub mfa: bool,
    pub description: Option<Box<str>>,
}

/// A way a vendor reaches assets: through these hops, to these targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Pathway {
    pub id: Box<str>,
    /// Ordered hops (VPN gateway, then jump host...). Order is meaningful.
    pub via: Vec<AssetIx>,
    pub targets: Vec<AssetIx>,
    pub accounts: Vec<AccountIx>,
    pub mfa: bool,
    pub description: Option<Box<str>>,
}

/// Something a vendor does for the site, and whether safe operation depends on it.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorFunction {
    pub name: Box<str>,
    pub safety_critical: bool,
    pub assets: Vec<AssetIx>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Vendor {
    pub id: Box<str>,
    pub name: Box<str>,
    pub supervision_required: bool,
    pub recording_required: bool,
    pub pathways: Vec<Pathway>,
    pub functions: Vec<VendorFunction>,
    pub description: Option<Box<str>>,
}

/// Known-good state of one asset, used to verify it in recovery.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub asset: AssetIx,
    pub config_hash: Option<Box<str>>,
    pub logic_version: Option<Box<str>>,
    pub logic_hash: Option<Box<str>>,
    pub firmware: Option<Box<str>>,
    pub recorded: Option<Date>,
    pub recorded_by: Option<PersonIx>,
}

/// A glossary entry of the shared vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub term: Box<str>,
    pub canonical: Box<str>,
    pub it_reading: Option<Box<str>>,
    pub ot_reading: Option<Box<str>>,
    pub not_to_be_confused_with: Vec<Box<str>>,
}
