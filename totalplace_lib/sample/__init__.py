"""Sample: the seeded generator of the committed illustrative dataset (:mod:`.generator`, its theme tables in
:mod:`.themes`) and an example of an analyst's own tables (:mod:`.overlay`). Calibrated with the themes' own
methods, so it sits above them."""
