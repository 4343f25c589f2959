//! A source's pipeline tables.

use super::source::Source;
use crate::import::json::join;
use crate::import::{Sharing, Toml, Val, quoted, strings, volume};

/// Writes source `s` as a `tool = "packer"` pipeline.
pub(super) fn pipeline(out: &mut Toml, s: &Source) {
    table(out, s);
    for (device, size, from) in &s.volumes {
        let held = (
            *size as f64 / 2.0,
            "assumed: half the volume (the data written is not in the template)".to_string(),
        );
        volume(
            out,
            device,
            *size,
            from,
            from.replace(".volume_size", ".device_name"),
            held,
        );
    }
    for (n, from) in &s.components {
        out.tables(&["pipeline", "component"]);
        out.set("name", quoted(n), from.clone());
        out.set(
            "duration",
            quoted("10m"),
            "assumed: not in the template; measure with `amisim fit`",
        );
    }
    out.table(&["pipeline", "schedule"]);
    out.set(
        "run_at_start",
        true,
        "Packer runs when its caller (CI) runs it: one run; add a cron or interval for yours",
    );
    distributions(out, s);
}

/// The `[[pipeline]]` table's own keys.
fn table(out: &mut Toml, s: &Source) {
    let base = &s.base;
    out.tables(&["pipeline"]);
    out.set("name", quoted(&s.name), s.name_from.clone());
    out.set(
        "tool",
        quoted("packer"),
        "the template kind (Packer amazon-ebs)",
    );
    let account_from = if s.owner_named {
        "the account of kms_key_id"
    } else {
        "assumed: a placeholder"
    };
    out.set("account", quoted(&s.owner), account_from);
    out.set("region", quoted(&s.region), join(base, "region"));
    if let Some(from) = &s.windows {
        out.set(
            "platform",
            quoted("windows"),
            format!("{from} (a Windows build)"),
        );
    }
    out.set(
        "base_image_owner",
        quoted(&s.base_owner.0),
        s.base_owner.1.clone(),
    );
    if let Some(k) = &s.build_key {
        out.set("kms_key", quoted(k), join(base, "kms_key_id"));
    }
    if s.encrypt_boot {
        out.set("encrypt_boot", true, join(base, "encrypt_boot"));
    }
    if let Some(t) = &s.instance_type {
        out.set(
            "builder_instance_type",
            quoted(t),
            join(base, "instance_type"),
        );
    }
    if let Some(m) = s.copy_minutes {
        out.set(
            "copy_completion",
            quoted(&format!("{m}m")),
            join(base, "snapshot_copy_duration_minutes"),
        );
    }
    if let Some(n) = s.max_retries {
        // amisim takes 1 to 100 attempts; Packer passes max_retries to the
        // SDK as its maximum attempts.
        out.set("api_max_attempts", n.min(100), join(base, "max_retries"));
    }
    if let Some((delay, attempts)) = s.polling {
        let mut parts = Vec::new();
        if let Some(d) = delay {
            parts.push(("delay_seconds", Val::from(d)));
        }
        if let Some(n) = attempts {
            parts.push(("max_attempts", Val::from(n)));
        }
        out.set("aws_polling", Val::table(parts), join(base, "aws_polling"));
    }
}

/// Permissions are set on the AMI of every Region, the build Region's too.
fn distributions(out: &mut Toml, s: &Source) {
    let base = &s.base;
    let shares = s.public
        || !s.shared_accounts.is_empty()
        || !s.org_arns.is_empty()
        || !s.ou_arns.is_empty()
        || !s.snapshot_accounts.is_empty();
    let mut regions: Vec<&String> = vec![&s.region];
    regions.extend(s.ami_regions.iter().filter(|x| **x != s.region));
    for (i, reg) in regions.into_iter().enumerate() {
        if i == 0 && !shares {
            continue;
        }
        out.tables(&["pipeline", "distribution"]);
        let from = if i == 0 {
            join(base, "region")
        } else {
            format!("{}[{}]", join(base, "ami_regions"), i - 1)
        };
        out.set("region", quoted(reg), from);
        if i > 0
            && let Some((_, k)) = s.region_keys.iter().find(|(r, _)| r == reg)
        {
            out.set(
                "kms_key",
                quoted(k),
                format!("{}[\"{reg}\"]", join(base, "region_kms_key_ids")),
            );
        }
        if !shares {
            continue;
        }
        let sharing = Sharing {
            accounts: &s.shared_accounts,
            organizations: &s.org_arns,
            ous: &s.ou_arns,
            public: s.public,
        };
        if let Some(v) = sharing.value() {
            let from = format!("{base}.ami_users / ami_groups / ami_org_arns / ami_ou_arns");
            out.set("launch_permission", v, from);
        }
        if !s.snapshot_accounts.is_empty() {
            out.set(
                "snapshot_permission",
                strings(&s.snapshot_accounts),
                join(base, "snapshot_users"),
            );
        }
    }
}
