"""Driving `learnbot demo` as a process, through its stdin and stdout, as a person would.

Each line typed is answered by the demo's output up to its next prompt (`> `); a press
finds a button by its label on the last screen, and a quiz is answered from the course
files (a right or a wrong option, matched by their text).
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
        questions = [q for lesson in load_course(course).lessons for q in lesson.questions]
        self.answers = {q.question: {q.options[i] for i in q.correct} for q in questions}
        self.explanations = {q.question: q.explanation for q in questions}

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

    def question(self) -> str | None:
        """The quiz question on screen (without its "1/4 · "), if one is."""
        found = QUESTION.search(self.screen)
        return found.group(1) if found is not None else None

    async def answer(self, *, right: bool = True) -> str:
        """Answer the question shown last with a right option, or with a wrong one."""
        *_, question = QUESTION.finditer(self.transcript)
        rights = self.answers[question.group(1)]
        options = OPTION.findall(self.transcript[question.end() :])
        return await self.say(next(n for n, text in options if (text in rights) == right))

    async def pass_quiz(self) -> str:
        """Answer every question of the quiz on screen rightly; the result screen."""
        while self.question() is not None:
            await self.answer()
        return self.screen

    async def quit(self) -> tuple[int, str]:
        """Ctrl-D; the exit code and what the demo wrote on stderr."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        rest, errors = await asyncio.wait_for(self.process.communicate(), STEP_TIMEOUT)
        self.transcript += rest.decode()
        return await self.process.wait(), errors.decode()
