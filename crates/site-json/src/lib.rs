//! The stable JSON of the site model and of the analyses over it: what
//! `interlock site check|show --json`, `impact`, `reach`, `contain`, `spof`,
//! `restore-order` and `authority check|explain --json` print, and what the
//! server's `/api/site` routes answer. One builder for both, so the CLI and
//! the API cannot serialise the same value differently.
//!
//! Why a crate of its own: the values are the CLI's documented formats
//! (docs/cli-json.md, docs/actions.md; each carries a `format` string and
//! only grows within a version), built from three pure crates (`site-model`,
//! `impact`, `authority`), none of which should depend on serde or on each
//! other's views. The binary is not a library the server can call, and the
//! server is the crate of HTTP wire shapes (status codes, request bodies,
//! the OpenAPI document): it wraps these values, it does not define them.
//!
//! Pure, like the crates it reads: no I/O (the model streams to a caller's
//! [`std::io::Write`]), no clock, no async. Objects are `serde_json::Value`s,
//! so their keys print in sorted order, as they always have.

mod analysis;
mod matrix;
mod model;

pub use analysis::{
    attacker_path, contain_json, impact_json, order_json, path_json, reach_counts, reach_json, spof_json, tie_break,
};
pub use matrix::{assessment_json, authority_check_json, holders_json, matrix_json};
pub use model::{CHECK_FORMAT, CheckJson, CountsJson, DiagnosticJson, SHOW_FORMAT, check, info, show};
