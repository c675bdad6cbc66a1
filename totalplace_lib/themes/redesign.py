"""The key figures every theme records of its redesign case (the HM Treasury CBA): one definition for all three."""

from __future__ import annotations

from totalplace_lib.core.figures import figure


def case_figures(a, mc, source: str, name: str, basis: str) -> dict[str, dict]:
    """NPV, fiscal and cashable saving a year, PV costs, BCR and P(benefits > costs) of a redesign case.

    Parameters
    ----------
    a : Appraisal
        The case appraised (£ at ``a.price_year``).
    mc : MonteCarlo
        Its Monte Carlo (draws and seed are named in the source).
    source : str
        Where the case and its figures come from.
    name : str
        The case's short name for labels ("IOM redesign", "Earlier-help").
    basis : str
        The basis of the figures the case rests on.
    """
    py = a.price_year
    return {
        "cba_npv_gbp": figure(a.npv, "GBP (present value)", py, source, f"{name} NPV", basis=basis),
        "cba_annual_fiscal_saving_gbp": figure(a.annual_fiscal_saving, "GBP per year", py, source,
                                               "Net fiscal saving a year (equivalent annual)", basis=basis),
        "cba_annual_cashable_saving_gbp": figure(a.annual_cashable_saving, "GBP per year", py, source,
                                                 "Net cashable saving a year (equivalent annual)", basis=basis),
        "cba_pv_costs_gbp": figure(a.pv_costs, "GBP (present value)", py, source, "Redesign PV costs", basis=basis),
        "cba_bcr": figure(a.bcr, "ratio", py, source, f"{name} BCR", basis=basis),
        "cba_prob_benefit_exceeds_cost": figure(mc.p_benefit_exceeds_cost, "proportion", py,
                                                f"{source}; {mc.draws} draws, seed {mc.seed}", "P(benefits > costs)",
                                                basis=basis),
    }
