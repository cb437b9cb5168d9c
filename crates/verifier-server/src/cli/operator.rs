//! `mobipass-verifier operator ...`: the contact-centre console's accounts.
//!
//! A password is typed twice on a terminal (never echoed), or read as one
//! line from standard input with `--password-stdin` for provisioning
//! scripts; it is never an argument (it would show in `ps` and the shell's
//! history). Only the library's Argon2id hash of it is stored.

use std::io::{self, BufRead, IsTerminal};

use clap::{Subcommand, ValueEnum};
use zeroize::Zeroizing;

use super::exit::Failure;
use mobipass_verifier::{Actor, OperatorName, Password, Role, Verifier, VerifierError};

/// `operator` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum OperatorAction {
    /// Add an operator who signs in to the console at /console/.
    Add {
        /// Sign-in name (1-48 of A-Z a-z 0-9 . _ -).
        name: String,
        /// agent: find, block, unblock after the identity check;
        /// supervisor: also issue, reissue, revoke and the audit log.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Read the password as one line from standard input instead of
        /// asking twice on the terminal.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an operator: no more sign-ins, open sessions end at once.
    Disable {
        /// Sign-in name.
        name: String,
    },
    /// Set a new password (open sessions end).
    Passwd {
        /// Sign-in name.
        name: String,
        /// Read the password as one line from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List operators, their roles and whether they are disabled.
    List,
}

/// A role on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum RoleArg {
    /// Contact-centre agent.
    Agent,
    /// Supervisor.
    Supervisor,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Agent => Role::Agent,
            RoleArg::Supervisor => Role::Supervisor,
        }
    }
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure::Verifier(VerifierError::InvalidInput(message.into()))
}

/// The new password: one stdin line, or typed twice on the terminal.
fn read_password(from_stdin: bool) -> Result<Password, Failure> {
    if from_stdin {
        let mut line = Zeroizing::new(String::new());
        io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| invalid(format!("cannot read the password from stdin: {}", e.kind())))?;
        let trimmed = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
        return Ok(Password::new(trimmed)?);
    }
    if !io::stdin().is_terminal() {
        return Err(invalid(
            "no terminal to type the password on: pipe it in with --password-stdin",
        ));
    }
    let first = Zeroizing::new(
        rpassword::prompt_password("New password (at least 12 characters): ")
            .map_err(|e| invalid(format!("cannot read the password: {}", e.kind())))?,
    );
    let password = Password::new(first.clone())?;
    let second = Zeroizing::new(
        rpassword::prompt_password("The same password again: ")
            .map_err(|e| invalid(format!("cannot read the password: {}", e.kind())))?,
    );
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        first.as_bytes(),
        second.as_bytes(),
    )) {
        return Err(invalid("the two passwords differ; nothing was changed"));
    }
    Ok(password)
}

/// Runs one `operator` subcommand.
pub(crate) async fn run(
    verifier: &Verifier,
    action: &OperatorAction,
    actor: &Actor,
    json: bool,
) -> Result<(), Failure> {
    match action {
        OperatorAction::Add {
            name,
            role,
            password_stdin,
        } => {
            let name = OperatorName::new(name.clone())?;
            let password = read_password(*password_stdin)?;
            let role = Role::from(*role);
            verifier.add_operator(&name, role, &password, actor).await?;
            super::output::operator_done(json, &name, "added")?;
        }
        OperatorAction::Disable { name } => {
            let name = OperatorName::new(name.clone())?;
            verifier.disable_operator(&name, actor).await?;
            super::output::operator_done(json, &name, "disabled")?;
        }
        OperatorAction::Passwd {
            name,
            password_stdin,
        } => {
            let name = OperatorName::new(name.clone())?;
            let password = read_password(*password_stdin)?;
            verifier
                .set_operator_password(&name, &password, actor)
                .await?;
            super::output::operator_done(json, &name, "password_changed")?;
        }
        OperatorAction::List => {
            let operators = verifier.operators().await?;
            super::output::operators(json, &operators)?;
        }
    }
    Ok(())
}
