//! The one context every section of resolution works through: the error
//! sink, key paths and name lookups (the validators of values are in
//! `values.rs`).
//!
//! Every check pushes a located error and goes on, so that one run of
//! `amisim validate` lists everything wrong with a file. This file imports
//! no other section.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use crate::aws::directory::{AccountId, Directory, KeyId, OuId};
use crate::aws::ids::{Interner, RegionId};
use crate::aws::rules::{KeyChoice, Rule, RuleViolation};
use crate::aws::{self};
use crate::pipeline::config::Releases;
use crate::scenario::error::{Locator, ScenarioError};

/// Key paths as the messages print them: `pipeline[0].volume[1].size_gib`.
pub(super) trait KeyPath {
    /// `self.key`.
    fn key(&self, key: &str) -> String;
    /// `self[i]`.
    fn at(&self, i: usize) -> String;
}

impl KeyPath for str {
    fn key(&self, key: &str) -> String {
        let mut s = String::with_capacity(self.len() + 1 + key.len());
        s.push_str(self);
        s.push('.');
        s.push_str(key);
        s
    }

    fn at(&self, i: usize) -> String {
        format!("{self}[{i}]")
    }
}

/// The resolution context.
pub(super) struct Ctx<'a> {
    pub(super) loc: &'a Locator<'a>,
    /// The scenario's directory: relative CSV paths start here.
    pub(super) base: crate::scenario::Files,
    pub(super) errors: Vec<ScenarioError>,
    pub(super) warnings: Vec<ScenarioError>,
    /// How many warnings are rule violations simulated on purpose.
    pub(super) simulated_violations: usize,
    /// `model_misconfigurations = true`: rule violations are warnings.
    pub(super) misconfig: bool,
    /// The declared Regions (filled by the regions section, first).
    pub(super) regions: Interner<RegionId>,
    /// Names and ids of the directory's entries as they are declared (the
    /// first of a repeated one wins): lookups in log time, not by a scan.
    pub(super) names: Names,
    /// Update sources named to be shared across pipelines, with their
    /// releases and the pipeline that declared them first.
    pub(super) shared_updates: BTreeMap<String, (Releases, String)>,
    /// Cron matches still to expand ([`super::MAX_TOTAL_CRON_MATCHES`] in all).
    pub(super) cron_budget: u64,
    /// A trigger was refused for occurring too often: expand no more crons.
    pub(super) cron_refused: bool,
}

/// The directory's names, to their ids.
#[derive(Default)]
pub(super) struct Names {
    account_names: BTreeMap<String, AccountId>,
    account_ids: BTreeMap<String, AccountId>,
    ous: BTreeMap<String, OuId>,
    keys: BTreeMap<String, KeyId>,
}

impl Names {
    /// Records account `a`; true if its name or (non-empty) id was taken.
    pub(super) fn add_account(&mut self, name: &str, id: &str, a: AccountId) -> bool {
        let taken = self.account_names.contains_key(name)
            || (!id.is_empty() && self.account_ids.contains_key(id));
        self.account_names.entry(name.to_string()).or_insert(a);
        self.account_ids.entry(id.to_string()).or_insert(a);
        taken
    }

    /// Records OU `o`; true if its id was taken.
    pub(super) fn add_ou(&mut self, id: &str, o: OuId) -> bool {
        let taken = self.ous.contains_key(id);
        self.ous.entry(id.to_string()).or_insert(o);
        taken
    }

    /// The OU declared with `id`.
    pub(super) fn ou(&self, id: &str) -> Option<OuId> {
        self.ous.get(id).copied()
    }

    /// True if a key is named `name`.
    pub(super) fn has_key(&self, name: &str) -> bool {
        self.keys.contains_key(name)
    }

    /// Records key `k`.
    pub(super) fn add_key(&mut self, name: &str, k: KeyId) {
        self.keys.entry(name.to_string()).or_insert(k);
    }
}

impl<'a> Ctx<'a> {
    pub(super) fn new(loc: &'a Locator<'a>, base: crate::scenario::Files, misconfig: bool) -> Self {
        Ctx {
            loc,
            base,
            errors: Vec::new(),
            warnings: Vec::new(),
            simulated_violations: 0,
            misconfig,
            regions: Interner::default(),
            names: Names::default(),
            shared_updates: BTreeMap::new(),
            cron_budget: super::MAX_TOTAL_CRON_MATCHES,
            cron_refused: false,
        }
    }

    /// Records an error at `span`.
    pub(super) fn err(
        &mut self,
        span: Option<Range<usize>>,
        path: impl Into<String>,
        reason: impl Into<String>,
        help: Option<&str>,
    ) {
        // Past the errors listed, only the count matters: no location work.
        let span = span.filter(|_| self.errors.len() < crate::scenario::MAX_ERRORS);
        let e = self.loc.error(span, path, reason, help.map(str::to_string));
        self.errors.push(e);
    }

    /// An AWS rule the scenario breaks in a way no run could simulate:
    /// always an error (never a modelled misconfiguration).
    pub(super) fn rule_error(
        &mut self,
        span: Range<usize>,
        path: impl Into<String>,
        v: &RuleViolation,
    ) {
        let mut e = self
            .loc
            .error(Some(span), path, v.reason(), Some(v.help.clone()));
        e.aws_rule = true;
        self.errors.push(e);
    }

    /// Refuses a trigger at `key` that occurs about `count` times in the
    /// horizon when that is over [`MAX_OCCURRENCES`](super::MAX_OCCURRENCES);
    /// true if it is within.
    pub(super) fn occurrences(
        &mut self,
        span: Range<usize>,
        key: &str,
        count: u64,
        what: &str,
        horizon: crate::engine::SimTime,
    ) -> bool {
        let most = super::MAX_OCCURRENCES;
        if count <= most {
            return true;
        }
        self.err(
            Some(span),
            key,
            format!(
                "{what} {} times in the horizon ({}); amisim simulates at most {most} per replication, so work stays bounded",
                if count == u64::MAX { format!("more than {most}") } else { count.to_string() },
                crate::engine::SimDuration(horizon.0)
            ),
            Some("make it less frequent, or shorten horizon"),
        );
        false
    }

    /// Records a warning at `span`.
    pub(super) fn warn(
        &mut self,
        span: Option<Range<usize>>,
        path: impl Into<String>,
        reason: impl Into<String>,
        help: Option<String>,
    ) {
        let span = span.filter(|_| self.warnings.len() < crate::scenario::MAX_ERRORS);
        let e = self.loc.error(span, path, reason, help);
        self.warnings.push(e);
    }

    /// How many errors so far: a section compares it before and after.
    pub(super) fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// Reports a rule violation: an error, or a warning when misconfigurations
    /// are modelled (then the rule is returned, to fail the stage at run time).
    pub(super) fn violation(
        &mut self,
        span: Range<usize>,
        path: &str,
        v: &RuleViolation,
    ) -> Option<Rule> {
        let mut e = self
            .loc
            .error(Some(span), path, v.reason(), Some(v.help.clone()));
        e.aws_rule = true;
        if self.misconfig {
            self.warnings.push(e);
            self.simulated_violations += 1;
            Some(v.rule)
        } else {
            self.errors.push(e);
            None
        }
    }

    /// The first entries of a list that ids can number (accounts, OUs and
    /// keys have 16-bit ids); more is refused at `path`.
    pub(super) fn limit<'t, T>(&mut self, items: &'t [T], path: &str, what: &str) -> &'t [T] {
        let max = usize::from(u16::MAX);
        if items.len() <= max {
            return items;
        }
        // The list as a whole is at fault, not one place in the file.
        self.err(
            None,
            path,
            format!("{} {what}: amisim models at most {max}", items.len()),
            Some("split the scenario, or model a representative subset"),
        );
        &items[..max]
    }

    // ---- name lookups ----

    /// A declared Region.
    pub(super) fn region(&mut self, r: &Spanned<String>, path: &str) -> Option<RegionId> {
        if let Some(id) = self.regions.get(r.get_ref()) {
            return Some(id);
        }
        let declared: Vec<&str> = self.regions.sorted_names().collect();
        let declared = declared.join(", ");
        let help = if aws::is_known_region(r.get_ref()) {
            format!(
                "declare it with [[region]] name = \"{}\"; declared Regions: {declared}",
                r.get_ref()
            )
        } else {
            let guess = aws::closest_region(r.get_ref())
                .map(|g| format!("did you mean \"{g}\"? "))
                .unwrap_or_default();
            format!("{guess}declared Regions: {declared}")
        };
        self.err(
            Some(r.span()),
            path,
            format!(
                "Region \"{}\" is not declared in this scenario",
                r.get_ref()
            ),
            Some(&help),
        );
        None
    }

    /// A declared account, by name or 12-digit id.
    pub(super) fn account(
        &mut self,
        dir: &Directory,
        name: &Spanned<String>,
        path: &str,
    ) -> Option<AccountId> {
        let n = name.get_ref();
        // The first account with that name or that id.
        let by_name = self.names.account_names.get(n.as_str()).copied();
        let by_id = self.names.account_ids.get(n.as_str()).copied();
        if let Some(a) = by_name.into_iter().chain(by_id).min() {
            return Some(a);
        }
        let known: Vec<&str> = dir.accounts.iter().map(|a| a.name.as_str()).collect();
        let help = format!(
            "declare it with [[account]] name = \"{n}\"; declared accounts: {}",
            known.join(", ")
        );
        self.err(
            Some(name.span()),
            path,
            format!("account \"{n}\" is not declared"),
            Some(&help),
        );
        None
    }

    /// A declared OU, by id.
    pub(super) fn ou(&mut self, dir: &Directory, id: &Spanned<String>, path: &str) -> Option<OuId> {
        let Some(org) = &dir.organization else {
            self.err(
                Some(id.span()),
                path,
                format!(
                    "OU \"{}\" given but no [organization] is declared",
                    id.get_ref()
                ),
                Some("declare [organization] id = \"o-…\" with its [[organization.ou]] tables"),
            );
            return None;
        };
        if let Some(o) = self.names.ou(id.get_ref()) {
            return Some(o);
        }
        let known: Vec<&str> = org.ous.iter().map(|o| o.id.as_str()).collect();
        let help = format!("declared OUs: {}", known.join(", "));
        self.err(
            Some(id.span()),
            path,
            format!("OU \"{}\" is not declared in [organization]", id.get_ref()),
            Some(&help),
        );
        None
    }

    /// A key reference: `aws/ebs` or a declared key name.
    pub(super) fn key_choice(
        &mut self,
        dir: &Directory,
        name: &Spanned<String>,
        path: &str,
    ) -> Option<KeyChoice> {
        let n = name.get_ref();
        if n == "aws/ebs" || n == "alias/aws/ebs" {
            return Some(KeyChoice::AwsManaged);
        }
        if let Some(&k) = self.names.keys.get(n.as_str()) {
            return Some(KeyChoice::Key(k));
        }
        let known: Vec<&str> = dir.keys.iter().map(|k| k.name.as_str()).collect();
        let help = format!(
            "use \"aws/ebs\" or a key declared with [[kms_key]]; declared keys: {}",
            known.join(", ")
        );
        self.err(
            Some(name.span()),
            path,
            format!("KMS key \"{n}\" is not declared"),
            Some(&help),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scenario::resolve::values::SizeOf;

    fn spanned<T>(v: T) -> Spanned<T> {
        Spanned::new(0..1, v)
    }

    #[test]
    fn validators_accept_their_range_and_refuse_the_rest_with_the_path() {
        let loc = Locator::new(Path::new("s.toml"), "x");
        let mut ctx = Ctx::new(&loc, crate::scenario::Files::default(), false);
        assert_eq!(ctx.count(&spanned(5), "a", (1, 10), None), Some(5));
        assert_eq!(ctx.count(&spanned(0), "b", (1, 10), None), None);
        assert_eq!(ctx.probability(&spanned(0.5), "c", "e.g."), Some(0.5));
        assert_eq!(ctx.probability(&spanned(1.5), "d", "e.g."), None);
        assert_eq!(ctx.dollars(&spanned(-1.0), "e", "a price must be"), None);
        assert_eq!(
            ctx.dollars(&spanned(1e9), "ok", "a price must be"),
            Some(1e9)
        );
        assert!(
            ctx.size_gib(&spanned(f64::NAN), "f", ("size_gib", SizeOf::Volume))
                .is_nan()
        );
        let big = spanned(70_000.0);
        ctx.size_gib(&big, "g", ("size_gib", SizeOf::Volume));
        ctx.size_gib(&big, "h", ("image_gib", SizeOf::ContainerImage));
        let paths: Vec<&str> = ctx.errors.iter().map(|e| e.key_path.as_str()).collect();
        assert_eq!(paths, ["b", "d", "e", "f", "g", "h"]);
        assert!(
            ctx.errors[4]
                .reason
                .contains("an EBS volume holds at most 65536 GiB")
        );
        assert!(
            ctx.errors[5]
                .reason
                .contains("amisim takes container images of at most 65536 GiB (its own bound")
        );
        assert_eq!(ctx.errors[0].reason, "must be between 1 and 10, got 0");
        assert_eq!(
            ctx.errors[2].reason,
            "a price must be a number of dollars from 0 to 1000000000, got -1"
        );
    }

    #[test]
    fn an_undeclared_region_gets_a_suggestion_and_the_declared_list() {
        let loc = Locator::new(Path::new("s.toml"), "x");
        let mut ctx = Ctx::new(&loc, crate::scenario::Files::default(), false);
        ctx.regions.intern("us-east-1");
        ctx.regions.intern("eu-west-1");
        assert_eq!(
            ctx.region(&spanned("eu-west-1".into()), "r")
                .map(|r| r.index()),
            Some(1)
        );
        assert_eq!(ctx.region(&spanned("eu-wset-1".into()), "r"), None);
        assert_eq!(
            ctx.errors[0].help.as_deref(),
            Some("did you mean \"eu-west-1\"? declared Regions: eu-west-1, us-east-1")
        );
    }

    #[test]
    fn a_choice_table_matches_words_and_writes_its_help() {
        use super::super::choice::Choice;
        const C: Choice<u8> = Choice {
            what: "colour",
            words: &[("red", 1, ""), ("green", 2, "GO"), ("blue", 3, "")],
        };
        assert_eq!(C.help(), "use \"red\", \"green\" (GO) or \"blue\"");
        let loc = Locator::new(Path::new("s.toml"), "x");
        let mut ctx = Ctx::new(&loc, crate::scenario::Files::default(), false);
        assert_eq!(C.pick(&mut ctx, None, "c"), 1);
        assert_eq!(C.pick(&mut ctx, Some(&spanned("blue".into())), "c"), 3);
        assert_eq!(C.pick(&mut ctx, Some(&spanned("pink".into())), "c"), 1);
        assert_eq!(ctx.errors.len(), 1);
        assert_eq!(ctx.errors[0].reason, "unknown colour \"pink\"");
    }

    #[test]
    fn lists_longer_than_ids_can_number_are_refused_not_truncated_silently() {
        let loc = Locator::new(Path::new("s.toml"), "x");
        let mut ctx = Ctx::new(&loc, crate::scenario::Files::default(), false);
        let few = vec![(); 3];
        assert_eq!(ctx.limit(&few, "account", "accounts").len(), 3);
        assert!(ctx.errors.is_empty());
        let many = vec![(); 70_000];
        assert_eq!(ctx.limit(&many, "account", "accounts").len(), 65_535);
        assert_eq!(
            ctx.errors[0].reason,
            "70000 accounts: amisim models at most 65535"
        );
    }

    #[test]
    fn key_paths_read_as_in_messages() {
        assert_eq!(
            "pipeline".at(0).key("volume").at(1).key("size_gib"),
            "pipeline[0].volume[1].size_gib"
        );
    }
}
