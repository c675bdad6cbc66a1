"""The kernels a batch runs its reports in, and the papermill engine that drives them.

* Kernels talk over IPC sockets with a unique connection file, so parallel runs cannot race for the same
  TCP port (papermill #511).
* A worker keeps one kernel between its reports (:func:`warm_kernel`), made fresh before each
  (:mod:`session`), so every report but the first skips the kernel start, library import and table loads;
  a kernel that failed a report is retired and replaced.
* :class:`BatchEngine` writes the executed notebook once, when the run ends.
* The per-report timeout interrupts the report's kernel (:func:`kill_report_kernel`).

Imported by :mod:`runner` only when a report runs (papermill and jupyter_client take about a second to
import), after it has blocked jsonschema's slow optional import.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
import uuid
from pathlib import Path
from queue import Empty

from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import KernelManager
from papermill.engines import NBClientEngine, papermill_engines

from totalplace_lib.core import compat

logger = logging.getLogger(__name__)

KERNEL_NAME = "python3"
ENGINE = "totalplace-batch"

LIVE: dict[int, KernelManager] = {}
"""Thread id -> the kernel manager of the report that thread is running (for the per-report timeout)."""

WARM: dict[int, KernelManager] = {}
"""Thread id -> the kernel that worker keeps between reports of a batch (see :func:`warm_kernel`)."""


class ReadyClient(BlockingKernelClient):
    """A kernel client that knows the kernel is ready as soon as it has shown it, not 0.2 s later.

    jupyter_client's ``wait_for_ready`` gets a kernel_info reply, then reads the IOPub channel until it has
    been silent for 0.2 s. Every report connects two clients (one resets the warm kernel, one runs the
    notebook), so that silence cost 0.4 s a report. This client waits for the same proof, the reply on
    the shell channel and the kernel's idle status for that request on IOPub (so IOPub is connected and
    nothing of the request is still to come), and asks again if IOPub missed it, as jupyter_client does.
    """

    def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            if not self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            request = self.kernel_info()
            try:
                reply = self.get_shell_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["parent_header"].get("msg_id") == request:
                if self._idle_after(request):
                    compat.record_kernel_info(self, reply)
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    def _idle_after(self, request: str) -> bool:
        """True once IOPub shows the kernel idle after ``request``; False if IOPub stays silent 0.2 s."""
        while True:
            try:
                msg = self.get_iopub_msg(timeout=0.2)
            except Empty:
                return False
            if (msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == request
                    and msg["content"]["execution_state"] == "idle"):
                return True


class IPCKernelManager(KernelManager):
    """A kernel manager using IPC transport with a unique connection file (no TCP port races), whose
    clients are :class:`ReadyClient`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("client_class", "totalplace_lib.batch.kernels.ReadyClient")
        super().__init__(*args, **kwargs)
        run_dir = Path(tempfile.gettempdir()) / "totalplace-kernels"
        run_dir.mkdir(exist_ok=True)
        self.connection_file = str(run_dir / f"kernel-{uuid.uuid4().hex}.json")
        self.ip = str(run_dir / f"ipc-{uuid.uuid4().hex[:12]}")
        LIVE[threading.get_ident()] = self

    def start_kernel(self, **kw):
        kw["extra_arguments"] = [*(kw.get("extra_arguments") or []), *BATCH_KERNEL_ARGUMENTS]
        return super().start_kernel(**kw)


BATCH_KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False", "--InteractiveShell.cache_size=0")
"""Options of every batch kernel; execution counts and outputs do not depend on them.

* No input history: a batch never reads it back, and writing it cost about 8% of a kernel's time, every cell
  committed to one SQLite file that all the batch's kernels share and lock.
* No output cache (``Out``, ``_``, ``_1``...): it kept each report's last results (charts and their canvases)
  alive, and IPython's reset, which empties it, ran a full garbage collection while the report's names were
  still set, so that collection found nothing to free yet cost 0.1 s; :func:`session.fresh_report` collects
  once, after the names have gone."""


class BatchEngine(NBClientEngine):
    """papermill's nbclient engine as a batch uses it.

    * The executed notebook is written once, when the run ends (papermill's own engine rewrites the whole
      notebook, images and all, after every cell: about 90 writes and 2.4 s of the batch process's CPU for
      a theme report). A failed or stopped run is still written, with its error cell, by papermill's
      ``notebook_complete``.
    * With ``km``, the notebook runs in a kernel the batch keeps (:func:`warm_kernel`): the kernel is left
      running for the next report and only this run's connection is closed.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.utils import remove_args

        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        client = PapermillNotebookClient(nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                                         kernel_name=kernel_name, log=logger, log_output=log_output,
                                         stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
        output_path, nb_man.output_path = nb_man.output_path, None  # no save after each cell ...
        try:
            return client.execute()
        finally:
            nb_man.output_path = output_path  # ... one when papermill completes the notebook
            if not client.owns_km and client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE, BatchEngine)


def warm_kernel() -> KernelManager:
    """This worker thread's kernel, started on first use and made fresh for a report (:mod:`session`).

    Reusing a kernel saves every report but the first its kernel start, library import and table loads:
    the phases that make up the floor of a report run in a new kernel (``benchmarks/reports.py``).
    """
    from totalplace_lib.batch import session

    tid = threading.get_ident()
    km = WARM.get(tid)
    if km is None or not km.is_alive():
        km = IPCKernelManager(kernel_name=KERNEL_NAME)
        km.start_kernel()
        WARM[tid] = km
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive(session.RESET_CODE, silent=True, store_history=False, timeout=60)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"could not reset the kernel: {reply['content'].get('evalue', '')}")
    finally:
        kc.stop_channels()
    LIVE[tid] = km
    return km


def retire_kernel() -> None:
    """Shut down this worker thread's warm kernel (after a failed report, whose kernel may be in any state)."""
    km = WARM.pop(threading.get_ident(), None)
    if km is not None:
        _shutdown(km)


def retire_all_kernels() -> None:
    """Shut down every warm kernel (the end of a batch)."""
    while WARM:
        _shutdown(WARM.popitem()[1])


def _shutdown(km: KernelManager) -> None:
    try:
        km.shutdown_kernel(now=True)
    except Exception as exc:  # already gone
        logger.debug("kernel shutdown: %s", exc)


def kill_report_kernel(thread_id: int, flag: dict) -> None:
    """Per-report timeout: interrupt the kernel of the report running in ``thread_id``.

    The running cell then raises KeyboardInterrupt, papermill stops with its error cell, and the
    report fails like any other. (Killing the process instead leaves nbclient waiting for output.)
    """
    km = LIVE.get(thread_id)
    flag["timed_out"] = True
    if km is not None:
        try:
            km.interrupt_kernel()
        except Exception as exc:  # kernel already gone: papermill reports that itself
            logger.debug("could not interrupt kernel: %s", exc)
