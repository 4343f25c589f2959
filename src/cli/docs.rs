//! `amisim completions SHELL`, `amisim man` and `amisim schema`: the shell
//! completions and the man page, generated from the command line's own
//! definition, and the scenario format's JSON Schema, generated from the
//! types that read scenario files (so none can drift from what it describes).

use std::io::Write as _;

use clap::CommandFactory;

use super::{Cli, CliError};

/// Arguments of `amisim completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell. Install, e.g. for bash:
    /// `amisim completions bash > ~/.local/share/bash-completion/completions/amisim`.
    pub shell: clap_complete::Shell,
}

/// Writes the completion script of `a.shell` to standard output.
pub(super) fn completions(a: &CompletionsArgs) -> Result<(), CliError> {
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "amisim", &mut out);
    std::io::stdout().write_all(&out)?;
    Ok(())
}

/// Writes amisim's man page (roff) to standard output: `amisim man > amisim.1`.
pub(super) fn man() -> Result<(), CliError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    std::io::stdout().write_all(&out)?;
    Ok(())
}

/// Writes the JSON Schema of scenario files to standard output:
/// `amisim schema > scenario.schema.json`.
pub(super) fn schema() -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(&crate::scenario::schema())?;
    text.push('\n');
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(())
}
