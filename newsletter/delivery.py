"""From "accepted" to "delivered": group-committed queue writes and the in-process worker.

    request ─► Delivery.accept(sub) ─► [writer task] one SQLite transaction + fsync for every
               subscription that arrived while the previous commit ran (group commit)
                 ─► the request answers (check-inbox, or the backend's verdict if it comes
                     within `answer_wait` seconds: Mailchimp's compliance etc.)
                 ─► hand-off in memory ─► [worker tasks] backend.subscribe in a thread
                         ├─ delivered / rejected ─► job removed from the queue
                         └─ Retryable ─► stays queued with exponential backoff + jitter
    [retry task] every poll interval (or when the workers run dry): due queue jobs
                 (retries, overflow, jobs of a process that died) ─► the same workers

Nothing is answered before the subscription is durable, so nothing accepted is lost: a job
handed off in memory is also leased to this process in SQLite, and if the process dies the
lease runs out and any drainer (another worker process, `flush-queue`) delivers it. Backends
are idempotent per Subscription.id, so a job delivered twice (a crash after delivery, before
the job was removed) still makes one member and one confirmation mail.

The memory hand-off is bounded (`max_backlog`); beyond it jobs are committed unleased and the
retry task feeds them to the workers as they free up, so a burst never holds a lease longer
than the workers need to reach it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from newsletter.backends import Backend, Subscription
from newsletter.queue import RetryQueue

logger = logging.getLogger(__name__)


@dataclass
class _Accepted:
    sub: Subscription
    handed_off: bool  # leased to this process and queued in memory
    committed: asyncio.Future  # resolved when durable (or with the commit's exception)
    verdict: asyncio.Future  # resolved with the first attempt's outcome (None: still queued)


class Delivery:
    """The endpoint's write path: durable acceptance, then background delivery."""

    def __init__(self, queue: RetryQueue, backend: Backend, *, workers: int = 4,
                 answer_wait: float = 0.0, poll_interval: float = 5.0, retry: bool = True,
                 max_backlog: int = 2000):
        self.queue = queue
        self.backend = backend
        self.workers = workers
        self.answer_wait = answer_wait
        self.poll_interval = poll_interval
        self.retry = retry
        self.max_backlog = max_backlog
        self._pending: list[_Accepted] = []
        self._finished: list[str] = []  # delivered/rejected job ids, removed in the next commit
        self._finished_lock = threading.Lock()
        self._jobs: asyncio.Queue | None = None
        self._tasks: list[asyncio.Task] = []
        self._wake_writer: asyncio.Event | None = None
        self._wake_retry: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Threads: one for commits (never queued behind a slow backend call), `workers` for
        # backend calls (SMTP, Mailchimp: I/O that releases the GIL).
        self._commit_pool = ThreadPoolExecutor(1, thread_name_prefix="newsletter-commit")
        self._backend_pool = ThreadPoolExecutor(workers, thread_name_prefix="newsletter-deliver")
        self._outstanding = 0  # accepted or handed-off work not finished yet (wait_idle)
        self._idle = threading.Condition()

    # --- life cycle (the app's lifespan) -------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._jobs = asyncio.Queue()
        self._wake_writer = asyncio.Event()
        self._wake_retry = asyncio.Event()
        self._tasks = [asyncio.create_task(self._write(), name="newsletter-writer")]
        self._tasks += [asyncio.create_task(self._work(), name=f"newsletter-worker-{n}")
                        for n in range(self.workers)]
        if self.retry:
            self._tasks.append(asyncio.create_task(self._retry(), name="newsletter-retry"))

    async def stop(self) -> None:
        """Finish pending commits, stop the tasks, give unstarted jobs back to the queue."""
        if self._pending:
            self._wake_writer.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    asyncio.gather(*(a.committed for a in list(self._pending)),
                                   return_exceptions=True), 10)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        unstarted = []
        while self._jobs is not None and not self._jobs.empty():
            sub, _attempts, _verdict = self._jobs.get_nowait()
            unstarted.append(sub.id)
        # Let attempts already in a thread finish (bounded by the backends' own timeouts),
        # then record what they finished.
        await self._loop.run_in_executor(None, self._backend_pool.shutdown, True)
        with self._finished_lock:
            finished, self._finished = self._finished, []
        with contextlib.suppress(Exception):  # a failure only means a later idempotent retry
            await self._loop.run_in_executor(self._commit_pool, self.queue.commit, [], finished)
            if unstarted:  # due at once for the next process instead of after the lease
                await self._loop.run_in_executor(self._commit_pool, self.queue.release,
                                                 unstarted)
        self._commit_pool.shutdown(wait=True)

    # --- the request path ----------------------------------------------------------------
    async def accept(self, sub: Subscription, wait: float | None = None,
                     default: str = "check-inbox") -> str:
        """Make `sub` durable, then answer: `default`, or the backend's own outcome when its
        first attempt finishes within `wait` seconds (`answer_wait` when None). Raises when
        the queue cannot be written (the job is then NOT accepted)."""
        wait = self.answer_wait if wait is None else wait
        if self._loop is None:  # served without lifespan events: start on first use
            await self.start()
        loop = self._loop
        handed_off = self._jobs.qsize() + len(self._pending) < self.max_backlog
        accepted = _Accepted(sub, handed_off, loop.create_future(), loop.create_future())
        self._pending.append(accepted)
        self._track(+1)
        self._wake_writer.set()
        await asyncio.shield(accepted.committed)
        if not (handed_off and wait > 0):
            return default
        try:
            outcome = await asyncio.wait_for(asyncio.shield(accepted.verdict), wait)
        except asyncio.TimeoutError:
            return default  # still in flight: the worker finishes it
        return outcome or default  # None: queued for retry (or dead-lettered, logged)

    # --- tasks ---------------------------------------------------------------------------
    async def _write(self) -> None:
        while True:
            await self._wake_writer.wait()
            self._wake_writer.clear()
            batch, self._pending = self._pending, []
            with self._finished_lock:
                finished, self._finished = self._finished, []
            if not batch and not finished:
                continue
            jobs = [(a.sub, None if a.handed_off else 0.0) for a in batch]
            try:
                await self._loop.run_in_executor(self._commit_pool, self.queue.commit, jobs,
                                                 finished)
            except Exception as err:
                with self._finished_lock:  # try the removals again with the next batch
                    self._finished[:0] = finished
                self._loop.call_later(1.0, self._wake_writer.set)
                logger.exception("newsletter: could not store %d subscription(s)", len(batch))
                for a in batch:
                    a.committed.set_exception(err)
                    self._track(-1)
                continue
            self._track(-len(finished))
            for a in batch:
                a.committed.set_result(None)
                if a.handed_off:
                    self._jobs.put_nowait((a.sub, 0, a.verdict))
                else:
                    self._track(-1)
                    self._wake_retry.set()

    async def _work(self) -> None:
        while True:
            sub, attempts, verdict = await self._jobs.get()
            outcome = None
            try:
                outcome = await self._loop.run_in_executor(
                    self._backend_pool, self.queue.process, self.backend, sub, attempts, None,
                    self._finish)
            except Exception:  # process() handles the backend's errors; this is the queue's
                logger.exception("newsletter: delivering subscription %s failed; it stays "
                                 "queued", sub.id)
            finally:
                if verdict is not None and not verdict.done():
                    verdict.set_result(outcome)
                self._track(-1)
                if self._jobs.empty():
                    self._wake_retry.set()

    def _finish(self, job_id: str) -> None:
        """(worker thread) A job is done: remove it with the next group commit."""
        self._track(+1)  # outstanding until the removal is committed
        with self._finished_lock:
            self._finished.append(job_id)
        self._loop.call_soon_threadsafe(self._wake_writer.set)

    async def _retry(self) -> None:
        """Feed due queue jobs to the workers: retries after backoff, overflow, orphans."""
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake_retry.wait(), self.poll_interval)
            self._wake_retry.clear()
            room = self.workers * 2 - self._jobs.qsize()
            if room <= 0:
                continue
            try:
                due = await self._loop.run_in_executor(self._backend_pool, self.queue.next_due)
                if due is None or due > self.queue.now():
                    continue
                claimed = await self._loop.run_in_executor(
                    self._backend_pool, lambda: self.queue.claim(limit=room))
            except Exception:
                logger.exception("newsletter: retry pass failed; trying again later")
                continue
            for sub, attempts in claimed:
                self._track(+1)
                self._jobs.put_nowait((sub, attempts, None))
            if len(claimed) == room:
                self._wake_retry.set()  # more may be due: look again when workers free up

    # --- observing -----------------------------------------------------------------------
    def _track(self, delta: int) -> None:
        with self._idle:
            self._outstanding += delta
            if self._outstanding == 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block (from another thread) until every accepted job had its attempt; True if so."""
        with self._idle:
            return self._idle.wait_for(lambda: self._outstanding == 0, timeout)

    @property
    def backlog(self) -> int:
        return self._jobs.qsize() if self._jobs is not None else 0
