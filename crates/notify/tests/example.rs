#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The shipped example config parses.

use notify::{ChannelKind, EventKind};

#[test]
fn the_example_config_parses() {
    let text = include_str!("../../../examples/notify.toml");
    let c = notify::parse("examples/notify.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let kinds: Vec<ChannelKind> = c.channels.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChannelKind::Teams, ChannelKind::Slack, ChannelKind::Email, ChannelKind::Webhook]);
    let to =
        |a: &str| c.channels_for(Some(a), EventKind::UpdatePublished).iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(to("operations"), ["ops-teams", "tickets"]);
    assert_eq!(to("leadership"), ["leadership-mail", "tickets"]);
}
