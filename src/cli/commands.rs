//! One function per subcommand: read input, call the core, print the result.
//!
//! Cheap checks (key parts, PIN rules, code, amount, whether a usable vault
//! exists) run before any prompt that depends on them, so a person is not
//! asked for a PIN only to be told the code was mistyped.

use mobipass_scheme::activation::PARTS;
use mobipass_scheme::{
    ActivationKey, Envelope, EnvelopeError, EnvelopeKind, KdfParams, KeyError, Payee, Pin, PinError,
};
use zeroize::Zeroizing;

use super::exit::Failure;
use super::input::Input;
use crate::token::{
    KeystoreError, Saved, Status, Token, TokenError, check_activation_code, check_key_part,
    format_amount, parse_amount, parse_code, payee_is_short, payee_shown,
};

/// Said after every PIN change, the same whether or not the current PIN was
/// right (MobiPass cannot know which).
const CHANGED_NOTE: &str = "The PIN is changed. MobiPass cannot check the current PIN: \
if it was mistyped, signature values will be wrong from now on. If the bank refuses them, \
delete the key and activate again with the bank's envelope.";

/// The risk of an unbound vault, in one sentence.
pub(super) const UNBOUND_RISK: &str = "An unbound vault opens wherever its file is copied: \
whoever copies it (from a backup, a synced folder or a stolen disk) and sees one of your \
signature values can find your PIN by trying all 10,000.";

pub(super) fn activate(token: &Token, pin_stdin: bool, allow_unbound: bool) -> Result<(), Failure> {
    match token.status() {
        Ok(Status::NotActivated) => {}
        Ok(Status::Activated { .. }) => return Err(TokenError::AlreadyActivated.into()),
        Err(error @ TokenError::OtherDevice) => {
            let mut failure = Failure::from(error);
            failure.message = format!(
                "{}: delete this copy first (mobipass delete), then activate",
                failure.message
            );
            return Err(failure);
        }
        Err(error) => return Err(error.into()),
    }
    let mut input = Input::choose(pin_stdin)?;
    let (parts, kind) = if input.interactive() {
        ask_key_parts(&mut input)?
    } else {
        let line = input.line("", "the activation key")?;
        let parts = ActivationKey::split_pasted(&line).ok_or_else(|| {
            let error = Envelope::parse(&line).err();
            Failure::bad_input(error.map_or_else(|| "the key is invalid".into(), |e| e.to_string()))
        })?;
        let kind = Envelope::from_parts(&parts)
            .map_err(|e| Failure::bad_input(e.to_string()))?
            .kind();
        (parts, kind)
    };
    let code = match kind.needs_activation_code() {
        true => Some(ask_activation_code(&mut input)?),
        false => None,
    };
    let (pin, again) = choose_pin(&mut input, "Choose a 4-digit PIN: ")?;
    if input.interactive() {
        eprintln!("Activating (this takes a moment)...");
    }
    let code = code.as_deref().map(String::as_str);
    let unbound = token.clone().allowing_unbound();
    let saved = match token.activate_with_code(&parts, code, &pin, &again) {
        Err(TokenError::Keystore(KeystoreError::NoKeystore)) if allow_unbound => {
            unbound.activate_with_code(&parts, code, &pin, &again)?
        }
        Err(TokenError::Keystore(KeystoreError::NoKeystore)) if input.interactive() => {
            if !keep_unbound(&mut input)? {
                eprintln!("Nothing was written.");
                return Err(TokenError::Keystore(KeystoreError::NoKeystore).into());
            }
            unbound.activate_with_code(&parts, code, &pin, &again)?
        }
        Err(error @ TokenError::Keystore(KeystoreError::NoKeystore)) => {
            let mut failure = Failure::from(error);
            failure.message = format!(
                "{}. {UNBOUND_RISK} To keep an unbound vault anyway, add --allow-unbound. \
                 Nothing was written.",
                failure.message
            );
            return Err(failure);
        }
        other => other?,
    };
    eprintln!(
        "MobiPass is activated. Keep the envelope somewhere safe: you need it if you forget the PIN."
    );
    if kind.needs_activation_code() {
        eprintln!("{FINISH_TWO_CHANNEL_NOTE}");
    }
    if saved.is_bound() {
        eprintln!(
            "The vault is bound to this computer and user account: a copy of it opens nowhere else."
        );
    } else {
        eprintln!(
            "The vault is not bound to this computer (no keystore). {UNBOUND_RISK} Run `mobipass bind` once a keystore runs."
        );
    }
    warn_about(&saved);
    Ok(())
}

/// Asks whether to keep an unbound vault when no keystore runs.
fn keep_unbound(input: &mut Input) -> Result<bool, Failure> {
    eprintln!(
        "This computer has no keystore running (on Linux: no Secret Service such as GNOME Keyring \
         or KWallet in this session), so MobiPass cannot bind the vault to it. {UNBOUND_RISK}"
    );
    let mut prompt = "Keep an unbound vault? Type yes to keep it, no to stop: ";
    loop {
        match confirmation(&input.line(prompt, "the answer")?) {
            Some(answer) => return Ok(answer),
            None => prompt = "Type yes (or y) to keep an unbound vault, or no (or n) to stop: ",
        }
    }
}

/// Said after a two-channel activation is saved: the bank confirms it only
/// when it accepts a first signature, within the code's 15 minutes.
const FINISH_TWO_CHANNEL_NOTE: &str = "To finish the activation, sign the document code the \
internet bank shows you next: the bank confirms the activation when it accepts that first \
signature value. If the activation code expires first (it is valid for 15 minutes), ask the bank \
for a new code, delete the key here and activate again with the new code.";

/// Asks the four parts one by one, asking a part again until it is right,
/// then checks that they come from one envelope (asking again the part that
/// does not fit, or all four when two and two disagree). A whole key pasted
/// at part 1 fills all four.
fn ask_key_parts(input: &mut Input) -> Result<([Zeroizing<String>; PARTS], EnvelopeKind), Failure> {
    eprintln!(
        "Type the activation key from the bank's envelope: four parts of 10 digits \
         (spaces and dashes are fine; you can paste the whole key at part 1)."
    );
    let mut parts: [Option<Zeroizing<String>>; PARTS] = Default::default();
    loop {
        for number in 1..=PARTS {
            while parts[number - 1].is_none() {
                let typed =
                    input.line(&format!("Part {number} of {PARTS}: "), "the activation key")?;
                if number == 1
                    && let Some(pasted) = ActivationKey::split_pasted(&typed)
                {
                    match Envelope::from_parts(&pasted) {
                        Ok(envelope) => return Ok((pasted, envelope.kind())),
                        Err(error) => {
                            eprintln!("{error}; type the key again, or part by part");
                            continue;
                        }
                    }
                }
                match check_key_part(number, &typed) {
                    Ok(_) => parts[number - 1] = Some(typed),
                    Err(error) => eprintln!("{error}; type part {number} again"),
                }
            }
        }
        let typed: [Zeroizing<String>; PARTS] =
            std::array::from_fn(|i| parts[i].clone().unwrap_or_default());
        match Envelope::from_parts(&typed) {
            Ok(envelope) => return Ok((typed, envelope.kind())),
            Err(EnvelopeError::Key(KeyError::Typo { part })) => {
                eprintln!("part {part} of 4 has a typo; type part {part} again");
                parts[usize::from(part).clamp(1, PARTS) - 1] = None;
            }
            Err(error) => {
                eprintln!("{error}; type the four parts again");
                parts = Default::default();
            }
        }
    }
}

/// The activation code of a two-channel envelope, asked once on a terminal
/// (again after a typo) or read as the line after the key.
fn ask_activation_code(input: &mut Input) -> Result<Zeroizing<String>, Failure> {
    if input.interactive() {
        eprintln!(
            "This envelope needs an activation code as well: 8 digits that the bank gives you \
             apart from the envelope, in the internet bank after you log in, from the contact \
             centre after its identity questions, or by SMS. It is valid for 15 minutes."
        );
    }
    loop {
        let code = input.line("Activation code: ", "the activation code")?;
        match check_activation_code(&code) {
            Ok(()) => return Ok(code),
            Err(error) if input.interactive() => {
                eprintln!("{error}; type the activation code again");
            }
            Err(error) => return Err(Failure::bad_input(error.to_string())),
        }
    }
}

/// A new PIN typed twice. On a terminal, asks again until it passes the
/// rules; when the two entries differ, only the repeat is asked again (an
/// empty answer goes back to choosing), as the window does.
fn choose_pin(
    input: &mut Input,
    prompt: &str,
) -> Result<(Zeroizing<String>, Zeroizing<String>), Failure> {
    'choose: loop {
        let pin = input.secret(prompt, "the new PIN")?;
        if let Err(error) = Pin::parse(&pin).and_then(|p| p.check_not_trivial()) {
            retry_or_fail(input, error)?;
            continue;
        }
        let mut after_mismatch = false;
        loop {
            let prompt = match after_mismatch {
                false => "Type the new PIN again: ",
                true => REPEAT_AFTER_MISMATCH,
            };
            let again = input.secret(prompt, "the new PIN again")?;
            if after_mismatch && again.is_empty() {
                continue 'choose;
            }
            match Pin::choose(&pin, &again) {
                Ok(_) => return Ok((pin, again)),
                Err(error) if !input.interactive() => {
                    return Err(Failure::bad_input(error.to_string()));
                }
                Err(PinError::Mismatch) => {
                    eprintln!("The two entries differ.");
                    after_mismatch = true;
                }
                Err(error) => {
                    eprintln!("{error}");
                    continue 'choose;
                }
            }
        }
    }
}

/// The prompt after two different entries: says what is asked, and the way
/// out when the first entry was the mistyped one.
const REPEAT_AFTER_MISMATCH: &str =
    "Type the new PIN again (or press Enter alone to choose a different PIN): ";

fn retry_or_fail(input: &Input, error: impl std::fmt::Display) -> Result<(), Failure> {
    if input.interactive() {
        eprintln!("{error}");
        Ok(())
    } else {
        Err(Failure::bad_input(error.to_string()))
    }
}

/// A PIN to use (sign, current PIN): only its shape can be checked.
fn ask_pin(input: &mut Input, prompt: &str, what: &str) -> Result<Zeroizing<String>, Failure> {
    loop {
        let pin = input.secret(prompt, what)?;
        match Pin::parse(&pin) {
            Ok(_) => return Ok(pin),
            Err(error) => retry_or_fail(input, error)?,
        }
    }
}

/// Fails early, before any prompt, when there is no usable vault.
fn require_activated(token: &Token) -> Result<(), Failure> {
    match token.status()? {
        Status::Activated { .. } => Ok(()),
        Status::NotActivated => Err(crate::token::TokenError::NotActivated.into()),
    }
}

pub(super) fn sign(
    token: &Token,
    code: &str,
    linked: Option<(String, String)>,
    plain: bool,
    pin_stdin: bool,
) -> Result<(), Failure> {
    parse_code(code).map_err(|e| Failure::bad_input(e.to_string()))?;
    let linked = match linked {
        None => None,
        Some((amount, payee)) => {
            let minor = parse_amount(&amount).map_err(|e| Failure::bad_input(e.to_string()))?;
            let digits = Payee::parse(&payee).map_err(|e| Failure::bad_input(e.to_string()))?;
            // What is signed, as understood, to compare with the bank's page.
            eprintln!(
                "Signing document code {}: amount {}, payee account {}.",
                parse_code(code).map_or_else(|_| code.to_owned(), |c| c.as_str().to_owned()),
                format_amount(minor),
                payee_shown(&digits)
            );
            if payee_is_short(&payee) {
                eprintln!(
                    "Note: the payee account has fewer than 8 digits; only its digits count, \
                     so compare them with the bank's page."
                );
            }
            Some((minor, payee))
        }
    };
    require_activated(token)?;
    let mut input = Input::choose(pin_stdin)?;
    let pin = ask_pin(&mut input, "PIN: ", "the PIN")?;
    let response = match linked {
        None => token.sign(&pin, code)?,
        Some((minor, payee)) => token.sign_linked(&pin, code, minor, &payee)?,
    };
    if plain {
        println!("{}", response.as_str());
    } else {
        println!("{}", response.grouped());
    }
    Ok(())
}

pub(super) fn change_pin(token: &Token, pin_stdin: bool) -> Result<(), Failure> {
    let was_bound = match token.status()? {
        Status::Activated { bound, .. } => bound,
        Status::NotActivated => return Err(TokenError::NotActivated.into()),
    };
    let mut input = Input::choose(pin_stdin)?;
    let current = ask_pin(&mut input, "Current PIN: ", "the current PIN")?;
    let (new, again) = choose_pin(&mut input, "New PIN: ")?;
    let saved = token.change_pin(&current, &new, &again)?;
    eprintln!("{CHANGED_NOTE}");
    if saved.is_bound() && !was_bound {
        eprintln!("The vault is now bound to this computer and user account.");
    }
    warn_about(&saved);
    Ok(())
}

/// What went wrong after a change was made. The change stands, so the command
/// still succeeds (exit 0): reporting it as failed would be untrue.
fn warn_about(saved: &Saved) {
    for warning in saved.warnings() {
        eprintln!("mobipass: warning: {warning}");
    }
}

pub(super) fn delete(token: &Token, yes: bool) -> Result<(), Failure> {
    require_activated(token).or_else(|failure| {
        // A damaged vault, or one bound elsewhere or behind a keystore that
        // does not answer, must stay deletable: that is the way out of it.
        use super::exit::*;
        if [
            DAMAGED,
            OTHER_DEVICE,
            NO_KEYSTORE,
            KEYSTORE_LOCKED,
            KEYSTORE_CANCELLED,
            KEYSTORE_FAILED,
        ]
        .contains(&failure.code)
        {
            Ok(())
        } else {
            Err(failure)
        }
    })?;
    if !yes {
        let mut input = Input::choose(false)
            .map_err(|_| Failure::bad_input("add --yes to delete without a terminal to confirm"))?;
        let mut prompt = "Delete the activation key from this computer? To use MobiPass again you \
                          will need the bank's envelope. Type yes to delete, no to keep it: ";
        loop {
            let answer = input.line(prompt, "the confirmation")?;
            match confirmation(&answer) {
                Some(true) => break,
                Some(false) => {
                    eprintln!("Nothing was deleted.");
                    return Ok(());
                }
                None => prompt = "Type yes (or y) to delete the key, or no (or n) to keep it: ",
            }
        }
    }
    token.delete()?;
    eprintln!("The activation key is deleted from this computer.");
    Ok(())
}

/// Reads a yes/no answer in the three languages the app speaks: `y`/`yes`,
/// Russian `д`/`да`, Kazakh `и`/`иә`; `None` when it is neither.
fn confirmation(answer: &str) -> Option<bool> {
    match answer.trim().to_lowercase().as_str() {
        "y" | "yes" | "д" | "да" | "и" | "иә" => Some(true),
        "" | "n" | "no" | "н" | "нет" | "ж" | "жоқ" => Some(false),
        _ => None,
    }
}

pub(super) fn bind(token: &Token) -> Result<(), Failure> {
    match token.bind()? {
        None => eprintln!("The vault is already bound to this computer; nothing to do."),
        Some(saved) => {
            eprintln!(
                "The vault is bound to this computer and user account: a copy of it opens nowhere \
                 else. To move MobiPass to a new computer, activate it there with your envelope."
            );
            warn_about(&saved);
        }
    }
    Ok(())
}

pub(super) fn status(token: &Token) -> Result<(), Failure> {
    match token.status()? {
        Status::NotActivated => Err(crate::token::TokenError::NotActivated.into()),
        Status::Activated {
            kind,
            created,
            updated,
            kdf,
            bound,
        } => {
            println!("activated");
            println!("vault: {}", token.path().display());
            println!("activated with: {}", describe_kind(kind));
            println!(
                "activated on: {}",
                humantime::format_rfc3339_seconds(created)
            );
            println!(
                "last changed: {}",
                humantime::format_rfc3339_seconds(updated)
            );
            println!("key derivation: {}", describe_kdf(&kdf));
            println!(
                "bound: {}",
                if bound {
                    "yes (sealed under this computer's keystore)"
                } else {
                    "no (unbound: the file opens wherever it is copied; `mobipass bind` binds it)"
                }
            );
            Ok(())
        }
    }
}

/// The envelope's kind in words, with its stable name for scripts.
fn describe_kind(kind: EnvelopeKind) -> String {
    let words = match kind {
        EnvelopeKind::EnvelopeOnly => "the envelope alone",
        EnvelopeKind::TwoChannel => "the envelope and an activation code",
    };
    format!("{words} ({})", kind.name())
}

fn describe_kdf(kdf: &KdfParams) -> String {
    let memory = if kdf.memory_kib.is_multiple_of(1024) {
        format!("{} MiB", kdf.memory_kib / 1024)
    } else {
        format!("{} KiB", kdf.memory_kib)
    };
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "Argon2id, {memory}, {}, {}",
        plural(kdf.iterations, "pass", "passes"),
        plural(kdf.parallelism, "lane", "lanes")
    )
}

#[cfg(test)]
mod tests {
    use super::confirmation;

    #[test]
    fn yes_and_no_are_understood_in_three_languages() {
        for yes in ["y", "Yes", " YES ", "д", "Да", "и", "иә", "ИӘ"] {
            assert_eq!(confirmation(yes), Some(true), "{yes}");
        }
        for no in ["", "n", "No", "нет", "жоқ"] {
            assert_eq!(confirmation(no), Some(false), "{no}");
        }
        for unclear in ["ye", "delete", "1", "oui"] {
            assert_eq!(confirmation(unclear), None, "{unclear}");
        }
    }
}
