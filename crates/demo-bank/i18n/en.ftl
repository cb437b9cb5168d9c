# The demo bank's words (English). Same ids in ru.ftl and kk.ftl (a test checks).

nav-home = Overview
nav-sms = Phone (SMS)
nav-transfer = Transfer
nav-statement = Statement
sign-out = Sign out
footer-demo = A demonstration bank: no real money moves. It talks to the MobiPass verifier only through its HTTP API, as a real internet bank would.
help-title = MobiPass blocked?
help-text = After three wrong signature values MobiPass is blocked. Call the bank: the contact centre checks who you are and unblocks it.
help-console = Open the contact-centre console
help-operator = sign in as
back-home = Back to the overview

home-title = Overview
home-welcome = Welcome, { $name }
home-credential = MobiPass credential:
step-envelope = The envelope with your activation key was shown once at sign-up (a real bank posts it).
step-sms = Get the activation code on your phone (the second channel).
step-activate = Activate the MobiPass desktop app with the envelope's key and the activation code, and choose a PIN:
step-activate-gui = the window (or an installed mobipass)
step-activate-cli = in the terminal (or mobipass activate)
step-transfer = Make a transfer and sign it with MobiPass.
step-statement = See it on your statement.

signup-title = Open an account
signup-intro = Sign up with a name, and the bank issues you a MobiPass: an envelope with the activation key now, and an activation code through a second channel.
signup-name = Your name
signup-submit = Sign up
signup-name-invalid = Type a name of 1 to 60 characters.
signin-title = Sign in with MobiPass
signin-intro = Already a customer? Type your MobiPass credential (on your envelope) and confirm on the signing page: no password needed.
signin-id = MobiPass credential
signin-submit = Sign in
signin-unknown = This bank has no customer with that credential.
signin-description = Sign in to { $bank }
signin-failed = The sign-in was not confirmed in this browser. Start it again here.
signin-expired = The sign-in took too long. Start it again.

envelope-title = Your envelope
envelope-once = The envelope is shown only this once. Print it or copy the four parts before you go on.
envelope-heading = MobiPass activation key
envelope-for = For
envelope-part = Part
envelope-instructions = Install MobiPass, choose "Activate" and type the four parts in order. Keep this envelope apart from your computer.
envelope-two-channel = This envelope alone does not activate MobiPass: you also need the activation code the bank sends through another channel.
envelope-print = To print the envelope, use your browser's Print command (Ctrl+P).
envelope-next = Next: the activation code

sms-title = Second channel
sms-intro = A real bank sends the activation code by SMS, or the contact centre reads it out after checking who you are. This page plays your phone.
sms-phone = Messages
sms-code-is = Your MobiPass activation code:
sms-valid-until = Valid until { $time }. Type it into MobiPass after the envelope's key.
sms-never-tell = Never tell this code to anyone, not even the bank's staff.
sms-none = No message yet.
sms-send = Send me the activation code
sms-send-again = Send a new code (the old one stops working)
sms-then = Then activate MobiPass: the four parts of the envelope, this code, and a PIN of your choice.
sms-blocked = Your MobiPass is blocked. Call the bank's contact centre to unblock it.
sms-revoked = Your MobiPass was revoked. The bank has to issue a new envelope.
sms-not-needed = Your envelope activates MobiPass without a code.

transfer-title = New transfer
transfer-payee = Recipient
transfer-account = Recipient's account
transfer-account-hint = An IBAN or account number; its last 8 digits go into a linked signature.
transfer-amount = Amount
transfer-kind = Signature
transfer-linked = Linked: amount and account are part of the signature (for payments)
transfer-plain = Plain: only the document code is signed
transfer-submit = Continue to signing
transfer-next = You will sign on the MobiPass signing page and come back here.
transfer-payee-invalid = Type the recipient's name (1 to 60 characters).
transfer-account-invalid = Type the account with at least one digit (letters, digits, spaces and dashes, up to 34).
transfer-amount-invalid = Type an amount above zero, such as 12.50.
transfer-description = Transfer to { $payee }
transfer-needs-code = MobiPass is not activated yet: get the activation code on the phone page first, then activate the app.
transfer-code-expired = The activation code expired before MobiPass was activated. Get a new code on the phone page.
transfer-blocked = Your MobiPass is blocked. Call the bank's contact centre to unblock it.
transfer-revoked = Your MobiPass was revoked. The bank has to issue a new envelope.
transfer-not-allowed = The verifier does not accept this bank as a return address for signing (its signing_return_urls lacks the bank's /signed). Nothing was sent.

return-title = Confirmation refused
return-invalid = This confirmation did not come from the signing page, or it was altered. Nothing was booked.
return-replayed = This payment was already confirmed. Nothing was booked twice.

statement-title = Statement
statement-empty = No payments yet.
statement-when = Date
statement-payee = Recipient
statement-account = Account
statement-amount = Amount
statement-signature = Signature
statement-linked = linked
statement-plain = plain
statement-new = New transfer
outcome-accepted = Payment signed and booked.
outcome-blocked = The payment was not made: MobiPass is blocked after too many wrong signature values. Call the bank's contact centre.
outcome-expired = The payment was not made: the signing time ran out. Start the transfer again.

error-title = Something went wrong
error-verifier = The bank cannot reach the MobiPass verifier right now. Nothing was changed; try again in a moment.
error-csrf = This form has expired. Go back, reload the page and send it again.
error-not-found = There is no such page.
