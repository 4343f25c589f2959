//! JSON documents for import: parsing with the parser's place on error, and
//! a reader that remembers which fields it used, so that every other field
//! is reported instead of dropped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{ImportError, Warning};

/// Parses `text` (the contents of `file`).
pub(super) fn parse(file: &Path, text: &str) -> Result<Value, ImportError> {
    serde_json::from_str(text).map_err(|e| {
        ImportError::malformed(
            file.to_path_buf(),
            e.line(),
            e.column(),
            "JSON",
            e.to_string(),
        )
    })
}

/// What a field of the wrong shape is checked against: the help of
/// [`Reader::wrong`], by the format the document came from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Reference {
    /// The JSON the AWS CLI prints (Image Builder's API).
    AwsCli,
    /// A template's or a configuration's resources (CloudFormation, Terraform).
    Resources,
    /// A Packer template's `amazon-ebs` source.
    Packer,
}

impl Reference {
    fn help(self) -> &'static str {
        match self {
            Reference::AwsCli => {
                "amisim reads the JSON the AWS CLI prints; check the field against the API reference"
            }
            Reference::Resources => {
                "check the property against its resource's reference (CloudFormation's AWS::ImageBuilder::*, the Terraform AWS provider's aws_imagebuilder_*)"
            }
            Reference::Packer => {
                "check the field against the amazon-ebs builder's reference (Packer's Amazon plugin)"
            }
        }
    }
}

/// One document being read: the fields used so far.
pub(super) struct Reader<'a> {
    pub(super) file: &'a Path,
    used: BTreeSet<String>,
    reference: Reference,
}

impl<'a> Reader<'a> {
    /// A reader of `file`, whose fields are checked against `reference`.
    pub(super) fn new(file: &'a Path, reference: Reference) -> Self {
        Reader {
            file,
            used: BTreeSet::new(),
            reference,
        }
    }

    /// Marks `path` (and everything under it) as used.
    pub(super) fn use_path(&mut self, path: &str) {
        self.used.insert(path.to_string());
    }

    /// Marks every field under `v` used: a document left out as a whole,
    /// said once instead of field by field.
    pub(super) fn use_all(&mut self, v: &Value, base: &str) {
        let mut leaves = Vec::new();
        leaf_paths(v, base, &mut leaves);
        self.used.extend(leaves);
    }

    /// `v` (at `base`) read as a `T` (`crate::sources`), every field `T`
    /// reads marked used; a field of the wrong shape is refused at its path.
    pub(super) fn typed<T: serde::de::DeserializeOwned>(
        &mut self,
        v: &Value,
        base: &str,
    ) -> Result<T, ImportError> {
        match crate::sources::typed::<T>(v) {
            Ok((t, unread)) => {
                self.use_all_but(v, base, &unread);
                Ok(t)
            }
            Err(w) => Err(self.wrong(&join(base, &w.path), w.reason)),
        }
    }

    /// Marks every field under `v` used but those under `unread` (paths
    /// relative to `v`): a document read whole by a typed reader.
    fn use_all_but(&mut self, v: &Value, base: &str, unread: &[String]) {
        let under = |leaf: &str, p: &str| {
            leaf.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        };
        let unread: Vec<String> = unread.iter().map(|p| join(base, p)).collect();
        let mut leaves = Vec::new();
        leaf_paths(v, base, &mut leaves);
        leaves.retain(|l| !unread.iter().any(|p| under(l, p)));
        self.used.extend(leaves);
    }

    /// The value at `path` under `v` (dotted keys, `[i]` for arrays), marked used.
    pub(super) fn get<'v>(&mut self, v: &'v Value, base: &str, key: &str) -> Option<&'v Value> {
        let got = v.get(key)?;
        self.use_path(&join(base, key));
        Some(got)
    }

    /// A string at `base.key`, if present; a non-string is an error.
    pub(super) fn str<'v>(
        &mut self,
        v: &'v Value,
        base: &str,
        key: &str,
    ) -> Result<Option<&'v str>, ImportError> {
        match self.get(v, base, key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => {
                Err(self.wrong(&join(base, key), format!("expected a string, got {other}")))
            }
        }
    }

    /// A whole number at `base.key`, if present.
    pub(super) fn uint(
        &mut self,
        v: &Value,
        base: &str,
        key: &str,
    ) -> Result<Option<u64>, ImportError> {
        match self.get(v, base, key) {
            None | Some(Value::Null) => Ok(None),
            Some(n) => n.as_u64().map(Some).ok_or_else(|| {
                self.wrong(
                    &join(base, key),
                    format!("expected a whole number, got {n}"),
                )
            }),
        }
    }

    /// The elements of an array at `base.key` (empty if absent).
    pub(super) fn array<'v>(
        &mut self,
        v: &'v Value,
        base: &str,
        key: &str,
    ) -> Result<&'v [Value], ImportError> {
        match self.get(v, base, key) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(other) => {
                Err(self.wrong(&join(base, key), format!("expected a list, got {other}")))
            }
        }
    }

    /// A field of the wrong shape.
    pub(super) fn wrong(&self, field: &str, reason: String) -> ImportError {
        ImportError::wrong(
            self.file.to_path_buf(),
            field.to_string(),
            reason,
            self.reference.help().into(),
        )
    }

    /// A warning for every leaf of `v` (at `base`) that was not used.
    pub(super) fn unused(&self, v: &Value, base: &str, out: &mut Vec<Warning>) {
        // A field read is used, and so are the elements of a list read whole;
        // the fields inside an object that was read are used only if read too.
        let used = |p: &str| {
            self.used.iter().any(|u| {
                p == u
                    || p.strip_prefix(u.as_str())
                        .is_some_and(|rest| rest.starts_with('[') && !rest.contains('.'))
            })
        };
        let mut leaves = Vec::new();
        leaf_paths(v, base, &mut leaves);
        for p in leaves {
            if !used(&p) {
                out.push(Warning::unread(self.file, p));
            }
        }
    }

    /// The file's path.
    pub(super) fn file(&self) -> PathBuf {
        self.file.to_path_buf()
    }
}

/// `base.key`, or `key` at the top; `base[i]…` for a key that starts
/// with an index (a path under a list).
pub(super) fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else if key.starts_with('[') {
        format!("{base}{key}")
    } else {
        format!("{base}.{key}")
    }
}

/// Every leaf (a value that is not an object or a non-empty array) under `v`.
fn leaf_paths(v: &Value, base: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                leaf_paths(x, &join(base, k), out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                leaf_paths(x, &format!("{base}[{i}]"), out);
            }
        }
        _ => out.push(base.to_string()),
    }
}
