/* Secretariat session pages: the live quorum block, "select all" on the roster, and the
   print button on credential slips. Each part runs only on the page that has its elements;
   without script the pages still work (the buttons that need script stay hidden). */
(function () {
  "use strict";

  /* Session page: re-fetch the quorum block every 10 s; announce a change through the
     status line. */
  var box = document.getElementById("quorum-live");
  var status = document.getElementById("quorum-status");
  if (box && status && box.dataset.src) {
    var summaryOf = function () {
      var el = box.querySelector("[data-summary]");
      return el ? el.textContent : "";
    };
    var last = summaryOf();
    setInterval(function () {
      if (document.hidden) { return; }
      fetch(box.dataset.src, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          box.innerHTML = html;
          var summary = summaryOf();
          if (summary !== last) { status.textContent = summary; last = summary; }
        })
        .catch(function () {});
    }, 10000);
  }

  /* Roster: "select all" needs script, so it stays hidden without it. */
  var all = document.getElementById("pick-all");
  var boxes = document.querySelectorAll('#reset-form input[name="deputy_id"]');
  if (all && boxes.length && !all.disabled) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { if (!b.disabled) { b.checked = all.checked; } });
    });
  }

  /* Credential slips: the print button. */
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
