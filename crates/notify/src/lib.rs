//! Interlock's notifications: an adapter crate (it does network I/O).
//!
//! A [`Message`] (an incident's published update, a test...) goes to the
//! [`Channel`]s of a [`Config`] whose audience and event filters accept it:
//! webhooks with a generic JSON body, a Slack-compatible body or a Microsoft
//! Teams-compatible body (an Adaptive Card), and email over SMTP. The bodies
//! are pure functions of the message ([`message`]). A [`Notifier`] tries each
//! delivery until it is accepted, refused for good (a 4xx other than 429, a
//! permanent SMTP reply, a missing secret) or out of attempts, waiting with
//! exponential back-off (and Retry-After) between attempts; every attempt is
//! an [`Attempt`] handed to the caller's [`AttemptLog`] as it is made;
//! [`journal`] writes them to the store's delivery log (for the CLI and the
//! server alike) and reads that log back.
//!
//! The config format and the reasons for it are in `docs/notifications.md`.

pub mod config;
pub mod journal;
pub mod message;
pub mod send;

pub use config::{
    AUDIENCES, Channel, ChannelKind, Config, ConfigError, ConfigErrors, Endpoint, RetryPolicy, Secret, parse,
};
pub use message::{EventKind, Message};
pub use send::{Attempt, AttemptLog, Delivery, Notifier, NotifyError, Outcome, http_client_builder};
