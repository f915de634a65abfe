// The "Print" button of the progress report. Without JavaScript it stays hidden (the
// browser's own print command still works and uses the print stylesheet).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
