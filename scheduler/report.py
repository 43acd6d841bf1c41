"""What a job run did, for the log and for `learnbot jobs run`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class JobReport:
    job: str
    due: int = 0
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        sent = ", ".join(f"{k.lower()} {v}" for k, v in sorted(self.outcomes.items()))
        return f"{self.job}: due {self.due}, claimed {self.claimed}" + (f"; {sent}" if sent else "")
