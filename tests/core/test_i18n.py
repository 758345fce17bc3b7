"""Chinese is the default interface: every message in the code has a zh_CN translation, and
the compiled catalogs match their sources."""

import io

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from voting.i18n import extract_messages, po_files, translated


def test_every_message_has_a_chinese_translation():
    done = translated()
    missing = {msgid: sorted(files) for msgid, files in extract_messages().items() if msgid not in done}
    assert not missing, "untranslated (run `flask --app voting i18n missing`):\n" + "\n".join(
        f"{m!r} in {f}" for m, f in sorted(missing.items()))


def test_compiled_catalogs_are_up_to_date():
    for po in po_files():
        with po.open("rb") as f:
            source = {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} missing: run `flask --app voting i18n compile`"
        compiled = {m.id: m.string for m in read_mo(io.BytesIO(mo.read_bytes())) if m.id}
        assert compiled == source, f"{mo} is stale: run `flask --app voting i18n compile`"


def test_default_page_is_chinese_and_english_is_available(client):
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/?lang=en").get_data(as_text=True)


def _chinese_messages():
    import re

    for po in po_files():
        if po.parents[1].name != "zh":
            continue
        with po.open("rb") as f:
            for m in read_po(f):
                text = m.string[0] if isinstance(m.string, tuple) else m.string
                if m.id and text and re.search(r"[\u4e00-\u9fff]", text):
                    yield po, m.id, text


def test_chinese_sentences_use_full_width_punctuation():
    """：，；（） in Chinese text; placeholders such as %(n)s and {max} keep their ASCII."""
    import re

    bad = []
    for po, msgid, text in _chinese_messages():
        bare = re.sub(r"%\(\w+\)[sd]|\{\w*\}", "", text)
        if re.search(r"[:,;()]", bare):
            bad.append(f"{po.parts[-5]}: {text}")
    assert not bad, "\n".join(bad)


def test_the_ballots_board_has_one_name():
    """公示板 for the bulletin board of ballots everywhere (公告 is the result's announcement)."""
    bad = [f"{po.parts[-5]}: {text}" for po, _id, text in _chinese_messages() if "公告板" in text]
    assert not bad, "\n".join(bad)


def test_composed_labels_use_full_width_punctuation(client):
    page = client.get("/pool/suggest").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    html = client.post("/pool/suggest", data={"csrf_token": token, "submitter_kind": "public",
                                              "title": "", "body": ""}).get_data(as_text=True)
    assert re.search(r'<li><a href="#title">[^<]+</a>：', html)
    en = client.post("/pool/suggest?lang=en", data={"csrf_token": token,
                                                    "submitter_kind": "public"})
    assert re.search(r'<li><a href="#title">[^<]+</a>: ', en.get_data(as_text=True))
