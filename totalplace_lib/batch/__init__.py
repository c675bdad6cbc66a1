"""Batch: every report for every place, run with papermill in warm kernels (:mod:`.runner`, :mod:`.kernels`,
:mod:`.session`), the analyst's working copies (:mod:`.workspace`) and the cross-pilot synthesis
(:mod:`.synthesis`). The top layer but the command; it may use every layer below."""
