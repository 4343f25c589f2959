//! Which stage an Image Builder component runs in, as Image Builder knows
//! it: the `type` `get-component` prints (BUILD, TEST), or the phases of
//! its document ("Use documents to build components", Image Builder user
//! guide: the build and validate phases run in the build stage, the test
//! phase in the test stage, on an instance of the new image).

/// The stages a component runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stages {
    Build,
    Test,
    /// A document with a build (or validate) phase and a test phase.
    Both,
}

/// The stages of a component document (YAML or JSON): by the names of its
/// phases; `None` if it is not one.
fn of_document(data: &str) -> Option<Stages> {
    let docs = yaml_rust2::YamlLoader::load_from_str(data).ok()?;
    let phases = docs.first()?["phases"].as_vec()?;
    let names: Vec<String> = phases
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_lowercase))
        .collect();
    let build = names.iter().any(|n| n == "build" || n == "validate");
    let test = names.iter().any(|n| n == "test");
    match (build, test) {
        (true, true) => Some(Stages::Both),
        (true, false) => Some(Stages::Build),
        (false, true) => Some(Stages::Test),
        (false, false) => None,
    }
}

/// The stages of a component from its `type` and its document's `data`,
/// either of which may be missing: the document's phases where it has a
/// test phase besides a build one, else its type, else its phases.
pub(crate) fn stages(ty: Option<&str>, data: Option<&str>) -> Option<Stages> {
    let doc = data.and_then(of_document);
    let typed = match ty.map(str::to_uppercase).as_deref() {
        Some("TEST") => Some(Stages::Test),
        Some("BUILD") => Some(Stages::Build),
        _ => None,
    };
    match (typed, doc) {
        (_, Some(Stages::Both)) => Some(Stages::Both),
        (Some(t), _) => Some(t),
        (None, d) => d,
    }
}

/// The last resort: a component named as AWS names its test components
/// (`reboot-test-linux`, `simple-boot-test-windows`): "test" as a whole
/// word of its name.
pub(crate) fn test_by_name(name: &str) -> bool {
    name.split(['-', '_', '.'])
        .any(|w| w.eq_ignore_ascii_case("test"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_the_type_then_the_name() {
        let both = "phases:\n  - name: build\n    steps: []\n  - name: test\n    steps: []\n";
        assert_eq!(stages(Some("BUILD"), Some(both)), Some(Stages::Both));
        assert_eq!(
            stages(None, Some("{\"phases\": [{\"name\": \"test\"}]}")),
            Some(Stages::Test)
        );
        assert_eq!(
            stages(Some("TEST"), Some("phases:\n  - name: validate\n")),
            Some(Stages::Test)
        );
        assert_eq!(stages(None, Some("not: a component")), None);
        assert_eq!(stages(None, None), None);
        assert!(test_by_name("reboot-test-linux"));
        assert!(!test_by_name("latest-agents"), "a substring is not a word");
        assert!(!test_by_name("contest-hardening"));
    }
}
