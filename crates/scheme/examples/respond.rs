//! Computes a MobiPass response from an activation key, for integrators who
//! want to check their own implementation against ours.
//!
//! ```text
//! cargo run -p mobipass-scheme --example respond -- P1 P2 P3 P4 [ACTIVATION_CODE] CODE [AMOUNT_MINOR PAYEE]
//! ```
//!
//! The envelope's kind comes from its check digits: a two-channel envelope
//! (scheme section 2b) takes its 8-digit activation code before the document
//! code, an envelope-only one takes none. Prints only the 8-digit response.
//! Bad input: a message on stderr, exit 2.

use std::process::ExitCode;

use mobipass_scheme::{
    ActivationCode, ActivationError, Amount, Challenge, DocumentCode, Envelope, Payee,
};

const USAGE: &str = "usage: respond P1 P2 P3 P4 [ACTIVATION_CODE] CODE [AMOUNT_MINOR PAYEE]";

fn run(args: &[String]) -> Result<String, String> {
    let [p1, p2, p3, p4, rest @ ..] = args else {
        return Err(USAGE.to_owned());
    };
    let envelope = Envelope::from_parts(&[p1, p2, p3, p4]).map_err(|e| e.to_string())?;
    let (code, rest) = if envelope.kind().needs_activation_code() {
        let ([code, rest @ ..], 2 | 4) = (rest, rest.len()) else {
            return Err(ActivationError::CodeNeeded.to_string());
        };
        (
            Some(ActivationCode::parse(code).map_err(|e| e.to_string())?),
            rest,
        )
    } else {
        (None, rest)
    };
    let secret = envelope
        .activated(code.as_ref())
        .map_err(|e| e.to_string())?;
    let challenge = match rest {
        [code] => Challenge::Plain(DocumentCode::parse(code).map_err(|e| e.to_string())?),
        [code, amount, payee] => {
            let minor: u64 = amount
                .parse()
                .map_err(|_| "the amount is a whole number of minor units".to_owned())?;
            Challenge::Linked {
                code: DocumentCode::parse(code).map_err(|e| e.to_string())?,
                amount: Amount::from_minor(minor).map_err(|e| e.to_string())?,
                payee: Payee::parse(payee).map_err(|e| e.to_string())?,
            }
        }
        _ => return Err(USAGE.to_owned()),
    };
    Ok(challenge.respond(&secret.ocra_key()).as_str().to_owned())
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
