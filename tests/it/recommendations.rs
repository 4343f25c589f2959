//! The report's recommendations that run the scenario again are the naive
//! computation: the same scenario with the change written in gives the p95
//! and the cost the recommendation predicts.

use super::amisim_ok;

/// The report of `scenario` (`-n N`), as text.
fn report(scenario: &std::path::Path, dir: &std::path::Path, n: &str) -> String {
    let out = dir.join(scenario.file_stem().unwrap());
    amisim_ok(&[
        "run",
        scenario.to_str().unwrap(),
        "-n",
        n,
        "-q",
        "--report",
        "--out",
        out.to_str().unwrap(),
    ]);
    std::fs::read_to_string(out.join("report.md")).unwrap()
}

/// The text between `after` and the next `until` in `s`.
fn between<'a>(s: &'a str, after: &str, until: &str) -> &'a str {
    let from = s
        .find(after)
        .unwrap_or_else(|| panic!("no {after:?} in\n{s}"))
        + after.len();
    let rest = &s[from..];
    &rest[..rest.find(until).unwrap_or(rest.len())]
}

#[test]
fn time_based_copies_predict_what_the_same_scenario_with_them_gives() {
    let dir = tempfile::tempdir().unwrap();
    let md = report(
        std::path::Path::new("scenarios/packer-encrypted.toml"),
        dir.path(),
        "40",
    );
    let line = md
        .lines()
        .find(|l| l.starts_with("- recommendation, time-based copies: "))
        .unwrap_or_else(|| panic!("no time-based recommendation:\n{md}"));
    assert!(line.contains("copy_completion = \"15m\""), "{line}");
    let predicted_p95 = between(line, " would be ", " (");
    let predicted_cost = between(line, "; the cost ", " a month");
    // The same scenario, asking for time-based copies itself.
    let text = std::fs::read_to_string("scenarios/packer-encrypted.toml").unwrap();
    let asked = text.replacen(
        "tool = \"packer\"\n",
        "tool = \"packer\"\ncopy_completion = \"15m\"\n",
        1,
    );
    assert_ne!(asked, text);
    let path = dir.path().join("packer-timed.toml");
    std::fs::write(&path, asked).unwrap();
    let md2 = report(&path, dir.path(), "40");
    let p95 = between(&md2, "- p95 time to all Regions: ", " (");
    let cost = between(&md2, "- cost: ", " a month");
    assert_eq!(predicted_p95, p95, "{line}\n{md2}");
    assert_eq!(predicted_cost, cost, "{line}\n{md2}");
    // Asked for already: nothing to recommend.
    assert!(!md2.contains("recommendation, time-based copies"), "{md2}");
}

#[test]
fn a_lifecycle_predicts_what_the_same_scenario_with_it_gives() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = std::path::Path::new("scenarios/golden-3os-8-regions.toml");
    let md = report(scenario, dir.path(), "8");
    let line = md
        .lines()
        .find(|l| l.starts_with("- recommendation, lifecycle: "))
        .unwrap_or_else(|| panic!("no lifecycle recommendation:\n{md}"));
    assert!(line.contains("keep_last = 3"), "{line}");
    let month = between(line, ", month ", " would cost ");
    let predicted = between(line, " would cost ", " (95 % CI");
    // The same scenario with the lifecycle on each of its three pipelines.
    let text = std::fs::read_to_string(scenario).unwrap();
    let lifecycle = "[pipeline.lifecycle]\nkeep_last = 3\n\n";
    let mut asked = text.replace("\n[[pipeline]]\n", &format!("\n{lifecycle}[[pipeline]]\n"));
    asked = asked.replacen(lifecycle, "", 1);
    asked.push_str(&format!("\n{lifecycle}"));
    assert_eq!(asked.matches("keep_last = 3").count(), 3);
    let path = dir.path().join("kept.toml");
    std::fs::write(&path, asked).unwrap();
    let md2 = report(&path, dir.path(), "8");
    let cost = between(&md2, &format!("; {}", "$"), " in month ");
    assert_eq!(format!("${cost}"), predicted, "{line}\n{md2}");
    assert!(
        md2.contains(&format!(" in month {month}, the last full month")),
        "{md2}"
    );
    // Deleting already: nothing to recommend.
    assert!(!md2.contains("recommendation, lifecycle"), "{md2}");
}
