"""HTTP only: each dialect translates between its wire form and the pipeline."""
