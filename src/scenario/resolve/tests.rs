//! Each section of resolution on its own: the values it resolves and the
//! errors it reports, called directly with a context (the shipped scenarios
//! and `tests/it` cover the whole file).

use std::path::Path;

use super::ctx::Ctx;
use super::slo::slo_scope;
use super::*;
use crate::aws::ids::{AccountId, RegionId};
use crate::aws::quotas::Quota;
use crate::pipeline::config::{Platform, Releases, StartCondition};
use crate::scenario::raw::RawLatency;

const REGIONS: &str = "[[region]]\nname = \"us-east-1\"\n[[region]]\nname = \"eu-west-1\"\n";

fn raw(text: &str) -> RawScenario {
    toml::from_str(text).expect("the test's TOML parses")
}

/// Runs `f` with a context whose Regions are declared, then returns what
/// it returned and the errors' key paths and reasons.
fn with_ctx<T>(text: &str, f: impl FnOnce(&mut Ctx<'_>, &RawScenario) -> T) -> (T, Vec<String>) {
    let raw = raw(text);
    let loc = Locator::new(Path::new("t.toml"), text);
    let mut ctx = Ctx::new(
        &loc,
        crate::scenario::Files::default(),
        raw.model_misconfigurations.unwrap_or(false),
    );
    regions::resolve_regions(&mut ctx, &raw.region);
    let out = f(&mut ctx, &raw);
    let errors = ctx
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.key_path, e.reason))
        .collect();
    (out, errors)
}

#[test]
fn regions_are_numbered_in_file_order_and_a_repeat_is_refused() {
    let text =
        format!("{REGIONS}[[region]]\nname = \"us-east-1\"\n[[region]]\nname = \"mars-1\"\n");
    let (names, errors) = with_ctx(&text, |ctx, _| ctx.regions.names().to_vec());
    assert_eq!(names, ["us-east-1", "eu-west-1"]);
    assert_eq!(
        errors,
        [
            "region[2].name: Region \"us-east-1\" is declared twice",
            "region[3].name: \"mars-1\" is not an AWS Region",
        ]
    );
}

#[test]
fn routes_fill_their_pair_and_refuse_a_loop() {
    let text = format!(
        "{REGIONS}[[route]]\nfrom = \"us-east-1\"\nto = \"eu-west-1\"\ncopy = {{ overhead = {{ kind = \"fixed\", value = \"1m\" }}, throughput_mib_s = {{ kind = \"fixed\", value = 100 }} }}\n\
         [[route]]\nfrom = \"eu-west-1\"\nto = \"eu-west-1\"\ncopy = {{ overhead = {{ kind = \"fixed\", value = \"1m\" }}, throughput_mib_s = {{ kind = \"fixed\", value = 100 }} }}\n"
    );
    let (routes, errors) = with_ctx(&text, |ctx, raw| regions::resolve_routes(ctx, &raw.route));
    let set: Vec<bool> = routes.declared().collect();
    assert_eq!(
        set,
        [false, true, false, false],
        "only us-east-1 → eu-west-1"
    );
    assert_eq!(errors, ["route[1].to: a route needs two different Regions"]);
}

#[test]
fn quotas_take_their_defaults_and_refuse_zero() {
    let text =
        format!("{REGIONS}[quotas]\nconcurrent_builds = 7\nconcurrent_ami_copies_per_region = 0\n");
    let (q, errors) = with_ctx(&text, |ctx, raw| {
        quotas::resolve_quotas(ctx, raw.quotas.as_ref())
    });
    assert_eq!(q.get(Quota::ConcurrentBuilds), 7);
    assert_eq!(q.get(Quota::AmiCopiesPerRegion), 300, "the default stays");
    assert_eq!(q.get(Quota::AmiCopiesPerDistribution), 50);
    assert_eq!(
        errors,
        ["quotas.concurrent_ami_copies_per_region: must be between 1 and 100000, got 0"]
    );
}

#[test]
fn every_quota_row_is_read_from_its_key_and_checked_against_its_range() {
    for q in Quota::ALL {
        let row = q.row();
        let text = format!("{REGIONS}[quotas]\n{} = 3\n", row.key);
        let (got, errors) = with_ctx(&text, |ctx, raw| {
            quotas::resolve_quotas(ctx, raw.quotas.as_ref())
        });
        assert!(errors.is_empty(), "{}: {errors:?}", row.key);
        assert_eq!(got.get(q), 3, "{}", row.key);
        for other in Quota::ALL.into_iter().filter(|o| *o != q) {
            assert_eq!(
                got.get(other),
                other.default_value(),
                "{} leaves the others",
                row.key
            );
        }
        let text = format!("{REGIONS}[quotas]\n{} = {}\n", row.key, row.max + 1);
        let (got, errors) = with_ctx(&text, |ctx, raw| {
            quotas::resolve_quotas(ctx, raw.quotas.as_ref())
        });
        assert_eq!(
            got.get(q),
            row.default,
            "{}: a refused value leaves the default",
            row.key
        );
        assert_eq!(errors.len(), 1, "{}: {errors:?}", row.key);
        let want = format!(
            "quotas.{}: must be between 1 and {}, got {}",
            row.key,
            row.max,
            row.max + 1
        );
        assert!(errors[0].starts_with(&want), "{}", errors[0]);
    }
}

#[test]
fn accounts_ous_and_keys_become_ids() {
    let text = format!(
        "{REGIONS}[organization]\nid = \"o-abc123def4\"\n[[organization.ou]]\nid = \"ou-ab12-prod\"\n\
         [[account]]\nname = \"images\"\nid = \"111111111111\"\n\
         [[account]]\nname = \"prod\"\nid = \"222222222222\"\nou = \"ou-ab12-prod\"\ndefault_kms_key = \"golden\"\n\
         [[kms_key]]\nname = \"golden\"\naccount = \"images\"\nregion = \"us-east-1\"\nreplicas = [\"eu-west-1\"]\ngrants = [\"ou-ab12-prod\"]\n"
    );
    let (dir, errors) = with_ctx(&text, |ctx, raw| {
        let mut dir = directory::resolve_directory(ctx, raw);
        keys::resolve_keys(ctx, &mut dir, raw);
        dir
    });
    assert_eq!(dir.accounts.len(), 2);
    assert!(dir.accounts[1].in_organization && dir.accounts[1].ou.is_some());
    let key = &dir.keys[0];
    assert_eq!(
        (key.owner, key.region),
        (AccountId::from_index(0), RegionId::from_index(0))
    );
    assert_eq!(key.replicas, [RegionId::from_index(1)]);
    assert_eq!(
        errors,
        [
            "account[1].default_kms_key: key \"golden\" belongs to another account; a default EBS key must be the account's own"
        ]
    );
}

#[test]
fn latencies_take_the_platform_defaults_then_the_overrides() {
    let text = format!("{REGIONS}[latency]\ninstance_stop = \"2m\"\n");
    let (lat, errors) = with_ctx(&text, |ctx, raw| {
        let global = raw.latency.clone().unwrap_or_default();
        latency::latencies(
            ctx,
            (Platform::Windows, false),
            &global,
            (None, "pipeline[0]"),
        )
    });
    assert!(errors.is_empty(), "{errors:?}");
    let defaults = latency::default_latencies(Platform::Windows);
    assert_eq!(
        format!("{:?}", lat.instance_launch),
        format!("{:?}", defaults.instance_launch)
    );
    assert_ne!(
        format!("{:?}", lat.instance_stop),
        format!("{:?}", defaults.instance_stop)
    );
}

fn pipeline_text(extra: &str) -> String {
    format!(
        "{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\ndestinations = [\"eu-west-1\"]\n{extra}\
         [[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n[[pipeline.component]]\nname = \"patch\"\nduration = \"5m\"\n\
         [pipeline.schedule]\ninterval = \"7d\"\nstart_condition = \"always\"\n"
    )
}

fn resolve_first_pipeline(text: &str) -> (Option<crate::pipeline::config::Pipeline>, Vec<String>) {
    with_ctx(text, |ctx, raw| {
        let dir = directory::resolve_directory(ctx, raw);
        let global = raw.latency.clone().unwrap_or_default();
        let shared = pipeline::Shared {
            global: &global,
            dir: &dir,
            start: default_start(),
            horizon: SimTime(DEFAULT_HORIZON.0),
            quotas: Default::default(),
        };
        pipeline::resolve_pipeline(ctx, &shared, &raw.pipeline[0], "pipeline[0]")
    })
}

#[test]
fn a_pipeline_resolves_its_copies_volumes_and_schedule() {
    let (p, errors) = resolve_first_pipeline(&pipeline_text("platform = \"windows\"\n"));
    assert!(errors.is_empty(), "{errors:?}");
    let p = p.expect("resolves");
    assert_eq!(p.platform, Platform::Windows);
    assert_eq!(p.copies.len(), 1);
    assert_eq!(p.copies[0].region, RegionId::from_index(1));
    assert_eq!(p.volumes[0].changed_gib, 0.4, "10 % of the data by default");
    assert_eq!(p.schedule.start_condition, StartCondition::Always);
    assert_eq!(p.schedule.interval, Some(SimDuration::from_hours(7 * 24)));
}

#[test]
fn a_pipeline_reports_every_bad_key_with_its_path() {
    let text = pipeline_text(
        "platform = \"beos\"\nbase_image_owner = \"me\"\ndestinations = [\"us-east-1\"]\n",
    )
    .replace("destinations = [\"eu-west-1\"]\n", "");
    let (p, errors) = resolve_first_pipeline(&text);
    assert!(p.is_none());
    assert_eq!(
        errors,
        [
            "pipeline[0].platform: unknown platform \"beos\"",
            "pipeline[0].base_image_owner: unknown base image owner \"me\"",
            "pipeline[0].destinations[0]: \"us-east-1\" is the build Region; the image is already there",
        ]
    );
}

#[test]
fn a_schedule_without_a_trigger_is_refused() {
    let text = pipeline_text("").replace("interval = \"7d\"\n", "");
    let (_, errors) = resolve_first_pipeline(&text);
    assert_eq!(
        errors,
        ["pipeline[0].schedule: the schedule has no trigger, so the pipeline would never run"]
    );
}

#[test]
fn image_builders_absent_start_condition_waits_for_a_dependency_update() {
    // Image Builder's default when absent: only a dependency update builds.
    let absent = pipeline_text("").replace("start_condition = \"always\"\n", "");
    let (_, errors) = resolve_first_pipeline(&absent);
    assert_eq!(
        errors,
        [
            "pipeline[0].schedule: with no start_condition, Image Builder builds at a schedule match only if a dependency was updated (dependency_updates), and the pipeline names no update source"
        ]
    );
    let sourced = format!(
        "{absent}[[pipeline.update_source]]\nof = \"base_image\"\nmean_interval = \"14d\"\n\
         [[pipeline.update_source]]\nof = \"patch\"\ncron = \"cron(0 18 ? * TUE#2 *)\"\nmatches_filter = false\n"
    );
    let (p, errors) = resolve_first_pipeline(&sourced);
    assert!(errors.is_empty(), "{errors:?}");
    let s = p.expect("resolves").schedule;
    assert_eq!(s.start_condition, StartCondition::DependencyUpdates);
    assert_eq!(s.updates.len(), 2);
    assert_eq!(
        s.updates[0].stream, "p/base_image",
        "its own stream unless named"
    );
    assert!(s.updates[0].matches_filter && !s.updates[1].matches_filter);
    let Releases::Calendar(t) = &s.updates[1].releases else {
        panic!("a cron is a calendar")
    };
    assert!(!t.is_empty());
    // Packer and scripts have no start condition: every match builds.
    let packer = absent.replace(
        "region = \"us-east-1\"\n",
        "region = \"us-east-1\"\ntool = \"packer\"\n",
    );
    let (p, errors) = resolve_first_pipeline(&packer);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        p.expect("resolves").schedule.start_condition,
        StartCondition::Always
    );
}

#[test]
fn an_update_source_names_a_dependency_of_the_recipe() {
    let text = format!(
        "{}[[pipeline.update_source]]\nof = \"pacth\"\nmean_interval = \"3d\"\n\
         [[pipeline.update_source]]\nof = \"base_image\"\n\
         [[pipeline.update_source]]\nof = \"base_image\"\nmean_interval = \"3d\"\ncron = \"cron(0 6 * * ? *)\"\n",
        pipeline_text("")
    );
    let (_, errors) = resolve_first_pipeline(&text);
    assert_eq!(
        errors,
        [
            "pipeline[0].update_source[0].of: \"pacth\" is neither the base image nor a component of pipeline \"p\"",
            "pipeline[0].update_source[1]: the update source of \"base_image\" says nothing about when it releases",
            "pipeline[0].update_source[2].of: \"base_image\" already has an update source",
        ]
    );
}

#[test]
fn a_recipe_needs_a_build_component_under_image_builder() {
    let text = pipeline_text("").replace(
        "[[pipeline.component]]\nname = \"patch\"\nduration = \"5m\"\n",
        "",
    );
    let (_, errors) = resolve_first_pipeline(&text);
    assert_eq!(
        errors,
        [
            "pipeline[0].component: pipeline \"p\" has no build component; an Image Builder recipe needs at least one"
        ]
    );
    let sdk = text.replace(
        "region = \"us-east-1\"\n",
        "region = \"us-east-1\"\ntool = \"sdk\"\n",
    );
    assert!(
        resolve_first_pipeline(&sdk).1.is_empty(),
        "a script has no recipe"
    );
}

#[test]
fn an_existing_image_is_a_scripts_and_has_nothing_to_build() {
    let text = pipeline_text("existing_image = true\n");
    let (_, errors) = resolve_first_pipeline(&text);
    assert_eq!(
        errors,
        [
            "pipeline[0].existing_image: Image Builder and Packer always build the image they distribute",
            "pipeline[0].component: pipeline \"p\" copies an existing image: it runs no component",
        ]
    );
    let sdk = pipeline_text("existing_image = true\ntool = \"sdk\"\n").replace(
        "[[pipeline.component]]\nname = \"patch\"\nduration = \"5m\"\n",
        "",
    );
    let (p, errors) = resolve_first_pipeline(&sdk);
    assert!(errors.is_empty(), "{errors:?}");
    let p = p.expect("resolves");
    assert!(p.existing_image);
    assert_eq!(
        p.copies.len(),
        1,
        "its copies are made as any sdk pipeline's"
    );
}

#[test]
fn faults_incidents_and_api_check_their_ranges() {
    let text = format!(
        "{REGIONS}[faults]\nlaunch_failure_probability = 2.0\nmax_attempts = 3\nclient = \"packer\"\n\
         [[incident]]\nregion = \"eu-west-1\"\nstart = \"1d\"\nduration = \"2h\"\nslowdown = 0.5\n\
         [api]\nmax_attempts = 0\n"
    );
    let ((f, inc, api), errors) = with_ctx(&text, |ctx, raw| {
        (
            faults::resolve_faults(ctx, raw.faults.as_ref()),
            faults::resolve_incidents(ctx, &raw.incident, SimTime(86_400_000 * 28)),
            faults::resolve_api(ctx, raw.api.as_ref()),
        )
    });
    assert_eq!(f.max_attempts, 3);
    assert_eq!(f.launch_failure_probability, 0.0, "out of range: not used");
    assert_eq!(f.waiter_timeout, Some(SimDuration::from_mins(30)));
    assert_eq!(inc[0].region, RegionId::from_index(1));
    assert_eq!(api.max_attempts, crate::aws::facts::SDK_MAX_ATTEMPTS);
    assert_eq!(
        errors,
        [
            "faults.launch_failure_probability: a probability must be between 0 and 1, got 2",
            "incident[0].slowdown: a slowdown factor must be at least 1, got 0.5",
            "api.max_attempts: must be between 1 and 100, got 0",
        ]
    );
}

#[test]
fn prices_default_to_the_facts_and_name_undeclared_regions() {
    let text = format!(
        "{REGIONS}[cost]\nsnapshot_usd_per_gb_month = 0.04\ntransfer_from = {{ \"eu-west-1\" = 0.03, \"sa-east-1\" = 0.1 }}\n"
    );
    let (p, errors) = with_ctx(&text, |ctx, raw| {
        cost::resolve_prices(ctx, raw.cost.as_ref())
    });
    assert_eq!(p.snapshot_usd_per_gb_month, 0.04);
    assert_eq!(
        p.ebs_usd_per_gb_month,
        crate::aws::facts::EBS_GP3_USD_PER_GB_MONTH
    );
    assert_eq!(p.transfer_usd_per_gb[1], 0.03);
    assert_eq!(
        errors,
        ["cost.transfer_from.\"sa-east-1\": Region \"sa-east-1\" is not declared in this scenario"]
    );
}

#[test]
fn a_migration_to_its_own_region_is_refused() {
    let text = format!(
        "{REGIONS}[[migration]]\nname = \"m\"\nregion = \"us-east-1\"\nto_region = \"us-east-1\"\n\
         [[migration.volume]]\nsize_gib = 8\ndata_gib = 4\n"
    );
    let (m, errors) = with_ctx(&text, |ctx, raw| {
        let dir = directory::resolve_directory(ctx, raw);
        let global = RawLatency::default();
        let shared = pipeline::Shared {
            global: &global,
            dir: &dir,
            start: default_start(),
            horizon: SimTime(DEFAULT_HORIZON.0),
            quotas: Default::default(),
        };
        migration::resolve_migration(ctx, &shared, &raw.migration[0], "migration[0]")
    });
    assert!(m.is_none());
    assert_eq!(
        errors,
        ["migration[0].to_region: to_region is the instance's own Region"]
    );
}

#[test]
fn windows_launches_take_aws_figures_and_fast_launch_is_windows_only() {
    use crate::law::Law;
    // (the launch of the builder and test, the launch in a destination)
    let medians = |extra: &str| {
        let (p, errors) = resolve_first_pipeline(&pipeline_text(extra));
        assert!(errors.is_empty(), "{errors:?}");
        let l = p.expect("resolves").latency;
        let median = |d: &Law| match d {
            Law::LogNormal { mu, .. } => mu.exp(),
            other => panic!("a lognormal, not {other:?}"),
        };
        (median(&l.instance_launch), median(&l.destination_launch))
    };
    let close =
        |(a, b): (f64, f64), (x, y): (f64, f64)| (a - x).abs() < 1e-9 && (b - y).abs() < 1e-9;
    assert!(close(medians("platform = \"windows\"\n"), (242.0, 242.0)));
    // Fast Launch speeds up only launches of the distributed AMI.
    assert!(close(
        medians("platform = \"windows\"\nfast_launch = true\n"),
        (242.0, 85.0)
    ));
    assert!(close(medians(""), (25.0, 25.0)));
    let (_, errors) = resolve_first_pipeline(&pipeline_text("fast_launch = true\n"));
    assert_eq!(
        errors,
        vec!["pipeline[0].fast_launch: EC2 Fast Launch is for Windows AMIs only"]
    );
}

#[test]
fn a_schedule_time_zone_must_be_an_iana_name_and_needs_a_cron() {
    let text = |schedule: &str| {
        format!(
            "{REGIONS}[[pipeline]]\nname = \"p\"\nregion = \"us-east-1\"\n\
             [[pipeline.volume]]\nsize_gib = 8\ndata_gib = 4\n[[pipeline.component]]\nname = \"c\"\nduration = \"1m\"\n\
             [pipeline.schedule]\nstart_condition = \"always\"\n{schedule}"
        )
    };
    let (p, errors) = resolve_first_pipeline(&text(
        "cron = \"cron(0 6 ? * MON *)\"\ntimezone = \"Europe/Berlin\"\n",
    ));
    assert!(errors.is_empty(), "{errors:?}");
    // 2026-01-05 is a Monday: 06:00 in Berlin is 05:00 UTC in winter.
    assert_eq!(p.unwrap().schedule.cron_times[0], SimTime(5 * 3_600_000));
    let (_, errors) = resolve_first_pipeline(&text(
        "cron = \"cron(0 6 ? * MON *)\"\ntimezone = \"Europe/Berlln\"\n",
    ));
    assert_eq!(
        errors,
        vec!["pipeline[0].schedule.timezone: \"Europe/Berlln\" is not an IANA time zone"]
    );
    let (_, errors) = resolve_first_pipeline(&text("interval = \"7d\"\ntimezone = \"UTC\"\n"));
    assert_eq!(
        errors,
        vec![
            "pipeline[0].schedule.timezone: timezone applies to the cron, and the schedule has none"
        ]
    );
}

#[test]
fn image_builders_twenty_components_count_the_tests_too() {
    let steps = |kind: &str, n: usize| -> String {
        (0..n)
            .map(|i| format!("[[pipeline.{kind}]]\nname = \"{kind}{i}\"\nduration = \"1m\"\n"))
            .collect()
    };
    let text = |tool: &str| {
        pipeline_text(&format!(
            "tool = \"{tool}\"\n{}{}",
            steps("component", 14),
            steps("test", 6)
        ))
    };
    let (_, errors) = resolve_first_pipeline(&text("image_builder"));
    assert_eq!(
        errors,
        vec![
            "pipeline[0].component: 15 build and 6 test components; Image Builder allows at most 20 per recipe, counting both"
        ]
    );
    let (p, errors) = resolve_first_pipeline(&text("packer"));
    assert!(
        errors.is_empty() && p.is_some(),
        "Packer has no such limit: {errors:?}"
    );
}

#[test]
fn account_settings_are_per_region_and_opt_in_regions_name_who_enabled_them() {
    use crate::aws::directory::{Encryption, KeyId, RegionAccess};
    let text = "[[account]]\nname = \"images\"\nid = \"111111111111\"\nblock_public_access = false\n\
                [account.region.\"eu-west-1\"]\nencryption_by_default = true\ndefault_kms_key = \"golden\"\nblock_public_access = true\n\
                [account.region.\"mars-1\"]\nencryption_by_default = true\n\
                [[account]]\nname = \"prod\"\nid = \"222222222222\"\n\
                [account.region.\"us-east-1\"]\ndefault_kms_key = \"golden-us\"\n\
                [[region]]\nname = \"us-east-1\"\n[[region]]\nname = \"eu-west-1\"\n\
                [[region]]\nname = \"af-south-1\"\nenabled_for = [\"prod\"]\n\
                [[region]]\nname = \"eu-west-2\"\nenabled_for = [\"all\"]\n\
                [[kms_key]]\nname = \"golden\"\naccount = \"images\"\nregion = \"eu-west-1\"\n\
                [[kms_key]]\nname = \"golden-us\"\naccount = \"images\"\nregion = \"us-east-1\"\n";
    let (dir, errors) = with_ctx(text, |ctx, raw| {
        let mut dir = directory::resolve_directory(ctx, raw);
        keys::resolve_keys(ctx, &mut dir, raw);
        regions::resolve_access(ctx, &raw.region, &mut dir);
        dir
    });
    assert_eq!(
        errors,
        [
            "account[0].region.\"mars-1\": Region \"mars-1\" is not declared in this scenario",
            "account[1].region.\"us-east-1\".default_kms_key: key \"golden-us\" belongs to another account; a default EBS key must be the account's own",
            "region[3].enabled_for: eu-west-2 is enabled by default in every account; enabled_for is for opt-in Regions",
        ]
    );
    let (images, prod) = (AccountId::from_index(0), AccountId::from_index(1));
    let (us, eu, af) = (
        RegionId::from_index(0),
        RegionId::from_index(1),
        RegionId::from_index(2),
    );
    assert!(!dir.block_public_access(images, us));
    assert!(dir.block_public_access(images, eu));
    assert_eq!(dir.default_encryption(images, us), None);
    assert_eq!(
        dir.default_encryption(images, eu),
        Some(Encryption::Key(KeyId::from_index(0)))
    );
    assert_eq!(
        dir.access[2],
        RegionAccess::OptIn {
            all: false,
            accounts: vec![prod]
        }
    );
    assert!(dir.region_enabled(prod, af) && !dir.region_enabled(images, af));
}

#[test]
fn every_replica_of_a_key_has_its_own_grants() {
    use crate::aws::directory::Principal;
    let text = "[[account]]\nname = \"images\"\nid = \"111111111111\"\n[[account]]\nname = \"prod\"\nid = \"222222222222\"\n\
                [[region]]\nname = \"us-east-1\"\n[[region]]\nname = \"eu-west-1\"\n[[region]]\nname = \"eu-west-2\"\n[[region]]\nname = \"ap-south-1\"\n\
                [[kms_key]]\nname = \"golden\"\nregion = \"us-east-1\"\nreplicas = [\"eu-west-1\", \"eu-west-2\"]\ngrants = [\"prod\"]\n\
                replica_grants = { \"*\" = [\"images\"], \"eu-west-1\" = [\"prod\"], \"ap-south-1\" = [\"prod\"] }\n";
    let (dir, errors) = with_ctx(text, |ctx, raw| {
        let mut dir = directory::resolve_directory(ctx, raw);
        keys::resolve_keys(ctx, &mut dir, raw);
        dir
    });
    assert_eq!(
        errors,
        [
            "kms_key[0].replica_grants.\"ap-south-1\": \"ap-south-1\" holds no replica of key \"golden\""
        ]
    );
    let k = &dir.keys[0];
    let prod = Principal::Account(AccountId::from_index(1));
    assert_eq!(k.grants_in(RegionId::from_index(0)), [prod]);
    assert_eq!(
        k.grants_in(RegionId::from_index(1)),
        [prod],
        "its own entry"
    );
    assert_eq!(
        k.grants_in(RegionId::from_index(2)),
        [Principal::Account(AccountId::from_index(0))],
        "\"*\" for a replica not listed"
    );
    assert!(
        k.grants_in(RegionId::from_index(3)).is_empty(),
        "no key there"
    );
}

#[test]
fn the_slo_scope_is_each_fleet_or_a_pipeline_of_the_scenario() {
    let text = |scope: &str| {
        format!(
            "{REGIONS}[slo]\ntime_to_all_regions_p95 = \"2h\"\n{scope}\n[[pipeline]]\nname = \"a\"\nregion = \"us-east-1\"\n[[pipeline]]\nname = \"b\"\nregion = \"us-east-1\"\n"
        )
    };
    let scope = |s: &str| with_ctx(&text(s), slo_scope);
    assert_eq!(scope(""), (SloScope::Each, vec![]));
    assert_eq!(scope("scope = \"fleet\""), (SloScope::Fleet, vec![]));
    assert_eq!(scope("scope = \"b\""), (SloScope::Pipeline(1), vec![]));
    let (_, errors) = scope("scope = \"c\"");
    assert_eq!(
        errors,
        ["slo.scope: \"c\" is neither \"each\", \"fleet\" nor a pipeline of this scenario"]
    );
}
