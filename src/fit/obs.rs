//! Observations: what a log says one stage took, and what amisim fits it to.

use std::path::Path;

/// What an observation calibrates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// A `[latency]` key (`instance_launch`, `share`, …).
    Latency(&'static str),
    /// A build component, by name.
    Component(String),
    /// A test component, by name.
    Test(String),
    /// A size-driven `[latency]` key other than a copy (a throughput
    /// model): `snapshot` (one volume's), `ecr_push`, `ecr_pull`.
    Throughput(&'static str),
    /// A copy from one Region to another (a throughput model per pair).
    Copy {
        /// Source Region, if known.
        from: Option<String>,
        /// Destination Region, if known.
        to: Option<String>,
    },
}

impl Target {
    /// The key it is written under.
    pub fn label(&self) -> String {
        match self {
            Target::Latency(k) => (*k).to_string(),
            Target::Component(n) => format!("component {n}"),
            Target::Test(n) => format!("test {n}"),
            Target::Throughput(k) => (*k).to_string(),
            Target::Copy { from, to } => match (from, to) {
                (Some(f), Some(t)) => format!("copy {f} → {t}"),
                _ => "copy".into(),
            },
        }
    }

    /// True for the size-driven stages.
    pub fn is_throughput(&self) -> bool {
        matches!(self, Target::Throughput(_) | Target::Copy { .. })
    }
}

/// One observed duration.
#[derive(Debug, Clone)]
pub struct Observation {
    /// What it calibrates.
    pub target: Target,
    /// Seconds.
    pub duration_s: f64,
    /// Right-censored: the stage lasted longer (a waiter or step gave up).
    pub censored: bool,
    /// Data moved, GiB (snapshots and copies).
    pub size_gib: Option<f64>,
    /// Whether the copy or snapshot was incremental, where the log says.
    pub incremental: Option<bool>,
    /// When it started, seconds since the Unix epoch, if the log says.
    pub started: Option<f64>,
    /// `launch_builder` / `launch_test` / Image Builder's `LaunchInstance`:
    /// the launch and the readiness wait together.
    pub with_readiness: bool,
    /// What the log measured, where it is not the stage itself (said in the comment).
    pub measured: Option<&'static str>,
}

/// Why reading or fitting failed (nothing is written): a [`crate::diag::Diagnostic`]
/// at a file's line and field.
pub type FitError = crate::diag::Diagnostic;

/// A [`FitError`] at `file:line` (0: the whole file), in field `field`.
pub(crate) fn located(
    file: &Path,
    line: usize,
    field: &str,
    reason: impl Into<String>,
    help: impl Into<String>,
) -> FitError {
    crate::diag::Diagnostic::new(reason, help).at(file, (line, 0), field)
}

/// The stage names a plain CSV may use: amisim's own `stages.csv` names and
/// the `[latency]` keys.
pub(crate) const STAGES: [&str; 38] = [
    "launch_builder",
    "launch_test",
    "launch_destination_test",
    "launch_migrated_instance",
    "instance_launch",
    "instance_ready",
    "sanitize",
    "stop_builder",
    "stop_instance",
    "instance_stop",
    "terminate_builder",
    "terminate_test",
    "terminate_destination_test",
    "instance_terminate",
    "register_image",
    "share",
    "schedule_delay",
    "component",
    "test",
    "snapshot",
    "copy",
    "create_image",
    "launch_instance",
    "execute_components",
    "distribute_image",
    "test_components",
    "collect_metadata",
    "collect_image_metadata",
    "scan_findings",
    "collect_image_scan_findings",
    "bootstrap",
    "container_bootstrap",
    "push",
    "ecr_push",
    "pull",
    "ecr_pull",
    "replicate",
    "ecr_replication",
];

/// The target of stage `stage` (with its item and Regions); `Ok(None)` for
/// a stage that is no latency of its own (CreateImage is its longest
/// snapshot); `Err` with a suggestion for an unknown name.
pub(crate) fn target_of(
    stage: &str,
    item: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Option<(Target, bool)>, String> {
    let key = |k: &'static str| Ok(Some((Target::Latency(k), false)));
    match stage {
        "launch_builder" | "launch_test" | "launch_instance" => {
            Ok(Some((Target::Latency("instance_launch"), true)))
        }
        "launch_destination_test" | "launch_migrated_instance" | "instance_launch" => {
            key("instance_launch")
        }
        "instance_ready" => key("instance_ready"),
        "sanitize" => key("sanitize"),
        "collect_metadata" | "collect_image_metadata" => key("collect_image_metadata"),
        "scan_findings" | "collect_image_scan_findings" => key("collect_image_scan_findings"),
        "bootstrap" | "container_bootstrap" => key("container_bootstrap"),
        "stop_builder" | "stop_instance" | "instance_stop" => key("instance_stop"),
        "terminate_builder"
        | "terminate_test"
        | "terminate_destination_test"
        | "instance_terminate" => key("instance_terminate"),
        "register_image" => key("register_image"),
        "share" => key("share"),
        "schedule_delay" => key("schedule_delay"),
        "component" | "test" => {
            let Some(n) = item.filter(|n| !n.is_empty()) else {
                return Err(format!("a {stage} row needs its name in `item`"));
            };
            Ok(Some((
                if stage == "component" {
                    Target::Component(n.to_string())
                } else {
                    Target::Test(n.to_string())
                },
                false,
            )))
        }
        "snapshot" => Ok(Some((Target::Throughput("snapshot"), false))),
        "push" | "ecr_push" => Ok(Some((Target::Throughput("ecr_push"), false))),
        "pull" | "ecr_pull" => Ok(Some((Target::Throughput("ecr_pull"), false))),
        "replicate" | "ecr_replication" => key("ecr_replication"),
        "copy" => Ok(Some((
            Target::Copy {
                from: from.filter(|s| !s.is_empty()).map(str::to_string),
                to: to.filter(|s| !s.is_empty()).map(str::to_string),
            },
            false,
        ))),
        "create_image" | "execute_components" | "distribute_image" | "test_components" => Ok(None),
        other => {
            let best = STAGES
                .iter()
                .map(|s| (strsim::levenshtein(other, s), *s))
                .min()
                .filter(|(d, _)| *d <= 3)
                .map_or(String::new(), |(_, s)| format!("did you mean `{s}`? "));
            Err(format!(
                "unknown stage `{other}`; {best}stages are amisim's (stages.csv) or its [latency] keys"
            ))
        }
    }
}
