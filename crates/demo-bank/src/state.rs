//! The bank's own books: customers, their browser sessions, and payments
//! with the signing session each waits on. In memory: a demo bank forgets
//! its customers when it stops (the verifier's credentials stay in its data
//! directory).
//!
//! Nothing here is a MobiPass secret: the envelope and the activation code
//! pass through the pages once and are never kept. Browser sessions are
//! stored by the SHA-256 of their cookie token, so the table holds nothing a
//! visitor could present.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::signed_return::Outcome;

/// A customer of the demo bank.
#[derive(Debug, Clone)]
pub struct Customer {
    /// The name typed at sign-up.
    pub name: String,
    /// The MobiPass credential the bank issued.
    pub credential_id: String,
}

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    /// Sent to the signing page, no final outcome back yet.
    Pending,
    /// Signed: booked on the statement.
    Accepted,
    /// The credential was blocked on the signing page: not booked.
    Blocked,
    /// The signing session expired: not booked.
    Expired,
}

impl From<Outcome> for PaymentState {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Accepted => Self::Accepted,
            Outcome::Blocked => Self::Blocked,
            Outcome::Expired => Self::Expired,
        }
    }
}

/// A transfer the customer asked for.
#[derive(Debug, Clone)]
pub struct Payment {
    /// The verifier's signing session (not a secret).
    pub session_id: String,
    /// Whose.
    pub credential_id: String,
    /// The recipient's name.
    pub payee_name: String,
    /// The recipient's account.
    pub account: String,
    /// Minor units.
    pub amount_minor: u64,
    /// Amount and account bound into the signature.
    pub linked: bool,
    /// Unix seconds when asked.
    pub created: u64,
    /// Where it stands.
    pub state: PaymentState,
    /// A sign-in with MobiPass, not a transfer.
    pub sign_in: bool,
    /// A sign-in's SHA-256 of the nonce in the browser's `bank_login`
    /// cookie; taken (`None`) once the sign-in opened its session.
    pub nonce: Option<[u8; 32]>,
}

/// The SHA-256 of a sign-in nonce, as the books keep it.
pub fn nonce_key(nonce: &str) -> [u8; 32] {
    session_key(nonce)
}

/// Why a return cannot be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleError {
    /// No payment waits on this session.
    Unknown,
    /// The session's outcome was already booked (a replayed return).
    AlreadySettled,
}

#[derive(Default)]
struct Books {
    customers: HashMap<String, Customer>,
    sessions: HashMap<[u8; 32], String>,
    payments: Vec<Payment>,
}

/// The books, shared by every handler.
#[derive(Clone, Default)]
pub struct Bank {
    books: Arc<Mutex<Books>>,
}

/// A fresh random token (hex of 256 bits), for cookies.
pub fn random_token() -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut()).expect("the OS random source failed");
    Zeroizing::new(hex::encode(bytes.as_ref()))
}

fn session_key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Now in unix seconds.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Bank {
    fn books(&self) -> MutexGuard<'_, Books> {
        // A panic while holding the lock leaves the maps consistent (each
        // change is one insert), so a poisoned lock is still usable.
        self.books.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a new customer and opens a browser session; returns its token.
    pub fn add_customer(&self, customer: Customer) -> Zeroizing<String> {
        let token = random_token();
        let mut books = self.books();
        books
            .sessions
            .insert(session_key(&token), customer.credential_id.clone());
        books
            .customers
            .insert(customer.credential_id.clone(), customer);
        token
    }

    /// A customer by credential id.
    pub fn customer(&self, credential_id: &str) -> Option<Customer> {
        self.books().customers.get(credential_id).cloned()
    }

    /// Opens a browser session for a known customer; returns its token.
    pub fn open_session(&self, credential_id: &str) -> Zeroizing<String> {
        let token = random_token();
        self.books()
            .sessions
            .insert(session_key(&token), credential_id.to_owned());
        token
    }

    /// The customer a session cookie belongs to.
    pub fn customer_for(&self, token: &str) -> Option<Customer> {
        let books = self.books();
        let id = books.sessions.get(&session_key(token))?;
        books.customers.get(id).cloned()
    }

    /// Ends a browser session.
    pub fn sign_out(&self, token: &str) {
        self.books().sessions.remove(&session_key(token));
    }

    /// Records a payment waiting for its signature.
    pub fn add_payment(&self, payment: Payment) {
        self.books().payments.push(payment);
    }

    /// A payment by its signing session.
    pub fn payment(&self, session_id: &str) -> Option<Payment> {
        self.books()
            .payments
            .iter()
            .find(|p| p.session_id == session_id)
            .cloned()
    }

    /// All of a customer's payments, in the order asked.
    pub fn payments_of(&self, credential_id: &str) -> Vec<Payment> {
        self.books()
            .payments
            .iter()
            .filter(|p| p.credential_id == credential_id)
            .cloned()
            .collect()
    }

    /// Books the final outcome of a pending payment, once.
    pub fn settle(&self, session_id: &str, outcome: Outcome) -> Result<Payment, SettleError> {
        let mut books = self.books();
        let payment = books
            .payments
            .iter_mut()
            .find(|p| p.session_id == session_id)
            .ok_or(SettleError::Unknown)?;
        if payment.state != PaymentState::Pending {
            return Err(SettleError::AlreadySettled);
        }
        payment.state = outcome.into();
        Ok(payment.clone())
    }

    /// Completes an accepted sign-in once, for the browser holding its
    /// nonce: a session token for the customer, or `None` (not accepted,
    /// another browser, or already used).
    pub fn login(&self, session_id: &str, nonce: &str) -> Option<Zeroizing<String>> {
        use subtle::ConstantTimeEq;
        let presented = nonce_key(nonce);
        let credential_id = {
            let mut books = self.books();
            let payment = books
                .payments
                .iter_mut()
                .find(|p| p.session_id == session_id && p.state == PaymentState::Accepted)?;
            let expected = payment.nonce.filter(|_| payment.sign_in)?;
            if !bool::from(expected.ct_eq(&presented)) {
                return None;
            }
            payment.nonce = None;
            payment.credential_id.clone()
        };
        Some(self.open_session(&credential_id))
    }

    /// A customer's accepted payments, newest first.
    pub fn statement(&self, credential_id: &str) -> Vec<Payment> {
        let books = self.books();
        let mut rows: Vec<Payment> = books
            .payments
            .iter()
            .filter(|p| {
                p.credential_id == credential_id && p.state == PaymentState::Accepted && !p.sign_in
            })
            .cloned()
            .collect();
        rows.reverse();
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payment(session_id: &str, credential_id: &str) -> Payment {
        Payment {
            session_id: session_id.into(),
            credential_id: credential_id.into(),
            payee_name: "Electronic Store".into(),
            account: "KZ12 3456".into(),
            amount_minor: 1250,
            linked: true,
            created: 1,
            state: PaymentState::Pending,
            sign_in: false,
            nonce: None,
        }
    }

    #[test]
    fn a_session_token_finds_its_customer_until_sign_out() {
        let bank = Bank::default();
        let token = bank.add_customer(Customer {
            name: "Alice".into(),
            credential_id: "alice-1".into(),
        });
        assert_eq!(bank.customer_for(&token).unwrap().name, "Alice");
        assert!(bank.customer_for("not a token").is_none());
        bank.sign_out(&token);
        assert!(bank.customer_for(&token).is_none());
    }

    #[test]
    fn a_payment_settles_once_and_only_accepted_ones_reach_the_statement() {
        let bank = Bank::default();
        bank.add_payment(payment("s1", "alice-1"));
        bank.add_payment(payment("s2", "alice-1"));
        bank.add_payment(payment("s3", "bob-1"));
        assert!(
            bank.statement("alice-1").is_empty(),
            "pending is not booked"
        );
        assert_eq!(
            bank.settle("s1", Outcome::Accepted).unwrap().state,
            PaymentState::Accepted
        );
        assert_eq!(
            bank.settle("s1", Outcome::Accepted).unwrap_err(),
            SettleError::AlreadySettled
        );
        assert_eq!(
            bank.settle("s9", Outcome::Accepted).unwrap_err(),
            SettleError::Unknown
        );
        bank.settle("s2", Outcome::Blocked).unwrap();
        bank.settle("s3", Outcome::Accepted).unwrap();
        let rows = bank.statement("alice-1");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].session_id, "s1");
    }

    #[test]
    fn an_accepted_sign_in_opens_one_session_for_the_browser_with_its_nonce() {
        let bank = Bank::default();
        bank.add_customer(Customer {
            name: "Alice".into(),
            credential_id: "alice-1".into(),
        });
        let mut login = payment("s1", "alice-1");
        login.amount_minor = 0;
        login.account = String::new();
        login.sign_in = true;
        login.nonce = Some(nonce_key("nonce-a"));
        bank.add_payment(login);
        assert!(
            bank.login("s1", "nonce-a").is_none(),
            "not before it is accepted"
        );
        bank.settle("s1", Outcome::Accepted).unwrap();
        assert!(
            bank.login("s1", "nonce-b").is_none(),
            "not for another browser"
        );
        let token = bank.login("s1", "nonce-a").expect("a session");
        assert_eq!(bank.customer_for(&token).unwrap().name, "Alice");
        assert!(bank.login("s1", "nonce-a").is_none(), "only once");
        assert!(
            bank.statement("alice-1").is_empty(),
            "a sign-in is no payment"
        );
    }
}
