//! The command line: `amisim run`, `amisim validate` and `amisim merge`.
//!
//! Exit codes: 0 success; 1 runtime failure (I/O, threads); 2 usage or
//! scenario error (nothing is written).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cost::CostLine;
use crate::experiment::{self, Aggregate, Plan, Precision};
use crate::pipeline::model::ReplicationResult;
use crate::report::rows::{Encoded, RowFiles, RowSelection};
use crate::report::{capacity, csv_files, sweep as sweep_report, text, write::atomic_write};
use crate::scenario::sweep::Sweep;
use crate::scenario::{self, Scenario, ScenarioErrors};

/// Exit code for a usage or scenario error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code for a runtime failure.
pub const EXIT_RUNTIME: u8 = 1;

/// Replications per chunk: fixed, so that a precision target stops at the
/// same replication whatever the thread count.
pub const CHUNK: u64 = 16;

/// amisim: a discrete-event simulator of multi-region AWS AMI pipelines.
#[derive(Debug, Parser)]
#[command(
    name = "amisim",
    version,
    about,
    after_help = "Exit codes: 0 success, 1 runtime failure (I/O), 2 usage or scenario error.\n\
                  Scenario format and output columns: README.md."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write runs, stages, summary, quotas, quota_timeline and images CSVs and manifest.json.
    Run(RunArgs),
    /// Check a scenario file and report every error found, without running it.
    Validate(ValidateArgs),
    /// Merge the outputs of `run --shard` into exactly what one process writes.
    Merge(MergeArgs),
    /// Write charts, report.md and report.html from the outputs in a directory.
    Report(ReportArgs),
}

/// `amisim report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A directory written by `amisim run` (or `merge`).
    pub dir: PathBuf,
    /// The scenario file [default: the one named in DIR/manifest.json].
    #[arg(long)]
    pub scenario: Option<PathBuf>,
}

/// Which statistic a precision target applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionOf {
    /// The mean time to all Regions.
    Mean,
    /// The p95 of time to all Regions (over replication p95s).
    P95,
}

/// `amisim run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML), e.g. scenarios/quickstart.toml.
    pub scenario: PathBuf,
    /// Independent replications to run [default: the scenario's `replications`, else 10].
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub replications: Option<u64>,
    /// Master seed; replication i uses streams derived from (seed, i) [default: the scenario's `seed`, else 1].
    #[arg(short, long)]
    pub seed: Option<u64>,
    /// Worker threads (at most 1024), 0 for one per core; the outputs are
    /// identical for any value.
    #[arg(short = 'j', long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=1024))]
    pub threads: u16,
    /// Output directory [default: results/NAME/, NAME being the scenario's `name`].
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Print nothing on success (no summary, no progress bar).
    #[arg(short, long)]
    pub quiet: bool,
    /// Run shard K of N (K from 0): a contiguous slice of the replications, for `amisim merge`.
    /// K may be `env`: taken from SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN),
    /// AWS_BATCH_JOB_ARRAY_INDEX or JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Keep adding replications (at least --replications) until the 95 % confidence
    /// interval's half-width is below this fraction of the estimate, e.g. 0.02.
    #[arg(long, value_name = "FRACTION")]
    pub precision: Option<f64>,
    /// The statistic --precision applies to (of time to all Regions, every pipeline).
    #[arg(long, value_enum, default_value_t = PrecisionOf::P95)]
    pub precision_of: PrecisionOf,
    /// With --precision: never run more replications than this.
    #[arg(long, default_value_t = 10_000)]
    pub max_replications: u64,
    /// Which row files to write: `all` (runs, stages, images), `runs`, or `none`
    /// (large experiments: the aggregated reports only).
    #[arg(long, value_enum, default_value_t = Rows::All)]
    pub rows: Rows,
    /// Also write charts (PNG and SVG), report.md and a self-contained report.html.
    #[arg(long)]
    pub report: bool,
    /// Also write trace.json: the first replication as a Chrome trace (open in Perfetto).
    #[arg(long)]
    pub trace: bool,
    /// Print the process's peak resident memory (Linux) when done, for benchmarks.
    #[arg(long, hide = true)]
    pub peak_memory: bool,
}

/// `--rows`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Rows {
    /// runs.csv, stages.csv and images.csv.
    All,
    /// runs.csv only.
    Runs,
    /// No row file.
    None,
}

impl Rows {
    fn selection(self) -> RowSelection {
        match self {
            Rows::All => RowSelection::All,
            Rows::Runs => RowSelection::Runs,
            Rows::None => RowSelection::None,
        }
    }
}

/// Peak resident memory of this process in KiB (Linux `VmHWM`), if known.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `amisim validate`
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
}

/// `amisim merge`
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The scenario file the shards ran.
    pub scenario: PathBuf,
    /// The shards' output directories, in any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output directory [default: results/NAME/].
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Print nothing on success.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Prints the rule violations a scenario simulates on purpose.
fn print_warnings(scn: &Scenario) {
    for w in &scn.warnings {
        eprintln!("warning: {w}");
    }
    if !scn.warnings.is_empty() {
        eprintln!(
            "{} rule violation{} simulated on purpose (model_misconfigurations = true): the stage fails where AWS fails it",
            scn.warnings.len(),
            if scn.warnings.len() == 1 { "" } else { "s" }
        );
    }
}

fn scenario_failed(e: &ScenarioErrors) -> ExitCode {
    eprintln!("{e}");
    ExitCode::from(EXIT_USAGE)
}

fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_USAGE)
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate(a) => match scenario::load_with_sweep(&a.scenario) {
            Ok((s, sweep)) => {
                print_warnings(&s);
                if let Some(sw) = &sweep {
                    println!(
                        "{}: [sweep] of {} points, every one valid",
                        a.scenario.display(),
                        sw.points.len()
                    );
                }
                let (np, nr) = (s.world.pipelines.len(), s.world.regions.len());
                println!(
                    "{}: ok ({np} pipeline{}, {nr} Region{})",
                    a.scenario.display(),
                    if np == 1 { "" } else { "s" },
                    if nr == 1 { "" } else { "s" },
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => Ok(scenario_failed(&e)),
        },
        Command::Run(a) => run_scenario(&a),
        Command::Merge(a) => merge(&a),
        Command::Report(a) => report(&a),
    }
}

fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    // Fail before the run, not after it, if the directory is not writable.
    let probe = dir.join(format!(".amisim-probe-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .with_context(|| format!("cannot write in the output directory {}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// `K/N` with K a number or `env`.
fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("--shard {text:?}: write K/N, e.g. 0/4 or env/4"))?;
    let n: u64 = n
        .parse()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| format!("--shard {text:?}: N must be a positive number"))?;
    let k: u64 = if k == "env" {
        shard_index_from_env()?
    } else {
        k.parse()
            .map_err(|_| format!("--shard {text:?}: K must be a number or `env`"))?
    };
    if k >= n {
        return Err(format!(
            "--shard {text:?}: K must be below N (shards are numbered from 0)"
        ));
    }
    Ok((k, n))
}

/// The array index a batch engine gives its task.
fn shard_index_from_env() -> Result<u64, String> {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(id) = var("SLURM_ARRAY_TASK_ID") {
        return Ok(id - var("SLURM_ARRAY_TASK_MIN").unwrap_or(0).min(id));
    }
    var("AWS_BATCH_JOB_ARRAY_INDEX")
        .or_else(|| var("JOB_COMPLETION_INDEX"))
        .ok_or_else(|| {
            "--shard env/N: none of SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX, JOB_COMPLETION_INDEX is set".to_string()
        })
}

/// Replications `[first, first + count)` of shard `k` of `n` over `total`.
pub fn shard_range(total: u64, k: u64, n: u64) -> (u64, u64) {
    let lo = total * k / n;
    let hi = total * (k + 1) / n;
    (lo, hi - lo)
}

/// What a shard records beside its rows.
#[derive(serde::Serialize, serde::Deserialize)]
struct ShardInfo {
    amisim_version: String,
    scenario_sha256: String,
    seed: u64,
    shard: u64,
    shards: u64,
    first_replication: u64,
    replications: u64,
    total_replications: u64,
    rows: RowSelection,
}

fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} replications  {rate}  eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        // indicatif's own {per_sec} prints four decimals ("56,371.8544/s").
        .with_key(
            "rate",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", s.per_sec());
            },
        ),
    );
    bar
}

fn run_scenario(a: &RunArgs) -> anyhow::Result<ExitCode> {
    let (scn, sweep) = match scenario::load_with_sweep(&a.scenario) {
        Ok(s) => s,
        Err(e) => return Ok(scenario_failed(&e)),
    };
    let shard = match a.shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => return Ok(usage_error(e)),
    };
    if let Some(p) = a.precision
        && !(p > 0.0 && p < 1.0)
    {
        return Ok(usage_error(format!(
            "--precision {p}: give a fraction between 0 and 1, e.g. 0.02"
        )));
    }
    if a.precision.is_some() && shard.is_some() {
        return Ok(usage_error(
            "--precision decides the number of replications as it goes; it cannot be sharded (run without --shard)",
        ));
    }
    if !a.quiet {
        print_warnings(&scn);
    }
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&scn.name));
    prepare_dir(&dir)?;
    let seed = a.seed.unwrap_or(scn.seed);
    let total = a.replications.unwrap_or(scn.replications as u64);
    let (first, count) = shard.map_or((0, total), |(k, n)| shard_range(total, k, n));
    let plan = Plan {
        seed,
        first,
        count,
        threads: usize::from(a.threads),
        // A precision target is checked between chunks: a fixed chunk keeps the
        // stopping point independent of the thread count. Otherwise the chunk
        // only bounds memory: one replication per thread first, to measure
        // their rows, if any.
        chunk: {
            let threads = experiment::workers(usize::from(a.threads))? as u64;
            if a.precision.is_some() {
                CHUNK
            } else if sweep.is_none() && a.rows != Rows::None {
                threads
            } else {
                experiment::MAX_CHUNK_PER_THREAD * threads
            }
        },
        precision: a.precision.map(|p| Precision {
            relative_half_width: p,
            of_p95: a.precision_of == PrecisionOf::P95,
            max_replications: a.max_replications.max(count),
        }),
    };
    let points: Vec<&Scenario> = match &sweep {
        Some(s) => s.points.iter().map(|p| &p.scenario).collect(),
        None => vec![&scn],
    };
    // Row files only for a single scenario: a sweep reports per point.
    let selection = a.rows.selection();
    let mut rows = if sweep.is_none() {
        Some(RowFiles::create(&dir, selection)?)
    } else {
        None
    };
    let per_point = plan.precision.map_or(count, |p| p.max_replications);
    let bar = progress_bar(per_point * points.len() as u64, a.quiet);
    let mut aggs = Vec::with_capacity(points.len());
    for point in &points {
        let enabled = rows.as_ref().map(RowFiles::enabled);
        let encode = |out: &mut Encoded, i: u64, r: &ReplicationResult, lines: &[CostLine]| {
            if let Some(enabled) = enabled {
                crate::report::rows::encode(&point.world, enabled, out, i, r, lines);
            }
        };
        let agg = experiment::run(point, &plan, encode, |_, ran, out: &Encoded| {
            if let Some(rows) = rows.as_mut() {
                rows.append(out).map_err(|e| e.to_string())?;
            }
            bar.inc(ran);
            Ok(())
        })?;
        aggs.push(agg);
    }
    bar.finish_and_clear();
    if let Some((k, n)) = shard {
        let info = ShardInfo {
            amisim_version: env!("CARGO_PKG_VERSION").into(),
            scenario_sha256: scn.hash.clone(),
            seed,
            shard: k,
            shards: n,
            first_replication: first,
            replications: count,
            total_replications: total,
            rows: selection,
        };
        atomic_write(&dir.join("aggregate.json"), &serde_json::to_vec(&aggs)?)?;
        atomic_write(&dir.join("shard.json"), &serde_json::to_vec_pretty(&info)?)?;
        if let Some(rows) = rows {
            rows.commit()?;
        }
        if !a.quiet {
            println!(
                "shard {k}/{n}: replications {first}..{} of {total}; wrote {} (merge with `amisim merge`)",
                first + count,
                dir.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    finish_outputs(
        &scn,
        sweep.as_ref(),
        &aggs,
        seed,
        &dir,
        rows,
        selection,
        a.quiet,
    )?;
    if a.trace && sweep.is_none() {
        // The first replication again (the same, from its seed).
        let rep = crate::pipeline::model::run_replication(&scn.world, seed, first);
        atomic_write(
            &dir.join("trace.json"),
            &crate::report::trace::trace_json(&scn.world, &rep)?,
        )?;
        if !a.quiet {
            println!(
                "wrote {}/trace.json (replication {first}; open it in https://ui.perfetto.dev)",
                dir.display()
            );
        }
    }
    if a.report {
        crate::report::plan::write_report(&scn, &dir)?;
        if !a.quiet {
            println!(
                "wrote {0}/report.md, {0}/report.html and {0}/charts/",
                dir.display()
            );
        }
    }
    if a.peak_memory
        && let Some(kib) = peak_memory_kib()
    {
        eprintln!("peak memory: {kib} KiB");
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the reports of a finished (or merged) run and prints its summary.
#[allow(clippy::too_many_arguments)]
fn finish_outputs(
    scn: &Scenario,
    sweep: Option<&Sweep>,
    aggs: &[Aggregate],
    seed: u64,
    dir: &Path,
    rows: Option<RowFiles>,
    selection: RowSelection,
    quiet: bool,
) -> anyhow::Result<()> {
    match sweep {
        Some(sw) => {
            atomic_write(&dir.join("sweep.csv"), &sweep_report::sweep_csv(sw, aggs)?)?;
            atomic_write(
                &dir.join("manifest.json"),
                &sweep_report::manifest_json(scn, sw, aggs, seed)?,
            )?;
            if !quiet {
                print!("{}", sweep_report::render(scn, sw, aggs, seed));
                println!("wrote {}/sweep.csv and manifest.json", dir.display());
            }
        }
        None => {
            write_reports(scn, &aggs[0], seed, dir, selection)?;
            if let Some(rows) = rows {
                rows.commit()?;
            }
            if !quiet {
                print!("{}", text::render(scn, seed, &aggs[0]));
                let mut files: Vec<&str> = selection
                    .files()
                    .iter()
                    .map(|f| f.trim_end_matches(".csv"))
                    .collect();
                files.extend([
                    "summary",
                    "quotas",
                    "quota_timeline",
                    "cost_summary",
                    "cost_breakdown",
                ]);
                println!(
                    "wrote {}/{{{}}}.csv and manifest.json",
                    dir.display(),
                    files.join(",")
                );
            }
        }
    }
    Ok(())
}

fn write_reports(
    scn: &Scenario,
    agg: &Aggregate,
    seed: u64,
    dir: &Path,
    rows: RowSelection,
) -> anyhow::Result<()> {
    let files = [
        ("summary.csv", csv_files::summary_csv(scn, agg)?),
        ("quotas.csv", capacity::quotas_csv(scn, agg)?),
        ("quota_timeline.csv", capacity::timeline_csv(scn, agg)?),
        ("cost_summary.csv", csv_files::cost_summary_csv(scn, agg)?),
        (
            "cost_breakdown.csv",
            csv_files::cost_breakdown_csv(scn, agg)?,
        ),
        (
            "manifest.json",
            csv_files::manifest_json(scn, agg, seed, rows)?,
        ),
    ];
    for (name, bytes) in &files {
        atomic_write(&dir.join(name), bytes)?;
    }
    Ok(())
}

fn merge(a: &MergeArgs) -> anyhow::Result<ExitCode> {
    let (scn, sweep) = match scenario::load_with_sweep(&a.scenario) {
        Ok(s) => s,
        Err(e) => return Ok(scenario_failed(&e)),
    };
    let mut shards = Vec::new();
    for d in &a.shards {
        let path = d.join("shard.json");
        let info: ShardInfo = serde_json::from_slice(
            &std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?,
        )
        .with_context(|| format!("{} is not a shard record", path.display()))?;
        if info.amisim_version != env!("CARGO_PKG_VERSION") {
            // Aggregates are exact only between the same code.
            return Ok(usage_error(format!(
                "{} was written by amisim {}, this is amisim {}: run every shard and the merge with one version",
                d.display(),
                info.amisim_version,
                env!("CARGO_PKG_VERSION")
            )));
        }
        if info.scenario_sha256 != scn.hash {
            return Ok(usage_error(format!(
                "{} ran another version of {} (SHA-256 {} ≠ {})",
                d.display(),
                a.scenario.display(),
                info.scenario_sha256,
                scn.hash
            )));
        }
        shards.push((info, d.clone()));
    }
    shards.sort_by_key(|(i, _)| i.first_replication);
    let (s0, _) = &shards[0];
    let (seed, n, total) = (s0.seed, s0.shards, s0.total_replications);
    let ks: Vec<u64> = shards.iter().map(|(i, _)| i.shard).collect();
    if shards
        .iter()
        .any(|(i, _)| i.seed != seed || i.shards != n || i.total_replications != total)
        || ks != (0..n).collect::<Vec<_>>()
    {
        return Ok(usage_error(format!(
            "the shards do not form one run: need shards 0..{n} of the same seed and replication count, got {ks:?}"
        )));
    }
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&scn.name));
    prepare_dir(&dir)?;
    let points = sweep.as_ref().map_or(1, |s| s.points.len());
    let mut aggs = vec![Aggregate::default(); points];
    for (info, d) in &shards {
        let path = d.join("aggregate.json");
        let parts: Vec<Aggregate> = serde_json::from_slice(
            &std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?,
        )
        .with_context(|| format!("{} is damaged", path.display()))?;
        if parts.len() != points || parts.iter().any(|p| p.replications != info.replications) {
            bail!(
                "{} does not hold {} replications for each of {points} point(s)",
                path.display(),
                info.replications
            );
        }
        for (agg, part) in aggs.iter_mut().zip(&parts) {
            agg.merge(part);
        }
    }
    let selection = s0.rows;
    if shards.iter().any(|(i, _)| i.rows != selection) {
        return Ok(usage_error(
            "the shards wrote different row files (--rows); run them alike",
        ));
    }
    let rows = if sweep.is_none() {
        let mut rows = RowFiles::create(&dir, selection)?;
        let parts: Vec<PathBuf> = shards.iter().map(|(_, d)| d.clone()).collect();
        rows.append_files(&parts)?;
        Some(rows)
    } else {
        None
    };
    finish_outputs(
        &scn,
        sweep.as_ref(),
        &aggs,
        seed,
        &dir,
        rows,
        selection,
        a.quiet,
    )?;
    if !a.quiet {
        println!("merged {n} shards");
    }
    Ok(ExitCode::SUCCESS)
}

fn report(a: &ReportArgs) -> anyhow::Result<ExitCode> {
    let scenario = match &a.scenario {
        Some(p) => p.clone(),
        None => {
            let path = a.dir.join("manifest.json");
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    return Ok(usage_error(format!(
                        "cannot read {}: {e}; is {} an amisim output directory?",
                        path.display(),
                        a.dir.display()
                    )));
                }
            };
            let v: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a manifest", path.display()))?;
            match v.get("scenario_file").and_then(|s| s.as_str()) {
                Some(s) => PathBuf::from(s),
                None => {
                    return Ok(usage_error(format!(
                        "{} names no scenario file; pass --scenario",
                        path.display()
                    )));
                }
            }
        }
    };
    let (scn, _) = match scenario::load_with_sweep(&scenario) {
        Ok(s) => s,
        Err(e) => return Ok(scenario_failed(&e)),
    };
    crate::report::plan::write_report(&scn, &a.dir)?;
    println!(
        "wrote {0}/report.md, {0}/report.html and {0}/charts/",
        a.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
