//! Foreign documents, typed: what AWS's own tools print, read once for
//! every command that reads them (`import`, `fit`). Each type keeps the
//! fields amisim reads and ignores the rest (AWS adds fields over time);
//! its methods hold the one reading of a fact (a snapshot's data size).
//!
//! A document is read with [`typed`]: serde's derive spells each type's
//! fields once, `serde_ignored` names the fields the type does not read
//! (import lists them instead of dropping them), `serde_path_to_error`
//! names the field of the wrong shape. A field `_x: Option<Known>` is read
//! so that it is not listed, and used by nothing: a label without a
//! counterpart in a scenario (a name, an ARN import binds by the raw
//! document, a date).
//!
//! The documents: EC2's `describe-images` and `describe-snapshots` ([`ec2`]);
//! every Image Builder document and ECR's replication configuration
//! ([`imagebuilder`]), whether the AWS CLI printed it or a CloudFormation
//! template or Terraform configuration was evaluated to it; Packer's
//! `amazon-ebs` source ([`packer`]); the Terraform AWS provider's copies
//! and launch permissions ([`terraform`]); the logs `fit` reads ([`logs`]);
//! the ARNs all of them write ([`arn`]).

pub(crate) mod arn;
pub(crate) mod ec2;
pub(crate) mod imagebuilder;
pub(crate) mod logs;
pub(crate) mod packer;
pub(crate) mod terraform;
mod values;

pub(crate) use values::{Known, count, first, flag, many};

use serde::de::DeserializeOwned;
use serde_json::Value;

/// A field of the wrong shape: its path under the document (`a.b[0].c`,
/// empty for the document itself) and serde's reason.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wrong {
    pub path: String,
    pub reason: String,
}

/// `v` read as a `T`, with the path of every field `T` does not read (in
/// serde_json's key order), or the first field of the wrong shape.
pub(crate) fn typed<T: DeserializeOwned>(v: &Value) -> Result<(T, Vec<String>), Wrong> {
    let mut unread = Vec::new();
    let mut note = |p: serde_ignored::Path<'_>| unread.push(path_text(&p));
    let de = serde_ignored::Deserializer::new(v, &mut note);
    match serde_path_to_error::deserialize(de) {
        Ok(t) => Ok((t, unread)),
        Err(e) => {
            let path = e.path().to_string();
            Err(Wrong {
                path: if path == "." { String::new() } else { path },
                reason: e.into_inner().to_string(),
            })
        }
    }
}

/// `p` as `a.b[0].c`, the way import names a field.
fn path_text(p: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match p {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", path_text(parent)),
        Path::Map { parent, key } => {
            let base = path_text(parent);
            if base.is_empty() {
                key.clone()
            } else {
                format!("{base}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => path_text(parent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Outer {
        name: Option<String>,
        inner: Option<Vec<Inner>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        size_gib: u64,
    }

    #[test]
    fn unread_fields_and_a_wrong_one_are_named_by_their_path() {
        let v = serde_json::json!({
            "name": "n", "tags": {"a": "b"},
            "inner": [{"sizeGib": 1}, {"sizeGib": 2, "extra": [1, 2]}]
        });
        let (o, unread): (Outer, _) = typed(&v).unwrap();
        assert_eq!(o.name.as_deref(), Some("n"));
        assert_eq!(o.inner.unwrap()[1].size_gib, 2);
        assert_eq!(unread, ["inner[1].extra", "tags"]);
        let bad = serde_json::json!({ "inner": [{"sizeGib": 1}, {"sizeGib": "two"}] });
        let e = typed::<Outer>(&bad).unwrap_err();
        assert_eq!(e.path, "inner[1].sizeGib");
        assert!(
            e.reason.contains("invalid type: string \"two\""),
            "{}",
            e.reason
        );
        let top = typed::<Outer>(&serde_json::json!("x")).unwrap_err();
        assert_eq!(top.path, "");
    }
}
