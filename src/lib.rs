pub mod aws;
pub mod dist;
pub mod engine;
pub mod pipeline;
pub mod scenario;
