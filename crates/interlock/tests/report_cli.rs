#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `interlock report`: the after-action report, the ICS 201, 209 and 214
//! records and the STIX 2.1 bundle of a scripted incident on the example
//! site, driven through the binary with the clock set per command
//! (INTERLOCK_NOW). The STIX bundle is checked by the official validator when
//! INTERLOCK_STIX_VALIDATOR names it (skipped loudly otherwise; a failure
//! under INTERLOCK_REQUIRE_STIX=1, which `.ci/run` sets).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")
}

fn at(minute: u32) -> String {
    format!("2026-11-26T{:02}:{:02}:00-06:00", 8 + minute / 60, minute % 60)
}

const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli { dir: tempfile::tempdir().unwrap() }
    }

    fn run(&self, user: &str, minute: u32, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
        cmd.args(args).arg("--data").arg(self.dir.path().join("data"));
        cmd.env("INTERLOCK_SITE", site()).env("INTERLOCK_USER", user).env("INTERLOCK_NOW", at(minute));
        cmd.env_remove("INTERLOCK_DATABASE_URL");
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, user: &str, minute: u32, args: &[&str]) -> String {
        let (code, out, err) = self.run(user, minute, args);
        assert_eq!(code, 0, "interlock {args:?} as {user}: {out}{err}");
        out
    }

    /// Runs a recording command and returns the event number it printed ("INC-... #N kind recorded").
    fn seq(&self, user: &str, minute: u32, args: &[&str]) -> String {
        let out = self.ok(user, minute, args);
        out.split_whitespace().nth(1).unwrap().trim_start_matches('#').to_string()
    }

    fn report(&self, minute: u32, id: &str, extra: &[&str]) -> String {
        let mut args = vec!["report", id];
        args.extend_from_slice(extra);
        self.ok("tnguyen", minute, &args)
    }
}

/// The event numbers of the scripted incident.
struct Script {
    id: String,
    evidence: String,
    custody: String,
    hypothesis: String,
    kill: String,
    kill_approved: String,
    isolate: String,
    isolate_rejected: String,
    offline: String,
    overridden: String,
    decision: String,
}

/// A vendor session on the engineering workstation: evidence with custody, a
/// hypothesis, an action approved in 12 minutes and then only partly applied,
/// one that IT and OT disagree on and the commander decides, an emergency
/// override, a recorded decision with dissent, a note with markup in it.
fn script(c: &Cli) -> Script {
    let id = c
        .ok(
            "mgarcia",
            0,
            &[
                "incident",
                "open",
                "--title",
                "Vendor session on ews-01 at 02:10",
                "--summary",
                "Ridgeline session outside any work order; logic download in progress",
                "--declare",
                "--reason",
                "unexplained engineering access",
            ],
        )
        .trim()
        .to_string();
    c.ok("mgarcia", 1, &["incident", "status", &id, "--phase", "contain", "--reason", "cut the session"]);
    c.ok("mgarcia", 2, &["incident", "assign", &id, "ot-lead", "eschmidt", "--reason", "on shift"]);
    c.ok("mgarcia", 2, &["incident", "assign", &id, "it-lead", "psharma", "--reason", "on call"]);
    c.ok(
        "tnguyen",
        3,
        &[
            "incident",
            "observe",
            &id,
            "Ridgeline session from the vendor VPN",
            "--asset",
            "ews-01",
            "--observed-at",
            "2026-11-26T02:10:00-06:00",
        ],
    );
    let evidence = c.seq(
        "tnguyen",
        4,
        &[
            "incident",
            "evidence",
            &id,
            "--title",
            "Zeek conn.log of the vendor VPN",
            "--source",
            "log",
            "--sha256",
            HASH,
            "--location",
            "evidence locker 4",
            "--asset",
            "ews-01",
        ],
    );
    let custody =
        c.seq("tnguyen", 5, &["incident", "custody", &id, &evidence, "--to", "psharma", "--reason", "for analysis"]);
    let hypothesis = c.seq(
        "tnguyen",
        6,
        &["incident", "hypothesis", "propose", &id, "Ridgeline's support account was stolen", "--for", &evidence],
    );
    c.ok("tnguyen", 6, &["incident", "note", &id, "HMI banner showed <script>alert(1)</script> & a link"]);

    let kill = c.seq(
        "tnguyen",
        7,
        &[
            "action",
            "propose",
            &id,
            "kill-session pathway:ridgeline/remote-support for containment",
            "--rationale",
            "cut the intruder off",
        ],
    );
    let isolate = c.seq(
        "tnguyen",
        8,
        &["action", "propose", &id, "isolate zone:plant-ops for containment", "--rationale", "stop lateral movement"],
    );
    c.ok("eschmidt", 9, &["action", "approve", &id, &isolate, "--rationale", "the plant runs without the historian"]);
    let isolate_rejected =
        c.seq("psharma", 10, &["action", "reject", &id, &isolate, "--rationale", "we lose compliance reporting"]);
    c.ok(
        "mgarcia",
        12,
        &["action", "approve", &id, &isolate, "--rationale", "unified command: isolate, report by hand"],
    );

    let offline = c.seq(
        "tnguyen",
        13,
        &["action", "propose", &id, "take-offline hmi-cr-01", "--rationale", "the HMI runs the attacker's tool"],
    );
    let overridden = c.seq(
        "mgarcia",
        14,
        &["action", "override", &id, &offline, "--rationale", "the tool is writing setpoints now"],
    );
    let decision = c.seq(
        "mgarcia",
        15,
        &[
            "incident",
            "decide",
            &id,
            "--title",
            "Keep the plant running",
            "--option",
            "run on manual",
            "--option",
            "shut down",
            "--choice",
            "1",
            "--rationale",
            "operators can hold chlorination by hand for 8 hours",
            "--decided-by",
            "mgarcia",
            "--dissent",
            "ocarter:a controlled shutdown is safer",
        ],
    );
    let kill_approved =
        c.seq("eschmidt", 19, &["action", "approve", &id, &kill, "--rationale", "the download can be redone"]);
    c.ok("eschmidt", 20, &["action", "confirm", &id, &kill, "1", "--note", "ClearFlow confirms no download"]);
    c.ok("eschmidt", 21, &["action", "execute", &id, &kill]);
    c.ok("eschmidt", 22, &["action", "execute", &id, &kill, "--outcome", "partial", "--note", "pathway still open"]);
    c.ok(
        "tnguyen",
        23,
        &["incident", "hypothesis", "update", &id, &hypothesis, "--status", "supported", "--reason", "VPN logs agree"],
    );
    c.ok(
        "mgarcia",
        24,
        &[
            "task",
            "add",
            &id,
            "--title",
            "Image the ews-01 disk",
            "--owner",
            "hpatel",
            "--domain",
            "ot",
            "--asset",
            "ews-01",
        ],
    );
    Script {
        id,
        evidence,
        custody,
        hypothesis,
        kill,
        kill_approved,
        isolate,
        isolate_rejected,
        offline,
        overridden,
        decision,
    }
}

fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text.find(&format!("## {heading}\n")).unwrap_or_else(|| panic!("no section {heading}: {text}"));
    let rest = &text[start + heading.len() + 4..];
    match rest.find("\n## ") {
        Some(end) => &rest[..end],
        None => rest,
    }
}

#[test]
fn the_after_action_report_holds_the_facts() {
    let c = Cli::new();
    let s = script(&c);
    let md = c.report(30, &s.id, &[]);
    assert!(md.starts_with(&format!("# After-action report: Vendor session on ews-01 at 02:10 ({})", s.id)), "{md}");
    assert!(md.contains("- **Report made:** 2026-11-26T08:30:00-06:00"), "{md}");

    let timeline = section(&md, "Timeline");
    assert!(timeline.contains("| #1 | 2026-11-26T08:00:00-06:00 | mgarcia | opened |"), "{timeline}");
    // Markup in an event's text is neutralised, and the time an observation happened is kept.
    assert!(timeline.contains("HMI banner showed &lt;script>alert(1)&lt;/script> & a link"), "{timeline}");
    assert!(!md.contains("<script>"), "{md}");
    assert!(timeline.contains("(happened 2026-11-26T02:10:00-06:00)"), "{timeline}");

    let decisions = section(&md, "Decisions");
    assert!(
        decisions.contains(&format!(
            "- #{} 2026-11-26T08:15:00-06:00 \"Keep the plant running\": run on manual (decision)",
            s.decision
        )),
        "{decisions}"
    );
    assert!(decisions.contains("  - dissent (dissent, ocarter): a controlled shutdown is safer"), "{decisions}");
    assert!(decisions.contains("operators can hold chlorination by hand for 8 hours"), "{decisions}");
    // The action IT and OT disagreed on: approved by the commander, with IT's rejection as dissent.
    assert!(
        decisions.contains(&format!("\"#{} isolate zone:plant-ops for containment\": approved (action)", s.isolate)),
        "{decisions}"
    );
    assert!(
        decisions.contains(&format!(
            "  - dissent (rejection #{}, psharma): we lose compliance reporting",
            s.isolate_rejected
        )),
        "{decisions}"
    );
    assert!(decisions.contains("decided by mgarcia: unified command: isolate, report by hand"), "{decisions}");

    let approvals = section(&md, "Approvals and time to decision");
    assert!(
        approvals.contains(&format!(
            "- **Decision:** approved at 2026-11-26T08:19:00-06:00 (#{}), 12 min after the proposal",
            s.kill_approved
        )),
        "{approvals}"
    );
    assert!(approvals.contains("- **Required:** 1 of ot-lead"), "{approvals}");
    assert!(
        approvals.contains("| 2 min | psharma | rejected | it-lead | we lose compliance reporting |"),
        "{approvals}"
    );
    assert!(approvals.contains("approved by emergency override at 2026-11-26T08:14:00-06:00"), "{approvals}");

    let overrides = section(&md, "Overrides");
    assert!(
        overrides.contains(&format!(
            "- #{} overrode #{} take-offline hmi-cr-01 (1 min after the proposal)",
            s.overridden, s.offline
        )),
        "{overrides}"
    );
    assert!(overrides.contains("rationale: the tool is writing setpoints now"), "{overrides}");
    assert!(
        overrides.contains(&format!("review item review-{}: opens when the incident closes", s.overridden)),
        "{overrides}"
    );

    let deviations = section(&md, "Deviations from the plan");
    assert!(
        deviations.contains(&format!("| override | #{} take-offline hmi-cr-01 approved by mgarcia", s.offline)),
        "{deviations}"
    );
    assert!(deviations.contains(&format!("| partial-execution | #{} kill-session", s.kill)), "{deviations}");
    assert!(deviations.contains("only partly applied: pathway still open"), "{deviations}");
    assert!(
        deviations.contains(&format!("| #{} | 2026-11-26T08:10:00-06:00 | disagreement |", s.isolate_rejected)),
        "{deviations}"
    );

    let evidence = section(&md, "Evidence");
    assert!(
        evidence.contains(&format!("- #{} Zeek conn.log of the vendor VPN (log, security)", s.evidence)),
        "{evidence}"
    );
    assert!(evidence.contains(&format!("artefact sha256:{HASH}")), "{evidence}");
    assert!(evidence.contains("kept at evidence locker 4"), "{evidence}");
    assert!(
        evidence.contains(&format!(
            "custody #{}: tnguyen -> psharma at 2026-11-26T08:05:00-06:00: for analysis",
            s.custody
        )),
        "{evidence}"
    );
    assert!(evidence.contains("custodian now: psharma"), "{evidence}");

    let hypotheses = section(&md, "Hypotheses");
    assert!(
        hypotheses.contains(&format!("- #{} \\[supported\\] Ridgeline's support account was stolen", s.hypothesis)),
        "{hypotheses}"
    );
    assert!(
        hypotheses.contains(&format!("evidence for: #{} Zeek conn.log of the vendor VPN", s.evidence)),
        "{hypotheses}"
    );
    assert!(hypotheses.contains("-> supported: VPN logs agree"), "{hypotheses}");

    let lessons = section(&md, "Lessons learned");
    assert!(lessons.contains("No lessons learned are recorded yet: the incident is not closed"), "{lessons}");

    // Once closed and the lessons recorded, the report says what was learned and where the review stands.
    c.ok("mgarcia", 40, &["incident", "status", &s.id, "--phase", "closed", "--reason", "contained"]);
    c.ok(
        "mgarcia",
        41,
        &["followup", "record", &s.id, "lessons-learned", "--text", "vendor sessions need a work order"],
    );
    let review = format!("review-{}", s.overridden);
    c.ok("mgarcia", 42, &["followup", "record", &s.id, &review, "--text", "the override was justified"]);
    let md = c.report(43, &s.id, &["--form", "aar", "--format", "markdown"]);
    let lessons = section(&md, "Lessons learned");
    assert!(!lessons.contains("No lessons learned are recorded yet"), "{lessons}");
    assert!(lessons.contains("- vendor sessions need a work order"), "{lessons}");
    assert!(lessons.contains("| site-model-update | open |"), "{lessons}");
    assert!(
        section(&md, "Overrides").contains(&format!("review item {review}: recorded: the override was justified")),
        "{md}"
    );
    assert!(md.contains("- **Closed:** 2026-11-26T08:40:00-06:00"), "{md}");
}

#[test]
fn html_is_one_escaped_file_and_json_parses() {
    let c = Cli::new();
    let s = script(&c);
    let html = c.report(30, &s.id, &["--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"), "{html}");
    assert!(html.contains("<style>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("HMI banner showed &lt;script&gt;alert(1)&lt;/script&gt; &amp; a link"), "{html}");
    for external in ["http://", "https://", "src=", "href=", "url(", "@import", "<link", "<img", "<iframe"] {
        assert!(!html.contains(external), "{external} in the HTML report");
    }
    assert!(html.contains("<h2>Overrides</h2>") && html.contains("the tool is writing setpoints now"), "{html}");

    // --out writes the same file.
    let out = c.dir.path().join("aar.html");
    c.report(30, &s.id, &["--format", "html", "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), html);

    let json: Value = serde_json::from_str(&c.report(30, &s.id, &["--format", "json"])).unwrap();
    assert_eq!(json["form"], "after-action");
    assert_eq!(json["incident"]["id"], s.id.as_str());
    let kill: u64 = s.kill.parse().unwrap();
    let approvals = json["approvals"].as_array().unwrap();
    let a = approvals.iter().find(|a| a["action"] == kill).unwrap();
    assert_eq!(a["decision"]["after_seconds"], 12 * 60);
    assert_eq!(a["status"], "partially-applied");
    let overrides = json["overrides"].as_array().unwrap();
    assert_eq!(overrides.len(), 1);
    assert_eq!(overrides[0]["review_item"], format!("review-{}", s.overridden));
    let decision = json["decisions"].as_array().unwrap().iter().find(|d| d["source"] == "decision").unwrap();
    assert_eq!(decision["dissent"][0]["person"], "ocarter");
    assert_eq!(json["evidence"][0]["sha256"], format!("sha256:{HASH}"));
    assert_eq!(json["hypotheses"][0]["status"], "supported");
    assert_eq!(json["lessons"]["recorded"].as_array().unwrap().len(), 0);
    assert_eq!(json["timeline"].as_array().unwrap().len() as u64, json["incident"]["events"].as_u64().unwrap());
}

#[test]
fn ics_records_come_from_the_same_state() {
    let c = Cli::new();
    let s = script(&c);
    let ics201 = c.report(30, &s.id, &["--form", "ics-201"]);
    assert!(ics201.starts_with("# ICS 201 incident briefing: Vendor session on ews-01 at 02:10"), "{ics201}");
    let org = section(&ics201, "Organisation");
    assert!(org.contains("| OT lead (ot-lead) | Erik Schmidt (eschmidt) |"), "{org}");
    assert!(org.contains("| IT security lead (it-lead) | Priya Sharma (psharma) |"), "{org}");
    let current = section(&ics201, "Current actions");
    assert!(
        current.contains(&format!(
            "- #{} kill-session pathway:ridgeline/remote-support for containment \\[partially-applied\\]",
            s.kill
        )),
        "{current}"
    );
    assert!(current.contains("PARTIALLY APPLIED"), "{current}");
    let situation = section(&ics201, "Situation summary");
    assert!(situation.contains("status declared, phase contain"), "{situation}");
    assert!(
        situation
            .contains(&format!("hypothesis #{} (supported): Ridgeline's support account was stolen", s.hypothesis)),
        "{situation}"
    );
    let resources = section(&ics201, "Resources and tasks");
    assert!(resources.contains("| Image the ews-01 disk | hpatel | ot | open |"), "{resources}");
    assert!(
        section(&ics201, "Objectives of the current operational period").contains("No operational period is open.")
    );

    let ics209 = c.report(30, &s.id, &["--form", "ics-209"]);
    assert!(ics209.contains("By status: approved: 2, partially-applied: 1."), "{ics209}");
    assert!(ics209.contains("- **Hypotheses:** supported: 1"), "{ics209}");
    assert!(ics209.contains("- **Evidence:** 1 item(s)"), "{ics209}");
    assert!(ics209.contains("- **Tasks:** open: 1; 0 overdue"), "{ics209}");
    let json: Value = serde_json::from_str(&c.report(30, &s.id, &["--form", "ics-209", "--format", "json"])).unwrap();
    assert_eq!(json["form"], "ICS 209");
    assert_eq!(json["phase"], "contain");

    // ICS 214: only eschmidt's activity (what they recorded, and what assigned them).
    let ics214 = c.report(30, &s.id, &["--form", "ics-214", "--person", "eschmidt"]);
    assert!(ics214.starts_with(&format!("# ICS 214 activity log: Erik Schmidt (eschmidt), {}", s.id)), "{ics214}");
    assert!(ics214.contains("- **Positions held:** OT lead (ot-lead)"), "{ics214}");
    let log = section(&ics214, "Activity log");
    assert!(
        log.contains("| 2026-11-26T08:02:00-06:00 | assigned | assigned | eschmidt takes ot-lead: on shift |"),
        "{log}"
    );
    assert!(
        log.contains(&format!("| #{} | 2026-11-26T08:19:00-06:00 | recorded | action-approved |", s.kill_approved)),
        "{log}"
    );
    assert!(log.contains("pathway still open"), "{log}");
    for other in
        ["compliance reporting", "psharma takes it-lead", "custody", "hypothesis", "OVERRIDE", "Keep the plant running"]
    {
        assert!(!log.contains(other), "{other} is not eschmidt's activity: {log}");
    }
    let rows = log.lines().filter(|l| l.starts_with("| #") && l.as_bytes()[3].is_ascii_digit()).count();
    assert_eq!(rows, 6, "{log}");
    // A task given to a person is in their log.
    let hpatel = c.report(30, &s.id, &["--form", "ics-214", "--person", "hpatel"]);
    assert!(
        section(&hpatel, "Activity log")
            .contains("| assigned | task-added | task \"Image the ews-01 disk\" for hpatel"),
        "{hpatel}"
    );

    let (code, _, err) = c.run("tnguyen", 30, &["report", &s.id, "--form", "ics-214"]);
    assert_eq!(code, 2);
    assert!(err.contains("give --person"), "{err}");
    let (code, _, err) = c.run("tnguyen", 30, &["report", &s.id, "--form", "ics-214", "--person", "nobody"]);
    assert_eq!(code, 2);
    assert!(err.contains("\"nobody\" is not a person of the site model"), "{err}");
    let (code, _, err) = c.run("tnguyen", 30, &["report", &s.id, "--form", "stix", "--format", "html"]);
    assert_eq!(code, 2);
    assert!(err.contains("JSON only"), "{err}");
}

fn stix(c: &Cli, s: &Script, minute: u32) -> String {
    c.report(minute, &s.id, &["--form", "stix"])
}

fn is_uuid(s: &str, version: char) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && [8, 13, 18, 23].iter().all(|i| b[*i] == b'-')
        && s.chars().enumerate().all(|(i, c)| [8, 13, 18, 23].contains(&i) || c.is_ascii_hexdigit())
        && b[14] == version as u8
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

#[test]
fn the_stix_bundle_is_well_formed_and_reproducible() {
    let c = Cli::new();
    let s = script(&c);
    let text = stix(&c, &s, 30);
    // The bundle depends on the record only, not on when it is exported.
    assert_eq!(text, stix(&c, &s, 59));
    let b: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(b["type"], "bundle");
    assert!(b["id"].as_str().unwrap().starts_with("bundle--"));
    let objects = b["objects"].as_array().unwrap();
    let ids: Vec<&str> = objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
    for o in objects {
        let (kind, uuid) = o["id"].as_str().unwrap().split_once("--").unwrap();
        assert_eq!(o["type"], kind);
        assert_eq!(o["spec_version"], "2.1");
        let sco = ["ipv4-addr", "ipv6-addr", "domain-name", "file", "user-account"].contains(&kind);
        assert!(is_uuid(uuid, if sco { '5' } else { '4' }), "{o}");
        if !sco {
            for t in ["created", "modified"] {
                let v = o[t].as_str().unwrap();
                assert!(v.len() == 24 && v.ends_with('Z') && v.as_bytes()[19] == b'.', "{t} {v}");
            }
        }
    }
    let of = |t: &str| objects.iter().filter(|o| o["type"] == t).collect::<Vec<_>>();
    assert_eq!(of("identity")[0]["name"], "Riverbend Municipal Water");
    assert_eq!(of("identity")[0]["identity_class"], "organization");
    let inc = of("incident");
    assert_eq!(inc.len(), 1);
    assert_eq!(inc[0]["name"], format!("{}: Vendor session on ews-01 at 02:10", s.id));
    assert_eq!(inc[0]["created"], "2026-11-26T14:00:00.000Z");
    // ews-01's addresses (observed, evidence), hmi-cr-01's (the override's target).
    let values: Vec<&str> = objects.iter().filter_map(|o| o["value"].as_str()).collect();
    for v in ["10.30.2.30", "ews-01.corp.riverbend.example", "10.30.2.21"] {
        assert!(values.contains(&v), "{v} not in {values:?}");
    }
    let ipv4 = objects.iter().find(|o| o["value"] == "10.30.2.30").unwrap();
    assert_eq!(ipv4["type"], "ipv4-addr");
    let file = &of("file")[0];
    assert_eq!(file["hashes"]["SHA-256"], HASH);
    assert!(!of("user-account").is_empty(), "the Ridgeline pathway's accounts");
    // Courses of action: the approved and executed ones only (all three here).
    let names: Vec<&str> = of("course-of-action").iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        vec![
            format!("#{} kill-session pathway:ridgeline/remote-support for containment", s.kill),
            format!("#{} isolate zone:plant-ops for containment", s.isolate),
            format!("#{} take-offline hmi-cr-01", s.offline),
        ]
    );
    // Every relationship ties two objects of the bundle; the grouping references everything else.
    let rels = of("relationship");
    assert!(!rels.is_empty());
    for r in &rels {
        assert!(
            ids.contains(&r["source_ref"].as_str().unwrap()) && ids.contains(&r["target_ref"].as_str().unwrap()),
            "{r}"
        );
    }
    let coa_hmi = of("course-of-action")
        .iter()
        .find(|o| o["name"].as_str().unwrap().ends_with("hmi-cr-01"))
        .map(|o| o["id"].clone())
        .unwrap();
    let hmi = objects.iter().find(|o| o["value"] == "10.30.2.21").map(|o| o["id"].clone()).unwrap();
    assert!(
        rels.iter().any(|r| r["source_ref"] == coa_hmi && r["target_ref"] == hmi),
        "the override targets hmi-cr-01"
    );
    let grouping = &of("grouping")[0];
    let refs: Vec<&str> = grouping["object_refs"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(refs.len(), ids.len() - 1);
    assert!(ids.iter().filter(|i| !i.starts_with("grouping--")).all(|i| refs.contains(i)));
}

#[test]
fn the_official_validator_accepts_the_stix_bundle() {
    let Some(validator) = std::env::var_os("INTERLOCK_STIX_VALIDATOR") else {
        assert!(
            std::env::var("INTERLOCK_REQUIRE_STIX").as_deref() != Ok("1"),
            "INTERLOCK_REQUIRE_STIX=1 but INTERLOCK_STIX_VALIDATOR is not set"
        );
        eprintln!(
            "\n\n*** SKIPPED: stix2-validator not available (set INTERLOCK_STIX_VALIDATOR to its stix2_validator) ***\n"
        );
        return;
    };
    let mut validator = PathBuf::from(validator);
    if validator.is_relative() {
        // `.ci/run` names it from the workspace root; tests run in the crate's directory.
        validator = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(validator);
    }
    let c = Cli::new();
    let s = script(&c);
    let file = c.dir.path().join("bundle.json");
    std::fs::write(&file, stix(&c, &s, 30)).unwrap();
    // --strict: every best-practice warning is an error; --strict-properties: no custom property;
    // --enforce-refs: every SDO a relationship names is in the bundle. Not --strict-types: in
    // stix2-validator 3.3 it checks top-level objects against the domain-object types only and so
    // rejects every top-level cyber observable, which STIX 2.1 allows (docs/reports.md).
    let out = Command::new(&validator)
        .args(["--strict", "--strict-properties", "--enforce-refs", "--version", "2.1"])
        .arg(&file)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("cannot run {}: {e}", validator.display()),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stix2_validator rejected the bundle:\n{stdout}\n{stderr}");
    assert!(!stdout.contains("[X]") && !stdout.contains("[!]"), "errors or warnings:\n{stdout}");
    assert!(stdout.contains("[+]"), "{stdout}");
    eprintln!("{stdout}");
}
