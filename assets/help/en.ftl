# MobiPass help screen, English: the bank's manual inside the app.

help-title = Help
help-activation-title = Saving the key
help-activation-body = The bank gives you an envelope with an activation key in four parts of ten digits. Choose "Start activation", choose a 4-digit PIN, type the four parts and choose "Save key". A part with a typo is marked at once; compare it with the envelope. The key stays on this computer only.
help-code-title = The activation code
help-code-body = Some envelopes need an activation code as well, so that a letter taken from a mailbox cannot activate MobiPass. MobiPass then asks for it after the four parts: 8 digits the bank gives you apart from the envelope, in the internet bank after you log in, from the contact centre after its identity questions, or by SMS. The code is valid for 15 minutes. After "Save key", sign the document code the internet bank shows you next: when the bank accepts that first signature value, the activation is finished. If the code expired first, ask the bank for a new one, delete the key and activate again. A code mistyped in a way MobiPass cannot notice gives wrong signature values, as a mistyped PIN does.
help-signing-title = Signing a payment
help-signing-body = When the internet bank asks for a signature, it shows a document code. Choose "Sign", type your PIN and the code, and type the 8-digit signature value back into the internet bank. If the bank shows the amount and payee, tick that option and type them as well.
help-blocked-title = Blocked
help-blocked-body = After three wrong signature values in a row, the bank blocks MobiPass. Only the bank can unblock it: call your bank's support line. MobiPass itself cannot see or lift the block.
help-lost-title = Lost or stolen computer
help-lost-body = Call your bank at once and ask it to block MobiPass. Nobody can sign without your PIN, but the bank should know straight away.
help-computer-title = A new computer
help-computer-body = MobiPass works only on the computer and user account where you saved the key: your desktop's keyring keeps a second key for it, so a copy of its file (a backup, a stolen disk) opens nowhere else. On a new computer, activate MobiPass again with your envelope (if your envelope needs an activation code, ask the bank for a new one), then delete the key on the old computer. If MobiPass says your keyring is locked, unlock it and try again.
help-pin-title = Your PIN
help-pin-body = Choose 4 digits nobody can guess: not 1234, 1111, 0000 or a year of birth. Never write the PIN on the envelope and never tell it to anyone, not even to the bank.
help-wrong-pin-title = Why MobiPass never says "wrong PIN"
help-wrong-pin-body = MobiPass keeps nothing that could tell a right PIN from a wrong one, so a thief who copies the key file cannot try all 10,000 PINs. With a mistyped PIN, MobiPass shows a normal-looking but wrong signature value, and the bank counts it as a wrong attempt.
