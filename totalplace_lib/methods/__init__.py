"""Methods: the formulas every theme shares -- the count, unit costs and uprating, concentration, customer
journeys, the birth cohort, benchmarks and funnels, statistical neighbours, places compared, the count since
2009/10 and what it rests on, the stated assumptions and the HM Treasury place-based CBA (:mod:`.cba`).
Uses data and core, never a theme or the report."""
