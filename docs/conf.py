# Sphinx configuration of the documentation site. `python tools/build_docs.py` copies this file next to
# the pages it prepares from the notebooks and builds them; it is not meant to be run from docs/ directly.
project = 'ulmfit_nb'
author = 'ulmfit_nb developers'
copyright = '2026 onwards, ulmfit_nb developers'
extensions = ['myst_nb']
html_theme = 'furo'
html_title = 'ulmfit_nb'
html_static_path = []
html_copy_source = False      # no _sources/ copies of the notebooks
html_show_sourcelink = False
nb_execution_mode = 'off'     # the site shows the outputs committed in the notebooks; it never runs them
nb_ipywidgets_js = {}         # no widget state is committed, so no widget scripts (they would come from a CDN)
nb_merge_streams = True       # one block per stream, as Jupyter shows it
myst_heading_anchors = 3      # #section links inside and between pages
exclude_patterns = ['_build']
html_favicon = 'favicon.svg'  # copied next to conf.py by build_docs.py; without one the browser asks for /favicon.ico
