/* Screening round form: keep the "ticked" count in step with the checkboxes. */
(function () {
  "use strict";
  var form = document.getElementById("round-form");
  if (!form) { return; }
  var out = document.getElementById("chosen-count");
  form.addEventListener("change", function () {
    out.textContent = form.querySelectorAll('input[name="project_id"]:checked').length;
  });
})();
