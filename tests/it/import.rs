//! `amisim import`: realistic source documents in `tests/import/`, imported,
//! checked against their golden scenario, validated and run.

use std::path::Path;

use amisim::pipeline::model::{Outcome, run_replication};

use super::{amisim, amisim_ok, root};

const IB: &str = "tests/import/imagebuilder";

/// The Image Builder fixture without what the Terraform and CloudFormation
/// ones do not set (the distribution's time-out, the auto-disable policy).
fn ib_without_timeout_and_auto_disable() -> tempfile::TempDir {
    let ib = fixture_with("pipeline.json", |t| {
        t.replace(",\n            \"autoDisablePolicy\": {\n                \"failureCount\": 3\n            }", "")
    });
    let dist = ib.path().join("distribution.json");
    let d = std::fs::read_to_string(&dist)
        .unwrap()
        .replace("\"timeoutMinutes\": 240,", "");
    std::fs::write(&dist, d).unwrap();
    ib
}

/// Runs `amisim import ARGS`, checks its scenario against `golden` (written
/// instead with `AMISIM_BLESS=1`), and gives back the scenario and stderr.
pub(super) fn import_golden(args: &[&str], golden: impl AsRef<Path>) -> (String, String) {
    let o = amisim_ok(&[&["import"], args].concat());
    let got = String::from_utf8(o.stdout).unwrap();
    super::assert_golden(golden.as_ref(), &got);
    (got, String::from_utf8_lossy(&o.stderr).into_owned())
}

/// Runs scenario `s` for 3 replications into `out`.
pub(super) fn run3(s: &Path, out: &Path) {
    amisim_ok(&[
        "run",
        s.to_str().unwrap(),
        "-n",
        "3",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
}

/// Runs scenarios `a` and `b` (3 replications each) into `dir`, and checks
/// that they wrote the same bytes into each of `files`.
pub(super) fn same_results(dir: &Path, (a, b): (&Path, &Path), files: &[&str]) {
    let (oa, ob) = (dir.join("oa"), dir.join("ob"));
    run3(a, &oa);
    run3(b, &ob);
    for f in files {
        assert_eq!(
            std::fs::read(oa.join(f)).unwrap(),
            std::fs::read(ob.join(f)).unwrap(),
            "{f}"
        );
    }
}

/// Copies the Image Builder fixture into a temporary directory, with `edit`
/// applied to the file named `file`.
fn fixture_with(file: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root().join(IB)).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let mut text = std::fs::read_to_string(&p).unwrap();
            if p.file_name().unwrap() == file {
                text = edit(text);
            }
            std::fs::write(dir.path().join(p.file_name().unwrap()), text).unwrap();
        }
    }
    dir
}

#[test]
fn image_builder_json_imports_to_its_golden_scenario_which_validates_and_runs() {
    let (got, err) = import_golden(
        &[IB, "--name", "golden-al2023"],
        format!("{IB}/expected.toml"),
    );
    assert!(
        err.contains("read tests/import/imagebuilder as imagebuilder"),
        "{err}"
    );
    // Every field left out is listed at the top of the file; stderr says
    // how many, one line per file, after the warnings that change results.
    assert!(
        err.contains("note: tests/import/imagebuilder/infrastructure.json: "),
        "{err}"
    );
    assert!(err.find("warning: ") < err.find("note: "), "{err}");
    for field in [
        "infrastructureConfiguration.subnetId",
        "distributions[2].launchTemplateConfigurations[0].launchTemplateId",
        "imageRecipe.blockDeviceMappings[1].ebs.throughput",
        "imageRecipe.components[2].parameters[0].name",
    ] {
        assert!(got.contains(field) && !err.contains(field), "{field}");
    }
    let scn = amisim::scenario::from_str(Path::new("imported.toml"), &got)
        .unwrap_or_else(|e| panic!("{e}"));
    let p = &scn.world.pipelines[0];
    // AWS's default start condition when absent: dependency updates, with the
    // recipe's version filters (cis-hardening is pinned to 2.1.0).
    assert_eq!(
        p.schedule.start_condition,
        amisim::pipeline::config::StartCondition::DependencyUpdates
    );
    let pinned: Vec<(&str, bool)> = p
        .schedule
        .updates
        .iter()
        .map(|u| (u.of.as_str(), u.matches_filter))
        .collect();
    assert!(
        pinned.contains(&("cis-hardening", false)) && pinned.contains(&("platform-agents", true))
    );
    // Target accounts own their copies; the OU share and the lifecycle came along.
    let ids: Vec<&str> = p
        .copies
        .iter()
        .map(|c| scn.world.directory.accounts[c.copier.index()].id.as_str())
        .collect();
    assert_eq!(ids, ["111122223333", "444455556666", "777788889999"]);
    assert_eq!(p.components.len(), 3);
    assert_eq!(p.tests[0].name, "reboot-test-linux");
    assert_eq!(p.lifecycle.keep_at_least, 2);
    assert_eq!(
        p.distribution_timeout.map(|d| d.as_millis()),
        Some(240 * 60_000)
    );
    assert_eq!(p.schedule.auto_disable_after_failures, Some(3));
    let r = run_replication(&scn.world, 1, 0);
    assert!(r.runs.iter().any(|x| x.outcome == Outcome::Succeeded));
    // Written whole with -o, and runs from there.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mine.toml");
    amisim_ok(&["import", IB, "-o", out.to_str().unwrap()]);
    amisim_ok(&[
        "run",
        out.to_str().unwrap(),
        "-n",
        "2",
        "-q",
        "--rows",
        "none",
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
}

/// The first distribution's OU share made public (`userGroups = ["all"]`).
fn public_share(t: &str) -> String {
    t.replacen(
        "\"organizationalUnitArns\": [\n                            \"arn:aws:organizations::999988887777:ou/o-a1b2c3d4e5/ou-ab12-11111111\"\n                        ]",
        "\"userGroups\": [\"all\"]",
        1,
    )
}

#[test]
fn public_sharing_and_a_refused_distribution_come_through_with_awss_answer() {
    // userGroups = ["all"] on an unencrypted image in the build Region: public.
    let public = fixture_with("distribution.json", |t| {
        public_share(&t)
        .replacen("\"kmsKeyId\": \"arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab\",", "", 1)
    });
    let recipe_plain = |t: String| t.replace("\"encrypted\": true,", "\"encrypted\": false,");
    std::fs::write(
        public.path().join("recipe.json"),
        recipe_plain(std::fs::read_to_string(root().join(IB).join("recipe.json")).unwrap()),
    )
    .unwrap();
    let out = public.path().join("s.toml");
    let o = amisim(&[
        "import",
        public.path().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    // Block public access is on by default for an account: AWS refuses.
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("rule: block_public_access"), "{err}");
    assert!(err.contains("(from distributionConfiguration.distributions[0].amiDistributionConfiguration.launchPermission)"), "{err}");
    assert!(!out.exists(), "nothing written");
    // The same share of an encrypted image: refused for its encryption too.
    let enc = fixture_with("distribution.json", |t| public_share(&t));
    let o = amisim(&["import", enc.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("rule: public_encrypted"));
}

#[test]
fn malformed_and_wrong_kind_inputs_are_refused_with_their_place_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.toml");
    let bad = fixture_with("pipeline.json", |t| {
        t.replacen("\"status\": \"ENABLED\",", "\"status\": \"ENABLED\"", 1)
    });
    let o = amisim(&[
        "import",
        bad.path().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("pipeline.json:24:9: not valid JSON"), "{err}");
    assert!(!out.exists());
    let cfn = dir.path().join("template.yaml");
    std::fs::write(&cfn, "AWSTemplateFormatVersion: 2010-09-09\nResources:\n  P:\n    Type: AWS::ImageBuilder::ImagePipeline\n").unwrap();
    let o = amisim(&["import", cfn.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    // A template with a pipeline and no recipe: the recipe named as missing,
    // not worded as AWS's refusal.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Resources.P.Properties.imageRecipeArn: no image recipe"),
        "{err}"
    );
    let other = dir.path().join("other.json");
    std::fs::write(&other, "{\"Reservations\": []}").unwrap();
    let o = amisim(&["import", other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not an Image Builder document: its top-level keys are Reservations"),
        "{err}"
    );
    let only_recipe = amisim(&[
        "import",
        root().join(IB).join("recipe.json").to_str().unwrap(),
    ]);
    assert_eq!(only_recipe.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&only_recipe.stderr)
            .contains("no image pipeline among the documents (found: Recipe)")
    );
}

#[test]
fn terraform_show_json_imports_the_same_pipeline_with_the_same_results() {
    let tf = "tests/import/terraform/show.json";
    let (got, err) = import_golden(
        &[tf, "--name", "golden-al2023"],
        "tests/import/terraform/expected.toml",
    );
    assert!(err.contains("as terraform"), "{err}");
    assert!(
        got.contains("module.recipe.aws_imagebuilder_infrastructure_configuration.this.subnetId"),
        "fields are named under the resource's address: {got}"
    );
    // The Image Builder fixture without what this Terraform state lacks (the
    // distribution's time-out and the auto-disable policy) is the same pipeline:
    // the two scenarios give byte-identical results.
    let ib = ib_without_timeout_and_auto_disable();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("ib.toml"), dir.path().join("tf.toml"));
    amisim_ok(&[
        "import",
        ib.path().to_str().unwrap(),
        "--name",
        "same",
        "-o",
        a.to_str().unwrap(),
    ]);
    amisim_ok(&["import", tf, "--name", "same", "-o", b.to_str().unwrap()]);
    same_results(
        dir.path(),
        (&a, &b),
        &["runs.csv", "stages.csv", "summary.csv", "cost_summary.csv"],
    );
    // Not Terraform's: refused with what was found.
    let o = amisim(&[
        "import",
        "--format",
        "terraform",
        &format!("{IB}/pipeline.json"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not `terraform show -json` output"));
    let none = dir.path().join("empty.json");
    std::fs::write(&none, r#"{"format_version":"1.0","values":{"root_module":{"resources":[{"address":"aws_instance.x","type":"aws_instance","values":{}}]}}}"#).unwrap();
    let o = amisim(&["import", none.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "no aws_imagebuilder_* or aws_ami_copy resource; the resource types are aws_instance"
        ),
        "{err}"
    );
}

#[test]
fn a_packer_template_imports_to_a_packer_pipeline_with_its_flow_keys_and_waiter() {
    let pk = "tests/import/packer/golden.pkr.hcl";
    let (got, err) = import_golden(
        &[pk, "--name", "golden"],
        "tests/import/packer/expected.toml",
    );
    assert!(err.contains("as packer"), "{err}");
    assert!(
        got.contains("build[0].post-processor \"manifest\""),
        "{got}"
    );
    let scn =
        amisim::scenario::from_str(Path::new("p.toml"), &got).unwrap_or_else(|e| panic!("{e}"));
    let p = &scn.world.pipelines[0];
    assert_eq!(p.tool, amisim::pipeline::config::Tool::Packer);
    // encrypt_boot: the intermediary copied into the build Region too, every copy full.
    assert!(p.encrypt_boot);
    assert_eq!(
        p.copies.len(),
        4,
        "us-east-1 (the build Region) and the three ami_regions"
    );
    assert_eq!(p.copies.iter().filter(|c| c.region == p.region).count(), 1);
    assert_eq!(
        p.packer_waits.map(|w| w.ami.as_millis()),
        Some(30 * 60_000),
        "aws_polling 15 s x 120"
    );
    assert_eq!(p.copies[1].completion.map(|d| d.as_millis()), Some(900_000));
    assert_eq!(p.components.len(), 3, "one per provisioner");
    assert_eq!(
        p.api_retry,
        amisim::pipeline::config::ApiRetry::Attempts(20),
        "max_retries"
    );
    let r = run_replication(&scn.world, 1, 0);
    assert_eq!(r.runs[0].outcome, Outcome::Succeeded);
    // --var wins over the default; a variable the template lacks is refused.
    let o = amisim_ok(&[
        "import",
        pk,
        "--var",
        "copy_regions=[\"eu-west-1\"]",
        "--var",
        "region=us-east-1",
    ]);
    let t = String::from_utf8(o.stdout).unwrap();
    let scn = amisim::scenario::from_str(Path::new("p.toml"), &t).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        scn.world.pipelines[0].copies.len(),
        2,
        "the build Region and eu-west-1"
    );
    let o = amisim(&["import", pk, "--var", "nope=1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("--var nope=… names no variable of the template")
    );
    // ami_groups = ["all"] is public: refused here, the image being encrypted.
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public.pkr.hcl");
    let text = std::fs::read_to_string(root().join(pk)).unwrap();
    std::fs::write(
        &public,
        text.replace("ami_users   = local.share_with", "ami_groups  = [\"all\"]"),
    )
    .unwrap();
    let o = amisim(&["import", public.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("rule: public_encrypted"));
    // Two sources in one build: two pipelines, each with the build's provisioners.
    let two = dir.path().join("two.pkr.hcl");
    std::fs::write(
        &two,
        text.replace(
            "build {",
            "source \"amazon-ebs\" \"arm\" {\n  region = \"eu-west-1\"\n  instance_type = \"m7g.large\"\n  source_ami_filter {\n    owners = [\"amazon\"]\n  }\n}\n\nbuild {",
        )
        .replace("sources = [\"source.amazon-ebs.al2023\"]", "sources = [\"source.amazon-ebs.al2023\", \"source.amazon-ebs.arm\"]"),
    )
    .unwrap();
    let o = amisim_ok(&["import", two.to_str().unwrap()]);
    let t = String::from_utf8(o.stdout).unwrap();
    let scn = amisim::scenario::from_str(Path::new("p.toml"), &t).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = scn
        .world
        .pipelines
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["al2023", "arm"]);
    assert_eq!(scn.world.pipelines[1].components.len(), 3);
    assert_eq!(
        t.matches("post-processor \"manifest\"").count(),
        1,
        "said once"
    );
    // A legacy JSON template: tests/it/import_dirs.rs.
    // Malformed HCL: the parser's place.
    let bad = dir.path().join("bad.pkr.hcl");
    std::fs::write(&bad, "source \"amazon-ebs\" \"x\" {\n  region = \n}\n").unwrap();
    let o = amisim(&["import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.pkr.hcl:2:12: not valid HCL"), "{err}");
}

#[test]
fn a_cloudformation_template_resolves_its_references_and_gives_the_same_results() {
    let cf = "tests/import/cloudformation/golden.yaml";
    let acct = "AWS::AccountId=111122223333";
    let (got, err) = import_golden(
        &[cf, "--name", "golden-al2023", "--var", acct],
        "tests/import/cloudformation/expected.toml",
    );
    assert!(err.contains("as cloudformation"), "{err}");
    // !Ref of a resource the import does not model is not dropped: in a
    // field with no counterpart, the field is listed as left out (a note on
    // its value would change nothing, so there is none).
    assert!(
        got.contains("Resources.Infrastructure.Properties.instanceProfileName: no counterpart in amisim; left out")
            && !err.contains("`BuildProfile` is neither a parameter nor"),
        "{err}"
    );
    // !Sub, !Join and !Ref of a list parameter resolved: the three keys and
    // the target accounts are the Image Builder fixture's.
    assert!(got.contains("target_accounts = [\"acct-444455556666\", \"acct-777788889999\"]"));
    assert_eq!(
        got.matches("kms_key = \"mrk-1234abcd12ab34cd56ef1234567890ab\"")
            .count(),
        3
    );
    // The same pipeline as Image Builder's JSON (without what the template
    // does not set): byte-identical results.
    let ib = ib_without_timeout_and_auto_disable();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("ib.toml"), dir.path().join("cf.toml"));
    amisim_ok(&[
        "import",
        ib.path().to_str().unwrap(),
        "--name",
        "same",
        "-o",
        a.to_str().unwrap(),
    ]);
    amisim_ok(&[
        "import",
        cf,
        "--name",
        "same",
        "--var",
        acct,
        "-o",
        b.to_str().unwrap(),
    ]);
    same_results(
        dir.path(),
        (&a, &b),
        &["runs.csv", "stages.csv", "summary.csv"],
    );
    // --parameters, as aws cloudformation takes them.
    let params = dir.path().join("params.json");
    let with_parameter = |key: &str, value: &str| {
        let json = format!(r#"[{{"ParameterKey": "{key}", "ParameterValue": "{value}"}}]"#);
        std::fs::write(&params, json).unwrap();
        let args = [
            "import",
            cf,
            "--var",
            acct,
            "--parameters",
            params.to_str().unwrap(),
        ];
        String::from_utf8(amisim_ok(&args).stdout).unwrap()
    };
    assert!(
        with_parameter("ProdAccounts", "444455556666")
            .contains("target_accounts = [\"acct-444455556666\"]")
    );
    // Its instance types come from its Mappings (Fn::FindInMap, Fn::Split)
    // by the Environment parameter.
    let got = with_parameter("Environment", "dev");
    assert!(
        got.contains("builder_instance_type = \"t3.medium\""),
        "{got}"
    );
    // Conditions are evaluated, with the parameters' values; one that
    // depends on itself is a warning, not a hang.
    let text = std::fs::read_to_string(root().join(cf)).unwrap();
    let cond = dir.path().join("cond.yaml");
    std::fs::write(
        &cond,
        text.replace(
            "Parameters:\n",
            "Parameters:\n  Env:\n    Type: String\n    Default: prod\n",
        )
        .replace(
            "Resources:\n",
            "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n  Loop: !Not [!Condition Loop]\n\nResources:\n",
        )
        .replace(
            "InstanceTypes: !Split [\",\", !FindInMap [BuildSize, !Ref Environment, InstanceTypes]]",
            "InstanceTypes: !If [IsProd, [m5.large], [t3.large]]",
        )
        .replace("      InstanceProfileName: !Ref BuildProfile\n", "")
        // A field amisim reads: a field it does not (the instance profile)
        // would change nothing, and its note is dropped as moot.
        .replace("      Status: ENABLED\n", "      Status: !If [Loop, ENABLED, DISABLED]\n"),
    )
    .unwrap();
    let o = amisim_ok(&["import", cond.to_str().unwrap(), "--var", acct]);
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("builder_instance_type = \"m5.large\"")
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("condition Loop cannot be evaluated"));
    let dev = dir.path().join("dev.json");
    std::fs::write(
        &dev,
        r#"[{"ParameterKey": "Env", "ParameterValue": "dev"}]"#,
    )
    .unwrap();
    let o = amisim_ok(&[
        "import",
        cond.to_str().unwrap(),
        "--var",
        acct,
        "--parameters",
        dev.to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("builder_instance_type = \"t3.large\"")
    );
    // Malformed YAML gets its place; a template without Image Builder is refused.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "AWSTemplateFormatVersion: 2010-09-09\nResources:\n  P: [unclosed\n",
    )
    .unwrap();
    let o = amisim(&["import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.yaml:4:1: not valid YAML"), "{err}");
    let other = dir.path().join("other.yaml");
    std::fs::write(
        &other,
        "AWSTemplateFormatVersion: 2010-09-09\nResources:\n  B:\n    Type: AWS::S3::Bucket\n",
    )
    .unwrap();
    let o = amisim(&["import", other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("no AWS::ImageBuilder::* resource; the types are AWS::S3::Bucket")
    );
}

#[test]
fn a_raw_tf_file_imports_the_same_pipeline_as_its_terraform_show_json() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("tf.toml"), dir.path().join("show.toml"));
    let o = amisim_ok(&[
        "import",
        "tests/import/terraform/main.tf",
        "--name",
        "same",
        "--var",
        "AWS::AccountId=111122223333",
        "-o",
        a.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("main.tf as terraform"), "{err}");
    amisim_ok(&[
        "import",
        "tests/import/terraform/show.json",
        "--name",
        "same",
        "-o",
        b.to_str().unwrap(),
    ]);
    same_results(
        dir.path(),
        (&a, &b),
        &["runs.csv", "stages.csv", "summary.csv"],
    );
    // Without the account: the first an ARN of the file names, said.
    let o = amisim_ok(&["import", "tests/import/terraform/main.tf"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains(
        "a .tf names no account: 111122223333, the first an ARN in the configuration names"
    ));
}

#[test]
fn describe_images_and_snapshots_give_each_volume_its_data_written() {
    let o = amisim_ok(&["import", IB, "tests/import/ec2"]);
    let got = String::from_utf8(o.stdout).unwrap();
    assert!(got.contains("data_gib = 6.0 "), "{got}");
    assert!(got.contains("data_gib = 40.0 "), "{got}");
    assert!(got.contains("Snapshots[1].FullSnapshotSizeInBytes (the snapshot of /dev/xvdb)"));
    let scn =
        amisim::scenario::from_str(Path::new("i.toml"), &got).unwrap_or_else(|e| panic!("{e}"));
    let v: Vec<f64> = scn.world.pipelines[0]
        .volumes
        .iter()
        .map(|v| v.data_gib)
        .collect();
    assert_eq!(v, [6.0, 40.0]);
}

#[test]
fn several_pipelines_import_together_each_with_the_documents_its_arns_name() {
    // The AL2023 pipeline and a Windows one that shares its infrastructure
    // and key, each with its own recipe and distribution.
    let (got, _) = import_golden(
        &[IB, "tests/import/imagebuilder-fleet", "--name", "fleet"],
        "tests/import/imagebuilder-fleet/expected.toml",
    );
    let scn =
        amisim::scenario::from_str(Path::new("f.toml"), &got).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = scn
        .world
        .pipelines
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["golden-al2023", "golden-win2022"]);
    let win = &scn.world.pipelines[1];
    assert_eq!(win.platform, amisim::pipeline::config::Platform::Windows);
    assert_eq!(
        win.schedule.start_condition,
        amisim::pipeline::config::StartCondition::Always
    );
    assert_eq!(win.components.len(), 2);
    assert_eq!(win.volumes[0].size_gib, 60.0);
    assert!(
        win.lifecycle.max_age.is_none(),
        "the policy selects the AL2023 recipe only"
    );
    let r = run_replication(&scn.world, 1, 0);
    assert!(
        r.runs
            .iter()
            .any(|x| x.pipeline == 1 && x.outcome == Outcome::Succeeded)
    );
}

#[test]
fn a_fleet_in_cloudformation_and_in_terraform_gives_the_results_of_the_same_fleet_in_image_builders_json()
 {
    // Image Builder's documents without what the template does not set.
    let ib = ib_without_timeout_and_auto_disable();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("ib.toml"), dir.path().join("cf.toml"));
    amisim_ok(&[
        "import",
        ib.path().to_str().unwrap(),
        "tests/import/imagebuilder-fleet",
        "--name",
        "fleet",
        "-o",
        a.to_str().unwrap(),
    ]);
    amisim_ok(&[
        "import",
        "tests/import/cloudformation/fleet.yaml",
        "--var",
        "AWS::AccountId=111122223333",
        "--name",
        "fleet",
        "-o",
        b.to_str().unwrap(),
    ]);
    let c = dir.path().join("tf.toml");
    amisim_ok(&[
        "import",
        "tests/import/terraform/show-fleet.json",
        "--name",
        "fleet",
        "-o",
        c.to_str().unwrap(),
    ]);
    for (s, out) in [(&a, "oa"), (&b, "ob"), (&c, "oc")] {
        run3(s, &dir.path().join(out));
    }
    let runs = std::fs::read_to_string(dir.path().join("oa/runs.csv")).unwrap();
    assert!(runs.contains(",golden-win2022,") && runs.contains(",golden-al2023,"));
    for f in ["runs.csv", "stages.csv", "summary.csv"] {
        for other in ["ob", "oc"] {
            assert_eq!(
                std::fs::read(dir.path().join("oa").join(f)).unwrap(),
                std::fs::read(dir.path().join(other).join(f)).unwrap(),
                "{f} of {other}"
            );
        }
    }
}

const COPIES: &str = "tests/import/terraform-copies";

#[test]
fn a_hand_rolled_terraform_pipeline_of_copies_and_launch_permissions_imports_to_an_sdk_pipeline() {
    let state = format!("{COPIES}/state.json");
    let (got, err) = import_golden(
        &[&state, "--name", "golden-copies"],
        format!("{COPIES}/expected.toml"),
    );
    assert!(err.contains("as terraform"), "{err}");
    for want in [
        "tool = \"sdk\"",
        "existing_image = true",
        "region = \"us-east-1\"                     # from module.distribute.aws_ami_copy.eu.sourceAmiRegion",
        // The create time-out is the waiter on each copy.
        "waiter_timeout = \"1h30m\"",
        // The launch permissions: an account, an OU, and the source image's own.
        "launch_permission = { accounts = [\"acct-222222222222\"], ous = [\"arn:aws:organizations::111111111111:ou/o-exmpl1234/ou-wkld-prod\"] }",
        "launch_permission = { accounts = [\"acct-333333333333\"] }",
        "replicas = [\"ap-southeast-2\"]",
    ] {
        assert!(got.contains(want), "{want}\n{got}");
    }
    assert!(
        err.contains("-parallelism"),
        "Terraform's parallelism is said: {err}"
    );
    // The copies only: no build stage, and the source image is not the pipeline's.
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("c.toml");
    std::fs::write(&s, &got).unwrap();
    run3(&s, &dir.path().join("o"));
    let stages = std::fs::read_to_string(dir.path().join("o/stages.csv")).unwrap();
    let kinds: std::collections::BTreeSet<&str> = stages
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap())
        .collect();
    assert_eq!(kinds, ["copy", "share"].into_iter().collect());
    let images = std::fs::read_to_string(dir.path().join("o/images.csv")).unwrap();
    assert_eq!(
        images.lines().count(),
        1 + 3 * 2,
        "two copies per replication:\n{images}"
    );
    assert!(!images.contains(",us-east-1,"), "{images}");
}

#[test]
fn a_raw_tf_of_copies_gives_the_results_of_its_terraform_state() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        dir.path().join("tf.toml"),
        dir.path().join("state.json.toml"),
    );
    let ec2 = [
        format!("{COPIES}/images.json"),
        format!("{COPIES}/snapshots.json"),
    ];
    for (input, out) in [
        (format!("{COPIES}/main.tf"), &a),
        (format!("{COPIES}/state.json"), &b),
    ] {
        amisim_ok(&[
            "import",
            &input,
            &ec2[0],
            &ec2[1],
            "--name",
            "same",
            "-o",
            out.to_str().unwrap(),
        ]);
    }
    let tf = std::fs::read_to_string(&a).unwrap();
    // describe-images and describe-snapshots give the volume and its data.
    assert!(tf.contains("size_gib = 30.0 "), "{tf}");
    assert!(tf.contains("data_gib = 9.0 "), "{tf}");
    // provider = aws.euw1 gives the copy's Region.
    assert!(
        tf.contains("region = \"eu-west-1\"                     # from aws_ami_copy.eu.region"),
        "{tf}"
    );
    same_results(
        dir.path(),
        (&a, &b),
        &["runs.csv", "stages.csv", "summary.csv", "cost_summary.csv"],
    );
}

#[test]
fn terraforms_copies_meet_its_40_minute_waiter_and_awss_rules() {
    // Without a create time-out: Terraform's 40 minutes, and slow copies fail at it.
    let state = std::fs::read_to_string(root().join(COPIES).join("state.json"))
        .unwrap()
        .replace(
            "\"timeouts\": {\"create\": \"90m\", \"update\": null, \"delete\": null},",
            "",
        );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("state.json");
    std::fs::write(&f, &state).unwrap();
    let s = dir.path().join("c.toml");
    amisim_ok(&["import", f.to_str().unwrap(), "-o", s.to_str().unwrap()]);
    let got = std::fs::read_to_string(&s).unwrap();
    assert!(got.contains("client = \"terraform\""), "{got}");
    let o = dir.path().join("o");
    amisim_ok(&[
        "run",
        s.to_str().unwrap(),
        "-n",
        "400",
        "-q",
        "--out",
        o.to_str().unwrap(),
    ]);
    let stages = std::fs::read_to_string(o.join("stages.csv")).unwrap();
    let gave_up: Vec<&str> = stages
        .lines()
        .filter(|l| l.contains(",waiter_timeout,"))
        .collect();
    assert!(!gave_up.is_empty(), "some copies outlast 40 minutes");
    for l in &gave_up {
        let d: f64 = l.split(',').nth(11).unwrap().parse().unwrap();
        assert!(
            (d - 2400.0).abs() < 1e-6,
            "the waiter gives up at 40 min: {l}"
        );
    }
    // A copy encrypted with the default key, then shared: AWS refuses the share.
    let bad = state.replace(
        "\"kms_key_id\": \"arn:aws:kms:ap-southeast-2:111111111111:key/mrk-1234abcd12ab34cd56ef1234567890ab\",",
        "\"kms_key_id\": \"\",",
    );
    assert_ne!(bad, state);
    std::fs::write(&f, &bad).unwrap();
    let out = dir.path().join("bad.toml");
    let o = amisim(&["import", f.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("rule: aws_managed_key_share"), "{err}");
    assert!(
        err.contains("(from module.distribute.aws_ami_launch_permission.apse2_dr"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
    // A data source names the pipeline; an image made in the configuration is said.
    let tf = std::fs::read_to_string(root().join(COPIES).join("main.tf"))
        .unwrap()
        .replace(
            "source_ami_id     = var.golden_ami_id",
            "source_ami_id     = data.aws_ami.golden.id",
        )
        + "\ndata \"aws_ami\" \"golden\" {\n  owners = [\"self\"]\n}\n"
        + "\nresource \"aws_ami_from_instance\" \"built\" {\n  name = \"built\"\n  source_instance_id = \"i-0123456789abcdef0\"\n}\n";
    let t = dir.path().join("main.tf");
    std::fs::write(
        &t,
        tf.replacen(
            "data.aws_ami.golden.id",
            "aws_ami_from_instance.built.id",
            1,
        ),
    )
    .unwrap();
    let o = amisim_ok(&["import", t.to_str().unwrap()]);
    let (got, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(got.contains("name = \"built\""), "{got}");
    assert!(got.contains("name = \"golden\""), "{got}");
    assert!(
        err.contains("aws_ami_from_instance.built is made in the same configuration"),
        "{err}"
    );
}

#[test]
fn a_packer_fleet_imports_each_build_of_each_source_with_that_builds_provisioners() {
    let pk = "tests/import/packer/fleet.pkr.hcl";
    let (got, _) = import_golden(
        &[pk, "--name", "fleet"],
        "tests/import/packer/expected-fleet.toml",
    );
    let scn =
        amisim::scenario::from_str(Path::new("p.toml"), &got).unwrap_or_else(|e| panic!("{e}"));
    let ps = &scn.world.pipelines;
    let steps =
        |i: usize| -> Vec<&str> { ps[i].components.iter().map(|c| c.name.as_str()).collect() };
    assert_eq!(ps[0].name, "al2023");
    // `only` and `except` pick the image; each build makes its own.
    assert_eq!(steps(0), ["file-1", "shell-1"]);
    assert_eq!(
        ps.len(),
        3,
        "golden's al2023 and windows2022, agents' al2023"
    );
    assert_eq!(
        (ps[2].name.as_str(), steps(2)),
        ("agents-al2023", vec!["shell-1"])
    );
    assert_eq!(ps[1].name, "windows2022");
    assert_eq!(
        steps(1),
        [
            "file-1",
            "powershell-1",
            "windows-restart-1",
            "powershell-2"
        ]
    );
    // communicator = "winrm": a Windows build, with its own waiter.
    use amisim::pipeline::config::Platform;
    assert_eq!(
        (ps[0].platform, ps[1].platform),
        (Platform::Linux, Platform::Windows)
    );
    assert_eq!(
        ps[1].packer_waits.map(|w| w.ami.as_millis()),
        Some(60 * 60_000),
        "aws_polling 30 s x 120"
    );
    for p in ps {
        assert_eq!(p.copies.len(), 2, "{}: us-west-2 and eu-west-1", p.name);
    }
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("fleet.toml");
    std::fs::write(&s, &got).unwrap();
    run3(&s, &dir.path().join("o"));
    // The Windows filter's name alone also makes a Windows build.
    let text = std::fs::read_to_string(root().join(pk))
        .unwrap()
        .replace("  communicator   = \"winrm\"\n", "");
    let f = dir.path().join("f.pkr.hcl");
    std::fs::write(&f, text).unwrap();
    let o = amisim_ok(&["import", f.to_str().unwrap()]);
    let t = String::from_utf8(o.stdout).unwrap();
    assert!(
        t.lines().any(|l| l.starts_with("platform = \"windows\"")
            && l.ends_with("# from source.amazon-ebs.windows2022.source_ami_filter.filters.name (a Windows build)")),
        "{t}"
    );
}

#[test]
fn another_stacks_export_is_a_warning_unless_its_value_is_given() {
    let cf = root().join("tests/import/cloudformation/golden.yaml");
    let text = std::fs::read_to_string(&cf).unwrap().replace(
        "KmsKeyId: !Sub \"arn:aws:kms:us-east-1:${AWS::AccountId}:key/${KeyId}\"",
        "KmsKeyId: !ImportValue shared-keys-GoldenKeyArn",
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.yaml");
    std::fs::write(&f, &text).unwrap();
    let acct = "AWS::AccountId=111122223333";
    // Unresolved: said, naming the property and how to give it. The build key
    // falls back to none, and AWS would refuse to share the image: the
    // refusal comes after the warning that explains it.
    let o = amisim(&["import", f.to_str().unwrap(), "--var", acct]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let warned = err
        .find("KmsKeyId: Fn::ImportValue \"shared-keys-GoldenKeyArn\": another stack's export; left unresolved (give its value with --var shared-keys-GoldenKeyArn=…")
        .unwrap_or_else(|| panic!("{err}"));
    let refused = err
        .find("rule: aws_managed_key_share")
        .unwrap_or_else(|| panic!("{err}"));
    assert!(warned < refused, "{err}");
    // Given: the same scenario as the template with the ARN written out.
    let key = "shared-keys-GoldenKeyArn=arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    let o = amisim_ok(&[
        "import",
        f.to_str().unwrap(),
        "--var",
        acct,
        "--var",
        key,
        "--name",
        "n",
    ]);
    let with_export = String::from_utf8(o.stdout).unwrap();
    let o = amisim_ok(&["import", cf.to_str().unwrap(), "--var", acct, "--name", "n"]);
    let plain = String::from_utf8(o.stdout).unwrap();
    let body = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split(" #").next().unwrap().trim_end().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(body(&with_export), body(&plain));
}

#[test]
fn image_builders_optional_steps_are_imported_where_they_differ_from_its_defaults() {
    // Metadata collection off and Inspector scanning on, in a copy of the
    // Image Builder fixture: both keys written, from their fields.
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(root().join(IB)).unwrap() {
        let f = f.unwrap().path();
        if f.extension().is_some_and(|e| e == "json") {
            std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
        }
    }
    let p = dir.path().join("pipeline.json");
    let text = std::fs::read_to_string(&p).unwrap().replace(
        "\"enhancedImageMetadataEnabled\": true,",
        "\"enhancedImageMetadataEnabled\": false,\n        \"imageScanningConfiguration\": { \"imageScanningEnabled\": true },",
    );
    std::fs::write(&p, text).unwrap();
    let o = amisim_ok(&["import", dir.path().to_str().unwrap(), "--name", "g"]);
    let got = String::from_utf8(o.stdout).unwrap();
    assert!(
        got.contains("image_metadata = false                   # from imagePipeline.enhancedImageMetadataEnabled"),
        "{got}"
    );
    assert!(
        got.contains("image_scanning = true                    # from imagePipeline.imageScanningConfiguration.imageScanningEnabled"),
        "{got}"
    );
    let scn = amisim::scenario::from_str(Path::new("imported.toml"), &got)
        .unwrap_or_else(|e| panic!("{e}"));
    let steps = scn.world.pipelines[0].optional_steps;
    assert!(!steps.metadata && steps.scanning);
}

#[test]
fn a_templates_boolean_given_as_text_is_read_as_cloudformation_reads_it() {
    // CloudFormation takes "true"/"false" for a Boolean property, and a
    // parameter's value is text: both steps written from their fields.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("tests/import/cloudformation/golden.yaml"))
        .unwrap()
        .replace(
            "  Environment:\n",
            "  Scan:\n    Type: String\n    Default: \"true\"\n    AllowedValues: [\"true\", \"false\"]\n  Environment:\n",
        )
        .replace(
            "      Status: ENABLED\n",
            "      Status: ENABLED\n      EnhancedImageMetadataEnabled: \"false\"\n      ImageScanningConfiguration:\n        ImageScanningEnabled: !Ref Scan\n",
        );
    let t = dir.path().join("template.yaml");
    std::fs::write(&t, text).unwrap();
    let o = amisim_ok(&["import", t.to_str().unwrap(), "--name", "g"]);
    let got = String::from_utf8(o.stdout).unwrap();
    let scn = amisim::scenario::from_str(Path::new("imported.toml"), &got)
        .unwrap_or_else(|e| panic!("{e}"));
    let steps = scn.world.pipelines[0].optional_steps;
    assert!(!steps.metadata && steps.scanning, "{got}");
    // Text that is not a Boolean is refused at its field.
    let bad = std::fs::read_to_string(&t)
        .unwrap()
        .replace("\"false\"\n", "\"no\"\n");
    std::fs::write(&t, bad).unwrap();
    let o = amisim(&["import", t.to_str().unwrap(), "--name", "g"]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "enhancedImageMetadataEnabled: invalid value: string \"no\", expected true or false"
        ),
        "{err}"
    );
}

#[test]
fn another_stacks_component_and_custom_workflows_import_as_named_assumptions() {
    // As the samples that split a pipeline over two stacks do: a component
    // ARN imported from a stack whose name is a parameter without a value,
    // and the pipeline's own workflows. The import runs, saying both.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("tests/import/cloudformation/golden.yaml"))
        .unwrap()
        .replace("  Environment:\n", "  BaseStack:\n    Type: String\n  Environment:\n")
        .replace(
            "        - ComponentArn: !Sub arn:aws:imagebuilder:${AWS::Region}:${AWS::AccountId}:component/cis-hardening/2.1.0\n",
            "        - ComponentArn: !ImportValue\n            Fn::Sub: \"${BaseStack}-HardeningArn\"\n",
        )
        .replace(
            "      Status: ENABLED\n",
            "      Status: ENABLED\n      Workflows:\n        - WorkflowArn: !Sub arn:aws:imagebuilder:${AWS::Region}:${AWS::AccountId}:workflow/build/custom/1.0.0\n",
        );
    let t = dir.path().join("template.yaml");
    std::fs::write(&t, text).unwrap();
    let out = dir.path().join("s.toml");
    let o = amisim_ok(&["import", t.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let err = String::from_utf8(o.stderr).unwrap();
    for said in [
        "Components[1].ComponentArn: Fn::ImportValue of an export whose name is unresolved",
        "components[1].componentArn: no ARN (unresolved: see the warnings above): a build component named component-2 assumed",
        "workflows: custom workflows: amisim simulates Image Builder's default",
    ] {
        assert!(err.contains(said), "{said}\n{err}");
    }
    let text = std::fs::read_to_string(&out).unwrap();
    let scn = amisim::scenario::from_str(&out, &text).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = scn.world.pipelines[0]
        .components
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["update-linux", "component-2", "platform-agents"]);
}
