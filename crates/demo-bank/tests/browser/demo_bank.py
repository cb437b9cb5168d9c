"""The whole system in a real browser: Debian's Chromium (through
chromedriver) on the demo bank, the verifier's hosted signing page, and the
real `mobipass` app in terminal mode, as .ci/after.d/55-demo-bank-e2e.sh
started them.

A customer signs up, reads the envelope and the activation code from the
bank's pages, activates the app with them, makes a linked payment (scripts
on: the return form submits itself) and a plain one (scripts off: the
button), signs each with the app and sees both on the statement. Then the
unhappy paths: a malformed value is not counted, a wrong PIN is rejected
with attempts left, three wrong values end on the blocked page, the bank
links the contact centre and its console unblocks (the operator the demo
bank printed), a reused or unknown link is refused, a replayed
or altered return is refused by the bank, and a session on a bank whose
verifier has a 30 s TTL expires. Screenshots go to SCREENSHOTS (en for
every step, the main pages in ru and kk).

Every failed check raises; the script exits non-zero and CI fails.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BANK = os.environ["BANK_URL"]
SHORT_BANK = os.environ["SHORT_BANK_URL"]
VERIFIER = os.environ["VERIFIER_URL"]
MOBIPASS = os.environ["MOBIPASS_BIN"]
WORK = os.environ["WORK"]
SCREENSHOTS = os.environ["SCREENSHOTS"]
SECRETS_FILE = os.environ["SECRETS_FILE"]
SHORT_TTL = int(os.environ.get("SHORT_TTL", "30"))
CONSOLE_PASSWORD = os.environ["CONSOLE_PASSWORD"]

PIN = "4825"
WRONG_PINS = ["7391", "5068", "1947"]

checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError("FAILED: " + what)
    checks += 1
    print("ok -", what, flush=True)


def remember_secret(text):
    """What must never reach a log (envelope parts, activation codes, a
    signing link's token): the shell script greps both banks' output,
    their verifiers' included, for each."""
    with open(SECRETS_FILE, "a", encoding="utf-8") as f:
        f.write(text + "\n")


# --- the browser -----------------------------------------------------------

def browser(lang="en", scripts=True):
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
        "--window-size=1280,1000",
        "--lang=" + lang,
        "--user-data-dir=" + profile,
    ]:
        options.add_argument(flag)
    prefs = {"intl.accept_languages": lang}
    if not scripts:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(20)
    driver.profile_dir = profile
    driver.lang = lang
    return driver


def close(driver):
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


def tid(driver, name):
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="{name}"]')


def tids(driver, name):
    return driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{name}"]')


def has(driver, name):
    return len(tids(driver, name)) > 0


def click(driver, element):
    """Clicks a submit button or link and waits for the next page."""
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_):
        try:
            old.tag_name
            return False
        except WebDriverException:
            return True

    WebDriverWait(driver, 15).until(replaced)
    WebDriverWait(driver, 15).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def shot(driver, page):
    driver.save_screenshot(os.path.join(SCREENSHOTS, f"demo-bank-{page}-{driver.lang}.png"))


def outcome(driver):
    return tid(driver, "result").get_attribute("data-outcome")


# --- the app -----------------------------------------------------------------

def app(vault, args, stdin):
    home = os.path.join(WORK, "home")
    os.makedirs(home, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "XDG_DATA_HOME": os.path.join(home, "data"),
        "XDG_CONFIG_HOME": os.path.join(home, "config"),
        "XDG_CACHE_HOME": os.path.join(home, "cache"),
        "LANG": "C.UTF-8",
    }
    # Where a Secret Service runs (CI starts one), the app binds its vault
    # to it; elsewhere --allow-unbound lets activation keep an unbound one.
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        env["DBUS_SESSION_BUS_ADDRESS"] = os.environ["DBUS_SESSION_BUS_ADDRESS"]
    return subprocess.run([MOBIPASS, "--vault", vault, *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120)


def activate(vault, key, code, pin=PIN):
    done = app(vault, ["activate", "--pin-stdin", "--allow-unbound"], f"{key}\n{code}\n{pin}\n{pin}\n")
    check(done.returncode == 0, f"the app activates with the envelope and the code ({done.stderr.strip()[-200:]})")


def page_minor(text):
    """Minor units from the amount as the signing page shows it."""
    match = re.search(r"\d[\d\s\u00a0\u202f.,']*", text)
    check(match is not None, f"the page shows an amount ({text!r})")
    digits = re.sub(r"[\s\u00a0\u202f']", "", match.group(0)).rstrip(".,")
    if re.search(r"[.,]\d{2}$", digits):
        whole, fraction = digits[:-3], digits[-2:]
    else:
        whole, fraction = digits, "00"
    return int(re.sub(r"[.,]", "", whole) or "0") * 100 + int(fraction)


def app_sign(vault, driver, pin=PIN):
    """The signature value the app computes for what the page shows."""
    code = re.sub(r"\D", "", tid(driver, "document-code").text)
    args = ["sign", code, "--plain", "--pin-stdin"]
    if has(driver, "payee"):
        minor = page_minor(tid(driver, "amount").text)
        args += ["--amount", f"{minor // 100}.{minor % 100:02d}",
                 "--payee", tid(driver, "payee").text.strip()]
    done = app(vault, args, pin + "\n")
    check(done.returncode == 0, "the app signs (exit 0, wrong PIN or not)")
    value = done.stdout.strip()
    check(re.fullmatch(r"\d{8}", value) is not None, f"the app prints 8 digits ({value!r})")
    return value


def type_value(driver, value):
    field = tid(driver, "signature-value")
    field.clear()
    field.send_keys(value)
    click(driver, tid(driver, "submit"))


# --- the bank ----------------------------------------------------------------

def sign_up(driver, base, name, screenshots=True):
    driver.get(base + "/")
    if screenshots:
        shot(driver, "signup")
    tid(driver, "signup-name").send_keys(name)
    click(driver, tid(driver, "signup-submit"))
    parts = [p.text.strip() for p in tids(driver, "envelope-part")]
    check(len(parts) == 4 and all(re.fullmatch(r"\d{5} \d{5}", p) for p in parts),
          f"the envelope shows four grouped parts ({driver.lang})")
    check(has(driver, "envelope-needs-code"), "the envelope says it needs an activation code")
    key = tid(driver, "envelope-key").text
    check(all(part in key for part in parts), "envelope-key holds the 40 digits")
    if screenshots:
        shot(driver, "envelope")
    for part in parts:
        remember_secret(part)
        remember_secret(part.replace(" ", ""))
    return " ".join(parts)


def second_channel(driver, base, screenshots=True):
    driver.get(base + "/sms")
    check(not has(driver, "activation-code"), "no code before the customer asks")
    if screenshots:
        shot(driver, "sms-empty")
    click(driver, tid(driver, "sms-send"))
    code = tid(driver, "activation-code").text.strip()
    check(re.fullmatch(r"\d{4} \d{4}", code) is not None, f"the phone shows a grouped code ({code})")
    remember_secret(code)
    remember_secret(code.replace(" ", ""))
    if screenshots:
        shot(driver, "sms")
    return code


def start_transfer(driver, base, payee, account, amount, kind):
    driver.get(base + "/transfer")
    tid(driver, "transfer-payee").send_keys(payee)
    tid(driver, "transfer-account").send_keys(account)
    tid(driver, "transfer-amount").send_keys(amount)
    tid(driver, "kind-" + kind).click()
    click(driver, tid(driver, "transfer-submit"))
    check(driver.current_url.startswith(VERIFIER_OF[base] + "/sign"),
          f"the bank sends the browser to the verifier's signing page ({driver.current_url.split('/sign')[0]})")
    check(re.fullmatch(r"\d{6}", re.sub(r"\s", "", tid(driver, "document-code").text)) is not None,
          "the signing page shows a 6-digit document code")


def statement_rows(driver):
    return [(r.get_attribute("data-amount-minor"), r.get_attribute("data-linked"),
             r.find_element(By.CSS_SELECTOR, '[data-testid="row-payee"]').text)
            for r in tids(driver, "statement-row")]


def return_fields(driver):
    form = tid(driver, "return-form")
    fields = {i.get_attribute("name"): i.get_attribute("value")
              for i in form.find_elements(By.CSS_SELECTOR, "input[type=hidden]")}
    return form.get_attribute("action"), fields


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(url, fields=None, cookie=None):
    """A request outside the browser: (status, Location, body)."""
    data = urllib.parse.urlencode(fields).encode() if fields is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if cookie:
        request.add_header("Cookie", cookie)
    if data:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        answer = opener.open(request)
        return answer.status, answer.headers.get("Location"), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location"), error.read().decode()


def bank_cookie(driver):
    cookie = driver.get_cookie("bank_session")
    check(cookie is not None and cookie.get("httpOnly"), "the bank's session cookie is HttpOnly")
    return cookie


def copy_session(source, target, base):
    target.get(base + "/static/bank.css")
    cookie = bank_cookie(source)
    target.add_cookie({"name": "bank_session", "value": cookie["value"], "path": "/"})


# --- the flows ---------------------------------------------------------------

VERIFIER_OF = {}


def start_expiry(short_verifier):
    """A customer of the 30-s bank opens a signing page and waits (no scripts)."""
    driver = browser(scripts=False)
    key = sign_up(driver, SHORT_BANK, "Bob Waits", screenshots=False)
    code = second_channel(driver, SHORT_BANK, screenshots=False)
    vault = os.path.join(WORK, "vault-bob.json")
    activate(vault, key, code)
    start_transfer(driver, SHORT_BANK, "Slow Shop", "KZ00 1111 2222 3333", "5", "linked")
    return driver, vault, time.monotonic()


def finish_expiry(driver, vault, started):
    remaining = SHORT_TTL + 3 - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
    type_value(driver, app_sign(vault, driver))
    check(outcome(driver) == "expired", "a value after the session's TTL ends on the expired page")
    shot(driver, "sign-expired")
    check(has(driver, "return-form") and has(driver, "return"), "the expired page has the return button")
    click(driver, tid(driver, "return"))
    check(driver.current_url.startswith(SHORT_BANK + "/statement"), "back at the bank")
    check(tid(driver, "payment-outcome").get_attribute("data-outcome") == "expired",
          "the bank says the payment expired")
    check(statement_rows(driver) == [], "nothing booked for the expired session")
    close(driver)


def main_flow():
    driver = browser()
    key = sign_up(driver, BANK, "Alice Example")
    code = second_channel(driver, BANK)
    vault = os.path.join(WORK, "vault-alice.json")
    activate(vault, key, code)
    driver.get(BANK + "/")
    check(has(driver, "console-link") and tid(driver, "console-operator").text == "demo",
          "the overview links the contact-centre console with its operator")
    shot(driver, "overview")
    driver.get(BANK + "/transfer")
    shot(driver, "transfer")

    # A linked payment with scripts on: the return form submits itself.
    start_transfer(driver, BANK, "Electronic Store", "KZ86 125K ZT50 0410 0100", "1 500.00", "linked")
    check(tid(driver, "requester").text.strip() == "Demo Bank", "the page names who asks")
    check("Electronic Store" in tid(driver, "description").text, "the page shows the description")
    check(page_minor(tid(driver, "amount").text) == 150000, "the page shows the amount 1 500.00")
    check(re.sub(r"\D", "", tid(driver, "payee").text).endswith(re.sub(r"\D", "", "KZ86 125K ZT50 0410 0100")[-8:]),
          "the page shows the payee account")
    shot(driver, "sign-linked")
    type_value(driver, app_sign(vault, driver))
    WebDriverWait(driver, 15).until(lambda d: d.current_url.startswith(BANK + "/statement"))
    check(tid(driver, "payment-outcome").get_attribute("data-outcome") == "accepted",
          "the linked payment is accepted and the return came back by itself")
    check(statement_rows(driver) == [("150000", "true", "Electronic Store")],
          "the statement shows the linked payment")

    # A plain payment with scripts off: the return is a button.
    plain = browser(scripts=False)
    copy_session(driver, plain, BANK)
    start_transfer(plain, BANK, "Coffee Corner", "KZ11 2222 3333 4444", "12,50", "plain")
    check(not has(plain, "payee"), "a plain signature's page shows no payee")
    check("12.50" in tid(plain, "description").text, "the plain page's description says the amount")
    shot(plain, "sign-plain")
    type_value(plain, "1234")
    check(outcome(plain) == "invalid-format", "four digits are refused as invalid-format")
    check(not has(plain, "attempts-left"), "a malformed value is not counted")
    type_value(plain, app_sign(vault, plain))
    check(outcome(plain) == "accepted", "the plain payment is accepted")
    shot(plain, "sign-accepted")
    action, fields = return_fields(plain)
    check(action == BANK + "/signed", "the return form goes to the bank's /signed")
    check(set(fields) == {"session_id", "outcome", "time", "signature"} and fields["outcome"] == "accepted",
          "the return form carries session_id, outcome, time, signature")
    click(plain, tid(plain, "return"))
    check(tid(plain, "payment-outcome").get_attribute("data-outcome") == "accepted",
          "the bank books the plain payment after the return button")
    rows = statement_rows(plain)
    check(sorted(rows) == sorted([("150000", "true", "Electronic Store"), ("1250", "false", "Coffee Corner")]),
          f"the statement shows both payments ({rows})")
    shot(plain, "statement")

    # Another browser signs in with MobiPass: a plain signature, no password.
    credential = credential_of(driver)
    other = browser(scripts=False)
    other.get(BANK + "/")
    tid(other, "signin-id").send_keys(credential)
    click(other, tid(other, "signin-submit"))
    check(other.current_url.startswith(VERIFIER + "/sign"), "sign-in goes to the signing page")
    check(not has(other, "amount") and "Sign in" in tid(other, "description").text,
          "a sign-in is a plain signature that says what it is")
    shot(other, "sign-in")
    type_value(other, app_sign(vault, other))
    check(outcome(other) == "accepted", "the sign-in is accepted")
    click(other, tid(other, "return"))
    check(tid(other, "customer").text == "Alice Example", "the other browser is signed in")
    close(other)

    # The bank refuses the same return again, and an altered one.
    status, _, body = http(action, fields)
    check(status == 409 and 'data-testid="return-refused"' in body, "a replayed return is refused")
    altered = dict(fields, outcome="blocked")
    status, _, _ = http(action, altered)
    check(status == 400, "a return with an altered outcome is refused")
    check(len(statement_rows(plain)) == 2, "nothing booked twice")

    # A reused link and an unknown one are refused by the verifier.
    plain.get(BANK + "/transfer")
    csrf = plain.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value")
    cookie = "bank_session=" + bank_cookie(driver)["value"]
    status, url, _ = http(BANK + "/transfer", {"csrf": csrf, "payee_name": "Twice Shop",
                                               "account": "KZ99 8888", "amount": "3", "kind": "plain"}, cookie)
    check(status == 303 and url.startswith(VERIFIER + "/sign/"), "a transfer redirects to a one-time URL")
    remember_secret(url.rsplit("/", 1)[1])
    plain.get(url)
    check(has(plain, "document-code"), "the first visit of the link shows the page")
    plain.get(url)
    check(outcome(plain) == "link-used", "the same link a second time is refused")
    shot(plain, "sign-link-used")
    plain.get(VERIFIER + "/sign/" + "x" * 43)
    check(outcome(plain) == "link-used", "an unknown link is refused")

    # A wrong PIN is rejected with attempts left; the third wrong value blocks.
    start_transfer(plain, BANK, "Gadget Market", "KZ55 6666 7777 8888", "99.90", "linked")
    type_value(plain, app_sign(vault, plain, pin=WRONG_PINS[0]))
    check(outcome(plain) == "rejected", "a wrong PIN's value is rejected")
    check(tid(plain, "attempts-left").text.strip() == "2", "two attempts left after one wrong value")
    shot(plain, "sign-rejected")
    type_value(plain, app_sign(vault, plain, pin=WRONG_PINS[1]))
    check(outcome(plain) == "rejected" and tid(plain, "attempts-left").text.strip() == "1",
          "one attempt left after two wrong values")
    type_value(plain, app_sign(vault, plain, pin=WRONG_PINS[2]))
    check(outcome(plain) == "blocked", "the third wrong value ends on the blocked page")
    check(not has(plain, "signature-value"), "the blocked page has no field")
    shot(plain, "sign-blocked")
    click(plain, tid(plain, "return"))
    check(tid(plain, "payment-outcome").get_attribute("data-outcome") == "blocked",
          "the bank says the payment failed: blocked")
    check(has(plain, "console-link"), "and links the contact centre")
    shot(plain, "statement-blocked")
    check(len(statement_rows(plain)) == 2, "the blocked payment is not booked")
    plain.get(BANK + "/transfer")
    tid(plain, "transfer-payee").send_keys("Anyone")
    tid(plain, "transfer-account").send_keys("KZ12 3456")
    tid(plain, "transfer-amount").send_keys("1")
    click(plain, tid(plain, "transfer-submit"))
    check(has(plain, "transfer-refused") and has(plain, "console-link"),
          "a blocked customer's next transfer is refused with the contact centre")

    # The contact centre unblocks (the bank's link, the demo operator), and
    # the customer pays again.
    console_url = tid(plain, "console-link").get_attribute("href")
    check(console_url == VERIFIER + "/console/", "the link goes to the verifier's console")
    agent = browser(scripts=False)
    agent.get(console_url)
    tid(agent, "signin-name").send_keys("demo")
    tid(agent, "signin-password").send_keys(CONSOLE_PASSWORD)
    click(agent, tid(agent, "signin-submit"))
    tid(agent, "find-id").send_keys(credential)
    click(agent, tid(agent, "find-submit"))
    check(tid(agent, "state").get_attribute("data-state") == "blocked", "the console shows the block")
    tid(agent, "unblock-identity").send_keys("date of birth and code word")
    click(agent, tid(agent, "unblock-submit"))
    check(tid(agent, "state").get_attribute("data-state") != "blocked", "the agent unblocks")
    close(agent)
    start_transfer(plain, BANK, "Gadget Market", "KZ55 6666 7777 8888", "99.90", "linked")
    type_value(plain, app_sign(vault, plain))
    check(outcome(plain) == "accepted", "after the unblock the right value is accepted")
    click(plain, tid(plain, "return"))
    check(len(statement_rows(plain)) == 3, "and the payment is booked")
    close(plain)
    close(driver)


def credential_of(driver):
    driver.get(BANK + "/")
    return tid(driver, "credential-id").text.strip()


def other_language(lang, short_name):
    """The main pages in another language, a linked payment signed end to end."""
    driver = browser(lang=lang, scripts=False)
    key = sign_up(driver, BANK, short_name)
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang,
          f"the bank speaks {lang} from the browser's language")
    code = second_channel(driver, BANK)
    vault = os.path.join(WORK, f"vault-{lang}.json")
    activate(vault, key, code)
    driver.get(BANK + "/transfer")
    shot(driver, "transfer")
    start_transfer(driver, BANK, "Электроника", "KZ86 125K ZT50 0410 0100", "2 500", "linked")
    shot(driver, "sign-linked")
    type_value(driver, app_sign(vault, driver))
    check(outcome(driver) == "accepted", f"a linked payment is accepted ({lang})")
    shot(driver, "sign-accepted")
    click(driver, tid(driver, "return"))
    check(statement_rows(driver) == [("250000", "true", "Электроника")], f"the statement shows it ({lang})")
    shot(driver, "statement")
    close(driver)


def main():
    os.makedirs(SCREENSHOTS, exist_ok=True)
    VERIFIER_OF[BANK] = VERIFIER
    VERIFIER_OF[SHORT_BANK] = os.environ["SHORT_VERIFIER_URL"]
    try:
        waiting = start_expiry(os.environ["SHORT_VERIFIER_URL"])
        main_flow()
        for lang, name in [("ru", "Анна Иванова"), ("kk", "Әлия Сейітова")]:
            other_language(lang, name)
        finish_expiry(*waiting)
    except Exception:
        traceback.print_exc()
        print(f"demo bank e2e: FAILED after {checks} checks", file=sys.stderr)
        return 1
    print(f"demo bank e2e: {checks} checks passed; screenshots in {SCREENSHOTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
