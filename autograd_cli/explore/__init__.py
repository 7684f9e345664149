"""`vjp explore`: a full-screen live explorer (Textual) over the same request layer and engines as the CLI.

Only ``app.run`` is meant to be called from outside (the CLI's ``explore`` command imports
it lazily): nothing here is imported by the other commands, so they never load Textual.
"""
