//! MobiPass, the desktop authenticator: app core and front ends.
