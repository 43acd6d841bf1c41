"""Driving `learnbot demo` as a process, through its stdin and stdout, as a person would.

Each line typed is answered by the demo's output up to its next prompt (`> `); a press
finds a button by its label on the last screen, and a quiz is answered from the course
files (the right options, matched by their text).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from pathlib import Path

from bot.rules.content import load_course
from tests.support.processes import patience

PROMPT = "\n> "
STEP_TIMEOUT = patience(60)
BUTTON = re.compile(r"^\s*\[(\d+)\] (.*)$", re.MULTILINE)
OPTION = re.compile(r"^\s*(\d+)\) (.*)$", re.MULTILINE)
QUESTION = re.compile(r"^❓ \d+/\d+ · (.*)$", re.MULTILINE)


class DemoChat:
    def __init__(self, process: asyncio.subprocess.Process, course: Path) -> None:
        self.process = process
        self.screen = ""
        self.transcript = ""
        self.answers = {
            question.question: {question.options[i] for i in question.correct}
            for lesson in load_course(course).lessons
            for question in lesson.questions
        }

    @classmethod
    async def start(
        cls, command: Sequence[str], *, cwd: Path, env: dict[str, str], course: Path
    ) -> DemoChat:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        chat = cls(process, course)
        await chat._until_prompt()
        return chat

    async def _until_prompt(self) -> str:
        assert self.process.stdout is not None
        output = ""
        while not output.endswith(PROMPT):
            chunk = await asyncio.wait_for(self.process.stdout.read(65536), STEP_TIMEOUT)
            if not chunk:
                raise AssertionError(f"the demo ended; it said:\n{self.transcript}{output}")
            output += chunk.decode()
        self.screen = output
        self.transcript += output
        return output

    async def say(self, line: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()
        return await self._until_prompt()

    async def press(self, label: str) -> str:
        buttons = {text: number for number, text in BUTTON.findall(self.screen)}
        number = next((n for text, n in buttons.items() if label in text), None)
        assert number is not None, f"no button {label!r} in:\n{self.screen}"
        return await self.say(number)

    async def pass_quiz(self) -> str:
        """Answer every question of the quiz on screen rightly; the result screen."""
        while (question := QUESTION.search(self.screen)) is not None:
            right = self.answers[question.group(1)]
            options = OPTION.findall(self.screen[question.end() :])
            number = next(n for n, text in options if text in right)
            await self.say(number)
        return self.screen

    async def quit(self) -> tuple[int, str]:
        """Ctrl-D; the exit code and what the demo wrote on stderr."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        rest, errors = await asyncio.wait_for(self.process.communicate(), STEP_TIMEOUT)
        self.transcript += rest.decode()
        return await self.process.wait(), errors.decode()
