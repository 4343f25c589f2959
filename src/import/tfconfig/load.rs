//! A Terraform module as `terraform plan` reads it: every `.tf` file of its
//! directory, and the local modules it calls, loaded once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl::{Block, Body};

use super::overrides;
use crate::import::ImportError;

/// How deep local modules may call each other (a module calling itself
/// through `source = "./"` would never end).
const MAX_DEPTH: usize = 16;

/// One `.tf` file.
pub(crate) struct File {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) body: Body,
}

/// A module: its directory, its files, and its calls' modules by call name
/// (`Err` names a source amisim cannot read).
pub(crate) struct Module {
    pub(crate) dir: PathBuf,
    pub(crate) files: Vec<File>,
    pub(crate) children: BTreeMap<String, Result<Module, String>>,
}

/// Whether Terraform reads `p` as part of its directory's module: a
/// `.tf` file, or one in its JSON syntax (`.tf.json`, refused on load).
pub(crate) fn is_tf(p: &Path) -> bool {
    p.extension().is_some_and(|x| x == "tf") || p.to_string_lossy().ends_with(".tf.json")
}

/// The files of a directory's module, in name order.
pub(crate) fn tf_files(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    crate::import::members(dir, is_tf)
}

/// A `.tf.json` file: amisim reads HCL only; the plan's JSON holds the same.
pub(crate) fn json_syntax(file: &Path) -> ImportError {
    ImportError::wrong(
        file.to_path_buf(),
        String::new(),
        "a file in Terraform's JSON syntax (.tf.json, as CDK for Terraform writes): amisim reads .tf files in HCL only, and leaving it out would change the configuration".into(),
        "import the plan instead: `terraform plan -out plan.bin && terraform show -json plan.bin > plan.json`, then `amisim import plan.json`".into(),
    )
}

fn read_file(path: &Path) -> Result<File, ImportError> {
    let text = super::super::read_source(path).map_err(|e| ImportError::io(path.into(), e))?;
    let body = hcl::parse(&text).map_err(|e| super::super::packer::malformed(path, &e))?;
    Ok(File {
        path: path.to_path_buf(),
        text,
        body,
    })
}

impl Module {
    /// The module of `files` (all in `dir`), and its local modules.
    pub(crate) fn load(dir: &Path, files: &[PathBuf]) -> Result<Module, ImportError> {
        Module::load_at(dir, files, 0)
    }

    fn load_at(dir: &Path, files: &[PathBuf], depth: usize) -> Result<Module, ImportError> {
        if let Some(j) = files
            .iter()
            .find(|f| f.to_string_lossy().ends_with(".tf.json"))
        {
            return Err(json_syntax(j));
        }
        let (over, own): (Vec<&PathBuf>, Vec<&PathBuf>) =
            files.iter().partition(|f| overrides::is_override(f));
        let mut files = own
            .into_iter()
            .map(|f| read_file(f))
            .collect::<Result<Vec<_>, _>>()?;
        // Terraform reads the override files last, in name order.
        for f in over {
            let over = read_file(f)?;
            let mut bodies: Vec<&mut Body> = files.iter_mut().map(|f| &mut f.body).collect();
            overrides::apply(&mut bodies, f, &over.body)?;
        }
        let mut m = Module {
            dir: dir.to_path_buf(),
            files,
            children: BTreeMap::new(),
        };
        let calls: Vec<(String, PathBuf, Option<String>)> = m
            .blocks("module")
            .filter_map(|(f, b)| {
                let name = b.labels().first()?.as_str().to_string();
                Some((name, f.path.clone(), source(b)))
            })
            .collect();
        for (name, file, src) in calls {
            let child = match src.as_deref() {
                Some(s) if s.starts_with("./") || s.starts_with("../") => {
                    Ok(m.child(&name, &file, s, depth)?)
                }
                Some(s) => Err(s.to_string()),
                None => Err("(no source)".to_string()),
            };
            m.children.insert(name, child);
        }
        Ok(m)
    }

    fn child(
        &self,
        name: &str,
        file: &Path,
        src: &str,
        depth: usize,
    ) -> Result<Module, ImportError> {
        // `./modules/x` from `dir` is `dir/modules/x`: no `.` in the paths said.
        let dir: PathBuf = self
            .dir
            .join(src)
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        if depth >= MAX_DEPTH {
            return Err(ImportError::wrong(
                file.to_path_buf(),
                format!("module \"{name}\".source"),
                format!("local modules call each other more than {MAX_DEPTH} deep"),
                "a module whose source is its own directory calls itself without end".into(),
            ));
        }
        let files = tf_files(&dir)?;
        if files.is_empty() {
            return Err(ImportError::wrong(
                file.to_path_buf(),
                format!("module \"{name}\".source"),
                format!("{} holds no .tf file", dir.display()),
                "a local module source is a directory of .tf files, relative to the calling module"
                    .into(),
            ));
        }
        Module::load_at(&dir, &files, depth + 1)
    }

    /// Every top-level block named `ident`, with its file.
    pub(crate) fn blocks<'m>(
        &'m self,
        ident: &'m str,
    ) -> impl Iterator<Item = (&'m File, &'m Block)> {
        self.files.iter().flat_map(move |f| {
            f.body
                .blocks()
                .filter(move |b| b.identifier() == ident)
                .map(move |b| (f, b))
        })
    }
}

/// A module call's `source`, a literal string.
fn source(b: &Block) -> Option<String> {
    b.body()
        .attributes()
        .find(|a| a.key() == "source")
        .and_then(|a| match a.expr() {
            hcl::Expression::String(s) => Some(s.clone()),
            _ => None,
        })
}

/// A block's labels `(first, second)`.
pub(crate) fn labels(b: &Block) -> (&str, &str) {
    let l = b.labels();
    (
        l.first().map_or("", |x| x.as_str()),
        l.get(1).map_or("", |x| x.as_str()),
    )
}
