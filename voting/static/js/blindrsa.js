/*
 * RFC 9474 blind RSA signatures, client side, variant RSABSSA-SHA384-PSS-Randomized.
 *
 * The blinding has to happen in the deputy's browser: a server that blinded for the deputy
 * would know the token and could link the ballot to them. Plain JavaScript (BigInt and
 * WebCrypto), no build step and no library, so the code that protects the secret ballot can
 * be read as served. voting/crypto/blind_rsa.py does the same in Python; both reproduce the
 * RFC's test vectors (tests/ballots/test_blindrsa_js.py).
 *
 * Bytes are Uint8Array. The salt length defaults to 48 (the product's variant); a different
 * `salt`/`saltLength` exists only so that the RFC's PSSZERO vectors can be reproduced.
 */
(function () {
  "use strict";

  var HASH = "SHA-384";
  var HASH_LEN = 48;
  var SALT_LEN = 48;
  // 1.2.840.113549.1.1.1, rsaEncryption
  var RSA_ENCRYPTION_OID = "2a864886f70d010101";

  // ---- bytes ------------------------------------------------------------------------

  function concat() {
    var total = 0, i;
    for (i = 0; i < arguments.length; i++) total += arguments[i].length;
    var out = new Uint8Array(total), pos = 0;
    for (i = 0; i < arguments.length; i++) {
      out.set(arguments[i], pos);
      pos += arguments[i].length;
    }
    return out;
  }

  function bytesToHex(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }

  function hexToBytes(hex) {
    if (hex.length % 2 || /[^0-9a-fA-F]/.test(hex)) throw new Error("not hex");
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  function randomBytes(n) {
    var out = new Uint8Array(n);
    for (var pos = 0; pos < n; pos += 65536) {  // getRandomValues fills at most 64 KiB a call
      crypto.getRandomValues(out.subarray(pos, Math.min(n, pos + 65536)));
    }
    return out;
  }

  function b64urlEncode(bytes) {
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  /** Strict, like voting.crypto.encoding.b64url_decode: unpadded base64url only. */
  function b64urlDecode(text) {
    if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
      throw new Error("not unpadded base64url");
    }
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // ---- integers (RFC 8017 section 4) ----------------------------------------------------

  function os2ip(bytes) {
    return bytes.length ? BigInt("0x" + bytesToHex(bytes)) : 0n;
  }

  function i2osp(x, length) {
    if (x < 0n) throw new Error("negative integer");
    var hex = x.toString(16);
    if (hex.length > length * 2) throw new Error("integer too large");
    return hexToBytes(hex.padStart(length * 2, "0"));
  }

  function bitLength(x) {
    return x === 0n ? 0 : x.toString(2).length;
  }

  function mod(a, n) {
    var r = a % n;
    return r < 0n ? r + n : r;
  }

  /** Square-and-multiply, from the most significant bit of the exponent. */
  function modPow(base, exp, n) {
    if (n === 1n) return 0n;
    var result = 1n, b = mod(base, n), bits = exp.toString(2);
    for (var i = 0; i < bits.length; i++) {
      result = result * result % n;
      if (bits[i] === "1") result = result * b % n;
    }
    return result;
  }

  function gcd(a, b) {
    while (b) { var t = a % b; a = b; b = t; }
    return a;
  }

  /** Extended Euclid; throws when a has no inverse mod n. */
  function modInverse(a, n) {
    var oldR = mod(a, n), r = n, oldS = 1n, s = 0n, q, t;
    while (r !== 0n) {
      q = oldR / r;
      t = oldR - q * r; oldR = r; r = t;
      t = oldS - q * s; oldS = s; s = t;
    }
    if (oldR !== 1n) throw new Error("not invertible");
    return mod(oldS, n);
  }

  /** Uniform in [1, n) and coprime to n, by rejection sampling on bitLength(n) random bits. */
  function randomUnit(n) {
    var bits = bitLength(n), len = Math.ceil(bits / 8), topMask = 0xff >> (8 * len - bits);
    for (;;) {
      var bytes = randomBytes(len);
      bytes[0] &= topMask;
      var r = os2ip(bytes);
      if (r > 0n && r < n && gcd(r, n) === 1n) return r;
    }
  }

  /**
   * A blinding factor from derived bytes (at least 128 bits longer than n, so that the
   * reduction is within 2^-128 of uniform): bytes mod n, or null when that is not a unit
   * mod n (the caller derives again with the next counter).
   */
  function reduceUnit(bytes, n) {
    if (bytes.length * 8 < bitLength(n) + 128) throw new Error("too few bytes to reduce mod n");
    var r = os2ip(bytes) % n;
    return r > 1n && gcd(r, n) === 1n ? r : null;
  }

  // ---- keys -----------------------------------------------------------------------------

  /** One DER TLV at `pos`: its tag and where its contents start and end. */
  function readTLV(der, pos, expectedTag) {
    if (pos + 2 > der.length) throw new Error("truncated DER");
    var tag = der[pos], len = der[pos + 1], start = pos + 2;
    if (tag !== expectedTag) throw new Error("unexpected DER tag " + tag);
    if (len & 0x80) {
      var count = len & 0x7f;
      if (count < 1 || count > 4) throw new Error("bad DER length");
      len = 0;
      for (var i = 0; i < count; i++) len = len * 256 + der[start + i];
      start += count;
    }
    if (start + len > der.length) throw new Error("truncated DER");
    return {start: start, end: start + len};
  }

  /** SPKI PEM (rsaEncryption) -> {n, e, k, modBits, spki}. */
  function importPublicKey(pem) {
    var body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
    var spki = b64urlDecode(body.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
    var outer = readTLV(spki, 0, 0x30);
    var algo = readTLV(spki, outer.start, 0x30);
    var oid = readTLV(spki, algo.start, 0x06);
    if (bytesToHex(spki.subarray(oid.start, oid.end)) !== RSA_ENCRYPTION_OID) {
      throw new Error("not an rsaEncryption key");
    }
    var bitString = readTLV(spki, algo.end, 0x03);
    if (spki[bitString.start] !== 0) throw new Error("bad BIT STRING");
    var seq = readTLV(spki, bitString.start + 1, 0x30);
    var nTLV = readTLV(spki, seq.start, 0x02);
    var eTLV = readTLV(spki, nTLV.end, 0x02);
    var n = os2ip(spki.subarray(nTLV.start, nTLV.end));
    var e = os2ip(spki.subarray(eTLV.start, eTLV.end));
    var modBits = bitLength(n);
    return {n: n, e: e, k: Math.ceil(modBits / 8), modBits: modBits, spki: spki};
  }

  /** Hex SHA-256 of the DER SPKI: the protocol's key_fingerprint. */
  async function fingerprint(pk) {
    return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", pk.spki)));
  }

  // ---- EMSA-PSS (RFC 8017 section 9.1.1) -------------------------------------------------

  async function sha384(bytes) {
    return new Uint8Array(await crypto.subtle.digest(HASH, bytes));
  }

  async function mgf1(seed, length) {
    var parts = [], got = 0;
    for (var counter = 0; got < length; counter++) {
      var c = new Uint8Array([counter >>> 24, (counter >>> 16) & 0xff, (counter >>> 8) & 0xff,
                              counter & 0xff]);
      var block = await sha384(concat(seed, c));
      parts.push(block);
      got += block.length;
    }
    return concat.apply(null, parts).subarray(0, length);
  }

  /** EMSA-PSS-ENCODE with emBits = modBits - 1 and the given salt. */
  async function encodePSS(pk, prepared, salt) {
    var emBits = pk.modBits - 1, emLen = Math.ceil(emBits / 8);
    if (emLen < HASH_LEN + salt.length + 2) throw new Error("modulus too small for the encoding");
    var mHash = await sha384(prepared);
    var h = await sha384(concat(new Uint8Array(8), mHash, salt));
    var db = concat(new Uint8Array(emLen - salt.length - HASH_LEN - 2), new Uint8Array([1]), salt);
    var mask = await mgf1(h, emLen - HASH_LEN - 1);
    var masked = new Uint8Array(db.length);
    for (var i = 0; i < db.length; i++) masked[i] = db[i] ^ mask[i];
    masked[0] &= 0xff >> (8 * emLen - emBits);
    return concat(masked, h, new Uint8Array([0xbc]));
  }

  // ---- the protocol (RFC 9474 section 4) -------------------------------------------------

  /** The randomized variant signs prefix || msg. */
  function prepare(msg, prefix) {
    return concat(prefix, msg);
  }

  /**
   * -> {blindedMsg, inv}. opts.salt and opts.inv (r^-1 mod n, k bytes) fix the randomness
   * for test vectors; opts.r (a unit mod n, BigInt) for a token derived from a ballot code
   * (token.js); without them both are fresh random values.
   */
  async function blind(pk, prepared, opts) {
    opts = opts || {};
    var salt = opts.salt || randomBytes(SALT_LEN);
    var m = os2ip(await encodePSS(pk, prepared, salt));
    if (gcd(m, pk.n) !== 1n) throw new Error("invalid input");
    var r, inv;
    if (opts.inv) {
      inv = os2ip(opts.inv);
      r = modInverse(inv, pk.n);
    } else if (opts.r !== undefined) {
      r = opts.r;
      if (r <= 1n || r >= pk.n) throw new Error("blinding factor out of range");
      inv = modInverse(r, pk.n);  // throws unless r is a unit mod n
    } else {
      r = randomUnit(pk.n);
      inv = modInverse(r, pk.n);
    }
    var z = m * modPow(r, pk.e, pk.n) % pk.n;
    return {blindedMsg: i2osp(z, pk.k), inv: i2osp(inv, pk.k)};
  }

  /** Unblind the server's answer and check it; throws rather than return a bad signature. */
  async function finalize(pk, prepared, blindSig, inv, opts) {
    if (blindSig.length !== pk.k || inv.length !== pk.k) throw new Error("unexpected length");
    var z = os2ip(blindSig);
    if (z >= pk.n) throw new Error("blind signature out of range");
    var sig = i2osp(z * os2ip(inv) % pk.n, pk.k);
    if (!(await verify(pk, prepared, sig, opts))) throw new Error("invalid signature");
    return sig;
  }

  /** Standard RSASSA-PSS verification by WebCrypto: SHA-384, MGF1-SHA-384, salt 48. */
  async function verify(pk, prepared, sig, opts) {
    var saltLength = opts && opts.saltLength !== undefined ? opts.saltLength : SALT_LEN;
    try {
      var key = await crypto.subtle.importKey("spki", pk.spki, {name: "RSA-PSS", hash: HASH},
                                              false, ["verify"]);
      return await crypto.subtle.verify({name: "RSA-PSS", saltLength: saltLength}, key, sig,
                                        prepared);
    } catch (err) {
      return false;
    }
  }

  window.BlindRSA = {
    importPublicKey: importPublicKey,
    fingerprint: fingerprint,
    randomBytes: randomBytes,
    prepare: prepare,
    encodePSS: encodePSS,
    blind: blind,
    finalize: finalize,
    verify: verify,
    b64urlEncode: b64urlEncode,
    b64urlDecode: b64urlDecode,
    hexToBytes: hexToBytes,
    bytesToHex: bytesToHex,
    modPow: modPow,
    modInverse: modInverse,
    reduceUnit: reduceUnit
  };
})();
