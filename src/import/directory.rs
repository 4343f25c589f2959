//! The scenario's directory as the source documents name it: accounts and
//! Regions from ARNs, organizations from share targets, keys from key ARNs.

use std::collections::BTreeMap;

use super::{Toml, quoted, strings};

/// An ARN's parts: `arn:aws:<service>:<region>:<account>:<resource>`.
pub(super) struct Arn<'s> {
    pub(super) service: &'s str,
    pub(super) region: &'s str,
    pub(super) account: &'s str,
    pub(super) resource: &'s str,
}

pub(super) fn arn(s: &str) -> Option<Arn<'_>> {
    let mut it = s.splitn(6, ':');
    if it.next()? != "arn" {
        return None;
    }
    let _partition = it.next()?;
    Some(Arn {
        service: it.next()?,
        region: it.next()?,
        account: it.next()?,
        resource: it.next()?,
    })
}

/// The name of an Image Builder resource ARN (`component/update-linux/x.x.x`
/// → `update-linux`) and its version, if any.
pub(super) fn name_version(a: &Arn<'_>) -> (String, Option<String>) {
    let mut parts = a.resource.split('/');
    let _type = parts.next();
    let name = parts.next().unwrap_or(a.resource).to_string();
    (name, parts.next().map(str::to_string))
}

/// True if a semantic-version filter takes new versions (`x.x.x`, `1.x.x`).
pub(super) fn takes_updates(version: Option<&str>) -> bool {
    version.is_some_and(|v| v.split('.').any(|p| p == "x"))
}

pub(super) fn account_name(id: &str) -> String {
    format!("acct-{id}")
}

/// The scenario's directory of accounts, Regions, organizations and keys,
/// filled as the documents name them.
#[derive(Default)]
pub(super) struct Directory {
    /// Account ids, the owner first.
    pub(super) accounts: Vec<String>,
    pub(super) regions: Vec<String>,
    /// External organizations: id → (management account, OU ids).
    pub(super) orgs: BTreeMap<String, Vec<String>>,
    /// Keys by key id: (owner account, Regions in order seen, principals to grant).
    pub(super) keys: BTreeMap<String, (String, Vec<String>, Vec<String>, String)>,
}

impl Directory {
    pub(super) fn account(&mut self, id: &str) -> String {
        if !self.accounts.iter().any(|a| a == id) {
            self.accounts.push(id.to_string());
        }
        account_name(id)
    }

    pub(super) fn region(&mut self, r: &str) {
        if !self.regions.iter().any(|x| x == r) {
            self.regions.push(r.to_string());
        }
    }

    /// A key ARN used in `region`: its scenario name.
    pub(super) fn key(&mut self, key_arn: &str, from: &str) -> Option<String> {
        let a = arn(key_arn).filter(|a| a.service == "kms")?;
        let id = a.resource.strip_prefix("key/")?.to_string();
        self.account(a.account);
        self.region(a.region);
        let e = self.keys.entry(id.clone()).or_insert_with(|| {
            (
                a.account.to_string(),
                Vec::new(),
                Vec::new(),
                from.to_string(),
            )
        });
        if !e.1.iter().any(|r| r == a.region) {
            e.1.push(a.region.to_string());
        }
        Some(id)
    }

    /// Principals that use key `k`.
    pub(super) fn grant(&mut self, k: &str, principal: String) {
        if let Some(e) = self.keys.get_mut(k)
            && !e.2.contains(&principal)
        {
            e.2.push(principal);
        }
    }

    /// Writes the accounts, external organizations, Regions and keys;
    /// `ids_from` says where the account ids came from.
    pub(super) fn emit(&self, out: &mut Toml, ids_from: &str) {
        let dir = self;
        for (i, a) in dir.accounts.iter().enumerate() {
            out.table("[[account]]");
            out.set(
                "name",
                quoted(&account_name(a)),
                format!("the account id in {ids_from}"),
            );
            out.set("id", quoted(a), ids_from);
            if i == 0 {
                out.comment("the pipeline's owner; encryption by default and block public access are not in the source: amisim's defaults (off, on)");
            }
        }
        for (id, ous) in &dir.orgs {
            out.table("[[external_organization]]");
            out.set(
                "id",
                quoted(id),
                "launchPermission.organizationArns / organizationalUnitArns",
            );
            if !ous.is_empty() {
                out.set(
                    "ous",
                    strings(ous),
                    "launchPermission.organizationalUnitArns",
                );
            }
        }
        for r in &dir.regions {
            out.table("[[region]]");
            out.set("name", quoted(r), "the Regions the documents name");
            if crate::aws::is_opt_in_region(r) {
                out.set(
                    "enabled_for",
                    strings(&["all"]),
                    "assumed: every account enabled this opt-in Region",
                );
            }
        }
        for (id, (owner, regions, grants, from)) in &dir.keys {
            out.table("[[kms_key]]");
            out.set("name", quoted(id), from.as_str());
            out.set("account", quoted(&account_name(owner)), "the key ARN");
            out.set("region", quoted(&regions[0]), "the key ARN");
            if regions.len() > 1 {
                out.set(
                    "replicas",
                    strings(&regions[1..]),
                    "the same mrk- key in other Regions",
                );
            }
            if !grants.is_empty() {
                out.set(
                    "grants",
                    strings(grants),
                    "assumed: the accounts and organizations that copy or launch with it",
                );
                if regions.len() > 1 {
                    out.set(
                        "replica_grants",
                        format!("{{ \"*\" = {} }}", strings(grants)),
                        "assumed: the same on every replica",
                    );
                }
            }
        }
    }
}
