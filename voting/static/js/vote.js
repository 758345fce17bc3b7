/*
 * The deputy's ballot page (templates/ballots/vote.html) and list of polls (my_polls.html).
 *
 * Ballot secrecy rests on this order of things (PROTOCOL.md, DESIGN.md "Secrecy"):
 *  1. On opening the page, make a random token (msg, prefix), blind it, SAVE it on this device,
 *     then ask the server to sign the blinded token (signed in: it knows who asks, not what).
 *     A lost reply or a reload re-sends the SAME blinded token; the server answers alike.
 *  2. Unblind and verify the signature; save it.
 *  3. After the deputy confirms, SAVE the ballot, wait a random moment, then send it with no
 *     cookie (credentials: "omit"). A reload re-sends the identical ballot; the server answers
 *     with the same receipt.
 * The page's words come translated in the page's JSON (vote_config.messages): none here.
 */
(function () {
  "use strict";

  function load(key) {
    try {
      return JSON.parse(localStorage.getItem(key));
    } catch (err) {
      return null;
    }
  }

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  /** The list of polls: mark those whose receipt this device keeps. */
  function markVotedPolls(list) {
    list.querySelectorAll("[data-storage-key]").forEach(function (item) {
      var saved = load(item.dataset.storageKey);
      if (saved && saved.receipt) item.querySelector(".voted-here").hidden = false;
    });
  }

  function BallotPage(cfg) {
    var B = window.BlindRSA;
    var M = cfg.messages;
    var pk = B.importPublicKey(cfg.publicKeyPem);
    // {msg, prefix, inv, blinded, sig?, draft?, ballot?} until cast, then {msg, receipt}
    var state = load(cfg.storageKey);
    var tokenPromise = null;
    var busy = false;
    var form = byId("ballot-form");
    var steps = ["step-choose", "step-review", "step-sending", "step-receipt"];

    function byId(id) {
      return document.getElementById(id);
    }

    function persist() {
      localStorage.setItem(cfg.storageKey, JSON.stringify(state));
    }

    function say(text) {
      byId("vote-status").textContent = text;
    }

    /** Show one step; move the focus to its heading when the deputy caused the change. */
    function show(step, focus) {
      steps.forEach(function (id) {
        byId(id).hidden = id !== step;
      });
      if (step && focus) byId(step).querySelector("h2").focus();
    }

    function clearAlert() {
      byId("vote-alert").hidden = true;
    }

    /** A problem, in the alert box; `retry` offers a button that runs it again. */
    function alarm(text, options) {
      options = options || {};
      var retry = byId("vote-retry"), login = byId("vote-login");
      byId("vote-alert-text").textContent = text;
      retry.hidden = !options.retry;
      retry.onclick = options.retry ? function () { clearAlert(); options.retry(); } : null;
      login.hidden = !options.login;
      byId("vote-alert").hidden = false;
      if (options.retry) retry.focus();
    }

    function Failure(message, options) {
      this.message = message;
      this.options = options || {};
    }

    async function serverReason(resp) {
      try {
        return (await resp.json()).message || resp.statusText;
      } catch (err) {
        return resp.statusText || String(resp.status);
      }
    }

    function prepared() {
      return B.prepare(B.b64urlDecode(state.msg), B.b64urlDecode(state.prefix));
    }

    function csrfToken() {
      var meta = document.querySelector('meta[name="csrf-token"]');
      return meta ? meta.content : "";
    }

    // ---- the token ------------------------------------------------------------------------

    async function fetchToken() {
      if (state && state.sig) return;
      say(M.preparing);
      if (!state) {
        var msg = B.randomBytes(32), prefix = B.randomBytes(32);
        var blinded = await B.blind(pk, B.prepare(msg, prefix));
        state = {msg: B.b64urlEncode(msg), prefix: B.b64urlEncode(prefix),
                 inv: B.b64urlEncode(blinded.inv), blinded: B.b64urlEncode(blinded.blindedMsg)};
        persist();  // before sending: after a lost reply, the same blinded token goes again
      }
      var resp;
      try {
        resp = await fetch(cfg.tokenUrl, {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
          body: JSON.stringify({blinded_msg: state.blinded})
        });
      } catch (err) {
        throw new Failure(M.network, {retry: true});
      }
      if (resp.status === 401) throw new Failure(M.signed_out, {login: true});
      if (resp.status >= 500) throw new Failure(M.network, {retry: true});
      if (resp.status !== 200) {
        var refused = fmt(M.token_refused, {reason: await serverReason(resp)});
        throw new Failure(resp.status === 409 ? refused + " " + M.token_elsewhere : refused);
      }
      var sig;
      try {
        var blindSig = B.b64urlDecode((await resp.json()).blind_sig);
        sig = await B.finalize(pk, prepared(), blindSig, B.b64urlDecode(state.inv));
      } catch (err) {
        throw new Failure(M.token_bad);
      }
      state.sig = B.b64urlEncode(sig);
      persist();
      say(M.ready);
    }

    /** One token request at a time; after a failure the next call tries again. */
    function token() {
      if (!tokenPromise) {
        tokenPromise = fetchToken().catch(function (failure) {
          tokenPromise = null;
          throw failure;
        });
      }
      return tokenPromise;
    }

    function startToken() {
      token().catch(function (failure) { report(failure, startToken); });
    }

    function report(failure, again) {
      if (!(failure instanceof Failure)) failure = new Failure(String(failure && failure.message));
      alarm(failure.message, {retry: failure.options.retry ? again : null,
                              login: failure.options.login});
    }

    // ---- choosing -------------------------------------------------------------------------

    function candidates() {
      return Array.prototype.slice.call(form.querySelectorAll(".candidate"));
    }

    /** The ballot's choices as PROTOCOL wants them: ids (selection) or id -> mark. */
    function currentChoices() {
      if (cfg.kind === "for_against") {
        var marks = {};
        form.querySelectorAll('input[type="radio"]:checked').forEach(function (input) {
          marks[input.dataset.candidate] = input.value;
        });
        return marks;
      }
      return Array.prototype.map.call(form.querySelectorAll('input[name="choice"]:checked'),
                                      function (input) { return input.value; });
    }

    function chosenCount(choices) {
      if (cfg.kind !== "for_against") return choices.length;
      return Object.keys(choices).filter(function (id) { return choices[id] === "for"; }).length;
    }

    function updateCounter() {
      byId("vote-counter").textContent = fmt(M.counter, {n: chosenCount(currentChoices()),
                                                         max: cfg.maxChoices});
    }

    /** Put saved choices back; each card remembers its mark, to undo a refused change. */
    function restore(choices) {
      if (cfg.kind === "for_against") {
        Object.keys(choices || {}).forEach(function (id) {
          form.querySelectorAll('input[type="radio"]').forEach(function (input) {
            if (input.dataset.candidate === id && input.value === choices[id]) input.checked = true;
          });
        });
        candidates().forEach(function (box) {
          box.dataset.mark = box.querySelector('input[type="radio"]:checked').value;
        });
      } else if (choices) {
        form.querySelectorAll('input[name="choice"]').forEach(function (input) {
          input.checked = choices.indexOf(input.value) >= 0;
        });
      }
    }

    /** More than max_choices is refused at once: the change is undone and said why. */
    function onChange(event) {
      var input = event.target, limit = byId("vote-limit");
      if (chosenCount(currentChoices()) > cfg.maxChoices) {
        if (input.type === "checkbox") {
          input.checked = false;
        } else {
          var previous = input.closest(".candidate").dataset.mark || "abstain";
          input.closest("fieldset").querySelector('input[value="' + previous + '"]').checked = true;
        }
        limit.textContent = fmt(M.limit, {max: cfg.maxChoices});
        limit.hidden = false;
      } else {
        limit.hidden = true;
      }
      if (input.type === "radio") {
        var box = input.closest(".candidate");
        box.dataset.mark = box.querySelector('input[type="radio"]:checked').value;
      }
      if (state) {
        state.draft = currentChoices();
        persist();
      }
      updateCounter();
    }

    function review(event) {
      event.preventDefault();
      var choices = currentChoices(), list = byId("review-list"), empty = byId("review-empty");
      list.textContent = "";
      var any = false;
      candidates().forEach(function (box) {
        var id = box.dataset.candidate, mark;
        if (cfg.kind === "for_against") {
          mark = choices[id] || "abstain";
          if (mark === "abstain") return;
        } else if (choices.indexOf(id) < 0) {
          return;
        }
        var item = document.createElement("li");
        item.textContent = mark ? fmt(M.review_mark, {title: box.dataset.title, mark: M[mark]})
                                : box.dataset.title;
        if (mark) item.className = "review-" + mark;
        list.appendChild(item);
        any = true;
      });
      list.hidden = !any;
      empty.hidden = any;
      empty.textContent = M.abstain_all;
      show("step-review", true);
    }

    // ---- casting --------------------------------------------------------------------------

    function randomDelay() {
      var max = Math.max(0, cfg.castDelayMaxMs | 0);
      return max ? crypto.getRandomValues(new Uint32Array(1))[0] % (max + 1) : 0;
    }

    async function confirmAndCast() {
      if (busy) return;
      busy = true;
      clearAlert();
      show("step-sending", true);
      try {
        say(M.waiting_token);
        await token();
      } catch (failure) {
        busy = false;
        show("step-review", false);
        report(failure, confirmAndCast);
        return;
      }
      state.ballot = JSON.stringify({msg: state.msg, msg_prefix: state.prefix, sig: state.sig,
                                     choices: currentChoices()});
      persist();  // before sending: a reload sends this identical ballot again
      say(M.sending);
      await new Promise(function (resolve) { setTimeout(resolve, randomDelay()); });
      await send();
    }

    async function send() {
      busy = true;
      clearAlert();
      show("step-sending", false);
      say(M.sending);
      var resp;
      try {
        resp = await fetch(cfg.castUrl, {
          method: "POST", credentials: "omit", cache: "no-store",
          headers: {"Content-Type": "application/json"}, body: state.ballot
        });
      } catch (err) {
        return castFailed(M.network, true);
      }
      if (resp.status === 200 || resp.status === 201) {
        // Keep what finds the ballot on the board, not what it says.
        state = {msg: state.msg, receipt: (await resp.json()).receipt};
        persist();
        busy = false;
        showReceipt(true);
        return;
      }
      if (resp.status >= 500) return castFailed(M.network, true);
      var reason = await serverReason(resp);
      if (resp.status === 422) {
        // Not counted and the token not spent: back to the choices, kept as they were.
        var choices = JSON.parse(state.ballot).choices;
        delete state.ballot;
        state.draft = choices;
        persist();
        busy = false;
        show("step-choose", true);
        restore(choices);
        updateCounter();
        alarm(fmt(M.cast_rejected, {reason: reason}));
        return;
      }
      if (resp.status === 409) {
        var open;
        try {
          open = (await (await fetch(cfg.pollUrl, {credentials: "omit"})).json()).status === "open";
        } catch (err) {
          return castFailed(M.network, true);
        }
        return castFailed(open ? M.token_spent : fmt(M.closed, {msg: state.msg}), false);
      }
      castFailed(fmt(M.cast_refused, {reason: reason}), false);
    }

    function castFailed(text, canRetry) {
      busy = false;
      if (!canRetry) show(null, false);
      say("");
      alarm(text, {retry: canRetry ? send : null});
    }

    function showReceipt(focus) {
      byId("receipt-code").textContent = state.receipt;
      var board = byId("receipt-board");
      board.href = board.dataset.base + "?receipt=" + encodeURIComponent(state.receipt);
      say(M.cast_done);
      show("step-receipt", focus);
    }

    function copyReceipt() {
      var code = byId("receipt-code");
      var select = function () {
        var range = document.createRange();
        range.selectNodeContents(code);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(state.receipt).then(function () { say(M.copied); }, select);
      } else {
        select();
      }
    }

    // ---- start ----------------------------------------------------------------------------

    form.addEventListener("change", onChange);
    form.addEventListener("submit", review);
    byId("review-back").addEventListener("click", function () { show("step-choose", true); });
    byId("review-cast").addEventListener("click", confirmAndCast);
    byId("receipt-copy").addEventListener("click", copyReceipt);

    if (!window.crypto || !crypto.subtle || typeof BigInt === "undefined") {
      alarm(M.unsupported);  // WebCrypto needs HTTPS (or localhost) and a current browser
    } else if (state && state.receipt) {
      showReceipt(false);
    } else if (state && state.ballot) {
      send();  // reloaded while casting: the identical ballot again
    } else if (cfg.canVote) {
      show("step-choose", false);
      restore(state && state.draft);
      updateCounter();
      startToken();  // early: fetching the token and casting happen at unrelated moments
    }
  }

  var list = document.getElementById("my-polls");
  if (list) markVotedPolls(list);
  var config = document.getElementById("vote-config");
  if (config) BallotPage(JSON.parse(config.textContent));
})();
