"""Report: what a notebook shows and writes -- charts, narrative, tables, the sources appendix, key-figure
records, the workbook export, ipywidgets explorers, HTML and the index, and every notebook's first cell
(:mod:`.notebook`). Draws and words what the layers below computed."""
