//! `amisim completions SHELL` and `amisim man`: the shell completions and
//! the man page, generated from the command line's own definition (so
//! neither can drift from it).

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
