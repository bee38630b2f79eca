//! The shared vocabulary of response actions: what each verb means, how IT
//! and OT tend to read it, what it does to the model, whether and how it is
//! reversed, and how long it usually lasts. Built-in verbs are defined here;
//! a site may redefine their wording or add verbs of its own with
//! `[[action]]` tables, each naming the built-in [`Effect`] it has.

/// What an action does to the model. The impact engine interprets these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Effect {
    /// Cut every network flow of the target (asset, zone, address); it keeps running.
    Isolate,
    /// Cut every flow whose route crosses the conduit, except named channels.
    BlockConduit,
    /// Remove only named dependency kinds (or a vendor pathway) at the target.
    Restrict,
    /// The account can no longer log in anywhere.
    DisableAccount,
    /// The account's credentials change: its sessions drop until holders get new ones.
    ResetCredentials,
    /// Active remote sessions on a pathway or account are ended; access itself stays.
    KillSession,
    /// A vendor's remote-access pathways are closed.
    RevokeVendorAccess,
    /// The service stops serving; the machine may still run.
    TakeOffline,
    /// The process or asset is brought to a stop (controlled or emergency).
    ShutDown,
    /// Electrical power is removed.
    PowerDown,
    /// IT is severed from OT at the industrial DMZ; the plant runs on its own.
    IslandMode,
    /// The asset is rebuilt from known-good media; down while that happens.
    Reimage,
    /// Traffic to or from an address is blocked at the boundary.
    BlockAddress,
    /// The process is run by hand under its manual-operation procedure.
    SwitchToManual,
    /// A restored asset (or zone) is connected back, once its checks pass.
    Reconnect,
    /// Evidence is collected by acting on the target (memory acquisition on a controller, an
    /// active scan of a control network): it may halt or disturb what it touches.
    IntrusiveCollection,
}

impl Effect {
    pub const ALL: &'static [Effect] = &[
        Effect::Isolate,
        Effect::BlockConduit,
        Effect::Restrict,
        Effect::DisableAccount,
        Effect::ResetCredentials,
        Effect::KillSession,
        Effect::RevokeVendorAccess,
        Effect::TakeOffline,
        Effect::ShutDown,
        Effect::PowerDown,
        Effect::IslandMode,
        Effect::Reimage,
        Effect::BlockAddress,
        Effect::SwitchToManual,
        Effect::Reconnect,
        Effect::IntrusiveCollection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Isolate => "isolate",
            Effect::BlockConduit => "block-conduit",
            Effect::Restrict => "restrict",
            Effect::DisableAccount => "disable-account",
            Effect::ResetCredentials => "reset-credentials",
            Effect::KillSession => "kill-session",
            Effect::RevokeVendorAccess => "revoke-vendor-access",
            Effect::TakeOffline => "take-offline",
            Effect::ShutDown => "shut-down",
            Effect::PowerDown => "power-down",
            Effect::IslandMode => "island-mode",
            Effect::Reimage => "reimage",
            Effect::BlockAddress => "block-address",
            Effect::SwitchToManual => "switch-to-manual",
            Effect::Reconnect => "reconnect",
            Effect::IntrusiveCollection => "intrusive-collection",
        }
    }

    pub fn parse(s: &str) -> Option<Effect> {
        Effect::ALL.iter().copied().find(|e| e.as_str() == s)
    }

    pub fn words() -> Vec<&'static str> {
        Effect::ALL.iter().map(|e| e.as_str()).collect()
    }

    /// The kinds of target the effect applies to.
    pub fn targets(self) -> &'static [TargetKind] {
        use TargetKind::*;
        match self {
            Effect::Isolate => &[Asset, Zone],
            Effect::BlockConduit => &[Conduit],
            Effect::Restrict => &[Asset, Zone, Pathway],
            Effect::DisableAccount | Effect::ResetCredentials => &[Account],
            Effect::KillSession => &[Account, Pathway, Vendor],
            Effect::RevokeVendorAccess => &[Vendor, Pathway, Zone],
            Effect::TakeOffline | Effect::PowerDown | Effect::Reimage => &[Asset],
            Effect::ShutDown => &[Process, Asset],
            Effect::IslandMode => &[Site],
            Effect::BlockAddress => &[Address],
            Effect::SwitchToManual => &[Process],
            Effect::Reconnect => &[Asset, Zone],
            Effect::IntrusiveCollection => &[Asset, Zone],
        }
    }
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an action can be applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetKind {
    Asset,
    Zone,
    Conduit,
    Account,
    Vendor,
    Pathway,
    Process,
    Address,
    /// The whole site (island mode).
    Site,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Asset => "asset",
            TargetKind::Zone => "zone",
            TargetKind::Conduit => "conduit",
            TargetKind::Account => "account",
            TargetKind::Vendor => "vendor",
            TargetKind::Pathway => "pathway",
            TargetKind::Process => "process",
            TargetKind::Address => "address",
            TargetKind::Site => "site",
        }
    }
}

/// One verb of the response vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionDef {
    pub verb: Box<str>,
    pub effect: Effect,
    /// The canonical definition: the one meaning everyone uses.
    pub definition: Box<str>,
    pub it_reading: Box<str>,
    pub ot_reading: Box<str>,
    pub reversible: bool,
    /// How it is undone (or why it cannot be).
    pub reversal: Box<str>,
    /// Typical duration, in minutes: how long its effects usually last.
    pub typical_minutes: u32,
    /// Defined by the site (`[[action]]`) rather than built in.
    pub from_site: bool,
}

struct Builtin {
    effect: Effect,
    definition: &'static str,
    it: &'static str,
    ot: &'static str,
    reversible: bool,
    reversal: &'static str,
    minutes: u32,
}

const BUILTIN: &[Builtin] = &[
    Builtin {
        effect: Effect::Isolate,
        definition: "Cut every network connection of an asset or zone at a named boundary; it keeps running and keeps controlling what it controls.",
        it: "EDR network quarantine: the host is off the network and the threat is contained.",
        ot: "Often heard as mechanical or electrical isolation: stop the equipment and make it safe to work on.",
        reversible: true,
        reversal: "Restore the connections (switch ports, firewall rules) after the reconnection checks pass.",
        minutes: 24 * 60,
    },
    Builtin {
        effect: Effect::BlockConduit,
        definition: "Deny all traffic through a conduit between zones, optionally except named channels.",
        it: "A firewall rule change at a segment boundary.",
        ot: "The plant loses whatever crosses that boundary: remote views, historian replication, vendor access.",
        reversible: true,
        reversal: "Remove the deny rule; the conduit's channels resume.",
        minutes: 12 * 60,
    },
    Builtin {
        effect: Effect::Restrict,
        definition: "Remove only named kinds of dependency (remote access, patching...) or one pathway at the target; everything else keeps flowing.",
        it: "Tighten rules: disable a protocol or a remote path, keep the host up.",
        ot: "A narrow change operations can live with if the essential flows stay.",
        reversible: true,
        reversal: "Re-enable the removed dependency kinds or pathway.",
        minutes: 24 * 60,
    },
    Builtin {
        effect: Effect::DisableAccount,
        definition: "The account can no longer log in anywhere until re-enabled.",
        it: "Standard containment of stolen credentials.",
        ot: "If the account is a shared operator login, the control room loses its stations.",
        reversible: true,
        reversal: "Re-enable the account (after a credential reset).",
        minutes: 8 * 60,
    },
    Builtin {
        effect: Effect::ResetCredentials,
        definition: "Change the account's password or keys; current sessions end and holders log in again with new credentials.",
        it: "Routine: force a password reset.",
        ot: "Shift operators and service accounts may be locked out until the new credentials reach them and every configured service.",
        reversible: false,
        reversal: "Not undone: the new credentials stay; distribute them to holders and services.",
        minutes: 60,
    },
    Builtin {
        effect: Effect::KillSession,
        definition: "End the active remote sessions of an account, pathway or vendor; access itself stays in place.",
        it: "Kick the attacker out now.",
        ot: "A half-applied control change may be left behind if a legitimate maintenance session is cut mid-way.",
        reversible: true,
        reversal: "The session can be re-established by the authorised party.",
        minutes: 5,
    },
    Builtin {
        effect: Effect::RevokeVendorAccess,
        definition: "Close a vendor's remote-access pathways; the vendor can no longer connect.",
        it: "Cut third-party access, a common first step.",
        ot: "Vendor support the plant may depend on (including safety-critical functions) is gone until restored.",
        reversible: true,
        reversal: "Re-open the pathway under supervision, with session recording, after approval.",
        minutes: 3 * 24 * 60,
    },
    Builtin {
        effect: Effect::TakeOffline,
        definition: "Remove a system from service for its users while the process it supports continues by other means.",
        it: "Stop the service or disconnect the server.",
        ot: "Take a unit out of service: the pump, filter or train is not running.",
        reversible: true,
        reversal: "Return the system to service after verification.",
        minutes: 8 * 60,
    },
    Builtin {
        effect: Effect::ShutDown,
        definition: "Bring a process or asset to a stop by its shutdown procedure (controlled) or by its emergency stop.",
        it: "Turn the server off.",
        ot: "Stop the process: output to zero, restart takes hours and its own checks.",
        reversible: true,
        reversal: "Restart per the start-up procedure; a precautionary shutdown needs its reversal criteria met.",
        minutes: 24 * 60,
    },
    Builtin {
        effect: Effect::PowerDown,
        definition: "Remove electrical power from equipment. Its own decision, never an implied fallback of isolate.",
        it: "Hard power-off, e.g. to stop encryption in progress; destroys volatile evidence.",
        ot: "De-energise: a de-energised controller drives its outputs to their de-energised state, which is not always the safe state.",
        reversible: true,
        reversal: "Re-energise and verify configuration and logic before returning to service.",
        minutes: 12 * 60,
    },
    Builtin {
        effect: Effect::IslandMode,
        definition: "Sever IT from OT at the industrial DMZ: the plant runs on its own, with no enterprise services.",
        it: "Disconnect the plant; IT loses telemetry and business data from it.",
        ot: "Run isolated: identity, patching, remote support and business links from IT are gone.",
        reversible: true,
        reversal: "Reconnect conduit by conduit after the reconnection gate.",
        minutes: 3 * 24 * 60,
    },
    Builtin {
        effect: Effect::Reimage,
        definition: "Rebuild an asset from known-good media; it is out of service meanwhile and returns clean.",
        it: "Wipe and reinstall.",
        ot: "Configuration, licences and logic must be restored and verified before it runs the process again.",
        reversible: false,
        reversal: "Not undone: the previous state is gone (keep a forensic image first).",
        minutes: 8 * 60,
    },
    Builtin {
        effect: Effect::BlockAddress,
        definition: "Block traffic to or from an address at the boundary.",
        it: "Block the attacker's IP.",
        ot: "Harmless unless the address belongs to something the plant uses.",
        reversible: true,
        reversal: "Remove the block.",
        minutes: 7 * 24 * 60,
    },
    Builtin {
        effect: Effect::SwitchToManual,
        definition: "Run the process by hand under its manual-operation procedure, with field staff at the named stations.",
        it: "Operations takes over; the automation can be worked on.",
        ot: "Manual operation for as long as it can be sustained, with the staffing the procedure needs.",
        reversible: true,
        reversal: "Return to automatic control after the control path is verified.",
        minutes: 12 * 60,
    },
    Builtin {
        effect: Effect::Reconnect,
        definition: "Connect a restored asset or zone back to the networks it was cut from, once its checks against the known-good baseline have passed.",
        it: "Bring the host back on the network and re-enable its accounts.",
        ot: "Back under control from the control room, after its logic, configuration and displays are verified.",
        reversible: true,
        reversal: "Isolate it again.",
        minutes: 0,
    },
    Builtin {
        effect: Effect::IntrusiveCollection,
        definition: "Collect evidence by acting on the target: memory acquisition on a controller, an active scan of a control network. Engineered for the worst case: what it touches may halt.",
        it: "Standard forensics: image the memory, scan the subnet.",
        ot: "A running controller or a fragile field device can stop or misbehave: only with the vendor's method and operations standing by.",
        reversible: false,
        reversal: "A halted controller is restarted by its start-up procedure and checked against its baseline.",
        minutes: 60,
    },
];

/// The built-in verbs, one per effect, named like the effect.
pub fn builtin_actions() -> Vec<ActionDef> {
    BUILTIN
        .iter()
        .map(|b| ActionDef {
            verb: b.effect.as_str().into(),
            effect: b.effect,
            definition: b.definition.into(),
            it_reading: b.it.into(),
            ot_reading: b.ot.into(),
            reversible: b.reversible,
            reversal: b.reversal.into(),
            typical_minutes: b.minutes,
            from_site: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_builtin_per_effect() {
        let b = builtin_actions();
        assert_eq!(b.len(), Effect::ALL.len());
        for e in Effect::ALL {
            assert!(b.iter().any(|a| a.effect == *e && &*a.verb == e.as_str()), "{e}");
            assert_eq!(Effect::parse(e.as_str()), Some(*e));
        }
    }
}
