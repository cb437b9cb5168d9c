//! PostgreSQL store (in progress).

use async_trait::async_trait;

use crate::error::VerifierError;
use crate::ids::{Actor, CredentialId};
use crate::master_key::MasterKey;
use crate::model::{AuditEvent, CredentialStatus, Outcome};
use crate::store::{Attempt, Change, NewChallenge, NewKey, Store};

pub(crate) struct PgStore;

impl PgStore {
    pub(crate) async fn open(
        _url: &str,
        _master: MasterKey,
        _pool: usize,
    ) -> Result<Self, VerifierError> {
        Err(VerifierError::Storage(
            "PostgreSQL support is not built yet".into(),
        ))
    }
}

#[async_trait]
impl Store for PgStore {
    async fn issue(&self, _new: NewKey) -> Result<(), VerifierError> {
        unreachable!()
    }
    async fn reissue(&self, _new: NewKey) -> Result<(), VerifierError> {
        unreachable!()
    }
    async fn challenge(&self, _new: NewChallenge) -> Result<(), VerifierError> {
        unreachable!()
    }
    async fn verify(&self, _a: Attempt) -> Result<Outcome, VerifierError> {
        unreachable!()
    }
    async fn change(&self, _c: Change) -> Result<(), VerifierError> {
        unreachable!()
    }
    async fn rotate_master_key(
        &self,
        _n: MasterKey,
        _a: Actor,
        _now: i64,
    ) -> Result<usize, VerifierError> {
        unreachable!()
    }
    async fn status(&self, _id: &CredentialId) -> Result<CredentialStatus, VerifierError> {
        unreachable!()
    }
    async fn audit(
        &self,
        _id: Option<&CredentialId>,
        _l: usize,
    ) -> Result<Vec<AuditEvent>, VerifierError> {
        unreachable!()
    }
}
