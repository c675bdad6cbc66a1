"""Themes: the three deep dives (:mod:`.offenders`, :mod:`.early_years`, :mod:`.alcohol`), each built from the
shared methods and its stated assumptions (``data/reference/assumptions/<theme>.yaml``)."""
