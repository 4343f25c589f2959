//! What a resource or data source exports that its arguments do not say:
//! the attributes AWS computes (ARNs, ids), as a plan would know them
//! once applied. Image Builder's ARNs follow their documented shape
//! (`arn:aws:imagebuilder:REGION:ACCOUNT:image-recipe/NAME/VERSION`);
//! other resources get an ARN and an id named after their address, so a
//! reference to them is followed and the thing keeps a readable name.

use serde_json::{Map, Value};

/// The Region and account a resource is created in.
pub(crate) struct Place<'a> {
    pub(crate) region: &'a str,
    pub(crate) account: &'a str,
}

/// Image Builder's resource types and their ARN's resource type.
const IMAGEBUILDER: [(&str, &str); 8] = [
    ("aws_imagebuilder_image", "image"),
    ("aws_imagebuilder_image_pipeline", "image-pipeline"),
    ("aws_imagebuilder_image_recipe", "image-recipe"),
    (
        "aws_imagebuilder_distribution_configuration",
        "distribution-configuration",
    ),
    (
        "aws_imagebuilder_infrastructure_configuration",
        "infrastructure-configuration",
    ),
    ("aws_imagebuilder_lifecycle_policy", "lifecycle-policy"),
    ("aws_imagebuilder_component", "component"),
    ("aws_imagebuilder_container_recipe", "container-recipe"),
];

fn text<'v>(body: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A key id a generated key is known by: its address, dots made dashes.
fn generated_id(address: &str) -> String {
    address
        .replace(['.', '[', ']', '"'], "-")
        .trim_matches('-')
        .to_string()
}

/// The attributes a managed resource exports besides its arguments.
pub(crate) fn resource(
    ty: &str,
    label: &str,
    address: &str,
    body: &mut Map<String, Value>,
    at: &Place<'_>,
) {
    let (region, account) = (at.region, at.account);
    let name = text(body, "name").unwrap_or(label).to_string();
    let arn = if let Some((_, t)) = IMAGEBUILDER.iter().find(|(x, _)| *x == ty) {
        let version = text(body, "version").map_or(String::new(), |v| format!("/{v}"));
        format!(
            "arn:aws:imagebuilder:{region}:{account}:{t}/{}{version}",
            name.to_lowercase()
        )
    } else {
        match ty {
            "aws_kms_key" | "aws_kms_replica_key" => {
                let id = generated_id(address);
                body.entry("key_id")
                    .or_insert_with(|| Value::String(id.clone()));
                format!("arn:aws:kms:{region}:{account}:key/{id}")
            }
            "aws_kms_alias" => format!("arn:aws:kms:{region}:{account}:{name}"),
            "aws_iam_role" => format!("arn:aws:iam::{account}:role/{name}"),
            "aws_iam_instance_profile" => format!("arn:aws:iam::{account}:instance-profile/{name}"),
            "aws_iam_policy" => format!("arn:aws:iam::{account}:policy/{name}"),
            "aws_sns_topic" => format!("arn:aws:sns:{region}:{account}:{name}"),
            "aws_s3_bucket" => format!("arn:aws:s3:::{}", text(body, "bucket").unwrap_or(&name)),
            _ => {
                let service = ty.split('_').nth(1).unwrap_or("aws");
                format!(
                    "arn:aws:{service}:{region}:{account}:{}/{name}",
                    ty.trim_start_matches("aws_")
                )
            }
        }
    };
    body.entry("arn").or_insert(Value::String(arn));
    body.entry("id")
        .or_insert_with(|| Value::String(address.to_string()));
    if ty == "aws_s3_bucket" {
        body.entry("bucket").or_insert(Value::String(name));
    }
}

/// The attributes a data source reads: the provider's Region, partition
/// and account for `aws_region`, `aws_partition` and
/// `aws_caller_identity`; an id named after its address otherwise (an
/// `aws_ami`'s is the reference the recipe's parent image makes to it).
pub(crate) fn data(ty: &str, address: &str, body: &mut Map<String, Value>, at: &Place<'_>) {
    let s = |v: &str| Value::String(v.to_string());
    let (region, account) = (at.region, at.account);
    let set: Vec<(&str, Value)> = match ty {
        "aws_region" => vec![
            ("name", s(region)),
            ("region", s(region)),
            ("id", s(region)),
            ("endpoint", s(&format!("ec2.{region}.amazonaws.com"))),
        ],
        "aws_partition" => vec![
            ("partition", s("aws")),
            ("id", s("aws")),
            ("dns_suffix", s("amazonaws.com")),
        ],
        "aws_caller_identity" => vec![
            ("account_id", s(account)),
            ("id", s(account)),
            ("arn", s(&format!("arn:aws:iam::{account}:root"))),
        ],
        "aws_kms_key" | "aws_kms_alias" => {
            let id = text(body, "key_id")
                .or(text(body, "name"))
                .unwrap_or(address)
                .to_string();
            let arn = if id.starts_with("arn:") {
                id
            } else {
                format!("arn:aws:kms:{region}:{account}:{id}")
            };
            vec![("arn", s(&arn)), ("target_key_arn", s(&arn))]
        }
        _ => vec![("id", s(address))],
    };
    for (k, v) in set {
        body.entry(k).or_insert(v);
    }
}
