//! Terraform's override files (`override.tf`, `*_override.tf`): loaded
//! after the module's other files, each block merged into the block of
//! the same type and labels. An argument replaces the original's of the
//! same name; nested blocks replace every original block of their type;
//! a `locals` value replaces the local of its name. (Terraform's
//! "Override Files" page, docs/sources.md.)

use std::path::Path;

use hcl::{Block, Body, Structure};

use crate::import::ImportError;

/// Whether `path` is an override file.
pub(crate) fn is_override(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string());
    name.is_some_and(|n| n == "override.tf" || n.ends_with("_override.tf"))
}

/// Merges the body `over` of override file `path` into `bodies`, the
/// module's other files'.
pub(crate) fn apply(bodies: &mut [&mut Body], path: &Path, over: &Body) -> Result<(), ImportError> {
    for b in over.blocks() {
        match b.identifier() {
            // Provider requirements and backends do not change a pipeline.
            "terraform" => {}
            "locals" => {
                for a in b.body().attributes() {
                    let slot = bodies.iter_mut().find_map(|f| {
                        let locals = f.blocks_mut().filter(|l| l.identifier() == "locals");
                        locals
                            .flat_map(|l| l.body.attributes_mut())
                            .find(|x| x.key() == a.key())
                    });
                    let Some(slot) = slot else {
                        return Err(no_base(path, &format!("local.{}", a.key())));
                    };
                    slot.expr = a.expr.clone();
                }
            }
            _ => {
                let Some(base) = bodies.iter_mut().find_map(|f| {
                    f.blocks_mut()
                        .find(|x| x.identifier() == b.identifier() && x.labels == b.labels)
                }) else {
                    return Err(no_base(path, &address(b)));
                };
                merge(&mut base.body, b.body());
            }
        }
    }
    Ok(())
}

/// `over`'s arguments and nested blocks into `base`.
fn merge(base: &mut Body, over: &Body) {
    for s in over.iter() {
        match s {
            Structure::Attribute(a) => match base.attributes_mut().find(|x| x.key() == a.key()) {
                Some(x) => x.expr = a.expr.clone(),
                None => base.0.push(s.clone()),
            },
            Structure::Block(nb) => {
                let ident = nb.identifier();
                // Every original block of the type goes, once, before the first.
                if !over
                    .blocks()
                    .take_while(|x| !std::ptr::eq(*x, nb))
                    .any(|x| x.identifier() == ident)
                {
                    base.0
                        .retain(|x| !matches!(x, Structure::Block(o) if o.identifier() == ident));
                }
                base.0.push(s.clone());
            }
        }
    }
}

/// A block's address in messages: `resource "t" "n"`.
fn address(b: &Block) -> String {
    let labels: Vec<String> = b
        .labels()
        .iter()
        .map(|l| format!("{:?}", l.as_str()))
        .collect();
    format!("{} {}", b.identifier(), labels.join(" "))
        .trim()
        .to_string()
}

fn no_base(path: &Path, what: &str) -> ImportError {
    ImportError::wrong(
        path.to_path_buf(),
        what.to_string(),
        format!(
            "an override of {what}, which no other file of the module declares (Terraform refuses it)"
        ),
        "declare the block in a file that is not an override file, or remove the override".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(base: &str, over: &str) -> Result<Body, ImportError> {
        let mut body = hcl::parse(base).unwrap();
        apply(
            &mut [&mut body],
            Path::new("x_override.tf"),
            &hcl::parse(over).unwrap(),
        )?;
        Ok(body)
    }

    #[test]
    fn an_override_replaces_arguments_nested_blocks_and_locals_by_name() {
        let base = "resource \"a\" \"b\" {\n  x = 1\n  y = 2\n  c { v = 1 }\n  c { v = 2 }\n}\nlocals {\n  l = 1\n  m = 2\n}\n";
        let over = "resource \"a\" \"b\" {\n  y = 3\n  z = 4\n  c { v = 9 }\n}\nlocals {\n  m = 5\n}\nterraform {\n  required_version = \">= 1\"\n}\n";
        let want = hcl::parse("resource \"a\" \"b\" {\n  x = 1\n  y = 3\n  z = 4\n  c { v = 9 }\n}\nlocals {\n  l = 1\n  m = 5\n}\n").unwrap();
        assert_eq!(merged(base, over).unwrap(), want);
        let e = merged(base, "variable \"nope\" {\n  default = 1\n}\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("variable \"nope\"") && e.contains("Terraform refuses it"),
            "{e}"
        );
        assert!(is_override(Path::new("d/override.tf")) && is_override(Path::new("a_override.tf")));
        assert!(!is_override(Path::new("overrides.tf")));
    }
}
