"""The HM Treasury place-based cost-benefit analysis: ``from totalplace_lib.methods import cba``.

:mod:`.scenario` holds a case as data and validates it, :mod:`.rates` the Green Book discount rates and
optimism bias, :mod:`.engine` the appraisal, sensitivity and Monte Carlo, :mod:`.templates` each theme's
default case filled from the place's data, :mod:`.workbook` the case as an HMT-style workbook. This file
only hands their names on.
"""

from totalplace_lib.methods.cba.engine import (
    Appraisal,
    MonteCarlo,
    appraise,
    benefit_flows,
    carry_ranges,
    cash_flows,
    cost_flows,
    evaluate,
    monte_carlo,
    payback,
    pockets,
    sample_levers,
    switching_value,
    tornado,
    who_benefits,
)
from totalplace_lib.methods.cba.rates import (
    benefit_kept,
    cost_multiplier,
    discount_factors,
    discount_rates,
    discount_schedule,
    optimism_bias_table,
    vfm_band,
)
from totalplace_lib.methods.cba.scenario import Outcome, Scenario, central, check_scenarios, scenario_from_dict
from totalplace_lib.methods.cba.templates import fill_from_data, scenario_for, template_path

__all__ = [
    "Appraisal", "MonteCarlo", "Outcome", "Scenario", "appraise", "benefit_flows", "benefit_kept", "carry_ranges",
    "cash_flows", "central", "check_scenarios", "cost_flows", "cost_multiplier", "discount_factors",
    "discount_rates", "discount_schedule", "evaluate", "fill_from_data", "monte_carlo", "optimism_bias_table",
    "payback", "pockets", "sample_levers", "scenario_for", "scenario_from_dict", "switching_value",
    "template_path", "tornado", "vfm_band", "who_benefits",
]
