"""Published figures as data (``scenarios/figures/*.yaml``): loading and checking a figures
file, a figure's model value per replication, and whether the model meets it."""

from sim.analysis.registry import RENAMED
from sim.figures.evaluate import assess, figure_values
from sim.figures.load import FigureSet, check_against, load_figures
from sim.figures.schema import Figure

__all__ = ["RENAMED", "Figure", "FigureSet", "assess", "check_against", "figure_values",
           "load_figures"]
