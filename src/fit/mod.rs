//! `amisim fit`: latency models from a team's own history.
//!
//! Observations (durations, right-censored where a waiter or step gave up)
//! are read from a plain CSV, Image Builder's workflow step executions,
//! EventBridge snapshot events, `describe-snapshots` or CloudTrail; each
//! stage is fitted by maximum likelihood to every family amisim samples,
//! ranked by AIC, and checked by Kolmogorov-Smirnov and Anderson-Darling
//! with parametric-bootstrap p-values; size-driven stages are fitted as
//! amisim's throughput model. The result is scenario TOML, used through a
//! scenario's `calibration` key.

pub mod family;
pub mod gof;
pub mod throughput;
