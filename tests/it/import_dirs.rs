//! `amisim import` of what real repositories hold: a Terraform
//! configuration split over files with variable files and a local module,
//! as `terraform plan` reads it.

use std::path::Path;

use super::import::{import_golden, run3};
use super::{amisim, amisim_ok, root};

const TF_MODULE: &str = "tests/import/terraform-module";

/// The scenario's body: what follows its header of comments.
fn body(toml: &str) -> &str {
    let start = toml.find("\nname = ").expect("a scenario has a name");
    &toml[start..]
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_terraform_module_directory_imports_with_its_variable_files_local_module_count_and_dynamic_blocks()
 {
    let (got, err) = import_golden(
        &[
            TF_MODULE,
            "--var",
            "AWS::AccountId=123456789012",
            "--name",
            "tf-module",
        ],
        format!("{TF_MODULE}.expected.toml"),
    );
    // terraform.tfvars: the Regions and the consumers; dynamic "distribution": one each.
    assert_eq!(got.matches("[[pipeline.distribution]]").count(), 3, "{got}");
    assert!(
        got.contains(
            "launch_permission = { accounts = [\"acct-210987654321\", \"acct-321098765432\"] }"
        ),
        "{got}"
    );
    // locals: coalesce(null, "m6i.large").
    assert!(
        got.contains("builder_instance_type = \"m6i.large\""),
        "{got}"
    );
    // The local module: its dynamic "component" blocks, then its own component, by reference.
    for c in [
        "update-linux",
        "aws-cli-version-2-linux",
        "platform-prod-hardening",
    ] {
        assert!(got.contains(&format!("name = \"{c}\"")), "{c}: {got}");
    }
    assert!(
        got.contains("size_gib = 40.0 "),
        "the module's argument, not its default: {got}"
    );
    // lifecycle.auto.tfvars turns on the lifecycle policy's count.
    assert!(got.contains("keep_last = 6 "), "{got}");
    // count = 1: the pipeline is this[0]; the provider's Region from var.region.
    assert!(
        got.contains("from aws_imagebuilder_image_pipeline.this[0].name"),
        "{got}"
    );
    assert!(got.contains("region = \"eu-central-1\"                  # from aws_imagebuilder_image_pipeline.this[0].arn"), "{got}");
    // Resources with no counterpart are one line per file on stderr.
    assert!(
        err.contains("iam.tf: 4 fields with no counterpart"),
        "{err}"
    );
    assert!(
        !err.contains("warning: tests/import/terraform-module/iam.tf"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("m.toml");
    std::fs::write(&s, &got).unwrap();
    amisim_ok(&["validate", s.to_str().unwrap()]);
    run3(&s, &dir.path().join("out"));
}

/// Copies the module fixture into a temporary directory, its root `.tf`
/// files joined into one `main.tf` (the local module and the variable
/// files as they are).
fn one_file_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join(TF_MODULE);
    let mut joined = String::new();
    let mut names: Vec<_> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names {
        let name = p.file_name().unwrap().to_owned();
        if p.is_dir() {
            let to = dir.path().join(&name).join("recipe");
            std::fs::create_dir_all(&to).unwrap();
            for f in std::fs::read_dir(p.join("recipe")).unwrap() {
                let f = f.unwrap().path();
                std::fs::copy(&f, to.join(f.file_name().unwrap())).unwrap();
            }
        } else if p.extension().is_some_and(|x| x == "tf") {
            joined += &std::fs::read_to_string(&p).unwrap();
            joined.push('\n');
        } else {
            std::fs::copy(&p, dir.path().join(name)).unwrap();
        }
    }
    std::fs::write(dir.path().join("main.tf"), joined).unwrap();
    dir
}

#[test]
fn a_terraform_configuration_split_over_files_imports_as_the_same_configuration_in_one_file() {
    let one = one_file_copy();
    let args = |d: &str| amisim_ok(&["import", d, "--var", "AWS::AccountId=123456789012"]);
    let split = String::from_utf8(args(TF_MODULE).stdout).unwrap();
    let joined = String::from_utf8(args(one.path().to_str().unwrap()).stdout).unwrap();
    assert_eq!(body(&split), body(&joined));
    // The same file given by name reads the same.
    let main = one.path().join("main.tf");
    let named = String::from_utf8(args(main.to_str().unwrap()).stdout).unwrap();
    assert_eq!(body(&split), body(&named));
}

#[test]
fn terraform_variables_come_from_var_and_var_file_and_their_misuse_is_refused_with_the_variable_named()
 {
    // --var of a list variable is HCL, as Terraform reads it.
    let o = amisim_ok(&[
        "import",
        TF_MODULE,
        "--var",
        "distribution_regions=[\"eu-central-1\"]",
    ]);
    let got = String::from_utf8(o.stdout).unwrap();
    assert_eq!(got.matches("[[pipeline.distribution]]").count(), 1, "{got}");
    // --var-file after the auto-loaded files.
    let dir = tempfile::tempdir().unwrap();
    let vf = dir.path().join("small.tfvars");
    std::fs::write(
        &vf,
        "instance_type = \"c6i.xlarge\"\nenable_lifecycle = false\n",
    )
    .unwrap();
    let o = amisim_ok(&["import", TF_MODULE, "--var-file", vf.to_str().unwrap()]);
    let got = String::from_utf8(o.stdout).unwrap();
    assert!(
        got.contains("builder_instance_type = \"c6i.xlarge\""),
        "{got}"
    );
    assert!(!got.contains("[pipeline.lifecycle]"), "{got}");
    // An undeclared --var, a missing --var-file: refused, nothing written.
    let out = dir.path().join("x.toml");
    let o = amisim(&[
        "import",
        TF_MODULE,
        "--var",
        "regoin=eu-west-1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("undeclared variable \"regoin\""),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("the variables are region, environment"),
        "{}",
        stderr(&o)
    );
    let o = amisim(&[
        "import",
        TF_MODULE,
        "--var-file",
        "nope.tfvars",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("nope.tfvars"), "{}", stderr(&o));
    assert!(!out.exists());
    // A required variable without a value is named, where it is declared.
    let bare = one_file_copy();
    std::fs::remove_file(bare.path().join("terraform.tfvars")).unwrap();
    let o = amisim(&["import", bare.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no value for required variable \"environment\""),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("main.tf"), "{}", stderr(&o));
}

/// The module fixture with `edit` applied to its `main.tf`.
fn with_main(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = one_file_copy();
    let main = dir.path().join("main.tf");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, edit(text)).unwrap();
    dir
}

#[test]
fn an_unresolved_expression_or_a_registry_module_is_a_warning_naming_it_never_a_silent_value() {
    let dir = with_main(|t| {
        t.replace(
            "instance_types                = [local.instance_type]",
            "instance_types                = [cidrhost(\"10.0.0.0/16\", 4)]",
        )
    });
    let o = amisim_ok(&["import", dir.path().to_str().unwrap()]);
    let err = stderr(&o);
    assert!(err.contains("aws_imagebuilder_infrastructure_configuration.this.instance_types: cannot be evaluated here"), "{err}");
    assert!(err.contains("cidrhost"), "{err}");
    // A module from the registry: named, and what it would create is not read.
    let dir = with_main(|t| {
        t.replace(
            "source = \"./modules/recipe\"",
            "source  = \"cloudposse/image-recipe/aws\"\n  version = \"1.2.0\"",
        )
    });
    let o = amisim(&["import", dir.path().to_str().unwrap()]);
    let err = stderr(&o);
    assert!(
        err.contains("\"cloudposse/image-recipe/aws\" is not a local directory"),
        "{err}"
    );
    assert!(err.contains("terraform show -json"), "{err}");
    // The recipe the module would create is missing: refused, naming it,
    // after the warnings that say why.
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("imageRecipeArn: no image recipe"), "{err}");
    assert!(
        err.find("is not a local directory") < err.find("no image recipe"),
        "{err}"
    );
}

const PK_DIR: &str = "tests/import/packer-dir";

#[test]
fn a_packer_directory_imports_every_source_with_its_variable_files_data_source_and_functions() {
    let (got, err) = import_golden(
        &[PK_DIR, "--name", "packer-dir"],
        format!("{PK_DIR}.expected.toml"),
    );
    let scn =
        amisim::scenario::from_str(Path::new("p.toml"), &got).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = scn
        .world
        .pipelines
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["al2023", "windows2022"]);
    // data "amazon-ami" owners = ["amazon"]: AWS's image.
    assert!(
        got.contains(
            "base_image_owner = \"aws\"                 # from source.amazon-ebs.al2023.source_ami"
        ),
        "{got}"
    );
    // coalesce(null, "t3.large"); a conditional's false branch; a `for` expression's keys.
    assert!(
        got.contains("builder_instance_type = \"t3.large\""),
        "{got}"
    );
    assert!(got.contains("size_gib = 50.0 "), "{got}");
    assert!(
        got.contains("region_kms_key_ids[\"ap-southeast-2\"]"),
        "{got}"
    );
    // prod.auto.pkrvars.hcl: the Regions and the accounts.
    assert_eq!(got.matches("[[pipeline.distribution]]").count(), 6, "{got}");
    // `only` and `except` give each source its provisioners.
    assert_eq!(scn.world.pipelines[0].components.len(), 2);
    assert_eq!(scn.world.pipelines[1].components.len(), 2);
    // A time stamp in a name is no warning; a function amisim lacks is one.
    assert!(
        !err.contains("warning: tests/import/packer-dir: source.amazon-ebs.al2023.ami_name"),
        "{err}"
    );
    assert!(
        err.contains("local.timestamp: cannot be evaluated here"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("p.toml");
    std::fs::write(&s, &got).unwrap();
    run3(&s, &dir.path().join("out"));
}

/// The Packer directory with its templates joined into one file.
fn packer_one_file() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<_> = std::fs::read_dir(root().join(PK_DIR))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut joined = String::new();
    for p in names {
        if p.to_string_lossy().ends_with(".pkr.hcl") {
            joined += &std::fs::read_to_string(&p).unwrap();
        } else {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(dir.path().join("golden.pkr.hcl"), joined).unwrap();
    dir
}

#[test]
fn a_packer_directory_imports_as_its_templates_in_one_file_and_only_selects_sources() {
    let one = packer_one_file();
    let out =
        |args: &[&str]| String::from_utf8(amisim_ok(&[&["import"], args].concat()).stdout).unwrap();
    let file = one.path().join("golden.pkr.hcl");
    assert_eq!(body(&out(&[PK_DIR])), body(&out(&[file.to_str().unwrap()])));
    // --only, as packer build -only.
    let win = out(&[PK_DIR, "--only", "amazon-ebs.windows2022"]);
    assert!(
        win.contains("name = \"windows2022\"") && !win.contains("name = \"al2023\""),
        "{win}"
    );
    let o = amisim(&["import", PK_DIR, "--only", "amazon-ebs.rhel9"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the builds are amazon-ebs.al2023, amazon-ebs.windows2022"),
        "{}",
        stderr(&o)
    );
    // Without the auto-loaded variable file, a variable with no default is named.
    std::fs::remove_file(one.path().join("prod.auto.pkrvars.hcl")).unwrap();
    let o = amisim(&["import", one.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no value for variable \"share_with\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_legacy_packer_json_template_imports_with_its_user_variables_and_var_file() {
    let t = "tests/import/packer-legacy/template.json";
    let (got, err) = import_golden(
        &[
            t,
            "--var-file",
            "tests/import/packer-legacy/variables.json",
            "--name",
            "legacy",
        ],
        "tests/import/packer-legacy/expected.toml",
    );
    assert!(err.contains("as packer"), "{err}");
    // {{user `instance_type`}} from the JSON variable file; the region from its default.
    assert!(
        got.contains("builder_instance_type = \"m5.xlarge\""),
        "{got}"
    );
    assert!(
        got.contains(
            "region = \"us-east-1\"                     # from source.amazon-ebs.eks-node.region"
        ),
        "{got}"
    );
    assert!(
        got.contains("launch_permission = { accounts = [\"acct-555566667777\"] }"),
        "{got}"
    );
    // The EKS account's images: another account's.
    assert!(
        got.contains("base_image_owner = \"other_account\""),
        "{got}"
    );
    assert!(got.contains("size_gib = 40.0 "), "{got}");
    // Without its variable file the share's account is empty: named, with
    // the fix, as the template's value (not as amisim's own failure).
    let o = super::amisim(&["import", t]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("source.amazon-ebs.eks-node.ami_users[0]: \"\" is not an AWS account ID")
            && e.contains("--var-file")
            && !e.contains("please report"),
        "{e}"
    );
    let scn =
        amisim::scenario::from_str(Path::new("l.toml"), &got).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        scn.world.pipelines[0].components.len(),
        3,
        "the builder's own `only` keeps it"
    );
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("l.toml");
    std::fs::write(&s, &got).unwrap();
    run3(&s, &dir.path().join("out"));
}

#[test]
fn a_one_shot_cloudformation_image_is_one_build_with_its_windows_root_component_phases_and_key_alias()
 {
    let t = "tests/import/cloudformation-image/image.yaml";
    let (got, err) = import_golden(
        &[
            t,
            "--var",
            "AWS::AccountId=111122223333",
            "--name",
            "one-shot",
        ],
        "tests/import/cloudformation-image/expected.toml",
    );
    // AWS::ImageBuilder::Image: one build, named after its recipe.
    assert!(
        got.contains("run_at_start = true                      # an image resource"),
        "{got}"
    );
    assert!(
        got.contains("name = \"windows-2022-golden\"             # its recipe's name"),
        "{got}"
    );
    // No block device mappings on a Windows parent: a 30 GiB /dev/sda1, said.
    assert!(
        got.contains("device = \"/dev/sda1\"") && got.contains("size_gib = 30.0 "),
        "{got}"
    );
    // The component's document has a build and a test phase: it runs in both stages.
    let scn =
        amisim::scenario::from_str(Path::new("c.toml"), &got).unwrap_or_else(|e| panic!("{e}"));
    let p = &scn.world.pipelines[0];
    assert_eq!(p.components.len(), 2);
    assert_eq!(p.tests.len(), 1);
    // A key alias: a key of its own, and the assumption said.
    assert!(
        got.contains("kms_key = \"alias/golden-ami@eu-west-1\""),
        "{got}"
    );
    assert!(
        err.contains("a KMS alias: the key it points to is not in the documents"),
        "{err}"
    );
    // A container recipe no pipeline builds is named once, not hidden among fields.
    assert!(err.contains("warning: tests/import/cloudformation-image/image.yaml: Resources.BaseContainer.Properties: a container recipe no pipeline among the documents builds: left out"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("c.toml");
    std::fs::write(&s, &got).unwrap();
    run3(&s, &dir.path().join("out"));
}

const CRON5: &str = "tests/import/imagebuilder-cron5";

/// The 5-field-cron export in a temporary directory, without the files
/// named in `drop` and with `edit` applied to its pipeline.
fn cron5_with(drop: &[&str], edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root().join(CRON5)).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if drop.contains(&name.as_str()) || !name.ends_with(".json") {
            continue;
        }
        let mut text = std::fs::read_to_string(&p).unwrap();
        if name == "pipeline.json" {
            text = edit(text);
        }
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn a_get_export_with_a_5_field_cron_reads_as_its_weekly_schedule_and_components_keep_their_types() {
    let (got, err) = import_golden(
        &[CRON5, "--name", "cron5"],
        format!("{CRON5}/expected.toml"),
    );
    assert!(got.contains("cron = \"cron(0 0 ? * SUN *)\""), "{got}");
    assert!(
        err.contains("a 5-field cron, cron(0 0 * * SUN): read as cron(0 0 ? * SUN *)"),
        "{err}"
    );
    // get-component says BUILD: "test" in its name does not make it a test.
    let scn =
        amisim::scenario::from_str(Path::new("c.toml"), &got).unwrap_or_else(|e| panic!("{e}"));
    let p = &scn.world.pipelines[0];
    assert_eq!((p.components.len(), p.tests.len()), (1, 1));
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("c.toml");
    std::fs::write(&s, &got).unwrap();
    run3(&s, &dir.path().join("out"));
    // Without get-component: by its name a test, but never the recipe's only build component.
    let bare = cron5_with(&["component.json"], |t| t);
    let o = amisim_ok(&["import", bare.path().to_str().unwrap()]);
    let got = String::from_utf8(o.stdout.clone()).unwrap();
    let scn =
        amisim::scenario::from_str(Path::new("c.toml"), &got).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scn.world.pipelines[0].components.len(), 1, "{got}");
    assert!(
        stderr(&o).contains("the recipe has no other build component: read as a build component"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_document_the_pipeline_names_but_not_given_is_named_with_the_command_that_prints_it() {
    let arn = "arn:aws:imagebuilder:eu-central-1:123456789012:distribution-configuration/al2-cis";
    let dir = cron5_with(&[], |t| {
        t.replace(
            "\"imageTestsConfiguration\"",
            &format!(
                "\"distributionConfigurationArn\": \"{arn}\",\n        \"imageTestsConfiguration\""
            ),
        )
    });
    let out = dir.path().join("x.toml");
    let o = amisim(&[
        "import",
        dir.path().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "aws imagebuilder get-distribution-configuration --distribution-configuration-arn {arn}"
        )),
        "{err}"
    );
    assert!(
        !err.contains("rule AWS enforces"),
        "not worded as AWS's refusal: {err}"
    );
    assert!(!out.exists());
    // Another pipeline's recipe is not taken for the one the pipeline names.
    let mixed = tempfile::tempdir().unwrap();
    for f in ["pipeline.json", "infrastructure.json", "distribution.json"] {
        std::fs::copy(
            root().join("tests/import/imagebuilder").join(f),
            mixed.path().join(f),
        )
        .unwrap();
    }
    std::fs::copy(
        root().join(CRON5).join("recipe.json"),
        mixed.path().join("recipe.json"),
    )
    .unwrap();
    let o = amisim(&["import", mixed.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the Recipe arn:aws:imagebuilder:us-east-1:111122223333:image-recipe/golden-al2023/1.4.0 is not among the documents"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn values_that_never_settle_in_nested_modules_are_refused_not_evaluated_forever() {
    // Each level's count depends on its own instances (1, 2, 1, 2, …), four
    // modules deep: 12 passes a level would be 12^4.
    let dir = tempfile::tempdir().unwrap();
    let body = |child: bool| {
        let call = if child {
            "module \"m\" {\n  source = \"./m\"\n}\n"
        } else {
            ""
        };
        format!(
            "resource \"aws_s3_bucket\" \"flip\" {{\n  count = length(aws_s3_bucket.flip) == 1 ? 2 : 1\n}}\n{call}"
        )
    };
    let mut at = dir.path().to_path_buf();
    std::fs::write(
        at.join("main.tf"),
        format!(
            "provider \"aws\" {{\n  region = \"us-east-1\"\n}}\n{}",
            body(true)
        ),
    )
    .unwrap();
    for level in 1..=4 {
        at = at.join("m");
        std::fs::create_dir(&at).unwrap();
        std::fs::write(at.join("main.tf"), body(level < 4)).unwrap();
    }
    let o = amisim(&["import", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("do not settle in 10000 evaluations"),
        "{}",
        stderr(&o)
    );
}

/// Build-level source blocks, as `packer build` reads them: each makes an
/// image of the top-level source under its own `name`, with the fields it
/// adds; provisioners' `only` names the image; `--only` takes
/// `BUILD.amazon-ebs.NAME`; a field set in both blocks is refused.
#[test]
fn packer_build_level_sources_rename_and_extend_their_source() {
    let pk = "tests/import/packer-named/golden.pkr.hcl";
    let (got, _) = import_golden(
        &[pk, "--name", "named"],
        "tests/import/packer-named.expected.toml",
    );
    let scn =
        amisim::scenario::from_str(Path::new("n.toml"), &got).unwrap_or_else(|e| panic!("{e}"));
    let ps = &scn.world.pipelines;
    let names: Vec<&str> = ps.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["web", "batch"]);
    let steps =
        |i: usize| -> Vec<&str> { ps[i].components.iter().map(|c| c.name.as_str()).collect() };
    assert_eq!(
        (steps(0), steps(1)),
        (vec!["shell-1", "shell-2"], vec!["shell-1"])
    );
    assert_eq!(
        (ps[0].copies.len(), ps[1].copies.len()),
        (1, 2),
        "each block's ami_regions"
    );
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("named.toml");
    std::fs::write(&s, &got).unwrap();
    run3(&s, &dir.path().join("out"));
    let only =
        String::from_utf8(amisim_ok(&["import", pk, "--only", "fleet.amazon-ebs.batch"]).stdout)
            .unwrap();
    assert!(
        only.contains("name = \"batch\"") && !only.contains("name = \"web\""),
        "{only}"
    );
    // The template with `from` replaced by `to` is refused with `message`.
    let refused = |(from, to): (&str, &str), message: &str| {
        let text = std::fs::read_to_string(root().join(pk))
            .unwrap()
            .replacen(from, to, 1);
        let edited = dir.path().join("edited.pkr.hcl");
        std::fs::write(&edited, text).unwrap();
        let o = amisim(&["import", edited.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(message), "{}", stderr(&o));
    };
    // Setting a field of the top-level source again is Packer's error too.
    refused(
        (
            "name        = \"web\"",
            "name = \"web\"\n    instance_type = \"m6i.xlarge\"",
        ),
        "build[0].source \"amazon-ebs.base\".instance_type: instance_type is set both here and in source.amazon-ebs.base, which Packer refuses",
    );
    // So is a build naming a source no block declares.
    refused(
        (
            "name = \"fleet\"",
            "name = \"fleet\"\n  sources = [\"source.amazon-ebs.gone\"]",
        ),
        "build[0].sources: names source.amazon-ebs.gone, which no top-level source block declares",
    );
}

/// A field of the wrong shape is checked against its own format's
/// reference: a Packer template's against the amazon-ebs builder's, never
/// the AWS CLI's JSON.
#[test]
fn a_wrong_field_names_its_own_formats_reference() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.pkr.hcl"),
        "source \"amazon-ebs\" \"x\" {\n  region = \"us-east-1\"\n  instance_type = \"t3.small\"\n  source_ami = \"ami-0123456789abcdef0\"\n  ami_name = \"x\"\n  ami_users = 5\n}\nbuild {\n  sources = [\"source.amazon-ebs.x\"]\n}\n",
    )
    .unwrap();
    let o = super::amisim(&["import", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("source.amazon-ebs.x.ami_users: invalid type: integer `5`, expected a sequence")
            && e.contains("amazon-ebs builder's reference")
            && !e.contains("AWS CLI"),
        "{e}"
    );
}

/// A copy of the module fixture's directory, its local module included.
fn module_copy() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let p = e.unwrap().path();
            let dest = to.join(p.file_name().unwrap());
            if p.is_dir() {
                copy(&p, &dest);
            } else {
                std::fs::copy(&p, &dest).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(&root().join(TF_MODULE), dir.path());
    dir
}

#[test]
fn terraform_override_files_merge_as_terraform_merges_them_and_json_syntax_is_refused() {
    let instance = |dir: &Path| {
        let o = amisim_ok(&["import", dir.to_str().unwrap(), "--name", "m"]);
        let got = String::from_utf8(o.stdout).unwrap();
        let line = got
            .lines()
            .find(|l| l.starts_with("builder_instance_type"))
            .unwrap_or("");
        line.split('"').nth(1).unwrap_or("").to_string()
    };
    let dir = module_copy();
    assert_eq!(instance(dir.path()), "m6i.large");
    // A local replaced by name.
    let over = dir.path().join("override.tf");
    std::fs::write(&over, "locals {\n  instance_type = \"c7i.xlarge\"\n}\n").unwrap();
    assert_eq!(instance(dir.path()), "c7i.xlarge");
    // An argument of a resource replaced; the later override file wins.
    std::fs::write(
        dir.path().join("zz_override.tf"),
        "resource \"aws_imagebuilder_infrastructure_configuration\" \"this\" {\n  instance_types = [\"c7i.4xlarge\"]\n}\n",
    )
    .unwrap();
    assert_eq!(instance(dir.path()), "c7i.4xlarge");
    // An override of nothing is refused, as Terraform refuses it.
    std::fs::write(&over, "variable \"missing\" {\n  default = 1\n}\n").unwrap();
    let o = amisim(&["import", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "an override of variable \"missing\", which no other file of the module declares"
        ),
        "{}",
        stderr(&o)
    );
    std::fs::remove_file(&over).unwrap();
    // A file in JSON syntax would change the configuration: refused, with the plan as the fix.
    std::fs::write(dir.path().join("cdk.tf.json"), "{\"locals\": {\"x\": 1}}\n").unwrap();
    let out = dir.path().join("out.toml");
    let o = amisim(&[
        "import",
        dir.path().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("cdk.tf.json: a file in Terraform's JSON syntax")
            && e.contains("terraform show -json plan.bin"),
        "{e}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn a_directory_with_one_cloudformation_template_imports_it_and_with_two_names_them() {
    let dir = "tests/import/cloudformation-image";
    let file = "tests/import/cloudformation-image/image.yaml";
    let a = amisim_ok(&["import", dir, "--name", "i"]);
    let b = amisim_ok(&["import", file, "--name", "i"]);
    assert_eq!(
        String::from_utf8(a.stdout).unwrap(),
        String::from_utf8(b.stdout).unwrap()
    );
    let o = amisim(&["import", "tests/import/cloudformation"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("2 CloudFormation templates, each a stack of its own")
            && e.contains("amisim import tests/import/cloudformation/fleet.yaml"),
        "{e}"
    );
}
