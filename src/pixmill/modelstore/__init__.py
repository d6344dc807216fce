"""The local model store: diffusers pipelines pulled from a hub (`pixmill models pull`),
or built here (`pixmill models demo`), one folder each under the store's directory.

Nothing here imports torch: pulling, listing and removing work on the base install.
"""
