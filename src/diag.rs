//! The one located error amisim reports about an input: a scenario, a
//! calibration, a cron expression, a document to import, a log to fit.
//!
//! A [`Diagnostic`] says where (file, line, column, key path), what is wrong
//! and how to fix it; it prints as `file:line:col: key: reason` with the fix
//! on an indented `help:` line. Only the command line adds `error: ` in
//! front. Hand-written rather than `miette` or `annotate-snippets`: the
//! format is one line that editors and CI logs already jump to, and the
//! goldens in `scenarios/illegal/*.stderr` pin it byte for byte.

use std::fmt;
use std::path::PathBuf;

/// A located error in an input, with its fix.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostic {
    /// The file (empty until the caller knows it, as for a cron expression).
    pub file: PathBuf,
    /// 1-based line, 0 if none.
    pub line: usize,
    /// 1-based column, 0 if none.
    pub col: usize,
    /// The key, field or column, e.g. `pipeline[0].schedule.cron`; empty if none.
    pub key_path: String,
    /// What is wrong.
    pub reason: String,
    /// How to fix it.
    pub help: Option<String>,
    /// True when what is wrong is an AWS rule the input breaks (AWS would
    /// refuse it; the reason names the rule).
    pub aws_rule: bool,
}

impl Diagnostic {
    /// A diagnostic with a reason and a fix, placed later with [`Diagnostic::at`].
    pub fn new(reason: impl Into<String>, help: impl Into<String>) -> Self {
        Diagnostic {
            reason: reason.into(),
            help: Some(help.into()),
            ..Default::default()
        }
    }

    /// This diagnostic at `file:line:col`, key `key_path`.
    pub fn at(
        mut self,
        file: impl Into<PathBuf>,
        (line, col): (usize, usize),
        key_path: impl Into<String>,
    ) -> Self {
        self.file = file.into();
        (self.line, self.col) = (line, col);
        self.key_path = key_path.into();
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.col > 0 {
                write!(f, ":{}", self.col)?;
            }
        }
        write!(f, ": ")?;
        if !self.key_path.is_empty() {
            write!(f, "{}: ", self.key_path)?;
        }
        write!(f, "{}", self.reason)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_the_place_it_has_and_the_fix() {
        let d =
            Diagnostic::new("must be positive", "write 1 or more").at("s.toml", (3, 7), "quotas.x");
        assert_eq!(
            d.to_string(),
            "s.toml:3:7: quotas.x: must be positive\n  help: write 1 or more"
        );
        let d = Diagnostic::new("bad value", "fix it").at("log.csv", (4, 0), "");
        assert_eq!(d.to_string(), "log.csv:4: bad value\n  help: fix it");
        let d = Diagnostic {
            file: "f.json".into(),
            reason: "not JSON".into(),
            ..Default::default()
        };
        assert_eq!(d.to_string(), "f.json: not JSON");
    }
}
