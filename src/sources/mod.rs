//! Foreign documents, typed: what AWS's own tools print, read once for
//! every command that reads them (`import`, `fit`). Each type keeps the
//! fields amisim reads and ignores the rest (AWS adds fields over time);
//! its methods hold the one reading of a fact (a snapshot's data size).
//!
//! So far: EC2's `describe-snapshots` ([`ec2`]). The Image Builder
//! documents are read by `import`'s own located reader.

pub(crate) mod ec2;
