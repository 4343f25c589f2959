//! `[quotas]` and `[quotas.when_full]` over the defaults of `aws::quotas`.

use super::choice::Choice;
use super::ctx::{Ctx, KeyPath};
use crate::aws::quotas::{CopyScope, Quota, Quotas, WhenFull};
use crate::scenario::raw::RawQuotas;

/// Every quota the file sets, checked against its row's range.
pub(super) fn resolve_quotas(ctx: &mut Ctx<'_>, raw: Option<&RawQuotas>) -> Quotas {
    let mut quotas = Quotas::default();
    let Some(raw) = raw else {
        return quotas;
    };
    for q in Quota::ALL {
        let row = q.row();
        if let Some(v) = raw.get(q)
            && let Some(v) = ctx.count(v, &"quotas".key(row.key), (1, row.max), row.help)
        {
            quotas.set(q, v);
        }
    }
    if let Some(w) = raw.ami_copies_scope.as_ref() {
        let scope = COPY_SCOPE.pick(ctx, Some(w), "quotas.ami_copies_scope");
        quotas.set_copy_scope(scope, true);
    }
    for q in Quota::ALL {
        if let Some(w) = raw.when_full.as_ref().and_then(|w| w.get(q)) {
            let path = "quotas.when_full".key(q.key());
            quotas.set_when_full(q, WHEN_FULL.pick(ctx, Some(w), &path));
        }
    }
    quotas
}

/// `[quotas.when_full]`: what a full quota does.
const WHEN_FULL: Choice<WhenFull> = Choice {
    what: "when_full",
    words: &[
        ("queue", WhenFull::Queue, ""),
        ("fail", WhenFull::Fail, "ResourceLimitExceeded"),
    ],
};

/// `[quotas] ami_copies_scope`: what one instance of Image Builder's copy
/// quota holds (docs/sources.md#quota-copies-distribution).
const COPY_SCOPE: Choice<CopyScope> = Choice {
    what: "ami_copies_scope",
    words: &[
        (
            "distribution",
            CopyScope::Distribution,
            "one per distribution configuration (each pipeline's), as its Service Quotas name says",
        ),
        (
            "account_region",
            CopyScope::AccountRegion,
            "one per copier account and destination Region, as the cross-account guide words it",
        ),
    ],
};
