//! The tables the import readers share: volumes, sharing, the base
//! image's root volume, and typed values.

pub(crate) use crate::scenario::draft::{Draft as Toml, Val};

/// A `[[pipeline.volume]]` table: the device, its size and the data it holds.
pub(crate) fn volume(
    out: &mut Toml,
    device: &str,
    size: u64,
    from: &str,
    device_from: String,
    data: (f64, String),
) {
    out.tables(&["pipeline", "volume"]);
    out.set("device", quoted(device), device_from);
    out.set("size_gib", size, from);
    out.set("data_gib", data.0.min(size as f64), data.1);
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
    pub(crate) fn value(&self) -> Option<Val> {
        let mut parts = Vec::new();
        for (key, list) in [
            ("accounts", self.accounts),
            ("organizations", self.organizations),
            ("ous", self.ous),
        ] {
            if !list.is_empty() {
                parts.push((key, strings(list)));
            }
        }
        if self.public {
            parts.push(("public", true.into()));
        }
        (!parts.is_empty()).then(|| Val::table(parts))
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

/// A string value.
pub(crate) fn quoted(s: &str) -> Val {
    Val::str(s)
}

/// An array of strings.
pub(crate) fn strings<S: AsRef<str>>(items: &[S]) -> Val {
    Val::array(items.iter().map(|s| Val::str(s.as_ref())))
}
