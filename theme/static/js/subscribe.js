/*
 * Newsletter form, submitted in place.
 *
 * Contract (newsletter/README.md): a <form data-newsletter-form> posting to the endpoint, with a
 * [data-newsletter-status] live region (role="status") and one <template data-outcome="CODE">
 * per outcome code holding the translated message. Without this script the form still works:
 * the endpoint answers with a 303 to the static result page.
 * Runs under a strict CSP: no inline code, no eval, no HTML strings (templates are cloned).
 */
(function () {
  "use strict";

  var CODE = /^[a-z-]+$/;

  function show(form, code) {
    var status = form.querySelector("[data-newsletter-status]");
    if (!status) {
      return;
    }
    var template = form.querySelector('template[data-outcome="' + code + '"]');
    status.textContent = "";
    if (template) {
      status.appendChild(template.content.cloneNode(true));
    }
    status.setAttribute("data-outcome", code);
    form.setAttribute("data-outcome", code);
  }

  function outcomeOf(response) {
    return response.json().then(
      function (data) {
        return data && CODE.test(data.outcome) ? data.outcome : "bad-request";
      },
      function () {
        // Not our JSON (a proxy error page, say): the reader can simply try again later.
        return response.status === 429 ? "rate-limited" : "try-later";
      }
    );
  }

  function submit(event) {
    var form = event.currentTarget;
    if (!window.fetch || !window.URLSearchParams || !window.FormData) {
      return; // old browser: let the normal POST and redirect happen
    }
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") {
      return;
    }
    var button = form.querySelector('[type="submit"]');
    form.setAttribute("aria-busy", "true");
    if (button) {
      button.disabled = true;
    }
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(outcomeOf, function () {
        return "try-later"; // network error
      })
      .then(function (code) {
        show(form, code);
        if (code === "check-inbox") {
          form.reset();
        }
      })
      .then(function () {
        form.removeAttribute("aria-busy");
        if (button) {
          button.disabled = false;
        }
      });
  }

  function init() {
    var forms = document.querySelectorAll("form[data-newsletter-form]");
    for (var i = 0; i < forms.length; i += 1) {
      forms[i].addEventListener("submit", submit);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
