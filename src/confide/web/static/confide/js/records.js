// Client-record pages: note autosave, note templates, confirmations and fingerprint previews.
// Loaded as a file (the Content-Security-Policy forbids inline scripts). Everything here only
// improves pages that already work without JavaScript.
(function () {
  "use strict";

  // ------------------------------------------------------------------ confirmations

  // Buttons (or forms) with data-confirm ask before submitting: signing a note, removing access.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (form.dataset.confirmed) {
      // A submission resumed after an autosave finished: the person already agreed.
      delete form.dataset.confirmed;
      return;
    }
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);

  // ------------------------------------------------------------------ note templates

  function setupTemplates(form) {
    var select = form.querySelector("[data-note-template]");
    var body = form.querySelector("[data-autosave]");
    if (!select || !body) { return; }
    var headings = Array.prototype.map.call(select.options, function (o) { return o.dataset.headings || ""; });
    select.addEventListener("change", function () {
      var next = select.options[select.selectedIndex].dataset.headings || "";
      var current = body.value;
      // Replace the text only when it is empty or still another template's bare headings;
      // anything the clinician wrote is kept unless they agree to lose it.
      var untouched = current.trim() === "" || headings.indexOf(current) !== -1;
      if (untouched || window.confirm("Replace what you have written with the new template's headings?")) {
        body.value = next;
        body.focus();
      }
    });
  }

  // ------------------------------------------------------------------ autosave

  function setupAutosave(form) {
    var body = form.querySelector("[data-autosave]");
    if (!body) { return; }
    var status = function () { return document.getElementById("autosave-status"); };
    var edits = 0;          // edits made since the page loaded
    var savedEdits = 0;     // edits covered by the last successful save
    var sentEdits = 0;      // edits covered by the request in flight
    var inFlight = false;
    var pendingSubmitter = null;

    function stop(message) {
      form.dataset.autosaveStopped = "1";
      if (message) {
        var el = status();
        el.textContent = message;
        el.className = "autosave-status autosave-error";
      }
    }

    body.addEventListener("input", function () { edits += 1; });

    // htmx sets detail.elt to the element an event fires on (the status line, for swaps), so
    // the element that sent the request is looked up in the request's configuration.
    function fromEditor(event) {
      var config = event.detail.requestConfig;
      return (config && config.elt === body) || event.detail.elt === body;
    }

    document.body.addEventListener("htmx:configRequest", function (event) {
      if (!fromEditor(event)) { return; }
      // After the first save of a new note, later saves go to the draft's own address.
      if (form.dataset.autosaveUrl) { event.detail.path = form.dataset.autosaveUrl; }
    });

    document.body.addEventListener("htmx:beforeRequest", function (event) {
      if (!fromEditor(event)) { return; }
      if (form.dataset.autosaveStopped) { event.preventDefault(); return; }
      inFlight = true;
      sentEdits = edits;
    });

    document.body.addEventListener("htmx:beforeSwap", function (event) {
      if (!fromEditor(event)) { return; }
      var xhr = event.detail.xhr;
      var marker = xhr.getResponseHeader("X-Confide-Autosave");
      if (!marker) {
        // Not an autosave answer: the session ended, or the vault is locked. Never swap a
        // foreign page into the editor; keep the text where it is.
        event.detail.shouldSwap = false;
        stop("Not saved: your session has ended or your records are locked. Copy your text, then sign in again in another tab.");
        return;
      }
      // 400 and 409 carry a message for the status line; show it like a success.
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      if (marker === "stopped") { form.dataset.autosaveStopped = "1"; }
    });

    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (!fromEditor(event)) { return; }
      inFlight = false;
      var xhr = event.detail.xhr;
      if (event.detail.successful && xhr && xhr.getResponseHeader("X-Confide-Autosave") === "saved") {
        savedEdits = sentEdits;
        var noteUrl = xhr.getResponseHeader("X-Confide-Note-Url");
        var autosaveUrl = xhr.getResponseHeader("X-Confide-Autosave-Url");
        if (noteUrl && autosaveUrl) {
          // The new note is now a draft: buttons and later saves address it directly.
          form.action = noteUrl;
          form.dataset.autosaveUrl = autosaveUrl;
          window.history.replaceState(null, "", noteUrl);
          var heading = document.querySelector("h1");
          if (heading) { heading.textContent = "Draft note"; }
          var crumb = document.querySelector(".breadcrumb [aria-current=page]");
          if (crumb) { crumb.textContent = "Draft note"; }
          form.querySelectorAll("input[name=kind], select[name=template]").forEach(function (el) {
            el.disabled = true;
          });
        }
      }
      if (pendingSubmitter) {
        var submitter = pendingSubmitter;
        pendingSubmitter = null;
        form.dataset.confirmed = "1";
        form.requestSubmit(submitter);
      }
    });

    document.body.addEventListener("htmx:sendError", function (event) {
      if (!fromEditor(event)) { return; }
      inFlight = false;
      var el = status();
      el.textContent = "Not saved: the server could not be reached. Your text is still here; saving resumes when you type.";
      el.className = "autosave-status autosave-error";
    });

    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      if (inFlight) {
        // Let the save in flight finish first, or the button would send an outdated version.
        event.preventDefault();
        pendingSubmitter = event.submitter || null;
        return;
      }
      form.dataset.autosaveStopped = "1";
      savedEdits = edits;
    });

    window.addEventListener("beforeunload", function (event) {
      if (edits !== savedEdits) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  // ------------------------------------------------------------------ fingerprint preview

  function setupFingerprintPreview(select) {
    var preview = document.getElementById(select.getAttribute("aria-describedby"));
    if (!preview) { return; }
    var original = preview.textContent;
    function show() {
      var option = select.options[select.selectedIndex];
      var fingerprint = option && option.dataset.fingerprint;
      preview.textContent = fingerprint ? "Their key fingerprint: " + fingerprint + ". You will confirm it on the next step." : original;
    }
    select.addEventListener("change", show);
    show();
  }

  function init() {
    var form = document.getElementById("note-form");
    if (form) {
      setupTemplates(form);
      setupAutosave(form);
    }
    document.querySelectorAll("[data-fingerprint-select]").forEach(setupFingerprintPreview);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
