//! One run, one directory (issue 18): after a kill at any moment, a
//! concurrent run or a full disk, an output directory holds exactly one
//! complete run, the old or the new, and nothing is left beside it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::root;

/// Every file under `dir` (relative path → bytes).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn spawn(out: &Path, seed: &str, reps: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_amisim"))
        .args([
            "run",
            "scenarios/quickstart.toml",
            "-q",
            "-n",
            reps,
            "--seed",
            seed,
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn run_ok(out: &Path, seed: &str, reps: &str, extra: &[&str]) {
    let o = spawn(out, seed, reps, extra).wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_old_result_or_the_new_one_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let (old_ref, new_ref, target) = (
        tmp.path().join("old"),
        tmp.path().join("new"),
        tmp.path().join("out"),
    );
    let reps = "1500";
    run_ok(&old_ref, "1", reps, &["--trace"]);
    let t0 = Instant::now();
    run_ok(&new_ref, "2", reps, &[]);
    let whole = t0.elapsed().as_millis() as u64;
    let (old, new) = (snapshot(&old_ref), snapshot(&new_ref));
    assert_ne!(old, new);
    run_ok(&target, "1", reps, &["--trace"]);
    let (mut saw_old, mut saw_new) = (0, 0);
    // From at once to twice the run's length (a loaded machine is slower), in 16 steps.
    const STEPS: u64 = 16;
    for step in 0..STEPS {
        let at = whole * 2 * step / (STEPS - 1);
        let mut child = spawn(&target, "2", reps, &[]);
        std::thread::sleep(Duration::from_millis(at));
        let _ = child.kill(); // SIGKILL: no handler runs
        child.wait().unwrap();
        let now = snapshot(&target);
        if now == old {
            saw_old += 1;
        } else if now == new {
            saw_new += 1;
            run_ok(&target, "1", reps, &["--trace"]);
        } else {
            let extra: Vec<_> = now.keys().filter(|k| !old.contains_key(*k)).collect();
            panic!("after a kill at {at} ms of {whole} the directory mixes runs: {extra:?}");
        }
    }
    assert!(saw_old > 0 && saw_new > 0, "old {saw_old}, new {saw_new}");
    // What the killed runs left beside the directory, the next run removes.
    run_ok(&target, "2", "5", &[]);
    assert_eq!(names(tmp.path()), ["new", "old", "out"]);
}

#[test]
fn sigint_or_sigterm_during_a_run_removes_its_staging_and_lock_and_leaves_the_previous_result() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    run_ok(&target, "1", "5", &[]);
    let before = snapshot(&target);
    interrupted_twice(tmp.path(), &target, &before, || {
        spawn(&target, "2", "200000", &["--rows", "none"])
    });
}

/// Sends SIGINT, then SIGTERM, each to a command `start` spawns once it has
/// staged beside `target` (in `parent`): each exits 130 or 143 having
/// removed its staging directory and lock, and `target` is as `before`.
fn interrupted_twice(
    parent: &Path,
    target: &Path,
    before: &BTreeMap<PathBuf, Vec<u8>>,
    start: impl Fn() -> Child,
) {
    use rustix::process::{Pid, Signal, kill_process};
    for (signal, code) in [(Signal::INT, 130), (Signal::TERM, 143)] {
        let mut child = start();
        let t0 = Instant::now();
        while !names(parent).iter().any(|n| n.contains("amisim-staging")) {
            assert!(t0.elapsed() < Duration::from_secs(20), "it never staged");
            std::thread::sleep(Duration::from_millis(2));
        }
        let pid = Pid::from_raw(child.id() as i32).unwrap();
        kill_process(pid, signal).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "{signal:?}");
        assert_eq!(
            names(parent),
            ["out"],
            "{signal:?}: no staging directory, no lock"
        );
        assert_eq!(&snapshot(target), before, "{signal:?}: the previous result");
    }
}

#[test]
fn a_second_run_into_a_directory_being_written_fails_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    run_ok(&target, "1", "5", &[]);
    let before = snapshot(&target);
    let mut first = spawn(&target, "2", "200000", &["--rows", "none"]);
    let t0 = Instant::now();
    while !names(tmp.path())
        .iter()
        .any(|n| n.contains("amisim-staging"))
    {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "the first run never staged"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = spawn(&target, "3", "5", &[]).wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&second.stderr);
    let _ = first.kill();
    first.wait().unwrap();
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert!(err.contains("another amisim command is writing"), "{err}");
    assert!(err.contains("help: wait for it"), "{err}");
    assert_eq!(snapshot(&target), before, "neither run changed the result");
}

#[test]
fn a_rerun_removes_every_file_the_earlier_run_wrote_and_this_one_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    run_ok(&target, "1", "5", &["--report", "--trace"]);
    assert!(target.join("charts").is_dir() && target.join("trace.json").exists());
    run_ok(&target, "1", "5", &["--rows", "none"]);
    let ref_dir = tmp.path().join("ref");
    run_ok(&ref_dir, "1", "5", &["--rows", "none"]);
    assert_eq!(snapshot(&target), snapshot(&ref_dir));
    assert_eq!(names(&target), names(&ref_dir));
    // A directory holding something amisim did not write is not replaced.
    std::fs::write(target.join("notes.txt"), b"mine").unwrap();
    let o = spawn(&target, "1", "5", &[]).wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("holds notes.txt, which amisim does not write"),
        "{err}"
    );
    assert_eq!(std::fs::read(target.join("notes.txt")).unwrap(), b"mine");
}

/// A tmpfs of `size`, unmounted when dropped; None where it cannot be
/// mounted (not root, or no mount): CI runs as root.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| SmallDisk(at.to_path_buf()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_leaves_the_previous_result_and_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(disk) = SmallDisk::mount(&tmp.path().join("disk"), "4m") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    let target = disk.0.join("out");
    run_ok(&target, "1", "5", &[]);
    let before = snapshot(&target);
    // About 13 KB of rows per replication: 2,000 do not fit in 4 MiB.
    let o = spawn(&target, "2", "2000", &[]).wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert_eq!(snapshot(&target), before, "the previous result is intact");
    assert_eq!(
        names(&disk.0),
        ["out"],
        "no staging directory or lock is left"
    );
}

#[test]
fn sigint_or_sigterm_during_a_report_removes_its_staging_and_lock_and_leaves_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    // The report's quota search and sensitivity runs take seconds here.
    let o = super::amisim(&[
        "run",
        "scenarios/enterprise-capacity.toml",
        "-q",
        "-n",
        "10",
        "--rows",
        "none",
        "--out",
        target.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let before = snapshot(&target);
    interrupted_twice(tmp.path(), &target, &before, || {
        Command::new(env!("CARGO_BIN_EXE_amisim"))
            .args(["report", target.to_str().unwrap()])
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    });
    // Let through, the report lands whole, beside what the run wrote.
    let o = super::amisim(&["report", target.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after = snapshot(&target);
    assert!(after.keys().any(|k| k.ends_with("report.md")));
    for (k, v) in &before {
        if !k.ends_with("manifest.json") {
            assert_eq!(after.get(k), Some(v), "{} kept as it was", k.display());
        }
    }
    assert_eq!(names(tmp.path()), ["out"]);
}
