"""The browser's blind RSA code (static/js/blindrsa.js) in Chromium.

Every vector of RFC 9474 Appendix A is reproduced, all four variants: `prepare` with an empty
prefix gives the Deterministic variants' input, a `salt` of length 0 and `saltLength: 0` the
PSSZERO ones. The product uses only RSABSSA-SHA384-PSS-Randomized. The draft's variant of A.4
(another blinding of the same message) runs too. Then a round trip with the Python server side.
"""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.crypto.test_blind_rsa import VECTORS, vector_key
from voting.crypto import blind_rsa
from voting.crypto.encoding import b64url_decode as _b64
from voting.crypto.encoding import b64url_encode as _enc

RUN_VECTOR = """async (v) => {
  const B = window.BlindRSA, h = B.hexToBytes, x = B.bytesToHex;
  const pk = B.importPublicKey(v.pem);
  const saltLength = v.salt.length / 2;
  const prepared = B.prepare(h(v.msg), h(v.msg_prefix));
  const encoded = await B.encodePSS(pk, prepared, h(v.salt));
  const blinded = await B.blind(pk, prepared, {salt: h(v.salt), inv: h(v.inv)});
  const sig = await B.finalize(pk, prepared, h(v.blind_sig), blinded.inv, {saltLength});
  const flipped = sig.slice();
  flipped[flipped.length - 1] ^= 1;
  const badBlindSig = h(v.blind_sig);
  badBlindSig[5] ^= 0x10;
  let finalizeRefused = false;
  try { await B.finalize(pk, prepared, badBlindSig, blinded.inv, {saltLength}); }
  catch (err) { finalizeRefused = true; }
  return {
    n: pk.n.toString(16), e: pk.e.toString(16), k: pk.k,
    prepared: x(prepared), encoded: x(encoded), blinded: x(blinded.blindedMsg),
    inv: x(blinded.inv), sig: x(sig),
    verifies: await B.verify(pk, prepared, h(v.sig), {saltLength}),
    flippedVerifies: await B.verify(pk, prepared, flipped, {saltLength}),
    finalizeRefused,
    fingerprint: await B.fingerprint(pk),
  };
}"""


@pytest.fixture
def js(browser, live_server):
    """A page of the app with blindrsa.js loaded."""
    ctx = browser.new_context(locale="zh-CN")
    page = ctx.new_page()
    page.goto(live_server + "/")
    page.add_script_tag(url=live_server + "/static/js/blindrsa.js")
    yield page
    ctx.close()


@pytest.mark.browser
def test_rfc9474_vectors_in_chromium(js):
    for v in VECTORS:
        pub = vector_key(v).public_key()
        out = js.evaluate(RUN_VECTOR, {**v, "pem": blind_rsa.public_key_pem(pub)})
        assert out["n"] == v["n"].lstrip("0") and out["e"] == v["e"].lstrip("0"), v["name"]
        assert out["k"] == len(v["n"]) // 2
        assert out["prepared"] == v["prepared_msg"], v["name"]
        assert out["encoded"] == v["encoded_msg"], v["name"]
        assert out["blinded"] == v["blinded_msg"], v["name"]
        assert out["inv"] == v["inv"], v["name"]
        assert out["sig"] == v["sig"], v["name"]
        assert out["verifies"] is True, v["name"]
        assert out["flippedVerifies"] is False, v["name"]
        assert out["finalizeRefused"] is True, v["name"]
        assert out["fingerprint"] == blind_rsa.key_fingerprint(pub)


JS_BLIND = """async (pem) => {
  const B = window.BlindRSA;
  const pk = B.importPublicKey(pem);
  const msg = B.randomBytes(32), prefix = B.randomBytes(32);
  const prepared = B.prepare(msg, prefix);
  const first = await B.blind(pk, prepared);
  const second = await B.blind(pk, prepared);
  window.pending = {pk, prepared, inv: first.inv};
  return {msg: B.b64urlEncode(msg), prefix: B.b64urlEncode(prefix),
          blinded: B.b64urlEncode(first.blindedMsg), again: B.b64urlEncode(second.blindedMsg)};
}"""

JS_FINALIZE = """async (blindSig) => {
  const B = window.BlindRSA, p = window.pending;
  const sig = await B.finalize(p.pk, p.prepared, B.b64urlDecode(blindSig), p.inv);
  return B.b64urlEncode(sig);
}"""


@pytest.mark.browser
@pytest.mark.parametrize("bits", [2048, 3072])  # 3072: the product's default key size
def test_round_trip_with_the_python_signer(js, bits):
    priv = blind_rsa.generate_private_key(bits=bits)
    pub = priv.public_key()
    out = js.evaluate(JS_BLIND, blind_rsa.public_key_pem(pub))
    assert out["blinded"] != out["again"]  # fresh blinding every time
    blind_sig = blind_rsa.blind_sign(priv, _b64(out["blinded"]))
    sig = _b64(js.evaluate(JS_FINALIZE, _enc(blind_sig)))
    prepared = blind_rsa.prepare(_b64(out["msg"]), _b64(out["prefix"]))
    assert len(prepared) == 64
    assert blind_rsa.verify(pub, prepared, sig)
    assert not blind_rsa.verify(pub, blind_rsa.prepare(_b64(out["prefix"]), _b64(out["msg"])), sig)


@pytest.mark.browser
def test_finalize_refuses_a_signature_from_another_key(js):
    """A server that signs with a key other than the poll's cannot slip a bad token through."""
    pub = blind_rsa.generate_private_key(bits=2048).public_key()
    other = blind_rsa.generate_private_key(bits=2048)
    out = js.evaluate(JS_BLIND, blind_rsa.public_key_pem(pub))
    n = other.public_key().public_numbers().n
    blinded = _b64(out["blinded"])
    if int.from_bytes(blinded, "big") >= n:  # out of the other key's range: it refuses anyway
        blinded = (int.from_bytes(blinded, "big") % n).to_bytes(256, "big")
    bad = blind_rsa.blind_sign(other, blinded)
    with pytest.raises(Exception, match="invalid signature|out of range"):
        js.evaluate(JS_FINALIZE, _enc(bad))


@pytest.mark.browser
def test_public_key_import_and_base64url(js):
    pub = rsa.generate_private_key(public_exponent=3, key_size=1024).public_key()
    out = js.evaluate("""(pem) => {
      const B = window.BlindRSA, pk = B.importPublicKey(pem);
      let strict = 0;
      for (const bad of ["a", "ab=", "a+b/", "ab cd"]) {
        try { B.b64urlDecode(bad); } catch (e) { strict++; }
      }
      return {n: pk.n.toString(16), e: pk.e.toString(), k: pk.k,
              empty: B.b64urlEncode(new Uint8Array(0)),
              enc: B.b64urlEncode(new Uint8Array([251, 255, 190])),
              dec: Array.from(B.b64urlDecode("-_-_")), strict,
              inv: B.modInverse(3n, 7n).toString(), pow: B.modPow(4n, 13n, 497n).toString()};
    }""", blind_rsa.public_key_pem(pub))
    assert int(out["n"], 16) == pub.public_numbers().n
    assert out["e"] == "3" and out["k"] == 128
    assert out["empty"] == "" and out["enc"] == "-_--"
    assert out["dec"] == [251, 255, 191]
    assert out["strict"] == 4
    assert out["inv"] == "5" and out["pow"] == "445"


# ---- the ballot code (static/js/token.js): the token derived, not drawn -----------------

def _hkdf(code: bytes, label: str, poll_id: int, fingerprint: str, length: int) -> bytes:
    """token.js's derivation, written again from its description with another library."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    info = f"ballot-token/v1\0{label}\0poll:{poll_id}\0key:{fingerprint}".encode()
    return HKDF(algorithm=hashes.SHA384(), length=length, salt=b"minsheng-ballot-code/v1",
                info=info).derive(code)


JS_DERIVE = """async ([pem, codeHex, pollId, fp]) => {
  const B = window.BlindRSA, T = window.BallotToken, h = B.hexToBytes, x = B.bytesToHex;
  const pk = B.importPublicKey(pem);
  const first = await T.deriveToken(pk, h(codeHex), pollId, fp);
  const second = await T.deriveToken(pk, h(codeHex), pollId, fp);
  const otherPoll = await T.deriveToken(pk, h(codeHex), pollId + 1, fp);
  window.pending = {pk, prepared: first.prepared, inv: first.inv};
  return {msg: x(first.msg), prefix: x(first.prefix), salt: x(first.salt),
          r: first.r.toString(16), blinded: x(first.blindedMsg), inv: x(first.inv),
          again: x(second.blindedMsg), againMsg: x(second.msg),
          otherPoll: x(otherPoll.blindedMsg), otherPollMsg: x(otherPoll.msg)};
}"""


@pytest.fixture
def js_token(js, live_server):
    js.add_script_tag(url=live_server + "/static/js/token.js")
    return js


@pytest.mark.browser
@pytest.mark.parametrize("bits", [2048, 3072])
def test_a_ballot_code_derives_the_same_token_twice_and_python_verifies_it(js_token, bits):
    import secrets

    priv = blind_rsa.generate_private_key(bits=bits)
    pub = priv.public_key()
    fp = blind_rsa.key_fingerprint(pub)
    code = secrets.token_bytes(16)
    out = js_token.evaluate(JS_DERIVE, [blind_rsa.public_key_pem(pub), code.hex(), 7, fp])
    # The same code, poll and key: the same blinded message (and so the same blind_sig).
    assert out["again"] == out["blinded"] and out["againMsg"] == out["msg"]
    # Another poll: nothing in common.
    assert out["otherPoll"] != out["blinded"] and out["otherPollMsg"] != out["msg"]

    # The derivation as described: HKDF-SHA-384, r from k + 16 bytes reduced mod n.
    n = pub.public_numbers().n
    k = (n.bit_length() + 7) // 8
    assert out["msg"] == _hkdf(code, "msg", 7, fp, 32).hex()
    assert out["prefix"] == _hkdf(code, "msg_prefix", 7, fp, 32).hex()
    assert out["salt"] == _hkdf(code, "pss_salt", 7, fp, 48).hex()
    r = int.from_bytes(_hkdf(code, "blind_r:0", 7, fp, k + 16), "big") % n
    assert int(out["r"], 16) == r  # counter 0 is a unit but for a negligible chance
    # RFC 9474's blinding with that r and salt, by the Python client: the same blinded message.
    prepared = blind_rsa.prepare(bytes.fromhex(out["msg"]), bytes.fromhex(out["prefix"]))
    blinded, inv = blind_rsa.blind(pub, prepared, salt=bytes.fromhex(out["salt"]),
                                   inv=pow(r, -1, n).to_bytes(k, "big"))
    assert blinded.hex() == out["blinded"] and inv.hex() == out["inv"]

    # The server signs the blinded message; the browser finalizes; Python verifies.
    sig = _b64(js_token.evaluate(JS_FINALIZE, _enc(blind_rsa.blind_sign(priv, blinded))))
    assert blind_rsa.verify(pub, prepared, sig)
    assert not blind_rsa.verify(pub, prepared[32:] + prepared[:32], sig)  # prefix, msg swapped


@pytest.mark.browser
def test_the_ballot_code_reads_back_and_catches_typos(js_token):
    out = js_token.evaluate("""async () => {
      const T = window.BallotToken, B = window.BlindRSA;
      const code = T.newCode(), text = await T.formatCode(code);
      const back = await T.parseCode(" " + text.toLowerCase().replace(/-/g, " ") + " ");
      const reasons = [];
      const swap = text[0] === "0" ? "1" : "0";
      for (const bad of [text.slice(0, -1), swap + text.slice(1), "U" + text.slice(1), ""]) {
        try { await T.parseCode(bad); reasons.push("accepted"); }
        catch (err) { reasons.push(err.reason); }
      }
      // O for 0 and I/L for 1 are read as the digits
      const zeros = await T.formatCode(new Uint8Array(16));
      const oh = await T.parseCode(zeros.replace(/0/g, "O"));
      return {text, same: B.bytesToHex(back) === B.bytesToHex(code), reasons,
              oh: B.bytesToHex(oh), other: await T.formatCode(T.newCode())};
    }""")
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}", out["text"])
    assert out["same"] is True
    assert out["reasons"] == ["length", "check", "character", "length"]
    assert out["oh"] == "00" * 16
    assert out["other"] != out["text"]
