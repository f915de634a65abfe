// The portal's forms on a phone:
// - a follow-up question shows only when its trigger answer makes it relevant (e.g. "how much was
//   it resolved?" only after a difficult moment was reported); without JavaScript every question
//   stays visible and the server ignores the ones that don't apply;
// - answers are kept as you go (form[data-autosave]): a reload or the back button loses nothing;
// - sentence starters for the feedback composer ([data-starters]);
// - the error summary takes the focus, so a screen reader announces it first.
(function () {
  "use strict";

  // ------------------------------------------------------------------ answers kept as you go
  // Saved in sessionStorage, NOT localStorage, on purpose: sessionStorage belongs to this one tab
  // and is emptied when the tab is closed, so nothing a client wrote lingers on a shared phone.
  // Saved answers are also removed as soon as the server confirms the form was stored.
  // The key is the form's path (the hidden idempotency key changes on every reload).
  var SAVED = "attune:form:";   // SAVED + path → {owner, values}
  var SENT = "attune:sent:";    // SENT + path → the form was sent from this tab
  var SKIP = { csrfmiddlewaretoken: true, idempotency_key: true };
  var store = null;
  try {
    store = window.sessionStorage;
    store.setItem("attune:probe", "1");
    store.removeItem("attune:probe");
  } catch (error) {
    store = null; // private mode or storage disabled: the forms still work, without autosave
  }

  function keysWith(prefix) {
    var found = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(prefix) === 0) { found.push(key); }
    }
    return found;
  }

  // A page that confirms a stored form ([data-autosave-done]: the thank-you page, a page showing
  // "saved") clears the answers of every form sent from this tab. A form that comes back instead
  // (a refused answer, a lost connection) keeps them.
  if (store && document.querySelector("[data-autosave-done]")) {
    keysWith(SENT).forEach(function (key) {
      store.removeItem(SAVED + key.slice(SENT.length));
      store.removeItem(key);
    });
  }

  function collect(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      var name = field.name;
      if (!name || SKIP[name] || field.disabled) { return; }
      var type = (field.type || "").toLowerCase();
      if (["hidden", "submit", "button", "reset", "file", "password"].indexOf(type) !== -1) { return; }
      if (type === "radio") {
        if (field.checked) { values[name] = field.value; }
      } else if (type === "checkbox") {
        values[name] = values[name] || [];
        if (field.checked) { values[name].push(field.value); }
      } else {
        values[name] = field.value;
      }
    });
    return values;
  }

  function apply(form, values) {
    Array.prototype.forEach.call(form.elements, function (field) {
      var name = field.name;
      if (!name || SKIP[name] || !Object.prototype.hasOwnProperty.call(values, name)) { return; }
      var type = (field.type || "").toLowerCase();
      var value = values[name];
      if (type === "radio") {
        field.checked = field.value === value;
      } else if (type === "checkbox") {
        field.checked = Array.isArray(value) && value.indexOf(field.value) !== -1;
      } else if (["hidden", "submit", "button", "reset", "file", "password"].indexOf(type) === -1) {
        field.value = value;
      }
    });
  }

  function autosave(form) {
    var path = form.getAttribute("data-autosave") || window.location.pathname;
    var key = SAVED + path;
    // Saved answers belong to the person signed in when they were typed.
    var owner = form.getAttribute("data-autosave-owner") || "";
    // Back at the form: whatever was sent from here did not get through, keep the answers.
    store.removeItem(SENT + path);
    try {
      var saved = JSON.parse(store.getItem(key) || "null");
      if (saved && saved.owner === owner && saved.values) {
        apply(form, saved.values);
      } else if (saved) {
        store.removeItem(key);
      }
    } catch (error) {
      store.removeItem(key);
    }
    function save() {
      try {
        store.setItem(key, JSON.stringify({ owner: owner, values: collect(form) }));
      } catch (error) { /* storage full: nothing to do, the form itself still works */ }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function () {
      save();
      store.setItem(SENT + path, "1");
    });
  }

  if (store) {
    document.querySelectorAll("form[data-autosave]").forEach(autosave);
  }

  // ------------------------------------------------------------------ follow-up questions
  document.querySelectorAll("form.questionnaire").forEach(function (form) {
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
  });

  // ------------------------------------------------------------------ sentence starters
  // A starter is put into the message (never sent); its first "…" is selected, so typing
  // replaces it. Without JavaScript the starters stay hidden and the guide above them remains.
  document.querySelectorAll("[data-starters]").forEach(function (box) {
    var target = document.getElementById(box.getAttribute("data-starters"));
    if (!target) { return; }
    box.hidden = false;
    box.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-starter]");
      if (!button) { return; }
      var starter = button.getAttribute("data-starter");
      var before = target.value.replace(/\s+$/, "");
      target.value = before ? before + "\n\n" + starter : starter;
      target.focus();
      var gap = target.value.indexOf("…", before.length);
      if (gap !== -1) { target.setSelectionRange(gap, gap + 1); }
      target.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });

  // ------------------------------------------------------------------ error summary
  var summary = document.getElementById("form-error");
  if (summary) { summary.focus(); }
})();
