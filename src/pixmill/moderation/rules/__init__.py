"""Packaged rule data (default.yaml, confusables.json); a package so that wheels ship it."""
