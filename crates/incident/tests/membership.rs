#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Private incidents and their members: who may change who sees the
//! incident, who is a member, and what a private incident refuses.

mod common;

use common::*;
use incident::*;

fn refused(r: Result<u64, StageError>) -> String {
    match r {
        Ok(seq) => panic!("accepted as #{seq}"),
        Err(e) => e.to_string(),
    }
}

fn private(reason: &str) -> Body {
    Body::VisibilityChanged(Visibility { private: true, reason: s(reason) })
}

fn open(reason: &str) -> Body {
    Body::VisibilityChanged(Visibility { private: false, reason: s(reason) })
}

fn add(person: &str) -> Body {
    Body::MemberAdded(Membership { person: s(person), reason: s("needed on the case") })
}

fn remove(person: &str) -> Body {
    Body::MemberRemoved(Membership { person: s(person), reason: s("no longer needed") })
}

#[test]
fn command_changes_who_sees_the_incident_and_the_fold_follows() {
    // Opened by the analyst, declared by the commander.
    let mut log = Log::declared();
    assert!(!log.inc().private);
    assert!(log.inc().visible_to("operator"), "an open incident is visible to everyone");
    // Only command (a holder of incident-commander) changes visibility and membership.
    let e = refused(log.add("analyst", 6, private("insider suspected")));
    assert!(e.contains("analyst may not change who may see the incident") && e.contains("incident-commander"), "{e}");
    let e = refused(log.add("otlead", 6, add("keeper")));
    assert!(e.contains("otlead may not add members"), "{e}");
    // The commander is not a member yet: making it private would hide it from them.
    let e = refused(log.add("commander", 6, private("insider suspected")));
    assert!(e.contains("commander is not a member"), "{e}");
    log.add("commander", 6, add("commander")).unwrap();
    log.add("commander", 7, private("insider suspected")).unwrap();
    let inc = log.inc();
    assert!(inc.private);
    assert!(inc.is_member("analyst"), "the opener is a member");
    assert!(inc.is_member("commander"), "added");
    assert!(!inc.is_member("deputy"), "a site role holder is not a member by holding it");
    assert!(!inc.visible_to("operator"));
    let e = refused(log.add("commander", 8, private("again")));
    assert!(e.contains("already private"), "{e}");
    // People must exist, and are added once.
    let e = refused(log.add("commander", 8, add("nobody")));
    assert!(e.contains("unknown person \"nobody\""), "{e}");
    log.add("commander", 8, add("keeper")).unwrap();
    let e = refused(log.add("commander", 9, add("keeper")));
    assert!(e.contains("keeper is already a member"), "{e}");
    assert!(log.inc().visible_to("keeper"));
    // A reason is required.
    let e = refused(log.add("commander", 9, Body::MemberAdded(Membership { person: s("otlead"), reason: s("") })));
    assert!(e.contains("reason"), "{e}");
    // Open again: everyone sees it; the members stay recorded.
    log.add("commander", 10, open("insider ruled out")).unwrap();
    assert!(!log.inc().private && log.inc().visible_to("operator"));
    assert_eq!(log.inc().members.iter().map(|m| &**m).collect::<Vec<_>>(), ["commander", "keeper"]);
    // The state is the fold: reloaded from the stored rows it is the same.
    let reloaded = log.reload();
    assert_eq!((reloaded.private, &reloaded.members), (log.inc().private, &log.inc().members));
}

#[test]
fn a_private_incident_takes_events_from_its_members_only() {
    let mut log = Log::declared();
    log.add("commander", 6, add("commander")).unwrap();
    log.add("commander", 7, private("insider suspected")).unwrap();
    // A non-member, even a deputy commander of the site, records nothing: not a note,
    // not a membership change that would let them in.
    for (who, body) in [("operator", note("seen on HMI-01")), ("deputy", add("deputy")), ("deputy", open("let me in"))]
    {
        let e = refused(log.add(who, 8, body));
        assert!(e.contains(&format!("{who} may not record in this incident")) && e.contains("private"), "{e}");
    }
    let before = log.inc().seq();
    assert_eq!(log.rows.len() as u64, before, "nothing refused is written");
    // Members do: the opener, an added member, a position holder.
    log.add("analyst", 8, note("from the opener")).unwrap();
    log.add("commander", 9, add("keeper")).unwrap();
    log.add("keeper", 10, note("from an added member")).unwrap();
    log.add(
        "commander",
        11,
        Body::Assigned { role: s("ot-lead"), person: s("otlead"), reason: s("on shift"), site_version: log.v() },
    )
    .unwrap();
    assert!(log.inc().is_member("otlead"), "a position holder is a member");
    log.add("otlead", 12, note("from a position holder")).unwrap();
    // Once removed, a member records nothing more.
    log.add("commander", 13, remove("keeper")).unwrap();
    let e = refused(log.add("keeper", 14, note("still here?")));
    assert!(e.contains("keeper may not record in this incident"), "{e}");
}

#[test]
fn members_are_removed_only_when_added_and_a_commander_always_remains() {
    let mut log = Log::declared();
    log.add("commander", 6, add("commander")).unwrap();
    log.add("commander", 7, private("insider suspected")).unwrap();
    // The opener and position holders are members by what they are, not by being added.
    let e = refused(log.add("commander", 8, remove("analyst")));
    assert!(e.contains("analyst was not added as a member") && e.contains("opened it"), "{e}");
    let e = refused(log.add("commander", 8, remove("operator")));
    assert!(e.contains("operator is not a member"), "{e}");
    let e = refused(log.add("commander", 8, remove("nobody")));
    assert!(e.contains("unknown person"), "{e}");
    // The commander is the only member who can command: they cannot be removed...
    let e = refused(log.add("commander", 8, remove("commander")));
    assert!(e.contains("no member who holds incident-commander"), "{e}");
    // ...until another commander is a member (here by holding the position in the incident).
    log.add(
        "commander",
        8,
        Body::Assigned {
            role: s("incident-commander"),
            person: s("deputy"),
            reason: s("night shift"),
            site_version: log.v(),
        },
    )
    .unwrap();
    log.add("commander", 9, remove("commander")).unwrap();
    assert!(!log.inc().is_member("commander"));
    // Relieving the deputy of the position would now leave nobody in command.
    let e = refused(log.add("deputy", 10, Body::Relieved { role: s("incident-commander"), reason: s("end of shift") }));
    assert!(e.contains("no member who holds incident-commander"), "{e}");
    // Handing it over to another member keeps someone in command.
    log.add("deputy", 10, add("otlead")).unwrap();
    let handover = Body::HandedOver(Handover {
        role: s("incident-commander"),
        from: s("deputy"),
        to: s("otlead"),
        reason: s("end of shift"),
        briefing: Briefing { snapshot: log.inc().snapshot(), current_actions: s("none") },
    });
    log.add("deputy", 11, handover).unwrap();
    assert!(!log.inc().is_member("deputy"), "the position went with the handover");
    assert!(log.inc().is_member("otlead"));
    // On an open incident nobody needs to remain: membership only matters when private.
    let mut log = Log::declared();
    log.add("commander", 6, add("keeper")).unwrap();
    log.add("commander", 7, remove("keeper")).unwrap();
}

#[test]
fn who_sees_a_closed_or_dismissed_incident_can_still_change() {
    let mut log = Log::new();
    log.open("commander", 0).unwrap();
    log.add("commander", 1, Body::Dismissed { reason: s("planned maintenance") }).unwrap();
    log.add("commander", 2, add("keeper")).unwrap();
    log.add("commander", 3, private("names a contractor")).unwrap();
    assert!(log.inc().private);
    let mut log = Log::declared();
    log.add("commander", 6, Body::PhaseChanged { phase: Phase::Closed, reason: s("done") }).unwrap();
    log.add("commander", 7, add("commander")).unwrap();
    log.add("commander", 8, private("the report names staff")).unwrap();
    log.add("commander", 9, add("keeper")).unwrap();
    log.add("commander", 10, remove("keeper")).unwrap();
}

#[test]
fn the_membership_says_why_each_member_is_one() {
    let mut log = Log::declared();
    log.add(
        "commander",
        6,
        Body::Assigned { role: s("ot-lead"), person: s("otlead"), reason: s("on shift"), site_version: log.v() },
    )
    .unwrap();
    log.add("commander", 7, add("otlead")).unwrap();
    let m = log.inc().membership();
    assert_eq!(m["analyst"], ["opened it"]);
    assert_eq!(m["otlead"], ["holds ot-lead", "added as a member"]);
    assert!(!m.contains_key("commander"));
    assert_eq!(add("keeper").people(), ["keeper"]);
}

/// The server's clock records nothing but escalations that fell due: not a
/// note, not a timeout escalation before its time, not an escalation it was
/// not asked for; a private incident takes that one from it too.
#[test]
fn the_servers_clock_records_only_escalations_that_fell_due() {
    let mut log = Log::declared();
    log.add("commander", 6, add("commander")).unwrap();
    log.add("commander", 7, private("insider suspected")).unwrap();
    let e = refused(log.add(rules::SYSTEM_ACTOR, 8, Body::Note(Note { text: s("hello"), domain: None })));
    assert!(e.contains("records only escalations that fell due"), "{e}");
    let e = refused(log.add(
        rules::SYSTEM_ACTOR,
        8,
        Body::ActionEscalated(Escalation {
            action: 1,
            level: 1,
            cause: EscalationCause::Requested,
            reason: s("asked"),
        }),
    ));
    assert!(e.contains("records only escalations that fell due"), "{e}");
    // A timeout escalation of an action that does not exist is refused by the ordinary rules.
    let e = refused(log.add(
        rules::SYSTEM_ACTOR,
        8,
        Body::ActionEscalated(Escalation { action: 1, level: 1, cause: EscalationCause::Timeout, reason: s("due") }),
    ));
    assert!(!e.contains("records only escalations") && !e.contains("private"), "{e}");
}
