// The activation code page's countdown: minutes and seconds left, counted
// from the page's arrival (the server's figure, so a skewed client clock
// does not matter). Without JavaScript the page says until when instead.
"use strict";
(function () {
  var box = document.querySelector("[data-testid=activation-countdown]");
  if (!box) { return; }
  var end = Date.now() + Number(box.getAttribute("data-seconds")) * 1000;
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    if (left === 0) {
      box.textContent = box.getAttribute("data-expired");
      box.classList.add("expired");
      document.querySelector("[data-testid=activation-code]").classList.add("expired");
      return;
    }
    box.textContent = box.getAttribute("data-label") + " " + two(Math.floor(left / 60)) + ":" + two(left % 60);
    setTimeout(tick, 1000 - ((end - Date.now()) % 1000 + 1000) % 1000 || 1000);
  }
  box.hidden = false;
  tick();
}());
