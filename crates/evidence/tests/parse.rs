//! The activity readers over hand-written samples of each format
//! (tests/samples/), over arbitrary and mutated input, and over large
//! generated streams.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, BufRead, BufReader, Cursor, Read};

use evidence::activity::{Activity, Format, LineError, Protocol, Recognised, Transport};
use evidence::parse;
use proptest::prelude::*;
use proptest::sample::Index;

const CONN_LOG: &str = include_str!("samples/conn.log");
const CONN_JSON: &str = include_str!("samples/conn.json");
const EVE_JSON: &str = include_str!("samples/eve.json");
const SESSIONS: &str = include_str!("samples/sessions.jsonl");
const ACTIVITY_CSV: &str = include_str!("samples/activity.csv");

const SAMPLES: [(Format, &str, &str); 5] = [
    (Format::Zeek, "conn.log", CONN_LOG),
    (Format::Zeek, "conn.json", CONN_JSON),
    (Format::Suricata, "eve.json", EVE_JSON),
    (Format::Sessions, "sessions.jsonl", SESSIONS),
    (Format::Csv, "activity.csv", ACTIVITY_CSV),
];

/// 2026-11-26T14:00:00Z, in microseconds.
const T0: i64 = 1_795_701_600_000_000;
const SECOND: i64 = 1_000_000;

fn read_all(format: Format, input: &str) -> (Vec<Activity>, Vec<LineError>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for item in parse::read(format, Cursor::new(input.to_owned().into_bytes())) {
        match item {
            Ok(a) => good.push(a),
            Err(e) => bad.push(e),
        }
    }
    (good, bad)
}

fn errors(list: &[LineError]) -> Vec<(u64, &str)> {
    list.iter().map(|e| (e.line, e.reason.as_str())).collect()
}

fn at(good: &[Activity], line: u64) -> &Activity {
    good.iter().find(|a| a.line == line).unwrap_or_else(|| panic!("no activity read from line {line}"))
}

// ---------------------------------------------------------------- samples

#[test]
fn zeek_tsv_sample() {
    let (good, bad) = read_all(Format::Zeek, CONN_LOG);
    assert_eq!(good.len(), 10);
    assert_eq!(
        errors(&bad),
        [
            (15, "expected 21 tab-separated fields (per #fields), found 20"),
            (18, "field ts: \"2026-11-26T14:13:00\" is not a Unix time in seconds"),
        ]
    );
    assert_eq!(good.iter().map(|a| a.line).collect::<Vec<_>>(), [9, 10, 11, 12, 13, 14, 16, 17, 19, 20]);
    assert!(good.iter().all(|a| a.format == Format::Zeek && !a.changes_control && a.operation.is_none()));

    // Modbus on 502, stated by Zeek's service.
    let modbus = at(&good, 12);
    assert_eq!(modbus.start, T0 + 400 * SECOND + 31);
    assert_eq!(modbus.end, Some(modbus.start + 2_117_004));
    assert_eq!(modbus.src.as_deref(), Some("10.30.2.31"));
    assert_eq!(modbus.src_port, Some(52011));
    assert_eq!(modbus.dst.as_deref(), Some("10.30.16.10"));
    assert_eq!(modbus.dst_port, Some(502));
    assert_eq!(modbus.transport, Some(Transport::Tcp));
    assert_eq!(modbus.protocol, Some((Protocol::Modbus, Recognised::Stated)));

    assert_eq!(at(&good, 13).protocol, Some((Protocol::Dnp3, Recognised::Stated)));
    assert_eq!(at(&good, 14).protocol, Some((Protocol::S7comm, Recognised::Stated)));
    assert_eq!(at(&good, 11).protocol, Some((Protocol::EtherNetIp, Recognised::Stated)));
    // IT flows: rdp and ssl are not industrial protocols, and 3389/443 are no industrial ports.
    assert_eq!(at(&good, 9).protocol, None);
    assert_eq!(at(&good, 10).protocol, None);
    assert_eq!(at(&good, 10).dst.as_deref(), Some("172.16.35.10"));

    // The uninventoried host: service and duration unset, recognised by port, no end.
    let rogue = at(&good, 16);
    assert_eq!(rogue.src.as_deref(), Some("10.30.2.77"));
    assert_eq!(rogue.protocol, Some((Protocol::Modbus, Recognised::Port)));
    assert_eq!(rogue.end, None);
    assert_eq!(rogue.start, T0 + 721 * SECOND + 700_412);

    // ICMP: the type and code Zeek logs as ports are not ports.
    let ping = at(&good, 17);
    assert_eq!(ping.transport, Some(Transport::Icmp));
    assert_eq!((ping.src_port, ping.dst_port, ping.protocol), (None, None, None));

    // OPC UA by port alone.
    assert_eq!(at(&good, 19).protocol, Some((Protocol::OpcUa, Recognised::Port)));
}

#[test]
fn zeek_json_sample() {
    let (good, bad) = read_all(Format::Zeek, CONN_JSON);
    assert_eq!(good.len(), 6);
    assert_eq!(errors(&bad), [(5, "not valid JSON: EOF while parsing a string (column 161)")]);
    let modbus = at(&good, 2);
    assert_eq!(modbus.start, T0 + 400 * SECOND + 31);
    assert_eq!(modbus.end, Some(modbus.start + 2_117_004));
    assert_eq!(modbus.protocol, Some((Protocol::Modbus, Recognised::Stated)));
    // ts as an ISO 8601 string; unset fields are absent in Zeek's JSON.
    let rogue = at(&good, 4);
    assert_eq!(rogue.start, 1_795_702_321_700_412);
    assert_eq!(rogue.end, None);
    assert_eq!(rogue.protocol, Some((Protocol::Modbus, Recognised::Port)));
    assert_eq!(at(&good, 6).protocol, Some((Protocol::S7comm, Recognised::Stated)));
    assert_eq!(at(&good, 7).protocol, Some((Protocol::OpcUa, Recognised::Port)));

    // The same records as TSV and as JSON read the same.
    let (tsv, _) = read_all(Format::Zeek, CONN_LOG);
    for (json_line, tsv_line) in [(1, 9), (2, 12), (3, 13), (6, 14), (7, 19)] {
        let (j, t) = (at(&good, json_line), at(&tsv, tsv_line));
        assert_eq!(
            (j.start, j.end, &j.src, j.src_port, &j.dst, j.dst_port, j.transport, j.protocol),
            (t.start, t.end, &t.src, t.src_port, &t.dst, t.dst_port, t.transport, t.protocol),
            "conn.json line {json_line} against conn.log line {tsv_line}"
        );
    }
}

#[test]
fn suricata_sample() {
    let (good, bad) = read_all(Format::Suricata, EVE_JSON);
    // dns (6), stats (8) and tls (11) are skipped without error.
    assert_eq!(good.iter().map(|a| a.line).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 7]);
    assert_eq!(
        errors(&bad),
        [
            (9, "not valid JSON: EOF while parsing a string (column 300)"),
            (
                10,
                "field timestamp: \"26/Nov/2026:08:30:00 -0600\" is not an RFC 3339 time (the date is not YYYY-MM-DD)"
            ),
        ]
    );

    let alert = at(&good, 1);
    assert_eq!(alert.alert.as_deref(), Some("LOCAL OT Modbus write from a host outside the engineering allowlist"));
    assert_eq!(alert.start, 1_795_702_322_118_204);
    assert_eq!(alert.end, None);
    assert_eq!(alert.src.as_deref(), Some("10.30.2.77"));
    assert_eq!(alert.protocol, Some((Protocol::Modbus, Recognised::Stated)));
    assert_eq!(alert.operation.as_deref(), Some("write_multiple_registers"));
    assert!(alert.changes_control);

    let flow = at(&good, 2);
    assert_eq!(flow.start, 1_795_701_903_201_455);
    assert_eq!(flow.end, Some(1_795_702_515_241_584));
    assert_eq!(flow.protocol, Some((Protocol::EtherNetIp, Recognised::Stated)));
    assert_eq!((flow.operation.as_deref(), flow.changes_control, flow.alert.as_deref()), (None, false, None));

    let write = at(&good, 3);
    assert_eq!(write.operation.as_deref(), Some("write_multiple_registers"));
    assert!(write.changes_control);
    assert_eq!(write.transport, Some(Transport::Tcp));

    let operate = at(&good, 4);
    assert_eq!(operate.start, 1_795_702_036_004_310);
    assert_eq!(operate.dst.as_deref(), Some("10.30.19.10"));
    assert_eq!(operate.protocol, Some((Protocol::Dnp3, Recognised::Stated)));
    assert_eq!(operate.operation.as_deref(), Some("direct_operate"));
    assert!(operate.changes_control);

    let restart = at(&good, 5);
    assert_eq!(restart.src.as_deref(), Some("10.30.2.77"));
    assert_eq!(restart.operation.as_deref(), Some("cold_restart"));
    assert!(restart.changes_control);

    let cip = at(&good, 7);
    assert_eq!(cip.protocol, Some((Protocol::EtherNetIp, Recognised::Stated)));
    assert_eq!(cip.operation.as_deref(), Some("write_tag"));
    assert!(cip.changes_control);
}

#[test]
fn sessions_sample() {
    let (good, bad) = read_all(Format::Sessions, SESSIONS);
    assert_eq!(good.iter().map(|a| a.line).collect::<Vec<_>>(), [1, 2, 3, 5, 6]);
    assert_eq!(
        errors(&bad),
        [(7, "field start: \"2026-11-26 late morning\" is not an RFC 3339 time (the time is not hh:mm:ss)")]
    );

    let review = at(&good, 1);
    assert_eq!(review.user.as_deref(), Some("CORP\\v-ridgeline"));
    assert_eq!(review.src.as_deref(), Some("198.51.100.40"));
    assert_eq!(review.dst.as_deref(), Some("ews-01"));
    assert_eq!(review.pathway.as_deref(), Some("vpn-corp-01 > jump-dmz-01"));
    assert!(!review.changes_control);

    let download = at(&good, 2);
    assert_eq!(download.start, 1_795_707_900_000_000);
    assert_eq!(download.end, Some(1_795_710_005_000_000));
    assert_eq!(download.note.as_deref(), Some("Logic download to plc-filt-01 (backwash timer change, ticket RB-4471)"));
    assert!(download.changes_control);

    // The dormant legacy account, still connected: no end.
    let legacy = at(&good, 3);
    assert_eq!(legacy.user.as_deref(), Some("rcs_upgrade2019"));
    assert_eq!(legacy.start, 1_795_680_891_000_000);
    assert_eq!(legacy.end, None);
    assert_eq!(legacy.note, None);
    assert_eq!(legacy.pathway.as_deref(), Some("vpn-corp-01"));

    assert_eq!(at(&good, 6).user.as_deref(), Some("keystone-bosei"));
    assert!(good.iter().all(|a| a.protocol.is_none() && a.format == Format::Sessions));
}

#[test]
fn csv_sample() {
    let (good, bad) = read_all(Format::Csv, ACTIVITY_CSV);
    // The record on line 3 spans lines 3-4; line 6 is blank.
    assert_eq!(good.iter().map(|a| a.line).collect::<Vec<_>>(), [2, 3, 5, 8]);
    assert_eq!(
        errors(&bad),
        [(
            7,
            "field timestamp: \"26/11/2026 14:31\" is not an RFC 3339 time or Unix seconds (the date is not YYYY-MM-DD)"
        )]
    );

    let setpoint = at(&good, 2);
    assert_eq!(setpoint.start, 1_795_702_000_000_000);
    assert_eq!(setpoint.end, Some(1_795_702_002_000_000));
    assert_eq!(setpoint.protocol, Some((Protocol::Modbus, Recognised::Stated)));
    assert_eq!(setpoint.operation.as_deref(), Some("write_single_register"));
    assert!(setpoint.changes_control);
    assert_eq!(setpoint.user.as_deref(), Some("CORP\\eschmidt"));
    assert_eq!(setpoint.note.as_deref(), Some("High-service pump 2 speed setpoint, 85% to 70%"));

    let tags = at(&good, 3);
    assert_eq!(tags.start, 1_795_702_800_000_000);
    assert_eq!(tags.note.as_deref(), Some("Unknown laptop wrote tags:\nFILT5_BW_TIMER and FILT6_BW_TIMER"));
    assert_eq!(tags.operation.as_deref(), Some("write_tag"));
    assert!(tags.changes_control);
    assert_eq!(tags.user, None);

    let online = at(&good, 5);
    assert_eq!(online.start, T0 + 1200 * SECOND);
    assert_eq!(online.protocol, Some((Protocol::EtherNetIp, Recognised::Port)));
    assert_eq!(online.operation, None);
    assert_eq!(online.note.as_deref(), Some("Online edit session, Studio 5000 \"Filters_1_4\" project"));
    assert!(online.changes_control, "an online edit changes control");

    let poll = at(&good, 8);
    assert_eq!(poll.start, 1_795_704_000_000_000);
    assert_eq!(poll.protocol, Some((Protocol::OpcUa, Recognised::Stated)));
    assert_eq!(poll.operation.as_deref(), Some("read"));
    assert!(!poll.changes_control);
}

#[test]
fn line_endings_do_not_matter() {
    for (format, name, text) in SAMPLES {
        let lf = text.replace("\r\n", "\n");
        let crlf = lf.replace('\n', "\r\n");
        assert_eq!(read_all(format, &lf), read_all(format, &crlf), "{name}");
    }
}

#[test]
fn readers_by_format_agree_with_the_functions() {
    fn direct(format: Format, text: &'static str) -> Vec<Result<Activity, LineError>> {
        let r = text.as_bytes();
        match format {
            Format::Zeek => parse::zeek(r).collect(),
            Format::Suricata => parse::suricata(r).collect(),
            Format::Sessions => parse::sessions(r).collect(),
            Format::Csv => parse::csv(r).collect(),
        }
    }
    for (format, name, text) in SAMPLES {
        let boxed: Vec<_> = parse::read(format, text.as_bytes()).collect();
        assert_eq!(boxed, direct(format, text), "{name}");
    }
}

// ---------------------------------------------------------------- I/O errors

/// A reader that gives `data`, then fails.
struct FailsAfter {
    data: Cursor<Vec<u8>>,
}

impl Read for FailsAfter {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.data.read(buf)? {
            0 => Err(io::Error::other("disk went away")),
            n => Ok(n),
        }
    }
}

#[test]
fn an_io_error_ends_the_iteration_with_one_error() {
    for (format, name, text) in SAMPLES {
        let reader = BufReader::new(FailsAfter { data: Cursor::new(text.as_bytes().to_vec()) });
        let items: Vec<_> = parse::read(format, reader).collect();
        let (good, _) = read_all(format, text);
        let last = items.last().and_then(|r| r.as_ref().err()).unwrap_or_else(|| panic!("{name}: no final error"));
        assert!(last.reason.starts_with("read error: disk went away"), "{name}: {last}");
        assert_eq!(items.iter().filter(|r| r.is_ok()).count(), good.len(), "{name}");
        assert_eq!(items.iter().filter(|r| r.as_ref().is_err_and(|e| e.reason.starts_with("read error"))).count(), 1);
    }
}

// ---------------------------------------------------------------- streaming

/// A `Read` producing lines from an iterator, never holding more than one.
struct Generated<I> {
    lines: I,
    current: Vec<u8>,
    at: usize,
}

impl<I: Iterator<Item = String>> Generated<I> {
    fn new(lines: I) -> BufReader<Self> {
        BufReader::new(Generated { lines, current: Vec::new(), at: 0 })
    }
}

impl<I: Iterator<Item = String>> Read for Generated<I> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            match self.lines.next() {
                Some(line) => {
                    self.current = line.into_bytes();
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn zeek_streams_a_large_log() {
    const RECORDS: u64 = 200_000;
    let header = CONN_LOG.lines().take_while(|l| l.starts_with('#')).map(|l| format!("{l}\n"));
    let records = (0..RECORDS).map(|i| {
        let service = if i % 3 == 0 { "modbus" } else { "-" };
        let ip = format!("10.30.{}.{}", (i / 250) % 250, i % 250 + 1);
        format!(
            "{}.{:06}\tC{i:016}\t{ip}\t{}\t10.30.16.10\t502\ttcp\t{service}\t0.5\t10\t10\tSF\tT\tT\t0\tShADadFf\t1\t1\t1\t1\t-\n",
            1_795_701_600 + i,
            i % 1_000_000,
            40_000 + i % 20_000,
        )
    });
    let reader = Generated::new(header.chain(records).chain(std::iter::once("#close\t2026-11-27-00-00-00\n".into())));
    let (mut count, mut stated, mut last_line, mut last_start) = (0u64, 0u64, 0u64, 0i64);
    for item in parse::zeek(reader) {
        let a = item.unwrap_or_else(|e| panic!("{e}"));
        count += 1;
        stated += u64::from(a.protocol == Some((Protocol::Modbus, Recognised::Stated)));
        assert!(a.line > last_line && a.start > last_start);
        assert_eq!(a.end, Some(a.start + 500_000));
        (last_line, last_start) = (a.line, a.start);
    }
    assert_eq!(count, RECORDS);
    assert_eq!(stated, RECORDS.div_ceil(3));
    assert_eq!(last_line, 8 + RECORDS);
}

#[test]
fn csv_streams_multi_line_records() {
    const RECORDS: u64 = 50_000;
    let header = std::iter::once("time,src,dst,port,description\r\n".to_string());
    let rows = (0..RECORDS).map(|i| {
        // Every fifth record has a description over three lines.
        let note =
            if i % 5 == 0 { "\"first, line\r\nsecond \"\"line\"\"\r\nthird\"".to_string() } else { format!("n{i}") };
        format!("{},10.30.2.30,10.30.13.10,44818,{note}\r\n", 1_795_701_600 + i)
    });
    let mut count = 0u64;
    let mut last_line = 0u64;
    for item in parse::csv(Generated::new(header.chain(rows))) {
        let a = item.unwrap_or_else(|e| panic!("{e}"));
        count += 1;
        last_line = a.line;
        assert_eq!(a.protocol, Some((Protocol::EtherNetIp, Recognised::Port)));
    }
    assert_eq!(count, RECORDS);
    // One header line, four single-line records and one three-line record in each five.
    assert_eq!(last_line, 1 + (RECORDS / 5) * 7);
}

#[test]
fn suricata_streams_and_skips() {
    const EVENTS: u64 = 50_000;
    let events = (0..EVENTS).map(|i| match i % 4 {
        0 => format!(
            "{{\"timestamp\":\"2026-11-26T08:00:00.{:06}-0600\",\"event_type\":\"modbus\",\"src_ip\":\"10.30.2.31\",\"dest_ip\":\"10.30.16.10\",\"dest_port\":502,\"proto\":\"TCP\",\"modbus\":{{\"request\":{{\"function_raw\":{},\"function_code\":\"x\"}}}}}}\n",
            i % 1_000_000,
            if i % 8 == 0 { 16 } else { 3 }
        ),
        1 => "{\"timestamp\":\"2026-11-26T08:00:00-0600\",\"event_type\":\"dns\",\"dns\":{}}\n".into(),
        2 => "{\"timestamp\":\"2026-11-26T08:00:00-0600\",\"event_type\":\"stats\",\"stats\":{\"uptime\":1}}\n".into(),
        _ => "{\"timestamp\":\"2026-11-26T08:00:01-0600\",\"event_type\":\"flow\",\"proto\":\"UDP\",\"dest_port\":47808}\n".into(),
    });
    let (mut modbus, mut writes, mut flows) = (0u64, 0u64, 0u64);
    for item in parse::suricata(Generated::new(events)) {
        let a = item.unwrap_or_else(|e| panic!("{e}"));
        match a.protocol {
            Some((Protocol::Modbus, Recognised::Stated)) => {
                modbus += 1;
                writes += u64::from(a.changes_control);
            }
            Some((Protocol::Bacnet, Recognised::Port)) => flows += 1,
            other => panic!("line {}: {other:?}", a.line),
        }
    }
    assert_eq!((modbus, writes, flows), (EVENTS / 4, EVENTS / 8, EVENTS / 4));
}

// ---------------------------------------------------------------- robustness

/// Whatever the input: no panic, items in line order, every line number within the input.
fn check_invariants(format: Format, input: &[u8]) -> Result<(), TestCaseError> {
    let physical_lines = input.split(|b| *b == b'\n').count() as u64;
    let mut last = 0u64;
    for item in parse::read(format, Cursor::new(input.to_vec())) {
        let line = match &item {
            Ok(a) => a.line,
            Err(e) => {
                prop_assert!(!e.reason.is_empty());
                e.line
            }
        };
        prop_assert!(line > last, "{format:?}: line {line} after {last}");
        prop_assert!(line <= physical_lines, "{format:?}: line {line} of {physical_lines}");
        last = line;
    }
    Ok(())
}

/// Line-ish text made of the characters the formats care about.
fn format_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[\\t{}\\[\\]\":,0-9a-z.#\\- \\\\]{0,40}",
            Just("#separator \\x09".to_string()),
            Just("#fields\tts\tid.orig_h\tid.resp_p\tproto\tservice\tduration".to_string()),
            Just("{\"ts\":1795701600,\"event_type\":\"modbus\",\"modbus\":{\"request\":{}}}".to_string()),
            Just("time,src,dst,port".to_string()),
            Just("\"".to_string()),
            "\\PC{0,30}",
        ],
        0..30,
    )
    .prop_map(|lines| lines.join("\n"))
}

/// One change to a line: cut a piece out, insert text, replace a character, or cut the line short.
fn mutate(line: &str, kind: u8, at: Index, len: usize, text: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let i = if chars.is_empty() { 0 } else { at.index(chars.len() + 1) };
    let (head, tail) = chars.split_at(i.min(chars.len()));
    let head: String = head.iter().collect();
    match kind % 4 {
        0 => format!("{head}{}", tail.iter().skip(len).collect::<String>()),
        1 => format!("{head}{text}{}", tail.iter().collect::<String>()),
        2 => format!("{head}{text}{}", tail.iter().skip(1).collect::<String>()),
        _ => head,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for format in Format::ALL {
            check_invariants(*format, &bytes)?;
        }
    }

    #[test]
    fn random_lines_never_panic(text in format_text()) {
        for format in Format::ALL {
            check_invariants(*format, text.as_bytes())?;
        }
    }

    #[test]
    fn mutated_samples_never_panic(
        sample in 0..SAMPLES.len(),
        line in any::<Index>(),
        at in any::<Index>(),
        kind in any::<u8>(),
        len in 0usize..40,
        text in prop_oneof!["\\PC{0,6}", "[\\t,\"{}:\\\\]{1,3}", Just("\n".to_string())],
        mutations in 1usize..4,
    ) {
        let (format, _, original) = SAMPLES[sample];
        let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
        for m in 0..mutations {
            let target = line.index(lines.len());
            lines[target] = mutate(&lines[target], kind.wrapping_add(m as u8), at, len, &text);
        }
        let input = lines.join("\n");
        check_invariants(format, input.as_bytes())?;
        // Never more items than lines.
        let (good, bad) = read_all(format, &input);
        prop_assert!(good.len() + bad.len() <= input.lines().count());
        // In eve.json and session logs every line stands alone: the lines not touched still read.
        if matches!(format, Format::Suricata | Format::Sessions) {
            let (before, _) = read_all(format, original);
            prop_assert!(good.len() + mutations >= before.len(), "{} good of {}", good.len(), before.len());
        }
    }

    #[test]
    fn zeek_tsv_field_order_does_not_matter(seed in any::<u64>()) {
        // Shuffle the columns of the sample (header and records alike): every record reads the same.
        let rows: Vec<Vec<&str>> = CONN_LOG
            .lines()
            .filter(|l| l.starts_with("#fields") || !l.starts_with('#'))
            .map(|l| l.split('\t').collect())
            .collect();
        let width = rows[0].len() - 1;
        let mut order: Vec<usize> = (0..width).collect();
        let mut state = seed | 1;
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let mut text = String::from("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n");
        for (n, row) in rows.iter().enumerate() {
            let (lead, cells) = if n == 0 { (Some("#fields"), &row[1..]) } else { (None, &row[..]) };
            if cells.len() != width {
                continue; // the sample's short line
            }
            let shuffled: Vec<&str> = lead.into_iter().chain(order.iter().map(|i| cells[*i])).collect();
            text.push_str(&shuffled.join("\t"));
            text.push('\n');
        }
        let (good, _) = read_all(Format::Zeek, &text);
        let (expected, _) = read_all(Format::Zeek, CONN_LOG);
        prop_assert_eq!(good.len(), expected.len());
        for (g, e) in good.iter().zip(&expected) {
            prop_assert_eq!(
                (g.start, g.end, &g.src, g.src_port, &g.dst, g.dst_port, g.transport, g.protocol),
                (e.start, e.end, &e.src, e.src_port, &e.dst, e.dst_port, e.transport, e.protocol)
            );
        }
    }
}

#[test]
fn readers_accept_any_bufread() {
    // A BufReader over a slice, with a tiny buffer: lines cross buffer boundaries.
    for (format, name, text) in SAMPLES {
        let small = BufReader::with_capacity(7, text.as_bytes());
        let got: Vec<_> = parse::read(format, small).collect();
        let want: Vec<_> = parse::read(format, text.as_bytes()).collect();
        assert_eq!(got, want, "{name}");
    }
    fn takes_bufread<R: BufRead>(r: R) -> usize {
        parse::zeek(r).count()
    }
    assert_eq!(takes_bufread(CONN_LOG.as_bytes()), 12);
}
