//! Authorised work: maintenance windows and work orders, and vendor access
//! grants. Site-level records, kept with their history by the store (as JSON
//! bodies of `store::Record`s); here they are values, checked against the
//! site model.

use serde::{Deserialize, Serialize};
use site_model::Site;

/// What a piece of authorised work may involve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum WorkActivity {
    LogicDownload,
    FirmwareUpdate,
    ConfigChange,
    RemoteSession,
    Patching,
    Maintenance,
}

impl WorkActivity {
    pub const ALL: &'static [WorkActivity] = &[
        WorkActivity::LogicDownload,
        WorkActivity::FirmwareUpdate,
        WorkActivity::ConfigChange,
        WorkActivity::RemoteSession,
        WorkActivity::Patching,
        WorkActivity::Maintenance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkActivity::LogicDownload => "logic-download",
            WorkActivity::FirmwareUpdate => "firmware-update",
            WorkActivity::ConfigChange => "config-change",
            WorkActivity::RemoteSession => "remote-session",
            WorkActivity::Patching => "patching",
            WorkActivity::Maintenance => "maintenance",
        }
    }

    pub fn parse(s: &str) -> Option<WorkActivity> {
        WorkActivity::ALL.iter().copied().find(|a| a.as_str() == s)
    }

    /// Does this activity allow changing what a controller does?
    pub fn changes_control(self) -> bool {
        matches!(self, WorkActivity::LogicDownload | WorkActivity::FirmwareUpdate | WorkActivity::ConfigChange)
    }
}

/// A maintenance window or work order: who may do what, on which assets, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkOrder {
    pub id: String,
    pub title: String,
    /// Asset ids of the site model.
    pub assets: Vec<String>,
    /// Person ids doing the work.
    #[serde(default)]
    pub people: Vec<String>,
    /// Account ids they use.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// A vendor id, for vendor work.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Unix microseconds (UTC).
    pub start: i64,
    pub end: i64,
    pub activities: Vec<WorkActivity>,
    /// Who supervises it (a person id), when someone does.
    #[serde(default)]
    pub supervisor: Option<String>,
    #[serde(default)]
    pub cancelled: bool,
}

/// Whether a grant may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GrantStatus {
    Active,
    /// Suspended while an incident is declared (not safety-critical).
    Suspended,
    /// Revoked; re-admission needs a fresh grant and approval.
    Revoked,
}

impl GrantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantStatus::Active => "active",
            GrantStatus::Suspended => "suspended",
            GrantStatus::Revoked => "revoked",
        }
    }
}

/// A vendor's access grant: which people, to which assets, by which pathway, when, under what conditions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    pub vendor: String,
    /// Vendor person ids.
    #[serde(default)]
    pub people: Vec<String>,
    /// Account ids they use.
    #[serde(default)]
    pub accounts: Vec<String>,
    pub assets: Vec<String>,
    /// `VENDOR/PATHWAY` or a pathway id of the vendor.
    #[serde(default)]
    pub pathway: Option<String>,
    pub start: i64,
    pub end: i64,
    #[serde(default)]
    pub mfa: bool,
    /// The person supervising the sessions, when one is named.
    #[serde(default)]
    pub supervisor: Option<String>,
    #[serde(default)]
    pub recording: bool,
    /// The work it covers is safety-critical (keeps going in an incident, supervised and recorded).
    #[serde(default)]
    pub safety_critical: bool,
    pub status: GrantStatus,
    /// Why it has its status (the incident that suspended it, who revoked it...).
    #[serde(default)]
    pub status_reason: Option<String>,
}

/// A problem with a record: which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{record} > {field}: {problem}")]
pub struct RecordError {
    pub record: String,
    pub field: &'static str,
    pub problem: String,
}

fn check_ids<'a>(
    record: &str,
    field: &'static str,
    ids: impl IntoIterator<Item = &'a String>,
    known: impl Fn(&str) -> bool,
    what: &str,
) -> Result<(), RecordError> {
    for id in ids {
        if !known(id) {
            return Err(RecordError {
                record: record.into(),
                field,
                problem: format!("unknown {what} \"{id}\" (not in the site model)"),
            });
        }
    }
    Ok(())
}

fn times(record: &str, start: i64, end: i64) -> Result<(), RecordError> {
    if end <= start {
        return Err(RecordError { record: record.into(), field: "end", problem: "must be after the start".into() });
    }
    Ok(())
}

fn account_known(site: &Site, id: &str) -> bool {
    site.accounts.iter().any(|a| *a.id == *id)
}

fn vendor_known(site: &Site, id: &str) -> bool {
    site.vendors.iter().any(|v| *v.id == *id)
}

impl WorkOrder {
    /// Checks every reference against the site model.
    pub fn check(&self, site: &Site) -> Result<(), RecordError> {
        let r = format!("work order {}", self.id);
        if self.id.is_empty() || self.title.trim().is_empty() {
            return Err(RecordError { record: r, field: "id", problem: "id and title are required".into() });
        }
        if self.assets.is_empty() {
            return Err(RecordError { record: r, field: "assets", problem: "name at least one asset".into() });
        }
        if self.activities.is_empty() {
            return Err(RecordError { record: r, field: "activities", problem: "name at least one activity".into() });
        }
        times(&r, self.start, self.end)?;
        check_ids(&r, "assets", &self.assets, |a| site.asset_by_id(a).is_some(), "asset")?;
        check_ids(
            &r,
            "people",
            self.people.iter().chain(&self.supervisor),
            |p| site.person_by_id(p).is_some(),
            "person",
        )?;
        check_ids(&r, "accounts", &self.accounts, |a| account_known(site, a), "account")?;
        check_ids(&r, "vendor", &self.vendor, |v| vendor_known(site, v), "vendor")
    }
}

impl Grant {
    /// Checks every reference against the site model.
    pub fn check(&self, site: &Site) -> Result<(), RecordError> {
        let r = format!("grant {}", self.id);
        if self.id.is_empty() {
            return Err(RecordError { record: r, field: "id", problem: "an id is required".into() });
        }
        if self.assets.is_empty() {
            return Err(RecordError { record: r, field: "assets", problem: "name at least one asset".into() });
        }
        times(&r, self.start, self.end)?;
        check_ids(&r, "vendor", std::iter::once(&self.vendor), |v| vendor_known(site, v), "vendor")?;
        check_ids(&r, "assets", &self.assets, |a| site.asset_by_id(a).is_some(), "asset")?;
        check_ids(
            &r,
            "people",
            self.people.iter().chain(&self.supervisor),
            |p| site.person_by_id(p).is_some(),
            "person",
        )?;
        check_ids(&r, "accounts", &self.accounts, |a| account_known(site, a), "account")?;
        if let Some(p) = &self.pathway {
            let v = site.vendors.iter().find(|v| *v.id == *self.vendor);
            let pid = p.rsplit('/').next().unwrap_or(p);
            if !v.is_some_and(|v| v.pathways.iter().any(|x| *x.id == *pid)) {
                return Err(RecordError {
                    record: r,
                    field: "pathway",
                    problem: format!("vendor {} has no pathway \"{pid}\"", self.vendor),
                });
            }
        }
        Ok(())
    }
}

/// What the site's vendor policy does to a grant when an incident is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentMode {
    /// Not in force at that time (not active, or already ended): untouched.
    NotInForce,
    /// Safety-critical, supervised and recorded: it continues.
    Continues,
    /// Suspended, with the reason.
    Suspended(String),
}

impl Grant {
    /// The vendor policy in incident mode: grants that are not safety-critical
    /// are suspended; safety-critical work continues only with a named
    /// supervisor and recording.
    pub fn incident_mode(&self, incident: &str, now: i64) -> IncidentMode {
        if self.status != GrantStatus::Active || self.end <= now {
            return IncidentMode::NotInForce;
        }
        if !self.safety_critical {
            IncidentMode::Suspended(format!("suspended while incident {incident} is declared: not safety-critical"))
        } else if self.supervisor.is_none() || !self.recording {
            IncidentMode::Suspended(format!(
                "suspended while incident {incident} is declared: safety-critical vendor work continues only with a named supervisor and recording"
            ))
        } else {
            IncidentMode::Continues
        }
    }
}

/// What a revocation of vendor access covers: a vendor, one of its pathways,
/// or the grants reaching assets (those of a zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    Vendor(String),
    Pathway { vendor: String, pathway: String },
    Assets(Vec<String>),
}

impl Revocation {
    /// Does it cover the grant? (A grant naming no pathway is covered by any pathway of its vendor.)
    pub fn covers(&self, g: &Grant) -> bool {
        if g.status == GrantStatus::Revoked {
            return false;
        }
        match self {
            Revocation::Vendor(v) => g.vendor == *v,
            Revocation::Pathway { vendor, pathway } => {
                g.vendor == *vendor && g.pathway.as_deref().is_none_or(|p| p.rsplit('/').next().unwrap_or(p) == pathway)
            }
            Revocation::Assets(assets) => g.assets.iter().any(|a| assets.contains(a)),
        }
    }
}

/// The revoked grants of a vendor: while there is one, a new grant needs a fresh approval.
pub fn revoked_grants<'g>(grants: &'g [Grant], vendor: &str) -> Vec<&'g Grant> {
    grants.iter().filter(|g| g.vendor == vendor && g.status == GrantStatus::Revoked).collect()
}
