// The signing page's one script: after a final outcome, sends the browser
// back to the bank with the signed return form, after a moment to read the
// result. Without JavaScript the payer presses the form's button instead.
"use strict";
(function () {
  var form = document.querySelector("form[data-testid=return-form]");
  if (!form) { return; }
  var note = document.querySelector("[data-testid=returning]");
  if (note) { note.hidden = false; }
  setTimeout(function () { form.submit(); }, 1500);
}());
