// Confide's page behaviour. Loaded as a file (the Content-Security-Policy forbids inline scripts).
(function () {
  "use strict";

  // Idle sign-out warning. The server enforces the timeout; this only warns and offers to continue.
  function setupIdleWarning() {
    var body = document.body;
    var idle = parseInt(body.dataset.idleSeconds || "0", 10);
    var warnBefore = parseInt(body.dataset.idleWarningSeconds || "120", 10);
    var dialog = document.getElementById("idle-dialog");
    if (!idle || !dialog) { return; }
    var deadline = Date.now() + idle * 1000;
    var remainingEl = document.getElementById("idle-remaining");

    function refreshFromServer() {
      // Another tab may have been active: ask the server how long is left (this is not activity).
      return fetch("/session/status", { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.json().then(function (d) { return { status: r.status, data: d }; }); })
        .then(function (res) {
          if (res.status === 401 || !res.data.signed_in) { window.location.assign("/accounts/login/?expired=1"); return; }
          deadline = Date.now() + res.data.remaining_seconds * 1000;
        })
        .catch(function () { /* Offline: keep the local deadline. */ });
    }

    function tick() {
      var left = Math.round((deadline - Date.now()) / 1000);
      if (left <= 0) {
        refreshFromServer().then(function () {
          if (deadline <= Date.now()) { window.location.assign("/accounts/login/?expired=1"); }
        });
        return;
      }
      if (left <= warnBefore) {
        if (!dialog.open) {
          refreshFromServer().then(function () {
            if (deadline - Date.now() <= warnBefore * 1000 && !dialog.open) { dialog.showModal(); }
          });
        }
        var minutes = Math.floor(left / 60), seconds = left % 60;
        remainingEl.textContent = minutes > 0 ? minutes + " min " + seconds + " s" : seconds + " seconds";
      } else if (dialog.open) {
        dialog.close();
      }
    }

    document.getElementById("idle-continue").addEventListener("click", function () {
      fetch("/session/keepalive", {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRFToken": body.dataset.csrfToken }
      }).then(function (r) { return r.json(); }).then(function (d) {
        if (!d.signed_in) { window.location.assign("/accounts/login/?expired=1"); return; }
        deadline = Date.now() + d.remaining_seconds * 1000;
        dialog.close();
      });
    });
    window.setInterval(tick, 1000);
  }

  // htmx requests carry the CSRF token from the page.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = document.body.dataset.csrfToken;
  });

  // Small screens: the menu collapses behind one button (CSS hides it only once this script runs,
  // so without script the menu simply stays open).
  function setupMenu() {
    var toggle = document.querySelector(".menu-toggle");
    if (!toggle) { return; }
    var bar = toggle.closest(".topbar");
    document.documentElement.classList.add("has-menu-toggle");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = bar.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // A table that scrolls inside its own box (small screens) takes the focus, so the keyboard can scroll it.
  function scrollableTables() {
    document.querySelectorAll("table.table").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1 && getComputedStyle(table).overflowX !== "visible") {
        table.tabIndex = 0;
      }
    });
  }

  function start() { setupIdleWarning(); setupMenu(); scrollableTables(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
