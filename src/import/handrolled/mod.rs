//! Terraform pipelines built by hand: `aws_ami_copy` of an image that exists
//! already (its `source_ami_id`), and `aws_ami_launch_permission` on the
//! copies, to a `tool = "sdk"` pipeline with `existing_image = true` and
//! Terraform's 40-minute waiter on each copy (docs/sources.md#waiters).
//!
//! Field names: the AWS provider's `aws_ami_copy` and
//! `aws_ami_launch_permission`, camelCased as the other Terraform
//! resources are here (`source_ami_id` is `sourceAmiId`).

mod pipeline;
mod read;

use std::path::PathBuf;

use super::directory::DirectoryDraft;
use super::imagebuilder::{Resource, ResourceKind, data_sizes};
use super::json::join;
use super::{ImportError, Toml, Warning, quoted};
use pipeline::{distributions, source_pipeline, write_distributions};
use read::{read_copies, read_shares};

/// One `aws_ami_copy`.
struct Copy {
    /// The document's index.
    doc: usize,
    /// Its id (the new AMI's, or the reference a `.tf` gives it).
    id: Option<String>,
    source: String,
    source_region: String,
    region: String,
    owner: Option<(String, String)>,
    kms: Option<(String, String)>,
    encrypted: Option<String>,
    waiter: Option<(String, String)>,
    /// Its image's block devices (a state's): device, GiB, field.
    volumes: Vec<(String, u64, String)>,
}

/// Who an `aws_ami_launch_permission` shares with.
#[derive(Default)]
struct Share {
    accounts: Vec<String>,
    public: bool,
    orgs: Vec<String>,
    ous: Vec<String>,
    from: String,
}

/// A pipeline's name from its source image: the AMI id, or the name of
/// the data source or resource a `.tf` refers to.
fn pipeline_name(source: &str) -> String {
    if source.starts_with("ami-") {
        format!("copy-{source}")
    } else {
        source.rsplit('.').next().unwrap_or(source).to_string()
    }
}

/// Reads the copies and shares into one pipeline per source image.
pub(super) fn read(
    docs: &mut [Resource<'_>],
    name: &str,
    out: &mut Toml,
    warnings: &mut Vec<Warning>,
) -> Result<(), ImportError> {
    let copies = read_copies(docs)?;
    let mut dir = DirectoryDraft::default();
    let shares = read_shares(docs, &mut dir, warnings)?;
    // One pipeline per source image, in the order the copies name them.
    let mut sources: Vec<(String, String)> = Vec::new();
    for c in &copies {
        let k = (c.source.clone(), c.source_region.clone());
        if !sources.contains(&k) {
            sources.push(k);
        }
    }
    let owner_id = copies.iter().find_map(|c| c.owner.clone()).ok_or_else(|| {
        ImportError::wrong(
            docs[copies[0].doc].reader.file(),
            join(docs[copies[0].doc].base, "ownerId"),
            "the account that copies is not in the document".into(),
            "give `terraform show -json` of the state (owner_id), or --var AWS::AccountId=…".into(),
        )
    })?;
    let owner = (dir.account(&owner_id.0), owner_id.1.clone());
    let mut body = Toml::default();
    let data = data_sizes(docs)?;
    let mut used_shares: Vec<String> = Vec::new();
    for (source, source_region) in &sources {
        let mine: Vec<&Copy> = copies
            .iter()
            .filter(|c| c.source == *source && c.source_region == *source_region)
            .collect();
        let at = Source {
            name: source,
            region: source_region,
            owner: &owner,
            copies: &mine,
        };
        source_pipeline(docs, &at, &data, &mut body, &mut dir, warnings)?;
        let dists = distributions(docs, &at, &shares, &mut used_shares, warnings);
        write_distributions(docs, dists, &mut body, &mut dir)?;
    }
    for (image, s) in &shares {
        if !used_shares.contains(image) {
            warnings.push(Warning {
                file: PathBuf::from("(launch permissions)"),
                field: join(&s.from, "imageId"),
                what: crate::import::What::Assumed(format!(
                    "{image} is neither a copy here nor its source; left out"
                )),
            });
        }
    }
    out.set("name", quoted(name), "the command line");
    dir.emit(out, "owner_id and the launch permissions");
    out.append(body);
    let waiters: Vec<&(String, String)> = copies.iter().filter_map(|c| c.waiter.as_ref()).collect();
    faults(out, &waiters, warnings);
    for d in docs.iter() {
        d.reader.unused(d.body, d.base, warnings);
    }
    if !dir.keys.is_empty() {
        warnings.push(Warning { file: PathBuf::from("(key policies)"), field: "kms_key.grants".into(), what: crate::import::What::Assumed("not in the configuration: amisim grants each key to every account and organization that launches with it; check them against your key policies".into()) });
    }
    Ok(())
}

/// One source image and its copies.
struct Source<'a> {
    name: &'a str,
    region: &'a str,
    /// The owner's scenario name, and its field.
    owner: &'a (String, String),
    copies: &'a [&'a Copy],
}

/// Terraform's waiter on each copy: its create time-out, 40 minutes
/// unless set; and that `terraform apply` makes at most 10 at once.
fn faults(out: &mut Toml, waiters: &[&(String, String)], warnings: &mut Vec<Warning>) {
    out.table(&["faults"]);
    match waiters.first() {
        Some((t, from)) => {
            out.set("waiter_timeout", quoted(t), from.clone());
            if waiters.iter().any(|w| w.0 != *t) {
                warnings.push(Warning { file: PathBuf::from("(timeouts)"), field: from.clone(), what: crate::import::What::Assumed(format!("the copies have different create time-outs: amisim has one waiter for every copy, {t}")) });
            }
        }
        None => out.set(
            "client",
            quoted("terraform"),
            "aws_ami_copy's create time-out: 40 minutes, as none is set",
        ),
    }
    warnings.push(Warning { file: PathBuf::from("(terraform apply)"), field: "-parallelism".into(), what: crate::import::What::Assumed("terraform apply makes at most 10 resources at once by default; amisim starts every copy at once".into()) });
}

/// The source image's volumes from `describe-images`, if given: each
/// device with its size.
fn described_volumes(
    docs: &mut [Resource<'_>],
    source: &str,
) -> Result<Vec<(String, u64, String)>, ImportError> {
    let mut out = Vec::new();
    for d in docs.iter_mut().filter(|d| d.kind == ResourceKind::Images) {
        let images = d.body.as_array().map(Vec::as_slice).unwrap_or_default();
        for (i, img) in images.iter().enumerate() {
            let ibase = format!("{}[{i}]", d.base);
            if d.reader.str(img, &ibase, "ImageId")? != Some(source) {
                continue;
            }
            for (j, m) in d
                .reader
                .array(img, &ibase, "BlockDeviceMappings")?
                .iter()
                .enumerate()
            {
                let mbase = format!("{}[{j}]", join(&ibase, "BlockDeviceMappings"));
                let dev = d.reader.str(m, &mbase, "DeviceName")?.map(str::to_string);
                let ebase = join(&mbase, "Ebs");
                let size = match d.reader.get(m, &mbase, "Ebs") {
                    Some(e) => d.reader.uint(e, &ebase, "VolumeSize")?,
                    None => None,
                };
                if let (Some(dev), Some(size)) = (dev, size) {
                    out.push((dev, size, join(&ebase, "VolumeSize")));
                }
            }
        }
    }
    Ok(out)
}
