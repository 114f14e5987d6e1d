"""alxa-monitor: key construction project monitoring for the Alxa Left Banner DRC."""
__version__ = "0.1.0"
