"""Conversation state in memory (no REDIS_URL) that holds only the conversations under way.

aiogram's `MemoryStorage` keeps a record for every chat it is ever asked about, and the FSM
middleware asks about the sender of every update: a polling bot would hold a record for each
learner it has ever heard from (about half a kilobyte each; half a gigabyte after a million
learners). Here a read creates nothing, and a record whose state and data are both empty
again (the conversation finished) is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import copy
from typing import Any

from aiogram.fsm.storage.base import StateType, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage, MemoryStorageRecord


class ConversationsInMemory(MemoryStorage):
    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await super().set_state(key, state)
        self._forget_if_empty(key)

    async def get_state(self, key: StorageKey) -> str | None:
        record = self.storage.get(key)
        return record.state if record is not None else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await super().set_data(key, data)
        self._forget_if_empty(key)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = self.storage.get(key)
        return record.data.copy() if record is not None else {}

    async def get_value(
        self, storage_key: StorageKey, dict_key: str, default: Any | None = None
    ) -> Any | None:
        record = self.storage.get(storage_key)
        return copy(record.data.get(dict_key, default)) if record is not None else default

    def _forget_if_empty(self, key: StorageKey) -> None:
        record = self.storage.get(key)
        if record is not None and record == MemoryStorageRecord():
            del self.storage[key]
