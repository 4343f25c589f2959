//! `[[kms_key]]` and each account's `default_kms_key`.

use toml::Spanned;

use super::ctx::{Ctx, KeyPath};
use super::directory::{account_path, raw_accounts};
use crate::aws::directory::{
    AccountId, Directory, Encryption, KeyId, KmsKey, Principal, RegionSettings,
};
use crate::aws::rules::KeyChoice;
use crate::scenario::raw::{RawAccountRegion, RawKey, RawScenario};

/// Adds the declared keys to `dir`, then the accounts' default keys.
pub(super) fn resolve_keys(ctx: &mut Ctx<'_>, dir: &mut Directory, raw: &RawScenario) {
    for (i, sk) in ctx
        .limit(&raw.kms_key, "kms_key", "keys")
        .iter()
        .enumerate()
    {
        resolve_key(ctx, dir, sk.get_ref(), &"kms_key".at(i));
    }
    // Default keys refer to keys.
    let raw_accounts = raw_accounts(raw);
    // Only the accounts the directory holds (the rest were refused).
    for (i, a) in raw_accounts.iter().take(dir.accounts.len()).enumerate() {
        let apath = account_path(i, raw_accounts.len());
        if let Some(dk) = &a.default_kms_key {
            let path = apath.key("default_kms_key");
            match ctx.key_choice(dir, dk, &path) {
                Some(KeyChoice::Key(k))
                    if dir.keys[k.index()].owner != AccountId::from_index(i) =>
                {
                    ctx.err(Some(dk.span()), path, format!("key \"{}\" belongs to another account; a default EBS key must be the account's own", dk.get_ref()), Some("name a key this account owns, or declare one with owner set to this account"));
                }
                Some(KeyChoice::Key(k)) => dir.accounts[i].default_key = Some(k),
                _ => {}
            }
        }
        // Settings per Region: AWS keeps them per account and Region.
        for (code, rs) in &a.region {
            let path = apath.key("region").key(&format!("\"{code}\""));
            if let Some(settings) = region_settings(ctx, dir, (i, code, rs), &path) {
                dir.accounts[i].overrides.push(settings);
            }
        }
    }
}

/// One `[[kms_key]]`: its name, owner, Region, replicas and the grants of
/// each, added to `dir` unless its owner or Region was refused.
fn resolve_key(ctx: &mut Ctx<'_>, dir: &mut Directory, k: &RawKey, path: &str) {
    let name = k.name.get_ref();
    if name == "aws/ebs" || name.starts_with("alias/aws/") {
        ctx.err(Some(k.name.span()), path.key("name"), format!("\"{name}\" is reserved for AWS managed keys"), Some("AWS managed keys exist already: refer to them as \"aws/ebs\"; name customer managed keys otherwise"));
    }
    if ctx.names.has_key(name) {
        ctx.err(
            Some(k.name.span()),
            path.key("name"),
            format!("key \"{name}\" is declared twice"),
            Some("give each [[kms_key]] its own name"),
        );
    }
    let owner = match &k.account {
        Some(a) => ctx.account(dir, a, &path.key("account")),
        None => Some(AccountId::default()),
    };
    let region = ctx.region(&k.region, &path.key("region"));
    let mut replicas = Vec::new();
    for (j, r) in k.replicas.iter().enumerate() {
        if let Some(id) = ctx.region(r, &path.key("replicas").at(j)) {
            if Some(id) == region || replicas.contains(&id) {
                ctx.err(
                    Some(r.span()),
                    path.key("replicas").at(j),
                    format!("\"{}\" already holds this key", r.get_ref()),
                    Some("list each replica Region once, without the primary"),
                );
            }
            replicas.push(id);
        }
    }
    let grants = grants_of(ctx, dir, &k.grants, &path.key("grants"));
    let replica_grants = replica_grants(ctx, dir, k, &replicas, path);
    if let (Some(owner), Some(region)) = (owner, region) {
        ctx.names.add_key(name, KeyId::from_index(dir.keys.len()));
        dir.keys.push(KmsKey {
            name: name.clone(),
            owner,
            region,
            replicas,
            grants,
            replica_grants,
        });
    }
}

/// Every replica has its own key policy: its grants are its own
/// (docs/sources.md#kms-regional); "*" gives every replica not listed.
fn replica_grants(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    k: &RawKey,
    replicas: &[crate::aws::directory::RegionId],
    path: &str,
) -> Vec<Vec<Principal>> {
    let name = k.name.get_ref();
    let mut replica_grants: Vec<Option<Vec<Principal>>> = vec![None; replicas.len()];
    let mut every = None;
    for (code, list) in &k.replica_grants {
        let gpath = path.key("replica_grants").key(&format!("\"{code}\""));
        let principals = grants_of(ctx, dir, list.get_ref(), &gpath);
        if code == "*" {
            every = Some(principals);
            continue;
        }
        match ctx.regions.get(code).and_then(|r| replicas.iter().position(|x| *x == r)) {
            Some(i) => replica_grants[i] = Some(principals),
            None => ctx.err(
                Some(list.span()),
                gpath,
                format!("\"{code}\" holds no replica of key \"{name}\""),
                Some("key replica_grants by the Regions in `replicas` (the primary's grants are `grants`), or \"*\" for every replica"),
            ),
        }
    }
    replica_grants
        .into_iter()
        .map(|g| g.or_else(|| every.clone()).unwrap_or_default())
        .collect()
}

/// Account `i`'s settings in Region `code` (`[account.region."<code>"]`):
/// encryption by default, its default key there (the account's own, with a
/// replica there), block public access.
fn region_settings(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    (i, code, rs): (usize, &str, &Spanned<RawAccountRegion>),
    path: &str,
) -> Option<(crate::aws::directory::RegionId, RegionSettings)> {
    let Some(region) = ctx.regions.get(code) else {
        ctx.err(
            Some(rs.span()),
            path.to_string(),
            format!("Region \"{code}\" is not declared in this scenario"),
            Some("declare it with [[region]], or remove these settings"),
        );
        return None;
    };
    let r = rs.get_ref();
    let mut settings = RegionSettings {
        encryption_by_default: r.encryption_by_default,
        default_key: None,
        block_public_access: r.block_public_access,
    };
    if let Some(dk) = &r.default_kms_key {
        let kpath = path.key("default_kms_key");
        match ctx.key_choice(dir, dk, &kpath) {
            Some(KeyChoice::Key(k)) if dir.keys[k.index()].owner != AccountId::from_index(i) => {
                ctx.err(Some(dk.span()), kpath, format!("key \"{}\" belongs to another account; a default EBS key must be the account's own", dk.get_ref()), Some("name a key this account owns, or declare one with owner set to this account"));
            }
            Some(KeyChoice::Key(k)) if !dir.key_in_region(k, region) => {
                ctx.err(Some(dk.span()), kpath, format!("key \"{}\" has no replica in {code}; a Region's default EBS key lives there", dk.get_ref()), Some(&format!("add \"{code}\" to the key's replicas, or name a key created in {code}")));
            }
            Some(KeyChoice::Key(k)) => settings.default_key = Some(Encryption::Key(k)),
            Some(KeyChoice::AwsManaged) => settings.default_key = Some(Encryption::AwsManaged),
            None => {}
        }
    }
    Some((region, settings))
}

/// The principals a grant list names: accounts (names or ids), OU ids, or
/// the organization's id.
fn grants_of(
    ctx: &mut Ctx<'_>,
    dir: &Directory,
    list: &[Spanned<String>],
    path: &str,
) -> Vec<Principal> {
    let mut grants = Vec::new();
    for (j, g) in list.iter().enumerate() {
        let gp = path.at(j);
        let gv = g.get_ref();
        let principal = if dir.organization.as_ref().is_some_and(|o| &o.id == gv) {
            Some(Principal::Organization)
        } else if let Some(e) = dir.external.iter().position(|x| &x.id == gv) {
            Some(Principal::External(e as u16))
        } else if gv.starts_with("o-") {
            ctx.err(
                Some(g.span()),
                &gp,
                format!("organization \"{gv}\" is not declared"),
                Some("grant the organization of [organization], or declare it in [[external_organization]]"),
            );
            None
        } else if gv.starts_with("ou-") {
            ctx.ou(dir, g, &gp).map(Principal::Ou)
        } else {
            ctx.account(dir, g, &gp).map(Principal::Account)
        };
        grants.extend(principal);
    }
    grants
}
