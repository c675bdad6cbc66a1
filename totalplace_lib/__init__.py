"""Total Place workbooks: the helper package behind the theme notebooks.

Every formula used by a notebook lives here once, in one module per concern, in its layer's folder. Data
flows one way, each layer importing only from those below it (``make lint`` checks the contract in
``pyproject.toml``; ``docs/architecture.md`` draws it):

``core/``     paths, errors, schema, financial years (``periods``), formatting, gaps, basis, reference
              tables, atomic files, the themes catalogue and the upstream workarounds (``compat``)
``data/``     a dataset's tables (``datasets``), an analyst's own tables (``local``), geography, places
``ingest/``   one reader per publisher family, the vintages of codes, the top-down count, the pipeline
``methods/``  the count, costs and uprating, concentration, journeys, the birth cohort, benchmarks and
              funnels (``overdispersion``), neighbours, places compared (``comparison``), the count since
              2009/10 (``series``) and what it rests on (``provenance``), stated assumptions, the CBA (``cba/``)
``themes/``   offenders, early years, alcohol: each theme's analysis and key figures
``sample/``   the seeded generator of the committed illustrative data
``report/``   charts, narrative, tables, sources, records, widgets, export, HTML, the notebooks' first cell
``batch/``    papermill runs (``runner``), kernels, sessions, the analyst's workspace, the synthesis
``cli``       the command
"""

__version__ = "0.1.0"
