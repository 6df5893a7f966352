"""Pure domain rules: label status on a date, text folding, statistics, ratings, the
vocabularies of stored values and the limits the API enforces.

No Strawberry, no graphql-core, no database driver: every function here takes plain values
and returns plain values, so it is the easiest code to test and the one truth that every
other layer asks (a status filter, a status count and a timeline all call `labels`).
"""
