//! The Secret Service (freedesktop.org), as GNOME Keyring and KWallet offer
//! it on the session bus: pure Rust over zbus, so building needs no libdbus.
//!
//! Entries carry the attributes `service` = [`KEYSTORE_SERVICE`] and
//! `account` = the vault id (what `secret-tool lookup service ... account
//! ...` finds) and go into the default collection (the login keyring). A
//! locked entry or collection is unlocked through the service's own prompt.
//! When that prompt is dismissed the keyring stays locked, and that is what
//! is reported ([`KeystoreError::Locked`]): GNOME Keyring answers a prompt it
//! cannot show (no display, as over SSH) exactly like one the person closed,
//! and "unlock your keyring" is the right advice for both. Other prompts
//! dismissed (allowing access to an entry) are [`KeystoreError::Cancelled`].

use std::collections::HashMap;
use std::io;

use secret_service::EncryptionType;
use secret_service::blocking::{Item, SecretService};

use super::{DeviceKey, KEYSTORE_SERVICE, Keystore, KeystoreError};

const LABEL: &str = "MobiPass device key";
const CONTENT_TYPE: &str = "application/octet-stream";

/// The Secret Service on this session's bus (`DBUS_SESSION_BUS_ADDRESS`).
/// Connects afresh for each call: calls are rare (one per vault read or
/// write) and a keyring daemon may start or stop between them.
#[derive(Debug, Clone)]
pub struct SecretServiceKeystore {
    service: String,
}

impl SecretServiceKeystore {
    /// The session's Secret Service, with MobiPass's entries.
    pub fn session() -> Self {
        Self {
            service: KEYSTORE_SERVICE.to_owned(),
        }
    }

    fn connect(&self) -> Result<SecretService<'static>, KeystoreError> {
        SecretService::connect(EncryptionType::Dh).map_err(map_error)
    }

    fn attributes<'a>(&'a self, vault_id: &'a str) -> HashMap<&'a str, &'a str> {
        HashMap::from([("service", self.service.as_str()), ("account", vault_id)])
    }
}

impl Keystore for SecretServiceKeystore {
    fn get(&self, vault_id: &str) -> Result<DeviceKey, KeystoreError> {
        let service = self.connect()?;
        let found = service
            .search_items(self.attributes(vault_id))
            .map_err(map_error)?;
        let item = match (found.unlocked.into_iter().next(), found.locked) {
            (Some(item), _) => item,
            (None, locked) => {
                let item = locked
                    .into_iter()
                    .next()
                    .ok_or(KeystoreError::EntryMissing)?;
                unlock(&item)?;
                item
            }
        };
        let secret = zeroize::Zeroizing::new(item.get_secret().map_err(map_error)?);
        DeviceKey::from_slice(&secret)
    }

    fn put(&self, vault_id: &str, key: &DeviceKey) -> Result<(), KeystoreError> {
        let service = self.connect()?;
        // A service without a default keyring (one started on demand with no
        // login keyring yet) has nowhere to keep the key.
        let collection = service
            .get_default_collection()
            .map_err(|error| match error {
                secret_service::Error::NoResult => KeystoreError::NoKeystore,
                other => map_error(other),
            })?;
        if collection.is_locked().map_err(map_error)? {
            collection.unlock().map_err(map_unlock_error)?;
            if collection.is_locked().map_err(map_error)? {
                return Err(KeystoreError::Locked);
            }
        }
        collection
            .create_item(
                LABEL,
                self.attributes(vault_id),
                key.as_bytes(),
                true,
                CONTENT_TYPE,
            )
            .map_err(map_error)?;
        Ok(())
    }

    fn delete(&self, vault_id: &str) -> Result<bool, KeystoreError> {
        let service = self.connect()?;
        let found = service
            .search_items(self.attributes(vault_id))
            .map_err(map_error)?;
        let mut deleted = false;
        for item in found.locked.iter().chain(&found.unlocked) {
            if item.is_locked().map_err(map_error)? {
                unlock(item)?;
            }
            item.delete().map_err(map_error)?;
            deleted = true;
        }
        Ok(deleted)
    }
}

fn unlock(item: &Item<'_>) -> Result<(), KeystoreError> {
    item.unlock().map_err(map_unlock_error)?;
    if item.is_locked().map_err(map_error)? {
        return Err(KeystoreError::Locked);
    }
    Ok(())
}

/// An unlock prompt that did not unlock leaves the keyring locked.
fn map_unlock_error(error: secret_service::Error) -> KeystoreError {
    match map_error(error) {
        KeystoreError::Cancelled => KeystoreError::Locked,
        other => other,
    }
}

/// The service's errors, reduced to what a person can act on.
fn map_error(error: secret_service::Error) -> KeystoreError {
    use secret_service::Error;
    match error {
        Error::Unavailable => KeystoreError::NoKeystore,
        Error::Locked => KeystoreError::Locked,
        Error::Prompt | Error::PromptDisconnected => KeystoreError::Cancelled,
        Error::Zbus(error) => map_bus_error(error),
        Error::ZbusFdo(error) => map_bus_error(error.into()),
        other => KeystoreError::Other {
            detail: other.to_string(),
        },
    }
}

fn map_bus_error(error: zbus::Error) -> KeystoreError {
    match &error {
        // Nobody owns org.freedesktop.secrets and nothing can be started
        // for it: a session bus without a keyring daemon.
        zbus::Error::MethodError(name, _, _)
            if matches!(
                name.as_str(),
                "org.freedesktop.DBus.Error.ServiceUnknown"
                    | "org.freedesktop.DBus.Error.NameHasNoOwner"
                    | "org.freedesktop.DBus.Error.Spawn.ChildExited"
                    | "org.freedesktop.DBus.Error.Spawn.ExecFailed"
            ) =>
        {
            KeystoreError::NoKeystore
        }
        zbus::Error::MethodError(name, _, _)
            if name.as_str() == "org.freedesktop.Secret.Error.IsLocked" =>
        {
            KeystoreError::Locked
        }
        // No bus at the address given (or none given at all), or one that
        // refuses this connection.
        zbus::Error::Address(_) | zbus::Error::Connection(..) => KeystoreError::NoKeystore,
        zbus::Error::InputOutput(io)
            if matches!(
                io.kind(),
                io::ErrorKind::NotFound
                    | io::ErrorKind::ConnectionRefused
                    | io::ErrorKind::PermissionDenied
            ) =>
        {
            KeystoreError::NoKeystore
        }
        _ => KeystoreError::Other {
            detail: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_service_error_maps_to_what_a_person_can_act_on() {
        use secret_service::Error;
        assert_eq!(map_error(Error::Unavailable), KeystoreError::NoKeystore);
        assert_eq!(map_error(Error::Locked), KeystoreError::Locked);
        assert_eq!(map_error(Error::Prompt), KeystoreError::Cancelled);
        assert_eq!(
            map_error(Error::PromptDisconnected),
            KeystoreError::Cancelled
        );
        assert_eq!(map_unlock_error(Error::Prompt), KeystoreError::Locked);
        assert!(matches!(
            map_error(Error::Crypto("bad")),
            KeystoreError::Other { .. }
        ));
        let refused =
            zbus::Error::InputOutput(io::Error::from(io::ErrorKind::ConnectionRefused).into());
        assert_eq!(map_bus_error(refused), KeystoreError::NoKeystore);
        let other = zbus::Error::InputOutput(io::Error::from(io::ErrorKind::TimedOut).into());
        assert!(matches!(map_bus_error(other), KeystoreError::Other { .. }));
    }
}
