"""The hosted signing page in a real browser (Debian's Chromium through
chromedriver), against the real `mobipass-verifier serve` that
.ci/after.d/52-signing-browser.sh started.

A bank's part is played here over the API (bank and operator keys), and
its return page by a small HTTP server on SIGN_RETURN_PORT that checks the
signed return form as a bank must: HMAC-SHA256 in constant time, the time
within 5 minutes, and the state read back from the API. Signature values
come from the scheme crate's `respond` example (SIGN_RESPOND).

Flows: scripts on (the page returns to the bank by itself) and scripts off
(the payer presses the button); English, Russian and Kazakh; a wrong value
shows attempts left, a malformed one counts nothing, three wrong end
blocked, a reused link and an expired session are refused. Every failed
check raises; screenshots go to SCREENSHOTS; every link token the test saw
is written to SIGN_TOKENS_FILE, so the shell script can check the log.
"""

import hashlib
import hmac
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["SIGN_BASE"]
BANK_KEY = os.environ["SIGN_BANK_KEY"]
OPS_KEY = os.environ["SIGN_OPS_KEY"]
SECRET = open(os.environ["SIGN_RETURN_SECRET_FILE"], "rb").read().strip()
RETURN_PORT = int(os.environ["SIGN_RETURN_PORT"])
RETURN_URL = f"http://127.0.0.1:{RETURN_PORT}/signed"
RESPOND = os.environ["SIGN_RESPOND"]
TTL = int(os.environ["SIGN_TTL"])
SCREENSHOTS = os.environ["SCREENSHOTS"]
TOKENS = os.environ["SIGN_TOKENS_FILE"]

checks = 0
returns = []


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError("FAILED: " + what)
    checks += 1
    print("ok -", what)


class Bank(http.server.BaseHTTPRequestHandler):
    """The bank's return page: records each POST after checking it."""

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        fields = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        message = "{session_id}.{outcome}.{time}".format(**fields).encode()
        expected = hmac.new(SECRET, message, hashlib.sha256).hexdigest()
        fields["valid"] = hmac.compare_digest(expected, fields.get("signature", ""))
        fields["fresh"] = abs(time.time() - int(fields["time"])) <= 300
        returns.append(fields)
        body = b"<!DOCTYPE html><title>Bank</title><h1 id=bank>Back at the bank</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def api(method, path, key, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + key)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def new_session(credential, linked=False):
    body = {
        "credential_id": credential,
        "description": "Transfer to Electronic Store",
        "requester": "Demo Bank",
        "return_url": RETURN_URL,
    }
    if linked:
        body.update({"amount_minor": 125000, "payee": "KZ12 3456 7890 1234"})
    created = api("POST", "/v1/signing-sessions", BANK_KEY, body)
    with open(TOKENS, "a") as tokens:
        tokens.write(created["url"].rsplit("/", 1)[1] + "\n")
    return created


def state(session_id):
    return api("GET", f"/v1/signing-sessions/{session_id}", BANK_KEY)


def respond(parts, code, linked=False):
    args = [RESPOND, *parts, code]
    if linked:
        args += ["125000", "KZ12 3456 7890 1234"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def wrong(value, n=1):
    return f"{(int(value) + n) % 100_000_000:08d}"


def browser(scripts=True):
    profile = tempfile.mkdtemp(prefix="mobipass-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=900,1000",
        "--lang=en-US",
        "--user-data-dir=" + profile,
    ]:
        options.add_argument(flag)
    if not scripts:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(20)
    driver.profile_dir = profile
    return driver


def close(driver):
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


def tid(driver, name):
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="{name}"]')


def has(driver, name):
    return len(driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{name}"]')) > 0


def outcome(driver):
    return tid(driver, "result").get_attribute("data-outcome")


def shot(driver, page, lang):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SCREENSHOTS, f"signing-{page}-{lang}.png"))


def switch(driver, lang):
    tid(driver, f"lang-{lang}").click()
    WebDriverWait(driver, 10).until(
        lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    )


def type_value(driver, value):
    """Types a value and submits it; returns once the answer page is loaded."""
    page = driver.find_element(By.TAG_NAME, "html")
    field = tid(driver, "signature-value")
    field.clear()
    field.send_keys(value)
    tid(driver, "submit").click()
    WebDriverWait(driver, 10).until(lambda d: replaced(page))
    WebDriverWait(driver, 10).until(lambda d: has(d, "result"))


def replaced(element):
    """Whether the page holding `element` is gone. Chromium reports a node of
    a page being torn down as stale, or, a moment earlier, as "does not belong
    to the document"; selenium's staleness_of knows only the first."""
    try:
        element.is_enabled()
        return False
    except WebDriverException:
        return True


def document_code(driver):
    code = tid(driver, "document-code").text.replace(" ", "")
    check(len(code) == 6 and code.isdigit(), f"the document code is 6 digits ({code})")
    return code


def wait_for_return(count, seconds=10):
    deadline = time.time() + seconds
    while len(returns) < count and time.time() < deadline:
        time.sleep(0.1)
    return len(returns) >= count


def scripts_on(parts, lang):
    """A wrong value, a malformed one, then the right one: the page returns by itself."""
    driver = browser(scripts=True)
    try:
        created = new_session("payer")
        driver.get(created["url"])
        check("/sign/s/" in driver.current_url and created["url"] not in driver.current_url,
              f"{lang}: the link redirects to a token-less page")
        if lang != "en":
            switch(driver, lang)
        check(tid(driver, "requester").text == "Demo Bank", f"{lang}: the requester is shown")
        check(not has(driver, "amount"), f"{lang}: a plain signature shows no amount")
        value = tid(driver, "signature-value")
        check(value.get_attribute("inputmode") == "numeric"
              and value.get_attribute("autocomplete") == "off",
              f"{lang}: the value field is numeric, without autocomplete")
        code = document_code(driver)
        shot(driver, "pending", lang)
        right = respond(parts, code)
        type_value(driver, "1234")
        check(outcome(driver) == "invalid-format", f"{lang}: a short value is refused")
        check(state(created["session_id"])["attempts_left"] == 3,
              f"{lang}: the malformed value did not count")
        type_value(driver, wrong(right))
        check(outcome(driver) == "rejected", f"{lang}: a wrong value is rejected")
        check(tid(driver, "attempts-left").text == "2", f"{lang}: 2 attempts left")
        shot(driver, "rejected", lang)
        before = len(returns)
        type_value(driver, right)
        check(outcome(driver) == "accepted", f"{lang}: the right value is accepted")
        shot(driver, "accepted", lang)
        check(wait_for_return(before + 1), f"{lang}: the page returned to the bank by itself")
        WebDriverWait(driver, 10).until(lambda d: d.current_url == RETURN_URL)
        back = returns[-1]
        check(back["session_id"] == created["session_id"] and back["outcome"] == "accepted",
              f"{lang}: the return names the session and 'accepted'")
        check(back["valid"] and back["fresh"], f"{lang}: the return's HMAC and time check")
        check(state(created["session_id"])["state"] == "accepted",
              f"{lang}: the API confirms 'accepted'")
        # The link again (back button, a second tab): refused.
        driver.get(created["url"])
        check(outcome(driver) == "link-used", f"{lang}: the used link is refused")
        shot(driver, "link-used", lang)
    finally:
        close(driver)


def scripts_off(parts, lang):
    """A linked signature without JavaScript: the payer presses the return button."""
    driver = browser(scripts=False)
    try:
        created = new_session("payer", linked=True)
        driver.get(created["url"])
        if lang != "en":
            switch(driver, lang)
        amount = tid(driver, "amount").text
        check(amount in ("1,250.00", "1 250,00", "1\u00a0250,00"), f"{lang}: the amount ({amount})")
        check(tid(driver, "payee").text == "78901234", f"{lang}: the payee digits")
        code = document_code(driver)
        shot(driver, "linked", lang)
        before = len(returns)
        type_value(driver, respond(parts, code, linked=True))
        check(outcome(driver) == "accepted", f"{lang}: accepted without JavaScript")
        time.sleep(2.5)
        check(len(returns) == before and "/sign/s/" in driver.current_url,
              f"{lang}: without JavaScript the page waits for the button")
        shot(driver, "accepted-noscript", lang)
        tid(driver, "return").click()
        check(wait_for_return(before + 1), f"{lang}: the button returns to the bank")
        back = returns[-1]
        check(back["outcome"] == "accepted" and back["valid"] and back["fresh"],
              f"{lang}: the button's return is signed and fresh")
    finally:
        close(driver)


def blocked(parts, lang):
    """Three wrong values: blocked, with the bank to call; the return says so."""
    driver = browser(scripts=True)
    try:
        created = new_session("payer")
        driver.get(created["url"])
        if lang != "en":
            switch(driver, lang)
        right = respond(parts, document_code(driver))
        for n in (1, 2):
            type_value(driver, wrong(right, n))
            check(outcome(driver) == "rejected", f"{lang}: wrong value {n} rejected")
        check(tid(driver, "attempts-left").text == "1", f"{lang}: 1 attempt left")
        shot(driver, "final-attempt", lang)
        before = len(returns)
        type_value(driver, wrong(right, 3))
        check(outcome(driver) == "blocked", f"{lang}: the third wrong value blocks")
        shot(driver, "blocked", lang)
        check(wait_for_return(before + 1), f"{lang}: the blocked page returns to the bank")
        check(returns[-1]["outcome"] == "blocked" and returns[-1]["valid"],
              f"{lang}: the return says 'blocked', signed")
        check(state(created["session_id"])["state"] == "blocked", f"{lang}: the API says blocked")
    finally:
        close(driver)
    api("POST", "/v1/credentials/payer/unblock", OPS_KEY)


def open_late(lang):
    """A session opened now (scripts off) and answered only after its lifetime."""
    created = new_session("payer")
    driver = browser(scripts=False)
    driver.get(created["url"])
    if lang != "en":
        switch(driver, lang)
    return driver, created, document_code(driver), time.time()


def expired(parts, late, lang):
    driver, created, code, opened = late
    try:
        wait = opened + TTL + 1 - time.time()
        if wait > 0:
            time.sleep(wait)
        type_value(driver, respond(parts, code))
        check(outcome(driver) == "expired", f"{lang}: a late value meets an expired session")
        shot(driver, "expired", lang)
        check(state(created["session_id"])["state"] == "expired", f"{lang}: the API says expired")
        before = len(returns)
        tid(driver, "return").click()
        check(wait_for_return(before + 1) and returns[-1]["outcome"] == "expired"
              and returns[-1]["valid"], f"{lang}: the return says 'expired', signed")
    finally:
        close(driver)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", RETURN_PORT), Bank)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = time.time()
    try:
        envelope = api("POST", "/v1/credentials/payer/issue", OPS_KEY, {"envelope_only": True})
        parts = envelope["activation_key"]
        # Opened first, so that its lifetime runs out while the rest runs.
        late = open_late("ru")
        for lang in ["en", "ru", "kk"]:
            scripts_on(parts, lang)
            scripts_off(parts, lang)
        blocked(parts, "kk")
        blocked(parts, "en")
        expired(parts, late, "ru")
    except Exception:
        traceback.print_exc()
        sys.exit(1)
    finally:
        server.shutdown()
    print(f"signing browser test: {checks} checks passed in {time.time() - started:.0f} s")


main()
