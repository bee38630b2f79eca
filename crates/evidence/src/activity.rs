//! One observed activity: a network flow, an IDS event, a remote-access
//! session or a row of a generic export, in one shape whatever the source.

/// Where an activity was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Zeek conn.log, TSV with its `#fields` header or JSON lines.
    Zeek,
    /// Suricata eve.json: alert, flow and protocol events.
    Suricata,
    /// Remote-access session logs as JSON lines.
    Sessions,
    /// A generic CSV of activity.
    Csv,
}

impl Format {
    pub const ALL: &'static [Format] = &[Format::Zeek, Format::Suricata, Format::Sessions, Format::Csv];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Zeek => "zeek",
            Format::Suricata => "suricata",
            Format::Sessions => "sessions",
            Format::Csv => "csv",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Tcp,
    Udp,
    Icmp,
    Other,
}

/// The industrial protocols Interlock recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Modbus,
    Dnp3,
    S7comm,
    EtherNetIp,
    Iec104,
    Iec61850Mms,
    Bacnet,
    OpcUa,
}

impl Protocol {
    pub const ALL: &'static [Protocol] = &[
        Protocol::Modbus,
        Protocol::Dnp3,
        Protocol::S7comm,
        Protocol::EtherNetIp,
        Protocol::Iec104,
        Protocol::Iec61850Mms,
        Protocol::Bacnet,
        Protocol::OpcUa,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Modbus => "modbus",
            Protocol::Dnp3 => "dnp3",
            Protocol::S7comm => "s7comm",
            Protocol::EtherNetIp => "enip-cip",
            Protocol::Iec104 => "iec104",
            Protocol::Iec61850Mms => "iec61850-mms",
            Protocol::Bacnet => "bacnet",
            Protocol::OpcUa => "opcua",
        }
    }
}

/// How the protocol was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recognised {
    /// By the well-known port only.
    Port,
    /// The source named the protocol (Zeek `service`, Suricata `app_proto`...).
    Stated,
}

/// One observed activity. Times are microseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// 1-based line of the source it was read from.
    pub line: u64,
    pub format: Format,
    pub start: i64,
    /// When it ended, if the source says (start + duration for flows).
    pub end: Option<i64>,
    pub src: Option<Box<str>>,
    pub src_port: Option<u16>,
    pub dst: Option<Box<str>>,
    pub dst_port: Option<u16>,
    pub transport: Option<Transport>,
    pub protocol: Option<(Protocol, Recognised)>,
    /// The protocol operation when the source says (e.g. `write_multiple_registers`, `direct_operate`).
    pub operation: Option<Box<str>>,
    /// The operation changes control: writes, logic downloads, stop/start, restarts, direct operate.
    pub changes_control: bool,
    /// The account or user name, when the source says (sessions, CSV).
    pub user: Option<Box<str>>,
    /// The remote-access pathway (sessions), e.g. `vpn-corp-01 > jump-dmz-01`.
    pub pathway: Option<Box<str>>,
    /// An IDS alert's signature (Suricata).
    pub alert: Option<Box<str>>,
    /// Free text the source gives (CSV `description`, session `activity`).
    pub note: Option<Box<str>>,
}

impl Activity {
    /// An empty activity of a format at a line, to be filled in by a parser.
    pub fn new(format: Format, line: u64, start: i64) -> Activity {
        Activity {
            line,
            format,
            start,
            end: None,
            src: None,
            src_port: None,
            dst: None,
            dst_port: None,
            transport: None,
            protocol: None,
            operation: None,
            changes_control: false,
            user: None,
            pathway: None,
            alert: None,
            note: None,
        }
    }
}

/// A line that could not be read: where, and why. Good lines around it still load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct LineError {
    pub line: u64,
    pub reason: String,
}
