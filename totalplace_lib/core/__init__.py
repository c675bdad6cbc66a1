"""The bottom layer: what every other layer may use and which imports nothing else of the package's."""
