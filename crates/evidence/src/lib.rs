//! Evidence from both sides: is this activity authorised work?
//!
//! Security brings session records and network logs; operations brings
//! maintenance schedules and the work that was planned. This crate:
//!
//! - reads observed activity as streams, with constant memory and every bad
//!   line reported by number and reason ([`parse`]: Zeek conn.log, Suricata
//!   eve.json, remote-access session logs, a generic CSV);
//! - recognises the industrial protocols and the operations that change
//!   control ([`protocol`]);
//! - keeps authorised work as values ([`work`]: maintenance windows and work
//!   orders, vendor access grants), checked against the site model;
//! - judges each activity against them ([`correlate`]): authorised, partially
//!   authorised (with exactly what does not match), unauthorised, or unknown
//!   (a host or account the site model does not know);
//! - counts an import and shapes its verdicts and the vendor session
//!   register ([`import`]), for the CLI and the server alike.
//!
//! Pure: it reads from any `BufRead` the caller gives; no files, no clock.

pub mod activity;
pub mod correlate;
pub mod import;
pub mod parse;
pub mod protocol;
pub mod work;

pub use activity::{Activity, Format, LineError, Protocol, Recognised, Transport};
pub use correlate::{Correlator, Judged, Verdict};
pub use work::{Grant, GrantStatus, RecordError, WorkActivity, WorkOrder};
