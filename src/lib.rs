//! # amisim
//!
//! A fast, deterministic discrete-event simulator of multi-region AWS AMI
//! pipelines: how long a new golden image takes to be usable in every Region,
//! stage by stage, with the spread that real AWS latencies give.
//!
//! ```text
//! trigger → launch builder → components → stop → create image (snapshots)
//!         → register → launch test + tests → copy to each Region
//!         → test launch there → usable everywhere
//! ```
//!
//! Layers, each depending only on the ones before it (`tests/it/layering.rs`
//! checks this line against every `crate::` and `super::` path in `src/`):
//! `diag` (the located error of an input) ← `sources` (foreign documents,
//! typed) ← [`engine`] (generic DES:
//! integer time, `(time, seq)` order, resources, seeded streams) ← [`law`] (probability laws of latencies) ← [`aws`] (facts, typed ids,
//! rules) ← [`pipeline`] (the model) ← [`cost`] (prices, the ledger) ←
//! [`scenario`] (TOML files) ← [`experiment`] (parallel replications,
//! shards) ← [`report`] (CSV, summaries, charts) ← `import` (scenarios from
//! Image Builder's JSON) ← [`fit`] (latency models from a team's own logs)
//! ← [`backtest`] (the model, fitted on a team's past, against what
//! happened next) ← `pricelist` (`[cost]` tables from AWS's Price List)
//! ← [`cli`].
//!
//! **Ordering contract**: events fire in `(time, seq)` order; ties are FIFO.
//! **Determinism contract**: the same scenario, seed and replication count
//! give byte-identical outputs whatever the thread count.

// Items are `pub(crate)` unless `tests/`, `benches/` or the binary use them.
#![warn(unreachable_pub)]

pub mod aws;
pub mod backtest;
pub mod cli;
pub mod cost;
pub(crate) mod diag;
pub mod engine;
pub mod experiment;
pub mod fit;
pub(crate) mod import;
pub mod law;
pub mod pipeline;
pub(crate) mod pricelist;
pub mod report;
pub mod scenario;
pub(crate) mod sources;
