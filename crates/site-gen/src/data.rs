//! Static tables that make the synthetic enterprise read like a real one: names,
//! manufacturers and models, industries and their processes, conduit channels, terms.
//! Manufacturer and product names are free text (the `vendor`/`model` fields); they
//! describe typical installed bases and imply nothing about any real site.

/// `(manufacturer, model)` choices for one class of asset.
pub(crate) type Models = &'static [(&'static str, &'static str)];

pub(crate) const M_IT_FIREWALL: Models = &[
    ("Fortinet", "FortiGate 200F"),
    ("Palo Alto Networks", "PA-3410"),
    ("Cisco", "Secure Firewall 2130"),
    ("Check Point", "Quantum 6600"),
];
pub(crate) const M_OT_FIREWALL: Models = &[
    ("Fortinet", "FortiGate Rugged 70F"),
    ("Cisco", "ISA3000"),
    ("Palo Alto Networks", "PA-220R"),
    ("Hirschmann", "EAGLE40"),
];
pub(crate) const M_IT_SWITCH: Models =
    &[("Cisco", "Catalyst 9300"), ("Aruba", "CX 6300"), ("Juniper Networks", "EX4400")];
pub(crate) const M_OT_SWITCH: Models =
    &[("Cisco", "IE-3400"), ("Hirschmann", "RSP35"), ("Siemens", "SCALANCE XC216"), ("Moxa", "EDS-G516E")];
pub(crate) const M_DC: Models = &[("Microsoft", "Windows Server 2022 Active Directory")];
pub(crate) const M_RODC: Models = &[
    ("Microsoft", "Windows Server 2022 read-only domain controller"),
    ("Microsoft", "Windows Server 2019 read-only domain controller"),
];
pub(crate) const M_DNS: Models = &[("Infoblox", "Trinzic 2215"), ("Microsoft", "Windows Server 2022 DNS")];
pub(crate) const M_NTP: Models = &[("Meinberg", "LANTIME M300/GPS"), ("Microchip", "SyncServer S650")];
pub(crate) const M_HISTORIAN: Models = &[
    ("AVEVA", "PI Server 2023"),
    ("Honeywell", "Uniformance PHD R400"),
    ("Canary Labs", "Canary Historian 24"),
    ("GE Vernova", "Proficy Historian 2024"),
];
pub(crate) const M_ENT_HISTORIAN: Models = &[("AVEVA", "PI Server 2023 enterprise collective")];
pub(crate) const M_MES: Models = &[
    ("Siemens", "Opcenter Execution"),
    ("AVEVA", "MES 2023"),
    ("Rockwell Automation", "FactoryTalk ProductionCentre"),
];
pub(crate) const M_DB: Models = &[("Microsoft", "SQL Server 2022"), ("Oracle", "Database 19c")];
pub(crate) const M_PATCH: Models = &[("Microsoft", "WSUS on Windows Server 2022")];
pub(crate) const M_LOG: Models =
    &[("Splunk", "Heavy Forwarder 9.2"), ("Elastic", "Logstash 8.13"), ("Graylog", "Graylog Forwarder 6")];
pub(crate) const M_SIEM: Models = &[("Splunk", "Enterprise Security 7.3")];
pub(crate) const M_BACKUP: Models = &[("Veeam", "Backup & Replication 12"), ("Commvault", "Complete Data Protection")];
pub(crate) const M_JUMP: Models =
    &[("Microsoft", "Windows Server 2022 Remote Desktop Services"), ("CyberArk", "Privileged Session Manager 14")];
pub(crate) const M_WORKSTATION: Models =
    &[("Dell", "OptiPlex 7010"), ("HP", "EliteDesk 800 G9"), ("Lenovo", "ThinkCentre M90q")];
pub(crate) const M_SCADA: Models = &[
    ("AVEVA", "System Platform 2023"),
    ("Inductive Automation", "Ignition 8.1"),
    ("Siemens", "WinCC OA 3.19"),
    ("GE Vernova", "CIMPLICITY 2024"),
];
pub(crate) const M_HMI: Models = &[
    ("Rockwell Automation", "FactoryTalk View SE client"),
    ("AVEVA", "InTouch 2023"),
    ("Siemens", "WinCC Unified client"),
];
pub(crate) const M_PANEL: Models = &[
    ("Rockwell Automation", "PanelView 5510"),
    ("Siemens", "SIMATIC HMI TP1200 Comfort"),
    ("Schneider Electric", "Harmony GTU"),
];
pub(crate) const M_EWS: Models = &[("Dell", "Precision 3660"), ("HP", "Z2 G9")];
pub(crate) const M_PLC: Models = &[
    ("Rockwell Automation", "ControlLogix 5580"),
    ("Siemens", "SIMATIC S7-1500"),
    ("Schneider Electric", "Modicon M580"),
    ("Mitsubishi Electric", "MELSEC iQ-R"),
];
pub(crate) const M_PAC: Models =
    &[("Emerson", "PACSystems RX3i"), ("Rockwell Automation", "CompactLogix 5380"), ("Beckhoff", "CX2040")];
pub(crate) const M_DCS: Models = &[
    ("Emerson", "DeltaV PK controller"),
    ("Honeywell", "Experion C300"),
    ("ABB", "AC 800M"),
    ("Yokogawa", "CENTUM VP FCS"),
];
pub(crate) const M_RTU: Models =
    &[("SEL", "RTAC SEL-3530"), ("Schneider Electric", "SCADAPack 470"), ("ABB", "RTU530"), ("GE Vernova", "D400")];
pub(crate) const M_IED: Models = &[
    ("SEL", "SEL-751 feeder protection relay"),
    ("ABB", "REF615"),
    ("Siemens", "SIPROTEC 5 7SJ85"),
    ("GE Vernova", "Multilin 850"),
];
pub(crate) const M_GATEWAY: Models =
    &[("Moxa", "MGate 5105-MB-EIP"), ("HMS Networks", "Anybus X-gateway"), ("Moxa", "NPort 5650 serial device server")];
pub(crate) const M_FIELD_IO: Models = &[
    ("Rockwell Automation", "FLEX 5000 I/O adapter"),
    ("Siemens", "SIMATIC ET 200SP"),
    ("Emerson", "CHARMs I/O card"),
    ("Phoenix Contact", "Axioline F"),
    ("WAGO", "750 series coupler"),
];
pub(crate) const M_SIS: Models = &[
    ("Schneider Electric", "Triconex Tricon CX"),
    ("HIMA", "HIMax"),
    ("Yokogawa", "ProSafe-RS"),
    ("Siemens", "SIMATIC S7-1500F"),
];
pub(crate) const M_SIS_IO: Models =
    &[("HIMA", "HIMax safety I/O module"), ("Schneider Electric", "Triconex safety I/O module")];
pub(crate) const M_ERP: Models = &[("SAP", "S/4HANA 2023")];
pub(crate) const M_MAIL: Models = &[("Microsoft", "Exchange Server Subscription Edition")];
pub(crate) const M_FILE: Models = &[("NetApp", "FAS2820"), ("Microsoft", "Windows Server 2022 file services")];
pub(crate) const M_HYPERVISOR: Models = &[("VMware", "vSphere 8 ESXi"), ("Microsoft", "Hyper-V Server 2022")];
pub(crate) const M_VPN: Models = &[
    ("Palo Alto Networks", "GlobalProtect gateway"),
    ("Cisco", "Secure Firewall ASA remote-access VPN"),
    ("Fortinet", "FortiGate 600F SSL-VPN"),
];

/// An industry: how its plants are controlled and what their processes are.
pub(crate) struct Industry {
    /// Site noun: "Riverside water treatment works".
    pub(crate) site_noun: &'static str,
    /// Percent of controllers that are PLCs, PACs, DCS controllers (RTUs get the rest).
    pub(crate) ctl_mix: [u64; 3],
    /// Protection relays and other IEDs, per thousand assets.
    pub(crate) ieds_per_mille: u64,
    /// Index into [`CONTROLS_VENDORS`].
    pub(crate) controls_vendor: usize,
    /// At least 12 distinct processes (the maximum number of units per plant).
    pub(crate) processes: &'static [&'static str],
}

pub(crate) const INDUSTRIES: &[Industry] = &[
    Industry {
        site_noun: "water treatment works",
        ctl_mix: [55, 10, 0],
        ieds_per_mille: 60,
        controls_vendor: 2,
        processes: &[
            "Raw water intake",
            "Coagulation and flocculation",
            "Sedimentation",
            "Filtration",
            "Disinfection",
            "Fluoridation",
            "Clearwell storage",
            "High-lift pumping",
            "Sludge handling",
            "Chemical dosing",
            "Backwash recovery",
            "Distribution pressure management",
        ],
    },
    Industry {
        site_noun: "chemical plant",
        ctl_mix: [20, 10, 70],
        ieds_per_mille: 50,
        controls_vendor: 1,
        processes: &[
            "Feed preparation",
            "Reactor train A",
            "Reactor train B",
            "Distillation",
            "Stripping",
            "Compression",
            "Tank farm",
            "Product loading",
            "Flare system",
            "Cooling water",
            "Steam utilities",
            "Wastewater treatment",
        ],
    },
    Industry {
        site_noun: "food and beverage plant",
        ctl_mix: [85, 15, 0],
        ieds_per_mille: 40,
        controls_vendor: 0,
        processes: &[
            "Raw material receiving",
            "Mixing",
            "Pasteurisation",
            "Fermentation",
            "Filling line 1",
            "Filling line 2",
            "Packaging",
            "Palletising",
            "Clean in place",
            "Refrigeration",
            "Boiler house",
            "Effluent treatment",
        ],
    },
    Industry {
        site_noun: "power station",
        ctl_mix: [30, 0, 50],
        ieds_per_mille: 120,
        controls_vendor: 2,
        processes: &[
            "Boiler",
            "Steam turbine",
            "Generator",
            "Feedwater",
            "Condensate",
            "Cooling tower",
            "Fuel handling",
            "Flue gas treatment",
            "Switchyard",
            "Auxiliary power",
            "Water treatment",
            "Ash handling",
        ],
    },
    Industry {
        site_noun: "pharmaceutical plant",
        ctl_mix: [40, 20, 40],
        ieds_per_mille: 40,
        controls_vendor: 0,
        processes: &[
            "Dispensing",
            "Granulation",
            "Tablet compression",
            "Coating",
            "Bioreactor suite",
            "Purification",
            "Fill and finish",
            "Lyophilisation",
            "Clean utilities",
            "Cleanroom HVAC",
            "Water for injection",
            "Packaging",
        ],
    },
    Industry {
        site_noun: "oil terminal",
        ctl_mix: [40, 0, 30],
        ieds_per_mille: 80,
        controls_vendor: 1,
        processes: &[
            "Crude receiving",
            "Tank farm",
            "Custody transfer metering",
            "Pipeline pumping",
            "Vapour recovery",
            "Truck loading",
            "Marine loading",
            "Fire water",
            "Flare",
            "Blending",
            "Compression",
            "Power distribution",
        ],
    },
];

/// Place names for plants (fictional or generic).
pub(crate) const PLACES: &[&str] = &[
    "Riverside",
    "Northfield",
    "Eastbrook",
    "Westmoor",
    "Southgate",
    "Ashford",
    "Bramley",
    "Carrow",
    "Dunmore",
    "Elmstead",
    "Fairhaven",
    "Glenwood",
    "Harrowgate",
    "Ironbridge",
    "Juniper Flats",
    "Kingsmere",
    "Lakeside",
    "Millbrook",
    "Newhaven",
    "Oakridge",
    "Pinecrest",
    "Queensbury",
    "Redcliff",
    "Stonebridge",
    "Thornbury",
    "Upton Marsh",
    "Valemount",
    "Willowdale",
    "Yarrow Point",
    "Zephyr Bay",
    "Blackwater",
    "Copper Hill",
];

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Maria", "James", "Aisha", "Chen", "Olga", "Rahul", "Fatima", "Lucas", "Emma", "Kwame", "Sofia", "Daniel", "Priya",
    "Mateo", "Hannah", "Yusuf", "Elena", "Tomasz", "Grace", "Kenji", "Amara", "Liam", "Ines", "Noah", "Leila", "Oscar",
    "Mei", "Pedro", "Nadia", "Samuel", "Zara", "Victor", "Chloe", "Arjun", "Ingrid", "Diego", "Naomi", "Felix", "Rosa",
    "Ahmed", "Clara", "Tariq", "Julia", "Marek", "Ana", "Hugo", "Lina", "Erik", "Sara", "Omar",
];

/// 61 last names (a prime count, so a stride walk never repeats within a plant).
pub(crate) const LAST_NAMES: &[&str] = &[
    "Garcia",
    "Smith",
    "Okafor",
    "Wang",
    "Petrova",
    "Sharma",
    "Haddad",
    "Silva",
    "Muller",
    "Mensah",
    "Rossi",
    "Kim",
    "Patel",
    "Lopez",
    "Schmidt",
    "Demir",
    "Ivanova",
    "Nowak",
    "Brown",
    "Tanaka",
    "Eze",
    "Murphy",
    "Costa",
    "Johnson",
    "Rahimi",
    "Larsen",
    "Li",
    "Santos",
    "Novak",
    "Adeyemi",
    "Khan",
    "Dubois",
    "Martin",
    "Iyer",
    "Berg",
    "Fernandez",
    "Cohen",
    "Weber",
    "Moreno",
    "Hassan",
    "Fischer",
    "Nasser",
    "Walker",
    "Kowalski",
    "Pereira",
    "Laurent",
    "Andersson",
    "Jensen",
    "Nguyen",
    "Ali",
    "Romero",
    "Yilmaz",
    "Baker",
    "Horvat",
    "Suzuki",
    "Owusu",
    "Popescu",
    "Lindqvist",
    "Reyes",
    "Bianchi",
    "Quinn",
];

/// Vendors that support plant controls; one per industry (see [`Industry::controls_vendor`]).
pub(crate) const CONTROLS_VENDORS: &[(&str, &str, &str)] = &[
    ("northwind-controls", "Northwind Controls Services", "PLC logic and SCADA support"),
    ("bluepeak-automation", "BluePeak Automation", "DCS configuration and batch support"),
    ("gridline-energy", "Gridline Energy Services", "RTU, protection relay and SCADA support"),
];

/// A conduit channel: name, protocol, port.
pub(crate) type Channel = (&'static str, &'static str, u16);

pub(crate) const CH_CORP_IDMZ: &[Channel] = &[
    ("historian-web", "https", 443),
    ("rdp-to-jump-hosts", "rdp", 3389),
    ("patch-sync", "https", 8531),
    ("backup-agent", "tcp", 10000),
    ("remote-access-users", "https", 443),
];
pub(crate) const CH_IDENTITY: &[Channel] = &[
    ("ad-replication", "rpc", 135),
    ("kerberos", "kerberos", 88),
    ("ldaps", "ldaps", 636),
    ("dns", "dns", 53),
    ("ntp", "ntp", 123),
    ("radius", "radius", 1812),
];
pub(crate) const CH_IDENTITY_CORP: &[Channel] = &[
    ("kerberos", "kerberos", 88),
    ("ldaps", "ldaps", 636),
    ("dns", "dns", 53),
    ("ntp", "ntp", 123),
    ("backup-agent", "tcp", 10000),
    ("patch-distribution", "https", 8531),
];
pub(crate) const CH_SECOPS: &[Channel] = &[("syslog-tls", "syslog", 6514), ("siem-forwarding", "tcp", 9997)];
pub(crate) const CH_SECOPS_CORP: &[Channel] = &[
    ("syslog-tls", "syslog", 6514),
    ("siem-forwarding", "tcp", 9997),
    ("siem-console", "https", 443),
    ("backup-agent", "tcp", 10000),
    ("patch-distribution", "https", 8531),
];
pub(crate) const CH_SECOPS_IDENTITY: &[Channel] = &[
    ("syslog-tls", "syslog", 6514),
    ("kerberos", "kerberos", 88),
    ("ldaps", "ldaps", 636),
    ("dns", "dns", 53),
    ("ntp", "ntp", 123),
];
/// The plant's only way out: everything from the enterprise reaches a plant through the
/// IDMZ, identity traffic included (AD replication to the plant's read-only DCs).
pub(crate) const CH_IDMZ_PLANT: &[Channel] = &[
    ("historian-replication", "tcp", 5450),
    ("rdp-from-jump-host", "rdp", 3389),
    ("patch-relay", "https", 8531),
    ("syslog-forwarding", "syslog", 6514),
    ("ad-replication", "rpc", 135),
    ("kerberos", "kerberos", 88),
    ("ldaps", "ldaps", 636),
    ("dns-forwarding", "dns", 53),
    ("ntp", "ntp", 123),
];
pub(crate) const CH_L3_L2: &[Channel] = &[
    ("historian-collection", "opc-ua", 4840),
    ("kerberos", "kerberos", 88),
    ("ldaps", "ldaps", 636),
    ("dns", "dns", 53),
    ("ntp", "ntp", 123),
    ("syslog", "syslog", 6514),
    ("patching", "https", 8531),
    ("backup-agent", "tcp", 10000),
    ("rdp-second-hop", "rdp", 3389),
];
pub(crate) const CH_L2_L1: &[Channel] = &[
    ("ethernet-ip", "ethernet-ip", 44818),
    ("modbus-tcp", "modbus-tcp", 502),
    ("s7comm", "s7comm", 102),
    ("dnp3", "dnp3", 20000),
    ("iec-61850-mms", "mms", 102),
    ("ntp", "ntp", 123),
    ("syslog", "syslog", 514),
];
pub(crate) const CH_L1_L0: &[Channel] = &[
    ("ethernet-ip-io", "ethernet-ip", 2222),
    ("profinet-io", "profinet", 34964),
    ("modbus-tcp", "modbus-tcp", 502),
    ("hart-ip", "hart-ip", 5094),
];
pub(crate) const CH_L1_SIS: &[Channel] =
    &[("bpcs-sis-interface", "modbus-tcp", 502), ("safe-peer-to-peer", "tcp", 1502)];
pub(crate) const CH_L2_SIS: &[Channel] =
    &[("sis-alarms-read-only", "opc-ua", 4840), ("ntp", "ntp", 123), ("syslog", "syslog", 514)];

/// `(term, canonical, it_reading, ot_reading, not_to_be_confused_with)`.
pub(crate) type Term = (&'static str, &'static str, &'static str, &'static str, &'static [&'static str]);

pub(crate) const TERMS: &[Term] = &[
    (
        "isolate",
        "Remove the asset or zone from the network; it keeps running.",
        "Quarantine the host with EDR; it is off the network.",
        "Sometimes heard as: stop the equipment (mechanical isolation).",
        &["shut down", "take offline"],
    ),
    (
        "shut down",
        "Bring the process to a safe stop by the operating procedure.",
        "Power off the server.",
        "A controlled process shutdown, possibly taking hours.",
        &["isolate", "trip"],
    ),
    (
        "take offline",
        "Stop an asset serving others (network or service), without stopping the process it supports.",
        "Disconnect or stop a service.",
        "Take a unit out of production.",
        &["isolate", "shut down"],
    ),
    (
        "trip",
        "An automatic protective shutdown by the safety system or a protection relay.",
        "A tripped alert or rule.",
        "The SIS or a relay acted; investigate before restart.",
        &["shut down"],
    ),
    (
        "island mode",
        "Run the plant with no dependency on enterprise IT: local identity, time and control.",
        "OT disconnected from the corporate network.",
        "Run on local systems and manual procedures.",
        &["isolate"],
    ),
    (
        "contain",
        "Stop an intrusion spreading while keeping essential control and visibility.",
        "Block, quarantine, disable accounts.",
        "Keep the process safe while the network is narrowed.",
        &["isolate", "shut down"],
    ),
];
