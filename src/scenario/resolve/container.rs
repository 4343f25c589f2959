//! `image_type = "container"`: an Image Builder container recipe, its
//! container distribution (pushes from the build host to Regions of the
//! same account) and its repository's ECR replication rules, with the rules
//! AWS enforces on them (docs/sources.md#container-build,
//! docs/sources.md#ecr-replication).

use toml::Spanned;

use super::choice::Choice;
use super::ctx::{Ctx, KeyPath};
use super::values::SizeOf;
use crate::aws::directory::{AccountId, Directory};
use crate::aws::facts;
use crate::aws::rules::{Rule, container_violation};
use crate::pipeline::config::{Container, RegionId, Replication, Tool};
use crate::scenario::raw::{RawPipeline, RawReplication};

/// `image_type`: the first word is the default.
const IMAGE_TYPE: Choice<bool> = Choice {
    what: "image type",
    words: &[
        ("ami", false, ""),
        (
            "container",
            true,
            "an Image Builder container recipe pushed to ECR",
        ),
    ],
};

/// True if the pipeline builds a container image.
pub(super) fn is_container(ctx: &mut Ctx<'_>, p: &RawPipeline, prefix: &str) -> bool {
    IMAGE_TYPE.pick(ctx, p.image_type.as_ref(), &prefix.key("image_type"))
}

/// The container settings of a container pipeline; `None` with errors.
pub(super) fn resolve_container(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    sp: &Spanned<RawPipeline>,
    prefix: &str,
    (tool, region, owner): (Tool, Option<RegionId>, AccountId),
) -> Option<Box<Container>> {
    let p = sp.get_ref();
    let before = ctx.error_count();
    if tool != Tool::ImageBuilder {
        let span = p.tool.as_ref().map(Spanned::span);
        ctx.err(span, prefix.key("tool"), "a container image pipeline is Image Builder's (a container recipe); amisim does not model Packer's or a script's docker builds", Some("remove tool, or set tool = \"image_builder\""));
    }
    refuse_ami_keys(ctx, sp, prefix);
    refuse_ami_lifecycle(ctx, p, prefix);
    if let Some(r) = &p.retry {
        ctx.err(
            Some(r.span()),
            prefix.key("retry"),
            "RetryImage of a container image is not modelled",
            Some("remove retry"),
        );
    }
    let Some(c) = &p.container else {
        ctx.err(Some(sp.span()), prefix.key("container"), "a container pipeline needs its image's size", Some("add [pipeline.container] image_gib = 0.5 (the compressed image; changed_gib the layers a rebuild changes)"));
        return None;
    };
    let c = c.get_ref();
    let path = prefix.key("container");
    let image_gib = ctx.size_gib(
        &c.image_gib,
        &path.key("image_gib"),
        ("image_gib", SizeOf::ContainerImage),
    );
    // ASSUMPTION (the AMIs' 10 % of the data, docs/sources.md#incremental-snapshot):
    // a rebuild changes a tenth of the image's layers unless the scenario says.
    let changed_gib = c.changed_gib.as_ref().map_or(image_gib * 0.1, |g| {
        ctx.size_gib(
            g,
            &path.key("changed_gib"),
            ("changed_gib", SizeOf::ContainerImage),
        )
    });
    if let Some(k) = &c.kms_key {
        ctx.warn(Some(k.span()), path.key("kms_key"), "a container recipe's KMS key encrypts its Dockerfile template only, not the image: ECR encrypts the image with the repository's own setting", Some("set the repository's encryption in ECR; remove kms_key unless the template is what you mean to encrypt".into()));
    }
    let destinations: Vec<RegionId> = p
        .destinations
        .iter()
        .enumerate()
        .filter_map(|(i, d)| ctx.region(d, &prefix.key("destinations").at(i)))
        .filter(|r| Some(*r) != region)
        .collect();
    let replications = replications(ctx, dir, sp, prefix, (region?, owner, &destinations));
    if ctx.error_count() > before {
        return None;
    }
    Some(Box::new(Container {
        image_gib,
        changed_gib,
        parallel_pushes: c.parallel_pushes.unwrap_or(false),
        destinations,
        replications,
    }))
}

/// DistributeContainerImage's time-out: the pipeline's `distribution_timeout`,
/// else 120 minutes (docs/sources.md#container-build), not DistributeImage's 360.
pub(super) fn container_timeout(
    p: &RawPipeline,
    resolved: Option<crate::engine::SimDuration>,
) -> Option<crate::engine::SimDuration> {
    match p.distribution_timeout {
        Some(_) => resolved,
        None => Some(crate::engine::SimDuration::from_mins(
            facts::IMAGE_BUILDER_CONTAINER_DISTRIBUTE_TIMEOUT_MIN,
        )),
    }
}

/// The AMI keys a container pipeline cannot take: volumes, and
/// distributions (target accounts, keys, permissions).
fn refuse_ami_keys(ctx: &mut Ctx<'_>, sp: &Spanned<RawPipeline>, prefix: &str) {
    let p = sp.get_ref();
    if let Some(v) = p.volume.first() {
        ctx.err(Some(v.span()), prefix.key("volume").at(0), "a container image has no EBS volumes", Some("remove [[pipeline.volume]]; give the image's size in [pipeline.container] image_gib"));
    }
    for (i, d) in p.distribution.iter().enumerate() {
        let key = prefix.key("distribution").at(i);
        let v = if d.get_ref().target_accounts.is_empty() {
            container_violation(
                Rule::ContainerAmiSettings,
                "a container pipeline's distribution is its destinations' repositories: a [[pipeline.distribution]] table is an AMI distribution's settings".into(),
                "list the Regions in destinations; other accounts get the image through [[pipeline.replication]]".into(),
            )
        } else {
            container_violation(
                Rule::ContainerTargetAccounts,
                "a container distribution cannot target accounts: Image Builder pushes to each Region in the account that builds the image".into(),
                "replicate to the accounts with [[pipeline.replication]] accounts = [...] (ECR replication), and list the Regions in destinations".into(),
            )
        };
        ctx.rule_error(d.span(), key, &v);
    }
}

/// Image Builder's lifecycle for container images only deletes
/// (docs/sources.md#lifecycle): no deprecation, disabling or archive.
fn refuse_ami_lifecycle(ctx: &mut Ctx<'_>, p: &RawPipeline, prefix: &str) {
    let Some(l) = &p.lifecycle else { return };
    let l = l.get_ref();
    let path = prefix.key("lifecycle");
    for (key, v) in [
        ("deprecate_after", &l.deprecate_after),
        ("disable_after", &l.disable_after),
        ("archive_after", &l.archive_after),
    ] {
        if let Some(v) = v {
            ctx.err(
                Some(v.span()),
                path.key(key),
                format!(
                    "{key} is for AMIs: a lifecycle policy of container images only deletes them"
                ),
                Some("use keep_last or max_age (deletion)"),
            );
        }
    }
}

/// Each replication rule's destinations (its Regions × its accounts, less
/// its own registry), checked against ECR's limits and grants.
fn replications(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    sp: &Spanned<RawPipeline>,
    prefix: &str,
    (build, owner, pushed): (RegionId, AccountId, &[RegionId]),
) -> Vec<Replication> {
    let p = sp.get_ref();
    let path = prefix.key("replication");
    let mut out: Vec<Replication> = Vec::new();
    // (source Region, rule index) of each rule: one configuration per registry.
    let mut rules: Vec<(RegionId, usize)> = Vec::new();
    for (i, r) in p.replication.iter().enumerate() {
        let dests = one_rule(ctx, dir, r, &path.at(i), (build, owner, pushed));
        if let Some(d) = dests.first() {
            rules.push((d.from, i));
        }
        out.extend(dests);
    }
    let mut sources: Vec<RegionId> = rules.iter().map(|r| r.0).collect();
    sources.sort();
    sources.dedup();
    for from in sources {
        limits(ctx, dir, sp, &path, (from, &rules, &out));
    }
    out
}

/// ECR's limits on one registry's replication configuration (the rules
/// from one Region): 10 rules, 25 unique destinations.
fn limits(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    sp: &Spanned<RawPipeline>,
    path: &str,
    (from, rules, out): (RegionId, &[(RegionId, usize)], &[Replication]),
) {
    let p = sp.get_ref();
    let mine: Vec<usize> = rules.iter().filter(|r| r.0 == from).map(|r| r.1).collect();
    let region = &dir.regions[from.index()];
    let most = facts::ECR_REPLICATION_MAX_RULES;
    if mine.len() > most {
        let v = container_violation(
            Rule::ReplicationRules,
            format!(
                "{} replication rules from {region}; its registry's replication configuration holds at most {most}",
                mine.len()
            ),
            "merge rules: one rule takes several destinations".into(),
        );
        ctx.rule_error(p.replication[mine[most]].span(), path.at(mine[most]), &v);
    }
    let mut unique: Vec<(RegionId, AccountId)> = out
        .iter()
        .filter(|r| r.from == from)
        .map(|r| (r.region, r.account))
        .collect();
    unique.sort();
    unique.dedup();
    let most = facts::ECR_REPLICATION_MAX_DESTINATIONS;
    if unique.len() > most {
        let v = container_violation(Rule::ReplicationDestinations, format!("{} unique replication destinations from {region}; ECR takes at most {most} across its registry's rules", unique.len()), "replicate to fewer Regions or accounts from this Region, replicate from another Region's registry, or have the destinations pull across accounts (a repository policy) instead".into());
        ctx.rule_error(p.replication[mine[0]].span(), path.at(mine[0]), &v);
    }
}

fn one_rule(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    r: &Spanned<RawReplication>,
    path: &str,
    (build, owner, pushed): (RegionId, AccountId, &[RegionId]),
) -> Vec<Replication> {
    let raw = r.get_ref();
    let from = raw
        .from
        .as_ref()
        .map_or(Some(build), |f| ctx.region(f, &path.key("from")));
    let Some(from) = from else { return Vec::new() };
    if from != build && !pushed.contains(&from) {
        let name = &dir.regions[from.index()];
        ctx.warn(Some(r.span()), path.to_string(), format!("nothing is pushed to {name}: ECR replicates pushes only, once (no chaining), so an image replicated into {name} is not replicated again and this rule never fires"), Some("set from to the build Region or a destination, or replicate from there to every destination".into()));
    }
    let regions: Vec<RegionId> = if raw.regions.is_empty() {
        vec![from]
    } else {
        raw.regions
            .iter()
            .enumerate()
            .filter_map(|(i, g)| ctx.region(g, &path.key("regions").at(i)))
            .collect()
    };
    let accounts: Vec<(AccountId, &Spanned<String>)> = raw
        .accounts
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            ctx.account(dir, a, &path.key("accounts").at(i))
                .map(|id| (id, a))
        })
        .collect();
    for (a, name) in &accounts {
        if *a != owner && !dir.accounts[a.index()].ecr_replication_allowed {
            let acct = &dir.accounts[a.index()].name;
            let v = container_violation(
                Rule::ReplicationNotGranted,
                format!(
                    "account {acct}'s registry does not grant ecr:ReplicateImage to {}",
                    dir.accounts[owner.index()].name
                ),
                format!(
                    "add a registry permissions policy in {acct} allowing ecr:ReplicateImage (and ecr:CreateRepository) for the source account, then set ecr_replication_allowed = true"
                ),
            );
            ctx.rule_error(name.span(), path.key("accounts"), &v);
        }
    }
    let accounts: Vec<AccountId> = if raw.accounts.is_empty() {
        vec![owner]
    } else {
        accounts.iter().map(|a| a.0).collect()
    };
    let mut out = Vec::new();
    for region in &regions {
        for account in &accounts {
            if (*region, *account) != (from, owner) {
                out.push(Replication {
                    from,
                    region: *region,
                    account: *account,
                });
            }
        }
    }
    out
}
