"""Total Place workbooks: the helper package behind the theme notebooks.

Every formula used by a notebook lives here once. Modules are named for the
domain concern they hold:

``paths``     project root and data/report folders, independent of the kernel's cwd
``errors``    one error type that names file, row and column
``schema``    the tidy tables (one definition for sample and public data)
``data``      loading and validating a dataset's tables
``params``    per-area YAML files and notebook parameter validation
``count``     the Total Place count: spend by agency, service and stage, per head
``fmt``       money, share and count formatting for prose and charts
``plots``     the house chart style and the charts reports show
``narrative`` key findings written in plain English from the numbers
``record``    key figures of a run written as JSON beside the report
``sample``    the seeded generator of the committed illustrative data
``runner``    papermill batch execution; ``render`` HTML and index; ``cli`` the command
"""

__version__ = "0.1.0"
