//! `[[region]]` and `[[route]]`.

use super::ctx::{Ctx, KeyPath};
use crate::aws;
use crate::aws::directory::{Directory, RegionAccess};
use crate::pipeline::places::Routes;
use crate::scenario::raw::{RawRegion, RawRoute};

/// Declares the Regions in `ctx.regions`, in file order; returns their codes.
pub(super) fn resolve_regions(ctx: &mut Ctx<'_>, raw: &[RawRegion]) -> Vec<String> {
    for (i, r) in raw.iter().enumerate() {
        let path = "region".at(i).key("name");
        let n = r.name.get_ref();
        if !aws::is_known_region(n) {
            let help = aws::closest_region(n)
                .map(|g| format!("did you mean \"{g}\"?"))
                .unwrap_or_else(|| "use an AWS Region code such as \"us-east-1\"".into());
            ctx.err(
                Some(r.name.span()),
                path,
                format!("\"{n}\" is not an AWS Region"),
                Some(&help),
            );
        } else if !ctx.regions.intern(n).1 {
            ctx.err(
                Some(r.name.span()),
                path,
                format!("Region \"{n}\" is declared twice"),
                Some("remove the repeated [[region]]"),
            );
        }
    }
    if raw.is_empty() {
        ctx.err(
            Some(0..0),
            "region",
            "the scenario declares no Region",
            Some("add at least one [[region]] name = \"us-east-1\""),
        );
    }
    ctx.regions.names().to_vec()
}

/// `enabled_for` of each `[[region]]`: who enabled an opt-in Region
/// (docs/sources.md#opt-in-regions). Needs the accounts.
pub(super) fn resolve_access(ctx: &mut Ctx<'_>, raw: &[RawRegion], dir: &mut Directory) {
    dir.access = vec![RegionAccess::Default; ctx.regions.len()];
    for (i, r) in raw.iter().enumerate() {
        let Some(id) = ctx.regions.get(r.name.get_ref()) else {
            continue;
        };
        let path = "region".at(i).key("enabled_for");
        let opt_in = aws::is_opt_in_region(r.name.get_ref());
        match (&r.enabled_for, opt_in) {
            (Some(e), false) => ctx.err(
                Some(e.span()),
                path,
                format!(
                    "{} is enabled by default in every account; enabled_for is for opt-in Regions",
                    r.name.get_ref()
                ),
                Some("remove enabled_for"),
            ),
            (None, false) => {}
            (e, true) => {
                let mut all = false;
                let mut accounts = Vec::new();
                for (j, a) in e.iter().flat_map(|e| e.get_ref()).enumerate() {
                    if a.get_ref() == "all" {
                        all = true;
                    } else if let Some(acct) = ctx.account(dir, a, &path.at(j)) {
                        accounts.push(acct);
                    }
                }
                dir.access[id.index()] = RegionAccess::OptIn { all, accounts };
            }
        }
    }
}

/// The copy model of each ordered Region pair that has a route (`n × n`).
pub(super) fn resolve_routes(ctx: &mut Ctx<'_>, raw: &[RawRoute]) -> Routes {
    let mut routes = Routes::new(ctx.regions.len());
    for (i, r) in raw.iter().enumerate() {
        let path = "route".at(i);
        let from = ctx.region(&r.from, &path.key("from"));
        let to = ctx.region(&r.to, &path.key("to"));
        let model = ctx.throughput(&r.copy, &path.key("copy"));
        let (Some(f), Some(t), Some(m)) = (from, to, model) else {
            continue;
        };
        if f == t {
            ctx.err(
                Some(r.to.span()),
                path.key("to"),
                "a route needs two different Regions",
                Some("set from and to to two different declared Regions"),
            );
        } else if routes.get(f, t).is_some() {
            let reason = format!(
                "route {} → {} is declared twice",
                ctx.regions.name(f),
                ctx.regions.name(t)
            );
            ctx.err(
                Some(r.from.span()),
                path,
                reason,
                Some("keep one [[route]] per pair of Regions"),
            );
        } else {
            routes.set(f, t, m);
        }
    }
    routes
}
