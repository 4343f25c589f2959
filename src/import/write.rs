//! The scenario as an import writes it: TOML lines, each value with the
//! source field it came from, and the tables the readers share.

use std::fmt::Write as _;

/// A scenario being written: lines, each value with the source field it
/// came from.
#[derive(Debug, Default)]
pub(crate) struct Toml {
    lines: Vec<(String, Option<String>)>,
}

impl Toml {
    /// A table header, `[x]` or `[[x]]`, after a blank line.
    pub(crate) fn table(&mut self, header: &str) {
        if !self.lines.is_empty() {
            self.lines.push((String::new(), None));
        }
        self.lines.push((header.to_string(), None));
    }

    /// `key = value`, with its source.
    pub(crate) fn set(&mut self, key: &str, value: String, from: impl Into<String>) {
        self.lines
            .push((format!("{key} = {value}"), Some(from.into())));
    }

    /// `other`'s lines after a blank one.
    pub(crate) fn append(&mut self, other: Toml) {
        self.lines.push((String::new(), None));
        self.lines.extend(other.lines);
    }

    /// `other`'s tables after this one's, separated as [`Toml::table`] does.
    pub(crate) fn extend(&mut self, other: Toml) {
        if !self.lines.is_empty() {
            self.lines.push((String::new(), None));
        }
        self.lines.extend(other.lines);
    }

    /// Rewrites the source of every line that `f` maps to another.
    pub(crate) fn map_sources(&mut self, f: impl Fn(&str) -> Option<String>) {
        for (_, from) in &mut self.lines {
            if let Some(new) = from.as_deref().and_then(&f) {
                *from = Some(new);
            }
        }
    }

    /// A comment line.
    pub(crate) fn comment(&mut self, text: &str) {
        self.lines.push((format!("# {text}"), None));
    }

    /// The source behind line `n` (1-based) of the text, if any.
    pub(crate) fn source_of(&self, header_lines: usize, n: usize) -> Option<&str> {
        let i = n
            .checked_sub(header_lines + 1)?
            .min(self.lines.len().checked_sub(1)?);
        // A table's header: the source of its first key.
        if self.lines[i].0.starts_with('[') {
            return self.lines[i + 1..]
                .iter()
                .take_while(|(l, _)| !l.starts_with('['))
                .find_map(|(_, from)| from.as_deref());
        }
        // A key: its own source, or the nearest one above it in its table.
        self.lines[..=i]
            .iter()
            .rev()
            .take_while(|(l, _)| !l.starts_with('['))
            .find_map(|(_, from)| from.as_deref())
    }

    pub(crate) fn render(&self, header: &str) -> String {
        let mut out = String::from(header);
        for (line, from) in &self.lines {
            match from {
                Some(f) if !line.is_empty() => {
                    // A field path reads "from <path>"; anything else stands as it is.
                    let first = f.split_whitespace().next().unwrap_or("");
                    let from = if first.contains('.') || first.contains('[') {
                        "from "
                    } else {
                        ""
                    };
                    let _ = writeln!(out, "{line:<40} # {from}{f}");
                }
                _ => {
                    let _ = writeln!(out, "{line}");
                }
            }
        }
        out
    }
}

/// A `[[pipeline.volume]]` table: the device, its size and the data it holds.
pub(crate) fn volume(
    out: &mut Toml,
    device: &str,
    size: u64,
    from: &str,
    device_from: String,
    data: (f64, String),
) {
    out.table("[[pipeline.volume]]");
    out.set("device", quoted(device), device_from);
    out.set("size_gib", size.to_string(), from);
    out.set("data_gib", format!("{}", data.0.min(size as f64)), data.1);
}

/// Who an image is shared with, as the readers find it.
pub(crate) struct Sharing<'a> {
    pub(crate) accounts: &'a [String],
    pub(crate) organizations: &'a [String],
    pub(crate) ous: &'a [String],
    pub(crate) public: bool,
}

impl Sharing<'_> {
    /// The `launch_permission` inline table, or `None` if it shares with nobody.
    pub(crate) fn value(&self) -> Option<String> {
        let mut parts = Vec::new();
        for (key, list) in [
            ("accounts", self.accounts),
            ("organizations", self.organizations),
            ("ous", self.ous),
        ] {
            if !list.is_empty() {
                parts.push(format!("{key} = {}", strings(list)));
            }
        }
        if self.public {
            parts.push("public = true".into());
        }
        (!parts.is_empty()).then(|| format!("{{ {} }}", parts.join(", ")))
    }
}

/// The base image's root volume where the recipe or template does not say: its device,
/// its size in GiB, and the words for it. An assumption: AWS's Amazon Linux
/// images have an 8 GiB `/dev/xvda`, its Windows Server images a 30 GiB
/// `/dev/sda1` (their `describe-images` block device mappings).
pub(crate) fn root_volume(windows: bool) -> (&'static str, u64, &'static str) {
    if windows {
        (
            "/dev/sda1",
            30,
            "a Windows base image's 30 GiB root volume, /dev/sda1",
        )
    } else {
        ("/dev/xvda", 8, "the base image's 8 GiB root volume")
    }
}

/// A TOML string.
pub(crate) fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML array of strings.
pub(crate) fn strings<S: AsRef<str>>(items: &[S]) -> String {
    let q: Vec<String> = items.iter().map(|s| quoted(s.as_ref())).collect();
    format!("[{}]", q.join(", "))
}
