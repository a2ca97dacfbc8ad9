"""Read models: lists and pages that do not need the domain's rules to change anything."""
