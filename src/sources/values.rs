//! Values as the tools that write them convert them: a Boolean or a
//! number given as text (CloudFormation's parameters, HCL's conversion),
//! an object given as a list of one (a Terraform block), one block or
//! several. Each is a `deserialize_with` function for
//! `#[serde(default, deserialize_with = "…")]`.

// Hand-written, not serde_with's OneOrMany or PickFirst: those buffer the
// value (serde's Content), so serde_ignored and serde_path_to_error would
// lose the paths of the fields inside it.
use serde::Deserialize;
use serde::de::{MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};
use serde_json::Value;

/// A field read whole and dropped: part of what amisim models without a
/// key of its own (a container recipe's Dockerfile), so it is not listed
/// as without counterpart. (serde's `IgnoredAny` would be listed.)
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Known;

impl<'de> serde::Deserialize<'de> for Known {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Known, D::Error> {
        Value::deserialize(d).map(|_| Known)
    }
}

/// An object the Terraform provider writes as a block, a list of one:
/// the object, or the list's first. Use with `#[serde(default,
/// deserialize_with = "…")]`.
pub(crate) fn first<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    struct First<T>(std::marker::PhantomData<T>);
    impl<'de, T: serde::Deserialize<'de>> Visitor<'de> for First<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object, or a list of one")
        }
        fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Option<T>, A::Error> {
            T::deserialize(MapAccessDeserializer::new(m)).map(Some)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Option<T>, A::Error> {
            let one = s.next_element::<T>()?;
            while s.next_element::<Known>()?.is_some() {}
            Ok(one)
        }
        fn visit_unit<E>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
    }
    d.deserialize_any(First(std::marker::PhantomData))
}

/// A boolean field that a template may give as text: CloudFormation
/// takes `"true"`/`"false"` for a Boolean property, and a parameter's
/// value is text. Use with `#[serde(default, deserialize_with = "…")]`.
pub(crate) fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct Flag;
    impl serde::de::Visitor<'_> for Flag {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("true or false")
        }
        fn visit_bool<E>(self, b: bool) -> Result<Option<bool>, E> {
            Ok(Some(b))
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Option<bool>, E> {
            match s.to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(E::invalid_value(serde::de::Unexpected::Str(s), &self)),
            }
        }
        fn visit_unit<E>(self) -> Result<Option<bool>, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Flag)
}

/// A whole number that may be given as text: HCL converts `"30"` to the
/// number a field takes, and a CloudFormation parameter's value is text.
pub(crate) fn count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct Count;
    impl Visitor<'_> for Count {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_u64<E>(self, n: u64) -> Result<Option<u64>, E> {
            Ok(Some(n))
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Option<u64>, E> {
            u64::try_from(n)
                .map(Some)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Option<u64>, E> {
            s.trim()
                .parse()
                .map(Some)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(s), &self))
        }
        fn visit_unit<E>(self) -> Result<Option<u64>, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Count)
}

/// Blocks that may be one (an object) or several (a list).
pub(crate) fn many<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Many<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Many<T> {
        type Value = Option<Vec<T>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a block, or a list of blocks")
        }
        fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
            T::deserialize(MapAccessDeserializer::new(m)).map(|t| Some(vec![t]))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(t) = s.next_element()? {
                out.push(t);
            }
            Ok(Some(out))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Many(std::marker::PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::typed;

    #[test]
    fn text_is_read_as_the_boolean_or_number_it_says() {
        #[derive(Debug, Deserialize)]
        struct F {
            #[serde(default, deserialize_with = "flag")]
            on: Option<bool>,
            #[serde(default, deserialize_with = "count")]
            n: Option<u64>,
        }
        for (v, want) in [
            ("true", Some(true)),
            ("\"False\"", Some(false)),
            ("null", None),
        ] {
            let v: Value = serde_json::from_str(&format!("{{\"on\": {v}}}")).unwrap();
            assert_eq!(typed::<F>(&v).unwrap().0.on, want);
        }
        let e = typed::<F>(&serde_json::json!({"on": "yes"})).unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.reason.as_str()),
            (
                "on",
                "invalid value: string \"yes\", expected true or false"
            )
        );
        for (v, want) in [("30", Some(30)), ("\" 30\"", Some(30)), ("null", None)] {
            let v: Value = serde_json::from_str(&format!("{{\"n\": {v}}}")).unwrap();
            assert_eq!(typed::<F>(&v).unwrap().0.n, want);
        }
        for bad in [
            serde_json::json!({"n": -1}),
            serde_json::json!({"n": "3.5"}),
            serde_json::json!({"n": 2.5}),
        ] {
            assert_eq!(typed::<F>(&bad).unwrap_err().path, "n");
        }
    }
}
