"""Independent verifier: re-check a published count from public data alone.

    python -m voting.verify BASE_URL POLL_ID [--signing-key KEY] [--poll-key-fingerprint HEX]
    python -m voting.verify SAVED_DIR_OR_ZIP [POLL_ID] [--signing-key KEY]
                                             [--poll-key-fingerprint HEX]

A saved copy is a directory or zip holding poll.json, ballots.json, result.json, keys.json and
audit.json (the "public documents" download of the announcement page). The documents are
fetched with urllib; no application or database is involved, and only `cryptography` is
needed: the checks use the same plain modules as the server (voting.crypto, voting.audit.chain,
voting.tally.rules through voting.tally.board).

Who signed: with a URL the result's signing key must be one BASE_URL's /api/v1/keys lists
(fetched from the site, never from a copy); a copy cannot vouch for its own key, so a saved
copy is authenticated only by `--signing-key KEY` known out of band, and without it the
verdict is "consistent but unauthenticated". `--poll-key-fingerprint HEX` pins the poll key to
the fingerprint read out in the hall.

Exit status: 0 every check holds; 1 a check failed; 2 the documents cannot be loaded;
3 consistent but unauthenticated. Chinese by default; English with LANG=en (or LC_ALL,
LC_MESSAGES, LANGUAGE starting with "en") or --lang en.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from voting.audit import chain as audit_chain
from voting.crypto import blind_rsa, result_signing
from voting.tally import board as boardlib

FILES = ("poll.json", "ballots.json", "result.json", "keys.json", "audit.json")
RECOUNTED = ("valid_ballots", "invalid_ballots", "threshold", "counts", "elected", "tied",
             "seats_left", "runoff_candidates", "runoff_reason")  # + the kind's own fields
PINNED_FLAGS = ("--signing-key", "--poll-key-fingerprint", "--lang")

OK, FAILED, UNLOADABLE, UNAUTHENTICATED = 0, 1, 2, 3

# The verifier's words: (Chinese, English), str.format placeholders. Check names use the
# site's own words where the site has them (tests/test_verify.py compares with the catalogs).
WORDS: dict[str, tuple[str, str]] = {
    # check names
    "Poll": ("票决", "Poll"),
    "Key fingerprint": ("密钥指纹", "Key fingerprint"),
    "Key fingerprint read out in the hall": ("会场宣读的密钥指纹",
                                             "Key fingerprint read out in the hall"),
    "Bulletin board": ("选票公示板", "Bulletin board"),
    "Each token used once": ("每张选票凭证只用一次", "Each token used once"),
    "Ballot signatures": ("选票签名", "Ballot signatures"),
    "Board digest": ("公示板摘要", "Board digest"),
    "Ballots cast": ("收回选票", "Ballots cast"),
    "Turnout": ("票数核对", "Turnout"),
    "Candidates": ("候选项目", "Candidates"),
    "Recount": ("重新计票", "Recount"),
    "Audit log": ("审计日志", "Audit log"),
    "Result signature": ("结果签名", "Result signature"),
    "Result-signing key": ("结果签名密钥", "Result-signing key"),
    "Documents": ("公开文件", "Documents"),
    # details
    "poll_ids": ("编号不一致：{ids}", "ids differ: {ids}"),
    "key_differs": ("指纹不一致：{fps}", "fingerprints differ: {fps}"),
    "key_unreadable": ("无法读取的公钥（{error}）", "unreadable key ({error})"),
    "pin_ok": ("与宣读的一致：{fp}", "matches the one read out: {fp}"),
    "pin_bad": ("选票使用的票决密钥是 {fp}，不是会场宣读的 {pin}",
                "the ballots are under poll key {fp}, not the one read out in the hall {pin}"),
    "pin_none": ("未核对：请用 --poll-key-fingerprint 给出会场宣读的指纹，或自行比对 {fp}",
                 "not pinned: give the fingerprint read out in the hall with "
                 "--poll-key-fingerprint, or compare it with {fp} yourself"),
    "board_malformed": ("第 {entries} 项缺少 msg、msg_prefix、sig 或 choices",
                        "entries {entries} lack msg, msg_prefix, sig or choices"),
    "board_ok": ("{n} 张选票", "{n} ballots"),
    "dupes": ("重复的 msg：{msgs}", "repeated msg {msgs}"),
    "distinct": ("{n} 张凭证各不相同", "{n} distinct tokens"),
    "sigs_ok": ("{n} 张全部验证通过", "all {n} verify"),
    "sigs_bad": ("{bad} / {n} 张签名无效（msg {msgs}）", "{bad} of {n} do not verify (msg {msgs})"),
    "sigs_skipped": ("未核验：票决密钥有疑问", "not checked: the poll key is in doubt"),
    "digest_unsortable": ("无法计算：选票内容无法规范排序", "nothing: its choices cannot be put in canonical order"),
    "digest_bad": ("公示板的摘要为 {have}，结果中为 {said}", "the board hashes to {have}, the result says {said}"),
    "count_field": ("{name}：结果中为 {said}，公示板上为 {have}", "{name}: result says {said}, board has {have}"),
    "count_ok": ("收回 {cast} 张（电子 {electronic} 张，纸质 {paper} 张）",
                 "{cast} cast ({electronic} electronic, {paper} on paper)"),
    "paper_rows": ("纸质选票：发出 {issued}、收回 {returned}，但列出 {listed} 张",
                   "paper: {issued} issued, {returned} returned, but {listed} listed"),
    "turnout_numbers": ("结果缺少核对所需的数字（{error}）", "the result lacks the numbers to check ({error})"),
    "turnout_ok": ("应到 {eligible}，实到 {checked_in}，发出选票凭证 {tokens}、纸质选票 {paper_issued}，"
                   "补发纸质选票 {replacements}，收回 {cast}",
                   "{eligible} on the roster, {checked_in} present, {tokens} tokens and "
                   "{paper_issued} paper ballots issued, {replacements} replacement(s), "
                   "{cast} cast"),
    "electronic_over_tokens": ("电子选票 {electronic} 张，但只发出了 {tokens} 张选票凭证",
                               "{electronic} electronic ballots but only {tokens} tokens issued"),
    "replaced_token_used": ("电子选票 {electronic} 张，但发出的 {tokens} 张凭证中有 {replacements} 张已由纸质选票替代，"
                            "只剩 {left} 张：被替代的凭证也投了票",
                            "{electronic} electronic ballots, but of the {tokens} tokens issued "
                            "{replacements} were replaced by paper, leaving {left}: a replaced "
                            "token was used as well"),
    "paper_over_issued": ("收回纸质选票 {paper_returned} 张，多于发出的 {paper_issued} 张",
                          "{paper_returned} paper ballots returned but only {paper_issued} issued"),
    "cast_over_checked_in": ("收回 {cast} 张选票，但实到代表只有 {checked_in} 名",
                             "{cast} ballots cast but only {checked_in} deputies present"),
    "checked_in_over_eligible": ("实到 {checked_in} 名，多于应到的 {eligible} 名",
                                 "{checked_in} present but only {eligible} on the roster"),
    "issued_over_checked_in": ("发出选票凭证 {tokens} 张、纸质选票 {paper_issued} 张，共多于实到代表 {checked_in} 名"
                               "加上列明的补发 {replacements} 张",
                               "{tokens} tokens and {paper_issued} paper ballots issued to "
                               "{checked_in} deputies present with {replacements} listed "
                               "replacement(s)"),
    "replacements_over_paper": ("列明补发纸质选票 {replacements} 张，但纸质选票只发出了 {paper_issued} 张",
                                "{replacements} replacement(s) listed but only {paper_issued} paper ballots issued"),
    "replacements_bad": ("补发名单无效（须为不重复的代表编号和姓名）",
                         "the list of replacements is malformed (distinct deputy numbers and names)"),
    "candidates_ok": ("{n} 个候选项目", "{n} candidates"),
    "candidates_bad": ("票决列出 {listed}，结果列出 {in_result}", "poll lists {listed}, result {in_result}"),
    "recount_lacks": ("结果缺少重新计票所需的内容（{error}）", "the result lacks what the recount needs ({error})"),
    "recount_wrong": ("{name}（结果中为 {said}，重新计票为 {again}）", "{name} (result says {said}, recount gives {again})"),
    "recount_item": ("{id}：结果中为 {said}，重新计票为 {again}", "{id}: result says {said}, recount gives {again}"),
    "not_candidate": ("{id}：不是候选项目", "{id}: not a candidate"),
    "recount_ok": ("有效票 {valid} 张，当选 {elected}", "{valid} valid ballots, elected {elected}"),
    "recount_tied": ("，票数相等 {tied}", ", tied {tied}"),
    "none": ("无", "none"),
    "and_more": ("{items} 等 {n} 项", "{items} and {more} more"),
    "audit_ok": ("{n} 条记录，链条完整，结果锚定第 {seq} 条（{head}）",
                 "{n} entries, chain intact, the result anchors entry {seq} ({head})"),
    "audit_unloadable": ("审计日志格式不对", "the audit log is malformed"),
    "chain_missing": ("第 {seq} 条之前缺少记录", "an entry is missing before entry {seq}"),
    "chain_link": ("第 {seq} 条没有接上前一条", "entry {seq} does not link to the previous entry"),
    "chain_hash": ("第 {seq} 条的内容与其哈希不符", "entry {seq} does not match its hash"),
    "audit_head_missing": ("结果没有 audit_head", "the result carries no audit_head"),
    "audit_head_moved": ("结果锚定第 {seq} 条，但该哈希现在位于第 {at} 条",
                         "the result anchors entry {seq}, but its hash is now at entry {at}"),
    "audit_head_after_break": ("结果锚定的 {head} 在第 {bad} 条断裂处之后",
                               "the result anchors {head}, beyond the break at entry {bad}"),
    "audit_cut": ("日志只到第 {last} 条，而结果锚定第 {seq} 条（{head}）：第 {first}–{seq} 条（至少）被截去",
                  "the log ends at entry {last} but the result anchors entry {seq} ({head}): "
                  "entries {first}–{seq} (at least) were cut off"),
    "audit_head_unknown": ("日志（到第 {last} 条为止）中没有结果锚定的 {head}：日志被截短或改写",
                           "no entry of the log (which ends at entry {last}) has the hash the "
                           "result anchors, {head}: the log was cut or rewritten"),
    "audit_tally_differs": ("审计日志记录的本票决{what}与结果不一致（第 {seq} 条）",
                            "the audit log's record of this poll's {what} differs from the result "
                            "(entry {seq})"),
    "what_digest": ("公示板摘要", "board digest"),
    "what_key": ("密钥指纹", "key fingerprint"),
    "signature_ok": ("有效", "valid"),
    "signature_bad": ("签名与公布的结果不符", "the signature does not match the result as published"),
    "key_given_ok": ("与给定的密钥一致（{fp}…）", "the key given ({fp}…)"),
    "key_given_bad": ("由 {key} 签署，不是给定的 {given}", "signed by {key}, not {given}"),
    "key_listed_ok": ("由 {site} 列出（{fp}…{retired}）", "listed by {site} ({fp}…{retired})"),
    "key_retired": ("，已于 {when} 停用", ", retired {when}"),
    "key_listed_bad": ("{key} 不在 {site} 列出的密钥中", "{key} is not among the keys {site} lists"),
    "key_unauthenticated": ("未认证：副本不能为自己的签名密钥作证，请用 --signing-key 给出从其他渠道得知的密钥"
                            "（本结果由 {key} 签署）",
                            "not authenticated: a copy cannot vouch for its own signing key; give "
                            "the key known out of band with --signing-key (this result is signed "
                            "by {key})"),
    "cannot_load": ("无法读取：{error}", "cannot be loaded: {error}"),
    "bad_pin_format": ("--poll-key-fingerprint 应为 64 位十六进制数", "--poll-key-fingerprint must be 64 hex digits"),
    "bad_key_format": ("--signing-key 应为 32 字节 Ed25519 公钥的 base64url",
                       "--signing-key must be base64url of a 32-byte Ed25519 public key"),
    "poll_id_needed": ("使用网址时须给出票决编号", "POLL_ID is required with a URL"),
    # verdicts
    "verdict_ok": ("结论：第 {poll} 号票决公布的结果正确",
                   "VERDICT: the published result of poll {poll} is correct"),
    "verdict_unauthenticated": ("结论：内容一致，但未经认证（未给出 --signing-key，无法确认由本机构签署）",
                                "VERDICT: consistent but unauthenticated (no --signing-key: "
                                "nothing shows the installation signed it)"),
    "verdict_failed": ("结论：核验未通过（{names}）", "VERDICT: FAILED ({names})"),
    "verdict_unloadable": ("结论：无法核验", "VERDICT: cannot verify"),
}


def language(argv_lang: str | None = None, environ=None) -> str:
    """"en" or "zh": --lang first, then the locale variables in POSIX order of precedence."""
    if argv_lang:
        return "en" if argv_lang.lower().startswith("en") else "zh"
    environ = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


class Words:
    def __init__(self, lang: str):
        self.index = 1 if lang == "en" else 0

    def __call__(self, word: str, /, **values) -> str:
        return WORDS[word][self.index].format(**values)

    def short(self, items: list, n: int = 3) -> str:
        items = [str(i) for i in items]
        sep = ", " if self.index else "、"
        if len(items) <= n:
            return sep.join(items)
        return self("and_more", items=sep.join(items[:n]), n=len(items), more=len(items) - n)


class LoadError(Exception):
    pass


@dataclass
class Documents:
    poll: dict
    board: dict
    result: dict
    keys: dict  # the site's /api/v1/keys, or a saved copy's keys.json (not trusted)
    audit: dict
    site: str | None = None  # BASE_URL when fetched: only then do its keys authenticate


@dataclass
class Report:
    words: Words
    lines: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unauthenticated: bool = False

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        mark = "✓" if ok else "✗"
        label = self.words(name)
        self.lines.append(f"{mark} {label}" + (f"{self.sep}{detail}" if detail else ""))
        if not ok:
            self.failed.append(label)
        return ok

    @property
    def sep(self) -> str:
        return ": " if self.words.index else "："

    def note(self, name: str, detail: str) -> None:
        """A line that is neither a pass nor a failure: something left unchecked."""
        self.lines.append(f"? {self.words(name)}{self.sep}{detail}")

    @property
    def status(self) -> int:
        if self.failed:
            return FAILED
        return UNAUTHENTICATED if self.unauthenticated else OK


# ---- loading ----------------------------------------------------------------------------------

def _get_json(url: str) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        try:
            message = json.load(exc).get("message", "")
        except ValueError:
            message = ""
        raise LoadError(f"{url}: HTTP {exc.code} {message}".rstrip()) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise LoadError(f"{url}: {exc}") from exc


def fetch(base_url: str, poll_id: int) -> Documents:
    site = base_url.rstrip("/")
    base = site + "/api/v1"
    return Documents(poll=_get_json(f"{base}/polls/{poll_id}"),
                     board=_get_json(f"{base}/polls/{poll_id}/ballots"),
                     result=_get_json(f"{base}/polls/{poll_id}/result"),
                     keys=_get_json(f"{base}/keys"),
                     audit=_get_json(f"{base}/audit"), site=site)


def load(path: Path) -> Documents:
    """From a directory or a zip of the public documents."""
    try:
        if path.is_dir():
            texts = {name: (path / name).read_bytes() for name in FILES}
        else:
            with zipfile.ZipFile(path) as z:
                texts = {name: z.read(name) for name in FILES}
        docs = {name: json.loads(texts[name]) for name in FILES}
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise LoadError(f"{path}: {exc}") from exc
    if not all(isinstance(d, dict) for d in docs.values()):
        raise LoadError(f"{path}: a document is not a JSON object")
    return Documents(poll=docs["poll.json"], board=docs["ballots.json"],
                     result=docs["result.json"], keys=docs["keys.json"],
                     audit=docs["audit.json"])


# ---- checks -----------------------------------------------------------------------------------

def normalise_fingerprint(text: str) -> str | None:
    """A fingerprint as read out (groups of four, any case, spaces or colons) → 64 hex."""
    compact = re.sub(r"[\s:]", "", text or "").lower()
    return compact if re.fullmatch(r"[0-9a-f]{64}", compact) else None


def _recount(report: Report, result: dict, ballots: list[dict]) -> None:
    w = report.words
    try:
        again = boardlib.recount(result, ballots)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        report.check("Recount", False, w("recount_lacks", error=exc))
        return
    wrong = []
    for name in RECOUNTED + boardlib.recounted_fields(result["kind"]):
        if name not in again and name not in result:
            continue
        if again.get(name) != result.get(name):
            if isinstance(again.get(name), dict) and isinstance(result.get(name), dict):
                diffs = [w("recount_item", id=c, said=result[name].get(c), again=v)
                         for c, v in again[name].items() if result[name].get(c) != v]
                diffs += [w("not_candidate", id=c) for c in sorted(set(result[name])
                                                                  - set(again[name]))]
                wrong.append(f"{name} ({w.short(diffs)})" if w.index else
                             f"{name}（{w.short(diffs)}）")
            else:
                wrong.append(w("recount_wrong", name=name, said=repr(result.get(name)),
                               again=repr(again.get(name))))
    if wrong:
        report.check("Recount", False, w.short(wrong, 5))
        return
    detail = w("recount_ok", valid=result["valid_ballots"],
               elected=w.short(result["elected"], 20) or w("none"))
    if result["tied"]:
        detail += w("recount_tied", tied=w.short(result["tied"], 20))
    report.check("Recount", True, detail)


def _int(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(repr(value))
    return value


def _turnout(report: Report, result: dict, ballots: list[dict]) -> None:
    """docs/protocol.md: ballots cast ≤ ballots issued, electronic and paper; ballots cast ≤
    checked in ≤ eligible; ballots issued beyond those checked in only as listed replacements."""
    w = report.words
    paper = result.get("paper") or {}
    replaced = result.get("replacements") or []
    try:
        if not isinstance(paper, dict) or not isinstance(replaced, list):
            raise ValueError("paper, replacements")
        listed = paper.get("ballots") or []
        if not isinstance(listed, list):
            raise ValueError("paper.ballots")
        t = boardlib.Turnout(
            eligible=_int(result.get("eligible")), checked_in=_int(result.get("checked_in")),
            tokens_issued=_int(result.get("tokens_issued")), electronic=len(ballots),
            paper_issued=_int(paper.get("issued", 0)),
            paper_returned=_int(paper.get("returned", 0)), replacements=len(replaced))
    except ValueError as exc:
        report.check("Turnout", False, w("turnout_numbers", error=exc))
        return
    problems = []
    if len(listed) != t.paper_returned:
        problems.append(w("paper_rows", issued=t.paper_issued, returned=t.paper_returned,
                          listed=len(listed)))
    numbers = [r.get("number") for r in replaced if isinstance(r, dict)]
    if (len(numbers) != len(replaced) or len(set(map(str, numbers))) != len(numbers)
            or not all(isinstance(r.get("name"), str) and isinstance(r.get("number"), str)
                       for r in replaced)):
        problems.append(w("replacements_bad"))
    for code, values in boardlib.turnout_faults(t):
        problems.append(w(code, left=values["tokens"] - values["replacements"], **values))
    values = {"eligible": t.eligible, "checked_in": t.checked_in, "tokens": t.tokens_issued,
              "paper_issued": t.paper_issued, "replacements": t.replacements, "cast": t.cast}
    sep = "；" if w.index == 0 else "; "
    report.check("Turnout", not problems, sep.join(problems) or w("turnout_ok", **values))


def _audit(report: Report, docs: Documents) -> None:
    """The public log's chain, and the entry the signed result anchors (audit_head)."""
    w = report.words
    result = docs.result
    entries = docs.audit.get("entries")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        report.check("Audit log", False, w("audit_unloadable"))
        return
    chain = audit_chain.check_entries(entries)
    problems = []
    if not chain.ok:
        problems.append(w(f"chain_{chain.reason}", seq=chain.first_bad_seq))
    head, seq = result.get("audit_head"), result.get("audit_seq")
    for code, values in audit_chain.anchor_faults(chain, head, seq):
        if code == "audit_cut":
            values = {**values, "first": values["last"] + 1}
        problems.append(w(code, **values))
    if not problems:
        # What the log recorded of this poll (up to the anchor) must be what the result says.
        at = chain.hashes[head]
        poll_id = str(result.get("poll_id"))
        for entry in entries[:at]:
            if entry.get("object_type") != "poll" or entry.get("object_id") != poll_id:
                continue
            details = entry.get("details") or {}
            if (entry.get("action") in ("poll.create", "poll.open", "poll.tally")
                    and "key_fingerprint" in details
                    and details["key_fingerprint"] != result.get("key_fingerprint")):
                problems.append(w("audit_tally_differs", what=w("what_key"), seq=entry["seq"]))
            if (entry.get("action") == "poll.tally" and "board_digest" in details
                    and details["board_digest"] != result.get("board_digest")):
                problems.append(w("audit_tally_differs", what=w("what_digest"),
                                  seq=entry["seq"]))
    sep = "；" if w.index == 0 else "; "
    report.check("Audit log", not problems, sep.join(problems) or
                 w("audit_ok", n=chain.entries, seq=chain.hashes.get(head), head=head))


def _signing_key(report: Report, docs: Documents, signing_key: str | None) -> None:
    w = report.words
    key = docs.result.get("signing_key")
    if signing_key:
        ok = key == signing_key
        report.check("Result-signing key", ok,
                     w("key_given_ok", fp=result_signing.fingerprint(signing_key)[:16]) if ok
                     else w("key_given_bad", key=key, given=signing_key))
        return
    if docs.site is None:
        report.unauthenticated = True
        report.note("Result-signing key", w("key_unauthenticated", key=key))
        return
    listed = docs.keys.get("result_signing_keys") if isinstance(docs.keys, dict) else None
    entries = {k.get("key"): k for k in listed or [] if isinstance(k, dict)}
    entry = entries.get(key)
    ok = (entry is not None and isinstance(key, str)
          and entry.get("fingerprint") == result_signing.fingerprint(key))
    retired = w("key_retired", when=entry["retired"]) if ok and entry.get("retired") else ""
    report.check("Result-signing key", ok,
                 w("key_listed_ok", site=docs.site, fp=entry["fingerprint"][:16],
                   retired=retired) if ok else w("key_listed_bad", key=key, site=docs.site))


def verify(docs: Documents, *, poll_id: int | None = None, signing_key: str | None = None,
           poll_key_fingerprint: str | None = None, lang: str = "zh") -> Report:
    report = Report(Words(lang))
    w = report.words
    poll, result = docs.poll, docs.result
    ballots = docs.board.get("ballots") if isinstance(docs.board.get("ballots"), list) else []

    ids = {"poll": poll.get("id"), "board": docs.board.get("poll_id"),
           "result": result.get("poll_id")}
    if poll_id is not None:
        ids["asked"] = poll_id
    same = len(set(map(repr, ids.values()))) == 1
    report.check("Poll", same, f"{poll.get('id')}" if same else
                 w("poll_ids", ids=", ".join(f"{k} {v}" for k, v in ids.items())))

    try:
        pub_fp = blind_rsa.key_fingerprint(blind_rsa.load_public_key(poll["public_key_pem"]))
    except (KeyError, ValueError, TypeError) as exc:
        pub_fp = w("key_unreadable", error=exc)
    fps = {"poll key": pub_fp, "poll": poll.get("key_fingerprint"),
           "board": docs.board.get("key_fingerprint"), "result": result.get("key_fingerprint")}
    key_ok = report.check("Key fingerprint", len(set(map(repr, fps.values()))) == 1,
                          pub_fp if len(set(map(repr, fps.values()))) == 1 else
                          w("key_differs", fps="; ".join(f"{k} {v}" for k, v in fps.items())))
    if poll_key_fingerprint:
        pinned = poll_key_fingerprint == pub_fp
        key_ok = report.check("Key fingerprint read out in the hall", pinned,
                              w("pin_ok", fp=pub_fp) if pinned else
                              w("pin_bad", fp=pub_fp, pin=poll_key_fingerprint)) and key_ok
    else:
        report.note("Key fingerprint read out in the hall", w("pin_none", fp=pub_fp))

    malformed = [str(i) for i, b in enumerate(ballots)
                 if not isinstance(b, dict) or not all(isinstance(b.get(k), str)
                                                       for k in ("msg", "msg_prefix", "sig"))
                 or "choices" not in b]
    if not report.check("Bulletin board", not malformed,
                        w("board_malformed", entries=w.short(malformed)) if malformed
                        else w("board_ok", n=len(ballots))):
        return report

    dupes = boardlib.duplicate_msgs(ballots)
    report.check("Each token used once", not dupes,
                 w("dupes", msgs=w.short(dupes)) if dupes else w("distinct", n=len(ballots)))

    if key_ok:
        bad = boardlib.bad_signatures(poll["public_key_pem"], ballots)
        report.check("Ballot signatures", not bad,
                     w("sigs_ok", n=len(ballots)) if not bad else
                     w("sigs_bad", bad=len(bad), n=len(ballots), msgs=w.short(bad)))
    else:
        report.check("Ballot signatures", False, w("sigs_skipped"))

    try:
        digest = boardlib.board_digest(ballots)
    except TypeError:  # choices that cannot be sorted (mixed types)
        digest = w("digest_unsortable")
    report.check("Board digest", digest == result.get("board_digest"),
                 digest if digest == result.get("board_digest") else
                 w("digest_bad", have=digest, said=result.get("board_digest")))

    paper = result.get("paper") if isinstance(result.get("paper"), dict) else {}
    on_paper = len(paper.get("ballots") or [])
    counts = {"electronic_ballots": (len(ballots), result.get("electronic_ballots",
                                                              len(ballots))),
              "ballots_cast": (len(ballots) + on_paper, result.get("ballots_cast"))}
    wrong = [w("count_field", name=k, said=said, have=have)
             for k, (have, said) in counts.items() if have != said]
    sep = "；" if w.index == 0 else "; "
    report.check("Ballots cast", not wrong, sep.join(wrong) or
                 w("count_ok", cast=len(ballots) + on_paper, electronic=len(ballots),
                   paper=on_paper))

    _turnout(report, result, ballots)

    listed = [c.get("id") for c in poll.get("candidates", []) if isinstance(c, dict)]
    in_result = [c.get("id") for c in result.get("candidates", []) if isinstance(c, dict)]
    report.check("Candidates", listed == in_result and bool(listed),
                 w("candidates_ok", n=len(listed)) if listed == in_result and listed else
                 w("candidates_bad", listed=listed, in_result=in_result))

    _recount(report, result, ballots)
    _audit(report, docs)

    signed = result_signing.verify_document(result)
    report.check("Result signature", signed, w("signature_ok") if signed
                 else w("signature_bad"))
    _signing_key(report, docs, signing_key)
    return report


# ---- command line -----------------------------------------------------------------------------

def _joined(argv: list[str]) -> list[str]:
    """`--signing-key KEY` → `--signing-key=KEY`, so that a KEY starting with '-' (about one
    base64url key in 64) is taken as the value, not refused by argparse as an option."""
    out, i = [], 0
    while i < len(argv):
        arg = argv[i]
        if arg in PINNED_FLAGS and i + 1 < len(argv):
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m voting.verify",
        description="Re-check a published poll result from public data alone.")
    parser.add_argument("source", help="BASE_URL of the site, or a directory or zip of the "
                                       "public documents")
    parser.add_argument("poll_id", nargs="?", type=int, help="the poll (required with a URL)")
    parser.add_argument("--signing-key", help="the result-signing public key (base64url), "
                                              "known out of band; with a URL, default: a key "
                                              "the site's /api/v1/keys lists")
    parser.add_argument("--poll-key-fingerprint", help="the poll key fingerprint read out in "
                                                       "the hall (hex; spaces allowed)")
    parser.add_argument("--lang", choices=("zh", "en"), help="language of the report "
                                                             "(default: from LANG, else zh)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(_joined(list(sys.argv[1:] if argv is None else argv)))
    w = Words(language(args.lang))

    def unloadable(detail: str) -> int:
        print(f"✗ {w('Documents')}{'：' if w.index == 0 else ': '}{detail}")
        print(w("verdict_unloadable"))
        return UNLOADABLE

    pin = None
    if args.poll_key_fingerprint is not None:
        pin = normalise_fingerprint(args.poll_key_fingerprint)
        if pin is None:
            return unloadable(w("bad_pin_format"))
    if args.signing_key is not None:
        try:
            result_signing.load_public_key(args.signing_key)
        except ValueError:
            return unloadable(w("bad_key_format"))
    with boardlib.no_gc():  # a board of 100,000 ballots: see no_gc
        try:
            if args.source.startswith(("http://", "https://")):
                if args.poll_id is None:
                    return unloadable(w("poll_id_needed"))
                docs = fetch(args.source, args.poll_id)
            else:
                docs = load(Path(args.source))
        except LoadError as exc:
            return unloadable(w("cannot_load", error=exc))
        report = verify(docs, poll_id=args.poll_id, signing_key=args.signing_key,
                        poll_key_fingerprint=pin, lang="en" if w.index else "zh")
    print("\n".join(report.lines))
    if report.failed:
        print(w("verdict_failed", names=("、" if w.index == 0 else ", ").join(report.failed)))
    elif report.unauthenticated:
        print(w("verdict_unauthenticated"))
    else:
        print(w("verdict_ok", poll=docs.poll.get("id")))
    return report.status


if __name__ == "__main__":
    sys.exit(main())
