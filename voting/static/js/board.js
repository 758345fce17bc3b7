/*
 * Finding a receipt on the public bulletin board, in the browser.
 *
 * A receipt is never put in a URL and never sent beside a session: a log that held "this
 * signed-in deputy, this receipt" would undo the blind signature. So the page fetches the
 * whole public board (GET /api/v1/polls/{id}/ballots) with no cookies and searches it here.
 * Used by the board page (templates/ballots/board.html) and by the ballot page's receipt
 * step (vote.js), which reads the receipt from this device's storage.
 */
(function () {
  "use strict";

  function normalize(receipt) {
    return String(receipt || "").toLowerCase().replace(/[^0-9a-f]/g, "");
  }

  /**
   * -> {status: "found", ballot, index} | {status: "missing"} | {status: "not_closed"};
   * throws on a network failure.
   */
  async function find(boardUrl, receipt) {
    var wanted = normalize(receipt);
    var resp = await fetch(boardUrl, {credentials: "omit", headers: {Accept: "application/json"}});
    if (resp.status === 409) return {status: "not_closed"};
    if (!resp.ok) throw new Error("board " + resp.status);
    var ballots = (await resp.json()).ballots || [];
    for (var i = 0; i < ballots.length; i++) {
      if (ballots[i].receipt === wanted) return {status: "found", ballot: ballots[i], index: i};
    }
    return {status: "missing"};
  }

  /** A ballot's choices in words: titles (selection) or "title：mark" (for/against). */
  function describe(ballot, titles, words) {
    var choices = ballot.choices;
    var title = function (id) {
      return Object.prototype.hasOwnProperty.call(titles, id) ? titles[id] : id;
    };
    if (Array.isArray(choices)) {
      return choices.length ? choices.map(title).join("、") : words.nobody;
    }
    var ids = Object.keys(choices).sort();
    if (!ids.length) return words.all_abstain;
    return ids.map(function (id) {
      return title(id) + "：" + (words[choices[id]] || choices[id]);
    }).join("；");
  }

  /** Fill `box` with what find() said. */
  function show(box, result, titles, words, extra) {
    box.textContent = "";
    var p = document.createElement("p");
    if (result.status === "found") {
      box.className = "flash flash-success";
      box.setAttribute("role", "status");
      var strong = document.createElement("strong");
      strong.textContent = words.found;
      p.appendChild(strong);
      p.appendChild(document.createTextNode(" " + describe(result.ballot, titles, words)));
    } else {
      box.className = "flash " + (result.status === "missing" ? "flash-error" : "flash-warning");
      box.setAttribute("role", "alert");
      p.textContent = words[result.status] || words.network;
    }
    box.appendChild(p);
    if (extra) {
      var more = document.createElement("p");
      more.textContent = extra;
      box.appendChild(more);
    }
    box.hidden = false;
  }

  function boardPage(cfg) {
    var form = document.getElementById("receipt-form");
    var input = document.getElementById("receipt");
    var box = document.getElementById("receipt-result");
    var words = cfg.messages;
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      document.querySelectorAll("tr.board-hit").forEach(function (row) {
        row.classList.remove("board-hit");
      });
      var wanted = normalize(input.value);
      if (!wanted) {
        show(box, {status: "empty"}, cfg.titles, words);
        input.focus();
        return;
      }
      var result;
      try {
        result = await find(cfg.boardUrl, wanted);
      } catch (err) {
        result = {status: "network"};
      }
      var extra = "";
      if (result.status === "found") {
        var row = document.querySelector('tr[data-receipt="' + result.ballot.receipt + '"]');
        if (row) {
          row.classList.add("board-hit");
        } else {
          var page = Math.floor(result.index / cfg.pageSize) + 1;
          extra = words.on_page.replace("{page}", String(page));
        }
      }
      show(box, result, cfg.titles, words, extra);
      box.dataset.result = result.status;
    });
  }

  window.ReceiptLookup = {find: find, describe: describe, show: show, normalize: normalize};
  var config = document.getElementById("board-config");
  if (config) boardPage(JSON.parse(config.textContent));
})();
