//! `runs.csv`, `stages.csv`, `summary.csv` and `manifest.json`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ReportError, at, span};
use crate::engine::SimDuration;
use crate::experiment::Results;
use crate::experiment::stats::Summary;
use crate::pipeline::model::{Outcome, ReplicationResult, Stage, StageRecord};
use crate::scenario::Scenario;

/// Header of `runs.csv`.
pub const RUNS_HEADER: [&str; 16] = [
    "replication",
    "pipeline",
    "execution",
    "trigger",
    "triggered_at_s",
    "image_available_at_s",
    "tests_passed_at_s",
    "finished_at_s",
    "time_to_all_regions_s",
    "regions",
    "outcome",
    "failed_stage",
    "failed_item",
    "failed_cause",
    "critical_stage",
    "critical_stage_s",
];

/// Header of `stages.csv`.
pub const STAGES_HEADER: [&str; 18] = [
    "replication",
    "pipeline",
    "execution",
    "stage",
    "item",
    "region",
    "account",
    "enqueued_at_s",
    "started_at_s",
    "finished_at_s",
    "wait_s",
    "duration_s",
    "data_gib",
    "kms_key",
    "outcome",
    "cause",
    "attempt",
    "api_retries",
];

/// Header of `summary.csv`.
pub const SUMMARY_HEADER: [&str; 11] = [
    "pipeline", "stage", "metric", "count", "mean_s", "p50_s", "p90_s", "p95_s", "p99_s", "max_s",
    "failed",
];

fn csv_err(file: &'static str) -> impl Fn(csv::Error) -> ReportError {
    move |source| ReportError::Csv { file, source }
}

fn finish(file: &'static str, w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, ReportError> {
    w.into_inner().map_err(|e| ReportError::Csv {
        file,
        source: csv::Error::from(e.into_error()),
    })
}

/// The key protecting the data a stage writes: snapshots and copies.
pub fn kms_key_name(scn: &Scenario, rep: &ReplicationResult, r: &StageRecord) -> String {
    let p = &scn.world.pipelines[rep.runs[r.exec as usize].pipeline as usize];
    let dir = &scn.world.directory;
    match r.stage {
        Stage::Snapshot | Stage::CreateImage => dir.encryption_name(p.encryption),
        Stage::Copy => dir.encryption_name(p.copies[r.item as usize].encryption),
        _ => String::new(),
    }
}

/// The name of a stage record's item: component, test, device or source Region.
pub fn item_name(scn: &Scenario, rep: &ReplicationResult, r: &StageRecord) -> String {
    let p = &scn.world.pipelines[rep.runs[r.exec as usize].pipeline as usize];
    let i = r.item as usize;
    match r.stage {
        Stage::Component => p.components[i].name.clone(),
        Stage::Test => p.tests[i].name.clone(),
        Stage::Snapshot => p.volumes[i].device.clone(),
        Stage::Copy => scn.world.regions[p.region as usize].clone(),
        Stage::LaunchMigratedInstance => match &p.kind {
            crate::pipeline::config::Kind::Migration {
                to_availability_zone: Some(az),
            } => az.clone(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// Record indices of each execution of a replication, in record order.
pub fn records_by_exec(rep: &ReplicationResult) -> Vec<Vec<u32>> {
    let mut v = vec![Vec::new(); rep.runs.len()];
    for (i, r) in rep.stages.iter().enumerate() {
        v[r.exec as usize].push(i as u32);
    }
    v
}

/// The step that contributed most to a succeeded execution's time to all
/// Regions, along its critical path: the serial build and test stages, then
/// the distribution branch that finished last (its copy, including the wait
/// for quota slots, and its launch or share). Components and tests count
/// one by one (`component:<name>`), copies by destination (`copy:<region>`);
/// the schedule delay counts as `schedule_delay`.
pub fn critical_stage(
    scn: &Scenario,
    rep: &ReplicationResult,
    exec: usize,
    recs: &[u32],
) -> Option<(String, SimDuration)> {
    let run = &rep.runs[exec];
    if run.outcome != Outcome::Succeeded {
        return None;
    }
    let p = &scn.world.pipelines[run.pipeline as usize];
    let mut parts: BTreeMap<String, u64> = BTreeMap::new();
    let mut add = |k: String, d: SimDuration| *parts.entry(k).or_default() += d.as_millis();
    let span = |r: &StageRecord| r.finished.since(r.enqueued);
    let label = |r: &StageRecord| match r.stage {
        Stage::Component | Stage::Test => format!("{}:{}", r.stage.name(), item_name(scn, rep, r)),
        Stage::Copy => format!("copy:{}", scn.world.regions[r.region as usize]),
        s => s.name().to_string(),
    };
    let records = recs.iter().map(|i| &rep.stages[*i as usize]);
    let mut last: Option<&StageRecord> = None;
    for r in records.clone() {
        match r.stage {
            Stage::LaunchBuilder => {
                add("schedule_delay".into(), r.enqueued.since(run.triggered));
                add(label(r), span(r));
            }
            Stage::Component
            | Stage::StopBuilder
            | Stage::StopInstance
            | Stage::CreateImage
            | Stage::RegisterImage
            | Stage::LaunchTest
            | Stage::Test => add(label(r), span(r)),
            Stage::Share | Stage::LaunchDestinationTest | Stage::LaunchMigratedInstance
                if last.is_none_or(|l| r.finished > l.finished) =>
            {
                last = Some(r);
            }
            _ => {}
        }
    }
    // The copy behind the last branch.
    let copy_index = last.and_then(|l| match l.stage {
        Stage::Share => p.distributions[l.item as usize].owner_copy,
        _ if p.copies.is_empty() => None,
        _ => Some(l.item),
    });
    if let Some(l) = last {
        add(label(l), l.finished.since(l.started));
    }
    if let Some(c) = copy_index
        && let Some(copy) = records
            .clone()
            .find(|r| r.stage == Stage::Copy && r.item == c)
    {
        add(label(copy), span(copy));
    }
    parts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(k, ms)| (k, SimDuration(ms)))
}

/// Renders `runs.csv`: one row per replication × execution.
pub fn runs_csv(scn: &Scenario, res: &Results) -> Result<Vec<u8>, ReportError> {
    const F: &str = "runs.csv";
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(RUNS_HEADER).map_err(csv_err(F))?;
    for (ri, rep) in res.replications.iter().enumerate() {
        let by_exec = records_by_exec(rep);
        for (ei, run) in rep.runs.iter().enumerate() {
            let p = &scn.world.pipelines[run.pipeline as usize];
            let (critical, critical_s) = match critical_stage(scn, rep, ei, &by_exec[ei]) {
                Some((k, d)) => (k, span(d)),
                None => (String::new(), String::new()),
            };
            let (stage, item, cause) = match run.failed_record {
                Some(f) => {
                    let r = &rep.stages[f as usize];
                    (
                        r.stage.name().to_string(),
                        item_name(scn, rep, r),
                        r.cause.name(),
                    )
                }
                None => (String::new(), String::new(), ""),
            };
            let ttar = if run.outcome == Outcome::Succeeded {
                span(run.finished.since(run.triggered))
            } else {
                String::new()
            };
            w.write_record([
                ri.to_string(),
                p.name.clone(),
                run.number.to_string(),
                run.trigger.name().to_string(),
                at(run.triggered),
                run.image_available.map(at).unwrap_or_default(),
                run.tests_passed.map(at).unwrap_or_default(),
                at(run.finished),
                ttar,
                scn.world.target_regions(p).to_string(),
                run.outcome.name().to_string(),
                stage,
                item,
                cause.to_string(),
                critical,
                critical_s,
            ])
            .map_err(csv_err(F))?;
        }
    }
    finish(F, w)
}

/// Renders `stages.csv`: one row per stage occurrence.
pub fn stages_csv(scn: &Scenario, res: &Results) -> Result<Vec<u8>, ReportError> {
    const F: &str = "stages.csv";
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(STAGES_HEADER).map_err(csv_err(F))?;
    for (ri, rep) in res.replications.iter().enumerate() {
        for r in &rep.stages {
            let run = &rep.runs[r.exec as usize];
            let p = &scn.world.pipelines[run.pipeline as usize];
            w.write_record([
                ri.to_string(),
                p.name.clone(),
                run.number.to_string(),
                r.stage.name().to_string(),
                item_name(scn, rep, r),
                scn.world.regions[r.region as usize].clone(),
                scn.world.directory.accounts[r.account as usize]
                    .name
                    .clone(),
                at(r.enqueued),
                at(r.started),
                at(r.finished),
                span(r.started.since(r.enqueued)),
                span(r.finished.since(r.started)),
                format!("{:.3}", r.data_gib),
                kms_key_name(scn, rep, r),
                r.outcome.name().to_string(),
                r.cause.name().to_string(),
                r.attempt.to_string(),
                r.api_retries.to_string(),
            ])
            .map_err(csv_err(F))?;
        }
    }
    finish(F, w)
}

/// Header of `images.csv`.
pub const IMAGES_HEADER: [&str; 10] = [
    "replication",
    "pipeline",
    "execution",
    "account",
    "region",
    "kms_key",
    "stored_gib",
    "created_at_s",
    "deprecated_at_s",
    "deleted_at_s",
];

/// Renders `images.csv`: every image of a succeeded execution in each account
/// and Region, with when it was created, deprecated and deleted (empty: not
/// before the end of the run), for storage over time.
pub fn images_csv(scn: &Scenario, res: &Results) -> Result<Vec<u8>, ReportError> {
    const F: &str = "images.csv";
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(IMAGES_HEADER).map_err(csv_err(F))?;
    let dir = &scn.world.directory;
    for (ri, rep) in res.replications.iter().enumerate() {
        for img in &rep.images {
            let run = &rep.runs[img.exec as usize];
            w.write_record([
                ri.to_string(),
                scn.world.pipelines[run.pipeline as usize].name.clone(),
                run.number.to_string(),
                dir.accounts[img.account as usize].name.clone(),
                scn.world.regions[img.region as usize].clone(),
                dir.encryption_name(img.encryption),
                format!("{:.3}", img.stored_gib),
                at(img.created),
                img.deprecated.map(at).unwrap_or_default(),
                img.deleted.map(at).unwrap_or_default(),
            ])
            .map_err(csv_err(F))?;
        }
    }
    finish(F, w)
}

/// Per pipeline: summaries of time to all Regions and of each stage's
/// duration and wait, over every replication.
pub struct PipelineSummary {
    /// Pipeline name.
    pub name: String,
    /// Executions triggered.
    pub executions: usize,
    /// Executions that failed.
    pub failed: usize,
    /// Time from trigger to usable in every Region, succeeded executions.
    pub time_to_all_regions: Option<Summary>,
    /// Mean of the three phases of succeeded executions, seconds: build
    /// (trigger → AMI available), test (→ tests passed), distribute (→ usable everywhere).
    pub mean_phases: Option<[f64; 3]>,
    /// Per stage (in pipeline order, stages that occurred): (stage, duration, wait, failed count).
    pub stages: Vec<(Stage, Summary, Summary, usize)>,
}

/// Computes the summaries, pipeline by pipeline, in scenario order.
pub fn summarize(scn: &Scenario, res: &Results) -> Vec<PipelineSummary> {
    let np = scn.world.pipelines.len();
    let mut ttar: Vec<Vec<f64>> = vec![Vec::new(); np];
    let mut execs = vec![0usize; np];
    let mut phases = vec![[0.0f64; 3]; np];
    let mut failed = vec![0usize; np];
    let ns = Stage::ALL.len();
    let mut dur: Vec<Vec<f64>> = vec![Vec::new(); np * ns];
    let mut wait: Vec<Vec<f64>> = vec![Vec::new(); np * ns];
    let mut stage_failed = vec![0usize; np * ns];
    for rep in &res.replications {
        for run in &rep.runs {
            let p = run.pipeline as usize;
            execs[p] += 1;
            match run.outcome {
                Outcome::Succeeded => {
                    ttar[p].push(run.finished.since(run.triggered).as_secs_f64());
                    let img = run.image_available.unwrap_or(run.finished);
                    let tested = run.tests_passed.unwrap_or(run.finished);
                    phases[p][0] += img.since(run.triggered).as_secs_f64();
                    phases[p][1] += tested.since(img).as_secs_f64();
                    phases[p][2] += run.finished.since(tested).as_secs_f64();
                }
                _ => failed[p] += 1,
            }
        }
        for r in &rep.stages {
            let p = rep.runs[r.exec as usize].pipeline as usize;
            let k = p * ns + Stage::ALL.iter().position(|s| *s == r.stage).unwrap_or(0);
            match r.outcome {
                Outcome::Succeeded => {}
                Outcome::Failed => stage_failed[k] += 1,
                Outcome::Running => continue,
            }
            dur[k].push(r.finished.since(r.started).as_secs_f64());
            wait[k].push(r.started.since(r.enqueued).as_secs_f64());
        }
    }
    (0..np)
        .map(|p| PipelineSummary {
            name: scn.world.pipelines[p].name.clone(),
            executions: execs[p],
            failed: failed[p],
            mean_phases: (!ttar[p].is_empty()).then(|| phases[p].map(|x| x / ttar[p].len() as f64)),
            time_to_all_regions: Summary::of(&mut ttar[p]),
            stages: Stage::ALL
                .iter()
                .enumerate()
                .filter_map(|(si, s)| {
                    let k = p * ns + si;
                    let d = Summary::of(&mut dur[k])?;
                    let w = Summary::of(&mut wait[k])?;
                    Some((*s, d, w, stage_failed[k]))
                })
                .collect(),
        })
        .collect()
}

fn summary_row(
    pipeline: &str,
    stage: &str,
    metric: &str,
    s: &Summary,
    failed: usize,
) -> [String; 11] {
    let f = |v: f64| format!("{v:.3}");
    [
        pipeline.to_string(),
        stage.to_string(),
        metric.to_string(),
        s.count.to_string(),
        f(s.mean),
        f(s.p50),
        f(s.p90),
        f(s.p95),
        f(s.p99),
        f(s.max),
        failed.to_string(),
    ]
}

/// Renders `summary.csv`.
pub fn summary_csv(summaries: &[PipelineSummary]) -> Result<Vec<u8>, ReportError> {
    const F: &str = "summary.csv";
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(SUMMARY_HEADER).map_err(csv_err(F))?;
    for ps in summaries {
        if let Some(t) = &ps.time_to_all_regions {
            w.write_record(summary_row(
                &ps.name,
                "all",
                "time_to_all_regions",
                t,
                ps.failed,
            ))
            .map_err(csv_err(F))?;
        }
        for (stage, d, wt, failed) in &ps.stages {
            w.write_record(summary_row(&ps.name, stage.name(), "duration", d, *failed))
                .map_err(csv_err(F))?;
            w.write_record(summary_row(&ps.name, stage.name(), "wait", wt, *failed))
                .map_err(csv_err(F))?;
        }
    }
    finish(F, w)
}

#[derive(Serialize)]
struct Manifest<'a> {
    amisim_version: &'a str,
    scenario: &'a str,
    scenario_file: String,
    scenario_sha256: &'a str,
    seed: u64,
    replications: usize,
    start: String,
    horizon: String,
    regions: &'a [String],
    pipelines: Vec<&'a str>,
    events: u64,
    files: [&'a str; 6],
}

/// Renders `manifest.json`: what produced these files. Holds nothing that
/// depends on the machine, the thread count or the wall clock.
pub fn manifest_json(scn: &Scenario, res: &Results) -> Result<Vec<u8>, ReportError> {
    let m = Manifest {
        amisim_version: env!("CARGO_PKG_VERSION"),
        scenario: &scn.name,
        scenario_file: scn.path.display().to_string(),
        scenario_sha256: &scn.hash,
        seed: res.seed,
        replications: res.replications.len(),
        start: scn.start.to_rfc3339(),
        horizon: crate::engine::SimDuration(scn.world.horizon.as_millis()).to_string(),
        regions: &scn.world.regions,
        pipelines: scn
            .world
            .pipelines
            .iter()
            .map(|p| p.name.as_str())
            .collect(),
        events: res.events(),
        files: [
            "runs.csv",
            "stages.csv",
            "summary.csv",
            "quotas.csv",
            "quota_timeline.csv",
            "images.csv",
        ],
    };
    let mut bytes = serde_json::to_vec_pretty(&m)?;
    bytes.push(b'\n');
    Ok(bytes)
}
