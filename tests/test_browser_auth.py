"""Sign-in in a real browser: a local OpenID provider (``oidc-provider-mock``), Streamlit started with
test secrets from a temporary directory (nothing is written into the repository), headless Chromium
signing in through the provider's real form as an admin and as a viewer, a shared link opened in a
fresh browser, and sign-out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.filters import Filters
from analytics.metrics import price_fit
from analytics.present import formatting as fmt
from tests.test_browser import (  # noqa: F401 (browser is a fixture)
    CHROMIUM,
    ROOT,
    WIDTH,
    _free_port,
    browser,
    metric_value,
    open_url,
    running_app,
    settle,
    shoot,
    stop,
    wait_until_up,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"),
]

USERS = [{"sub": "ana", "email": "ana@acme.com", "email_verified": True, "name": "Ana Admin"},
         {"sub": "bo", "email": "bo@acme.com", "email_verified": True, "name": "Bo Viewer"}]


@pytest.fixture(scope="module")
def signed_app(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The provider and ``streamlit run app.py`` whose working directory holds the test secrets."""
    work = tmp_path_factory.mktemp("signed_app")
    db = work / "app.duckdb"
    shutil.copyfile(sample_db, db)
    idp_port, app_port = _free_port(), _free_port()
    idp_log, app_log = work / "idp.log", work / "streamlit.log"
    claims = [arg for user in USERS for arg in ("--user-claims", json.dumps(user))]
    idp = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(idp_port), *claims],
                           stdout=idp_log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{app_port}"
    (work / ".streamlit").mkdir()
    shutil.copyfile(ROOT / ".streamlit" / "config.toml", work / ".streamlit" / "config.toml")
    (work / ".streamlit" / "secrets.toml").write_text(f"""
[auth]
redirect_uri = "{base}/oauth2callback"
cookie_secret = "a-test-cookie-secret-of-some-length"
client_id = "debrief"
client_secret = "debrief-secret"
server_metadata_url = "http://127.0.0.1:{idp_port}/.well-known/openid-configuration"

[debrief]
admins = ["ana@acme.com"]
viewers = ["*@acme.com"]
""", encoding="utf-8")
    env = os.environ | {"DEBRIEF_DB": str(db), "DEBRIEF_SAMPLE": "1", "PYTHONUNBUFFERED": "1",
                        "PYTHONPATH": str(ROOT)}
    try:
        wait_until_up(f"http://127.0.0.1:{idp_port}/.well-known/openid-configuration", idp, idp_log)
        with running_app(env, app_log, cwd=work, port=app_port) as running:
            yield running
    finally:
        stop(idp)
    assert not (ROOT / ".streamlit" / "secrets.toml").exists()


def fresh_tab(browser):  # noqa: F811 (the fixture)
    context = browser.new_context(viewport={"width": WIDTH, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    return context, tab


def sign_in(tab, sub: str) -> None:
    """Press "Sign in", give the provider's form the user's ``sub`` and authorize."""
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_selector("input[placeholder=sub]")
    tab.fill("input[placeholder=sub]", sub)
    tab.get_by_role("button", name="Authorize").click()
    tab.wait_for_selector("[data-testid=stSidebar]", timeout=90_000)
    settle(tab)


def nav(tab) -> list[str]:
    links = tab.locator("[data-testid=stSidebar] [data-testid=stPageLink]").all_inner_texts()
    return [text.strip().splitlines()[-1] for text in links]  # the icon's name comes first


def test_admin_and_viewer_sign_in_share_a_view_and_sign_out(browser, signed_app: str, sample_db: Path,  # noqa: F811
                                                            open_db) -> None:
    # signed out: a sign-in button and nothing else
    context, tab = fresh_tab(browser)
    open_url(tab, f"{signed_app}/Import")
    assert tab.get_by_role("button", name="Sign in").count() == 1
    hidden = "[data-testid=stMetric], [data-testid=stFileUploader], [data-testid=stSidebar]"
    assert tab.locator(hidden).count() == 0
    shoot(tab, "auth-signed-out")

    # the admin signs in through the provider's form and may import
    sign_in(tab, "ana")
    assert "ana@acme.com" in tab.locator("[data-testid=stSidebar]").inner_text()
    assert "Import" in nav(tab)
    open_url(tab, f"{signed_app}/Import")
    assert tab.locator("[data-testid=stFileUploader]").count() == 1
    assert tab.get_by_role("button", name="Undo").count() == 3
    shoot(tab, "auth-admin-import")
    context.close()

    # the viewer: every number, no Import, a clear message at the Import address
    context, tab = fresh_tab(browser)
    open_url(tab, signed_app)
    sign_in(tab, "bo")
    assert "bo@acme.com" in tab.locator("[data-testid=stSidebar]").inner_text()
    assert "Import" not in nav(tab) and "Loss reasons" in nav(tab)
    open_url(tab, f"{signed_app}/Import")
    assert tab.get_by_text("Only an admin can import or undo exports").count() == 1
    assert tab.locator("[data-testid=stFileUploader]").count() == 0
    assert tab.get_by_role("button", name="Undo").count() == 0
    shoot(tab, "auth-viewer-import")

    # the viewer shares a view of Price vs fit with its own thresholds
    open_url(tab, f"{signed_app}/Price_vs_fit?segment=SMB&pf_fit=70&pf_tolerance=20")
    tab.get_by_role("button", name="Share this view").click()
    link = tab.locator("[data-testid=stPopoverBody] [data-testid=stCode] code").first.inner_text().strip()
    assert link.startswith(f"{signed_app}/Price_vs_fit?") and "pf_fit=70" in link and "segment=SMB" in link
    shoot(tab, "auth-share-link")

    # a colleague opens it in a fresh browser: sign-in first, then the same numbers
    other, fresh = fresh_tab(browser)
    open_url(fresh, link)
    sign_in(fresh, "bo")
    fresh.wait_for_url(f"{signed_app}/Price_vs_fit?**", timeout=60_000)
    settle(fresh)
    counts = price_fit.class_counts(open_db(sample_db), Filters(segment=("SMB",)),
                                    price_fit.PriceFitSettings(70, 0.2))
    for klass, label in fmt.PRICE_CLASS_LABELS.items():
        assert metric_value(fresh, label) == fmt.fmt_count(counts[klass]), label
    shoot(fresh, "auth-shared-link-opened")
    other.close()

    # sign out: back to the sign-in button
    tab.locator("[data-testid=stSidebar]").get_by_role("button", name="Sign out").click()
    tab.get_by_role("button", name="End session").click()  # the provider's end-session page
    tab.wait_for_url(f"{signed_app}/**")
    tab.wait_for_selector("button:has-text('Sign in')")
    assert tab.url.startswith(signed_app), (tab.url, tab.content()[:1500])
    shoot(tab, "auth-signed-out-again")
    assert tab.get_by_role("button", name="Sign in").count() == 1
    open_url(tab, f"{signed_app}/Deals")  # and the cookie is gone: still signed out
    assert tab.get_by_role("button", name="Sign in").count() == 1
    context.close()
