"""Scripts that reproduce the seed's tables and figures into results/ (CSV + PNG)."""
