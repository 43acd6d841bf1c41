"""The dashboard in a real browser: headless Chromium (Debian's) driven by Playwright.

One browser for the module; each test opens a page over the seeded school on both
databases. Screenshots of each view go to docs/dashboard/ (from the SQLite leg), and the
first render's time is printed (measured by the page's script, never asserted).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, async_playwright

from bot.rules.clock import FixedClock
from tests.support.dashboard import ADMIN, LEARNER, MENTOR, XSS_NAME, Seeded, init_data

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "dashboard"
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        await browser.close()


async def open_as(browser: Browser, client: TestClient, raw: str, path: str = "/app/") -> Page:
    """The page as the Mini App opens it without Telegram's script: initData in the
    address's fragment (Telegram's script is not fetched: no network in tests)."""
    page = await browser.new_page(viewport=PHONE)
    await page.route("https://telegram.org/**", lambda route: route.abort())
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.dialogs = dialogs  # type: ignore[attr-defined]
    await page.goto(f"{client.make_url(path)}#tgWebAppData={quote(raw, safe='')}")
    await page.locator("body[data-rendered]").wait_for(state="attached")
    return page


async def rendered(page: Page, label: str) -> None:
    await page.wait_for_load_state("networkidle")
    ms = await page.evaluate("document.body.dataset.rendered")
    print(f"first render of the {label}: {ms} ms")


async def no_horizontal_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]


async def save(page: Page, backend: str, name: str) -> None:
    if backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


async def test_the_learner_sees_their_page_at_360_px(
    browser: Browser, client: TestClient, clock: FixedClock, backend: str
) -> None:
    page = await open_as(browser, client, init_data(LEARNER, clock.now()))
    await rendered(page, "learner's page")
    assert "tgWebAppData" not in page.url  # taken out of the address at once
    await page.get_by_text("Git basics", exact=True).first.wait_for()
    assert await page.locator("svg.chart rect.day.lesson").count() == 3
    await page.get_by_text("ABCD2345EF").wait_for()
    await page.get_by_role("link", name="Show the certificate").click()
    await page.locator("img.picture").wait_for()
    await page.get_by_text("Module 1").first.wait_for()
    await no_horizontal_scroll(page)
    await save(page, backend, "learner")
    await page.get_by_role("link", name="All time").click()
    await page.locator("ol.board li.me").get_by_text("Ada").wait_for()
    await page.close()


async def test_the_mentor_sees_the_cohort_and_a_hostile_name_stays_text(
    browser: Browser, client: TestClient, clock: FixedClock, seeded: Seeded, backend: str
) -> None:
    page = await open_as(browser, client, init_data(MENTOR, clock.now()))
    await rendered(page, "mentor's page")
    await page.get_by_role("link", name="Cohorts").click()
    await page.get_by_role("link", name="Spring <class>").click()
    await page.get_by_role("link", name=XSS_NAME).wait_for()
    await page.get_by_text("Nothing waits for your review.").wait_for()
    assert await page.locator("img").count() == 0
    await page.get_by_role("link", name="Streak").click()
    await page.get_by_role("link", name="Streak").and_(page.locator(".on")).wait_for()
    # The sorted table reloads the view: its sections load again before the screenshot.
    await page.get_by_text("Nothing waits for your review.").wait_for()
    await page.get_by_role("heading", name="Funnel").wait_for()
    await no_horizontal_scroll(page)
    await save(page, backend, "mentor-cohort")
    await page.get_by_role("link", name=XSS_NAME).click()
    await page.get_by_text("Module 1").first.wait_for()
    await page.locator("svg.chart rect.day").first.wait_for()
    await page.get_by_role("heading", name=XSS_NAME).wait_for()
    await save(page, backend, "mentor-member")
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert await page.evaluate("document.querySelectorAll('img, [onerror]').length") == 0
    await page.close()


async def test_the_admin_sees_the_school_charts(
    browser: Browser, client: TestClient, clock: FixedClock, backend: str
) -> None:
    page = await open_as(browser, client, init_data(ADMIN, clock.now()))
    await page.get_by_role("link", name="School").click()
    await page.get_by_text("Active learners per day").first.wait_for()
    await page.get_by_text("Busiest hours (local time)").first.wait_for()
    assert await page.locator("svg.chart").count() >= 5
    await no_horizontal_scroll(page)
    await save(page, backend, "admin")
    await page.close()


@pytest.mark.parametrize("kind", ["forged", "tampered", "hour-old"])
async def test_bad_init_data_gets_a_page_that_says_so(
    browser: Browser, client: TestClient, clock: FixedClock, kind: str, backend: str
) -> None:
    good = init_data(LEARNER, clock.now())
    raw = {
        "forged": init_data(LEARNER, clock.now(), token="42:NOT-THE-BOTS"),
        "tampered": good.replace("Someone", "Mallory"),
        "hour-old": init_data(LEARNER, clock.now() - timedelta(hours=1, seconds=5)),
    }[kind]
    page = await open_as(browser, client, raw)
    await page.get_by_text("This dashboard could not be verified").wait_for()
    assert await page.get_attribute("#view", "data-status") == "401"
    if kind == "forged":
        await save(page, backend, "refused")
    await page.close()


async def test_a_mentor_asking_for_another_cohorts_member_gets_403(
    browser: Browser, client: TestClient, clock: FixedClock, seeded: Seeded
) -> None:
    page = await open_as(browser, client, init_data(MENTOR, clock.now()))
    await page.evaluate(
        "path => document.querySelector('[data-go]').setAttribute('data-go', path)",
        f"/app/part/member?cohort={seeded.other_cohort_id}&user={seeded.other_id}",
    )
    await page.locator("[data-go]").first.click()
    await page.get_by_text("Not yours to see").wait_for()
    assert await page.get_attribute("#view", "data-status") == "403"
    await page.close()
