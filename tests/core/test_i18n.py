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
