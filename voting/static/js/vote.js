/*
 * The deputy's pages: the ballot (templates/ballots/vote.html), the list of polls
 * (my_polls.html) and the session page's ballots slot (_deputy_polls.html).
 *
 * Ballot secrecy rests on this order of things (docs/protocol.md, docs/threat-model.md):
 *  1. As soon as an open page of a checked-in deputy learns that the poll is open, the token
 *     is prepared from a new ballot code, SAVED on this device, blinded and signed
 *     (token.js: signed in, the server knows who asks, not what). A lost reply or a reload
 *     re-sends the SAME blinded token; the server answers alike.
 *  2. Another device of the deputy continues with the ballot code, which derives the same
 *     token; without any device that has it, the secretariat issues a paper replacement.
 *  3. After the deputy confirms, SAVE the ballot, wait a random moment, then send it with no
 *     cookie (credentials: "omit"). A reload re-sends the identical ballot; the server answers
 *     with the same receipt.
 *  4. The receipt is looked up in the public board in the browser (board.js), never sent.
 * The pages' words come translated in the pages' JSON: none here.
 */
(function () {
  "use strict";

  var T = window.BallotToken;

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  /** The list of polls: mark those whose receipt this device keeps. */
  function markVotedPolls(list) {
    list.querySelectorAll("[data-storage-key]").forEach(function (item) {
      var saved = T.load(item.dataset.storageKey);
      if (saved && saved.receipt) item.querySelector(".voted-here").hidden = false;
    });
  }

  /**
   * The polls list and the session page: fetch the token the moment a poll opens, and say
   * so on the poll's card (list) or in the news list (a poll opened since the page loaded).
   */
  function WatchPage(cfg) {
    var list = document.getElementById("my-polls");
    var news = document.getElementById("polls-news");
    var added = {};
    if (list) markVotedPolls(list);

    function note(item) {
      var text = fmt(cfg.messages[item.local], {title: item.title});
      var card = list && list.querySelector('[data-poll="' + item.id + '"]');
      var slot = card && card.querySelector(".token-note");
      if (slot) {
        slot.textContent = text;
        slot.hidden = false;
        return;
      }
      if (!news) return;
      var entry = added[item.id];
      if (!entry) {
        entry = added[item.id] = document.createElement("li");
        entry.className = "card";
        entry.dataset.poll = item.id;
        entry.appendChild(document.createElement("p"));
        var link = document.createElement("a");
        link.className = "button primary big";
        link.href = item.vote_url;
        link.textContent = cfg.messages.open_ballot;
        entry.appendChild(link);
        news.appendChild(entry);
        news.hidden = false;
      }
      entry.querySelector("p").textContent = text;
    }

    T.watch({statusUrl: cfg.statusUrl, minMs: cfg.watchMinMs, maxMs: cfg.watchMaxMs,
             onUpdate: function (items) {
               items.forEach(function (item) { if (item.local) note(item); });
               if (list) markVotedPolls(list);
             }});
  }

  function BallotPage(cfg) {
    var B = window.BlindRSA;
    var R = window.ReceiptLookup;
    var M = cfg.messages;
    var K = window.BallotKinds[cfg.kind];  // the kind's part: static/js/kinds/
    var key = cfg.storageKey;
    var poll = {id: cfg.pollId, storageKey: key, publicKeyPem: cfg.publicKeyPem,
                fingerprint: cfg.fingerprint, tokenUrl: cfg.tokenUrl};
    // See token.js for what is kept; vote.js adds draft, ballot, receipt and spent.
    var state = T.load(key);
    var tokenPromise = null;
    var busy = false;
    var form = byId("ballot-form");
    var steps = ["step-code", "step-choose", "step-review", "step-sending", "step-receipt"];

    function byId(id) {
      return document.getElementById(id);
    }

    function say(text) {
      byId("vote-status").textContent = text;
    }

    /** Show one step; move the focus to its heading when the deputy caused the change. */
    function show(step, focus) {
      steps.forEach(function (id) {
        byId(id).hidden = id !== step;
      });
      otherDevice();
      if (step && focus) byId(step).querySelector("h2").focus();
    }

    /** "Continue on another device" while a token is ready and the ballot not yet sent. */
    function otherDevice() {
      state = T.load(key);
      var choosing = !byId("step-choose").hidden || !byId("step-review").hidden;
      var offered = !!(state && state.code && state.sig && !state.ballot && choosing);
      byId("other-device").hidden = !offered;
      byId("other-device-link").hidden = !offered;  // the section is below every candidate
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

    async function serverAnswer(resp) {
      try {
        return await resp.json();
      } catch (err) {
        return {message: resp.statusText || String(resp.status)};
      }
    }

    // ---- the token ------------------------------------------------------------------------

    /** One token request at a time; after a failure the next call tries again. */
    function token() {
      if (!tokenPromise) {
        say(M.preparing);
        tokenPromise = T.ensure(poll).then(function (saved) {
          state = saved;
          say(M.ready);
          otherDevice();
          return saved;
        }, function (failure) {
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
      say("");
      switch (failure && failure.kind) {  // what went wrong (token.js), not a ballot kind
        case "elsewhere": askForCode(M.elsewhere); break;
        case "wrong_code": askForCode(M.wrong_code); break;
        case "network": alarm(M.network, {retry: again}); break;
        case "signed_out": alarm(M.signed_out, {login: true}); break;
        case "bad": alarm(M.token_bad); break;
        case "has_token": alarm(M.has_token); break;
        default:
          alarm(fmt(M.token_refused,
                    {reason: (failure && (failure.reason || failure.message)) || ""}));
      }
    }

    // ---- the ballot code: continue on another device ----------------------------------------

    /** The token was issued elsewhere: no ballot here until the first device's code. */
    function askForCode(text) {
      byId("code-why").textContent = text;
      show("step-code", true);
      byId("code-input").focus();
    }

    function codeError(text) {
      var input = byId("code-input"), error = byId("code-error");
      error.textContent = text;
      error.hidden = !text;
      if (text) {
        input.setAttribute("aria-invalid", "true");
        input.focus();
      } else {
        input.removeAttribute("aria-invalid");
      }
    }

    async function useCode(text) {
      if (busy) return;
      var code;
      try {
        code = await T.parseCode(text);
      } catch (err) {
        if (!(err instanceof T.CodeError)) throw err;
        return codeError(M["code_" + err.reason]);
      }
      codeError("");
      clearAlert();
      busy = true;
      say(M.preparing);
      try {
        state = await T.ensure(poll, {code: code});
      } catch (failure) {
        busy = false;
        say("");
        var again = function () { useCode(text); };
        switch (failure.kind) {
          case "wrong_code": return codeError(M.wrong_code);
          case "network": return alarm(M.network, {retry: again});
          default: return report(failure, again);
        }
      }
      busy = false;
      byId("code-input").value = "";
      show("step-choose", true);
      restore(state.draft);
      updateCounter();
      say(M.code_accepted);
    }

    /** #code=… from the first device's link: read once, then gone from the address bar
     *  (a fragment never reaches the server, and now not the history either). */
    function codeFromFragment() {
      var match = /^#code=([0-9A-Za-z-]+)$/.exec(location.hash);
      if (!location.hash) return null;
      history.replaceState(null, "", location.pathname + location.search);
      return match ? match[1] : null;
    }

    function toggleCode() {
      var button = byId("show-code"), box = byId("code-box");
      var open = box.hidden;
      box.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) byId("ballot-code").textContent = T.load(key).code;
    }

    function copyCodeLink() {
      var link = location.origin + location.pathname + "#code=" + T.load(key).code;
      var select = function () {  // no clipboard (plain http): select the code to copy by hand
        var range = document.createRange();
        range.selectNodeContents(byId("ballot-code"));
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(link).then(function () { say(M.code_copied); }, select);
      } else {
        select();
      }
    }

    // ---- choosing -------------------------------------------------------------------------

    function candidates() {
      return Array.prototype.slice.call(form.querySelectorAll(".candidate"));
    }

    /** The ballot's choices as PROTOCOL wants them, in the kind's shape. */
    function currentChoices() {
      return K.choices(form);
    }

    function chosenCount(choices) {
      return K.chosen(choices);
    }

    /** "Selected n / at most max", or for a kind without a limit "Rated n of all". */
    function updateCounter() {
      var choices = currentChoices(), n = chosenCount(choices);
      if (n === null) {
        n = candidates().filter(function (box) {
          return K.shown(choices, box.dataset.candidate) !== null;
        }).length;
      }
      byId("vote-counter").textContent = fmt(M.counter, {
        n: n, max: cfg.maxChoices === null ? candidates().length : cfg.maxChoices});
    }

    /** Put saved choices back; each card remembers its mark, to undo a refused change. */
    function restore(choices) {
      K.restore(form, choices);
    }

    /** More than max_choices is refused at once: the change is undone and said why. */
    function onChange(event) {
      var input = event.target, limit = byId("vote-limit");
      var n = chosenCount(currentChoices());
      if (n !== null && n > cfg.maxChoices) {
        K.undo(input);
        limit.textContent = fmt(M.limit, {max: cfg.maxChoices});
        limit.hidden = false;
      } else {
        limit.hidden = true;
      }
      K.settle(input);
      var choices = currentChoices();
      T.update(key, function (s) { s.draft = choices; });
      updateCounter();
    }

    function review(event) {
      event.preventDefault();
      var choices = currentChoices(), list = byId("review-list"), empty = byId("review-empty");
      list.textContent = "";
      var any = false;
      candidates().forEach(function (box) {
        var id = box.dataset.candidate;
        var mark = K.reviewed ? K.reviewed(choices, id) : K.shown(choices, id);
        if (mark === null) return;
        var item = document.createElement("li");
        item.textContent = mark ? fmt(M.review_mark, {title: box.dataset.title,
                                                      mark: M.marks[mark]})
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
        report(failure, confirmAndCast);  // issued elsewhere: it asks for the code instead
        return;
      }
      var choices = currentChoices();
      state = T.update(key, function (s) {
        s.ballot = JSON.stringify({msg: s.msg, msg_prefix: s.prefix, sig: s.sig,
                                   choices: choices});
      });  // before sending: a reload sends this identical ballot again
      show("step-sending", false);
      say(M.sending);
      await new Promise(function (resolve) { setTimeout(resolve, randomDelay()); });
      await send();
    }

    async function send() {
      busy = true;
      clearAlert();
      show("step-sending", false);
      say(M.sending);
      state = T.load(key);
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
        T.save(key, state);
        busy = false;
        showReceipt(true);
        return;
      }
      if (resp.status >= 500) return castFailed(M.network, true);
      var body = await serverAnswer(resp);
      if (resp.status === 422) {
        // Not counted and the token not spent: back to the choices, kept as they were.
        var choices = JSON.parse(state.ballot).choices;
        state = T.update(key, function (s) { delete s.ballot; s.draft = choices; });
        busy = false;
        show("step-choose", true);
        restore(choices);
        updateCounter();
        alarm(fmt(M.cast_rejected, {reason: body.message}));
        return;
      }
      if (resp.status === 409) {
        var open = body.error === "token_spent";
        if (!body.error) {
          try {
            var doc = await (await fetch(cfg.pollUrl, {credentials: "omit"})).json();
            open = doc.status === "open";
          } catch (err) {
            return castFailed(M.network, true);
          }
        }
        if (open) {
          // Cast already, with other choices, from the deputy's other device: that one counts.
          state = {msg: state.msg, spent: true};
          T.save(key, state);
          busy = false;
          return showSpent();
        }
        return castFailed(fmt(M.closed, {msg: state.msg}), false);
      }
      castFailed(fmt(M.cast_refused, {reason: body.message}), false);
    }

    function castFailed(text, canRetry) {
      busy = false;
      if (!canRetry) show(null, false);
      say("");
      alarm(text, {retry: canRetry ? send : null});
    }

    function showSpent() {
      show(null, false);
      say("");
      alarm(M.spent);
    }

    function showReceipt(focus) {
      byId("receipt-code").textContent = state.receipt;
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

    /** The receipt kept on this device, found in the public board fetched without cookies. */
    async function lookUpReceipt() {
      var titles = {};
      candidates().forEach(function (box) { titles[box.dataset.candidate] = box.dataset.title; });
      var words = {found: M.lookup_found, missing: M.lookup_missing,
                   not_closed: M.lookup_not_closed, network: M.lookup_network,
                   nobody: M.nobody, all_abstain: M.all_abstain};
      Object.keys(M.marks || {}).forEach(function (mark) { words[mark] = M.marks[mark]; });
      var result;
      try {
        result = await R.find(cfg.boardUrl, T.load(key).receipt);
      } catch (err) {
        result = {status: "network"};
      }
      var box = byId("receipt-lookup-result");
      R.show(box, result, titles, words);
      box.dataset.result = result.status;
    }

    // ---- start ----------------------------------------------------------------------------

    form.addEventListener("change", onChange);
    form.addEventListener("submit", review);
    byId("review-back").addEventListener("click", function () { show("step-choose", true); });
    byId("review-cast").addEventListener("click", confirmAndCast);
    byId("receipt-copy").addEventListener("click", copyReceipt);
    byId("receipt-lookup").addEventListener("click", lookUpReceipt);
    byId("show-code").addEventListener("click", toggleCode);
    byId("copy-code-link").addEventListener("click", copyCodeLink);
    byId("code-form").addEventListener("submit", function (event) {
      event.preventDefault();
      useCode(byId("code-input").value);
    });

    var fragment = codeFromFragment();
    if (!window.crypto || !crypto.subtle || typeof BigInt === "undefined") {
      alarm(M.unsupported);  // WebCrypto needs HTTPS (or localhost) and a current browser
    } else if (state && state.receipt) {
      showReceipt(false);
    } else if (state && state.spent) {
      showSpent();
    } else if (state && state.ballot) {
      send();  // reloaded while casting: the identical ballot again
    } else if (cfg.canVote) {
      if (fragment && !state) {
        byId("code-why").textContent = "";
        show("step-code", false);
        useCode(fragment);
      } else if (!state && cfg.tokenIssued) {
        askForCode(M.elsewhere);  // issued elsewhere: a new token here could only be refused
      } else {
        if (fragment && state) {
          T.parseCode(fragment).then(T.formatCode).then(function (text) {
            if (text !== state.code) alarm(M.has_token);
          }, function () {});
        }
        show("step-choose", false);
        restore(state && state.draft);
        updateCounter();
        startToken();  // early: fetching the token and casting happen at unrelated moments
      }
    }
  }

  var config = document.getElementById("vote-config");
  if (config) {
    BallotPage(JSON.parse(config.textContent));
  } else {
    var watchConfig = document.getElementById("token-watch-config");
    if (watchConfig) WatchPage(JSON.parse(watchConfig.textContent));
  }
})();
