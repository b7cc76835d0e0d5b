"""Where replications run: in this process, over local processes, or on a Dask cluster.

Every executor is given module-level functions and their arguments and hands back each
result with its position, as soon as it is done. Results depend only on the arguments, never
on the executor, the worker or the order of completion, so every executor gives bitwise
identical numbers (tested). Dask is an optional extra: ``pip install ".[dask]"``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any, Callable, Iterator, Literal, Protocol, Sequence

if TYPE_CHECKING:  # an optional extra
    from distributed import LocalCluster

ExecutorName = Literal["serial", "processes", "dask"]
EXECUTORS: tuple[ExecutorName, ...] = ("serial", "processes", "dask")

# Applied to the workers of a cluster we start; set the same on the workers of your own
# cluster (environment: DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False). Dask's
# statistical profiler samples each worker's stack every 10 ms from another thread,
# competing for the GIL with the pure-Python model, and is of no use here.
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}

STOP_SECONDS = 10  # to close an interrupted local cluster, whose workers are already killed

Call = tuple[Callable[..., Any], tuple[Any, ...]]  # (module-level function, its arguments)


class ExecutorUnavailable(RuntimeError):
    """An executor that cannot be used here (an optional extra not installed)."""


class Executor(Protocol):
    workers: int

    def completed(self, calls: Sequence[Call]) -> Iterator[tuple[int, Any]]:
        """Yield (position in ``calls``, result) for each call as it finishes."""
        ...


class Serial:
    workers = 1

    def completed(self, calls: Sequence[Call]) -> Iterator[tuple[int, Any]]:
        for i, (fn, args) in enumerate(calls):
            yield i, fn(*args)


class Processes:
    """A pool of local worker processes, kept for the life of the ``open_executor`` block."""

    def __init__(self, pool: ProcessPoolExecutor, workers: int):
        self.pool = pool
        self.workers = workers

    def completed(self, calls: Sequence[Call]) -> Iterator[tuple[int, Any]]:
        futures = {self.pool.submit(fn, *args): i for i, (fn, args) in enumerate(calls)}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except GeneratorExit:  # a caller that stops early leaves no queued work running
            for future in futures:
                future.cancel()
            raise
        except BaseException:
            # interrupted (Ctrl-C, SIGTERM): the pool's own shutdown cancels the queued work,
            # so that its manager thread, when the killed workers break the pool, does not set
            # an error on a future cancelled behind its back (InvalidStateError, Python 3.11)
            self.pool.shutdown(wait=False, cancel_futures=True)
            raise


class Dask:
    """A Dask distributed client: a local cluster of ``workers`` single-threaded processes,
    or an existing scheduler."""

    def __init__(self, client: Any, workers: int):
        self.client = client
        self.workers = workers

    def completed(self, calls: Sequence[Call]) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed as dask_completed

        # pure=False: identical arguments are still separate tasks (a replication is cheap
        # to describe but each call is wanted).
        futures = [self.client.submit(fn, *args, pure=False) for fn, args in calls]
        position = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in dask_completed(futures):
                yield position[future.key], future.result()
        finally:
            self.client.cancel(futures)


@contextlib.contextmanager
def open_executor(name: ExecutorName = "processes", jobs: int | None = None,
                  scheduler: str | None = None) -> Iterator[Executor]:
    """An executor for the length of the block.

    ``jobs`` is the number of local workers (default: all cores). ``scheduler`` is the address
    of a running Dask scheduler (``tcp://host:8786``); without it ``dask`` starts a local
    cluster, which costs a few seconds.
    """
    if name not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, got {name!r}")
    if scheduler is not None and name != "dask":
        raise ValueError("a scheduler address needs the dask executor (--executor dask)")
    workers = max(1, jobs or os.cpu_count() or 1)
    if name == "serial" or (name == "processes" and workers == 1):
        yield Serial()
    elif name == "processes":
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield Processes(pool, workers)
    else:
        with _dask_client(workers, scheduler) as client:
            yield Dask(client, sum(client.nthreads().values()))


@contextlib.contextmanager
def _dask_client(workers: int, scheduler: str | None) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExecutorUnavailable('the dask executor needs the optional extra: '
                                  'pip install ".[dask]"') from None
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    import dask

    # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, which hands freed memory back
    # to the system at every turn, while the model allocates and frees small objects all the
    # time (8 replications took 14.0 s without it, 14.8 s with it: within the noise, but the
    # setting buys nothing here).
    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items()
               if k != "MALLOC_TRIM_THRESHOLD_"}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}), \
            contextlib.ExitStack() as stack:
        try:
            with _interrupts_held_back():
                # the scheduler's HTTP server on a free port: two clusters on one machine
                # (two commands at once) would otherwise both ask for 8787, with a warning
                cluster = stack.enter_context(LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True,
                    dashboard_address=":0", config=WORKER_CONFIG))
                client = stack.enter_context(Client(cluster))
            yield client
        except KeyboardInterrupt:
            _stop_quietly(cluster)
            raise


@contextlib.contextmanager
def _interrupts_held_back() -> Iterator[None]:
    """Ctrl-C and SIGTERM held back while a local cluster starts, then passed on to their
    handlers (an interrupted start leaves a cluster that cannot be closed); and Ctrl-C kept
    from the cluster's workers for good.

    Ctrl-C reaches the terminal's whole process group: each worker would stop on its own,
    mid-task, printing a traceback. So SIGINT is blocked in this thread for the block: the
    cluster's event-loop thread inherits the mask, the workers it spawns too (a signal mask
    survives fork and exec), and this process stops them instead (``_stop_quietly``)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows has no signal masks
        yield
        return
    from multiprocessing import resource_tracker

    # started now: started later, from the cluster's thread, it would unblock SIGINT there
    resource_tracker.ensure_running()
    received: list[int] = []
    handlers = {}
    if threading.current_thread() is threading.main_thread():  # which owns the handlers
        handlers = {signum: signal.signal(signum, lambda signum, frame: received.append(signum))
                    for signum in (signal.SIGINT, signal.SIGTERM)
                    if signal.getsignal(signum) is not None}  # None: a handler not Python's
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    if received:
        signal.raise_signal(received[0])


def _stop_quietly(cluster: LocalCluster) -> None:
    """End an interrupted local cluster at once: its workers are busy in a replication (pure
    Python, so they cannot be asked to stop) and the result is not wanted, so they are killed
    rather than waited for, without the warnings Dask logs about each of them."""
    # kept quiet for the rest of the (interrupted, ending) command: the cluster's comms log
    # their closing from background threads after close() returns
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    for nanny in cluster.workers.values():
        if nanny.process is not None and nanny.process.process is not None:
            nanny.process.process.terminate()
    cluster.close(timeout=STOP_SECONDS)
