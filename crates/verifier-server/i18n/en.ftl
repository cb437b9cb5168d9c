# MobiPass contact-centre console, English.
console-name = MobiPass console
nav-find = Find
nav-issue = Issue
nav-audit = Audit log
sign-out = Sign out
back-home = Back to the start page
cancel = Cancel

signin-title = Sign in
signin-name = Operator name
signin-password = Password
signin-submit = Sign in
signin-refused = Wrong name or password.
signin-locked = Too many failed sign-ins. Wait 15 minutes or ask a supervisor.
signin-ended = Your session has ended. Please sign in again.

find-title = Find a customer's MobiPass
find-id = Credential id
find-submit = Find
find-invalid = A credential id is 1 to 64 characters of A-Z a-z 0-9 . _ : -
find-unknown = There is no credential with this id.

credential-title = MobiPass
credential-state = State
credential-failures = Wrong responses in a row / limit
credential-locked-until = Temporarily locked until
credential-key-version = Key version
credential-created = Issued
credential-last-activity = Last activity
credential-events = Recent events
state-issued = issued, not yet used
state-active = active
state-blocked = blocked
state-revoked = revoked

done-blocked = Blocked. The customer can no longer sign with this MobiPass.
done-unblocked = Unblocked. The failure count is back to zero.
done-revoked = Revoked for good.

block-title = Block
block-hint = For a lost or stolen device: block at once, no identity check needed.
block-reason = Reason
block-note = Note (optional)
block-submit = Block now
block-reason-missing = Choose a reason from the list.
block-note-invalid = The note must be one line of at most 150 characters.
reason-lost-device = Lost device
reason-stolen-device = Stolen device
reason-customer-request = Customer's request
reason-suspected-fraud = Suspected fraud
reason-other = Other

unblock-title = Unblock
unblock-hint = Only after the identity questions (document number, code word).
unblock-identity = Identity check done: how?
unblock-submit = Unblock
unblock-identity-missing = Write down how the customer's identity was checked; nothing was unblocked.

supervisor-title = Supervisor
reissue-hint = A new envelope: the old key stops working at once.
reissue-submit = Reissue with a new envelope
revoke-submit = Revoke…
revoke-title = Revoke this MobiPass?
revoke-question = Revoke for good:
revoke-hint = A revoked MobiPass cannot be unblocked; the customer needs a new one.
revoke-confirm = Yes, revoke

issue-title = Issue a new MobiPass
issue-hint = Creates the credential and shows its envelope once.
issue-submit = Issue

envelope-title = Envelope
envelope-issued = Issued.
envelope-reissued = Reissued.
envelope-once = Print the envelope now: the key is shown only on this page.
envelope-heading = MobiPass activation key
envelope-credential = Credential
envelope-part = Part
envelope-instructions = Type the four parts into the MobiPass app and choose a PIN. Never tell these numbers to anyone, including the bank's staff.
envelope-back = Back to the credential

audit-title = Audit log
audit-credential = Credential
audit-actor = Operator
audit-action = Action
audit-from = From
audit-to = To
audit-submit = Filter
audit-csv = Export CSV
audit-at = When (UTC)
audit-detail = Detail
audit-empty = No events match.
audit-bad-date = A date is written as YYYY-MM-DD.

error-not-found-title = Not found
error-not-found = There is no such page.
error-forbidden-title = Not allowed
error-forbidden = This page is for supervisors. Nothing was changed.
error-unknown-credential-title = Unknown credential
error-unknown-credential = There is no credential with this id.
error-already-exists-title = Exists already
error-already-exists = A credential with this id exists already; reissue it instead.
error-blocked-title = Blocked
error-blocked = The credential is blocked.
error-revoked-title = Revoked
error-revoked = The credential is revoked; nothing can be done with it.
error-invalid-title = Invalid input
error-invalid = The input was not valid; nothing was changed.
error-busy-title = Busy
error-busy = The verifier is busy. Try again in a moment.
error-storage-title = Error
error-storage = Something went wrong on the server; nothing was changed. Try again or call support.
error-csrf-title = Form expired
error-csrf = This form has expired or did not come from the console. Nothing was changed; reload the page and try again.

credential-kind = Kind
credential-activation = Activation
kind-envelope-only = envelope only
kind-two-channel = two-channel: envelope + activation code
activation-needed = an activation code is needed (none issued yet)
activation-pending = code issued, waiting for the customer until
activation-expired-status = the last code expired unused; a new code is needed
activation-title = Activation code
activation-hint = After the identity questions: a code for the customer to type into MobiPass. On an active MobiPass this starts a re-activation: the current app stops working at once.
activation-submit = Issue an activation code
activation-once = Read the code to the customer now: it is shown only on this page, never again.
activation-valid-until = Valid until
activation-left = Time left:
activation-expired = Expired: issue a new code.
activation-read-hint = Read it digit by digit. The customer types it after the four envelope parts; a new code replaces this one.
activation-not-two-channel = This MobiPass was issued envelope-only: it needs no activation code. Nothing was changed.
activation-blocked = The credential is blocked: unblock it after the identity check first. No code was issued.
activation-revoked = The credential is revoked: no code can be issued.
envelope-two-channel-note = The customer also needs an activation code: from the contact centre or the internet bank.
