#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Status updates per audience drafted from a scripted incident on the
//! example site, and the one-vocabulary check before publishing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")
}

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn run(&self, user: &str, minute: u32, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
        cmd.args(args).arg("--data").arg(self.dir.path().join("data"));
        let now = format!("2026-11-26T09:{minute:02}:00-06:00");
        cmd.env("INTERLOCK_SITE", site()).env("INTERLOCK_USER", user).env("INTERLOCK_NOW", now);
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
        assert_eq!(code, 0, "interlock {args:?}: {out}{err}");
        out
    }
}

#[test]
fn each_audience_gets_what_it_needs_and_ambiguous_words_are_flagged() {
    let c = Cli { dir: tempfile::tempdir().unwrap() };
    let id = c.ok(
        "mgarcia",
        0,
        &["incident", "open", "--title", "Directory abuse", "--summary", "s", "--declare", "--reason", "r"],
    );
    let id = id.trim().to_string();
    c.ok(
        "mgarcia",
        1,
        &["incident", "status", &id, "--phase", "contain", "--view", "in-question", "--reason", "HMI trends frozen"],
    );
    let out = c.ok(
        "tnguyen",
        2,
        &["action", "propose", &id, "take-offline dc-corp-01,dc-corp-02", "--rationale", "stolen admin credentials"],
    );
    let n = out.split_whitespace().nth(1).unwrap().trim_start_matches('#').to_string();
    c.ok("psharma", 3, &["action", "approve", &id, &n, "--rationale", "IT agrees"]);
    c.ok(
        "mgarcia",
        4,
        &[
            "incident",
            "determine",
            &id,
            "--kind",
            "reportable",
            "--reason",
            "credential abuse against a BES Cyber System",
        ],
    );

    let ops = c.ok("mgarcia", 5, &["update", "draft", &id, "--audience", "operations"]);
    assert!(ops.contains("view integrity in-question"), "{ops}");
    assert!(
        ops.contains(&format!("- #{n} take-offline dc-corp-01,dc-corp-02 [pending], verdict safe-with-measures")),
        "{ops}"
    );
    assert!(ops.contains("- required (#") && ops.contains("keep operators logged on"), "{ops}");

    let sec = c.ok("mgarcia", 5, &["update", "draft", &id, "--audience", "security"]);
    assert!(
        sec.contains(&format!(
            "- #{n} take-offline dc-corp-01,dc-corp-02: waiting for ot-lead (eschmidt, hpatel, nrossi)"
        )),
        "{sec}"
    );

    let lead = c.ok("mgarcia", 5, &["update", "draft", &id, "--audience", "leadership"]);
    assert!(lead.contains("## Decisions needed") && lead.contains("1 more approval from ot-lead"), "{lead}");
    assert!(
        lead.contains("- cip-008-reportable") && lead.contains("due 2026-11-26T10:04:00-06:00 [running]"),
        "{lead}"
    );

    // "take offline" means different things to IT and OT: flagged, with the site's definition.
    let text = "We will take offline both directory servers at 10:00.";
    let (code, _, err) = c.run(
        "mgarcia",
        6,
        &["update", "publish", &id, "--audience", "operations", "--channel", "bridge call", "--text", text],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("\"take offline\" is heard differently by IT and OT"), "{err}");
    assert!(err.contains("this site's definition: Remove a system from service"), "{err}");
    c.ok(
        "mgarcia",
        6,
        &[
            "update",
            "publish",
            &id,
            "--audience",
            "operations",
            "--channel",
            "bridge call",
            "--text",
            text,
            "--accept-definitions",
        ],
    );
    let timeline = c.ok("mgarcia", 7, &["incident", "timeline", &id, "--json"]);
    assert!(timeline.contains("Terms used here, as this site defines them"), "{timeline}");
    // Plain words pass as they are.
    c.ok(
        "mgarcia",
        8,
        &[
            "update",
            "publish",
            &id,
            "--audience",
            "leadership",
            "--channel",
            "email",
            "--text",
            "Both directory servers will be stopped at 10:00; operators keep their sessions.",
        ],
    );
}
