//! Located scenario errors, rendered like a compiler's.

use std::fmt;
use std::ops::Range;
use std::path::Path;

/// One thing wrong with a scenario file: a [`crate::diag::Diagnostic`].
pub use crate::diag::Diagnostic as ScenarioError;

/// Every error found in one file (at least one), up to the listing limit,
/// and what the limit left out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioErrors(pub Vec<ScenarioError>, pub Cut);

/// What the error limit left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cut {
    /// Nothing: every error found is listed.
    #[default]
    Nothing,
    /// This many more errors were found.
    More(usize),
    /// Checking stopped at the limit (type errors are found one entry at a time).
    Stopped,
}

impl ScenarioErrors {
    /// Errors with nothing left out.
    pub fn new(errors: Vec<ScenarioError>) -> Self {
        ScenarioErrors(errors, Cut::Nothing)
    }

    /// At most `max` of `errors`, saying how many more there were.
    pub fn at_most(mut errors: Vec<ScenarioError>, max: usize) -> Self {
        let more = errors.len().saturating_sub(max);
        errors.truncate(max);
        ScenarioErrors(
            errors,
            if more > 0 {
                Cut::More(more)
            } else {
                Cut::Nothing
            },
        )
    }
}

impl ScenarioErrors {
    /// The line after the list: how many errors, what the limit left out,
    /// and that nothing was run.
    pub fn summary(&self) -> String {
        let n = self.0.len();
        let s = if n == 1 { "" } else { "s" };
        match self.1 {
            Cut::Nothing => format!("{n} error{s} in scenario; nothing was run"),
            Cut::More(more) => format!(
                "{n} error{s} listed and {more} more not shown (amisim lists at most {n}); nothing was run"
            ),
            Cut::Stopped => format!(
                "{n} error{s} listed; checking stopped there, so there may be more: fix these and validate again; nothing was run"
            ),
        }
    }
}

/// The diagnostics, one after the other, then [`ScenarioErrors::summary`];
/// the command line puts `error: ` before each diagnostic.
impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "{e}")?;
        }
        write!(f, "{}", self.summary())
    }
}

/// Turns byte offsets into line and column, and builds errors for one file.
pub struct Locator<'a> {
    file: &'a Path,
    text: &'a str,
    /// Byte offsets of line starts, built at the first error: a position
    /// is then a binary search, not a scan from the start of the file.
    lines: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> Locator<'a> {
    /// A locator over `text`, read from `file`.
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Locator {
            file,
            text,
            lines: std::cell::OnceCell::new(),
        }
    }

    /// 1-based (line, column) of byte `offset` (column counts characters).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let lines = self.lines.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        // The last line start at or before `offset` (lines[0] = 0).
        let line = lines.partition_point(|&start| start <= offset);
        let line_start = lines[line - 1];
        let col = self.text[line_start..offset].chars().count() + 1;
        (line, col)
    }

    /// An error at `span` (or at no place).
    pub fn error(
        &self,
        span: Option<Range<usize>>,
        key_path: impl Into<String>,
        reason: impl Into<String>,
        help: Option<String>,
    ) -> ScenarioError {
        let (line, col) = span.map_or((0, 0), |s| self.line_col(s.start));
        let key_path = key_path.into();
        // Every refusal says where to look, at least.
        let help = help.or_else(|| {
            Some(if key_path.is_empty() {
                "see the scenario format in docs/src/scenario.md".to_string()
            } else {
                format!("see `{key_path}` in the scenario format (docs/src/scenario.md)")
            })
        });
        ScenarioError {
            file: self.file.to_path_buf(),
            line,
            col,
            key_path,
            reason: reason.into(),
            help,
            aws_rule: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_one_based_line_and_column() {
        let text = "a = 1\nbb = 2\n";
        let loc = Locator::new(Path::new("x.toml"), text);
        assert_eq!(loc.line_col(0), (1, 1));
        assert_eq!(loc.line_col(6), (2, 1));
        assert_eq!(loc.line_col(11), (2, 6));
    }
}
