//! `[organization]` and `[account]`: the directory's accounts and OUs.
//!
//! Names become ids; the keys come next (`keys.rs`), then default keys.

use super::ctx::{Ctx, KeyPath};
use crate::aws::directory::{
    Account, AccountId, Directory, ExternalOrganization, Organization, Ou, OuId,
};
use crate::scenario::raw::{RawAccount, RawOrganization, RawScenario};

/// Default account when the file declares none.
const DEFAULT_ACCOUNT_ID: &str = "111111111111";

/// The accounts as the file lists them (`[account]` or `[[account]]`).
pub(super) fn raw_accounts(raw: &RawScenario) -> Vec<&RawAccount> {
    raw.account
        .as_ref()
        .map(|a| a.0.iter().collect())
        .unwrap_or_default()
}

/// The key path of account `i`: `account` when there is one, else `account[i]`.
pub(super) fn account_path(i: usize, count: usize) -> String {
    if count > 1 {
        "account".at(i)
    } else {
        "account".to_string()
    }
}

/// The directory with its Regions, organization and accounts (keys come next).
pub(super) fn resolve_directory(ctx: &mut Ctx<'_>, raw: &RawScenario) -> Directory {
    let mut dir = Directory {
        regions: ctx.regions.names().to_vec(),
        ..Default::default()
    };
    // Organization and OUs first: accounts refer to them.
    if let Some(o) = &raw.organization {
        dir.organization = Some(resolve_organization(ctx, o));
    }
    resolve_accounts(ctx, &mut dir, &raw_accounts(raw));
    resolve_external(ctx, &mut dir, raw);
    dir
}

/// `[[external_organization]]`: organizations shares may name that the
/// accounts do not belong to (AWS allows it; docs/sources.md#rule-organization-arn-required).
fn resolve_external(ctx: &mut Ctx<'_>, dir: &mut Directory, raw: &RawScenario) {
    let list = ctx.limit(
        &raw.external_organization,
        "external_organization",
        "external organizations",
    );
    for (i, e) in list.iter().enumerate() {
        let path = "external_organization".at(i);
        let id = e.get_ref().id.get_ref();
        if !id.starts_with("o-") {
            ctx.err(
                Some(e.get_ref().id.span()),
                path.key("id"),
                format!("\"{id}\" is not an organization ID"),
                Some("organization IDs look like \"o-abc123def4\""),
            );
        }
        let taken = dir.organization.as_ref().is_some_and(|o| &o.id == id)
            || dir.external.iter().any(|x| &x.id == id);
        if taken {
            ctx.err(
                Some(e.get_ref().id.span()),
                path.key("id"),
                format!("organization \"{id}\" is declared already"),
                Some("declare each organization once: [organization] is the accounts' own"),
            );
            continue;
        }
        let mut ous = Vec::new();
        for (j, ou) in e.get_ref().ous.iter().enumerate() {
            if !ou.get_ref().starts_with("ou-") {
                ctx.err(
                    Some(ou.span()),
                    path.key("ous").at(j),
                    format!("\"{}\" is not an OU ID", ou.get_ref()),
                    Some("OU IDs look like \"ou-ab12-34cd56ef\""),
                );
            }
            ous.push(ou.get_ref().clone());
        }
        dir.external.push(ExternalOrganization {
            id: id.clone(),
            ous,
        });
    }
}

fn resolve_organization(ctx: &mut Ctx<'_>, o: &RawOrganization) -> Organization {
    if !o.id.get_ref().starts_with("o-") {
        ctx.err(
            Some(o.id.span()),
            "organization.id",
            format!("\"{}\" is not an organization ID", o.id.get_ref()),
            Some("organization IDs look like \"o-abc123def4\""),
        );
    }
    let mut org = Organization {
        id: o.id.get_ref().clone(),
        ous: Vec::new(),
    };
    let ous = ctx.limit(&o.ou, "organization.ou", "OUs");
    for (i, ou) in ous.iter().enumerate() {
        if !ou.id.get_ref().starts_with("ou-") {
            ctx.err(
                Some(ou.id.span()),
                "organization.ou".at(i).key("id"),
                format!("\"{}\" is not an OU ID", ou.id.get_ref()),
                Some("OU IDs look like \"ou-ab12-34cd56ef\""),
            );
        }
        if ctx
            .names
            .add_ou(ou.id.get_ref(), OuId::from_index(org.ous.len()))
        {
            ctx.err(
                Some(ou.id.span()),
                "organization.ou".at(i).key("id"),
                format!("OU \"{}\" is declared twice", ou.id.get_ref()),
                Some("give each [[organization.ou]] its own id"),
            );
        }
        org.ous.push(Ou {
            id: ou.id.get_ref().clone(),
            parent: None,
        });
    }
    for (i, ou) in ous.iter().enumerate() {
        if let Some(p) = &ou.parent {
            match ctx.names.ou(p.get_ref()) {
                Some(j) if j.index() == i => ctx.err(Some(p.span()), "organization.ou".at(i).key("parent"), "an OU cannot be its own parent", Some("name another OU as parent, or omit `parent` for a child of the root")),
                Some(j) => org.ous[i].parent = Some(j),
                None => ctx.err(Some(p.span()), "organization.ou".at(i).key("parent"), format!("parent OU \"{}\" is not declared", p.get_ref()), Some("declare the parent with [[organization.ou]], or omit `parent` for the root")),
            }
        }
    }
    // Cycles in the OU tree.
    let n = org.ous.len();
    for i in 0..n {
        let mut cur = org.ous[i].parent;
        let mut hops = 0;
        while let Some(c) = cur {
            hops += 1;
            if hops > n {
                ctx.err(
                    Some(o.ou[i].id.span()),
                    "organization.ou".at(i).key("parent"),
                    "the OU parents form a cycle",
                    Some("OUs form a tree under the root"),
                );
                break;
            }
            cur = org.ous[c.index()].parent;
        }
    }
    org
}

fn resolve_accounts(ctx: &mut Ctx<'_>, dir: &mut Directory, raw_accounts: &[&RawAccount]) {
    let raw_accounts = ctx.limit(raw_accounts, "account", "accounts");
    if raw_accounts.is_empty() {
        ctx.names
            .add_account("default", DEFAULT_ACCOUNT_ID, AccountId::default());
        dir.accounts.push(Account {
            name: "default".into(),
            id: DEFAULT_ACCOUNT_ID.into(),
            ou: None,
            in_organization: false,
            encryption_by_default: false,
            default_key: None,
            block_public_access: true,
            ecr_replication_allowed: true,
            overrides: Vec::new(),
        });
    }
    for (i, a) in raw_accounts.iter().enumerate() {
        // An account table has no span of its own: point at its first key.
        let a_span = a
            .name
            .as_ref()
            .map(|n| n.span())
            .or(a.id.as_ref().map(|n| n.span()))
            .unwrap_or(0..0);
        let path = account_path(i, raw_accounts.len());
        let id = account_id(ctx, a, (i, &a_span), &path);
        let name = a.name.as_ref().map_or_else(
            || {
                if i == 0 {
                    "default".to_string()
                } else {
                    id.clone()
                }
            },
            |n| n.get_ref().clone(),
        );
        if ctx
            .names
            .add_account(&name, &id, AccountId::from_index(dir.accounts.len()))
        {
            let span = a_span.clone();
            ctx.err(
                Some(span),
                path.key("name"),
                format!("account \"{name}\" ({id}) is declared twice"),
                Some("each account needs a distinct name and id"),
            );
        }
        let ou = a.ou.as_ref().and_then(|o| ctx.ou(dir, o, &path.key("ou")));
        dir.accounts.push(Account {
            name,
            id,
            ou,
            in_organization: ou.is_some() || a.organization.unwrap_or(false) || a.ou.is_some(),
            encryption_by_default: a.encryption_by_default.unwrap_or(false),
            default_key: None,
            // source: docs/sources.md#rule-block-public-access: on by default for new accounts.
            block_public_access: a.block_public_access.unwrap_or(true),
            // ASSUMPTION (docs/sources.md#ecr-replication): the scenario's
            // registries grant replication unless it says otherwise.
            ecr_replication_allowed: a.ecr_replication_allowed.unwrap_or(true),
            overrides: Vec::new(),
        });
        if a.organization == Some(true) && dir.organization.is_none() {
            ctx.err(
                Some(a_span),
                path.key("organization"),
                "organization = true but no [organization] is declared",
                Some("declare [organization] id = \"o-…\""),
            );
        }
    }
}

/// An account's 12-digit id: the first account may leave it out.
fn account_id(
    ctx: &mut Ctx<'_>,
    a: &RawAccount,
    (i, a_span): (usize, &std::ops::Range<usize>),
    path: &str,
) -> String {
    match &a.id {
        None if i == 0 => DEFAULT_ACCOUNT_ID.to_string(),
        None => {
            ctx.err(
                Some(a_span.clone()),
                path.key("id"),
                "every account after the first needs its 12-digit id",
                Some("add id = \"123456789012\""),
            );
            String::new()
        }
        Some(id) => {
            if !crate::aws::ids::is_account_id(id.get_ref()) {
                ctx.err(
                    Some(id.span()),
                    path.key("id"),
                    format!("account ID {:?} is not 12 digits", id.get_ref()),
                    Some(
                        "AWS account IDs are 12 digits, written as a string: id = \"123456789012\"",
                    ),
                );
            }
            id.get_ref().clone()
        }
    }
}
