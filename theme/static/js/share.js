// Copy-link button of the share block: revealed only when the Clipboard API is available, so
// without JavaScript (or without the API) the reader simply does not see a dead button.
(function () {
  "use strict";
  function init() {
    var buttons = document.querySelectorAll("[data-copy-link]");
    if (!navigator.clipboard || !window.isSecureContext) { return; }
    Array.prototype.forEach.call(buttons, function (button) {
      var status = button.closest("section").querySelector("[data-copy-status]");
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.getAttribute("data-copy-link")).then(function () {
          if (status) { status.textContent = button.getAttribute("data-copied"); }
        }, function () {
          if (status) { status.textContent = button.getAttribute("data-copy-failed"); }
        });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
