/* The count page: while the count runs (its POST is answered only when it is done), show a
   progress bar and "已核验 45,000 / 100,000 张（45%）", polling the progress endpoint, which
   another worker answers. The form is sent with fetch so that the page, and its bar, stay
   until the answer: a redirect (counted) loads the count page again, anything else (the
   count refused, and why) replaces the page. Without this script the form posts as usual. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-progress-url]");
  var box = document.getElementById("busy");
  if (!form || !box || !window.fetch) { return; }
  var bar = document.getElementById("count-bar");
  var text = document.getElementById("count-text");
  var INTERVAL = 400;
  var running = false;

  function show(data) {
    if (data.total) {
      bar.max = 100;
      bar.value = data.percent;
    }
    text.textContent = data.text;
  }

  function poll() {
    if (!running) { return; }
    fetch(form.dataset.progressUrl, {credentials: "same-origin", cache: "no-store",
                                     headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && running) { show(data); } })
      .catch(function () { /* a blip: the next poll tries again */ })
      .then(function () { if (running) { window.setTimeout(poll, INTERVAL); } });
  }

  function replacePage(html) {
    document.open();
    document.write(html);
    document.close();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (running) { return; }
    running = true;
    form.querySelector("button").disabled = true;
    bar.removeAttribute("value");  /* indeterminate until the first answer */
    text.textContent = form.dataset.progressStart;
    box.hidden = false;
    window.setTimeout(poll, INTERVAL / 2);
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        redirect: "manual"})
      .then(function (response) {
        running = false;
        if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
          window.location.assign(window.location.href);
          return null;
        }
        return response.text().then(replacePage);
      })
      .catch(function () {
        running = false;
        form.submit();  /* the network failed before an answer: post it the ordinary way */
      });
  });
}());
