// Show a follow-up question only when its trigger answer makes it relevant
// (e.g. "how much was it resolved?" only after a difficult moment was reported).
// Without JavaScript every question stays visible and the server ignores the ones that don't apply.
(function () {
  "use strict";
  var form = document.querySelector("form.questionnaire");
  if (!form) { return; }
  var dependents = form.querySelectorAll("[data-shown-when]");
  function refresh() {
    dependents.forEach(function (block) {
      var rule = block.getAttribute("data-shown-when").split(":");
      var hiddenFor = rule[1].split(",");
      var chosen = form.querySelector('input[name="' + rule[0] + '"]:checked');
      block.hidden = !chosen || hiddenFor.indexOf(chosen.value) !== -1;
    });
  }
  form.addEventListener("change", refresh);
  refresh();
  var summary = document.getElementById("form-error");
  if (summary) { summary.focus(); }
})();
