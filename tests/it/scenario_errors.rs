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
    let bless = std::env::var_os("AMISIM_BLESS").is_some();
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
        let expected_path = f.with_extension("stderr");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        assert!(
            got == expected,
            "{rel}: stderr differs\n--- expected ({})\n{expected}\n--- got\n{got}\n---",
            expected_path.display()
        );
    }
}
