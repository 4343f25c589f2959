//! The AMI pipeline: configuration, triggers and the simulation model.

pub mod analysis;
mod clients;
pub mod config;
pub mod container;
pub mod model;
pub mod places;
pub mod schedule;
pub mod trigger;
