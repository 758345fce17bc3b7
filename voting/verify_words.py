"""The independent verifier's words, in Chinese (the default) and English: plain Python, so
that `python -m voting.verify` needs no Flask and no Babel (tests/test_verify.py compares the
shared terms with the site's catalogs)."""

from __future__ import annotations

import os

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
    "recount_rated": ("有效票 {valid} 张，满意 {satisfied} 项、基本满意 {basic} 项、不满意 {dissatisfied} 项，"
                      "须整改 {rectify}，总体满意率 {rate}",
                      "{valid} valid ballots, {satisfied} rated satisfied, {basic} basically "
                      "satisfied, {dissatisfied} dissatisfied, to rectify {rectify}, overall "
                      "satisfaction rate {rate}"),
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
