//! Closed vocabularies of the site model: asset kinds, domains, functions,
//! criticality, Purdue levels. Each is written in files as a kebab-case word.

/// Declares a closed vocabulary written in TOML as kebab-case words.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];
            /// What a value of this vocabulary is, for error messages.
            pub const WHAT: &'static str = $what;
            /// The canonical words, in declaration order.
            pub const WORDS: &'static [&'static str] = &[ $( $word ),+ ];

            /// The canonical word, as written in site files.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $word ),+ }
            }

            /// Parses the canonical word or an accepted alias.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $( $word $(| $alias)* => Some($name::$variant), )+
                    _ => None,
                }
            }

            /// The canonical words, for "expected one of" messages.
            pub fn words() -> impl Iterator<Item = &'static str> {
                Self::ALL.iter().map(|v| v.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// What starts a regulatory clock.
    Trigger, "deadline trigger" {
        /// The incident is determined to be reportable (CIP-008: a Reportable Cyber Security Incident).
        Reportable = "reportable",
        /// It is determined to be an attempt to compromise.
        Attempt = "attempt",
        /// An attribute already reported changes (new information).
        AttributeChange = "attribute-change",
        /// The incident is closed.
        Closed = "closed",
    }
}

vocabulary! {
    /// Facts about the computed impact of a proposed action that authority
    /// rules match on (`impact = [...]` in the authority matrix).
    ImpactFact, "impact fact" {
        /// An OT asset loses control (of a process or equipment).
        OtControlLoss = "ot-control-loss",
        /// An OT asset loses its view of the process.
        OtViewLoss = "ot-view-loss",
        /// An OT asset loses alarms.
        OtAlarmLoss = "ot-alarm-loss",
        /// Any safety function is lost or degraded.
        SafetyLoss = "safety-loss",
        /// An OT asset loses authentication.
        OtAuthenticationLoss = "ot-authentication-loss",
        /// An OT asset loses remote access (vendor or engineering).
        OtRemoteAccessLoss = "ot-remote-access-loss",
        /// IT loses telemetry from the plant.
        ItTelemetryLoss = "it-telemetry-loss",
        /// IT loses business data.
        ItBusinessDataLoss = "it-business-data-loss",
        /// An IT asset loses authentication.
        ItAuthenticationLoss = "it-authentication-loss",
        /// A critical process is affected (control, view, alarm or safety).
        ProcessAffected = "process-affected",
        /// A critical process is stopped.
        ProcessStopped = "process-stopped",
        /// An OT asset is stopped or made unusable.
        OtAssetDown = "ot-asset-down",
        /// An IT asset is stopped or made unusable.
        ItAssetDown = "it-asset-down",
        /// A vendor loses a pathway.
        VendorAccessLoss = "vendor-access-loss",
        /// The safety verdict asks for compensating measures.
        NeedsMeasures = "needs-measures",
        /// The safety verdict is unsafe.
        Unsafe = "unsafe",
        /// A control change in progress (logic download, firmware update) could be left half-applied.
        HalfAppliedRisk = "half-applied-risk",
    }
}

vocabulary! {
    /// Why an action is proposed, as authority rules name it.
    IntentWord, "intent" {
        Containment = "containment",
        Safety = "safety",
        Both = "both",
    }
}

vocabulary! {
    /// The incident's response phase, as authority rules name it.
    PhaseWord, "phase" {
        Detect = "detect",
        Contain = "contain",
        Eradicate = "eradicate",
        Recover = "recover",
        Closed = "closed",
    }
}

vocabulary! {
    /// Which side of the house an asset, zone, team or role belongs to.
    Domain, "domain" {
        It = "it",
        Ot = "ot",
        /// Serves both sides: identity, remote access, patching, logging, the IDMZ.
        Shared = "shared",
    }
}

vocabulary! {
    /// How much the site depends on something. Ordered: `Low < Medium < High < Critical`.
    Criticality, "criticality" {
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
}

vocabulary! {
    /// The functions an asset serves, and the kinds of dependency between assets.
    Function, "function" {
        Control = "control",
        View = "view",
        Alarm = "alarm",
        Safety = "safety",
        Historian = "historian",
        Authentication = "authentication",
        RemoteAccess = "remote-access",
        Patching = "patching",
        Logging = "logging",
        Time = "time",
        NameResolution = "name-resolution",
        Backup = "backup",
        BusinessData = "business-data",
    }
}

/// A set of [`Function`]s, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FunctionSet(u16);

impl FunctionSet {
    pub const EMPTY: FunctionSet = FunctionSet(0);

    pub fn insert(&mut self, f: Function) -> bool {
        let bit = 1u16 << (f as u16);
        let fresh = self.0 & bit == 0;
        self.0 |= bit;
        fresh
    }

    pub fn contains(self, f: Function) -> bool {
        self.0 & (1u16 << (f as u16)) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The functions in declaration order (the normalised order).
    pub fn iter(self) -> impl Iterator<Item = Function> {
        Function::ALL.iter().copied().filter(move |f| self.contains(*f))
    }

    pub fn bits(self) -> u16 {
        self.0
    }
}

impl FromIterator<Function> for FunctionSet {
    fn from_iter<I: IntoIterator<Item = Function>>(iter: I) -> Self {
        let mut s = FunctionSet::EMPTY;
        for f in iter {
            s.insert(f);
        }
        s
    }
}

vocabulary! {
    /// Asset kinds: MITRE ATT&CK for ICS assets A0001-A0018 plus the IT kinds that
    /// matter when an incident crosses the IT/OT boundary.
    AssetKind, "asset kind" {
        /// A0001 Workstation (IT or OT office workstation).
        Workstation = "workstation",
        /// A0001 Workstation used to program controllers.
        EngineeringWorkstation = "engineering-workstation" | "ews",
        /// A0002 Human-Machine Interface; also operator stations.
        Hmi = "hmi" | "operator-station",
        /// A0003 Programmable Logic Controller.
        Plc = "plc",
        /// A0004 Remote Terminal Unit.
        Rtu = "rtu",
        /// A0005 Intelligent Electronic Device (protection relays, meters).
        Ied = "ied" | "protection-relay",
        /// A0006 Data Historian.
        Historian = "historian" | "data-historian",
        /// A0007 Control Server (SCADA, DMS, EMS).
        ControlServer = "control-server" | "scada-server",
        /// A0008 Application Server (OT application, licence server...).
        ApplicationServer = "application-server",
        /// A0009 Data Gateway (protocol converters, serial-to-Ethernet).
        DataGateway = "data-gateway" | "protocol-gateway",
        /// A0010 Safety Controller (SIS logic solver).
        SafetyController = "safety-controller" | "sis",
        /// A0011 VPN Server / VPN gateway.
        VpnServer = "vpn-server" | "vpn-gateway",
        /// A0012 Jump Host.
        JumpHost = "jump-host",
        /// A0013 Field I/O.
        FieldIo = "field-io",
        /// A0014 Router.
        Router = "router",
        /// A0015 Switch.
        Switch = "switch",
        /// A0016 Firewall.
        Firewall = "firewall",
        /// A0017 DCS Controller.
        DcsController = "dcs-controller",
        /// A0018 Programmable Automation Controller.
        Pac = "pac",
        /// A0008 specialised: directory / domain controller.
        DomainController = "domain-controller",
        /// A0008 specialised: patch / update server (WSUS and the like).
        PatchServer = "patch-server",
        /// SIEM or central log collector.
        Siem = "siem" | "log-collector",
        FileServer = "file-server",
        EmailServer = "email-server" | "email",
        Erp = "erp",
        /// Manufacturing execution system (Purdue level 3).
        Mes = "mes",
        DnsServer = "dns-server",
        TimeServer = "time-server" | "ntp-server",
        BackupServer = "backup-server",
        DatabaseServer = "database-server",
        VirtualizationHost = "virtualization-host" | "hypervisor",
        WirelessAccessPoint = "wireless-access-point",
    }
}

impl AssetKind {
    /// The MITRE ATT&CK for ICS asset id this kind corresponds to, where one exists.
    pub fn attack_ics_id(self) -> Option<&'static str> {
        use AssetKind::*;
        Some(match self {
            Workstation | EngineeringWorkstation => "A0001",
            Hmi => "A0002",
            Plc => "A0003",
            Rtu => "A0004",
            Ied => "A0005",
            Historian => "A0006",
            ControlServer => "A0007",
            ApplicationServer | DomainController | PatchServer => "A0008",
            DataGateway => "A0009",
            SafetyController => "A0010",
            VpnServer => "A0011",
            JumpHost => "A0012",
            FieldIo => "A0013",
            Router => "A0014",
            Switch => "A0015",
            Firewall => "A0016",
            DcsController => "A0017",
            Pac => "A0018",
            _ => return None,
        })
    }

    /// The domain an asset of this kind usually belongs to, used when an
    /// import does not say. `None` means it depends on where it stands.
    pub fn usual_domain(self) -> Option<Domain> {
        use AssetKind::*;
        match self {
            EngineeringWorkstation
            | Hmi
            | Plc
            | Rtu
            | Ied
            | Historian
            | ControlServer
            | DataGateway
            | SafetyController
            | FieldIo
            | DcsController
            | Pac
            | Mes => Some(Domain::Ot),
            EmailServer | Erp | FileServer => Some(Domain::It),
            _ => None,
        }
    }

    /// True for kinds whose logic or firmware directly drives the process.
    pub fn is_controller(self) -> bool {
        use AssetKind::*;
        matches!(self, Plc | Rtu | Ied | SafetyController | DcsController | Pac | FieldIo)
    }
}

vocabulary! {
    /// How an account is used.
    AccountKind, "account kind" {
        Personal = "personal",
        Shared = "shared",
        Service = "service",
        Vendor = "vendor",
    }
}

vocabulary! {
    /// Whether an account is meant to be used.
    AccountStatus, "account status" {
        Active = "active",
        /// Still enabled, but not intended to be in use (the Colonial Pipeline VPN account).
        Dormant = "dormant",
        Disabled = "disabled",
    }
}

vocabulary! {
    /// Ways to reach a person.
    ContactChannel, "contact channel" {
        Phone = "phone",
        Mobile = "mobile",
        Email = "email",
        Radio = "radio",
        Teams = "teams",
        Slack = "slack",
        Pager = "pager",
    }
}

/// Purdue reference-model level, kept as an attribute (not the only structure).
/// Written as an integer 0-5, or 3.5 (also "3.5" or "idmz") for the industrial DMZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PurdueLevel(u8); // tenths: 0, 10, 20, 30, 35, 40, 50

impl PurdueLevel {
    pub const IDMZ: PurdueLevel = PurdueLevel(35);

    pub fn from_tenths(t: u8) -> Option<Self> {
        matches!(t, 0 | 10 | 20 | 30 | 35 | 40 | 50).then_some(PurdueLevel(t))
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "0" => Some(PurdueLevel(0)),
            "1" => Some(PurdueLevel(10)),
            "2" => Some(PurdueLevel(20)),
            "3" => Some(PurdueLevel(30)),
            "3.5" | "idmz" | "IDMZ" | "dmz" => Some(PurdueLevel(35)),
            "4" => Some(PurdueLevel(40)),
            "5" => Some(PurdueLevel(50)),
            _ => None,
        }
    }

    pub fn tenths(self) -> u8 {
        self.0
    }

    pub fn as_str(self) -> &'static str {
        match self.0 {
            0 => "0",
            10 => "1",
            20 => "2",
            30 => "3",
            35 => "3.5",
            40 => "4",
            _ => "5",
        }
    }

    pub const EXPECTED: &'static str = "a Purdue level: 0, 1, 2, 3, 3.5 (industrial DMZ), 4 or 5";
}

impl std::fmt::Display for PurdueLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips() {
        for k in AssetKind::ALL {
            assert_eq!(AssetKind::parse(k.as_str()), Some(*k));
        }
        for f in Function::ALL {
            assert_eq!(Function::parse(f.as_str()), Some(*f));
        }
        assert_eq!(AssetKind::parse("vpn-gateway"), Some(AssetKind::VpnServer));
        assert_eq!(AssetKind::parse("Plc"), None);
    }

    #[test]
    fn attack_ics_covers_a0001_to_a0018() {
        let ids: std::collections::BTreeSet<_> = AssetKind::ALL.iter().filter_map(|k| k.attack_ics_id()).collect();
        let want: std::collections::BTreeSet<String> = (1..=18).map(|i| format!("A{i:04}")).collect();
        let got: std::collections::BTreeSet<String> = ids.iter().map(|s| s.to_string()).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn function_set_keeps_declaration_order() {
        let s: FunctionSet = [Function::Safety, Function::Control, Function::Control].into_iter().collect();
        assert_eq!(s.len(), 2);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![Function::Control, Function::Safety]);
    }

    #[test]
    fn purdue_levels() {
        assert_eq!(PurdueLevel::parse("3.5"), Some(PurdueLevel::IDMZ));
        assert_eq!(PurdueLevel::parse("6"), None);
        assert!(PurdueLevel::parse("2").unwrap_or(PurdueLevel::IDMZ) < PurdueLevel::IDMZ);
    }
}
