/*
 * The deputy's ballot token, shared by the polls list (my_polls.html), the session page
 * (my_sessions.html, through ballots/_deputy_polls.html) and the ballot page (vote.js).
 *
 * Why here and not only on the ballot page: a token fetched just before the cast pairs the
 * deputy with the ballot in the database's write-ahead log. So every open page of a checked-in
 * deputy asks for the token as soon as it learns that a poll is open, long before any cast.
 *
 * Why a ballot code: the token's randomness (msg, msg_prefix, the PSS salt and the blinding
 * factor r) is derived on the device from a 128-bit random "ballot code" that the server never
 * sees. The same code on another device derives the same blinded message, which the server
 * answers with the same blind signature (docs/protocol.md), and the same msg, so that only one
 * ballot can ever count. A deputy whose first phone is lost or whose storage was cleared
 * continues with the code; without it, the secretariat issues a recorded paper replacement.
 *
 * Storage, per deputy and poll (the key comes from the server, voting/ballots/deputy.py):
 *   {code, msg, prefix, inv, blinded}  prepared, saved BEFORE the token request is sent
 *   + sig                               the finalized, verified signature
 *   + draft / ballot                    vote.js: choices so far, the ballot being sent
 *   {msg, receipt}                      after the cast (vote.js)
 *   {msg, spent: true}                  the token was cast with other choices (another device)
 */
(function () {
  "use strict";

  var CODE_BYTES = 16;  // 128 bits
  var CHECK_BITS = 12;  // 128 + 12 = 140 bits = 28 Crockford base32 characters
  var CODE_CHARS = 28;
  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var DERIVE_SALT = "minsheng-ballot-code/v1";
  var R_EXTRA_BYTES = 16;  // r is reduced mod n from 128 bits more than n has

  // ---- storage --------------------------------------------------------------------------

  function load(key) {
    try {
      return JSON.parse(localStorage.getItem(key));
    } catch (err) {
      return null;
    }
  }

  function save(key, state) {
    if (state === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(state));
  }

  /** Read, change and write back in one go, so that no stale copy overwrites a newer one. */
  function update(key, change) {
    var state = load(key);
    if (state) {
      change(state);
      save(key, state);
    }
    return state;
  }

  /** A token this device can cast with, or has cast: nothing more to fetch. */
  function settled(state) {
    return !!(state && (state.sig || state.ballot || state.receipt || state.spent));
  }

  /** One token exchange per poll at a time, across this browser's tabs where it can. */
  function exclusive(name, task) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request("ballot-token:" + name, task);
    }
    return task();
  }

  // ---- the ballot code ------------------------------------------------------------------

  async function checkBits(code) {
    var digest = new Uint8Array(await crypto.subtle.digest("SHA-256", code));
    return (digest[0] << 4) | (digest[1] >> 4);
  }

  /** 16 bytes -> "XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX" (Crockford base32 with a check). */
  async function formatCode(code) {
    var bits = "";
    for (var i = 0; i < code.length; i++) bits += code[i].toString(2).padStart(8, "0");
    bits += (await checkBits(code)).toString(2).padStart(CHECK_BITS, "0");
    var text = "";
    for (var pos = 0; pos < bits.length; pos += 5) {
      text += ALPHABET[parseInt(bits.substr(pos, 5), 2)];
    }
    return text.match(/.{1,4}/g).join("-");
  }

  function CodeError(reason) {
    this.reason = reason;  // "length", "character" or "check"
    this.message = "bad ballot code: " + reason;
  }

  /** What a person typed -> 16 bytes; case, dashes and spaces do not matter, O/I/L read as
   *  0/1/1. Throws CodeError when it is not a whole code or a character is mistyped. */
  async function parseCode(text) {
    var clean = String(text || "").toUpperCase().replace(/[\s\-‐-―－]/g, "")
      .replace(/O/g, "0").replace(/[IL]/g, "1");
    if (clean.length !== CODE_CHARS) throw new CodeError("length");
    var bits = "";
    for (var i = 0; i < clean.length; i++) {
      var value = ALPHABET.indexOf(clean[i]);
      if (value < 0) throw new CodeError("character");
      bits += value.toString(2).padStart(5, "0");
    }
    var code = new Uint8Array(CODE_BYTES);
    for (var j = 0; j < CODE_BYTES; j++) code[j] = parseInt(bits.substr(j * 8, 8), 2);
    if (parseInt(bits.substr(CODE_BYTES * 8, CHECK_BITS), 2) !== await checkBits(code)) {
      throw new CodeError("check");
    }
    return code;
  }

  // ---- derivation: code -> the token's randomness -----------------------------------------

  function utf8(text) {
    return new TextEncoder().encode(text);
  }

  /**
   * HKDF-SHA-384 from the code, one output per purpose, each bound to the poll and its key:
   * a code can serve no other poll or key. r takes k + 16 bytes reduced mod n (statistically
   * uniform, within 2^-128) and is derived again with the next counter if it is not a unit.
   * -> {msg, prefix, salt, r, prepared, blindedMsg, inv}
   */
  async function deriveToken(pk, code, pollId, fingerprint) {
    var B = window.BlindRSA;
    var key = await crypto.subtle.importKey("raw", code, "HKDF", false, ["deriveBits"]);
    var expand = async function (label, length) {
      var info = utf8("ballot-token/v1\u0000" + label + "\u0000poll:" + pollId + "\u0000key:" +
                      fingerprint);
      return new Uint8Array(await crypto.subtle.deriveBits(
        {name: "HKDF", hash: "SHA-384", salt: utf8(DERIVE_SALT), info: info}, key, length * 8));
    };
    var msg = await expand("msg", 32), prefix = await expand("msg_prefix", 32);
    var salt = await expand("pss_salt", 48), r;
    for (var counter = 0; ; counter++) {
      r = B.reduceUnit(await expand("blind_r:" + counter, pk.k + R_EXTRA_BYTES), pk.n);
      if (r !== null) break;
    }
    var prepared = B.prepare(msg, prefix);
    var blinded = await B.blind(pk, prepared, {salt: salt, r: r});
    return {msg: msg, prefix: prefix, salt: salt, r: r, prepared: prepared,
            blindedMsg: blinded.blindedMsg, inv: blinded.inv};
  }

  // ---- fetching the token ----------------------------------------------------------------

  /** Why a token could not be had; `kind`: network, signed_out, elsewhere, wrong_code,
   *  has_token (this device holds another code's token), refused (with the server's reason),
   *  bad (the signature does not verify). */
  function Failure(kind, reason) {
    this.kind = kind;
    this.reason = reason || "";
    this.message = kind + (reason ? ": " + reason : "");
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function answer(resp) {
    try {
      return await resp.json();
    } catch (err) {
      return {};
    }
  }

  async function prepareState(poll, code) {
    var B = window.BlindRSA, pk = B.importPublicKey(poll.publicKeyPem);
    var t = await deriveToken(pk, code, poll.id, poll.fingerprint);
    return {code: await formatCode(code), msg: B.b64urlEncode(t.msg),
            prefix: B.b64urlEncode(t.prefix), inv: B.b64urlEncode(t.inv),
            blinded: B.b64urlEncode(t.blindedMsg)};
  }

  async function exchange(poll, options) {
    var B = window.BlindRSA, key = poll.storageKey;
    var state = load(key), fresh = false;
    if (settled(state)) return state;
    if (options.code) {
      if (state && state.code !== await formatCode(options.code)) {
        throw new Failure("has_token");  // never overwrite a token this device may hold
      }
      if (!state) {
        state = await prepareState(poll, options.code);
        save(key, state);
        fresh = true;
      }
    } else if (!state) {
      state = await prepareState(poll, B.randomBytes(CODE_BYTES));
      save(key, state);  // before sending: after a lost reply, the same blinded token goes again
      fresh = true;
    }
    var resp;
    try {
      resp = await fetch(poll.tokenUrl, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify({blinded_msg: state.blinded})
      });
    } catch (err) {
      throw new Failure("network");
    }
    if (resp.status === 401) throw new Failure("signed_out");
    if (resp.status >= 500) throw new Failure("network");
    var body = await answer(resp);
    if (resp.status !== 200) {
      if (resp.status === 409 && body.error === "token_already_issued") {
        // The token issued to this deputy was blinded elsewhere: what this device holds can
        // never be signed. Drop it, so that the code from the first device can take its place.
        save(key, null);
        throw new Failure(options.code ? "wrong_code" : "elsewhere");
      }
      if (fresh) save(key, null);  // not issued (not open, not checked in): start afresh later
      throw new Failure("refused", body.message || resp.statusText || String(resp.status));
    }
    var sig;
    try {
      var pk = B.importPublicKey(poll.publicKeyPem);
      var prepared = B.prepare(B.b64urlDecode(state.msg), B.b64urlDecode(state.prefix));
      sig = await B.finalize(pk, prepared, B.b64urlDecode(body.blind_sig),
                             B.b64urlDecode(state.inv));
    } catch (err) {
      throw new Failure("bad");
    }
    return update(key, function (s) { s.sig = B.b64urlEncode(sig); });
  }

  /**
   * The token for `poll` ({id, storageKey, publicKeyPem, fingerprint, tokenUrl}) on this
   * device: made from a new ballot code or from `options.code` (16 bytes, from the first
   * device), signed by the server, finalized and saved. Resolves with the saved state; rejects
   * with a Failure.
   */
  function ensure(poll, options) {
    return exclusive(poll.storageKey, function () { return exchange(poll, options || {}); });
  }

  // ---- watching for a poll to open --------------------------------------------------------

  /** The deputy's view of one open poll from the status endpoint, in ensure()'s terms. */
  function pollOf(item) {
    return {id: item.id, storageKey: item.storage_key, publicKeyPem: item.public_key_pem,
            fingerprint: item.key_fingerprint, tokenUrl: item.token_url};
  }

  /**
   * Ask `statusUrl` (GET /my/polls/status.json) now and then every minMs..maxMs (random, so
   * that the deputies' requests do not march in step); for each open poll of a checked-in
   * deputy, fetch the token unless this device has one or the server says one was issued
   * elsewhere. `onUpdate(items)` hears each item with `.local`: "ready", "elsewhere",
   * "failed" (with `.failure`) or "cast".
   */
  function watch(options) {
    var stopped = false;
    var delay = function () {
      var min = options.minMs || 10000, max = Math.max(min, options.maxMs || 20000);
      return min + crypto.getRandomValues(new Uint32Array(1))[0] % (max - min + 1);
    };
    async function tick() {
      if (stopped) return;
      var data;
      try {
        var resp = await fetch(options.statusUrl, {credentials: "same-origin", cache: "no-store",
                                                   headers: {Accept: "application/json"}});
        if (resp.status === 401 || resp.status === 403 || resp.redirected) return;  // signed out
        data = resp.ok ? await resp.json() : null;
      } catch (err) {
        data = null;  // the network comes back: try again at the next turn
      }
      if (data && Array.isArray(data.polls)) {
        for (var i = 0; i < data.polls.length; i++) {
          var item = data.polls[i];
          if (item.status !== "open" || !item.checked_in) continue;
          var state = load(item.storage_key);
          if (state && (state.receipt || state.ballot || state.spent)) {
            item.local = "cast";
          } else if (state && state.sig) {
            item.local = "ready";
          } else if (!state && item.token_issued) {
            item.local = "elsewhere";  // no request: it could only be refused
          } else {
            try {
              await ensure(pollOf(item));
              item.local = "ready";
            } catch (failure) {
              item.local = {elsewhere: "elsewhere"}[failure.kind] || "failed";
              item.failure = failure;
            }
          }
        }
        if (options.onUpdate) options.onUpdate(data.polls);
      }
      if (!stopped) setTimeout(tick, delay());
    }
    tick();
    return {stop: function () { stopped = true; }};
  }

  window.BallotToken = {
    load: load,
    save: save,
    update: update,
    settled: settled,
    ensure: ensure,
    watch: watch,
    Failure: Failure,
    CodeError: CodeError,
    newCode: function () { return window.BlindRSA.randomBytes(CODE_BYTES); },
    formatCode: formatCode,
    parseCode: parseCode,
    deriveToken: deriveToken
  };
})();
