"""Use cases: sign up, publish availability, list slots, book, cancel, reschedule.

Services take their collaborators (repositories, clock, hasher, token issuer) as
arguments; bootstrap/ builds them once per Lambda container.
"""
