"""The contact-centre console in a real browser (Debian's Chromium through
chromedriver), against the real `mobipass-verifier serve` that
.ci/after.d/50-console-browser.sh started.

Every check that fails raises; the script exits non-zero and CI fails.
Screenshots of the main pages in each language go to SCREENSHOTS.
"""

import http.cookiejar
import os
import shutil
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["CONSOLE_BASE"]
IDLE_BASE = os.environ["CONSOLE_IDLE_BASE"]
PASSWORD = os.environ["CONSOLE_PASSWORD"]
SCREENSHOTS = os.environ["SCREENSHOTS"]
LANGS = ["en", "ru", "kk"]

checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError("FAILED: " + what)
    checks += 1
    print("ok -", what)


def browser():
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
        "--window-size=1280,900",
        "--lang=en-US",
        "--user-data-dir=" + profile,
    ]:
        options.add_argument(flag)
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


def click(driver, element):
    """Clicks a submit button or link and waits for the next page."""
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_):
        # Chromium reports a node of an unloaded page either as stale or as
        # "does not belong to the document": both mean the next page is in.
        try:
            old.tag_name
            return False
        except WebDriverException:
            return True

    WebDriverWait(driver, 10).until(replaced)
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in(driver, base, name, password):
    driver.get(base + "/console/")
    tid(driver, "signin-name").clear()
    tid(driver, "signin-name").send_keys(name)
    tid(driver, "signin-password").send_keys(password)
    click(driver, tid(driver, "signin-submit"))


def state(driver):
    return tid(driver, "state").get_attribute("data-state")


def shot(driver, page, lang):
    path = os.path.join(SCREENSHOTS, f"console-{page}-{lang}.png")
    driver.save_screenshot(path)


def switch(driver, lang):
    click(driver, tid(driver, "lang-" + lang))
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang,
          f"the language switch shows the page in {lang}")


def post(base, path, fields, session):
    """A form POST outside the browser, with the browser's session cookie."""
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(base + path, data=data, method="POST")
    request.add_header("Cookie", "mp_session=" + session)
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(request).status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def activation_code(driver):
    """The agent reads out an activation code: big, grouped, counting down."""
    import re
    check(tid(driver, "kind").get_attribute("data-kind") == "two_channel"
          and has(driver, "activation-status"), "the credential page shows the kind and the activation")
    for lang in LANGS:
        switch(driver, lang)
        click(driver, tid(driver, "activation-submit"))
        code = tid(driver, "activation-code").text
        check(re.fullmatch(r"[0-9]{4} [0-9]{4}", code) is not None,
              f"the agent sees a grouped activation code ({lang})")
        check(re.fullmatch(r"[0-9]{2}:[0-9]{2}:[0-9]{2}", tid(driver, "activation-until").text) is not None,
              "it says until when")
        countdown = tid(driver, "activation-countdown")
        first = countdown.text
        check(countdown.is_displayed() and re.search(r"1[45]:[0-9]{2}$", first) is not None,
              f"the script counts down the minutes and seconds (got {first!r})")
        shot(driver, "activation-code", lang)
        if os.environ.get("CONSOLE_CODES_FILE"):
            with open(os.environ["CONSOLE_CODES_FILE"], "a") as codes:
                codes.write(code.replace(" ", "") + "\n")
        if lang == "en":
            time.sleep(1.2)
            check(countdown.text != first, "the countdown moves")
        driver.get(driver.current_url)
        check(driver.current_url.endswith("/console/credentials/cust-1")
              and not has(driver, "activation-code") and code not in driver.page_source,
              "a reload does not show the code again")
    switch(driver, "en")


def agent_flow():
    driver = browser()
    try:
        # Sign-in page in each language.
        driver.get(BASE + "/console/")
        for lang in LANGS:
            switch(driver, lang)
            shot(driver, "signin", lang)
        switch(driver, "en")

        sign_in(driver, BASE, "agent.anna", "this is not it")
        check(has(driver, "signin-error") and not has(driver, "operator"),
              "a wrong password is refused")
        sign_in(driver, BASE, "agent.anna", PASSWORD)
        check(tid(driver, "operator").text == "agent.anna", "the agent signs in")
        for lang in LANGS:
            switch(driver, lang)
            shot(driver, "find", lang)
        switch(driver, "en")

        tid(driver, "find-id").send_keys("nobody")
        click(driver, tid(driver, "find-submit"))
        check(has(driver, "find-error"), "an unknown id is reported")
        tid(driver, "find-id").clear()
        tid(driver, "find-id").send_keys("cust-1")
        click(driver, tid(driver, "find-submit"))
        check(driver.current_url.endswith("/console/credentials/cust-1"), "find opens the credential")
        check(state(driver) == "issued", "the credential is shown as issued")

        Select(tid(driver, "block-reason")).select_by_value("lost_device")
        tid(driver, "block-note").send_keys("customer called, phone lost")
        click(driver, tid(driver, "block-submit"))
        check(state(driver) == "blocked" and has(driver, "done"), "the agent blocks on a lost-device call")
        for lang in LANGS:
            switch(driver, lang)
            shot(driver, "credential-blocked", lang)
        switch(driver, "en")

        tid(driver, "unblock-identity").send_keys("   ")
        click(driver, tid(driver, "unblock-submit"))
        check(has(driver, "action-error") and state(driver) == "blocked",
              "unblock without saying how the identity was checked is refused")
        tid(driver, "unblock-identity").clear()
        tid(driver, "unblock-identity").send_keys("document number and code word")
        click(driver, tid(driver, "unblock-submit"))
        check(state(driver) == "issued", "unblock after the identity check")
        events = tid(driver, "events").text
        check("identity_checked" in events and "document number and code word" in events
              and "console:agent.anna" in events, "the audit shows the agent's name and the check")
        for lang in LANGS:
            switch(driver, lang)
            shot(driver, "credential", lang)
        switch(driver, "en")

        activation_code(driver)

        session = driver.get_cookie("mp_session")["value"]
        status = post(BASE, "/console/credentials/cust-1/block", {"reason": "lost_device"}, session)
        check(status == 403, f"a POST without a CSRF token is refused (got {status})")
        driver.refresh()
        check(state(driver) == "issued", "and nothing changed")

        driver.get(BASE + "/console/audit")
        check(has(driver, "message-403"), "an agent gets the 403 page on the audit log")
        for lang in LANGS:
            switch(driver, lang)
            shot(driver, "forbidden", lang)
        switch(driver, "en")
        driver.get(BASE + "/console/credentials/cust-1")
        csrf = driver.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value")
        status = post(BASE, "/console/credentials/cust-1/revoke", {"csrf": csrf, "confirm": "yes"}, session)
        check(status == 403, f"an agent's revoke is refused even with a valid token (got {status})")
        driver.refresh()
        check(state(driver) == "issued", "and the credential is not revoked")

        click(driver, tid(driver, "sign-out"))
        check(has(driver, "signin-form"), "sign-out returns to the sign-in page")
        status = post(BASE, "/console/credentials/cust-1/block",
                      {"csrf": csrf, "reason": "lost_device"}, session)
        check(status == 403, "a signed-out session's form changes nothing")
        driver.get(BASE + "/console/credentials/cust-1")
        check(has(driver, "signin-form"), "a signed-out browser sees the sign-in page")
    finally:
        close(driver)


def supervisor_flow():
    driver = browser()
    try:
        sign_in(driver, BASE, "boss", PASSWORD)
        check(has(driver, "nav-audit"), "the supervisor signs in")
        driver.get(BASE + "/console/issue")
        tid(driver, "issue-id").send_keys("cust-2")
        click(driver, tid(driver, "issue-submit"))
        parts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="envelope-part"]')]
        check(len(parts) == 4 and all(len(p) == 11 for p in parts), "issue shows the four parts")
        check(tid(driver, "envelope-bank").text == "Demo Bank of Almaty", "the envelope names the bank")
        check(tid(driver, "envelope-kind").get_attribute("data-kind") == "two_channel"
              and has(driver, "envelope-needs-code"),
              "a two-channel envelope says the customer also needs an activation code")
        shot(driver, "envelope", "en")
        for lang in LANGS:
            # Each language's envelope: a reissue per language (a new key each).
            driver.get(BASE + "/console/credentials/cust-2")
            switch(driver, lang)
            click(driver, tid(driver, "reissue-submit"))
            check(has(driver, "envelope"), f"reissue shows a new envelope ({lang})")
            shot(driver, "envelope", lang)
        switch(driver, "en")
        driver.get(BASE + "/console/credentials/cust-2")
        check(all(p not in driver.page_source for p in parts), "the credential page never shows a key part")

        click(driver, tid(driver, "revoke-link"))
        check(has(driver, "revoke-form"), "revoke asks first")
        for lang in LANGS:
            switch(driver, lang)
            shot(driver, "revoke", lang)
        switch(driver, "en")
        driver.get(BASE + "/console/credentials/cust-2")
        check(state(driver) == "issued", "asking changed nothing")
        click(driver, tid(driver, "revoke-link"))
        click(driver, tid(driver, "revoke-confirm"))
        check(state(driver) == "revoked", "the supervisor revokes after confirming")

        driver.get(BASE + "/console/audit?actor=anna")
        rows = tid(driver, "events").text
        check("blocked" in rows and "unblocked" in rows and "identity_checked" in rows,
              "the audit log filters by operator")
        check("cust-2" not in rows, "and leaves out the others' events")
        for lang in LANGS:
            switch(driver, lang)
            shot(driver, "audit", lang)
        switch(driver, "en")
        check(all(p.replace(" ", "") not in driver.page_source for p in parts), "no key part in the audit")
        href = tid(driver, "audit-csv").get_attribute("href")
        session = driver.get_cookie("mp_session")["value"]
        request = urllib.request.Request(href, headers={"Cookie": "mp_session=" + session})
        csv = urllib.request.urlopen(request).read().decode()
        check(csv.startswith("seq,at,actor,action,credential,detail") and "console:agent.anna" in csv,
              "the CSV export holds the filtered rows")
    finally:
        close(driver)


def expiry_and_throttle():
    driver = browser()
    try:
        sign_in(driver, IDLE_BASE, "agent.anna", PASSWORD)
        check(has(driver, "operator"), "signed in on the short-idle server")
        time.sleep(3)
        driver.get(IDLE_BASE + "/console/find?id=cust-1")
        check(has(driver, "signin-form") and has(driver, "signin-notice"),
              "an expired session is sent back to sign in")
        for attempt in range(1, 6):
            sign_in(driver, IDLE_BASE, "agent.anna", "wrong password number %d" % attempt)
        check("15" in tid(driver, "signin-error").text, "the fifth failure locks the account")
        sign_in(driver, IDLE_BASE, "agent.anna", PASSWORD)
        check(has(driver, "signin-error") and not has(driver, "operator"),
              "even the right password is refused while locked")
    finally:
        close(driver)


def main():
    os.makedirs(SCREENSHOTS, exist_ok=True)
    agent_flow()
    supervisor_flow()
    expiry_and_throttle()
    print(f"{checks} passed, 0 failed")


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - any failure fails CI
        traceback.print_exc()
        print(f"{checks} passed, 1 failed", file=sys.stderr)
        sys.exit(1)
