"""Ingest: the publishers' own files into the tidy tables of the ``public`` dataset.

One module per publisher family (:mod:`.cra`, :mod:`.revenue_outturn`, :mod:`.population`, :mod:`.nhs`,
and the CSV families in :mod:`.readers`), the code vintages (:mod:`.vintage`), which places each local body
serves (:mod:`.bodies`), the drivers (:mod:`.drivers`), the count (:mod:`.count`), estimates from published
aggregates (:mod:`.estimates`), and the stages that run them in order (:mod:`.pipeline`).
"""

from totalplace_lib.ingest.pipeline import run_ingest

__all__ = ["run_ingest"]
