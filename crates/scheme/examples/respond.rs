//! Computes a MobiPass response from an activation key, for integrators who
//! want to check their own implementation against ours.
//!
//! ```text
//! cargo run -p mobipass-scheme --example respond -- P1 P2 P3 P4 CODE [AMOUNT_MINOR PAYEE]
//! ```
//!
//! Prints only the 8-digit response. Bad input: a message on stderr, exit 2.

use std::process::ExitCode;

use mobipass_scheme::{ActivationKey, Amount, Challenge, DocumentCode, Payee};

const USAGE: &str = "usage: respond P1 P2 P3 P4 CODE [AMOUNT_MINOR PAYEE]";

fn run(args: &[String]) -> Result<String, String> {
    let (parts, rest) = match args {
        [p1, p2, p3, p4, rest @ ..] if rest.len() == 1 || rest.len() == 3 => {
            ([p1, p2, p3, p4], rest)
        }
        _ => return Err(USAGE.to_owned()),
    };
    let key = ActivationKey::from_parts(&parts).map_err(|e| e.to_string())?;
    let code = DocumentCode::parse(&rest[0]).map_err(|e| e.to_string())?;
    let challenge = match rest {
        [_] => Challenge::Plain(code),
        [_, amount, payee] => {
            let minor: u64 = amount
                .parse()
                .map_err(|_| "the amount is a whole number of minor units".to_owned())?;
            Challenge::Linked {
                code,
                amount: Amount::from_minor(minor).map_err(|e| e.to_string())?,
                payee: Payee::parse(payee).map_err(|e| e.to_string())?,
            }
        }
        _ => unreachable!("argument count checked above"),
    };
    Ok(challenge.respond(&key.ocra_key()).as_str().to_owned())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(response) => {
            println!("{response}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("respond: {message}");
            ExitCode::from(2)
        }
    }
}
