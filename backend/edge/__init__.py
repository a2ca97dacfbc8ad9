"""The shared edge: what the JSON API, the offline sync endpoint and the pages all need at their border.

Problem+json answers and field errors, the text check, the request's authentication, and one schema per
command (used alike by a page form, the API and the sync replay). Entry points import from here instead
of from each other; the edge imports the domain, queries and the account area, never an entry point.
"""
