//! Vendor access grants kept as site records (kind `grant`, JSON bodies of
//! [`evidence::Grant`]): what a `revoke-vendor-access` action revokes once it
//! is carried out. The CLI (`interlock action execute`) and the server (the
//! execute step) both call [`revoke_for_action`].

use evidence::work::Revocation;
use evidence::{Grant, GrantStatus};
use site_model::Site;

use crate::{Record, Store, StoreError};

/// The record kind of vendor access grants.
pub const GRANT: &str = "grant";

/// What an action's targets cover: the vendor's grants, a pathway's, or
/// those reaching into a zone. Empty unless it revokes vendor access.
pub fn scopes(site: &Site, graph: &impact::Graph, action: &impact::Action) -> Vec<Revocation> {
    if action.effect != site_model::Effect::RevokeVendorAccess {
        return Vec::new();
    }
    action
        .targets
        .iter()
        .filter_map(|t| match t {
            impact::Target::Vendor(v) => site.vendors.get(v.ix()).map(|v| Revocation::Vendor(v.id.to_string())),
            impact::Target::Pathway(v, p) => site.vendors.get(v.ix()).map(|vendor| Revocation::Pathway {
                vendor: vendor.id.to_string(),
                pathway: vendor.pathways.get(*p).map(|x| x.id.to_string()).unwrap_or_default(),
            }),
            impact::Target::Zone(z) => Some(Revocation::Assets(
                graph.assets_in_zone(*z).into_iter().map(|a| site.asset(a).id.to_string()).collect(),
            )),
            _ => None,
        })
        .collect()
}

/// After a `revoke-vendor-access` action is carried out: every grant it
/// covers is revoked, as a new revision of the grant naming why. Returns the
/// ids of the grants revoked.
pub async fn revoke_for_action<S: Store + ?Sized>(
    store: &S,
    site: &Site,
    graph: &impact::Graph,
    action: &impact::Action,
    actor: &str,
    why: &str,
    now_micros: i64,
) -> Result<Vec<String>, StoreError> {
    let scopes = scopes(site, graph, action);
    if scopes.is_empty() {
        return Ok(Vec::new());
    }
    let mut revoked = Vec::new();
    for r in store.records(GRANT).await? {
        let mut g = read(&r)?;
        if !scopes.iter().any(|s| s.covers(&g)) {
            continue;
        }
        g.status = GrantStatus::Revoked;
        g.status_reason = Some(why.to_string());
        put_revision(store, &r, &g, actor, why, now_micros).await?;
        revoked.push(g.id);
    }
    Ok(revoked)
}

/// What declaring an incident did to one vendor grant in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    /// It continues (safety-critical, supervised and recorded); `supervisor` watches it.
    Continues { grant: String, supervisor: Option<String> },
    /// It is suspended, as a new revision saying why.
    Suspended { grant: String, reason: String },
}

/// When incident `incident` is declared: the vendor policy's incident mode
/// ([`Grant::incident_mode`]) for every grant in force, each suspension a new
/// revision of the grant. Returns what happened to each grant in force.
pub async fn declare_incident<S: Store + ?Sized>(
    store: &S,
    incident: &str,
    actor: &str,
    now_micros: i64,
) -> Result<Vec<Declared>, StoreError> {
    let mut out = Vec::new();
    for r in store.records(GRANT).await? {
        let mut g = read(&r)?;
        let reason = match g.incident_mode(incident, now_micros) {
            evidence::work::IncidentMode::NotInForce => continue,
            evidence::work::IncidentMode::Continues => {
                out.push(Declared::Continues { grant: g.id.clone(), supervisor: g.supervisor.clone() });
                continue;
            }
            evidence::work::IncidentMode::Suspended(reason) => reason,
        };
        g.status = GrantStatus::Suspended;
        g.status_reason = Some(reason.clone());
        put_revision(store, &r, &g, actor, &reason, now_micros).await?;
        out.push(Declared::Suspended { grant: g.id, reason });
    }
    Ok(out)
}

/// A grant as its latest revision stores it.
fn read(r: &Record) -> Result<Grant, StoreError> {
    serde_json::from_str(&r.body)
        .map_err(|e| StoreError::Invalid(format!("grant {}: revision {} does not read: {e}", r.id, r.rev)))
}

/// Stores `g` as the next revision after `r`, saying why.
async fn put_revision<S: Store + ?Sized>(
    store: &S,
    r: &Record,
    g: &Grant,
    actor: &str,
    why: &str,
    now_micros: i64,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(g).map_err(|e| StoreError::Invalid(e.to_string()))?;
    store
        .put_record(&Record {
            kind: GRANT.into(),
            id: r.id.clone(),
            rev: r.rev + 1,
            recorded_at: now_micros,
            actor: actor.to_string(),
            reason: why.to_string(),
            body,
        })
        .await
}
