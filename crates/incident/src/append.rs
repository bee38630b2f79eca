//! Preparing events for the store: check, seal, fold.

use crate::chain::{GENESIS, Sealed, seal};
use crate::codec::EncodeError;
use crate::model::Event;
use crate::rules::{Context, RuleError, check};
use crate::state::{FoldError, Incident};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StageError {
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(transparent)]
    Encode(#[from] EncodeError),
    #[error(transparent)]
    Fold(#[from] FoldError),
}

/// Checks each event of a batch against the incident as it will stand after
/// the ones before it, seals it to the chain and folds it in. Returns the
/// sealed events for the store to append atomically.
///
/// `incident` is `None` for a new incident (the batch then starts with
/// `opened`). On error nothing should be stored, and `incident` may already
/// include earlier events of the batch: discard it and reload.
pub fn stage(incident: &mut Option<Incident>, events: Vec<Event>, cx: &Context<'_>) -> Result<Vec<Sealed>, StageError> {
    let mut out = Vec::with_capacity(events.len());
    for event in events {
        check(incident.as_ref(), &event, cx)?;
        let prev = incident.as_ref().map(|i| i.head()).unwrap_or(GENESIS);
        let sealed = seal(&event, &prev)?;
        match incident {
            None => *incident = Some(Incident::fold(vec![event], sealed.hash)?),
            Some(inc) => inc.push(event, sealed.hash)?,
        }
        out.push(sealed);
    }
    Ok(out)
}
