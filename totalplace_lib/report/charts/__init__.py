"""Every chart a report shows: ``from totalplace_lib.report import charts``, then ``charts.<name>_chart(...)``.

Each returns a :class:`Chart`: a figure with alt text, drawn by Agg outside pyplot, in the UK Government
Analysis Function style (``afcharts``), with a title that states the finding, a subtitle that gives the unit
and year, and a source line. :mod:`.layout` holds the machinery they share; this file only hands names on.
"""

from totalplace_lib.report.charts.builders import (
    ci_chart,
    hbar_money,
    peer_bars,
    stacked_bars,
    stage_bar,
)
from totalplace_lib.report.charts.cba import (
    npv_distribution_chart,
    payback_chart,
    tornado_chart,
    who_benefits_chart,
)
from totalplace_lib.report.charts.defined import (
    spine_chart,
    theme_lines_chart,
    theme_peers_chart,
    theme_series_chart,
    theme_stage_chart,
)
from totalplace_lib.report.charts.layout import (
    FOCUS,
    PALETTE,
    PNG_LEVEL,
    SOURCE_ROOM,
    STAGE_COLOURS,
    Chart,
    apply_style,
    finish,
    legend_overlaps_data,
    money_axis,
    new_figure,
    png_bytes,
    renderer_of,
    reset_style,
    set_titles,
)
from totalplace_lib.report.charts.place import (
    hex_map_chart,
    peers_per_head_chart,
    pilots_per_head_chart,
    place_map_chart,
    savings_share_chart,
    series_chart,
    spend_by_agency_chart,
    spend_by_service_chart,
    stage_chart,
)
from totalplace_lib.report.charts.themes import (
    benchmark_chart,
    cohort_cost_chart,
    cost_tree_chart,
    crime_cost_chart,
    funnel_chart,
    journey_chart,
    looked_after_chart,
    pareto_chart,
    share_comparison_chart,
    trend_chart,
)

__all__ = [
    "Chart", "FOCUS", "PALETTE", "PNG_LEVEL", "SOURCE_ROOM", "STAGE_COLOURS", "apply_style",
    "benchmark_chart", "ci_chart", "cohort_cost_chart", "cost_tree_chart", "crime_cost_chart", "finish",
    "funnel_chart", "hbar_money", "hex_map_chart", "place_map_chart", "journey_chart", "legend_overlaps_data",
    "looked_after_chart",
    "money_axis", "new_figure", "npv_distribution_chart", "pareto_chart", "payback_chart", "peer_bars",
    "peers_per_head_chart", "pilots_per_head_chart", "png_bytes", "reset_style", "renderer_of", "savings_share_chart",
    "series_chart", "set_titles", "share_comparison_chart", "spend_by_agency_chart",
    "spine_chart", "spend_by_service_chart",
    "stacked_bars", "stage_bar", "stage_chart", "theme_lines_chart", "theme_peers_chart",
    "theme_series_chart", "theme_stage_chart", "tornado_chart", "trend_chart", "who_benefits_chart",
]
