"""The first run: the interactive `newsradar init`, the checks it makes of each answer,
and the TOML it writes."""
