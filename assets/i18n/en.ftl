# MobiPass desktop app, English. Every id here must exist in ru.ftl and kk.ftl
# too (tests/gui_i18n.rs checks it).

language-name = English
app-title = MobiPass
language-label = Language
theme-system = System theme
theme-light = Light
theme-dark = Dark
busy = Working… this takes about a second.
back = Back
next = Next
switch-keys = Ctrl+L: language · Ctrl+T: theme
keys-hint = Tab moves between fields and buttons, Space ticks a box, Enter goes on, Esc goes back.

welcome-title = Welcome to MobiPass
welcome-body = MobiPass signs your internet-bank payments. To start, save the activation key from the bank's envelope and choose a PIN.
welcome-start = Start activation
welcome-help = Help
welcome-keys = Enter: start activation · H: help

pin-choose-title = Choose a PIN
pin-choose-body = The PIN is 4 digits. You will type it each time you sign. Avoid easy guesses such as 1234, 1111 or a year of birth.
pin-new = New PIN
pin-new-again = New PIN again
pin-label = PIN

key-title = Type the activation key
key-body = Type the four parts from the envelope, ten digits each. MobiPass moves to the next part by itself. You can also paste the whole key into any part.
key-part = Part { $part }
key-part-ok = Part { $part } is correct.

code-title = Type the activation code
code-body = This envelope needs an activation code as well: 8 digits that the bank gives you apart from the envelope, so that the envelope alone cannot activate MobiPass.
code-where = You get the code in the internet bank after you log in, from the bank's contact centre after it has asked its identity questions, or by SMS. It is valid for 15 minutes; if it has expired, ask the bank for a new one.
code-label = Activation code (8 digits)
code-ok = The activation code is correct.

review-title = Check and save
review-body = Compare the key with the envelope once more. It will be saved under the PIN you chose.
review-body-code = Compare the key with the envelope and the activation code with what the bank gave you, once more. They will be saved under the PIN you chose.
review-code = Activation code
review-save = Save key

saved-title = Key saved
saved-body = MobiPass is ready to sign. Keep the envelope somewhere safe, or destroy it as your bank advises.
saved-finish-body = One more step to finish the activation: sign the document code the internet bank shows you next (Continue, then Sign). The bank confirms the activation when it accepts that first signature value. If the activation code expires first (it is valid for 15 minutes), ask the bank for a new code, delete the key and activate again with it.
saved-continue = Continue

menu-title = What do you want to do?
menu-sign = Sign
menu-change-pin = Change PIN
menu-delete = Delete key
menu-help = Help
menu-keys = Keys 1 to 4 choose an action; Tab and Enter work too.
menu-unbound = This key is not bound to this computer: its file opens wherever it is copied. Once a keyring runs (GNOME Keyring, KWallet), change the PIN to bind it.
help-keys = Arrows, Page Up, Page Down, Home and End scroll · Esc: back

sign-title = Sign a payment
sign-pin = PIN
sign-code = Document code
sign-linked = The bank shows amount and payee
sign-amount = Amount
sign-payee = Payee account
sign-payee-digits = Digits that count: { $digits }
sign-payee-short = This account has fewer than 8 digits, and only its digits count ({ $digits }): compare them with the bank's page.
sign-submit = Sign
sign-response-label = Signature value: type it into the internet bank
sign-copy = Copy
sign-copied = Copied; the clipboard is cleared in { $seconds } s.
sign-hides = This value hides itself in { $seconds } s.
sign-hidden = The signature value was hidden after { $seconds } s. To sign again, type the PIN and the next document code.
sign-signed-title = What you signed: compare it with the internet bank's page
sign-signed-code = Document code
sign-signed-amount = Amount
sign-signed-payee = Payee account
sign-again = Sign another payment
sign-response-keys = C: copy · Enter: sign another payment · Esc: back
sign-note = If you mistype the PIN, the signature value is wrong: MobiPass cannot tell. After three wrong signature values in a row, the bank blocks MobiPass.

change-title = Change PIN
change-body = Type the current PIN, then the new PIN twice. MobiPass cannot check the current PIN: if you mistype it, the change still goes ahead and every later signature value will be wrong. If that happens, delete the key and activate again with the envelope from the bank.
change-current = Current PIN
change-submit = Change PIN
change-done = The PIN is changed. Use the new PIN from now on. If the bank refuses your signature values, delete the key and activate again with the envelope from the bank.

delete-title = Delete the key?
delete-body = MobiPass will forget the activation key. To sign again you will need the envelope from the bank, or a new one.
delete-confirm = Yes, delete the key
delete-keep = Keep the key
delete-keys = Enter or Esc: keep the key · to delete, Tab to the red button and press Space
deleted-body = The key is deleted.

problem-title = MobiPass cannot use its key file
problem-retry = Try again
problem-delete = Delete key

err-key-not-digits = Part { $part } may hold only digits.
err-key-length = Part { $part } has { $found } digits; each part has 10.
err-key-typo = Part { $part } has a typo. Compare it with the envelope.
err-key-whole-length = A whole key has 40 digits; this one has { $found }.
err-key-mixed = The parts do not belong together. Compare them with the envelope.
err-code-not-digits = The activation code may hold only digits.
err-code-length = The activation code has 8 digits; this one has { $found }.
err-code-typo = The activation code has a typo. Compare it with what the bank gave you.
err-code-needed = This envelope needs an activation code from the bank.
err-code-not-expected = This envelope takes no activation code.
err-pin-four-digits = The PIN is exactly 4 digits.
err-pin-all-same = All four digits are the same. Choose a PIN that is harder to guess.
err-pin-sequence = The digits run in a row. Choose a PIN that is harder to guess.
err-pin-common = This is one of the most common PINs. Choose a PIN that is harder to guess.
err-pin-mismatch = The two new PINs differ. Type the new PIN again.
err-code = The document code has 6 to 8 digits.
err-amount = Type the amount like 1500, 1 500,00 or 1,500.00 (at most 2 decimals).
err-amount-ambiguous = Is this a thousand or one? Write a thousand as 1000 or 1 000,00, and decimals with at most 2 digits, like 1,50.
err-amount-too-large = The amount is too large.
err-payee = The payee account must contain at least one digit.
err-not-activated = No key is saved yet.
err-already-activated = A key is already saved. Delete it first.
err-damaged = The key file { $path } is damaged. Delete the key and save it again from the envelope.
err-locked = Another MobiPass window or terminal is using the key file { $path }. Close it and try again.
err-io-full = The disk is full: MobiPass could not write { $path }. Free some space and try again.
err-io-permission = MobiPass may not read or write { $path }. Check the file's permissions.
err-io = MobiPass could not read or write { $path }. Try again.
err-unexpected = Something unexpected went wrong. Try again.
err-no-data-dir = MobiPass found no folder to keep its key in. Start it with --vault and a file path, or set MOBIPASS_VAULT.
err-out-of-memory = Not enough free memory for a moment (MobiPass needs about 256 MB to protect your key). Close other programs and try again. Your key is safe.
err-other-device = This MobiPass was activated on another computer or user account. Activate again with your envelope (delete this copy first).
err-no-keystore = This computer has no keystore running (on Linux: no Secret Service such as GNOME Keyring or KWallet), so MobiPass cannot open its key, which is bound to one. Start your desktop's keyring and try again.
err-keystore-locked = Your keyring is locked. Unlock it (log in again, or open your keyring app) and try again.
err-keystore-cancelled = The keyring's prompt was closed, so MobiPass could not reach its key. Try again and allow access.
err-keystore-failed = The keyring failed. Try again.
unbound-title = No keystore on this computer
unbound-body = This computer has no keystore running (on Linux: no Secret Service such as GNOME Keyring or KWallet), so MobiPass cannot bind the key to this computer. An unbound key opens wherever its file is copied: whoever copies it (from a backup, a synced folder or a stolen disk) and sees one of your signature values can find your PIN by trying all 10,000.
unbound-keep = Keep an unbound key
saved-bound = The key is bound to this computer and user account: a copy of its file opens nowhere else. On a new computer, activate again with the envelope.
saved-unbound = The key is not bound to this computer (no keystore): its file opens wherever it is copied. It will be bound at the next PIN change once a keystore runs.
warn-not-durable = The change is made, but the disk could not confirm it: if the power fails in the next moments, the previous version may come back. Folder: { $path }
warn-old-copy = The change is made, but the previous version of { $path } could not be erased; its bytes may stay on the disk.
