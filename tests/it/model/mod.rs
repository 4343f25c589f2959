//! The pipeline model's rules, checked on small inline scenarios: one file
//! per topic over the shared fixtures of `fixtures.rs`.

/// AWS's rules as the model applies them: misconfigurations, cross-account copies, encryption, migrations, the critical stage.
mod accounts;
/// Container image pipelines: stages at exact times, pushes, replication, layers stored once, rules.
mod containers;
/// Faults: waiter time-outs, throttling, incidents and retried copies, each changing the outcome as described.
mod faults;
/// The shared fixtures: inline scenario parts and record readers.
mod fixtures;
/// Image lifecycle and the records of a replication: keep_last and max_age, records by execution, a reused replicator.
mod lifecycle;
/// Quotas and what waits on them: destination tests, full quotas by tool, the copy quota, lineages, auto-disable, exposure windows.
mod quotas;
/// Sharing: public images and their quota, external organizations, Image Builder lifecycles, Regions not enabled.
mod sharing;
/// Stages, triggers and the build quota of one pipeline: order, FIFO copies, incremental snapshots, failures, schedules and updates.
mod stages;
/// Image Builder and Packer as they run: distribution and step time-outs, RetryImage, Packer waits, encrypt_boot, time-based copies.
mod tools;

use fixtures::*;
