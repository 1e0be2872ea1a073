"""/playground in a real browser: Debian's Chromium driven by Selenium (chromium-driver),
against the README's embedded server. A client and an agent, each in a browser of their
own, sign in, the client asks about a listing and writes to its agent, each sees the other's
messages live, the agent gets the inquiry notification, and a disconnect/reconnect shows
`sync` filling the gap. Screenshots of each step are kept (see ARTIFACTS).

Skipped, with the reason, when Chromium or its driver is not installed (`.ci/run` installs
them); SHEDA_REQUIRE_BROWSER=1 turns that skip into a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.operations.servers import embedded_server
from tests.readme import snippet

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("SHEDA_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
PASSWORD = "correct horse battery"
WAIT = 15.0

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - selenium is in the test extras
    webdriver = None

MISSING = (
    "selenium is not installed" if webdriver is None
    else "Chromium is not installed (apt-get install chromium chromium-driver)" if not CHROMIUM
    else "chromedriver is not installed (apt-get install chromium-driver)" if not DRIVER
    else None
)
if MISSING and os.environ.get("SHEDA_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"SHEDA_REQUIRE_BROWSER=1 but {MISSING}")
pytestmark = [
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
    pytest.mark.embedded,
]


@pytest.fixture
def browsers() -> Iterator[Callable[[], WebDriver]]:
    opened: list[WebDriver] = []

    def open_browser() -> WebDriver:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM or ""
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--disable-gpu"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
        opened.append(driver)
        return driver

    yield open_browser
    for driver in opened:
        driver.quit()


def shot(driver: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def wait_for(driver: WebDriver, what: str, check: Callable[[WebDriver], Any]) -> Any:
    try:
        return WebDriverWait(driver, WAIT).until(check)
    except Exception:
        shot(driver, "failed-" + "-".join(what.split()))
        try:
            logs = "\n".join(str(entry) for entry in driver.get_log("browser"))
        except Exception as err:  # not every driver keeps the console
            logs = f"(no console: {err})"
        raise AssertionError(
            f"{what}: not seen within {WAIT} s; browser console:\n{logs}"
        ) from None


def css(driver: WebDriver, selector: str) -> list[Any]:
    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def sign_in(driver: WebDriver, url: str, email: str) -> None:
    driver.get(f"{url}/playground")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "signin").click()
    wait_for(driver, f"{email} signed in with the socket open",
             lambda d: css(d, '#socket-state[data-state="open"]'))


def texts(driver: WebDriver, selector: str) -> list[str]:
    return [element.text for element in css(driver, selector)]


def send(driver: WebDriver, text: str) -> None:
    box = driver.find_element(By.ID, "chat-input")
    box.send_keys(text)
    driver.find_element(By.ID, "chat-send").click()


async def _accounts(url: str) -> int:
    """An agent with a listing, and a client: made through the API, as any frontend would."""
    async with httpx.AsyncClient(base_url=url) as http:
        made = []
        for email, kind, name in (("ada@example.com", "agent", "Ada Agent"),
                                  ("carol@example.com", "client", "Carol Client")):
            response = await http.post("/api/v1/auth/register", json={
                "email": email, "password": PASSWORD, "user_type": kind, "fullname": name})
            assert response.status_code == 201, response.text
            made.append(response.json())
        listing = await http.post(
            "/api/v1/properties",
            headers={"Authorization": f"Bearer {made[0]['access_token']}"},
            json={"title": "Bright flat in Yaba", "description": "Two bedrooms, near the rail.",
                  "property_type": "apartment", "listing_type": "rent", "price": 1200000,
                  "address": "3 Herbert Macaulay Way", "city": "Yaba", "state": "Lagos",
                  "bedrooms": 2, "bathrooms": 1, "furnished": False, "amenities": ["Water"]},
        )
        assert listing.status_code == 201, listing.text
        listing_id: int = listing.json()["id"]
        return listing_id


async def test_a_client_and_an_agent_chat_on_the_playground(tmp_path: Path, browsers) -> None:
    async with embedded_server(tmp_path, SHEDA_ENV="development") as server:
        listing_id = await _accounts(server.url)
        agent, client = browsers(), browsers()
        sign_in(agent, server.url, "ada@example.com")
        sign_in(client, server.url, "carol@example.com")
        shot(client, "1-signed-in")

        # The client finds the listing and asks about it: no name or email to type.
        wait_for(client, "the listing in the results",
                 lambda d: css(d, f'#search-results li[data-id="{listing_id}"] button'))
        css(client, f'#search-results li[data-id="{listing_id}"] button')[0].click()
        wait_for(client, "the listing's page",
                 lambda d: d.find_element(By.ID, "listing").get_attribute("data-id")
                 == str(listing_id))
        client.find_element(By.ID, "send-inquiry").click()
        wait_for(client, "the inquiry sent",
                 lambda d: "Inquiry #" in d.find_element(By.ID, "listing-status").text)
        wait_for(agent, "the inquiry notification",
                 lambda d: css(d, '#notifications li[data-event="inquiry.created"]'))
        notice = css(agent, '#notifications li[data-event="inquiry.created"]')[0]
        assert "Carol Client" in notice.text
        shot(agent, "2-agent-notified")

        # The client writes to the agent; the ack marks it sent.
        client.find_element(By.ID, "message-agent").click()
        send(client, "Is it still available?")
        wait_for(client, "the ack", lambda d: texts(d, "#messages li.mine .status") == ["sent ✓"])

        # The agent sees the conversation with one unread message, opens it, reads, answers.
        wait_for(agent, "the new conversation, unread",
                 lambda d: texts(d, "#conversations li.conversation .badge") == ["1"])
        assert agent.find_element(By.ID, "unread-total").text == "1"
        css(agent, "#conversations li.conversation button")[0].click()
        wait_for(agent, "the client's message",
                 lambda d: "Is it still available?" in texts(d, "#messages li.theirs .text"))
        answer = "Yes, come and see it on Saturday."
        send(agent, answer)
        wait_for(client, "the agent typing",
                 lambda d: "is typing" in d.find_element(By.ID, "typing").text)
        wait_for(client, "the agent's answer",
                 lambda d: answer in texts(d, "#messages li.theirs .text"))
        wait_for(client, "the read receipt",
                 lambda d: texts(d, "#messages li.mine .status") == ["read ✓✓"])
        shot(client, "3-conversation")
        shot(agent, "3-conversation-agent")

        # Offline for a while: a message sent meanwhile comes with the sync on reconnect.
        client.find_element(By.ID, "disconnect").click()
        wait_for(client, "the socket closed",
                 lambda d: css(d, '#socket-state[data-state="closed"]'))
        send(agent, "Bring your ID, please.")
        wait_for(agent, "the second ack",
                 lambda d: texts(d, "#messages li.mine .status").count("sent ✓") >= 1)
        client.find_element(By.ID, "reconnect").click()
        wait_for(client, "sync filling the gap",
                 lambda d: d.find_element(By.ID, "sync-status").get_attribute("data-filled")
                 == "1")
        wait_for(client, "the missed message",
                 lambda d: "Bring your ID, please." in texts(d, "#messages li.theirs .text"))
        shot(client, "4-after-sync")


# --- the README's browser snippet, run as written in Chromium ----------------------------

SNIPPET_RUN = r"""
const [token, meId, otherId, otherToken, done] = arguments;
const frames = [];
const waitFor = (test) => new Promise((resolve, reject) => {
  const started = Date.now();
  const poll = () => {
    const hit = frames.find(test);
    if (hit) return resolve(hit);
    if (Date.now() - started > 10000) return reject(new Error(JSON.stringify(frames)));
    setTimeout(poll, 50);
  };
  poll();
});
(async () => {
  const chat = new ChatSocket(token, (frame) => frames.push(frame));
  await chat.connect();
  await waitFor((f) => f.type === "synced");
  const first = chat.send(otherId, "hello from the README");
  const ack = await waitFor((f) => f.type === "ack" && f.client_id === first);
  // Offline: what is sent now waits for its ack; what is sent to us waits in the history.
  chat.ws.close();
  const queued = chat.send(otherId, "sent while offline");
  await fetch("/api/v1/chat/messages", {
    method: "POST",
    headers: { Authorization: `Bearer ${otherToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ receiver_id: meId, message: "missed while offline" }),
  });
  const missed = await waitFor((f) => f.type === "message" && f.message === "missed while offline");
  const queuedAck = await waitFor((f) => f.type === "ack" && f.client_id === queued);
  chat.closed = true;
  chat.ws.close();
  done({ ack, missed, queuedAck, synced: frames.filter((f) => f.type === "synced").length });
})().catch((error) => done({ error: String(error) }));
"""


async def test_the_readme_browser_snippet_resends_and_syncs(tmp_path: Path, browsers) -> None:
    async with (
        embedded_server(tmp_path, SHEDA_ENV="development") as server,
        httpx.AsyncClient(base_url=server.url) as http,
    ):
        people = []
        for email in ("dee@example.com", "eli@example.com"):
            response = await http.post("/api/v1/auth/register",
                                       json={"email": email, "password": PASSWORD})
            assert response.status_code == 201, response.text
            people.append(response.json())
        me, other = people
        driver = browsers()
        driver.get(f"{server.url}/playground")  # any page of the server: its origin
        driver.set_script_timeout(30)
        result = driver.execute_async_script(
            snippet("browser") + SNIPPET_RUN, me["access_token"], me["user"]["id"],
            other["user"]["id"], other["access_token"],
        )
        assert "error" not in result, result.get("error", "")
        assert result["ack"]["seq"] == 1
        assert result["missed"]["seq"] == 2  # came with the sync after the reconnect
        assert result["queuedAck"]["seq"] == 3
        assert result["synced"] == 2  # one sync per connection
        seen = await http.get(f"/api/v1/chat/chat-history/{other['user']['id']}",
                              headers={"Authorization": f"Bearer {me['access_token']}"})
        texts = [m["message"] for m in seen.json()]
        # Each stored once, the queued one included (resent by client_id on reconnect).
        assert texts == ["sent while offline", "missed while offline", "hello from the README"]
