//! The AMI pipeline: configuration, triggers and the simulation model.

pub mod analysis;
mod clients;
pub mod config;
pub(crate) mod container;
pub mod groups;
pub mod model;
pub(crate) mod places;
pub(crate) mod schedule;
pub(crate) mod trigger;
pub(crate) mod work;
