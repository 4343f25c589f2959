//! `amisim run` once its arguments are checked ([`RunConfig`]): the
//! replications, then a shard's directory or a whole run's, committed at once.

use std::io::IsTerminal;

use super::finish::{Finish, print_summary, stage, write_outputs};
use super::run::{RowReplications, RunConfig};
use super::{CliError, print_warnings};
use crate::cost::CostLine;
use crate::experiment::outputs;
use crate::experiment::shard::{Shard, ShardInfo};
use crate::experiment::{self, Aggregate};
use crate::pipeline::model::ReplicationResult;
use crate::report::commit::Staged;
use crate::report::row_files::RowFiles;
use crate::report::rows::Encoded;
use crate::report::write::{atomic_write, atomic_write_json};
use crate::scenario::Scenario;

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

/// A shard's replications, unambiguously: `replication 0 (1 of 2)`,
/// `replications 3-5 (3 of 10)`, `no replication (0 of 2)`.
fn shard_span(first: u64, count: u64, total: u64) -> String {
    match count {
        0 => format!("no replication (0 of {total})"),
        1 => format!("replication {first} (1 of {total})"),
        _ => format!(
            "replications {first}-{} ({count} of {total})",
            first + count - 1
        ),
    }
}

/// Peak resident memory of this process in KiB (Linux `VmHWM`), if known.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub(super) fn run(c: &RunConfig) -> Result<(), CliError> {
    if !c.quiet {
        print_warnings(&c.scenario);
    }
    let staged = stage(&c.out)?;
    let mut rows = match c.sweep {
        None => Some(RowFiles::create(staged.path(), c.rows)?),
        Some(_) => None,
    };
    let row_limit = row_limit(c, rows.as_ref());
    let aggs = replicate(c, rows.as_mut(), row_limit)?;
    match c.shard {
        Some(shard) => finish_shard(c, shard, staged, &aggs, (rows, row_limit)),
        None => finish_run(c, staged, &aggs, (rows, row_limit)),
    }
}

/// How many replications' rows are written (`--row-replications`), if any
/// row file is.
fn row_limit(c: &RunConfig, rows: Option<&RowFiles>) -> Option<u64> {
    rows.filter(|r| r.enabled().any()).map(|r| {
        let limit = match c.row_replications {
            RowReplications::All => u64::MAX,
            RowReplications::First(n) => n,
            RowReplications::Auto => {
                crate::report::rows::auto_limit(&c.scenario, c.plan.seed, r.enabled())
            }
        };
        // A run that chooses its count by precision may go on to its bound.
        let most = c.plan.precision.map_or(c.total, |p| p.max_replications);
        limit.min(most)
    })
}

/// Runs the replications of the scenario, or of each sweep point, writing
/// the rows of the first `row_limit` as they come; one aggregate per point.
fn replicate(
    c: &RunConfig,
    mut rows: Option<&mut RowFiles>,
    row_limit: Option<u64>,
) -> Result<Vec<Aggregate>, CliError> {
    let points: Vec<&Scenario> = match &c.sweep {
        Some(s) => s.points.iter().map(|p| &p.scenario).collect(),
        None => vec![&c.scenario],
    };
    let per_point = c
        .plan
        .precision
        .map_or(c.plan.count, |p| p.max_replications);
    let bar = progress_bar(per_point * points.len() as u64, c.quiet);
    let mut aggs = Vec::with_capacity(points.len());
    for point in &points {
        let enabled = rows.as_deref().map(RowFiles::enabled);
        let limit = row_limit.unwrap_or(0);
        let encode = |out: &mut Encoded, i: u64, r: &ReplicationResult, lines: &[CostLine]| {
            if let Some(enabled) = enabled
                && i < limit
            {
                crate::report::rows::encode(&point.world, enabled, out, i, r, lines);
            }
        };
        let agg =
            experiment::run_rows(point, (&c.plan, limit), encode, |lo, ran, out: &Encoded| {
                if let Some(rows) = rows.as_deref_mut() {
                    rows.append(out)?;
                    if limit > 0 && lo + ran >= limit {
                        // Every row is written: to disk while the rest run.
                        rows.sync_early()?;
                    }
                }
                bar.inc(ran);
                Ok(())
            })?;
        aggs.push(agg);
    }
    bar.finish_and_clear();
    Ok(aggs)
}

/// A shard's directory: its partial aggregate, its row files, and
/// shard.json last (it records every file above, which merge checks).
fn finish_shard(
    c: &RunConfig,
    Shard { k, n }: Shard,
    staged: Staged,
    aggs: &[Aggregate],
    (rows, row_limit): (Option<RowFiles>, Option<u64>),
) -> Result<(), CliError> {
    let (first, count) = (c.plan.first, c.plan.count);
    let dir = staged.path().to_path_buf();
    atomic_write_json(&dir.join(outputs::SHARD_AGGREGATE.name), aggs)?;
    // A sweep's shards write no row files.
    let mut names = if rows.is_some() {
        c.rows.files()
    } else {
        Vec::new()
    };
    if let Some(rows) = rows {
        rows.commit()?;
    }
    names.push(outputs::SHARD_AGGREGATE.name);
    let files = names
        .iter()
        .map(|n| crate::experiment::shard::digest(&dir, n))
        .collect::<std::io::Result<Vec<_>>>()?;
    let info = ShardInfo {
        amisim_version: env!("CARGO_PKG_VERSION").into(),
        scenario_sha256: c.scenario.hash.clone(),
        seed: c.plan.seed,
        shard: k,
        shards: n,
        first_replication: first,
        replications: count,
        total_replications: c.total,
        rows: c.rows,
        row_replications: row_limit,
        files,
    };
    atomic_write(
        &dir.join(outputs::SHARD_INFO.name),
        &serde_json::to_vec_pretty(&info)?,
    )?;
    staged.commit()?;
    if count == 0 {
        eprintln!(
            "warning: shard {k}/{n} holds no replication: {n} shards share {} replication{}",
            c.total,
            if c.total == 1 { "" } else { "s" }
        );
    }
    if !c.quiet {
        println!(
            "shard {k}/{n}: {}; wrote {} (merge with `amisim merge`)",
            shard_span(first, count, c.total),
            c.out.display()
        );
    }
    Ok(())
}

/// A whole run's directory: the aggregated files, the trace and the report
/// if asked, then what was written and any warning.
fn finish_run(
    c: &RunConfig,
    staged: Staged,
    aggs: &[Aggregate],
    (rows, row_limit): (Option<RowFiles>, Option<u64>),
) -> Result<(), CliError> {
    let (scn, seed, first) = (&c.scenario, c.plan.seed, c.plan.first);
    let dir = staged.path().to_path_buf();
    let trace = c.trace && c.sweep.is_none();
    let mut extras = Vec::new();
    if trace {
        extras.push(outputs::TRACE.name);
    }
    if c.report {
        extras.extend(outputs::REPORT_FILES);
    }
    let finish = Finish {
        scn,
        sweep: c.sweep.as_ref(),
        seed,
        dir: &dir,
        shown: &c.out,
        selection: c.rows,
        quiet: c.quiet,
        all: c.all,
        extras,
        precision: c.plan.precision,
        // A precision run's bound may pass the replications it ran.
        row_replications: row_limit.map(|n| n.min(aggs.first().map_or(n, |a| a.replications))),
    };
    write_outputs(&finish, aggs, rows)?;
    if trace {
        // The first replication again (the same, from its seed).
        let rep = crate::pipeline::model::run_replication(&scn.world, seed, first);
        atomic_write(
            &dir.join(outputs::TRACE.name),
            &crate::report::trace::trace_json(&scn.world, &rep)?,
        )?;
    }
    if c.report {
        // The aggregates in memory; the manifest as written a moment ago.
        let manifest = crate::report::plan::Manifest::read(&dir)?;
        let inp = crate::report::plan::Inputs::precompute(scn, &manifest, aggs, c.sweep.as_ref())?;
        crate::report::plan::write_report(&inp, &dir)?;
    }
    staged.commit()?;
    print_summary(&finish, aggs);
    report_run(c, aggs);
    Ok(())
}

/// What a finished run says besides its summary: an unmet precision, the
/// trace and report written, the peak memory if asked.
fn report_run(c: &RunConfig, aggs: &[Aggregate]) {
    let shown = c.out.display();
    if let Some(p) = &c.plan.precision
        && c.sweep.is_none()
        && let Some(why) =
            crate::report::manifest::PrecisionRecord::of(p, &aggs[0]).unmet(aggs[0].replications)
    {
        eprintln!("warning: {why}");
    }
    if c.precision_by_default && !c.quiet {
        println!(
            "{} replications: neither the scenario nor -n gives a count, so the run went on until every pipeline's p95 of time to all Regions had a 95 % CI within ±{} % (at most {}); set `replications` or -n for a fixed count",
            aggs[0].replications,
            super::run::DEFAULT_PRECISION * 100.0,
            super::run::DEFAULT_PRECISION_MAX
        );
    }
    if c.trace && c.sweep.is_none() && !c.quiet {
        println!(
            "wrote {shown}/trace.json (replication {}; open it in https://ui.perfetto.dev)",
            c.plan.first
        );
    }
    if c.report && !c.quiet {
        println!("wrote {shown}/report.md, {shown}/report.html and {shown}/charts/");
    }
    if c.peak_memory
        && let Some(kib) = peak_memory_kib()
    {
        eprintln!("peak memory: {kib} KiB");
    }
}
