//! A container image pipeline's settings: the image's sizes, its pushes and
//! its repository's ECR replication.

use crate::aws::directory::AccountId;
use crate::aws::ids::RegionId;

/// A container image pipeline's own settings (Image Builder container
/// recipe and container distribution, with ECR replication rules).
#[derive(Debug, Clone)]
pub struct Container {
    /// The compressed image, GiB: what a first push and a pull move.
    pub image_gib: f64,
    /// The layers a rebuild changes, GiB: what a later push moves.
    pub changed_gib: f64,
    /// Pushes to the destination Regions run together (else one after another).
    pub parallel_pushes: bool,
    /// Regions the build host pushes to, in the owner's account (not the build Region).
    pub destinations: Vec<RegionId>,
    /// ECR replications: each from a Region's repository to a Region of an account.
    pub replications: Vec<Replication>,
}

/// One destination of an ECR replication rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replication {
    /// The Region whose pushes replicate (the rule's registry).
    pub from: RegionId,
    /// Destination Region.
    pub region: RegionId,
    /// Destination account (registry).
    pub account: AccountId,
}
