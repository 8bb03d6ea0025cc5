"""Storage: PynamoDB models and the repositories that turn items into domain objects.

Models never leave this package; repositories implement the ports of services/ports.py.
"""
