"""The dynamic batcher in-process: concurrent requests share model calls up to max_batch, each
gets its own results, settings split batches, a full queue refuses, a timeout answers 504."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("prometheus_client", reason="the serve extra is not installed")

from zoo.serve.batcher import Batcher
from zoo.serve.errors import UserError


def _run_recording(calls):
    def run(inputs, settings):
        calls.append((list(inputs), settings))
        return [x * settings.get("factor", 1) for x in inputs]

    return run


def test_requests_are_gathered_and_split_back():
    calls = []

    async def main():
        # max_wait of a minute: the batch is sent when full, not when the wait ends
        batcher = Batcher("m", _run_recording(calls), max_batch=4, max_wait_s=60, max_queue=10)
        batcher.start()
        results = await asyncio.gather(
            batcher.submit([1, 2]), batcher.submit([3]), batcher.submit([4])
        )
        await batcher.stop()
        return results

    assert asyncio.run(main()) == [[1, 2], [3], [4]]
    assert calls == [([1, 2, 3, 4], {})]


def test_settings_run_apart_and_stop_drains():
    calls = []

    async def main():
        batcher = Batcher("m", _run_recording(calls), max_batch=8, max_wait_s=600, max_queue=10)
        batcher.start()
        tasks = [
            asyncio.create_task(batcher.submit([1], (("factor", 2),))),
            asyncio.create_task(batcher.submit([5])),
        ]
        while batcher.depth < 2:
            await asyncio.sleep(0)
        await batcher.stop()  # does not wait out the 600 s
        return [await t for t in tasks]

    assert asyncio.run(main()) == [[2], [5]]
    assert sorted(c[1].get("factor", 1) for c in calls) == [1, 2]


def test_full_queue_and_timeout():
    async def main():
        batcher = Batcher("m", lambda xs, s: xs, max_batch=8, max_wait_s=600, max_queue=1)
        batcher.start()
        waiting = asyncio.create_task(batcher.submit([1], timeout=600))
        while batcher.depth < 1:
            await asyncio.sleep(0)
        with pytest.raises(UserError) as full:
            await batcher.submit([2])
        with pytest.raises(UserError) as late:
            await Batcher("n", lambda xs, s: xs, max_wait_s=600).submit([3], timeout=0.01)
        await batcher.stop()
        return full.value, late.value, await waiting

    full, late, first = asyncio.run(main())
    assert full.status == 503 and "Retry-After" in full.headers
    assert late.status == 504 and first == [1]


def test_a_failing_model_fails_its_batch_only():
    def run(inputs, settings):
        if 0 in inputs:
            raise RuntimeError("boom")
        return inputs

    async def main():
        batcher = Batcher("m", run, max_batch=1, max_wait_s=0, max_queue=10)
        batcher.start()
        bad = await asyncio.gather(batcher.submit([0]), return_exceptions=True)
        good = await batcher.submit([7])
        await batcher.stop()
        return bad, good

    bad, good = asyncio.run(main())
    assert isinstance(bad[0], RuntimeError) and good == [7]
