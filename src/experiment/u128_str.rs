//! Serde for `u128` as a decimal string (JSON numbers are not exact that large).

use serde::{Deserialize, Deserializer, Serializer};

/// Writes the number as a string.
pub(crate) fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}
/// Reads the number from a string.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
    String::deserialize(d)?
        .parse()
        .map_err(serde::de::Error::custom)
}
