//! `RawScenario` → `Scenario`: defaults, interning, cross-references, ranges.
//!
//! Every check pushes a located error and goes on, so that one run of
//! `amisim validate` lists everything wrong with a file.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use toml::Spanned;

use super::error::{Locator, ScenarioError};
use super::raw::{RawLatency, RawPipeline, RawScenario, RawStep, RawVolume};
use crate::aws::directory::Directory;
use crate::aws::{self, facts};
use crate::dist::{
    Dist, DistError, DistSpec, Dur, Throughput, ThroughputSpec, parse_duration_cell,
};
use crate::engine::{SimDuration, SimTime};
use crate::pipeline::config::{
    BaseOwner, Kind, Latencies, Lifecycle, Pipeline, Platform, Quotas, RegionId, Schedule,
    StartCondition, Step, Volume, World,
};
use crate::pipeline::trigger::{cron_times, parse_cron};

/// A checked scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name; the default output directory is `results/<name>/`.
    pub name: String,
    /// The file it came from.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, recorded with every output.
    pub hash: String,
    /// Free text from the file.
    pub description: String,
    /// Calendar time of t = 0.
    pub start: DateTime<Utc>,
    /// Default master seed.
    pub seed: u64,
    /// Default number of replications.
    pub replications: u32,
    /// Rule violations simulated on purpose (`model_misconfigurations = true`).
    pub warnings: Vec<ScenarioError>,
    /// Service-level objectives for the report.
    pub slo: Slo,
    /// What is simulated.
    pub world: World,
}

/// Service-level objectives (`[slo]`).
#[derive(Debug, Clone, Default)]
pub struct Slo {
    /// p95 of time to all Regions, for every pipeline.
    pub time_to_all_regions_p95: Option<SimDuration>,
    /// Mean monthly cost, US dollars.
    pub monthly_cost_usd: Option<f64>,
}

/// Default horizon when the file gives none.
pub const DEFAULT_HORIZON: SimDuration = SimDuration::from_hours(28 * 24);
/// Default master seed.
pub const DEFAULT_SEED: u64 = 1;
/// Default replications.
pub const DEFAULT_REPLICATIONS: u32 = 10;
/// Default start: Monday 2026-01-05 00:00 UTC.
pub fn default_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

pub(super) struct Ctx<'a> {
    pub(super) loc: &'a Locator<'a>,
    base: PathBuf,
    pub(super) errors: Vec<ScenarioError>,
    pub(super) warnings: Vec<ScenarioError>,
    pub(super) misconfig: bool,
}

impl Ctx<'_> {
    pub(super) fn err(
        &mut self,
        span: Option<Range<usize>>,
        path: impl Into<String>,
        reason: impl Into<String>,
        help: Option<&str>,
    ) {
        let e = self.loc.error(span, path, reason, help.map(str::to_string));
        self.errors.push(e);
    }

    /// A duration that must be longer than zero; `example` is shown in the hint.
    fn positive_duration(
        &mut self,
        d: &Spanned<Dur>,
        path: &str,
        example: &str,
    ) -> Option<SimDuration> {
        if d.get_ref().0 == SimDuration::ZERO {
            let help = format!("e.g. {example}");
            self.err(
                Some(d.span()),
                path,
                "must be longer than zero",
                Some(&help),
            );
            None
        } else {
            Some(d.get_ref().0)
        }
    }

    fn dur_dist(&mut self, spec: &Spanned<DistSpec<Dur>>, path: &str) -> Option<Dist> {
        match spec.get_ref().resolve(&self.base, parse_duration_cell) {
            Ok(d) => Some(d),
            Err(e) => {
                self.dist_err(spec.span(), path, e);
                None
            }
        }
    }

    fn throughput(&mut self, spec: &Spanned<ThroughputSpec>, path: &str) -> Option<Throughput> {
        match spec.get_ref().resolve(&self.base) {
            Ok(t) => Some(t),
            Err(e) => {
                self.dist_err(spec.span(), path, e);
                None
            }
        }
    }

    fn dist_err(&mut self, span: Range<usize>, path: &str, e: DistError) {
        let help = match e {
            DistError::LognormalParams => {
                "write { kind = \"lognormal\", median = \"1m\", p95 = \"4m\" }"
            }
            DistError::EmpiricalSource => {
                "give `values = [\"5m\", \"7m\"]` or `csv = \"file.csv\"` (path relative to the scenario)"
            }
            DistError::Csv { .. } => {
                "the CSV needs a header row and one value per line in its first column"
            }
            _ => "see the distribution kinds in README.md",
        };
        self.err(Some(span), path, e.to_string(), Some(help));
    }

    pub(super) fn region(
        &mut self,
        names: &BTreeMap<String, RegionId>,
        r: &Spanned<String>,
        path: &str,
    ) -> Option<RegionId> {
        if let Some(id) = names.get(r.get_ref()) {
            return Some(*id);
        }
        let declared: Vec<&str> = names.keys().map(String::as_str).collect();
        let help = if aws::is_known_region(r.get_ref()) {
            format!(
                "declare it with [[region]] name = \"{}\"; declared Regions: {}",
                r.get_ref(),
                declared.join(", ")
            )
        } else {
            let guess = aws::closest_region(r.get_ref())
                .map(|g| format!("did you mean \"{g}\"? "))
                .unwrap_or_default();
            format!("{guess}declared Regions: {}", declared.join(", "))
        };
        self.err(
            Some(r.span()),
            path,
            format!(
                "Region \"{}\" is not declared in this scenario",
                r.get_ref()
            ),
            Some(&help),
        );
        None
    }
}

fn lognormal(l: facts::Lognormal) -> Dist {
    Dist::lognormal_from_quantiles(l.median, l.p95).unwrap_or(Dist::Fixed(l.median))
}

/// `linux` (the default) or `windows`.
pub(super) fn parse_platform(
    ctx: &mut Ctx<'_>,
    raw: Option<&Spanned<String>>,
    path: &str,
) -> Platform {
    match raw.map(|s| (s.get_ref().as_str(), s.span())) {
        None | Some(("linux", _)) => Platform::Linux,
        Some(("windows", _)) => Platform::Windows,
        Some((other, span)) => {
            ctx.err(
                Some(span),
                path,
                format!("unknown platform \"{other}\""),
                Some("use \"linux\" or \"windows\""),
            );
            Platform::Linux
        }
    }
}

pub(super) fn default_latencies(platform: Platform) -> Latencies {
    Latencies {
        instance_launch: lognormal(match platform {
            Platform::Linux => facts::LINUX_LAUNCH,
            Platform::Windows => facts::WINDOWS_LAUNCH,
        }),
        instance_stop: lognormal(facts::STOP),
        instance_terminate: lognormal(facts::TERMINATE),
        register_image: lognormal(facts::REGISTER),
        share: lognormal(facts::SHARE),
        schedule_delay: Dist::Uniform {
            min: 0.0,
            max: facts::SCHEDULE_DELAY_MAX_S,
        },
        snapshot: Throughput {
            overhead: lognormal(facts::SNAPSHOT_OVERHEAD),
            rate_mib_s: lognormal(facts::SNAPSHOT_THROUGHPUT_MIB_S),
        },
        copy: Throughput {
            overhead: lognormal(facts::COPY_OVERHEAD),
            rate_mib_s: lognormal(facts::COPY_THROUGHPUT_MIB_S),
        },
    }
}

/// Applies the overrides in `raw` on top of `lat`.
pub(super) fn apply_latency(
    ctx: &mut Ctx<'_>,
    lat: &mut Latencies,
    raw: &RawLatency,
    prefix: &str,
) {
    let durs = [
        (
            &raw.instance_launch,
            &mut lat.instance_launch,
            "instance_launch",
        ),
        (&raw.instance_stop, &mut lat.instance_stop, "instance_stop"),
        (
            &raw.instance_terminate,
            &mut lat.instance_terminate,
            "instance_terminate",
        ),
        (
            &raw.register_image,
            &mut lat.register_image,
            "register_image",
        ),
        (
            &raw.schedule_delay,
            &mut lat.schedule_delay,
            "schedule_delay",
        ),
    ];
    for (spec, slot, key) in durs {
        if let Some(spec) = spec
            && let Some(d) = ctx.dur_dist(spec, &format!("{prefix}.{key}"))
        {
            *slot = d;
        }
    }
    for (spec, slot, key) in [
        (&raw.snapshot, &mut lat.snapshot, "snapshot"),
        (&raw.copy, &mut lat.copy, "copy"),
    ] {
        if let Some(spec) = spec
            && let Some(t) = ctx.throughput(spec, &format!("{prefix}.{key}"))
        {
            *slot = t;
        }
    }
}

fn positive_count(ctx: &mut Ctx<'_>, v: &Spanned<i64>, path: &str, max: i64) -> Option<u32> {
    let n = *v.get_ref();
    if n < 1 || n > max {
        ctx.err(
            Some(v.span()),
            path,
            format!("must be between 1 and {max}, got {n}"),
            None,
        );
        None
    } else {
        Some(n as u32)
    }
}

/// Resolves a parsed file. `hash` is the SHA-256 of its text.
pub(super) fn resolve(
    loc: &Locator<'_>,
    path: &Path,
    raw: RawScenario,
    hash: String,
) -> Result<Scenario, Vec<ScenarioError>> {
    let mut ctx = Ctx {
        loc,
        base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        errors: Vec::new(),
        warnings: Vec::new(),
        misconfig: raw.model_misconfigurations.unwrap_or(false),
    };

    let name = match &raw.name {
        Some(n) => {
            let ok = !n.get_ref().is_empty()
                && n.get_ref()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
                && !n.get_ref().starts_with('.');
            if !ok {
                ctx.err(
                    Some(n.span()),
                    "name",
                    format!("name {:?} cannot be used as a directory name", n.get_ref()),
                    Some("use letters, digits, '-', '_' and '.'"),
                );
            }
            n.get_ref().clone()
        }
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into()),
    };

    let horizon = raw
        .horizon
        .as_ref()
        .and_then(|h| ctx.positive_duration(h, "horizon", "horizon = \"28d\""))
        .unwrap_or(DEFAULT_HORIZON);

    let start = match &raw.start {
        None => default_start(),
        Some(s) => match DateTime::parse_from_rfc3339(&s.get_ref().to_string()) {
            Ok(t) => t.with_timezone(&Utc),
            Err(_) => {
                ctx.err(
                    Some(s.span()),
                    "start",
                    format!(
                        "start {} is not a full date-time with an offset",
                        s.get_ref()
                    ),
                    Some("write e.g. start = 2026-01-05T00:00:00Z"),
                );
                default_start()
            }
        },
    };

    let replications = raw
        .replications
        .as_ref()
        .and_then(|r| positive_count(&mut ctx, r, "replications", 1_000_000))
        .unwrap_or(DEFAULT_REPLICATIONS);

    // Regions.
    let mut names: BTreeMap<String, RegionId> = BTreeMap::new();
    let mut regions = Vec::new();
    for (i, r) in raw.region.iter().enumerate() {
        let path = format!("region[{i}].name");
        let n = r.name.get_ref();
        if !aws::is_known_region(n) {
            let help = aws::closest_region(n)
                .map(|g| format!("did you mean \"{g}\"?"))
                .unwrap_or_else(|| "use an AWS Region code such as \"us-east-1\"".into());
            ctx.err(
                Some(r.name.span()),
                path,
                format!("\"{n}\" is not an AWS Region"),
                Some(&help),
            );
        } else if names.contains_key(n) {
            ctx.err(
                Some(r.name.span()),
                path,
                format!("Region \"{n}\" is declared twice"),
                Some("remove the repeated [[region]]"),
            );
        } else {
            names.insert(n.clone(), RegionId::from_index(regions.len()));
            regions.push(n.clone());
        }
    }
    if raw.region.is_empty() {
        ctx.err(
            Some(0..0),
            "region",
            "the scenario declares no Region",
            Some("add at least one [[region]] name = \"us-east-1\""),
        );
    }

    let directory = super::access::resolve_directory(&mut ctx, &raw, &names, &regions);

    // Global latency.
    let global_raw = raw.latency.clone().unwrap_or_default();

    // Routes.
    let n = regions.len();
    let mut routes: Vec<Option<Throughput>> = vec![None; n * n];
    for (i, r) in raw.route.iter().enumerate() {
        let from = ctx.region(&names, &r.from, &format!("route[{i}].from"));
        let to = ctx.region(&names, &r.to, &format!("route[{i}].to"));
        let model = ctx.throughput(&r.copy, &format!("route[{i}].copy"));
        if let (Some(f), Some(t), Some(m)) = (from, to, model) {
            if f == t {
                ctx.err(
                    Some(r.to.span()),
                    format!("route[{i}].to"),
                    "a route needs two different Regions",
                    None,
                );
            } else if routes[f.index() * n + t.index()].is_some() {
                ctx.err(
                    Some(r.from.span()),
                    format!("route[{i}]"),
                    format!(
                        "route {} → {} is declared twice",
                        regions[f.index()], regions[t.index()]
                    ),
                    None,
                );
            } else {
                routes[f.index() * n + t.index()] = Some(m);
            }
        }
    }

    // Quotas. source: aws-facts.md §2.1 (see aws::facts).
    let mut quotas = Quotas {
        concurrent_ami_copies_per_region: facts::CONCURRENT_AMI_COPIES_PER_REGION,
        concurrent_builds: facts::CONCURRENT_BUILDS,
        concurrent_ami_copies_per_distribution: facts::CONCURRENT_AMI_COPIES_PER_DISTRIBUTION,
    };
    if let Some(q) = &raw.quotas {
        if let Some(v) = &q.concurrent_ami_copies_per_distribution
            && let Some(v) = positive_count(
                &mut ctx,
                v,
                "quotas.concurrent_ami_copies_per_distribution",
                100_000,
            )
        {
            quotas.concurrent_ami_copies_per_distribution = v;
        }
        if let Some(v) = &q.concurrent_ami_copies_per_region
            && let Some(v) = positive_count(
                &mut ctx,
                v,
                "quotas.concurrent_ami_copies_per_region",
                100_000,
            )
        {
            quotas.concurrent_ami_copies_per_region = v;
        }
        if let Some(v) = &q.concurrent_builds
            && let Some(v) = positive_count(&mut ctx, v, "quotas.concurrent_builds", 100_000)
        {
            quotas.concurrent_builds = v;
        }
    }

    // Pipelines and migrations share one name space.
    let mut pipelines = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let names_in_use = raw
        .pipeline
        .iter()
        .enumerate()
        .map(|(i, p)| (&p.get_ref().name, format!("pipeline[{i}]")))
        .chain(
            raw.migration
                .iter()
                .enumerate()
                .map(|(i, m)| (&m.get_ref().name, format!("migration[{i}]"))),
        );
    for (name, prefix) in names_in_use {
        if let Some(prev) = seen.insert(name.get_ref().clone(), prefix.clone()) {
            ctx.err(
                Some(name.span()),
                format!("{prefix}.name"),
                format!("name \"{}\" is already used by {prev}", name.get_ref()),
                Some("pipeline and migration names must be unique"),
            );
        }
    }
    let shared = Shared {
        names: &names,
        global: &global_raw,
        dir: &directory,
        start,
        horizon: SimTime(horizon.0),
    };
    for (i, p) in raw.pipeline.iter().enumerate() {
        if let Some(pl) = resolve_pipeline(&mut ctx, &shared, p, &format!("pipeline[{i}]")) {
            pipelines.push(pl);
        }
    }
    for (i, m) in raw.migration.iter().enumerate() {
        if let Some(pl) =
            super::migration::resolve_migration(&mut ctx, &shared, m, &format!("migration[{i}]"))
        {
            pipelines.push(pl);
        }
    }
    if raw.pipeline.is_empty() && raw.migration.is_empty() {
        ctx.err(
            Some(0..0),
            "pipeline",
            "the scenario has no pipeline",
            Some("add a [[pipeline]] table; see scenarios/quickstart.toml"),
        );
    }

    let slo = Slo {
        time_to_all_regions_p95: raw
            .slo
            .as_ref()
            .and_then(|s| s.time_to_all_regions_p95.as_ref())
            .and_then(|d| {
                ctx.positive_duration(
                    d,
                    "slo.time_to_all_regions_p95",
                    "time_to_all_regions_p95 = \"2h\"",
                )
            }),
        monthly_cost_usd: raw
            .slo
            .as_ref()
            .and_then(|s| s.monthly_cost_usd.as_ref())
            .and_then(|c| {
                let v = *c.get_ref();
                if v.is_finite() && v >= 0.0 {
                    Some(v)
                } else {
                    ctx.err(
                        Some(c.span()),
                        "slo.monthly_cost_usd",
                        format!("must be a non-negative number of dollars, got {v}"),
                        None,
                    );
                    None
                }
            }),
    };
    let faults = super::faults::resolve_faults(&mut ctx, raw.faults.as_ref());
    let incidents = super::faults::resolve_incidents(&mut ctx, &names, &raw.incident);
    let api = super::faults::resolve_api(&mut ctx, raw.api.as_ref());
    let prices = super::faults::resolve_prices(&mut ctx, &names, &regions, raw.cost.as_ref());
    for p in &mut pipelines {
        let price = |t: &str| prices.instance_usd_per_hour.get(t).copied();
        p.instance_usd_per_hour = (
            price(&p.builder_instance_type),
            price(&p.test_instance_type),
        );
    }
    // Instance types without a price are not costed: say so.
    let mut unpriced: Vec<&str> = pipelines
        .iter()
        .filter(|p: &&Pipeline| p.kind == Kind::Build)
        .flat_map(|p| {
            [
                p.builder_instance_type.as_str(),
                p.test_instance_type.as_str(),
            ]
        })
        .filter(|t| !prices.instance_usd_per_hour.contains_key(*t))
        .collect();
    unpriced.sort_unstable();
    unpriced.dedup();
    for t in unpriced {
        let e = loc.error(
            Some(0..0),
            "cost.instance_usd_per_hour",
            format!("instance type {t} has no price: its hours are not costed"),
            Some(format!("add [cost] instance_usd_per_hour = {{ \"{t}\" = <dollars per hour> }} (aws-facts.md §3 has only t3.medium, m5.large, c5.xlarge, m7i.large)")),
        );
        ctx.warnings.push(e);
    }

    if !ctx.errors.is_empty() {
        ctx.errors.truncate(super::MAX_ERRORS);
        return Err(ctx.errors);
    }
    Ok(Scenario {
        name,
        path: path.to_path_buf(),
        hash,
        description: raw.description.unwrap_or_default(),
        start,
        seed: raw.seed.unwrap_or(DEFAULT_SEED),
        replications,
        slo,
        warnings: ctx.warnings,
        world: World {
            regions,
            directory,
            routes,
            quotas,
            pipelines,
            horizon: SimTime(horizon.0),
            faults,
            incidents,
            api,
            prices,
        },
    })
}

/// What every pipeline is resolved against.
pub(super) struct Shared<'a> {
    pub(super) names: &'a BTreeMap<String, RegionId>,
    pub(super) global: &'a RawLatency,
    pub(super) dir: &'a Directory,
    pub(super) start: DateTime<Utc>,
    pub(super) horizon: SimTime,
}

fn resolve_pipeline(
    ctx: &mut Ctx<'_>,
    sh: &Shared<'_>,
    sp: &Spanned<RawPipeline>,
    prefix: &str,
) -> Option<Pipeline> {
    let (names, global) = (sh.names, sh.global);
    let p = sp.get_ref();
    let before = ctx.errors.len();
    let region = ctx.region(names, &p.region, &format!("{prefix}.region"));

    let platform = parse_platform(ctx, p.platform.as_ref(), &format!("{prefix}.platform"));
    let base_owner = match p
        .base_image_owner
        .as_ref()
        .map(|s| (s.get_ref().as_str(), s.span()))
    {
        None | Some(("aws", _)) => BaseOwner::Aws,
        Some(("marketplace", _)) => BaseOwner::Marketplace,
        Some(("other_account", _)) => BaseOwner::OtherAccount,
        Some(("self", _)) => BaseOwner::OwnAccount,
        Some((other, span)) => {
            ctx.err(
                Some(span),
                format!("{prefix}.base_image_owner"),
                format!("unknown base image owner \"{other}\""),
                Some("use \"aws\", \"marketplace\", \"other_account\" or \"self\""),
            );
            BaseOwner::Aws
        }
    };

    let (owner, encryption) = super::access::resolve_owner_encryption(
        ctx,
        sh.dir,
        (p.account.as_ref(), p.kms_key.as_ref()),
        prefix,
        region,
        super::access::KeyUser::Builder,
    );
    let product_codes = base_owner == BaseOwner::Marketplace;
    let (distributions, copies) = super::access::resolve_distributions(
        ctx,
        sh.dir,
        names,
        p,
        prefix,
        region,
        owner,
        encryption,
        product_codes,
    );

    let volumes: Vec<Volume> = p
        .volume
        .iter()
        .enumerate()
        .filter_map(|(j, v)| resolve_volume(ctx, v, &format!("{prefix}.volume[{j}]"), j))
        .collect();
    if p.volume.is_empty() {
        ctx.err(Some(sp.span()), format!("{prefix}.volume"), format!("pipeline \"{}\" has no volume", p.name.get_ref()), Some("add [[pipeline.volume]] with size_gib and data_gib (an image has at least its root volume)"));
    }

    let components = resolve_steps(ctx, &p.component, &format!("{prefix}.component"));
    if p.component.len() > facts::MAX_COMPONENTS_PER_RECIPE {
        // source: aws-facts.md §2.2, components per recipe = 20 (fixed).
        ctx.err(
            Some(sp.span()),
            format!("{prefix}.component"),
            format!(
                "{} components; Image Builder allows at most {} per recipe",
                p.component.len(),
                facts::MAX_COMPONENTS_PER_RECIPE
            ),
            Some("merge components; the limit is not adjustable"),
        );
    }
    let tests = resolve_steps(ctx, &p.test, &format!("{prefix}.test"));

    let mut latency = default_latencies(platform);
    apply_latency(ctx, &mut latency, global, "latency");
    if let Some(own) = &p.latency {
        apply_latency(ctx, &mut latency, own, &format!("{prefix}.latency"));
    }

    let schedule = resolve_schedule(ctx, sp, prefix, sh.start, sh.horizon);
    let lifecycle = resolve_lifecycle(ctx, p.lifecycle.as_ref(), prefix);

    if ctx.errors.len() > before {
        return None;
    }
    Some(Pipeline {
        name: p.name.get_ref().clone(),
        kind: Kind::Build,
        region: region?,
        platform,
        base_owner,
        builder_instance_type: p
            .builder_instance_type
            .clone()
            .unwrap_or_else(|| "m5.large".into()),
        test_instance_type: p
            .test_instance_type
            .clone()
            .unwrap_or_else(|| "t3.medium".into()),
        instance_usd_per_hour: (None, None), // priced once [cost] is read
        volumes,
        components,
        tests,
        owner,
        encryption,
        product_codes,
        distributions,
        copies,
        schedule: schedule?,
        latency,
        lifecycle,
    })
}

/// `[pipeline.lifecycle]`: by count (`keep_last`) and/or by age (`max_age`, `keep_at_least`).
fn resolve_lifecycle(
    ctx: &mut Ctx<'_>,
    raw: Option<&Spanned<super::raw::RawLifecycle>>,
    prefix: &str,
) -> Lifecycle {
    let Some(sl) = raw else {
        return Lifecycle::default();
    };
    let l = sl.get_ref();
    let path = format!("{prefix}.lifecycle");
    let mut count = |v: Option<&Spanned<i64>>, key: &str, min: i64| {
        v.and_then(|v| {
            let n = *v.get_ref();
            if n < min || n > 100_000 {
                ctx.err(
                    Some(v.span()),
                    format!("{path}.{key}"),
                    format!("must be between {min} and 100000, got {n}"),
                    None,
                );
                None
            } else {
                Some(n as u32)
            }
        })
    };
    let keep_last = count(l.keep_last.as_ref(), "keep_last", 1);
    let keep_at_least = count(l.keep_at_least.as_ref(), "keep_at_least", 0).unwrap_or(0);
    let max_age = l
        .max_age
        .as_ref()
        .and_then(|m| ctx.positive_duration(m, &format!("{path}.max_age"), "max_age = \"30d\""));
    if l.keep_at_least.is_some() && max_age.is_none() {
        ctx.err(
            Some(sl.span()),
            format!("{path}.keep_at_least"),
            "keep_at_least only applies with max_age",
            Some("add max_age, or use keep_last"),
        );
    }
    let deprecate_after = l.deprecate_after.as_ref().and_then(|d| {
        ctx.positive_duration(
            d,
            &format!("{path}.deprecate_after"),
            "deprecate_after = \"14d\"",
        )
    });
    Lifecycle {
        keep_last,
        max_age,
        keep_at_least,
        deprecate_after,
    }
}

pub(super) fn resolve_volume(
    ctx: &mut Ctx<'_>,
    sv: &Spanned<RawVolume>,
    path: &str,
    j: usize,
) -> Option<Volume> {
    let v = sv.get_ref();
    let before = ctx.errors.len();
    let mut gib = |x: &Spanned<f64>, key: &str| {
        let val = *x.get_ref();
        if !val.is_finite() || val < 0.0 {
            ctx.err(
                Some(x.span()),
                format!("{path}.{key}"),
                format!("{key} must be a non-negative size in GiB, got {val}"),
                Some("sizes are in GiB, e.g. 30"),
            );
        }
        val
    };
    let size = gib(&v.size_gib, "size_gib");
    let data = gib(&v.data_gib, "data_gib");
    let changed = v.changed_gib.as_ref().map(|c| gib(c, "changed_gib"));
    if ctx.errors.len() > before {
        return None;
    }
    if size == 0.0 {
        ctx.err(
            Some(v.size_gib.span()),
            format!("{path}.size_gib"),
            "a volume must be larger than 0 GiB",
            Some("EBS volumes are at least 1 GiB"),
        );
    }
    if data > size {
        ctx.err(
            Some(v.data_gib.span()),
            format!("{path}.data_gib"),
            format!("data_gib ({data}) is larger than the volume (size_gib = {size})"),
            Some("data_gib is the data written on the volume, at most its size"),
        );
    }
    // Default changed data per build: 10 % of the data. ASSUMPTION (no AWS figure).
    let changed = changed.unwrap_or(data * 0.1);
    if changed > data {
        ctx.err(
            Some(sv.span()),
            format!("{path}.changed_gib"),
            format!("changed_gib ({changed}) is larger than data_gib ({data})"),
            Some("changed_gib is the part of the data one build rewrites"),
        );
    }
    if ctx.errors.len() > before {
        return None;
    }
    Some(Volume {
        device: v.device.clone().unwrap_or_else(|| {
            if j == 0 {
                "/dev/xvda".into()
            } else {
                format!("/dev/xvd{}", (b'a' + (j % 26) as u8) as char)
            }
        }),
        size_gib: size,
        data_gib: data,
        changed_gib: changed,
    })
}

fn resolve_steps(ctx: &mut Ctx<'_>, steps: &[RawStep], prefix: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for (j, s) in steps.iter().enumerate() {
        let path = format!("{prefix}[{j}]");
        let duration = ctx.dur_dist(&s.duration, &format!("{path}.duration"));
        let p = s.failure_probability.as_ref().map_or(0.0, |f| {
            let v = *f.get_ref();
            if !(0.0..=1.0).contains(&v) {
                ctx.err(
                    Some(f.span()),
                    format!("{path}.failure_probability"),
                    format!("a probability must be between 0 and 1, got {v}"),
                    Some("e.g. failure_probability = 0.02 for 2 %"),
                );
            }
            v
        });
        if let Some(duration) = duration {
            out.push(Step {
                name: s.name.get_ref().clone(),
                duration,
                failure_probability: p,
            });
        }
    }
    out
}

fn resolve_schedule(
    ctx: &mut Ctx<'_>,
    sp: &Spanned<RawPipeline>,
    prefix: &str,
    start: DateTime<Utc>,
    horizon: SimTime,
) -> Option<Schedule> {
    let Some(ss) = &sp.get_ref().schedule else {
        ctx.err(Some(sp.span()), format!("{prefix}.schedule"), "the pipeline has no schedule, so it would never run", Some("add [pipeline.schedule] with cron = \"cron(0 6 ? * MON *)\", interval = \"7d\", run_at_start = true or package_update_mean_interval"));
        return None;
    };
    let s = ss.get_ref();
    let path = format!("{prefix}.schedule");
    let mut cron_text = None;
    let mut times = Vec::new();
    if let Some(c) = &s.cron {
        match parse_cron(c.get_ref()) {
            Ok(cron) => {
                cron_text = Some(c.get_ref().clone());
                times = cron_times(&cron, start, horizon);
            }
            Err(e) => ctx.err(
                Some(c.span()),
                format!("{path}.cron"),
                e.reason,
                Some(&e.help),
            ),
        }
    }
    let interval = s
        .interval
        .as_ref()
        .and_then(|i| ctx.positive_duration(i, &format!("{path}.interval"), "interval = \"7d\""));
    let start_condition = match s
        .start_condition
        .as_ref()
        .map(|c| (c.get_ref().as_str(), c.span()))
    {
        None | Some(("always", _)) => StartCondition::Always,
        Some(("dependency_updates", _)) => StartCondition::DependencyUpdates,
        Some((other, span)) => {
            ctx.err(Some(span), format!("{path}.start_condition"), format!("unknown start condition \"{other}\""), Some("use \"always\" (EXPRESSION_MATCH_ONLY) or \"dependency_updates\" (EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE)"));
            StartCondition::Always
        }
    };
    let package_update_mean = s.package_update_mean_interval.as_ref().and_then(|m| {
        ctx.positive_duration(
            m,
            &format!("{path}.package_update_mean_interval"),
            "package_update_mean_interval = \"3d\"",
        )
    });
    let build_on_package_update = s.build_on_package_update.unwrap_or(false);
    let run_at_start = s.run_at_start.unwrap_or(false);
    if (build_on_package_update || start_condition == StartCondition::DependencyUpdates)
        && package_update_mean.is_none()
    {
        ctx.err(
            Some(ss.span()),
            path.clone(),
            "package-update triggers need package_update_mean_interval",
            Some(
                "add package_update_mean_interval = \"3d\" (mean time between dependency updates)",
            ),
        );
    }
    let scheduled = s.cron.is_some() || interval.is_some();
    if !scheduled && !run_at_start && !build_on_package_update {
        ctx.err(
            Some(ss.span()),
            path,
            "the schedule has no trigger, so the pipeline would never run",
            Some("set cron, interval, run_at_start = true or build_on_package_update = true"),
        );
        return None;
    }
    Some(Schedule {
        cron_text,
        cron_times: times,
        interval,
        start_condition,
        package_update_mean,
        build_on_package_update,
        run_at_start,
        once_at: None,
    })
}
