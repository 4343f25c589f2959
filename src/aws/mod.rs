//! The AWS domain: Region names and the figures every default is built on.
//!
//! No engine internals here; `facts` is the one place where AWS numbers
//! live, each with a `// source:` pointing into the repository's `docs/sources.md`.

pub mod directory;
pub(crate) mod facts;
pub mod ids;
pub mod quotas;
pub mod rules;

/// Commercial, GovCloud and China Region codes amisim accepts.
/// source: AWS Regions list, <https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html>
pub const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

/// Opt-in Regions: launched after 20 March 2019, disabled in every account
/// until it enables them (docs/sources.md#opt-in-regions).
pub const OPT_IN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// True if `name` is an opt-in Region.
pub fn is_opt_in_region(name: &str) -> bool {
    OPT_IN_REGIONS.contains(&name)
}

/// True if `name` is a Region code AWS has.
pub fn is_known_region(name: &str) -> bool {
    KNOWN_REGIONS.contains(&name)
}

/// The known Region closest in spelling to `name`, for "did you mean" hints.
pub fn closest_region(name: &str) -> Option<&'static str> {
    KNOWN_REGIONS
        .iter()
        .map(|r| (strsim::levenshtein(name, r), *r))
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, r)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_regions_get_a_suggestion() {
        assert!(is_known_region("eu-west-1"));
        assert!(!is_known_region("eu-west-9"));
        assert_eq!(closest_region("eu-wset-1"), Some("eu-west-1"));
        assert_eq!(closest_region("mars-north-1"), None);
    }
}
