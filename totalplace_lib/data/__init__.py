"""Data: a dataset's tidy tables as a report reads them (:mod:`.datasets`), an analyst's own tables laid over
public data (:mod:`.local`), geography (:mod:`.geography`) and the places of the params files
(:mod:`.places`). Uses only :mod:`totalplace_lib.core`."""
