//! Industrial protocols: recognised by well-known port or by the name a tool
//! gives them, and which of their operations change control.
//!
//! A protocol the source states (Zeek `service`, Suricata `app_proto` or event
//! type) always overrides recognition by port: the parsers try [`by_name`]
//! first and fall back to [`by_port`]. That matters for TCP 102, where
//! S7comm and IEC 61850 MMS both run over ISO-TSAP: by port alone it is called
//! S7comm, and a source that says `mms` is believed.
//!
//! Everything here is data (const slices) and lookups over it; nothing
//! allocates.

use crate::activity::{Protocol, Transport};

/// A well-known port of an industrial protocol. `transports` lists the
/// transports it is registered for; an unknown transport matches any.
struct PortEntry {
    port: u16,
    transports: &'static [Transport],
    protocol: Protocol,
}

const TCP: &[Transport] = &[Transport::Tcp];
const UDP: &[Transport] = &[Transport::Udp];
const TCP_UDP: &[Transport] = &[Transport::Tcp, Transport::Udp];

const PORTS: &[PortEntry] = &[
    // Modbus/TCP: IANA "mbap" 502/tcp (Modbus Messaging on TCP/IP Implementation Guide V1.0b);
    // 502/udp is registered too and some devices answer on it.
    PortEntry { port: 502, transports: TCP_UDP, protocol: Protocol::Modbus },
    // DNP3 over IP: IANA "dnp" 20000/tcp and 20000/udp (IEEE 1815 Annex, DNP3 IP networking).
    PortEntry { port: 20000, transports: TCP_UDP, protocol: Protocol::Dnp3 },
    // ISO-TSAP (RFC 1006, TPKT/COTP), 102/tcp: Siemens S7comm / S7comm-plus, and also IEC 61850 MMS.
    // By port alone it is called S7comm; a stated protocol (e.g. Zeek service "mms") overrides.
    PortEntry { port: 102, transports: TCP, protocol: Protocol::S7comm },
    // EtherNet/IP explicit messaging (CIP over encapsulation): IANA "EtherNet-IP-2" 44818/tcp and /udp
    // (ListIdentity is sent over UDP).
    PortEntry { port: 44818, transports: TCP_UDP, protocol: Protocol::EtherNetIp },
    // EtherNet/IP implicit (class 1, cyclic I/O): IANA "EtherNet-IP-1" 2222/udp.
    PortEntry { port: 2222, transports: UDP, protocol: Protocol::EtherNetIp },
    // IEC 60870-5-104: IANA "iec-104" 2404/tcp (IEC 60870-5-104 clause 10).
    PortEntry { port: 2404, transports: TCP, protocol: Protocol::Iec104 },
    // BACnet/IP: IANA "bacnet" 47808/udp (0xBAC0, ASHRAE 135 Annex J).
    PortEntry { port: 47808, transports: UDP, protocol: Protocol::Bacnet },
    // OPC UA binary (opc.tcp): IANA "opcua-tcp" 4840/tcp (OPC 10000-6).
    PortEntry { port: 4840, transports: TCP, protocol: Protocol::OpcUa },
];

/// The industrial protocol usually found on a (server) port, if any.
///
/// `transport` `None` means the transport is not known: then any transport the
/// port is registered for matches. ICMP and other transports have no ports.
///
/// TCP 102 (ISO-TSAP) is shared by S7comm and IEC 61850 MMS; by port it is
/// S7comm. A protocol the source names ([`by_name`]) overrides this guess.
pub fn by_port(transport: Option<Transport>, port: u16) -> Option<Protocol> {
    PORTS.iter().find(|e| e.port == port && transport.is_none_or(|t| e.transports.contains(&t))).map(|e| e.protocol)
}

/// The names tools give the protocols. Compared case-insensitively and
/// ignoring everything but letters and digits, so `s7comm-plus` and
/// `s7comm_plus`, `opc-ua` and `opcua` are one entry.
const NAMES: &[(&str, Protocol)] = &[
    // Zeek service / Suricata app_proto "modbus"; Zeek analyzer MODBUS.
    ("modbus", Protocol::Modbus),
    // Some exporters (e.g. Wireshark's "mbtcp") and the IANA service name for 502.
    ("modbus_tcp", Protocol::Modbus),
    ("mbtcp", Protocol::Modbus),
    ("mbap", Protocol::Modbus),
    // Zeek service / Suricata app_proto "dnp3"; Zeek analyzers DNP3_TCP and DNP3_UDP; IANA "dnp".
    ("dnp3", Protocol::Dnp3),
    ("dnp3_tcp", Protocol::Dnp3),
    ("dnp3_udp", Protocol::Dnp3),
    ("dnp", Protocol::Dnp3),
    // ICSNPP-S7comm (CISA) Zeek services "s7comm" and "s7comm-plus".
    ("s7comm", Protocol::S7comm),
    ("s7comm-plus", Protocol::S7comm),
    ("s7", Protocol::S7comm),
    // Suricata app_proto "enip"; ICSNPP-ENIP services "enip" and "cip"; Interlock's own "enip-cip".
    ("enip", Protocol::EtherNetIp),
    ("cip", Protocol::EtherNetIp),
    ("enip-cip", Protocol::EtherNetIp),
    ("ethernet/ip", Protocol::EtherNetIp),
    // Suricata app_proto / Zeek (ICSNPP) "iec104"; spelled out by some exporters.
    ("iec104", Protocol::Iec104),
    ("iec60870_5_104", Protocol::Iec104),
    ("iec-60870-5-104", Protocol::Iec104),
    // IEC 61850 / ISO 9506 MMS.
    ("mms", Protocol::Iec61850Mms),
    ("iec61850", Protocol::Iec61850Mms),
    ("iec61850-mms", Protocol::Iec61850Mms),
    // ICSNPP-BACnet service "bacnet"; BACnet/IP.
    ("bacnet", Protocol::Bacnet),
    ("bacnet/ip", Protocol::Bacnet),
    // ICSNPP-OPCUA-Binary "opcua_binary"; "opcua", "opc-ua", "opc.tcp".
    ("opcua", Protocol::OpcUa),
    ("opcua_binary", Protocol::OpcUa),
    ("opc.tcp", Protocol::OpcUa),
];

/// Prefixes some Zeek packages give analyzer names; removed before matching.
const NAME_PREFIXES: &[&str] = &["spicy_", "icsnpp_"];

/// The industrial protocol a tool names, case-insensitively.
///
/// Zeek's `service` may list several analyzers (`ssl,http`); each is tried in
/// turn. Entries starting with `-` are skipped: with
/// `DPD::track_removed_services_in_connection` Zeek keeps analyzers it removed
/// after a protocol violation, marked that way, and they do not say the
/// protocol was spoken.
pub fn by_name(s: &str) -> Option<Protocol> {
    s.split(',').map(str::trim).filter(|n| !n.is_empty() && !n.starts_with('-')).find_map(one_name)
}

fn one_name(name: &str) -> Option<Protocol> {
    let name = NAME_PREFIXES
        .iter()
        .find_map(|p| name.get(..p.len()).filter(|h| h.eq_ignore_ascii_case(p)).map(|_| &name[p.len()..]))
        .unwrap_or(name);
    NAMES.iter().find(|(n, _)| same_name(n, name)).map(|(_, p)| *p)
}

/// Two names are the same ignoring ASCII case and everything that is not an
/// ASCII letter or digit (`WRITE_SINGLE_COIL` = `WriteSingleCoil` = `write single coil`).
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    let mut a = a.bytes().filter(u8::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase());
    let mut b = b.bytes().filter(u8::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase());
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y => {}
            _ => return false,
        }
    }
}

/// One operation of a protocol: its code on the wire, its name, other names
/// tools log for it, and whether it changes control (writes, commands, logic
/// downloads, start/stop, restarts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The function code / service code / type identification. `None` when
    /// the code alone is ambiguous, so it is recognised by name only.
    pub code: Option<u32>,
    /// The name Interlock reports, snake_case.
    pub name: &'static str,
    /// Other names tools give it (Suricata, Zeek, Wireshark, the standard).
    pub aliases: &'static [&'static str],
    pub changes_control: bool,
}

const fn op(code: u32, name: &'static str, aliases: &'static [&'static str], changes_control: bool) -> Operation {
    Operation { code: Some(code), name, aliases, changes_control }
}

const fn by_name_only(name: &'static str, aliases: &'static [&'static str], changes_control: bool) -> Operation {
    Operation { code: None, name, aliases, changes_control }
}

/// Modbus function codes: Modbus Application Protocol Specification V1.1b3,
/// section 5.1 (public function codes) and 6. Aliases are the names Suricata
/// logs (sawp-modbus `FunctionCode`), Zeek's `modbus.log` `func` values and the
/// classic Modicon names.
const MODBUS: &[Operation] = &[
    // 0x01 Read Coils.
    op(1, "read_coils", &["RdCoils"], false),
    // 0x02 Read Discrete Inputs.
    op(2, "read_discrete_inputs", &["RdDiscreteInputs"], false),
    // 0x03 Read Holding Registers.
    op(3, "read_holding_registers", &["RdHoldRegs"], false),
    // 0x04 Read Input Registers.
    op(4, "read_input_registers", &["RdInputRegs"], false),
    // 0x05 Write Single Coil (Modicon: Force Single Coil).
    op(5, "write_single_coil", &["WrSingleCoil", "force_single_coil"], true),
    // 0x06 Write Single Register (Modicon: Preset Single Register).
    op(6, "write_single_register", &["WrSingleReg", "preset_single_register"], true),
    // 0x07 Read Exception Status (serial line only).
    op(7, "read_exception_status", &["RdExcStatus"], false),
    // 0x08 Diagnostics (serial line only).
    op(8, "diagnostics", &["Diagnostic"], false),
    // 0x0B Get Comm Event Counter.
    op(11, "get_comm_event_counter", &["GetCommEventCtr"], false),
    // 0x0C Get Comm Event Log.
    op(12, "get_comm_event_log", &["GetCommEventLog"], false),
    // 0x0F Write Multiple Coils (Modicon: Force Multiple Coils).
    op(15, "write_multiple_coils", &["WrMultCoils", "force_multiple_coils"], true),
    // 0x10 Write Multiple Registers (Modicon: Preset Multiple Registers).
    op(16, "write_multiple_registers", &["WrMultRegs", "preset_multiple_registers"], true),
    // 0x11 Report Server ID (formerly Report Slave ID).
    op(17, "report_server_id", &["ReportServerID", "report_slave_id"], false),
    // 0x14 Read File Record.
    op(20, "read_file_record", &["RdFileRec"], false),
    // 0x15 Write File Record: writes device file records (configuration, recipes).
    op(21, "write_file_record", &["WrFileRec"], true),
    // 0x16 Mask Write Register.
    op(22, "mask_write_register", &["MaskWrReg"], true),
    // 0x17 Read/Write Multiple Registers: the write happens before the read.
    op(23, "read_write_multiple_registers", &["RdWrMultRegs"], true),
    // 0x18 Read FIFO Queue.
    op(24, "read_fifo_queue", &["RdFIFOQueue"], false),
    // 0x2B Encapsulated Interface Transport (MEI; 0x0E Read Device Identification).
    op(
        43,
        "encapsulated_interface_transport",
        &["MEI", "encap_interface_transport", "read_device_identification"],
        false,
    ),
    // 0x5A Schneider UMAS (Unity/Control Expert). Carries reads as well as downloads and start/stop,
    // so the function code alone does not say control changed.
    op(90, "umas", &["unity"], false),
];

/// DNP3 application-layer function codes: IEEE 1815-2012 Table 4-1. Names as
/// Suricata's `dnp3_func` keyword and Zeek's `dnp3.log` `fc_request` give them.
const DNP3: &[Operation] = &[
    // 0x00 CONFIRM.
    op(0, "confirm", &[], false),
    // 0x01 READ.
    op(1, "read", &[], false),
    // 0x02 WRITE: writes objects (time, IIN, file, ...).
    op(2, "write", &[], true),
    // 0x03 SELECT: first half of select-before-operate on control outputs.
    op(3, "select", &[], true),
    // 0x04 OPERATE: second half of select-before-operate.
    op(4, "operate", &[], true),
    // 0x05 DIRECT_OPERATE: operate outputs without select.
    op(5, "direct_operate", &[], true),
    // 0x06 DIRECT_OPERATE_NR: direct operate, no response.
    op(6, "direct_operate_nr", &["direct_operate_no_ack", "direct_operate_no_response"], true),
    // 0x07 IMMED_FREEZE.
    op(7, "immed_freeze", &["immediate_freeze"], false),
    // 0x08 IMMED_FREEZE_NR.
    op(8, "immed_freeze_nr", &["immediate_freeze_nr"], false),
    // 0x09 FREEZE_CLEAR.
    op(9, "freeze_clear", &[], false),
    // 0x0A FREEZE_CLEAR_NR.
    op(10, "freeze_clear_nr", &[], false),
    // 0x0B FREEZE_AT_TIME.
    op(11, "freeze_at_time", &[], false),
    // 0x0C FREEZE_AT_TIME_NR.
    op(12, "freeze_at_time_nr", &[], false),
    // 0x0D COLD_RESTART: the outstation restarts completely.
    op(13, "cold_restart", &[], true),
    // 0x0E WARM_RESTART: the outstation restarts its application.
    op(14, "warm_restart", &[], true),
    // 0x0F INITIALIZE_DATA: resets static data to initial values.
    op(15, "initialize_data", &[], true),
    // 0x10 INITIALIZE_APPL: prepares an application to run.
    op(16, "initialize_appl", &["initialize_application"], true),
    // 0x11 START_APPL: starts an application.
    op(17, "start_appl", &["start_application"], true),
    // 0x12 STOP_APPL: stops an application.
    op(18, "stop_appl", &["stop_application"], true),
    // 0x13 SAVE_CONFIG (deprecated): stores the configuration the outstation runs after a restart.
    op(19, "save_config", &["save_configuration"], true),
    // 0x14 ENABLE_UNSOLICITED.
    op(20, "enable_unsolicited", &[], false),
    // 0x15 DISABLE_UNSOLICITED.
    op(21, "disable_unsolicited", &[], false),
    // 0x16 ASSIGN_CLASS.
    op(22, "assign_class", &[], false),
    // 0x17 DELAY_MEASURE.
    op(23, "delay_measure", &[], false),
    // 0x18 RECORD_CURRENT_TIME.
    op(24, "record_current_time", &[], false),
    // 0x19 OPEN_FILE.
    op(25, "open_file", &[], false),
    // 0x1A CLOSE_FILE.
    op(26, "close_file", &[], false),
    // 0x1B DELETE_FILE.
    op(27, "delete_file", &[], false),
    // 0x1C GET_FILE_INFO.
    op(28, "get_file_info", &[], false),
    // 0x1D AUTHENTICATE_FILE.
    op(29, "authenticate_file", &[], false),
    // 0x1E ABORT_FILE.
    op(30, "abort_file", &[], false),
    // 0x1F ACTIVATE_CONFIG: activates a configuration file sent to the outstation.
    op(31, "activate_config", &["activate_configuration"], true),
    // 0x20 AUTHENTICATE_REQ (secure authentication).
    op(32, "authenticate_req", &[], false),
    // 0x21 AUTH_REQ_NO_ACK (Suricata's dnp3_func calls it authenticate_err).
    op(33, "auth_req_no_ack", &["authenticate_err"], false),
    // 0x81 RESPONSE.
    op(129, "response", &[], false),
    // 0x82 UNSOLICITED_RESPONSE.
    op(130, "unsolicited_response", &[], false),
    // 0x83 AUTHENTICATE_RESP.
    op(131, "authenticate_resp", &[], false),
];

/// S7comm (S7-300/400 "S7 communication") job function codes, as Wireshark's
/// s7comm dissector and ICSNPP-S7comm name them.
const S7COMM: &[Operation] = &[
    // 0x00 CPU services (userdata).
    op(0x00, "cpu_services", &[], false),
    // 0x04 Read Var.
    op(0x04, "read_var", &[], false),
    // 0x05 Write Var: writes process variables / data blocks.
    op(0x05, "write_var", &[], true),
    // 0x1A Request Download: starts a block (logic) download.
    op(0x1a, "request_download", &[], true),
    // 0x1B Download Block.
    op(0x1b, "download_block", &[], true),
    // 0x1C Download Ended.
    op(0x1c, "download_ended", &[], true),
    // 0x1D Start Upload (reads blocks from the PLC).
    op(0x1d, "start_upload", &[], false),
    // 0x1E Upload.
    op(0x1e, "upload", &[], false),
    // 0x1F End Upload.
    op(0x1f, "end_upload", &[], false),
    // 0x28 PI-Service / PLC Control: start (hot/cold restart), insert or delete blocks, compress, copy RAM to ROM.
    op(0x28, "plc_control", &["pi_service", "start", "plc_start"], true),
    // 0x29 PLC Stop.
    op(0x29, "plc_stop", &["stop"], true),
    // 0xF0 Setup Communication.
    op(0xf0, "setup_communication", &["setup_comm"], false),
];

/// CIP service codes: ODVA CIP Vol. 1 Appendix A (common services) and the
/// Logix data-table services (Rockwell 1756-PM020). Aliases are the strings
/// Suricata logs in `enip.request.cip.service`.
const CIP: &[Operation] = &[
    // 0x01 Get_Attributes_All.
    op(0x01, "get_attributes_all", &[], false),
    // 0x02 Set_Attributes_All.
    op(0x02, "set_attributes_all", &[], true),
    // 0x03 Get_Attribute_List.
    op(0x03, "get_attribute_list", &[], false),
    // 0x04 Set_Attribute_List.
    op(0x04, "set_attribute_list", &[], true),
    // 0x05 Reset: resets the object / device (Identity object: power-cycle or factory reset).
    op(0x05, "reset", &[], true),
    // 0x06 Start.
    op(0x06, "start", &[], true),
    // 0x07 Stop.
    op(0x07, "stop", &[], true),
    // 0x08 Create.
    op(0x08, "create", &[], false),
    // 0x09 Delete.
    op(0x09, "delete", &[], false),
    // 0x0A Multiple_Service_Packet: the embedded services say what it does.
    op(0x0a, "multiple_service_packet", &[], false),
    // 0x0D Apply_Attributes.
    op(0x0d, "apply_attributes", &[], false),
    // 0x0E Get_Attribute_Single (Suricata: "Get Attributes Single").
    op(0x0e, "get_attribute_single", &["get_attributes_single"], false),
    // 0x10 Set_Attribute_Single (Suricata: "Set Attributes Single").
    op(0x10, "set_attribute_single", &["set_attributes_single"], true),
    // 0x11 Find_Next_Object_Instance.
    op(0x11, "find_next_object_instance", &[], false),
    // 0x15 Restore: restores attribute values from storage.
    op(0x15, "restore", &[], true),
    // 0x16 Save.
    op(0x16, "save", &[], false),
    // 0x18 Get_Member.
    op(0x18, "get_member", &[], false),
    // 0x19 Set_Member.
    op(0x19, "set_member", &[], true),
    // 0x4B Execute PCCC (PCCC object).
    op(0x4b, "execute_pccc", &["execute_pccc_service"], false),
    // 0x4C Read Tag (Logix; Suricata: "Read Data").
    op(0x4c, "read_tag", &["read_data"], false),
    // 0x4D Write Tag (Logix; Suricata: "Write Data").
    op(0x4d, "write_tag", &["write_data"], true),
    // 0x4E Read Modify Write Tag (Logix; Suricata: "Read Write Modify Data"). The same code is
    // Forward_Close on the Connection Manager, so the code alone is not trusted: by name only.
    by_name_only("read_modify_write_tag", &["read_write_modify_data"], true),
    // 0x52 Read Tag Fragmented (Logix; Suricata: "Read Data Fragmented"; Unconnected_Send on the Connection Manager).
    op(0x52, "read_tag_fragmented", &["read_data_fragmented"], false),
    // 0x53 Write Tag Fragmented (Logix; Suricata: "Write Data Fragmented").
    op(0x53, "write_tag_fragmented", &["write_data_fragmented"], true),
    // 0x54 Forward_Open (Connection Manager).
    op(0x54, "forward_open", &[], false),
];

/// IEC 60870-5-104 type identifications (IEC 60870-5-101/104 Table 8): the
/// control direction, commands and system commands.
const IEC104: &[Operation] = &[
    // 45 C_SC_NA_1 single command.
    op(45, "C_SC_NA_1", &["single_command"], true),
    // 46 C_DC_NA_1 double command.
    op(46, "C_DC_NA_1", &["double_command"], true),
    // 47 C_RC_NA_1 regulating step command.
    op(47, "C_RC_NA_1", &["regulating_step_command"], true),
    // 48 C_SE_NA_1 set point command, normalised value.
    op(48, "C_SE_NA_1", &[], true),
    // 49 C_SE_NB_1 set point command, scaled value.
    op(49, "C_SE_NB_1", &[], true),
    // 50 C_SE_NC_1 set point command, short floating point.
    op(50, "C_SE_NC_1", &[], true),
    // 51 C_BO_NA_1 bitstring of 32 bits.
    op(51, "C_BO_NA_1", &[], true),
    // 58 C_SC_TA_1 single command with time tag CP56Time2a.
    op(58, "C_SC_TA_1", &[], true),
    // 59 C_DC_TA_1 double command with time tag.
    op(59, "C_DC_TA_1", &[], true),
    // 60 C_RC_TA_1 regulating step command with time tag.
    op(60, "C_RC_TA_1", &[], true),
    // 61 C_SE_TA_1 set point, normalised, with time tag.
    op(61, "C_SE_TA_1", &[], true),
    // 62 C_SE_TB_1 set point, scaled, with time tag.
    op(62, "C_SE_TB_1", &[], true),
    // 63 C_SE_TC_1 set point, short float, with time tag.
    op(63, "C_SE_TC_1", &[], true),
    // 64 C_BO_TA_1 bitstring of 32 bits with time tag.
    op(64, "C_BO_TA_1", &[], true),
    // 70 M_EI_NA_1 end of initialisation.
    op(70, "M_EI_NA_1", &[], false),
    // 100 C_IC_NA_1 interrogation command.
    op(100, "C_IC_NA_1", &["interrogation"], false),
    // 101 C_CI_NA_1 counter interrogation command.
    op(101, "C_CI_NA_1", &["counter_interrogation"], false),
    // 102 C_RD_NA_1 read command.
    op(102, "C_RD_NA_1", &[], false),
    // 103 C_CS_NA_1 clock synchronisation command.
    op(103, "C_CS_NA_1", &["clock_synchronization"], false),
    // 104 C_TS_NA_1 test command.
    op(104, "C_TS_NA_1", &[], false),
    // 105 C_RP_NA_1 reset process command: restarts the outstation's process.
    op(105, "C_RP_NA_1", &["reset_process"], true),
    // 106 C_CD_NA_1 delay acquisition command.
    op(106, "C_CD_NA_1", &[], false),
    // 107 C_TS_TA_1 test command with time tag.
    op(107, "C_TS_TA_1", &[], false),
    // 110 P_ME_NA_1 parameter of measured value, normalised.
    op(110, "P_ME_NA_1", &[], false),
    // 111 P_ME_NB_1 parameter of measured value, scaled.
    op(111, "P_ME_NB_1", &[], false),
    // 112 P_ME_NC_1 parameter of measured value, short float.
    op(112, "P_ME_NC_1", &[], false),
    // 113 P_AC_NA_1 parameter activation.
    op(113, "P_AC_NA_1", &[], false),
];

/// MMS confirmed service request tags: ISO 9506-2 ConfirmedServiceRequest
/// (the tag numbers Wireshark's mms dissector and libIEC61850 use).
const MMS: &[Operation] = &[
    // [0] status.
    op(0, "status", &[], false),
    // [1] getNameList.
    op(1, "get_name_list", &[], false),
    // [2] identify.
    op(2, "identify", &[], false),
    // [4] read.
    op(4, "read", &[], false),
    // [5] write: writes variables (IEC 61850 control blocks, Oper for control objects).
    op(5, "write", &[], true),
    // [6] getVariableAccessAttributes.
    op(6, "get_variable_access_attributes", &[], false),
    // [12] getNamedVariableListAttributes.
    op(12, "get_named_variable_list_attributes", &[], false),
    // [26] initiateDownloadSequence: starts a domain (program) download.
    op(26, "initiate_download_sequence", &["download"], true),
    // [27] downloadSegment.
    op(27, "download_segment", &[], true),
    // [28] terminateDownloadSequence.
    op(28, "terminate_download_sequence", &[], true),
    // [29] initiateUploadSequence.
    op(29, "initiate_upload_sequence", &[], false),
    // [32] requestDomainDownload.
    op(32, "request_domain_download", &[], true),
    // [34] loadDomainContent.
    op(34, "load_domain_content", &[], true),
    // [36] deleteDomain.
    op(36, "delete_domain", &[], true),
    // [37] getDomainAttributes.
    op(37, "get_domain_attributes", &[], false),
    // [38] createProgramInvocation.
    op(38, "create_program_invocation", &[], true),
    // [39] deleteProgramInvocation.
    op(39, "delete_program_invocation", &[], true),
    // [40] start (program invocation).
    op(40, "start", &[], true),
    // [41] stop.
    op(41, "stop", &[], true),
    // [42] resume.
    op(42, "resume", &[], true),
    // [43] reset.
    op(43, "reset", &[], true),
    // [44] kill.
    op(44, "kill", &[], true),
    // [72] fileOpen.
    op(72, "file_open", &[], false),
    // [73] fileRead.
    op(73, "file_read", &[], false),
    // [77] fileDirectory.
    op(77, "file_directory", &[], false),
];

/// BACnet confirmed service choices: ASHRAE 135 clause 21,
/// BACnetConfirmedServiceChoice.
const BACNET: &[Operation] = &[
    // 0 acknowledgeAlarm.
    op(0, "acknowledge_alarm", &[], false),
    // 5 subscribeCOV.
    op(5, "subscribe_cov", &[], false),
    // 6 atomicReadFile.
    op(6, "atomic_read_file", &[], false),
    // 7 atomicWriteFile: writes a file object (configuration, firmware images).
    op(7, "atomic_write_file", &[], true),
    // 8 addListElement: modifies a list property.
    op(8, "add_list_element", &[], true),
    // 9 removeListElement.
    op(9, "remove_list_element", &[], true),
    // 10 createObject.
    op(10, "create_object", &[], true),
    // 11 deleteObject.
    op(11, "delete_object", &[], true),
    // 12 readProperty.
    op(12, "read_property", &[], false),
    // 14 readPropertyMultiple.
    op(14, "read_property_multiple", &[], false),
    // 15 writeProperty.
    op(15, "write_property", &[], true),
    // 16 writePropertyMultiple.
    op(16, "write_property_multiple", &[], true),
    // 17 deviceCommunicationControl: enables/disables a device's communication.
    op(17, "device_communication_control", &[], true),
    // 18 confirmedPrivateTransfer.
    op(18, "confirmed_private_transfer", &[], false),
    // 20 reinitializeDevice: warm/cold start, backup/restore.
    op(20, "reinitialize_device", &[], true),
    // 26 readRange.
    op(26, "read_range", &[], false),
    // 27 lifeSafetyOperation: silence, reset or unsilence life-safety points.
    op(27, "life_safety_operation", &[], true),
    // 29 getEventInformation.
    op(29, "get_event_information", &[], false),
];

/// OPC UA services, coded by the numeric NodeId of their request's binary
/// encoding (OPC 10000-6; the NodeIds.csv of the OPC Foundation).
const OPCUA: &[Operation] = &[
    // 461 CreateSessionRequest_Encoding_DefaultBinary.
    op(461, "create_session", &["CreateSession", "CreateSessionRequest"], false),
    // 467 ActivateSessionRequest_Encoding_DefaultBinary.
    op(467, "activate_session", &["ActivateSession", "ActivateSessionRequest"], false),
    // 488 AddNodesRequest: changes the address space.
    op(488, "add_nodes", &["AddNodes", "AddNodesRequest"], true),
    // 494 AddReferencesRequest.
    op(494, "add_references", &["AddReferences", "AddReferencesRequest"], true),
    // 500 DeleteNodesRequest.
    op(500, "delete_nodes", &["DeleteNodes", "DeleteNodesRequest"], true),
    // 506 DeleteReferencesRequest.
    op(506, "delete_references", &["DeleteReferences", "DeleteReferencesRequest"], true),
    // 527 BrowseRequest.
    op(527, "browse", &["Browse", "BrowseRequest"], false),
    // 631 ReadRequest.
    op(631, "read", &["Read", "ReadRequest"], false),
    // 664 HistoryReadRequest.
    op(664, "history_read", &["HistoryRead", "HistoryReadRequest"], false),
    // 673 WriteRequest: writes attribute values (setpoints, commands).
    op(673, "write", &["Write", "WriteRequest"], true),
    // 700 HistoryUpdateRequest: changes historical data.
    op(700, "history_update", &["HistoryUpdate", "HistoryUpdateRequest"], true),
    // 712 CallRequest: method calls (start, stop, any server-defined action).
    op(712, "call", &["Call", "CallRequest", "method_call"], true),
    // 787 CreateSubscriptionRequest.
    op(787, "create_subscription", &["CreateSubscription", "CreateSubscriptionRequest"], false),
    // 826 PublishRequest.
    op(826, "publish", &["Publish", "PublishRequest"], false),
];

/// Every operation Interlock knows of a protocol.
pub fn operations(p: Protocol) -> &'static [Operation] {
    match p {
        Protocol::Modbus => MODBUS,
        Protocol::Dnp3 => DNP3,
        Protocol::S7comm => S7COMM,
        Protocol::EtherNetIp => CIP,
        Protocol::Iec104 => IEC104,
        Protocol::Iec61850Mms => MMS,
        Protocol::Bacnet => BACNET,
        Protocol::OpcUa => OPCUA,
    }
}

/// A numeric code given as decimal text (`16`) or hexadecimal with `0x` (`0x10`).
fn code(s: &str) -> Option<u32> {
    match s.get(..2) {
        Some("0x" | "0X") => u32::from_str_radix(&s[2..], 16).ok(),
        _ if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        _ => None,
    }
}

/// The operation of a protocol named by `operation`: a numeric code (decimal
/// text, or hex with `0x`), its name or one of its aliases (compared ignoring
/// case and punctuation, so `WRITE_SINGLE_COIL`, `WrSingleCoil` and
/// `write single coil` all work).
pub fn operation(p: Protocol, operation: &str) -> Option<&'static Operation> {
    let s = operation.trim();
    let table = operations(p);
    match code(s) {
        Some(c) => table.iter().find(|o| o.code == Some(c)),
        None => table.iter().find(|o| same_name(o.name, s) || o.aliases.iter().any(|a| same_name(a, s))),
    }
}

/// Whether an operation of a protocol changes control: writes, commands,
/// logic downloads, start/stop, restarts, direct operate. Unknown operations
/// do not.
pub fn changes_control(p: Protocol, operation: &str) -> bool {
    self::operation(p, operation).is_some_and(|o| o.changes_control)
}

/// Whether an operation named without its protocol changes control in any
/// protocol Interlock knows. Names only: a bare number means different
/// things in different protocols and never matches.
pub fn name_changes_control(operation: &str) -> bool {
    let s = operation.trim();
    code(s).is_none() && Protocol::ALL.iter().any(|p| changes_control(*p, s))
}

/// Phrases in free text (a session's stated activity, a CSV description) that
/// say control was changed. Matched case-insensitively as whole words.
const CONTROL_PHRASES: &[&str] = &[
    // Logic / program downloads to a controller.
    "download",
    "downloaded",
    "downloading",
    "logic change",
    "logic update",
    "program change",
    "online edit",
    "online edits",
    // Firmware changes.
    "firmware",
    "flash",
    "flashed",
    // Writes, forces and setpoints.
    "write",
    "writes",
    "wrote",
    "force",
    "forced",
    "forces",
    "setpoint",
    "setpoints",
    "set point",
    "set points",
    // Controller mode changes.
    "run mode",
    "program mode",
    "remote run",
    "remote program",
    "plc stop",
    "plc start",
    "stop plc",
    "start plc",
    "controller stop",
    "cold restart",
    "warm restart",
    // Bypasses of interlocks and safety functions.
    "bypass",
    "bypassed",
    "override",
];

/// Whether free text describing an activity says it changed control (for
/// example "logic download to plc-filt-01" or "firmware update").
pub fn text_changes_control(text: &str) -> bool {
    CONTROL_PHRASES.iter().any(|p| contains_words(text, p))
}

/// `haystack` contains `phrase` (ASCII case-insensitive) with a non-alphanumeric
/// character or the text's end on both sides.
fn contains_words(haystack: &str, phrase: &str) -> bool {
    let h = haystack.as_bytes();
    let p = phrase.as_bytes();
    if p.is_empty() || h.len() < p.len() {
        return false;
    }
    (0..=h.len() - p.len()).any(|i| {
        h[i..i + p.len()].eq_ignore_ascii_case(p)
            && (i == 0 || !h[i - 1].is_ascii_alphanumeric())
            && h.get(i + p.len()).is_none_or(|c| !c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn ports() {
        assert_eq!(by_port(Some(Transport::Tcp), 502), Some(Protocol::Modbus));
        assert_eq!(by_port(Some(Transport::Tcp), 20000), Some(Protocol::Dnp3));
        assert_eq!(by_port(Some(Transport::Udp), 20000), Some(Protocol::Dnp3));
        assert_eq!(by_port(Some(Transport::Tcp), 102), Some(Protocol::S7comm));
        assert_eq!(by_port(Some(Transport::Udp), 102), None);
        assert_eq!(by_port(Some(Transport::Tcp), 44818), Some(Protocol::EtherNetIp));
        assert_eq!(by_port(Some(Transport::Udp), 2222), Some(Protocol::EtherNetIp));
        assert_eq!(by_port(Some(Transport::Tcp), 2222), None);
        assert_eq!(by_port(Some(Transport::Tcp), 2404), Some(Protocol::Iec104));
        assert_eq!(by_port(Some(Transport::Udp), 47808), Some(Protocol::Bacnet));
        assert_eq!(by_port(Some(Transport::Tcp), 47808), None);
        assert_eq!(by_port(Some(Transport::Tcp), 4840), Some(Protocol::OpcUa));
        assert_eq!(by_port(None, 47808), Some(Protocol::Bacnet));
        assert_eq!(by_port(None, 2404), Some(Protocol::Iec104));
        assert_eq!(by_port(Some(Transport::Icmp), 502), None);
        assert_eq!(by_port(Some(Transport::Other), 502), None);
        assert_eq!(by_port(Some(Transport::Tcp), 443), None);
        assert_eq!(by_port(None, 0), None);
    }

    #[test]
    fn names() {
        assert_eq!(by_name("modbus"), Some(Protocol::Modbus));
        assert_eq!(by_name("MODBUS"), Some(Protocol::Modbus));
        assert_eq!(by_name("dnp3"), Some(Protocol::Dnp3));
        assert_eq!(by_name("dnp3_tcp"), Some(Protocol::Dnp3));
        assert_eq!(by_name("s7comm"), Some(Protocol::S7comm));
        assert_eq!(by_name("s7comm-plus"), Some(Protocol::S7comm));
        assert_eq!(by_name("enip"), Some(Protocol::EtherNetIp));
        assert_eq!(by_name("cip"), Some(Protocol::EtherNetIp));
        assert_eq!(by_name("iec104"), Some(Protocol::Iec104));
        assert_eq!(by_name("iec60870_5_104"), Some(Protocol::Iec104));
        assert_eq!(by_name("mms"), Some(Protocol::Iec61850Mms));
        assert_eq!(by_name("bacnet"), Some(Protocol::Bacnet));
        assert_eq!(by_name("opcua"), Some(Protocol::OpcUa));
        assert_eq!(by_name("opc-ua"), Some(Protocol::OpcUa));
        assert_eq!(by_name("opcua_binary"), Some(Protocol::OpcUa));
        assert_eq!(by_name("spicy_dnp3"), Some(Protocol::Dnp3));
        for p in Protocol::ALL {
            assert_eq!(by_name(p.as_str()), Some(*p), "{}", p.as_str());
        }
    }

    #[test]
    fn name_lists() {
        assert_eq!(by_name("ssl,http"), None);
        assert_eq!(by_name("ssl,modbus"), Some(Protocol::Modbus));
        assert_eq!(by_name(" cotp , s7comm "), Some(Protocol::S7comm));
        assert_eq!(by_name("-modbus"), None, "a failed analyzer is not a statement");
        assert_eq!(by_name("-modbus,dnp3"), Some(Protocol::Dnp3));
        assert_eq!(by_name(""), None);
        assert_eq!(by_name(","), None);
        assert_eq!(by_name("-"), None);
        assert_eq!(by_name("modbusx"), None);
    }

    #[test]
    fn modbus_control() {
        for c in ["5", "6", "15", "16", "21", "22", "23", "0x10"] {
            assert!(changes_control(Protocol::Modbus, c), "{c}");
        }
        for c in ["1", "2", "3", "4", "8", "43", "90", "99", ""] {
            assert!(!changes_control(Protocol::Modbus, c), "{c}");
        }
        for n in [
            "write_single_coil",
            "WRITE_SINGLE_REGISTER",
            "write_multiple_coils",
            "write_multiple_registers",
            "mask_write_register",
            "READ_WRITE_MULTIPLE_REGISTERS",
            "WrMultRegs",
            "WrSingleCoil",
            "Write Single Coil",
        ] {
            assert!(changes_control(Protocol::Modbus, n), "{n}");
        }
        assert!(!changes_control(Protocol::Modbus, "read_holding_registers"));
        assert!(!changes_control(Protocol::Modbus, "RdCoils"));
        assert_eq!(operation(Protocol::Modbus, "WrMultRegs").map(|o| o.name), Some("write_multiple_registers"));
        assert_eq!(operation(Protocol::Modbus, "16").map(|o| o.name), Some("write_multiple_registers"));
    }

    #[test]
    fn dnp3_control() {
        for c in ["2", "3", "4", "5", "6", "13", "14", "17", "18"] {
            assert!(changes_control(Protocol::Dnp3, c), "{c}");
        }
        for c in ["0", "1", "7", "20", "129", "130"] {
            assert!(!changes_control(Protocol::Dnp3, c), "{c}");
        }
        for n in [
            "write",
            "select",
            "operate",
            "direct_operate",
            "DIRECT_OPERATE_NR",
            "cold_restart",
            "warm_restart",
            "stop_appl",
            "start_application",
        ] {
            assert!(changes_control(Protocol::Dnp3, n), "{n}");
        }
        assert!(!changes_control(Protocol::Dnp3, "READ"));
        assert_eq!(operation(Protocol::Dnp3, "5").map(|o| o.name), Some("direct_operate"));
        assert_eq!(operation(Protocol::Dnp3, "13").map(|o| o.name), Some("cold_restart"));
    }

    #[test]
    fn s7_cip_iec104_control() {
        for c in ["5", "26", "27", "28", "40", "41", "0x05", "0x1a", "0x1c", "0x28", "0x29"] {
            assert!(changes_control(Protocol::S7comm, c), "{c}");
        }
        for n in ["write_var", "request_download", "download_block", "download_ended", "plc_control", "plc_stop"] {
            assert!(changes_control(Protocol::S7comm, n), "{n}");
        }
        assert!(!changes_control(Protocol::S7comm, "read_var"));
        assert!(!changes_control(Protocol::S7comm, "4"));

        for c in ["16", "2", "77", "83", "5", "6", "7", "0x10", "0x4d", "0x53"] {
            assert!(changes_control(Protocol::EtherNetIp, c), "{c}");
        }
        for n in [
            "set_attribute_single",
            "Set Attributes Single",
            "set_attributes_all",
            "write_tag",
            "Write Data",
            "write_tag_fragmented",
            "Write Data Fragmented",
            "Read Write Modify Data",
            "reset",
            "start",
            "stop",
        ] {
            assert!(changes_control(Protocol::EtherNetIp, n), "{n}");
        }
        assert!(!changes_control(Protocol::EtherNetIp, "Read Data"));
        assert!(!changes_control(Protocol::EtherNetIp, "0x4e"), "0x4E is Forward_Close on the Connection Manager");
        assert!(!changes_control(Protocol::EtherNetIp, "Get Attributes All"));

        for c in (45..=51).chain(58..=64).chain([105]) {
            assert!(changes_control(Protocol::Iec104, &c.to_string()), "{c}");
        }
        for c in [1, 13, 36, 100, 101, 102, 103, 104, 106, 107] {
            assert!(!changes_control(Protocol::Iec104, &c.to_string()), "{c}");
        }
        assert!(changes_control(Protocol::Iec104, "C_SC_NA_1"));
        assert!(changes_control(Protocol::Iec104, "c_se_nc_1"));
        assert!(changes_control(Protocol::Iec104, "C_RP_NA_1"));
        assert!(!changes_control(Protocol::Iec104, "C_IC_NA_1"));
    }

    #[test]
    fn mms_bacnet_opcua_control() {
        for n in [
            "write",
            "download",
            "initiate_download_sequence",
            "initiateDownloadSequence",
            "start",
            "stop",
            "reset",
            "delete_program_invocation",
        ] {
            assert!(changes_control(Protocol::Iec61850Mms, n), "{n}");
        }
        assert!(!changes_control(Protocol::Iec61850Mms, "read"));
        assert!(changes_control(Protocol::Iec61850Mms, "5"));

        for n in ["writeProperty", "writePropertyMultiple", "reinitializeDevice", "deviceCommunicationControl", "15"] {
            assert!(changes_control(Protocol::Bacnet, n), "{n}");
        }
        assert!(!changes_control(Protocol::Bacnet, "readProperty"));

        for n in ["Write", "Call", "WriteRequest", "673", "712"] {
            assert!(changes_control(Protocol::OpcUa, n), "{n}");
        }
        assert!(!changes_control(Protocol::OpcUa, "Read"));
        assert!(!changes_control(Protocol::OpcUa, "Browse"));
    }

    #[test]
    fn tables_are_consistent() {
        for p in Protocol::ALL {
            let table = operations(*p);
            for (i, a) in table.iter().enumerate() {
                assert!(!a.name.is_empty());
                for b in &table[i + 1..] {
                    assert!(a.code.is_none() || a.code != b.code, "{p:?}: code {:?} twice", a.code);
                    assert!(!same_name(a.name, b.name), "{p:?}: {} twice", a.name);
                }
                // Every name and alias finds its own entry.
                assert_eq!(operation(*p, a.name), Some(a), "{p:?} {}", a.name);
                for alias in a.aliases {
                    assert_eq!(operation(*p, alias).map(|o| o.name), Some(a.name), "{p:?} {alias}");
                }
                if let Some(c) = a.code {
                    assert_eq!(operation(*p, &c.to_string()), Some(a));
                }
            }
        }
    }

    #[test]
    fn names_without_protocol() {
        assert!(name_changes_control("write_multiple_registers"));
        assert!(name_changes_control("direct_operate"));
        assert!(!name_changes_control("read_coils"));
        assert!(!name_changes_control("5"), "a bare number needs its protocol");
        assert!(!name_changes_control(""));
    }

    #[test]
    fn free_text() {
        assert!(text_changes_control("logic download to plc-filt-01"));
        assert!(text_changes_control("Firmware update, PowerFlex 755"));
        assert!(text_changes_control("changed setpoint for HSP-2"));
        assert!(text_changes_control("PLC STOP for maintenance"));
        assert!(!text_changes_control("reviewed alarms"));
        assert!(!text_changes_control("rewrite of the report"), "whole words only");
        assert!(!text_changes_control("upload of the project for backup"));
        assert!(!text_changes_control(""));
    }
}
