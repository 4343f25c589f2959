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
        got.contains("size_gib = 40 "),
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
    assert!(!Path::new(&dir.path().join("x")).exists());
}
