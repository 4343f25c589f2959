//! String choices: the words a key accepts, each with its value, as one
//! table that serves matching and the help text.

use toml::Spanned;

use super::ctx::Ctx;

/// A string choice: the words a key accepts, each with its value. One table
/// serves matching and the help text.
pub(super) struct Choice<T: 'static> {
    /// What the value is, for the message: "platform", "start condition".
    pub(super) what: &'static str,
    /// Word, value, and what the word means (shown in parentheses, if any).
    pub(super) words: &'static [(&'static str, T, &'static str)],
}

impl<T: Copy> Choice<T> {
    /// The help line: `use "a", "b" or "c"`.
    pub(super) fn help(&self) -> String {
        let quoted: Vec<String> = self
            .words
            .iter()
            .map(|(w, _, note)| match *note {
                "" => format!("\"{w}\""),
                n => format!("\"{w}\" ({n})"),
            })
            .collect();
        match quoted.split_last() {
            Some((last, [])) => format!("use {last}"),
            Some((last, rest)) => format!("use {} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    /// The value `raw` names; the first word's when `raw` is absent; an
    /// error (and the first word's value) when it names none.
    pub(super) fn pick(&self, ctx: &mut Ctx<'_>, raw: Option<&Spanned<String>>, path: &str) -> T {
        let default = self.words[0].1;
        let Some(raw) = raw else { return default };
        if let Some((_, v, _)) = self.words.iter().find(|(w, _, _)| *w == raw.get_ref()) {
            return *v;
        }
        let help = self.help();
        ctx.err(
            Some(raw.span()),
            path,
            format!("unknown {} \"{}\"", self.what, raw.get_ref()),
            Some(&help),
        );
        default
    }
}
