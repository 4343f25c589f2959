//! The rows of the row files (`runs.csv`, `stages.csv`, `images.csv`,
//! `cost.csv`, `exposure.csv`), encoded replication by replication on the
//! workers while the experiment runs; `row_files` writes them.

use super::{push_digits, push_fixed, push_secs};
use crate::cost::CostLine;
pub use crate::experiment::outputs::{N_ROW_FILES, ROW_FILES, RowFile, RowSelection, RowSet};
use crate::pipeline::analysis::{critical_stage, item_name, kms_key_name};
use crate::pipeline::config::World;
use crate::pipeline::model::{Outcome, ReplicationResult};

/// Writes CSV records field by field into a byte buffer, numbers formatted
/// in place: no allocation per field (row files are most of a large run's
/// time). The bytes are those of a default `csv::Writer` (as `merge`
/// re-encodes them): a field is quoted only if it holds a comma, a quote or
/// a line break, with its quotes doubled; records end with `\n`. (A record
/// of a single empty field, which the csv crate quotes, never occurs here:
/// every record starts with its replication.)
/// A field holding a comma, a quote or a line break must be quoted.
fn needs_quotes(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

// Hand-written, not csv::Writer per field: measured 1.43 -> 1.08 s on
// quickstart -n 20000 with all rows (BENCHMARKS.md); unit-tested against it.
struct Fields<'a> {
    out: &'a mut Vec<u8>,
    /// No field of the current record written yet.
    first: bool,
}

impl<'a> Fields<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        Fields { out, first: true }
    }

    /// Starts a field: the delimiter unless it is the record's first.
    fn next(&mut self) -> &mut Vec<u8> {
        if !std::mem::replace(&mut self.first, false) {
            self.out.push(b',');
        }
        self.out
    }

    /// A field that never needs quotes: digits, amisim's own names (stages,
    /// outcomes, causes, categories, units) and AWS Region codes, which the
    /// scenario checks against the known Regions. No scan for special bytes.
    fn word(&mut self, s: &str) {
        debug_assert!(!needs_quotes(s));
        self.next().extend_from_slice(s.as_bytes());
    }

    /// A field from the scenario (pipeline, account, component, key names):
    /// quoted if it needs to be.
    fn str(&mut self, s: &str) {
        let out = self.next();
        if needs_quotes(s) {
            out.push(b'"');
            for b in s.bytes() {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(s.as_bytes());
        }
    }

    fn uint(&mut self, v: u64) {
        push_digits(self.next(), v, 1);
    }

    /// Milliseconds as seconds with three decimals ([`super::secs`]).
    fn secs(&mut self, ms: u64) {
        push_secs(self.next(), ms);
    }

    fn opt_secs(&mut self, ms: Option<u64>) {
        match ms {
            Some(ms) => self.secs(ms),
            None => self.word(""),
        }
    }

    /// `x` with `decimals` decimals, as `format!("{x:.decimals$}")`.
    fn fixed(&mut self, x: f64, decimals: usize) {
        // Digits, sign, point, `inf` or `NaN`: never quoted.
        push_fixed(self.next(), x, decimals);
    }

    /// Micro-dollars as dollars with six decimals.
    fn usd(&mut self, micro: u64) {
        let b = self.next();
        push_digits(b, micro / 1_000_000, 1);
        b.push(b'.');
        push_digits(b, micro % 1_000_000, 6);
    }

    fn end(&mut self) {
        self.out.push(b'\n');
        self.first = true;
    }
}

/// `--row-replications auto` writes the rows of the first replications
/// that fill about this many bytes (at least one replication).
pub const ROW_BUDGET_BYTES: u64 = 64 << 20;

/// How many replications (from 0) `--row-replications auto` gives rows:
/// as many as fill [`ROW_BUDGET_BYTES`] at replication 0's size (the same
/// in every shard and for any thread count), at least one.
pub fn auto_limit(scn: &crate::scenario::Scenario, seed: u64, enabled: RowSet) -> u64 {
    let rep = crate::pipeline::model::run_replication(&scn.world, seed, 0);
    let lines = crate::cost::ledger(&scn.market(), &rep);
    let mut out = Encoded::default();
    encode(&scn.world, enabled, &mut out, 0, &rep, &lines);
    let bytes = out.0.iter().map(|b| b.len() as u64).sum::<u64>().max(1);
    (ROW_BUDGET_BYTES / bytes).max(1)
}

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

fn write_runs(world: &World, ri: &str, rep: &ReplicationResult, f: &mut Fields<'_>) {
    for (ei, run) in rep.runs.iter().enumerate() {
        let p = &world.pipelines[run.pipeline as usize];
        let (stage, item, cause) = match run.failed_record {
            Some(r) => {
                let r = &rep.stages[r.index()];
                (r.stage.name(), item_name(world, rep, r), r.cause.name())
            }
            None => ("", "", ""),
        };
        f.word(ri);
        f.str(&p.name);
        f.uint(run.number as u64);
        f.word(run.trigger.name());
        f.secs(run.triggered.as_millis());
        f.opt_secs(run.image_available.map(|t| t.as_millis()));
        f.opt_secs(run.tests_passed.map(|t| t.as_millis()));
        f.secs(run.finished.as_millis());
        f.opt_secs(
            (run.outcome == Outcome::Succeeded)
                .then(|| run.finished.since(run.triggered).as_millis()),
        );
        f.uint(world.target_regions(p) as u64);
        f.word(run.outcome.name());
        f.word(stage);
        f.str(item);
        f.word(cause);
        match critical_stage(world, rep, ei) {
            Some((k, d)) => {
                f.str(&k);
                f.secs(d.as_millis());
            }
            None => {
                f.word("");
                f.word("");
            }
        }
        f.end();
    }
}

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

fn write_stages(world: &World, ri: &str, rep: &ReplicationResult, f: &mut Fields<'_>) {
    for r in &rep.stages {
        let run = &rep.runs[r.exec.index()];
        let p = &world.pipelines[run.pipeline as usize];
        f.word(ri);
        f.str(&p.name);
        f.uint(run.number as u64);
        f.word(r.stage.name());
        f.str(item_name(world, rep, r));
        f.word(&world.regions[r.region.index()]);
        f.str(&world.directory.accounts[r.account.index()].name);
        f.secs(r.enqueued.as_millis());
        f.secs(r.started.as_millis());
        f.secs(r.finished.as_millis());
        f.secs(r.started.since(r.enqueued).as_millis());
        f.secs(r.finished.since(r.started).as_millis());
        f.fixed(r.data_gib, 3);
        f.str(kms_key_name(world, rep, r));
        f.word(r.outcome.name());
        f.word(r.cause.name());
        f.uint(r.attempt as u64);
        f.uint(r.api_retries as u64);
        f.end();
    }
}

/// Header of `cost.csv`.
pub const COST_HEADER: [&str; 10] = [
    "replication",
    "pipeline",
    "execution",
    "category",
    "item",
    "region",
    "account",
    "quantity",
    "unit",
    "usd",
];

fn write_cost(
    world: &World,
    ri: &str,
    rep: &ReplicationResult,
    lines: &[CostLine],
    f: &mut Fields<'_>,
) {
    for l in lines {
        f.word(ri);
        match l.exec {
            Some(e) => {
                let run = &rep.runs[e.index()];
                f.str(&world.pipelines[run.pipeline as usize].name);
                f.uint(run.number as u64);
            }
            None => {
                f.word("");
                f.word("");
            }
        }
        f.word(l.category.name());
        f.str(l.item.name(world));
        f.word(&world.regions[l.region.index()]);
        f.str(&world.directory.accounts[l.account.index()].name);
        f.fixed(l.quantity, 6);
        f.word(l.category.unit());
        f.usd(l.usd_micro);
        f.end();
    }
}

/// Header of `images.csv`.
pub const IMAGES_HEADER: [&str; 13] = [
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
    "disabled_at_s",
    "delete_blocked_at_s",
    "archived_at_s",
];

fn write_images(world: &World, ri: &str, rep: &ReplicationResult, f: &mut Fields<'_>) {
    let dir = &world.directory;
    for img in &rep.images {
        let run = &rep.runs[img.exec.index()];
        f.word(ri);
        f.str(&world.pipelines[run.pipeline as usize].name);
        f.uint(run.number as u64);
        f.str(&dir.accounts[img.account.index()].name);
        f.word(&world.regions[img.region.index()]);
        f.str(dir.encryption_name(img.encryption));
        f.fixed(img.stored_gib, 3);
        f.secs(img.available.as_millis());
        f.opt_secs(img.deprecated.get().map(|t| t.as_millis()));
        f.opt_secs(img.deleted.get().map(|t| t.as_millis()));
        f.opt_secs(img.disabled.get().map(|t| t.as_millis()));
        f.opt_secs(img.delete_blocked.get().map(|t| t.as_millis()));
        f.opt_secs(img.archived.get().map(|t| t.as_millis()));
        f.end();
    }
}

/// `exposure.csv`'s columns.
pub const EXPOSURE_HEADER: [&str; 6] = [
    "replication",
    "pipeline",
    "released_at_s",
    "execution",
    "patched_at_s",
    "exposure_window_s",
];

fn write_exposure(world: &World, ri: &str, rep: &ReplicationResult, f: &mut Fields<'_>) {
    for e in crate::pipeline::analysis::exposure_list(rep) {
        f.word(ri);
        f.str(&world.pipelines[usize::from(e.pipeline)].name);
        f.secs(e.released.as_millis());
        match e.exec {
            Some(i) => f.uint(u64::from(rep.runs[i].number)),
            None => f.word(""),
        }
        f.opt_secs(e.patched.map(|t| t.as_millis()));
        f.opt_secs(e.window().map(|w| w.as_millis()));
        f.end();
    }
}

/// The rows of consecutive replications, encoded: the bytes of each row
/// file, in [`ROW_FILES`] order, as [`encode`] appends them on the workers
/// and [`RowFiles::append`](crate::report::row_files::RowFiles::append) writes them.
#[derive(Debug, Default)]
pub struct Encoded(pub [Vec<u8>; N_ROW_FILES]);

impl crate::experiment::Output for Encoded {
    fn held(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    fn clear(&mut self) {
        for b in &mut self.0 {
            b.clear();
        }
    }
}

/// Appends replication `index`'s rows to `out`, for the files `enabled`
/// ([`RowSelection::enabled`]); `cost_lines` are its priced lines (as
/// [`crate::experiment::Aggregate::cost_lines`] holds them once it is added).
pub fn encode(
    world: &World,
    enabled: RowSet,
    out: &mut Encoded,
    index: u64,
    rep: &ReplicationResult,
    cost_lines: &[CostLine],
) {
    let mut ri = Vec::with_capacity(20);
    push_digits(&mut ri, index, 1);
    // Digits only: valid UTF-8, and a field as they are.
    let ri = std::str::from_utf8(&ri).unwrap_or_default();
    let [runs, stages, images, cost, exposure] = &mut out.0;
    if enabled[RowFile::Cost] {
        write_cost(world, ri, rep, cost_lines, &mut Fields::new(cost));
    }
    if enabled[RowFile::Runs] {
        write_runs(world, ri, rep, &mut Fields::new(runs));
    }
    if enabled[RowFile::Stages] {
        write_stages(world, ri, rep, &mut Fields::new(stages));
    }
    if enabled[RowFile::Images] {
        write_images(world, ri, rep, &mut Fields::new(images));
    }
    if enabled[RowFile::Exposure] {
        write_exposure(world, ri, rep, &mut Fields::new(exposure));
    }
}

#[cfg(test)]
mod tests {
    use super::Fields;
    use crate::report::{push_digits, push_fixed, secs};

    #[test]
    fn fixed_is_format_exactly() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(7);
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.125,
            0.0625,
            0.0005,
            1.0005,
            2.675,
            0.9999996,
            1e-7,
            -1.25,
            -3.0,
            1e15,
            1e20,
            4503599627370495.5,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for _ in 0..200_000 {
            let mantissa: f64 = rng.random();
            let exp = rng.random_range(-12..16);
            xs.push(mantissa * 10f64.powi(exp));
            // Ties and near-ties of 3 and 6 decimals.
            let k = rng.random_range(0..10_000_000u64) as f64 + 0.5;
            xs.push(k / 1e3);
            xs.push(k / 1e6);
            xs.push(f64::from_bits((k / 1e6).to_bits() + 1));
        }
        for x in xs {
            for d in [0, 3, 6, 9, 12] {
                let mut b = vec![b'x'];
                push_fixed(&mut b, x, d);
                assert_eq!(
                    String::from_utf8(b).unwrap(),
                    format!("x{x:.d$}"),
                    "{x:e} {d}"
                );
            }
        }
    }

    #[test]
    fn fields_are_the_bytes_of_the_csv_crate() {
        let fields = [
            "7",
            "",
            "plain",
            "a,b",
            "say \"hi\"",
            "\"",
            "line\nbreak",
            "cr\rhere",
            "é ü",
            " spaced ",
            "#x",
            "a\"\",\"b",
            ",",
        ];
        let mut ours = Vec::new();
        let mut f = Fields::new(&mut ours);
        let mut theirs = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        for (i, x) in fields.iter().enumerate() {
            // Records of 1 to 3 fields, the first never empty.
            let record = [fields[0], x, fields[(i * 5) % fields.len()]];
            let record = &record[..1 + i % 3];
            for y in record {
                f.str(y);
            }
            f.end();
            theirs.write_record(record).unwrap();
        }
        f.uint(12);
        f.secs(61_042);
        f.opt_secs(None);
        f.fixed(0.1 + 0.2, 6);
        f.usd(1_234_567);
        f.end();
        theirs
            .write_record(["12", "61.042", "", "0.300000", "1.234567"])
            .unwrap();
        let theirs = theirs.into_inner().unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(theirs).unwrap()
        );
    }

    #[test]
    fn digits_are_format_with_zero_padding() {
        for (v, width) in [(0, 1), (7, 3), (42, 3), (999, 3), (1000, 3), (5, 6), (0, 6)] {
            let mut b = Vec::new();
            push_digits(&mut b, v, width);
            assert_eq!(String::from_utf8(b).unwrap(), format!("{v:0width$}"));
        }
        let mut b = vec![b'x'];
        push_digits(&mut b, u64::MAX, 1);
        assert_eq!(b, format!("x{}", u64::MAX).into_bytes());
        for ms in [0, 7, 999, 1000, 61_042, 3_600_000, u64::MAX] {
            assert_eq!(secs(ms), format!("{}.{:03}", ms / 1000, ms % 1000));
        }
    }

    /// Every row file's rows of replications `range` (seed 1), encoded.
    fn encoded(scn: &crate::scenario::Scenario, range: std::ops::Range<u64>) -> super::Encoded {
        let mut out = super::Encoded::default();
        for i in range {
            let rep = crate::pipeline::model::run_replication(&scn.world, 1, i);
            let lines = crate::cost::ledger(&scn.market(), &rep);
            super::encode(&scn.world, super::RowSet::ALL, &mut out, i, &rep, &lines);
        }
        out
    }

    #[test]
    fn rows_synced_early_are_the_rows_written_whole() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        let scn = crate::scenario::load(&path, &Default::default()).unwrap();
        let (first, rest) = (encoded(&scn, 0..3), encoded(&scn, 3..5));
        let write = |early: bool| {
            let dir = tempfile::tempdir().unwrap();
            let mut files =
                crate::report::row_files::RowFiles::create(dir.path(), super::RowSelection::All)
                    .unwrap();
            files.append(&first).unwrap();
            if early {
                files.sync_early().unwrap();
                files.sync_early().unwrap(); // a second call is a no-op
            }
            // Rows appended after an early sync are still written (and synced at commit).
            files.append(&rest).unwrap();
            files.commit().unwrap();
            super::ROW_FILES.map(|f| std::fs::read(dir.path().join(f.name)).unwrap())
        };
        let (plain, early) = (write(false), write(true));
        // Quickstart releases nothing it tracks, so exposure.csv is its header.
        assert!(
            plain[..4].iter().all(|b| b.len() > 1000),
            "runs, stages, images and cost have rows"
        );
        assert_eq!(plain, early);
    }

    #[test]
    fn every_record_has_as_many_fields_as_its_header() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/golden-3os-8-regions.toml");
        let scn = crate::scenario::load(&path, &Default::default()).unwrap();
        let out = encoded(&scn, 0..3);
        for (bytes, header) in out.0.iter().zip(crate::report::row_files::HEADERS) {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(&bytes[..]);
            let mut n = 0;
            for rec in r.records() {
                assert_eq!(rec.unwrap().len(), header.len(), "{}", header[0]);
                n += 1;
            }
            assert!(n > 0, "rows for {}", header.join(","));
        }
    }
}

#[cfg(test)]
mod budget_tests {
    use super::*;

    /// `auto` takes as many replications as fit the budget at replication
    /// 0's size, and at least one.
    #[test]
    fn the_auto_row_limit_fills_the_budget() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        let scn =
            crate::scenario::from_str(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
        let enabled = RowSet::ALL;
        let n = auto_limit(&scn, 1, enabled);
        let rep = crate::pipeline::model::run_replication(&scn.world, 1, 0);
        let lines = crate::cost::ledger(&scn.market(), &rep);
        let mut out = Encoded::default();
        encode(&scn.world, enabled, &mut out, 0, &rep, &lines);
        let bytes: u64 = out.0.iter().map(|b| b.len() as u64).sum();
        assert!(
            n * bytes <= ROW_BUDGET_BYTES && (n + 1) * bytes > ROW_BUDGET_BYTES,
            "{n} × {bytes}"
        );
        assert!(n > 1000, "quickstart rows are small: {n}");
    }
}
