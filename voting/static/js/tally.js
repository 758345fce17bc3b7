/* The count and announcement pages: while a large count runs, show that it is running and
   keep the button from a second press; the announcement's print button. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelector("button").disabled = true;
      var box = document.getElementById("busy");
      if (!box) { return; }
      box.textContent = "";
      box.appendChild(document.createElement("progress"));
      box.appendChild(document.createTextNode(" " + form.dataset.busy));
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
}());
