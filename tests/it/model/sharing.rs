//! Sharing: public images and their quota, external organizations, Image Builder lifecycles, Regions not enabled.

use super::*;

#[test]
fn public_images_count_against_five_per_region_and_are_deprecated_within_two_years() {
    // A daily public build (unencrypted, block public access off) that keeps
    // every image: the sixth public share is refused with ResourceLimitExceeded.
    let text = |lifecycle: &str, horizon: &str| {
        format!(
            "horizon = \"{horizon}\"\n{FIXED}[[account]]\nname = \"pub\"\nid = \"111111111111\"\nblock_public_access = false\n{REGIONS}\
             [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n[[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n\
             [[pipeline.component]]\nname = \"c\"\nduration = \"0s\"\n\
             [[pipeline.distribution]]\nregion = \"us-east-1\"\nlaunch_permission = {{ public = true }}\n\
             [pipeline.schedule]\nrun_at_start = true\ninterval = \"1d\"\nstart_condition = \"always\"\n{lifecycle}"
        )
    };
    let r = run_replication(&scenario(&text("", "7d")).world, 1, 0);
    let shares = stages(&r, Stage::Share);
    assert_eq!(shares.len(), 7);
    assert!(shares[..5].iter().all(|s| s.outcome == Outcome::Succeeded));
    assert_eq!(shares[5].cause.name(), "resource_limit_exceeded");
    assert_eq!(shares[5].finished, shares[5].started, "refused at once");
    assert_eq!(r.runs[5].outcome, Outcome::Failed);
    // The lifecycle deletes the oldest once the new image is in: keeping
    // five still fails the sixth share; keeping four leaves it a place.
    // Image Builder keeps the failed sixth execution's AMI (private: its
    // share was refused), and the lifecycle counts it, so keeping five
    // deletes the first public image then and the seventh share succeeds.
    let kept = |n: u32| {
        let s = scenario(&text(
            &format!("[pipeline.lifecycle]\nkeep_last = {n}\n"),
            "7d",
        ));
        stages(&run_replication(&s.world, 1, 0), Stage::Share)
            .iter()
            .filter(|s| s.outcome == Outcome::Failed)
            .count()
    };
    assert_eq!(
        (kept(5), kept(4)),
        (1, 0),
        "run 6 fails; its kept image pushes the oldest public one out"
    );
    // The quota is adjustable.
    let raised = scenario(&text("", "7d").replace(
        "[[account]]",
        "[quotas]\npublic_amis_per_region = 10\n[[account]]",
    ));
    assert!(
        stages(&run_replication(&raised.world, 1, 0), Stage::Share)
            .iter()
            .all(|s| s.outcome == Outcome::Succeeded)
    );
    // A public image is deprecated 2 years after creation at the latest.
    let long = scenario(
        &text("[pipeline.lifecycle]\nkeep_last = 1\n", "800d").replace("interval = \"1d\"\n", ""),
    );
    let r = run_replication(&long.world, 1, 0);
    let img = r.images[0];
    assert_eq!(
        img.deprecated
            .get()
            .unwrap()
            .since(r.runs[img.exec.index()].finished)
            .as_millis(),
        730 * 86_400_000
    );
    // A later deprecation is not refused (AWS keeps the earlier date): warned,
    // and the image is deprecated at 2 years all the same.
    let later = scenario(
        &text(
            "[pipeline.lifecycle]\ndeprecate_after = \"1000d\"\n",
            "800d",
        )
        .replace("interval = \"1d\"\n", ""),
    );
    assert!(
        later.warnings.iter().any(|w| w
            .reason
            .contains("deprecates a public image 2 years (730 days) after its creation")),
        "{:?}",
        later.warnings
    );
    let r = run_replication(&later.world, 1, 0);
    let img = r.images[0];
    assert_eq!(
        img.deprecated
            .get()
            .unwrap()
            .since(r.runs[img.exec.index()].finished)
            .as_millis(),
        730 * 86_400_000
    );
}

#[test]
fn images_may_be_shared_with_declared_external_organizations_and_the_share_quota_is_adjustable() {
    let text = |extra: &str, lp: &str, key: &str| {
        format!(
            "{extra}[organization]\nid = \"o-own1234567\"\n[[account]]\nname = \"images\"\nid = \"111111111111\"\norganization = true\n{REGIONS}\
             [[kms_key]]\nname = \"k\"\nregion = \"us-east-1\"\ngrants = [{key}]\n\
             [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\nkms_key = \"k\"\n[[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n\
             [[pipeline.component]]\nname = \"c\"\nduration = \"1m\"\n\
             [[pipeline.distribution]]\nregion = \"us-east-1\"\nlaunch_permission = {{ {lp} }}\n\
             [pipeline.schedule]\nrun_at_start = true\n"
        )
    };
    let partner =
        "[[external_organization]]\nid = \"o-partner123\"\nous = [\"ou-pa12-00000001\"]\n";
    let org = "organizations = [\"arn:aws:organizations::999999999999:organization/o-partner123\"]";
    let ou = "ous = [\"arn:aws:organizations::999999999999:ou/o-partner123/ou-pa12-00000001\"]";
    let check = |t: String| {
        from_str(Path::new("inline.toml"), &t)
            .err()
            .map(|e| e.to_string())
    };
    // Declared and granted: legal, by organization ARN or by one of its OUs.
    assert_eq!(check(text(partner, org, "\"o-partner123\"")), None);
    assert_eq!(check(text(partner, ou, "\"o-partner123\"")), None);
    // Not declared: refused with the way to declare it.
    let e = check(text("", org, "")).unwrap();
    assert!(
        e.contains("declare it with [[external_organization]] id = \"o-partner123\""),
        "{e}"
    );
    // The image is encrypted with k: the partner needs a grant on it.
    let e = check(text(partner, org, "")).unwrap();
    assert!(
        e.contains("not granted to organization o-partner123"),
        "{e}"
    );
    // An OU the external organization does not list.
    let e = check(text(
        partner,
        &ou.replace("00000001", "00000002"),
        "\"o-partner123\"",
    ))
    .unwrap();
    assert!(
        e.contains("is not one of external organization o-partner123's declared ous"),
        "{e}"
    );
    // 1,001 accounts: over AWS's 1,000 unless the quota is raised.
    let many: String = (0..1001)
        .map(|i| {
            format!(
                "[[account]]\nname = \"a{i}\"\nid = \"{:012}\"\n",
                200_000_000_000u64 + i
            )
        })
        .collect();
    let names: Vec<String> = (0..1001).map(|i| format!("\"a{i}\"")).collect();
    let lp = format!("accounts = [{}]", names.join(", "));
    let unencrypted = |quota: &str| {
        text(quota, &lp, "")
            .replace(
                "kms_key = \"k\"\n[[pipeline.volume]]",
                "[[pipeline.volume]]",
            )
            .replacen("[[region]]", &format!("{many}[[region]]"), 1)
    };
    let e = check(unencrypted("")).unwrap();
    assert!(
        e.contains("1001 share targets for one image in us-east-1; the quota is 1000"),
        "{e}"
    );
    assert_eq!(
        check(unencrypted("[quotas]\nshare_entities_per_image = 2000\n")),
        None
    );
}

#[test]
fn image_builder_lifecycles_take_its_units_disable_images_and_respect_deregistration_protection() {
    let text = |tool: &str, lifecycle: &str| {
        format!(
            "horizon = \"7d\"\n{FIXED}[[account]]\nname = \"pub\"\nid = \"111111111111\"\nblock_public_access = false\n{REGIONS}\
             [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\ntool = \"{tool}\"\n[[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n\
             [[pipeline.component]]\nname = \"c\"\nduration = \"0s\"\n\
             [[pipeline.distribution]]\nregion = \"us-east-1\"\nlaunch_permission = {{ public = true }}\n\
             [pipeline.schedule]\nrun_at_start = true\ninterval = \"1d\"\nstart_condition = \"always\"\n\
             [pipeline.lifecycle]\n{lifecycle}"
        )
    };
    let err = |t: String| {
        from_str(Path::new("inline.toml"), &t)
            .unwrap_err()
            .to_string()
    };
    // Image Builder: 1 to 1000 whole days, weeks, months or years.
    let e = err(text("image_builder", "max_age = \"12h\"\n"));
    assert!(
        e.contains("lifecycle ages are 1 to 1000 whole days, weeks, months or years"),
        "{e}"
    );
    assert!(err(text("image_builder", "max_age = \"1003d\"\n")).contains("1003d is not one"));
    // Months as 30 days and years as 365: 3 years and 40 months are ages,
    // 1,001 months (30,030 days) is not.
    for ok in ["1095d", "1200d"] {
        let t = text("image_builder", &format!("max_age = \"{ok}\"\n"));
        assert!(from_str(Path::new("i.toml"), &t).is_ok(), "{ok}");
    }
    assert!(err(text("image_builder", "max_age = \"30030d\"\n")).contains("30030d is not one"));
    assert!(
        from_str(
            Path::new("i.toml"),
            &text("image_builder", "max_age = \"12w\"\n")
        )
        .is_ok()
    );
    assert!(
        err(text(
            "image_builder",
            "max_age = \"30d\"\nkeep_at_least = 11\n"
        ))
        .contains("retainAtLeast is 1 to 10")
    );
    // A script's own clean-up takes any duration.
    assert!(from_str(Path::new("i.toml"), &text("sdk", "max_age = \"12h\"\n")).is_ok());
    // Disabled after 2 days: private, so daily public builds that keep 10
    // images never pass the 5 public AMIs of the Region.
    let s = scenario(&text(
        "image_builder",
        "keep_last = 10\ndisable_after = \"2d\"\n",
    ));
    let r = run_replication(&s.world, 1, 0);
    assert!(
        stages(&r, Stage::Share)
            .iter()
            .all(|x| x.outcome == Outcome::Succeeded)
    );
    let img = r.images[0];
    assert_eq!(
        img.disabled
            .get()
            .unwrap()
            .since(r.runs[img.exec.index()].finished)
            .as_millis(),
        2 * 86_400_000
    );
    assert_eq!(img.deleted, None, "kept: 7 images, keep_last 10");
    // Deregistration protection: the lifecycle's deletes are blocked, recorded,
    // and the images stay (and bill).
    let s = scenario(&text(
        "image_builder",
        "keep_last = 4\ndisable_after = \"1d\"\nderegistration_protection = true\n",
    ));
    let r = run_replication(&s.world, 1, 0);
    assert!(r.images.iter().all(|i| i.deleted.is_none()));
    let blocked: Vec<_> = r
        .images
        .iter()
        .filter(|i| i.delete_blocked.is_some())
        .collect();
    assert_eq!(blocked.len(), 3, "7 images, 4 kept: 3 deletes blocked");
    assert_eq!(
        blocked[0].delete_blocked,
        Some(r.runs[r.images[4].exec.index()].finished),
        "when the fifth came"
    );
    let unprotected = scenario(&text(
        "image_builder",
        "keep_last = 4\ndisable_after = \"1d\"\n",
    ));
    let r = run_replication(&unprotected.world, 1, 0);
    assert_eq!(r.images.iter().filter(|i| i.deleted.is_some()).count(), 3);
}

#[test]
fn a_copy_into_a_region_the_copier_has_not_enabled_is_refused_at_once_when_modelled() {
    let text = |enabled: &str| {
        format!(
            "model_misconfigurations = true\nhorizon = \"1d\"\n{FIXED}[[region]]\nname = \"us-east-1\"\n\
             [[region]]\nname = \"af-south-1\"\n{enabled}\
             [[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\ndestinations = [\"af-south-1\"]\n\
             [[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n[[pipeline.component]]\nname = \"c\"\nduration = \"0s\"\n\
             [pipeline.schedule]\nrun_at_start = true\n"
        )
    };
    let c = stages(
        &run_replication(&scenario(&text("")).world, 1, 0),
        Stage::Copy,
    );
    assert_eq!(c[0].cause.name(), "region_not_enabled");
    assert_eq!(c[0].finished, c[0].started, "refused at once");
    let ok = scenario(&text("enabled_for = [\"all\"]\n"));
    assert!(ok.warnings.is_empty());
    let c = stages(&run_replication(&ok.world, 1, 0), Stage::Copy);
    assert_eq!(c[0].outcome, Outcome::Succeeded);
}
