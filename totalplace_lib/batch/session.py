"""What one report leaves behind in a kernel, cleared before the next report runs in the same kernel.

A batch keeps one kernel warm per worker (:mod:`runner`): the library is imported and the validated tables
are cached once, not once per report. Before each report the kernel is returned to the state a fresh one
would have, as far as a report can tell: no names from the previous notebook, no open figures, the chart
style as first applied, warnings shown again, no tables waiting to be exported, no place picked, and
execution counts from 1 (so the executed notebook is the same whichever kernel ran it).
"""

from __future__ import annotations

RESET_CODE = """\
get_ipython().reset(new_session=True)  # what %reset does: names go, counts from 1 (batch kernels cache no output)
import sys as _sys
if "totalplace_lib" in _sys.modules:
    from totalplace_lib.batch import session as _session
    _session.fresh_report()
    del _session
del _sys
"""
"""Run silently (no history, no output) in a warm kernel before each report."""


def fresh_report() -> None:
    """Clear the library's per-report state in this kernel (figures, style, warnings, shown tables, picks)."""
    import gc
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt

    from totalplace_lib.report import charts, tables, widgets

    plt.close("all")
    matplotlib.rcdefaults()  # a report that changed rcParams leaves nothing for the next
    charts.reset_style()  # the next chart applies the style afresh
    kept = list(warnings.filters)
    warnings.resetwarnings()  # forgets which warnings were already shown ...
    warnings.filters[:] = kept  # ... while keeping the filters as they were
    tables.SHOWN.clear()
    widgets._CHOSEN.clear()
    # The report's garbage goes now that its names have (its charts are cycles of objects, which only a
    # collection frees). What is left is what every later report keeps: the libraries, cached tables and the
    # caches each report adds to (text sizes, fonts, counts). Frozen, the garbage collector no longer scans
    # them at every collection: after a few reports that scan took 0.1 s each time, however little there was
    # to collect. Frozen objects are still freed when nothing refers to them; a reference cycle among them
    # would stay, which is why the collection comes first (batch kernels keep no output cache to hold a
    # report's results past it: kernels.BATCH_KERNEL_ARGUMENTS).
    gc.collect()
    gc.freeze()
