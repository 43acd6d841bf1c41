"""What a job run did, for the log and for `learnbot jobs run`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class JobReport:
    job: str
    due: int = 0
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, other: JobReport) -> JobReport:
        """This report with another run's counts added (one job doing two kinds of push)."""
        outcomes = dict(self.outcomes)
        for name, count in other.outcomes.items():
            outcomes[name] = outcomes.get(name, 0) + count
        return JobReport(self.job, self.due + other.due, self.claimed + other.claimed, outcomes)

    def __str__(self) -> str:
        sent = ", ".join(f"{k.lower()} {v}" for k, v in sorted(self.outcomes.items()))
        return f"{self.job}: due {self.due}, claimed {self.claimed}" + (f"; {sent}" if sent else "")
