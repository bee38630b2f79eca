//! Proposed actions: a verb of the site's vocabulary applied to targets, with
//! an intent. Written as text on the command line and in later workflows:
//!
//! ```text
//! VERB [TARGET[,TARGET...]] [except CHANNEL[,CHANNEL...]] [kinds KIND[,KIND...]]
//!      [controlled|emergency] [for containment|safety|both]
//! TARGET := [asset:]ID | zone:ID | conduit:ID | account:ID | vendor:ID
//!         | pathway:VENDOR/PATHWAY | process:ID | address:ADDRESS
//! ```
//!
//! Examples: `isolate zone:plant-control`, `take-offline dc-corp-01`,
//! `block-conduit conduit:idmz-plant except historian-replication`,
//! `restrict zone:idmz kinds remote-access`, `revoke-vendor-access vendor:ridgeline`,
//! `island-mode for safety`, `shut-down process:disinfection controlled`.

use site_model::diag::{nearest, one_of};
use site_model::{AccountIx, ActionDef, AssetIx, ConduitIx, Effect, FunctionSet, Site, TargetKind, VendorIx, ZoneIx};
use site_model::{Function, model::Pathway};

/// Why an action is proposed. Disconnecting for safety and disconnecting for
/// containment look alike on a diagram; their intent is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intent {
    Containment,
    Safety,
    Both,
}

impl Intent {
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Containment => "containment",
            Intent::Safety => "safety",
            Intent::Both => "both",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Controlled,
    Emergency,
}

/// A resolved target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Asset(AssetIx),
    Zone(ZoneIx),
    Conduit(ConduitIx),
    Account(AccountIx),
    Vendor(VendorIx),
    /// (vendor, index of the pathway in the vendor's list)
    Pathway(VendorIx, usize),
    Process(usize),
    /// An address, and the asset of the model it belongs to (none for an outside address).
    Address(Box<str>, Option<AssetIx>),
    Site,
}

impl Target {
    pub fn kind(&self) -> TargetKind {
        match self {
            Target::Asset(_) => TargetKind::Asset,
            Target::Zone(_) => TargetKind::Zone,
            Target::Conduit(_) => TargetKind::Conduit,
            Target::Account(_) => TargetKind::Account,
            Target::Vendor(_) => TargetKind::Vendor,
            Target::Pathway(..) => TargetKind::Pathway,
            Target::Process(_) => TargetKind::Process,
            Target::Address(..) => TargetKind::Address,
            Target::Site => TargetKind::Site,
        }
    }

    /// `kind:id`, as written.
    pub fn describe(&self, site: &Site) -> String {
        match self {
            Target::Asset(a) => format!("asset:{}", site.asset(*a).id),
            Target::Zone(z) => format!("zone:{}", site.zone(*z).id),
            Target::Conduit(c) => format!("conduit:{}", site.conduits[c.ix()].id),
            Target::Account(a) => format!("account:{}", site.accounts[a.ix()].id),
            Target::Vendor(v) => format!("vendor:{}", site.vendors[v.ix()].id),
            Target::Pathway(v, p) => {
                let v = &site.vendors[v.ix()];
                format!("pathway:{}/{}", v.id, v.pathways.get(*p).map(|p| &*p.id).unwrap_or("?"))
            }
            Target::Process(p) => format!("process:{}", site.processes[*p].id),
            Target::Address(a, Some(x)) => format!("address:{a} ({})", site.asset(*x).id),
            Target::Address(a, None) => format!("address:{a} (outside the site)"),
            Target::Site => "the site".into(),
        }
    }
}

/// A proposed action, resolved against a site.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub verb: Box<str>,
    pub effect: Effect,
    pub targets: Vec<Target>,
    /// Channels a `block-conduit` keeps open.
    pub except: Vec<Box<str>>,
    /// Dependency kinds a `restrict` removes.
    pub kinds: FunctionSet,
    pub mode: Option<Mode>,
    pub intent: Intent,
    /// How long its effects usually last, in minutes (from the vocabulary).
    pub minutes: u32,
    /// The text it was parsed from.
    pub text: Box<str>,
}

/// A problem with an action's text: what is wrong, what was expected, a hint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ActionError {
    pub message: String,
    pub expected: String,
    pub help: Option<String>,
}

impl ActionError {
    fn new(message: String, expected: String, help: Option<String>) -> Self {
        ActionError { message, expected, help }
    }

    /// The whole explanation, for a terminal.
    pub fn explain(&self) -> String {
        let mut s = format!("{}\n    expected: {}", self.message, self.expected);
        if let Some(h) = &self.help {
            s.push_str(&format!("\n    help: {h}"));
        }
        s
    }
}

const SYNTAX: &str = "VERB [TARGET[,TARGET...]] [except CHANNEL,...] [kinds KIND,...] [controlled|emergency] [for containment|safety|both]";

fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    nearest(wanted, candidates).map(|n| format!("did you mean \"{n}\"?"))
}

impl Action {
    /// Parses and resolves an action's text against a site.
    pub fn parse(site: &Site, text: &str) -> Result<Action, ActionError> {
        let mut words = text.split_whitespace();
        let verb = words.next().ok_or_else(|| {
            ActionError::new(
                "an empty action".into(),
                SYNTAX.into(),
                Some("e.g. \"isolate zone:plant-control\"".into()),
            )
        })?;
        let def: &ActionDef = site.action(verb).ok_or_else(|| {
            ActionError::new(
                format!("unknown verb \"{verb}\""),
                format!("a verb of the site's vocabulary: {}", one_of(site.actions.iter().map(|a| &*a.verb))),
                did_you_mean(verb, site.actions.iter().map(|a| &*a.verb)),
            )
        })?;
        let mut action = Action {
            verb: def.verb.clone(),
            effect: def.effect,
            targets: Vec::new(),
            except: Vec::new(),
            kinds: FunctionSet::EMPTY,
            mode: None,
            intent: Intent::Containment,
            minutes: def.typical_minutes,
            text: text.trim().into(),
        };
        let rest: Vec<&str> = words.collect();
        let mut i = 0;
        while let Some(w) = rest.get(i).copied() {
            i += 1;
            match w {
                "except" | "kinds" | "for" => {
                    let value = rest
                        .get(i)
                        .copied()
                        .ok_or_else(|| ActionError::new(format!("`{w}` needs a value"), SYNTAX.into(), None))?;
                    i += 1;
                    match w {
                        "except" => action.except.extend(value.split(',').filter(|s| !s.is_empty()).map(Box::from)),
                        "kinds" => {
                            for k in value.split(',').filter(|s| !s.is_empty()) {
                                let f = Function::parse(k).ok_or_else(|| {
                                    ActionError::new(
                                        format!("unknown dependency kind \"{k}\""),
                                        one_of(Function::WORDS.iter().copied()),
                                        did_you_mean(k, Function::WORDS.iter().copied()),
                                    )
                                })?;
                                action.kinds.insert(f);
                            }
                        }
                        _ => {
                            action.intent = match value {
                                "containment" => Intent::Containment,
                                "safety" => Intent::Safety,
                                "both" => Intent::Both,
                                other => {
                                    return Err(ActionError::new(
                                        format!("unknown intent \"{other}\""),
                                        "containment, safety or both".into(),
                                        did_you_mean(other, ["containment", "safety", "both"]),
                                    ));
                                }
                            }
                        }
                    }
                }
                "controlled" => action.mode = Some(Mode::Controlled),
                "emergency" => action.mode = Some(Mode::Emergency),
                targets => {
                    for t in targets.split(',').filter(|s| !s.is_empty()) {
                        action.targets.push(resolve_target(site, t, def.effect)?);
                    }
                }
            }
        }
        action.check(site, def)?;
        Ok(action)
    }

    fn check(&mut self, site: &Site, def: &ActionDef) -> Result<(), ActionError> {
        let allowed = def.effect.targets();
        if allowed == [TargetKind::Site] {
            if !self.targets.is_empty() {
                return Err(ActionError::new(
                    format!("\"{}\" applies to the whole site and takes no target", self.verb),
                    format!("just \"{}\"", self.verb),
                    None,
                ));
            }
            self.targets.push(Target::Site);
            return Ok(());
        }
        let kinds = || allowed.iter().map(|k| format!("{}:ID", k.as_str())).collect::<Vec<_>>().join(", ");
        if self.targets.is_empty() {
            return Err(ActionError::new(
                format!("\"{}\" needs a target", self.verb),
                format!("{} {}", self.verb, kinds()),
                None,
            ));
        }
        for t in &self.targets {
            if !allowed.contains(&t.kind()) {
                return Err(ActionError::new(
                    format!("\"{}\" ({}) does not apply to {}", self.verb, def.effect, t.describe(site)),
                    format!("a target of kind {}", kinds()),
                    None,
                ));
            }
        }
        if self.effect == Effect::Restrict
            && self.kinds.is_empty()
            && !self.targets.iter().all(|t| matches!(t, Target::Pathway(..)))
        {
            return Err(ActionError::new(
                format!("\"{}\" must say which dependency kinds it removes", self.verb),
                format!("{} TARGET kinds KIND[,KIND...], e.g. kinds remote-access", self.verb),
                None,
            ));
        }
        if !self.except.is_empty() && self.effect != Effect::BlockConduit {
            return Err(ActionError::new(
                "`except` keeps channels of a blocked conduit open".into(),
                "except only with a block-conduit verb".into(),
                None,
            ));
        }
        for ch in &self.except {
            let carried: Vec<&str> = self
                .targets
                .iter()
                .filter_map(|t| if let Target::Conduit(c) = t { Some(*c) } else { None })
                .flat_map(|c| site.conduits[c.ix()].channels.iter().map(|x| &*x.name))
                .collect();
            if !carried.contains(&&**ch) {
                return Err(ActionError::new(
                    format!("no blocked conduit carries a channel \"{ch}\""),
                    format!("a channel of the conduit: {}", one_of(carried.iter().copied())),
                    did_you_mean(ch, carried.iter().copied()),
                ));
            }
        }
        Ok(())
    }
}

fn resolve_target(site: &Site, text: &str, effect: Effect) -> Result<Target, ActionError> {
    let (kind, id) = match text.split_once(':') {
        Some((k, id)) if !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase()) => (k, id),
        _ => match effect.targets().first() {
            Some(k) => (k.as_str(), text),
            None => ("asset", text),
        },
    };
    let unknown = |what: &str, ids: Vec<&str>| {
        ActionError::new(
            format!("unknown {what} \"{id}\""),
            format!(
                "the id of {} {what} of the site model",
                if what.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
            ),
            did_you_mean(id, ids),
        )
    };
    match kind {
        "asset" => site
            .asset_by_id(id)
            .map(Target::Asset)
            .ok_or_else(|| unknown("asset", site.assets.iter().map(|a| &*a.id).take(200_000).collect())),
        "zone" => site
            .zone_by_id(id)
            .map(Target::Zone)
            .ok_or_else(|| unknown("zone", site.zones.iter().map(|z| &*z.id).collect())),
        "conduit" => site
            .conduits
            .iter()
            .position(|c| &*c.id == id)
            .map(|i| Target::Conduit(ConduitIx(i as u32)))
            .ok_or_else(|| unknown("conduit", site.conduits.iter().map(|c| &*c.id).collect())),
        "account" => site
            .accounts
            .iter()
            .position(|a| &*a.id == id)
            .map(|i| Target::Account(AccountIx(i as u32)))
            .ok_or_else(|| unknown("account", site.accounts.iter().map(|a| &*a.id).collect())),
        "vendor" => site
            .vendors
            .iter()
            .position(|v| &*v.id == id)
            .map(|i| Target::Vendor(VendorIx(i as u32)))
            .ok_or_else(|| unknown("vendor", site.vendors.iter().map(|v| &*v.id).collect())),
        "pathway" => {
            let all: Vec<String> = site
                .vendors
                .iter()
                .flat_map(|v| v.pathways.iter().map(move |p: &Pathway| format!("{}/{}", v.id, p.id)))
                .collect();
            let found = id.split_once('/').and_then(|(v, p)| {
                let vi = site.vendors.iter().position(|x| &*x.id == v)?;
                let pi = site.vendors[vi].pathways.iter().position(|x| &*x.id == p)?;
                Some(Target::Pathway(VendorIx(vi as u32), pi))
            });
            found.ok_or_else(|| unknown("pathway", all.iter().map(|s| s.as_str()).collect()))
        }
        "process" => site
            .processes
            .iter()
            .position(|p| &*p.id == id)
            .map(Target::Process)
            .ok_or_else(|| unknown("process", site.processes.iter().map(|p| &*p.id).collect())),
        "address" => {
            // An address of an asset of the model resolves to that asset; any other is outside.
            let owner = site.assets.iter().position(|a| a.addresses.iter().any(|x| &**x == id));
            Ok(Target::Address(id.into(), owner.map(|a| AssetIx(a as u32))))
        }
        other => Err(ActionError::new(
            format!("unknown kind of target \"{other}\" in \"{text}\""),
            "asset:, zone:, conduit:, account:, vendor:, pathway:VENDOR/ID, process: or address:".into(),
            did_you_mean(other, ["asset", "zone", "conduit", "account", "vendor", "pathway", "process", "address"]),
        )),
    }
}
