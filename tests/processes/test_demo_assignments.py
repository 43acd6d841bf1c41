"""The assignment loop in `learnbot demo`: the demo learner is also its admin, so what they
submit comes back to them to review; played through stdin as a person would."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.support.databases import ROOT
from tests.support.demo import DemoChat

GOALS = ROOT / "content" / "goals-that-stick"


def demo_environment() -> dict[str, str]:
    unset = {"BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "ADMIN_IDS", "LOG_LEVEL", "LOG_FORMAT"}
    return {name: value for name, value in os.environ.items() if name not in unset}


async def pass_quiz(demo: DemoChat) -> None:
    while demo.question():
        await demo.answer()


async def test_the_demo_learner_submits_reviews_their_own_work_and_sees_it_quoted(
    tmp_path: Path,
) -> None:
    demo = await DemoChat.start(
        [sys.executable, "-m", "bot", "demo"],
        cwd=tmp_path,
        env={**demo_environment(), "PYTHONPATH": str(ROOT)},
        course=GOALS,
    )
    try:
        await demo.say("/start")
        await demo.press("Berlin")
        await demo.press("08:00")
        await demo.press("Goals that stick")
        await demo.press("Start")
        for _lesson in range(2):
            await demo.say("/learn")
            await demo.press("quiz")
            await pass_quiz(demo)
        await demo.say("/learn")
        assert "field 1 of 2" in await demo.press("Assignment")
        await demo.say("Walk <20> min & smile")
        assert "not what this field takes" in await demo.say("[photo]")
        await demo.say("It clears my head and I sleep better.")
        screen = await demo.press("Submit")
        assert "Sent for review" in screen
        assert "Assignment to review" in screen
        await demo.press("Return")
        assert "was returned by Demo" in await demo.say("Which days?")
        assert "Which days?" in await demo.press("Edit and send again")
        await demo.press("✏️ 1")
        await demo.say("Walk 20 min on weekdays")
        await demo.press("Submit")
        assert "v2" in await demo.say("/reviews")
        await demo.press("📄 1")
        await demo.press("Accept")
        assert "was accepted by Demo" in await demo.press("Accept without")
        await demo.press("quiz")
        await pass_quiz(demo)
        assert "Lesson «W: choosing your wish» done!" in demo.transcript
        assert "«Walk 20 min on weekdays»" in await demo.say("/learn")
    finally:
        demo.process.kill()
        await demo.process.wait()
