//! Every file in scenarios/illegal/ is refused: exit code 2, the exact
//! message in the `.stderr` file beside it, and no output directory.
//! Regenerate the `.stderr` files with `AMISIM_BLESS=1 cargo test`.

use super::{amisim, root};

#[test]
fn illegal_scenarios_are_refused_with_located_messages_and_no_output() {
    let dir = root().join("scenarios/illegal");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 6);
    for f in files {
        let rel = format!(
            "scenarios/illegal/{}",
            f.file_name().unwrap().to_str().unwrap()
        );
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("never-created");
        let o = amisim(&["run", &rel, "--out", target.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{rel}");
        assert!(!target.exists(), "{rel}: no output directory");
        assert!(o.stdout.is_empty(), "{rel}: nothing on stdout");
        let got = String::from_utf8(o.stderr).unwrap();
        // Every message has file:line:col.
        let located = format!("{rel}:");
        for line in got.lines().filter(|l| l.starts_with("error:")) {
            let rest = line.strip_prefix("error: ").unwrap();
            assert!(rest.starts_with(&located), "{rel}: {line}");
            let pos: Vec<&str> = rest[located.len()..].splitn(3, ':').collect();
            assert!(
                pos[0].parse::<usize>().is_ok() && pos[1].parse::<usize>().is_ok(),
                "{rel}: line and column in {line}"
            );
        }
        // Every error has its help line (after a rule's AWS lines).
        let lines: Vec<&str> = got.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with("error:") {
                let has_help = lines[i + 1..]
                    .iter()
                    .take_while(|l| l.starts_with("  "))
                    .any(|l| l.starts_with("  help: "));
                assert!(has_help, "{rel}: no help for {line}");
            }
        }
        super::assert_golden(&f.with_extension("stderr"), &got);
    }
}

#[test]
fn every_rule_has_an_illegal_scenario_refused_by_that_rule() {
    let dir = root().join("scenarios/illegal");
    for rule in amisim::aws::rules::Rule::ALL {
        let id = rule.id();
        let stem = format!("rule-{}", id.replace('_', "-"));
        let files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "toml")
                    && p.file_stem().unwrap().to_str().unwrap().starts_with(&stem)
            })
            .collect();
        assert!(
            !files.is_empty(),
            "no scenarios/illegal/{stem}*.toml for rule {id}"
        );
        for f in files {
            let rel = format!(
                "scenarios/illegal/{}",
                f.file_name().unwrap().to_str().unwrap()
            );
            let o = amisim(&["validate", &rel]);
            assert_eq!(o.status.code(), Some(2), "{rel}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                err.contains(&format!("rule: {id} (")),
                "{rel} is refused by {id}:\n{err}"
            );
            assert!(
                err.contains("  AWS: ") && err.contains("  help: "),
                "{rel}: AWS answer and fix:\n{err}"
            );
        }
    }
}

#[test]
fn modelled_misconfigurations_run_with_warnings_and_fail_in_the_outputs() {
    // The same illegal distribution, simulated on purpose.
    let text =
        std::fs::read_to_string(root().join("scenarios/illegal/rule-block-public-access.toml"))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("on-purpose.toml");
    std::fs::write(&f, format!("model_misconfigurations = true\n{text}")).unwrap();
    let out = dir.path().join("out");
    let o = amisim(&[
        "run",
        f.to_str().unwrap(),
        "-n",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("warning: ") && err.contains("rule: block_public_access"),
        "{err}"
    );
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert!(
        runs.lines()
            .skip(1)
            .all(|l| l.ends_with(",failed,share,,block_public_access,,")),
        "{runs}"
    );
    assert!(
        err.contains("1 rule violation simulated on purpose"),
        "{err}"
    );
    // A warning that is no rule violation (an instance type with no price) is not counted as one.
    let g = dir.path().join("unpriced.toml");
    std::fs::write(
        &g,
        std::fs::read_to_string(root().join("scenarios/quickstart.toml"))
            .unwrap()
            .replacen(
                "builder_instance_type = \"m5.large\"",
                "builder_instance_type = \"m7i.8xlarge\"",
                1,
            ),
    )
    .unwrap();
    let o = amisim(&["validate", g.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("m7i.8xlarge has no Linux price in"), "{err}");
    // At the key that names it, not at the top of the file.
    assert!(
        err.contains(
            "unpriced.toml:35:25: pipeline[0].builder_instance_type: instance type m7i.8xlarge"
        ),
        "{err}"
    );
    assert!(!err.contains("simulated on purpose"), "{err}");
}

#[test]
fn a_cut_error_list_says_how_many_more_there_were() {
    let mut text = String::from("[[region]]\nname = \"us-east-1\"\n");
    for i in 0..25 {
        text.push_str(&format!(
            "[[pipeline]]\nname = \"p{i}\"\nregion = \"mars-{i}\"\n[[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n[[pipeline.component]]\nname = \"build\"\nduration = \"0s\"\n[pipeline.schedule]\nstart_condition = \"always\"\ninterval = \"7d\"\n"
        ));
    }
    let e = amisim::scenario::from_str(std::path::Path::new("many.toml"), &text).unwrap_err();
    assert_eq!(e.0.len(), 20);
    assert_eq!(e.1, amisim::scenario::Cut::More(5));
    let shown = e.to_string();
    assert!(
        shown.ends_with(
            "20 errors listed and 5 more not shown (amisim lists at most 20); nothing was run"
        ),
        "{shown}"
    );
    // Type errors are found one entry at a time: the listing says it stopped.
    let mut text = String::new();
    for i in 0..30 {
        text.push_str(&format!("[[region]]\nname = {i}\n"));
    }
    let e = amisim::scenario::from_str(std::path::Path::new("types.toml"), &text).unwrap_err();
    assert_eq!((e.0.len(), e.1), (20, amisim::scenario::Cut::Stopped));
    assert!(e.to_string().contains("checking stopped there"), "{e}");
}

/// Records name their pipeline in 16 bits: 65,536 pipelines were accepted
/// and the last one's executions counted as the first's. Refused now.
#[test]
fn more_pipelines_than_a_record_can_name_are_refused() {
    let mut text = String::from(
        "name = \"many\"\nhorizon = \"1d\"\n[account]\nname = \"platform\"\nid = \"111111111111\"\n[[region]]\nname = \"us-east-1\"\n",
    );
    for i in 0..=usize::from(u16::MAX) {
        text.push_str(&format!(
            "[[pipeline]]\nname = \"p{i}\"\nregion = \"us-east-1\"\n[pipeline.schedule]\nrun_at_start = true\n[[pipeline.volume]]\nsize_gib = 8\ndata_gib = 2\n[[pipeline.component]]\nname = \"c\"\nduration = \"1m\"\n"
        ));
    }
    let e = amisim::scenario::from_str(std::path::Path::new("many.toml"), &text).unwrap_err();
    let reasons: Vec<String> =
        e.0.iter()
            .map(|d| format!("{}: {}", d.key_path, d.reason))
            .collect();
    assert_eq!(
        reasons,
        ["pipeline: 65536 pipelines: amisim models at most 65535"]
    );
}
