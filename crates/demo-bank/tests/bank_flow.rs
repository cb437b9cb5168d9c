//! The whole payment without a browser: the bank's pages, the verifier's
//! hosted signing page and the return, with the signature value computed by
//! the scheme crate from the envelope and the activation code the pages
//! showed, as the app would. The browser test (tests/browser/) does the same
//! with Chromium and the real app; this one runs with `cargo test`.

mod support;

use hyper::StatusCode;
use mobipass_scheme::{ActivationCode, Amount, Challenge, DocumentCode, Envelope, OcraKey, Payee};
use support::{Browser, Page, start};

const ACCOUNT: &str = "KZ86 125K ZT50 0410 0100";

struct Customer {
    key: OcraKey,
    csrf: String,
    id: String,
}

async fn customer(browser: &mut Browser, bank: &support::Bank) -> Customer {
    let envelope = browser.sign_up(bank, "Hana").await;
    let parts = envelope.testids("envelope-part").join(" ");
    let csrf = envelope.csrf();
    let sms = browser
        .post(&format!("{}/sms", bank.url), &[("csrf", &csrf)])
        .await;
    let code = ActivationCode::parse(&sms.testid("activation-code").unwrap()).unwrap();
    let secret = Envelope::parse(&parts)
        .unwrap()
        .activated(Some(&code))
        .unwrap();
    Customer {
        key: OcraKey::derive(&secret),
        csrf,
        id: envelope.testid("envelope-credential").unwrap(),
    }
}

/// Transfer, then the signing page as the browser sees it (the one-time
/// link exchanged for the page's cookie). Returns the page and its URL.
async fn signing_page(
    browser: &mut Browser,
    bank: &support::Bank,
    csrf: &str,
    amount: &str,
    kind: &str,
) -> (Page, String) {
    let sent = browser
        .post(
            &format!("{}/transfer", bank.url),
            &[
                ("csrf", csrf),
                ("payee_name", "Electronic Store"),
                ("account", ACCOUNT),
                ("amount", amount),
                ("kind", kind),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let link = sent.location();
    let mut page = browser.get(&link).await;
    let mut url = link.clone();
    if page.status == StatusCode::SEE_OTHER {
        url = absolute(&bank.verifier.url, &page.location());
        page = browser.get(&url).await;
    }
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let again = browser.get(&link).await;
    assert_eq!(
        attribute(&again, "result", "data-outcome").as_deref(),
        Some("link-used"),
        "the link works once"
    );
    (page, url)
}

fn absolute(base: &str, location: &str) -> String {
    match location.starts_with('/') {
        true => format!("{base}{location}"),
        false => location.to_owned(),
    }
}

/// The value of `name` on the element with this `data-testid`.
fn attribute(page: &Page, testid: &str, name: &str) -> Option<String> {
    let at = page.body.find(&format!("data-testid=\"{testid}\""))?;
    let tag_start = page.body[..at].rfind('<')?;
    let tag = &page.body[tag_start..at + page.body[at..].find('>')?];
    let marker = format!("{name}=\"");
    let start = tag.find(&marker)? + marker.len();
    Some(tag[start..start + tag[start..].find('"')?].to_owned())
}

/// The hidden fields of the return form.
fn return_fields(page: &Page) -> Vec<(String, String)> {
    let form = &page.body[page
        .body
        .find("data-testid=\"return-form\"")
        .expect("a return form")..];
    let form = &form[..form.find("</form>").unwrap()];
    ["session_id", "outcome", "time", "signature"]
        .iter()
        .map(|name| {
            let marker = format!("name=\"{name}\" value=\"");
            let start = form.find(&marker).unwrap() + marker.len();
            let value = &form[start..start + form[start..].find('"').unwrap()];
            ((*name).to_owned(), value.to_owned())
        })
        .collect()
}

fn value_for(page: &Page, key: &OcraKey, linked: Option<u64>) -> String {
    let code =
        DocumentCode::parse(&attribute(page, "document-code", "data-code").unwrap()).unwrap();
    let challenge = match linked {
        None => Challenge::Plain(code),
        Some(minor) => Challenge::Linked {
            code,
            amount: Amount::from_minor(minor).unwrap(),
            payee: Payee::parse(ACCOUNT).unwrap(),
        },
    };
    challenge.respond(key).as_str().to_owned()
}

async fn submit(browser: &mut Browser, url: &str, page: &Page, value: &str) -> Page {
    let answer = browser
        .post(url, &[("csrf", &page.csrf()), ("value", value)])
        .await;
    match answer.status {
        StatusCode::SEE_OTHER => {
            browser
                .get(&absolute(
                    url.split("/sign").next().unwrap(),
                    &answer.location(),
                ))
                .await
        }
        _ => answer,
    }
}

async fn back_to_bank(
    browser: &mut Browser,
    bank: &support::Bank,
    fields: &[(String, String)],
) -> Page {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post(&format!("{}/signed", bank.url), &pairs).await
}

#[tokio::test]
async fn a_linked_and_a_plain_payment_signed_on_the_page_reach_the_statement_once() {
    let bank = start().await;
    let mut browser = Browser::new();
    let alice = customer(&mut browser, &bank).await;

    let (page, url) = signing_page(&mut browser, &bank, &alice.csrf, "1 500.00", "linked").await;
    assert!(
        page.testid("payee").is_some(),
        "a linked page shows the payee"
    );
    let done = submit(
        &mut browser,
        &url,
        &page,
        &value_for(&page, &alice.key, Some(150_000)),
    )
    .await;
    assert_eq!(
        attribute(&done, "result", "data-outcome").as_deref(),
        Some("accepted")
    );
    let fields = return_fields(&done);
    let booked = back_to_bank(&mut browser, &bank, &fields).await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
    let statement = browser.get(&absolute(&bank.url, &booked.location())).await;
    assert_eq!(
        attribute(&statement, "payment-outcome", "data-outcome").as_deref(),
        Some("accepted")
    );
    let replay = back_to_bank(&mut browser, &bank, &fields).await;
    assert_eq!(
        replay.status,
        StatusCode::CONFLICT,
        "a replayed return is refused"
    );

    let (page, url) = signing_page(&mut browser, &bank, &alice.csrf, "12.50", "plain").await;
    assert!(
        page.testid("payee").is_none(),
        "a plain page shows no payee"
    );
    let malformed = submit(&mut browser, &url, &page, "1234").await;
    assert_eq!(
        attribute(&malformed, "result", "data-outcome").as_deref(),
        Some("invalid-format")
    );
    let done = submit(
        &mut browser,
        &url,
        &malformed,
        &value_for(&malformed, &alice.key, None),
    )
    .await;
    assert_eq!(
        attribute(&done, "result", "data-outcome").as_deref(),
        Some("accepted")
    );
    assert_eq!(
        back_to_bank(&mut browser, &bank, &return_fields(&done))
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    let statement = browser.get(&format!("{}/statement", bank.url)).await;
    let amounts: Vec<String> = statement.testids("row-amount");
    assert_eq!(
        amounts,
        ["12.50", "1 500.00"],
        "both booked, newest first, once each"
    );
}

#[tokio::test]
async fn three_wrong_values_block_and_the_bank_books_nothing_but_says_so() {
    let bank = start().await;
    let mut browser = Browser::new();
    let bob = customer(&mut browser, &bank).await;
    let (mut page, url) = signing_page(&mut browser, &bank, &bob.csrf, "99", "linked").await;
    let right = value_for(&page, &bob.key, Some(9_900));
    let wrong = |n: u64| format!("{:08}", (right.parse::<u64>().unwrap() + n) % 100_000_000);
    for (n, left) in [(1, "2"), (2, "1")] {
        page = submit(&mut browser, &url, &page, &wrong(n)).await;
        assert_eq!(
            attribute(&page, "result", "data-outcome").as_deref(),
            Some("rejected")
        );
        assert_eq!(page.testid("attempts-left").as_deref(), Some(left));
    }
    page = submit(&mut browser, &url, &page, &wrong(3)).await;
    assert_eq!(
        attribute(&page, "result", "data-outcome").as_deref(),
        Some("blocked")
    );
    let fields = return_fields(&page);
    let back = back_to_bank(&mut browser, &bank, &fields).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let statement = browser.get(&absolute(&bank.url, &back.location())).await;
    assert_eq!(
        attribute(&statement, "payment-outcome", "data-outcome").as_deref(),
        Some("blocked")
    );
    assert!(
        statement.testid("console-link").is_some(),
        "the contact centre is linked"
    );
    assert!(statement.testid("statement-empty").is_some());
    // An altered return (blocked -> accepted) is refused.
    let altered: Vec<(String, String)> = fields
        .into_iter()
        .map(|(k, v)| {
            if k == "outcome" {
                (k, "accepted".into())
            } else {
                (k, v)
            }
        })
        .collect();
    assert_eq!(
        back_to_bank(&mut browser, &bank, &altered).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn signing_in_with_mobipass_opens_a_session_once_and_only_in_the_browser_that_asked() {
    let bank = start().await;
    let mut first = Browser::new();
    let carol = customer(&mut first, &bank).await;
    let mut other = Browser::new();
    let home = other.get(&format!("{}/", bank.url)).await;
    let unknown = other
        .post(
            &format!("{}/sign-in", bank.url),
            &[("csrf", &home.csrf()), ("credential_id", "nobody-000000")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.testid("signin-error").is_some());
    let sent = other
        .post(
            &format!("{}/sign-in", bank.url),
            &[("csrf", &home.csrf()), ("credential_id", &carol.id)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let link = sent.location();
    let moved = other.get(&link).await;
    let url = absolute(&bank.verifier.url, &moved.location());
    let page = other.get(&url).await;
    assert!(
        page.testid("amount").is_none(),
        "a sign-in is a plain signature"
    );
    let done = submit(&mut other, &url, &page, &value_for(&page, &carol.key, None)).await;
    assert_eq!(
        attribute(&done, "result", "data-outcome").as_deref(),
        Some("accepted")
    );
    let fields = return_fields(&done);
    // The return goes through (it carries no cookie), but a browser without
    // the sign-in's nonce cookie gets no session.
    let back = back_to_bank(&mut other, &bank, &fields).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let next = absolute(&bank.url, &back.location());
    assert!(next.contains("/sign-in/done?session="), "{next}");
    let mut stranger = Browser::new();
    let refused = stranger.get(&next).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.testid("signin-refused").is_some());
    let opened = other.get(&next).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    let home = other.get(&format!("{}/", bank.url)).await;
    assert_eq!(home.testid("customer").as_deref(), Some("Hana"));
    assert_eq!(home.testid("credential-id"), Some(carol.id.clone()));
    let again = other.get(&next).await;
    assert_eq!(
        again.status,
        StatusCode::FORBIDDEN,
        "a sign-in opens one session"
    );
    let statement = other.get(&format!("{}/statement", bank.url)).await;
    assert!(
        statement.testid("statement-empty").is_some(),
        "a sign-in is no payment"
    );
}
