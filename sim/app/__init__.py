"""A local browser app (Streamlit) over the same package: choose or upload a scenario, change
its common levers in forms, run and compare with the command line's own code, and download the
what-if YAML, ``report.html``, ``results.xlsx`` and the CSVs.

``python -m sim app`` (``launch``) starts ``page.py`` with Streamlit. The page keeps no model
logic: ``scenarios`` (choose, describe, check an upload), ``edits`` (form values -> a YAML that
``extends:`` the chosen file) and ``runs`` (a session's results folders) call the package.
"""
