//! The backtest fixtures' generator: AWS-shaped history (Image Builder's
//! `list-image-pipeline-images`, `list-workflow-executions`,
//! `list-workflow-step-executions` and EventBridge's "EC2 AMI State
//! Change" events) of executions whose truth is known: amisim's model run
//! on `tests/backtest/truth.toml` at a fixed seed, each execution written as
//! Image Builder logs it. Three truths:
//! - `consistent`: the truth throughout (the scenario under test has the
//!   same structure, only other durations);
//! - `drift`: the copies slow down after the 40th day (both routes'
//!   overhead ×2.5 and rate ÷2);
//! - `bottleneck`: a second pipeline of the account, triggered at the same
//!   minute and first in line, holds the account's only build slot
//!   (`concurrent_builds = 1`), a queue the scenario under test lacks.
//!
//! `AMISIM_BLESS=1 cargo test --test it backtest` rewrites the committed
//! fixtures; otherwise the test checks that the generator still writes them
//! byte for byte.

use std::fmt::Write as _;
use std::path::Path;

use amisim::pipeline::config::World;
use amisim::pipeline::model::{Outcome, ReplicationResult, Stage, StageRecord, run_replication};
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
/// 2026-08-03T00:00:00Z, the truth's start.
const T0: i64 = 1_785_715_200;
/// Days of history, and the day the drift starts.
const DAYS: u64 = 80;
const DRIFT_DAY: u64 = 40;

/// The history of one truth, as four files' text.
#[derive(Default)]
pub struct History {
    pub images: Vec<Value>,
    pub workflows: String,
    pub steps: String,
    pub events: String,
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// A hex id from a counter, as AWS's look.
fn hex(n: u64, len: usize) -> String {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut s = String::new();
    while s.len() < len {
        x ^= x >> 29;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let _ = write!(s, "{:016x}", x);
    }
    s.truncate(len);
    s
}

fn step(name: &str, action: &str, span: (i64, i64), failed: Option<&str>, id: u64) -> Value {
    json!({
        "stepExecutionId": format!("step-{}-{}-{}-{}-{}", hex(id, 8), hex(id + 1, 4), hex(id + 2, 4), hex(id + 3, 4), hex(id + 4, 12)),
        "name": name,
        "action": action,
        "status": if failed.is_some() { "FAILED" } else { "COMPLETED" },
        "rollbackStatus": "SKIPPED",
        "message": failed.unwrap_or(""),
        "startTime": iso(span.0),
        "endTime": iso(span.1),
    })
}

/// The span of a stage's records (first start, last end) and whether the
/// last one failed, in epoch milliseconds.
fn span(world_start: i64, recs: &[&StageRecord], stage: Stage) -> Option<(i64, i64, bool)> {
    let mine: Vec<&&StageRecord> = recs.iter().filter(|r| r.stage == stage).collect();
    let a = mine.iter().map(|r| r.started.0).min()?;
    let last = mine.iter().max_by_key(|r| r.finished.0)?;
    Some((
        world_start + a as i64,
        world_start + last.finished.0 as i64,
        last.outcome == Outcome::Failed,
    ))
}

/// Appends the executions of `r` (pipeline `golden` only) to `h`, numbering them
/// from `*number`.
pub fn append(
    h: &mut History,
    world: &World,
    r: &ReplicationResult,
    start_ms: i64,
    number: &mut u64,
) {
    for (run, ids) in r.runs.iter().zip(r.by_exec.iter()) {
        let recs: Vec<&StageRecord> = ids.iter().map(|i| &r.stages[i.index()]).collect();
        if world.pipelines[run.pipeline as usize].name != "golden"
            || run.outcome == Outcome::Running
        {
            continue;
        }
        *number += 1;
        one(
            h,
            world,
            run.outcome,
            run.tests_passed.map(|t| start_ms + t.0 as i64),
            start_ms + run.finished.0 as i64,
            &recs,
            start_ms,
            *number,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn one(
    h: &mut History,
    world: &World,
    outcome: Outcome,
    tests_passed: Option<i64>,
    finished: i64,
    recs: &[&StageRecord],
    t0: i64,
    n: u64,
) {
    let arn = format!("arn:aws:imagebuilder:us-east-1:{ACCOUNT}:image/golden/1.0.0/{n}");
    let Some(launch) = recs.iter().find(|r| r.stage == Stage::LaunchBuilder) else {
        return;
    };
    let created = t0 + launch.enqueued.0 as i64;
    let ids = n * 100;
    let wf = |k: u64| {
        format!(
            "wf-{}-{}-{}-{}-{}",
            hex(ids + k, 8),
            hex(ids + k + 10, 4),
            hex(ids + k + 20, 4),
            hex(ids + k + 30, 4),
            hex(ids + k + 40, 12)
        )
    };
    let fail = |f: bool| f.then_some("Step failed: the component document exited with code 1");
    let mut build = Vec::new();
    let plan: [(&str, &str, Stage); 4] = [
        (
            "LaunchBuildInstance",
            "LaunchInstance",
            Stage::LaunchBuilder,
        ),
        (
            "ApplyBuildComponents",
            "ExecuteComponents",
            Stage::Component,
        ),
        (
            "InventoryCollection",
            "CollectImageMetadata",
            Stage::CollectMetadata,
        ),
        ("RunSanitizeScript", "RunCommand", Stage::Sanitize),
    ];
    for (k, (name, action, stage)) in plan.iter().enumerate() {
        if let Some((a, b, f)) = span(t0, recs, *stage) {
            build.push(step(name, action, (a, b), fail(f), ids + 50 + k as u64 * 5));
        }
    }
    if let (Some((a, _, _)), Some((_, b, f))) = (
        span(t0, recs, Stage::CreateImage),
        span(t0, recs, Stage::RegisterImage).or(span(t0, recs, Stage::CreateImage)),
    ) {
        build.push(step(
            "CreateOutputAMI",
            "CreateImage",
            (a, b),
            fail(f),
            ids + 70,
        ));
    }
    if let Some((a, b, _)) = span(t0, recs, Stage::TerminateBuilder) {
        build.push(step(
            "TerminateBuildInstance",
            "TerminateInstance",
            (a, b),
            None,
            ids + 75,
        ));
    }
    let mut test = Vec::new();
    for (k, (name, action, stage)) in [
        ("LaunchTestInstance", "LaunchInstance", Stage::LaunchTest),
        ("ApplyTestComponents", "ExecuteComponents", Stage::Test),
    ]
    .iter()
    .enumerate()
    {
        if let Some((a, b, f)) = span(t0, recs, *stage) {
            test.push(step(name, action, (a, b), fail(f), ids + 80 + k as u64 * 5));
        }
    }
    let mut workflows = vec![("BUILD", "build/build-image/1.0.2/1", wf(1), build)];
    if !test.is_empty() {
        workflows.push(("TEST", "test/test-image/1.0.1/1", wf(2), test));
    }
    if let Some(tp) = tests_passed {
        let f = outcome == Outcome::Failed;
        let d = step(
            "DistributeImage",
            "DistributeImage",
            (tp, finished),
            f.then_some("Distribution failed"),
            ids + 90,
        );
        workflows.push((
            "DISTRIBUTION",
            "distribution/distribute-image/1.0.0/1",
            wf(3),
            vec![d],
        ));
    }
    write_workflows(h, &arn, &workflows);
    let amis = ami_events(h, world, recs, t0, n);
    let status = if outcome == Outcome::Succeeded {
        "AVAILABLE"
    } else {
        "FAILED"
    };
    h.images.push(json!({
        "arn": arn,
        "name": "golden",
        "type": "AMI",
        "version": format!("1.0.0/{n}"),
        "platform": "Linux",
        "state": if status == "FAILED" { json!({"status": status, "reason": "Workflow step failed"}) } else { json!({"status": status}) },
        "owner": ACCOUNT,
        "dateCreated": iso(created),
        "outputResources": {"amis": amis},
        "buildType": "SCHEDULED",
        "imageSource": "AMAZON_MANAGED",
    }));
}

fn write_workflows(h: &mut History, arn: &str, workflows: &[(&str, &str, String, Vec<Value>)]) {
    let list: Vec<Value> = workflows
        .iter()
        .map(|(ty, wf_arn, id, steps)| {
            let first = steps.first().and_then(|s| s["startTime"].as_str()).unwrap_or("");
            let last = steps.last().and_then(|s| s["endTime"].as_str()).unwrap_or("");
            let failed = steps.iter().any(|s| s["status"] == "FAILED");
            json!({
                "workflowBuildVersionArn": format!("arn:aws:imagebuilder:us-east-1:aws:workflow/{wf_arn}"),
                "workflowExecutionId": id,
                "type": ty,
                "status": if failed { "FAILED" } else { "COMPLETED" },
                "totalStepCount": steps.len(),
                "startTime": first,
                "endTime": last,
            })
        })
        .collect();
    let _ = writeln!(
        h.workflows,
        "{}",
        json!({"workflowExecutions": list, "imageBuildVersionArn": arn})
    );
    for (_, wf_arn, id, steps) in workflows {
        let doc = json!({
            "workflowBuildVersionArn": format!("arn:aws:imagebuilder:us-east-1:aws:workflow/{wf_arn}"),
            "workflowExecutionId": id,
            "imageBuildVersionArn": arn,
            "steps": steps,
        });
        let _ = writeln!(h.steps, "{doc}");
    }
}

/// The AMIs of an execution (build Region at registration, each copy at
/// its end) and their state-change events.
fn ami_events(
    h: &mut History,
    world: &World,
    recs: &[&StageRecord],
    t0: i64,
    n: u64,
) -> Vec<Value> {
    let mut amis = Vec::new();
    let mut event = |region: &str, at: i64, state: &str, k: u64| {
        let ami = format!("ami-0{}", hex(n * 10 + k, 16));
        let e = json!({
            "version": "0",
            "id": format!("{}-{}-{}-{}-{}", hex(n * 7 + k, 8), hex(n * 7 + k + 1, 4), hex(n * 7 + k + 2, 4), hex(n * 7 + k + 3, 4), hex(n * 7 + k + 4, 12)),
            "detail-type": "EC2 AMI State Change",
            "source": "aws.ec2",
            "account": ACCOUNT,
            "time": iso(at - at % 1000),
            "region": region,
            "resources": [format!("arn:aws:ec2:{region}::image/{ami}")],
            "detail": {"RequestId": hex(n * 13 + k, 32), "ImageId": ami, "State": state, "ErrorMessage": ""},
        });
        let _ = writeln!(h.events, "{e}");
        if state == "available" {
            amis.push(json!({"region": region, "image": ami, "accountId": ACCOUNT}));
        }
    };
    if let Some((_, b, false)) = span(t0, recs, Stage::RegisterImage) {
        event("us-east-1", b, "available", 0);
    }
    for (k, r) in recs.iter().filter(|r| r.stage == Stage::Copy).enumerate() {
        let region = &world.regions[r.region.index()];
        let state = if r.outcome == Outcome::Failed {
            "failed"
        } else {
            "available"
        };
        event(region, t0 + r.finished.0 as i64, state, k as u64 + 1);
    }
    amis
}

/// The truth scenario's text, for one case and period.
fn truth(case: &str, slow: bool) -> String {
    let mut t = std::fs::read_to_string("tests/backtest/truth.toml").expect("truth.toml");
    if slow {
        t = t
            .replace("median = \"5m\", p95 = \"12m\" }, throughput_mib_s = { kind = \"lognormal\", median = 40, p95 = 90 }", "median = \"12m30s\", p95 = \"30m\" }, throughput_mib_s = { kind = \"lognormal\", median = 20, p95 = 45 }")
            .replace("median = \"8m\", p95 = \"20m\" }, throughput_mib_s = { kind = \"lognormal\", median = 25, p95 = 60 }", "median = \"20m\", p95 = \"50m\" }, throughput_mib_s = { kind = \"lognormal\", median = 12.5, p95 = 30 }");
    }
    if case == "bottleneck" {
        // First in the file, so first in line at 06:00; holds the only slot.
        let other = "[quotas]\nconcurrent_builds = 1\n\n[[pipeline]]\nname = \"windows-base\"\ntool = \"image_builder\"\nregion = \"us-east-1\"\nplatform = \"linux\"\nbase_image_owner = \"aws\"\nbuilder_instance_type = \"m5.large\"\ntest_instance_type = \"t3.medium\"\n\n[[pipeline.volume]]\ndevice = \"/dev/xvda\"\nsize_gib = 30\ndata_gib = 4\n\n[[pipeline.component]]\nname = \"windows-updates\"\nduration = { kind = \"lognormal\", median = \"25m\", p95 = \"40m\" }\n\n[pipeline.schedule]\ncron = \"cron(0 6 * * ? *)\"\nstart_condition = \"always\"\n\n";
        t = t.replacen("[[pipeline]]", &format!("{other}[[pipeline]]"), 1);
    }
    t
}

/// Runs the truth from `day` for `days` and appends its executions.
fn period(
    h: &mut History,
    case: &str,
    slow: bool,
    (day, days): (u64, u64),
    seed: u64,
    number: &mut u64,
) {
    let text = truth(case, slow).replace(
        "start = 2026-08-03T00:00:00Z\nhorizon = \"80d\"",
        &format!(
            "start = {}\nhorizon = \"{days}d\"",
            iso((T0 + day as i64 * 86_400) * 1000).replace(".000", "")
        ),
    );
    let sc = amisim::scenario::from_str(Path::new("tests/backtest/truth.toml"), &text)
        .unwrap_or_else(|e| panic!("truth of {case}: {e}"));
    let r = run_replication(&sc.world, seed, day);
    let start_ms = sc.start.timestamp_millis();
    append(h, &sc.world, &r, start_ms, number);
}

/// The committed fixtures' seed (truth.toml's).
pub const SEED: u64 = 2026;

/// The history of `case`, drawn with `seed`.
pub fn generate(case: &str, seed: u64) -> History {
    let mut h = History::default();
    let mut n = 0;
    if case == "drift" {
        period(&mut h, case, false, (0, DRIFT_DAY), seed, &mut n);
        period(
            &mut h,
            case,
            true,
            (DRIFT_DAY, DAYS - DRIFT_DAY),
            seed,
            &mut n,
        );
    } else {
        period(&mut h, case, false, (0, DAYS), seed, &mut n);
    }
    h
}

/// The files of a history: name and text.
pub fn files(h: &History) -> Vec<(&'static str, String)> {
    let images = serde_json::to_string_pretty(&json!({
        "requestId": "3f1c9a52-0d4e-4b7a-9c2e-5a8b7d6e1f20",
        "imageSummaryList": h.images,
    }))
    .unwrap()
        + "\n";
    vec![
        ("images.json", images),
        ("workflow-executions.jsonl", h.workflows.clone()),
        ("step-executions.jsonl", h.steps.clone()),
        ("ami-events.jsonl", h.events.clone()),
    ]
}
