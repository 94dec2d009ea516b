// The portal's page behaviours, driven by data attributes. No inline scripts or on*= handlers
// anywhere (the Content-Security-Policy allows only this origin's files and nonced scripts).
(function () {
  "use strict";

  // <form data-confirm="Delete this rule?">: ask before submitting; on OK say so to the server
  // (confirmed=yes), which otherwise answers its own confirm page (tenants/confirm.py).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.confirm) return;
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (!form.querySelector("input[name=confirmed]")) {
      var flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = "confirmed";
      flag.value = "yes";
      form.appendChild(flag);
    }
  }, true);

  // <form data-busy="Authorizing…">: Authorize / Test talk to the CRM inside the request
  // (bounded by the HTTP timeouts): show that something is happening, refuse a second click.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.busy) return;
    var button = form.querySelector("button[type=submit]");
    if (!button) return;
    if (button.disabled) { event.preventDefault(); return; }
    button.textContent = form.dataset.busy;
    setTimeout(function () { button.disabled = true; }, 0);
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.dataset) return;
    // <select data-autosubmit>: submit its form on change.
    if (el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
    // <select data-reload-param="connector">: reload this page with ?connector=<value>.
    if (el.dataset.reloadParam) {
      var url = new URL(window.location.href);
      url.searchParams.set(el.dataset.reloadParam, el.value);
      window.location.href = url.toString();
    }
  });

  // <input data-select-on-focus>: select the whole value (URLs and keys to copy).
  ["focusin", "click"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var el = event.target;
      if (el.hasAttribute && el.hasAttribute("data-select-on-focus")) el.select();
    });
  });

  // <button data-copy="#raw-key">: copy that field's value, say "Copied".
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.dataset.copy);
    if (!field) return;
    field.select();
    var say = function (text) { button.textContent = text; };
    // The old path: works without the clipboard permission; the value stays selected either way,
    // so when both fail the button tells the user to copy it by hand.
    var fallback = function () {
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      say(copied ? "Copied" : "Press Ctrl+C");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { say("Copied"); }, fallback);
    } else {
      fallback();
    }
  });

  // <form data-routing-form>: show only the inputs the chosen kind uses (the server validates
  // either way).
  function routingForms() {
    document.querySelectorAll("form[data-routing-form]").forEach(function (form) {
      var used = {owner: [], field_value: ["field", "value", "target"], bnum: ["bnum", "target"]};
      var kind = form.querySelector("select[name=kind]");
      if (!kind) return;
      function update() {
        ["field", "value", "bnum", "target"].forEach(function (name) {
          var input = form.querySelector("[name=" + name + "]");
          var row = input && input.closest("div");
          var unused = (used[kind.value] || []).indexOf(name) < 0 && !input.value;
          if (row) row.style.display = unused ? "none" : "";  // .form-grid > div sets display
        });
      }
      kind.addEventListener("change", update);
      update();
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", routingForms);
  } else {
    routingForms();
  }
})();
