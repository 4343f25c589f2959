//! The scenario's directory as the source documents name it: accounts and
//! Regions from ARNs, organizations from share targets, keys from key ARNs.

use std::collections::BTreeMap;

use super::{Toml, Val, quoted, strings};
use crate::sources::arn::Arn;

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
pub(super) struct DirectoryDraft {
    /// Account ids, the owner first.
    pub(super) accounts: Vec<String>,
    pub(super) regions: Vec<String>,
    /// External organizations: id → (management account, OU ids).
    pub(super) orgs: BTreeMap<String, Vec<String>>,
    /// Keys by key id: (owner account, Regions in order seen, principals to grant).
    pub(super) keys: BTreeMap<String, (String, Vec<String>, Vec<String>, String)>,
    /// Keys named by an alias, and where.
    pub(super) aliases: Vec<(String, String)>,
}

impl DirectoryDraft {
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

    /// The organization (and organizational unit) an Organizations ARN
    /// names, if it names one.
    pub(super) fn organization(&mut self, org_arn: &str) {
        let Some((org, ou)) = crate::sources::arn::organization(org_arn) else {
            return;
        };
        let units = self.orgs.entry(org.to_string()).or_default();
        if let Some(ou) = ou.filter(|ou| !units.iter().any(|x| x == ou)) {
            units.push(ou.to_string());
        }
    }

    /// A key ARN, or an alias ARN: its scenario name. An alias names the
    /// key it points to, which the documents do not say: it becomes a key
    /// of its own in its account and Region (`alias/NAME@REGION`), said in
    /// [`DirectoryDraft::alias_warnings`].
    pub(super) fn key(&mut self, key_arn: &str, from: &str) -> Option<String> {
        let a = Arn::parse(key_arn).filter(|a| a.service == "kms")?;
        let id = match (
            a.resource.strip_prefix("key/"),
            a.resource.strip_prefix("alias/"),
        ) {
            (Some(id), _) => id.to_string(),
            (None, Some(alias)) if !alias.is_empty() => {
                let id = format!("alias/{alias}@{}", a.region);
                if !self.aliases.iter().any(|(k, _)| *k == id) {
                    self.aliases.push((id.clone(), from.to_string()));
                }
                id
            }
            _ => return None,
        };
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

    /// A key as a document may name it: a key or alias ARN, or, used in
    /// `(account, region)`, a key id or `alias/NAME` (as Packer and Image
    /// Builder accept them).
    pub(super) fn key_in(
        &mut self,
        k: &str,
        (account, region): (&str, &str),
        from: &str,
    ) -> Option<String> {
        if k.starts_with("arn:") {
            return self.key(k, from);
        }
        let resource = if k.starts_with("alias/") {
            k.to_string()
        } else if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            format!("key/{k}")
        } else {
            return None;
        };
        self.key(&format!("arn:aws:kms:{region}:{account}:{resource}"), from)
    }

    /// A warning for each key named by an alias: its target is assumed.
    pub(super) fn alias_warnings(
        &self,
        file: &std::path::Path,
        warnings: &mut Vec<super::Warning>,
    ) {
        for (id, from) in &self.aliases {
            warnings.push(super::Warning { file: file.to_path_buf(), field: from.clone(), what: crate::import::What::Assumed(format!("a KMS alias: the key it points to is not in the documents; assumed a key of its own, {id}, in that account and Region")) });
        }
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
            out.tables(&["account"]);
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
            out.tables(&["external_organization"]);
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
            out.tables(&["region"]);
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
            out.tables(&["kms_key"]);
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
                        Val::table([("*", strings(grants))]),
                        "assumed: the same on every replica",
                    );
                }
            }
        }
    }
}
