//! The fuzz step (issue 18): proptest mutates the shipped scenarios (lines
//! deleted, duplicated or spliced in from another scenario, values and keys
//! swapped for ones from any shipped scenario or for extremes, bytes
//! overwritten, files cut short) and runs `validate` and `run` on each
//! mutant. Every command must exit 0 or 2 with no panic, within its time and
//! under a 1 GiB address-space limit; `validate` and `run` must agree; a
//! refusal must be located, carry a `help:` and write nothing; a success must
//! write its manifest. A failure is shrunk to a smallest mutation list and
//! written to `target/fuzz-failure.toml`.
//!
//! A mutant amisim accepts but estimates past [`RUN_EVENTS`] events a
//! replication (a horizon scaled a thousandfold: accepted up to the 50 M
//! events bound, and such a run needs seconds and gigabytes, which is its
//! work, not a fault) is validated but not run: the step checks robustness
//! within the machine's and the timeout's means, and the scale benchmarks
//! measure large runs.
//!
//! It runs for a time budget, not a case count, so it is `#[ignore]`d in the
//! plain `cargo test`; `.ci/run` runs it for 60 s with the commit as the seed:
//! `AMISIM_FUZZ_SECONDS=60 AMISIM_FUZZ_SEED=<text> cargo test --test it fuzz -- --ignored --nocapture`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::root;

/// The address space each command may use: far above any shipped scenario's
/// need at `-n 1` (under 100 MB), far below the machine's memory.
const MEMORY_BYTES: u64 = 1 << 30;
/// No command on a shipped scenario takes a second here (debug build); this
/// is a hang.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest estimated work (events a replication) of a mutant that is
/// run; shipped scenarios estimate at most a few hundred thousand
/// (enterprise: about 63,000 events a replication run).
const RUN_EVENTS: u64 = 500_000;
/// The most time spent shrinking one failure.
const SHRINK_BUDGET: Duration = Duration::from_secs(90);

/// Values that sit at the edges of what a key takes.
const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "1",
    "-0.0",
    "0.5",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967297",
    "\"\"",
    "\"x\"",
    "\"0s\"",
    "\"-5m\"",
    "\"1ns\"",
    "\"100000000d\"",
    "\"1e9h\"",
    "\"us-east-1\"",
    "\"xx-fake-1\"",
    "\"* * * * *\"",
    "\"0 0 30 2 *\"",
    "\"aws/ebs\"",
    "[]",
    "{}",
    "[[]]",
    "true",
    "1979-05-27T07:32:00Z",
    "{ kind = \"weibull\", shape = 1e-9, scale = \"1s\" }",
    "{ kind = \"lognormal\", median = \"1s\", sigma = 50 }",
    "{ kind = \"empirical\", csv = \"data/sql-install-observed.csv\" }",
    "{ kind = \"empirical\", csv = \"/etc/passwd\" }",
];

/// One edit of a scenario's text.
#[derive(Clone, Debug)]
enum Mutation {
    /// Remove a line.
    DeleteLine(Index),
    /// Copy a line to another place.
    DuplicateLine(Index, Index),
    /// Insert a line of any shipped scenario.
    Splice(Index, Index),
    /// Give a `key = value` line another value: one of any shipped
    /// scenario's values, or an extreme.
    Value(Index, Index),
    /// Give a `key = value` line another key, from any shipped scenario.
    Key(Index, Index),
    /// Scale a number or a duration (`"30m"`) on a `key = value` line: its
    /// type kept, its magnitude not.
    Scale(Index, Index),
    /// Overwrite a byte.
    Byte(Index, u8),
    /// Cut the file short.
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<Index>;
    prop_oneof![
        1 => i().prop_map(Mutation::DeleteLine),
        1 => (i(), i()).prop_map(|(a, b)| Mutation::DuplicateLine(a, b)),
        1 => (i(), i()).prop_map(|(a, b)| Mutation::Splice(a, b)),
        4 => (i(), i()).prop_map(|(a, b)| Mutation::Value(a, b)),
        1 => (i(), i()).prop_map(|(a, b)| Mutation::Key(a, b)),
        3 => (i(), i()).prop_map(|(a, b)| Mutation::Scale(a, b)),
        1 => (i(), any::<u8>()).prop_map(|(a, b)| Mutation::Byte(a, b)),
        1 => i().prop_map(Mutation::Truncate),
    ]
}

/// The shipped scenarios, and the lines, keys and values the mutations draw on.
struct Pool {
    scenarios: Vec<(String, String)>,
    lines: Vec<String>,
    keys: Vec<String>,
    values: Vec<String>,
}

impl Pool {
    fn load() -> Pool {
        let mut scenarios: Vec<(String, String)> = std::fs::read_dir(root().join("scenarios"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        scenarios.sort();
        let mut lines = Vec::new();
        let mut keys = Vec::new();
        let mut values: Vec<String> = EXTREMES.iter().map(|s| s.to_string()).collect();
        for (_, text) in &scenarios {
            for l in text.lines() {
                lines.push(l.to_string());
                if let Some((k, v)) = key_value(l) {
                    keys.push(k.to_string());
                    values.push(v.to_string());
                }
            }
        }
        for v in [&mut lines, &mut keys, &mut values] {
            v.sort();
            v.dedup();
        }
        Pool {
            scenarios,
            lines,
            keys,
            values,
        }
    }

    /// The mutant: scenario `which` with the mutations applied in order.
    fn apply(&self, which: &Index, edits: &[Mutation]) -> (String, Vec<u8>) {
        let (name, text) = which.get(&self.scenarios);
        let mut lines: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
        for m in edits {
            if lines.is_empty() {
                break;
            }
            let n = lines.len();
            match m {
                Mutation::DeleteLine(a) => {
                    lines.remove(a.index(n));
                }
                Mutation::DuplicateLine(a, b) => {
                    let l = lines[a.index(n)].clone();
                    lines.insert(b.index(n + 1), l);
                }
                Mutation::Splice(a, b) => {
                    lines.insert(b.index(n + 1), a.get(&self.lines).as_bytes().to_vec());
                }
                Mutation::Scale(a, b) => {
                    let at = a.index(n);
                    let found = (0..n).map(|k| (at + k) % n).find_map(|k| {
                        let line = String::from_utf8_lossy(&lines[k]).into_owned();
                        let (key, value) = key_value(&line)?;
                        scaled(value, *b.get(FACTORS)).map(|v| (k, format!("{key} = {v}")))
                    });
                    if let Some((k, new)) = found {
                        lines[k] = new.into_bytes();
                    }
                }
                Mutation::Value(a, b) | Mutation::Key(a, b) => {
                    let at = a.index(n);
                    // The nearest `key = value` line at or after the chosen one.
                    let found = (0..n).map(|k| (at + k) % n).find_map(|k| {
                        let line = String::from_utf8_lossy(&lines[k]).into_owned();
                        key_value(&line).map(|(key, value)| (k, key.to_string(), value.to_string()))
                    });
                    if let Some((k, key, value)) = found {
                        let new = if matches!(m, Mutation::Value(..)) {
                            format!("{key} = {}", b.get(&self.values))
                        } else {
                            format!("{} = {value}", b.get(&self.keys))
                        };
                        lines[k] = new.into_bytes();
                    }
                }
                Mutation::Byte(..) | Mutation::Truncate(_) => {}
            }
        }
        let mut bytes = lines.join(&b'\n');
        bytes.push(b'\n');
        for m in edits {
            match m {
                Mutation::Byte(a, b) if !bytes.is_empty() => {
                    let at = a.index(bytes.len());
                    bytes[at] = *b;
                }
                Mutation::Truncate(a) => bytes.truncate(a.index(bytes.len() + 1)),
                _ => {}
            }
        }
        (name.clone(), bytes)
    }
}

/// The factors [`Mutation::Scale`] applies.
const FACTORS: &[f64] = &[0.0, 1e-6, 1e-3, 0.1, 0.5, 2.0, 10.0, 1e3, 1e6, 1e12];

/// A number, or a quoted duration's number (`"30m"`, `"1h30m"` scales its
/// first part), times `f`; None for any other value.
fn scaled(value: &str, f: f64) -> Option<String> {
    let fmt = |x: f64| {
        if x.fract() == 0.0 && x.abs() < 1e15 {
            format!("{}", x as i64)
        } else {
            format!("{x}")
        }
    };
    if let Ok(x) = value.parse::<f64>() {
        let int = !value.contains(['.', 'e', 'E']);
        let y = x * f;
        return Some(if int {
            fmt(y.round())
        } else {
            format!("{y:?}")
        });
    }
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    let digits = inner.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (num, unit) = inner.split_at(digits);
    let x: f64 = num.parse().ok()?;
    unit.chars().next().filter(|c| c.is_ascii_alphabetic())?;
    Some(format!("\"{}{unit}\"", fmt(x * f)))
}

/// `key = value` on one line, the value whole (no table opened, no array left open).
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.split_once(" = ")?;
    let (k, v) = (k.trim(), v.trim());
    let balanced = |o: char, c: char| v.matches(o).count() == v.matches(c).count();
    let ok = !k.is_empty()
        && !k.starts_with('#')
        && !k.starts_with('[')
        && !v.is_empty()
        && balanced('[', ']')
        && balanced('{', '}')
        && !v.starts_with("\"\"\"");
    ok.then_some((k, v))
}

/// What one command did.
struct Ran {
    code: Option<i32>,
    stderr: String,
}

/// Runs amisim in `dir` under the memory limit and the timeout; its output
/// goes to `logs`, outside `dir`, so that `dir` shows only what amisim wrote.
fn amisim_in(dir: &Path, logs: &Path, args: &[&str]) -> Result<Ran, String> {
    use std::os::unix::process::CommandExt;
    let err_path = logs.join("stderr");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_amisim"));
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap());
    // SAFETY: setrlimit is async-signal-safe, and the closure allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            let limit = rustix::process::Rlimit {
                current: Some(MEMORY_BYTES),
                maximum: Some(MEMORY_BYTES),
            };
            rustix::process::setrlimit(rustix::process::Resource::As, limit)
                .map_err(std::io::Error::from)
        });
    }
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > COMMAND_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "amisim {}: no exit within {COMMAND_TIMEOUT:?}",
                args.join(" ")
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stderr = String::from_utf8_lossy(&std::fs::read(&err_path).unwrap()).into_owned();
    Ok(Ran {
        code: status.code(),
        stderr,
    })
}

/// The files in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// How the mutant ended (refused, run, or validated only); or why it is a failure.
fn check(name: &str, bytes: &[u8]) -> Result<Fate, String> {
    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    // The data the shipped scenarios name (an empirical csv), inside the directory.
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for e in std::fs::read_dir(root().join("scenarios/data")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), data.join(e.file_name())).unwrap();
    }
    std::fs::write(dir.path().join(name), bytes).unwrap();
    let before = listing(dir.path());
    let validate = amisim_in(dir.path(), logs.path(), &["validate", name])?;
    if validate.code == Some(0) && estimated_events(&dir.path().join(name)) > RUN_EVENTS {
        return Ok(Fate::Large);
    }
    let run = amisim_in(
        dir.path(),
        logs.path(),
        &["run", name, "-n", "1", "-j", "1", "-q", "--out", "out"],
    )?;
    for (what, r) in [("validate", &validate), ("run", &run)] {
        match r.code {
            Some(0) | Some(2) => {}
            Some(c) => return Err(format!("{what}: exit {c}: {}", r.stderr)),
            None => {
                return Err(format!(
                    "{what}: killed by a signal (an abort: memory over {} MiB?): {}",
                    MEMORY_BYTES >> 20,
                    r.stderr
                ));
            }
        }
        if r.stderr.contains("panicked") {
            return Err(format!("{what}: panic: {}", r.stderr));
        }
        if r.code == Some(2) {
            let first = r.stderr.lines().next().unwrap_or("");
            if !first.starts_with(&format!("error: {name}")) {
                return Err(format!("{what}: refusal not located in {name}: {first}"));
            }
            if !r.stderr.lines().any(|l| l.starts_with("  help: ")) {
                return Err(format!("{what}: refusal without a help: {}", r.stderr));
            }
        }
    }
    if validate.code != run.code {
        return Err(format!(
            "validate exits {:?} but run exits {:?}: {}{}",
            validate.code, run.code, validate.stderr, run.stderr
        ));
    }
    let refused = run.code == Some(2);
    let after = listing(dir.path());
    if refused && after != before {
        return Err(format!("run refused but wrote: {after:?}"));
    }
    if !refused && !dir.path().join("out/manifest.json").is_file() {
        return Err("run succeeded without out/manifest.json".into());
    }
    Ok(if refused { Fate::Refused } else { Fate::Ran })
}

/// How a mutant that is no failure ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Refused,
    Ran,
    /// Accepted, but past the run budget: validated only.
    Large,
}

/// The events a replication of the accepted scenario at `path` is
/// estimated to need.
fn estimated_events(path: &Path) -> u64 {
    amisim::scenario::load(path, &amisim::scenario::LoadOptions::default())
        .map_or(0, |s| s.world.events_estimate())
}

/// The seed: the bytes of SHA-256 over `AMISIM_FUZZ_SEED` (default "amisim").
fn rng() -> (String, TestRng) {
    use sha2::{Digest, Sha256};
    let text = std::env::var("AMISIM_FUZZ_SEED").unwrap_or_else(|_| "amisim".into());
    let seed: [u8; 32] = Sha256::digest(text.as_bytes()).into();
    (text, TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
}

#[test]
#[ignore = "a time-budgeted fuzz run: .ci/run runs it (see the module doc)"]
fn fuzz_mutated_shipped_scenarios() {
    let budget: u64 = std::env::var("AMISIM_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let pool = Pool::load();
    let (seed, rng) = rng();
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = (any::<Index>(), prop::collection::vec(mutation(), 1..4));
    let start = Instant::now();
    let (mut cases, mut refused, mut large) = (0u64, 0u64, 0u64);
    while start.elapsed() < Duration::from_secs(budget) {
        let mut tree = strategy.new_tree(&mut runner).unwrap();
        let (which, edits) = tree.current();
        let (name, bytes) = pool.apply(&which, &edits);
        cases += 1;
        match check(&name, &bytes) {
            Ok(Fate::Refused) => refused += 1,
            Ok(Fate::Large) => large += 1,
            Ok(Fate::Ran) => {}
            Err(why) => {
                let (name, bytes, why, edits) = shrink(&pool, &mut tree, (name, bytes, why, edits));
                let path = root().join("target/fuzz-failure.toml");
                std::fs::write(&path, &bytes).unwrap();
                panic!(
                    "fuzz case {cases} (seed {seed:?}) fails on a mutant of scenarios/{name} \
                     (written to {}), edits {edits:?}:\n{why}",
                    path.display()
                );
            }
        }
    }
    println!(
        "fuzz: {cases} mutants of {} shipped scenarios in {:.0} s (seed {seed:?}): {refused} refused, \
         {} run, {large} accepted past the run budget (validated only); every exit 0 or 2, no panic, validate = run, refusals located with a help and \
         nothing written, each command under {} MiB of address space",
        pool.scenarios.len(),
        start.elapsed().as_secs_f64(),
        cases - refused - large,
        MEMORY_BYTES >> 20
    );
    assert!(cases > 0);
}

type Failure = (String, Vec<u8>, String, Vec<Mutation>);

/// Proptest's shrinking loop, bounded in time: the simplest mutant that still fails.
fn shrink(
    pool: &Pool,
    tree: &mut impl ValueTree<Value = (Index, Vec<Mutation>)>,
    mut last: Failure,
) -> Failure {
    let start = Instant::now();
    if !tree.simplify() {
        return last;
    }
    while start.elapsed() < SHRINK_BUDGET {
        let (which, edits) = tree.current();
        let (name, bytes) = pool.apply(&which, &edits);
        let more = match check(&name, &bytes) {
            Err(why) => {
                last = (name, bytes, why, edits);
                tree.simplify()
            }
            Ok(_) => tree.complicate(),
        };
        if !more {
            break;
        }
    }
    last
}

/// Every shipped scenario is within the run budget, so its mutants of
/// modest size still run; a thousandfold horizon (what the step once found
/// aborting at 1 GiB: 5.4 M events, 3 GB with rows) is past it.
#[test]
fn the_run_budget_covers_the_shipped_scenarios_and_not_a_thousandfold_horizon() {
    for p in super::shipped_scenarios()
        .into_iter()
        .chain(super::shipped_sweeps())
    {
        let n = estimated_events(&p);
        eprintln!("{}: {n} events estimated", p.display());
        assert!(n <= RUN_EVENTS, "{}: {n}", p.display());
    }
    let text = std::fs::read_to_string(root().join("scenarios/enterprise-capacity.toml"))
        .unwrap()
        .replacen("horizon = \"7d\"", "horizon = \"7000d\"", 1);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("long.toml");
    std::fs::write(&p, text).unwrap();
    assert!(estimated_events(&p) > RUN_EVENTS);
}
