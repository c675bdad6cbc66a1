"""Total Place workbooks: the helper package behind the theme notebooks.

Every formula used by a notebook lives here once. Modules are named for the
domain concern they hold:

``paths``     project root and data/report folders, independent of the kernel's cwd
``errors``    one error type that names file, row and column
``schema``    the tidy tables (one definition for sample and public data)
``data``      loading and validating a dataset's tables
``params``    per-area YAML files and notebook parameter validation
``count``     the Total Place count: spend by agency, service and stage, per head
``costs``     unit costs and GDP-deflator uprating; ``cba`` the HMT place-based CBA engine
``concentration`` Pareto / Lorenz: how few people account for how much
``journey``   customer-journey costing: contacts x unit costs
``cohort``    a birth cohort followed to 18 through children's services (Markov model)
``benchmark`` places against the pilots and England: CIs, funnels, trends (PHStatsMethods)
``offenders``, ``early_years``, ``alcohol``  the three deep-dive themes
``synthesis`` every recorded figure side by side across the pilots
``tables``    report tables (money as money, data escaped); ``sources`` the sources appendix
``widgets``   ipywidgets explorers and the place picker for JupyterLab; ``workspace`` the analyst's copies
``fmt``       money, share and count formatting for prose and charts
``plots``     the house chart style and the charts reports show
``narrative`` key findings written in plain English from the numbers
``record``    key figures of a run written as JSON beside the report
``sample``    the seeded generator of the committed illustrative data (themes in ``sample_themes``)
``runner``    papermill batch execution; ``kernels`` the warm kernels and engine it runs reports in;
``session``   what a report leaves in a kernel, cleared before the next; ``render`` HTML and index;
``cli``       the command
"""

__version__ = "0.1.0"
