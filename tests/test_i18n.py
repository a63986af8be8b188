"""French and English: the member's setting wins, then the visitor's choice, then Accept-Language."""

from node.i18n import choose_language, parse_accept_language
from node.services import accounts, questions

from .support import log_in, make_member, post_form

BASE = "http://127.0.0.1:8080"


def test_accept_language_is_read_by_quality():
    assert parse_accept_language("en-GB;q=0.5, fr-CA, de;q=0.9") == ["fr", "de", "en"]
    assert parse_accept_language("fr;q=0, en") == ["en"]
    assert choose_language("", "", "de-DE, fr;q=0.8", "en") == "fr"
    assert choose_language("en", "fr", "fr", "fr") == "en"


async def test_pages_follow_the_browser_language(client):
    french = await client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    page = await french.text()
    assert french.headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in page and "Demander une invitation" in page and "Se connecter" in page
    english = await client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    page = await english.text()
    assert '<html lang="en">' in page and "Request an invitation" in page and "Demander" not in page


async def test_member_language_setting_beats_the_browser(client, database):
    await make_member(database, "alice", language="fr")
    await log_in(client, "alice")
    page = await (await client.get("/settings", headers={"Accept-Language": "en"})).text()
    assert '<html lang="fr">' in page and "Se déconnecter" in page


async def test_visitor_switches_language_and_errors_are_translated(client):
    response = await post_form(client, "/language", {"language": "fr", "next": "/login"})
    assert response.status == 303 and response.headers["Location"] == "/login"
    page = await (await client.get("/login", headers={"Accept-Language": "en"})).text()
    assert '<html lang="fr">' in page
    wrong = await post_form(client, "/login", {"username": "ghost", "password": "whatever it is"})
    assert wrong.status == 400
    text = await wrong.text()
    assert "Wrong username or password." not in text and "mot de passe" in text.lower()
    missing = await client.get("/nowhere")
    assert missing.status == 404 and "Cette page n" in (await missing.text()).replace("’", "'")


async def test_a_visitor_who_reads_gets_no_session_and_still_switches_language(client, database):
    alice = await make_member(database, "alice")
    asked = await questions.ask(
        database, alice, title="Which glue for oak?", body="Indoor furniture.", tags="bois", base_url=BASE
    )
    for path in ("/", f"/questions/{asked.id}", "/questions", "/users/alice"):
        response = await client.get(path)
        assert response.status == 200 and "Set-Cookie" not in response.headers, path
    switched = await client.post("/language", data={"language": "fr", "next": "/"}, allow_redirects=False)
    assert switched.status == 303 and "skiller_session" not in switched.headers.get("Set-Cookie", "")
    assert '<html lang="fr">' in await (await client.get("/")).text()
    login = await client.get("/login")  # a page with a form: its token comes with a session
    assert "skiller_session" in login.headers.get("Set-Cookie", "")


async def test_a_member_changes_language_only_with_the_form_token(client, database):
    await make_member(database, "alice", language="en")
    await log_in(client, "alice")
    forged = await client.post("/language", data={"language": "fr", "next": "/"}, allow_redirects=False)
    assert forged.status == 403
    assert (await accounts.get_member_by_handle(database, "alice")).language == "en"
    assert (await post_form(client, "/language", {"language": "fr", "next": "/"})).status == 303
    assert (await accounts.get_member_by_handle(database, "alice")).language == "fr"


def test_every_message_in_the_sources_has_a_french_translation(tmp_path):
    """Extracted as `make messages` does (Python, page and mail templates): nothing shows in English to a French
    member because a catalog refresh missed a kind of file."""
    import subprocess
    import sys
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1]
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "node/locale/babel.cfg",
            "-k",
            "N_",
            "-k",
            "_",
            "-o",
            str(pot),
            "--no-location",
            "--omit-header",
            "--ignore-dirs=.venv .git tests bench",
            ".",
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as source, (root / "node/locale/fr/LC_MESSAGES/messages.po").open("rb") as french:
        extracted, catalog = read_po(source), read_po(french)
    missing = [m.id for m in extracted if m.id and not (catalog.get(m.id) and catalog.get(m.id).string)]
    assert not missing, missing[:10]
    assert "Reset your password on %(site)s" in extracted  # mail templates (.txt) are read too
